"""Benchmarks: the real CLI as a child process against the fake Flickr on 127.0.0.1."""
