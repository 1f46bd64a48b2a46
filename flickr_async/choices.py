"""The closed sets of values the options and the archive's records take (--layout, --links,
--metadata, a sidecar's level), as Literal types mypy checks from Settings down to the stages
that use them, with the tuples the settings validate against. Imports nothing of ours."""

from __future__ import annotations

from typing import Literal

# Where a file goes (--layout): album folders, one flat folder, or year/month folders.
Layout = Literal["albums", "flat", "date"]
LAYOUTS: tuple[Layout, ...] = ("albums", "flat", "date")

# How album copies of a file are made (--links): one inode, a relative symlink, or bytes.
LinkMode = Literal["hardlink", "symlink", "copy"]
LINK_MODES: tuple[LinkMode, ...] = ("hardlink", "symlink", "copy")

# How far a run takes each photo's metadata (see docs/metadata.md#metadata-levels):
# basic: the listing's fields and comments; list: + raw tags, place names and the listing's
# undocumented extras (getInfo only where those fall short); deep: + getInfo's notes, people
# and permissions for every photo, asked beside the downloads with the calls left over.
# "full" is deep's old name.
MetadataLevel = Literal["basic", "list", "deep"]
METADATA_LEVELS: tuple[MetadataLevel, ...] = ("basic", "list", "deep")
METADATA_ALIASES: dict[str, MetadataLevel] = {"full": "deep"}

# What a sidecar holds: a metadata level, or what only Flickr's data export said (import).
SidecarLevel = Literal["basic", "list", "deep", "export"]


def layout_named(value: str) -> Layout | None:
    """The layout of that name, or None (a remembered option from the archive's state)."""
    return next((known for known in LAYOUTS if known == value), None)


def link_mode_named(value: str) -> LinkMode | None:
    """The link mode of that name, or None (a remembered option from the archive's state)."""
    return next((known for known in LINK_MODES if known == value), None)
