"""The build's pages beyond the photostream, albums and tags: the map and its data, the
"photos here" pages of places, people, groups, the about page and (`site --extras`) the
export-only files. Each is written through the build's PageWriter with its inputs, so a
refresh rewrites only what moved.

The public copy gets the same pages of less (public.py's rules): the build passes only the
shown photos; the map and places take a location only where Flickr shows it to everyone;
people come only from shown photos; no groups page (the account's memberships are its own
business) and never the export-only files.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Container, Iterator, Mapping
from functools import partial
from pathlib import Path

from flickr_async import layout
from flickr_async.fsutil import read_json
from flickr_async.site import paths
from flickr_async.site.accountpages import (
    Holdings,
    about_page,
    extras_page,
    group_members,
    groups_page,
    people_index,
    people_of,
    person_page,
)
from flickr_async.site.cache import SiteCache, js_json, place_names
from flickr_async.site.geo import Located, map_entry, place_tree, places
from flickr_async.site.mappages import map_page, place_page
from flickr_async.site.model import DELETED, MISSING, NOT_ORIGINAL, VIDEO, Account, Item
from flickr_async.site.output import PageWriter, digest, joined
from flickr_async.site.pages import Shell, split

log = logging.getLogger(__name__)

# Where an import keeps the files only Flickr's data export has (Flickr Mail, testimonials,
# group discussions...), verbatim: shown only by `site --extras`.
EXPORT_EXTRAS = layout.EXPORT_DIR


def _stream_order(item: Item) -> tuple[str, str]:
    """As the photostream: newest first (build.py sorts it so, reversed)."""
    return (item.sort_key, item.id)


def shell_sections(
    cache: SiteCache, by_id: Mapping[str, Item], account: Account, public: bool
) -> dict[str, bool]:
    """Which of these sections the frame of every page links (Shell.map, people, groups)."""
    return {
        "map": any(row[0] in by_id for row in cache.located(public_only=public)),
        "people": any(pid in by_id for pid, _ in cache.tagged()),
        "groups": bool(account.groups) and not public,
    }


class Sections:
    """Writes the sections of one build."""

    def __init__(
        self,
        writer: PageWriter,
        cache: SiteCache,
        by_id: Mapping[str, Item],
        shell: Shell,
        account: Account,
        thumbs: Container[str],
        inputs: Callable[..., bytes],
        record_photo_pages: Callable[[], None],
    ) -> None:
        self.writer = writer
        self.cache = cache
        self.by_id = by_id  # the photos the site shows
        self.shell = shell
        self.account = account
        self.thumbs = thumbs
        self.inputs = inputs  # _Renderer.inputs: a grid's items' keys and its parameters
        self.record_photo_pages = record_photo_pages
        self.base = digest(repr(shell).encode())

    def run(
        self,
        out: Path,
        stream: list[Item],
        album_count: int,
        tag_count: int,
        last_sync: dict[str, object] | None,
        extras: bool,
    ) -> None:
        public = self.shell.public
        by_id = self.by_id
        # What only the cache keeps (model.Facts), of the photos shown, read as it comes;
        # each page's photos then put in photostream order.
        mapped = self.map_data()
        found = places(self.located())
        for here in found.values():
            here.sort(key=_stream_order, reverse=True)
        people = people_of((by_id[p], who) for p, who in self.cache.tagged() if p in by_id)
        for person in people.values():
            person.items.sort(key=_stream_order, reverse=True)
        if mapped:
            self.writer.write(paths.MAP, map_page(self.shell, mapped, place_tree(found)))
        for names, here in found.items():
            self.record_photo_pages()
            chunks = split(here)
            for number, chunk in enumerate(chunks, 1):
                self.writer.page(
                    paths.place_page(names, number),
                    self.inputs(chunk, "place", names, number, len(chunks), len(here)),
                    partial(place_page, self.shell, names, chunk, number, len(chunks),
                            len(here), self.thumbs),
                )  # fmt: skip
        if people:
            self.writer.write(paths.PEOPLE, people_index(self.shell, list(people.values())))
        for person in people.values():
            self.record_photo_pages()
            chunks = split(person.items)
            for number, chunk in enumerate(chunks, 1):
                self.writer.page(
                    paths.person_page(person.key, number),
                    self.inputs(chunk, "person", person.key, person.name, number, len(chunks),
                                len(person.items)),
                    partial(person_page, self.shell, person, chunk, number, len(chunks),
                            self.thumbs),
                )  # fmt: skip
        groups = self.account.groups if not public else None
        if groups:
            members = group_members(
                groups, ((by_id[p], keys) for p, keys in self.cache.grouped() if p in by_id)
            )
            for shown in members.values():
                shown.sort(key=_stream_order, reverse=True)
            self.writer.write(paths.GROUPS, groups_page(self.shell, groups, members, self.thumbs))
        shown_extras = self.extras(out) if extras and not public else []
        flags = [item.flags for item in stream]
        dated = [item.sort_key for item in stream if item.sort_key]
        held = Holdings(
            photos=sum(1 for f in flags if not f & VIDEO),
            videos=sum(1 for f in flags if f & VIDEO),
            albums=album_count,
            tags=tag_count,
            places=len(found),
            people=len(people),
            geotagged=mapped,
            newest=dated[0] if dated else "",
            oldest=dated[-1] if dated else "",
            levels=Counter(level for pid, level in self.cache.levels() if pid in by_id),
            not_original=[item for item in stream if item.flags & NOT_ORIGINAL],
            deleted=sum(1 for f in flags if f & DELETED),
            missing=sum(1 for f in flags if f & MISSING),
            last_sync=None if public else last_sync,
            extras=shown_extras,
        )
        self.writer.write(
            paths.ABOUT, about_page(self.shell, self.account.profile, held, self.thumbs)
        )

    def located(self) -> Iterator[Located]:
        """The photos shown on the map, in id order, as the cache has them (none held)."""
        by_id = self.by_id
        for pid, lat, lon, names in self.cache.located(public_only=self.shell.public):
            item = by_id.get(pid)
            if item is not None:
                yield item, lat, lon, place_names(names)

    def map_data(self) -> int:
        """data/map.js: one entry per marker (geo.map_entry), rewritten only when one of
        them moved (their keys change with their sidecars); how many it holds."""
        keys = [item.key for item, *_ in self.located()]
        if not keys:
            return 0

        def chunks() -> Iterator[str]:
            yield 'window.FA_MAP = {"points": [\n'
            yield from joined(
                js_json(map_entry(item, lat, lon)) for item, lat, lon, _ in self.located()
            )
            yield "\n]};\n"

        inputs = digest(b"map\x1f" + self.base + b"".join(keys))
        self.writer.page_chunks(paths.MAP_DATA, inputs, chunks)
        return len(keys)

    def extras(self, out: Path) -> list[tuple[str, str]]:
        """The export-only files, a page each: (name, page)."""
        folder = out / EXPORT_EXTRAS
        try:
            # Files only: a link is not followed (as the importer, which keeps them, does not).
            names = sorted(
                p.name
                for p in folder.iterdir()
                if p.suffix == ".json" and not p.is_symlink() and p.is_file()
            )
        except OSError:
            return []
        shown = []
        for name in names:
            doc = read_json(folder / name)
            if doc is None:
                log.warning("%s/%s: not readable as JSON; left out", EXPORT_EXTRAS, name)
                continue
            page = paths.extras_page(name[: -len(".json")])
            self.writer.write(page, extras_page(self.shell, name, doc))
            shown.append((name, page))
        return shown
