"""Typer commands: flags + env -> Settings; asyncio.run(); errors -> one line and an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
import traceback
import webbrowser
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.core import TyperGroup

from flickr_async import auth as oauth
from flickr_async.api import FlickrAPI, client_session, open_api
from flickr_async.errors import EXIT_INCOMPLETE, ConfigError, CredentialsError, FlickrAsyncError
from flickr_async.jobs import Stats
from flickr_async.layout import STATE_DIR
from flickr_async.models import User
from flickr_async.pipeline import run_backup
from flickr_async.progress import human_bytes, show_progress, summary_lines
from flickr_async.ratelimit import TokenBucket
from flickr_async.settings import (
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_TOKEN_FILE,
    Settings,
    build_settings,
)
from flickr_async.state import RunLock, State
from flickr_async.verify import verify_archive

T = TypeVar("T")

EXIT_INTERRUPTED = 130
_VERBOSE = "flickr_async.verbose"  # key in click's context meta, shared by parent and subcommand
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


# --- errors -> exit codes ----------------------------------------------------------------


def report_error(exc: BaseException, *, verbose: bool) -> int:
    """Print one line for `exc` on stderr (a traceback first with --verbose); its exit code."""
    if verbose and not isinstance(exc, KeyboardInterrupt):
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    message = " ".join(str(exc).split())  # one line, whatever the exception carried
    if isinstance(exc, FlickrAsyncError):
        typer.echo(f"error: {message}", err=True)
        return exc.exit_code
    hint = "" if verbose else " (use --verbose for details)"
    typer.echo(f"internal error: {type(exc).__name__}: {message}{hint}", err=True)
    return EXIT_INCOMPLETE


class FlickrAsyncGroup(TyperGroup):
    """The app's command group: the one place where exceptions become exit codes.

    It sits under `main()` and under `typer.testing.CliRunner` alike, so tests see exactly
    what users see. Click's own exits (usage errors: 2, --help: 0) pass through untouched.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            code = report_error(exc, verbose=bool(ctx.meta.get(_VERBOSE, False)))
            raise typer.Exit(code) from None


app = typer.Typer(
    cls=FlickrAsyncGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # rich tracebacks would print local variables: secrets
    help="Back up a whole Flickr account: every original, every bit of metadata.",
)


def main() -> None:
    """Console entry point (`flickr-async`, `python -m flickr_async`)."""
    app()


# --- logging and the async runner ------------------------------------------------------


class _ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The terminal's log handler (a run's log file is a separate handler)."""


def configure_logging(verbose: bool, quiet: bool = False) -> None:
    """Log records to stderr, one plain line each: DEBUG with --verbose, only errors with
    --quiet, else warnings. The root level stays at INFO so a run's log file gets INFO."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _ConsoleHandler):
            root.removeHandler(handler)
    console = _ConsoleHandler(sys.stderr)  # bound now: tests swap sys.stderr per run
    console.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    console.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(console)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def run_async(
    coro_factory: Callable[[], Coroutine[Any, Any, T]], *, verbose: bool, quiet: bool = False
) -> T:
    """Run one command's coroutine in a fresh event loop and return its result.

    Errors propagate: FlickrAsyncGroup turns them into a line and an exit code. A command
    returning an exit code ends with `raise typer.Exit(run_async(...))`.
    """
    configure_logging(verbose, quiet)
    return asyncio.run(coro_factory())


# --- options shared by every command -----------------------------------------------------


def _remember_verbose(ctx: typer.Context, value: bool) -> bool:
    ctx.meta[_VERBOSE] = value  # read by FlickrAsyncGroup when it reports an error
    configure_logging(value)
    return value


# No `envvar=` here on purpose: settings.build_settings is the only reader of the environment.
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help=f"Flickr API key. Default: ${ENV_API_KEY}, then the key saved in the token file.",
        show_default=False,
    ),
]
ApiSecretOption = Annotated[
    str | None,
    typer.Option(
        "--api-secret",
        help=f"Flickr API secret. Default: ${ENV_API_SECRET}, then the token file.",
        show_default=False,
    ),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help=(
            f"Where the OAuth token is saved (mode 0600). Default: ${ENV_TOKEN_FILE}, "
            "else $XDG_CONFIG_HOME/flickr-async/token.json (~/.config when unset)."
        ),
        show_default=False,
        dir_okay=False,
    ),
]
ApiBaseOption = Annotated[
    str | None,
    typer.Option(
        "--api-base",
        help=(
            f"Base URL of Flickr's services (REST at <base>/rest/, OAuth at <base>/oauth/). "
            f"Default: ${ENV_API_BASE}, else https://www.flickr.com/services."
        ),
        show_default=False,
    ),
]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Log every API call (never secrets) and show tracebacks on errors.",
        callback=_remember_verbose,
        is_eager=True,
    ),
]


