"""List-level metadata: the listing's extras completed by account-wide calls, and deep
metadata merged into a sidecar later. Pure pieces and ListingCompleter against a stub API."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flickr_async import embedded_meta, sidecar
from flickr_async.account_records import Person
from flickr_async.api import LISTING_RESERVE, ApiBudget, ListingBudgetSpent
from flickr_async.errors import ApiBudgetSpent, APIError
from flickr_async.listing_completer import ListingCompleter, resolve_tags
from flickr_async.models import (
    Photo,
    photo_from_info,
    photo_from_listing,
    photo_with_info,
    place_names,
    raw_tags_from_json,
)
from flickr_async.state import State
from tests.unit.test_sidecar import ALBUM, COMMENT, DOWNLOAD, INFO, LISTING

EXTRAS = {"rotation": "0", "safety_level": "0", "count_faves": "3", "ownername": "Jamal F"}
PLACE = {"place_id": "Qx.lD", "woeid": "12"}
NAMES = {
    "locality": "Abbey Dore",
    "county": "Herefordshire",
    "region": "England",
    "country": "United Kingdom",
}


def listed(**overrides: Any) -> Photo:
    return photo_from_listing({**LISTING, **EXTRAS, **PLACE, **overrides})


# --- parsing ---------------------------------------------------------------------------------


def test_the_listings_tags_hold_machine_tags_which_are_kept_apart() -> None:
    photo = listed(
        tags="doreabbey church geo:lat=5196 vision:night=077", machine_tags="geo:lat=5196"
    )
    assert photo.tags == ("doreabbey", "church")
    # Flickr's robot `vision:` tag appears only in `tags`: still a machine tag.
    assert photo.machine_tags == ("geo:lat=5196", "vision:night=077")


def test_undocumented_extras_are_read_leniently() -> None:
    photo = listed(rotation=90, safety_level="1", count_faves="", ownername=None)
    assert (photo.rotation, photo.safety_level, photo.faves, photo.owner_name) == (
        90,
        1,
        None,
        None,
    )
    bare = photo_from_listing(LISTING)  # Flickr ignored the extras
    assert bare.rotation is None and bare.safety_level is None


def test_the_geo_extra_keeps_its_place_id_for_places_get_info() -> None:
    geo = listed().geo
    assert geo is not None and geo.place_id == "Qx.lD" and dict(geo.places) == {}


def test_raw_tags_map_each_clean_tag_to_every_spelling() -> None:
    who = {
        "id": "1@N01",
        "tags": {
            "tag": [
                {"clean": "newyork", "raw": [{"_content": "New York"}, {"_content": "NewYork"}]},
                {"clean": "church", "raw": {"_content": "church"}},  # one, unwrapped
                {"clean": "", "raw": [{"_content": "x"}]},
                "junk",
            ]
        },
    }
    assert raw_tags_from_json(who) == {"newyork": ("New York", "NewYork"), "church": ("church",)}
    assert raw_tags_from_json({"id": "1@N01"}) == {}


def test_place_names_drop_empty_levels() -> None:
    place = {
        "neighbourhood": {"_content": ""},
        "locality": {"_content": "Abbey Dore", "place_id": "a"},
        "country": "United Kingdom",
    }
    assert place_names(place) == {"locality": "Abbey Dore", "country": "United Kingdom"}


def test_get_info_alone_makes_a_photo_with_permissions() -> None:
    info = {
        **INFO,
        "secret": "abc123",
        "server": "1576",
        "permissions": {"permcomment": "3", "permaddmeta": 2},
        "usage": {"candownload": 1, "canblog": "0", "canprint": 0, "canshare": 1},
    }
    photo = photo_from_info(info)
    assert (photo.id, photo.owner, photo.owner_name) == ("26069027966", "21207597@N07", "Jamal F")
    assert photo.tags == ("Dore Abbey", "church") and photo.machine_tags == ("geo:lat=51.96",)
    assert photo.permissions == {
        "comment": 3,
        "addmeta": 2,
        "download": 1,
        "blog": 0,
        "print": 0,
        "share": 1,
    }
    assert photo_from_info(INFO).permissions is None  # another member's photo: none given


# --- resolving tags ----------------------------------------------------------------------------


def test_a_clean_tag_with_one_spelling_resolves_to_it() -> None:
    raw = {"doreabbey": ("Dore Abbey",), "church": ("church",)}
    assert resolve_tags(("doreabbey", "church"), raw) == ("Dore Abbey", "church")


@pytest.mark.parametrize(
    "raw",
    [
        {"doreabbey": ("Dore Abbey", "DoreAbbey"), "church": ("church",)},  # ambiguous
        {"church": ("church",)},  # unknown: added since, or by someone else
    ],
)
def test_an_ambiguous_or_unknown_clean_tag_cannot_be_resolved(raw: dict[str, Any]) -> None:
    assert resolve_tags(("doreabbey", "church"), raw) is None


# --- ListingCompleter against a stub API ----------------------------------------------------------


class StubAPI:
    """The two account-wide calls ListingCompleter makes, counted; `gate` holds answers back."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.raw: dict[str, tuple[str, ...]] = {"doreabbey": ("Dore Abbey",), "church": ("church",)}
        self.raw["geo:lat=5196"] = self.raw["geo:lat=51.96"] = ("geo:lat=51.96",)
        self.places: dict[str, dict[str, str]] = {"Qx.lD": NAMES}
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_raw: Exception | None = None

    async def tags_get_list_user_raw(self) -> dict[str, tuple[str, ...]]:
        self.calls["raw"] += 1
        await self.gate.wait()
        if self.fail_raw:
            raise self.fail_raw
        return self.raw

    async def places_get_info(self, place_id: str) -> dict[str, str]:
        self.calls[place_id] += 1
        await self.gate.wait()
        if place_id not in self.places:
            raise APIError(2, "Not a valid place id", "flickr.places.getInfo")
        return self.places[place_id]


