"""Archive(out): the archive's own files, its lock, "is this one", sidecar names, its shape.

Every command opens the archive through this object (as borg's `with_repository` or restic's
`repository`) instead of spelling `out / ".flickr-async" / ...` itself: the state, the lock
and the work folders under `.flickr-async/`, the site and export folders beside the photos,
the JSON and XMP sidecars beside each media file, and the shape (layout, names, link mode)
a backup keeps. It names files and reads sidecars, and links a rewritten sidecar to the
album copies (link_beside); the stages write the files themselves. (site/archive.py is the
site's reading of an archive; cli/archive.py holds `verify` and `status`.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, TypeVar

from flickr_async import layout, sidecar
from flickr_async.choices import Layout, LinkMode, layout_named, link_mode_named
from flickr_async.errors import ConfigError
from flickr_async.fsutil import Scratch, place_link
from flickr_async.names import DEFAULT as DEFAULT_NAMES
from flickr_async.names import validate_shape
from flickr_async.runlock import Holder, RunLock, lock_holder

if TYPE_CHECKING:
    from flickr_async.settings import Settings
    from flickr_async.state import State, StoredPhoto

P = TypeVar("P", bound=PurePath)

STATE_FILE = layout.STATE_FILE
# Beside each media file `<name>` (an album copy has its own): the JSON record
# `<name>.json` (keeps 1.jpg's and 1.png's apart) and, where written, the XMP sidecar
# `<name>.xmp`, the one name every XMP sidecar reader accepts.
JSON_SIDECAR = ".json"
XMP_SIDECAR = ".xmp"
SIDECARS = (JSON_SIDECAR, XMP_SIDECAR)
WITH_SIDECARS = ("", *SIDECARS)  # the file itself, then its sidecars
SHAPE_KEYS = ("layout", "names", "links")


@dataclass(frozen=True, slots=True)
class Archive:
    """The archive at `out`: where each of its own files is. Building one touches nothing."""

    out: Path

    @classmethod
    def of_settings(cls, settings: Settings) -> Archive:
        """The archive a command's settings name (building it touches nothing); ConfigError
        when they name none."""
        if settings.out is None:
            raise ConfigError("no archive folder: give OUT, or `out` in the config file")
        return cls(settings.out)

    @classmethod
    def open_existing(cls, out: Path) -> Archive:
        """The archive at `out`; ConfigError (one line, exit 2) when `out` holds none."""
        return cls(out).checked()

    def checked(self) -> Archive:
        """This archive; ConfigError (one line, exit 2) when `out` holds none."""
        if not self.exists():
            raise ConfigError(
                f"{self.out} is not a flickr-async archive (no {layout.STATE_DIR}/{STATE_FILE})"
            )
        return self

    def exists(self) -> bool:
        """Does `out` hold an archive (its state database)?"""
        return self.state_file.is_file()

    # --- its own files, under OUT/.flickr-async/ ------------------------------------------

    @property
    def state_dir(self) -> Path:
        """The archive's own folder: the owner's alone."""
        return self.out / layout.STATE_DIR

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE

    @property
    def lock_file(self) -> Path:
        return self.state_dir / "lock"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def parts_dir(self) -> Path:
        """Downloads in progress (`.part` files a later run resumes)."""
        return self.state_dir / "parts"

    @property
    def replaced_dir(self) -> Path:
        """Originals replaced on Flickr, kept: `<photo id>/<date>-<sha>-<name>`."""
        return self.state_dir / "replaced"

    @property
    def reshape_dir(self) -> Path:
        """Where `reshape` stages each photo's files between its two places."""
        return self.state_dir / "reshape"

    @property
    def public_sites_dir(self) -> Path:
        """What each public copy of the site holds (`site --public`)."""
        return self.state_dir / "public-site"

    def scratch_dir(self, stage: str = "") -> Path:
        """A folder for files being built (`tmp`, or `tmp-<stage>` for a stage that clears
        its own): on OUT's filesystem, so a finished file is renamed into place."""
        return self.state_dir / (f"tmp-{stage}" if stage else "tmp")

    def scratch(self, stage: str = "") -> Scratch:
        """scratch_dir(stage), made and checked to stay inside OUT (confine.folder)."""
        return Scratch(self.scratch_dir(stage), out=self.out)

    # --- beside the photos --------------------------------------------------------------

    @property
    def site_dir(self) -> Path:
        """The offline site's pages, assets, data and thumbnails (flickr_async.site)."""
        return self.out / layout.SITE_DIR

    @property
    def thumbs_dir(self) -> Path:
        """The site's thumbnails, fetched by the backup (layout.thumbnail_name)."""
        return self.out / layout.THUMBS_DIR

    def thumbnail(self, photo_id: str, size: str) -> Path:
        """Where a site thumbnail of a photo lives."""
        return self.thumbs_dir / layout.thumbnail_name(photo_id, size)

    @property
    def export_dir(self) -> Path:
        """What only Flickr's data export holds, kept verbatim by `import`."""
        return self.out / layout.EXPORT_DIR

    @property
    def favorites_dir(self) -> Path:
        """--favorites: other people's photos."""
        return self.out / layout.FAVORITES_DIR

    # --- the lock -------------------------------------------------------------------------

    def lock(self) -> RunLock:
        """One run at a time: `with archive.lock(): ...` (LockHeldError when held)."""
        return RunLock(self.lock_file, self.out)

    def lock_holder(self) -> Holder | None:
        """The run holding the lock now (None: nobody, or no way to tell)."""
        return lock_holder(self.lock_file, self.out)

    # --- the remembered shape -------------------------------------------------------------

    def check_shape(self, state: State, wanted: Shape) -> None:
        """A backup never reshapes: ConfigError (one line) when the archive is mid-reshape or
        laid out otherwise, naming the command that does it."""
        out = self.out
        if state.reshape_target() is not None:
            raise ConfigError(
                f"a reshape of {out} was interrupted: run `flickr-async reshape {out}` to finish it"
            )
        options = state.options()
        if not options or not state.has_files():
            return  # a new archive takes any shape
        current = Shape.of(options)
        if current != wanted:
            change = " ".join(current.differences(wanted))
            raise ConfigError(
                f"{out} is laid out with {current.describe()}; a backup does not move files: "
                f"run `flickr-async reshape {out} {change}` first"
            )

    def recorded_doc(self, row: StoredPhoto) -> dict[str, Any] | None:
        """The photo's JSON sidecar: the primary's when it is readable and this photo's, else
        an album copy's (a hard link or copy of it that outlived a deleted or broken
        primary's)."""
        for rel in (row.path, *row.links) if row.path else ():
            doc = read_sidecar(self.out / rel)
            if doc is not None and doc.get("id") == row.id:
                return doc
        return None


