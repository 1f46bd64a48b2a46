"""embedded_meta: the metadata photo managers read, derived from the JSON sidecar alone."""

from __future__ import annotations

from typing import Any

from flickr_async.embedded_meta import from_sidecar

DOC: dict[str, Any] = {
    "schema": 1,
    "id": "1",
    "title": "  Dore Abbey  ",
    "description": "A <b>lovely</b> church",
    "tags": ["Dore Abbey", "church", "church", ""],
    "machine_tags": ["geo:lat=51.96"],
    "date_taken": "2016-03-17 16:25:15",
    "date_taken_unknown": False,
    "geo": {"latitude": 51.96, "longitude": -2.89, "locality": "Abbey Dore", "region": "England",
            "country": "United Kingdom"},
    "license": "4",
    "url": "https://www.flickr.com/photos/x/1/",
    "owner": {"nsid": "1@N01", "username": "someone"},
}  # fmt: skip


def test_the_record_holds_plain_text_unique_tags_and_place_names() -> None:
    meta = from_sidecar(DOC)
    assert (meta.title, meta.description) == ("Dore Abbey", "A lovely church")
    assert meta.tags == ("Dore Abbey", "church")  # machine tags are not keywords
    assert (meta.city, meta.state, meta.country) == ("Abbey Dore", "England", "United Kingdom")
    assert (meta.latitude, meta.longitude) == (51.96, -2.89)
    assert (meta.creator, meta.source) == ("someone", DOC["url"])
    assert meta.license_url == "https://creativecommons.org/licenses/by/2.0/"


def test_an_unknown_date_taken_is_left_out_not_invented() -> None:
    assert from_sidecar({**DOC, "date_taken_unknown": True}).date_taken is None
    assert from_sidecar({**DOC, "date_taken": "2016-03"}).date_taken is None
    assert from_sidecar({**DOC, "date_taken": None}).date_taken is None


def test_all_rights_reserved_has_a_name_and_no_url_and_unknown_ids_no_url() -> None:
    reserved = from_sidecar({**DOC, "license": "0"})
    assert (reserved.license_name, reserved.license_url) == ("All Rights Reserved", "")
    assert from_sidecar({**DOC, "license": "99"}).license_url == ""


def test_a_damaged_sidecar_gives_an_empty_record_not_an_error() -> None:
    meta = from_sidecar({"id": "1", "geo": "nonsense", "tags": "nope", "owner": None})
    assert (meta.title, meta.tags, meta.latitude, meta.creator) == ("", (), None, "")
