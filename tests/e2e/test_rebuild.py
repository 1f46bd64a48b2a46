"""The archive is its own index: a lost, emptied, truncated or damaged state is rebuilt from
the sidecars, the root files and the files, with nothing downloaded again and no second
tree; a read-only archive is verified without a write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from flickr_async.errors import EXIT_FAILED
from flickr_async.layout import STATE_DIR
from flickr_async.state import State
from tests.e2e.helpers import (
    FAST,
    ROOT,
    Run,
    archive_file_requests,
    media_files,
    run_cli,
    sha256,
    sidecar,
)
from tests.fakeflickr import FakeFlickr, Library

NAMES = "{date_taken:%Y-%m-%d} {title} ({id})"


def state_file(out: Path) -> Path:
    return out / STATE_DIR / "state.sqlite3"


def delete(path: Path) -> None:
    path.unlink()


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncate(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def scribble(path: Path) -> None:
    """Garbage over the header and the first pages: 'file is not a database'."""
    with path.open("r+b") as fh:
        fh.write(os.urandom(3 * 4096))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "deleted": delete,
    "emptied": empty,
    "truncated": truncate,
    "scribbled": scribble,
}


def tree(out: Path) -> dict[str, str]:
    """Every file the archive holds outside its state and site: path -> SHA-256."""
    return {
        str(p.relative_to(out)): sha256(p)
        for p in sorted(out.rglob("*"))
        if p.is_file()
        and STATE_DIR not in p.relative_to(out).parts
        and ".site" not in p.relative_to(out).parts
        and p.name != "index.html"
    }


def inodes(out: Path) -> int:
    return len({(p.stat().st_dev, p.stat().st_ino) for p in media_files(out)})


@pytest.fixture
def reshaped(fake: FakeFlickr, env: dict[str, str], out: Path) -> Path:
    """An archive backed up in the default shape, then reshaped to flat, templated names."""
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert run_cli(env, "reshape", str(out), "--layout", "flat", "--names", NAMES).code == 0
    assert run_cli(env, "backup", str(out), *FAST).code == 0  # settled: nothing left to do
    fake.counters.reset()
    return out


def backup_without_state(env: dict[str, str], out: Path) -> Run:
    """`backup OUT` once the state database is gone: it rebuilds the state and succeeds."""
    state_file(out).unlink()
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stderr
    return result


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_lost_state_after_a_reshape_is_rebuilt_by_backup_with_no_download_and_no_second_tree(
    fake: FakeFlickr, env: dict[str, str], reshaped: Path, damage: str
) -> None:
    before, files, links = tree(reshaped), media_files(reshaped), inodes(reshaped)
    assert all(p.parent == reshaped for p in files)  # flat
    DAMAGE[damage](state_file(reshaped))

    result = run_cli(env, "backup", str(reshaped), *FAST)

    assert result.code == 0, result.stdout + result.stderr
    assert result.stderr.count("rebuilt from the archive") == 1, result.stderr
    assert "--layout flat" in result.stderr
    assert sum(archive_file_requests(fake).values()) == 0, archive_file_requests(fake)
    assert sum(fake.counters.file_requests.values()) == 0, "the site's thumbnails too"
    assert media_files(reshaped) == files, "a second tree was made"
    assert inodes(reshaped) == links
    assert tree(reshaped).keys() == before.keys()
    kept = list((reshaped / STATE_DIR).glob("state.sqlite3.damaged-*"))
    assert len(kept) == (0 if damage == "deleted" else 1)
    verify = run_cli(env, "verify", str(reshaped))
    assert (verify.code, verify.stdout) == (0, "archive intact\n"), verify.stdout


@pytest.mark.parametrize(
    "shape", [(), ("--links", "symlink"), ("--links", "copy"), ("--layout", "date")]
)
def test_a_lost_state_of_an_albums_archive_keeps_every_album_copy_as_it_is(
    fake: FakeFlickr, env: dict[str, str], out: Path, shape: tuple[str, ...]
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    if shape:
        assert run_cli(env, "reshape", str(out), *shape).code == 0
    entries = {str(p.relative_to(out)): p.is_symlink() for p in media_files(out)}
    before, links = tree(out), inodes(out)
    fake.counters.reset()
    backup_without_state(env, out)
    assert sum(fake.counters.file_requests.values()) == 0
    assert {str(p.relative_to(out)): p.is_symlink() for p in media_files(out)} == entries
    assert inodes(out) == links and tree(out).keys() == before.keys()
    assert run_cli(env, "verify", str(out)).stdout == "archive intact\n"


def test_favourites_and_photos_deleted_on_flickr_survive_a_lost_state(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--favorites").code == 0
    gone = library.photos[0].id
    library.delete_photo(gone)
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    before = tree(out)
    fake.counters.reset()
    result = backup_without_state(env, out)
    assert f"{len(library.favorites)} favourites" in result.stderr
    assert sum(fake.counters.file_requests.values()) == 0, fake.counters.file_requests
    assert tree(out).keys() == before.keys()
    state = State(state_file(out))
    try:
        assert state.photo(str(gone)).deleted_on_flickr is not None  # type: ignore[union-attr]
        assert len(state.favorites()) == len(library.favorites)
    finally:
        state.close()
    assert run_cli(env, "verify", str(out)).stdout == "archive intact\n"


def test_a_truncated_state_is_never_an_intact_archive(env: dict[str, str], reshaped: Path) -> None:
    truncate(state_file(reshaped))
    status = run_cli(env, "status", str(reshaped))
    assert status.code == EXIT_FAILED and "unusable" in status.stderr
    assert status.stderr.count("\n") == 1
    verify = run_cli(env, "verify", str(reshaped))
    assert "rebuilt from the archive: 44 items" in verify.stderr
    assert verify.code == 0, verify.stdout
    assert run_cli(env, "status", str(reshaped)).stdout.startswith("archived: 44 items")


def test_a_file_that_differs_from_its_sidecar_is_fetched_again_and_only_it(
    fake: FakeFlickr, env: dict[str, str], reshaped: Path
) -> None:
    torn = media_files(reshaped)[3]
    torn.write_bytes(torn.read_bytes()[:-10])
    state_file(reshaped).unlink()
    rebuilt = run_cli(env, "verify", str(reshaped), "--rebuild")
    assert "1 broken" in rebuilt.stderr
    assert rebuilt.code == 1 and "size:" in rebuilt.stdout
    assert run_cli(env, "backup", str(reshaped), *FAST).code == 0
    assert set(archive_file_requests(fake)) == {torn.name.rsplit("(", 1)[1].split(")")[0]}
    assert run_cli(env, "verify", str(reshaped)).code == 0


def test_reshape_on_a_lost_state_moves_nothing_and_points_to_verify(
    env: dict[str, str], reshaped: Path
) -> None:
    before = tree(reshaped)
    state_file(reshaped).unlink()
    result = run_cli(env, "reshape", str(reshaped), "--layout", "albums")
    assert result.code == EXIT_FAILED and result.stderr.count("\n") == 1
    assert "unusable: it is missing" in result.stderr and "verify" in result.stderr
    assert tree(reshaped) == before
    assert run_cli(env, "verify", str(reshaped)).code == 0
    assert run_cli(env, "reshape", str(reshaped), "--layout", "albums").code == 0


def test_verify_rebuild_keeps_a_sound_state_aside_and_changes_no_file(
    env: dict[str, str], reshaped: Path
) -> None:
    before = tree(reshaped)
    result = run_cli(env, "verify", str(reshaped), "--rebuild")
    assert result.code == 0 and result.stdout == "archive intact\n"
    assert "as asked (kept as state.sqlite3.replaced-" in result.stderr
    assert len(list((reshaped / STATE_DIR).glob("state.sqlite3.replaced-*"))) == 1
    assert tree(reshaped) == before


def test_an_archive_older_than_the_remembered_shape_is_rebuilt_in_the_shape_of_its_files(
    fake: FakeFlickr, env: dict[str, str], reshaped: Path
) -> None:
    """account.json of an older version: only the layout; the names are read off the files."""
    account = reshaped / "account.json"
    data = json.loads(account.read_text("utf-8"))
    del data["archive"]["options"]
    account.write_text(json.dumps(data), "utf-8")
    files = media_files(reshaped)
    result = backup_without_state(env, reshaped)
    assert "inferred from where the files are" in result.stderr
    assert f"--names '{NAMES}'" in result.stderr
    assert sum(archive_file_requests(fake).values()) == 0
    assert media_files(reshaped) == files


def test_an_archive_from_before_the_file_record_is_rebuilt_with_no_download(
    fake: FakeFlickr, env: dict[str, str], reshaped: Path
) -> None:
    """Sidecars without `file`, account.json without `options`: files are checked against
    what Flickr served (videos) or by their structure (JPEGs with embedded metadata), the
    original's secret is read from the served URL."""
    embedded = sum(sha256(p) != sidecar(p)["download"]["sha256"] for p in media_files(reshaped))
    for path in reshaped.glob("*.json"):
        doc = json.loads(path.read_text("utf-8"))
        if path.name == "account.json":
            del doc["archive"]["options"]
        else:
            doc.pop("file", None)
        path.write_text(json.dumps(doc), "utf-8")
    files = media_files(reshaped)
    result = backup_without_state(env, reshaped)
    assert "rebuilt from the archive: 44 items" in result.stderr
    assert f"{embedded} older JPEGs checked by their structure only" in result.stderr
    assert sum(fake.counters.file_requests.values()) == 0, fake.counters.file_requests
    assert media_files(reshaped) == files
    assert run_cli(env, "verify", str(reshaped)).code == 0


