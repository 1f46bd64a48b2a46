"""--max-api-calls N: a run never makes more than N API calls, whatever asks for them (the
listings, the organisation, list-level and deep metadata, favourites, the site's thumbnails,
retries), and what it could not do waits for the next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import FAST, media_files, run_cli, sidecar
from tests.fakeflickr import FakeFlickr, Library


@pytest.mark.parametrize("cap", [1, 2, 5, 12, 25, 40, 70])
def test_a_capped_run_never_makes_more_calls_than_the_cap(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, cap: int
) -> None:
    result = run_cli(env, "backup", str(out), *FAST, "--favorites", "--max-api-calls", str(cap))
    assert fake.counters.total_api_calls <= cap, dict(fake.counters.api_calls)
    assert result.code in (0, 1), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    # What the budget left undone, the next run does.
    finished = run_cli(env, "backup", str(out), *FAST, "--quiet")
    assert finished.code == 0, finished.stdout + finished.stderr
    checked = run_cli(env, "verify", str(out))
    assert checked.code == 0, checked.stdout


def test_a_cap_that_uses_every_call_spends_exactly_the_cap(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    result = run_cli(env, "backup", str(out), *FAST, "--max-api-calls", "40")
    assert result.code == 1  # this account's first backup needs more
    assert fake.counters.total_api_calls == 40
    assert "40 API calls" in result.stdout and "stopped at the API call budget" in result.stdout


def test_a_cap_too_small_for_the_listing_marks_nothing_deleted(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--quiet").code == 0
    gone = library.photos[0].id
    path = next(p for p in media_files(out) if p.name.startswith(gone))
    library.delete_photo(gone)
    fake.counters.reset()
    result = run_cli(env, "backup", str(out), *FAST, "--max-api-calls", "2")
    assert result.code == 1
    assert fake.counters.total_api_calls <= 2
    assert "ran out before" in result.stderr and "nothing was marked deleted" in result.stderr
    assert sidecar(path)["deleted_on_flickr"] is None
    assert run_cli(env, "backup", str(out), *FAST, "--quiet").code == 0
    assert sidecar(path)["deleted_on_flickr"] is not None