@pytest.fixture
def state() -> Any:
    made = State(Path(":memory:"))
    yield made
    made.close()


def level(api: StubAPI, state: State) -> ListingCompleter:
    return ListingCompleter(api, state)  # type: ignore[arg-type]  # the two methods it uses


async def test_a_listed_photo_is_completed_with_raw_tags_and_place_names(state: State) -> None:
    api = StubAPI()
    photo = listed(tags="doreabbey church geo:lat=5196", machine_tags="geo:lat=5196")
    done, complete = await level(api, state).complete(photo)
    assert complete
    assert done.tags == ("Dore Abbey", "church") and done.machine_tags == ("geo:lat=51.96",)
    assert done.geo is not None and dict(done.geo.places) == NAMES


async def test_many_photos_cost_one_tag_list_and_one_call_per_distinct_place(
    state: State,
) -> None:
    api = StubAPI()
    api.places["other"] = {"country": "France"}
    api.gate.clear()  # every photo asks before any answer arrives
    lister = level(api, state)
    photos = [listed(place_id="Qx.lD" if n % 3 else "other") for n in range(30)]
    tasks = [asyncio.ensure_future(lister.complete(p)) for p in photos]
    await asyncio.sleep(0)
    api.gate.set()
    results = await asyncio.gather(*tasks)
    assert all(complete for _, complete in results)
    assert api.calls == Counter({"raw": 1, "Qx.lD": 1, "other": 1})


async def test_place_names_are_remembered_across_runs(state: State) -> None:
    await level(StubAPI(), state).complete(listed())
    again = StubAPI()
    done, complete = await level(again, state).complete(listed())
    assert complete and done.geo is not None and dict(done.geo.places) == NAMES
    assert again.calls["Qx.lD"] == 0


@pytest.mark.parametrize(
    "photo",
    [
        pytest.param(replace(listed(), rotation=None), id="extra left out"),
        pytest.param(listed(tags="doreabbey unknowntag"), id="unknown tag"),
        pytest.param(listed(place_id="nowhere"), id="place not found"),
        pytest.param(listed(place_id=""), id="geotag without place id"),
    ],
)
async def test_what_the_list_level_cannot_say_leaves_the_photo_to_get_info(
    state: State, photo: Photo
) -> None:
    _, complete = await level(StubAPI(), state).complete(photo)
    assert not complete


async def test_an_ambiguous_tag_needs_get_info(state: State) -> None:
    api = StubAPI()
    api.raw["church"] = ("church", "Church")
    _, complete = await level(api, state).complete(listed())
    assert not complete


