"""Pure: where photos were taken, for the map — the projection the world outlines are drawn
in, the map's data (one entry per geotagged photo), the places named at the list level, and
the small map of a photo page.

The world is Natural Earth's 1:110m countries (public domain; static/world.svg, made by
tools/make_world.py) in an equirectangular projection: x = (lon + 180) * 10, y = (90 - lat)
* 10, in a 3600 × 1800 box. The public copy (public.py) shows a location only where Flickr
shows it to everyone: the build passes only such photos here (`mapped`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flickr_async.site import paths
from flickr_async.site.html import Linker, esc
from flickr_async.site.model import Item, location, place_names, str_or_empty

SCALE = 10  # units per degree (tools/make_world.py)
WIDTH, HEIGHT = 360 * SCALE, 180 * SCALE
MIN_ZOOM, MAX_ZOOM = 0, 14  # the map page's zoom levels: the view is WIDTH / 2**zoom wide


def project(lat: float, lon: float) -> tuple[float, float]:
    """(x, y) in the world outlines' box, to a hundredth of a unit (about a kilometre)."""
    return round((lon + 180) * SCALE, 2), round((90 - lat) * SCALE, 2)


# A photo the map shows, its latitude and longitude, and its place names (country, region,
# locality; or ()): the build reads them from the site's cache (SiteCache.located), only the
# photos whose location may be shown (in the public copy: Flickr shows it to everyone).
Located = tuple[Item, float, float, tuple[str, ...]]


def map_entry(item: Item, lat: float, lon: float) -> list[object]:
    """One marker of the map's data: [id, latitude, longitude, title] (to five decimals, a
    metre; map.js projects them as `project` does)."""
    return [item.id, round(lat, 5), round(lon, 5), item.summary.title]


def cluster(points: Sequence[tuple[float, float]], zoom: int, cell: float = 44.0,
            view: float = 1000.0) -> list[list[int]]:  # fmt: skip
    """Grid clustering as the map page does it (static/map.js): at `zoom`, the world is
    WIDTH * 2**zoom / WIDTH * `view` pixels wide; points in one `cell`-pixel square of it
    make one marker. Returns the indexes of each marker's points, in order of first point."""
    size = cell * WIDTH / (view * 2**zoom)  # a cell, in the outlines' units
    groups: dict[tuple[int, int], list[int]] = {}
    for n, (x, y) in enumerate(points):
        groups.setdefault((int(x // size), int(y // size)), []).append(n)
    return list(groups.values())


# --- places ------------------------------------------------------------------------------


def places(located: Iterable[Located]) -> dict[tuple[str, ...], list[Item]]:
    """Each place the list level names (its country; country and region; country, region
    and locality) and the photos taken there, in the order given. The caller passes the
    photos whose location may be shown."""
    found: defaultdict[tuple[str, ...], list[Item]] = defaultdict(list)
    for item, _, _, names in located:
        if not names:
            continue
        for depth in range(1, len(names) + 1):
            if names[depth - 1]:
                found[names[:depth]].append(item)
    return dict(found)


def place_label(names: Sequence[str]) -> str:
    """ "Locality, Region, Country" (the names it has)."""
    return ", ".join(n for n in reversed(names) if n) or "Unknown place"


def place_links(link: Linker, geo: Any) -> str:
    """A photo page's place names, most precise first (its neighbourhood as text), each a
    link to its photos-here page; "" when the sidecar names no place or no location."""
    names = place_names(geo)
    if not names or location(geo) is None:  # its places' pages are only of located photos
        return ""
    parts = []
    hood = " ".join(str_or_empty(geo.get("neighbourhood")).split())
    if hood and hood not in names:
        parts.append(esc(hood))
    for depth in range(len(names), 0, -1):
        if names[depth - 1]:
            parts.append(
                f'<a href="{link(paths.place_page(names[:depth]))}" dir="auto">'
                f"{esc(names[depth - 1])}</a>"
            )
    return ", ".join(parts)


def mini_map(link: Linker, geo: Any) -> str:
    """A photo page's small world map with its spot, opening the map page there; "" without
    a location (the sidecar given is what the page may show: public_doc in the public copy)."""
    where = location(geo)
    if where is None:
        return ""
    lat, lon = where
    x, y = project(lat, lon)
    spot = f"left:{100 * x / WIDTH:.2f}%;top:{100 * y / HEIGHT:.2f}%"
    return (
        f'<a class="minimap" href="{link(paths.MAP)}#{lat:.5f},{lon:.5f},6" '
        f'aria-label="On the map of every photo ({lat:.4f}, {lon:.4f})">'
        f'<img src="{link(paths.WORLD)}" alt="" width="360" height="180">'
        f'<span class="spot" style="{spot}"></span></a>'
    )


def place_tree(
    found: Mapping[tuple[str, ...], Sequence[Item]],
) -> list[tuple[tuple[str, ...], int, list[tuple[tuple[str, ...], int, list[Any]]]]]:
    """Countries, their regions, their localities, alphabetically, with photo counts."""

    under: defaultdict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for key in found:
        parent = key[:-1]
        while parent and parent not in found:  # a level Flickr did not name: the one above
            parent = parent[:-1]
        under[parent].append(key)

    def children(parent: tuple[str, ...]) -> list[Any]:
        kids = sorted(under.get(parent, ()), key=lambda k: (k[-1].casefold(), k[-1]))
        return [(key, len(found[key]), children(key)) for key in kids]

    return children(())
