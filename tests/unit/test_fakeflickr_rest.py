"""The fake's REST methods answer like Flickr, quirks and traps included."""

from __future__ import annotations

import time

import pytest

from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake
from tests.fakeflickr.client import SignedClient

BARE_KEYS = {"id", "owner", "secret", "server", "farm", "title", "ispublic", "isfriend", "isfamily"}


def all_pages(client: SignedClient, method: str, container: str, **params: str) -> list[dict]:
    items: list[dict] = []
    page = 1
    while True:
        reply = client.call(method, page=str(page), **params)[container]
        items += reply["photo"]
        if page >= int(reply["pages"]):
            return items
        page += 1


def search_ids(client: SignedClient, **params: str) -> list[str]:
    reply = client.call("flickr.photos.search", user_id="me", per_page="500", **params)
    return [p["id"] for p in reply["photos"]["photo"]]


# --- the 4,000 cap ------------------------------------------------------------------------


def owner_client_for(fake: FakeFlickr) -> SignedClient:
    token, secret = fake.issue_access_token()
    return SignedClient(fake.base_url, fake.api_key, fake.api_secret, token, secret)


def test_search_pages_past_the_cap_repeat_earlier_pages_while_total_claims_all() -> None:
    library = generate_library(seed=2, photos=120, videos=0, albums=0)
    with running_fake(library, search_cap=50) as fake:
        client = owner_client_for(fake)
        params = {"user_id": "me", "per_page": "10", "safe_search": "3"}
        first = client.call("flickr.photos.search", page="1", **params)["photos"]
        sixth = client.call("flickr.photos.search", page="6", **params)["photos"]
    assert (first["total"], first["pages"]) == ("120", 12)
    assert [p["id"] for p in sixth["photo"]] == [p["id"] for p in first["photo"]]


def test_a_naive_page_loop_past_the_cap_misses_photos() -> None:
    library = generate_library(seed=2, photos=120, videos=0, albums=0)
    with running_fake(library, search_cap=50) as fake:
        items = all_pages(
            owner_client_for(fake), "flickr.photos.search", "photos",
            user_id="me", per_page="10", safe_search="3",
        )  # fmt: skip
    assert len(items) == 120
    assert len({p["id"] for p in items}) == 50


def test_the_real_4000_cap_repeats_page_one_at_offset_4000() -> None:
    library = generate_library(seed=3, photos=4500, videos=0, albums=0)
    with running_fake(library) as fake:
        client = owner_client_for(fake)
        params = {"user_id": "me", "per_page": "500", "safe_search": "3"}
        first = client.call("flickr.photos.search", page="1", **params)["photos"]
        ninth = client.call("flickr.photos.search", page="9", **params)["photos"]
    assert first["total"] == "4500"
    assert [p["id"] for p in ninth["photo"]] == [p["id"] for p in first["photo"]]


def test_narrow_upload_date_slices_get_everything_under_the_cap() -> None:
    library = generate_library(seed=2, photos=120, videos=0, albums=0)
    middle = library.photos[60].dateupload
    with running_fake(library, search_cap=100) as fake:
        client = owner_client_for(fake)
        low = search_ids(client, max_upload_date=str(middle), safe_search="3")
        high = search_ids(client, min_upload_date=str(middle + 1), safe_search="3")
    assert sorted(low + high) == sorted(p.id for p in library.photos)


# --- filters and order ----------------------------------------------------------------------


def test_upload_date_bounds_are_inclusive_and_accept_mysql_datetimes(
    owner_client: SignedClient, library: Library
) -> None:
    photo = library.photos[20]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(photo.dateupload))
    ids = search_ids(owner_client, min_upload_date=stamp, max_upload_date=str(photo.dateupload))
    assert photo.id in ids
    assert all(library.photo(i).dateupload == photo.dateupload for i in ids)


def test_default_order_is_newest_upload_first_with_a_stable_tie_break(
    owner_client: SignedClient, library: Library
) -> None:
    expected = sorted(
        (p for p in library.photos if p.safety_level < 2),
        key=lambda p: (p.dateupload, int(p.id)),
        reverse=True,
    )
    assert search_ids(owner_client) == [p.id for p in expected]


def test_date_posted_asc_sorts_oldest_first(owner_client: SignedClient, library: Library) -> None:
    ids = search_ids(owner_client, sort="date-posted-asc", safe_search="3")
    assert ids == [p.id for p in library.photos]


