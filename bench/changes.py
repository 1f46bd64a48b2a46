"""11. Change-driven sync: a no-change sync's calls and seconds, next to the full listing."""

from __future__ import annotations

import math
import os
from typing import Any

from bench.common import HIGH_API_RATE, Section, fake_server, run_backup, workdir
from bench.economy import methods, organisation_calls
from bench.fakeserver import FakeSpec

NAME = "changes"
TITLE = "11. Change-driven sync"
# photos -> albums; tiny files, no videos: only the listing's calls matter here.
SIZES = {300: 3, 4_500: 45, 20_000: 200, 100_000: 1000}
QUICK_SIZES = (300, 4_500)
# BENCH_CHANGES_SIZES=300,4500 picks sizes (100,000 photos take long to archive first).
SIZES_ENV = "BENCH_CHANGES_SIZES"
RATE = 1.0  # calls per second the seconds are given for: the default --api-rate
OPTIONS = (
    "--metadata",
    "basic",
    "--no-site",
    "--no-exif",
    "--no-xmp",
    "-c",
    "16",
    "--api-rate",
    HIGH_API_RATE,
)


def change_bound(lib: dict[str, Any]) -> int:
    """5 + ceil(albums/500) + the organisation's listings, whatever the photos
    (docs/backup.md#incremental-sync)."""
    return 5 + math.ceil(len(lib["album_sizes"]) / 500) + organisation_calls(lib)


def at_rate(calls: int) -> str:
    """What --api-rate 1 makes `calls` cost: the token bucket lets one call through per
    second (its burst of one goes at once)."""
    return f"{max(0, calls - 1) / RATE:.0f} s"


def chosen_sizes(quick: bool) -> list[int]:
    picked = os.environ.get(SIZES_ENV)
    if picked:
        return [int(s) for s in picked.split(",") if s.strip()]
    return list(QUICK_SIZES if quick else SIZES)


def run(quick: bool) -> Section:
    section = Section(
        NAME,
        TITLE,
        "A library of N photos (tiny files, no videos) is archived once "
        f"(`{' '.join(OPTIONS)}`); then a no-change sync runs twice: change-driven (the "
        "default while the last full listing is younger than --full-listing-every) and with "
        "--full-listing (what every sync did before). Calls are counted by the fake; seconds "
        f"at --api-rate {RATE:g} are computed as (calls - 1) / rate, the wait the token bucket "
        "alone imposes (the runs themselves go at a rate that never waits; their wall time, "
        "start-up and the archive's stat pass included, is given beside). Bound = 5 + "
        "ceil(A/500) + the organisation's listings (docs/backup.md#incremental-sync).",
    )
    for photos in chosen_sizes(quick):
        albums = SIZES.get(photos, max(1, photos // 100))
        spec = FakeSpec(photos=photos, videos=0, albums=albums, seed=11, file_size=256)
        label = f"N={photos:,}, A={albums}"
        with fake_server(spec, startup_timeout=900) as fake, workdir(f"{NAME}-{photos}") as scratch:
            lib = fake.library()
            out = scratch / "archive"
            first, _ = run_backup(fake, scratch, "first", *OPTIONS, out=out)
            fake.reset_counters()
            quiet_run, quiet = run_backup(fake, scratch, "changes", *OPTIONS, out=out)
            changes = fake.counters()
            fake.reset_counters()
            full_run, _ = run_backup(fake, scratch, "full", *OPTIONS, "--full-listing", out=out)
            full = fake.counters()
        bound = change_bound(lib)
        calls = changes["total_api_calls"]
        full_calls = full["total_api_calls"]
        section.add(
            f"{label}: no-change sync, change-driven: calls (at 1/s; wall here)",
            f"{calls} ({at_rate(calls)}; {quiet_run.wall:.1f} s)",
            f"≤ {bound}",
            calls <= bound and quiet.get("listing") == "changes",
        )
        section.add(
            f"{label}: no-change sync, full listing: calls (at 1/s; wall here)",
            f"{full_calls} ({at_rate(full_calls)}; {full_run.wall:.1f} s)",
        )
        section.notes.append(
            f"{label}: first backup {first.wall:.0f} s. Change-driven: {methods(changes)}. "
            f"Full listing: {methods(full)}."
        )
    return section
