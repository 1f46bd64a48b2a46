"""Pure: the `--names` template language: a photo's fields -> a safe, unique file name.

A template is parsed once (`parse`, ConfigError for anything wrong) and rendered per photo
from `NameFields`, which come alike from a listed Photo (backup) or a JSON sidecar
(reshape): both must give the same name, or a sync would rename files back and forth.
`{id}` is required and anchored at one end of the template, so two photos never get the
same name. Characters are made safe by layout's folder-name rules, the title alone is cut
to fit the byte budget, and fields that come out empty take their separators with them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from flickr_async import layout
from flickr_async.choices import LAYOUTS, LINK_MODES, Layout
from flickr_async.errors import ConfigError
from flickr_async.models import Photo
from flickr_async.sane import timestamp

DEFAULT = "{id}"
MAX_BYTES = layout.DEFAULT_MAX_BYTES  # the whole file name, extension included
FIELDS = ("id", "title", "date_taken", "date_upload", "media")
_DATES = frozenset({"date_taken", "date_upload"})
_DEFAULT_DATE = "%Y-%m-%d"
_TAKEN = "%Y-%m-%d %H:%M:%S"

_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# A run of spaced separators left by empty fields ("a -  - b") keeps its first ("a - b");
# separators inside a word ("a--b", "x___y") are the title's own and stay.
_SEPARATORS = re.compile(r"(\s+[-_,;·–—]+)(?:\s+[-_,;·–—]+)+(?=\s|$)")
_SPACES = re.compile(r"\s+")
_EDGES = " -_,;·–—"


@dataclass(frozen=True, slots=True)
class NameFields:
    """What a file name may be made of; the same from a listing and from a sidecar."""

    id: str
    title: str = ""
    date_taken: str | None = None  # Flickr's "YYYY-MM-DD HH:MM:SS", owner's local time
    date_taken_unknown: bool = False
    date_posted: int = 0  # Unix seconds
    media: str = "photo"

    @classmethod
    def from_photo(cls, photo: Photo) -> NameFields:
        return cls(
            id=photo.id,
            title=photo.title,
            date_taken=photo.date_taken,
            date_taken_unknown=photo.date_taken_unknown,
            date_posted=photo.date_posted,
            media=photo.media,
        )

    @classmethod
    def from_sidecar(cls, doc: Mapping[str, Any]) -> NameFields:
        posted = doc.get("date_posted")
        return cls(
            id=str(doc.get("id") or ""),
            title=str(doc.get("title") or ""),
            date_taken=str(doc["date_taken"]) if doc.get("date_taken") else None,
            date_taken_unknown=bool(doc.get("date_taken_unknown")),
            # a sidecar from elsewhere may say anything: a time no date is made of is none
            date_posted=posted if isinstance(posted, int) and timestamp(posted) else 0,
            media=str(doc.get("media") or "photo"),
        )

    @property
    def taken(self) -> dt.datetime | None:
        if not self.date_taken or self.date_taken_unknown:
            return None
        try:
            return dt.datetime.strptime(self.date_taken, _TAKEN)
        except ValueError:
            return None

    @property
    def uploaded(self) -> dt.datetime | None:
        """The upload time in UTC (Flickr gives Unix seconds, no zone of the owner's)."""
        if self.date_posted <= 0:
            return None
        return dt.datetime.fromtimestamp(self.date_posted, dt.UTC).replace(tzinfo=None)

    @property
    def month(self) -> tuple[int, int] | None:
        """--layout date: the month taken, else the month uploaded, else None (undated)."""
        when = self.taken or self.uploaded
        return (when.year, when.month) if when else None


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    spec: str


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed `--names` template: literal text and fields, `{id}` among them once."""

    source: str
    parts: tuple[str | _Field, ...]

    def render(self, fields: NameFields, ext: str, *, max_bytes: int = MAX_BYTES) -> str:
        """`<rendered stem>.<ext>`, at most `max_bytes` of UTF-8: only the title is cut,
        so the id and the extension are always whole."""
        title = _one_line(fields.title)
        name = self._name(fields, title, ext)
        while len(name.encode("utf-8")) > max_bytes and title:
            over = len(name.encode("utf-8")) - max_bytes
            title = layout.truncate(title, max(len(title.encode("utf-8")) - over, 0))
            name = self._name(fields, title, ext)
        return name

    def _name(self, fields: NameFields, title: str, ext: str) -> str:
        stem = "".join(
            part if isinstance(part, str) else _value(part, fields, title) for part in self.parts
        )
        stem = layout.clean_text(stem)
        previous = None
        while stem != previous:
            previous = stem
            stem = _EMPTY_BRACKETS.sub("", stem)
            stem = _SEPARATORS.sub(lambda m: m.group(1), stem)
            stem = _SPACES.sub(" ", stem).strip(_EDGES)
            stem = layout.strip_name(stem)
        return layout.unreserved(f"{stem}.{ext}")

    @property
    def is_default(self) -> bool:
        return self.parts == (_Field("id", ""),)


def _one_line(title: str) -> str:
    return _SPACES.sub(" ", title).strip()


def _value(field: _Field, fields: NameFields, title: str) -> str:
    if field.name == "id":
        return fields.id
    if field.name == "title":
        return title
    if field.name == "media":
        return fields.media
    when = fields.taken if field.name == "date_taken" else fields.uploaded
    return when.strftime(field.spec or _DEFAULT_DATE) if when else ""


@functools.lru_cache(maxsize=16)
def validate_shape(layout_name: str, links: str, template: str) -> None:
    """An archive's shape (--layout, --links, --names): ConfigError naming the wrong one."""
    if layout_name not in LAYOUTS:
        raise ConfigError("--layout must be 'albums', 'flat' or 'date'")
    if links not in LINK_MODES:
        raise ConfigError("--links must be 'hardlink', 'symlink' or 'copy'")
    parse(template)


def parse(source: str) -> Template:
    """The template, or ConfigError naming what is wrong with it (one line)."""
    where = f"--names {source!r}"
    parts: list[str | _Field] = []
    try:
        pieces = list(string.Formatter().parse(source))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc} (write {{{{ and }}}} for literal braces)") from None
    for literal, name, spec, conversion in pieces:
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if name not in FIELDS:
            known = ", ".join(f"{{{f}}}" for f in FIELDS)
            raise ConfigError(f"{where}: unknown field {{{name}}} (known: {known})")
        if conversion:
            raise ConfigError(f"{where}: {{{name}!{conversion}}}: conversions are not supported")
        if spec and name not in _DATES:
            raise ConfigError(f"{where}: {{{name}:{spec}}}: only dates take a format")
        if spec:
            _check_date_format(where, name, spec)
        parts.append(_Field(name, spec or ""))
    template = Template(source, tuple(parts))
    _check_id(where, template.parts)
    sample = NameFields(id="1" * 20, date_taken="2024-12-31 23:59:59", date_posted=1735689599)
    if len(template.render(sample, "jpeg", max_bytes=1 << 16).encode()) > MAX_BYTES:
        raise ConfigError(f"{where}: too long without a title (file names stop at 120 bytes)")
    return template


