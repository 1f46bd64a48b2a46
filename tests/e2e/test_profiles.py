"""The config file end to end: profiles for two fake Flickr accounts, --all-profiles, `auth
--profile`, `config`, and the file's mistakes as one line."""

from __future__ import annotations

import json
import stat
import urllib.request
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest

from flickr_async.layout import STATE_DIR
from flickr_async.settings import (
    ENV_API_BASE,
)
from flickr_async.state import State
from flickr_async.tokenfile import Token, load_token, save_token
from tests.e2e.helpers import FLICKR_ENV, Run, run_cli
from tests.fakeflickr import FakeFlickr, generate_library, running_fake
from tests.fakeflickr.model import FakeOwner

WORK_OWNER = FakeOwner(nsid="11223344@N05", username="work-account", path_alias="workacct")


@pytest.fixture
def work() -> Iterator[FakeFlickr]:
    """A second Flickr account, with its own photos, albums and owner."""
    library = generate_library(seed=7, photos=9, videos=1, albums=2, owner=WORK_OWNER)
    with running_fake(library) as fake:
        yield fake


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "xdg"


@pytest.fixture
def profile_env(home: Path) -> dict[str, str | None]:
    """Only XDG_CONFIG_HOME: every account, key and archive comes from the config file."""
    return {"XDG_CONFIG_HOME": str(home), **dict.fromkeys(FLICKR_ENV)}


def authorise(fake: FakeFlickr, path: Path) -> None:
    """What `flickr-async auth --profile NAME` leaves behind for `fake`'s owner."""
    token, secret = fake.issue_access_token()
    save_token(path, Token(token, secret, api_key=fake.api_key, api_secret=fake.api_secret))


@pytest.fixture
def config_file(home: Path, tmp_path: Path, fake: FakeFlickr, work: FakeFlickr) -> Path:
    """Two profiles: family (the token in its default place) and work (a token-file key)."""
    authorise(fake, home / "flickr-async" / "profiles" / "family" / "token.json")
    authorise(work, home / "flickr-async" / "work-token.json")
    path = home / "flickr-async" / "config.toml"
    path.write_text(
        f"""\
# defaults for every profile
api-rate = 1000
max-retry-wait = 0.05
concurrency = 4

[profiles.family]
out = "{tmp_path / "family"}"
api-base = "{fake.base_url}"

[profiles.work]
out = "{tmp_path / "work"}"
api-base = "{work.base_url}"
token-file = "work-token.json"  # beside this file
metadata = "basic"
""",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def archived_ids(out: Path) -> set[str]:
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        return {row.id for row in state.iter_photos() if row.is_done}
    finally:
        state.close()


def remembered(out: Path) -> dict[str, object]:
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        return dict(json.loads(state.get_meta("options") or "{}"))
    finally:
        state.close()


def cli(env: dict[str, str | None], *args: str) -> Run:
    return run_cli(env, *args)  # type: ignore[arg-type]  # None unsets a variable


# --- --all-profiles ---------------------------------------------------------------------------


def test_all_profiles_backs_up_two_accounts_into_two_archives(
    fake: FakeFlickr,
    work: FakeFlickr,
    config_file: Path,
    profile_env: dict[str, str | None],
    tmp_path: Path,
) -> None:
    result = cli(profile_env, "backup", "--all-profiles")
    assert result.code == 0, result.stderr
    assert archived_ids(tmp_path / "family") == {p.id for p in fake.library.photos}
    assert archived_ids(tmp_path / "work") == {p.id for p in work.library.photos}
    assert (
        remembered(tmp_path / "family")["metadata"],
        remembered(tmp_path / "work")["metadata"],
    ) == (
        "deep",
        "basic",
    )
    lines = result.stdout.splitlines()
    family, work_header = lines.index("== profile family =="), lines.index("== profile work ==")
    assert family < work_header
    assert sum(line.startswith("complete: ") for line in lines) == 2  # one report each
    assert lines[-1] == "profiles: family complete, work complete"


def test_a_profile_with_a_broken_token_does_not_stop_the_others(
    fake: FakeFlickr,
    work: FakeFlickr,
    config_file: Path,
    profile_env: dict[str, str | None],
    tmp_path: Path,
) -> None:
    token = load_token(config_file.parent / "profiles" / "family" / "token.json")
    assert token is not None
    fake.revoke_token(token.oauth_token)
    result = cli(profile_env, "backup", "--all-profiles")
    assert result.code == 3  # the worst of theirs: an authentication error
    assert archived_ids(tmp_path / "work") == {p.id for p in work.library.photos}
    assert result.stderr.startswith("error: profile family: flickr.test.login: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1] == "profiles: family exit 3, work complete"


def test_one_profile_backs_up_only_its_own_account(
    work: FakeFlickr, config_file: Path, profile_env: dict[str, str | None], tmp_path: Path
) -> None:
    result = cli(profile_env, "backup", "--profile", "work", "--quiet")
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert archived_ids(tmp_path / "work") == {p.id for p in work.library.photos}
    assert not (tmp_path / "family").exists()


def test_the_environment_beats_the_profile(
    work: FakeFlickr, config_file: Path, profile_env: dict[str, str | None], tmp_path: Path
) -> None:
    """FLICKR_API_BASE points every profile elsewhere: the environment wins."""
    env = {**profile_env, ENV_API_BASE: "http://127.0.0.1:9"}  # nothing listens there
    result = cli(env, "backup", "--profile", "work", "--max-retry-wait", "0")
    assert result.code == 5  # Flickr unreachable: the run could not do its job
    assert not (tmp_path / "work").exists() or not archived_ids(tmp_path / "work")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all-profiles", "--profile", "work"], "takes no --profile"),
        (["--all-profiles", "somewhere"], "takes no OUT"),
        (["--profile", "holiday"], "no profile 'holiday'"),
    ],
)
def test_profile_mistakes_are_one_line_and_exit_2(
    config_file: Path, profile_env: dict[str, str | None], args: list[str], message: str
) -> None:
    result = cli(profile_env, "backup", *args)
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr


