"""`python -m flickr_async`."""

if __name__ == "__main__":  # not when a worker process of the site's build imports it
    from flickr_async.cli import main

    main()
