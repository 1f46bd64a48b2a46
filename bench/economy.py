"""4. API economy: calls for a full backup and a no-change rerun, next to their bounds."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from bench.common import HIGH_API_RATE, FakeServer, Section, fake_server, run_backup, workdir
from bench.fakeserver import FakeSpec

NAME = "economy"
TITLE = "4. API economy"
PER_PAGE = 500
# (photos, videos, albums) per library size; tiny files so only calls matter.
SIZES = {300: (3, 6), 4_500: (45, 20), 20_000: (200, 40)}
QUICK_FULL = (300, 4_500)  # --quick: 20,000 gets only its rerun figure, from a dry run


def pages(count: int, per_page: int = PER_PAGE) -> int:
    """Pages of a listing Flickr is asked for even when empty."""
    return max(1, math.ceil(count / per_page))


def organisation_calls(lib: dict[str, Any]) -> int:
    """collections.getTree + people.getGroups + favourite, gallery and contact pages."""
    return (
        2
        + pages(lib["favorites"])
        + pages(len(lib["gallery_sizes"]))
        + pages(lib["contacts"], 1000)
    )


def full_bound(lib: dict[str, Any]) -> int:
    """Listing pages + album pages + getInfo each (deep metadata: once, whether the list level
    or the deep pass asks it) + comments where any + getSizes per video + people where any +
    the list level's account-wide calls (one tags.getListUserRaw, one places.getInfo per
    distinct place) + test.login + people.getInfo + the organisation (every gallery's photos
    and every commented album's comments once)."""
    albums: list[int] = lib["album_sizes"]
    listing = math.ceil(int(lib["items"]) / PER_PAGE)
    album_pages = math.ceil(len(albums) / PER_PAGE) + sum(math.ceil(n / PER_PAGE) for n in albums)
    per_photo = int(lib["items"]) + int(lib["with_comments"]) + int(lib["videos"])
    per_photo += int(lib["with_people"]) + 1 + int(lib["places"])
    organisation = organisation_calls(lib) + int(lib["albums_with_comments"])
    organisation += sum(pages(n) for n in lib["gallery_sizes"])
    return listing + album_pages + per_photo + 2 + organisation


def rerun_bound(lib: dict[str, Any]) -> int:
    """The no-change bound (docs/backup.md#incremental-sync): listing pages, album pages, the
    organisation's listings and test.login + people.getInfo + one spare page."""
    return (
        math.ceil(int(lib["items"]) / PER_PAGE)
        + math.ceil(len(lib["album_sizes"]) / PER_PAGE)
        + organisation_calls(lib)
        + 3
    )


def methods(counters: dict[str, Any]) -> str:
    calls: dict[str, int] = counters["api_calls"]
    return ", ".join(f"{m.removeprefix('flickr.')} {n}" for m, n in sorted(calls.items()))


def run(quick: bool) -> Section:
    section = Section(
        NAME,
        TITLE,
        "Libraries of N items (about 1 % videos, ~15 % of photos with comments) with tiny "
        f"files, `--metadata full --api-rate {HIGH_API_RATE}`; calls counted by the fake. "
        "Full bound = ceil(N/500) listing pages + album pages (getList + getPhotos per album) "
        "+ N getInfo + comments.getList per commented photo + getSizes per video + "
        "people.getList per photo with people + tags.getListUserRaw once + places.getInfo per "
        "distinct place + test.login + people.getInfo + the account's "
        "organisation (collections, groups, favourite/gallery/contact pages, every gallery's "
        "photos, every commented album's comments). Rerun bound = ceil(N/500) + ceil(A/500) + "
        "ceil(F/500) + ceil(G/500) + ceil(C/1000) + 5 (docs/backup.md#incremental-sync).",
    )
    for items, (videos, albums) in SIZES.items():
        spec = FakeSpec(photos=items - videos, videos=videos, albums=albums, seed=7, file_size=1024)
        label = f"N={items:,}, A={albums}"
        with fake_server(spec) as fake, workdir(f"{NAME}-{items}") as scratch:
            lib = fake.library()
            if quick and items not in QUICK_FULL:
                _rerun_from_dry_run(section, fake, scratch, lib, label)
                continue
            out = scratch / "archive"
            options = ("--metadata", "full", "--api-rate", HIGH_API_RATE)
            fake.reset_counters()
            first, _ = run_backup(fake, scratch, "full", *options, out=out)
            full = fake.counters()
            fake.reset_counters()
            _, rerun_report = run_backup(fake, scratch, "rerun", *options, out=out)
            rerun = fake.counters()
        bound, calls = full_bound(lib), full["total_api_calls"]
        section.add(
            f"{label}: full backup calls (wall {first.wall:.0f} s)",
            str(calls),
            f"≤ {bound}",
            calls <= bound,
        )
        section.notes.append(f"{label} full backup: {methods(full)}.")
        bound, calls = rerun_bound(lib), rerun["total_api_calls"]
        section.add(f"{label}: no-change rerun calls", str(calls), f"≤ {bound}", calls <= bound)
        unchanged = rerun_report.get("unchanged")
        section.notes.append(f"{label} rerun: {methods(rerun)} ({unchanged} unchanged).")
    section.notes.append(
        "photos.search calls above ceil(N/500) come from the 4,000-result cap: the listing walks "
        "upload-date windows, each starting at the previous one's last upload second (inclusive, "
        "so photos sharing it are not lost); the re-listed photos of those seconds can spill "
        "the last window into one more page (flickr_async/listing.py). The no-change bound's "
        "+3 (login, people.getInfo, one spare) absorbs it; the full-backup bound has no spare."
    )
    return section


def _rerun_from_dry_run(
    section: Section, fake: FakeServer, scratch: Path, lib: dict[str, Any], label: str
) -> None:
    """--quick: a full backup of this size takes minutes, so measure the rerun's calls from a
    dry run on an empty archive. It makes the same calls as a no-change rerun (test.login,
    getList pages, people.getInfo, every photos.search page, the organisation's listings)
    plus photosets.getPhotos, album comments and gallery photos, which a rerun reuses because
    nothing changed."""
    fake.reset_counters()
    run_backup(fake, scratch, "dry", "--dry-run", "--api-rate", HIGH_API_RATE)
    counters = fake.counters()
    # What a rerun reuses from the archive: album members, album comments, gallery photos.
    reused = ("photosets.getPhotos", "photosets.comments.getList", "galleries.getPhotos")
    calls = counters["total_api_calls"] - sum(
        counters["api_calls"].get(f"flickr.{m}", 0) for m in reused
    )
    bound = rerun_bound(lib)
    section.add(
        f"{label}: no-change rerun calls (from a dry run)", str(calls), f"≤ {bound}", calls <= bound
    )
    section.add(f"{label}: full backup", "not measured in --quick mode (about 2 minutes)")
    section.notes.append(
        f"{label}: --quick measures the rerun as dry-run calls minus album members, album "
        "comments and gallery photos "
        f"({methods(counters)})."
    )
