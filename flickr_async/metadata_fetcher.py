"""MetadataFetcher.run(): each listed photo's metadata at the API's pace, beside the downloads.

basic: comments only (where the listing counts some). list and deep: the listing's fields
completed by ListingCompleter (raw tags, place names; no call per photo), getInfo only for the
photos that needs it. Deep metadata for the rest comes beside the downloads, once each photo's
file is placed (info_backfill.py).
"""

from __future__ import annotations

import asyncio

from flickr_async.account_records import Person
from flickr_async.api import FlickrAPI
from flickr_async.choices import MetadataLevel
from flickr_async.jobs import Described, Job, Message, serve_jobs
from flickr_async.listing_completer import ListingCompleter
from flickr_async.models import Comment, Photo
from flickr_async.settings import Settings


class MetadataFetcher:
    """One of a few API workers. The shared token bucket, not the worker count, sets the pace;
    several workers only hide each call's latency."""

    def __init__(
        self,
        *,
        api: FlickrAPI,
        settings: Settings,
        jobs: asyncio.Queue[Job | None],
        results: asyncio.Queue[Message],
        list_level: ListingCompleter | None,
    ) -> None:
        self.api = api
        self.settings = settings
        self.jobs = jobs
        self.results = results
        self.list_level = list_level

    async def run(self) -> None:
        await serve_jobs("metadata", self.jobs, self.results, self.describe)

    async def describe(self, job: Job) -> Described:
        photo = job.photo
        level: MetadataLevel = "basic"
        with_info = False
        if self.settings.metadata != "basic" and self.list_level is not None:
            photo, complete = await self.list_level.complete(photo)
            if not complete:
                photo = await self.api.photos_get_info(photo)
                with_info = True
            level = "list"
        comments: tuple[Comment, ...] = ()
        # Skip the call when Flickr says there are none (most photos): it saves the budget.
        if photo.count_comments is None or photo.count_comments > 0:
            comments = tuple(await self.api.photos_comments_get_list(photo.id))
        people: tuple[Person, ...] = ()
        if with_info and self.settings.metadata == "deep":
            # getInfo is paid for already: finish this photo's deep metadata now.
            people = await people_of(self.api, photo)
            level = "deep"
        return Described(photo.id, photo, comments, people, level)


async def people_of(api: FlickrAPI, photo: Photo) -> tuple[Person, ...]:
    """Who is in the photo: one call, only where getInfo says someone is."""
    return tuple(await api.photos_people_get_list(photo.id)) if photo.has_people else ()
