"""Pure: the map page (every geotagged photo on a world map drawn from the outlines shipped
with the site, markers grouped when they crowd: static/map.js) and the "photos here" pages of
the places named at the list level."""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from flickr_async.plural import plural
from flickr_async.site import paths
from flickr_async.site.geo import HEIGHT, WIDTH, place_label
from flickr_async.site.html import Linker, esc
from flickr_async.site.model import Item
from flickr_async.site.pages import Shell, count_facts, document, grid_body, page_nav

_PATH_DATA = re.compile(r'\bd="([^"]*)"')


@lru_cache(maxsize=1)
def world_path() -> str:
    """The outlines' SVG path data (static/world.svg), to draw inline on the map page."""
    svg = (resources.files("flickr_async.site") / "static" / "world.svg").read_text("ascii")
    match = _PATH_DATA.search(svg)
    return match.group(1) if match else ""


def _tree(link: Linker, nodes: Sequence[Any]) -> str:
    rows = []
    for key, count, children in nodes:
        inner = _tree(link, children) if children else ""
        rows.append(
            f'<li><a href="{link(paths.place_page(key))}" dir="auto">{esc(key[-1])}</a> '
            f'<span class="n">{count:,}</span>{inner}</li>'
        )
    return f'<ul class="tree places">{"".join(rows)}</ul>'


def map_page(shell: Shell, count: int, tree: Sequence[Any]) -> str:
    """The map: drawn by static/map.js from data/map.js; the places below work without it."""
    link = Linker(paths.MAP)
    what = (
        "whose location Flickr shows to everyone"
        if shell.public
        else "with a location (taken there, or placed there on Flickr)"
    )
    parts = [
        "<h1>Map</h1>",
        f'<p class="facts">{plural(count, "photo")} {what}.</p>',
        '<div class="map-tools" role="group" aria-label="Map controls">'
        '<button type="button" id="fa-zoom-in" aria-label="Zoom in">+</button>'
        '<button type="button" id="fa-zoom-out" aria-label="Zoom out">−</button>'
        '<button type="button" id="fa-zoom-all">Whole world</button>'
        '<span id="fa-map-status" class="n" aria-live="polite"></span></div>',
        '<div id="fa-map" class="map" tabindex="0" role="region" aria-label="World map of '
        "the photos: arrow keys move it, + and − zoom, Tab goes through the markers (a "
        'group of photos zooms in, one photo opens its page)">'
        f'<svg id="fa-map-svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        'preserveAspectRatio="xMidYMid meet" aria-label="World map">'
        f'<rect class="sea" x="0" y="0" width="{WIDTH}" height="{HEIGHT}"/>'
        f'<path class="land" d="{world_path()}"/><g id="fa-marks"></g></svg></div>',
        '<noscript><p class="notice">The map is drawn by JavaScript; the places below list '
        "the same photos.</p></noscript>",
        '<p class="small">Country outlines: Natural Earth (public domain).</p>',
    ]
    if tree:
        parts.append(f"<section><h2>Places</h2>{_tree(link, tree)}</section>")
    return document(
        shell,
        link,
        "Map",
        "\n".join(parts),
        body_attrs=' class="mappage"',
        scripts=(paths.MAP_DATA, paths.MAP_JS),
    )


def place_page(
    shell: Shell,
    names: tuple[str, ...],
    items: Sequence[Item],
    number: int,
    total_pages: int,
    total: int,
    thumbs: Container[str],
) -> str:
    """The photos taken in one place (as the list level names it)."""
    link, prev, after = page_nav(lambda n: paths.place_page(names, n), number, total_pages)
    label = place_label(names)
    wider = [
        f'<a href="{link(paths.place_page(names[:depth]))}" dir="auto">{esc(names[depth - 1])}</a>'
        for depth in range(len(names) - 1, 0, -1)
        if names[depth - 1]
    ]
    within = f'<p class="links">In {", ".join(wider)}</p>' if wider else ""
    body = grid_body(
        link,
        (prev, (link(paths.MAP), "Map"), after),
        f'<h1>Photos here: <span dir="auto">{esc(label)}</span></h1>',
        count_facts(total, number, total_pages),
        items,
        thumbs,
        between=[within],
    )
    return document(shell, link, f"Photos here: {label}", body)
