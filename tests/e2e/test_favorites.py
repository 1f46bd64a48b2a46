"""--favorites: other people's photos the owner faved, kept under Favorites/ with sidecars."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import FAST, SIDECARS, run_cli
from tests.fakeflickr import FakeFlickr, Library


def kept(out: Path) -> dict[str, Path]:
    folder = out / "Favorites"
    if not folder.exists():
        return {}
    return {p.stem: p for p in folder.iterdir() if p.suffix not in SIDECARS}


def doc(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
    return data


@pytest.fixture
def faved(fake: FakeFlickr, env: dict[str, str], out: Path) -> Path:
    assert run_cli(env, "backup", str(out), *FAST, "--favorites").code == 0
    fake.counters.reset()
    return out


def test_every_listed_favourite_is_kept_with_whose_it_is(
    fake: FakeFlickr, library: Library, faved: Path
) -> None:
    files = kept(faved)
    assert set(files) == {f.photo_id for f in library.favorites}
    for fave in library.favorites:
        path, photo = files[fave.photo_id], library.foreign_photo(fave.photo_id)
        data = doc(path)
        assert data["favorite"] == {"date_faved": fave.date_faved, "removed_on": None}
        assert photo.owner is not None and data["owner"]["nsid"] == photo.owner.nsid
        assert data["title"] == photo.title and data["license"] == str(photo.license)
        assert path.with_name(path.name + ".xmp").exists()
        served = hashlib.sha256(path.read_bytes()).hexdigest()
        assert data["download"]["sha256"] == served  # bytes as served: nothing embedded
        if data["download"]["original"]:
            assert path.read_bytes() == fake.original_bytes(fave.photo_id)


def test_a_favourite_whose_owner_forbids_downloads_is_kept_at_the_best_size_marked(
    library: Library, faved: Path
) -> None:
    marked = [doc(p) for p in kept(faved).values() if not doc(p)["download"]["original"]]
    assert marked, "the fake has a favourite whose owner forbids the original"
    assert all(d["download"]["size_label"] not in ("", "Original") for d in marked)


def test_a_rerun_fetches_nothing_and_remembers_the_option(
    fake: FakeFlickr, env: dict[str, str], faved: Path
) -> None:
    assert run_cli(env, "backup", str(faved), *FAST).code == 0  # no --favorites: remembered
    assert sum(fake.counters.file_requests.values()) == 0
    assert run_cli(env, "verify", str(faved)).code == 0


def test_an_unfaved_photo_keeps_its_files_marked_and_deletions_by_owners_fail_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], faved: Path
) -> None:
    unfaved, deleted = library.favorites[0].photo_id, library.favorites[1].photo_id
    library.unfave(unfaved)
    library.delete_foreign_photo(deleted)
    assert run_cli(env, "backup", str(faved), *FAST).code == 0
    files = kept(faved)
    for gone in (unfaved, deleted):
        assert doc(files[gone])["favorite"]["removed_on"] is not None
    listed = {f["id"]: f for f in json.loads((faved / "favorites.json").read_text())["favorites"]}
    assert listed[unfaved]["removed_on"] is not None
    library.fave(unfaved)
    assert run_cli(env, "backup", str(faved), *FAST).code == 0
    assert doc(kept(faved)[unfaved])["favorite"]["removed_on"] is None


def test_a_broken_favourite_is_reported_by_verify_and_fetched_again_after_repair(
    fake: FakeFlickr, env: dict[str, str], faved: Path
) -> None:
    path = next(p for p in kept(faved).values() if doc(p)["download"]["original"])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    result = run_cli(env, "verify", str(faved))
    assert result.code == 1 and path.name in result.stdout
    run_cli(env, "verify", str(faved), "--repair", *FAST)
    assert run_cli(env, "verify", str(faved)).code == 0
    assert path.read_bytes() == fake.original_bytes(path.stem)


def test_without_the_option_no_favourite_file_is_kept(
    env: dict[str, str], out: Path, library: Library
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert kept(out) == {}
    assert json.loads((out / "favorites.json").read_text())["favorites"]


def test_a_favourites_garbage_xmp_is_reported_and_written_again_with_no_call(
    fake: FakeFlickr, env: dict[str, str], faved: Path
) -> None:
    [path, *_] = sorted(kept(faved).values())
    xmp = path.with_name(path.name + ".xmp")
    good = xmp.read_bytes()
    xmp.write_bytes(b"garbage")
    result = run_cli(env, "verify", str(faved))
    assert result.code == 1 and f"Favorites/{xmp.name} (not XML" in result.stdout
    assert run_cli(env, "verify", str(faved), "--repair", *FAST).code == 0
    assert xmp.read_bytes() == good
    assert fake.counters.total_api_calls == 0
    assert sum(fake.counters.file_requests.values()) == 0
