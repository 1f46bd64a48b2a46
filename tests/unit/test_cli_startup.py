"""What starting the CLI loads: offline commands never pay for the network or the progress bar.

Each check runs in a fresh interpreter: this one has imported everything already. The site's
worker processes are forked from the CLI process, so whatever the start imports is counted
again in every worker's memory.
"""

from __future__ import annotations

from tests.freshimport import loaded_after

# aiohttp builds TLS contexts as it is imported (~0.3 s, ~15 MiB); rich only draws the bar.
ONLY_FOR_FLICKR = ("aiohttp", "authlib", "rich")


def test_the_cli_and_the_site_load_neither_aiohttp_nor_authlib_nor_rich() -> None:
    assert loaded_after("import flickr_async.cli\nimport flickr_async.site", ONLY_FOR_FLICKR) == []


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
    assert loaded_after(every_help, ONLY_FOR_FLICKR) == []


def test_reading_the_saved_token_with_the_settings_loads_no_network_code() -> None:
    # settings reads the token file (tokenfile.py); the OAuth dance (auth.py) is not needed.
    resolve = (
        "from pathlib import Path\n"
        "from flickr_async.settings import resolve_settings\n"
        "resolve_settings({}, token_file=Path('no-such-folder/token.json'))"
    )
    assert loaded_after(resolve, ONLY_FOR_FLICKR) == []


def test_a_quiet_backup_shows_no_progress_and_never_loads_rich() -> None:
    # A cron run (--quiet) pays nothing for the bar it does not draw (issue 20 item 4).
    quiet_progress = """
import asyncio
from flickr_async.cli.backup import progress_display
from flickr_async.jobs import Stats
async def run() -> None:
    async with progress_display(Stats(), quiet=True):
        pass
asyncio.run(run())
"""
    assert loaded_after(quiet_progress, ("rich",)) == []
