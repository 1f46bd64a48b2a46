"""The command line tells the truth: every command takes --config (and --profile where it has
an OUT), a profile's mistakes are found when the file is read and named by file and line, help
texts say what each command does with OUT, and counts of one are singular."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flickr_async.cli import app
from tests.e2e.helpers import FAST, FLICKR_ENV, ROOT, run_cli
from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake

# Every command; those that work on an archive take OUT, or --profile's `out` instead.
COMMANDS = (
    "auth", "whoami", "backup", "import", "config", "verify", "status", "reshape", "site"
)  # fmt: skip
WITH_OUT = ("backup", "config", "verify", "status", "reshape", "site")
NEVER_CREATE_OUT = ("config", "verify", "status", "reshape", "site")


def help_of(command: str) -> str:
    result = run_cli({"COLUMNS": "80"}, command, "--help")
    assert result.code == 0, result.stderr
    return " ".join(result.stdout.split())  # one line: the wrapping is the terminal's


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_a_config_file(command: str) -> None:
    assert "--config <file>" in help_of(command)


@pytest.mark.parametrize("command", WITH_OUT)
def test_every_command_with_an_archive_takes_a_profile(command: str) -> None:
    text = help_of(command)
    assert "--profile NAME" in text and "[OUT]" in text


@pytest.mark.parametrize("command", NEVER_CREATE_OUT)
def test_a_command_that_refuses_a_missing_out_does_not_say_it_creates_one(command: str) -> None:
    text = help_of(command)
    assert "Created if missing" not in text
    assert "never creates it" in text


def test_backup_says_it_creates_out() -> None:
    assert "Created if missing" in help_of("backup")


@pytest.mark.parametrize("command", ["verify", "status", "reshape", "site"])
def test_the_commands_that_never_create_out_refuse_a_missing_one(
    command: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nothing-here"
    result = run_cli({"XDG_CONFIG_HOME": str(tmp_path)}, command, str(missing))
    assert result.code == 2, (result.stdout, result.stderr)
    assert result.stderr == (
        f"error: {missing} is not a flickr-async archive (no .flickr-async/state.sqlite3)\n"
    )
    assert not missing.exists()


@pytest.mark.parametrize("command", ["verify", "status", "reshape", "site"])
def test_the_offline_commands_say_in_one_line_that_a_folder_is_no_archive(
    command: str, tmp_path: Path
) -> None:
    plain = tmp_path / "photos"
    (plain / "Holiday").mkdir(parents=True)
    result = run_cli({"XDG_CONFIG_HOME": str(tmp_path)}, command, str(plain))
    assert result.code == 2, (result.stdout, result.stderr)
    assert result.stderr == (
        f"error: {plain} is not a flickr-async archive (no .flickr-async/state.sqlite3)\n"
    )
    assert sorted(p.name for p in plain.rglob("*")) == ["Holiday"]  # nothing written


# --- a config file with profiles ------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "xdg"


@pytest.fixture
def only_the_file(fake: FakeFlickr, home: Path) -> dict[str, str | None]:
    """The fake's account in the environment; the archive folders from the config file."""
    env: dict[str, str | None] = {**dict.fromkeys(FLICKR_ENV), **fake.cli_env(home)}
    return env


