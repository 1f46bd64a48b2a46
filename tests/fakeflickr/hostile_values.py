"""Hostile values on demand (off by default): numbers that overflow, lone surrogates,
impossible dates and terminal control sequences where Flickr's JSON has plain fields.

Real Flickr sends none of these; a compromised mirror, a proxy in the middle or other
members' text can. Arm per photo or album; every REST answer carrying that item (listings,
getInfo, photosets.getList/getPhotos) then has the fields replaced, by their listing names:

    fake.hostile.photo(pid, dateupload="1e999", title="\\x1b]0;pwned\\x07")
    fake.hostile.album(aid, title="caf\\ud800")
    fake.hostile.error_message(method, "Invalid\\x1b[2J\\x9b31m")
    fake.hostile.photo(pid, views=raw_number("9" * 5000))  # a JSON number json.dumps refuses
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

JSONDict = dict[str, Any]

# Hostile samples the tests share.
OVERFLOW = "1e999"  # float("1e999") is inf; int(inf) raises OverflowError
HUGE_DIGITS = "9" * 5000  # as a JSON integer: beyond what Python 3.11's int() parses
SURROGATE = "\ud800"  # a lone surrogate: json.loads accepts "\\ud800", UTF-8 cannot encode it
MONTH_13 = "2019-13-01 10:00:00"
OSC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's window title
CSI_CLEAR = "\x1b[2J\x1b[H"  # clears the screen
C1_CSI = "\x9b31m"  # the one-byte (C1) CSI
CONTROLS = OSC_TITLE + CSI_CLEAR + C1_CSI + "\r\x08\x00"

# A listing item's field -> where getInfo's `photo` carries it.
_INFO_PLACES: Mapping[str, tuple[str, ...]] = {
    "dateupload": ("dates", "posted"),
    "datetaken": ("dates", "taken"),
    "lastupdate": ("dates", "lastupdate"),
    "title": ("title", "_content"),
    "description": ("description", "_content"),
}
# A getList item's field -> where it sits (text comes wrapped in _content).
_ALBUM_PLACES: Mapping[str, tuple[str, ...]] = {
    "title": ("title", "_content"),
    "description": ("description", "_content"),
}


class HostileValues:
    """Per-item field overrides applied to every REST answer; thread-safe, empty by default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._photos: dict[str, dict[str, Any]] = {}
        self._albums: dict[str, dict[str, Any]] = {}
        self._errors: dict[str, str] = {}

    def photo(self, photo_id: str | int, **fields: Any) -> None:
        """This photo's listing fields (`id`, `title`, `dateupload`, `datetaken`, `views`...)
        replaced wherever it appears; getInfo gets the same values in its own places."""
        with self._lock:
            self._photos.setdefault(str(photo_id), {}).update(fields)

    def album(self, album_id: str | int, **fields: Any) -> None:
        """This album's photosets.getList fields (`title`, `date_create`...) replaced; its
        title in photosets.getPhotos too."""
        with self._lock:
            self._albums.setdefault(str(album_id), {}).update(fields)

    def error_message(self, method: str, message: str) -> None:
        """A stat=fail answer of `method` carries this message instead of Flickr's."""
        with self._lock:
            self._errors[method] = message

    def clear(self) -> None:
        with self._lock:
            self._photos.clear()
            self._albums.clear()
            self._errors.clear()

    # --- server side ----------------------------------------------------------------------

    def message_for(self, method: str, message: str) -> str:
        with self._lock:
            return self._errors.get(method, message)

    def apply(self, payload: JSONDict) -> JSONDict:
        """`payload` with the armed overrides in place (modified in place, and returned)."""
        with self._lock:
            if self._photos or self._albums:
                self._walk(payload)
        return payload

    def _walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item)
            return
        if not isinstance(node, dict):
            return
        for value in node.values():
            self._walk(value)
        item_id = str(node.get("id", ""))
        if "primary" in node and item_id in self._albums:
            fields = self._albums[item_id]
            for name, value in fields.items():
                if name == "title" and isinstance(node.get("title"), str):  # getPhotos
                    node["title"] = value
                else:
                    _put(node, _ALBUM_PLACES.get(name, (name,)), value)
        elif ("secret" in node or "dates" in node) and item_id in self._photos:
            info = "dates" in node  # getInfo's `photo`
            for name, value in self._photos[item_id].items():
                _put(node, _INFO_PLACES.get(name, (name,)) if info else (name,), value)


def raw_number(digits: str) -> str:
    """A JSON number of any length where a field's value goes (json.dumps writes no integer
    beyond 4,300 digits): `photo(pid, dateupload=raw_number("9" * 5000))`."""
    return f"{_RAW}{digits}{_RAW}"


def finish_body(body: str) -> str:
    """The JSON text as sent: lone surrogates as `\\udXXX` escapes (a server whose JSON is
    ASCII sends them so; UTF-8 cannot carry them raw) and raw numbers in place."""
    body = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    return _RAW_NUMBER.sub(lambda m: m.group(1), body) if _RAW_JSON in body else body


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_RAW = "\x00raw\x00"
_RAW_JSON = "\\u0000raw\\u0000"  # how json.dumps writes _RAW
_RAW_NUMBER = re.compile(r'"\\u0000raw\\u0000(-?[0-9.eE+]+)\\u0000raw\\u0000"')


def _put(node: JSONDict, place: tuple[str, ...], value: Any) -> None:
    *parents, last = place
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[last] = value
