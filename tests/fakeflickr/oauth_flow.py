"""The three OAuth 1.0a endpoints: request_token, authorize, access_token (form-encoded replies)."""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

from aiohttp import web

from tests.fakeflickr import oauth
from tests.fakeflickr.context import CTX, ServerContext
from tests.fakeflickr.credentials import TokenKind, TokenRecord
from tests.fakeflickr.rest import html_error
from tests.fakeflickr.rest_auth import request_params, request_url


class OAuthProblem(Exception):
    def __init__(self, problem: str, **extra: str) -> None:
        super().__init__(problem)
        self.body = urlencode({"oauth_problem": problem, **extra}, quote_via=quote)


def form(values: dict[str, str]) -> web.Response:
    return web.Response(text=urlencode(values, quote_via=quote), content_type="text/plain")


def _faulted(ctx: ServerContext, step: str) -> web.Response | None:
    name = f"oauth.{step}"
    ctx.counters.count_api(name)
    fault = ctx.faults.take_api_fault(name)
    if fault is not None:  # 429 happens even here (flickrapi#135)
        return html_error(fault.status if fault.kind != "stat" else 500, fault)
    return None


async def _verified(
    ctx: ServerContext, request: web.Request, token_kind: TokenKind | None
) -> tuple[dict[str, str], TokenRecord | None]:
    """Check key, signature, timestamp, nonce; raise OAuthProblem like Flickr's 401 replies."""
    pairs, header = await request_params(request)
    all_pairs = pairs + header
    params = dict(all_pairs)
    if params.get("oauth_consumer_key") != ctx.credentials.api_key:
        raise OAuthProblem("consumer_key_unknown")
    if "oauth_signature" not in params:
        raise OAuthProblem("parameter_absent", oauth_parameters_absent="oauth_signature")
    token: TokenRecord | None = None
    if token_kind is not None:
        token = ctx.credentials.get(params.get("oauth_token", ""), token_kind)
        if token is None:
            raise OAuthProblem("token_rejected")
    secret = token.secret if token else ""
    ok = params.get("oauth_signature_method") == "HMAC-SHA1" and oauth.verify(
        request.method, request_url(request), all_pairs, ctx.credentials.api_secret, secret
    )
    if not ok:
        raise OAuthProblem("signature_invalid")
    if not ctx.credentials.timestamp_ok(params.get("oauth_timestamp", "")):
        raise OAuthProblem("timestamp_refused")
    nonce_ok = ctx.credentials.use_nonce(
        params.get("oauth_nonce", ""),
        params.get("oauth_timestamp", ""),
        token.token if token else "",
    )
    if not nonce_ok:
        raise OAuthProblem("nonce_used")
    return params, token


async def handle_request_token(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    if (faulted := _faulted(ctx, "request_token")) is not None:
        return faulted
    try:
        params, _ = await _verified(ctx, request, None)
        callback = params.get("oauth_callback")
        if not callback:
            raise OAuthProblem("parameter_absent", oauth_parameters_absent="oauth_callback")
    except OAuthProblem as problem:
        return web.Response(status=401, text=problem.body, content_type="text/plain")
    record = ctx.credentials.issue("request", callback=callback)
    return form(
        {
            "oauth_callback_confirmed": "true",
            "oauth_token": record.token,
            "oauth_token_secret": record.secret,
        }
    )


async def handle_authorize(request: web.Request) -> web.Response:
    """The page the user would see in a browser; auto_approve clicks "OK, I'll authorize it"."""
    ctx = request.app[CTX]
    token = request.query.get("oauth_token", "")
    record = ctx.credentials.get(token, "request")
    if record is None:
        return web.Response(status=401, text="oauth_problem=token_rejected")
    record.perms = request.query.get("perms", record.perms)
    if ctx.auto_approve and record.verifier is None:
        ctx.credentials.approve(token)
    if record.verifier is None:
        page = "<html><body><p>Waiting for the account owner to approve this app.</p></body></html>"
        return web.Response(text=page, content_type="text/html")
    if record.callback != "oob":
        query = urlencode({"oauth_token": token, "oauth_verifier": record.verifier})
        sep = "&" if "?" in record.callback else "?"
        raise web.HTTPFound(f"{record.callback}{sep}{query}")
    code = html.escape(record.verifier)
    page = (
        "<html><body><h1>fakeflickr has been authorized</h1>"
        f'<p>Enter this code in the app: <span id="Verifier"><b>{code}</b></span></p>'
        "</body></html>"
    )
    return web.Response(text=page, content_type="text/html")


async def handle_access_token(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    if (faulted := _faulted(ctx, "access_token")) is not None:
        return faulted
    try:
        params, record = await _verified(ctx, request, "request")
        assert record is not None
        if record.verifier is None or params.get("oauth_verifier") != record.verifier:
            raise OAuthProblem("verifier_invalid")
    except OAuthProblem as problem:
        return web.Response(status=401, text=problem.body, content_type="text/plain")
    ctx.credentials.revoke(record.token)  # a request token is exchanged once
    access = ctx.credentials.issue("access", perms=record.perms)
    owner = ctx.library.owner
    return form(
        {
            "fullname": owner.realname,
            "oauth_token": access.token,
            "oauth_token_secret": access.secret,
            "user_nsid": owner.nsid,
            "username": owner.username,
        }
    )
