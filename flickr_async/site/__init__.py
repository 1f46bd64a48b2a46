"""The archive as a static website that opens offline from file:// in any browser.

`OUT/index.html` is the entry point; everything else lives in `OUT/.site/` (pages, the data
scripts read, assets, the thumbnails the backup keeps, and the build's cache). The package
reads only the archive — the state database, the sidecars and the account files — and never
the network, so the site can be rebuilt at any time (`flickr-async site OUT`).

model.py reads the archive into plain dataclasses; html.py escapes, sanitizes and encodes
links; pages.py and photopage.py render; build.py decides what to write; cache.py remembers
what earlier builds saw and wrote. public.py and publicfiles.py make the public copy
(`site OUT --public DIR`): the same build of only what Flickr shows to everyone, in DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flickr_async.site.build import BuildReport

__all__ = ["forget_public_copy", "public_copies", "refresh"]


def refresh(
    out: Path,
    *,
    full: bool = False,
    public: Path | None = None,
    originals: bool = False,
    extras: bool = False,
) -> BuildReport:
    """Build or refresh OUT's site under the archive's run lock (a backup running meanwhile
    would change sidecars under our feet: LockHeldError, exit 4); `full`: check every
    sidecar, not only those the state says changed. `public`: build the public copy in that
    folder instead (only what Flickr shows to everyone; `originals`: with the public photos'
    originals). `extras`: with pages of the export-only files (never in the public copy)."""
    # Imported here: importing the package (a worker of the build does) loads no more.
    import sqlite3

    from flickr_async.archive import Archive
    from flickr_async.errors import ConfigError, StorageError
    from flickr_async.site.build import build_site
    from flickr_async.state import State

    archive = Archive.open_existing(out)
    target = None
    if extras and public is not None:
        raise ConfigError("--extras cannot go with --public: the public copy never shows them")
    if public is not None:
        from flickr_async.site.public import PublicTarget
        from flickr_async.site.publicfiles import check_target

        check_target(out, public)
        target = PublicTarget(public.absolute(), originals)
    with archive.lock():
        state = State(archive.state_file)
        try:
            report = build_site(out, state, full=full, public=target, extras=extras)
            if target is not None:  # refreshed after each backup from now on
                from flickr_async.site.publicfiles import remember

                remember(state, target.folder.resolve(), target.originals)
            return report
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise StorageError(f"cannot write the site:{where} {exc.strerror or exc}") from exc
        except sqlite3.Error as exc:
            raise StorageError(f"the site's cache in {out} is unusable: {exc}") from exc
        finally:
            state.close()


def public_copies(out: Path) -> dict[Path, bool]:
    """The public copies OUT remembers (made by `site OUT --public DIR`): folder -> with
    originals. A backup refreshes them after the site."""
    from flickr_async.archive import Archive
    from flickr_async.site.publicfiles import remembered
    from flickr_async.state import State

    archive = Archive(out)
    if not archive.exists():
        return {}
    state = State(archive.state_file)
    try:
        return {Path(folder): originals for folder, originals in remembered(state).items()}
    finally:
        state.close()


def forget_public_copy(out: Path, folder: Path) -> None:
    """Stop refreshing the public copy in `folder` (it is gone)."""
    from flickr_async.archive import Archive
    from flickr_async.site.publicfiles import remember
    from flickr_async.state import State

    archive = Archive(out)
    with archive.lock():
        state = State(archive.state_file)
        try:
            remember(state, folder, None)
        finally:
            state.close()
