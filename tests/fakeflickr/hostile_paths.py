"""A hostile Flickr on demand (off by default): ids that are paths, originals that are pages.

What a compromised mirror or a man-in-the-middle could answer. Armed on a running fake,
every REST answer is rewritten on its way out: a record whose `id` is in `ids` goes out with
the id given there (`../x`, an absolute path, `index`), in every listing (photostream,
albums, favourites, galleries) and in getInfo; a photo whose id is in `formats` goes out with
that `originalformat` (html, svg, js, xhtml). The files themselves are served as ever: the
listing's url_o still names the real photo's file, so a client that trusts the id gets the
bytes and must decide where to put them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakeflickr.context import JSONDict
from tests.fakeflickr.server import FakeFlickr

HOSTILE_FORMATS = ("html", "svg", "js", "xhtml")


@dataclass
class HostilePaths:
    ids: Mapping[str, str] = field(default_factory=dict)  # real id -> the id sent instead
    formats: Mapping[str, str] = field(default_factory=dict)  # real photo id -> originalformat

    def arm(self, fake: FakeFlickr) -> HostilePaths:
        fake.ctx.rewrite = self
        return self

    @staticmethod
    def disarm(fake: FakeFlickr) -> None:
        fake.ctx.rewrite = None

    def __call__(self, method: str, payload: JSONDict) -> JSONDict:
        rewritten: JSONDict = self._walk(payload)
        return rewritten

    def _walk(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {key: self._walk(v) for key, v in value.items()}
        real = value.get("id")
        if isinstance(real, str | int):
            real = str(real)
            if real in self.formats and "originalformat" in out:
                out["originalformat"] = self.formats[real]
            if real in self.ids:
                out["id"] = self.ids[real]
        return out
