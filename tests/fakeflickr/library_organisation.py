"""How the account is organised, and the admin hooks that change it; mixed into Library.

Collections, album order and comments, favourites and galleries (other members' photos),
groups, contacts and people in photos. Every hook takes the Library's lock and bumps what
Flickr bumps: an album's `date_update` when its photos, order, title or cover change, a
gallery's when its photos or texts change, a photo's `lastupdate` when its people change.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from tests.fakeflickr.model import (
    FakeAlbum,
    FakeCollection,
    FakeComment,
    FakeContact,
    FakeFave,
    FakeGallery,
    FakeGroup,
    FakeOwner,
    FakePhoto,
    FakePhotoPerson,
    FakeUser,
    Organisation,
    only,
    set_given,
)
from tests.fakeflickr.organisation import COLLECTION_BASE, FOREIGN_FIRST_ID, GALLERY_BASE

MAX_COLLECTION_DEPTH = 5  # "you can nest them 5 deep"


def _cover(holder: FakeAlbum | FakeGallery, primary: str | int | None, kind: str) -> str | None:
    """The id of the new cover (None: the cover stays); KeyError unless the holder has it."""
    if primary is None:
        return None
    if str(primary) not in holder.photo_ids:
        raise KeyError(f"{primary} is not in {kind} {holder.id}")
    return str(primary)


class OrganisationHooks:
    """The organisation half of Library: its queries and hooks."""

    # Provided by Library.
    lock: threading.RLock
    owner: FakeOwner
    version: int
    _rng: random.Random
    _albums: list[FakeAlbum]
    _by_id: dict[str, FakePhoto]

    if TYPE_CHECKING:

        def tick(self) -> int: ...
        def album(self, album_id: str | int) -> FakeAlbum: ...
        def photo(self, photo_id: str | int) -> FakePhoto: ...
        def _secret(self) -> str: ...

    def _init_organisation(self, org: Organisation) -> None:
        self._collections: list[FakeCollection] = list(org.collections)
        self._foreign: dict[str, FakePhoto] = {p.id: p for p in org.foreign_photos}
        self._foreign_deleted: dict[str, FakePhoto] = {p.id: p for p in org.deleted_foreign_photos}
        self._faves: list[FakeFave] = list(org.favorites)
        self._galleries: list[FakeGallery] = list(org.galleries)
        self._groups: list[FakeGroup] = list(org.groups)
        self._contacts: list[FakeContact] = list(org.contacts)

    def _organisation_stamps(self) -> list[int]:
        stamps = [f.date_faved for f in self._faves]
        stamps += [g.date_update for g in self._galleries]
        stamps += [c.datecreate for a in self._albums for c in a.comments]
        return stamps

    # --- queries ------------------------------------------------------------------------

    @property
    def foreign_photos(self) -> list[FakePhoto]:
        """Other members' photos the account sees (favourites, gallery photos), not deleted."""
        with self.lock:
            return list(self._foreign.values())

    def foreign_photo(self, photo_id: str | int) -> FakePhoto:
        """Another member's photo; KeyError when there is none (or its owner deleted it)."""
        with self.lock:
            return self._foreign[str(photo_id)]

    def find_any(self, photo_id: str | int) -> FakePhoto | None:
        """The account's own photo or another member's live one (what static files serve)."""
        with self.lock:
            key = str(photo_id)
            return self._by_id.get(key) or self._foreign.get(key)

    def any_photo(self, photo_id: str | int) -> FakePhoto:
        photo = self.find_any(photo_id)
        if photo is None:
            raise KeyError(str(photo_id))
        return photo

    @property
    def favorites(self) -> list[FakeFave]:
        """Favourites as favorites.getList shows them: newest faved first, deleted photos gone."""
        with self.lock:
            live = [f for f in self._faves if f.photo_id in self._foreign]
            return sorted(live, key=lambda f: (f.date_faved, int(f.photo_id)), reverse=True)

    def is_faved(self, photo_id: str | int) -> bool:
        with self.lock:
            return any(f.photo_id == str(photo_id) for f in self._faves)

    @property
    def collections(self) -> list[FakeCollection]:
        """The roots of the collection tree, in the owner's order."""
        with self.lock:
            return list(self._collections)

    def collection(self, collection_id: str) -> FakeCollection:
        with self.lock:
            found = self._find_collection(collection_id)
            if found is None:
                raise KeyError(collection_id)
            return found[0]

    @property
    def galleries(self) -> list[FakeGallery]:
        """Galleries as galleries.getList orders them: newest created first."""
        with self.lock:
            return sorted(self._galleries, key=lambda g: (g.date_create, g.id), reverse=True)

    def gallery(self, gallery_id: str) -> FakeGallery:
        with self.lock:
            return only(self._galleries, lambda g: g.id == gallery_id, gallery_id)

    def gallery_photos(self, gallery_id: str) -> list[FakePhoto]:
        """The gallery's photos in its order, less those their owners deleted."""
        with self.lock:
            ids = self.gallery(gallery_id).photo_ids
            return [self._foreign[pid] for pid in ids if pid in self._foreign]

    @property
    def groups(self) -> list[FakeGroup]:
        with self.lock:
            return list(self._groups)

    @property
    def contacts(self) -> list[FakeContact]:
        with self.lock:
            return list(self._contacts)

    # --- albums -------------------------------------------------------------------------

    def reorder_albums(self, album_ids: Iterable[str | int]) -> None:
        """photosets.orderSets: these first, in this order; the rest after, in their order.
        No album's date_update moves."""
        with self.lock:
            wanted = [self.album(i) for i in dict.fromkeys(str(i) for i in album_ids)]
            rest = [a for a in self._albums if a not in wanted]
            self._albums[:] = wanted + rest
            self.version += 1

    def reorder_album_photos(
        self, album_id: str | int, photo_ids: Iterable[str | int]
    ) -> FakeAlbum:
        """photosets.reorderPhotos: these first, in this order; the rest keep theirs."""
        with self.lock:
            album = self.album(album_id)
            wanted = list(dict.fromkeys(str(i) for i in photo_ids))
            unknown = set(wanted) - set(album.photo_ids)
            if unknown:
                raise KeyError(f"not in album {album.id}: {sorted(unknown)}")
            album.photo_ids[:] = wanted + [p for p in album.photo_ids if p not in wanted]
            album.date_update = self.tick()
            return album

    def edit_album(
        self,
        album_id: str | int,
        *,
        title: str | None = None,
        description: str | None = None,
        primary: str | int | None = None,
    ) -> FakeAlbum:
        """photosets.editMeta (title, description) and a new cover (primary, a member)."""
        with self.lock:
            album = self.album(album_id)
            cover = _cover(album, primary, "album")
            set_given(album, title=title, description=description, primary=cover)
            album.date_update = self.tick()
            return album

    def add_album_comment(
        self, album_id: str | int, text: str, *, author: FakeUser | None = None
    ) -> FakeComment:
        """A comment (HTML) on an album. Its `count_comments` grows; its `date_update` stays
        (whether Flickr moves it is unknown: a client should watch the count)."""
        with self.lock:
            album = self.album(album_id)
            who = author or FakeUser("11223344@N01", "A Commenter")
            comment = FakeComment(
                id=f"{self.owner.number}-{album.id}-72157{self._rng.getrandbits(40)}",
                author=who.nsid,
                authorname=who.username,
                datecreate=self.tick(),
                text=text,
            )
            album.comments.append(comment)
            return comment

    # --- collections --------------------------------------------------------------------

    def _find_collection(
        self, collection_id: str, nodes: list[FakeCollection] | None = None
    ) -> tuple[FakeCollection, list[FakeCollection]] | None:
        """(the collection, the list holding it)."""
        for node in self._collections if nodes is None else nodes:
            if node.id == collection_id:
                return node, self._collections if nodes is None else nodes
            found = self._find_collection(collection_id, node.children)
            if found is not None:
                return found
        return None

    def _all_collections(self, nodes: list[FakeCollection] | None = None) -> list[FakeCollection]:
        out: list[FakeCollection] = []
        for node in self._collections if nodes is None else nodes:
            out += [node, *self._all_collections(node.children)]
        return out

    def set_collections(self, roots: Iterable[FakeCollection]) -> None:
        """Replace the whole tree."""
        with self.lock:
            self._collections = list(roots)
            self.version += 1

    def create_collection(
        self,
        title: str,
        *,
        description: str = "",
        album_ids: Iterable[str | int] = (),
        parent_id: str | None = None,
    ) -> FakeCollection:
        """A new collection, first among its siblings."""
        with self.lock:
            known = [int(c.id.split("-")[-1]) for c in self._all_collections()]
            number = max(known, default=COLLECTION_BASE) + 1 + self._rng.randrange(1000)
            node = FakeCollection(
                id=f"{self.owner.number}-{number}",
                title=title,
                description=description,
                album_ids=[self.album(a).id for a in album_ids],
            )
            self._collections.insert(0, node)
            if parent_id is not None:
                try:
                    self.move_collection(node.id, parent_id, position=0)
                except (KeyError, ValueError):
                    self._collections.remove(node)
                    raise
            self.version += 1
            return node

    def edit_collection(
        self,
        collection_id: str,
        *,
        title: str | None = None,
        description: str | None = None,
        album_ids: Iterable[str | int] | None = None,
    ) -> FakeCollection:
        with self.lock:
            node = self.collection(collection_id)
            albums = None if album_ids is None else [self.album(a).id for a in album_ids]
            set_given(node, title=title, description=description, album_ids=albums)
            self.version += 1
            return node

    def move_collection(
        self, collection_id: str, parent_id: str | None, *, position: int | None = None
    ) -> FakeCollection:
        """Move a collection (with what it holds) under another, or to the top level (None);
        at `position` among its new siblings, else last."""
        with self.lock:
            found = self._find_collection(collection_id)
            if found is None:
                raise KeyError(collection_id)
            node, siblings = found
            if parent_id is None:
                target = self._collections
                depth = 0
            else:
                parent = self.collection(parent_id)
                if parent is node or parent in self._all_collections(node.children):
                    raise ValueError("a collection cannot move into itself")
                target = parent.children
                depth = self._depth(parent_id)
            if depth + self._height(node) > MAX_COLLECTION_DEPTH:
                raise ValueError(f"collections nest {MAX_COLLECTION_DEPTH} deep at most")
            siblings.remove(node)
            target.insert(len(target) if position is None else position, node)
            self.version += 1
            return node

    def _depth(self, collection_id: str) -> int:
        """1 for a root, 2 for its child, ..."""

        def walk(nodes: list[FakeCollection], level: int) -> int:
            for node in nodes:
                if node.id == collection_id:
                    return level
                found = walk(node.children, level + 1)
                if found:
                    return found
            return 0

        return walk(self._collections, 1)

    def _height(self, node: FakeCollection) -> int:
        return 1 + max((self._height(c) for c in node.children), default=0)

    def delete_collection(self, collection_id: str) -> None:
        """The collection and the collections inside it go; their albums stay."""
        with self.lock:
            found = self._find_collection(collection_id)
            if found is None:
                raise KeyError(collection_id)
            found[1].remove(found[0])
            self.version += 1

    # --- other members' photos: favourites, galleries -----------------------------------

    def add_foreign_photo(self, owner: FakeUser, **fields_: Any) -> FakePhoto:
        """A photo of another member (public unless told). Any FakePhoto field may be given."""
        with self.lock:
            now = self.tick()
            known = [*self._foreign, *self._foreign_deleted]
            last = max((int(i) for i in known), default=FOREIGN_FIRST_ID)
            defaults: dict[str, Any] = {
                "id": str(last + 1 + self._rng.randrange(10)),
                "secret": self._secret(),
                "server": str(self._rng.randint(1000, 65535)),
                "farm": 66,
                "title": "",
                "description": "",
                "dateupload": now,
                "lastupdate": now,
                "datetaken": "2020-05-01 12:00:00",
                "width": 2048,
                "height": 1536,
                "originalsecret": self._secret(),
                "big_secret": self._secret(),
            }
            unknown = set(fields_) - {f.name for f in fields(FakePhoto)}
            if unknown:
                raise TypeError(f"unknown FakePhoto fields: {sorted(unknown)}")
            photo = FakePhoto(**{**defaults, **fields_, "owner": owner})
            if photo.id in self._by_id or photo.id in self._foreign:
                raise ValueError(f"photo {photo.id} exists")
            self._foreign[photo.id] = photo
            return photo

    def fave(self, photo_id: str | int) -> FakeFave:
        """The owner faves another member's photo now (it goes first in favorites.getList)."""
        with self.lock:
            key = str(photo_id)
            if key in self._by_id:
                raise ValueError("Photo is owned by you")  # Flickr's code 2
            self.foreign_photo(key)
            if self.is_faved(key):
                raise ValueError("Photo is already in favorites")
            fave = FakeFave(key, self.tick())
            self._faves.append(fave)
            return fave

    def unfave(self, photo_id: str | int) -> None:
        with self.lock:
            before = len(self._faves)
            self._faves = [f for f in self._faves if f.photo_id != str(photo_id)]
            if len(self._faves) == before:
                raise KeyError(str(photo_id))
            self.version += 1

    def delete_foreign_photo(self, photo_id: str | int) -> None:
        """Its owner deletes it: it leaves favorites.getList and galleries, its files 404."""
        with self.lock:
            photo = self._foreign.pop(str(photo_id))
            self._foreign_deleted[photo.id] = photo
            self.version += 1

    def create_gallery(
        self, title: str, photo_ids: Iterable[str | int], *, description: str = ""
    ) -> FakeGallery:
        with self.lock:
            ids = [self._gallery_member(p) for p in photo_ids]
            now = self.tick()
            known = [int(g.number) for g in self._galleries]
            number = max(known, default=GALLERY_BASE) + 1 + self._rng.randrange(1000)
            gallery = FakeGallery(
                id=f"{self.owner.number}-{number}",
                title=title,
                description=description,
                photo_ids=ids,
                primary=ids[0] if ids else "",
                date_create=now,
                date_update=now,
            )
            self._galleries.append(gallery)
            return gallery

    def _gallery_member(self, photo_id: str | int) -> str:
        photo = self.foreign_photo(photo_id)  # galleries hold other members' photos only
        if not photo.ispublic:
            raise ValueError("galleries hold public photos only")
        return photo.id

    def add_gallery_photo(
        self, gallery_id: str, photo_id: str | int, *, comment: str | None = None
    ) -> FakeGallery:
        with self.lock:
            gallery = self.gallery(gallery_id)
            key = self._gallery_member(photo_id)
            if key not in gallery.photo_ids:
                gallery.photo_ids.append(key)
            if not gallery.primary:
                gallery.primary = key
            if comment:
                gallery.notes[key] = comment
            gallery.date_update = self.tick()
            return gallery

    def remove_gallery_photo(self, gallery_id: str, photo_id: str | int) -> FakeGallery:
        with self.lock:
            gallery = self.gallery(gallery_id)
            gallery.photo_ids.remove(str(photo_id))
            gallery.notes.pop(str(photo_id), None)
            if gallery.primary == str(photo_id):
                gallery.primary = gallery.photo_ids[0] if gallery.photo_ids else ""
            gallery.date_update = self.tick()
            return gallery

    def edit_gallery(
        self,
        gallery_id: str,
        *,
        title: str | None = None,
        description: str | None = None,
        primary: str | int | None = None,
        notes: dict[str, str | None] | None = None,
    ) -> FakeGallery:
        """galleries.editMeta / editPhoto: texts, the cover, curator notes (None or "" drops
        a note)."""
        with self.lock:
            gallery = self.gallery(gallery_id)
            cover = _cover(gallery, primary, "gallery")
            set_given(gallery, title=title, description=description, primary=cover)
            for pid, text in (notes or {}).items():
                if text:
                    gallery.notes[pid] = text
                else:
                    gallery.notes.pop(pid, None)
            gallery.date_update = self.tick()
            return gallery

    # --- groups, contacts, people -------------------------------------------------------

    def join_group(self, group: FakeGroup) -> FakeGroup:
        with self.lock:
            if any(g.nsid == group.nsid for g in self._groups):
                raise ValueError("Account is already in that group")
            self._groups.append(group)
            self.version += 1
            return group

    def leave_group(self, group_nsid: str) -> None:
        with self.lock:
            self._groups.remove(only(self._groups, lambda g: g.nsid == group_nsid, group_nsid))
            self.version += 1

    def add_contact(
        self, user: FakeUser, *, friend: bool = False, family: bool = False
    ) -> FakeContact:
        with self.lock:
            if any(c.user.nsid == user.nsid for c in self._contacts):
                raise ValueError(f"{user.nsid} is a contact already")
            contact = FakeContact(user, friend=friend, family=family, date_added=self.tick())
            self._contacts.append(contact)
            return contact

    def remove_contact(self, nsid: str) -> None:
        with self.lock:
            self._contacts.remove(only(self._contacts, lambda c: c.user.nsid == nsid, nsid))
            self.version += 1

    def set_people(self, photo_id: str | int, people: Iterable[FakePhotoPerson]) -> FakePhoto:
        """Who is tagged in one of the account's photos (empty: nobody); bumps lastupdate."""
        with self.lock:
            photo = self.photo(photo_id)
            photo.people = list(people)
            photo.lastupdate = self.tick()
            return photo
