"""FlickrAPI: one method per Flickr method, all through one signed, rate-limited, retried call()."""

from __future__ import annotations

import collections
import contextvars
import json
import logging
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import aiohttp
from authlib.oauth1 import ClientAuth
from yarl import URL

from flickr_async.account_records import (
    AccountInfo,
    Collection,
    Group,
    Person,
    collection_from_json,
    contact_from_json,
    fave_from_json,
    gallery_from_json,
    gallery_item_from_json,
    group_from_json,
    items,
    person_from_json,
    profile_from_json,
)
from flickr_async.bounded import (
    ACCEPTED_ENCODINGS,
    MAX_ANSWER_BYTES,
    AnswerMemory,
    read_answer,
)
from flickr_async.edge import InvalidRecord
from flickr_async.errors import (
    EXIT_INCOMPLETE,
    ApiBudgetSpent,
    APIError,
    AuthError,
    CredentialsRejectedError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    TransientAPIError,
)
from flickr_async.models import (
    LISTING_EXTRAS,
    PLACE_LEVELS,
    Comment,
    Page,
    Photo,
    Size,
    User,
    album_from_json,
    comment_from_json,
    page_from_json,
    photo_from_info,
    photo_from_listing,
    photo_with_info,
    place_names,
    raw_tags_from_json,
    size_from_json,
    text,
    to_bool,
    to_int,
)
from flickr_async.ratelimit import MAX_RETRY_AFTER, Throttle, TokenBucket
from flickr_async.retry import RetryPolicy
from flickr_async.sane import json_int
from flickr_async.settings import Settings

log = logging.getLogger(__name__)

MAX_PER_PAGE = 500  # Flickr's maximum for every listing method
MAX_PAGES = 10_000  # Flickr clamps `page` here: asking page 20000 returns page 10000 again
AUTH_CODES = range(95, 101)  # 95 SSL, 96/97 signature, 98 token, 99 permissions, 100 key
TRANSIENT_CODES = frozenset({0, 105, 106, 201})
UNAVAILABLE_TEXT = "not currently available"
JSONP_PREFIX = "jsonFlickrApi("
# Set in a task whose calls may wait for everybody else's (deep metadata during downloads).
BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("background", default=False)

# The calls --max-api-calls stops: per-photo metadata (and the account-wide lookups that
# serve it), which is where a big account's API time goes.
CAPPED_METHODS = frozenset(
    {
        "flickr.photos.getInfo",
        "flickr.photos.comments.getList",
        "flickr.photos.people.getList",
        "flickr.photos.getSizes",
        "flickr.places.getInfo",
        "flickr.tags.getListUserRaw",
    }
)
# Calls a capped run keeps for the listings (login, the photostream's pages, albums, the
# account's counts and organisation) until they are done: a small account's whole listing.
LISTING_RESERVE = 25
_QUERY_IN_TEXT = re.compile(r"\?[^\s'\"]*")

Params = Mapping[str, str | int]


def client_session(settings: Settings) -> aiohttp.ClientSession:
    """An aiohttp session with our User-Agent and a stall timeout (no overall deadline)."""
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=settings.request_timeout, sock_read=settings.request_timeout
    )
    return aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": settings.user_agent})


def throttle_for(settings: Settings) -> Throttle:
    """The pause a 429 imposes: from 2 s (less when retries are told to wait less) doubling
    per episode up to five times the longest retry wait, and never past MAX_RETRY_AFTER."""
    return Throttle(
        initial=min(2.0, settings.retry_max_wait),
        ceiling=min(MAX_RETRY_AFTER, 5 * settings.retry_max_wait),
    )


def api_limiter(settings: Settings) -> TokenBucket:
    """The token bucket every API call of a run goes through, with its 429 throttle."""
    return TokenBucket(settings.api_rate, settings.api_burst, throttle=throttle_for(settings))


