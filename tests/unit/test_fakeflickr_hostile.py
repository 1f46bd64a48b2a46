"""The fake's hostile mode (hostile_paths.py): off by default, and what it rewrites."""

from __future__ import annotations

from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.client import SignedClient
from tests.fakeflickr.hostile_paths import HostilePaths


def search_ids(client: SignedClient) -> dict[str, str]:
    data = client.call("flickr.photos.search", user_id="me", extras="original_format")
    return {p["id"]: p.get("originalformat", "") for p in data["photos"]["photo"]}


def test_hostile_ids_and_formats_go_out_only_while_armed(
    fake: FakeFlickr, library: Library, owner_client: SignedClient
) -> None:
    assert fake.ctx.rewrite is None
    honest = search_ids(owner_client)
    first, second = list(honest)[:2]
    hostile = HostilePaths(ids={first: "../x"}, formats={second: "svg"}).arm(fake)
    sent = search_ids(owner_client)
    assert "../x" in sent and first not in sent
    assert sent[second] == "svg" or not honest[second]  # a photo without its original
    album = library.albums[0]
    HostilePaths(ids={album.id: "../album"}).arm(fake)
    listed = owner_client.call("flickr.photosets.getList")["photosets"]["photoset"]
    assert "../album" in {a["id"] for a in listed}
    hostile.disarm(fake)
    assert search_ids(owner_client) == honest
