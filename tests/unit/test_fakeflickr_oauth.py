"""The fake checks OAuth 1.0a like Flickr: placements, error codes, the three-legged dance."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.fakeflickr import FakeFlickr, Library, running_fake
from tests.fakeflickr.client import Reply, SignedClient, fetch
from tests.fakeflickr.oauth import base_string, sign_params


def rest_url(fake: FakeFlickr) -> str:
    return f"{fake.base_url}/rest/"


def oauth_problem(reply: Reply) -> str:
    """The `oauth_problem` of a REST answer that must be Flickr's 401 text/plain."""
    assert reply.status == 401, reply.status
    assert reply.headers["Content-Type"].startswith("text/plain")
    return urllib.parse.parse_qs(reply.text)["oauth_problem"][0]


def login_params() -> dict[str, str]:
    return {"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"}


def test_signer_matches_the_rfc5849_example() -> None:
    # RFC 5849 section 3.4.1.1's worked example (photos.example.net), key from its 1.2 flow.
    params = [
        ("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"), ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"), ("c2", ""), ("a3", "2 q"),
    ]  # fmt: skip
    base = base_string("POST", "http://EXAMPLE.com:80/request?b5=%3D%253D", params)
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D"
        "%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce"
        "%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26"
        "oauth_token%3Dkkk9d7dh3k39sjv7"
    )


@pytest.mark.parametrize("placement", ["query", "form", "header"])
def test_a_correctly_signed_call_is_accepted_in_every_placement(
    owner_client: SignedClient, placement: str
) -> None:
    reply = owner_client.call("flickr.test.login", placement)  # type: ignore[arg-type]
    assert reply["stat"] == "ok"


