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

from flickr_async.archive import Archive, Shape
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
from flickr_async.cli.options import (
    AdoptAccountOption,
    AllProfilesOption,
    ApiRateOption,
    BackupReportOption,
    ConcurrencyOption,
    ExifOption,
    FavoritesOption,
    FullListingEveryOption,
    FullListingOption,
    LayoutOption,
    LinksOption,
    MaxApiCallsOption,
    MaxRetryWaitOption,
    MetadataOption,
    NamesOption,
    OptionalOutArgument,
    QuietOption,
    SiteOption,
    XmpOption,
    missing_out,
)
from flickr_async.cli.siterefresh import note_public_copies, refresh_after_backup
from flickr_async.cli.terminal import unfiltered
from flickr_async.config import Config
from flickr_async.errors import ConfigError
from flickr_async.owneronly import write_owner_only
from flickr_async.plural import plural
from flickr_async.progress import show_progress, summary_lines
from flickr_async.settings import Settings
from flickr_async.state import State

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from flickr_async.cli.runlog import RunLog
    from flickr_async.jobs import Stats
    from flickr_async.runrecord import RunRecord


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
    report: BackupReportOption = None,
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
        refresh_after_backup(settings.out, quiet=settings.quiet)
    elif not settings.dry_run:
        note_public_copies(settings.out)
    return code


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

    path = Archive(out).state_file
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
    # An archive from before --names/--links has the default ones: a config file's default
    # must not look like a wish to reshape it.
    return {**Shape.of(saved).as_options(), **{k: v for k, v in saved.items() if v is not None}}


def remembered_options(out: Path, **given: object) -> dict[str, object]:
    """Options not given on the command line come from the archive's last run."""
    if all(v is not None for v in given.values()):
        return given
    saved = archive_options(out)
    return {k: saved.get(k) if v is None else v for k, v in given.items()}


def progress_display(stats: Stats, *, quiet: bool) -> AbstractAsyncContextManager[None]:
    """The progress display of a backup or an import; --quiet (cron) shows none and does not
    import rich (~20 ms of a first backup's start-up, issue 20 item 4)."""
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

    stats = Stats()
    run_log = None if settings.dry_run else RunLog(Archive.of_settings(settings))
    record = RunRecord(on_start=run_log.open if run_log else None)
    if run_log is not None:
        logging.getLogger().addHandler(run_log)

    async def go() -> None:
        with sigterm_stops(record):
            if not settings.dry_run:  # however the rebuild ends (lock held, disk), a report
                require_credentials(settings)  # a run refused for them changes nothing
                _rebuild_if_needed(settings)
            async with progress_display(stats, quiet=settings.quiet):
                await run_backup(settings, stats, record, adopt_account=adopt_account)

    summary = run_recorded(go, settings, record, stats, run_log)
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

    out = Archive.of_settings(settings).out
    rebuilt = rebuild_if_needed(out)
    if rebuilt is not None:  # said even with --quiet: cron must hear of it
        typer.echo(rebuilt.line(out), err=True)


def run_recorded(
    go: Callable[[], Coroutine[Any, Any, None]],
    settings: Settings,
    record: RunRecord,
    stats: Stats,
    run_log: RunLog | None,
) -> dict[str, Any]:
    """Run `go` (a backup or an import), then finish its record and close the run however it
    ends (its report file and the end of its log); the report."""
    try:
        run_async(go, verbose=settings.verbose, quiet=settings.quiet)
    except BaseException as exc:
        record.finish(stats, exc)
        _close_run(settings, record, stats, run_log)
        raise
    record.finish(stats, None)
    return _close_run(settings, record, stats, run_log)


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
    counts = Counter(reason.value for _, reason in stats.dry_run_actions)
    if quiet and not counts:
        return
    for photo_id, reason in stats.dry_run_actions:
        typer.echo(f"would {reason.verb}: {photo_id}")
    listed = f"listed {stats.listed} of {plural(stats.account_count or 0, 'photo')}"
    plan = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    typer.echo(f"dry run: {listed}; {plan}; {stats.unchanged} unchanged")
