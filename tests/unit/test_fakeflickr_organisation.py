"""The fake shows how an account is organised in Flickr's own JSON shapes, and its hooks
change that organisation like Flickr: collections, favourites, galleries, groups, contacts,
people in photos, album comments and the profile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import FrozenClock
from tests.fakeflickr import (
    FakeCollection,
    FakeFlickr,
    FakeGroup,
    FakePhotoPerson,
    FakeUser,
    Library,
    generate_library,
    running_fake,
)
from tests.fakeflickr.client import SignedClient, fetch
from tests.fakeflickr.sizes import original_url

EXTRAS = "owner_name,original_format,url_o,url_q,path_alias,date_upload"
ICON = "https://combo.staticflickr.com/pw/images/collection_default_{}.gif"


@pytest.fixture
def bare() -> Library:
    """An account with no collections, galleries, favourites, groups or contacts."""
    return generate_library(seed=1, photos=40, videos=4, albums=6, organisation=False)


@pytest.fixture
def bare_client(bare: Library) -> Iterator[SignedClient]:
    with running_fake(bare) as fake:
        token, secret = fake.issue_access_token()
        yield SignedClient(fake.base_url, fake.api_key, fake.api_secret, token, secret)


def walk(nodes: list[dict[str, Any]], depth: int = 1) -> Iterator[tuple[dict[str, Any], int]]:
    for node in nodes:
        yield node, depth
        yield from walk(node.get("collection", []), depth + 1)


def tree(client: SignedClient, **params: str) -> list[dict[str, Any]]:
    reply = client.call("flickr.collections.getTree", **params)
    assert reply["stat"] == "ok"
    return list(reply["collections"]["collection"])


def faves(client: SignedClient, **params: str) -> dict[str, Any]:
    reply = client.call("flickr.favorites.getList", **params)
    assert reply["stat"] == "ok", reply
    return dict(reply["photos"])


def all_faves(client: SignedClient, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = faves(client, page=str(page), **params)
        items += reply["photo"]
        if page >= reply["pages"]:
            return items
        page += 1


def galleries(client: SignedClient, library: Library, **params: str) -> dict[str, Any]:
    reply = client.call("flickr.galleries.getList", user_id=library.owner.nsid, **params)
    assert reply["stat"] == "ok", reply
    return dict(reply["galleries"])


def gallery_photos(client: SignedClient, gallery_id: str, **params: str) -> dict[str, Any]:
    reply = client.call("flickr.galleries.getPhotos", gallery_id=gallery_id, **params)
    assert reply["stat"] == "ok", reply
    return dict(reply["photos"])


def contacts(client: SignedClient, **params: str) -> dict[str, Any]:
    reply = client.call("flickr.contacts.getList", **params)
    assert reply["stat"] == "ok", reply
    return dict(reply["contacts"])


def album_item(client: SignedClient, album_id: str, **params: str) -> dict[str, Any]:
    reply = client.call("flickr.photosets.getList", **params)["photosets"]["photoset"]
    return next(dict(a) for a in reply if a["id"] == album_id)


# --- collections.getTree ----------------------------------------------------------------------


def test_collections_have_plain_string_titles_and_the_default_icons(
    owner_client: SignedClient,
) -> None:
    for node, _ in walk(tree(owner_client)):
        assert isinstance(node["title"], str) and isinstance(node["description"], str)
        assert node["id"].startswith("99887766-")
        assert (node["iconlarge"], node["iconsmall"]) == (ICON.format("l"), ICON.format("s"))


def test_collection_sets_carry_only_id_title_and_description_as_plain_strings(
    owner_client: SignedClient, library: Library
) -> None:
    albums = {a.id: a for a in library.albums}
    sets = [s for node, _ in walk(tree(owner_client)) for s in node.get("set", [])]
    assert sets
    for entry in sets:
        album = albums[entry["id"]]
        assert entry == {"id": album.id, "title": album.title, "description": album.description}


def test_collections_nest_three_levels_and_mix_albums_with_collections(
    owner_client: SignedClient,
) -> None:
    nodes = list(walk(tree(owner_client)))
    assert max(depth for _, depth in nodes) == 3
    assert any("set" in node and "collection" in node for node, _ in nodes)


def test_an_empty_collection_has_neither_set_nor_collection_key(
    owner_client: SignedClient,
) -> None:
    empty = [node for node, _ in walk(tree(owner_client)) if node["title"] == "Empty for now"]
    assert empty and "set" not in empty[0] and "collection" not in empty[0]


def test_one_album_sits_in_two_collections(owner_client: SignedClient) -> None:
    homes: dict[str, int] = {}
    for node, _ in walk(tree(owner_client)):
        for entry in node.get("set", []):
            homes[entry["id"]] = homes.get(entry["id"], 0) + 1
    assert max(homes.values()) >= 2


def test_a_collection_title_is_hostile(owner_client: SignedClient) -> None:
    titles = [node["title"] for node, _ in walk(tree(owner_client))]
    hostile = next(t for t in titles if t.startswith("../"))
    assert "CON" in hostile and "🌅" in hostile and len(hostile.encode()) > 300


def test_an_account_without_collections_answers_an_empty_object(
    bare_client: SignedClient,
) -> None:
    reply = bare_client.call("flickr.collections.getTree")
    assert reply == {"collections": {}, "stat": "ok"}


def test_get_tree_needs_no_login_with_a_user_id(
    owner_client: SignedClient, library: Library
) -> None:
    anonymous = owner_client.anonymous("flickr.collections.getTree", user_id=library.owner.nsid)
    assert anonymous == owner_client.call("flickr.collections.getTree")
    assert owner_client.anonymous("flickr.collections.getTree")["code"] == 1


def test_get_tree_of_one_collection_is_its_subtree(
    owner_client: SignedClient, library: Library
) -> None:
    europe = library.collections[0].children[0]
    nodes = tree(owner_client, collection_id=europe.id)
    assert [n["id"] for n in nodes] == [europe.id]
    assert nodes[0]["collection"][0]["id"] == europe.children[0].id
    reply = owner_client.call("flickr.collections.getTree", collection_id="1-2")
    assert (reply["stat"], reply["code"]) == ("fail", 2)


def test_a_deleted_album_leaves_its_collections(
    owner_client: SignedClient, library: Library
) -> None:
    album_id = library.collections[0].album_ids[0]
    library.delete_album(album_id)
    ids = {s["id"] for node, _ in walk(tree(owner_client)) for s in node.get("set", [])}
    assert album_id not in ids


# --- favorites.getList ------------------------------------------------------------------------


def test_favourites_envelope_has_int_paging_and_a_string_total(
    owner_client: SignedClient,
) -> None:
    reply = faves(owner_client, per_page="3")
    assert (reply["page"], reply["pages"], reply["perpage"], reply["total"]) == (1, 3, 3, "7")


def test_favourites_default_to_100_per_page_and_clamp_at_500(
    owner_client: SignedClient,
) -> None:
    assert faves(owner_client)["perpage"] == 100
    assert faves(owner_client, per_page="900")["perpage"] == 500


def test_favourites_page_through_all_of_them_once(
    owner_client: SignedClient, library: Library
) -> None:
    ids = [p["id"] for p in all_faves(owner_client, per_page="2")]
    assert ids == [f.photo_id for f in library.favorites]
    assert len(set(ids)) == 7


def test_favourites_are_other_members_photos_newest_faved_first(
    owner_client: SignedClient, library: Library
) -> None:
    items = faves(owner_client, extras=EXTRAS)["photo"]
    dates = [int(p["date_faved"]) for p in items]
    assert all(isinstance(p["date_faved"], str) for p in items)
    assert dates == sorted(dates, reverse=True)
    for item in items:
        owner = library.foreign_photo(item["id"]).owner
        assert owner is not None and item["owner"] == owner.nsid != library.owner.nsid
        assert (item["ownername"], item["pathalias"]) == (owner.username, owner.path_alias)


def test_favourites_carry_exactly_the_extras_of_other_listings(
    owner_client: SignedClient,
) -> None:
    bare = faves(owner_client)["photo"][0]
    assert set(bare) == {
        "id", "owner", "secret", "server", "farm", "title",
        "ispublic", "isfriend", "isfamily", "date_faved",
    }  # fmt: skip


def test_a_favourite_its_owner_deleted_is_gone_from_the_list_and_the_total(
    owner_client: SignedClient, library: Library
) -> None:
    stored = {f.photo_id for f in library._faves}
    listed = {p["id"] for p in faves(owner_client)["photo"]}
    assert len(stored - listed) == 1 and faves(owner_client)["total"] == str(len(listed))


def test_a_favourite_whose_owner_forbids_downloads_has_no_original(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    item = next(p for p in faves(owner_client, extras=EXTRAS)["photo"] if "url_o" not in p)
    photo = library.foreign_photo(item["id"])
    assert "originalsecret" not in item and "originalformat" not in item
    assert fetch(item["url_q"]).status == 200
    assert fetch(original_url(fake.origin, photo)).status == 404


def test_a_favourite_from_a_free_account_has_no_original_and_nothing_above_1024(
    owner_client: SignedClient, library: Library
) -> None:
    items = faves(owner_client, extras="url_o,url_l,url_h,url_k")["photo"]
    free = next(p for p in items if p["owner"] == "35034346050@N01")
    assert library.foreign_photo(free["id"]).owner == FakeUser(
        "35034346050@N01", "bob", "", None, "", "0", 0, pro=False
    )
    assert "url_l" in free and not {"url_o", "url_h", "url_k"} & set(free)


def test_a_downloadable_favourites_original_is_served(
    owner_client: SignedClient, fake: FakeFlickr
) -> None:
    item = next(p for p in faves(owner_client, extras=EXTRAS)["photo"] if "url_o" in p)
    reply = fetch(item["url_o"])
    assert reply.status == 200 and reply.body == fake.original_bytes(item["id"])


def test_favourites_never_appear_among_the_accounts_own_photos(
    owner_client: SignedClient, library: Library
) -> None:
    foreign = {p.id for p in library.foreign_photos}
    search = owner_client.call(
        "flickr.photos.search", user_id="me", per_page="500", safe_search="3"
    )["photos"]
    stream = owner_client.call(
        "flickr.people.getPhotos", user_id="me", per_page="500", safe_search="3"
    )["photos"]
    info = owner_client.call("flickr.people.getInfo", user_id="me")["person"]
    assert foreign.isdisjoint(p["id"] for p in search["photo"] + stream["photo"])
    assert foreign.isdisjoint(library.ids_in_albums())
    assert info["photos"]["count"]["_content"] == str(len(library.photos))


def test_favourites_filter_by_fave_date(owner_client: SignedClient, library: Library) -> None:
    middle = library.favorites[3].date_faved
    newer = faves(owner_client, min_fave_date=str(middle))["photo"]
    older = faves(owner_client, max_fave_date=str(middle - 1))["photo"]
    assert [p["id"] for p in newer + older] == [f.photo_id for f in library.favorites]


def test_favourites_need_a_login_and_only_the_accounts_own_list(
    owner_client: SignedClient, library: Library
) -> None:
    anonymous = owner_client.anonymous("flickr.favorites.getList", user_id=library.owner.nsid)
    assert anonymous["code"] == 99
    other = owner_client.call("flickr.favorites.getList", user_id="12037949@N03")
    assert (other["stat"], other["code"]) == ("fail", 1)
    assert faves(owner_client, user_id=library.owner.nsid)["total"] == "7"


def test_a_friends_only_favourite_is_visible_to_the_owner(
    owner_client: SignedClient, library: Library
) -> None:
    items = faves(owner_client)["photo"]
    assert any(p["ispublic"] == 0 and p["isfriend"] == 1 for p in items)


def test_a_favourite_answers_get_info_with_its_own_owner(
    owner_client: SignedClient, library: Library
) -> None:
    fave = library.favorites[0]
    info = owner_client.call("flickr.photos.getInfo", photo_id=fave.photo_id)["photo"]
    owner = library.foreign_photo(fave.photo_id).owner
    assert owner is not None and info["owner"]["nsid"] == owner.nsid
    assert info["isfavorite"] == 1 and "permissions" not in info


def test_an_account_without_favourites_lists_none(bare_client: SignedClient) -> None:
    reply = faves(bare_client)
    assert (reply["total"], reply["photo"]) == ("0", [])


# --- galleries --------------------------------------------------------------------------------

GALLERY_KEYS = {
    "id", "url", "owner", "username", "primary_photo_id", "primary_photo_server",
    "primary_photo_farm", "primary_photo_secret", "date_create", "date_update",
    "count_photos", "count_videos", "count_views", "count_comments", "title", "description",
}  # fmt: skip


def test_gallery_list_says_per_page_not_perpage_with_int_total(
    owner_client: SignedClient, library: Library
) -> None:
    reply = galleries(owner_client, library, per_page="500")
    assert {k: reply[k] for k in ("total", "per_page", "page", "pages")} == {
        "total": 2, "per_page": 500, "page": 1, "pages": 1,
    }  # fmt: skip
    assert "perpage" not in reply


def test_gallery_items_have_int_counts_string_dates_and_wrapped_texts(
    owner_client: SignedClient, library: Library
) -> None:
    for item in galleries(owner_client, library)["gallery"]:
        assert set(item) == GALLERY_KEYS
        assert item["id"].startswith("99887766-") and item["owner"] == library.owner.nsid
        assert item["url"].endswith(f"/photos/fakeowner/galleries/{item['id'].split('-')[1]}/")
        for key in ("count_photos", "count_videos", "count_views", "count_comments"):
            assert isinstance(item[key], int)
        assert isinstance(item["primary_photo_farm"], int)
        assert isinstance(item["date_create"], str) and isinstance(item["date_update"], str)
        assert set(item["title"]) == {"_content"} and set(item["description"]) == {"_content"}


def test_galleries_are_listed_newest_first_one_with_a_hostile_title(
    owner_client: SignedClient, library: Library
) -> None:
    items = galleries(owner_client, library)["gallery"]
    created = [int(g["date_create"]) for g in items]
    assert created == sorted(created, reverse=True)
    assert any(g["title"]["_content"].startswith("../CON") for g in items)


def test_galleries_page(owner_client: SignedClient, library: Library) -> None:
    first = galleries(owner_client, library, per_page="1")
    second = galleries(owner_client, library, per_page="1", page="2")
    assert (first["pages"], len(first["gallery"]), len(second["gallery"])) == (2, 1, 1)
    assert first["gallery"][0]["id"] != second["gallery"][0]["id"]


def test_gallery_photos_are_other_members_in_gallery_order_with_curator_notes(
    owner_client: SignedClient, library: Library
) -> None:
    gallery = next(g for g in library.galleries if g.title.startswith("Street"))
    reply = gallery_photos(owner_client, gallery.id, extras="owner_name")
    assert (reply["total"], reply["page"], reply["pages"]) == ("3", 1, 1)
    assert [p["id"] for p in reply["photo"]] == gallery.photo_ids
    for item in reply["photo"]:
        assert item["owner"] != library.owner.nsid and "ownername" in item
        assert item["is_primary"] == int(item["id"] == gallery.primary)
        note = gallery.notes.get(item["id"])
        assert item["has_comment"] == int(bool(note))
        assert item.get("comment") == ({"_content": note} if note else None)


def test_a_photo_deleted_by_its_owner_leaves_the_gallery_and_its_count(
    owner_client: SignedClient, library: Library
) -> None:
    gallery = next(g for g in library.galleries if g.title.startswith("../CON"))
    listed = gallery_photos(owner_client, gallery.id)
    item = next(g for g in galleries(owner_client, library)["gallery"] if g["id"] == gallery.id)
    assert len(gallery.photo_ids) == 3
    assert listed["total"] == "2" and item["count_photos"] == 2


def test_an_unknown_gallery_is_code_1(owner_client: SignedClient) -> None:
    reply = owner_client.call("flickr.galleries.getPhotos", gallery_id="1-72157")
    assert (reply["stat"], reply["code"]) == ("fail", 1)


def test_gallery_primary_photo_extras_carry_only_what_was_asked(
    owner_client: SignedClient, library: Library
) -> None:
    item = galleries(owner_client, library, primary_photo_extras="url_q")["gallery"][0]
    assert set(item["primary_photo_extras"]) == {"url_q", "width_q", "height_q"}


def test_an_account_without_galleries_lists_none(bare_client: SignedClient, bare: Library) -> None:
    reply = galleries(bare_client, bare)
    assert (reply["total"], reply["gallery"]) == (0, [])


# --- groups and contacts ----------------------------------------------------------------------


def test_groups_have_int_flags_and_string_counts(owner_client: SignedClient) -> None:
    groups = owner_client.call("flickr.people.getGroups", user_id="me")["groups"]["group"]
    assert len(groups) == 3
    for group in groups:
        assert set(group) == {
            "nsid", "name", "iconfarm", "iconserver", "admin", "eighteenplus",
            "invitation_only", "members", "pool_count",
        }  # fmt: skip
        assert all(isinstance(group[k], int) for k in ("iconfarm", "admin", "eighteenplus"))
        assert all(isinstance(group[k], str) for k in ("iconserver", "members", "pool_count"))


def test_groups_need_a_login(owner_client: SignedClient, library: Library) -> None:
    reply = owner_client.anonymous("flickr.people.getGroups", user_id=library.owner.nsid)
    assert reply["code"] == 99


def test_an_account_in_no_group_gets_an_empty_list(bare_client: SignedClient) -> None:
    reply = bare_client.call("flickr.people.getGroups", user_id="me")
    assert reply == {"groups": {"group": []}, "stat": "ok"}


def test_contacts_envelope_has_both_per_page_spellings_and_a_string_total(
    owner_client: SignedClient,
) -> None:
    reply = contacts(owner_client)
    assert {k: reply[k] for k in ("page", "pages", "per_page", "perpage", "total")} == {
        "page": 1, "pages": 1, "per_page": 1000, "perpage": 1000, "total": "4",
    }  # fmt: skip


def test_contact_items_have_flickrs_keys_and_types(owner_client: SignedClient) -> None:
    items = contacts(owner_client)["contact"]
    for item in items:
        assert set(item) == {
            "nsid", "username", "iconserver", "iconfarm", "ignored", "rev_ignored",
            "realname", "friend", "family", "path_alias", "location",
        }  # fmt: skip
        assert isinstance(item["iconserver"], str) and isinstance(item["iconfarm"], int)
        assert all(item[k] in (0, 1) for k in ("ignored", "rev_ignored", "friend", "family"))
    assert None in {i["path_alias"] for i in items}


@pytest.mark.parametrize(
    ("name", "flags"),
    [("friends", (1, 0)), ("family", (0, 1)), ("both", (1, 1)), ("neither", (0, 0))],
)
def test_contact_filters_are_exact(
    owner_client: SignedClient, name: str, flags: tuple[int, int]
) -> None:
    items = contacts(owner_client, filter=name)["contact"]
    assert len(items) == 1 and (items[0]["friend"], items[0]["family"]) == flags


def test_contacts_page_and_clamp_at_1000(owner_client: SignedClient) -> None:
    pages = [contacts(owner_client, per_page="3", page=str(n))["contact"] for n in (1, 2)]
    assert [len(p) for p in pages] == [3, 1]
    assert contacts(owner_client, per_page="5000")["per_page"] == 1000


def test_contacts_sort_by_name_or_time(owner_client: SignedClient, library: Library) -> None:
    by_name = [c["username"] for c in contacts(owner_client)["contact"]]
    by_time = [c["nsid"] for c in contacts(owner_client, sort="time")["contact"]]
    assert by_name == sorted(by_name, key=str.casefold)
    newest = sorted(library.contacts, key=lambda c: c.date_added, reverse=True)
    assert by_time == [c.user.nsid for c in newest]


def test_contacts_need_the_owners_token(owner_client: SignedClient) -> None:
    assert owner_client.anonymous("flickr.contacts.getList")["code"] == 99


def test_an_account_without_contacts_lists_none(bare_client: SignedClient) -> None:
    reply = contacts(bare_client)
    assert (reply["total"], reply["contact"]) == ("0", [])


# --- album comments ---------------------------------------------------------------------------


def test_album_comments_have_flickrs_keys_and_string_dates(
    owner_client: SignedClient, library: Library
) -> None:
    album = next(a for a in library.albums if a.comments)
    body = owner_client.call("flickr.photosets.comments.getList", photoset_id=album.id)
    comments = body["comments"]["comment"]
    assert body["comments"]["photoset_id"] == album.id
    assert [c["id"] for c in comments] == [c.id for c in album.comments]
    for item in comments:
        assert set(item) == {
            "id", "author", "authorname", "datecreate", "permalink", "path_alias",
            "realname", "_content",
        }  # fmt: skip
        assert isinstance(item["datecreate"], str) and item["path_alias"] is None
        assert item["permalink"].endswith(f"#comment{item['id']}")


def test_an_album_without_comments_has_no_comment_key(
    owner_client: SignedClient, library: Library
) -> None:
    album = next(a for a in library.albums if not a.comments)
    reply = owner_client.call("flickr.photosets.comments.getList", photoset_id=album.id)
    assert reply == {"comments": {"photoset_id": album.id}, "stat": "ok"}


def test_album_list_counts_comments_as_strings(
    owner_client: SignedClient, library: Library
) -> None:
    items = owner_client.call("flickr.photosets.getList")["photosets"]["photoset"]
    counts = {a["id"]: a["count_comments"] for a in items}
    assert counts == {a.id: str(len(a.comments)) for a in library.albums}
    assert set(counts.values()) - {"0"}


def test_album_primary_photo_extras_carry_only_what_was_asked(
    owner_client: SignedClient,
) -> None:
    item = owner_client.call("flickr.photosets.getList", primary_photo_extras="url_m,owner_name")
    extras = item["photosets"]["photoset"][0]["primary_photo_extras"]
    assert set(extras) == {"url_m", "width_m", "height_m", "ownername"}


# --- people in photos and the profile ---------------------------------------------------------


def test_people_list_has_int_totals_and_dims_and_string_boxes(
    owner_client: SignedClient, library: Library
) -> None:
    photo = max(library.photos, key=lambda p: len(p.people))
    people = owner_client.call("flickr.photos.people.getList", photo_id=photo.id)["people"]
    assert people["total"] == len(photo.people) > 1
    assert isinstance(people["photo_width"], int) and isinstance(people["photo_height"], int)
    for item, person in zip(people["person"], photo.people, strict=True):
        assert item["nsid"] == person.user.nsid and item["added_by_nsid"] == person.added_by
        assert {"username", "iconserver", "iconfarm", "realname", "path_alias"} <= set(item)
        box = {k: item[k] for k in ("x", "y", "w", "h") if k in item}
        if person.box is None:
            assert box == {}
        else:
            assert box == dict(zip("xywh", map(str, person.box), strict=True))


def test_some_tagged_people_have_no_box(library: Library) -> None:
    people = [person for p in library.photos for person in p.people]
    assert any(p.box is None for p in people) and any(p.box for p in people)


def test_get_info_says_haspeople_exactly_for_photos_with_people(
    owner_client: SignedClient, library: Library
) -> None:
    with_people = next(p for p in library.photos if p.people)
    without = next(p for p in library.photos if not p.people)
    for photo, flag in ((with_people, 1), (without, 0)):
        info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
        assert info["people"] == {"haspeople": flag}


def test_people_get_info_has_the_profile_fields(owner_client: SignedClient) -> None:
    person = owner_client.call("flickr.people.getInfo", user_id="me")["person"]
    assert set(person["description"]) == {"_content"}
    assert set(person["mobileurl"]) == {"_content"}
    assert set(person["timezone"]) == {"label", "offset", "timezone_id"}
    assert person["photos"]["views"]["_content"].isdigit()
    assert {"username", "realname", "photosurl", "profileurl"} <= set(person)


# --- the generator ----------------------------------------------------------------------------


def own_summary(library: Library) -> list[tuple[object, ...]]:
    photos = [(p.id, p.secret, p.title, p.lastupdate, p.haspeople) for p in library.photos]
    albums = [(a.id, a.title, a.photo_ids, a.date_update) for a in library.albums]
    return [*photos, *albums]


def test_organisation_never_changes_the_accounts_own_photos_or_albums(bare: Library) -> None:
    full = generate_library(seed=1, photos=40, videos=4, albums=6)
    assert own_summary(full) == own_summary(bare)


def test_the_same_seed_gives_the_same_organisation() -> None:
    one, two = generate_library(seed=5), generate_library(seed=5)
    assert [p.id for p in one.foreign_photos] == [p.id for p in two.foreign_photos]
    assert [c.id for c in one.collections] == [c.id for c in two.collections]
    assert [f.date_faved for f in one.favorites] == [f.date_faved for f in two.favorites]


def test_a_tiny_library_still_has_collections_without_albums() -> None:
    library = generate_library(seed=1, photos=2, videos=0, albums=0)
    assert library.collections and not any(c.album_ids for c in library.collections)


# --- hooks ------------------------------------------------------------------------------------


def test_reorder_albums_puts_those_first_and_bumps_no_album(lib: Library) -> None:
    before = {a.id: a.date_update for a in lib.albums}
    last = lib.albums[-1].id
    lib.reorder_albums([last])
    assert lib.albums[0].id == last and len(lib.albums) == 6
    assert {a.id: a.date_update for a in lib.albums} == before


def test_reordered_albums_are_what_get_list_returns(
    owner_client: SignedClient, library: Library
) -> None:
    wanted = [a.id for a in reversed(library.albums)]
    library.reorder_albums(wanted)
    items = owner_client.call("flickr.photosets.getList")["photosets"]["photoset"]
    assert [a["id"] for a in items] == wanted


def test_reorder_album_photos_moves_them_first_and_bumps_date_update(
    owner_client: SignedClient, library: Library
) -> None:
    album = library.albums[0]
    last = album.photo_ids[-1]
    before = album.date_update
    library.reorder_album_photos(album.id, [last])
    reply = owner_client.call("flickr.photosets.getPhotos", photoset_id=album.id, per_page="500")
    assert reply["photoset"]["photo"][0]["id"] == last
    assert int(album_item(owner_client, album.id)["date_update"]) > before


def test_reorder_album_photos_refuses_a_stranger(lib: Library) -> None:
    with pytest.raises(KeyError):
        lib.reorder_album_photos(lib.albums[0].id, ["1"])


def test_edit_album_changes_title_description_cover_and_bumps(
    lib: Library, frozen: FrozenClock
) -> None:
    album = lib.albums[1]
    cover = album.photo_ids[-1]
    lib.edit_album(album.id, title="New", description="<b>d</b>", primary=cover)
    assert (album.title, album.description, album.primary) == ("New", "<b>d</b>", cover)
    assert album.date_update == int(frozen.now)


def test_add_album_comment_is_counted_and_listed(
    owner_client: SignedClient, library: Library
) -> None:
    album = next(a for a in library.albums if not a.comments)
    before = album.date_update
    comment = library.add_album_comment(album.id, "Hi <b>there</b>", author=FakeUser("1@N01", "x"))
    assert album_item(owner_client, album.id)["count_comments"] == "1"
    reply = owner_client.call("flickr.photosets.comments.getList", photoset_id=album.id)
    assert reply["comments"]["comment"][0]["_content"] == "Hi <b>there</b>"
    assert reply["comments"]["comment"][0]["author"] == "1@N01" and comment.author == "1@N01"
    assert album.date_update == before


def test_move_collection_to_the_top_level_and_back(lib: Library) -> None:
    europe = lib.collections[0].children[0]
    lib.move_collection(europe.id, None)
    assert lib.collections[-1] is europe and europe not in lib.collections[0].children
    lib.move_collection(europe.id, lib.collections[1].id)
    assert lib.collections[1].children == [europe]


def test_a_collection_cannot_move_into_its_own_subtree(lib: Library) -> None:
    travel = lib.collections[0]
    with pytest.raises(ValueError, match="itself"):
        lib.move_collection(travel.id, travel.children[0].children[0].id)


def test_collections_nest_five_deep_at_most(lib: Library) -> None:
    parent = lib.collections[0].children[0].children[0].id  # level 3
    fourth = lib.create_collection("4", parent_id=parent)
    fifth = lib.create_collection("5", parent_id=fourth.id)
    with pytest.raises(ValueError, match="5 deep"):
        lib.create_collection("6", parent_id=fifth.id)


def test_edit_create_and_delete_collections(lib: Library) -> None:
    album = lib.albums[2].id
    made = lib.create_collection("New", description="d", album_ids=[album])
    assert lib.collections[0] is made and made.album_ids == [album]
    lib.edit_collection(made.id, title="Renamed", album_ids=[])
    assert (made.title, made.album_ids) == ("Renamed", [])
    lib.delete_collection(made.id)
    with pytest.raises(KeyError):
        lib.collection(made.id)


def test_set_collections_replaces_the_tree(owner_client: SignedClient, library: Library) -> None:
    node = FakeCollection("99887766-1", "Only", "", [library.albums[0].id])
    library.set_collections([node])
    assert [n["title"] for n in tree(owner_client)] == ["Only"]
    library.set_collections([])
    assert owner_client.call("flickr.collections.getTree")["collections"] == {}


def test_fave_puts_a_photo_first_and_unfave_removes_it(
    owner_client: SignedClient, library: Library
) -> None:
    gallery_only = next(p for p in library.foreign_photos if not library.is_faved(p.id))
    fave = library.fave(gallery_only.id)
    first = faves(owner_client)["photo"][0]
    assert (first["id"], first["date_faved"]) == (gallery_only.id, str(fave.date_faved))
    library.unfave(gallery_only.id)
    assert gallery_only.id not in {p["id"] for p in faves(owner_client)["photo"]}


def test_a_new_foreign_photo_can_be_faved_and_its_files_are_served(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    photo = library.add_foreign_photo(FakeUser("555@N01", "newbie", pro=True), title="New")
    library.fave(photo.id)
    item = faves(owner_client, extras="url_o,owner_name")["photo"][0]
    assert (item["id"], item["owner"], item["ownername"]) == (photo.id, "555@N01", "newbie")
    assert fetch(item["url_o"]).body == fake.original_bytes(photo.id)


def test_the_owner_cannot_fave_their_own_photo(lib: Library) -> None:
    with pytest.raises(ValueError, match="owned by you"):
        lib.fave(lib.photos[0].id)


def test_delete_foreign_photo_removes_it_from_favourites_galleries_and_files(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    gallery = next(g for g in library.galleries if g.title.startswith("Street"))
    photo = library.foreign_photo(gallery.primary)
    url = original_url(fake.origin, photo)
    library.delete_foreign_photo(photo.id)
    assert photo.id not in {p["id"] for p in faves(owner_client)["photo"]}
    listed = gallery_photos(owner_client, gallery.id)
    assert photo.id not in {p["id"] for p in listed["photo"]}
    assert sum(p["is_primary"] for p in listed["photo"]) == 1  # the first one stands in
    assert fetch(url).status == 404
    info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)
    assert (info["stat"], info["code"]) == ("fail", 1)


def test_add_gallery_photo_with_a_note_bumps_the_gallery(
    owner_client: SignedClient, library: Library
) -> None:
    gallery = library.galleries[0]
    before = gallery.date_update
    newcomer = next(
        p for p in library.foreign_photos if p.ispublic and p.id not in gallery.photo_ids
    )
    library.add_gallery_photo(gallery.id, newcomer.id, comment="Look!")
    item = gallery_photos(owner_client, gallery.id)["photo"][-1]
    assert (item["id"], item["has_comment"], item["comment"]) == (
        newcomer.id, 1, {"_content": "Look!"},
    )  # fmt: skip
    listed = next(g for g in galleries(owner_client, library)["gallery"] if g["id"] == gallery.id)
    assert int(listed["date_update"]) > before


def test_galleries_hold_only_other_members_public_photos(lib: Library) -> None:
    gallery = lib.galleries[0].id
    with pytest.raises(KeyError):
        lib.add_gallery_photo(gallery, lib.photos[0].id)
    friends_only = next(p for p in lib.foreign_photos if not p.ispublic)
    with pytest.raises(ValueError, match="public"):
        lib.add_gallery_photo(gallery, friends_only.id)


def test_edit_gallery_changes_texts_cover_and_notes(lib: Library, frozen: FrozenClock) -> None:
    gallery = lib.galleries[1]
    cover = gallery.photo_ids[-1]
    noted = next(iter(gallery.notes))
    lib.edit_gallery(gallery.id, title="T", description="D", primary=cover, notes={noted: None})
    assert (gallery.title, gallery.description, gallery.primary) == ("T", "D", cover)
    assert noted not in gallery.notes and gallery.date_update == int(frozen.now)


def test_create_and_remove_from_a_gallery(lib: Library) -> None:
    photo = lib.foreign_photos[0]
    gallery = lib.create_gallery("Mine", [photo.id])
    assert lib.galleries[0] is gallery and gallery.primary == photo.id
    lib.remove_gallery_photo(gallery.id, photo.id)
    assert (gallery.photo_ids, gallery.primary) == ([], "")


def test_join_and_leave_groups(owner_client: SignedClient, library: Library) -> None:
    library.join_group(FakeGroup("42@N20", "New group", members=1, pool_count=2))
    library.leave_group("34427469792@N01")
    groups = owner_client.call("flickr.people.getGroups", user_id="me")["groups"]["group"]
    assert [g["nsid"] for g in groups][-1] == "42@N20"
    assert "34427469792@N01" not in {g["nsid"] for g in groups}


def test_add_and_remove_contacts(owner_client: SignedClient, library: Library) -> None:
    library.add_contact(FakeUser("999@N01", "Aaron"), friend=True, family=True)
    library.remove_contact("12037949@N03")
    both = contacts(owner_client, filter="both")["contact"]
    assert {c["nsid"] for c in both} == {"999@N01", "48600090482@N01"}
    assert contacts(owner_client)["total"] == "4"


def test_set_people_changes_haspeople_and_bumps_lastupdate(
    owner_client: SignedClient, library: Library
) -> None:
    photo = next(p for p in library.photos if not p.people and p.ispublic)
    before = photo.lastupdate
    anna = FakeUser("12037949@N03", "ånna.b")
    library.set_people(photo.id, [FakePhotoPerson(anna, library.owner.nsid, (1, 2, 3, 4))])
    info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
    assert info["people"]["haspeople"] == 1 and int(info["dates"]["lastupdate"]) > before
    people = owner_client.call("flickr.photos.people.getList", photo_id=photo.id)["people"]
    assert people["person"][0]["x"] == "1" and people["total"] == 1
    library.set_people(photo.id, [])
    assert library.photo(photo.id).haspeople is False


def test_the_standalone_server_can_serve_an_account_without_organisation() -> None:
    from tests.fakeflickr.__main__ import parse_args

    assert parse_args(["--no-organisation"]).no_organisation is True
    assert parse_args([]).no_organisation is False


def test_a_method_fault_can_target_one_gallery(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    failing, working = (g.id for g in library.galleries)
    fake.faults.fail_method_for_photo("flickr.galleries.getPhotos", failing, code=105, times=1)
    assert owner_client.call("flickr.galleries.getPhotos", gallery_id=failing)["code"] == 105
    assert gallery_photos(owner_client, working)["photo"]
    assert gallery_photos(owner_client, failing)["photo"]
