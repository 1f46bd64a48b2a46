"""OAuth 1.0a HMAC-SHA1 signing and verification (RFC 5849), independent of authlib on purpose.

The client signs with authlib; checking its requests with this separate implementation means a
shared misunderstanding of the RFC cannot hide a signing bug.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote, urlsplit, urlunsplit

Params = list[tuple[str, str]]


def percent_encode(value: str) -> str:
    """RFC 3986 encoding: only A-Z a-z 0-9 - . _ ~ stay as they are."""
    return quote(value, safe="-._~")


def normalized_url(url: str) -> str:
    """Scheme and host lower-case, default port dropped, no query or fragment (RFC 5849 3.4.1.2)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not (scheme == "http" and port == 80) and not (scheme == "https" and port == 443):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature base string; `params` are decoded pairs without oauth_signature."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    joined = "&".join(f"{k}={v}" for k, v in encoded)
    return "&".join((method.upper(), percent_encode(normalized_url(url)), percent_encode(joined)))


def signature(base: str, consumer_secret: str, token_secret: str = "") -> str:
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def parse_authorization_header(value: str) -> Params:
    """`OAuth realm="", oauth_consumer_key="k", ...` -> decoded (name, value) pairs, no realm."""
    if value[:6].lower() != "oauth ":
        return []
    pairs: Params = []
    for item in value[6:].split(","):
        name, sep, raw = item.strip().partition("=")
        if not sep or name == "realm":
            continue
        pairs.append((unquote(name), unquote(raw.strip().strip('"'))))
    return pairs


def sign_params(
    method: str,
    url: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str = "",
    token_secret: str = "",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> Params:
    """Return `params` plus every oauth_* parameter, signed; for tests and the standalone demo."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    oauth: Params = [
        ("oauth_consumer_key", consumer_key),
        ("oauth_nonce", nonce or secrets.token_hex(16)),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(int(time.time()) if timestamp is None else timestamp)),
        ("oauth_version", "1.0"),
    ]
    if token:
        oauth.append(("oauth_token", token))
    all_params = pairs + oauth
    sig = signature(base_string(method, url, all_params), consumer_secret, token_secret)
    return [*all_params, ("oauth_signature", sig)]


def authorization_header(oauth_params: Iterable[tuple[str, str]]) -> str:
    """Build `Authorization: OAuth ...` from the oauth_* pairs of a signed request."""
    inner = ", ".join(
        f'{percent_encode(k)}="{percent_encode(v)}"'
        for k, v in oauth_params
        if k.startswith("oauth_")
    )
    return f'OAuth realm="", {inner}'


def verify(
    method: str,
    url: str,
    params: Iterable[tuple[str, str]],
    consumer_secret: str,
    token_secret: str,
) -> bool:
    """Check oauth_signature against the other params (query + form body + header)."""
    given = ""
    rest: Params = []
    for k, v in params:
        if k == "oauth_signature":
            given = v
        else:
            rest.append((k, v))
    expected = signature(base_string(method, url, rest), consumer_secret, token_secret)
    return hmac.compare_digest(given.encode(), expected.encode())