def settings_from_options(
    *,
    api_key: str | None,
    api_secret: str | None,
    token_file: Path | None,
    api_base: str | None,
    verbose: bool,
    **options: Any,
) -> Settings:
    """Settings from the common options (None = not given) plus command-specific ones."""
    return build_settings(
        api_key=api_key,
        api_secret=api_secret,
        token_file=token_file,
        api_base=api_base,
        verbose=verbose,
        **options,
    )


# --- auth ---------------------------------------------------------------------------------


@app.command()
def auth(
    browser: Annotated[
        bool | None,
        typer.Option(
            "--browser/--no-browser",
            help=(
                "Open the authorisation address in a web browser. Default: only when run "
                "in a terminal; --no-browser only prints it."
            ),
            show_default=False,
        ),
    ] = None,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Let flickr-async read your Flickr account (OAuth, read-only) and save the token."""
    settings = settings_from_options(
        api_key=api_key,
        api_secret=api_secret,
        token_file=token_file,
        api_base=api_base,
        verbose=verbose,
        use_saved_token=False,  # it is about to be replaced, and may be the damaged one
    )
    settings.require_key()
    request_token, request_secret = run_async(lambda: _request_token(settings), verbose=verbose)
    url = oauth.authorize_url(settings, request_token)
    typer.echo(
        "Open this address in a web browser, sign in as the account to back up and allow "
        f"read access:\n\n    {url}\n"
    )
    sys.stdout.flush()
    if browser or (browser is None and sys.stdout.isatty()):
        _open_browser(url)
    # Read outside the event loop: a blocking read inside it would make Ctrl-C wait for Enter.
    verifier = _read_verifier()
    user = run_async(
        lambda: _exchange(settings, request_token, request_secret, verifier), verbose=verbose
    )
    typer.echo(
        f"Authenticated as {user.username} ({user.nsid}); token saved to {settings.token_file}"
    )


async def _request_token(settings: Settings) -> tuple[str, str]:
    async with client_session(settings) as session:
        return await oauth.fetch_request_token(settings, session)


async def _exchange(
    settings: Settings, request_token: str, request_secret: str, verifier: str
) -> User:
    """Trade the verifier for the access token, save it, then prove it works."""
    async with client_session(settings) as session:
        token = await oauth.fetch_access_token(
            settings, session, request_token, request_secret, verifier
        )
        await asyncio.to_thread(oauth.save_token, settings.token_file, token)
        authorised = replace(
            settings, oauth_token=token.oauth_token, oauth_token_secret=token.oauth_token_secret
        )
        api = FlickrAPI(authorised, session, TokenBucket(settings.api_rate, settings.api_burst))
        return await api.test_login()


def _open_browser(url: str) -> None:
    # The address is printed already: a missing or broken browser is not an error.
    with contextlib.suppress(webbrowser.Error):
        webbrowser.open(url)


def _read_verifier() -> str:
    typer.echo("Paste the verifier code: ", err=True, nl=False)
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not sys.stdin.isatty():
        typer.echo("", err=True)  # piped input is not echoed: end the prompt line ourselves
    verifier = line.strip()
    if not verifier:
        raise CredentialsError("no verifier code was entered; run `flickr-async auth` again")
    return verifier


# --- whoami -------------------------------------------------------------------------------


@app.command()
def whoami(
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Show which Flickr account the saved token belongs to, and its permissions."""
    settings = settings_from_options(
        api_key=api_key,
        api_secret=api_secret,
        token_file=token_file,
        api_base=api_base,
        verbose=verbose,
    )
    if not settings.has_token:
        raise CredentialsError("no saved token: run `flickr-async auth` first")
    settings.require_key()
    user, perms = run_async(lambda: _check_token(settings), verbose=verbose)
    typer.echo(f"username: {user.username}")
    if user.fullname:
        typer.echo(f"fullname: {user.fullname}")
    typer.echo(f"nsid: {user.nsid}")
    typer.echo(f"perms: {perms}")


async def _check_token(settings: Settings) -> tuple[User, str]:
    async with open_api(settings) as api:
        return await api.auth_oauth_check_token()


# --- backup -------------------------------------------------------------------------------


OutArgument = Annotated[
    Path,
    typer.Argument(
        help="The archive folder. Created if missing; state lives in OUT/.flickr-async/.",
        file_okay=False,
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print nothing unless something failed (for cron)."),
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
            "albums: OUT/<album>/<id>.<ext>, photos in several albums hard-linked, the rest "
            "in OUT/Unsorted/. flat: OUT/<id>.<ext>. Default: what this archive used last, "
            "else albums."
        ),
        show_default=False,
    ),
]
MetadataOption = Annotated[
    str | None,
    typer.Option(
        "--metadata",
        help=(
            "full: one getInfo call per new or changed photo (raw tags, notes, place names, "
            "rotation...); basic: the listing's fields only. Comments are fetched in both, "
            "only for photos that have some. Default: what this archive used last, else full."
        ),
        show_default=False,
    ),
]
ExifOption = Annotated[
    bool | None,
    typer.Option(
        "--exif/--no-exif",
        help=(
            "Embed title, description, tags, date taken and geo in JPEGs' EXIF; --no-exif "
            "keeps every file byte-identical to what Flickr served. Default: what this "
            "archive used last, else --exif."
        ),
        show_default=False,
    ),
]


