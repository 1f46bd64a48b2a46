"""9. The offline site: a full build of a 100,000-photo archive, then the refresh after a sync.

The archive is synthesised on disk (no server): a state database, one sidecar per photo in
album folders (a photo in two albums hard-linked, as the backup does), tiny media files that
carry a real JPEG frame header, Flickr's small renditions for most photos under
OUT/.site/thumbs/, and albums.json, collections.json, account.json.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import PYTHON, ROOT, Section, run_child, seconds, workdir
from flickr_async import sidecar
from flickr_async.state import State

NAME = "site"
TITLE = "9. The offline site"
TARGET_BUILD_S = 60.0
TARGET_RSS_MIB = 200.0
TARGET_REFRESH_S = 5.0
CHANGED = 10
PER_ALBUM = 500
FIRST_ID = 52_000_000_000
TAGS = [f"tag{n}" for n in range(1500)] + ["New York", "Zürich", "café", "🌅", "b&w"]
# Where a third of the photos were taken (the map, its places) and who is in one in 25.
PLACES = [
    (country, region, f"{city} {n}", lat + n * 0.05, lon + n * 0.07)
    for country, region, city, lat, lon in (
        ("Switzerland", "Zurich", "Zürich", 47.37, 8.54), ("Japan", "Kyoto", "Kyoto", 35.0, 135.7),
        ("United States", "New York", "Brooklyn", 40.65, -73.95),
        ("Australia", "New South Wales", "Sydney", -33.86, 151.2),
        ("Brazil", "Bahia", "Salvador", -12.97, -38.5),
    )
    for n in range(10)
]  # fmt: skip
PEOPLE = [{"nsid": f"{1000 + n}@N0{n % 9}", "username": f"user{n}", "realname": f"Person {n}",
           "added_by": "99887766@N04", "box": None} for n in range(200)]  # fmt: skip
WORDS = ("sunset", "beach", "Zürich", "café", "mountain", "night", "snow", "street", "東京")


def jpeg(width: int, height: int) -> bytes:
    """A few bytes with a JPEG frame header (what the site reads for width and height)."""
    sof = b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return b"\xff\xd8" + sof + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01" + b"\xff\xd9"


MEDIA = jpeg(4000, 3000)  # a few bytes standing in for an original


def _geo(n: int) -> dict[str, object]:
    country, region, locality, lat, lon = PLACES[n % len(PLACES)]
    jitter = (n % 997) / 10_000
    return {"latitude": round(lat + jitter, 6), "longitude": round(lon - jitter, 6),
            "accuracy": 16, "public": n % 2 == 0, "country": country, "region": region,
            "locality": locality}  # fmt: skip


def _doc(pid: str, n: int, rnd: random.Random, albums: list[tuple[str, str]]) -> dict[str, object]:
    taken = time.gmtime(1_262_304_000 + n * 4000 + rnd.randrange(3600))
    return {
        "schema": 1,
        "metadata_level": "deep",
        "id": pid,
        "title": f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} #{n}",
        "description": f"About <b>{rnd.choice(WORDS)}</b> and {rnd.choice(WORDS)}." * (n % 3),
        "tags": rnd.sample(TAGS, rnd.randrange(5)),
        "machine_tags": [],
        "media": "video" if n % 50 == 0 else "photo",
        "original_format": "jpg",
        "date_taken": time.strftime("%Y-%m-%d %H:%M:%S", taken),
        "date_taken_granularity": 0,
        "date_taken_unknown": n % 40 == 0,
        "date_posted": 1_262_304_000 + n * 4000 + 86_400,
        "date_updated": 1_262_304_000 + n * 4000 + 86_400,
        "geo": _geo(n) if n % 3 == 0 else None,
        "comments": [
            {
                "id": f"c{n}",
                "author": "12037949@N03",
                "author_name": "ånna",
                "date": 1600000000,
                "text": 'Nice <a href="https://x.example/">link</a>',
                "permalink": "",
            }
        ]
        if n % 7 == 0
        else [],
        "albums": [{"id": a, "title": t} for a, t in albums],
        "visibility": {"public": True, "friends": False, "family": False},
        "license": "4",
        "views": n % 1000,
        "faves": n % 13,
        "url": f"https://www.flickr.com/photos/someone/{pid}/",
        "rotation": 0,
        "safety_level": 0,
        "notes": [],
        "has_people": n % 25 == 0,
        "people": [PEOPLE[n % len(PEOPLE)]] if n % 25 == 0 else [],
        "permissions": None,
        "owner": {"nsid": "99887766@N04", "username": "someone"},
        "download": {
            "url": "",
            "bytes": 30,
            "sha256": "",
            "original": n % 200 != 0,
            "size_label": "Original",
        },
        "deleted_on_flickr": None,
    }


def _write(path: Path, data: bytes, links: list[Path], thumbs: list[tuple[Path, bytes]]) -> None:
    """One photo's files (in a worker thread)."""
    path.write_bytes(MEDIA)
    Path(f"{path}.json").write_bytes(data)
    for other in links:
        os.link(path, other)
    for thumb, content in thumbs:
        thumb.write_bytes(content)


