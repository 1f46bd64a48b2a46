"""`backup`: flags -> Settings, the pipeline with progress, the summary, report and exit code."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections import Counter
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flickr_async.cli.app import (
    ApiBaseOption,
    ApiKeyOption,
    ApiSecretOption,
    ConfigOption,
    ProfileOption,
    TokenFileOption,
    VerboseOption,
    app,
    given,
    load_config_file,
    report_error,
    run_async,
    settings_from_options,
)
from flickr_async.cli.terminal import unfiltered
from flickr_async.config import Config
from flickr_async.errors import ConfigError
from flickr_async.layout import STATE_DIR
from flickr_async.owneronly import write_owner_only
from flickr_async.plural import plural
from flickr_async.progress import show_progress, summary_lines
from flickr_async.settings import Settings
from flickr_async.state import State

if TYPE_CHECKING:
    from flickr_async.cli.runlog import RunLog
    from flickr_async.jobs import Stats
    from flickr_async.runrecord import RunRecord

# --- backup -------------------------------------------------------------------------------


OptionalOutArgument = Annotated[
    Path | None,
    typer.Argument(
        help=(
            "The archive folder. Created if missing; its state is kept in a .flickr-async "
            "folder inside. Default: out in the config file (its profile with --profile)."
        ),
        metavar="OUT",
        file_okay=False,
        show_default=False,
    ),
]
# Every command but `backup` works on an archive `backup` made: none creates OUT.
ExistingOptionalOutArgument = Annotated[
    Path | None,
    typer.Argument(
        help=(
            "The archive folder, made by `backup` (this command never creates it). Default: "
            "out in the config file (its profile with --profile)."
        ),
        metavar="OUT",
        file_okay=False,
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help=(
            "Print nothing unless something failed (for cron). A backup then prints its "
            "summary: the first 20 failures by name and a count of the rest."
        ),
    ),
]


ConcurrencyOption = Annotated[
    int,
    typer.Option("--concurrency", "-c", min=1, max=64, help="Files downloaded at the same time."),
]
ApiRateOption = Annotated[
    float,
    typer.Option(
        "--api-rate",
        help=(
            "API calls per second, all stages together. Flickr allows 3,600 per hour per key, "
            "shared by everyone using the key. File downloads do not count."
        ),
    ),
]
MaxApiCallsOption = Annotated[
    int | None,
    typer.Option(
        "--max-api-calls",
        min=1,
        help=(
            "Make no more than this many API calls, listings and retries included (a bounded "
            "nightly run on a huge account). The listings go first; files listed still "
            "download; what is left waits for the next run. Exit status 0 when only deep "
            "metadata is left. Default: no limit."
        ),
        show_default=False,
    ),
]
FullListingEveryOption = Annotated[
    float | None,
    typer.Option(
        "--full-listing-every",
        min=0.0,
        metavar="DAYS",
        help=(
            "A sync asks Flickr only what changed since the last run while the last full "
            "listing of the photostream is younger than this many days (deletions are found "
            "by the full listing). 0: list everything every run. Default: what this archive "
            "uses, else 7."
        ),
        show_default=False,
    ),
]
FullListingOption = Annotated[
    bool,
    typer.Option(
        "--full-listing",
        help="List the whole photostream this run, whatever --full-listing-every says.",
    ),
]
MaxRetryWaitOption = Annotated[
    float,
    typer.Option(
        "--max-retry-wait",
        min=0.0,
        help="Longest single wait, in seconds, before retrying a failed request.",
    ),
]
LayoutOption = Annotated[
    str | None,
    typer.Option(
        "--layout",
        help=(
            "albums: OUT/<album>/<name>, photos in several albums linked (--links), the rest "
            "in OUT/Unsorted/. flat: OUT/<name>. date: OUT/YYYY/MM/<name> by date taken "
            "(else uploaded; OUT/undated/ without either), no album folders. Default: what "
            "this archive uses, else albums; `reshape` changes it."
        ),
        show_default=False,
    ),
]
NamesOption = Annotated[
    str | None,
    typer.Option(
        "--names",
        help=(
            "File name template; the extension is added. Fields: {id} (required, first or "
            "last), {title}, {date_taken:%Y-%m-%d}, {date_upload:%Y-%m-%d}, {media}. E.g. "
            "'{date_taken:%Y-%m-%d} {title} ({id})'. Default: what this archive uses, else "
            "'{id}'; `reshape` changes it."
        ),
        show_default=False,
    ),
]
LinksOption = Annotated[
    str | None,
    typer.Option(
        "--links",
        help=(
            "How --layout albums makes a photo's copies in its other albums: hardlink (one "
            "file on disk; a copy where the disk has no links), symlink (relative), copy. "
            "Default: what this archive uses, else hardlink; `reshape` changes it."
        ),
        show_default=False,
    ),
]
MetadataOption = Annotated[
    str | None,
    typer.Option(
        "--metadata",
        help=(
            "How far each photo's metadata goes. basic: the listing's fields and comments. "
            "list: also tags as typed, place names, rotation and safety level, from a few "
            "calls per account rather than one per photo. deep: also notes, people and "
            "permissions (one getInfo per photo), fetched after every file is safe, "
            "continuing across runs. 'full' is accepted for deep. Default: what this archive "
            "used last, else deep."
        ),
        show_default=False,
    ),
]
XmpOption = Annotated[
    bool | None,
    typer.Option(
        "--xmp/--no-xmp",
        help=(
            "Write a <file>.<ext>.xmp sidecar beside every photo and video (what Immich, "
            "PhotoPrism, digiKam and darktable read) and, with --exif, an XMP packet in "
            "JPEGs (Lightroom, Apple Photos). Default: what this archive used last, else --xmp."
        ),
        show_default=False,
    ),
]
FavoritesOption = Annotated[
    bool | None,
    typer.Option(
        "--favorites/--no-favorites",
        help=(
            "Also keep your favourites (other people's photos) under OUT/Favorites/ with "
            "their sidecars: the original where its owner allows it, else the largest size. "
            "favorites.json lists them either way. Default: what this archive used last, "
            "else --no-favorites."
        ),
        show_default=False,
    ),
]
SiteOption = Annotated[
    bool | None,
    typer.Option(
        "--site/--no-site",
        help=(
            "Refresh the archive's offline website (OUT/index.html and OUT/.site/, see the "
            "`site` command) at the end of the run; only what changed is rewritten. A site "
            "that cannot be written is a warning, never a failed backup. Default: what this "
            "archive used last, else --site."
        ),
        show_default=False,
    ),
]
ExifOption = Annotated[
    bool | None,
    typer.Option(
        "--exif/--no-exif",
        help=(
            "Embed title, description, tags, date taken and geo in JPEGs (EXIF, and the XMP "
            "packet unless --no-xmp); --no-exif keeps every file byte-identical to what "
            "Flickr served. Default: what this archive used last, else --exif."
        ),
        show_default=False,
    ),
]


AdoptAccountOption = Annotated[
    bool,
    typer.Option(
        "--adopt-account",
        help=(
            "Back up into an archive that records another Flickr account than the "
            "credentials': the archive becomes this account's (the other account's photos are "
            "kept, marked deleted on Flickr). Without it such a run is refused (exit 2) "
            "before anything changes."
        ),
    ),
]


AllProfilesOption = Annotated[
    bool,
    typer.Option(
        "--all-profiles",
        help=(
            "Back up every profile of the config file, one after the other, each with its "
            "own report; one broken profile does not stop the others. Exit status: the "
            "highest of theirs."
        ),
    ),
]


@app.command()
def backup(
    ctx: typer.Context,
    out: OptionalOutArgument = None,
    concurrency: ConcurrencyOption = 8,
    layout_: LayoutOption = None,
    names: NamesOption = None,
    links: LinksOption = None,
    api_rate: ApiRateOption = 1.0,
    metadata: MetadataOption = None,
    exif: ExifOption = None,
    xmp: XmpOption = None,
    favorites: FavoritesOption = None,
    site: SiteOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="List what would be downloaded or updated; write nothing."),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help=(
                "Write the run's report as JSON to this file: result, exit code, reason, start "
                "and end time, version, counters and failures. Written however the run ends: "
                "failed, refused, Ctrl-C or SIGTERM."
            ),
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    max_api_calls: MaxApiCallsOption = None,
    full_listing_every: FullListingEveryOption = None,
    full_listing: FullListingOption = False,
    max_retry_wait: MaxRetryWaitOption = 60.0,
    quiet: QuietOption = False,
    adopt_account: AdoptAccountOption = False,
    profile: ProfileOption = None,
    all_profiles: AllProfilesOption = False,
    config_file: ConfigOption = None,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Back up every photo and video with its metadata into OUT; rerun to sync changes.

    Options not given here come from the config file (its profile, then its defaults), and
    the options an archive remembers from its last run before the config file's defaults.

    Exit status: 0 complete; 1 some items failed or the listing was incomplete; 2 usage or
    configuration error, or refused (OUT is another account's archive); 3 authentication
    error; 4 another run holds the lock on OUT; 5 the run could not do its job (disk full or
    read-only, state unusable, network down, internal error); 130 Ctrl-C; 143 SIGTERM.
    Every run writes its --report (also when refused or stopped); each run that starts logs
    to OUT/.flickr-async/logs/ (the last 30 logs are kept).
    """
    options: dict[str, Any] = {
        "concurrency": given(ctx, "concurrency", concurrency),
        "api_rate": given(ctx, "api_rate", api_rate),
        "retry_max_wait": given(ctx, "max_retry_wait", max_retry_wait),
        "quiet": given(ctx, "quiet", quiet),
        "dry_run": dry_run,
        "report_file": report,
        "max_api_calls": max_api_calls,
        "full_listing_every": full_listing_every,
        "full_listing": full_listing,
        "layout": layout_,
        "names": names,
        "links": links,
        "metadata": metadata,
        "exif": exif,
        "xmp": xmp,
        "favorites": favorites,
        "site": site,
    }
    common = (api_key, api_secret, token_file, api_base, verbose)
    config = load_config_file(config_file)
    if not all_profiles:
        code = backup_one(common, config, profile, out=out, adopt_account=adopt_account, **options)
        raise typer.Exit(code)
    if adopt_account:
        raise ConfigError("--adopt-account is for one archive: it takes no --all-profiles")
    if profile is not None or out is not None or report is not None:
        given_too = "--profile" if profile else "OUT" if out else "--report"
        raise ConfigError(f"--all-profiles backs up every profile: it takes no {given_too}")
    if config is None or not config.profiles:
        where = config.path if config else "the config file"
        raise ConfigError(f"--all-profiles: no [profiles.NAME] in {where}")
    codes = {name: backup_profile(common, config, name, options) for name in config.profiles}
    failed = {name: code for name, code in codes.items() if code}
    if failed or not all(_is_quiet(config, name, quiet) for name in codes):
        results = (
            f"{name} {'exit ' + str(code) if code else 'complete'}" for name, code in codes.items()
        )
        typer.echo(f"profiles: {', '.join(results)}")
    raise typer.Exit(max(codes.values()))


