"""The export's JSON as the typed records (export_records), in the real shapes."""

from __future__ import annotations

import json

import pytest

from flickr_async.edge import InvalidRecord
from flickr_async.export_records import (
    albums_from_export,
    contacts_from_export,
    faves_from_export,
    geo_from_export,
    license_id,
    photo_from_export,
    profile_from_export,
    utc_seconds,
)
from tests.exportzip import albums_json, dumps, photo_json, profile_json


def as_exported(doc: dict) -> dict:  # type: ignore[type-arg]
    """Through the export's own tab-indented text, as the importer reads it."""
    data: dict = json.loads(dumps(doc))  # type: ignore[type-arg]
    return data


def test_a_photo_json_becomes_the_typed_photo_with_its_export_block() -> None:
    doc = as_exported(
        photo_json(
            "28198606453",
            name="Humble speakers",
            tags=["Santacon", "dc:creator=me"],
            comments=[
                {"id": "7-1", "date": "2016-08-07 10:00:00", "user": "9@N01", "comment": "hi"}
            ],
            geo={"latitude": "16073799", "longitude": "108224730", "accuracy": "16"},
        )
    )
    record = photo_from_export(doc, media="photo", owner="1@N01", owner_name="me")
    photo = record.photo
    assert photo.id == "28198606453" and photo.title == "Humble speakers"
    assert photo.original_secret == "c48a5e6ae6" and photo.server == "8583"
    assert photo.original_key == "c48a5e6ae6:x"
    assert photo.original_format == "jpg"
    assert photo.date_taken == "2016-07-11 18:03:37"
    assert photo.date_posted == utc_seconds("2016-08-06 18:01:04") == 1470506464
    assert photo.date_updated == 0
    assert photo.tags == ("Santacon",) and photo.machine_tags == ("dc:creator=me",)
    assert photo.views == 60 and photo.faves == 2 and photo.count_comments == 1
    assert photo.visibility.public and photo.license == "0" and photo.safety_level == 0
    assert photo.path_alias == "tester" and photo.page_url.endswith("/28198606453/")
    assert photo.geo is not None and photo.geo.latitude == pytest.approx(16.073799)
    [comment] = record.comments
    assert (comment.id, comment.author, comment.text) == ("7-1", "9@N01", "hi")
    assert comment.date == 1470564000  # read as UTC; the string is in the export block
    block = record.export
    assert block["comments"][0]["date"] == "2016-08-07 10:00:00"
    assert block["privacy"] == "public" and block["license"] == "All Rights Reserved"
    assert block["tags"][0] == {
        "tag": "Santacon",
        "user": "12345678@N01",
        "date_create": "2016-08-06 18:01:04",
    }
    assert block["count_views"] == "60" and block["exif"]["FNumber"] == "f/2.0"
    assert "name" not in block and "id" not in block


@pytest.mark.parametrize(
    ("geo", "expected"),
    [
        (
            {"latitude": "-33865143", "longitude": "151209900", "accuracy": "16"},
            (-33.865143, 151.2099),
        ),
        (
            [{"latitude": "48856614", "longitude": "2352222", "accuracy": "11"}],
            (48.856614, 2.352222),
        ),
        ([], None),
        (None, None),
        ({"latitude": "0", "longitude": "0", "accuracy": "0"}, None),
        ({"latitude": "95000000", "longitude": "0"}, None),
    ],
)
def test_geo_in_its_three_shapes(geo: object, expected: tuple[float, float] | None) -> None:
    found = geo_from_export(geo)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.latitude, found.longitude) == pytest.approx(expected)


def test_friend_and_family_sets_both_flags_and_the_block_says_what_flickr_wrote() -> None:
    record = photo_from_export(photo_json("1", privacy="friend & family"), media="photo")
    v = record.photo.visibility
    assert (v.public, v.friends, v.family) == (False, True, True)
    assert record.export["privacy"] == "friend & family"
    private = photo_from_export(photo_json("1", privacy="private"), media="photo").photo.visibility
    assert (private.public, private.friends, private.family) == (False, False, False)


def test_an_unprocessed_video_has_no_original_to_expect() -> None:
    doc = photo_json("5", original="https://live.staticflickr.com/video_encoding.jpg")
    record = photo_from_export(doc, media="video")
    assert record.unprocessed_video and record.photo.is_video


def test_licence_names_map_to_flickrs_ids_unknown_ones_are_kept_as_text() -> None:
    assert license_id("All Rights Reserved") == "0"
    assert license_id("Attribution-NonCommercial-ShareAlike License") == "1"
    assert license_id("Public Domain Mark") == "10"
    record = photo_from_export(photo_json("1", license="Some New Licence 5.0"), media="photo")
    assert record.photo.license == "" and record.export["license"] == "Some New Licence 5.0"


@pytest.mark.parametrize(
    "doc",
    [
        photo_json("../etc"),
        photo_json("1\x00"),
        photo_json("1", original="https://live.staticflickr.com/1/2_abcdef_o.jpg"),
    ],
)
def test_a_record_whose_id_or_original_is_not_flickrs_is_refused(doc: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidRecord):
        photo_from_export(doc, media="photo")


def test_dates_without_a_zone_are_verbatim_and_a_bad_one_is_no_date() -> None:
    record = photo_from_export(photo_json("1", date_taken="2019-02-31 10:00:00"), media="photo")
    assert record.photo.date_taken is None and record.photo.date_taken_unknown
    assert record.export["date_taken"] == "2019-02-31 10:00:00"
    assert utc_seconds("") == 0 and utc_seconds("yesterday") == 0


def test_albums_keep_the_exports_order_and_skip_zero_placeholders() -> None:
    doc = as_exported(
        albums_json(
            [
                ("72157673263247215", "B", ["0", "3", "1"]),
                ("7", "Empty", ["0"]),
                ("x/..", "Bad", ["1"]),
            ]
        )
    )
    found, refused = albums_from_export(doc)
    assert [(a.album.id, a.photo_ids) for a in found] == [
        ("72157673263247215", ("3", "1")),
        ("7", ()),
    ]
    first = found[0].album
    assert first.title == "B" and first.description == "About B"
    assert first.date_create == 1472734209 and first.date_update == 1473575730
    assert first.primary == "1" and first.count == 2 and first.count_views == 2
    assert found[1].album.primary == ""  # the cover of an album of "0" is …/0
    assert len(refused) == 1 and "album" in refused[0]


def test_account_files_become_profile_faves_and_contacts() -> None:
    profile = profile_from_export(profile_json())
    assert (profile.nsid, profile.username, profile.realname) == (
        "12345678@N01",
        "Tester",
        "Test Person",
    )
    assert profile.path_alias == "tester" and not profile.is_pro
    faves = faves_from_export({"faves": [{"photo_id": "42"}, {"photo_id": "../x"}]})
    assert [f.photo.id for f in faves] == ["42"]
    contacts = contacts_from_export({"contacts": {"Ann": "https://www.flickr.com/people/ann/"}})
    assert [(c.username, c.path_alias) for c in contacts] == [("Ann", "ann")]


def test_an_original_url_of_another_shape_gives_no_secret() -> None:
    doc = photo_json("1", original="https://live.staticflickr.com/1/1_ab/cd_o.jpg")
    photo = photo_from_export(doc, media="photo").photo
    assert photo.original_secret is None and photo.server == ""


def test_album_members_that_are_not_a_list_are_no_members() -> None:
    found, _ = albums_from_export({"albums": [{"id": "7", "title": "x", "photos": "123"}]})
    assert found[0].photo_ids == ()
