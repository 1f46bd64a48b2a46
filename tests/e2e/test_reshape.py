"""`reshape` and the shapes it moves between: --layout albums|flat|date, --names, --links."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flickr_async import names
from flickr_async.layout import STATE_DIR, UNDATED
from flickr_async.names import NameFields
from flickr_async.state import State, StoredPhoto
from tests.e2e.helpers import FAST, ROOT, media_files, run_cli, sha256, sidecar
from tests.fakeflickr import FakeFlickr, Library

DATED = "{date_taken:%Y-%m-%d} {title} ({id})"
MONTH = re.compile(r"^(\d{4}/\d{2}|" + UNDATED + ")$")


def backup(env: dict[str, str], out: Path, *extra: str) -> int:
    return run_cli(env, "backup", str(out), *FAST, *extra).code


def rows(out: Path) -> dict[str, StoredPhoto]:
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        return {row.id: row for row in state.iter_photos() if row.path}
    finally:
        state.close()


def recorded_files(out: Path) -> set[Path]:
    """Every media path the state records: primaries and album copies."""
    return {out / p for row in rows(out).values() for p in (row.path, *row.links) if p}


def contents(out: Path) -> dict[str, str]:
    """Photo id -> SHA-256 of its file, read from disk."""
    return {pid: sha256(out / row.path) for pid, row in rows(out).items() if row.path}


def verify_is_clean(env: dict[str, str], out: Path) -> None:
    result = run_cli(env, "verify", str(out))
    assert result.code == 0, result.stdout
    assert media_files(out) == sorted(recorded_files(out)), "a file outside the state is left"


def assert_no_request(fake: FakeFlickr) -> None:
    assert sum(fake.counters.file_requests.values()) == 0
    assert fake.counters.total_api_calls == 0, dict(fake.counters.api_calls)


# --- reshape there and back ----------------------------------------------------------------


def test_an_albums_archive_reshapes_to_dated_templated_names_and_back_without_a_request(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    before = contents(synced)
    paths_before = {pid: (row.path, row.links) for pid, row in rows(synced).items()}

    result = run_cli(env, "reshape", str(synced), "--layout", "date", "--names", DATED)
    assert result.code == 0, result.stderr
    assert f"{len(before)} items moved" in result.stdout
    assert_no_request(fake)
    verify_is_clean(env, synced)
    for pid, row in rows(synced).items():
        path = Path(row.path or "")
        assert MONTH.match(str(path.parent)), path
        assert path.name.endswith(f"({pid}){path.suffix}") and row.links == ()
        fields = NameFields.from_sidecar(sidecar(synced / path))
        assert path.name == names.parse(DATED).render(fields, path.suffix[1:])
        assert len(path.name.encode()) <= names.MAX_BYTES
    assert contents(synced) == before  # not one byte of any file changed
    album_folders = {p.name for p in synced.iterdir() if p.is_dir()} - {STATE_DIR, ".site"}
    assert all(MONTH.match(name) or name.isdigit() for name in album_folders), album_folders

    result = run_cli(env, "reshape", str(synced), "--layout", "albums", "--names", "{id}")
    assert result.code == 0, result.stderr
    assert_no_request(fake)
    verify_is_clean(env, synced)
    assert {pid: (row.path, row.links) for pid, row in rows(synced).items()} == paths_before
    assert contents(synced) == before
    assert not (synced / STATE_DIR / "reshape").exists()


def test_a_backup_after_a_reshape_keeps_the_new_shape_and_moves_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    assert run_cli(env, "reshape", str(synced), "--layout", "date", "--names", DATED).code == 0
    placed = {pid: row.path for pid, row in rows(synced).items()}
    assert backup(env, synced) == 0  # the archive remembers its new shape
    assert sum(fake.counters.file_requests.values()) == 0
    assert {pid: row.path for pid, row in rows(synced).items()} == placed


def test_the_site_follows_the_files_to_their_new_paths(env: dict[str, str], synced: Path) -> None:
    assert run_cli(env, "reshape", str(synced), "--layout", "flat").code == 0
    [page, *_] = (synced / ".site").rglob("*.html")
    html = "\n".join(p.read_text("utf-8") for p in (synced / ".site").rglob("*.html"))
    assert "Unsorted/" not in html, page


# --- a backup never reshapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [("--layout", "date"), ("--names", DATED), ("--links", "symlink"), ("--layout", "flat")],
)
def test_a_backup_with_another_shape_is_refused_pointing_to_reshape(
    fake: FakeFlickr, env: dict[str, str], synced: Path, extra: tuple[str, str]
) -> None:
    before = media_files(synced)
    result = run_cli(env, "backup", str(synced), *FAST, *extra)
    assert result.code == 2
    [line] = result.stderr.strip().splitlines()
    assert f"run `flickr-async reshape {synced} {extra[0]} " in line
    assert media_files(synced) == before
    assert sum(fake.counters.file_requests.values()) == 0


def remember_options(out: Path, **changes: str) -> None:
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        state.set_meta({"options": json.dumps({**state.options(), **changes})})
    finally:
        state.close()


def test_a_shape_from_a_newer_version_is_never_taken_for_the_default(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    remember_options(synced, layout="year", links="reflink")
    before = media_files(synced)
    shape = ("--layout", "albums", "--names", "{id}", "--links", "hardlink")
    result = run_cli(env, "backup", str(synced), *FAST, *shape)
    assert result.code == 2, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert "laid out with --layout year --names '{id}' --links reflink" in line
    assert media_files(synced) == before
    assert sum(fake.counters.file_requests.values()) == 0

    result = run_cli(env, "reshape", str(synced), "--layout", "albums")
    assert result.code == 2
    [line] = result.stderr.strip().splitlines()
    assert "--links 'reflink', which this version of flickr-async does not know" in line

    # Moved out of it from what it really is: the album copies are made hard links again.
    result = run_cli(env, "reshape", str(synced), "--layout", "albums", "--links", "hardlink")
    assert result.code == 0, result.stderr
    assert album_copies(synced) and " 0 items moved" not in result.stdout, result.stdout
    state = State(synced / STATE_DIR / "state.sqlite3")
    try:
        assert (state.options()["layout"], state.options()["links"]) == ("albums", "hardlink")
    finally:
        state.close()
    verify_is_clean(env, synced)


def test_a_dry_run_with_another_shape_is_refused_too(env: dict[str, str], synced: Path) -> None:
    result = run_cli(env, "backup", str(synced), *FAST, "--dry-run", "--layout", "date")
    assert result.code == 2 and "flickr-async reshape" in result.stderr


def test_a_bad_names_template_is_refused_before_anything_happens(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    result = run_cli(env, "backup", str(out), *FAST, "--names", "{title}")
    assert result.code == 2
    assert "must contain {id}" in result.stderr
    assert fake.counters.total_api_calls == 0


# --- kill -9 in the middle ---------------------------------------------------------------------

# The real CLI in its own process, killed by SIGKILL right after its Nth rename: no cleanup,
# no finally block, exactly as a power-off of the process would leave things.
DIES_AFTER_RENAMES = """
import os, signal, sys
from flickr_async import reshape
real, done, limit = reshape.move_into_place, [0], int(sys.argv[1])
def dying(src, dest):
    real(src, dest)
    done[0] += 1
    if done[0] == limit:
        os.kill(os.getpid(), signal.SIGKILL)
