"""End-to-end fixtures: the real CLI's environment pointed at the fake Flickr."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import FAST, cli_env, run_cli
from tests.fakeflickr import FakeFlickr


@pytest.fixture
def env(fake: FakeFlickr, tmp_path: Path) -> dict[str, str]:
    return cli_env(fake, tmp_path / "home")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def synced(fake: FakeFlickr, env: dict[str, str], out: Path) -> Path:
    """`out` after one backup that succeeded, the fake's counters at zero."""
    first = run_cli(env, "backup", str(out), *FAST)
    assert first.code == 0, first.stdout
    fake.counters.reset()
    return out


@pytest.fixture(autouse=True)
def quiet_fake_server_logs() -> Iterator[None]:
    """The fake runs in this process: its own connection-reset noise is not the CLI's output."""
    logger = logging.getLogger("aiohttp.server")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
