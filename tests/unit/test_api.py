"""FlickrAPI against a tiny canned aiohttp server: error mapping, retries, signing, listings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, unquote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from flickr_async.api import FlickrAPI, parse_retry_after
from flickr_async.errors import (
    APIError,
    AuthError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    TransientAPIError,
)
from flickr_async.models import Album, Page, Photo
from flickr_async.ratelimit import TokenBucket
from flickr_async.retry import RetryPolicy
from flickr_async.settings import Settings
from tests.rig import VirtualClock

CONSUMER_KEY, CONSUMER_SECRET = "ck-123", "cs-secret-456"
TOKEN, TOKEN_SECRET = "72157-token", "ts-secret-789"
RATE_LIMIT_HTML = (
    b"<html><body>You have sent too many requests in a given amount of time.</body></html>"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --- a canned Flickr -----------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    url: str  # without the query
    query: list[tuple[str, str]]
    raw_query: str
    authorization: str


@dataclass
class Canned:
    """Answers each request with the next canned handler (the last one repeats)."""

    answers: list[Handler] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""

    def reply(self, *answers: Handler) -> None:
        self.answers = list(answers)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            Seen(
                method=request.method,
                url=str(request.url.with_query(None)),
                query=list(request.query.items()),
                raw_query=request.raw_path.partition("?")[2],
                authorization=request.headers.get("Authorization", ""),
            )
        )
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return await answer(request)


def body(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()

    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, body=raw, headers=headers)

    return answer


def ok(**payload: Any) -> Handler:
    return body({**payload, "stat": "ok"})


def fail(code: int, message: str = "Something") -> Handler:
    return body({"stat": "fail", "code": code, "message": message})


def truncated() -> Handler:
    async def answer(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "500"})
        await response.prepare(request)
        await response.write(b'{"stat": "ok", "user"')
        assert request.transport is not None
        request.transport.close()
        return response

    return answer


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Rig:
    api: FlickrAPI
    flickr: Canned
    clock: VirtualClock
    waits: list[float]


def make_settings(base_url: str, *, token: bool = True) -> Settings:
    return Settings(
        api_key=CONSUMER_KEY,
        api_secret=CONSUMER_SECRET,
        oauth_token=TOKEN if token else "",
        oauth_token_secret=TOKEN_SECRET if token else "",
        api_base=base_url,
    )


@pytest.fixture
async def flickr() -> AsyncIterator[Canned]:
    canned = Canned()
    app = web.Application()
    app.router.add_route("*", "/services/rest/", canned.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        canned.base_url = str(server.make_url("/services"))
        yield canned


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def build_rig(
    flickr: Canned, session: aiohttp.ClientSession, *, token: bool = True, attempts: int = 3
) -> Rig:
    clock, sleep = VirtualClock(), RecordingSleep()
    limiter = TokenBucket(100.0, 100, clock=clock, sleep=clock.sleep)
    retry = RetryPolicy(attempts=attempts, initial=1.0, max_wait=60.0, sleep=sleep)
    api = FlickrAPI(make_settings(flickr.base_url, token=token), session, limiter, retry)
    return Rig(api=api, flickr=flickr, clock=clock, waits=sleep.waits)


@pytest.fixture
def rig(flickr: Canned, session: aiohttp.ClientSession) -> Rig:
    return build_rig(flickr, session)


# --- an independent RFC 5849 HMAC-SHA1 check (no authlib) ----------------------------------


def rfc3986(value: str) -> str:
    return quote(value, safe="-._~")


def parse_oauth_header(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    fields: dict[str, str] = {}
    for part in header[len("OAuth ") :].split(","):
        key, _, value = part.strip().partition("=")
        fields[unquote(key)] = unquote(value.strip('"'))
    return fields


def signature_is_valid(seen: Seen, consumer_secret: str, token_secret: str) -> bool:
    oauth = parse_oauth_header(seen.authorization)
    signature = oauth.pop("oauth_signature")
    oauth.pop("realm", None)
    pairs = sorted((rfc3986(k), rfc3986(v)) for k, v in [*seen.query, *oauth.items()])
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base_string = "&".join([seen.method, rfc3986(seen.url), rfc3986(normalized)])
    key = f"{rfc3986(consumer_secret)}&{rfc3986(token_secret)}".encode()
    expected = hmac.new(key, base_string.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), signature)


# --- error mapping -----------------------------------------------------------------------


@pytest.mark.parametrize("code", [96, 98, 99, 100])
async def test_auth_codes_raise_auth_error_without_retry(rig: Rig, code: int) -> None:
    rig.flickr.reply(fail(code, "Invalid auth token"))
    with pytest.raises(AuthError) as caught:
        await rig.api.call("flickr.test.login")
    assert (caught.value.code, caught.value.exit_code, len(rig.flickr.seen)) == (code, 3, 1)


async def test_code_1_raises_not_found_error(rig: Rig) -> None:
    rig.flickr.reply(fail(1, "Photo not found"))
    with pytest.raises(NotFoundError):
        await rig.api.call("flickr.photos.getInfo", photo_id="1")


@pytest.mark.parametrize("code", [0, 105, 106, 201])
async def test_temporary_codes_are_retried_then_raise_transient_api_error(
    rig: Rig, code: int
) -> None:
    rig.flickr.reply(fail(code, "Service currently unavailable"))
    with pytest.raises(TransientAPIError):
        await rig.api.call("flickr.photos.search")
    assert len(rig.flickr.seen) == 3


async def test_not_currently_available_message_is_transient_whatever_the_code(rig: Rig) -> None:
    message = "Sorry, the Flickr API service is not currently available."
    rig.flickr.reply(fail(17, message), ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert len(rig.flickr.seen) == 2


async def test_other_codes_raise_api_error_at_once(rig: Rig) -> None:
    rig.flickr.reply(fail(112, 'Method "flickr.nope" not found'))
    with pytest.raises(APIError) as caught:
        await rig.api.call("flickr.nope")
    assert (type(caught.value), len(rig.flickr.seen)) == (APIError, 1)


async def test_http_429_without_retry_after_pauses_every_caller_then_is_retried(rig: Rig) -> None:
    rig.flickr.reply(body(RATE_LIMIT_HTML, status=429), ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert rig.api.limiter.paused_until == pytest.approx(2.0)  # the throttle's first pause
    assert rig.waits == [pytest.approx(2.0)]


async def test_429s_that_keep_coming_pause_longer_each_time(rig: Rig) -> None:
    limited = body(RATE_LIMIT_HTML, status=429)
    rig.flickr.reply(limited, limited, limited, ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert rig.waits == [pytest.approx(w) for w in (2.0, 4.0, 8.0)]


async def test_a_success_resets_the_growing_429_pause(rig: Rig) -> None:
    limited = body(RATE_LIMIT_HTML, status=429)
    rig.flickr.reply(limited, limited, ok(user={"id": "1@N01"}), limited, ok(user={"id": "1"}))
    await rig.api.call("flickr.test.login")
    await rig.api.call("flickr.test.login")
    assert rig.waits == [pytest.approx(w) for w in (2.0, 4.0, 2.0)]


async def test_429s_get_a_longer_retry_budget_than_other_transient_errors(
    flickr: Canned, session: aiohttp.ClientSession
) -> None:
    rig = build_rig(flickr, session, attempts=3)
    limited = body(RATE_LIMIT_HTML, status=429)
    flickr.reply(*[limited] * 5, ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert len(flickr.seen) == 6
    flickr.seen.clear()
    flickr.reply(*[body(b"<html>busy</html>", status=503)] * 5, ok(user={"id": "1@N01"}))
    with pytest.raises(NetworkError):
        await rig.api.call("flickr.test.login")
    assert len(flickr.seen) == 3


async def test_429s_past_the_longer_budget_raise_rate_limited(
    flickr: Canned, session: aiohttp.ClientSession
) -> None:
    rig = build_rig(flickr, session, attempts=2)
    flickr.reply(body(RATE_LIMIT_HTML, status=429))
    with pytest.raises(RateLimitedError):
        await rig.api.call("flickr.test.login")
    assert len(flickr.seen) == 6


async def test_http_429_retry_after_as_an_http_date_is_honoured(rig: Rig) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    rig.flickr.reply(body(RATE_LIMIT_HTML, status=429, headers={"Retry-After": when}))
    with pytest.raises(RateLimitedError):
        await rig.api.call("flickr.test.login")
    assert rig.api.limiter.paused_until >= 30.0


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (b"oauth_problem=token_rejected", "token_rejected"),
        (b"oauth_problem=signature_invalid&debug_sbs=GET%26https", "signature_invalid"),
        (b"<html>Unauthorized</html>", ""),
    ],
)
async def test_http_401_is_an_auth_error_without_retry(
    rig: Rig, reply: bytes, problem: str
) -> None:
    rig.flickr.reply(
        body(reply, status=401, headers={"Content-Type": "text/plain"}), ok(user={"id": "1"})
    )
    with pytest.raises(AuthError) as caught:
        await rig.api.call("flickr.test.login")
    assert (caught.value.exit_code, len(rig.flickr.seen)) == (3, 1)
    assert problem in str(caught.value) and "debug_sbs" not in str(caught.value)


async def test_http_429_retry_after_sets_the_minimum_wait(rig: Rig) -> None:
    limited = body(RATE_LIMIT_HTML, status=429, headers={"Retry-After": "30"})
    rig.flickr.reply(limited, ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert rig.waits == [30.0]


async def test_http_429_retry_after_pauses_the_whole_limiter(rig: Rig) -> None:
    limited = body(RATE_LIMIT_HTML, status=429, headers={"Retry-After": "30"})
    rig.flickr.reply(limited)
    with pytest.raises(RateLimitedError):
        await rig.api.call("flickr.test.login")
    assert rig.api.limiter.paused_until >= 30.0


async def test_http_500_is_retried(rig: Rig) -> None:
    rig.flickr.reply(body(b"<html>Internal error</html>", status=500), ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert len(rig.flickr.seen) == 2


async def test_http_500_on_every_attempt_raises_network_error(rig: Rig) -> None:
    rig.flickr.reply(body(b"<html>Bad gateway</html>", status=502))
    with pytest.raises(NetworkError):
        await rig.api.call("flickr.test.login")


async def test_jsonp_is_unwrapped(rig: Rig) -> None:
    rig.flickr.reply(body(b'jsonFlickrApi({"user": {"id": "1@N01"}, "stat": "ok"})'))
    assert (await rig.api.call("flickr.test.login"))["user"] == {"id": "1@N01"}


async def test_a_non_json_body_is_a_network_error(rig: Rig) -> None:
    rig.flickr.reply(body(b"<html>maintenance</html>"))
    with pytest.raises(NetworkError, match="unparsable"):
        await rig.api.call("flickr.test.login")


async def test_json_without_stat_is_a_malformed_network_error(rig: Rig) -> None:
    rig.flickr.reply(body({"user": {"id": "1@N01"}}))
    with pytest.raises(NetworkError, match="malformed"):
        await rig.api.call("flickr.test.login")


async def test_a_truncated_body_is_a_network_error(rig: Rig) -> None:
    rig.flickr.reply(truncated())
    with pytest.raises(NetworkError):
        await rig.api.call("flickr.test.login")


async def test_a_refused_connection_is_a_network_error(session: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    canned = Canned(base_url=f"http://127.0.0.1:{port}/services")
    rig = build_rig(canned, session, attempts=2)
    with pytest.raises(NetworkError):
        await rig.api.call("flickr.test.login")


async def test_a_4xx_html_page_is_a_permanent_api_error(rig: Rig) -> None:
    rig.flickr.reply(body(b"<html>Not Found</html>", status=404))
    with pytest.raises(APIError):
        await rig.api.call("flickr.test.login")
    assert len(rig.flickr.seen) == 1


# --- what is sent ------------------------------------------------------------------------


async def test_every_http_attempt_takes_a_limiter_token_and_is_counted(rig: Rig) -> None:
    rig.flickr.reply(fail(105), fail(105), ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert (rig.api.limiter.acquired, rig.api.calls["flickr.test.login"]) == (3, 3)


async def test_each_call_carries_method_format_and_nojsoncallback(rig: Rig) -> None:
    rig.flickr.reply(ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    query = dict(rig.flickr.seen[0].query)
    assert query == {"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"}


async def test_the_authorization_header_carries_a_valid_hmac_sha1_signature(rig: Rig) -> None:
    rig.flickr.reply(ok(photos={"page": 1, "pages": 1, "total": 0, "photo": []}))
    await rig.api.call("flickr.photos.search", text="café, über/alles & more", page=2)
    seen = rig.flickr.seen[0]
    oauth = parse_oauth_header(seen.authorization)
    assert (oauth["oauth_consumer_key"], oauth["oauth_token"]) == (CONSUMER_KEY, TOKEN)
    assert oauth["oauth_signature_method"] == "HMAC-SHA1"
    assert signature_is_valid(seen, CONSUMER_SECRET, TOKEN_SECRET)


async def test_without_a_token_the_request_is_signed_with_the_consumer_key_only(
    flickr: Canned, session: aiohttp.ClientSession
) -> None:
    rig = build_rig(flickr, session, token=False)
    flickr.reply(ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    seen = flickr.seen[0]
    assert "oauth_token" not in parse_oauth_header(seen.authorization)
    assert signature_is_valid(seen, CONSUMER_SECRET, "")


async def test_oauth_parameters_stay_out_of_the_url(rig: Rig) -> None:
    rig.flickr.reply(ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    assert "oauth" not in rig.flickr.seen[0].raw_query


async def test_a_retry_is_signed_afresh(rig: Rig) -> None:
    rig.flickr.reply(fail(105), ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    nonces = {parse_oauth_header(s.authorization)["oauth_nonce"] for s in rig.flickr.seen}
    assert len(nonces) == 2  # Flickr rejects a replayed nonce


async def test_debug_log_names_the_method_but_no_secret(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig.flickr.reply(ok(user={"id": "1@N01"}))
    await rig.api.call("flickr.test.login")
    logged = caplog.text
    assert "flickr.test.login" in logged
    for secret in (CONSUMER_SECRET, TOKEN_SECRET, "oauth_signature"):
        assert secret not in logged


# --- listings and parsing ------------------------------------------------------------------


def photos_payload(ids: Sequence[str], *, page: int = 1, pages: int = 1) -> dict[str, Any]:
    items = [{"id": i, "title": f"t{i}", "secret": "s", "server": "1", "owner": "o"} for i in ids]
    return {"photos": {"page": page, "pages": pages, "perpage": 500, "total": "9", "photo": items}}


async def test_listings_send_comma_joined_extras_and_safe_search_3(rig: Rig) -> None:
    rig.flickr.reply(ok(**photos_payload([])))
    await rig.api.photos_search(extras=("date_upload", "url_o"), min_upload_date=5)
    query = dict(rig.flickr.seen[0].query)
    assert (query["extras"], query["safe_search"], query["user_id"]) == (
        "date_upload,url_o",
        "3",
        "me",
    )
    assert query["min_upload_date"] == "5"


async def test_anonymous_listings_do_not_ask_for_restricted_photos(
    flickr: Canned, session: aiohttp.ClientSession
) -> None:
    rig = build_rig(flickr, session, token=False)
    flickr.reply(ok(**photos_payload([])))
    await rig.api.people_get_photos()
    assert "safe_search" not in dict(flickr.seen[0].query)


async def test_per_page_is_clamped_to_flickrs_maximum_of_500(rig: Rig) -> None:
    rig.flickr.reply(ok(**photos_payload([])))
    await rig.api.photos_get_not_in_set(per_page=2000)
    assert dict(rig.flickr.seen[0].query)["per_page"] == "500"


async def test_photos_search_returns_a_page_of_photos(rig: Rig) -> None:
    rig.flickr.reply(ok(**photos_payload(["11", "12"], page=1, pages=3)))
    page = await rig.api.photos_search()
    assert (page.page, page.pages, page.total) == (1, 3, 9)
    assert [p.id for p in page.items] == ["11", "12"]
    assert all(isinstance(p, Photo) for p in page.items)


async def test_photosets_get_list_returns_albums(rig: Rig) -> None:
    albums = {"page": 1, "pages": 1, "perpage": "500", "total": 1, "photoset": [
        {"id": "721", "title": {"_content": "Trip"}, "photos": 5, "videos": "1"}
    ]}  # fmt: skip
    rig.flickr.reply(ok(photosets=albums))
    page = await rig.api.photosets_get_list()
    assert page.items == [Album("721", "Trip", "", 0, 0, 6, "", count_photos=5, count_videos=1)]


async def test_photosets_get_photos_reads_the_photoset_container(rig: Rig) -> None:
    container = {"id": "721", "page": 1, "pages": 1, "perpage": "500", "total": 1,
                 "photo": [{"id": "5", "isprimary": "1"}]}  # fmt: skip
    rig.flickr.reply(ok(photoset=container))
    page = await rig.api.photosets_get_photos("721")
    assert [p.id for p in page.items] == ["5"]


async def test_test_login_returns_the_user(rig: Rig) -> None:
    rig.flickr.reply(ok(user={"id": "21207597@N07", "username": {"_content": "jamal"}}))
    user = await rig.api.test_login()
    assert (user.nsid, user.username) == ("21207597@N07", "jamal")


async def test_check_token_returns_the_user_and_perms(rig: Rig) -> None:
    oauth = {"token": {"_content": TOKEN}, "perms": {"_content": "read"},
             "user": {"nsid": "1@N01", "username": "me", "fullname": "Me Myself"}}  # fmt: skip
    rig.flickr.reply(ok(oauth=oauth))
    user, perms = await rig.api.auth_oauth_check_token()
    assert (user.nsid, user.username, user.fullname, perms) == ("1@N01", "me", "Me Myself", "read")


async def test_people_get_info_reads_the_total_count_and_pro_flag(rig: Rig) -> None:
    person = {"nsid": "1@N01", "username": {"_content": "me"}, "ispro": 1,
              "photos": {"count": {"_content": "1234"}}}  # fmt: skip
    rig.flickr.reply(ok(person=person))
    info = await rig.api.people_get_info("me")
    assert (info.photo_count, info.is_pro) == (1234, True)


async def test_comments_without_a_comment_key_are_an_empty_list(rig: Rig) -> None:
    rig.flickr.reply(ok(comments={"photo_id": "5"}))
    assert await rig.api.photos_comments_get_list("5") == []


async def test_get_sizes_returns_sizes(rig: Rig) -> None:
    sizes = {"size": [{"label": "Original", "width": "10", "height": 5, "source": "u"}]}
    rig.flickr.reply(ok(sizes=sizes))
    [size] = await rig.api.photos_get_sizes("5")
    assert (size.label, size.width, size.height) == ("Original", 10, 5)


# --- paginate ------------------------------------------------------------------------------


def pages_fetcher(
    pages: int, *, per_page: int = 2, clamp_at: int | None = None
) -> tuple[Callable[[int], Awaitable[Page]], list[int]]:
    """A fake `fetch(page)` over `pages` pages, optionally clamping page numbers like Flickr."""
    asked: list[int] = []

    async def fetch(number: int) -> Page:
        asked.append(number)
        served = min(number, clamp_at) if clamp_at else number
        items = [f"{served}-{i}" for i in range(per_page)] if served <= pages else []
        return Page(
            page=served, pages=pages, per_page=per_page, total=pages * per_page, items=items
        )

    return fetch, asked


async def test_paginate_asks_every_page_flickr_claims(rig: Rig) -> None:
    fetch, asked = pages_fetcher(4)
    pages = [page async for page in rig.api.paginate(fetch)]
    assert (asked, len(pages)) == ([1, 2, 3, 4], 4)


async def test_paginate_stops_at_an_empty_page(rig: Rig) -> None:
    async def fetch(number: int) -> Page:
        items = ["x"] if number < 3 else []
        return Page(page=number, pages=99, per_page=1, total=99, items=items)

    pages = [page async for page in rig.api.paginate(fetch)]
    assert [p.page for p in pages] == [1, 2, 3]


async def test_paginate_starts_where_asked(rig: Rig) -> None:
    fetch, asked = pages_fetcher(5)
    _ = [page async for page in rig.api.paginate(fetch, start=4)]
    assert asked == [4, 5]


async def test_paginate_stops_when_flickr_clamps_the_page_number(rig: Rig) -> None:
    fetch, asked = pages_fetcher(1_000_000, clamp_at=3)
    _ = [page async for page in rig.api.paginate(fetch)]
    assert asked == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("header", "seconds"), [("12", 12.0), ("-3", 0.0), ("inf", None), ("soon", None), (None, None)]
)
def test_retry_after_is_read_as_finite_seconds_or_ignored(
    header: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_may_be_an_http_date() -> None:
    assert parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0  # long past: no wait
