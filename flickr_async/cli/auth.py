"""`auth` and `whoami`: the OAuth dance and the saved token.

aiohttp and authlib (flickr_async.auth, flickr_async.api) are imported by the functions that
talk to Flickr: every command's start imports this module, and most commands never need them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

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
    run_async,
    settings_from_options,
)
from flickr_async.errors import CredentialsError
from flickr_async.models import User
from flickr_async.settings import Settings
from flickr_async.tokenfile import save_token


def _account_settings(
    profile: str | None,
    config_file: Path | None,
    api_key: str | None,
    api_secret: str | None,
    token_file: Path | None,
    api_base: str | None,
    verbose: bool,
    *,
    use_saved_token: bool = True,
) -> Settings:
    """The settings of `auth` and `whoami`: their shared options, the config file's profile."""
    return settings_from_options(
        api_key,
        api_secret,
        token_file,
        api_base,
        verbose,
        use_saved_token=use_saved_token,
        config_file=config_file,
        profile=profile,
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
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Let flickr-async read your Flickr account (OAuth, read-only) and save the token."""
    from flickr_async import auth as oauth

    settings = _account_settings(
        profile, config_file, api_key, api_secret, token_file, api_base, verbose,
        use_saved_token=False,  # it is about to be replaced, and may be the damaged one
    )  # fmt: skip
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
    from flickr_async import auth as oauth
    from flickr_async.api import client_session

    async with client_session(settings) as session:
        return await oauth.fetch_request_token(settings, session)


async def _exchange(
    settings: Settings, request_token: str, request_secret: str, verifier: str
) -> User:
    """Trade the verifier for the access token, save it, then prove it works."""
    from flickr_async import auth as oauth
    from flickr_async.api import FlickrAPI, api_limiter, client_session

    async with client_session(settings) as session:
        token = await oauth.fetch_access_token(
            settings, session, request_token, request_secret, verifier
        )
        await asyncio.to_thread(save_token, settings.token_file, token)
        authorised = replace(
            settings, oauth_token=token.oauth_token, oauth_token_secret=token.oauth_token_secret
        )
        api = FlickrAPI(authorised, session, api_limiter(settings))
        return await api.test_login()


def _open_browser(url: str) -> None:
    import webbrowser  # only `auth` needs it: not loaded by every other command

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
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Show which Flickr account the saved token belongs to, and its permissions."""
    settings = _account_settings(
        profile, config_file, api_key, api_secret, token_file, api_base, verbose
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
    from flickr_async.api import open_api

    async with open_api(settings) as api:
        return await api.auth_oauth_check_token()