@dataclass(frozen=True, slots=True)
class Shape:
    """How an archive is laid out on disk: what `reshape` changes and `backup` keeps.

    The layout and link mode are kept as the strings the archive remembers: one written by
    a newer version may name a value this one does not know, and it must neither be taken
    for the default (a backup would move every file) nor hidden. `layout_mode` and
    `link_mode` give the typed value, or ConfigError naming the unknown one."""

    layout: str = "albums"  # a Layout, when this version knows it
    names: str = DEFAULT_NAMES
    links: str = "hardlink"  # a LinkMode, when this version knows it

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> Shape:
        """From remembered options; an archive older than --names/--links used the defaults."""
        return cls(
            layout=str(options.get("layout") or "albums"),
            names=str(options.get("names") or DEFAULT_NAMES),
            links=str(options.get("links") or "hardlink"),
        )

    @property
    def layout_mode(self) -> Layout:
        known = layout_named(self.layout)
        if known is None:
            raise ConfigError(f"--layout {self.layout!r} is unknown to this version")
        return known

    @property
    def link_mode(self) -> LinkMode:
        known = link_mode_named(self.links)
        if known is None:
            raise ConfigError(f"--links {self.links!r} is unknown to this version")
        return known

    def unknown(self) -> list[str]:
        """The options whose value this version does not know (from a newer version)."""
        return [
            key
            for key, known in (("layout", layout_named), ("links", link_mode_named))
            if known(getattr(self, key)) is None
        ]

    @classmethod
    def of_settings(cls, settings: Settings) -> Shape:
        """The shape a command's settings ask for."""
        return cls(settings.layout, settings.names, settings.links)

    def validate(self) -> None:
        validate_shape(self.layout, self.links, self.names)

    def describe(self) -> str:
        return f"--layout {self.layout} --names {self.names!r} --links {self.links}"

    def as_options(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    def differences(self, other: Shape) -> list[str]:
        """`--option value` for each of `other`'s options that differs from this shape's."""
        return [
            f"--{key} {getattr(other, key)!r}"
            for key in SHAPE_KEYS
            if getattr(self, key) != getattr(other, key)
        ]


# --- the sidecars of a media file -------------------------------------------------------


def beside(path: P, suffix: str) -> P:
    """`<path's name><suffix>` in path's folder: one of WITH_SIDECARS."""
    return path.with_name(path.name + suffix)


def sidecar_of(path: P) -> P:
    """The JSON sidecar of the media file `path`: `<name>.json`."""
    return beside(path, JSON_SIDECAR)


def xmp_of(path: P) -> P:
    """The XMP sidecar of the media file `path`: `<name>.xmp`."""
    return beside(path, XMP_SIDECAR)


def media_of(path: P) -> P:
    """The media file a sidecar `path` (`<name>.json` or `<name>.xmp`) is beside."""
    for suffix in SIDECARS:
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)])
    raise ValueError(f"{path} is no sidecar")


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """The JSON sidecar of the media file `path`; None when missing or unreadable."""
    try:
        return sidecar.loads(sidecar_of(path).read_bytes())
    except (OSError, ValueError):
        return None


def link_beside(
    primary: Path,
    sidecars: Sequence[Path],
    copies: Sequence[Path],
    scratch: Scratch,
    mode: LinkMode = "hardlink",
) -> None:
    """Each album copy of `primary` gets `sidecars` (`<primary name><suffix>`) linked (or
    copied, per `mode`) again: a rewritten sidecar is a new file the copies do not share yet."""
    for copy in copies:
        for path in sidecars:
            dest = beside(copy, path.name[len(primary.name) :])
            place_link(path, dest, scratch, mode)
