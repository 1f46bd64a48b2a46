"""ListingCompleter: a listed photo's full metadata from account-wide calls, not one call per photo.

The listing already carries almost everything getInfo would: its extras give titles,
descriptions, dates, geo, licence, counts, rotation and safety level. What it lacks comes
from calls that serve many photos at once:

- the tags as typed ("New York", not `newyork`): one flickr.tags.getListUserRaw per run;
- place names (neighbourhood … country): flickr.places.getInfo once per distinct place,
  remembered across runs in the state database.

`complete` says when that is not enough for a photo (an extra Flickr left out, a clean tag
spelled several ways in the account, a tag the account list does not know, a geotag without
a place id): that photo alone then needs getInfo.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from flickr_async.api import FlickrAPI
from flickr_async.errors import ApiBudgetSpent, FatalError, FlickrAsyncError
from flickr_async.models import Photo
from flickr_async.state import State

log = logging.getLogger(__name__)

RawTags = Mapping[str, Sequence[str]]


def resolve_tags(clean: Sequence[str], raw: RawTags) -> tuple[str, ...] | None:
    """The raw spelling of each clean tag, or None when one of them is ambiguous (several
    spellings in the account) or unknown (added since the account list was read, or by
    someone else)."""
    resolved: list[str] = []
    for tag in clean:
        spellings = raw.get(tag)
        if not spellings or len(spellings) > 1:
            return None
        resolved.append(spellings[0])
    return tuple(resolved)


class ListingCompleter:
    """Shared by the metadata workers of one run: each account-wide answer is asked once."""

    def __init__(self, api: FlickrAPI, state: State) -> None:
        self.api = api
        self.state = state
        self._raw: RawTags | None = None
        self._raw_lock = asyncio.Lock()
        self._places: dict[str, Mapping[str, str] | None] | None = None
        self._places_lock = asyncio.Lock()
        self._asking: dict[str, asyncio.Future[Mapping[str, str] | None]] = {}

    async def complete(self, photo: Photo) -> tuple[Photo, bool]:
        """`photo` with raw tags and place names; False when it still needs getInfo.

        Cheapest test first: a photo that needs getInfo anyway costs no account-wide call.
        """
        if photo.rotation is None or photo.safety_level is None:
            return photo, False
        if photo.tags or photo.machine_tags:
            raw = await self._raw_tags()
            tags = resolve_tags(photo.tags, raw)
            machine = resolve_tags(photo.machine_tags, raw)
            if tags is None or machine is None:
                return photo, False
            photo = replace(photo, tags=tags, machine_tags=machine)
        geo = photo.geo
        if geo is not None and not geo.places:
            if geo.place_id is None:
                return photo, False
            names = await self._place(geo.place_id)
            if names is None:
                return photo, False
            photo = replace(photo, geo=replace(geo, places=dict(names)))
        return photo, True

    async def _raw_tags(self) -> RawTags:
        async with self._raw_lock:
            if self._raw is None:
                try:
                    self._raw = await self.api.tags_get_list_user_raw()
                except (FatalError, ApiBudgetSpent):
                    raise
                except FlickrAsyncError as exc:
                    # Every tagged photo falls back to getInfo: slower, never wrong.
                    log.warning("the account's tag list could not be read: %s", exc)
                    self._raw = {}
            return self._raw

    async def _place(self, place_id: str) -> Mapping[str, str] | None:
        async with self._places_lock:
            if self._places is None:
                self._places = dict(await asyncio.to_thread(self.state.places))
        if place_id in self._places:
            return self._places[place_id]
        asking = self._asking.get(place_id)
        if asking is not None:  # another photo of the same place is asking already
            return await asyncio.shield(asking)
        future: asyncio.Future[Mapping[str, str] | None]
        future = asyncio.get_running_loop().create_future()
        self._asking[place_id] = future
        names: Mapping[str, str] | None = None
        try:
            names = await self.api.places_get_info(place_id)
            if names:
                await asyncio.to_thread(self.state.record_place, place_id, names)
            else:
                names = None
        except (FatalError, ApiBudgetSpent) as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        except FlickrAsyncError as exc:
            log.info("place %s could not be named: %s", place_id, exc)
        finally:
            self._asking.pop(place_id, None)
        self._places[place_id] = names  # a failure is asked again next run, not in this one
        if not future.done():
            future.set_result(names)
        return names
