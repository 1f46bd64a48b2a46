"""12. Importing Flickr's export: `flickr-async import` against `unzip` of the same zips."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bench import profile
from bench.common import PYTHON, ChildRun, MiB, Section, ratio, run_child, seconds, workdir

NAME = "importing"
TITLE = "12. Importing Flickr's export"
TARGET_RATIO = 1.5  # import wall <= 1.5x unzip's
TARGET_MIB = 200
LINEAR_SLACK = 1.3  # time per item at the larger size <= 1.3x the smaller's
REPEATS = 2  # unzip and import alternately, the faster of each kept
FILE_SIZE = 300 * 1024  # a phone JPEG; noise JPEGs, so they do not compress
VIDEO_SHARE = 50  # one item in 50 is a video
ITEMS_PER_MEDIA_ZIP = 556  # 10,000 items in 18 media zips + 2 metadata parts = 20 zips
FULL = (10_000, 2_500)
QUICK = (2_000, 500)
# Variables that could point the CLI at an account or a config: an import needs neither.
FLICKR_VARS = ("FLICKR_",)  # FLICKR_API_KEY..., FLICKR_ASYNC_CONFIG


def _export(dest: Path, items: int) -> tuple[list[Path], int, int]:
    """The fake account's export of `items` items; (zips, zip count, total bytes). Written by
    a child of its own: a parent grown by a 10,000-photo library would lend its peak RSS to
    every later child (Linux carries the pre-exec high-water mark into ru_maxrss)."""
    code = "import sys; from bench.importing import write; write(sys.argv[1], int(sys.argv[2]))"
    run_child(
        [PYTHON, "-c", code, str(dest), str(items)], logs=dest.with_name("export-logs")
    ).check()
    paths = [dest / line for line in (dest / "paths.txt").read_text("utf-8").splitlines()]
    return paths, len(paths), sum(p.stat().st_size for p in paths)


def write(dest: str, items: int) -> None:
    """The export itself (in the child), its paths listed in dest/paths.txt."""
    from tests.fakeexport import write_export
    from tests.fakeflickr import generate_library

    videos = items // VIDEO_SHARE
    library = generate_library(
        seed=29, photos=items - videos, videos=videos, albums=albums(items), file_size=FILE_SIZE
    )
    media = max(1, round(items / ITEMS_PER_MEDIA_ZIP))
    parts = 2 if items >= 5_000 else 1
    planted = write_export(library, Path(dest), parts=parts, media_zips=media)
    assert not planted.lacking, "a clean export lacks nothing"
    Path(dest, "paths.txt").write_text("\n".join(p.name for p in planted.paths), "utf-8")


def albums(items: int) -> int:
    """About 1.2 album memberships per item at every size, as 20 albums give at 10,000 (the
    generator's albums hold up to min(1,200, N/3) items): each membership is a file and two
    sidecars more to place, so sizes compare only at the same share."""
    mean_size = min(1200, items // 3 + 2) / 2
    return max(1, round(items * 1.2 / mean_size))


def _env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(FLICKR_VARS)}
    return {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}


def _unzip(zips: list[Path], dest: Path, logs: Path) -> tuple[ChildRun, str]:
    """Extract every zip into its own folder, one child for all: `unzip -q`, or Python's
    zipfile when unzip is not installed."""
    dest.mkdir(parents=True)
    if shutil.which("unzip"):
        script = (
            'for z in "$@"; do unzip -q -o "$z" -d "$DEST/$(basename "$z" .zip)" || exit 1; done'
        )
        argv = ["sh", "-c", script, "unzip-all", *map(str, zips)]
        tool = "`unzip -q`"
    else:
        code = (
            "import sys, zipfile, pathlib\n"
            "dest = pathlib.Path(sys.argv[1])\n"
            "for z in sys.argv[2:]:\n"
            "    zipfile.ZipFile(z).extractall(dest / pathlib.Path(z).stem)\n"
        )
        argv = [PYTHON, "-c", code, str(dest), *map(str, zips)]
        tool = "Python's `zipfile.extractall` (unzip is not installed)"
    run = run_child(argv, logs=logs, env={**os.environ, "DEST": str(dest)}).check()
    return run, tool


def _import_argv(zips: list[Path], out: Path, report: Path, *extra: str) -> list[str]:
    return [
        PYTHON,
        "-m",
        "flickr_async",
        "import",
        str(out),
        *map(str, zips),
        "--no-site",
        "--report",
        str(report),
        *extra,
    ]


def _import(zips: list[Path], out: Path, scratch: Path, label: str, *extra: str) -> ChildRun:
    argv = _import_argv(zips, out, scratch / f"{label}-report.json", *extra)
    return run_child(argv, logs=scratch / f"{label}-logs", env=_env(scratch / "home")).check()


def _profile(zips: list[Path], scratch: Path, items: int) -> str:
    """Where an import's time goes: py-spy on all threads, when it is installed."""
    raw = scratch / "profile.txt"
    argv = _import_argv(zips, scratch / "profiled", scratch / "profiled.json")
    ran = profile.record(argv, logs=scratch / "profile-logs", env=_env(scratch / "home"), raw=raw)
    if ran is None:
        return (
            "profile skipped: py-spy not found "
            "(`.venv/bin/pip install py-spy`; deliberately not a project dependency)"
        )
    if not raw.exists():  # py-spy may exit non-zero after writing its samples
        return f"profile failed (exit {ran.code}): {ran.tail(500)}"
    return f"py-spy profile, import of {items:,} items (the default: EXIF and XMP on):\n" + (
        profile.summarise(raw)
    )


def _sync_disk() -> None:
    """Write back what the last step left dirty, so it is not charged to the next one."""
    os.sync()


def run(quick: bool) -> Section:
    big, small = QUICK if quick else FULL
    section = Section(
        NAME,
        TITLE,
        f"The fake account's export (tests/fakeexport, the real shapes) of N items, one in "
        f"{VIDEO_SHARE} a video, originals of {FILE_SIZE // 1024} KiB (noise JPEGs: they do "
        "not compress), about 1.2 album memberships per item (each one more file link and two "
        f"sidecars to place: {albums(10_000)} albums at 10,000 items, {albums(2_500)} at 2,500), "
        f"stored in media zips of about {ITEMS_PER_MEDIA_ZIP} items plus the metadata parts "
        "(20 zips at 10,000 items). The same zips are extracted by the "
        "baseline, then imported by `python -m flickr_async import OUT ZIPS... --no-site` "
        "(a child: wall from spawn to exit, peak RSS its own `ru_maxrss`). The zips are read "
        "warm from the page cache by both; `sync` runs between steps so neither pays for the "
        "other's write-back. Unzip and import run alternately twice; the faster of each is kept.",
    )
    per_item: dict[int, float] = {}
    for items in (big, small):
        with workdir(f"{NAME}-{items}") as scratch:
            zips, count, total = _export(scratch / "export", items)
            _sync_disk()
            best: ChildRun | None = None
            ran: ChildRun | None = None
            peak = 0.0
            tool = ""
            for attempt in range(REPEATS):  # interleaved, so a busy spell hits both alike
                target = scratch / f"unzipped-{attempt}"
                _sync_disk()
                unzipped, tool = _unzip(zips, target, scratch / f"unzip-{attempt}-logs")
                _sync_disk()
                shutil.rmtree(target)
                if best is None or unzipped.wall < best.wall:
                    best = unzipped
                _sync_disk()
                out = scratch / f"archive-{attempt}"
                imported = _import(zips, out, scratch, f"import-{items}-{attempt}")
                _sync_disk()
                shutil.rmtree(out)
                peak = max(peak, imported.maxrss_mib)
                if ran is None or imported.wall < ran.wall:
                    ran = imported
            assert best is not None and ran is not None
            _sync_disk()
            per_item[items] = ran.wall / items
            share = ran.wall / best.wall
            section.add(
                f"{items:,} items ({count} zips, {total / MiB:,.0f} MiB): import vs {tool}",
                f"{seconds(ran.wall)} vs {seconds(best.wall)} = {ratio(share)} "
                f"(CPU {ran.cpu:.1f} s vs {best.cpu:.1f} s; import {total / MiB / ran.wall:.0f} "
                "MiB/s)",
                f"≤ {TARGET_RATIO}×" if items == big else "",
                share <= TARGET_RATIO if items == big else None,
            )
            section.add(
                f"{items:,} items: import peak RSS",
                f"{peak:.0f} MiB (the higher of the two runs)",
                f"≤ {TARGET_MIB} MiB" if items == big else "",
                peak <= TARGET_MIB if items == big else None,
            )
            if items == big:
                plain = _import(zips, scratch / "plain", scratch, "plain", "--no-exif")
                _sync_disk()
                section.add(
                    f"{items:,} items: import --no-exif (each file written once, renamed)",
                    f"{seconds(plain.wall)} = {ratio(plain.wall / best.wall)} unzip's "
                    f"(CPU {plain.cpu:.1f} s, peak RSS {plain.maxrss_mib:.0f} MiB)",
                )
            else:
                section.block = _profile(zips, scratch, items)
    section.add(
        f"import wall per item ({small:,} → {big:,} items)",
        f"{per_item[small] * 1000:.2f} ms → {per_item[big] * 1000:.2f} ms",
        f"linear (≤ {LINEAR_SLACK}× the smaller's)",
        per_item[big] <= LINEAR_SLACK * per_item[small],
    )
    if quick:
        section.notes.append(f"--quick: {big:,} and {small:,} items instead of 10,000 and 2,500.")
    return section
