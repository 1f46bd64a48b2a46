"""Organiser.run(): list how the account is organised (collections, favourites, galleries,
groups, contacts) beside the photostream, and hand it to the writer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from flickr_async.account_files import gallery_photos
from flickr_async.account_records import Gallery, GalleryItem
from flickr_async.api import FlickrAPI
from flickr_async.errors import FatalError, FlickrAsyncError
from flickr_async.jobs import Message, Organisation, Stats
from flickr_async.models import Page

log = logging.getLogger(__name__)
T = TypeVar("T")


class Organiser:
    """A handful of calls per run: one each for collections and groups, one per 500
    favourites or galleries, one per 1,000 contacts, and getPhotos only for galleries whose
    date_update moved since the last run (`known_galleries`, from galleries.json)."""

    def __init__(
        self,
        *,
        api: FlickrAPI,
        user_nsid: str,
        results: asyncio.Queue[Message],
        stats: Stats,
        known_galleries: Mapping[str, tuple[int, list[dict[str, Any]]]],
    ) -> None:
        self.api = api
        self.user_nsid = user_nsid
        self.results = results
        self.stats = stats
        self.known_galleries = known_galleries
        self.found: Organisation | None = None  # what the last run() listed

    async def run(self) -> None:
        organisation = Organisation(
            collections=await self._section("collections", self._collections),
            favorites=await self._section("favourites", self._favorites),
            galleries=await self._section("galleries", self._galleries),
            groups=await self._section("groups", self._groups),
            contacts=await self._section("contacts", self._contacts),
        )
        self.found = organisation
        await self.results.put(organisation)

    async def _section(self, name: str, fetch: Callable[[], Awaitable[T]]) -> T | None:
        """One listing; its failure keeps last run's file and fails the run, nothing more."""
        try:
            return await fetch()
        except FatalError:
            raise
        except FlickrAsyncError as exc:
            log.warning("listing the account's %s failed: %s", name, exc)
            self.stats.organisation_problems.append(f"listing the {name} failed: {exc}")
            return None

    async def _all(self, fetch: Callable[[int], Awaitable[Page]]) -> list[Any]:
        found: list[Any] = []
        async for page in self.api.paginate(fetch):
            found.extend(page.items)
        return found

    async def _collections(self) -> tuple[Any, ...]:
        return tuple(await self.api.collections_get_tree())

    async def _favorites(self) -> tuple[Any, ...]:
        faves = await self._all(lambda n: self.api.favorites_get_list(page=n))
        return tuple({f.photo.id: f for f in faves}.values())  # a page boundary moved: dedupe

    async def _groups(self) -> tuple[Any, ...]:
        return tuple(await self.api.people_get_groups(self.user_nsid))

    async def _contacts(self) -> tuple[Any, ...]:
        contacts = await self._all(lambda n: self.api.contacts_get_list(page=n))
        return tuple({c.nsid: c for c in contacts}.values())

    async def _galleries(self) -> tuple[tuple[Gallery, list[dict[str, Any]]], ...]:
        galleries: list[Gallery] = await self._all(lambda n: self.api.galleries_get_list(page=n))
        result = []
        for gallery in galleries:
            known = self.known_galleries.get(gallery.id)
            if known is not None and known[0] == gallery.date_update:
                result.append((gallery, known[1]))  # unchanged: no call
                continue
            result.append((gallery, gallery_photos(await self._gallery_items(gallery.id))))
        return tuple(result)

    async def _gallery_items(self, gallery_id: str) -> list[GalleryItem]:
        return await self._all(lambda n: self.api.galleries_get_photos(gallery_id, page=n))