def _check_date_format(where: str, name: str, spec: str) -> None:
    if "%" not in spec:
        raise ConfigError(f"{where}: {{{name}:{spec}}}: a date format uses strftime's %-codes")
    try:
        dt.datetime(2024, 1, 2, 3, 4, 5).strftime(spec)
    except ValueError as exc:
        raise ConfigError(f"{where}: {{{name}:{spec}}}: {exc}") from None


def _check_id(where: str, parts: tuple[str | _Field, ...]) -> None:
    """`{id}` once, with only literal text between it and one end of the template, and a
    separator (not a letter or digit) between it and the other fields: then a name's id can
    be read back from it, so two photos never share a name."""
    ids = [i for i, part in enumerate(parts) if part == _Field("id", "")]
    if len(ids) != 1:
        raise ConfigError(
            f"{where}: must contain {{id}} exactly once, so that names stay unique "
            "(e.g. '{date_taken} {title} ({id})')"
        )
    at = ids[0]
    before, after = parts[:at], parts[at + 1 :]
    fields_before = any(isinstance(p, _Field) for p in before)
    fields_after = any(isinstance(p, _Field) for p in after)
    if fields_before and fields_after:
        raise ConfigError(f"{where}: {{id}} must come first or last among the fields")
    if not (fields_before or fields_after):
        return
    beside = (before[-1] if before else "") if fields_before else (after[0] if after else "")
    # What of the literal survives in every name: empty brackets are dropped ("{title}(){id}"
    # would make "x" + 12 and "x1" + 2 the same "x12").
    kept = "" if isinstance(beside, _Field) else _EMPTY_BRACKETS.sub("", layout.clean_text(beside))
    edge = kept[-1:] if fields_before else kept[:1]
    if not edge or edge.isalnum():
        raise ConfigError(
            f"{where}: put a separator such as ' ' or ' (' between {{id}} and the other fields"
        )


def photo_paths(
    template: Template,
    fields: NameFields,
    ext: str,
    album_ids: Sequence[str],
    folders: Mapping[str, str],
    shape: Layout,
) -> tuple[PurePosixPath, tuple[PurePosixPath, ...]]:
    """layout.placement with this template's file name and the photo's month."""
    name = None if template.is_default else template.render(fields, ext.lower())
    return layout.placement(
        fields.id, ext, album_ids, folders, shape, name=name, month=fields.month
    )
