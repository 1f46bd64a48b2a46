"""A killed run loses nothing and a rerun completes it; one run per archive at a time."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.helpers import (
    FAST,
    archive_file_requests,
    cli_env,
    fill_the_disk_after,
    jpeg_scan,
    media_files,
    run_cli,
    sha256,
    spawn_cli,
)
from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake

DEADLINE = 60.0


def done_rows(out: Path) -> dict[str, tuple[str, str, list[str]]]:
    """photo id -> (path, sha256, album links) of what state records as finished."""
    db = out / ".flickr-async" / "state.sqlite3"
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT id, path, sha256, links FROM photos WHERE status = 'done'")
            return {pid: (path, digest, json.loads(links)) for pid, path, digest, links in rows}
    except sqlite3.OperationalError:
        return {}  # the schema is not there yet


def is_whole(fake: FakeFlickr, library: Library, path: Path) -> bool:
    photo = library.photo(path.stem)
    data = path.read_bytes()
    if photo.is_video:
        return data in (fake.video_bytes(photo.id, label) for label in ("orig", "hd", "site"))
    served = fake.original_bytes(photo.id)
    if served[:2] == b"\xff\xd8" and data[:2] == b"\xff\xd8":
        return jpeg_scan(data) == jpeg_scan(served)
    return data == served


def largest_file(folder: Path) -> int:
    """Size of the largest file in a folder that others are changing meanwhile."""
    sizes = [0]
    for path in folder.glob("*") if folder.exists() else ():
        with contextlib.suppress(FileNotFoundError):
            sizes.append(path.stat().st_size)
    return max(sizes)


def wait_for(predicate: object, what: str) -> None:
    start = time.monotonic()
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() - start < DEADLINE, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_kill_9_mid_run_then_rerun_completes_without_refetching_finished_files(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.faults.file_bandwidth = 400_000  # slow enough to be caught mid-run
    proc = spawn_cli(env, "backup", str(out), *FAST, "--concurrency", "2", "--quiet")
    try:
        wait_for(lambda: len(done_rows(out)) >= 5, "five finished photos")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finished = done_rows(out)
    assert len(finished) < len(library.photos), "the run finished before it was killed"
    # Nothing partial sits under a final name: every file there is one state vouches for.
    recorded = {p for path, _, links in finished.values() for p in (path, *links)}
    for path in media_files(out):
        # A file renamed into place a moment before the kill, not yet in state, is whole too.
        assert str(path.relative_to(out)) in recorded or is_whole(fake, library, path), path
    for path, digest, _ in finished.values():
        assert sha256(out / path) == digest

    fake.faults.clear()
    fake.counters.reset()
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stderr
    assert set(done_rows(out)) == {p.id for p in library.photos}
    refetched = [pid for pid in finished if archive_file_requests(fake)[pid]]
    assert refetched == []


def test_a_second_run_on_the_same_archive_is_refused_with_exit_4(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    fake.faults.file_bandwidth = 200_000
    proc = spawn_cli(env, "backup", str(out), *FAST, "--quiet")
    try:
        wait_for(lambda: (out / ".flickr-async" / "lock").exists(), "the first run's lock")
        wait_for(lambda: len(done_rows(out)) >= 1, "the first run to make progress")
        second = run_cli(env, "backup", str(out), *FAST)
        assert second.code == 4
        assert "another flickr-async run" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_ctrl_c_stops_cleanly_with_one_line_and_a_rerun_completes(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.faults.file_bandwidth = 400_000
    proc = spawn_cli(env, "backup", str(out), *FAST, "--concurrency", "2", "--quiet")
    try:
        wait_for(lambda: len(done_rows(out)) >= 2, "two finished photos")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert stderr.decode().strip() == "interrupted"
    assert not list((out / ".flickr-async" / "tmp").iterdir())
    fake.faults.clear()
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert set(done_rows(out)) == {p.id for p in library.photos}


def test_a_full_disk_stops_the_run_with_one_line_and_loses_nothing(
    fake: FakeFlickr,
    library: Library,
    env: dict[str, str],
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    free_the_disk = fill_the_disk_after(5, monkeypatch)
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 5  # the run could not do its job, not "some items failed"
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    finished = done_rows(out)
    for path, digest, _ in finished.values():
        assert sha256(out / path) == digest
    free_the_disk()
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert set(done_rows(out)) == {p.id for p in library.photos}


def test_ctrl_c_during_big_downloads_never_corrupts_a_resumed_file(tmp_path: Path) -> None:
    # Unthrottled multi-MiB files: Ctrl-C lands while 1 MiB batches are being written.
    library = generate_library(seed=11, photos=6, videos=0, albums=1, file_size=24 << 20)
    with running_fake(library) as fake:
        env = cli_env(fake, tmp_path / "home")
        out = tmp_path / "out"
        parts = out / ".flickr-async" / "parts"
        proc = spawn_cli(env, "backup", str(out), *FAST, "--no-exif", "--quiet")
        try:
            wait_for(lambda: largest_file(parts) > 3 << 20, "a download under way")
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=DEADLINE)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130
        assert not list((out / ".flickr-async" / "tmp").iterdir())
        assert run_cli(env, "backup", str(out), *FAST, "--no-exif").code == 0
        for photo in library.photos:
            [path] = [p for p in media_files(out) if p.stem == photo.id]
            served = json.loads(path.with_name(path.name + ".json").read_text())["download"]
            assert sha256(path) == served["sha256"], f"{photo.id}: file is not what was served"
            if photo.can_download:
                assert served["sha256"] == fake.original_sha256(photo.id), f"{photo.id} corrupted"
        assert run_cli(env, "verify", str(out)).code == 0