def backup_one(
    common: tuple[str | None, str | None, Path | None, str | None, bool],
    config: Config | None,
    profile: str | None,
    *,
    header: str | None = None,
    adopt_account: bool = False,
    **options: Any,
) -> int:
    """One archive's backup, its site refresh and summary; its exit code."""
    settings = settings_from_options(
        *common, config=config, profile=profile, remembered=archive_options, **options
    )
    if settings.out is None:
        raise missing_out(config, profile)
    if header and not settings.quiet:
        typer.echo(header)
    from flickr_async.rebuild import state_problem

    # A backup rebuilds a lost or damaged state inside its recorded run (run_and_report).
    if settings.dry_run and (problem := state_problem(settings.out)):
        typer.echo(
            f"the state of {settings.out} is unusable: {problem}; a backup rebuilds it from "
            "the archive (this dry run looks at a rebuild in memory)",
            err=True,
        )
    code = run_and_report(settings, adopt_account=adopt_account)
    if settings.site and not settings.dry_run:
        from flickr_async.cli.site import refresh_after_backup

        refresh_after_backup(settings.out, quiet=settings.quiet)
    elif not settings.dry_run:
        from flickr_async.cli.site import note_public_copies

        note_public_copies(settings.out)
    return code


def chosen_archive(out: Path | None, config: Config | None, profile: str | None) -> Path:
    """OUT if given, else the profile's (or the file's) `out`; for commands that need no
    other setting."""
    if profile is not None and config is None:
        raise ConfigError(f"--profile {profile}: there is no config file")
    chosen = out or (config.out(profile) if config else None)
    if chosen is None:
        raise missing_out(config, profile)
    return chosen.absolute()  # as Settings.out: the path checks compare absolute paths


