"""OAuth 1.0a: the three-legged dance with Flickr that ends in a Token (tokenfile.py saves it)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode

import aiohttp
from authlib.oauth1 import ClientAuth

from flickr_async.bounded import ACCEPTED_ENCODINGS as ENCODINGS
from flickr_async.bounded import MAX_ANSWER_BYTES, read_answer
from flickr_async.errors import CredentialsError, NetworkError, RateLimitedError
from flickr_async.tokenfile import Token

if TYPE_CHECKING:
    from flickr_async.settings import Settings


# --- the three-legged dance (Flickr OAuth 1.0a, HMAC-SHA1, out-of-band verifier) ----------

# Flickr's 401 bodies name an oauth_problem; these ones mean the consumer key/secret is wrong.
KEY_PROBLEMS = frozenset(
    {"consumer_key_unknown", "consumer_key_rejected", "consumer_key_refused", "signature_invalid"}
)


async def fetch_request_token(
    settings: Settings, session: aiohttp.ClientSession
) -> tuple[str, str]:
    """Leg 1: (request token, request token secret), signed with the consumer secret only."""
    auth = ClientAuth(settings.api_key, settings.api_secret, redirect_uri="oob")
    reply = await _oauth_get(settings, session, "request_token", auth)
    problem = reply.get("oauth_problem")
    if problem:
        raise CredentialsError(_refused(problem, "Flickr refused the request token"))
    token, secret = reply.get("oauth_token", ""), reply.get("oauth_token_secret", "")
    if not token or not secret:
        raise CredentialsError("Flickr did not return a request token")
    return token, secret


def authorize_url(settings: Settings, request_token: str) -> str:
    """Leg 2: the page where the account owner lets flickr-async read (never write) the account."""
    query = urlencode({"oauth_token": request_token, "perms": "read"}, quote_via=quote)
    return f"{settings.oauth_url('authorize')}?{query}"


async def fetch_access_token(
    settings: Settings,
    session: aiohttp.ClientSession,
    request_token: str,
    request_secret: str,
    verifier: str,
) -> Token:
    """Leg 3: trade the approved request token and its verifier for the access token."""
    auth = ClientAuth(
        settings.api_key,
        settings.api_secret,
        token=request_token,
        token_secret=request_secret,
        verifier=verifier,
    )
    reply = await _oauth_get(settings, session, "access_token", auth)
    problem = reply.get("oauth_problem")
    if problem:
        # The key and secret already passed leg 1: a bad signature here is the request secret.
        if problem in KEY_PROBLEMS - {"signature_invalid"} or problem == "timestamp_refused":
            raise CredentialsError(_refused(problem, "Flickr refused the access token"))
        raise CredentialsError(f"the verifier was not accepted: {problem}")
    token, secret = reply.get("oauth_token", ""), reply.get("oauth_token_secret", "")
    if not token or not secret:
        raise CredentialsError("Flickr did not return an access token")
    return Token(
        oauth_token=token,
        oauth_token_secret=secret,
        user_nsid=reply.get("user_nsid", ""),
        username=reply.get("username", ""),
        fullname=reply.get("fullname", ""),
        # Saved with the token so later commands need nothing but the token file.
        api_key=settings.api_key,
        api_secret=settings.api_secret,
    )


def _refused(problem: str, otherwise: str) -> str:
    if problem in KEY_PROBLEMS or problem.startswith("HTTP "):
        return f"the API key or secret was rejected ({problem})"
    if problem == "timestamp_refused":
        return "Flickr refused the request time: check this computer's clock"
    return f"{otherwise}: {problem}"


async def _oauth_get(
    settings: Settings, session: aiohttp.ClientSession, step: str, auth: ClientAuth
) -> dict[str, str]:
    """One signed GET to an OAuth endpoint; its form-encoded reply (with oauth_problem on 4xx)."""
    url = settings.oauth_url(step)
    _, headers, _ = auth.prepare("GET", url, {}, b"")
    try:
        async with session.get(
            url,
            headers={"Authorization": headers["Authorization"], "Accept-Encoding": ENCODINGS},
            auto_decompress=False,
        ) as resp:
            status = resp.status
            raw = await read_answer(resp, limit=MAX_ANSWER_BYTES, what=f"OAuth {step}")
            body = raw.decode("utf-8", errors="replace")
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise NetworkError(f"cannot reach Flickr's OAuth {step} endpoint: {exc}") from exc
    if status == 429:
        # Flickr throttles even the OAuth endpoints (flickrapi#135).
        raise RateLimitedError(f"OAuth {step}: rate limited by Flickr (HTTP 429); try again later")
    if status >= 500:
        raise NetworkError(f"OAuth {step}: HTTP {status} from Flickr")
    reply = dict(parse_qsl(body.strip(), keep_blank_values=True))
    if status in (400, 401) and not reply.get("oauth_problem"):
        reply["oauth_problem"] = f"HTTP {status}"
    elif status >= 400 and not reply.get("oauth_problem"):
        raise CredentialsError(f"OAuth {step}: unexpected HTTP {status} (is --api-base right?)")
    return reply
