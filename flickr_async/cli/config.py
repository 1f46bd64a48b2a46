"""`config`: the settings a backup would use, where each comes from, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from flickr_async.cli.app import (
    ConfigOption,
    ProfileOption,
    VerboseOption,
    app,
    load_config_file,
    resolve_from_options,
)
from flickr_async.cli.backup import archive_options
from flickr_async.cli.options import ExistingOptionalOutArgument, missing_out
from flickr_async.config import KEYS
from flickr_async.settings import Resolved


@app.command()
def config(
    out: ExistingOptionalOutArgument = None,
    profile: ProfileOption = None,
    all_profiles: Annotated[
        bool, typer.Option("--all-profiles", help="Show every profile of the config file.")
    ] = False,
    config_file: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Print the settings `backup` would use, each with where it comes from: flag, env,
    profile, archive, config (the file's defaults), token file or default.

    Secrets are shown as (set) or (not set), never their value. The lines read like the
    config file itself; see docs/configuration.md.

    Exit status: 0 the settings are usable, 2 the config file has a mistake (named by file,
    line and key) or a profile names no archive folder.
    """
    loaded = load_config_file(config_file)
    typer.echo(f"# config file: {loaded.path if loaded else '(none)'}")
    names: list[str | None] = [profile]
    if all_profiles:
        names = list(loaded.profiles) if loaded else []
    missing: list[str] = []  # profiles without an archive folder
    for name in names:
        resolved = resolve_from_options(
            None,
            None,
            None,
            None,
            verbose,
            config=loaded,
            profile=name,
            out=out,
            use_saved_token=False,  # show what there is, even beside a damaged token file
            remembered=archive_options,
        )
        if name is not None:
            typer.echo(f"\n[profiles.{name}]" if all_profiles else f"# profile: {name}")
        for line in settings_lines(resolved):
            typer.echo(line)
        if name is not None and resolved.settings.out is None:
            missing.append(name)
    if missing:  # a backup of that profile would stop: so does this, naming the table
        raise missing_out(loaded, missing[0])


def settings_lines(resolved: Resolved) -> list[str]:
    """`key = value  # source` for every key the config file takes, secrets masked."""
    settings = resolved.settings
    rows = []
    for name, key in KEYS.items():
        if not hasattr(settings, key.field):  # a key for an option this version lacks
            continue
        value = getattr(settings, key.field)
        shown = ("(set)" if value else "(not set)") if key.secret else _toml(value)
        rows.append((f"{name} = {shown}", resolved.sources.get(key.field, "default")))
    width = max(len(text) for text, _ in rows)
    return [f"{text.ljust(width)}  # {source}" for text, source in rows]


def _toml(value: object) -> str:
    if value is None or value == "":
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)
    return str(value)
