"""State shared by the fake's request handlers, and the small types they pass around."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from tests.fakeflickr.content import ContentCache
from tests.fakeflickr.credentials import Credentials, TokenRecord
from tests.fakeflickr.faults import Counters, Faults
from tests.fakeflickr.hostile_bombs import Bombs
from tests.fakeflickr.hostile_values import HostileValues
from tests.fakeflickr.library import Library

JSONDict = dict[str, Any]

T = TypeVar("T")


class ApiFail(Exception):
    """A Flickr stat=fail answer (always HTTP 200)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def found(lookup: Callable[[str], T], key: str, code: int, message: str) -> T:
    """What `lookup` finds under `key`; Flickr's error `code` (stat=fail) when it finds none."""
    try:
        return lookup(key)
    except KeyError:
        raise ApiFail(code, message) from None


class OAuthRejected(ApiFail):
    """A signed call the OAuth layer refuses. The real REST endpoint answers these with
    HTTP 401 `text/plain` `oauth_problem=...` (neither JSON nor XML), unless the fake is told
    to answer the documented stat=fail codes instead (ServerContext.oauth_401)."""

    def __init__(self, code: int, message: str, problem: str) -> None:
        super().__init__(code, message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a REST call is from: the owner (signed with an access token) or anybody."""

    token: TokenRecord | None = None

    @property
    def is_owner(self) -> bool:
        return self.token is not None


@dataclass
class ServerContext:
    library: Library
    credentials: Credentials
    faults: Faults
    counters: Counters
    content: ContentCache
    search_cap: int = 4000  # photos.search returns at most this many distinct results
    auto_approve: bool = True
    origin: str = ""  # "http://127.0.0.1:PORT", known once the socket is bound
    cdn_key: str = field(default_factory=lambda: secrets.token_hex(8))  # signs video CDN URLs
    listing_cache: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    # (method, answer) -> the answer sent instead: a hostile Flickr (hostile_paths.py). None:
    # answers go out as made.
    rewrite: Callable[[str, JSONDict], JSONDict] | None = None
    # Bad signatures and tokens on REST: HTTP 401 text/plain as the real service answers
    # (True), or the documented JSON codes 96/98 (False).
    oauth_401: bool = True
    bombs: Bombs = field(default_factory=Bombs)  # hostile answers, off until armed
    hostile: HostileValues = field(default_factory=HostileValues)  # off until armed

    @property
    def api_key(self) -> str:
        return self.credentials.api_key


CTX = web.AppKey("ctx", ServerContext)
