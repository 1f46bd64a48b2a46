"""A whole backup on a filesystem without hard links and without OS locks (exFAT, some
network shares), simulated in this process: copies instead of links, a lock file instead of
flock, and an archive `verify` calls intact."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flickr_async import runlock
from flickr_async.archive import Archive
from tests.e2e.helpers import FAST, archive_file_requests, media_files, run_cli, sha256
from tests.fakeflickr import FakeFlickr, Library


@pytest.fixture
def no_links_no_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(runlock, "FCNTL", SimpleNamespace(flock=refuse, LOCK_EX=2, LOCK_NB=4))
    monkeypatch.setattr(runlock, "UNSUPPORTED", frozenset({errno.EPERM}))


@pytest.mark.usefixtures("no_links_no_locks")
def test_a_filesystem_without_links_or_locks_gets_copies_and_a_clean_verify(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    shared = next(p for p in library.photos if len(library.albums_of(p.id)) >= 2)
    copies = [p for p in media_files(out) if p.stem == shared.id]
    assert len(copies) == len(library.albums_of(shared.id))
    assert len({os.stat(p).st_ino for p in copies}) == len(copies), "expected copies, not links"
    assert len({sha256(p) for p in copies}) == 1
    for copy in copies:
        assert (
            copy.with_name(copy.name + ".json").read_bytes()
            == copies[0].with_name(copies[0].name + ".json").read_bytes()
        )
    assert not Archive(out).lock().pidfile.exists(), "the lock file outlived the run"

    verified = run_cli(env, "verify", str(out))
    assert verified.code == 0, verified.stdout + verified.stderr

    before = sum(archive_file_requests(fake).values())
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert sum(archive_file_requests(fake).values()) == before, "a rerun downloaded again"
