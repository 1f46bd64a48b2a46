"""`python -m flickr_async`."""

from flickr_async.cli import main

main()
