"""Typer commands: flags + env -> Settings; asyncio.run(); errors -> one line and an exit code."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def main() -> None:
    app()
