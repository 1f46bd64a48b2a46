"""`reshape`: move an archive to another layout, file names or link mode, offline."""

from __future__ import annotations

import typer

from flickr_async.cli.app import VerboseOption, app, configure_logging
from flickr_async.cli.backup import (
    LayoutOption,
    LinksOption,
    NamesOption,
    OutArgument,
    QuietOption,
)
from flickr_async.layout import STATE_DIR
from flickr_async.state import State


@app.command()
def reshape(
    out: OutArgument,
    layout_: LayoutOption = None,
    names: NamesOption = None,
    links: LinksOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Move and rename every file and sidecar to a new --layout, --names or --links.

    Nothing is downloaded and Flickr is not asked. Each file moves by atomic rename; a
    reshape that is interrupted (even by kill -9) is finished by running `reshape OUT` again,
    and `backup` refuses to run until it is. The archive then remembers the new shape; the
    offline site is refreshed when the archive keeps one.

    Exit status: 0 done, 1 a file could not be moved, 2 bad options or not an archive, 4 a
    backup is running on OUT.
    """
    from flickr_async.reshape import reshape as reshape_archive  # and the writer it uses

    configure_logging(verbose, quiet)
    report = reshape_archive(out, layout_=layout_, names_=names, links=links)
    if not quiet:
        target = report.target
        how = "finished the interrupted reshape" if report.resumed else "reshaped"
        typer.echo(
            f"{how}: {report.photos:,} items moved, {report.unchanged:,} already in place; "
            f"now {target.describe()}"
        )
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        keeps_site = state.options().get("site", True) is not False
    finally:
        state.close()
    if keeps_site:
        from flickr_async.cli.site import refresh_after_backup

        refresh_after_backup(out, quiet=quiet)
