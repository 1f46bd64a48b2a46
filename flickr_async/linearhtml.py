"""Pure: LinearHTMLParser, html.parser.HTMLParser's callbacks in time linear in the input.

Python 3.11's HTMLParser looks for the end of every `<` construct from scratch, and at the
end of the input hands out an unfinished one a piece at a time: each `<` that cannot finish
(no `>` after it, a comment never closed) costs a scan of everything after it. 150 KB of
`<a href=x ` took 40 s to sanitize and 70 s to turn into a caption; other members' comments
and descriptions are exactly such text.

This tokenizer follows HTMLParser on every construct that finishes, with its patterns, so
the sanitizer's and the captions' output for normal text does not change. What it does not
do is look for what is not there: one pass over the input records where the last `>`, the
last quote of each kind and the last comment and section closers are, so a construct that
cannot finish is known at once, and shown as the text it was typed as (as HTMLParser does in
the end). Every scan starts where the last one ended; `scanned` counts the characters they
covered, which stays within a small multiple of the input's length whatever the input.
"""

from __future__ import annotations

import re
from html import unescape

# HTMLParser's own patterns (html/parser.py, _markupbase.py of Python 3.11).
_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\r\f />\x00]*")
_BETWEEN_ATTRS = re.compile(r"(?:\s|/(?!>))*")
_ATTR_NAME = re.compile(r"[^\s/>][^\s/=>]*")
_EQUALS = re.compile(r"\s*=+\s*")
_BARE_VALUE = re.compile(r"[^>\s]*")
_END_TAG = re.compile(r"</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>")
_END_TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\r\f />\x00]*")
_DECL_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_CLOSE = re.compile(r"]\s*]\s*>")
_MS_SECTION_CLOSE = re.compile(r"]\s*>")
_SECTIONS = frozenset({"temp", "cdata", "ignore", "include", "rcdata"})
_MS_SECTIONS = frozenset({"if", "else", "endif"})

Attrs = list[tuple[str, str | None]]


def _last_start(pattern: re.Pattern[str], text: str) -> int:
    """Where the last match of `pattern` starts (-1: none). Its matches cannot overlap, so
    one search from p finds a match exactly when p is at most this."""
    last = -1
    for match in pattern.finditer(text):
        last = match.start()
    return last


class _Index:
    """What one pass learns about the input: the last place each closer occurs."""

    def __init__(self, text: str) -> None:
        self.gt = text.rfind(">")
        self.quote = {'"': text.rfind('"'), "'": text.rfind("'")}
        self.comment_close = _last_start(_COMMENT_CLOSE, text)
        self.section_close = _last_start(_SECTION_CLOSE, text)
        self.ms_section_close = _last_start(_MS_SECTION_CLOSE, text)