@app.command()
def backup(
    out: OutArgument,
    concurrency: ConcurrencyOption = 8,
    layout_: LayoutOption = None,
    api_rate: ApiRateOption = 1.0,
    metadata: MetadataOption = None,
    exif: ExifOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="List what would be downloaded or updated; write nothing."),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Write the run's summary as JSON to this file (also when the run fails).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    max_retry_wait: MaxRetryWaitOption = 60.0,
    quiet: QuietOption = False,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Back up every photo and video with its metadata into OUT; rerun to sync changes.

    Exit status: 0 complete, 1 some items failed or the listing was incomplete, 2 usage or
    configuration error, 3 authentication error, 4 another run holds the lock on OUT.
    """
    settings = settings_from_options(
        api_key=api_key,
        api_secret=api_secret,
        token_file=token_file,
        api_base=api_base,
        verbose=verbose,
        out=out,
        concurrency=concurrency,
        api_rate=api_rate,
        dry_run=dry_run,
        quiet=quiet,
        report_file=report,
        retry_max_wait=max_retry_wait,
        **_remembered(out, layout=layout_, metadata=metadata, exif=exif),
    )
    raise typer.Exit(_run_and_report(settings, Stats()))


def _remembered(out: Path, **given: object) -> dict[str, object]:
    """Options not given on the command line come from the archive's last run."""
    path = out / STATE_DIR / "state.sqlite3"
    if not path.is_file() or all(v is not None for v in given.values()):
        return given
    state = State(path)
    try:
        saved = json.loads(state.get_meta("options") or "{}")
    finally:
        state.close()
    return {k: saved.get(k) if v is None else v for k, v in given.items()}


def _run_and_report(settings: Settings, stats: Stats) -> int:
    """Run the backup with progress, then the summary, the report file and the exit code."""
    console = Console(stderr=True)
    log_file = None if settings.dry_run else _start_log_file(settings)

    async def go() -> None:
        async with show_progress(stats, console, quiet=settings.quiet):
            await run_backup(settings, stats)

    try:
        run_async(go, verbose=settings.verbose, quiet=settings.quiet)
    except BaseException as exc:
        if settings.report_file:
            _write_report(settings.report_file, {**stats.summary("failed"), "error": str(exc)})
        raise
    finally:
        if log_file is not None:
            logging.getLogger().removeHandler(log_file)
            log_file.close()
    result = "complete" if stats.ok else "incomplete"
    summary = stats.summary(result)
    if settings.report_file:
        _write_report(settings.report_file, summary)
    if settings.dry_run:
        _print_dry_run(stats, quiet=settings.quiet)
    elif not settings.quiet or not stats.ok:
        for line in summary_lines(summary):
            typer.echo(line)
    return 0 if stats.ok else EXIT_INCOMPLETE


def _start_log_file(settings: Settings) -> logging.Handler | None:
    """OUT/.flickr-async/logs/<time>.log, INFO and up, for every run."""
    assert settings.out is not None
    logs = settings.out / STATE_DIR / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(
            logs / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log", encoding="utf-8"
        )
    except OSError:
        return None  # the run itself reports an unwritable OUT properly
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s " + LOG_FORMAT))
    logging.getLogger().addHandler(handler)
    return handler


