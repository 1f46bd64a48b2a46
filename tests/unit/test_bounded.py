"""read_answer and the API's use of it: a bomb, an endless or an oversized answer is refused
within its ceiling, once, and a normal compressed answer still reads whole."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from flickr_async import api as api_module
from flickr_async.api import FlickrAPI
from flickr_async.bounded import AnswerMemory, read_answer
from flickr_async.errors import NetworkError, TooLargeError
from flickr_async.ratelimit import TokenBucket
from flickr_async.retry import RetryPolicy
from flickr_async.settings import Settings

LIMIT = 256 << 10
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Served:
    """A one-route server whose handler a test sets; counts requests and body bytes sent."""

    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.requests = 0
        self.sent = 0
        self.accept_encoding: list[str] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.accept_encoding.append(request.headers.get("Accept-Encoding", ""))
        assert self.handler is not None
        return await self.handler(request)

    async def stream(
        self,
        request: web.Request,
        pieces: AsyncIterator[bytes],
        *,
        encoding: str = "",
        length: int | None = None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if encoding:
            response.headers["Content-Encoding"] = encoding
        if length is not None:
            response.content_length = length
        await response.prepare(request)
        try:
            async for piece in pieces:
                await response.write(piece)
                self.sent += len(piece)
        except (ConnectionResetError, RuntimeError):
            return response  # the client stopped reading: what we wanted to see
        await response.write_eof()
        return response


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    state = Served()
    app = web.Application()
    app.router.add_get("/services/rest/", state.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        state.url = str(server.make_url("/services/rest/"))
        yield state


async def fetch(served: Served, *, limit: int = LIMIT) -> bytes:
    async with (
        aiohttp.ClientSession() as session,
        session.get(served.url, auto_decompress=False) as resp,
    ):
        return await read_answer(resp, limit=limit, what="flickr.test.login")


def gzip_bomb(inflated: int) -> bytes:
    """`inflated` zero bytes, gzip-compressed (about a thousandth of the size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(inflated >> 20)]
    return b"".join([*parts, packer.flush()])


async def in_pieces(data: bytes, size: int = 1 << 14) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def endless(piece: bytes) -> AsyncIterator[bytes]:
    while True:
        yield piece


# --- read_answer ---------------------------------------------------------------------------


async def test_a_gzip_answer_is_inflated_whole(served: Served) -> None:
    payload = json.dumps({"stat": "ok", "items": ["x" * 100] * 1000}).encode()

    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(gzip.compress(payload)), encoding="gzip")

    served.handler = handler
    assert await fetch(served, limit=len(payload)) == payload


async def test_a_deflate_answer_is_inflated_whole(served: Served) -> None:
    payload = b'{"stat":"ok"}' * 500

    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(zlib.compress(payload)), encoding="deflate")

    served.handler = handler
    assert await fetch(served) == payload


async def test_a_gzip_bomb_is_refused_as_soon_as_it_inflates_past_the_limit(
    served: Served,
) -> None:
    bomb = gzip_bomb(64 << 20)  # 64 MiB of zeros in about 64 KB

    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(bomb, 1 << 10), encoding="gzip")

    served.handler = handler
    with pytest.raises(TooLargeError, match=r"inflates past 0\.25 MiB"):
        await fetch(served)


class Pulled:
    """A response stand-in that counts the chunks read_answer takes from it."""

    def __init__(self, chunks: list[bytes], encoding: str) -> None:
        self.headers = {"Content-Encoding": encoding}
        self.content_length = None
        self.content = self
        self.chunks = chunks
        self.taken = 0

    async def iter_chunked(self, size: int) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.taken += 1
            yield chunk


async def test_a_bomb_is_read_no_further_than_the_chunk_that_passes_the_limit() -> None:
    bomb = gzip_bomb(64 << 20)
    resp = Pulled([bomb[i : i + 1024] for i in range(0, len(bomb), 1024)], "gzip")
    with pytest.raises(TooLargeError):
        await read_answer(resp, limit=LIMIT, what="x")  # type: ignore[arg-type]
    # 256 KiB of zeros is well under 1 KB compressed: the second chunk already passes it,
    # and the other 62 never leave the socket.
    assert resp.taken <= 2 < len(resp.chunks)


async def test_an_endless_answer_stops_at_the_limit_received(served: Served) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, endless(b"x" * 4096))

    served.handler = handler
    with pytest.raises(TooLargeError, match=r"refused after 0\.25 MiB received"):
        await fetch(served)


async def test_compressed_noise_that_inflates_to_nothing_still_stops_at_the_limit(
    served: Served,
) -> None:
    # Deflate's empty stored blocks: endless input that never inflates to a single byte.
    async def noise() -> AsyncIterator[bytes]:
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        yield packer.compress(b"") + packer.flush(zlib.Z_FULL_FLUSH)
        while True:
            yield b"\x00\x00\x00\xff\xff" * 1024

    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, noise(), encoding="gzip")

    served.handler = handler
    with pytest.raises(TooLargeError, match="received"):
        await fetch(served)


async def test_an_announced_length_past_the_limit_is_refused_before_reading(
    served: Served,
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"x" * (LIMIT + 1), content_type="application/json")

    served.handler = handler
    with pytest.raises(TooLargeError, match=f"answer of {LIMIT + 1} bytes refused"):
        await fetch(served)


async def test_a_truncated_gzip_answer_is_a_network_error(served: Served) -> None:
    cut = gzip.compress(b'{"stat":"ok"}' * 1000)[:-20]

    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(cut), encoding="gzip")

    served.handler = handler
    with pytest.raises(NetworkError, match="truncated gzip answer"):
        await fetch(served)