async def test_a_photo_that_needs_get_info_anyway_costs_no_account_wide_call(
    state: State,
) -> None:
    api = StubAPI()
    _, complete = await level(api, state).complete(replace(listed(), safety_level=None))
    assert not complete and sum(api.calls.values()) == 0


async def test_an_unreadable_tag_list_falls_back_to_get_info_once(state: State) -> None:
    api = StubAPI()
    api.fail_raw = APIError(112, 'Method "flickr.tags.getListUserRaw" not found')
    lister = level(api, state)
    for _ in range(3):
        _, complete = await lister.complete(listed())
        assert not complete
    untagged, complete = await lister.complete(listed(tags="", machine_tags=""))
    assert complete and untagged.tags == ()
    assert api.calls["raw"] == 1


async def test_a_spent_budget_is_not_mistaken_for_a_missing_tag_list(state: State) -> None:
    api = StubAPI()
    api.fail_raw = ApiBudgetSpent(10)
    with pytest.raises(ApiBudgetSpent):
        await level(api, state).complete(listed())


# --- deep metadata into a sidecar ------------------------------------------------------------


def list_level_doc(**kwargs: Any) -> dict[str, Any]:
    """What the list level writes for the photo INFO describes."""
    photo = listed(title="Dore Abbey")
    assert photo.geo is not None
    geo = replace(photo.geo, places=NAMES)
    photo = replace(photo, tags=("Dore Abbey", "church"), machine_tags=("geo:lat=51.96",), geo=geo)
    return sidecar.build(
        photo, comments=[COMMENT], albums=[ALBUM], download=DOWNLOAD, level="list", **kwargs
    )


def deep_photo() -> Photo:
    return photo_from_info({**INFO, "permissions": {"permcomment": 3, "permaddmeta": 2}})


PERSON = Person(nsid="5@N01", username="bees", realname="Bees", added_by="1@N01", box=None)


def test_deep_metadata_adds_notes_people_and_permissions() -> None:
    doc = sidecar.with_deep(list_level_doc(), deep_photo(), [PERSON])
    assert doc["metadata_level"] == "deep"
    assert [n["text"] for n in doc["notes"]] == ["the tower"]
    assert doc["has_people"] is False and doc["people"][0]["nsid"] == "5@N01"
    assert doc["permissions"] == {"comment": 3, "addmeta": 2}


def test_deep_metadata_keeps_what_get_info_does_not_know() -> None:
    old = list_level_doc(exif_replaced={"DateTimeOriginal": "2016:03:17 16:25:14"})
    old["deleted_on_flickr"] = "2026-01-02"
    doc = sidecar.with_deep(old, deep_photo(), [])
    for key in ("comments", "albums", "download", "exif_replaced", "deleted_on_flickr", "url"):
        assert doc[key] == old[key], key
    assert doc["faves"] == 3  # the listing's count: getInfo has none
    assert list(doc) == list(old)  # the documented key order


def test_deep_metadata_changes_nothing_a_file_carries_for_a_list_level_sidecar() -> None:
    old = list_level_doc()
    new = sidecar.with_deep(old, deep_photo(), [])
    assert embedded_meta.from_sidecar(new) == embedded_meta.from_sidecar(old)


def test_a_deep_sidecar_loses_no_field_of_a_get_info_sidecar() -> None:
    """The sidecar `--metadata full` wrote before levels (getInfo per photo) is the floor."""
    listing = {**LISTING, **EXTRAS}
    before = sidecar.build(
        photo_with_info(photo_from_listing(listing), INFO),
        comments=[COMMENT],
        albums=[ALBUM],
        download=DOWNLOAD,
    )
    after = sidecar.with_deep(
        list_level_doc(), photo_with_info(photo_from_listing(listing), INFO), []
    )
    lost = {
        k for k, v in before.items() if v not in (None, [], {}) and after.get(k) in (None, [], {})
    }
    assert lost == set()
    for key in ("title", "description", "tags", "machine_tags", "notes", "visibility", "owner"):
        assert after[key] == before[key], key


# --- state ---------------------------------------------------------------------------------


