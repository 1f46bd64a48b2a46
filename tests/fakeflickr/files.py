"""Static files and videos: originals, smaller sizes, /play/ redirects to a signed CDN URL.

Every response has a Content-Length; `Range: bytes=N-` gets 206; the file faults (status,
reset, truncate, misrange), the CDN's own limit on files in flight, bandwidth, latency and
no_range knobs apply here.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import socket
import struct
from collections.abc import Callable

from aiohttp import web

from tests.fakeflickr import hostile_bombs
from tests.fakeflickr.content import Blob, BytesBlob, make_original, make_rendition, make_video
from tests.fakeflickr.context import CTX, ServerContext
from tests.fakeflickr.faults import CDN_TOO_MANY, FileSlot
from tests.fakeflickr.model import FakePhoto
from tests.fakeflickr.sizes import (
    BY_SUFFIX,
    available_sizes,
    has_original,
    play_secret,
    size_secret,
    stream_ext,
    video_streams,
)

STATIC_NAME = re.compile(r"^(\d+)_([0-9a-f]+)(?:_([0-9a-z]+))?\.([0-9a-z]+)$")
CDN_NAME = re.compile(r"^(\d+)_([0-9a-f]+)_([0-9a-z]+)\.([0-9a-z]+)$")
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "mov": "video/quicktime",
    "mp4": "video/mp4",
    "m4v": "video/x-m4v",
}
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


# --- what bytes a URL means ------------------------------------------------------------------


def blob_key(photo: FakePhoto, what: str) -> tuple[str, ...]:
    """Everything that determines a file's bytes."""
    return (photo.id, str(photo.version), what, str(photo.file_size))


def image_blob(ctx: ServerContext, photo: FakePhoto, suffix: str) -> Blob:
    """The image behind `{id}_{secret}_{suffix}.jpg`; "o" is the original (a video's poster)."""
    seed = ctx.library.seed
    key = blob_key(photo, suffix)
    data = ctx.content.get(key)
    if data is None:
        if suffix == "o":
            data = (
                make_rendition(seed, photo, None) if photo.is_video else make_original(seed, photo)
            )
        else:
            data = make_rendition(seed, photo, BY_SUFFIX[suffix])
        ctx.content.put(key, data)
    return BytesBlob(data)


def video_blob(ctx: ServerContext, photo: FakePhoto, play: str) -> Blob:
    lib = ctx.library
    huge = lib.huge_video_size if play == "orig" and photo.id == lib.huge_video_id else 0
    return make_video(lib.seed, photo, play, huge)


def original_blob(ctx: ServerContext, photo: FakePhoto) -> Blob:
    """The true original: the uploaded image, or the uploaded video (not its poster)."""
    return video_blob(ctx, photo, "orig") if photo.is_video else image_blob(ctx, photo, "o")


def _static_target(ctx: ServerContext, server: str, name: str) -> tuple[FakePhoto, str, str] | None:
    """(photo, suffix, ext) for a valid static URL, or None (404)."""
    match = STATIC_NAME.match(name)
    if not match:
        return None
    photo_id, secret, suffix, ext = match.groups(default="")
    lib = ctx.library
    with lib.lock:
        photo = lib.find_any(photo_id)  # favourites' and gallery photos' files too
        if photo is None or photo.server != server:
            return None
        if suffix == "o":
            ok = secret == photo.originalsecret and ext == photo.originalformat
            return (photo, "o", ext) if ok and has_original(photo, lib.pro) else None
        spec = BY_SUFFIX.get(suffix)
        if spec is None or spec not in available_sizes(photo, lib.pro) or ext != "jpg":
            return None
        return (photo, suffix, ext) if secret == size_secret(photo, spec) else None


def _cdn_signature(ctx: ServerContext, name: str) -> str:
    return hmac.new(ctx.cdn_key.encode(), name.encode(), hashlib.sha256).hexdigest()[:20]


def _allowed_plays(ctx: ServerContext, photo: FakePhoto) -> set[str]:
    assert photo.video is not None
    plays = {s.play for s in video_streams(photo)}
    if photo.video.has_original and ctx.library.pro:
        plays.add("orig")
    return plays


# --- HTTP ------------------------------------------------------------------------------


def _not_found() -> web.Response:
    return web.Response(
        status=404, text="<html><body>404 Not Found</body></html>", content_type="text/html"
    )


