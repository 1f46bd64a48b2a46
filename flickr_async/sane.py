"""Pure: odd values from outside made sane, once, where they come in or go out.

Flickr's JSON (or whatever answers in its place) may carry what no photo has: numbers that
overflow (`"1e999"` is infinity, and `int()` of it raises), lone surrogates (JSON allows
`"\\ud800"`, UTF-8 cannot encode it: every write of it fails), dates no calendar has
(month 13), and control characters that a terminal obeys (ESC ] 0 retitles the window,
CSI moves the cursor, a C1 byte does the same in one). Read through these helpers, such a
value is a failed field (unknown, or replaced by U+FFFD), never a failed run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

REPLACEMENT = "\ufffd"
# Beyond this an integer field is nonsense (and SQLite, JSON readers in browsers and
# time functions start failing): 2**53 - 1, the largest integer a double holds exactly.
MAX_INT = 2**53 - 1
# Unix seconds a date can be shown as: up to the end of year 9999 (datetime's range).
MAX_TIMESTAMP = 253_402_300_799
TAKEN_FORMAT = "%Y-%m-%d %H:%M:%S"  # Flickr's date taken, owner's local time

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL; newline and tab survive where several lines are meant.
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85]")  # shown as a space on one line
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TAKEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def valid_text(value: str) -> str:
    """`value` with lone surrogates replaced by U+FFFD: text every encoder can write."""
    return _SURROGATE.sub(REPLACEMENT, value) if _SURROGATE.search(value) else value


def valid_json(value: Any) -> Any:
    """A parsed JSON value with lone surrogates replaced in every string (keys too)."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, list):
        return [valid_json(v) for v in value]
    if isinstance(value, dict):
        return {valid_text(k): valid_json(v) for k, v in value.items()}
    return value


def may_hold_surrogates(json_text: str) -> bool:
    """Whether JSON text escapes a surrogate (`\\ud83d`: a pair, or a lone one): only then
    need its parsed value go through valid_json."""
    return _SURROGATE_ESCAPE.search(json_text) is not None


def printable(value: str, *, multiline: bool = True) -> str:
    """`value` safe for a terminal or a log file: control characters (C0, C1, DEL) and lone
    surrogates replaced by U+FFFD. Newlines and tabs stay when `multiline`; on one line they
    (and the other line breaks) become spaces."""
    if not multiline:
        value = _BREAKS.sub(" ", value)
    value = (_CONTROL_LINES if multiline else _CONTROL_LINE).sub(REPLACEMENT, value)
    return valid_text(value)


def json_int(digits: str) -> int | float:
    """json.loads' parse_int for JSON from outside: an integer literal longer than any field
    can be (Python 3.11 refuses to parse one of 4,301 digits, and the whole answer with it)
    reads as an infinity, which every reader here takes as unknown."""
    if len(digits) <= 40:
        return int(digits)
    return -math.inf if digits.startswith("-") else math.inf


def bounded_int(value: int) -> int | None:
    """`value` if it is a plausible integer field (|value| <= MAX_INT), else None."""
    return value if -MAX_INT <= value <= MAX_INT else None


def finite_float(value: float) -> float | None:
    """`value` unless it is infinite or NaN (which JSON cannot carry, nor EXIF)."""
    return value if math.isfinite(value) else None


def timestamp(value: int) -> int | None:
    """`value` if it is Unix seconds a date can be made of (0 up to year 9999), else None."""
    return value if 0 <= value <= MAX_TIMESTAMP else None


def real_date_taken(value: str) -> str | None:
    """Flickr's "YYYY-MM-DD HH:MM:SS" if it names a real moment (no month 13, no 31 April,
    no hour 25), else None."""
    raw = value.strip()
    if not _TAKEN.fullmatch(raw):
        return None
    try:
        dt.datetime.strptime(raw, TAKEN_FORMAT)
    except ValueError:
        return None
    return raw