def _write_report(path: Path, summary: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write report {path}: {exc.strerror}", err=True)


def _print_dry_run(stats: Stats, *, quiet: bool) -> None:
    counts = Counter(reason for _, reason in stats.dry_run_actions)
    if quiet and not counts:
        return
    for photo_id, reason in stats.dry_run_actions:
        typer.echo(f"would {_DRY_RUN_VERBS.get(reason, 'update')}: {photo_id}")
    listed = f"listed {stats.listed} of {stats.account_count} photos"
    plan = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing to do"
    typer.echo(f"dry run: {listed}; {plan}; {stats.unchanged} unchanged")


_DRY_RUN_VERBS = {
    "new": "download",
    "retry": "download (failed before)",
    "missing": "download (missing on disk)",
    "replaced": "download (original replaced on Flickr)",
    "changed": "update metadata",
    "albums": "update album links",
    "deleted": "mark deleted on Flickr",
}


# --- verify and status --------------------------------------------------------------------


@app.command()
def verify(
    out: OutArgument,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Fetch everything found missing or corrupt again (needs the Flickr token).",
        ),
    ] = False,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Check sizes only, not SHA-256 (reads no file contents)."),
    ] = False,
    concurrency: ConcurrencyOption = 8,
    api_rate: ApiRateOption = 1.0,
    max_retry_wait: MaxRetryWaitOption = 60.0,
    quiet: QuietOption = False,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Check that every archived file, sidecar and album link is present and intact.

    Exit status: 0 intact (or fully repaired), 1 problems remain.
    """
    state_path = _archive_state_path(out)
    with RunLock(out):  # a backup running meanwhile would look like corruption
        state = State(state_path)
        try:
            problems = list(verify_archive(out, state, checksums=not quick))
            if repair and problems:
                state.mark_for_repair(sorted({p.photo_id for p in problems}))
        finally:
            state.close()
    for problem in problems:
        typer.echo(str(problem))
    if not problems:
        if not quiet:
            typer.echo("archive intact")
        raise typer.Exit(0)
    typer.echo(f"{len(problems)} problems in {len({p.photo_id for p in problems})} items")
    if not repair:
        raise typer.Exit(EXIT_INCOMPLETE)
    settings = settings_from_options(
        api_key=api_key,
        api_secret=api_secret,
        token_file=token_file,
        api_base=api_base,
        verbose=verbose,
        out=out,
        quiet=quiet,
        concurrency=concurrency,
        api_rate=api_rate,
        retry_max_wait=max_retry_wait,
        **_remembered(out, layout=None, metadata=None, exif=None),
    )
    code = _run_and_report(settings, Stats())
    state = _open_existing_state(out)
    try:
        remaining = list(verify_archive(out, state, checksums=not quick))
    finally:
        state.close()
    for problem in remaining:
        typer.echo(f"still broken: {problem}")
    if not remaining and not quiet:
        typer.echo("repaired: archive intact")
    raise typer.Exit(EXIT_INCOMPLETE if remaining else code)


@app.command()
def status(
    out: OutArgument,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """What the archive holds next to the account's last-known totals; no network needed."""
    state = _open_existing_state(out)
    try:
        counts = state.counts()
        last = state.last_run()
        failed = [(row.id, row.error or "") for row in state.iter_photos() if not row.is_done]
        not_original = [
            row.id for row in state.iter_photos() if row.is_done and row.original is False
        ]
    finally:
        state.close()
    summary = (last or {}).get("summary", {})
    info = {
        "archived": counts["done"],
        "videos": counts["videos"],
        "bytes": counts["bytes"],
        "account_count": summary.get("account_count"),
        "pending_or_failed": dict(failed),
        "not_original": not_original,
        "deleted_on_flickr": counts["deleted"],
        "last_run": None
        if last is None
        else {
            "finished": _iso(last["finished"]),
            "result": last["result"],
            "listing_problem": summary.get("listing_problem"),
        },
    }
    if as_json:
        typer.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    total = info["account_count"]
    typer.echo(
        f"archived: {counts['done']} items ({counts['videos']} videos, "
        f"{human_bytes(counts['bytes'])})"
        + (f" of {total} on Flickr at the last run" if total is not None else "")
    )
    if last is None:
        typer.echo("last run: never finished")
    else:
        typer.echo(f"last run: {_iso(last['finished'])}, {last['result']}")
        if summary.get("listing_problem"):
            typer.echo(f"  listing problem: {summary['listing_problem']}")
    typer.echo(f"pending or failed: {len(failed)}")
    for photo_id, error in failed[:20]:
        typer.echo(f"  {photo_id}: {error}")
    typer.echo(f"saved without original: {len(not_original)}")
    typer.echo(f"deleted on Flickr (kept): {counts['deleted']}")


def _archive_state_path(out: Path) -> Path:
    path = out / STATE_DIR / "state.sqlite3"
    if not path.is_file():
        raise ConfigError(f"{out} is not a flickr-async archive (no {STATE_DIR}/state.sqlite3)")
    return path


def _open_existing_state(out: Path) -> State:
    return State(_archive_state_path(out))


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).isoformat(timespec="seconds")