def missing_out(config: Config | None, profile: str | None) -> ConfigError:
    """No OUT given and none in the config file: the profile's table named by file and line."""
    if config is None:
        return ConfigError('no archive folder: give OUT, or set out = "..." in the config file')
    return config.missing_out(profile)


def backup_profile(
    common: tuple[str | None, str | None, Path | None, str | None, bool],
    config: Config,
    name: str,
    options: dict[str, Any],
) -> int:
    """One profile of --all-profiles: its errors are its own line and exit code."""
    try:
        return backup_one(common, config, name, header=f"== profile {name} ==", **options)
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        return report_error(exc, verbose=common[4], where=f"profile {name}: ")


def _is_quiet(config: Config, name: str, quiet: bool) -> bool:
    return quiet or bool(config.profile(name).get("quiet", config.defaults.get("quiet", False)))


def archive_options(out: Path) -> dict[str, object]:
    """The options an archive remembers from its last run (none for a new folder)."""
    from flickr_async.rebuild import remembered_options as rebuilt_options
    from flickr_async.rebuild import state_problem

    path = out / STATE_DIR / "state.sqlite3"
    if state_problem(out) is not None:
        # Lost or damaged: the run rebuilds it in the shape the root files remember (or
        # the files show), never in the defaults (a second tree beside the first).
        return rebuilt_options(out)[0]
    if not path.is_file():
        return {}
    state = State(path)
    try:
        saved = state.options()
    finally:
        state.close()
    if not saved:
        return {}
    from flickr_async.reshape import Shape  # it imports the writer: not at every start

    # An archive from before --names/--links has the default ones: a config file's default
    # must not look like a wish to reshape it.
    return {**Shape.of(saved).as_options(), **{k: v for k, v in saved.items() if v is not None}}


