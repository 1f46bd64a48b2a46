"""`site`: build the archive's offline website (cli/siterefresh.py refreshes it after a backup)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from flickr_async.cli.app import (
    ConfigOption,
    ProfileOption,
    VerboseOption,
    app,
    configure_logging,
    load_config_file,
)
from flickr_async.cli.options import ExistingOptionalOutArgument, QuietOption, chosen_archive
from flickr_async.plural import plural

log = logging.getLogger(__name__)


FullOption = Annotated[
    bool,
    typer.Option(
        "--full",
        help="Check every sidecar on disk, not only the photos the archive's state says "
        "changed since the last build (after editing sidecars by hand).",
    ),
]

PublicOption = Annotated[
    Path | None,
    typer.Option(
        "--public",
        metavar="DIR",
        help="Build, in DIR instead, the copy to publish: only the photos and videos Flickr "
        "shows to everyone (public and safe: no private, friends, family, moderate or "
        "restricted photo), their albums, tags and search, with Flickr's small renditions "
        "stripped of metadata; no location Flickr hides, no favourites. DIR must be outside "
        "OUT and empty, new or a public copy already (a git repository's files, CNAME, "
        "README*, LICENSE* allowed). Publish DIR, never OUT. The archive remembers DIR: each "
        "backup refreshes it, and a photo made private since is removed from it.",
    ),
]
OriginalsOption = Annotated[
    bool,
    typer.Option(
        "--originals",
        help="With --public: put the public photos' JPEG originals in DIR too, always as "
        "copies stripped of their metadata (EXIF, GPS, XMP, embedded previews and trailers); "
        "other originals (videos, PNG, HEIC...) are left out of DIR.",
    ),
]
ExtrasOption = Annotated[
    bool,
    typer.Option(
        "--extras",
        help="Also show the files only Flickr's data export has (OUT/flickr-export/: Flickr "
        "Mail, testimonials, group discussions...), as they are, linked from the about page. "
        "Only in OUT's own site (never with --public); a build without it removes them.",
    ),
]


@app.command()
def site(
    out: ExistingOptionalOutArgument = None,
    full: FullOption = False,
    public: PublicOption = None,
    originals: OriginalsOption = False,
    extras: ExtrasOption = False,
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Build the archive's website: OUT/index.html opens in any browser, offline, from disk.

    Albums, collections, the photostream by month, a page per photo and video (notes,
    comments, tags, place, licence), tags, search, favourites and galleries, a map of the
    geotagged photos, people, groups and an about page; everything but
    index.html lives in OUT/.site/. Only what changed since the last build is rewritten, and
    nothing is asked from Flickr: a refresh reads only the photos the archive's state says
    changed since the last build (--full checks every sidecar). `backup` does this at the end
    of every run unless --no-site.

    OUT/index.html shows every photo, private ones included: it is for you. To publish,
    build a public copy with --public DIR and publish DIR.

    Exit status: 0 built, 2 OUT is not an archive (or DIR is not a place for a public copy),
    4 a backup is running on OUT, 5 the site could not be written or the archive's state is
    unusable (`verify` rebuilds it).
    """
    from flickr_async.archive import Archive
    from flickr_async.errors import ConfigError, StorageError
    from flickr_async.rebuild import problem_to_report
    from flickr_async.site import refresh  # the site's modules load only when used

    configure_logging(verbose, quiet)
    if originals and public is None:
        raise ConfigError("--originals goes with --public DIR (the public copy)")
    if extras and public is not None:
        raise ConfigError("--extras cannot go with --public: the public copy never shows them")
    out = chosen_archive(out, load_config_file(config_file), profile)
    problem = problem_to_report(Archive(out))  # a first backup writing: refresh() says so
    if problem is not None:  # a site of no photo would prune every page of the last build
        raise StorageError(
            f"the state of {out} is unusable: {problem}; run `flickr-async verify {out}` "
            "first, it rebuilds the state from the archive"
        )
    report = refresh(out, full=full, public=public, originals=originals, extras=extras)
    if not quiet:
        what = f"site: {plural(report.photos, 'item')}"
        if report.shown is not None:
            what = (
                f"public copy: {report.shown:,} of {plural(report.photos, 'item')} shown "
                "(what Flickr shows to everyone)"
            )
        typer.echo(
            f"{what}; {plural(report.written, 'file')} written, "
            f"{report.unchanged:,} unchanged, {report.removed:,} removed "
            f"({report.seconds:.1f} s)"
        )
        typer.echo(str(report.index))
