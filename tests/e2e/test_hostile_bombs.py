"""A hostile Flickr cannot exhaust a backup (tests/fakeflickr/hostile_bombs.py): a gzip bomb
for an answer, an original sent gzip-encoded or without end, other members' text made of
markup Python 3.11's html.parser takes quadratic time over. Each is refused or read within
its bound, and every other photo is archived."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flickr_async import downloader as downloader_module
from flickr_async import linearhtml
from flickr_async.errors import EXIT_FAILED, EXIT_INCOMPLETE
from flickr_async.layout import STATE_DIR
from tests.e2e.helpers import FAST, ROOT, media_files, run_cli
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.hostile_bombs import (
    HOSTILE_HTML_SIZE,
    QUADRATIC_PATTERN,
    plant_quadratic_html,
)

PEAK_MEMORY = 150 << 20  # the bound for a backup against the hostile fake
CEILING = 2 << 20  # the per-file ceiling these tests set (the real one is 1 GiB)

# Runs the CLI as its only child, so RUSAGE_CHILDREN's peak RSS is the CLI's own.
MEASURED = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "flickr_async", *sys.argv[1:]], capture_output=True)
print(json.dumps({
    "code": done.returncode,
    "stdout": done.stdout.decode(errors="replace"),
    "stderr": done.stderr.decode(errors="replace"),
    "peak_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
}))
"""


def measured_cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def written_by_this_process() -> int:
    """Bytes this process has handed to write(2) so far (files and sockets): /proc/self/io."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def stills(library: Library) -> list[str]:
    return [p.id for p in library.photos if not p.is_video and p.can_download]


def archived_ids(out: Path) -> set[str]:
    return {p.stem for p in media_files(out)}


# --- a gzip bomb for an answer -----------------------------------------------------------


def test_a_gzip_bomb_for_an_answer_ends_the_run_in_one_line_within_bounded_memory(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    fake.ctx.bombs.bomb_api("flickr.test.login")  # 200 MiB of JSON in 200 KB, the first call
    run = measured_cli(env, "backup", str(out), *FAST)
    assert run["code"] == EXIT_FAILED  # the run could not do its job
    # Progress lines come only if a run lasts; the error is one line, the last.
    lines = [line for line in run["stderr"].splitlines() if not line.startswith("listed ")]
    assert len(lines) == 1, run["stderr"]
    assert lines[0].startswith("error: flickr.test.login: answer refused: it inflates past 32 MiB")
    assert "Traceback" not in run["stdout"] + run["stderr"]
    assert fake.counters.api_calls["flickr.test.login"] == 1  # not retried
    assert run["peak_rss"] < PEAK_MEMORY, f"peak RSS {run['peak_rss'] >> 20} MiB"


def test_a_gzip_bomb_for_one_photos_metadata_fails_that_photo_only(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.ctx.bombs.bomb_api("flickr.photos.getInfo")
    run = measured_cli(env, "backup", str(out), *FAST, "--metadata", "deep")
    assert run["peak_rss"] < PEAK_MEMORY, f"peak RSS {run['peak_rss'] >> 20} MiB"
    assert "Traceback" not in run["stdout"] + run["stderr"]
    assert archived_ids(out) == {p.id for p in library.photos}


# --- originals ---------------------------------------------------------------------------


def test_an_endless_original_is_one_failed_item_and_every_other_photo_is_archived(
    fake: FakeFlickr,
    library: Library,
    env: dict[str, str],
    out: Path,
    largest_part: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(downloader_module, "MAX_PHOTO_BYTES", CEILING)
    endless = stills(library)[0]
    fake.ctx.bombs.endless_original(endless)
    run = run_cli(env, "backup", str(out), *FAST, "--no-site")
    assert run.code == EXIT_INCOMPLETE
    assert archived_ids(out) == {p.id for p in library.photos} - {endless}
    assert 0 < largest_part[0] <= CEILING
    assert fake.ctx.bombs.endless_sent[endless] < fake.ctx.bombs.endless_cap  # never retried
    assert fake.counters.file_log.count((endless, "original")) == 1
    assert not list((out / STATE_DIR).rglob("*.part"))
    assert "larger than 2 MiB" in run.stdout + run.stderr


def test_a_gzip_encoded_original_is_never_inflated_to_disk(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    encoded = stills(library)[0]
    fake.ctx.bombs.gzip_original(encoded)  # inflates to 200 MiB
    before = written_by_this_process()
    run = run_cli(env, "backup", str(out), *FAST, "--no-site")
    written = written_by_this_process() - before
    assert run.code == 0
    assert archived_ids(out) == {p.id for p in library.photos}  # from its next best size
    assert fake.counters.file_log.count((encoded, "original")) == 1
    assert written < 64 << 20, f"{written >> 20} MiB written"


# --- other members' text -----------------------------------------------------------------


def test_a_hostile_comment_and_descriptions_are_each_read_in_one_pass(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    planted = plant_quadratic_html(library)
    scans: list[tuple[int, int]] = []  # (characters parsed, characters scanned) per fragment
    close = linearhtml.LinearHTMLParser.close

    def counted(parser: linearhtml.LinearHTMLParser) -> None:
        size = len(parser.rawdata)
        close(parser)
        scans.append((size, parser.scanned))

    monkeypatch.setattr(linearhtml.LinearHTMLParser, "close", counted)
    run = run_cli(env, "backup", str(out), *FAST, "--favorites", "--metadata", "deep")
    assert run.code == 0, run.stdout + run.stderr
    hostile = [(size, scanned) for size, scanned in scans if size >= HOSTILE_HTML_SIZE]
    # The description (caption, XMP, the site's pages), the comment (its photo page) and
    # the favourite's description: each parsed, none scanned more than twice over.
    assert len(hostile) >= 4
    assert all(scanned <= 2 * size for size, scanned in hostile)
    photo = planted["photo"]
    page = next((out / ".site").rglob(f"{photo}.html")).read_text("utf-8")
    assert page.count("&lt;a href=x ") >= 2 * (HOSTILE_HTML_SIZE // len(QUADRATIC_PATTERN))
    assert "<a href=x" not in page
    xmp = next(p for p in out.rglob(f"{photo}.*.xmp"))
    assert xmp.read_text("utf-8").count("&lt;a href=x") >= HOSTILE_HTML_SIZE // 12
    assert planted["favourite"] in archived_ids(out)
