"""Pure: the pages about the account rather than one photo — the people tagged in photos,
the groups the account is in, the about page (the profile and what the archive holds), and,
with `site --extras`, the files only Flickr's data export has (OUT/flickr-export/), shown
as they are."""

from __future__ import annotations

import time
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flickr_async.plural import plural
from flickr_async.site import paths
from flickr_async.site.html import Linker, esc, safe_link, sanitize
from flickr_async.site.model import GroupEntry, Item, SiteProfile
from flickr_async.site.pages import (
    Shell,
    count_facts,
    day,
    document,
    grid,
    grid_body,
    page_nav,
    pager,
)

GROUP_PHOTOS = 60  # photos shown under a group on the groups page (the count says the rest)
EXTRAS_ITEMS = 5000  # records of an export-only file shown (the rest counted)
_DEPTH = 8


# --- people --------------------------------------------------------------------------------


@dataclass
class Person:
    key: str  # their NSID, else their name
    nsid: str
    name: str
    items: list[Item] = field(default_factory=list)


def people_of(tagged: Iterable[tuple[Item, Sequence[tuple[str, str]]]]) -> dict[str, Person]:
    """Everyone tagged in the photos given (in the public copy: the shown ones), by key, each
    with their photos in the order given: (photo, its people as (nsid, name))."""
    found: dict[str, Person] = {}
    for item, people in tagged:
        for nsid, name in people:
            key = nsid or f"name:{name}"
            person = found.get(key)
            if person is None:
                person = found[key] = Person(key, nsid, name or nsid)
            person.items.append(item)
    return found


def people_index(shell: Shell, people: Sequence[Person]) -> str:
    link = Linker(paths.PEOPLE)
    rows = "".join(
        f'<li><a href="{link(paths.person_page(p.key))}" dir="auto">{esc(p.name)}</a> '
        f'<span class="n">{len(p.items):,}</span></li>'
        for p in sorted(people, key=lambda p: (p.name.casefold(), p.key))
    )
    body = (
        "<h1>People</h1>"
        f'<p class="facts">{plural(len(people), "person", "people")} tagged in photos.</p>'
        + (f'<ul class="people-list">{rows}</ul>' if rows else "<p>Nobody is tagged.</p>")
    )
    return document(shell, link, "People", body)


def person_page(
    shell: Shell,
    person: Person,
    items: Sequence[Item],
    number: int,
    total_pages: int,
    thumbs: Container[str],
) -> str:
    link, prev, after = page_nav(lambda n: paths.person_page(person.key, n), number, total_pages)
    on_flickr = []
    if person.nsid and paths.is_safe_id(person.nsid):
        on_flickr.append(
            f'<p class="links"><a href="https://www.flickr.com/people/{esc(person.nsid)}/" '
            'rel="nofollow">On Flickr</a></p>'
        )
    body = grid_body(
        link,
        (prev, (link(paths.PEOPLE), "People"), after),
        f'<h1 dir="auto">{esc(person.name)}</h1>',
        "Tagged in " + count_facts(len(person.items), number, total_pages),
        items,
        thumbs,
        between=on_flickr,
    )
    return document(shell, link, person.name, body, body_attrs=' class="person"')


# --- groups --------------------------------------------------------------------------------


def group_members(
    groups: Sequence[GroupEntry], grouped: Iterable[tuple[Item, Sequence[str]]]
) -> dict[str, list[Item]]:
    """The photos the archive knows to be in each group (the export says so), by group id:
    (photo, the groups it is in)."""
    by_key: dict[str, str] = {}
    for group in groups:
        for key in group.keys:
            by_key.setdefault(key, group.id)
    found: dict[str, list[Item]] = {}
    for item, keys in grouped:
        for key in keys:
            group_id = by_key.get(key)
            if group_id is not None:
                members = found.setdefault(group_id, [])
                if not members or members[-1] is not item:
                    members.append(item)
    return found