def synthesise(out: Path, count: int, seed: int = 7) -> list[Path]:
    """An archive of `count` items; returns the sidecars (to change some later)."""
    rnd = random.Random(seed)
    out.mkdir(parents=True)
    State.open(out).close()
    n_albums = max(1, count // PER_ALBUM)
    album_ids = [f"72157{700000000000 + a}" for a in range(n_albums)]
    members: dict[str, list[str]] = {a: [] for a in album_ids}
    for a in album_ids:
        (out / f"Album {a[-4:]}").mkdir()
    thumbs = out / ".site" / "thumbs"
    thumbs.mkdir(parents=True)
    small = [jpeg(150, 150), jpeg(640, 480)]
    rows = []
    sidecars = []
    with ThreadPoolExecutor(8) as pool:  # creating files is disk latency: overlap it
        for n in range(count):
            pid = str(FIRST_ID + n)
            first = album_ids[n % n_albums]
            in_albums = list(
                dict.fromkeys([first, *([album_ids[(n * 7) % n_albums]] * (n % 10 == 0))])
            )
            for a in in_albums:
                members[a].append(pid)
            doc = _doc(pid, n, rnd, [(a, f"Album {a[-4:]}") for a in in_albums])
            ext = "mp4" if doc["media"] == "video" else "jpg"
            rel = f"Album {first[-4:]}/{pid}.{ext}"
            links = [out / f"Album {a[-4:]}" / f"{pid}.{ext}" for a in in_albums[1:]]
            own = [] if n % 10 == 9 else [  # most photos have their small renditions
                (thumbs / f"{pid}_q.jpg", small[0]), (thumbs / f"{pid}_z.jpg", small[1])
            ]  # fmt: skip
            pool.submit(_write, out / rel, sidecar.dumps(doc), links, own)
            sidecars.append(out / f"{rel}.json")
            links_json = json.dumps([str(p.relative_to(out)) for p in links])
            rows.append((pid, "done", doc["media"], rel, links_json, doc["date_taken"]))
    db = sqlite3.connect(out / ".flickr-async" / "state.sqlite3")
    db.executemany(
        "INSERT INTO photos(id, status, media, path, links, bytes, sha256, original, "
        "date_taken, updated_at) VALUES(?, ?, ?, ?, ?, 30, '', 1, ?, 0)",
        rows,
    )
    db.commit()
    db.close()
    albums = [
        {"id": a, "title": f"Album {a[-4:]}", "description": "An <i>album</i>",
         "date_create": 0, "date_update": 0, "primary": members[a][0] if members[a] else None,
         "count_photos": len(members[a]), "count_videos": 0, "count_views": 0,
         "count_comments": 0, "folder": f"Album {a[-4:]}", "photo_ids": members[a],
         "comments": [], "deleted_on_flickr": None}
        for a in album_ids
    ]  # fmt: skip
    (out / "albums.json").write_text(json.dumps({"schema": 1, "albums": albums}), "utf-8")
    tree = [{"id": "c1", "title": "All", "description": "", "albums": album_ids[:20],
             "collections": []}]  # fmt: skip
    (out / "collections.json").write_text(json.dumps({"schema": 1, "collections": tree}))
    profile = {"nsid": "99887766@N04", "username": "someone", "realname": "Some One"}
    (out / "account.json").write_text(json.dumps({"schema": 1, "profile": profile}))
    return sidecars


def change(out: Path, count: int, seed: int = 11) -> None:
    """What a sync that changed `count` photos' metadata leaves: new titles and a tag in their
    sidecars, each recorded in the state as the writer records an updated photo (record_done,
    which gives the row a new change number)."""
    rnd = random.Random(seed)
    state = State.open(out)
    try:
        ids = sorted(brief.id for brief in state.iter_briefs())
        for photo_id in rnd.sample(ids, count):
            row = state.photo(photo_id)
            assert row is not None and row.path is not None
            path = out / f"{row.path}.json"
            doc = json.loads(path.read_text("utf-8"))
            doc["title"] = doc["title"] + " (edited)"
            doc["tags"] = [*doc["tags"], "edited"]
            path.write_bytes(sidecar.dumps(doc))
            state.record_done(
                photo_id=row.id, last_update=row.last_update, original_key=row.original_key,
                media=row.media, path=row.path, links=row.links, albums=row.albums,
                size=row.bytes or 0, sha256=row.sha256 or "", served_url=row.served_url,
                served_bytes=row.served_bytes, served_sha256=row.served_sha256,
                original=row.original, size_label=row.size_label, date_taken=row.date_taken,
                deleted_on_flickr=row.deleted_on_flickr, metadata_stale=row.metadata_stale,
                embed_version=row.embed_version, metadata_level=row.metadata_level,
            )  # fmt: skip
    finally:
        state.close()


class PeakWatch:
    """The memory of every process running `argv` (the CLI and the workers it forks, which
    keep its command line), sampled from /proc every 0.1 s: each one's peak RSS (VmHWM), and
    the peak of their summed PSS (proportional set size: a page the processes share counts
    once, split among them; what the build occupies in memory)."""

    def __init__(self, argv: list[str]) -> None:
        self.cmdline = ("\0".join(argv) + "\0").encode()
        self.peaks: dict[int, int] = {}  # pid -> VmHWM in KiB
        self.pss_kib = 0  # the largest sum of PSS seen in one sample
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            pss = 0
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                        if fh.read() != self.cmdline:
                            continue
                    with open(f"/proc/{entry.name}/status") as fh:
                        status = fh.read()
                    with open(f"/proc/{entry.name}/smaps_rollup") as fh:
                        rollup = fh.read()
                except OSError:
                    continue
                found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
                if found:
                    pid = int(entry.name)
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(found.group(1)))
                shared = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
                pss += int(shared.group(1)) if shared else 0
            self.pss_kib = max(self.pss_kib, pss)

    def total_mib(self, main_kib: int) -> float:
        """Every process's peak RSS summed, the main one's from its rusage (exact) where
        larger: pages they share count once per process."""
        peaks = sorted(self.peaks.values(), reverse=True)
        main = max(main_kib, peaks[0]) if peaks else main_kib
        return (main + sum(peaks[1:])) / 1024