def test_restricted_photos_are_hidden_from_the_owner_unless_safe_search_3(
    owner_client: SignedClient, library: Library
) -> None:
    restricted = {p.id for p in library.photos if p.safety_level == 2}
    assert restricted
    assert restricted.isdisjoint(search_ids(owner_client))
    assert restricted <= set(search_ids(owner_client, safe_search="3"))


def test_privacy_filter_5_returns_only_private_photos(
    owner_client: SignedClient, library: Library
) -> None:
    ids = search_ids(owner_client, privacy_filter="5", safe_search="3")
    assert ids and all(library.photo(i).privacy == 5 for i in ids)


def test_media_videos_returns_only_videos(owner_client: SignedClient, library: Library) -> None:
    assert set(search_ids(owner_client, media="videos", safe_search="3")) == {
        p.id for p in library.photos if p.is_video
    }


def test_people_get_photos_sees_everything_with_safe_search_3(
    owner_client: SignedClient, library: Library
) -> None:
    items = all_pages(
        owner_client, "flickr.people.getPhotos", "photos", user_id="me", safe_search="3"
    )
    assert len(items) == len(library.photos)


def test_get_not_in_set_lists_exactly_the_photos_in_no_album(
    owner_client: SignedClient, library: Library
) -> None:
    items = all_pages(owner_client, "flickr.photos.getNotInSet", "photos", per_page="500")
    expected = {p.id for p in library.photos} - library.ids_in_albums()
    assert expected and {p["id"] for p in items} == expected


