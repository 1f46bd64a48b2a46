"""MetadataFetcher.run(): getInfo and comments at the API's pace, beside the downloads."""

from __future__ import annotations

import asyncio

from flickr_async.api import FlickrAPI
from flickr_async.jobs import Described, Job, Message, serve_jobs
from flickr_async.models import Comment
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
    ) -> None:
        self.api = api
        self.settings = settings
        self.jobs = jobs
        self.results = results

    async def run(self) -> None:
        await serve_jobs("metadata", self.jobs, self.results, self.describe)

    async def describe(self, job: Job) -> Described:
        photo = job.photo
        if self.settings.metadata == "full":
            photo = await self.api.photos_get_info(photo)
        comments: tuple[Comment, ...] = ()
        # Skip the call when Flickr says there are none (most photos): it saves the budget.
        if photo.count_comments is None or photo.count_comments > 0:
            comments = tuple(await self.api.photos_comments_get_list(photo.id))
        # Who is in the photo: one call, only where getInfo says someone is.
        people = tuple(await self.api.photos_people_get_list(photo.id)) if photo.has_people else ()
        return Described(photo.id, photo, comments, people)
