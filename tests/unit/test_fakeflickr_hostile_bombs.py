"""The fake's hostile bombs: off by default; armed, they send what they say."""

from __future__ import annotations

import gzip
import urllib.parse

from tests.fakeflickr import FakeFlickr
from tests.fakeflickr.client import SignedClient, fetch
from tests.fakeflickr.hostile_bombs import gzip_bomb, plant_quadratic_html, quadratic_html


def login_reply(client: SignedClient) -> tuple[dict[str, str], bytes]:
    url = f"{client.base_url}/rest/"
    params = {"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"}
    reply = fetch(f"{url}?{urllib.parse.urlencode(client.signed(url, params))}")
    return reply.headers, reply.body


def test_answers_are_plain_until_a_bomb_is_armed(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    headers, body = login_reply(owner_client)
    assert "Content-Encoding" not in headers
    assert b'"stat":"ok"' in body
    fake.ctx.bombs.bomb_api("flickr.test.login", inflated=4 << 20)
    headers, body = login_reply(owner_client)
    assert headers["Content-Encoding"] == "gzip"
    assert len(body) < 64 << 10
    assert gzip.decompress(body) == b" " * (4 << 20)
    assert owner_client.call("flickr.people.getInfo", user_id="me")  # other methods as before


def test_a_bomb_is_a_thousandth_of_what_it_inflates_to() -> None:
    assert len(gzip_bomb(8 << 20)) < (8 << 20) // 500


def test_quadratic_html_is_planted_on_a_comment_a_description_and_a_favourite(
    fake: FakeFlickr,
) -> None:
    planted = plant_quadratic_html(fake.library)
    photo = fake.library.photo(planted["photo"])
    text = quadratic_html()
    assert len(text) == 150_000
    assert photo.description == text
    assert photo.comments[-1].text == text
    faved = fake.library.find_any(planted["favourite"])
    assert faved is not None and faved.description == text
