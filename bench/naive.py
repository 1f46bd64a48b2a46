"""The obvious alternative: a sequential backup script as people write it by hand (the baseline).

    FLICKR_API_KEY=... FLICKR_API_SECRET=... FLICKR_OAUTH_TOKEN=... \\
    FLICKR_OAUTH_TOKEN_SECRET=... FLICKR_API_BASE=http://127.0.0.1:PORT/services \\
    python -m bench.naive OUT

One photo at a time: a search page, then for each photo getInfo, comments.getList, the url_o
download, the file and a JSON file. Requests are signed with authlib's ClientAuth (OAuth 1.0a
HMAC-SHA1 in the Authorization header) and sent with urllib. No retries, no resume, no
4,000-result slicing, no videos: the script users start with.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from authlib.oauth1 import ClientAuth

EXTRAS = "url_o,original_format,date_taken,date_upload,tags,description"


class Flickr:
    def __init__(self, environ: dict[str, str]) -> None:
        self.rest = environ["FLICKR_API_BASE"].rstrip("/") + "/rest/"
        self.auth = ClientAuth(
            environ["FLICKR_API_KEY"],
            environ["FLICKR_API_SECRET"],
            token=environ["FLICKR_OAUTH_TOKEN"],
            token_secret=environ["FLICKR_OAUTH_TOKEN_SECRET"],
        )
        self.calls = 0

    def call(self, method: str, **params: str | int) -> dict[str, Any]:
        query = {"method": method, "format": "json", "nojsoncallback": 1, **params}
        url = f"{self.rest}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"
        signed_url, headers, _ = self.auth.prepare("GET", url, {}, b"")
        request = urllib.request.Request(signed_url, headers=dict(headers))
        self.calls += 1
        with urllib.request.urlopen(request, timeout=60) as resp:
            data: dict[str, Any] = json.load(resp)
        if data.get("stat") != "ok":
            raise RuntimeError(f"{method}: {data.get('code')} {data.get('message')}")
        return data


def download(url: str, path: Path) -> int:
    with urllib.request.urlopen(url, timeout=60) as resp, path.open("wb") as fh:
        shutil.copyfileobj(resp, fh, 1 << 16)
    return path.stat().st_size


def backup(flickr: Flickr, out: Path) -> tuple[int, int]:
    """(photos saved, bytes downloaded)."""
    out.mkdir(parents=True, exist_ok=True)
    saved = total = 0
    page = 1
    while True:
        # safe_search=3: without it Flickr hides the owner's restricted photos, and the
        # comparison would be unfair (fewer files than flickr-async fetches).
        data = flickr.call(
            "flickr.photos.search",
            user_id="me",
            extras=EXTRAS,
            per_page=500,
            page=page,
            safe_search=3,
        )
        photos = data["photos"]
        for item in photos["photo"]:
            info = flickr.call("flickr.photos.getInfo", photo_id=item["id"])
            comments = flickr.call("flickr.photos.comments.getList", photo_id=item["id"])
            url = item.get("url_o")
            if url:
                ext = item.get("originalformat", "jpg")
                total += download(url, out / f"{item['id']}.{ext}")
            meta = {"listing": item, "info": info["photo"], "comments": comments["comments"]}
            (out / f"{item['id']}.json").write_text(json.dumps(meta, ensure_ascii=False))
            saved += 1
        if page >= int(photos["pages"]):
            return saved, total
        page += 1


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    flickr = Flickr(dict(os.environ))
    saved, total = backup(flickr, Path(argv[0]))
    print(json.dumps({"photos": saved, "bytes": total, "api_calls": flickr.calls}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
