"""The typer options and arguments several commands share, and which archive a command works
on (borg's archiver/_common.py). The options every command takes (--config, --profile,
--verbose, the credentials) live with the app in cli/app.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flickr_async.config import Config
from flickr_async.errors import ConfigError

OptionalOutArgument = Annotated[
    Path | None,
    typer.Argument(
        help=(
            "The archive folder. Created if missing; its state is kept in a .flickr-async "
            "folder inside. Default: out in the config file (its profile with --profile)."
        ),
        metavar="OUT",
        file_okay=False,
        show_default=False,
    ),
]
# Every command but `backup` works on an archive `backup` made: none creates OUT.
ExistingOptionalOutArgument = Annotated[
    Path | None,
    typer.Argument(
        help=(
            "The archive folder, made by `backup` (this command never creates it). Default: "
            "out in the config file (its profile with --profile)."
        ),
        metavar="OUT",
        file_okay=False,
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help=(
            "Print nothing unless something failed (for cron). A backup then prints its "
            "summary: the first 20 failures by name and a count of the rest."
        ),
    ),
]


ConcurrencyOption = Annotated[
    int,
    typer.Option("--concurrency", "-c", min=1, max=64, help="Files downloaded at the same time."),
]
ApiRateOption = Annotated[
    float,
    typer.Option(
        "--api-rate",
        help=(
            "API calls per second, all stages together. Flickr allows 3,600 per hour per key, "
            "shared by everyone using the key. File downloads do not count."
        ),
    ),
]
MaxApiCallsOption = Annotated[
    int | None,
    typer.Option(
        "--max-api-calls",
        min=1,
        help=(
            "Make no more than this many API calls, listings and retries included (a bounded "
            "nightly run on a huge account). The listings go first; files listed still "
            "download; what is left waits for the next run. Exit status 0 when only deep "
            "metadata is left. Default: no limit."
        ),
        show_default=False,
    ),
]
FullListingEveryOption = Annotated[
    float | None,
    typer.Option(
        "--full-listing-every",
        min=0.0,
        metavar="DAYS",
        help=(
            "A sync asks Flickr only what changed since the last run while the last full "
            "listing of the photostream is younger than this many days (deletions are found "
            "by the full listing). 0: list everything every run. Default: what this archive "
            "uses, else 7."
        ),
        show_default=False,
    ),
]
FullListingOption = Annotated[
    bool,
    typer.Option(
        "--full-listing",
        help="List the whole photostream this run, whatever --full-listing-every says.",
    ),
]
MaxRetryWaitOption = Annotated[
    float,
    typer.Option(
        "--max-retry-wait",
        min=0.0,
        help="Longest single wait, in seconds, before retrying a failed request.",
    ),
]
LayoutOption = Annotated[
    str | None,
    typer.Option(
        "--layout",
        help=(
            "albums: OUT/<album>/<name>, photos in several albums linked (--links), the rest "
            "in OUT/Unsorted/. flat: OUT/<name>. date: OUT/YYYY/MM/<name> by date taken "
            "(else uploaded; OUT/undated/ without either), no album folders. Default: what "
            "this archive uses, else albums; `reshape` changes it."
        ),
        show_default=False,
    ),
]
NamesOption = Annotated[
    str | None,
    typer.Option(
        "--names",
        help=(
            "File name template; the extension is added. Fields: {id} (required, first or "
            "last), {title}, {date_taken:%Y-%m-%d}, {date_upload:%Y-%m-%d}, {media}. E.g. "
            "'{date_taken:%Y-%m-%d} {title} ({id})'. Default: what this archive uses, else "
            "'{id}'; `reshape` changes it."
        ),
        show_default=False,
    ),
]
LinksOption = Annotated[
    str | None,
    typer.Option(
        "--links",
        help=(
            "How --layout albums makes a photo's copies in its other albums: hardlink (one "
            "file on disk; a copy where the disk has no links), symlink (relative), copy. "
            "Default: what this archive uses, else hardlink; `reshape` changes it."
        ),
        show_default=False,
    ),
]
MetadataOption = Annotated[
    str | None,
    typer.Option(
        "--metadata",
        help=(
            "How far each photo's metadata goes. basic: the listing's fields and comments. "
            "list: also tags as typed, place names, rotation and safety level, from a few "
            "calls per account rather than one per photo. deep: also notes, people and "
            "permissions (one getInfo per photo), fetched after every file is safe, "
            "continuing across runs. 'full' is accepted for deep. Default: what this archive "
            "used last, else deep."
        ),
        show_default=False,
    ),
]
XmpOption = Annotated[
    bool | None,
    typer.Option(
        "--xmp/--no-xmp",
        help=(
            "Write a <file>.<ext>.xmp sidecar beside every photo and video (what Immich, "
            "PhotoPrism, digiKam and darktable read) and, with --exif, an XMP packet in "
            "JPEGs (Lightroom, Apple Photos). Default: what this archive used last, else --xmp."
        ),
        show_default=False,
    ),
]
FavoritesOption = Annotated[
    bool | None,
    typer.Option(
        "--favorites/--no-favorites",
        help=(
            "Also keep your favourites (other people's photos) under OUT/Favorites/ with "
            "their sidecars: the original where its owner allows it, else the largest size. "
            "favorites.json lists them either way. Default: what this archive used last, "
            "else --no-favorites."
        ),
        show_default=False,
    ),
]
SiteOption = Annotated[
    bool | None,
    typer.Option(
        "--site/--no-site",
        help=(
            "Refresh the archive's offline website (OUT/index.html and OUT/.site/, see the "
            "`site` command) at the end of the run; only what changed is rewritten. A site "
            "that cannot be written is a warning, never a failed backup. Default: what this "
            "archive used last, else --site."
        ),
        show_default=False,
    ),
]
ExifOption = Annotated[
    bool | None,
    typer.Option(
        "--exif/--no-exif",
        help=(
            "Embed title, description, tags, date taken and geo in JPEGs (EXIF, and the XMP "
            "packet unless --no-xmp); --no-exif keeps every file byte-identical to what "
            "Flickr served. Default: what this archive used last, else --exif."
        ),
        show_default=False,
    ),
]


AdoptAccountOption = Annotated[
    bool,
    typer.Option(
        "--adopt-account",
        help=(
            "Back up into an archive that records another Flickr account than the "
            "credentials': the archive becomes this account's (the other account's photos are "
            "kept, marked deleted on Flickr). Without it such a run is refused (exit 2) "
            "before anything changes."
        ),
    ),
]


AllProfilesOption = Annotated[
    bool,
    typer.Option(
        "--all-profiles",
        help=(
            "Back up every profile of the config file, one after the other, each with its "
            "own report; one broken profile does not stop the others. Exit status: the "
            "highest of theirs."
        ),
    ),
]


def _report_option(what: str) -> Any:
    """--report: `what` the JSON report holds, as each command's help says it."""
    return typer.Option(
        "--report",
        help=f"Write the run's report as JSON to this file: {what}",
        dir_okay=False,
        show_default=False,
    )


BackupReportOption = Annotated[
    Path | None,
    _report_option(
        "result, exit code, reason, start and end time, version, counters and failures. "
        "Written however the run ends: failed, refused, Ctrl-C or SIGTERM."
    ),
]
ImportReportOption = Annotated[
    Path | None,
    _report_option(
        "result, exit code, counters and, under `export`, every photo whose file the export "
        "lacks, every file no JSON describes, album members missing per album, corrupt "
        "members and duplicates."
    ),
]


def chosen_archive(out: Path | None, config: Config | None, profile: str | None) -> Path:
    """OUT if given, else the profile's (or the file's) `out`; for commands that need no
    other setting."""
    if profile is not None and config is None:
        raise ConfigError(f"--profile {profile}: there is no config file")
    chosen = out or (config.out(profile) if config else None)
    if chosen is None:
        raise missing_out(config, profile)
    return chosen.absolute()  # as Settings.out: the path checks compare absolute paths


def missing_out(config: Config | None, profile: str | None) -> ConfigError:
    """No OUT given and none in the config file: the profile's table named by file and line."""
    if config is None:
        return ConfigError('no archive folder: give OUT, or set out = "..." in the config file')
    return config.missing_out(profile)