async def test_an_encoding_never_asked_for_is_a_network_error(served: Served) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(b"\x00" * 10), encoding="br")

    served.handler = handler
    with pytest.raises(NetworkError, match="encoding never asked for"):
        await fetch(served)


# --- through FlickrAPI ---------------------------------------------------------------------


async def test_the_api_asks_for_gzip_and_refuses_a_bomb_once_without_retrying(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_module, "MAX_ANSWER_BYTES", LIMIT)
    bomb = gzip_bomb(8 << 20)

    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(bomb), encoding="gzip")

    served.handler = handler

    async def no_sleep(_: float) -> None:
        return None

    settings = Settings(
        api_key="k", api_secret="s", oauth_token="t", oauth_token_secret="ts",
        api_base=served.url.removesuffix("/rest/"),
    )  # fmt: skip
    async with aiohttp.ClientSession() as session:
        flickr = FlickrAPI(
            settings, session, TokenBucket(100.0, 100), RetryPolicy(attempts=6, sleep=no_sleep)
        )
        with pytest.raises(TooLargeError, match=r"^flickr\.test\.login: answer refused"):
            await flickr.test_login()
    assert served.requests == 1
    assert served.accept_encoding == ["gzip, deflate"]


async def test_the_api_reads_a_normal_gzip_answer(served: Served) -> None:
    payload = {"stat": "ok", "user": {"id": "12@N01", "username": {"_content": "me"}}}

    async def handler(request: web.Request) -> web.StreamResponse:
        body = gzip.compress(json.dumps(payload).encode())
        return await served.stream(request, in_pieces(body), encoding="gzip")

    served.handler = handler
    settings = Settings(
        api_key="k", api_secret="s", oauth_token="t", oauth_token_secret="ts",
        api_base=served.url.removesuffix("/rest/"),
    )  # fmt: skip
    async with aiohttp.ClientSession() as session:
        flickr = FlickrAPI(settings, session, TokenBucket(100.0, 100))
        user = await flickr.test_login()
    assert user.nsid == "12@N01"


async def test_only_one_answer_at_a_time_grows_past_the_large_size() -> None:
    memory = AnswerMemory(large=1000)
    gate = asyncio.Event()

    class Gated(Pulled):
        async def iter_chunked(self, size: int) -> AsyncIterator[bytes]:
            yield self.chunks[0]  # past the large size: takes the turn
            await gate.wait()
            for chunk in self.chunks[1:]:
                yield chunk

    first = Gated([b"a" * 2000, b"b"], "")
    second = Pulled([b"c" * 500, b"d" * 1500], "")
    reading_first = asyncio.create_task(read_answer(first, limit=LIMIT, what="1", memory=memory))  # type: ignore[arg-type]
    for _ in range(5):
        await asyncio.sleep(0)
    reading_second = asyncio.create_task(read_answer(second, limit=LIMIT, what="2", memory=memory))  # type: ignore[arg-type]
    for _ in range(5):
        await asyncio.sleep(0)
    assert memory.turn.locked()
    assert second.taken == 2 and not reading_second.done()  # waits past 1000 bytes
    gate.set()
    assert await reading_first == b"a" * 2000 + b"b"
    assert await reading_second == b"c" * 500 + b"d" * 1500
    assert not memory.turn.locked()


async def test_a_refused_answer_gives_the_turn_back() -> None:
    memory = AnswerMemory(large=1000)
    with pytest.raises(TooLargeError):
        # past the large size with the first chunk, past the limit with the second
        await read_answer(
            Pulled([b"x" * 2000, b"x" * 2500], ""), limit=4000, what="x", memory=memory
        )  # type: ignore[arg-type]
    assert not memory.turn.locked()


def test_an_answer_nested_past_the_parsers_depth_is_unparsable_not_a_crash() -> None:
    from flickr_async.api import decode_body

    with pytest.raises(NetworkError, match="unparsable response"):
        decode_body("flickr.test.login", 200, b"[" * 100_000)


async def test_a_read_cancelled_while_waiting_for_its_turn_leaves_the_holders_turn(
    served: Served,
) -> None:
    # Ctrl-C or a stage's error cancels a read that waits to grow past `large`: the turn is
    # still the holder's (asyncio.Lock has no owner, a release by the waiter frees it).
    async def handler(request: web.Request) -> web.StreamResponse:
        return await served.stream(request, in_pieces(b"x" * 4096, 1024))

    served.handler = handler

    class Watched(asyncio.Lock):
        """Tells when a reader asks for the turn (it then waits: the turn is held)."""

        def __init__(self) -> None:
            super().__init__()
            self.asked = asyncio.Event()

        async def acquire(self) -> bool:
            self.asked.set()  # no await before the waiter is queued in Lock.acquire
            return await super().acquire()

    memory = AnswerMemory(large=100)
    memory.turn = turn = Watched()
    await turn.acquire()  # another answer's read holds it
    turn.asked.clear()

    async def read() -> bytes:
        async with (
            aiohttp.ClientSession() as session,
            session.get(served.url, auto_decompress=False) as resp,
        ):
            return await read_answer(resp, limit=LIMIT, what="flickr.photos.getInfo", memory=memory)

    waiting = asyncio.create_task(read())
    async with asyncio.timeout(10):
        await turn.asked.wait()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert memory.turn.locked()  # still the holder's
    memory.turn.release()  # and its own release works
