"""What the build's worker processes do (see workers.py): read sidecars for their summaries,
and make photo pages from the files they are made of (the sidecar, the image's size). The
build does the same in its own process when it has no workers."""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from flickr_async import sidecar
from flickr_async.archive import JSON_SIDECAR
from flickr_async.site import paths
from flickr_async.site.imagesize import BROWSER_IMAGES, image_size, read_file
from flickr_async.site.model import (
    THUMB_Z,
    Facts,
    Item,
    Summary,
    facts,
    search_text,
    summarize,
)
from flickr_async.site.output import DIGEST, digest, put
from flickr_async.site.pages import Shell
from flickr_async.site.photopage import Context, Media, photo_page
from flickr_async.site.prefetch import ordered
from flickr_async.site.public import public_doc
from flickr_async.site.workers import in_threads

log = logging.getLogger(__name__)
WRITER_THREADS = 4  # per worker: creating a file is a disk round trip


@dataclass(frozen=True, slots=True)
class PhotoJob:
    """One photo page to make: what it shows and where it goes."""

    root: str  # OUT
    shell: Shell
    item: Item
    ctx: Context
    page: str  # relative to OUT
    inputs: bytes  # digest of what it is made from (for the cache)
    known: bytes | None  # digest of the bytes the file on disk holds, when it is there
    dest: str = ""  # where the page goes, when not OUT: the public copy's folder
    original: str | None = None  # the public copy: its copy of the original (relative to dest)


def read_summary(path: str) -> tuple[Summary | None, str, Facts | None]:
    """(summary, search text, facts for the cache) of a sidecar, or (None, the problem,
    None)."""
    try:
        doc = sidecar.loads(read_file(path))
    except (OSError, ValueError) as exc:
        return None, str(exc), None
    return summarize(doc), search_text(doc), facts(doc)


def read_summaries(sidecars: list[str]) -> list[tuple[Summary | None, str, Facts | None]]:
    """In a worker: read_summary of each sidecar (a few read at once: disk latency)."""
    return in_threads(read_summary, sidecars)


def media_for(
    root: str, item: Item, has_z: bool, public: tuple[str, str | None] | None = None
) -> Media:
    """What the photo page shows, from the files on disk: the ≤ 640 px rendition when the
    backup kept one, else the original itself (JPEG, PNG, GIF), else a placeholder.
    `public`: (the public copy's folder, its copy of the original or None): the page shows
    that copy, never the archive's file."""
    z = paths.thumb(item.id, "z") if has_z else None
    width, height = image_size(f"{root}/{z}") or (None, None) if z else (None, None)
    if public is not None:
        root, full = public
    else:
        available = item.present and item.status == "done" and paths.linkable_file(item.path)
        full = item.path if available else None
    if item.summary.media == "video":
        if full:
            return Media("video", src=full, width=width, height=height, poster=z, full=full)
        if z:
            return Media("image", src=z, width=width, height=height)
        return Media("none")
    if z:
        return Media("image", src=z, width=width, height=height, full=full)
    ext = full.rpartition(".")[2].lower() if full else ""
    if full and ext in BROWSER_IMAGES:
        width, height = image_size(f"{root}/{full}") or (None, None)
        return Media("image", src=full, width=width, height=height, full=full, from_original=True)
    return Media("none", full=full)


def read_photo(job: PhotoJob) -> tuple[dict[str, object], Media]:
    """What a photo page is made from on disk: its sidecar and its image's size."""
    item = job.item
    doc: dict[str, object] = {}
    if item.sig and item.path:
        with contextlib.suppress(OSError, ValueError):
            doc = sidecar.loads(read_file(f"{job.root}/{item.path}{JSON_SIDECAR}"))
    has_z = bool(item.thumbs & THUMB_Z)
    if job.shell.public:  # only what a public page may show (public.py)
        return public_doc(doc), media_for(job.root, item, has_z, (job.dest, job.original))
    return doc, media_for(job.root, item, has_z)


def render(job: PhotoJob, doc: dict[str, object], media: Media) -> str:
    """The photo page. A sidecar it cannot be made of (values no backup writes: a sidecar
    edited by hand or from elsewhere) is reported and left out: the page shows what the
    archive's state and the grids know, and the rest of the site is made as ever."""
    try:
        return photo_page(job.shell, job.item, doc, media, job.ctx)
    except Exception as exc:
        if not doc:
            raise
        log.warning(
            "photo %s: its page leaves out its sidecar, which cannot be shown (%s: %s)",
            job.item.id, type(exc).__name__, exc,
        )  # fmt: skip
        return photo_page(job.shell, job.item, {}, media, job.ctx)


def make_photo_pages(jobs: list[PhotoJob]) -> list[tuple[bytes, bool]]:
    """In a worker: read, render and write each job's page (unless the file already holds
    those bytes); (record for the cache, written) per job. Every file is on disk when this
    returns, so the main process may record it."""
    results: list[tuple[bytes, bool]] = []
    with ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="site-writer") as writers:
        writes: list[Future[None]] = []
        for job, (doc, media) in ordered(read_photo, jobs, threads=2, chunk=8, window=4):
            data = render(job, doc, media).encode("utf-8")
            record = digest(data) + job.inputs
            fresh = job.known != record[:DIGEST]
            if fresh:
                writes.append(writers.submit(put, f"{job.dest or job.root}/{job.page}", data))
            results.append((record, fresh))
        for write in writes:
            write.result()
    return results
