"""`reshape`: move an archive to another layout, file names or link mode, offline."""

from __future__ import annotations

import typer

from flickr_async.archive import Archive
from flickr_async.cli.app import (
    ConfigOption,
    ProfileOption,
    VerboseOption,
    app,
    configure_logging,
    load_config_file,
)
from flickr_async.cli.options import (
    ExistingOptionalOutArgument,
    LayoutOption,
    LinksOption,
    NamesOption,
    QuietOption,
    chosen_archive,
)
from flickr_async.cli.siterefresh import refresh_after_backup
from flickr_async.plural import plural
from flickr_async.reshape import reshape as reshape_archive
from flickr_async.state import State


@app.command()
def reshape(
    out: ExistingOptionalOutArgument = None,
    layout_: LayoutOption = None,
    names: NamesOption = None,
    links: LinksOption = None,
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Move and rename every file and sidecar to a new --layout, --names or --links.

    Nothing is downloaded and Flickr is not asked. Before the first move it checks that no
    file foreign to the archive is in the way and, for --links copy, that the disk has room
    for the copies. Each file moves by atomic rename; a reshape that is interrupted (even by
    kill -9 or a full disk) is finished by running `reshape OUT` again, or undone by asking
    for the archive's previous shape (e.g. `reshape OUT --links hardlink`); `backup` refuses
    to run until then. The archive then remembers the new shape; the offline site is
    refreshed when the archive keeps one.

    Exit status: 0 done, 2 bad options, not an archive or a foreign file in the way, 4 a
    backup is running on OUT, 5 a file could not be moved or the disk is too full (run it
    again to finish, or ask for the previous shape to undo).
    """
    configure_logging(verbose, quiet)
    out = chosen_archive(out, load_config_file(config_file), profile)
    report = reshape_archive(out, layout_=layout_, names_=names, links=links)
    if not quiet:
        target = report.target
        if report.undone:
            how, moved = "undid the interrupted reshape", "moved back"
        else:
            how = "finished the interrupted reshape" if report.resumed else "reshaped"
            moved = "moved"
        typer.echo(
            f"{how}: {plural(report.photos, 'item')} {moved}, {report.unchanged:,} already in "
            f"place; now {target.describe()}"
        )
    state = State(Archive(out).state_file)
    try:
        keeps_site = state.options().get("site", True) is not False
    finally:
        state.close()
    if keeps_site:
        refresh_after_backup(out, quiet=quiet)
