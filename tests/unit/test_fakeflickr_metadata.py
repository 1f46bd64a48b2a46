"""The fake serves full metadata without getInfo per photo, as unkindly as Flickr: web-client
extras (which it may ignore), raw tags in one call, place names once per place."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.fakeflickr import FakeFlickr, FakePhoto, Library, generate_library
from tests.fakeflickr.client import SignedClient
from tests.fakeflickr.model import clean_tag

WEB_EXTRAS = "count_faves,count_views,count_comments,rotation,safety_level,realname,can_download"


def listed(client: SignedClient, extras: str) -> dict[str, dict]:
    reply = client.call(
        "flickr.photos.search", user_id="me", per_page="500", safe_search="3", extras=extras
    )
    return {p["id"]: p for p in reply["photos"]["photo"]}


def raw_tags(client: SignedClient, **params: str) -> dict[str, list[str]]:
    who = client.call("flickr.tags.getListUserRaw", **params)["who"]
    return {t["clean"]: [r["_content"] for r in t["raw"]] for t in who["tags"]["tag"]}


def geotagged(library: Library, *, neighbourhood: bool) -> FakePhoto:
    return next(
        p
        for p in library.photos
        if p.geo and p.geo.place and bool(p.geo.place.neighbourhood) == neighbourhood
    )


# --- clean tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("New York", "newyork"),
        ("NEW-YORK", "newyork"),
        ("1+1", "11"),
        ("(April", "april"),
        ("taxonomy:genus=Loxodonta", "taxonomy:genus=loxodonta"),
        (
            "dc:identifier=https://biodiversitylibrary.org/page/33665645",
            "dc:identifier=httpsbiodiversitylibraryorgpage33665645",
        ),
        ("DC:Subject=Old Town", "dc:subject=oldtown"),
    ],
)
def test_clean_tags_drop_case_spaces_and_punctuation_machine_values_included(
    raw: str, clean: str
) -> None:
    assert clean_tag(raw) == clean


# --- several spellings of one tag ---------------------------------------------------------


def test_the_library_spells_a_few_clean_tags_several_ways_on_different_photos(
    library: Library,
) -> None:
    ambiguous = library.ambiguous_tags()
    clean, spellings = max(ambiguous.items(), key=lambda item: len(item[1]))
    assert len(spellings) >= 3
    for spelling in spellings:
        assert any(spelling in p.tags for p in library.photos_tagged(clean))
    # one spelling per photo: the spellings are on different photos
    assert all(
        sum(clean_tag(t) == clean for t in p.tags) == 1 for p in library.photos_tagged(clean)
    )


def test_most_tags_have_a_single_spelling(library: Library) -> None:
    assert 0 < len(library.ambiguous_tags()) < len(library.raw_tags()) / 2


def test_the_spellings_are_the_same_for_the_same_seed() -> None:
    first, again = generate_library(seed=5), generate_library(seed=5)
    assert first.ambiguous_tags() == again.ambiguous_tags()
    assert [p.tags for p in first.photos] == [p.tags for p in again.photos]


def test_the_listing_cannot_tell_spellings_apart_but_get_info_can(
    owner_client: SignedClient, library: Library
) -> None:
    clean, spellings = next(iter(library.ambiguous_tags().items()))
    one, other = (
        next(p for p in library.photos_tagged(clean) if s in p.tags and p.safety_level < 2)
        for s in spellings[:2]
    )
    items = listed(owner_client, "tags")
    assert clean in items[one.id]["tags"].split() and clean in items[other.id]["tags"].split()
    for photo, spelling in ((one, spellings[0]), (other, spellings[1])):
        info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
        tag = next(t for t in info["tags"]["tag"] if t["_content"] == clean)
        assert tag["raw"] == spelling


# --- flickr.tags.getListUserRaw -----------------------------------------------------------


def test_get_list_user_raw_lists_every_spelling_under_its_clean_form(
    owner_client: SignedClient, library: Library
) -> None:
    expected: dict[str, set[str]] = defaultdict(set)
    for photo in library.photos:  # private and restricted photos too: they are the owner's
        for raw in photo.tags:
            expected[clean_tag(raw)].add(raw)
    reply = owner_client.call("flickr.tags.getListUserRaw")
    assert reply["stat"] == "ok" and reply["who"]["id"] == library.owner.nsid
    got = raw_tags(owner_client)
    assert {k: set(v) for k, v in got.items()} == expected
    assert any(len(v) > 1 for v in got.values())


def test_get_list_user_raw_lists_machine_tags_raw_under_their_clean_form(
    owner_client: SignedClient, library: Library
) -> None:
    library.add_photo(tags=["dc:identifier=https://x.org/a"])
    assert raw_tags(owner_client)["dc:identifier=httpsxorga"] == ["dc:identifier=https://x.org/a"]


def test_get_list_user_raw_with_a_tag_keeps_only_that_clean_tag(
    owner_client: SignedClient, library: Library
) -> None:
    clean, spellings = next(iter(library.ambiguous_tags().items()))
    assert raw_tags(owner_client, tag=clean) == {clean: spellings}


def test_get_list_user_raw_with_an_unknown_tag_has_an_empty_list(
    owner_client: SignedClient,
) -> None:
    reply = owner_client.call("flickr.tags.getListUserRaw", tag="nosuchtag")
    assert reply["who"]["tags"] == {"tag": []}


def test_get_list_user_raw_needs_the_owner(fake: FakeFlickr) -> None:
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    assert client.anonymous("flickr.tags.getListUserRaw")["code"] == 99


# --- flickr.places.getInfo ----------------------------------------------------------------


@pytest.mark.parametrize(("neighbourhood", "kind"), [(True, "neighbourhood"), (False, "locality")])
def test_a_listed_place_id_names_the_most_specific_level(
    owner_client: SignedClient, library: Library, neighbourhood: bool, kind: str
) -> None:
    photo = geotagged(library, neighbourhood=neighbourhood)
    assert photo.geo and photo.geo.place
    item = listed(owner_client, "geo")[photo.id]
    place = owner_client.call("flickr.places.getInfo", place_id=item["place_id"])["place"]
    assert (place["place_type"], place["woeid"]) == (kind, item["woeid"])
    assert place[kind]["_content"] == getattr(photo.geo.place, kind)
    assert place["locality"]["_content"] == photo.geo.place.locality
    assert place["country"]["_content"] == photo.geo.place.country


def test_places_get_info_has_flickrs_shape(owner_client: SignedClient, library: Library) -> None:
    place = owner_client.call("flickr.places.getInfo", place_id="ml2ZwFFTUb8")["place"]
    assert {k: place[k] for k in ("woeid", "place_type", "place_type_id", "timezone")} == {
        "woeid": "10567",
        "place_type": "locality",
        "place_type_id": 7,
        "timezone": "Europe/London",
    }
    assert place["name"] == "Abbey Dore, England, United Kingdom"
    assert place["place_url"] == "/United+Kingdom/England/Abbey+Dore"
    assert isinstance(place["latitude"], float)
    names = {k: place[k]["_content"] for k in ("locality", "county", "region", "country")}
    assert names == {
        "locality": "Abbey Dore",
        "county": "Herefordshire",
        "region": "England",
        "country": "United Kingdom",
    }
    assert set(place["county"]) == {
        "_content", "place_id", "woeid", "latitude", "longitude", "place_url"
    }  # fmt: skip
    assert place["county"]["place_url"] == f"/{place['county']['place_id']}"
    assert "neighbourhood" not in place


def test_every_level_resolves_by_place_id_and_by_woe_id(
    owner_client: SignedClient, library: Library
) -> None:
    photo = geotagged(library, neighbourhood=True)
    assert photo.geo and photo.geo.place
    levels = photo.geo.place.levels
    for depth, level in enumerate(levels):
        for key, value in (("place_id", level.place_id), ("woe_id", level.woeid)):
            place = owner_client.call("flickr.places.getInfo", **{key: value})["place"]
            assert (place["place_id"], place["place_type"]) == (level.place_id, level.place_type)
            above = {lv.place_type: lv.place_id for lv in levels[depth:]}
            assert {t: place[t]["place_id"] for t in above} == above
            below = {lv.place_type for lv in levels[:depth]}
            assert not below & set(place)


def test_a_place_without_a_county_has_no_county_level(owner_client: SignedClient) -> None:
    place = owner_client.call("flickr.places.getInfo", place_id="d0KwZBpYVs0")["place"]
    assert place["locality"]["_content"] == "Kyoto" and "county" not in place


def test_get_info_location_levels_carry_the_ids_places_get_info_knows(
    owner_client: SignedClient, library: Library
) -> None:
    photo = geotagged(library, neighbourhood=True)
    location = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]["location"]
    for kind in ("neighbourhood", "locality", "county", "region", "country"):
        level = location[kind]
        place = owner_client.call("flickr.places.getInfo", place_id=level["place_id"])["place"]
        assert (place["place_type"], place["woeid"]) == (kind, level["woeid"])
        assert place[kind]["_content"] == level["_content"]
    assert location["place_id"] == location["neighbourhood"]["place_id"]


def test_photos_share_places_and_places_share_levels(library: Library) -> None:
    placed = [p.geo.place for p in library.photos if p.geo and p.geo.place]
    assert len({p.place_id for p in placed}) < len(placed)
    localities = [p.level("locality") for p in library.places]
    assert len(set(localities)) < len(localities)  # two places in one town


def test_places_get_info_needs_no_login(fake: FakeFlickr) -> None:
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    reply = client.anonymous("flickr.places.getInfo", woe_id="784794")
    assert reply["place"]["locality"]["_content"] == "Zürich"


def test_a_place_set_on_a_photo_resolves(owner_client: SignedClient, library: Library) -> None:
    photo = geotagged(library, neighbourhood=False)
    assert photo.geo and photo.geo.place
    place = photo.geo.place
    library.set_geo(library.photos[0].id, 1.0, 2.0, place=place)
    assert library.find_place(place.place_id) == place


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({"place_id": "no.such.place"}, 2, "Not a valid place id"),
        ({"woe_id": "1"}, 2, "Not a valid place id"),
        ({}, 1, "Required parameter missing"),
    ],
)
def test_places_get_info_fails_with_flickrs_codes(
    owner_client: SignedClient, params: dict[str, str], code: int, message: str
) -> None:
    reply = owner_client.call("flickr.places.getInfo", **params)
    assert reply == {"stat": "fail", "code": code, "message": message}


# --- web-client extras --------------------------------------------------------------------


def test_web_client_extras_come_per_photo_as_strings_and_flags(
    owner_client: SignedClient, library: Library
) -> None:
    items = listed(owner_client, f"{WEB_EXTRAS},owner_name")
    for photo_id, item in items.items():
        photo = library.photo(photo_id)
        assert item["count_faves"] == str(photo.faves)
        assert item["count_views"] == str(photo.views)
        assert item["count_comments"] == str(len(photo.comments))
        assert (item["rotation"], item["safety_level"]) == (photo.rotation, str(photo.safety_level))
        assert item["realname"] == library.owner.realname
        assert item["ownername"] == library.owner.username
    assert {item["can_download"] for item in items.values()} == {0, 1}
    assert len({item["count_faves"] for item in items.values()}) > 2


def test_can_download_agrees_with_get_info(owner_client: SignedClient, library: Library) -> None:
    items = listed(owner_client, "can_download")
    for photo in library.photos[:12]:
        if photo.id in items:
            info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
            assert items[photo.id]["can_download"] == info["usage"]["candownload"]


def test_ignored_extras_are_left_out_silently(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    fake.faults.ignore_extras({"rotation", "count_faves", "realname"})
    items = listed(owner_client, WEB_EXTRAS).values()
    album = library.albums[0]
    in_album = owner_client.call(
        "flickr.photosets.getPhotos", photoset_id=album.id, extras=WEB_EXTRAS
    )["photoset"]["photo"]
    for item in [*items, *in_album]:
        assert not {"rotation", "count_faves", "realname"} & set(item)
        assert {"count_views", "safety_level", "can_download"} <= set(item)


def test_ignoring_no_extras_brings_them_back(fake: FakeFlickr, owner_client: SignedClient) -> None:
    fake.faults.ignore_extras(["rotation"])
    fake.faults.ignore_extras(None)
    assert all("rotation" in item for item in listed(owner_client, "rotation").values())


# --- counters -----------------------------------------------------------------------------


def test_counters_count_the_metadata_methods(fake: FakeFlickr, owner_client: SignedClient) -> None:
    owner_client.call("flickr.tags.getListUserRaw")
    owner_client.call("flickr.places.getInfo", place_id="Qkzn.aVTU7Ji6Q")
    owner_client.call("flickr.places.getInfo", woe_id="0")
    calls = fake.counters.api_calls
    assert (calls["flickr.tags.getListUserRaw"], calls["flickr.places.getInfo"]) == (1, 2)