# --- the file's own mistakes ------------------------------------------------------------------


def test_an_unknown_key_names_file_line_and_key_and_exits_2(
    config_file: Path, profile_env: dict[str, str | None]
) -> None:
    text = config_file.read_text()
    config_file.write_text(text.replace('metadata = "basic"', 'metdata = "basic"'))
    line = text.splitlines().index('metadata = "basic"') + 1
    result = cli(profile_env, "backup", "--all-profiles")
    assert result.code == 2
    assert result.stderr == f"error: {config_file}:{line}: metdata: unknown key\n"


def test_a_wrong_type_names_file_line_and_key_and_exits_2(
    config_file: Path, profile_env: dict[str, str | None]
) -> None:
    config_file.write_text(config_file.read_text().replace("concurrency = 4", 'concurrency = "4"'))
    result = cli(profile_env, "config")
    assert result.code == 2
    assert result.stderr == f"error: {config_file}:4: concurrency: must be a whole number\n"


def test_a_config_file_named_but_missing_is_an_error(profile_env: dict[str, str | None]) -> None:
    result = cli(profile_env, "backup", "--config", "/nonexistent/config.toml", "--all-profiles")
    assert result.code == 2
    assert "config file /nonexistent/config.toml does not exist" in result.stderr


def test_a_secret_in_a_file_others_can_read_is_a_warning(
    config_file: Path, profile_env: dict[str, str | None]
) -> None:
    config_file.write_text('api-secret = "s3cr3t-value"\n' + config_file.read_text())
    config_file.chmod(0o644)
    result = cli(profile_env, "config", "--profile", "family")
    assert result.code == 0
    assert result.stderr == (
        f"warning: {config_file} holds api-secret and others may read it (mode 0644): "
        f"chmod 600 {config_file}\n"
    )
    assert "s3cr3t" not in result.stdout
    config_file.chmod(0o600)
    assert cli(profile_env, "config", "--profile", "family").stderr == ""


# --- config and auth --------------------------------------------------------------------------


def test_config_shows_each_value_with_its_source_and_masks_secrets(
    fake: FakeFlickr, config_file: Path, profile_env: dict[str, str | None], tmp_path: Path
) -> None:
    result = cli(profile_env, "config", "--profile", "work")
    assert result.code == 0, result.stderr
    shown = {
        line.split(" = ")[0]: (line.split(" = ")[1].split("  #")[0].strip(), line.split("# ")[1])
        for line in result.stdout.splitlines()
        if " = " in line
    }
    assert shown["out"] == (f'"{tmp_path / "work"}"', "profile")
    assert shown["metadata"] == ('"basic"', "profile")
    assert shown["api-rate"] == ("1000.0", "config")
    assert shown["layout"] == ('"albums"', "default")
    assert shown["api-key"] == (f'"{fake.api_key}"', "token file")
    assert shown["api-secret"] == ("(set)", "token file")
    assert shown["oauth-token"] == ("(set)", "token file")
    assert fake.api_secret not in result.stdout


