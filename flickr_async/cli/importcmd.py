"""`import`: Flickr's data export (its zips, or folders they were unpacked into) -> OUT."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flickr_async.archive import Archive
from flickr_async.cli.app import (
    ConfigOption,
    ProfileOption,
    VerboseOption,
    app,
    given,
    load_config_file,
    settings_from_options,
)
from flickr_async.cli.backup import (
    _write_report,
    archive_options,
    progress_display,
    run_recorded,
)
from flickr_async.cli.importsummary import summary_lines
from flickr_async.cli.options import (
    ExifOption,
    ImportReportOption,
    LayoutOption,
    LinksOption,
    NamesOption,
    QuietOption,
    XmpOption,
    missing_out,
)
from flickr_async.cli.siterefresh import refresh_after_backup

if TYPE_CHECKING:
    from flickr_async.importer import ImportReport


@app.command("import")
def import_(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Argument(
            help=(
                "The archive folder: created if missing, or an archive `backup` made (only "
                "what it lacks is added). Its state is kept in a .flickr-async folder inside."
            ),
            metavar="OUT",
            file_okay=False,
            show_default=False,
        ),
    ],
    paths: Annotated[
        list[Path],
        typer.Argument(
            help=(
                "The export's zip files (metadata zips like <digits>_<alnum>_partN.zip, media "
                "zips like data-download-N.zip) or folders they were unpacked into; any "
                "order, mixed. Zips are read as they are, never unpacked to a copy."
            ),
            metavar="PATH",
            show_default=False,
        ),
    ],
    layout_: LayoutOption = None,
    names: NamesOption = None,
    links: LinksOption = None,
    exif: ExifOption = None,
    xmp: XmpOption = None,
    site: Annotated[
        bool | None,
        typer.Option(
            "--site/--no-site",
            help=(
                "Refresh the archive's offline website (OUT/index.html) at the end. Default: "
                "what this archive used last, else --site."
            ),
            show_default=False,
        ),
    ] = None,
    report: ImportReportOption = None,
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Import Flickr's data export ("Your Flickr Data") into OUT: the same archive `backup`
    writes (album folders, sidecars, embedded metadata, account files, state, site), with
    no network and no credentials. A later `backup` of the same account adopts it and
    downloads only what the export lacked.

    Run it again with more zips (or after a kill) and it adds what is missing; photos
    already in the archive are left alone. What only the export holds (Flickr Mail,
    testimonials, group discussions, its account files) is kept in OUT/flickr-export/.

    Exit status: 0 complete; 1 something is missing (a photo's file, a JSON, an album
    member, a corrupt zip member: all named in the summary and --report); 2 a PATH is not
    part of a Flickr export, or a usage or configuration error, or OUT is another account's
    archive; 4 another run holds the lock on OUT; 5 the run could not do its job (disk full
    or read-only, state unusable); 130 Ctrl-C; 143 SIGTERM.
    """
    options: dict[str, Any] = {
        "quiet": given(ctx, "quiet", quiet),
        "report_file": report,
        "layout": layout_,
        "names": names,
        "links": links,
        "exif": exif,
        "xmp": xmp,
        "site": site,
        "out": out,
    }
    config = load_config_file(config_file)
    settings = settings_from_options(
        None, None, None, None, verbose, config=config, profile=profile,
        remembered=archive_options, **options,
    )  # fmt: skip
    if settings.out is None:
        raise missing_out(config, profile)
    from flickr_async.export_files import scan

    try:
        # not an export: exit 2, nothing written
        index = scan([p.absolute() for p in paths], skip=[settings.out])
    except Exception as exc:
        if settings.report_file is not None:  # a refused run has its report too
            _refused_report(settings.report_file, exc)
        raise
    try:
        code = _run(settings, index)
    finally:
        index.close()
    if settings.site:
        refresh_after_backup(settings.out, quiet=settings.quiet)
    raise typer.Exit(code)


def _refused_report(path: Path, exc: BaseException) -> None:
    from flickr_async.jobs import Stats
    from flickr_async.runrecord import RunRecord

    stats = Stats()
    record = RunRecord(command="import")
    record.finish(stats, exc)
    _write_report(path, record.report(stats))


def _run(settings: Any, index: Any) -> int:
    from flickr_async.cli.runlog import RunLog
    from flickr_async.import_pipeline import run_import
    from flickr_async.jobs import Stats
    from flickr_async.rebuild import rebuild_if_needed
    from flickr_async.runrecord import RunRecord, sigterm_stops

    stats = Stats()
    run_log = RunLog(Archive.of_settings(settings))
    record = RunRecord(command="import", on_start=run_log.open)
    logging.getLogger().addHandler(run_log)
    found: list[ImportReport] = []

    async def go() -> None:
        with sigterm_stops(record):
            rebuilt = rebuild_if_needed(settings.out) if settings.out.exists() else None
            if rebuilt is not None:
                typer.echo(rebuilt.line(settings.out), err=True)
            async with progress_display(stats, quiet=settings.quiet):
                found.append(await run_import(settings, index, stats, record))

    summary = run_recorded(go, settings, record, stats, run_log)
    if not settings.quiet or not stats.ok:
        for line in summary_lines(summary):
            typer.echo(line)
    assert record.exit_code is not None
    return record.exit_code
