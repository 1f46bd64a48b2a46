"""The fake account: photos and albums in Flickr's order, plus thread-safe admin hooks.

Every hook takes the lock the server thread also takes, and bumps `lastupdate` (photos) or
`date_update` (albums) like Flickr. `tick()` makes those stamps strictly increase even
within one second, from an injectable clock. How the account is organised (collections,
favourites, galleries, groups, contacts, people) is in library_organisation.py.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import Any

from tests.fakeflickr.library_organisation import OrganisationHooks
from tests.fakeflickr.model import (
    FakeAlbum,
    FakeComment,
    FakeGeo,
    FakeOwner,
    FakePhoto,
    FakePlace,
    Organisation,
    clean_tag,
    only,
    set_given,
)

Clock = Callable[[], float]


class Library(OrganisationHooks):
    """One Flickr account. Read it through the helpers; change it through the hooks."""

    def __init__(
        self,
        *,
        seed: int = 0,
        owner: FakeOwner | None = None,
        pro: bool = True,
        clock: Clock = time.time,
        photos: Iterable[FakePhoto] = (),
        albums: Iterable[FakeAlbum] = (),
        organisation: Organisation | None = None,
        huge_video_id: str | None = None,
        huge_video_size: int = 0,
        known_places: Iterable[FakePlace] = (),
    ) -> None:
        self.seed = seed
        self.owner = owner or FakeOwner()
        self.pro = pro
        self.clock = clock
        self.lock = threading.RLock()
        self.version = 0  # bumped by every change; the server caches listings per version
        self.huge_video_id = huge_video_id
        self.huge_video_size = huge_video_size
        self._photos: list[FakePhoto] = list(photos)  # upload order
        self._by_id = {p.id: p for p in self._photos}
        self._albums: list[FakeAlbum] = list(albums)  # the user's custom order
        self._deleted: dict[str, FakePhoto] = {}  # what restore_photo can bring back
        # Places that resolve (places.getInfo) though no photo is there now: Flickr knows
        # every place on Earth; the fake, those of its photos and these.
        self._known_places: list[FakePlace] = list(known_places)
        self._rng = random.Random(f"admin-{seed}")
        self._init_organisation(organisation or Organisation())
        stamps = [p.lastupdate for p in self._photos] + [a.date_update for a in self._albums]
        self._last_tick = max(stamps + self._organisation_stamps(), default=0)

    # --- queries ------------------------------------------------------------------------

    def photo(self, photo_id: str | int) -> FakePhoto:
        """The photo with this id; KeyError when there is none (deleted)."""
        with self.lock:
            return self._by_id[str(photo_id)]

    def find(self, photo_id: str | int) -> FakePhoto | None:
        with self.lock:
            return self._by_id.get(str(photo_id))

    @property
    def photos(self) -> list[FakePhoto]:
        """All photos and videos, oldest upload first."""
        with self.lock:
            return list(self._photos)

    @property
    def albums(self) -> list[FakeAlbum]:
        """Albums in the owner's custom order (what photosets.getList returns)."""
        with self.lock:
            return list(self._albums)

    def album(self, album_id: str | int) -> FakeAlbum:
        with self.lock:
            return only(self._albums, lambda a: a.id == str(album_id), str(album_id))

    def albums_of(self, photo_id: str | int) -> list[FakeAlbum]:
        with self.lock:
            return [a for a in self._albums if str(photo_id) in a.photo_ids]

    def ids_in_albums(self) -> set[str]:
        with self.lock:
            return {pid for a in self._albums for pid in a.photo_ids}

    def __len__(self) -> int:
        return len(self._photos)

    # --- tags and places ----------------------------------------------------------------

    def raw_tags(self, clean: str | None = None) -> dict[str, list[str]]:
        """Every raw spelling on the account's photos by clean form, both sorted: what
        tags.getListUserRaw lists. `clean` keeps only that clean tag."""
        with self.lock:
            spellings: dict[str, set[str]] = {}
            for photo in self._photos:
                for raw in photo.tags:
                    key = clean_tag(raw)
                    if key and (clean is None or key == clean):
                        spellings.setdefault(key, set()).add(raw)
            return {key: sorted(spellings[key]) for key in sorted(spellings)}

    def ambiguous_tags(self) -> dict[str, list[str]]:
        """Clean tags spelt more than one way: which spelling a photo has, only its getInfo
        says (the generator makes a few: see generator.SPELLINGS)."""
        return {key: raws for key, raws in self.raw_tags().items() if len(raws) > 1}

    def photos_tagged(self, clean: str) -> list[FakePhoto]:
        """The account's photos carrying the tag whose clean form is `clean`."""
        with self.lock:
            return [p for p in self._photos if any(clean_tag(t) == clean for t in p.tags)]

    @property
    def places(self) -> list[FakePlace]:
        """The distinct places of the account's geotagged photos, first use first. Each
        photo's place_id is its place's most specific level; the others resolve too."""
        with self.lock:
            found = (p.geo.place for p in self._photos if p.geo is not None)
            return list(dict.fromkeys(place for place in found if place is not None))

    def find_place(self, place_id: str = "", woeid: str = "") -> FakePlace | None:
        """The place with this place_id or woeid, at whatever level (places.getInfo):
        a county id gives the county, with its region and country above it."""
        with self.lock:
            for place in self.places + self._known_places:
                found = place.within(place_id, woeid)
                if found is not None:
                    return found
            return None

    # --- clock --------------------------------------------------------------------------

    def tick(self) -> int:
        """A Unix time for a change: now, but always after the previous change."""
        with self.lock:
            self._last_tick = max(int(self.clock()), self._last_tick + 1)
            self.version += 1
            return self._last_tick

    def _secret(self) -> str:
        return f"{self._rng.getrandbits(40):010x}"

    def _touch(self, photo: FakePhoto) -> None:
        photo.lastupdate = self.tick()

    def _touch_album(self, album: FakeAlbum) -> None:
        album.date_update = self.tick()

    # --- photo hooks --------------------------------------------------------------------

    def add_photo(self, **fields_: Any) -> FakePhoto:
        """Upload a photo now. Any FakePhoto field may be given; the rest get defaults."""
        with self.lock:
            now = self.tick()
            last_id = max((int(p.id) for p in self._photos), default=52_000_000_000)
            defaults: dict[str, Any] = {
                "id": str(last_id + 1 + self._rng.randrange(10)),
                "secret": self._secret(),
                "server": str(self._rng.randint(1000, 65535)),
                "farm": 66,
                "title": "",
                "description": "",
                "dateupload": now,
                "lastupdate": now,
                "datetaken": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)),
                "width": 1600,
                "height": 1200,
                "originalsecret": self._secret(),
                "big_secret": self._secret(),
            }
            known = {f.name for f in fields(FakePhoto)}
            unknown = set(fields_) - known
            if unknown:
                raise TypeError(f"unknown FakePhoto fields: {sorted(unknown)}")
            photo = FakePhoto(**{**defaults, **fields_})
            if self.find_any(photo.id) is not None:
                raise ValueError(f"photo {photo.id} exists")
            self._photos.append(photo)
            self._by_id[photo.id] = photo
            return photo

    def edit_photo(
        self,
        photo_id: str | int,
        *,
        title: str | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
    ) -> FakePhoto:
        with self.lock:
            photo = self.photo(photo_id)
            listed = None if tags is None else list(tags)
            set_given(photo, title=title, description=description, tags=listed)
            self._touch(photo)
            return photo

    def delete_photo(self, photo_id: str | int) -> None:
        """Delete a photo; it leaves its albums (bumped); emptied albums vanish, as on Flickr."""
        with self.lock:
            photo = self._by_id.pop(str(photo_id))
            self._photos.remove(photo)
            self._deleted[photo.id] = photo
            for album in self.albums_of(photo.id):
                self._remove_member(album, photo.id)
            self.version += 1

    def restore_photo(self, photo_id: str | int) -> FakePhoto:
        """Bring a deleted photo back, as Flickr support restores an accidental deletion:
        same id, upload date and files, back at its place in the photostream, `lastupdate`
        bumped. Its albums are not restored (an emptied album is gone for good)."""
        with self.lock:
            photo = self._deleted.pop(str(photo_id))
            position = sum(
                1
                for p in self._photos
                if (p.dateupload, int(p.id)) < (photo.dateupload, int(photo.id))
            )
            self._photos.insert(position, photo)
            self._by_id[photo.id] = photo
            self._touch(photo)
            return photo

    def add_comment(
        self, photo_id: str | int, text: str, *, author_name: str = "A Commenter"
    ) -> FakeComment:
        with self.lock:
            photo = self.photo(photo_id)
            when = self.tick()
            comment = FakeComment(
                id=f"{self.owner.nsid.split('@')[0]}-{photo.id}-72157{self._rng.getrandbits(40)}",
                author="11223344@N01",
                authorname=author_name,
                datecreate=when,
                text=text,
            )
            photo.comments.append(comment)
            photo.lastupdate = when
            return comment

    def replace_original(self, photo_id: str | int) -> FakePhoto:
        """Replace the uploaded file: new bytes, new originalsecret, new dimensions."""
        with self.lock:
            photo = self.photo(photo_id)
            photo.version += 1
            photo.originalsecret = self._secret()
            photo.big_secret = self._secret()
            photo.width, photo.height = photo.width + 16 * (1 + photo.version % 3), photo.height + 8
            self._touch(photo)
            return photo

    def set_geo(
        self,
        photo_id: str | int,
        latitude: float | None,
        longitude: float | None = None,
        *,
        accuracy: int = 16,
        place: FakePlace | None = None,
    ) -> FakePhoto:
        """Set (or with latitude=None remove) the location."""
        with self.lock:
            photo = self.photo(photo_id)
            if latitude is None or longitude is None:
                photo.geo = None
            else:
                photo.geo = FakeGeo(latitude, longitude, accuracy, place=place)
                if place is not None and place not in self._known_places:
                    self._known_places.append(place)  # still resolves after a move
            self._touch(photo)
            return photo

    def set_visibility(
        self,
        photo_id: str | int,
        *,
        public: bool | None = None,
        friends: bool | None = None,
        family: bool | None = None,
        safety_level: int | None = None,
        can_download: bool | None = None,
    ) -> FakePhoto:
        with self.lock:
            photo = self.photo(photo_id)
            set_given(
                photo,
                ispublic=public,
                isfriend=friends,
                isfamily=family,
                safety_level=safety_level,
                can_download=can_download,
            )
            self._touch(photo)
            return photo

    # --- album hooks --------------------------------------------------------------------

    def create_album(
        self, title: str, photo_ids: Iterable[str | int], *, description: str = ""
    ) -> FakeAlbum:
        """New albums go first in the owner's order, like on Flickr."""
        with self.lock:
            ids = [str(i) for i in photo_ids]
            if not ids:
                raise ValueError("Flickr albums need at least one photo")
            for pid in ids:
                self.photo(pid)
            now = self.tick()
            last = max((int(a.id) for a in self._albums), default=72157700000000000)
            album = FakeAlbum(
                id=str(last + 1 + self._rng.randrange(1000)),
                title=title,
                description=description,
                photo_ids=ids,
                primary=ids[0],
                date_create=now,
                date_update=now,
            )
            self._albums.insert(0, album)
            return album

    def rename_album(
        self, album_id: str | int, title: str, *, description: str | None = None
    ) -> FakeAlbum:
        with self.lock:
            album = self.album(album_id)
            set_given(album, title=title, description=description)
            self._touch_album(album)
            return album

    def delete_album(self, album_id: str | int) -> None:
        with self.lock:
            self._albums.remove(self.album(album_id))
            self.version += 1

    def add_to_album(self, album_id: str | int, photo_id: str | int) -> FakeAlbum:
        with self.lock:
            album = self.album(album_id)
            photo = self.photo(photo_id)
            if photo.id not in album.photo_ids:
                album.photo_ids.append(photo.id)
            self._touch_album(album)
            return album

    def remove_from_album(self, album_id: str | int, photo_id: str | int) -> None:
        with self.lock:
            self._remove_member(self.album(album_id), str(photo_id))

    def _remove_member(self, album: FakeAlbum, photo_id: str) -> None:
        album.photo_ids.remove(photo_id)
        if not album.photo_ids:
            # Flickr deletes an album when its last photo leaves it.
            self._albums.remove(album)
            self.version += 1
            return
        if album.primary == photo_id:
            album.primary = album.photo_ids[0]
        self._touch_album(album)
