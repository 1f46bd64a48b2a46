"""`flickr-async auth` and `whoami` end to end: the real CLI against the fake Flickr."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.request
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from flickr_async import cli
from flickr_async.settings import (
    ENV_API_BASE,
    ENV_API_KEY,
    ENV_API_SECRET,
    ENV_TOKEN_FILE,
)
from tests.e2e.helpers import FLICKR_ENV
from tests.fakeflickr import FakeFlickr, generate_library, running_fake

REPO = Path(__file__).resolve().parents[2]


class Browser:
    """The account owner's browser: opening the authorize page approves the request token."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, url: str, *args: object, **kwargs: object) -> bool:
        self.opened.append(url)
        with urllib.request.urlopen(url, timeout=10) as page:  # 127.0.0.1 only
            page.read()
        return True


@pytest.fixture
def flickr() -> Iterator[FakeFlickr]:
    with running_fake(generate_library(seed=1, photos=5)) as fake:
        yield fake


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing from the developer's own Flickr setup leaks into a test."""
    for name in FLICKR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    fake_browser = Browser()
    monkeypatch.setattr(webbrowser, "open", fake_browser.open)
    return fake_browser


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "token.json"


def run_cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli.app, list(args), input=input)


def auth(
    flickr: FakeFlickr, token_path: Path, *extra: str, secret: str | None = None, verifier: str = ""
) -> Result:
    return run_cli(
        "auth",
        "--browser",
        "--api-base",
        flickr.base_url,
        "--api-key",
        flickr.api_key,
        "--api-secret",
        secret if secret is not None else flickr.api_secret,
        "--token-file",
        str(token_path),
        *extra,
        input=(verifier or flickr.verifier) + "\n",
    )


def whoami(flickr: FakeFlickr, token_path: Path, *extra: str) -> Result:
    return run_cli("whoami", "--api-base", flickr.base_url, "--token-file", str(token_path), *extra)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if "error:" in line]


# --- success --------------------------------------------------------------------------------


