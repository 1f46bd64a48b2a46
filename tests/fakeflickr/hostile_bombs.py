"""Hostile Flickr, off by default: answers and files built to exhaust the client.

What a compromised mirror, a proxy in the middle, or other members' text can send:
- `bomb_api(method)`: that method's answer (every method's with "*") is a gzip bomb, 200 MiB
  of JSON-looking spaces in about 200 KB, labelled `Content-Encoding: gzip`;
- `gzip_original(photo_id)`: the photo's original is sent gzip-encoded whatever the client
  asked for (`Accept-Encoding: identity`), as a bomb of the same kind;
- `endless_original(photo_id)`: the original comes as a chunked body that never ends (it
  stops after `endless_cap` bytes per request, so a client without a ceiling fails a test
  instead of filling the disk);
- `plant_quadratic_html(library)`: a comment, a description and a favourite's description
  made of the markup Python 3.11's html.parser takes quadratic time over.

The server asks `api_answer` and `file_answer` first (one line each in rest.py and files.py);
both answer None unless armed.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from aiohttp import web

from tests.fakeflickr.model import FakeComment

if TYPE_CHECKING:
    from tests.fakeflickr.context import ServerContext
    from tests.fakeflickr.library import Library

BOMB_INFLATED = 200 << 20
HOSTILE_HTML_SIZE = 150_000
# The markup 3.11's HTMLParser rescans the rest of the input for, at every repetition.
QUADRATIC_PATTERN = "<a href=x "


@lru_cache(maxsize=4)
def gzip_bomb(inflated: int) -> bytes:
    """`inflated` bytes of spaces, gzip-compressed (about a thousandth of the size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1 << 20)
    parts = [packer.compress(block) for _ in range(inflated >> 20)]
    return b"".join([*parts, packer.compress(b" " * (inflated & ((1 << 20) - 1))), packer.flush()])


def quadratic_html(size: int = HOSTILE_HTML_SIZE) -> str:
    return (QUADRATIC_PATTERN * (size // len(QUADRATIC_PATTERN) + 1))[:size]


@dataclass
class Bombs:
    """The knobs; arm from the test thread, the server thread reads them."""

    api_methods: set[str] = field(default_factory=set)
    api_inflated: int = BOMB_INFLATED
    gzip_originals: set[str] = field(default_factory=set)
    original_inflated: int = BOMB_INFLATED
    endless_originals: set[str] = field(default_factory=set)
    endless_cap: int = 256 << 20
    endless_sent: dict[str, int] = field(default_factory=dict)  # photo id -> bytes, all requests
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bomb_api(self, method: str = "*", inflated: int = BOMB_INFLATED) -> None:
        with self.lock:
            self.api_methods.add(method)
            self.api_inflated = inflated

    def gzip_original(self, photo_id: str | int, inflated: int = BOMB_INFLATED) -> None:
        with self.lock:
            self.gzip_originals.add(str(photo_id))
            self.original_inflated = inflated

    def endless_original(self, photo_id: str | int) -> None:
        with self.lock:
            self.endless_originals.add(str(photo_id))


def api_answer(ctx: ServerContext, method: str) -> web.Response | None:
    """A gzip bomb for an armed method, else None (the real answer follows)."""
    bombs = ctx.bombs
    with bombs.lock:
        armed = method in bombs.api_methods or "*" in bombs.api_methods
        inflated = bombs.api_inflated
    if not armed:
        return None
    return web.Response(
        body=gzip_bomb(inflated),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )


async def file_answer(
    request: web.Request, ctx: ServerContext, photo_id: str, what: str
) -> web.StreamResponse | None:
    """A hostile original for an armed photo, else None (the real file follows)."""
    if what != "original":
        return None
    bombs = ctx.bombs
    with bombs.lock:
        gzipped = photo_id in bombs.gzip_originals
        endless = photo_id in bombs.endless_originals
        inflated, cap = bombs.original_inflated, bombs.endless_cap
    if gzipped:
        return web.Response(
            body=gzip_bomb(inflated),
            headers={"Content-Encoding": "gzip", "Content-Type": "image/jpeg"},
        )
    if endless:
        return await _endless(request, bombs, photo_id, cap)
    return None


async def _endless(
    request: web.Request, bombs: Bombs, photo_id: str, cap: int
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    piece = b"\xff" * (64 << 10)
    sent = 0
    try:
        while sent < cap:
            await response.write(piece)
            sent += len(piece)
            with bombs.lock:
                bombs.endless_sent[photo_id] = bombs.endless_sent.get(photo_id, 0) + len(piece)
    except (ConnectionError, RuntimeError):
        return response  # the client hung up: what a client with a ceiling does
    if request.transport is not None:
        request.transport.close()  # never a last chunk: the body just stops
    return response


def plant_quadratic_html(library: Library, size: int = HOSTILE_HTML_SIZE) -> dict[str, str]:
    """A hostile comment and description on the first photo, and a hostile description on
    the first favourite's photo; returns which ids carry them."""
    text = quadratic_html(size)
    with library.lock:
        photo = library.photos[0]
        photo.description = text
        photo.comments.append(
            FakeComment(
                id=f"{photo.id}-hostile",
                author="66666666@N06",
                authorname="mallory",
                datecreate=photo.dateupload + 60,
                text=text,
            )
        )
        planted = {"photo": photo.id}
        if library.favorites:
            faved = library.find_any(library.favorites[0].photo_id)
            if faved is not None:
                faved.description = text
                planted["favourite"] = faved.id
        library.version += 1
    return planted
