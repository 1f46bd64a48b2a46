"""`python -m tests.fakeflickr`: serve a generated library on 127.0.0.1 until killed.

The first stdout line is JSON: base_url, api_key, api_secret and a pre-issued owner token.
Besides the account's photos and albums it answers collections.getTree, favorites.getList,
galleries.getList/getPhotos, people.getGroups, contacts.getList, photos.people.getList and
photosets.comments.getList (see tests/fakeflickr/rest.py for every method).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

from tests.fakeflickr.generator import generate_library
from tests.fakeflickr.server import FakeFlickr


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeflickr", description=__doc__)
    parser.add_argument("--photos", type=int, default=40, help="number of stills")
    parser.add_argument("--videos", type=int, default=4, help="number of videos")
    parser.add_argument("--albums", type=int, default=6, help="number of albums")
    parser.add_argument("--seed", type=int, default=1, help="library seed (deterministic)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--file-size", type=int, default=None, help="bytes of every original")
    parser.add_argument("--huge-video", type=int, default=0, help="bytes of the first video")
    parser.add_argument("--bandwidth", type=float, default=None, help="file bytes/s per connection")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before a file's bytes")
    parser.add_argument("--search-cap", type=int, default=4000, help="photos.search result cap")
    parser.add_argument("--free", action="store_true", help="a free account (no originals)")
    parser.add_argument(
        "--no-organisation",
        action="store_true",
        help="no collections, galleries, favourites, groups or contacts",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    library = generate_library(
        seed=args.seed,
        photos=args.photos,
        videos=args.videos,
        albums=args.albums,
        pro=not args.free,
        file_size=args.file_size,
        huge_video_size=args.huge_video,
        organisation=not args.no_organisation,
    )
    fake = FakeFlickr(library, search_cap=args.search_cap, port=args.port)
    fake.faults.file_bandwidth = args.bandwidth
    fake.faults.file_latency = args.latency
    async with fake.serve():
        token, secret = fake.issue_access_token()
        line = {
            "base_url": fake.base_url,
            "api_key": fake.api_key,
            "api_secret": fake.api_secret,
            "oauth_token": token,
            "oauth_token_secret": secret,
        }
        print(json.dumps(line), flush=True)
        await asyncio.Event().wait()  # until killed


def main(argv: list[str] | None = None) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
