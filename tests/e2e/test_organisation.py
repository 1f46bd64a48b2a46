"""The account's organisation read back from the archive root, exactly as the fake holds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.helpers import FAST, media_files, no_change_bound, run_cli, sidecar
from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake
from tests.fakeflickr.model import FakeCollection


def root(out: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / name).read_text("utf-8"))
    assert data["schema"] == 1
    return data


def tree(nodes: list[FakeCollection]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "title": c.title,
            "description": c.description,
            "albums": list(c.album_ids),
            "collections": tree(c.children),
        }
        for c in nodes
    ]


def test_albums_json_holds_every_album_in_order_with_its_photos_cover_and_comments(
    library: Library, synced: Path
) -> None:
    albums = root(synced, "albums.json")["albums"]
    assert [a["id"] for a in albums] == [a.id for a in library.albums]
    for entry, album in zip(albums, library.albums, strict=True):
        assert entry["title"] == album.title and entry["description"] == album.description
        assert entry["photo_ids"] == album.photo_ids  # album order
        assert entry["primary"] == album.primary
        assert [c["text"] for c in entry["comments"]] == [c.text for c in album.comments]
        assert entry["count_comments"] == len(album.comments)
        assert (synced / entry["folder"]).is_dir()
        assert entry["deleted_on_flickr"] is None
    assert any(a.comments for a in library.albums)


def test_collections_favourites_galleries_groups_and_contacts_match_the_account(
    library: Library, synced: Path
) -> None:
    assert root(synced, "collections.json")["collections"] == tree(library.collections)
    faves = root(synced, "favorites.json")["favorites"]
    listed = library.favorites  # newest faved first, those deleted by their owners gone
    assert [(f["id"], f["date_faved"]) for f in faves] == [
        (f.photo_id, f.date_faved) for f in listed
    ]
    for entry in faves:
        photo = library.foreign_photo(entry["id"])
        assert entry["title"] == photo.title and entry["removed_on"] is None
    galleries = root(synced, "galleries.json")["galleries"]
    assert {g["id"]: [p["id"] for p in g["photos"]] for g in galleries} == {
        g.id: [p.id for p in library.gallery_photos(g.id)] for g in library.galleries
    }
    groups = root(synced, "groups.json")["groups"]
    assert [g["id"] for g in groups] == [g.nsid for g in library.groups]
    contacts = root(synced, "contacts.json")["contacts"]
    assert {(c["id"], c["friend"], c["family"]) for c in contacts} == {
        (c.user.nsid, c.friend, c.family) for c in library.contacts
    }
    account = root(synced, "account.json")
    assert account["profile"]["nsid"] == library.owner.nsid
    assert account["archive"]["photos"] == len(library.photos)


def test_people_in_a_photo_reach_its_sidecar(library: Library, synced: Path) -> None:
    tagged = [p for p in library.photos if p.people]
    assert tagged
    for photo in tagged:
        [path, *_] = [p for p in media_files(synced) if p.stem == photo.id]
        assert [p["nsid"] for p in sidecar(path)["people"]] == [x.user.nsid for x in photo.people]


def test_a_no_change_sync_stays_within_the_documented_bound_and_rewrites_nothing(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    names = ("albums.json", "collections.json", "favorites.json", "galleries.json",
             "groups.json", "contacts.json", "account.json")  # fmt: skip
    before = {n: (synced / n).stat().st_mtime_ns for n in names}
    assert run_cli(env, "backup", str(synced), *FAST).code == 0
    calls = fake.counters.api_calls
    assert fake.counters.total_api_calls <= no_change_bound(library), dict(calls)
    assert calls["flickr.galleries.getPhotos"] == calls["flickr.photosets.comments.getList"] == 0
    assert {n: (synced / n).stat().st_mtime_ns for n in names} == before


def test_edits_on_flickr_reach_the_files_with_the_next_sync(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    first, second, *_ = library.albums
    library.reorder_albums([second.id, first.id])
    library.edit_album(first.id, description="Edited <b>description</b>")
    library.reorder_album_photos(first.id, list(reversed(first.photo_ids)))
    movable = next(c for c in library.collections if c.children)
    child = movable.children[0]
    library.move_collection(child.id, None)
    gone = library.favorites[0].photo_id
    library.unfave(gone)
    assert run_cli(env, "backup", str(synced), *FAST).code == 0
    albums = root(synced, "albums.json")["albums"]
    assert [a["id"] for a in albums[:2]] == [second.id, first.id]
    edited = next(a for a in albums if a["id"] == first.id)
    assert edited["description"] == "Edited <b>description</b>"
    assert edited["photo_ids"] == library.album(first.id).photo_ids
    assert root(synced, "collections.json")["collections"] == tree(library.collections)
    faves = {f["id"]: f for f in root(synced, "favorites.json")["favorites"]}
    assert faves[gone]["removed_on"] is not None  # kept, marked
    # + first's 2 pages max; + 2: the changes asked before the reordered albums (photos in
    # several albums may have another first one) brought on the full listing (changes.py)
    assert fake.counters.total_api_calls <= no_change_bound(library) + 2 + 2


def test_an_album_gone_from_flickr_stays_in_albums_json_marked(
    library: Library, env: dict[str, str], synced: Path
) -> None:
    victim = library.albums[-1]
    library.delete_album(victim.id)
    assert run_cli(env, "backup", str(synced), *FAST).code == 0
    entry = next(a for a in root(synced, "albums.json")["albums"] if a["id"] == victim.id)
    assert entry["deleted_on_flickr"] is not None and entry["photo_ids"] == victim.photo_ids


def test_an_account_without_organisation_gets_empty_lists_not_missing_files(
    tmp_path: Path,
) -> None:
    bare = generate_library(seed=5, photos=6, videos=0, albums=1, organisation=False)
    with running_fake(bare) as fake:
        env = fake.cli_env(tmp_path / "home")
        out = tmp_path / "out"
        assert run_cli(env, "backup", str(out), *FAST).code == 0
    for name, key in (("collections.json", "collections"), ("favorites.json", "favorites"),
                      ("galleries.json", "galleries"), ("groups.json", "groups"),
                      ("contacts.json", "contacts")):  # fmt: skip
        assert root(out, name)[key] == []


def test_a_failing_organisation_listing_keeps_last_runs_file_and_fails_the_run(
    fake: FakeFlickr, env: dict[str, str], synced: Path
) -> None:
    before = (synced / "groups.json").read_bytes()
    fake.faults.stat_fail(code=105, times=None, method="flickr.people.getGroups")
    result = run_cli(env, "backup", str(synced), *FAST)
    assert result.code == 1
    assert (synced / "groups.json").read_bytes() == before