def test_auth_saves_a_token_and_names_the_account(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    result = auth(flickr, token_path)
    owner = flickr.library.owner
    assert result.exit_code == 0, result.output
    assert f"Authenticated as {owner.username} ({owner.nsid}); token saved to {token_path}" in (
        result.stdout
    )


def test_auth_prints_the_read_only_authorize_address(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    result = auth(flickr, token_path)
    assert browser.opened and browser.opened[0] in result.stdout
    assert "perms=read" in browser.opened[0]


def test_whoami_after_auth_shows_username_nsid_and_perms(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    auth(flickr, token_path)
    result = whoami(flickr, token_path)
    owner = flickr.library.owner
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"username: {owner.username}"
    assert f"nsid: {owner.nsid}" in result.stdout and "perms: read" in result.stdout


def test_the_token_file_is_readable_by_its_owner_only(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    auth(flickr, token_path)
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600


def test_no_secret_appears_in_the_output_even_when_verbose(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    output = auth(flickr, token_path, "--verbose").output
    output += whoami(flickr, token_path, "--verbose").output
    saved = json.loads(token_path.read_text(encoding="utf-8"))
    for secret in (flickr.api_secret, saved["oauth_token_secret"], "oauth_signature"):
        assert secret not in output


def test_a_saved_token_needs_no_key_flags_afterwards(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    auth(flickr, token_path)
    assert whoami(flickr, token_path).exit_code == 0  # key and secret come from the token file


# --- failures: one line, the right exit code, no traceback ----------------------------------


def test_a_wrong_verifier_exits_3_with_one_line_and_no_traceback(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    result = auth(flickr, token_path, verifier="000-000-000")
    assert result.exit_code == 3
    assert error_lines(result) == ["error: the verifier was not accepted: verifier_invalid"]
    assert "Traceback" not in result.output


def test_a_wrong_secret_exits_3(flickr: FakeFlickr, browser: Browser, token_path: Path) -> None:
    result = auth(flickr, token_path, secret="wrong-secret")
    assert result.exit_code == 3
    assert len(error_lines(result)) == 1 and "wrong-secret" not in result.output


def test_a_missing_key_exits_2(flickr: FakeFlickr, token_path: Path) -> None:
    result = run_cli("auth", "--api-base", flickr.base_url, "--token-file", str(token_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no Flickr API key") and "Traceback" not in result.output


def test_an_empty_stdin_is_a_one_line_error(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    result = run_cli(
        "auth",
        "--api-base",
        flickr.base_url,
        "--api-key",
        flickr.api_key,
        "--api-secret",
        flickr.api_secret,
        "--token-file",
        str(token_path),
        input="",
    )
    assert result.exit_code == 3
    assert error_lines(result) == [
        "error: no verifier code was entered; run `flickr-async auth` again"
    ]


def test_whoami_without_a_saved_token_exits_3(flickr: FakeFlickr, token_path: Path) -> None:
    result = whoami(flickr, token_path)
    assert result.exit_code == 3
    assert result.stderr == "error: no saved token: run `flickr-async auth` first\n"


def test_a_revoked_token_is_an_auth_error(
    flickr: FakeFlickr, browser: Browser, token_path: Path
) -> None:
    auth(flickr, token_path)
    flickr.revoke_token(json.loads(token_path.read_text(encoding="utf-8"))["oauth_token"])
    result = whoami(flickr, token_path)
    assert result.exit_code == 3
    assert result.stderr == (
        "error: flickr.auth.oauth.checkToken: Flickr refused the credentials "
        "(oauth_problem=token_rejected); run `flickr-async auth`\n"
    )


def test_an_unknown_option_is_a_usage_error(token_path: Path) -> None:
    assert run_cli("whoami", "--no-such-option").exit_code == 2


def auth_with_a_broken_dance(
    flickr: FakeFlickr, token_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> Result:
    """`auth` whose first OAuth step fails with an unexpected exception."""

    async def broken(*args: object) -> tuple[str, str]:
        raise ValueError("boom")

    monkeypatch.setattr("flickr_async.auth.fetch_request_token", broken)
    return run_cli(
        "auth", *extra, "--api-base", flickr.base_url, "--api-key", "k", "--api-secret", "s",
        "--token-file", str(token_path),
    )  # fmt: skip


def test_an_unexpected_exception_is_one_internal_error_line(
    flickr: FakeFlickr, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = auth_with_a_broken_dance(flickr, token_path, monkeypatch)
    assert result.exit_code == 5
    assert result.stderr == "internal error: ValueError: boom (use --verbose for details)\n"


def test_verbose_shows_the_traceback_of_an_unexpected_exception(
    flickr: FakeFlickr, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = auth_with_a_broken_dance(flickr, token_path, monkeypatch, "-v")
    assert "Traceback" in result.stderr


def test_ctrl_c_prints_interrupted_and_exits_130(
    flickr: FakeFlickr, token_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def interrupted(*args: object) -> tuple[str, str]:
        raise KeyboardInterrupt

    monkeypatch.setattr("flickr_async.auth.fetch_request_token", interrupted)
    result = run_cli(
        "auth", "--api-base", flickr.base_url, "--api-key", "k", "--api-secret", "s",
        "--token-file", str(token_path),
    )  # fmt: skip
    assert (result.exit_code, result.stderr) == (130, "interrupted\n")


@pytest.mark.parametrize("command", ["auth", "whoami"])
def test_help_names_the_environment_variable_of_every_common_option(command: str) -> None:
    result = run_cli(command, "--help")
    for name in (ENV_API_KEY, ENV_API_SECRET, ENV_TOKEN_FILE, ENV_API_BASE):
        assert name in result.stdout


# --- the real process -------------------------------------------------------------------------


def test_python_m_flickr_async_auth_runs_the_dance_in_a_real_process(
    flickr: FakeFlickr, tmp_path: Path, token_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in FLICKR_ENV}
    env.update({ENV_API_KEY: flickr.api_key, ENV_API_SECRET: flickr.api_secret})
    process = subprocess.Popen(
        [sys.executable, "-m", "flickr_async", "auth", "--api-base", flickr.base_url,
         "--token-file", str(token_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=REPO, env=env,
    )  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    # Act as the user: read the address, "open" it, then paste the verifier.
    for line in process.stdout:
        if "/oauth/authorize?" in line:
            Browser().open(line.strip())
            break
    stdout, stderr = process.communicate(flickr.verifier + "\n", timeout=60)
    assert process.returncode == 0, stderr
    assert "Authenticated as" in stdout and token_path.exists()
