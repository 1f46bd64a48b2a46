"""One archive, one account: another account's credentials are refused before anything
changes; --adopt-account makes the change on purpose; an archive from before adopts its
first run's account."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from flickr_async.archive_owner import ACCOUNT_KEY
from tests.e2e.helpers import FAST, media_files, run_cli
from tests.fakeflickr import FakeFlickr, generate_library, running_fake
from tests.fakeflickr.model import FakeOwner

OTHER = FakeOwner(nsid="11223344@N05", username="work-account", path_alias="workacct")
OWNER = FakeOwner()


@pytest.fixture
def other() -> Iterator[FakeFlickr]:
    """Another Flickr account, with its own photos and owner."""
    with running_fake(generate_library(seed=7, photos=5, videos=0, albums=1, owner=OTHER)) as f:
        yield f


@pytest.fixture
def other_env(other: FakeFlickr, tmp_path: Path) -> dict[str, str]:
    return other.cli_env(tmp_path / "other-home")


@pytest.fixture
def synced(fake: FakeFlickr, env: dict[str, str], out: Path) -> Path:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    return out


def tree(out: Path) -> dict[str, str]:
    """Every file under OUT (the tool's own folder included) -> sha256 of its bytes."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def meta(out: Path, key: str) -> str | None:
    db = sqlite3.connect(f"file:{out}/.flickr-async/state.sqlite3?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    finally:
        db.close()
    return None if row is None else str(row[0])


def forget_account(out: Path) -> None:
    """The archive's state as made before accounts were recorded."""
    db = sqlite3.connect(out / ".flickr-async" / "state.sqlite3")
    try:
        db.execute("DELETE FROM meta WHERE key = ?", (ACCOUNT_KEY,))
        db.commit()
    finally:
        db.close()


def test_another_accounts_credentials_are_refused_with_exit_2_and_nothing_changes(
    synced: Path, other: FakeFlickr, other_env: dict[str, str], tmp_path: Path
) -> None:
    before = tree(synced)
    report = tmp_path / "report.json"
    result = run_cli(other_env, "backup", str(synced), *FAST, "--quiet", "--report", str(report))
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert OWNER.nsid in result.stderr and OTHER.nsid in result.stderr
    assert "--adopt-account" in result.stderr
    assert tree(synced) == before  # no sidecar, account file, log, run record or site touched
    assert other.counters.api_calls == {"flickr.test.login": 1}
    assert other.counters.file_requests == {}
    refused = json.loads(report.read_text())
    assert (refused["result"], refused["exit_code"]) == ("refused", 2)
    assert OTHER.nsid in refused["reason"] and refused["account"] == OTHER.nsid


def test_a_dry_run_with_another_accounts_credentials_is_refused_too(
    synced: Path, other_env: dict[str, str]
) -> None:
    result = run_cli(other_env, "backup", str(synced), *FAST, "--dry-run")
    assert result.code == 2 and OTHER.nsid in result.stderr
    assert "would" not in result.stdout


def test_adopt_account_makes_the_archive_the_other_accounts_and_keeps_the_old_photos(
    synced: Path, other: FakeFlickr, other_env: dict[str, str], env: dict[str, str]
) -> None:
    kept = media_files(synced)
    result = run_cli(other_env, "backup", str(synced), *FAST, "--adopt-account")
    assert result.code == 0, result.stderr
    assert f"it is now {OTHER.username} ({OTHER.nsid})'s (--adopt-account)" in result.stderr
    assert all(p.exists() for p in kept)  # the first account's photos stay, marked deleted
    assert json.loads(meta(synced, ACCOUNT_KEY) or "{}")["nsid"] == OTHER.nsid
    status = run_cli(other_env, "status", str(synced))
    assert f"account: {OTHER.username} ({OTHER.nsid})" in status.stdout
    # Now the first account is the stranger.
    assert run_cli(env, "backup", str(synced), *FAST).code == 2


def test_an_archive_that_recorded_no_account_adopts_its_first_runs_and_says_so(
    synced: Path, env: dict[str, str], other_env: dict[str, str]
) -> None:
    # As made before accounts were recorded: no meta row, and no account.json.
    forget_account(synced)
    (synced / "account.json").unlink()
    result = run_cli(env, "backup", str(synced), *FAST)
    assert result.code == 0
    said = [line for line in result.stderr.splitlines() if "recorded no Flickr account" in line]
    assert len(said) == 1 and f"{OWNER.username} ({OWNER.nsid})" in said[0]
    assert json.loads(meta(synced, ACCOUNT_KEY) or "{}")["nsid"] == OWNER.nsid
    assert run_cli(env, "backup", str(synced), *FAST).stderr == ""  # said once
    assert run_cli(other_env, "backup", str(synced), *FAST).code == 2


def test_an_archive_whose_state_lost_its_account_still_knows_it_from_account_json(
    synced: Path, other_env: dict[str, str]
) -> None:
    forget_account(synced)
    before = tree(synced)
    result = run_cli(other_env, "backup", str(synced), *FAST)
    assert result.code == 2 and OWNER.nsid in result.stderr
    assert tree(synced) == before


def test_a_new_archive_records_its_account_without_a_word(env: dict[str, str], out: Path) -> None:
    result = run_cli(env, "backup", str(out), *FAST, "--quiet")
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert json.loads(meta(out, ACCOUNT_KEY) or "{}") == {
        "nsid": OWNER.nsid,
        "username": OWNER.username,
    }
