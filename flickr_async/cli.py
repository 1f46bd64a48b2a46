"""Typer commands: flags + env -> Settings; asyncio.run(); errors -> one line and an exit code."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import traceback
import webbrowser
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from flickr_async import auth as oauth
from flickr_async.api import FlickrAPI, client_session, open_api
from flickr_async.errors import EXIT_INCOMPLETE, CredentialsError, FlickrAsyncError
from flickr_async.models import User
from flickr_async.ratelimit import TokenBucket
from flickr_async.settings import (
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_TOKEN_FILE,
    Settings,
    build_settings,
)

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


def configure_logging(verbose: bool) -> None:
    """Root logger to stderr, one plain line per record: DEBUG with --verbose, else WARNING."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format=LOG_FORMAT,
        stream=sys.stderr,
        force=True,  # replace handlers bound to an earlier sys.stderr (tests swap it)
    )


def run_async(coro_factory: Callable[[], Coroutine[Any, Any, T]], *, verbose: bool) -> T:
    """Run one command's coroutine in a fresh event loop and return its result.

    Errors propagate: FlickrAsyncGroup turns them into a line and an exit code. A command
    returning an exit code ends with `raise typer.Exit(run_async(...))`.
    """
    configure_logging(verbose)
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
