"""account_files: the root JSON documents, their order, and what they keep once it is gone."""

from __future__ import annotations

import json

from flickr_async import account_files as af
from flickr_async.account_records import (
    Collection,
    Contact,
    Fave,
    Gallery,
    GalleryItem,
    Group,
    OwnerProfile,
    collection_from_json,
    fave_from_json,
    person_from_json,
)
from flickr_async.models import Album
from flickr_async.sidecar import dumps

TODAY = "2026-11-29"


def album(album_id: str, title: str = "A", **fields: object) -> Album:
    base: dict[str, object] = {
        "id": album_id,
        "title": title,
        "description": "<i>d</i>",
        "date_create": 1,
        "date_update": 0,
        "count": 2,
        "primary": "p1",
        "count_photos": 1,
        "count_videos": 1,
        "count_views": 5,
        "count_comments": 1,
    }
    return Album(**{**base, **fields})  # type: ignore[arg-type]


def test_albums_keep_the_users_order_and_photo_order() -> None:
    doc = af.albums_doc(
        [album("2", "Second"), album("1", "First")],
        folders={"1": "First", "2": "Second"},
        photo_ids={"1": ("b", "a"), "2": ("c",)},
        comments={"1": ({"id": "c1", "text": "nice"},)},
        previous=None,
        today=TODAY,
    )
    assert doc["schema"] == 1
    assert [a["id"] for a in doc["albums"]] == ["2", "1"]
    first = doc["albums"][1]
    assert first["photo_ids"] == ["b", "a"] and first["comments"] == [{"id": "c1", "text": "nice"}]
    assert (first["primary"], first["count_photos"], first["count_videos"]) == ("p1", 1, 1)
    assert first["description"] == "<i>d</i>" and first["deleted_on_flickr"] is None


def test_an_album_gone_from_flickr_stays_listed_with_the_day_it_went() -> None:
    before = af.albums_doc([album("1"), album("2")], folders={}, photo_ids={}, comments={},
                           previous=None, today="2026-01-01")  # fmt: skip
    after = af.albums_doc([album("2")], folders={}, photo_ids={}, comments={},
                          previous=before, today=TODAY)  # fmt: skip
    assert [(a["id"], a["deleted_on_flickr"]) for a in after["albums"]] == [
        ("2", None),
        ("1", TODAY),
    ]
    later = af.albums_doc([album("2")], folders={}, photo_ids={}, comments={},
                          previous=after, today="2027-01-01")  # fmt: skip
    assert later["albums"][1]["deleted_on_flickr"] == TODAY  # the first day it was noticed


def test_a_file_that_is_not_ours_is_no_previous_state() -> None:
    assert af.previous_entries({"albums": [{"id": "x"}]}, "albums") == []
    assert af.previous_entries({"schema": 1, "albums": "nope"}, "albums") == []


def test_collections_nest_in_flickrs_shape_and_order() -> None:
    tree = [
        collection_from_json(
            {
                "id": "1-72",
                "title": "Top",
                "description": "",
                "set": [{"id": "a1"}, {"id": "a2"}],
                "collection": [{"id": "1-73", "title": "Child", "set": {"id": "a2"}}],
            }
        )
    ]
    doc = af.collections_doc(tree)
    [top] = doc["collections"]
    assert top["albums"] == ["a1", "a2"]
    assert top["collections"][0]["title"] == "Child" and top["collections"][0]["albums"] == ["a2"]
    assert af.collections_doc([])["collections"] == []
    assert isinstance(tree[0], Collection)


def fave(photo_id: str, faved: int) -> Fave:
    return fave_from_json(
        {"id": photo_id, "owner": "9@N01", "ownername": "Other", "title": "T", "license": "4",
         "date_faved": str(faved)}
    )  # fmt: skip


def test_favourites_no_longer_listed_are_kept_with_their_removal_date() -> None:
    before = af.favorites_doc([fave("1", 20), fave("2", 10)], previous=None, today="2026-01-01")
    after = af.favorites_doc([fave("2", 10)], previous=before, today=TODAY)
    assert [(f["id"], f["removed_on"]) for f in after["favorites"]] == [("2", None), ("1", TODAY)]
    first = before["favorites"][0]
    assert (first["owner_name"], first["date_faved"], first["license"]) == ("Other", 20, "4")
    assert first["url"] == "https://www.flickr.com/photos/9@N01/1/"


def test_gallery_photos_are_reused_only_while_the_gallery_is_unchanged() -> None:
    gallery = Gallery("g1", "u", "T", "D", 1, 5, 1, 0, 0, 0, "p")
    photos = af.gallery_photos([GalleryItem("p", "9@N01", "Other", "t", "curator says")])
    doc = af.galleries_doc([(gallery, photos)])
    known = af.known_gallery_photos(json.loads(dumps(doc)))
    assert known == {"g1": (5, photos)}


def test_groups_contacts_and_account_have_stable_keys() -> None:
    groups = af.groups_doc([Group("1@N20", "G", True, False, False, 10, 3)])
    assert list(groups["groups"][0]) == [
        "id", "name", "url", "admin", "eighteenplus", "invitation_only", "members", "pool_count"
    ]  # fmt: skip
    contacts = af.contacts_doc([Contact("2@N01", "bob", "Bob", None, True, False)])
    assert contacts["contacts"][0]["url"] == "https://www.flickr.com/people/2@N01/"
    profile = OwnerProfile("1@N01", "me", "Me", "me", "", "", "", "", True, 1, "", 3, 9)
    doc = af.account_doc(profile, {"photos": 3})
    assert doc["profile"]["nsid"] == "1@N01" and doc["archive"] == {"photos": 3}
    assert af.account_doc(None, {})["profile"] is None


def test_a_person_without_a_box_has_none() -> None:
    assert person_from_json({"nsid": "1", "x": "10", "y": "", "w": "3", "h": "4"}).box is None
    assert person_from_json({"nsid": "1", "x": "1", "y": "2", "w": "3", "h": "4"}).box == (
        1,
        2,
        3,
        4,
    )