def groups_page(
    shell: Shell,
    groups: Sequence[GroupEntry],
    members: Mapping[str, Sequence[Item]],
    thumbs: Container[str],
) -> str:
    link = Linker(paths.GROUPS)
    sections = []
    for group in sorted(groups, key=lambda g: (g.name.casefold(), g.id)):
        url = safe_link(group.url)
        name = esc(group.name or group.id)
        head = f'<a href="{esc(url)}" rel="nofollow" dir="auto">{name}</a>' if url else name
        facts = []
        if group.admin:
            facts.append("you are an admin")
        if group.members is not None:
            facts.append(plural(group.members, "member"))
        if group.pool_count is not None:
            facts.append(f"{plural(group.pool_count, 'photo')} in its pool")
        shown = members.get(group.id, ())
        if shown:
            facts.append(f"{plural(len(shown), 'photo')} of this archive there")
        inner = grid(link, shown[:GROUP_PHOTOS], thumbs) if shown else ""
        sections.append(
            f'<section class="group"><h2 dir="auto">{head}</h2>'
            f'<p class="facts">{" · ".join(facts)}</p>{inner}</section>'
        )
    body = (
        "<h1>Groups</h1>"
        f'<p class="facts">{plural(len(groups), "group")} the account is in. The photos under '
        "a group are those Flickr's data export says are in its pool (an archive made from "
        "the API alone does not know them).</p>" + ("".join(sections) or "<p>No groups.</p>")
    )
    return document(shell, link, "Groups", body, body_attrs=' class="groups"')


# --- about ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holdings:
    """What the archive holds (of what the site shows: the public copy's are its own)."""

    photos: int
    videos: int
    albums: int
    tags: int
    places: int
    people: int
    geotagged: int
    newest: str  # the sort keys of the newest and oldest dated items ("" for none)
    oldest: str
    levels: Mapping[str, int]  # metadata level -> items
    not_original: Sequence[Item]
    deleted: int
    missing: int
    last_sync: Mapping[str, Any] | None  # State.last_run()
    extras: Sequence[tuple[str, str]] = ()  # (name, page) of the export-only files shown


LEVELS = (
    ("basic", "basic: what Flickr's listing says (title, dates, tags, location, visibility)"),
    ("list", "list: also tags as typed, place names, rotation, safety level"),
    ("deep", "deep: also notes, people and permissions"),
    ("export", "export: made from Flickr's data export"),
)


def _when(stamp: Any) -> str:
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        return ""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


def about_page(shell: Shell, profile: SiteProfile, held: Holdings, thumbs: Container[str]) -> str:
    link = Linker(paths.ABOUT)
    rows: list[tuple[str, str]] = []
    if profile.realname and profile.username:
        rows.append(("Flickr name", f'<span dir="auto">{esc(profile.username)}</span>'))
    # The public copy leaves out what Flickr may show only to the owner or their contacts
    # (its profile's privacy settings are not in the archive): location, first upload, Pro.
    if profile.location and not shell.public:
        rows.append(("Location", f'<span dir="auto">{esc(profile.location)}</span>'))
    if profile.first_upload and not shell.public:
        rows.append(("First upload", day(profile.first_upload)))
    if profile.is_pro is not None and not shell.public:
        rows.append(("Pro account", "yes" if profile.is_pro else "no"))
    if profile.photo_count is not None and not shell.public:
        rows.append(("Photos on Flickr", f"{profile.photo_count:,} (when last synced)"))
    url = safe_link(profile.profile_url) or (
        f"https://www.flickr.com/people/{profile.flickr_path}/" if profile.flickr_path else None
    )
    if url:
        rows.append(("On Flickr", f'<a href="{esc(url)}" rel="nofollow">{esc(url)}</a>'))
    parts = [f'<h1 dir="auto">About {esc(shell.name)}</h1>']
    if profile.description:
        parts.append(f'<div class="desc" dir="auto">{sanitize(profile.description)}</div>')
    if rows:
        parts.append("<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>")

    held_rows = [
        ("Photos", f"{held.photos:,}"),
        ("Videos", f"{held.videos:,}"),
        ("Albums", f'<a href="{link(paths.HOME)}">{held.albums:,}</a>'),
        ("Tags", f'<a href="{link(paths.TAGS)}">{held.tags:,}</a>'),
    ]
    if held.geotagged:
        held_rows.append(
            ("On the map", f'<a href="{link(paths.MAP)}">{plural(held.geotagged, "item")}</a>'
             f" in {plural(held.places, 'place')}")
        )  # fmt: skip
    if held.people:
        held_rows.append(("People", f'<a href="{link(paths.PEOPLE)}">{held.people:,}</a>'))
    if held.newest:
        span = (
            held.oldest[:10]
            if held.oldest == held.newest
            else (f"{held.oldest[:10]} to {held.newest[:10]}")
        )
        held_rows.append(("Taken", span))
    if not shell.public:
        if held.last_sync:
            result = esc(str(held.last_sync.get("result") or ""))
            held_rows.append(("Last sync", f"{_when(held.last_sync.get('finished'))} ({result})"))
        levels = [
            f"{plural(held.levels[key], 'item')} at {esc(text)}"
            for key, text in LEVELS
            if held.levels.get(key)
        ]
        other = sum(n for key, n in held.levels.items() if key not in dict(LEVELS))
        if other:
            levels.append(f"{plural(other, 'item')} without a sidecar the site could read")
        if levels:
            held_rows.append(("Metadata", "<br>".join(levels)))
        if held.deleted:
            held_rows.append(("Deleted on Flickr", f"{held.deleted:,} (kept here)"))
        if held.missing:
            held_rows.append(
                ("Missing or failed", f"{held.missing:,} (the next backup tries again)")
            )
    title = "What this copy shows" if shell.public else "What the archive holds"
    parts.append(f"<h2>{title}</h2><dl>")
    parts.append("".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in held_rows) + "</dl>")
    if held.not_original and not shell.public:
        parts.append(
            f"<h2>Not original ({len(held.not_original):,})</h2>"
            "<p>Flickr did not offer the original file of these: the archive keeps the "
            "largest size it offered, and the next backup asks for the original again.</p>"
        )
        parts.append(grid(link, held.not_original[:GROUP_PHOTOS], thumbs))
        if len(held.not_original) > GROUP_PHOTOS:
            parts.append(f'<p class="facts">and {len(held.not_original) - GROUP_PHOTOS:,} more '
                         "(marked “not original” in every grid).</p>")  # fmt: skip
    if held.extras:
        rows_x = "".join(
            f'<li><a href="{link(page)}">{esc(name)}</a></li>' for name, page in held.extras
        )
        parts.append(
            "<h2>From Flickr's data export only</h2><p>Shown because the site was built with "
            f'<code>--extras</code>; never in the public copy.</p><ul class="plain">{rows_x}</ul>'
        )
    return document(shell, link, "About", "\n".join(parts), body_attrs=' class="about"')


