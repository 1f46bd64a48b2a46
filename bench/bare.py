"""The floor of benchmark 13: the first search page, then every url_o fetched by 8 threads of
plain urllib, read and thrown away (no metadata, no file written, no retries).

    FLICKR_API_KEY=... FLICKR_API_SECRET=... FLICKR_OAUTH_TOKEN=... \\
    FLICKR_OAUTH_TOKEN_SECRET=... FLICKR_API_BASE=http://127.0.0.1:PORT/services \\
    python -m bench.bare [THREADS]

What 8 connections to the fake cost with nothing else to do: a backup at c=8 cannot beat it.
Prints {"files": N, "bytes": B} on stdout.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import urllib.request

from bench.naive import EXTRAS, Flickr


def main() -> None:
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    flickr = Flickr(dict(os.environ))
    items = flickr.call(
        "flickr.photos.search", user_id="me", extras=EXTRAS, per_page=500, page=1, safe_search=3
    )["photos"]["photo"]
    urls: queue.Queue[str] = queue.Queue()
    for item in items:
        if item.get("url_o"):
            urls.put(item["url_o"])
    received = [0] * threads

    def work(n: int) -> None:
        while True:
            try:
                url = urls.get_nowait()
            except queue.Empty:
                return
            with urllib.request.urlopen(url, timeout=60) as resp:
                while block := resp.read(1 << 16):
                    received[n] += len(block)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"files": len(items), "bytes": sum(received)}))


if __name__ == "__main__":
    main()