@asynccontextmanager
async def open_api(
    settings: Settings,
    *,
    limiter: TokenBucket | None = None,
    retry: RetryPolicy | None = None,
) -> AsyncIterator[FlickrAPI]:
    """A FlickrAPI on its own session, limited to settings.api_rate, with the settings' retries."""
    async with client_session(settings) as session:
        yield FlickrAPI(
            settings,
            session,
            limiter or api_limiter(settings),
            retry,
        )


def sign_request(settings: Settings, method: str, url: str) -> dict[str, str]:
    """OAuth 1.0a HMAC-SHA1 `Authorization` header for a request without a body.

    With no access token the request is signed with the consumer key alone (public data only).
    """
    auth = ClientAuth(
        settings.api_key,
        settings.api_secret,
        token=settings.oauth_token or None,
        token_secret=settings.oauth_token_secret or None,
    )
    _, headers, _ = auth.prepare(method, url, {}, b"")
    return {"Authorization": str(headers["Authorization"])}


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """RFC 3986 percent-encoding (spaces as %20, commas encoded), as OAuth signs it."""
    return urlencode(sorted(params), quote_via=quote)


def scrub(message: str) -> str:
    """Drop query strings from an error text: URLs in aiohttp errors carry our parameters."""
    return _QUERY_IN_TEXT.sub("?…", message)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None when absent or nonsense."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def oauth_problem(body: bytes) -> str:
    """The `oauth_problem` of a 401 body (form-encoded text), or "" when it names none."""
    raw = body.decode("utf-8", errors="replace").strip()
    if "oauth_problem=" not in raw:
        return ""
    problem = parse_qs(raw).get("oauth_problem", [""])[0]
    return re.sub(r"[^\w.-]", "", problem)[:60]  # one short word: never echo a whole body


def decode_body(method: str, status: int, body: bytes) -> dict[str, Any]:
    """JSON (or JSONP) of a REST answer whose HTTP status was not an error."""
    raw = body.decode("utf-8", errors="replace").strip()
    # `format=json` without `nojsoncallback=1` (or a proxy dropping it) gives JSONP.
    if raw.startswith(JSONP_PREFIX) and raw.endswith(")"):
        raw = raw[len(JSONP_PREFIX) : -1]
    try:
        data = json.loads(raw, parse_int=json_int)  # a 5,000-digit number is one odd field
    except (ValueError, RecursionError) as exc:  # 100,000 nested `[`: no real answer nests
        raise NetworkError(
            f"{method}: unparsable response (HTTP {status}, {len(body)} bytes)"
        ) from exc
    if not isinstance(data, dict) or data.get("stat") not in ("ok", "fail"):
        raise NetworkError(f"{method}: malformed response (HTTP {status})")
    return data


def raise_for_stat(method: str, data: Mapping[str, Any]) -> None:
    """Turn `stat=fail` into the typed error its code calls for."""
    if data.get("stat") == "ok":
        return
    code = to_int(data.get("code"), -1)
    message = text(data.get("message")) or "no message"
    if code in AUTH_CODES:
        raise AuthError(code, message, method)
    # Flickr answers outages with 0, 201 or other codes and this text: always worth a retry.
    if UNAVAILABLE_TEXT in message.lower() or code in TRANSIENT_CODES:
        raise TransientAPIError(code, message, method)
    if code == 1:
        raise NotFoundError(code, message, method)
    raise APIError(code, message, method)


def join_extras(extras: Iterable[str] | str) -> str:
    """Flickr wants one comma-separated string; accept that string too."""
    if isinstance(extras, str):
        return extras
    return ",".join(dict.fromkeys(e for e in extras if e))


def clamp_per_page(per_page: int) -> int:
    return max(1, min(MAX_PER_PAGE, per_page))