def remembered_options(out: Path, **given: object) -> dict[str, object]:
    """Options not given on the command line come from the archive's last run."""
    if all(v is not None for v in given.values()):
        return given
    saved = archive_options(out)
    return {k: saved.get(k) if v is None else v for k, v in given.items()}


def _progress(stats: Stats, *, quiet: bool) -> AbstractAsyncContextManager[None]:
    """The progress display; --quiet (cron) shows none and does not import rich (~20 ms of a
    first backup's start-up, issue 20 item 4)."""
    if quiet:
        return contextlib.nullcontext()
    from rich.console import Console

    # rich's own escapes draw the bar; what it shows is numbers and fixed words.
    return show_progress(stats, Console(file=unfiltered(sys.stderr)), quiet=False)


def run_and_report(settings: Settings, *, adopt_account: bool = False) -> int:
    """Run the backup with progress, then the summary, the report file and the exit code.

    Every run writes its --report, however it ends (a refused run's says why); a run that
    starts also writes its log, with the summary and the error that ended it."""
    # Imported here, not at the top: every command's start imports this module (the CLI
    # registers all its commands), and only a backup needs aiohttp, rich and the pipeline.
    from flickr_async.cli.runlog import RunLog
    from flickr_async.jobs import Stats
    from flickr_async.pipeline import require_credentials, run_backup
    from flickr_async.runrecord import RunRecord, sigterm_stops

    assert settings.out is not None
    stats = Stats()
    run_log = (
        None if settings.dry_run else RunLog(settings.out / STATE_DIR / "logs", out=settings.out)
    )
    record = RunRecord(on_start=run_log.open if run_log else None)
    if run_log is not None:
        logging.getLogger().addHandler(run_log)

    async def go() -> None:
        with sigterm_stops(record):
            if not settings.dry_run:  # however the rebuild ends (lock held, disk), a report
                require_credentials(settings)  # a run refused for them changes nothing
                _rebuild_if_needed(settings)
            async with _progress(stats, quiet=settings.quiet):
                await run_backup(settings, stats, record, adopt_account=adopt_account)

    try:
        run_async(go, verbose=settings.verbose, quiet=settings.quiet)
    except BaseException as exc:
        record.finish(stats, exc)
        _close_run(settings, record, stats, run_log)
        raise
    record.finish(stats, None)
    summary = _close_run(settings, record, stats, run_log)
    if settings.dry_run:
        _print_dry_run(stats, quiet=settings.quiet)
    elif not settings.quiet or not stats.ok:
        for line in summary_lines(summary, log_file=record.log_file):
            typer.echo(line)
    assert record.exit_code is not None
    return record.exit_code