class Browser:
    """The account owner's browser: opening the authorize page approves the request token."""

    def open(self, url: str, *args: object, **kwargs: object) -> bool:
        with urllib.request.urlopen(url, timeout=10) as page:  # 127.0.0.1 only
            page.read()
        return True


def test_auth_with_a_profile_saves_that_profiles_token_privately(
    work: FakeFlickr,
    config_file: Path,
    profile_env: dict[str, str | None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webbrowser, "open", Browser().open)
    token_file = config_file.parent / "work-token.json"
    token_file.unlink()
    result = run_cli_with_input(
        profile_env,
        work.verifier + "\n",
        "auth",
        "--browser",
        "--profile",
        "work",
        "--api-key",
        work.api_key,
        "--api-secret",
        work.api_secret,
    )
    assert result.code == 0, result.stderr
    assert f"token saved to {token_file}" in result.stdout
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    whoami = cli(profile_env, "whoami", "--profile", "work")
    assert whoami.stdout.splitlines()[0] == f"username: {WORK_OWNER.username}"


def run_cli_with_input(env: dict[str, str | None], stdin: str, *args: str) -> Run:
    from typer.testing import CliRunner

    from flickr_async.cli import app

    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return Run(result.exit_code, result.stdout, result.stderr)


# --- an archive's shape -----------------------------------------------------------------------


def test_a_config_default_does_not_reshape_an_existing_archive_but_its_profile_does(
    config_file: Path, profile_env: dict[str, str | None], tmp_path: Path
) -> None:
    assert cli(profile_env, "backup", "--profile", "family", "--metadata", "basic").code == 0
    text = config_file.read_text()
    config_file.write_text('metadata = "list"\nexif = false\n' + text)
    assert cli(profile_env, "backup", "--profile", "family", "--quiet").code == 0
    shape = remembered(tmp_path / "family")
    assert (shape["metadata"], shape["exif"]) == ("basic", True)  # the archive's own
    config_file.write_text(
        text.replace("[profiles.family]\n", '[profiles.family]\nmetadata = "list"\n')
    )
    assert cli(profile_env, "backup", "--profile", "family", "--quiet").code == 0
    assert remembered(tmp_path / "family")["metadata"] == "list"  # its profile said so


def test_an_archive_from_before_names_and_links_keeps_running_under_their_config_defaults(
    config_file: Path, profile_env: dict[str, str | None], tmp_path: Path
) -> None:
    assert cli(profile_env, "backup", "--profile", "family", "--quiet").code == 0
    out = tmp_path / "family"
    state = State(out / STATE_DIR / "state.sqlite3")
    try:  # as an archive made before --names/--links remembers itself
        old = {k: v for k, v in remembered(out).items() if k not in ("names", "links")}
        state.set_meta({"options": json.dumps(old)})
    finally:
        state.close()
    text = config_file.read_text()
    config_file.write_text('names = "{title} ({id})"\nlinks = "copy"\n' + text)
    result = cli(profile_env, "backup", "--profile", "family", "--quiet")
    assert result.code == 0, result.stdout + result.stderr  # not "run reshape first"
    assert (remembered(out)["names"], remembered(out)["links"]) == ("{id}", "hardlink")


def test_a_new_archive_takes_its_shape_from_the_config_defaults(
    config_file: Path, profile_env: dict[str, str | None], tmp_path: Path
) -> None:
    config_file.write_text("exif = false\n" + config_file.read_text())
    assert cli(profile_env, "backup", "--profile", "family", "--quiet").code == 0
    assert remembered(tmp_path / "family")["exif"] is False


def test_status_and_verify_find_a_profiles_archive(
    work: FakeFlickr, config_file: Path, profile_env: dict[str, str | None]
) -> None:
    assert cli(profile_env, "backup", "--profile", "work", "--quiet").code == 0
    status = cli(profile_env, "status", "--profile", "work", "--json")
    assert status.code == 0, status.stderr
    assert json.loads(status.stdout)["archived"] == len(work.library.photos)
    verify = cli(profile_env, "verify", "--profile", "work", "--quick")
    assert (verify.code, verify.stdout) == (0, "archive intact\n")


def test_a_command_without_out_or_profile_says_what_is_missing(
    config_file: Path, profile_env: dict[str, str | None]
) -> None:
    result = cli(profile_env, "status")
    assert result.code == 2
    assert result.stderr == (
        'error: no archive folder: give OUT, or set out = "..." in the config file\n'
    )
