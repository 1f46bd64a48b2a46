"""`python -m bench.fakeserver SPEC_JSON`: the fake Flickr in its own process, counters over HTTP.

The first stdout line is JSON (base_url, origin, credentials). Besides Flickr's endpoints the
app answers GET /bench/counters, POST /bench/reset and GET /bench/library, so the benchmark
process can read what the client did without sharing a GIL with the server.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from tests.fakeflickr import FakeFlickr, Library, generate_library
from tests.fakeflickr.model import FakeComment, clean_tag


@dataclass(frozen=True)
class FakeSpec:
    """What library to serve and how fast; `uniform` makes every still a downloadable JPEG.

    `video_share` set: `photos` counts every item, that share of them videos (`videos` is
    ignored). `comment_share` set: that share of the items has comments, the rest none (the
    generator gives ~15 %). `api_quota` set: calls beyond it in any sliding `quota_window`
    seconds get Flickr's HTML 429 (refused calls do not use up the quota)."""

    photos: int
    videos: int = 0
    albums: int = 0
    seed: int = 1
    file_size: int | None = None
    huge_video: int = 0
    bandwidth: float | None = None  # bytes/s per connection
    latency: float = 0.0  # seconds before a file's first byte
    uniform: bool = True
    video_share: float | None = None
    comment_share: float | None = None
    ambiguous_share: float | None = None  # items carrying a tag the account spells two ways
    api_latency: float = 0.0  # seconds before every REST answer
    api_quota: int | None = None
    quota_window: float = 1.0

    def items(self) -> tuple[int, int]:
        """(stills, videos) the generator is asked for."""
        if self.video_share is None:
            return self.photos, self.videos
        videos = round(self.photos * self.video_share)
        return self.photos - videos, videos

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def build_library(spec: FakeSpec) -> Library:
    stills, videos = spec.items()
    library = generate_library(
        seed=spec.seed,
        photos=stills,
        videos=videos,
        albums=spec.albums,
        file_size=spec.file_size,
        huge_video_size=spec.huge_video,
    )
    if spec.uniform:
        # The generator plants a few PNG/GIF originals (never padded to file_size) and a few
        # photos whose owner forbids downloads (a small rendition instead): a throughput
        # figure wants N identical files, so make every still a downloadable JPEG.
        for photo in library.photos:
            if not photo.is_video:
                photo.can_download = True
                photo.originalformat = "jpg"
    if spec.comment_share is not None:
        set_comment_share(library, spec.comment_share, random.Random(f"comments-{spec.seed}"))
    if spec.ambiguous_share is not None:
        rnd = random.Random(f"spellings-{spec.seed}")
        set_ambiguous_share(library, spec.ambiguous_share, rnd)
    return library


AMBIGUOUS_SPELLINGS = ("New York", "NewYork", "new york")  # one clean tag: newyork


def set_ambiguous_share(library: Library, share: float, rnd: random.Random) -> None:
    """Exactly round(share × items) items carry a tag the account spells several ways (only
    getInfo tells which spelling a photo has); no other item carries such a tag. The
    generator spells its few such tags on a large share of a small library's photos."""
    ambiguous = set(library.ambiguous_tags())
    photos = library.photos
    chosen = sorted(rnd.sample(range(len(photos)), round(len(photos) * share)))
    for photo in photos:
        photo.tags = [t for t in photo.tags if clean_tag(t) not in ambiguous]
    for n, index in enumerate(chosen):
        photos[index].tags.append(AMBIGUOUS_SPELLINGS[n % len(AMBIGUOUS_SPELLINGS)])


def set_comment_share(library: Library, share: float, rnd: random.Random) -> None:
    """Exactly round(share × items) items keep (or get) comments, chosen by `rnd`."""
    photos = library.photos
    chosen = set(rnd.sample(range(len(photos)), round(len(photos) * share)))
    for index, photo in enumerate(photos):
        if index not in chosen:
            photo.comments = []
        elif not photo.comments:
            photo.comments = [
                FakeComment(
                    id=f"99887766-{photo.id}-72157{rnd.getrandbits(40)}",
                    author="12345678@N01",
                    authorname="bench",
                    datecreate=photo.dateupload + 60,
                    text="Nice!",
                )
            ]


def library_summary(library: Library) -> dict[str, Any]:
    """What the API-call bounds need: items, videos, commented photos, album sizes, and the
    account's organisation (favourites, galleries, contacts, album comments, people)."""
    photos = library.photos
    return {
        "items": len(photos),
        "videos": sum(1 for p in photos if p.is_video),
        "with_comments": sum(1 for p in photos if p.comments),
        "with_people": sum(1 for p in photos if p.people),
        "with_notes": sum(1 for p in photos if p.notes),
        "with_geo": sum(1 for p in photos if p.geo),
        "places": len({p.geo.place.place_id for p in photos if p.geo and p.geo.place}),
        "album_sizes": [len(a.photo_ids) for a in library.albums],
        "albums_with_comments": sum(1 for a in library.albums if a.comments),
        "favorites": len(library.favorites),
        "gallery_sizes": [len(library.gallery_photos(g.id)) for g in library.galleries],
        "contacts": len(library.contacts),
    }


def add_admin_routes(fake: FakeFlickr) -> None:
    async def counters(_: web.Request) -> web.Response:
        c = fake.counters
        log = c.log
        first_file = next((i for i, entry in enumerate(log) if entry.startswith("file:")), None)
        return web.json_response(
            {
                "api_calls": dict(c.api_calls),
                "total_api_calls": c.total_api_calls,
                "too_many_requests": dict(c.too_many_requests),  # HTTP 429s sent, by method
                "file_requests": sum(c.file_requests.values()),
                "bytes_served": sum(c.bytes_served.values()),
                "max_concurrent_files": c.max_concurrent_files,
                "file_429s": c.file_429s,
                # time.monotonic() of the first arrivals (CLOCK_MONOTONIC: comparable with
                # the benchmark's own clock), and the API calls that came before any file
                "first_at": {
                    what: c.first_at(what)
                    for what in ("api", "flickr.photos.search", "file")
                    if c.first_at(what) is not None
                },
                "calls_before_first_file": log[:first_file] if first_file is not None else log,
            }
        )

    async def reset(_: web.Request) -> web.Response:
        fake.counters.reset()
        return web.json_response({"ok": True})

    async def library(_: web.Request) -> web.Response:
        return web.json_response(library_summary(fake.library))

    fake.app.router.add_get("/bench/counters", counters)
    fake.app.router.add_post("/bench/reset", reset)
    fake.app.router.add_get("/bench/library", library)


async def serve(spec: FakeSpec) -> None:
    fake = FakeFlickr(build_library(spec))
    fake.faults.file_bandwidth = spec.bandwidth
    fake.faults.file_latency = spec.latency
    fake.faults.api_latency = spec.api_latency
    if spec.api_quota is not None:
        fake.faults.api_rate_limit(spec.api_quota, spec.quota_window)
    add_admin_routes(fake)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with fake.serve():
        token, secret = fake.issue_access_token()
        line = {
            "base_url": fake.base_url,
            "origin": fake.origin,
            "api_key": fake.api_key,
            "api_secret": fake.api_secret,
            "oauth_token": token,
            "oauth_token_secret": secret,
        }
        print(json.dumps(line), flush=True)
        await stop.wait()


def main(argv: list[str]) -> int:
    spec = FakeSpec(**json.loads(argv[0]))
    asyncio.run(serve(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
