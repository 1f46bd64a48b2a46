"""The generated library is deterministic and full of traps; admin hooks change it like Flickr."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import FrozenClock
from tests.fakeflickr import Library, generate_library


def summary(library: Library) -> list[tuple[object, ...]]:
    return [(p.id, p.secret, p.title, p.dateupload, p.width, p.tags) for p in library.photos]


def test_the_same_seed_gives_the_same_library() -> None:
    assert summary(generate_library(seed=7)) == summary(generate_library(seed=7))


def test_another_seed_gives_another_library() -> None:
    assert summary(generate_library(seed=7)) != summary(generate_library(seed=8))


def test_a_100k_photo_library_generates() -> None:
    library = generate_library(seed=1, photos=100_000, videos=100, albums=50)
    assert len(library.photos) == 100_100


def test_counts_of_photos_videos_and_albums_are_as_asked(lib: Library) -> None:
    media = Counter(p.media for p in lib.photos)
    assert (media["photo"], media["video"], len(lib.albums)) == (40, 4, 6)


def test_upload_times_increase_and_some_share_a_second(lib: Library) -> None:
    uploads = [p.dateupload for p in lib.photos]
    assert uploads == sorted(uploads)
    assert len(set(uploads)) < len(uploads)


def test_album_titles_include_duplicates_and_hostile_names(lib: Library) -> None:
    titles = [a.title for a in lib.albums]
    assert titles.count("Holidays") == 2
    assert {"../etc", "a/b"} <= set(titles)
    assert any(len(t) >= 300 for t in titles)


def test_some_photos_are_in_several_albums_and_some_in_none(lib: Library) -> None:
    memberships = Counter(pid for a in lib.albums for pid in a.photo_ids)
    assert max(memberships.values()) >= 2
    assert len(memberships) < len(lib.photos)


def test_the_traps_are_all_present_in_a_small_library(lib: Library) -> None:
    photos = lib.photos
    assert {p.privacy for p in photos} == {1, 2, 3, 4, 5}
    assert any(p.safety_level == 2 for p in photos)
    assert any(not p.can_download for p in photos)
    assert any(p.geo and p.geo.accuracy == 0 for p in photos)
    assert any(p.geo and p.geo.accuracy > 0 for p in photos)
    assert any(p.comments for p in photos) and any(p.notes for p in photos)
    assert any(p.rotation for p in photos) and any(p.exif_hidden for p in photos)
    assert {"png", "gif", "jpg"} <= {p.originalformat for p in photos}
    assert any(p.exif for p in photos) and any(
        p.exif is None and p.media == "photo" for p in photos
    )
    assert "" in {p.title for p in photos} and any(len(p.title) > 300 for p in photos)
    assert any(":" in t and "=" in t for p in photos for t in p.tags)


def test_videos_mix_containers_label_styles_and_missing_originals(lib: Library) -> None:
    videos = [p.video for p in lib.photos if p.video]
    assert {v.label_style for v in videos} == {"classic", "modern"}
    assert any(not v.has_original for v in videos)
    assert "mov" in {v.container for v in videos}


# --- admin hooks ----------------------------------------------------------------------------


def test_lastupdate_strictly_increases_within_one_second(lib: Library) -> None:
    photo = lib.photos[0]
    stamps = []
    for n in range(3):
        lib.edit_photo(photo.id, title=f"t{n}")
        stamps.append(photo.lastupdate)
    assert stamps[0] < stamps[1] < stamps[2]


def test_edits_are_stamped_with_the_library_clock(lib: Library, frozen: FrozenClock) -> None:
    frozen.now = 2_100_000_000
    photo = lib.edit_photo(lib.photos[0].id, description="new")
    assert photo.lastupdate == 2_100_000_000


def test_add_photo_uploads_a_new_newest_photo(lib: Library) -> None:
    photo = lib.add_photo(title="fresh", ispublic=False)
    assert lib.photos[-1] is photo
    assert int(photo.id) > max(int(p.id) for p in lib.photos[:-1])


def test_add_photo_rejects_unknown_fields(lib: Library) -> None:
    with pytest.raises(TypeError):
        lib.add_photo(colour="red")


def test_delete_photo_leaves_its_albums_and_bumps_them(lib: Library) -> None:
    album = next(a for a in lib.albums if len(a.photo_ids) > 1)
    photo_id, before = album.photo_ids[0], album.date_update
    lib.delete_photo(photo_id)
    assert photo_id not in album.photo_ids and album.date_update > before
    assert lib.find(photo_id) is None


def test_restore_photo_brings_a_deleted_photo_back_in_its_place_with_a_new_lastupdate(
    lib: Library,
) -> None:
    photo = lib.photos[5]
    order, before = [p.id for p in lib.photos], photo.lastupdate
    lib.delete_photo(photo.id)
    restored = lib.restore_photo(photo.id)
    assert restored is photo and lib.find(photo.id) is photo
    assert [p.id for p in lib.photos] == order
    assert photo.lastupdate > before


def test_an_album_emptied_of_photos_disappears(lib: Library) -> None:
    album = lib.create_album("solo", [lib.photos[0].id])
    lib.remove_from_album(album.id, lib.photos[0].id)
    assert album.id not in {a.id for a in lib.albums}


def test_create_album_puts_the_new_album_first(lib: Library) -> None:
    album = lib.create_album("New", [p.id for p in lib.photos[:3]])
    assert lib.albums[0] is album and album.primary == lib.photos[0].id


def test_rename_and_membership_changes_bump_date_update(lib: Library) -> None:
    album = lib.albums[0]
    stamps = [album.date_update]
    lib.rename_album(album.id, "Renamed")
    stamps.append(album.date_update)
    lib.add_to_album(album.id, lib.photos[-1].id)
    stamps.append(album.date_update)
    assert stamps == sorted(set(stamps))


def test_add_comment_bumps_lastupdate_and_the_count(lib: Library) -> None:
    photo = lib.photos[5]
    before = (photo.lastupdate, len(photo.comments))
    lib.add_comment(photo.id, "hello <b>there</b>", author_name="Zoë")
    assert photo.lastupdate > before[0] and len(photo.comments) == before[1] + 1


def test_replace_original_gives_a_new_original_secret(lib: Library) -> None:
    photo = lib.photos[0]
    old = photo.originalsecret
    lib.replace_original(photo.id)
    assert photo.originalsecret != old and photo.version == 1


def test_set_geo_and_set_visibility_bump_lastupdate(lib: Library) -> None:
    photo = lib.photos[0]
    first = photo.lastupdate
    lib.set_geo(photo.id, 47.37, 8.54)
    second = photo.lastupdate
    lib.set_visibility(photo.id, public=False, friends=True)
    assert first < second < photo.lastupdate and photo.privacy == 2


def test_albums_of_lists_every_album_holding_a_photo(lib: Library) -> None:
    photo_id = lib.albums[0].photo_ids[0]
    assert {a.id for a in lib.albums_of(photo_id)} == {
        a.id for a in lib.albums if photo_id in a.photo_ids
    }