def old_archive(tmp_path: Path, options: dict[str, Any] | None) -> Path:
    """A state database from before metadata levels, with one archived photo."""
    path = tmp_path / "state.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
           CREATE TABLE photos (id TEXT PRIMARY KEY, status TEXT NOT NULL, error TEXT,
             attempts INTEGER NOT NULL DEFAULT 0, last_update INTEGER NOT NULL DEFAULT 0,
             original_key TEXT NOT NULL DEFAULT '', media TEXT NOT NULL DEFAULT 'photo',
             path TEXT, links TEXT NOT NULL DEFAULT '[]', albums TEXT NOT NULL DEFAULT '[]',
             bytes INTEGER, sha256 TEXT, served_url TEXT, served_bytes INTEGER,
             served_sha256 TEXT, original INTEGER, size_label TEXT, date_taken TEXT,
             deleted_on_flickr TEXT, updated_at INTEGER NOT NULL);
           INSERT INTO photos(id, status, path, updated_at) VALUES ('1', 'done', 'a/1.jpg', 0);"""
    )
    if options is not None:
        db.execute("INSERT INTO meta VALUES ('options', ?)", (json.dumps(options),))
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"layout": "albums", "metadata": "full", "exif": True}, "deep"),
        ({"layout": "albums", "metadata": "basic", "exif": True}, "basic"),
        (None, "deep"),
    ],
)
def test_an_older_archive_keeps_the_level_its_sidecars_have(
    tmp_path: Path, options: dict[str, Any] | None, expected: str
) -> None:
    state = State(old_archive(tmp_path, options))
    try:
        row = state.photo("1")
        assert row is not None and row.metadata_level == expected
        assert state.counts()["awaiting_deep"] == (expected != "deep")
    finally:
        state.close()


def test_awaiting_deep_pages_in_id_order_and_record_deep_ends_the_wait(state: State) -> None:
    for pid in ("3", "1", "2"):
        state.record_done(
            photo_id=pid,
            last_update=0,
            original_key="",
            media="photo",
            path=f"{pid}.jpg",
            links=[],
            albums=[],
            size=1,
            sha256="",
            served_url=None,
            served_bytes=None,
            served_sha256=None,
            original=True,
            size_label=None,
            date_taken=None,
            metadata_level="list",
            embed_version=embedded_meta.EMBED_VERSION,
        )
    assert [r.id for r in state.awaiting_deep("", 2)] == ["1", "2"]
    assert [r.id for r in state.awaiting_deep("2", 2)] == ["3"]
    state.record_deep("1", re_embed=False)
    state.record_deep("2", re_embed=True)
    assert [r.id for r in state.awaiting_deep("", 10)] == ["3"]
    two = state.photo("2")
    assert two is not None and two.embed_version == 0  # the next run re-embeds it
    one = state.photo("1")
    assert one is not None and one.embed_version == embedded_meta.EMBED_VERSION


# --- the API budget ---------------------------------------------------------------------------


def test_the_budget_counts_every_call_and_a_listing_never_goes_past_it() -> None:
    budget = ApiBudget(2, reserve=0)
    budget.spend("flickr.photos.getInfo")
    budget.spend("flickr.photos.search")
    with pytest.raises(ListingBudgetSpent, match=r"ran out before flickr\.photos\.search"):
        budget.spend("flickr.photos.search")  # a listing too: the cap is the cap
    with pytest.raises(ApiBudgetSpent):
        budget.spend("flickr.photos.comments.getList")
    assert budget.spent and budget.started == 2 and budget.left == 0


def test_per_photo_calls_leave_the_listings_their_reserve_until_they_are_done() -> None:
    budget = ApiBudget(10, reserve=4)
    for _ in range(6):
        budget.spend("flickr.photos.getInfo")
    with pytest.raises(ApiBudgetSpent):
        budget.spend("flickr.photos.getInfo")  # the last 4 are the listings'
    assert budget.refused and not budget.spent  # refused for now, not the end of the budget
    budget.spend("flickr.photosets.getPhotos")
    budget.listed()
    budget.spend("flickr.photos.getInfo")  # the rest is the photos'
    assert budget.started == 8 and budget.left == 2


def test_a_small_cap_keeps_at_most_half_for_the_listings() -> None:
    assert ApiBudget(6).reserve == 3 and ApiBudget(1000).reserve == LISTING_RESERVE
    assert ApiBudget(None).reserve == 0