reshape.move_into_place = dying
from flickr_async.cli import app
app(sys.argv[2:], prog_name="flickr-async")
"""


def reshape_killed_after(env: dict[str, str], renames: int, *args: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", DIES_AFTER_RENAMES, str(renames), "reshape", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
    )
    return proc.returncode


# 44 items, 3 renames each (file, .json, .xmp) when staged, 3 again when placed: the kills
# land inside the first photo, mid-way through staging, and inside the placing step.
@pytest.mark.parametrize("renames", [1, 62, 133, 200])
def test_a_reshape_killed_mid_way_is_finished_by_running_it_again(
    fake: FakeFlickr, env: dict[str, str], synced: Path, renames: int
) -> None:
    before = contents(synced)
    code = reshape_killed_after(env, renames, str(synced), "--layout", "date", "--names", DATED)
    assert code == -9
    result = run_cli(env, "backup", str(synced), *FAST)
    assert result.code == 2 and "reshape of" in result.stderr and "interrupted" in result.stderr
    checked = run_cli(env, "verify", str(synced), "--quick", "--repair")
    assert checked.code == 1 and "reshape of" in checked.stdout
    refused = run_cli(env, "reshape", str(synced), "--layout", "flat")
    assert refused.code == 2 and "not finished" in refused.stderr

    result = run_cli(env, "reshape", str(synced))
    assert result.code == 0, result.stderr
    assert "finished the interrupted reshape" in result.stdout
    verify_is_clean(env, synced)
    assert contents(synced) == before
    assert all(row.is_done for row in rows(synced).values())  # none marked for repair
    assert all(MONTH.match(str(Path(row.path or "").parent)) for row in rows(synced).values())
    assert sum(fake.counters.file_requests.values()) == 0


# --- link modes ----------------------------------------------------------------------------------


def album_copies(out: Path) -> list[tuple[Path, Path]]:
    """(primary, copy) for every album copy of a media file and of its sidecars."""
    return [
        (Path(f"{out / (row.path or '')}{suffix}"), Path(f"{out / link}{suffix}"))
        for row in rows(out).values()
        for link in row.links
        for suffix in ("", ".json", ".xmp")
    ]


def test_symlinked_album_copies_are_relative_and_verify_clean(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--links", "symlink") == 0
    pairs = album_copies(out)
    assert pairs
    for primary, copy in pairs:
        assert copy.is_symlink() and not os.readlink(copy).startswith("/")
        assert copy.resolve() == primary.resolve()
    verify_is_clean(env, out)


def test_reshape_turns_hard_links_into_copies_and_back(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    assert run_cli(env, "reshape", str(synced), "--links", "copy").code == 0
    pairs = album_copies(synced)
    assert pairs
    for primary, copy in pairs:
        assert not copy.is_symlink() and not os.path.samefile(primary, copy)
        assert copy.read_bytes() == primary.read_bytes()
    verify_is_clean(env, synced)
    assert run_cli(env, "reshape", str(synced), "--links", "hardlink").code == 0
    assert all(os.path.samefile(primary, copy) for primary, copy in album_copies(synced))
    assert_no_request(fake)
    verify_is_clean(env, synced)


def test_verify_reports_a_copy_that_went_out_of_step(env: dict[str, str], synced: Path) -> None:
    assert run_cli(env, "reshape", str(synced), "--links", "copy").code == 0
    _, copy = album_copies(synced)[0]
    copy.write_bytes(b"not the photo")
    assert run_cli(env, "verify", str(synced)).code == 1


# --- templated names through a sync ---------------------------------------------------------------


def test_a_title_change_renames_the_file_and_leaves_no_old_name_behind(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--names", "{title} ({id})") == 0
    target = next(p.id for p in library.photos if library.albums_of(p.id) and not p.is_video)
    old = rows(out)[target]
    fake.counters.reset()
    library.edit_photo(target, title="A brand new title")
    assert backup(env, out) == 0
    assert fake.counters.file_requests[target] == 0
    new = rows(out)[target]
    assert Path(new.path or "").name == f"A brand new title ({target}).jpg"
    for gone in (old.path, *old.links):
        for suffix in ("", ".json", ".xmp"):
            assert not (out / f"{gone}{suffix}").exists(), f"{gone}{suffix} left behind"
    verify_is_clean(env, out)


def test_a_dated_archive_syncs_a_new_photo_into_its_month(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--layout", "date", "--names", DATED) == 0
    added = library.add_photo(title="fresh", datetaken="2019-07-04 15:30:00")
    assert backup(env, out) == 0
    assert rows(out)[added.id].path == f"2019/07/2019-07-04 fresh ({added.id}).jpg"
    verify_is_clean(env, out)


def test_a_photo_leaving_its_first_album_moves_onto_its_symlinked_copy_without_loss(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--links", "symlink") == 0
    target = next(pid for pid, row in rows(out).items() if row.links)
    before = contents(out)[target]
    first = rows(out)[target].path or ""
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        [album] = [a for a in state.albums().values() if a.folder == Path(first).parent.name]
    finally:
        state.close()
    library.remove_from_album(album.id, target)
    fake.counters.reset()
    assert backup(env, out) == 0
    row = rows(out)[target]
    assert row.path and row.path != first and not (out / row.path).is_symlink()
    assert sha256(out / row.path) == before
    assert fake.counters.file_requests[target] == 0
    verify_is_clean(env, out)


def test_a_dated_archive_keeps_a_photo_deleted_on_flickr_and_marks_it(
    library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--layout", "date", "--names", DATED) == 0
    target = next(pid for pid in rows(out))
    path = out / (rows(out)[target].path or "")
    library.delete_photo(target)
    assert backup(env, out) == 0
    assert path.is_file() and sidecar(path)["deleted_on_flickr"] is not None
    verify_is_clean(env, out)
