"""sidecar: a Photo becomes a JSON document with stable keys, types and order."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from flickr_async import sidecar
from flickr_async.models import (
    Album,
    Comment,
    DownloadRecord,
    Photo,
    Visibility,
    album_from_json,
    comment_from_json,
    photo_from_listing,
    photo_with_info,
)

# Shapes as Flickr sends them: numbers as strings, text wrapped in {"_content": ...}.
LISTING: dict[str, Any] = {
    "id": "26069027966",
    "owner": "21207597@N07",
    "secret": "abc123",
    "server": "1576",
    "farm": 2,
    "title": "dore abbey",
    "ispublic": 1,
    "isfriend": 0,
    "isfamily": "0",
    "description": {"_content": "A <b>lovely</b> church"},
    "license": "4",
    "dateupload": "1459181105",
    "lastupdate": "1459776071",
    "datetaken": "2016-03-17 16:25:15",
    "datetakengranularity": "0",
    "datetakenunknown": "0",
    "views": "55",
    "tags": "doreabbey church geo:lat=51.96",
    "machine_tags": "geo:lat=51.96",
    "originalsecret": "f00d",
    "originalformat": "jpg",
    "latitude": "51.96",
    "longitude": "-2.89",
    "accuracy": "16",
    "media": "photo",
    "pathalias": "jamal",
}

INFO: dict[str, Any] = {
    "id": "26069027966",
    "dateuploaded": "1459181105",
    "license": "4",
    "safety_level": "0",
    "rotation": "90",
    "originalsecret": "f00d",
    "originalformat": "jpg",
    "owner": {"nsid": "21207597@N07", "username": "Jamal F", "path_alias": "jamal"},
    "title": {"_content": "Dore Abbey"},
    "description": {"_content": "A <b>lovely</b> church"},
    "visibility": {"ispublic": 1, "isfriend": 0, "isfamily": 1},
    "dates": {
        "posted": "1459181105",
        "taken": "2016-03-17 16:25:15",
        "takengranularity": "4",
        "takenunknown": "0",
        "lastupdate": "1459776071",
    },
    "views": "56",
    "comments": {"_content": "1"},
    "notes": {
        "note": [
            {
                "id": "7215",
                "author": "21207597@N07",
                "authorname": "Jamal F",
                "x": "10",
                "y": "20",
                "w": "50",
                "h": "40",
                "_content": "the tower",
            }
        ]
    },
    "people": {"haspeople": 0},
    "tags": {
        "tag": [
            {"id": "1", "raw": "Dore Abbey", "_content": "doreabbey", "machine_tag": 0},
            {"id": "2", "raw": "church", "_content": "church", "machine_tag": 0},
            {"id": "3", "raw": "geo:lat=51.96", "_content": "geolat5196", "machine_tag": 1},
        ]
    },
    "location": {
        "latitude": "51.96",
        "longitude": "-2.89",
        "accuracy": "16",
        "locality": {"_content": "Abbey Dore"},
        "county": {"_content": "Herefordshire"},
        "region": {"_content": "England"},
        "country": {"_content": "United Kingdom"},
    },
    "urls": {
        "url": [
            {"type": "photopage", "_content": "https://www.flickr.com/photos/jamal/26069027966/"}
        ]
    },
    "media": "photo",
}

COMMENT = comment_from_json(
    {
        "id": "6065-26069027966-72157",
        "author": "12037949754@N01",
        "authorname": "Bees",
        "datecreate": "1459181200",
        "permalink": "https://www.flickr.com/photos/jamal/26069027966/#comment72157",
        "_content": "Très beau ✨",
    }
)
ALBUM = album_from_json(
    {
        "id": "72157",
        "primary": "26069027966",
        "photos": "5",
        "videos": 1,
        "title": {"_content": "Wales & Borders"},
        "description": {"_content": ""},
        "date_create": "1459181000",
        "date_update": "1459181300",
    }
)
DOWNLOAD = DownloadRecord(
    url="https://live.staticflickr.com/1576/26069027966_f00d_o.jpg",
    bytes=123456,
    sha256="ab" * 32,
    original=True,
    size_label="Original",
    ext="jpg",
)

KEYS = [
    "schema",
    "metadata_level",
    "id",
    "title",
    "description",
    "tags",
    "machine_tags",
    "media",
    "original_format",
    "date_taken",
    "date_taken_granularity",
    "date_taken_unknown",
    "date_posted",
    "date_updated",
    "geo",
    "comments",
    "albums",
    "visibility",
    "license",
    "views",
    "faves",
    "url",
    "rotation",
    "safety_level",
    "notes",
    "has_people",
    "people",
    "permissions",
    "owner",
    "download",
    "deleted_on_flickr",
]


def full_photo() -> Photo:
    return photo_with_info(photo_from_listing(LISTING), INFO)


def build(
    photo: Photo | None = None,
    *,
    comments: list[Comment] | None = None,
    albums: list[Album] | None = None,
    download: DownloadRecord | None = DOWNLOAD,
    **kwargs: Any,
) -> dict[str, Any]:
    return sidecar.build(
        photo or full_photo(),
        comments=[COMMENT] if comments is None else comments,
        albums=[ALBUM] if albums is None else albums,
        download=download,
        **kwargs,
    )


# --- build -----------------------------------------------------------------------------------


def test_keys_come_in_the_documented_order() -> None:
    assert list(build()) == KEYS


def test_exif_replaced_sits_before_deleted_on_flickr_when_present() -> None:
    doc = build(exif_replaced={"DateTimeOriginal": "2016:03:17 16:25:14"})
    assert list(doc)[-2:] == ["exif_replaced", "deleted_on_flickr"]


def test_exif_replaced_is_omitted_when_empty() -> None:
    assert "exif_replaced" not in build(exif_replaced={})


def test_exif_replaced_keys_are_sorted_for_stable_files() -> None:
    doc = build(exif_replaced={"XPTitle": "a", "DateTimeOriginal": "b"})
    assert list(doc["exif_replaced"]) == ["DateTimeOriginal", "XPTitle"]


def test_export_fields_sit_before_exif_replaced_and_deleted_on_flickr() -> None:
    doc = build(level="export", export={"privacy": "friend & family"}, exif_replaced={"A": "b"})
    assert doc["metadata_level"] == "export"
    assert list(doc)[-3:] == ["export", "exif_replaced", "deleted_on_flickr"]
    assert doc["export"] == {"privacy": "friend & family"}


def test_the_export_block_outlives_a_sidecar_rebuilt_from_the_api() -> None:
    old = build(level="export", export={"exif": {"Make": "X"}})
    new = sidecar.with_export(build(level="deep", exif_replaced={"A": "b"}), old)
    assert new["export"] == {"exif": {"Make": "X"}}
    assert list(new)[-3:] == ["export", "exif_replaced", "deleted_on_flickr"]
    assert "export" not in sidecar.with_export(build(), build())


ORIGINAL = "https://live.staticflickr.com/8583/26069027966_c48a5e6ae6_o.jpg"


def private_photo() -> Photo:
    return dataclasses.replace(full_photo(), visibility=Visibility(False, True, True))


def test_a_private_photos_export_block_names_no_original_secret() -> None:
    doc = build(private_photo(), level="export", export={"original": ORIGINAL, "x": 1})
    assert doc["export"] == {"original": None, "x": 1}
    assert build(level="export", export={"original": ORIGINAL})["export"]["original"] == ORIGINAL


def test_a_photo_made_private_loses_the_original_url_its_export_block_kept() -> None:
    old = build(level="export", export={"original": ORIGINAL})
    rebuilt = sidecar.with_export(build(private_photo(), level="deep"), old)
    assert rebuilt["export"] == {"original": None}
    assert sidecar.with_deep(old, private_photo(), ())["export"] == {"original": None}


def test_deep_metadata_keeps_the_export_block() -> None:
    old = build(level="export", export={"privacy": "public"})
    assert sidecar.with_deep(old, full_photo(), ())["export"] == {"privacy": "public"}


def test_schema_and_id_identify_the_document() -> None:
    doc = build()
    assert (doc["schema"], doc["id"]) == (sidecar.SCHEMA_VERSION, "26069027966")


def test_numbers_sent_as_strings_become_ints() -> None:
    doc = build()
    assert (
        doc["date_posted"],
        doc["date_updated"],
        doc["date_taken_granularity"],
        doc["views"],
        doc["rotation"],
        doc["safety_level"],
    ) == (1459181105, 1459776071, 4, 56, 90, 0)


def test_date_taken_is_flickrs_string_verbatim() -> None:
    doc = build()
    assert (doc["date_taken"], doc["date_taken_unknown"]) == ("2016-03-17 16:25:15", False)


def test_tags_are_the_raw_tags_as_typed_and_machine_tags_are_apart() -> None:
    doc = build()
    assert (doc["tags"], doc["machine_tags"]) == (["Dore Abbey", "church"], ["geo:lat=51.96"])


def test_description_is_the_html_fragment_as_is() -> None:
    assert build()["description"] == "A <b>lovely</b> church"


def test_geo_carries_floats_accuracy_and_known_place_names() -> None:
    assert build()["geo"] == {
        "latitude": 51.96,
        "longitude": -2.89,
        "accuracy": 16,
        "locality": "Abbey Dore",
        "county": "Herefordshire",
        "region": "England",
        "country": "United Kingdom",
    }


def test_geo_is_null_without_a_location() -> None:
    assert build(dataclasses.replace(full_photo(), geo=None))["geo"] is None


def test_comments_keep_author_date_text_and_permalink() -> None:
    assert build()["comments"] == [
        {
            "id": "6065-26069027966-72157",
            "author": "12037949754@N01",
            "author_name": "Bees",
            "date": 1459181200,
            "text": "Très beau ✨",
            "permalink": "https://www.flickr.com/photos/jamal/26069027966/#comment72157",
        }
    ]


def test_albums_are_listed_by_id_and_title() -> None:
    assert build()["albums"] == [{"id": "72157", "title": "Wales & Borders"}]


def test_visibility_is_three_booleans() -> None:
    assert build()["visibility"] == {"public": True, "friends": False, "family": True}


def test_license_is_a_string_id() -> None:
    assert build()["license"] == "4"


def test_notes_keep_their_box_and_text() -> None:
    assert build()["notes"] == [
        {
            "id": "7215",
            "author": "21207597@N07",
            "author_name": "Jamal F",
            "x": 10,
            "y": 20,
            "w": 50,
            "h": 40,
            "text": "the tower",
        }
    ]


def test_owner_has_nsid_and_username() -> None:
    assert build()["owner"] == {"nsid": "21207597@N07", "username": "Jamal F"}


def test_has_people_is_a_boolean_after_get_info() -> None:
    assert build()["has_people"] is False


def test_fields_only_get_info_knows_are_null_for_a_listed_photo() -> None:
    doc = build(photo_from_listing(LISTING))
    assert (doc["rotation"], doc["safety_level"], doc["has_people"]) == (None, None, None)


def test_url_is_the_photopage_from_get_info() -> None:
    assert build()["url"] == "https://www.flickr.com/photos/jamal/26069027966/"


def test_url_falls_back_to_the_path_alias() -> None:
    doc = build(photo_from_listing(LISTING))
    assert doc["url"] == "https://www.flickr.com/photos/jamal/26069027966/"


def test_url_falls_back_to_the_owner_nsid_without_a_path_alias() -> None:
    photo = dataclasses.replace(photo_from_listing(LISTING), path_alias=None)
    assert build(photo)["url"] == "https://www.flickr.com/photos/21207597@N07/26069027966/"


def test_download_records_url_size_hash_and_whether_it_is_the_original() -> None:
    assert build()["download"] == {
        "url": "https://live.staticflickr.com/1576/26069027966_f00d_o.jpg",
        "bytes": 123456,
        "sha256": "ab" * 32,
        "original": True,
        "size_label": "Original",
    }


def test_download_is_null_when_nothing_was_fetched() -> None:
    assert build(download=None)["download"] is None


def test_deleted_on_flickr_defaults_to_null() -> None:
    assert build()["deleted_on_flickr"] is None


def test_deleted_on_flickr_carries_the_date_given() -> None:
    assert build(deleted_on_flickr="2025-01-31")["deleted_on_flickr"] == "2025-01-31"


def test_a_video_says_so() -> None:
    video = dataclasses.replace(full_photo(), media="video")
    assert build(video)["media"] == "video"


# --- dumps / loads -------------------------------------------------------------------------


def test_dumps_is_utf8_without_escapes_indented_with_a_trailing_newline() -> None:
    data = sidecar.dumps(build())
    assert "Très beau ✨".encode() in data
    assert data.startswith(b'{\n  "schema": 1,') and data.endswith(b"}\n")


def test_dumps_keeps_the_built_key_order() -> None:
    assert list(json.loads(sidecar.dumps(build()))) == KEYS


def test_unicode_round_trips_through_dumps_and_loads() -> None:
    photo = dataclasses.replace(full_photo(), title="東京 🌸 «nuit»", tags=("日本", "🌸"))
    doc = build(photo)
    assert sidecar.loads(sidecar.dumps(doc)) == doc


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        b"[1, 2]",
        b'"a string"',
        b"{}",
        b'{"id": "1"}',
        b'{"schema": "1", "id": "1"}',
        b'{"schema": true, "id": "1"}',
        b'{"schema": 1}',
        b'{"schema": 1, "id": 5}',
    ],
)
def test_loads_rejects_anything_that_is_not_a_sidecar(data: bytes) -> None:
    with pytest.raises(ValueError):
        sidecar.loads(data)
