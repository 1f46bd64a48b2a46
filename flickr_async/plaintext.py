"""Pure: Flickr's HTML description fragments as the plain text photo managers show.

Flickr descriptions are HTML fragments typed by people: `<a href>` links (rewritten with
`rel="nofollow"`), `<b>`/`<i>`, `<br>`, entities such as `&#8230;`, and plain newlines the
owner typed. EXIF `ImageDescription`, XMP `dc:description` and every caption field of a photo
manager are plain text, so tags go, entities are decoded, `<br>` and paragraph ends become
newlines, a link becomes its text, and the text stays otherwise as the owner wrote it.
"""

from __future__ import annotations

import re

from flickr_async.linearhtml import LinearHTMLParser

# Elements after which the text continues on a new line (a paragraph gets a blank line).
_LINE_BREAKS = frozenset({"br"})
_BLOCKS = frozenset(
    {"p", "div", "blockquote", "pre", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_LINES = frozenset({"li", "tr", "dt", "dd"})
_INVISIBLE = frozenset({"script", "style", "head", "title"})
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
# Characters XML 1.0 (and so XMP) cannot carry, and C0 and C1 controls no caption should
# hold (`exiftool photo.jpg` would print a C1 CSI to the terminal as it is).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class _Text(LinearHTMLParser):  # linear: descriptions are typed by anybody
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _LINE_BREAKS or tag in _LINES:
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def clean(text: str) -> str:
    """Drop characters that XML cannot hold (C0 controls, lone surrogates) and C1 controls."""
    return _CONTROL.sub("", text)


def html_to_text(fragment: str) -> str:
    """Plain text of a Flickr HTML fragment: tags removed, entities decoded, `<br>` and
    paragraphs as newlines, links as their text, runs of spaces collapsed, trimmed."""
    if not fragment:
        return ""
    parser = _Text()
    parser.feed(fragment.replace("\r\n", "\n").replace("\r", "\n"))
    parser.close()
    text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines))
    return clean(text.strip())
