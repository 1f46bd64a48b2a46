"""Which account an archive belongs to: recorded once, checked every run, read back from
account.json when the state has lost it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from flickr_async.archive_owner import Owner, check_owner, claim, recorded_owner
from flickr_async.errors import OtherAccountError
from flickr_async.state import State

ALICE = Owner("111@N01", "alice")
BOB = Owner("222@N02", "bob")


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    opened = State.open(tmp_path)
    yield opened
    opened.close()


def test_a_new_archive_records_nobody_and_accepts_anyone(state: State, tmp_path: Path) -> None:
    assert recorded_owner(state, tmp_path) is None
    check_owner(state, tmp_path, BOB, adopt=False)


def test_another_account_is_refused_naming_both(state: State, tmp_path: Path) -> None:
    claim(state, tmp_path, ALICE)
    with pytest.raises(OtherAccountError) as refused:
        check_owner(state, tmp_path, BOB, adopt=False)
    assert "alice (111@N01)" in str(refused.value) and "bob (222@N02)" in str(refused.value)
    check_owner(state, tmp_path, ALICE, adopt=False)
    check_owner(state, tmp_path, BOB, adopt=True)


def test_account_json_speaks_for_a_state_that_lost_the_account(
    state: State, tmp_path: Path
) -> None:
    profile = {"nsid": ALICE.nsid, "username": ALICE.username}
    (tmp_path / "account.json").write_text(json.dumps({"schema": 1, "profile": profile}))
    assert recorded_owner(state, tmp_path) == ALICE
    with pytest.raises(OtherAccountError):
        check_owner(state, tmp_path, BOB, adopt=False)


def test_adopting_says_so_once(
    state: State, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    claim(state, tmp_path, ALICE)
    with caplog.at_level(logging.WARNING):
        claim(state, tmp_path, BOB)
        claim(state, tmp_path, BOB)
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path} was Flickr account alice (111@N01)'s; it is now bob (222@N02)'s "
        "(--adopt-account)"
    ]
    assert recorded_owner(state, tmp_path) == BOB
