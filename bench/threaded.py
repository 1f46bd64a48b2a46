"""A threaded peer of flickrbackup's design: N threads, each photo's API calls before its download.

    (the environment of bench/naive.py) python -m bench.threaded OUT [THREADS]

One listing page at a time (photos.search), then a thread pool: for every photo
photos.getInfo and photos.getSizes (the original's URL comes from getSizes, as flickrbackup
takes it), then the download and a JSON file. A 429 is waited out as such scripts do: a fixed
pause (Retry-After if given), then the same call again; no pacing of its own. Counts the
429s it received.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.naive import Flickr, download

PAUSE = 1.0  # seconds after a 429 without Retry-After


class Peer:
    def __init__(self, flickr: Flickr) -> None:
        self.flickr = flickr
        self.lock = threading.Lock()
        self.throttled = 0

    def call(self, method: str, **params: str | int) -> dict[str, Any]:
        while True:
            try:
                return self.flickr.call(method, **params)
            except urllib.error.HTTPError as exc:
                if exc.code != 429:
                    raise
                with self.lock:
                    self.throttled += 1
                time.sleep(float(exc.headers.get("Retry-After") or PAUSE))

    def photo(self, item: dict[str, Any], out: Path) -> int:
        info = self.call("flickr.photos.getInfo", photo_id=item["id"])
        sizes = self.call("flickr.photos.getSizes", photo_id=item["id"])
        listed = {s["label"]: s["source"] for s in sizes["sizes"]["size"]}
        url = listed.get("Original") or listed.get("Video Original") or list(listed.values())[-1]
        ext = url.rsplit(".", 1)[-1].split("?")[0] if "." in url.rsplit("/", 1)[-1] else "bin"
        size = download(url, out / f"{item['id']}.{ext}")
        meta = {"listing": item, "info": info["photo"]}
        (out / f"{item['id']}.json").write_text(json.dumps(meta, ensure_ascii=False))
        return size


def backup(peer: Peer, out: Path, threads: int) -> tuple[int, int]:
    out.mkdir(parents=True, exist_ok=True)
    saved = total = 0
    page = 1
    with ThreadPoolExecutor(threads) as pool:
        while True:
            data = peer.call(
                "flickr.photos.search", user_id="me", per_page=500, page=page, safe_search=3
            )
            photos = data["photos"]
            for size in pool.map(lambda item: peer.photo(item, out), photos["photo"]):
                total += size
                saved += 1
            if page >= int(photos["pages"]):
                return saved, total
            page += 1


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    peer = Peer(Flickr(dict(os.environ)))
    threads = int(argv[1]) if len(argv) == 2 else 8
    saved, total = backup(peer, Path(argv[0]), threads)
    print(
        json.dumps(
            {
                "photos": saved,
                "bytes": total,
                "api_calls": peer.flickr.calls,
                "throttled": peer.throttled,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
