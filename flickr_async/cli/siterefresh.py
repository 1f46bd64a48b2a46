"""The site refresh that ends every command that changed the archive (backup, import,
reshape): the site, then the public copies it remembers; a failure is a warning line."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from flickr_async.plural import plural

log = logging.getLogger(__name__)


def refresh_after_backup(out: Path, *, quiet: bool) -> None:
    """The end of a backup: refresh the site, then the public copies it remembers. A failure
    is one warning line; the backup's files and exit status are untouched."""
    from flickr_async.site import refresh

    try:
        report = refresh(out)
    except Exception as exc:  # never let the site cost the backup its result
        message = " ".join(str(exc).split()) or type(exc).__name__
        typer.echo(f"warning: the offline site was not refreshed: {message}", err=True)
        log.debug("site refresh failed", exc_info=exc)  # the traceback, with --verbose
        refresh_public_copies(out, quiet=quiet, site_failed=True)
        return
    log.info("site refreshed: %s written in %.1f s", plural(report.written, "file"), report.seconds)
    if not quiet:
        typer.echo(f"site: {report.index}")
    refresh_public_copies(out, quiet=quiet)


def refresh_public_copies(out: Path, *, quiet: bool, site_failed: bool = False) -> None:
    """The end of a backup, after the site: refresh the public copies the archive remembers
    (a photo made private in this sync leaves them now). A failure is one warning line per
    copy; a copy whose folder is gone is forgotten, with a warning. (A state that cannot
    say which copies there are is a warning too, unless the site's own failure said so.)"""
    from flickr_async.site import forget_public_copy, public_copies, refresh

    try:
        copies = public_copies(out)
    except Exception as exc:
        log.debug("public copies unreadable", exc_info=exc)
        if not site_failed:
            message = " ".join(str(exc).split()) or type(exc).__name__
            typer.echo(f"warning: the public copies were not refreshed: {message}", err=True)
        return
    for folder, originals in sorted(copies.items()):
        if not folder.is_dir():
            try:
                forget_public_copy(out, folder)
            except Exception as exc:
                log.debug("could not forget %s", folder, exc_info=exc)
            typer.echo(
                f"warning: the public copy {folder} is gone; no longer refreshed (make it "
                f"again with `flickr-async site {out} --public DIR`)",
                err=True,
            )
            continue
        try:
            report = refresh(out, public=folder, originals=originals)
        except Exception as exc:  # never let a public copy cost the backup its result
            message = " ".join(str(exc).split()) or type(exc).__name__
            typer.echo(f"warning: the public copy {folder} was not refreshed: {message}", err=True)
            log.debug("public copy refresh failed", exc_info=exc)
            continue
        if not quiet:
            typer.echo(f"public copy: {report.index}")


def note_public_copies(out: Path) -> None:
    """A backup with --no-site: say that the public copies were not refreshed (a photo
    made private in this sync is still in them)."""
    from flickr_async.site import public_copies

    try:
        copies = public_copies(out)
    except Exception as exc:
        log.debug("public copies unreadable", exc_info=exc)
        return
    for folder in sorted(copies):
        typer.echo(
            f"warning: the public copy {folder} was not refreshed (--no-site); run "
            f"`flickr-async site {out} --public {folder}` before publishing it",
            err=True,
        )