def _figures(stdout: str) -> tuple[int, int]:
    match = re.search(r"([\d,]+) files written, ([\d,]+) unchanged", stdout)
    if not match:
        raise RuntimeError(f"unexpected output of `site`: {stdout[:300]}")
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def run(quick: bool) -> Section:
    count = 10_000 if quick else 100_000
    section = Section(
        NAME,
        TITLE,
        f"An archive of {count:,} items synthesised on disk ({count // PER_ALBUM} albums of "
        f"{PER_ALBUM}, one photo in ten also in a second album, 2% videos, 0-4 of "
        f"{len(TAGS):,} tags each, small renditions for 90%, a location and place names for "
        f"a third, a person tagged in one in 25), then `flickr-async site OUT` as "
        f"a child process: a full build into an empty OUT/.site/, a second build with nothing "
        f"changed, and a refresh after a sync changed {CHANGED} photos (their sidecars' title "
        "and a tag, recorded in the state as the writer records an updated photo). CPU is "
        "user + system of the CLI and the worker processes it forks. Memory is sampled from "
        "/proc every 0.1 s for every process of the build: the peak of their summed PSS (a "
        "page two processes share counts half in each: the memory the build occupies) is "
        "held to the target; the sum of each one's peak RSS (VmHWM; the CLI's `ru_maxrss`) "
        "counts the pages the forked workers share with the CLI once per process.",
    )
    with workdir(NAME) as scratch:
        out = scratch / "archive"
        made = time.monotonic()
        # In children of their own: a child forked from a big parent would report the
        # parent's memory as its own peak RSS.
        helper = [PYTHON, "-m", "bench.site"]
        subprocess.run([*helper, "synthesise", str(out), str(count)], cwd=ROOT, check=True)
        section.notes.append(f"Synthesising the archive took {time.monotonic() - made:.0f} s.")
        argv = [PYTHON, "-m", "flickr_async", "site", str(out)]
        load = os.getloadavg()[0]
        with PeakWatch(argv) as watch:
            full = run_child(argv, logs=scratch / "full").check()
        written, _ = _figures(full.stdout.read_text("utf-8"))
        section.add(
            f"full build of {count:,} items: wall",
            f"{seconds(full.wall)} (CPU {full.cpu:.1f} s; {written:,} files written)",
            f"≤ {TARGET_BUILD_S:.0f} s",
            full.wall <= TARGET_BUILD_S,
        )
        total = watch.total_mib(full.maxrss_kib)
        occupied = watch.pss_kib / 1024
        section.add(
            "full build: peak memory (its processes' summed PSS)",
            f"{occupied:.0f} MiB ({len(watch.peaks)} processes; the main one's peak RSS "
            f"{full.maxrss_mib:.0f} MiB)",
            f"≤ {TARGET_RSS_MIB:.0f} MiB",
            occupied <= TARGET_RSS_MIB,
        )
        section.add(
            "full build: the processes' peak RSS, summed",
            f"{total:.0f} MiB (the interpreter's pages the workers share with the main "
            "process counted in each)",
        )
        again = run_child(argv, logs=scratch / "again").check()
        rewritten, _ = _figures(again.stdout.read_text("utf-8"))
        section.add(
            "second build, nothing changed",
            f"{seconds(again.wall)} (CPU {again.cpu:.1f} s); {rewritten} files written",
            "0 files written",
            rewritten == 0,
        )
        subprocess.run([*helper, "change", str(out), str(CHANGED)], cwd=ROOT, check=True)
        load = max(load, os.getloadavg()[0])
        refresh = run_child(argv, logs=scratch / "refresh").check()
        load = max(load, os.getloadavg()[0])
        rewritten, _ = _figures(refresh.stdout.read_text("utf-8"))
        section.add(
            f"refresh after a sync changed {CHANGED} photos: wall",
            f"{seconds(refresh.wall)} (CPU {refresh.cpu:.1f} s, {refresh.maxrss_mib:.0f} MiB)",
            f"≤ {TARGET_REFRESH_S:.0f} s",
            refresh.wall <= TARGET_REFRESH_S,
        )
        section.add(
            "refresh: files rewritten",
            f"{rewritten} ({CHANGED} photo pages, their month, album and tag pages, the new "
            "tag's page, the tag index and the search data files holding them)",
        )
        section.notes.append(
            f"Load average (1 min) when the builds started: up to {load:.1f} on 2 cores "
            "(other work on the machine shares them: wall times move with it, CPU less)."
        )
    if quick:
        section.notes.append("--quick: 10,000 items instead of 100,000.")
    return section


if __name__ == "__main__":  # python -m bench.site synthesise OUT COUNT | change OUT COUNT
    command, where, number = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if command == "synthesise":
        synthesise(where, number)
    else:
        change(where, number)