# --- export-only extras --------------------------------------------------------------------


def _value(value: Any, depth: int = 0) -> str:
    """Any JSON value as plain HTML: every string escaped (Flickr Mail is other people's
    text: shown, never run), objects as definition lists, lists as numbered lists."""
    if depth > _DEPTH:
        return "…"
    if isinstance(value, dict):
        if not value:
            return ""
        return (
            "<dl>"
            + "".join(
                f"<dt>{esc(str(k))}</dt><dd>{_value(v, depth + 1)}</dd>" for k, v in value.items()
            )
            + "</dl>"
        )
    if isinstance(value, list):
        if not value:
            return ""
        return (
            '<ol class="plain">'
            + "".join(f'<li class="record">{_value(v, depth + 1)}</li>' for v in value)
            + "</ol>"
        )
    if value is None:
        return ""
    return f'<span dir="auto">{esc(str(value))}</span>'


def records(doc: Any) -> tuple[Any, int]:
    """The export file's content with at most EXTRAS_ITEMS records in its main list; and how
    many were left out."""
    if isinstance(doc, dict) and len(doc) == 1:
        ((key, inner),) = doc.items()
        if isinstance(inner, list) and len(inner) > EXTRAS_ITEMS:
            return {key: inner[:EXTRAS_ITEMS]}, len(inner) - EXTRAS_ITEMS
    if isinstance(doc, list) and len(doc) > EXTRAS_ITEMS:
        return doc[:EXTRAS_ITEMS], len(doc) - EXTRAS_ITEMS
    return doc, 0


def extras_page(shell: Shell, name: str, doc: Any) -> str:
    link = Linker(paths.extras_page(name))
    shown, left = records(doc)
    more = f'<p class="facts">and {left:,} more records (in the file).</p>' if left else ""
    body = (
        f"{pager(None, (link(paths.ABOUT), 'About'), None)}"
        f'<h1 dir="auto">{esc(name)}</h1>'
        '<p class="facts">As Flickr\'s data export wrote it (OUT/flickr-export/); shown with '
        "<code>site --extras</code> only.</p>"
        f'<div class="extras">{_value(shown)}</div>{more}'
    )
    return document(shell, link, name, body, body_attrs=' class="extras-page"')
