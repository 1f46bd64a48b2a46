"""The producer's decision for one archived photo, without a disk, a state or a server."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from flickr_async import embedded_meta
from flickr_async.decision import DiskFacts, PlannedPlace, decide
from flickr_async.jobs import Reason
from flickr_async.models import Photo, photo_from_listing
from flickr_async.state import StoredPhoto

URL_O = "https://live.staticflickr.com/1/7_abc_o.jpg"
LISTING: dict[str, Any] = {
    "id": "7", "owner": "o", "title": "t", "secret": "abc", "server": "1",
    "originalsecret": "orig", "originalformat": "jpg", "o_width": "40", "o_height": "30",
    "url_o": URL_O, "lastupdate": "1000",
}  # fmt: skip
WHOLE = DiskFacts(whole=True)
HERE = PlannedPlace(albums=(("a1", "Trip"),), path="Trip/7.jpg", links=())


def at(placement: PlannedPlace) -> Callable[[], PlannedPlace]:
    return lambda: placement


def unplaceable() -> PlannedPlace:
    """A row whose name layout.placement refuses (a `.jpg~` left by an editor, say)."""
    raise ValueError("unsafe extension 'jpg~'")


def listed(**changes: Any) -> Photo:
    return dataclasses.replace(photo_from_listing(LISTING), **changes)


def archived(**changes: Any) -> StoredPhoto:
    """The row of `listed()` archived as it is, in HERE, by this version."""
    photo = listed()
    row = StoredPhoto(
        id="7", status="done", error=None, attempts=1, last_update=photo.date_updated,
        original_key=photo.original_key, media="photo", path="Trip/7.jpg", links=(),
        albums=(("a1", "Trip"),), bytes=100, sha256="x", served_url=URL_O, served_bytes=100,
        served_sha256="x", original=True, size_label="Original", date_taken=None,
        deleted_on_flickr=None, embed_version=embedded_meta.EMBED_VERSION,
    )  # fmt: skip
    return dataclasses.replace(row, **changes)


def test_a_photo_archived_as_listed_needs_nothing() -> None:
    assert decide(listed(), archived(), WHOLE, at(HERE)) is None


@pytest.mark.parametrize(
    "row", [archived(status="failed"), archived(path=None)], ids=["failed", "no-path"]
)
def test_a_photo_never_archived_whole_is_tried_again(row: StoredPhoto) -> None:
    assert decide(listed(), row, WHOLE, at(HERE)) is Reason.RETRY


@pytest.mark.parametrize(
    "photo,row,disk,reason",
    [
        (listed(), archived(status="failed", path="Unsorted/7.jpg~"), WHOLE, Reason.RETRY),
        (listed(), archived(), DiskFacts(whole=False), Reason.MISSING),
        (listed(original_secret="new"), archived(), WHOLE, Reason.REPLACED),
        (listed(date_updated=2000), archived(), WHOLE, Reason.CHANGED),
        (listed(), archived(embed_version=0), WHOLE, Reason.REFRESH),
        (listed(), archived(deleted_on_flickr="2026-01-01"), WHOLE, Reason.ALBUMS),
    ],
    ids=["retry", "missing", "replaced", "changed", "refresh", "back-on-flickr"],
)
def test_the_place_is_asked_for_only_when_the_earlier_reasons_are_ruled_out(
    photo: Photo, row: StoredPhoto, disk: DiskFacts, reason: Reason
) -> None:
    assert decide(photo, row, disk, unplaceable) is reason


def test_a_file_gone_or_cut_short_on_disk_is_missing() -> None:
    assert decide(listed(), archived(), DiskFacts(whole=False), at(HERE)) is Reason.MISSING


def test_an_original_replaced_on_flickr_is_downloaded_again() -> None:
    assert decide(listed(original_secret="new"), archived(), WHOLE, at(HERE)) is Reason.REPLACED


def test_a_smaller_size_is_probed_for_the_original_when_flickr_lists_one() -> None:
    row = archived(original=False, served_url="https://live.staticflickr.com/1/7_abc_b.jpg")
    assert decide(listed(), row, WHOLE, at(HERE)) is Reason.UPGRADE


def test_a_smaller_size_whose_offered_file_changed_without_an_original_is_replaced() -> None:
    photo = listed(url_o=None, best_url="https://live.staticflickr.com/1/7_new_b.jpg")
    row = archived(original=False, served_url="https://live.staticflickr.com/1/7_abc_b.jpg")
    assert decide(photo, row, WHOLE, at(HERE)) is Reason.REPLACED


def test_a_smaller_size_still_offered_the_same_needs_nothing() -> None:
    row = archived(original=False, served_url="https://farm1.staticflickr.com/1/7_abc_o.jpg")
    assert decide(listed(), row, WHOLE, at(HERE)) is None  # another host, the same file


@pytest.mark.parametrize(
    "photo,row",
    [(listed(date_updated=2000), archived()), (listed(), archived(metadata_stale=True))],
    ids=["updated-on-flickr", "stale-sidecar"],
)
def test_metadata_changed_on_flickr_or_left_stale_is_asked_again(
    photo: Photo, row: StoredPhoto
) -> None:
    assert decide(photo, row, WHOLE, at(HERE)) is Reason.CHANGED


def test_a_photo_written_by_an_earlier_version_is_re_embedded() -> None:
    row = archived(embed_version=embedded_meta.EMBED_VERSION - 1)
    assert decide(listed(), row, WHOLE, at(HERE)) is Reason.REFRESH


@pytest.mark.parametrize(
    "row,placement",
    [
        (archived(deleted_on_flickr="2026-01-01"), HERE),
        (archived(), dataclasses.replace(HERE, albums=(("a1", "Trip"), ("a2", "Home")))),
        (archived(), dataclasses.replace(HERE, path="Home/7.jpg")),
        (archived(), dataclasses.replace(HERE, links=("Home/7.jpg",))),
    ],
    ids=["back-on-flickr", "albums", "path", "links"],
)
def test_a_photo_whose_place_moved_gets_its_albums_and_links_updated(
    row: StoredPhoto, placement: PlannedPlace
) -> None:
    assert decide(listed(), row, WHOLE, at(placement)) is Reason.ALBUMS


@pytest.mark.parametrize("missing", [Reason.SIDECARS, Reason.LOST_SIDECAR])
def test_what_is_missing_beside_a_whole_file_is_restored(missing: Reason) -> None:
    disk = DiskFacts(whole=True, missing_beside=missing)
    assert decide(listed(), archived(), disk, at(HERE)) is missing


def test_a_missing_file_comes_before_any_other_reason() -> None:
    photo = listed(original_secret="new", date_updated=2000)
    assert decide(photo, archived(), DiskFacts(whole=False), at(HERE)) is Reason.MISSING


def test_links_are_compared_in_any_order() -> None:
    row = archived(links=("B/7.jpg", "A/7.jpg"))
    placement = dataclasses.replace(HERE, links=("A/7.jpg", "B/7.jpg"))
    assert decide(listed(), row, WHOLE, at(placement)) is None
