"""The fake's hostile values: off by default; armed, every answer carrying the item has them."""

from __future__ import annotations

from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.client import SignedClient
from tests.fakeflickr.hostile_values import CONTROLS, MONTH_13, OVERFLOW, SURROGATE, raw_number


def _item(client: SignedClient, photo_id: str) -> dict[str, object]:
    found = client.call(
        "flickr.people.getPhotos", user_id="me", extras="date_upload,date_taken", per_page="500"
    )["photos"]["photo"]
    return next(p for p in found if p["id"] == photo_id)


def test_nothing_is_hostile_by_default(
    fake: FakeFlickr, library: Library, owner_client: SignedClient
) -> None:
    photo = library.photos[0]
    assert _item(owner_client, photo.id)["dateupload"] == str(photo.dateupload)


def test_an_armed_photo_has_its_values_in_listings_and_getinfo(
    fake: FakeFlickr, library: Library, owner_client: SignedClient
) -> None:
    photo = library.photos[0]
    fake.hostile.photo(photo.id, dateupload=OVERFLOW, datetaken=MONTH_13, title=SURROGATE)
    item = _item(owner_client, photo.id)
    assert (item["dateupload"], item["datetaken"], item["title"]) == (OVERFLOW, MONTH_13, SURROGATE)
    info = owner_client.call("flickr.photos.getInfo", photo_id=photo.id)["photo"]
    assert (info["dates"]["posted"], info["dates"]["taken"]) == (OVERFLOW, MONTH_13)
    assert info["title"]["_content"] == SURROGATE
    other = _item(owner_client, library.photos[1].id)
    assert other["dateupload"] == str(library.photos[1].dateupload)


def test_a_surrogate_travels_as_a_json_escape(
    fake: FakeFlickr, library: Library, owner_client: SignedClient
) -> None:
    album = library.albums[0]
    fake.hostile.album(album.id, title=f"a{SURROGATE}")
    url = f"{owner_client.base_url}/rest/"
    params = {"method": "flickr.photosets.getList", "format": "json", "nojsoncallback": "1"}
    body = owner_client.send(url, owner_client.signed(url, params)).text
    assert '"a\\ud800"' in body
    sets = owner_client.call("flickr.photosets.getList")["photosets"]["photoset"]
    assert next(s for s in sets if s["id"] == album.id)["title"]["_content"] == f"a{SURROGATE}"


def test_an_error_message_can_carry_escapes(
    fake: FakeFlickr, library: Library, owner_client: SignedClient
) -> None:
    fake.hostile.error_message("flickr.photos.getInfo", CONTROLS)
    answer = owner_client.call("flickr.photos.getInfo", photo_id="404")
    assert (answer["stat"], answer["message"]) == ("fail", CONTROLS)
    fake.hostile.clear()
    assert owner_client.call("flickr.photos.getInfo", photo_id="404")["message"] != CONTROLS


def test_a_raw_number_is_sent_with_all_its_digits(
    fake: FakeFlickr, library: Library, owner_client: SignedClient
) -> None:
    photo = library.photos[0]
    fake.hostile.photo(photo.id, views=raw_number("9" * 5000))
    url = f"{owner_client.base_url}/rest/"
    params = {"method": "flickr.photos.getInfo", "photo_id": photo.id}
    params |= {"format": "json", "nojsoncallback": "1"}
    body = owner_client.send(url, owner_client.signed(url, params)).text
    assert '"views":' + "9" * 5000 + "," in body
