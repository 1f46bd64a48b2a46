"""Who is calling: API key and OAuth 1.0a signature checks for REST calls, with Flickr's codes."""

from __future__ import annotations

from aiohttp import web

from tests.fakeflickr import oauth
from tests.fakeflickr.context import ApiFail, Caller, OAuthRejected, ServerContext

Pairs = list[tuple[str, str]]


async def request_params(request: web.Request) -> tuple[Pairs, Pairs]:
    """(query + form body params, oauth params from the Authorization header)."""
    pairs: Pairs = list(request.query.items())
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        pairs += [(k, v) for k, v in form.items() if isinstance(v, str)]
    header = oauth.parse_authorization_header(request.headers.get("Authorization", ""))
    return pairs, header


def request_url(request: web.Request) -> str:
    return str(request.url.with_query(None))


def authenticate(ctx: ServerContext, request: web.Request, pairs: Pairs, header: Pairs) -> Caller:
    """Flickr's checks in Flickr's order; raises ApiFail with codes 100, 97, 98, 96."""
    params = dict(pairs + header)
    consumer_key = params.get("oauth_consumer_key")
    key = consumer_key or params.get("api_key")
    if not key:
        raise ApiFail(100, "Invalid API Key (Key has invalid format)")
    if key != ctx.credentials.api_key:
        raise ApiFail(100, "Invalid API Key (Key not found)")
    signed = "oauth_signature" in params
    if not signed:
        if any(k.startswith("oauth_") for k in params):
            raise ApiFail(97, "Missing signature")
        return Caller()  # api_key only: an anonymous visitor, public photos only
    if consumer_key is None:
        raise ApiFail(100, "Invalid API Key (Key not found)")
    token_value = params.get("oauth_token", "")
    token = ctx.credentials.get(token_value, "access") if token_value else None
    if token_value and token is None:
        raise OAuthRejected(98, "Invalid auth token", "token_rejected")
    if params.get("oauth_signature_method") != "HMAC-SHA1" or not oauth.verify(
        request.method,
        request_url(request),
        pairs + header,
        ctx.credentials.api_secret,
        token.secret if token else "",
    ):
        raise OAuthRejected(96, "Invalid signature", "signature_invalid")
    if not ctx.credentials.timestamp_ok(params.get("oauth_timestamp", "")):
        raise OAuthRejected(96, "Invalid signature (oauth_timestamp refused)", "timestamp_refused")
    if not ctx.credentials.use_nonce(
        params.get("oauth_nonce", ""), params.get("oauth_timestamp", ""), token_value
    ):
        raise OAuthRejected(96, "Invalid signature (oauth_nonce already used)", "nonce_used")
    return Caller(token=token)