class LinearHTMLParser:
    """The subset of HTMLParser's interface the site and the captions use: `feed`, `close`,
    the `handle_*` callbacks, `get_starttag_text` and, after `close`, `rawdata` holding an
    unclosed script or style element's content. Character references are always converted.
    Parsing happens in `close` (every caller feeds one fragment)."""

    CDATA_CONTENT_ELEMENTS = ("script", "style")

    def __init__(self) -> None:
        self.rawdata = ""
        self.scanned = 0  # characters covered by all scans: linear in the input, always
        self._starttag_text: str | None = None
        self._cdata: str | None = None

    # --- callbacks (as HTMLParser's) ------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        pass

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        pass

    def handle_data(self, data: str) -> None:
        pass

    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass

    def get_starttag_text(self) -> str | None:
        return self._starttag_text

    # --- input --------------------------------------------------------------------------

    def feed(self, data: str) -> None:
        self.rawdata += data

    def close(self) -> None:
        text, self.rawdata = self.rawdata, ""
        self.rawdata = self._parse(text)

    # --- the one pass ---------------------------------------------------------------------

    def _find(self, text: str, what: str, start: int, last: int) -> int:
        """text.find(what, start), answered at once when `last` (its last position) is
        before `start`; a scan that succeeds only covers what the caller then consumes."""
        if last < start:
            return -1
        found = text.find(what, start)
        self.scanned += found - start
        return found

    def _parse(self, text: str) -> str:
        """Tokenize `text` whole; what is left unparsed (an unclosed script's content)."""
        index = _Index(text)
        n = len(text)
        i = 0
        while i < n:
            if self._cdata is not None:
                closer = re.compile(rf"</\s*{self._cdata}\s*>", re.I).search(text, i)
                if closer is None:
                    self.scanned += n - i
                    return text[i:]  # as HTMLParser: never handed out as data
                self.scanned += closer.end() - i
                if closer.start() > i:
                    self.handle_data(text[i : closer.start()])
                self.handle_endtag(self._cdata)
                self._cdata = None
                i = closer.end()
                continue
            j = text.find("<", i)
            j = n if j < 0 else j
            self.scanned += j - i
            if i < j:
                self.handle_data(unescape(text[i:j]))
            i = j
            if i == n:
                break
            k = self._construct(text, i, index)
            if k < 0:
                k = self._unfinished(text, i, index)
                self.handle_data(unescape(text[i:k]))
            i = k
        return ""

    def _unfinished(self, text: str, i: int, index: _Index) -> int:
        """Where the text that an unfinished construct at `i` becomes ends, as HTMLParser
        decides it: through the next `>`, else up to the next `<`, else to the end."""
        gt = self._find(text, ">", i + 1, index.gt)
        if gt >= 0:
            return gt + 1
        lt = text.find("<", i + 1)
        self.scanned += (lt if lt >= 0 else len(text)) - i
        return lt if lt >= 0 else len(text)

    def _construct(self, text: str, i: int, index: _Index) -> int:
        """Handle the construct at `i` (text[i] is "<"); where it ends, or -1 when it cannot
        finish."""
        n = len(text)
        nxt = text[i + 1 : i + 2]
        if nxt.isascii() and nxt.isalpha():
            return self._start_tag(text, i, index)
        if nxt == "/":
            return self._end_tag(text, i, index)
        if text.startswith("<!--", i):
            close = _COMMENT_CLOSE.search(text, i + 4) if index.comment_close >= i + 4 else None
            if close is None:
                return -1
            self.scanned += close.end() - i
            self.handle_comment(text[i + 4 : close.start()])
            return close.end()
        if nxt == "?":
            gt = self._find(text, ">", i + 2, index.gt)
            if gt < 0:
                return -1
            self.handle_pi(text[i + 2 : gt])
            return gt + 1
        if nxt == "!":
            return self._declaration(text, i, index)
        if i + 1 < n:
            self.handle_data("<")
            return i + 1
        return -1

    def _start_tag(self, text: str, i: int, index: _Index) -> int:
        if index.gt < i:
            return -1  # no `>` anywhere after it
        n = len(text)
        name = _TAG_NAME.match(text, i + 1)
        assert name is not None  # text[i + 1] is a letter
        tag = name.group().lower()
        attrs: Attrs = []
        pos = name.end()
        while True:
            pos = self._match_end(_BETWEEN_ATTRS, text, pos)
            if pos >= n:
                return self._unfinished_tag(text, i, n, index)
            if text[pos] == ">":
                end, closed = pos + 1, False
                break
            if text[pos] == "/":  # `/` before `>`: the patterns skip any other
                end, closed = pos + 2, True
                break
            attr = _ATTR_NAME.match(text, pos)
            assert attr is not None  # text[pos] is neither space, `/` nor `>`
            pos = attr.end()
            value: str | None = None
            equals = _EQUALS.match(text, pos)
            if equals:
                pos = equals.end()
                quote = text[pos : pos + 1]
                if quote in ('"', "'"):
                    close = self._find(text, quote, pos + 1, index.quote[quote])
                    if close < 0:
                        return self._unfinished_tag(text, i, pos, index)  # quote never closed
                    value, pos = text[pos + 1 : close], close + 1
                else:
                    value = text[pos : self._match_end(_BARE_VALUE, text, pos)]
                    pos += len(value)
                if value:
                    value = unescape(value)
            attrs.append((attr.group().lower(), value))
        self.scanned += name.end() - i
        self._starttag_text = text[i:end]
        if closed:
            self.handle_startendtag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            if tag in self.CDATA_CONTENT_ELEMENTS:
                self._cdata = tag
        return end

    def _unfinished_tag(self, text: str, i: int, stop: int, index: _Index) -> int:
        """A start tag the input ends inside of (in a quote never closed, or past the last
        `>`, which quotes held): text, as HTMLParser makes it, through the next `>`, else up
        to the next `<`; but never ending before `stop`, where the scan got, so nothing it
        covered is scanned again."""
        end = self._unfinished(text, stop - 1, index) if stop < len(text) else stop
        self.handle_data(unescape(text[i:end]))
        return end

    def _match_end(self, pattern: re.Pattern[str], text: str, pos: int) -> int:
        match = pattern.match(text, pos)
        end = match.end() if match else pos
        self.scanned += end - pos
        return end

    def _end_tag(self, text: str, i: int, index: _Index) -> int:
        gt = self._find(text, ">", i + 2, index.gt)
        if gt < 0:
            return -1
        end = gt + 1
        whole = _END_TAG.match(text, i, end)
        if whole:
            self.handle_endtag(whole.group(1).lower())
            return end
        name = _END_TAG_NAME.match(text, i + 2, gt)
        if name:
            self.handle_endtag(name.group().lower())
        elif text.startswith("</>", i):
            pass  # HTMLParser drops it
        else:
            self.handle_comment(text[i + 2 : gt])  # `</3>`: a bogus comment, as HTMLParser
        return end

    def _declaration(self, text: str, i: int, index: _Index) -> int:
        if text.startswith("<![", i):
            name = _DECL_NAME.match(text, i + 3)
            if name is None or name.end() == len(text):
                return -1  # HTMLParser raises on the first, waits for more on the second
            kind = name.group().strip().lower()
            if kind in _SECTIONS:
                pattern, last = _SECTION_CLOSE, index.section_close
            elif kind in _MS_SECTIONS:
                pattern, last = _MS_SECTION_CLOSE, index.ms_section_close
            else:
                return -1  # HTMLParser raises AssertionError; shown as text here
            close = pattern.search(text, i + 3) if last >= i + 3 else None
            if close is None:
                return -1
            self.scanned += close.end() - i
            self.unknown_decl(text[i + 3 : close.start()])
            return close.end()
        if text[i : i + 9].lower() == "<!doctype":
            gt = self._find(text, ">", i + 9, index.gt)
            if gt < 0:
                return -1
            self.handle_decl(text[i + 2 : gt])
            return gt + 1
        gt = self._find(text, ">", i + 2, index.gt)
        if gt < 0:
            return -1
        self.handle_comment(text[i + 2 : gt])  # a bogus comment: `<!x>`
        return gt + 1
