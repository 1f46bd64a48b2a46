"""Cron ergonomics and the archive tools: verify, repair, status, dry run, report, quiet."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from flickr_async.jobs import Reason
from flickr_async.state import State
from tests.e2e.helpers import FAST, media_files, run_cli
from tests.fakeflickr import FakeFlickr, Library


def test_verify_says_an_untouched_archive_is_intact(env: dict[str, str], synced: Path) -> None:
    linked_photo(synced)  # it holds album copies, and verify accepts them
    result = run_cli(env, "verify", str(synced))
    assert result.code == 0
    assert "archive intact" in result.stdout


def test_verify_finds_a_truncated_file_and_a_deleted_one(env: dict[str, str], synced: Path) -> None:
    files = [p for p in media_files(synced) if p.stat().st_nlink == 1]
    truncated, deleted = files[0], files[1]
    truncated.write_bytes(truncated.read_bytes()[:100])
    deleted.unlink()
    result = run_cli(env, "verify", str(synced))
    assert result.code == 1
    assert f"size: {truncated.relative_to(synced)}" in result.stdout
    assert f"missing: {deleted.relative_to(synced)}" in result.stdout


def linked_photo(out: Path) -> tuple[Path, Path]:
    """(primary, one album copy) of a photo stored once and linked into another album."""
    state = State(out / ".flickr-async" / "state.sqlite3")
    try:
        row = next(r for r in state.iter_photos() if r.links and r.path)
    finally:
        state.close()
    assert row.path is not None
    return out / row.path, out / row.links[0]


def test_verify_reports_a_missing_album_copy_as_a_link_problem(
    env: dict[str, str], synced: Path
) -> None:
    _, copy = linked_photo(synced)
    copy.unlink()
    result = run_cli(env, "verify", str(synced))
    assert result.code != 0
    assert f"link: {copy.relative_to(synced)}" in result.stdout


def test_verify_reports_an_album_copy_whose_bytes_differ_as_a_link_problem(
    env: dict[str, str], synced: Path
) -> None:
    primary, copy = linked_photo(synced)
    data = bytearray(primary.read_bytes())
    data[-10] ^= 0xFF  # same size, one byte off: a copy that is no longer the photo
    copy.unlink()
    copy.write_bytes(bytes(data))
    result = run_cli(env, "verify", str(synced))
    assert result.code != 0
    assert f"link: {copy.relative_to(synced)}" in result.stdout


def test_verify_repair_fetches_broken_files_again(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    files = [p for p in media_files(synced) if p.stat().st_nlink == 1]
    truncated, deleted = files[0], files[1]
    good = truncated.read_bytes()
    truncated.write_bytes(good[:100])
    deleted.unlink()
    result = run_cli(env, "verify", str(synced), "--repair", *FAST)
    assert result.code == 0, result.stdout + result.stderr
    assert truncated.read_bytes() == good
    assert deleted.exists()
    assert set(fake.counters.file_requests) == {truncated.stem, deleted.stem}
    assert run_cli(env, "verify", str(synced)).code == 0


def test_verify_notices_a_flipped_byte_with_checksums(env: dict[str, str], synced: Path) -> None:
    victim = media_files(synced)[0]
    data = bytearray(victim.read_bytes())
    data[-10] ^= 0xFF
    victim.write_bytes(bytes(data))
    result = run_cli(env, "verify", str(synced))
    assert result.code == 1 and "checksum" in result.stdout
    assert run_cli(env, "verify", str(synced), "--quick").code == 0


def test_status_reports_counts_last_run_and_not_original_items(
    library: Library, env: dict[str, str], synced: Path
) -> None:
    result = run_cli(env, "status", str(synced), "--json")
    assert result.code == 0
    info = json.loads(result.stdout)
    assert info["archived"] == len(library.photos)
    assert info["account_count"] == len(library.photos)
    assert info["last_run"]["result"] == "complete"
    assert info["pending_or_failed"] == {}
    assert len(info["not_original"]) >= 1
    text = run_cli(env, "status", str(synced)).stdout
    assert f"archived: {len(library.photos)} items" in text


def test_status_of_a_folder_that_is_no_archive_is_one_line_exit_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(env, "status", str(tmp_path))
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "not a flickr-async archive" in result.stderr


def test_dry_run_lists_what_would_happen_and_writes_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    result = run_cli(env, "backup", str(out), *FAST, "--dry-run")
    assert result.code == 0
    assert not out.exists()
    assert result.stdout.count("would download") == len(library.photos)
    assert sum(fake.counters.file_requests.values()) == 0


def test_dry_run_after_a_change_names_only_the_change(
    library: Library, env: dict[str, str], synced: Path
) -> None:
    photo = library.add_photo(title="new")
    result = run_cli(env, "backup", str(synced), *FAST, "--dry-run")
    assert result.code == 0
    assert [line for line in result.stdout.splitlines() if line.startswith("would")] == [
        f"would download: {photo.id}"
    ]


def test_quiet_prints_nothing_when_all_is_well(
    library: Library, env: dict[str, str], synced: Path
) -> None:
    library.add_photo(title="new")
    result = run_cli(env, "backup", str(synced), *FAST, "--quiet")
    assert result.code == 0
    assert result.stdout == "" and result.stderr == ""


def test_quiet_still_reports_failures(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    photo = library.add_photo(title="doomed")
    fake.faults.fail_file(photo.id, status=404)
    result = run_cli(env, "backup", str(synced), *FAST, "--quiet")
    assert result.code == 1
    assert photo.id in result.stdout + result.stderr


def test_report_file_holds_the_runs_summary(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    assert run_cli(env, "backup", str(out), *FAST, "--report", str(report)).code == 0
    summary = json.loads(report.read_text())
    assert summary["result"] == "complete"
    assert summary["downloaded"] == len(library.photos)
    assert summary["api_calls"] == fake.counters.total_api_calls
    assert summary["bytes_downloaded"] == sum(fake.counters.bytes_served.values())


def test_a_revoked_token_fails_fast_with_exit_3(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    fake.revoke_token(env["FLICKR_OAUTH_TOKEN"])
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 3
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert env["FLICKR_OAUTH_TOKEN_SECRET"] not in result.stdout + result.stderr
    assert sum(fake.counters.file_requests.values()) == 0


def test_no_token_at_all_is_an_authentication_error(env: dict[str, str], out: Path) -> None:
    env = {k: v for k, v in env.items() if not k.startswith("FLICKR_OAUTH")}
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 3
    assert "flickr-async auth" in result.stderr


def test_repair_cannot_fetch_a_photo_deleted_on_flickr_and_says_so(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    target = next(p for p in media_files(synced) if p.stat().st_nlink == 1)
    library.delete_photo(target.stem)
    assert run_cli(env, "backup", str(synced), *FAST).code == 0
    target.write_bytes(b"corrupt")
    result = run_cli(env, "verify", str(synced), "--repair", *FAST)
    assert result.code == 1
    assert "still broken" in result.stdout
    assert run_cli(env, "verify", str(synced)).code == 1  # never silently "intact"


def test_a_dry_run_says_what_it_would_do_for_every_reason(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    stills = [
        p.id
        for p in library.photos
        if not p.is_video and p.can_download and p.originalformat == "jpg"
    ]
    retry, upgrade, *rest = stills
    # In one album at most: no album copy keeps a JSON sidecar when its own is lost.
    lost = next(pid for pid in rest if len(library.albums_of(pid)) <= 1)
    others = [pid for pid in rest if pid != lost]
    missing, sidecars, refresh, changed, replaced, deleted, albums = others[:7]
    fake.faults.fail_file(retry, status=404)
    fake.faults.refuse_original(upgrade, status=403)  # a smaller size is archived
    assert run_cli(env, "backup", str(out), *FAST).code == 1  # `retry` failed

    def beside(pid: str, suffix: str) -> Path:
        state = State(out / ".flickr-async" / "state.sqlite3")
        row = state.photo(pid)
        state.close()
        assert row is not None and row.path is not None
        return out / (row.path + suffix)

    beside(missing, "").unlink()
    beside(sidecars, ".xmp").unlink()
    beside(lost, ".json").unlink()
    db = sqlite3.connect(out / ".flickr-async" / "state.sqlite3")
    db.execute("UPDATE photos SET embed_version = 1 WHERE id = ?", (refresh,))
    db.commit()
    db.close()
    library.edit_photo(changed, title="edited")
    library.replace_original(replaced)
    library.delete_photo(deleted)
    elsewhere = next(a for a in library.albums if a not in library.albums_of(albums))
    library.add_to_album(elsewhere.id, albums)
    new = library.add_photo(title="new").id
    fake.counters.reset()

    result = run_cli(env, "backup", str(out), *FAST, "--dry-run", "--full-listing")
    expected = {
        new: "download",
        retry: "download (failed before)",
        missing: "download (missing on disk)",
        replaced: "download (replaced on Flickr)",
        upgrade: "try the original again (a smaller size is archived)",
        changed: "update metadata",
        refresh: "re-embed its metadata as this version writes it (no call)",
        albums: "update album links",
        sidecars: "restore sidecars or album copies (no call)",
        lost: "restore its lost JSON sidecar (metadata asked again, no download)",
        deleted: "mark deleted on Flickr",
    }
    said = sorted(line for line in result.stdout.splitlines() if line.startswith("would "))
    assert said == sorted(f"would {verb}: {pid}" for pid, verb in expected.items())
    assert {r.verb for r in Reason} - set(expected.values()) == {Reason.IMPORT.verb}
    assert sum(fake.counters.file_requests.values()) == 0