def _mapping(data: Mapping[str, Any], key: str, method: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise NetworkError(f"{method}: malformed response (no {key!r})")
    return value


class ListingBudgetSpent(ApiBudgetSpent):
    """--max-api-calls ran out before a listing call: the listing is incomplete (nothing is
    inferred deleted), and the cap is too small for this account's listings. The run did
    what it was allowed to: an incomplete one (exit 1), not one that could not work."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, budget: int, method: str) -> None:
        super().__init__(budget)
        self.args = (
            f"the run's API call budget (--max-api-calls {budget}) ran out before {method}: "
            "the listing is incomplete, nothing was marked deleted; a larger cap lists the "
            "whole account (about one call per 500 photos and per changed album, and ten more)",
        )


class ApiBudget:
    """--max-api-calls: no more than `cap` API calls in a run, every method and every retry
    counted. Attempts are counted as they begin (before the limiter's wait), so concurrent
    callers cannot overshoot.

    The listings come first: while they run, per-photo calls (CAPPED_METHODS) leave the last
    `reserve` calls to them, so a cap that covers the listings sees every photo and infers
    deletions safely; `listed()` frees the reserve. A call past the cap raises ApiBudgetSpent:
    for a per-photo call its photo waits for the next run; a listing cut short is an
    incomplete listing (no deletion inferred, exit status 1)."""

    def __init__(self, cap: int | None, reserve: int = LISTING_RESERVE) -> None:
        self.cap = cap
        self.reserve = 0 if cap is None else min(reserve, cap // 2)
        self.started = 0
        self.spent = False  # the cap is reached: no call at all any more
        self.refused = False  # some call was refused (the cap, or the listings' reserve)

    def spend(self, method: str) -> None:
        if self.cap is not None:
            limit = self.cap - self.reserve if method in CAPPED_METHODS else self.cap
            if self.started >= limit:
                self.refused = True
                self.spent = self.started >= self.cap
                if method in CAPPED_METHODS:
                    raise ApiBudgetSpent(self.cap)
                raise ListingBudgetSpent(self.cap, method)
        self.started += 1

    def listed(self) -> None:
        """The account's listings are done: per-photo calls may use the whole cap."""
        self.reserve = 0

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.started)


class FlickrAPI:
    """Flickr's REST methods; each HTTP attempt takes a limiter token and is freshly signed."""

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession,
        limiter: TokenBucket,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.session = session
        self.limiter = limiter
        self.retry = retry or RetryPolicy(
            attempts=settings.retry_attempts, max_wait=settings.retry_max_wait
        )
        self.calls: collections.Counter[str] = collections.Counter()  # went out, per method
        self.budget = ApiBudget(settings.max_api_calls)
        self.memory = AnswerMemory()  # one big answer at a time
        # Listing records refused by the checks at the edge (edge.InvalidRecord): how a
        # report names each -> the one-line reason. Each is one failed item of the run.
        self.rejected: dict[str, str] = {}
        self.skipped: set[str] = set()  # refused records that are no item (albums...)

    def _listing(self, page: Page, parse: Callable[[Mapping[str, Any]], Any]) -> Page:
        """The page with its items parsed; a record that fails the edge checks is left out,
        logged and kept in `rejected` (never a path, never a crash of the listing)."""
        parsed: list[Any] = []
        for item in page.items:
            if not isinstance(item, Mapping):
                continue
            try:
                parsed.append(parse(item))
            except InvalidRecord as exc:
                if exc.what not in self.rejected and exc.what not in self.skipped:
                    log.warning("refused %s", exc)
                if exc.item:
                    self.rejected[exc.what] = exc.reason
                else:
                    self.skipped.add(exc.what)
        return replace(page, items=parsed)

    # --- the one call path ---------------------------------------------------------------

    async def call(self, method: str, **params: str | int) -> dict[str, Any]:
        """Call `method` with `params`; the decoded `stat=ok` JSON or a typed error."""
        query = [(k, str(v)) for k, v in params.items()]
        query += [("method", method), ("format", "json"), ("nojsoncallback", "1")]
        return await self.retry.run(lambda: self._call_once(method, query), what=method)

    @property
    def budget_spent(self) -> bool:
        return self.budget.spent

    @property
    def budget_refused(self) -> bool:
        """Some call waits for the next run: the cap, or the listings' reserve, stopped it."""
        return self.budget.refused

    async def _call_once(self, method: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        self.budget.spend(method)
        url = f"{self.settings.rest_url}?{encode_query(query)}"
        await self.limiter.acquire(background=BACKGROUND.get())
        self.calls[method] += 1
        log.debug("GET %s %s", method, {k: v for k, v in query if k != "method"})
        # Signed per attempt: Flickr rejects a replayed nonce.
        headers = sign_request(self.settings, "GET", url)
        headers["Accept-Encoding"] = ACCEPTED_ENCODINGS
        try:
            # Inflated here, within MAX_ANSWER_BYTES, not by aiohttp (which keeps it all).
            async with self.session.get(
                URL(url, encoded=True), headers=headers, auto_decompress=False
            ) as resp:
                status = resp.status
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                body = await read_answer(
                    resp, limit=MAX_ANSWER_BYTES, what=method, memory=self.memory
                )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            detail = scrub(str(exc)) or type(exc).__name__
            raise NetworkError(f"{method}: {detail}") from exc
        if status != 429:
            self.limiter.throttle.succeeded()
        return self._parse(method, status, retry_after, body)

    def _parse(
        self, method: str, status: int, retry_after: float | None, body: bytes
    ) -> dict[str, Any]:
        if status == 429:
            # Flickr throttles the whole key with a tiny HTML body, mostly without Retry-After:
            # hold every caller back, longer each time it happens again.
            wait = self.limiter.throttled(retry_after)
            raise RateLimitedError(f"{method}: rate limited by Flickr (HTTP 429)", retry_after=wait)
        if status == 401:
            # A revoked token or a bad signature: the real REST endpoint answers 401 text/plain
            # `oauth_problem=token_rejected` (not JSON). No retry will fix credentials.
            raise CredentialsRejectedError(oauth_problem(body), method)
        if status >= 500:
            raise NetworkError(f"{method}: HTTP {status} from Flickr", retry_after=retry_after)
        try:
            data = decode_body(method, status, body)
        except NetworkError:
            if 400 <= status < 500:
                # A 404 HTML page (wrong --api-base) will not get better on a retry.
                raise APIError(status, f"unexpected HTTP {status} response", method) from None
            raise
        raise_for_stat(method, data)
        return data

    async def paginate(
        self, fetch: Callable[[int], Awaitable[Page]], *, start: int = 1
    ) -> AsyncIterator[Page]:
        """Every page from `start` until Flickr's own `pages` or an empty page.

        Knows nothing of the 4,000-result cap (the producer slices around it); it only makes
        sure a lying `pages` cannot keep it going forever.
        """
        number = max(1, start)
        while True:
            page = await fetch(number)
            yield page
            if not page.items or page.page >= page.pages or number >= MAX_PAGES:
                return
            if page.page < number:
                # Flickr clamped the page number: it is repeating itself, not progressing.
                log.warning(
                    "asked for page %d, Flickr answered page %d; stopping", number, page.page
                )
                return
            number += 1

    # --- auth / account --------------------------------------------------------------------

    async def test_login(self) -> User:
        data = await self.call("flickr.test.login")
        user = _mapping(data, "user", "flickr.test.login")
        return User(
            nsid=text(user.get("id") or user.get("nsid")), username=text(user.get("username"))
        )

    async def auth_oauth_check_token(self) -> tuple[User, str]:
        """(user, perms) of the access token the calls are signed with."""
        data = await self.call("flickr.auth.oauth.checkToken")
        oauth = data.get("oauth", data)  # the real answer wraps it in "oauth"
        user = _mapping(oauth, "user", "flickr.auth.oauth.checkToken")
        return (
            User(
                nsid=text(user.get("nsid")),
                username=text(user.get("username")),
                fullname=text(user.get("fullname")),
            ),
            text(oauth.get("perms")),
        )

    async def people_get_info(self, user_id: str) -> AccountInfo:
        data = await self.call("flickr.people.getInfo", user_id=user_id)
        person = _mapping(data, "person", "flickr.people.getInfo")
        photos = person.get("photos") or {}
        return AccountInfo(
            nsid=text(person.get("nsid") or person.get("id")),
            username=text(person.get("username")),
            photo_count=to_int(photos.get("count") if isinstance(photos, Mapping) else None),
            is_pro=to_bool(person.get("ispro")),
            profile=profile_from_json(person),
        )

    # --- the account's organisation ------------------------------------------------------

    async def collections_get_tree(self) -> list[Collection]:
        """The whole tree in one call; `{"collections": {}}` when the account has none."""
        method = "flickr.collections.getTree"
        data = await self.call(method)
        tree = _mapping(data, "collections", method)
        return [collection_from_json(c) for c in items(tree.get("collection"))]

    async def favorites_get_list(self, *, page: int = 1, per_page: int = MAX_PER_PAGE) -> Page:
        """Items: Fave (another person's photo and when it was faved), newest faved first."""
        params = self._listing_params(page, per_page, (*LISTING_EXTRAS, "owner_name"), {})
        data = await self.call("flickr.favorites.getList", **params)
        container = _mapping(data, "photos", "flickr.favorites.getList")
        return self._listing(page_from_json(container, "photo"), fave_from_json)

    async def galleries_get_list(self, *, page: int = 1, per_page: int = MAX_PER_PAGE) -> Page:
        method = "flickr.galleries.getList"
        data = await self.call(method, page=max(1, page), per_page=clamp_per_page(per_page))
        return self._listing(page_from_json(_mapping(data, "galleries", method), "gallery"),
                        gallery_from_json)  # fmt: skip

    async def galleries_get_photos(
        self, gallery_id: str, *, page: int = 1, per_page: int = MAX_PER_PAGE
    ) -> Page:
        """Items: GalleryItem, in the gallery's order."""
        method = "flickr.galleries.getPhotos"
        params = {"page": max(1, page), "per_page": clamp_per_page(per_page)}
        data = await self.call(method, gallery_id=gallery_id, extras="owner_name", **params)
        return self._listing(page_from_json(_mapping(data, "photos", method), "photo"),
                        gallery_item_from_json)  # fmt: skip

    async def people_get_groups(self, user_id: str) -> list[Group]:
        method = "flickr.people.getGroups"
        data = await self.call(method, user_id=user_id)
        return [group_from_json(g) for g in items(_mapping(data, "groups", method).get("group"))]

    async def contacts_get_list(self, *, page: int = 1, per_page: int = 1000) -> Page:
        method = "flickr.contacts.getList"
        data = await self.call(method, page=max(1, page), per_page=max(1, min(1000, per_page)))
        return self._listing(page_from_json(_mapping(data, "contacts", method), "contact"),
                        contact_from_json)  # fmt: skip

    async def photosets_comments_get_list(self, photoset_id: str) -> list[Comment]:
        method = "flickr.photosets.comments.getList"
        data = await self.call(method, photoset_id=photoset_id)
        found = items(_mapping(data, "comments", method).get("comment"))
        return [comment_from_json(c) for c in found]

    async def photos_people_get_list(self, photo_id: str) -> list[Person]:
        method = "flickr.photos.people.getList"
        data = await self.call(method, photo_id=photo_id)
        return [person_from_json(p) for p in items(_mapping(data, "people", method).get("person"))]

    # --- listings --------------------------------------------------------------------------

    def _listing_params(
        self, page: int, per_page: int, extras: Iterable[str] | None, filters: Params
    ) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": max(1, page), "per_page": clamp_per_page(per_page)}
        if extras:
            params["extras"] = join_extras(extras)
        if self.settings.has_token:
            # Without safe_search=3 restricted photos vanish from the owner's own listings.
            params["safe_search"] = 3
        params.update(filters)
        return params

    async def _photo_page(self, method: str, container: str, params: Params) -> Page:
        data = await self.call(method, **params)
        return self._listing(
            page_from_json(_mapping(data, container, method), "photo"), photo_from_listing
        )

    async def photos_search(
        self,
        *,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        extras: Iterable[str] = LISTING_EXTRAS,
        **filters: str | int,
    ) -> Page:
        """Items: Photo. `user_id` defaults to "me" (a parameterless search is refused)."""
        params = {"user_id": "me", **self._listing_params(page, per_page, extras, filters)}
        return await self._photo_page("flickr.photos.search", "photos", params)

    async def people_get_photos(
        self,
        *,
        user_id: str = "me",
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        extras: Iterable[str] = LISTING_EXTRAS,
        **filters: str | int,
    ) -> Page:
        params = {"user_id": user_id, **self._listing_params(page, per_page, extras, filters)}
        return await self._photo_page("flickr.people.getPhotos", "photos", params)

    async def photos_get_not_in_set(
        self,
        *,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        extras: Iterable[str] = LISTING_EXTRAS,
        **filters: str | int,
    ) -> Page:
        params = self._listing_params(page, per_page, extras, filters)
        return await self._photo_page("flickr.photos.getNotInSet", "photos", params)

    async def photos_recently_updated(
        self,
        *,
        min_date: int,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        extras: Iterable[str] = LISTING_EXTRAS,
    ) -> Page:
        params = self._listing_params(page, per_page, extras, {"min_date": min_date})
        return await self._photo_page("flickr.photos.recentlyUpdated", "photos", params)

    async def photosets_get_list(self, *, page: int = 1, per_page: int = MAX_PER_PAGE) -> Page:
        """Items: Album, in the owner's order. Always paginate: only 500 come back per call."""
        method = "flickr.photosets.getList"
        data = await self.call(method, page=max(1, page), per_page=clamp_per_page(per_page))
        container = _mapping(data, "photosets", method)
        return self._listing(page_from_json(container, "photoset"), album_from_json)

    async def photosets_get_photos(
        self,
        photoset_id: str,
        *,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        extras: Iterable[str] = LISTING_EXTRAS,
    ) -> Page:
        """Items: Photo, in album order."""
        params = self._listing_params(page, per_page, extras, {"photoset_id": photoset_id})
        return await self._photo_page("flickr.photosets.getPhotos", "photoset", params)

    # --- per photo -------------------------------------------------------------------------

    async def photos_get_info(self, photo: Photo) -> Photo:
        method = "flickr.photos.getInfo"
        data = await self.call(method, photo_id=photo.id)
        return photo_with_info(photo, _mapping(data, "photo", method))

    async def photos_get_info_by_id(self, photo_id: str) -> Photo:
        """getInfo alone, for a photo archived earlier (no listing item at hand)."""
        method = "flickr.photos.getInfo"
        data = await self.call(method, photo_id=photo_id)
        return photo_from_info(_mapping(data, "photo", method))

    async def photos_comments_get_list(self, photo_id: str) -> list[Comment]:
        method = "flickr.photos.comments.getList"
        data = await self.call(method, photo_id=photo_id)
        # The `comment` key is absent when there are none.
        items = _mapping(data, "comments", method).get("comment") or []
        if isinstance(items, Mapping):
            items = [items]
        return [comment_from_json(c) for c in items if isinstance(c, Mapping)]

    async def tags_get_list_user_raw(self) -> dict[str, tuple[str, ...]]:
        """Every tag of the account: clean form -> the raw spellings it stands for (one call)."""
        method = "flickr.tags.getListUserRaw"
        data = await self.call(method)
        return raw_tags_from_json(_mapping(data, "who", method))

    async def places_get_info(self, place_id: str) -> dict[str, str]:
        """Level -> name (neighbourhood … country) of a place id."""
        method = "flickr.places.getInfo"
        data = await self.call(method, place_id=place_id)
        place = _mapping(data, "place", method)
        names = place_names(place)
        kind = text(place.get("place_type"))
        if kind in PLACE_LEVELS and kind not in names and text(place.get("name")):
            # The place itself is the level (its `name` is "Abbey Dore, Herefordshire, …").
            names[kind] = text(place.get("name")).split(",")[0].strip()
        return names

    async def photos_get_sizes(self, photo_id: str) -> list[Size]:
        method = "flickr.photos.getSizes"
        data = await self.call(method, photo_id=photo_id)
        items = _mapping(data, "sizes", method).get("size") or []
        return [size_from_json(s) for s in items if isinstance(s, Mapping)]