def _rebuild_if_needed(settings: Settings) -> None:
    """A lost or damaged state rebuilt from the archive, under the run lock, in one line."""
    from flickr_async.rebuild import rebuild_if_needed

    assert settings.out is not None
    rebuilt = rebuild_if_needed(settings.out)
    if rebuilt is not None:  # said even with --quiet: cron must hear of it
        typer.echo(rebuilt.line(settings.out), err=True)


def _close_run(
    settings: Settings, record: RunRecord, stats: Stats, run_log: RunLog | None
) -> dict[str, Any]:
    """The run's report file and the end of its log; the report."""
    report = record.report(stats)
    if settings.report_file:
        _write_report(settings.report_file, report)
    if run_log is not None:
        ended = f"exit {record.exit_code}, {record.outcome}"
        lines = summary_lines(report) if record.outcome in ("complete", "incomplete") else []
        run_log.write_lines([*lines, f"{ended}: {record.reason}" if record.reason else ended])
        run_log.close()
    return report


def _write_report(path: Path, summary: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
        write_owner_only(path, data.encode("utf-8"))  # names photos and errors: 0600
    except OSError as exc:
        typer.echo(f"error: cannot write report {path}: {exc.strerror}", err=True)


def _print_dry_run(stats: Stats, *, quiet: bool) -> None:
    counts = Counter(reason for _, reason in stats.dry_run_actions)
    if quiet and not counts:
        return
    for photo_id, reason in stats.dry_run_actions:
        typer.echo(f"would {_DRY_RUN_VERBS.get(reason, 'update')}: {photo_id}")
    listed = f"listed {stats.listed} of {plural(stats.account_count or 0, 'photo')}"
    plan = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    typer.echo(f"dry run: {listed}; {plan}; {stats.unchanged} unchanged")


_DRY_RUN_VERBS = {
    "new": "download",
    "retry": "download (failed before)",
    "missing": "download (missing on disk)",
    "replaced": "download (original replaced on Flickr)",
    "changed": "update metadata",
    "albums": "update album links",
    "sidecars": "restore sidecars or album copies (no call)",
    "lost-sidecar": "restore its lost JSON sidecar (metadata asked again, no download)",
    "deleted": "mark deleted on Flickr",
}
