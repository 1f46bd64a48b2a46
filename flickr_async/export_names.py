"""Pure: which photo a media file of Flickr's data export holds, and whether it is a video.

The export names a titled photo `<slug>_<id>_o.<ext>`, an untitled one after its original's
URL, `<id>_<originalsecret>_o.<ext>`, and a video `<slug>_<id>.<ext>` (no `_o`). The slug is
the title, lower-cased: it may hold underscores and long digit runs of its own, and a photo
re-uploaded from a Flickr download carries its *older* id in its slug. So the id is the last
all-digit token, checked against the known photo ids (a `photo_<id>.json` of the export);
an earlier token is the id only in the untitled shape `<id>_<secret>_o`, confirmed by the
original secret that id's JSON names (flickr-export-format.md, "Anomalies").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass

from flickr_async import edge

PHOTO_JSON = re.compile(r"photo_([0-9]{1,24})\.json")


@dataclass(frozen=True, slots=True)
class MediaName:
    """What a media member's name says: its extension, media type and id candidates."""

    ext: str  # lower-case, a media extension (edge.MEDIA_EXTENSIONS)
    media: str  # "photo" or "video"
    candidates: tuple[str, ...]  # all-digit tokens, the last first
    stem_tokens: tuple[str, ...]


def basename(name: str) -> str:
    """The last component of a member's name, whichever separator the zip used."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def photo_json_id(name: str) -> str | None:
    """The id of a `photo_<id>.json` member, else None."""
    match = PHOTO_JSON.fullmatch(basename(name))
    return match.group(1) if match else None


def media_type(ext: str) -> str | None:
    """ "photo" or "video" for a media extension (any case, no dot), else None."""
    ext = ext.lower()
    if ext in edge.VIDEO_EXTENSIONS:
        return "video"
    if ext in edge.IMAGE_EXTENSIONS:
        return "photo"
    return None


def parse_media_name(name: str) -> MediaName | None:
    """A media member's name read, or None when its extension is no media extension."""
    base = basename(name)
    stem, dot, ext = base.rpartition(".")
    if not dot or "\x00" in base:
        return None
    media = media_type(ext)
    if media is None:
        return None
    tokens = tuple(stem.split("_"))
    body = tokens[:-1] if len(tokens) > 1 and tokens[-1].lower() == "o" else tokens
    digits = tuple(t for t in reversed(body) if t.isascii() and t.isdigit() and len(t) <= 24)
    return MediaName(ext=ext.lower(), media=media, candidates=digits, stem_tokens=tokens)


def media_id(
    name: str, known: Container[str], secret_of: Callable[[str], str | None] | None = None
) -> str | None:
    """The photo id a media member's name holds, checked against the `known` photo ids
    (those with a `photo_<id>.json`); None when its last digit run is no known id (a file
    no JSON describes). `secret_of(id)`: the original's secret that id's JSON names, asked
    only when the name reads both as `<slug>_<id>_o` and as `<id>_<secret>_o`."""
    parsed = parse_media_name(name)
    if parsed is None or not parsed.candidates:
        return None
    # `<id>_<secret>_o` with an all-digit secret (a purely numeric slug makes
    # `<slug>_<id>_o` look the same): the JSON's own original secret settles it. This is
    # the only shape in which a digit run before the last one may be the photo's id.
    tokens = parsed.stem_tokens
    head = tokens[0]
    if (
        len(tokens) == 3
        and tokens[2].lower() == "o"
        and parsed.candidates == (tokens[1], head)
        and head in known
        and secret_of is not None
        and secret_of(head) == tokens[1]
    ):
        return head
    # Otherwise the last digit run decides: a re-uploaded photo's name holds its older id
    # before its own, and that older photo's JSON may well be in this export while the
    # newer one's is in a part not given: such a file is one no JSON describes.
    last = parsed.candidates[0]
    return last if last in known else None


def candidate_id(name: str) -> str | None:
    """The id a media name would hold if its JSON were there (the last digit token)."""
    parsed = parse_media_name(name)
    return parsed.candidates[0] if parsed and parsed.candidates else None
