"""The REST endpoint: faults first, then key/signature checks, then the method; JSON or JSONP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from tests.fakeflickr import (
    hostile_bombs,
    rest_account,
    rest_lists,
    rest_photo,
    rest_places,
    rest_tags,
)
from tests.fakeflickr.context import CTX, ApiFail, Caller, JSONDict, OAuthRejected, ServerContext
from tests.fakeflickr.faults import TOO_MANY, ApiFault
from tests.fakeflickr.hostile_values import finish_body
from tests.fakeflickr.listing import int_param
from tests.fakeflickr.rest_auth import authenticate, request_params

Method = Callable[[ServerContext, Caller, Mapping[str, str]], JSONDict]

# name -> (implementation, needs a logged-in owner)
METHODS: dict[str, tuple[Method, bool]] = {
    "flickr.test.login": (rest_photo.flickr_test_login, True),
    "flickr.auth.oauth.checkToken": (rest_photo.auth_oauth_check_token, True),
    "flickr.people.getInfo": (rest_photo.people_get_info, False),
    "flickr.people.getPhotos": (rest_lists.people_get_photos, False),
    "flickr.photos.search": (rest_lists.photos_search, False),
    "flickr.photos.getNotInSet": (rest_lists.photos_get_not_in_set, True),
    "flickr.photos.recentlyUpdated": (rest_lists.photos_recently_updated, True),
    "flickr.photos.getCounts": (rest_lists.photos_get_counts, True),
    "flickr.photosets.getList": (rest_lists.photosets_get_list, False),
    "flickr.photosets.getPhotos": (rest_lists.photosets_get_photos, False),
    "flickr.photos.getInfo": (rest_photo.photos_get_info, False),
    "flickr.photos.comments.getList": (rest_photo.photos_comments_get_list, False),
    "flickr.photos.getExif": (rest_photo.photos_get_exif, False),
    "flickr.photos.getSizes": (rest_photo.photos_get_sizes, False),
    "flickr.photos.people.getList": (rest_photo.photos_people_get_list, False),
    "flickr.photosets.comments.getList": (rest_account.photosets_comments_get_list, False),
    "flickr.collections.getTree": (rest_account.collections_get_tree, False),
    "flickr.favorites.getList": (rest_account.favorites_get_list, True),  # "read" in the docs
    "flickr.galleries.getList": (rest_account.galleries_get_list, False),
    "flickr.galleries.getPhotos": (rest_account.galleries_get_photos, False),
    "flickr.people.getGroups": (rest_account.people_get_groups, True),
    "flickr.contacts.getList": (rest_account.contacts_get_list, True),
    "flickr.tags.getListUserRaw": (rest_tags.tags_get_list_user_raw, True),
    "flickr.places.getInfo": (rest_places.places_get_info, False),
}


def html_error(status: int, fault: ApiFault | None = None) -> web.Response:
    """Infrastructure failures are HTML pages, not JSON: clients must not json.loads blindly."""
    if status == 429:
        body = f"<html><body>{TOO_MANY}</body></html>"
        headers = {}
        if fault is not None and fault.retry_after is not None:
            headers["Retry-After"] = str(int(fault.retry_after))
        return web.Response(status=429, text=body, content_type="text/html", headers=headers)
    body = f"<html><head><title>{status}</title></head><body><h1>Flickr is having a massage</h1></body></html>"  # noqa: E501
    return web.Response(status=status, text=body, content_type="text/html")


def oauth_problem(problem: str) -> web.Response:
    """What the real REST endpoint sends for a bad signature or a revoked token."""
    body = f"oauth_problem={problem}&debug_sbs=GET%26https%253A%252F%252Fwww.flickr.com"
    return web.Response(status=401, text=body, content_type="text/plain")


def render(payload: JSONDict, params: Mapping[str, str]) -> web.Response:
    fmt = params.get("format", "")
    if fmt != "json":
        # Flickr's default is XML (format=rest); this fake speaks JSON only, and says so.
        text = (
            '<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="fail">\n'
            f'\t<err code="111" msg="Format &quot;{fmt or "rest"}&quot; not found (fake: json only)" />\n'  # noqa: E501
            "</rsp>\n"
        )
        return web.Response(text=text, content_type="text/xml")
    # Real Flickr escapes "/" inside strings; a JSON parser does not care, a regex might.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")
    body = finish_body(body)
    if params.get("nojsoncallback") == "1":
        return web.Response(text=body, content_type="application/json")
    callback = params.get("jsoncallback") or "jsonFlickrApi"
    return web.Response(text=f"{callback}({body})", content_type="text/javascript")


def fail(code: int, message: str) -> JSONDict:
    return {"stat": "fail", "code": code, "message": message}


def call(ctx: ServerContext, caller: Caller, method: str, params: Mapping[str, str]) -> JSONDict:
    entry = METHODS.get(method)
    if entry is None:
        raise ApiFail(112, f'Method "{method}" not found')
    implementation, needs_login = entry
    if needs_login and not caller.is_owner:
        raise ApiFail(99, "User not logged in / Insufficient permissions")
    photo_id = params.get("photo_id") or params.get("photoset_id") or params.get("gallery_id")
    if photo_id:
        code = ctx.faults.take_photo_method_fault(method, photo_id)
        if code is not None:
            raise ApiFail(code, "Photo not found" if code == 1 else "Injected failure")
    return implementation(ctx, caller, clamp_per_page(ctx, method, params))


def clamp_per_page(ctx: ServerContext, method: str, params: Mapping[str, str]) -> Mapping[str, str]:
    """Apply a `max_per_page` knob: Flickr clamps per_page silently (absent means the
    method's default, which the clamp caps too); the answer reports the clamped perpage."""
    cap = ctx.faults.page_cap(method)
    if cap is None:
        return params
    asked = int_param(params, "per_page", cap)
    return {**params, "per_page": str(asked if 1 <= asked <= cap else cap)}


async def handle_rest(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    pairs, header = await request_params(request)
    params: dict[str, Any] = dict(pairs)
    method = params.get("method", "")
    ctx.counters.count_api(method, params.get("photo_id"))
    fault = ctx.faults.take_api_fault(method)  # the quota counts a call when it arrives
    if ctx.faults.api_latency:
        await asyncio.sleep(ctx.faults.api_latency)
    if fault is not None and fault.kind in ("http", "rate"):
        if fault.status == 429:
            ctx.counters.count_too_many(method)
        return html_error(fault.status, fault)
    if fault is not None:
        return render(fail(fault.code, fault.message), params)
    if (bomb := hostile_bombs.api_answer(ctx, method)) is not None:
        return bomb
    try:
        caller = authenticate(ctx, request, pairs, header)
        payload = call(ctx, caller, method, params)
        if ctx.rewrite is not None:
            payload = ctx.rewrite(method, payload)
    except OAuthRejected as exc:
        if ctx.oauth_401:
            return oauth_problem(exc.problem)
        return render(fail(exc.code, exc.message), params)
    except ApiFail as exc:
        return render(fail(exc.code, ctx.hostile.message_for(method, exc.message)), params)
    return render({**ctx.hostile.apply(payload), "stat": "ok"}, params)
