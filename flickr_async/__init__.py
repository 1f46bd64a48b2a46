"""flickr-async: a fast, complete, incremental backup of a Flickr account."""

__version__ = "0.1.0"
