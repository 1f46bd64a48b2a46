"""The typer app: errors -> one line and an exit code, logging, options every command shares."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import os
import sys
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer
from typer.core import TyperGroup

from flickr_async import __version__
from flickr_async.cli.terminal import PrintableFormatter, printable_output
from flickr_async.config import Config
from flickr_async.errors import EXIT_FAILED, EXIT_INTERRUPTED, FlickrAsyncError
from flickr_async.settings import (
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_CONFIG,
    ENV_TOKEN_FILE,
    Resolved,
    Settings,
    find_config,
    resolve_settings,
)

T = TypeVar("T")

_VERBOSE = "flickr_async.verbose"  # key in click's context meta, shared by parent and subcommand
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


# --- errors -> exit codes ----------------------------------------------------------------


def report_error(exc: BaseException, *, verbose: bool, where: str = "") -> int:
    """Print one line for `exc` on stderr (a traceback first with --verbose); its exit code.

    `where` starts the message: `profile family: ` in a run of every profile.
    """
    if verbose and not isinstance(exc, KeyboardInterrupt):
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    message = where + " ".join(str(exc).split())  # one line, whatever the exception carried
    if isinstance(exc, FlickrAsyncError):
        typer.echo(f"error: {message}", err=True)
        return exc.exit_code
    hint = "" if verbose else " (use --verbose for details)"
    typer.echo(f"internal error: {type(exc).__name__}: {message}{hint}", err=True)
    return EXIT_FAILED


# The order `flickr-async --help` lists the commands in (first things first: authorise,
# back up, look at the archive, then the rest), whatever order their modules are imported in.
COMMAND_ORDER = (
    "auth", "whoami", "backup", "verify", "status", "config", "import", "reshape", "site"
)  # fmt: skip


class FlickrAsyncGroup(TyperGroup):
    """The app's command group: the one place where exceptions become exit codes.

    It sits under `main()` and under `typer.testing.CliRunner` alike, so tests see exactly
    what users see. Click's own exits (usage errors: 2, --help: 0) pass through untouched.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands in COMMAND_ORDER (one it does not name, last)."""
        listed = super().list_commands(ctx)
        return sorted(listed, key=lambda name: _position(COMMAND_ORDER, name))

    def invoke(self, ctx: Any) -> Any:
        # Everything a command prints, it prints without control characters (terminal.py).
        with printable_output():
            try:
                return super().invoke(ctx)
            except (typer.Exit, typer.Abort, typer.TyperException):
                raise
            except (Exception, KeyboardInterrupt) as exc:
                code = report_error(exc, verbose=bool(ctx.meta.get(_VERBOSE, False)))
                raise typer.Exit(code) from None


def _position(order: tuple[str, ...], name: str) -> int:
    return order.index(name) if name in order else len(order)


app = typer.Typer(
    cls=FlickrAsyncGroup,
    add_completion=False,
    no_args_is_help=True,
    # click's plain help: no colour or box drawing to strip in pipes, paragraphs rewrapped to
    # the terminal and never wider than 80 columns (rich's tables truncated long words).
    rich_markup_mode=None,
    context_settings={"max_content_width": 80},
    pretty_exceptions_enable=False,  # rich tracebacks would print local variables: secrets
    help="Back up a whole Flickr account: every original, every bit of metadata.",
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"flickr-async {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Back up a whole Flickr account: every original, every bit of metadata."""


def main() -> None:
    """Console entry point (`flickr-async`, `python -m flickr_async`)."""
    # What the imports built lives until exit: frozen, the garbage collector never walks it
    # again, neither in the run's full collections nor at exit, whose walk over ~45,000
    # import-time objects took 0.3-0.7 s on a 2-core machine (0.1 s frozen).
    gc.freeze()
    if sys.stdout is not None:
        sys.stdout = quiet_when_reader_leaves(sys.stdout)
    if sys.stderr is not None:  # `2>&1 | head`: the backup goes on, its progress unread
        sys.stderr = quiet_when_reader_leaves(sys.stderr)
    app()


class _ReaderGone(io.RawIOBase):
    """stdout's or stderr's descriptor, where the reader closing the pipe (`| head`) is not
    an error.

    From the first EPIPE on, output goes to /dev/null and the command carries on to its own
    exit status: `flickr-async status OUT | head -1` reports what status would have.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._fd)
            os.close(devnull)
            return size


def quiet_when_reader_leaves(stream: TextIO) -> TextIO:
    """`stream` (stdout, stderr) rebuilt over a _ReaderGone, with the same encoding and
    buffering."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a real file (tests swap in their own streams)
        return stream
    stream.flush()
    return io.TextIOWrapper(
        io.BufferedWriter(_ReaderGone(fd)),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=bool(stream.line_buffering),
        write_through=bool(getattr(stream, "write_through", False)),
    )


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
    console.setFormatter(PrintableFormatter(LOG_FORMAT))
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
            f"Where the OAuth token is saved (mode 0600). Default: ${ENV_TOKEN_FILE}, else "
            "the profile's token file with --profile, else token.json in the folder "
            "$XDG_CONFIG_HOME/flickr-async (~/.config when unset)."
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


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help=(
            f"The config file: option defaults and profiles. Default: ${ENV_CONFIG}, else "
            "config.toml in the folder $XDG_CONFIG_HOME/flickr-async, if there is one."
        ),
        show_default=False,
        dir_okay=False,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help=(
            "Use the config file's [profiles.NAME]: its account (token file), its archive "
            "folder and its options."
        ),
        metavar="NAME",
        show_default=False,
    ),
]


def load_config_file(path: Path | None) -> Config | None:
    """The config file (None: there is none), its warning printed on stderr."""
    config, warning = find_config(path)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    return config


def given(ctx: typer.Context, name: str, value: T) -> T | None:
    """`value` if the command line gave it, else None: the config file's turn."""
    source = ctx.get_parameter_source(name)
    # By name: typer may bring its own copy of click, whose enum is not click's.
    return value if source is not None and source.name != "DEFAULT" else None


def resolve_from_options(
    api_key: str | None,
    api_secret: str | None,
    token_file: Path | None,
    api_base: str | None,
    verbose: bool,
    /,
    *,
    config_file: Path | None = None,
    profile: str | None = None,
    config: Config | None = None,
    **options: Any,
) -> Resolved:
    """Resolved settings from the common options, in the order every command declares them
    (None = not given), plus command-specific ones. `config`: the file, already loaded."""
    return resolve_settings(
        api_key=api_key,
        api_secret=api_secret,
        token_file=token_file,
        api_base=api_base,
        verbose=verbose,
        config=config or load_config_file(config_file),
        profile=profile,
        **options,
    )


def settings_from_options(
    api_key: str | None,
    api_secret: str | None,
    token_file: Path | None,
    api_base: str | None,
    verbose: bool,
    /,
    **options: Any,
) -> Settings:
    """resolve_from_options(...).settings."""
    return resolve_from_options(
        api_key, api_secret, token_file, api_base, verbose, **options
    ).settings
