"""LinearHTMLParser: HTMLParser's tokens for normal text, bounded work for hostile text.

Python 3.11's html.parser rescans the rest of the input for every `<` that cannot finish;
other members' comments can be made of nothing else. Speed is measured in bench/ (the
`hostile` section); these tests pin what makes it linear: no scan covers the input twice
(`scanned`), the sanitizer never walks its stack of open tags, and the output stays right.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from flickr_async.linearhtml import LinearHTMLParser
from flickr_async.plaintext import html_to_text
from flickr_async.site import html as site_html
from flickr_async.site.html import esc, sanitize

HOSTILE_SIZE = 150_000
# Each repeated to 150 KB: Python 3.11's HTMLParser is quadratic on every one of these
# (40 s for the first), and 3.11's sanitizer on the last two by its `in self.open` scans.
HOSTILE = [
    "<a href=x ",
    "<a\n",
    '<a b="',
    "<a b=1 /",
    "</ ",
    "</a ",
    "<? ",
    "<!",
    "<!--",
    "<![",
    "<!doctype",
    "<a x='>' ",
    "<b>x",
    "<i>x</b>",
]


def hostile(pattern: str) -> str:
    return (pattern * (HOSTILE_SIZE // len(pattern) + 1))[:HOSTILE_SIZE]


class _Recording:
    """Mixin: every callback as a tuple, in order."""

    events: list[tuple[Any, ...]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, tuple(attrs), self.get_starttag_text()))  # type: ignore[attr-defined]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("startend", tag, tuple(attrs), self.get_starttag_text()))  # type: ignore[attr-defined]

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.events and self.events[-1][0] == "data":  # HTMLParser may split text anywhere
            self.events[-1] = ("data", self.events[-1][1] + data)
        else:
            self.events.append(("data", data))

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", data))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl))

    def unknown_decl(self, data: str) -> None:
        self.events.append(("unknown_decl", data))

    def handle_pi(self, data: str) -> None:
        self.events.append(("pi", data))


class Linear(_Recording, LinearHTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.events = []


class Stdlib(_Recording, HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events = []


def tokens(parser: Linear | Stdlib, text: str) -> list[tuple[Any, ...]]:
    parser.feed(text)
    parser.close()
    return [*parser.events, ("left", parser.rawdata)]


# What Flickr members type: links, emphasis, entities, line breaks, stray `<`, old markup.
NORMAL = [
    "",
    "Sunset over the bay",
    'Taken with <a href="https://www.flickr.com/cameras/canon/" rel="nofollow">a Canon</a>.',
    "<b>Bold</b>, <i>italic</i>, <em>em</em> and <strong>strong</strong>",
    "Fish &amp; chips &lt;3 &#8230; &eacute; &copy 2009 &unknown; & alone",
    "line one<br>line two<br/>line three<BR />four\r\nfive",
    "<p>first</p><p>second<p>third</p>",
    "a < b and c > d, 3<4, x<-y, <3",
    "<a href='single'>s</a> <a href=bare>b</a> <a href = \"spaced\" >sp</a>",
    '<a title="a > b" href="/photos/x/">quoted gt</a>',
    "<blockquote><i>quoted</i></blockquote> <pre>  keep\n  spaces</pre> <code>x</code>",
    '<img src="https://example.com/x.png" onerror="alert(1)"> <IMG SRC=x>',
    "<script>alert('<b>x</b>')</script> after",
    "<style>p{}</style><SCRIPT>1</SCRIPT >",
    "<!-- a comment --> <!-- -- --> <!--x-- >",
    "<!DOCTYPE html><!doctype x><?xml version='1.0'?><![CDATA[raw <b>]]>",
    "<![if !supportLists]>x<![endif]>",
    "</b></unknown></3></>end",
    '<a href="jav&#x61;script:alert(1)">x</a> <a href="&#106;avascript:1">y</a>',
    "<a href=x/>self</a><br/><p/><b/>",
    '<A HREF="UPPER" TARGET=_blank>Up</A>',
    "emoji 🌸 and RTL שלום, <b>🌅</b>",
    "unfinished <b",
    'tail <a href="https://x',
    "<a b='x'>one</a> <a b=\"y\" c=z d>two</a>",
    "<tag attr=a=b===c>eq</tag> <x =y>",
    "text & more text &amp",
]


@pytest.mark.parametrize("text", NORMAL)
def test_normal_text_gives_the_standard_librarys_tokens(text: str) -> None:
    assert tokens(Linear(), text) == tokens(Stdlib(), text)


@pytest.mark.parametrize("pattern", HOSTILE)
def test_hostile_text_is_scanned_once(pattern: str) -> None:
    text = hostile(pattern)
    parser = LinearHTMLParser()
    parser.feed(text)
    parser.close()
    # 3.11's HTMLParser covers these hundreds of thousands of times over.
    assert parser.scanned <= 2 * len(text)


@pytest.mark.parametrize("pattern", ["<a href=x ", "<a\n", "</ ", "<!--", "<? ", "<!"])
def test_markup_that_never_finishes_is_shown_as_typed(pattern: str) -> None:
    text = "Nice shot! " + hostile(pattern)
    assert sanitize(text) == esc(text).replace("\n", "<br>\n")
    assert html_to_text(text).split() == text.split()


def test_a_quote_never_closed_ends_the_tag_as_text_without_a_second_scan() -> None:
    text = "<a x='>' " * 10_000 + 'y="'
    parser = LinearHTMLParser()
    parser.feed(text)
    parser.close()
    assert parser.scanned <= 2 * len(text)
    assert "<a " not in sanitize(text)


class CountingList(list[str]):
    """The sanitizer's stack of open tags, counting every search through it."""

    searches = 0

    def __contains__(self, item: object) -> bool:
        CountingList.searches += 1
        return super().__contains__(item)

    def index(self, *args: Any) -> int:
        CountingList.searches += 1
        return super().index(*args)


def test_the_sanitizer_never_searches_its_stack_of_open_tags() -> None:
    parser = site_html._Sanitizer()
    parser.open = CountingList()
    parser.feed(hostile("<b>x") + "<pre>p</pre><p>a<p>b<a href='https://x/'>l<a>m</a></b>")
    out = parser.finish()
    assert CountingList.searches == 0
    assert out.count("<b>") == out.count("</b>") == HOSTILE_SIZE // 4
    assert out.endswith("</b>" * (HOSTILE_SIZE // 4 - 1))


def test_nested_tags_keep_their_meaning_through_the_counts() -> None:
    assert sanitize("<pre>a\nb<b>c\nd</b></pre>e\nf") == "<pre>a\nb<b>c\nd</b></pre>e<br>\nf"
    assert sanitize("<p>a<b>b<p>c") == "<p>a<b>b</b></p><p>c</p>"
    assert sanitize('<a href="https://a/">x<a href="https://b/">y</a>z') == (
        f'<a href="https://a/" rel="{site_html.REL}">xy</a>z'
    )


def test_marked_sections_the_standard_library_crashes_on_are_text() -> None:
    # Python 3.11's HTMLParser raises AssertionError on both.
    assert sanitize("<![<![x") == "&lt;![&lt;![x"
    assert sanitize("<![foo[bar]]> ok") == "&lt;![foo[bar]]&gt; ok"
    assert html_to_text("a <![<![ b") == "a <![<![ b"


def test_an_unclosed_script_is_kept_as_text() -> None:
    assert sanitize("<script>alert(1)") == "&lt;script&gt;alert(1)"
    assert html_to_text("before<script>hidden") == "before"
