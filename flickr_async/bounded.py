"""read_answer(): an HTTP answer's body within a ceiling, on the wire and once inflated.

aiohttp inflates a gzip answer transparently and `resp.read()` keeps all of it: a 204 KB
answer can stand for 200 MiB. The API asks for its answers compressed (they are JSON, and
Flickr gzips them), so the request turns aiohttp's decompression off and this module
inflates chunk by chunk, never holding more than `limit` bytes: a bomb, an endless stream or
a lying Content-Length ends as TooLargeError (never retried), not as a full memory.

A run reads a dozen answers at once; if each could grow to the limit, a dozen bombs would
cost a dozen limits. With an AnswerMemory shared by a run's calls, an answer grows freely up
to `LARGE_ANSWER` and past that only one at a time: a dozen bombs at once cost a dozen MiB
and one limit, and the rare big answer (the account's tag list) waits its turn.
"""

from __future__ import annotations

import asyncio
import zlib

import aiohttp

from flickr_async.errors import NetworkError, TooLargeError

# The one Accept-Encoding the API sends: what this module can inflate (never br or zstd,
# which aiohttp would offer when their optional packages happen to be installed).
ACCEPTED_ENCODINGS = "gzip, deflate"
CHUNK = 1 << 16
# The largest API (or OAuth) answer accepted, as received and once inflated. A 500-item
# listing page with every extra is about 1 MB, a photo's full comment list or the account's
# whole tag list a few MB: 32 MiB is far beyond any real answer and bounds a bomb's cost.
MAX_ANSWER_BYTES = 32 << 20
LARGE_ANSWER = 1 << 20  # past this, answers are read one at a time
INFLATE_STEP = 1 << 20  # what one chunk may inflate to before the checks run again


class AnswerMemory:
    """Shared by every answer of a run: the right to grow past LARGE_ANSWER, one at a time."""

    def __init__(self, large: int = LARGE_ANSWER) -> None:
        self.large = large
        self.turn = asyncio.Lock()


def mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


def _inflater(encoding: str, what: str) -> zlib._Decompress | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib-wrapped (or gzip) data
    raise NetworkError(f"{what}: answer in an encoding never asked for ({encoding[:20]!r})")


async def read_answer(
    resp: aiohttp.ClientResponse, *, limit: int, what: str, memory: AnswerMemory | None = None
) -> bytes:
    """The body of `resp` (requested with `auto_decompress=False`), inflated, at most `limit`
    bytes both as received and as inflated; TooLargeError as soon as either is passed.
    With `memory`, the body grows past its `large` size only while holding its turn."""
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    inflater = _inflater(encoding, what)
    if resp.content_length is not None and resp.content_length > limit:
        raise TooLargeError(f"{what}: answer of {resp.content_length} bytes refused "
                            f"(more than {mib(limit)})")  # fmt: skip
    body = bytearray()
    received = 0
    turn: asyncio.Lock | None = None  # held once the body outgrows memory.large
    try:
        async for chunk in resp.content.iter_chunked(CHUNK):
            received += len(chunk)
            if received > limit:
                raise TooLargeError(f"{what}: answer refused after {mib(limit)} received")
            pending = chunk
            while pending:
                if inflater is None:
                    body += pending
                    pending = b""
                else:
                    # At most one step, and never more than one byte past the room left:
                    # getting that byte back means the answer is too big, and the rest of
                    # the chunk is never inflated.
                    room = limit - len(body) + 1
                    body += inflater.decompress(pending, min(INFLATE_STEP, room))
                    pending = inflater.unconsumed_tail
                if len(body) > limit:
                    raise TooLargeError(
                        f"{what}: answer refused: it inflates past {mib(limit)} "
                        f"({received} bytes received)"
                    )
                if memory is not None and turn is None and len(body) > memory.large:
                    # Held only once acquired: a task cancelled while it waits must not
                    # release the turn of the task that holds it (asyncio.Lock has no owner).
                    await memory.turn.acquire()
                    turn = memory.turn
        if inflater is not None:
            body += inflater.flush()
            if not inflater.eof:
                raise NetworkError(f"{what}: truncated {encoding} answer")
    except zlib.error as exc:
        body.clear()
        raise NetworkError(f"{what}: corrupt {encoding} answer ({exc})") from exc
    except BaseException:
        # The error is kept (a failed item's record, a log line) with its traceback, and
        # so with this frame: a refused answer's bytes must not live on in it.
        body.clear()
        raise
    finally:
        if turn is not None:
            turn.release()
    if len(body) > limit:
        raise TooLargeError(f"{what}: answer refused: it inflates past {mib(limit)}")
    return bytes(body)