def write_config(home: Path, text: str) -> Path:
    path = home / "flickr-async" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def cli(env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    result = run_cli(env, *args)  # type: ignore[arg-type]  # None unsets a variable
    return result.code, result.stdout, result.stderr


def test_reshape_and_site_find_the_profiles_archive(
    home: Path, tmp_path: Path, only_the_file: dict[str, str | None]
) -> None:
    archive = tmp_path / "family"
    write_config(
        home,
        f'api-rate = 1000\nmax-retry-wait = 0.05\n[profiles.family]\nout = "{archive}"\n',
    )
    code, _, err = cli(only_the_file, "backup", "--profile", "family", "--quiet")
    assert code == 0, err
    code, out, err = cli(only_the_file, "reshape", "--profile", "family", "--layout", "flat")
    assert code == 0, err
    assert "now --layout flat" in out and not (archive / "Unsorted").exists()
    code, out, err = cli(only_the_file, "site", "--profile", "family")
    assert code == 0, err
    assert out.strip().endswith(str(archive / "index.html"))


def test_reshape_and_site_read_the_config_file_named_by_config(
    tmp_path: Path, only_the_file: dict[str, str | None]
) -> None:
    archive = tmp_path / "named"
    other = tmp_path / "elsewhere.toml"
    other.write_text(f'out = "{archive}"\napi-rate = 1000\n', encoding="utf-8")
    assert cli(only_the_file, "backup", "--config", str(other), "--quiet")[0] == 0
    code, out, err = cli(only_the_file, "reshape", "--config", str(other), "--links", "symlink")
    assert code == 0, err
    assert "--links symlink" in out
    code, _, err = cli(only_the_file, "site", "--config", str(other), "--quiet")
    assert code == 0, err


def test_a_broken_profile_no_command_uses_stops_every_command_with_its_line(
    home: Path, tmp_path: Path, only_the_file: dict[str, str | None]
) -> None:
    path = write_config(
        home,
        f'[profiles.good]\nout = "{tmp_path / "good"}"\n\n'
        f'[profiles.broken]\nout = "{tmp_path / "broken"}"\napi-rate = -1\n',
    )
    for args in (
        ("config", "--profile", "good"),
        ("config", "--profile", "broken"),
        ("status", "--profile", "good"),
        ("site", "--profile", "good"),
        ("reshape", "--profile", "good"),
    ):
        code, _, err = cli(only_the_file, *args)
        assert code == 2, args
        assert err == (
            f"error: {path}:6: api-rate: must be a positive number of calls per second\n"
        ), args


def test_config_of_a_profile_without_out_exits_2_naming_its_table(
    home: Path, only_the_file: dict[str, str | None]
) -> None:
    path = write_config(home, 'concurrency = 2\n\n[profiles.broken]\nmetadata = "list"\n')
    code, out, err = cli(only_the_file, "config", "--profile", "broken")
    assert code == 2
    assert 'metadata = "list"' in out  # what it would use is still shown
    assert err == (
        f'error: {path}:3: [profiles.broken] has no out: give OUT, or add out = "..." '
        "to the profile\n"
    )
    code, _, err = cli(only_the_file, "backup", "--profile", "broken")
    assert code == 2 and f"{path}:3: [profiles.broken] has no out" in err


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('out = ""\n', 1, "out: must not be empty"),
        ("api-rate = 2\napi_rate = 3\n", 2, "api_rate: given twice in one table, as api-rate"),
        ('[profiles.p]\nout = "/x"\napi-rate = inf\n', 3, "api-rate: must be a finite number"),
    ],
)
def test_the_files_mistakes_are_one_line_with_their_place(
    home: Path, only_the_file: dict[str, str | None], text: str, line: int, message: str
) -> None:
    path = write_config(home, text)
    code, _, err = cli(only_the_file, "config")
    assert code == 2
    assert err.startswith(f"error: {path}:{line}: {message}") and err.count("\n") == 1


# --- one of a thing is singular -------------------------------------------------------------


@pytest.fixture
def one_video() -> Iterator[FakeFlickr]:
    with running_fake(generate_library(seed=2, photos=0, videos=1, albums=1)) as fake:
        yield fake


def test_counts_of_one_are_singular(one_video: FakeFlickr, tmp_path: Path) -> None:
    env = one_video.cli_env(tmp_path / "home")
    out = tmp_path / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--quiet").code == 0
    status = run_cli(env, "status", str(out)).stdout
    assert "archived: 1 item (1 video," in status and " of 1 on Flickr" in status
    reshaped = run_cli(env, "reshape", str(out), "--layout", "flat")
    assert reshaped.code == 0, reshaped.stderr
    assert "reshaped: 1 item moved," in reshaped.stdout
    site = run_cli(env, "site", str(out), "--full").stdout
    assert "site: 1 item;" in site


