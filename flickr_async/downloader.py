"""Fetching files from Flickr's file servers into resumable .part files.

FileFetcher streams one URL (resume, retries, the shared files-in-flight limit and 429 pause,
a size ceiling); PhotoFetcher picks a photo's best source and falls back to the next; the
Downloader workers serve the run's download jobs with a PhotoFetcher each. Favourites call a
PhotoFetcher and thumbnails a FileFetcher directly: no queue needed."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiofiles
import aiohttp

from flickr_async import layout
from flickr_async.api import FlickrAPI, parse_retry_after, throttle_for
from flickr_async.bounded import mib
from flickr_async.confine import UnsafePath
from flickr_async.errors import (
    DownloadError,
    NetworkError,
    RateLimitedError,
    StorageError,
    TooLargeError,
)
from flickr_async.fsutil import DISK_ERRNOS
from flickr_async.jobs import Downloaded, Job, Message, Reason, Stats, serve_jobs
from flickr_async.models import DownloadRecord, Photo, Size
from flickr_async.ratelimit import AdaptiveLimit, Throttle, Transfer
from flickr_async.retry import RetryPolicy
from flickr_async.settings import Settings

log = logging.getLogger(__name__)

CHUNK = 1 << 18  # 256 KiB: large enough for throughput, small enough to keep memory flat
FLUSH = 1 << 20  # write and hash a worker's chunks 1 MiB at a time, off the event loop
READ_BUFFER = 1 << 20  # aiohttp's 64 KiB default pauses the socket far too often at 100+ MB/s
HASH_BLOCK = 1 << 20
# The most bytes one file may have: a stream past it (an endless chunked body, a lying or
# absent Content-Length) is cut there, its .part deleted, and the item fails once. Flickr's
# listings give no byte sizes, so these are limits on what Flickr accepts, with room to
# spare: photos up to 200 MB, videos up to 1 GB (Pro). A Content-Length is held to as well.
MAX_PHOTO_BYTES = 1 << 30
MAX_VIDEO_BYTES = 4 << 30

# Newer Flickr responses label video renditions 1080p/720p/... often without dimensions;
# rank by label when the area is unknown. "Video Player" is a useless SWF wrapper.
VIDEO_LABEL_RANK = {
    "Video Original": 100,
    "4K": 90,
    "2160p": 90,
    "1440p": 85,
    "1080p": 80,
    "HD MP4": 75,
    "720p": 70,
    "Site MP4": 60,
    "360p": 50,
    "288p": 40,
    "Mobile MP4": 30,
}
_PART_NAME = re.compile(r"[0-9A-Za-z_@-]{1,100}")  # a .part's name: no separator, no dot


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    original: bool
    label: str


def choose_photo_size(sizes: list[Size], *, original: bool = True) -> Source | None:
    """The Original when listed (and wanted), else the largest other size."""
    photos = [s for s in sizes if s.media != "video" and s.source]
    found = next((s for s in photos if s.label == "Original"), None) if original else None
    if found is not None:
        return Source(found.source, True, "Original")
    others = [s for s in photos if s.label != "Original"]
    if not others:
        return None
    best = max(others, key=lambda s: s.area)
    return Source(best.source, False, best.label)


def rank_video_sizes(sizes: list[Size]) -> list[Source]:
    """Video files best first: the Video Original, then renditions; never the poster image."""
    videos = [s for s in sizes if s.media == "video" and s.source and s.label != "Video Player"]
    videos.sort(key=lambda s: (VIDEO_LABEL_RANK.get(s.label, 10), s.area), reverse=True)
    return [Source(s.source, s.label == "Video Original", s.label) for s in videos]


@dataclass(frozen=True, slots=True)
class FileServers:
    """What every download worker of a run shares about the file servers, which throttle apart
    from the API: how many files they take at once, and the pause a 429 imposes on everyone.

    A 429 from them halves the files in flight and pauses every worker (Retry-After is a floor
    for the pause); successes bring the number back up to --concurrency. It never costs an API
    call: the same file is asked for again, from the same URL.
    """

    transfers: AdaptiveLimit
    throttle: Throttle
    # The site's thumbnails: never in an original's place (see AdaptiveLimit's lane).
    low_priority: bool = False

    @classmethod
    def for_settings(cls, settings: Settings) -> FileServers:
        # Until the first 429 the thumbnails' transfers run on as many places of their own.
        limit = AdaptiveLimit(settings.concurrency, lane=settings.concurrency)
        return cls(limit, throttle_for(settings))


class FileFetcher:
    """Fetches one file server URL into a .part file: resumed from the part's length, retried
    by the run's policy, within the shared limit on files in flight and its 429 pause, never
    past a size ceiling. Called, not fed (gallery-dl's downloader): the download workers (via
    PhotoFetcher), the favourites and the thumbnails each call `fetch_url`."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        retry: RetryPolicy,
        servers: FileServers,
        user_agent: str,
        stats: Stats,
    ) -> None:
        self.session = session
        self.retry = retry
        # Shared by every fetcher of a run: a 429 from the file servers holds them all back.
        self.servers = servers
        self.user_agent = user_agent
        self.stats = stats  # counts the bytes that arrive

    @classmethod
    def for_api(
        cls, api: FlickrAPI, settings: Settings, *, stats: Stats, servers: FileServers
    ) -> FileFetcher:
        """One on the run's session and retry policy (the API client's)."""
        return cls(
            session=api.session,
            retry=api.retry,
            servers=servers,
            user_agent=settings.user_agent,
            stats=stats,
        )

    async def fetch_url(
        self,
        url: str,
        part: Path,
        *,
        what: str,
        retry: RetryPolicy | None = None,
        limit: int | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        """Stream one file server URL into `part` (resumed from its length), retried by the
        run's policy, within the shared limit on files in flight and its 429 pause, and
        never past `limit` bytes (MAX_PHOTO_BYTES unless told).
        Returns (bytes, sha256, the response's final_url/content_type/content_disposition)."""
        policy = retry or self.retry
        ceiling = MAX_PHOTO_BYTES if limit is None else limit
        return await policy.run(lambda: self._stream(url, part, ceiling), what=what)

    async def _stream(self, url: str, part: Path, limit: int) -> tuple[int, str, dict[str, str]]:
        """One attempt: resume from the .part's length, append, hash, check the length."""
        offset = await asyncio.to_thread(_size_or_zero, part)
        # The bytes exactly as stored: never a gzip-encoded body for aiohttp to inflate.
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        async with self.servers.transfers.transfer(
            low_priority=self.servers.low_priority
        ) as transfer:
            await self.servers.throttle.wait()
            try:
                return await self._transfer(url, part, offset, headers, transfer, limit)
            except TooLargeError:
                await asyncio.to_thread(part.unlink, missing_ok=True)
                raise

    async def _transfer(
        self,
        url: str,
        part: Path,
        offset: int,
        headers: dict[str, str],
        transfer: Transfer,
        limit: int,
    ) -> tuple[int, str, dict[str, str]]:
        try:
            async with self.session.get(
                url,
                headers=headers,
                allow_redirects=True,
                read_bufsize=READ_BUFFER,
                auto_decompress=False,
            ) as resp:
                info = {
                    "final_url": str(resp.url),
                    "content_disposition": resp.headers.get("Content-Disposition", ""),
                    "content_type": resp.headers.get("Content-Type", ""),
                }
                if resp.status == 416 and offset:
                    return await self._finish_416(resp, part, offset, info)
                if resp.status == 429:
                    raise self._throttled(resp, transfer)
                _raise_for_status(resp)
                transfer.succeeded()
                self.servers.throttle.succeeded()
                resumed = resp.status == 206
                if resumed and _range_start(resp) != offset:
                    await asyncio.to_thread(part.unlink, missing_ok=True)
                    raise NetworkError("the server resumed at the wrong offset; starting over")
                if not resumed:  # 200: the server ignored Range; start over
                    offset = 0
                _refuse_encoded(resp)
                expected = offset + (resp.content_length or 0)
                if expected > limit:
                    raise TooLargeError(_too_large(limit, f"announced as {expected} bytes"))
                hasher = await asyncio.to_thread(_hash_prefix, part, offset)
                written = received = offset
                async with aiofiles.open(part, "ab" if resumed else "wb") as fh:
                    batch: list[bytes] = []
                    try:
                        async for chunk in resp.content.iter_chunked(CHUNK):
                            received += len(chunk)
                            if received > limit:  # an endless stream: not one byte past it
                                raise TooLargeError(_too_large(limit, "still coming"))
                            batch.append(chunk)
                            self.stats.bytes_downloaded += len(chunk)
                            if len(batch) * CHUNK >= FLUSH:
                                data, batch = b"".join(batch), []  # taken before the await
                                written += await _append(fh, hasher, data)
                    finally:
                        # What arrived before an error is kept: the retry resumes after it.
                        if batch:
                            data, batch = b"".join(batch), []
                            written += await _append(fh, hasher, data)
        except OSError as exc:
            if exc.errno in DISK_ERRNOS:
                raise StorageError(f"cannot write {part}: {exc.strerror}") from exc
            raise NetworkError(f"connection failed: {exc}") from exc
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError) as exc:
            raise NetworkError(f"download interrupted after {part.name}: {exc}") from exc
        except TimeoutError as exc:
            raise NetworkError("download timed out") from exc
        except (aiohttp.TooManyRedirects, aiohttp.InvalidURL) as exc:
            raise DownloadError(f"bad redirect from the file server: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"download failed: {exc}") from exc
        if resp.content_length is not None and written != expected:
            raise NetworkError(f"truncated body: got {written} of {expected} bytes")
        return written, hasher.hexdigest(), info

    def _throttled(self, resp: aiohttp.ClientResponse, transfer: Transfer) -> RateLimitedError:
        """The CDN's own 429 (a 117-byte HTML page, mostly without Retry-After): fewer files
        at once, everyone paused; the retry asks the same URL again, never the API."""
        limits = self.servers.transfers
        if transfer.throttled():
            log.info("the file servers are throttling: %d files at once", limits.limit)
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        wait = self.servers.throttle.throttled(retry_after)
        return RateLimitedError("the file server is throttling (HTTP 429)", retry_after=wait)

    async def _finish_416(
        self, resp: aiohttp.ClientResponse, part: Path, offset: int, info: dict[str, str]
    ) -> tuple[int, str, dict[str, str]]:
        """Range past the end: the .part is already whole if its size is the file's size."""
        match = re.match(r"bytes \*/(\d+)", resp.headers.get("Content-Range", ""))
        if match and int(match.group(1)) == offset:
            hasher = await asyncio.to_thread(_hash_prefix, part, offset)
            return offset, hasher.hexdigest(), info
        await asyncio.to_thread(part.unlink, missing_ok=True)
        raise NetworkError("partial file does not match the server's; starting over")


class PhotoFetcher:
    """The best file Flickr hands over for a photo, streamed into a .part in `parts_dir`:
    the original, else the next best source (recorded as not original)."""

    def __init__(
        self, *, api: FlickrAPI, files: FileFetcher, parts_dir: Path, stats: Stats
    ) -> None:
        self.api = api
        self.files = files
        self.parts_dir = parts_dir
        self.stats = stats  # counts the files fetched, and those that are not the original

    @classmethod
    def for_api(
        cls,
        api: FlickrAPI,
        settings: Settings,
        *,
        parts_dir: Path,
        stats: Stats,
        servers: FileServers,
    ) -> PhotoFetcher:
        """One on the run's session and retry policy (the API client's)."""
        files = FileFetcher.for_api(api, settings, stats=stats, servers=servers)
        return cls(api=api, files=files, parts_dir=parts_dir, stats=stats)

    async def sources(self, photo: Photo) -> list[Source]:
        """Where the file can come from, best first."""
        if photo.is_video:
            # url_o of a video is its poster frame: the video itself is only in getSizes.
            # Video Original often 404s for API clients: renditions are the fallback.
            return rank_video_sizes(await self.api.photos_get_sizes(photo.id))
        if photo.url_o:
            # The listing's largest other size is the fallback when the original is refused.
            sources = [Source(photo.url_o, True, "Original")]
            if photo.best_url:
                sources.append(Source(photo.best_url, False, photo.best_label or "Large"))
            return sources
        if photo.best_url:
            return [Source(photo.best_url, False, photo.best_label or "Large")]
        best = choose_photo_size(await self.api.photos_get_sizes(photo.id))
        return [best] if best else []

    async def fetch(self, photo: Photo, *, probe_original: bool = False) -> Downloaded:
        """The best file Flickr will hand over: the original, else (403, 410, 404, a 5xx
        that outlived its retries) the next best source, recorded as not original."""
        candidates = await self.sources(photo)
        if not candidates:
            raise DownloadError(f"Flickr offers no downloadable file for {photo.media} {photo.id}")
        tried: list[Source] = []
        asked_sizes = photo.is_video  # a video's sources came from getSizes already
        while candidates:
            source = candidates.pop(0)
            tried.append(source)
            retry = self.files.retry
            if probe_original and source.original:
                retry = replace(retry, attempts=1, throttled_attempts=retry.throttled_budget)
            try:
                return await self._fetch_from(photo, source, retry)
            except (DownloadError, NetworkError) as exc:  # not throttling, not a full disk
                if not candidates and not asked_sizes:
                    asked_sizes = True
                    candidates = await self._other_sizes(photo, tried)
                if not candidates:
                    raise
                log.warning("photo %s: %s unavailable (%s); trying %s", photo.id,
                            source.label, exc, candidates[0].label)  # fmt: skip
        raise AssertionError("unreachable")

    async def _other_sizes(self, photo: Photo, tried: list[Source]) -> list[Source]:
        """After every listed source failed: the largest size getSizes lists that was not
        tried yet (one API call, only for photos whose original was refused)."""
        if not any(s.original for s in tried):
            return []  # the non-original was the first choice: nothing better to fall to
        urls = {s.url for s in tried}
        sizes = [s for s in await self.api.photos_get_sizes(photo.id) if s.source not in urls]
        best = choose_photo_size(sizes, original=False)
        return [best] if best else []

    async def _fetch_from(self, photo: Photo, source: Source, retry: RetryPolicy) -> Downloaded:
        part = part_path(self.parts_dir, photo.id, source.url)
        size, digest, headers = await self.files.fetch_url(
            source.url,
            part,
            retry=retry,
            what=f"download of {photo.id}",
            limit=MAX_VIDEO_BYTES if photo.is_video else MAX_PHOTO_BYTES,
        )
        ext = layout.extension_for(
            # A rendition is a JPEG whatever the original's format: name it by its URL.
            photo if source.original or photo.is_video else replace(photo, original_format=None),
            final_url=headers.get("final_url"),
            content_disposition=headers.get("content_disposition"),
            content_type=headers.get("content_type"),
        )
        record = DownloadRecord(
            url=source.url,
            bytes=size,
            sha256=digest,
            original=source.original,
            size_label=source.label,
            ext=ext,
        )
        self.stats.downloaded += 1
        if not source.original:
            self.stats.not_original.append(photo.id)
        return Downloaded(photo.id, record, part)


class Downloader:
    """One of N workers: take a job, fetch its photo's file (PhotoFetcher), report."""

    def __init__(
        self,
        *,
        fetcher: PhotoFetcher,
        jobs: asyncio.Queue[Job | None],
        results: asyncio.Queue[Message],
    ) -> None:
        self.fetcher = fetcher
        self.jobs = jobs
        self.results = results

    async def run(self) -> None:
        await serve_jobs("download", self.jobs, self.results, self.fetch_job)

    async def fetch_job(self, job: Job) -> Message:
        # An archived copy that is not the original: this run only probes whether Flickr now
        # serves the original, with one attempt, before settling for the other size again.
        return await self.fetcher.fetch(job.photo, probe_original=job.reason is Reason.UPGRADE)


def part_path(parts_dir: Path, photo_id: str, url: str) -> Path:
    """One .part per photo and source: a replaced original never resumes the old file."""
    key = hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()[:12]
    if not _PART_NAME.fullmatch(photo_id):  # the edge checks ids; this is the last word
        raise UnsafePath(f"refusing a .part file named after {photo_id!r}")
    return parts_dir / f"{photo_id}-{key}.part"


def _raise_for_status(resp: aiohttp.ClientResponse) -> None:
    status = resp.status
    if status in (200, 206):
        return
    # The CDN answers intermittent 403s on originals that a later retry fetches fine.
    if status >= 500 or status in (403, 408):
        raise NetworkError(f"HTTP {status} from the file server")
    raise DownloadError(f"HTTP {status} from the file server")


def _refuse_encoded(resp: aiohttp.ClientResponse) -> None:
    """A file sent gzip- (or otherwise) encoded although `identity` was asked: storing it
    would archive the encoding, inflating it would let a small body fill the disk."""
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise DownloadError(
            f"the file server sent the file {encoding[:20]}-encoded although asked for identity"
        )


def _too_large(limit: int, detail: str) -> str:
    return f"file refused: larger than {mib(limit)}, the most one file may have ({detail})"


def _range_start(resp: aiohttp.ClientResponse) -> int | None:
    match = re.match(r"bytes (\d+)-", resp.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


async def _append(fh: Any, hasher: Any, data: bytes) -> int:
    """Write and hash one batch in two threads (SHA-256 releases the GIL, so hashing runs
    beside the event loop), and always to the end: if the run is cancelled meanwhile, the
    file and the hash still agree on exactly these bytes, so a resume cannot repeat them."""
    work = asyncio.gather(fh.write(data), asyncio.to_thread(hasher.update, data))
    try:
        await asyncio.shield(work)
    except asyncio.CancelledError:
        await work
        raise
    return len(data)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _hash_prefix(part: Path, length: int) -> hashlib._Hash:
    """A sha256 primed with the first `length` bytes already on disk (resume)."""
    hasher = hashlib.sha256()
    if length:
        with part.open("rb") as fh:
            remaining = length
            while remaining:
                block = fh.read(min(HASH_BLOCK, remaining))
                if not block:
                    break
                hasher.update(block)
                remaining -= len(block)
    return hasher