def test_a_tampered_parameter_is_a_401_signature_invalid(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    pairs = owner_client.signed(rest_url(fake), login_params())
    tampered = [(k, "xml" if k == "format" else v) for k, v in pairs] + [("format", "json")]
    assert oauth_problem(owner_client.send(rest_url(fake), tampered)) == "signature_invalid"


def test_a_tampered_parameter_gives_code_96_when_told_to_answer_json(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.ctx.oauth_401 = False
    pairs = owner_client.signed(rest_url(fake), login_params())
    tampered = [(k, "xml" if k == "format" else v) for k, v in pairs] + [("format", "json")]
    reply = owner_client.send(rest_url(fake), tampered)
    assert (reply.status, reply.json()["code"]) == (200, 96)


def test_a_wrong_token_secret_gives_invalid_signature(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    pairs = owner_client.signed(rest_url(fake), login_params(), token_secret="wrong")
    assert oauth_problem(owner_client.send(rest_url(fake), pairs)) == "signature_invalid"
    fake.ctx.oauth_401 = False
    pairs = owner_client.signed(rest_url(fake), login_params(), token_secret="wrong")
    reply = owner_client.send(rest_url(fake), pairs).json()
    assert (reply["code"], reply["message"]) == (96, "Invalid signature")


def test_oauth_params_without_a_signature_give_code_97(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    pairs = [(k, v) for k, v in owner_client.signed(rest_url(fake), login_params())]
    unsigned = [(k, v) for k, v in pairs if k != "oauth_signature"]
    assert owner_client.send(rest_url(fake), unsigned).json()["code"] == 97


def test_an_unknown_consumer_key_gives_code_100(fake: FakeFlickr) -> None:
    client = SignedClient(fake.base_url, "nope", "secret")
    reply = client.call("flickr.test.login")
    assert reply == {"stat": "fail", "code": 100, "message": "Invalid API Key (Key not found)"}


def test_an_unknown_token_is_a_401_token_rejected(fake: FakeFlickr) -> None:
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret, "123-abc", "s")
    pairs = client.signed(rest_url(fake), login_params())
    assert oauth_problem(client.send(rest_url(fake), pairs)) == "token_rejected"
    fake.ctx.oauth_401 = False
    reply = client.call("flickr.test.login")
    assert (reply["code"], reply["message"]) == (98, "Invalid auth token")


def test_a_revoked_token_is_a_401_token_rejected(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.revoke_token(owner_client.token)
    pairs = owner_client.signed(rest_url(fake), login_params())
    assert oauth_problem(owner_client.send(rest_url(fake), pairs)) == "token_rejected"
    fake.ctx.oauth_401 = False
    assert owner_client.call("flickr.test.login")["code"] == 98


def test_a_login_method_without_a_token_gives_code_99(fake: FakeFlickr) -> None:
    reply = SignedClient(fake.base_url, fake.api_key, fake.api_secret).anonymous(
        "flickr.test.login"
    )
    assert reply["code"] == 99


def test_an_unsigned_api_key_call_sees_public_photos_only(
    fake: FakeFlickr, library: Library
) -> None:
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    reply = client.anonymous(
        "flickr.people.getPhotos", user_id=library.owner.nsid, per_page="500", safe_search="3"
    )
    public = {p.id for p in library.photos if p.ispublic}
    assert {p["id"] for p in reply["photos"]["photo"]} == public


def test_a_replayed_nonce_is_refused(fake: FakeFlickr, owner_client: SignedClient) -> None:
    pairs = owner_client.signed(rest_url(fake), login_params())
    owner_client.send(rest_url(fake), pairs)
    assert oauth_problem(owner_client.send(rest_url(fake), pairs)) == "nonce_used"


def test_a_stale_timestamp_is_refused(fake: FakeFlickr, owner_client: SignedClient) -> None:
    pairs = sign_params(
        "GET", rest_url(fake), login_params(), consumer_key=fake.api_key,
        consumer_secret=fake.api_secret, token=owner_client.token,
        token_secret=owner_client.token_secret, timestamp=1_000_000_000,
    )  # fmt: skip
    assert oauth_problem(owner_client.send(rest_url(fake), pairs)) == "timestamp_refused"


def test_format_json_without_nojsoncallback_answers_jsonp(owner_client: SignedClient) -> None:
    url = f"{owner_client.base_url}/rest/"
    params = {"method": "flickr.test.login", "format": "json"}
    reply = owner_client.send(url, owner_client.signed(url, params))
    assert reply.text.startswith("jsonFlickrApi({") and reply.text.endswith("})")


def test_an_unknown_method_gives_code_112(owner_client: SignedClient) -> None:
    reply = owner_client.call("flickr.photos.doesNotExist")
    assert reply["message"] == 'Method "flickr.photos.doesNotExist" not found'


def oauth_step(fake: FakeFlickr, step: str, params: dict[str, str], **keys: str) -> dict[str, str]:
    """request_token with an Authorization header (GET), access_token as a POST form."""
    url = f"{fake.base_url}/oauth/{step}"
    verb = "GET" if step == "request_token" else "POST"
    pairs = sign_params(
        verb, url, params, consumer_key=fake.api_key, consumer_secret=fake.api_secret, **keys
    )
    client = SignedClient(fake.base_url, fake.api_key, fake.api_secret)
    reply = client.send(url, pairs, "header" if verb == "GET" else "form")
    assert reply.status == 200, reply.text
    return dict(urllib.parse.parse_qsl(reply.text))


def test_the_oauth_dance_yields_a_working_owner_token(fake: FakeFlickr, library: Library) -> None:
    request = oauth_step(fake, "request_token", {"oauth_callback": "oob"})
    assert request["oauth_callback_confirmed"] == "true"
    page = fetch(f"{fake.base_url}/oauth/authorize?oauth_token={request['oauth_token']}&perms=read")
    assert fake.verifier in page.text
    access = oauth_step(
        fake, "access_token", {"oauth_verifier": fake.verifier},
        token=request["oauth_token"], token_secret=request["oauth_token_secret"],
    )  # fmt: skip
    assert (access["user_nsid"], access["username"]) == (library.owner.nsid, library.owner.username)
    client = SignedClient(
        fake.base_url,
        fake.api_key,
        fake.api_secret,
        access["oauth_token"],
        access["oauth_token_secret"],
    )
    assert client.call("flickr.auth.oauth.checkToken")["oauth"]["perms"]["_content"] == "read"


def test_access_token_with_a_wrong_verifier_is_401_verifier_invalid(fake: FakeFlickr) -> None:
    request = oauth_step(fake, "request_token", {"oauth_callback": "oob"})
    fetch(f"{fake.base_url}/oauth/authorize?oauth_token={request['oauth_token']}")
    url = f"{fake.base_url}/oauth/access_token"
    pairs = sign_params(
        "GET", url, {"oauth_verifier": "000-000-000"}, consumer_key=fake.api_key,
        consumer_secret=fake.api_secret, token=request["oauth_token"],
        token_secret=request["oauth_token_secret"],
    )  # fmt: skip
    reply = SignedClient(fake.base_url, fake.api_key, fake.api_secret).send(url, pairs)
    assert (reply.status, reply.text) == (401, "oauth_problem=verifier_invalid")


def test_request_token_with_a_bad_signature_is_401_signature_invalid(fake: FakeFlickr) -> None:
    url = f"{fake.base_url}/oauth/request_token"
    pairs = sign_params(
        "GET", url, {"oauth_callback": "oob"}, consumer_key=fake.api_key, consumer_secret="bad"
    )
    reply = SignedClient(fake.base_url, fake.api_key, fake.api_secret).send(url, pairs)
    assert (reply.status, reply.text) == (401, "oauth_problem=signature_invalid")


def test_request_token_with_an_unknown_key_is_401_consumer_key_unknown(fake: FakeFlickr) -> None:
    url = f"{fake.base_url}/oauth/request_token"
    pairs = sign_params(
        "GET", url, {"oauth_callback": "oob"}, consumer_key="x", consumer_secret="y"
    )
    reply = SignedClient(fake.base_url, fake.api_key, fake.api_secret).send(url, pairs)
    assert (reply.status, reply.text) == (401, "oauth_problem=consumer_key_unknown")


def test_a_request_token_is_exchanged_only_once(fake: FakeFlickr) -> None:
    request = oauth_step(fake, "request_token", {"oauth_callback": "oob"})
    fetch(f"{fake.base_url}/oauth/authorize?oauth_token={request['oauth_token']}")
    keys = {"token": request["oauth_token"], "token_secret": request["oauth_token_secret"]}
    oauth_step(fake, "access_token", {"oauth_verifier": fake.verifier}, **keys)
    url = f"{fake.base_url}/oauth/access_token"
    pairs = sign_params(
        "GET", url, {"oauth_verifier": fake.verifier}, consumer_key=fake.api_key,
        consumer_secret=fake.api_secret, **keys,
    )  # fmt: skip
    reply = SignedClient(fake.base_url, fake.api_key, fake.api_secret).send(url, pairs)
    assert reply.text == "oauth_problem=token_rejected"


def test_without_auto_approve_the_verifier_comes_from_approve(library: Library) -> None:
    with running_fake(library, auto_approve=False) as fake:
        request = oauth_step(fake, "request_token", {"oauth_callback": "oob"})
        waiting = fetch(f"{fake.base_url}/oauth/authorize?oauth_token={request['oauth_token']}")
        assert fake.verifier not in waiting.text
        assert fake.approve(request["oauth_token"]) == fake.verifier


def test_a_callback_url_gets_the_verifier_by_redirect(fake: FakeFlickr) -> None:
    callback = f"{fake.origin}/static/cb"
    request = oauth_step(fake, "request_token", {"oauth_callback": callback})
    url = f"{fake.base_url}/oauth/authorize?oauth_token={request['oauth_token']}"
    reply = fetch(url, follow=False)
    assert reply.status == 302
    assert reply.headers["Location"].startswith(f"{callback}?oauth_token=")
    assert f"oauth_verifier={fake.verifier}" in reply.headers["Location"]


def test_signer_reproduces_the_oauth_core_example_signature() -> None:
    # OAuth Core 1.0 appendix A.5 (photos.example.net): a published known answer.
    params = {"file": "vacation.jpg", "size": "original"}
    pairs = sign_params(
        "GET", "http://photos.example.net/photos", params, consumer_key="dpf43f3p2l4k3l03",
        consumer_secret="kd94hf93k423kf44", token="nnch734d00sl2jdk",
        token_secret="pfkkdhi9sl3r4s00", timestamp=1191242096, nonce="kllo9940pd9333jh",
    )  # fmt: skip
    assert dict(pairs)["oauth_signature"] == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