# --- a read-only archive -----------------------------------------------------------------


def read_only_run(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a mount namespace where `out` is a read-only bind mount: the kernel refuses
    every write (root's too, unlike chmod), and nothing outside the test sees the mount."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is missing")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no user and mount namespaces here: {probe.stderr.decode().strip()}")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(out), sys.executable, "-m",
         "flickr_async", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("FLICKR")},
    )  # fmt: skip


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """Every entry under OUT, the state's folder included: (size, mtime_ns)."""
    return {
        str(p.relative_to(out)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
    }


def test_a_read_only_archive_is_verified_without_a_write(reshaped: Path) -> None:
    before = snapshot(reshaped)
    result = read_only_run(reshaped, "verify", str(reshaped))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "archive intact\n"
    assert result.stderr == (
        f"{reshaped} is read-only: verified without the lock, its state opened read-only\n"
    )
    assert snapshot(reshaped) == before
    status = read_only_run(reshaped, "status", str(reshaped))
    assert status.returncode == 0 and status.stdout.startswith("archived: 44 items"), status
    assert snapshot(reshaped) == before
    broken = media_files(reshaped)[0]
    broken.write_bytes(broken.read_bytes()[:-1])
    found = read_only_run(reshaped, "verify", str(reshaped))
    assert found.returncode == 1 and "size:" in found.stdout


def test_a_read_only_archive_with_a_lost_state_is_verified_against_a_rebuild_in_memory(
    reshaped: Path,
) -> None:
    state_file(reshaped).unlink()
    before = snapshot(reshaped)
    result = read_only_run(reshaped, "verify", str(reshaped))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "archive intact\n"
    assert "rebuild in memory" in result.stderr
    assert snapshot(reshaped) == before
    repair = read_only_run(reshaped, "verify", str(reshaped), "--repair")
    assert repair.returncode != 0 and "read-only" in repair.stderr


def test_the_read_only_state_refuses_every_write_and_changes_no_file(reshaped: Path) -> None:
    """The open itself, as any user can test it (the namespace tests above show it on a
    read-only mount): mode=ro, no schema script. In a writable folder SQLite may add its
    shared-memory files beside a WAL database; the database itself is untouched."""
    path = state_file(reshaped)
    before = snapshot(reshaped)
    state = State(path, read_only=True)
    try:
        assert state.photo_count() == 44
        with pytest.raises(Exception, match="readonly"):
            state.set_meta({"x": "y"})
    finally:
        state.close()
    after = snapshot(reshaped)
    for name in ("state.sqlite3-wal", "state.sqlite3-shm"):
        after.pop(f"{STATE_DIR}/{name}", None)
    after.pop(STATE_DIR)
    before.pop(STATE_DIR)
    assert after == before
