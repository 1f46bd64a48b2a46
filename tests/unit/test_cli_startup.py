"""What starting the CLI loads: offline commands never pay for the network or the progress bar.

Each check runs in a fresh interpreter: this one has imported everything already. The site's
worker processes are forked from the CLI process, so whatever the start imports is counted
again in every worker's memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# aiohttp builds TLS contexts as it is imported (~0.3 s, ~15 MiB); rich only draws the bar.
ONLY_FOR_FLICKR = ("aiohttp", "authlib", "rich")


def loaded_after(code: str) -> list[str]:
    """Which of ONLY_FOR_FLICKR a fresh `python -c` has imported once `code` has run."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps([name for name in {ONLY_FOR_FLICKR!r} if name in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_the_cli_and_the_site_load_neither_aiohttp_nor_authlib_nor_rich() -> None:
    assert loaded_after("import flickr_async.cli\nimport flickr_async.site") == []


def test_every_commands_help_works_in_a_fresh_process_without_them() -> None:
    every_help = """
from typer.main import get_command
from typer.testing import CliRunner
from flickr_async.cli import app
names = sorted(get_command(app).commands)
assert {"auth", "backup", "site", "status", "verify"} <= set(names), names
for name in names:
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout, (name, result.output)
"""
    assert loaded_after(every_help) == []


def test_a_quiet_backup_shows_no_progress_and_never_loads_rich() -> None:
    # A cron run (--quiet) pays nothing for the bar it does not draw (issue 20 item 4).
    quiet_progress = """
import asyncio
from flickr_async.cli.backup import _progress
from flickr_async.jobs import Stats
async def run() -> None:
    async with _progress(Stats(), quiet=True):
        pass
asyncio.run(run())
"""
    assert "rich" not in loaded_after(quiet_progress)
