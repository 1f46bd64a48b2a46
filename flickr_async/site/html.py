"""Pure: the site's one escaping function, its URL encoding and the HTML sanitizer.

Titles, tags, names and notes are other people's text: they go through `esc` and show as
text. Descriptions and comments are Flickr's HTML fragments: `sanitize` keeps an allowlist of
harmless tags (emphasis, paragraphs, quotes, code, line breaks, and links to http, https and
mailto only) and shows everything else as the text it was typed as, so `<script>` in a
description reads "<script>" and never runs. It is built on a tokenizer with the standard
library's patterns (linearhtml.py: theirs, in linear time), which decodes entities in
attributes before the URL check (`jav&#x61;script:` is javascript:) and never lets a tag the
allowlist does not know reach the page. Its output is always balanced, so a fragment cannot
close or restyle the page around it. Its work is linear too: a 150 KB comment of nested or
unfinished tags costs what 150 KB of text costs.

Every link the site makes is relative and percent-encoded segment by segment, so album
folders called `#1 100% sure?` or `🌅 Sunsets` work from file:// on Linux, macOS and Windows.
"""

from __future__ import annotations

import html
import posixpath
import re
from functools import lru_cache
from urllib.parse import quote

from flickr_async.linearhtml import LinearHTMLParser

FLICKR = "https://www.flickr.com"
ALLOWED_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "s", "br", "p", "blockquote", "code", "pre"}
)
_VOID = frozenset({"br"})
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
REL = "noopener noreferrer nofollow"
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")  # what quote() leaves as it is
# What browsers drop from a URL before reading its scheme ("java\tscript:" is javascript:).
_URL_IGNORED = str.maketrans("", "", "\t\n\r")


def esc(text: object) -> str:
    """Text as HTML text or attribute value: &, <, >, " and ' escaped."""
    return html.escape(str(text), quote=True)


# --- URLs --------------------------------------------------------------------------------


def _segment(segment: str) -> str:
    return segment if _UNRESERVED.fullmatch(segment) else quote(segment, safe="")


def url_path(path: str) -> str:
    """A relative POSIX path as a URL: each segment percent-encoded (`#`, `?`, `%`, spaces,
    emoji, RTL text), the separators kept."""
    return "/".join(_segment(segment) for segment in path.split("/"))


@lru_cache(maxsize=8192)
def _folder_prefix(start: str, folder: str) -> str:
    """The encoded way from folder `start` to folder `folder` ("" when they are one)."""
    rel = posixpath.relpath(folder or ".", start)
    return "" if rel == "." else url_path(rel) + "/"


def href(from_page: str, to_path: str) -> str:
    """The relative, encoded link from the page at `from_page` to `to_path`, both relative
    to the archive root (POSIX separators)."""
    start = posixpath.dirname(from_page) or "."
    return url_path(posixpath.relpath(to_path, start))


def safe_link(url: str) -> str | None:
    """`url` if a page may link to it (http, https, mailto), Flickr-relative links made
    absolute; None for anything else (javascript:, data:, vbscript:, relative paths)."""
    cleaned = url.translate(_URL_IGNORED).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"
                                                "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
                                                "\x19\x1a\x1b\x1c\x1d\x1e\x1f ")  # fmt: skip
    if cleaned.startswith("//"):
        return "https:" + cleaned
    if cleaned.startswith("/"):
        return FLICKR + cleaned  # Flickr writes links to its own pages as /photos/...
    if cleaned.lower().startswith(_SAFE_SCHEMES) and cleaned.partition(":")[2]:
        return cleaned
    return None


# --- the sanitizer -------------------------------------------------------------------------


class _Sanitizer(LinearHTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.open: list[str] = []  # allowed tags open, innermost last; None-links included
        # How many of each are open: "is a <pre> open?" without walking a stack that
        # 50,000 unclosed <b> make deep.
        self.opened: dict[str, int] = {}
        self.links: list[bool] = []  # per open "a": did it become a link?

    # Text: escaped; the newlines people type are line breaks, as on Flickr.
    def handle_data(self, data: str) -> None:
        text = esc(data)
        if not self.opened.get("pre"):
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>\n")
        self.out.append(text)

    def _as_text(self, raw: str) -> None:
        self.out.append(esc(raw))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self.get_starttag_text() or f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}/>"
        if tag in _VOID:
            self.out.append("<br>")
        elif tag in ALLOWED_TAGS:
            self._start(tag, attrs, raw)  # `<b/>` is an open tag in HTML: close it at once
            self.handle_endtag(tag)
        else:
            self._as_text(raw)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], raw: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._as_text(raw)
            return
        if tag in _VOID:
            self.out.append("<br>")
            return
        if tag == "a":
            if self.opened.get("a"):  # a link inside a link: browsers split them; keep the text
                return
            target = next((safe_link(v) for k, v in attrs if k == "href" and v), None)
            self._push("a")
            self.links.append(target is not None)
            if target is not None:
                self.out.append(f'<a href="{esc(target)}" rel="{REL}">')
            return
        if tag == "p" and self.opened.get("p"):  # a new paragraph ends the last one
            self._close_to("p")
        self._push(tag)
        self.out.append(f"<{tag}>")

    def _push(self, tag: str) -> None:
        self.open.append(tag)
        self.opened[tag] = self.opened.get(tag, 0) + 1

    def _pop(self) -> str:
        tag = self.open.pop()
        self.opened[tag] -= 1
        return tag

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._as_text(f"</{tag}>")
        elif tag in _VOID:
            self.out.append("<br>")  # `</br>` is a line break to browsers
        elif self.opened.get(tag):
            self._close_to(tag)
        # an allowed end tag with nothing to close is dropped: it is markup, not text

    def _close_to(self, tag: str) -> None:
        while self.open:
            top = self._pop()
            self._emit_end(top)
            if top == tag:
                return

    def _emit_end(self, tag: str) -> None:
        if tag == "a":
            if self.links.pop():
                self.out.append("</a>")
        else:
            self.out.append(f"</{tag}>")

    def handle_comment(self, data: str) -> None:
        self._as_text(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._as_text(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        end = "]]>" if data.startswith("CDATA[") else "]>"
        self._as_text(f"<![{data}{end}")

    def handle_pi(self, data: str) -> None:
        self._as_text(f"<?{data}>")

    def finish(self) -> str:
        self.close()  # flushes text held back (an unfinished `<b` at the very end)
        rest = self.rawdata
        if rest:
            self._as_text(rest)
            self.rawdata = ""
        while self.open:
            self._emit_end(self._pop())
        return "".join(self.out)


@lru_cache(maxsize=4096)  # comments such as "Nice!" repeat across thousands of pages
def sanitize(fragment: str) -> str:
    """Flickr's HTML fragment as HTML safe to put in a page (see the module docstring)."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment and "\r" not in fragment:
        return esc(fragment).replace("\n", "<br>\n")  # plain text: what the parser would make
    parser = _Sanitizer()
    parser.feed(fragment)
    return parser.finish()


class Linker:
    """Relative, encoded links from one page: `link(target)` for a path relative to OUT.

    Grids make thousands of links into a few folders: each folder's part is worked out once.
    """

    def __init__(self, page: str) -> None:
        self.page = page
        self._start = posixpath.dirname(page) or "."
        self._prefixes: dict[str, str] = {}

    def __call__(self, target: str) -> str:
        folder, _, name = target.rpartition("/")
        prefix = self._prefixes.get(folder)
        if prefix is None:
            prefix = self._prefixes[folder] = _folder_prefix(self._start, folder)
        return prefix + _segment(name)
