"""Crawl a built site as a browser would from file://: every page, every href and src."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {"href", "src", "poster", "action"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for name, value in attrs:
            if name in LINK_ATTRS and value is not None:
                self.links.append((tag, name, value))


@dataclass
class Crawl:
    pages: dict[Path, _Links] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)  # links to the web (fine as <a href>)
    loaded_from_web: list[str] = field(default_factory=list)  # src=/poster= off the disk: never

    def html(self, page: Path) -> str:
        return page.read_text("utf-8")


def parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text("utf-8"))
    parser.close()
    return parser


def crawl(out: Path) -> Crawl:
    """Every page reachable from OUT/index.html (and every .html under OUT/.site/), with
    the links that do not resolve to a file on disk."""
    result = Crawl()
    todo = [out / "index.html", *sorted((out / ".site").rglob("*.html"))]
    while todo:
        page = todo.pop()
        if page in result.pages:
            continue
        links = parse(page)
        result.pages[page] = links
        for tag, attr, value in links.links:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https", "mailto"):
                (result.external if tag == "a" else result.loaded_from_web).append(value)
                continue
            if parts.scheme or parts.netloc or value.startswith("/"):
                result.broken.append(f"{page}: {attr}={value!r} is not relative")
                continue
            if attr == "action" and value == "":
                continue  # a form that submits to its own page
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                result.broken.append(f"{page.relative_to(out)}: {attr}={value!r}")
                continue
            if target.suffix == ".html" and target not in result.pages:
                todo.append(target)
    return result