def test_short_pages_fault_drops_items_from_a_non_final_page(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.faults.short_pages(times=1, drop=3)
    reply = owner_client.call("flickr.photos.search", user_id="me", per_page="10")["photos"]
    assert len(reply["photo"]) == 7 and reply["pages"] > 1


# --- extras -----------------------------------------------------------------------------


def test_a_listing_item_without_extras_has_only_the_bare_fields(
    owner_client: SignedClient,
) -> None:
    item = owner_client.call("flickr.photos.search", user_id="me", per_page="1")
    assert set(item["photos"]["photo"][0]) == BARE_KEYS


def test_requested_extras_appear_under_flickrs_names_and_nothing_else(
    owner_client: SignedClient, library: Library
) -> None:
    reply = owner_client.call(
        "flickr.photos.search", user_id="me", per_page="500",
        extras="date_upload,date_taken,original_format,o_dims,path_alias,url_o,url_sq",
    )  # fmt: skip
    downloadable = next(p for p in reply["photos"]["photo"] if library.photo(p["id"]).can_download)
    extra_keys = set(downloadable) - BARE_KEYS
    assert extra_keys == {
        "dateupload", "datetaken", "datetakengranularity", "datetakenunknown",
        "originalsecret", "originalformat", "o_width", "o_height", "pathalias",
        "url_o", "height_o", "width_o", "url_sq", "height_sq", "width_sq",
    }  # fmt: skip


def test_downloads_disabled_photos_lack_url_o_but_keep_smaller_sizes(
    owner_client: SignedClient, library: Library
) -> None:
    locked = next(p for p in library.photos if not p.can_download)
    reply = owner_client.call(
        "flickr.photos.search", user_id="me", per_page="500", safe_search="3",
        extras="url_o,original_format,url_l,url_c",
    )  # fmt: skip
    item = next(p for p in reply["photos"]["photo"] if p["id"] == locked.id)
    assert "url_o" not in item and "originalsecret" not in item
    assert "url_l" in item and "url_c" in item


def test_geo_extras_are_zero_for_a_photo_without_location(
    owner_client: SignedClient, library: Library
) -> None:
    plain = next(p for p in library.photos if p.geo is None and p.safety_level < 2)
    reply = owner_client.call("flickr.photos.search", user_id="me", per_page="500", extras="geo")
    item = next(p for p in reply["photos"]["photo"] if p["id"] == plain.id)
    assert (item["latitude"], item["longitude"], item["accuracy"]) == ("0", "0", "0")


def test_tags_extra_is_clean_lowercase_and_machine_tags_are_separate(
    owner_client: SignedClient, library: Library
) -> None:
    photo = library.add_photo(tags=["New York", "dc:subject=Old Town"])
    reply = owner_client.call(
        "flickr.photos.search", user_id="me", per_page="1", extras="tags,machine_tags"
    )
    item = reply["photos"]["photo"][0]
    assert item["id"] == photo.id
    assert (item["tags"], item["machine_tags"]) == (
        "newyork dc:subject=oldtown",
        "dc:subject=oldtown",
    )


# --- albums -----------------------------------------------------------------------------


def test_get_list_counts_stills_in_photos_and_videos_separately(
    owner_client: SignedClient, library: Library
) -> None:
    sets = owner_client.call("flickr.photosets.getList")["photosets"]["photoset"]
    album = library.albums[0]
    item = next(s for s in sets if s["id"] == album.id)
    videos = sum(1 for pid in album.photo_ids if library.photo(pid).is_video)
    assert videos >= 1
    assert (item["photos"], item["videos"]) == (len(album.photo_ids) - videos, videos)


def test_get_list_keeps_the_owners_album_order_and_pages(
    owner_client: SignedClient, library: Library
) -> None:
    first = owner_client.call("flickr.photosets.getList", per_page="4")["photosets"]
    second = owner_client.call("flickr.photosets.getList", per_page="4", page="2")["photosets"]
    ids = [s["id"] for s in first["photoset"] + second["photoset"]]
    assert first["pages"] == 2 and ids == [a.id for a in library.albums]


def test_album_photos_come_in_album_order_with_isprimary_and_no_owner(
    owner_client: SignedClient, library: Library
) -> None:
    album = library.albums[1]
    reply = owner_client.call("flickr.photosets.getPhotos", photoset_id=album.id)["photoset"]
    assert [p["id"] for p in reply["photo"]] == album.photo_ids
    assert [p["id"] for p in reply["photo"] if p["isprimary"] == 1] == [album.primary]
    assert all("owner" not in p for p in reply["photo"])


def test_album_photos_page_by_per_page(owner_client: SignedClient, library: Library) -> None:
    album = library.albums[3]
    items = all_pages(
        owner_client, "flickr.photosets.getPhotos", "photoset", photoset_id=album.id, per_page="2"
    )
    assert [p["id"] for p in items] == album.photo_ids


def test_an_unknown_album_gives_code_1(owner_client: SignedClient) -> None:
    assert owner_client.call("flickr.photosets.getPhotos", photoset_id="1")["code"] == 1


# --- one photo --------------------------------------------------------------------------


def test_get_info_has_flickrs_shape(owner_client: SignedClient, library: Library) -> None:
    photo = next(p for p in library.photos if p.geo and p.geo.place and p.tags and p.can_download)
    info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
    assert info["title"] == {"_content": photo.title}
    assert info["dates"]["lastupdate"] == str(photo.lastupdate)
    assert info["originalformat"] == photo.originalformat
    assert info["location"]["locality"]["_content"] == photo.geo.place.locality
    assert [t["raw"] for t in info["tags"]["tag"]] == photo.tags
    assert info["urls"]["url"][0]["type"] == "photopage"


def test_get_info_omits_original_fields_when_downloads_are_disabled(
    owner_client: SignedClient, library: Library
) -> None:
    locked = next(p for p in library.photos if not p.can_download)
    info = owner_client.call("flickr.photos.getInfo", photo_id=locked.id)["photo"]
    assert "originalsecret" not in info and "originalformat" not in info


def test_get_info_flags_machine_tags(owner_client: SignedClient, library: Library) -> None:
    photo = library.add_photo(tags=["upcoming:event=12345", "plain"])
    info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
    assert [t["machine_tag"] for t in info["tags"]["tag"]] == [1, 0]


def test_a_private_photo_is_code_1_for_an_anonymous_caller(
    fake: FakeFlickr, library: Library
) -> None:
    private = next(p for p in library.photos if not p.ispublic)
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    assert client.anonymous("flickr.photos.getInfo", photo_id=private.id)["code"] == 1


def test_a_deleted_photo_is_code_1(owner_client: SignedClient, library: Library) -> None:
    photo = library.photos[0]
    library.delete_photo(photo.id)
    assert owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["code"] == 1


def test_comments_key_is_absent_when_a_photo_has_none(
    owner_client: SignedClient, library: Library
) -> None:
    quiet = next(p for p in library.photos if not p.comments)
    reply = owner_client.call("flickr.photos.comments.getList", photo_id=quiet.id)
    assert reply["comments"] == {"photo_id": quiet.id}


def test_comment_count_matches_the_comment_list(
    owner_client: SignedClient, library: Library
) -> None:
    chatty = next(p for p in library.photos if p.comments and p.safety_level < 2)
    listed = owner_client.call(
        "flickr.photos.search", user_id="me", per_page="500", extras="count_comments"
    )
    item = next(p for p in listed["photos"]["photo"] if p["id"] == chatty.id)
    comments = owner_client.call("flickr.photos.comments.getList", photo_id=chatty.id)
    assert int(item["count_comments"]) == len(comments["comments"]["comment"]) > 0


def test_get_exif_is_code_2_when_the_owner_hides_exif(
    owner_client: SignedClient, library: Library
) -> None:
    hidden = next(p for p in library.photos if p.exif_hidden)
    assert owner_client.call("flickr.photos.getExif", photo_id=hidden.id)["code"] == 2


def test_get_exif_reports_the_camera(owner_client: SignedClient, library: Library) -> None:
    photo = next(p for p in library.photos if p.exif and not p.exif_hidden)
    reply = owner_client.call("flickr.photos.getExif", photo_id=photo.id)["photo"]
    assert reply["camera"] == f"{photo.exif.make} {photo.exif.model}"


def test_video_sizes_offer_the_poster_as_original_and_video_entries(
    owner_client: SignedClient, library: Library
) -> None:
    video = next(p for p in library.photos if p.video and p.video.has_original)
    sizes = owner_client.call("flickr.photos.getSizes", photo_id=video.id)["sizes"]["size"]
    by_label = {s["label"]: s for s in sizes}
    assert by_label["Original"]["source"].endswith("_o.jpg")
    assert by_label["Original"]["media"] == "photo"
    assert by_label["Video Original"]["media"] == "video"
    assert "Video Player" in by_label


def test_video_original_is_listed_for_the_owner_only(fake: FakeFlickr, library: Library) -> None:
    video = next(p for p in library.photos if p.video and p.video.has_original and p.ispublic)
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    sizes = client.anonymous("flickr.photos.getSizes", photo_id=video.id)["sizes"]["size"]
    assert "Video Original" not in {s["label"] for s in sizes}


def test_some_videos_have_no_video_original(owner_client: SignedClient, library: Library) -> None:
    video = next(p for p in library.photos if p.video and not p.video.has_original)
    sizes = owner_client.call("flickr.photos.getSizes", photo_id=video.id)["sizes"]["size"]
    assert "Video Original" not in {s["label"] for s in sizes}


def test_modern_video_labels_come_with_null_dimensions(
    owner_client: SignedClient, library: Library
) -> None:
    video = next(p for p in library.photos if p.video and p.video.label_style == "modern")
    sizes = owner_client.call("flickr.photos.getSizes", photo_id=video.id)["sizes"]["size"]
    assert any(s["media"] == "video" and s["width"] is None for s in sizes)


def test_a_free_account_gets_no_original_and_nothing_above_1024() -> None:
    library = generate_library(seed=1, photos=10, videos=0, albums=1, pro=False)
    with running_fake(library) as fake:
        client = owner_client_for(fake)
        photo = max(library.photos, key=lambda p: max(p.width, p.height))
        sizes = client.call("flickr.photos.getSizes", photo_id=photo.id)["sizes"]["size"]
    labels = {s["label"] for s in sizes}
    assert "Original" not in labels and "Large" in labels and "Large 1600" not in labels


# --- account ------------------------------------------------------------------------------


def test_people_get_info_counts_every_photo(owner_client: SignedClient, library: Library) -> None:
    person = owner_client.call("flickr.people.getInfo", user_id=library.owner.nsid)["person"]
    assert int(person["photos"]["count"]["_content"]) == len(library.photos)


def test_recently_updated_puts_the_latest_edit_first(
    owner_client: SignedClient, library: Library
) -> None:
    photo = library.photos[3]
    library.edit_photo(photo.id, title="new title")
    reply = owner_client.call("flickr.photos.recentlyUpdated", min_date=str(photo.lastupdate))
    items = reply["photos"]["photo"]
    assert [p["id"] for p in items] == [photo.id]
    assert items[0]["lastupdate"] == str(photo.lastupdate)


def test_get_counts_buckets_uploads_between_dates(
    owner_client: SignedClient, library: Library
) -> None:
    dates = [library.photos[0].dateupload, library.photos[10].dateupload]
    reply = owner_client.call("flickr.photos.getCounts", dates=",".join(map(str, dates)))
    expected = sum(1 for p in library.photos if dates[0] <= p.dateupload < dates[1])
    assert reply["photocounts"]["photocount"][0]["count"] == expected


@pytest.mark.parametrize(
    "method",
    ["flickr.photos.getNotInSet", "flickr.photos.recentlyUpdated", "flickr.photos.getCounts"],
)
def test_owner_only_methods_refuse_anonymous_callers(fake: FakeFlickr, method: str) -> None:
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    assert client.anonymous(method, min_date="0")["code"] == 99


def test_people_get_info_without_a_user_id_is_code_1(fake: FakeFlickr) -> None:
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    assert client.anonymous("flickr.people.getInfo")["code"] == 1