async def handle_static(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    target = _static_target(ctx, request.match_info["server"], request.match_info["name"])
    if target is None:
        return _not_found()
    photo, suffix, ext = target
    return await serve(
        request,
        ctx,
        photo.id,
        lambda: image_blob(ctx, photo, suffix),
        CONTENT_TYPES.get(ext, "image/jpeg"),
        what="original" if suffix == "o" and not photo.is_video else suffix,
    )


async def handle_play(request: web.Request) -> web.StreamResponse:
    """`/play/<label>/<secret>/` answers 302 to a signed CDN URL carrying the real extension."""
    ctx = request.app[CTX]
    play, secret = request.match_info["play"], request.match_info["secret"]
    lib = ctx.library
    with lib.lock:
        photo = lib.find(request.match_info["id"])
        if photo is None or photo.video is None or play not in _allowed_plays(ctx, photo):
            return _not_found()
        if secret != play_secret(photo, play):
            return _not_found()
        name = f"{photo.id}_{secret}_{play}.{stream_ext(photo, play)}"
    raise web.HTTPFound(f"{ctx.origin}/cdn/video/{name}?sig={_cdn_signature(ctx, name)}")


async def handle_cdn(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CTX]
    name = request.match_info["name"]
    match = CDN_NAME.match(name)
    if not match or not hmac.compare_digest(
        request.query.get("sig", ""), _cdn_signature(ctx, name)
    ):
        return web.Response(
            status=403, text="<html><body>403 Forbidden</body></html>", content_type="text/html"
        )
    photo = ctx.library.find(match.group(1))
    if photo is None or photo.video is None:
        return _not_found()
    play, ext = match.group(3), match.group(4)
    headers = {"Content-Disposition": f'attachment; filename="{photo.id}.{ext}"'}
    return await serve(
        request,
        ctx,
        photo.id,
        lambda: video_blob(ctx, photo, play),
        CONTENT_TYPES.get(ext, "video/mp4"),
        headers,
        what="original" if play == "orig" else play,
    )


def _range(request: web.Request, size: int, ctx: ServerContext) -> tuple[int, int] | None:
    """(start, end) of a satisfiable `Range: bytes=N-[M]`, else None (serve everything)."""
    header = request.headers.get("Range", "")
    match = RANGE.match(header.strip())
    if ctx.faults.no_range or not match:
        return None
    start = int(match.group(1))
    end = int(match.group(2)) + 1 if match.group(2) else size
    return start, min(end, size)


async def serve(
    request: web.Request,
    ctx: ServerContext,
    photo_id: str,
    blob_of: Callable[[], Blob],
    content_type: str,
    headers: dict[str, str] | None = None,
    *,
    what: str = "",
) -> web.StreamResponse:
    slot = ctx.counters.file_slot(photo_id, what)
    try:
        refusal = ctx.faults.take_cdn_refusal(slot.in_flight)
        if refusal is not None:
            slot.release()  # a refused request holds no place among those being served
            ctx.counters.file_throttled()
            extra = {"Retry-After": refusal.retry_after} if refusal.retry_after else {}
            return web.Response(
                status=429, text=CDN_TOO_MANY, content_type="text/html", headers=extra
            )
        asks_range = RANGE.match(request.headers.get("Range", "").strip()) is not None
        fault = ctx.faults.take_file_fault(
            photo_id, what, ranged=asks_range and not ctx.faults.no_range
        )
        if fault is not None and fault.kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            if fault.status == 429:
                slot.release()
                ctx.counters.file_throttled()
            return web.Response(
                status=fault.status,
                text=f"<html><body>{fault.status}</body></html>",
                content_type="text/html",
                headers=extra,
            )
        if (hostile := await hostile_bombs.file_answer(request, ctx, photo_id, what)) is not None:
            return hostile
        if ctx.faults.file_latency:
            await asyncio.sleep(ctx.faults.file_latency)
        blob: Blob = await asyncio.to_thread(blob_of)
        size = blob.size
        span = _range(request, size, ctx)
        if fault is not None and fault.kind == "misrange":
            span = (0, size)  # a 206 all the same, from the wrong offset, labelled truthfully
        if span is not None and span[0] >= size:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{size}"})
        start, end = span or (0, size)
        response = web.StreamResponse(status=206 if span else 200, headers=headers or {})
        response.content_type = content_type
        response.content_length = end - start
        response.headers["Accept-Ranges"] = "bytes"
        if span:
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        if end == start:
            slot.release()
        await response.prepare(request)
        await _stream(
            request, ctx, response, blob, (start, end), slot, fault.kind if fault else None
        )
        return response
    finally:
        slot.release()


async def _stream(
    request: web.Request,
    ctx: ServerContext,
    response: web.StreamResponse,
    blob: Blob,
    span: tuple[int, int],
    slot: FileSlot,
    fault: str | None,
) -> None:
    bandwidth = ctx.faults.file_bandwidth
    chunk = max(1024, min(64 * 1024, int(bandwidth / 20))) if bandwidth else 64 * 1024
    start, end = span
    length = end - start
    # reset: drop the connection after a third; truncate: send half, then close cleanly.
    stop_after = {"reset": max(1, length // 3), "truncate": length // 2}.get(fault or "", length)
    sent = 0
    for piece in blob.chunks(start, start + stop_after, chunk):
        sent += len(piece)
        if sent >= length:
            slot.release()  # before the last bytes, so counters are right when they arrive
        ctx.counters.add_bytes(slot.photo_id, len(piece))
        await response.write(piece)
        if bandwidth:
            await asyncio.sleep(len(piece) / bandwidth)
    transport = request.transport
    if fault == "reset" and transport is not None:
        # SO_LINGER 0 makes close() send an RST: the client sees "connection reset by peer".
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    elif fault == "truncate" and transport is not None:
        transport.close()  # flushes what was written, then FIN: a short body, no error
    else:
        await response.write_eof()
