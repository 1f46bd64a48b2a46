"""Pipes and terminals: help at 80 columns, a reader that leaves early, NO_COLOR, --version."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from flickr_async import __version__
from flickr_async.cli import app
from flickr_async.layout import STATE_DIR
from flickr_async.state import State
from tests.e2e.helpers import FAST, ROOT, run_cli
from tests.fakeflickr import FakeFlickr

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]
ANSI = "\x1b["
# Select Graphic Rendition with a colour: 30-37/90-97 foreground, 40-47/100-107 background,
# 38;/48; extended. Cursor movement (a progress bar redrawing itself) is not colour.
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]")


def python_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "flickr_async", *args]


def test_the_commands_under_test_include_backup_and_config() -> None:
    assert {"backup", "auth", "status", "config"} <= set(COMMANDS)


@pytest.mark.parametrize("columns", ["80", "200"])
@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_fits_80_columns_and_breaks_no_word(command: list[str], columns: str) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": columns})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) > 3
    assert [line for line in lines if len(line) > 80] == []
    # A path cut at a hyphen (`$XDG_CONFIG_HOME/flickr-` / `async`) cannot be copied; an
    # English word (`byte-` / `identical`) may be, as in print.
    assert [line for line in lines if re.search(r"[/$.][-\w]*-$", line)] == []
    assert ANSI not in result.stdout


def test_help_into_a_pipe_closed_early_ends_quietly_with_status_0() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte: like `| head -0`
    try:
        proc = subprocess.run(
            python_cli("backup", "--help"),
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr.decode()) == (0, "")


def test_help_piped_into_head_exits_without_an_error() -> None:
    shell = f"{' '.join(python_cli('backup', '--help'))} | head -1; exit ${{PIPESTATUS[0]}}"
    proc = subprocess.run(
        ["bash", "-c", shell], cwd=ROOT, capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("Usage: ")
    assert proc.stderr.decode() == ""


def backup_into_a_closed_pipe(env: dict[str, str], out: Path) -> subprocess.CompletedProcess[bytes]:
    """`backup OUT 2>&1 | head -0`: stdout and stderr both a pipe whose reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            python_cli("backup", str(out), *FAST),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=write_end,
            stderr=write_end,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


def test_a_backup_whose_reader_left_finishes_with_its_own_status(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    """`flickr-async backup OUT 2>&1 | head -1`: progress and summary go unread, the archive
    is still complete and the status is the run's."""
    proc = backup_into_a_closed_pipe(env, out)
    assert proc.returncode == 0
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        assert sum(row.is_done for row in state.iter_photos()) == len(fake.library.photos)
    finally:
        state.close()


def test_an_error_whose_reader_left_keeps_its_exit_status(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    """`flickr-async backup OUT 2>&1 | head -0` with a revoked token: still exit 3, not 1."""
    fake.revoke_token(env["FLICKR_OAUTH_TOKEN"])
    proc = backup_into_a_closed_pipe(env, out)
    assert proc.returncode == 3


def test_version_prints_the_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"flickr-async {__version__}\n")


def test_a_backup_into_pipes_writes_no_escape_sequences(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    proc = subprocess.run(
        python_cli("backup", str(out), *FAST),
        cwd=ROOT,
        env={**os.environ, **env, "TERM": "xterm-256color"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("complete: ")
    assert ANSI not in proc.stdout.decode()
    assert ANSI not in proc.stderr.decode()


def test_no_color_keeps_colour_off_a_terminal(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    main, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            python_cli("backup", str(out), *FAST),
            cwd=ROOT,
            env={**os.environ, **env, "NO_COLOR": "1", "TERM": "xterm-256color"},
            stdout=terminal,
            stderr=terminal,
        )
        os.close(terminal)
        seen = read_all(main)
        assert proc.wait(timeout=120) == 0
    finally:
        os.close(main)
    assert "site:" in seen  # the run's own output came through the terminal
    assert COLOUR.findall(seen) == []


def read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def test_run_cli_sees_the_same_version_as_the_console_script(env: dict[str, str]) -> None:
    assert run_cli(env, "--version").stdout.strip() == f"flickr-async {__version__}"