def test_a_summary_with_one_api_call_is_singular(library: Library) -> None:
    from flickr_async.progress import summary_lines

    summary = {
        "result": "complete",
        "downloaded": 1,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "bytes_downloaded": 10,
        "api_calls": 1,
        "elapsed_seconds": 0.1,
        "account_count": 1,
        "listed": 1,
        "awaiting_deep_metadata": 1,
        "replaced": 1,
        "deleted_on_flickr": 1,
    }
    text = "\n".join(summary_lines(summary))
    assert "1 API call," in text and "listed 1 of 1 photo on Flickr" in text
    assert "1 photo waits for deep metadata" in text
    assert "1 original replaced" in text and "1 photo deleted on Flickr" in text
    assert "1 photos" not in text and "1 originals" not in text


def test_the_app_lists_every_command_this_file_checks() -> None:
    names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    assert names == set(COMMANDS)


def test_the_help_lists_the_commands_first_things_first() -> None:
    # In its own interpreter: the order must not hang on which module a caller imports first.
    help_text = subprocess.run(
        [sys.executable, "-m", "flickr_async", "--help"],
        cwd=ROOT, env={**os.environ, "COLUMNS": "80"}, capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    commands = help_text.split("Commands:\n", 1)[1]
    listed = [line.split()[0] for line in commands.splitlines() if line.strip()]
    assert listed == [
        "auth", "whoami", "backup", "verify", "status", "config", "import", "reshape", "site"
    ]  # fmt: skip


# --- the commands the README and the demo show run where they say -------------------------------

CRON_PATH = "/usr/bin:/bin"  # what cron gives a job


def test_the_readme_cron_lines_call_the_command_by_its_full_path() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in readme.split("```cron\n")[1:]]
    lines = [ln for block in blocks for ln in block.splitlines() if ln and ln[0] != "#"]
    assert lines
    for line in lines:
        command = line.split()[5]  # after the five time fields
        assert command.startswith("/") and command.endswith("/flickr-async"), line


def test_the_demo_shows_commands_that_run_from_where_it_is_run(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    demo = subprocess.run(
        [sys.executable, "-m", "tests.fakeflickr.demo", "--out", str(out), "--photos", "3",
         "--videos", "0", "--albums", "1", "--", *FAST, "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    shown = re.findall(r"`([^`]*(?:status|verify) [^`]*)`", demo.stdout)
    assert len(shown) == 2, demo.stdout
    for command in shown:
        ran = subprocess.run(
            shlex.split(command),
            cwd=ROOT,
            env={**os.environ, "PATH": CRON_PATH},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ran.returncode == 0, (command, ran.stderr)


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--api-rate", "inf", "--api-rate must be a positive number"),
        ("--api-rate", "nan", "--api-rate must be a positive number"),
        ("--api-rate", "-1", "--api-rate must be a positive number"),
        ("--api-rate", "0", "--api-rate must be a positive number"),
        ("--max-retry-wait", "nan", "Invalid value for '--max-retry-wait'"),  # click's own
        ("--max-retry-wait", "inf", "--max-retry-wait must be a number of seconds"),
    ],
)
def test_a_rate_or_wait_that_is_no_finite_positive_number_is_refused_before_any_call(
    fake: FakeFlickr, env: dict[str, str], out: Path, flag: str, value: str, message: str
) -> None:
    result = run_cli(env, "backup", str(out), flag, value)
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert fake.counters.total_api_calls == 0 and not out.exists()


def test_each_command_s_report_help_says_what_its_report_holds() -> None:
    backup = help_of("backup")
    assert "Written however the run ends" in backup and "export" not in backup
    assert "every photo whose file the export lacks" in help_of("import")
