"""read_answer(): an HTTP answer's body within a ceiling, on the wire and once inflated.

aiohttp inflates a gzip answer transparently and `resp.read()` keeps all of it: a 204 KB
answer can stand for 200 MiB. The API asks for its answers compressed (they are JSON, and
Flickr gzips them), so the request turns aiohttp's decompression off and this module
inflates chunk by chunk, never holding more than `limit` bytes: a bomb, an endless stream or
a lying Content-Length ends as TooLargeError (never retried), not as a full memory.
"""

from __future__ import annotations

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


async def read_answer(resp: aiohttp.ClientResponse, *, limit: int, what: str) -> bytes:
    """The body of `resp` (requested with `auto_decompress=False`), inflated, at most `limit`
    bytes both as received and as inflated; TooLargeError as soon as either is passed."""
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    inflater = _inflater(encoding, what)
    if resp.content_length is not None and resp.content_length > limit:
        raise TooLargeError(f"{what}: answer of {resp.content_length} bytes refused "
                            f"(more than {mib(limit)})")  # fmt: skip
    body = bytearray()
    received = 0
    try:
        async for chunk in resp.content.iter_chunked(CHUNK):
            received += len(chunk)
            if received > limit:
                raise TooLargeError(f"{what}: answer refused after {mib(limit)} received")
            if inflater is None:
                body += chunk
                continue
            # One byte more than the room left: getting it back means the answer is too big,
            # and the rest of this chunk is never inflated.
            body += inflater.decompress(chunk, limit - len(body) + 1)
            if len(body) > limit:
                raise TooLargeError(
                    f"{what}: answer refused: it inflates past {mib(limit)} "
                    f"({received} bytes received)"
                )
        if inflater is not None:
            body += inflater.flush()
            if not inflater.eof:
                raise NetworkError(f"{what}: truncated {encoding} answer")
    except zlib.error as exc:
        raise NetworkError(f"{what}: corrupt {encoding} answer ({exc})") from exc
    if len(body) > limit:
        raise TooLargeError(f"{what}: answer refused: it inflates past {mib(limit)}")
    return bytes(body)
