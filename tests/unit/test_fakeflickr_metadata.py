"""The fake serves full metadata without getInfo per photo, as unkindly as Flickr: web-client
extras (which it may ignore), raw tags in one call, place names once per place."""

from __future__ import annotations

import pytest

from tests.fakeflickr import FakeFlickr, FakePhoto, Library
from tests.fakeflickr.client import SignedClient


def listed(client: SignedClient, extras: str) -> dict[str, dict]:
    reply = client.call(
        "flickr.photos.search", user_id="me", per_page="500", safe_search="3", extras=extras
    )
    return {p["id"]: p for p in reply["photos"]["photo"]}


def geotagged(library: Library, *, neighbourhood: bool) -> FakePhoto:
    return next(
        p
        for p in library.photos
        if p.geo and p.geo.place and bool(p.geo.place.neighbourhood) == neighbourhood
    )


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
