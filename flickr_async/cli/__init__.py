"""The command line: typer commands; flags + env -> Settings; asyncio.run(); errors -> exit codes.

Only this package talks to the terminal. `app` is the typer application; each module adds its
commands to it on import.
"""

from flickr_async.cli import (  # noqa: F401  (they register commands)
    archive,
    auth,
    backup,
    config,
    importcmd,
    reshape,
    site,
)
from flickr_async.cli.app import app, main

__all__ = ["app", "main"]
