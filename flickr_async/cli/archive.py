"""`verify` and `status`: what the archive on disk holds, checked against its state."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flickr_async.archive import Archive
from flickr_async.archive_owner import recorded_owner
from flickr_async.cli.app import (
    ApiBaseOption,
    ApiKeyOption,
    ApiSecretOption,
    ConfigOption,
    ProfileOption,
    TokenFileOption,
    VerboseOption,
    app,
    given,
    load_config_file,
    settings_from_options,
)
from flickr_async.cli.options import (
    ApiRateOption,
    ConcurrencyOption,
    ExistingOptionalOutArgument,
    MaxRetryWaitOption,
    QuietOption,
    chosen_archive,
)
from flickr_async.errors import EXIT_INCOMPLETE, StorageError
from flickr_async.plural import human_bytes, plural
from flickr_async.progress import FAILURES_SHOWN
from flickr_async.runlock import ReadOnlyArchiveError
from flickr_async.sane import printable
from flickr_async.settings import metadata_level
from flickr_async.state import REMEMBERED, State

if TYPE_CHECKING:
    from flickr_async.verify import Problem

# --- verify and status --------------------------------------------------------------------


@app.command()
def verify(
    ctx: typer.Context,
    out: ExistingOptionalOutArgument = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Make sidecars, album copies and files an album copy still holds whole "
            "again from the archive's own records; fetch only the damaged files left (and "
            "lost metadata) again (needs the Flickr token then).",
        ),
    ] = False,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Check sizes only, not SHA-256 (reads only the sidecars)."),
    ] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help=(
                "Rebuild the state database from the sidecars, the root files and the files "
                "themselves (each checked against its sidecar), keeping the old one aside. "
                "A missing, empty or damaged state is rebuilt without asking, by verify and "
                "by backup."
            ),
        ),
    ] = False,
    concurrency: ConcurrencyOption = 8,
    api_rate: ApiRateOption = 1.0,
    max_retry_wait: MaxRetryWaitOption = 60.0,
    quiet: QuietOption = False,
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    api_key: ApiKeyOption = None,
    api_secret: ApiSecretOption = None,
    token_file: TokenFileOption = None,
    api_base: ApiBaseOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Check that every archived file, sidecar and album link is present and intact.

    A missing, empty or damaged state is rebuilt from the archive first (the old one kept
    aside); a read-only archive is checked without writing anything.

    Exit status: 0 intact (or fully repaired), 1 problems remain.
    """
    from flickr_async.verify import verify_archive  # only this command reads every file

    config = load_config_file(config_file)
    out = chosen_archive(out, config, profile)
    archive = Archive(out)
    problems, reshaping, refetch = _verify_here(
        archive, rebuild=rebuild, repair=repair, checksums=not quick, quiet=quiet
    )
    for problem in problems:
        typer.echo(str(problem))
    if not problems:
        if not quiet:
            typer.echo("archive intact")
        raise typer.Exit(0)
    items = len({p.photo_id for p in problems})
    typer.echo(f"{plural(len(problems), 'problem')} in {plural(items, 'item')}")
    if reshaping:
        typer.echo(f"a reshape of {out} is unfinished: run `flickr-async reshape {out}` first")
        raise typer.Exit(EXIT_INCOMPLETE)
    if not repair:
        raise typer.Exit(EXIT_INCOMPLETE)
    code = 0
    if refetch:  # a damaged file, or metadata lost with every copy of its sidecar
        # Only here: the backup it runs (and the network) is never loaded by a plain verify.
        from flickr_async.cli.backup import remembered_options, run_and_report

        settings = settings_from_options(
            api_key,
            api_secret,
            token_file,
            api_base,
            verbose,
            config=config,
            profile=profile,
            out=out,
            quiet=quiet,
            concurrency=given(ctx, "concurrency", concurrency),
            api_rate=given(ctx, "api_rate", api_rate),
            retry_max_wait=given(ctx, "max_retry_wait", max_retry_wait),
            **remembered_options(out, **dict.fromkeys(REMEMBERED)),  # the archive's own shape
        )
        code = run_and_report(settings)
    state = _open_existing_state(archive)
    try:
        remaining = list(verify_archive(archive, state, checksums=not quick))
    finally:
        state.close()
    for problem in remaining:
        typer.echo(f"still broken: {problem}")
    if not remaining and not quiet:
        typer.echo("repaired: archive intact")
    raise typer.Exit(EXIT_INCOMPLETE if remaining else code)


@app.command()
def status(
    out: ExistingOptionalOutArgument = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    profile: ProfileOption = None,
    config_file: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """What the archive holds next to the account's last-known totals; no network needed."""
    from flickr_async.rebuild import problem_to_report

    out = chosen_archive(out, load_config_file(config_file), profile)
    archive = Archive(out)
    problem = problem_to_report(archive)
    if problem is not None:  # never "0 items" for an archive whose state is lost
        raise StorageError(
            f"the state of {out} is unusable: {problem}; `flickr-async verify {out}` or the "
            "next backup rebuilds it from the archive"
        )
    try:
        state = _open_existing_state(archive)
    except StorageError:  # a read-only archive: looked at as it is
        state = State(archive.checked().state_file, read_only=True)
    try:
        counts = state.counts()
        recent = state.recent_runs(limit=50)
        running, latest = _runs_now(archive, recent)
        failed = [(row.id, row.error or "") for row in state.iter_photos() if not row.is_done]
        not_original = [
            row.id for row in state.iter_photos() if row.is_done and row.original is False
        ]
        export_only = _export_only(state)
        options = state.options()
        owner = recorded_owner(state, out)
    finally:
        state.close()
    options_account = None if owner is None else {"nsid": owner.nsid, "username": owner.username}
    # The account's size as last counted: a run that failed before listing did not count.
    summary: dict[str, Any] = next(
        (r["summary"] for r in recent if r["summary"].get("account_count") is not None), {}
    )
    level = metadata_level(str(options.get("metadata") or "deep"))
    awaiting = counts["awaiting_deep"] if level == "deep" else None
    last_run = None if latest is None else _run_info(latest)
    found = latest["summary"].get("export") if latest is not None else None
    last_import = found if isinstance(found, dict) else None
    info = {
        "archived": counts["done"],
        "videos": counts["videos"],
        "bytes": counts["bytes"],
        "account_count": summary.get("account_count"),
        "pending_or_failed": dict(failed),
        "not_original": not_original,
        "deleted_on_flickr": counts["deleted"],
        "metadata_level": level,
        "awaiting_deep_metadata": awaiting,
        "export_metadata_only": export_only,
        "running": running,
        "last_run": last_run,
        "account": options_account,
        # What the last run found the export lacking, while the last run is an import.
        "last_import": last_import,
    }
    if as_json:
        typer.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    total = info["account_count"]
    typer.echo(
        f"archived: {plural(counts['done'], 'item')} ({plural(counts['videos'], 'video')}, "
        f"{human_bytes(counts['bytes'])})"
        + (f" of {total:,} on Flickr when last counted" if total is not None else "")
    )
    if owner is not None:
        typer.echo(f"account: {owner}")
    if running is not None:
        typer.echo(f"running now: pid {running['pid']}, since {running['since']}")
    typer.echo(_last_run_line(last_run))
    if latest is not None and latest["summary"].get("listing_problem"):
        typer.echo(f"  listing problem: {latest['summary']['listing_problem']}")
    typer.echo(f"pending or failed: {len(failed)}")
    for photo_id, error in failed[:FAILURES_SHOWN]:
        typer.echo(f"  {photo_id}: {printable(error, multiline=False)}")
    if len(failed) > FAILURES_SHOWN:
        typer.echo(f"  ... and {len(failed) - FAILURES_SHOWN:,} more (status --json lists all)")
    typer.echo(f"saved without original: {len(not_original)}")
    typer.echo(f"deleted on Flickr (kept): {counts['deleted']}")
    if awaiting is not None:
        typer.echo(f"waiting for deep metadata (notes, people, permissions): {awaiting}")
    else:
        typer.echo(f"metadata level: {level}")
    if export_only:
        typer.echo(
            f"with only the metadata of Flickr's data export: {plural(export_only, 'item')} "
            "(a backup with API credentials brings them to the API's metadata, no download)"
        )
    if last_import:
        from flickr_async.cli.importsummary import gap_lines

        gaps = gap_lines(last_import)
        if gaps:
            typer.echo("the last run, an import, found the export lacking:")
        for line in gaps:
            typer.echo(f"  {line}")


def _export_only(state: State) -> int:
    """Archived items whose sidecar holds only what Flickr's data export said (imported,
    not yet seen by a backup)."""
    return sum(
        1
        for row in state.iter_photos()
        if row.is_done and row.deleted_on_flickr is None and row.metadata_level == "export"
    )


def _verify_here(
    archive: Archive, *, rebuild: bool, repair: bool, checksums: bool, quiet: bool
) -> tuple[list[Problem], bool, list[str]]:
    """The problems found in the archive at `out`, whether a reshape is unfinished, and with
    `repair` the photos only a download mends (the rest mended offline). Its state is rebuilt
    first when unusable (or asked); an archive this process cannot write is verified
    without the lock, its state opened read-only (or rebuilt in memory)."""
    from flickr_async.mend import mend_archive
    from flickr_async.rebuild import ASKED, fill, has_sidecars, rebuild_state, state_problem
    from flickr_async.verify import verify_archive  # only this command reads every file

    out = archive.out
    problem = state_problem(out, thorough=True)
    if problem is None and not (rebuild and has_sidecars(out)):
        archive.checked()  # one line when `out` is no archive
    try:
        with archive.lock():  # a backup running meanwhile would look like corruption
            problem = state_problem(out, thorough=True) or (ASKED if rebuild else None)
            if problem is not None:
                typer.echo(rebuild_state(out, problem).line(out), err=True)
            state = State(archive.checked().state_file)
            try:
                problems = list(verify_archive(archive, state, checksums=checksums))
                # Mid-reshape, files are between two places, not lost: nothing to fetch again.
                reshaping = state.reshape_target() is not None
                refetch: list[str] = []
                if repair and problems and not reshaping:
                    refetch = mend_archive(archive, state, problems)  # sidecars and links: no call
            finally:
                state.close()
            return problems, reshaping, refetch
    except ReadOnlyArchiveError as exc:
        if repair or rebuild:
            raise StorageError(
                f"{out} is read-only: --{'repair' if repair else 'rebuild'} needs to write it"
            ) from exc
    if problem is None:
        state = State(archive.checked().state_file, read_only=True)
        note = "its state opened read-only"
    else:
        state = State(Path(":memory:"))
        fill(state, out, problem)
        note = f"its state is unusable ({problem}): checked against a rebuild in memory"
    if not quiet or problem is not None:
        typer.echo(f"{out} is read-only: verified without the lock, {note}", err=True)
    try:
        found = list(verify_archive(archive, state, checksums=checksums))
        return found, state.reshape_target() is not None, []
    finally:
        state.close()


def _runs_now(
    archive: Archive, recent: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the run holding the lock now, the newest run before it). A run recorded as started
    and never finished, with nobody holding the lock, was killed: it is the last run."""
    holder = archive.lock_holder()
    if holder is None:
        return None, recent[0] if recent else None
    # The holder's own row is unfinished and began after it took the lock; an unfinished row
    # from before is a killed run (the holder is still logging in).
    newest = recent[0] if recent else None
    current = (
        newest
        if newest is not None
        and newest["finished"] is None
        and newest["started"] >= holder.since - 1.0
        else None
    )
    since = current["started"] if current else holder.since
    pid: int | str = int(holder.pid) if holder.pid.isdigit() else holder.pid
    running = {"pid": pid, "since": _iso(since)}
    before = recent[1:] if current else recent
    return running, before[0] if before else None


def _run_info(run: dict[str, Any]) -> dict[str, Any]:
    summary = run["summary"]
    killed = run["finished"] is None
    return {
        "started": _iso(run["started"]),
        "finished": None if killed else _iso(run["finished"]),
        "result": "killed" if killed else run["result"],
        "exit_code": None if killed else summary.get("exit_code"),
        "reason": (
            "started and never finished: killed, or the machine stopped"
            if killed
            else summary.get("reason", "")
        ),
        "listing_problem": summary.get("listing_problem"),
    }


def _last_run_line(run: dict[str, Any] | None) -> str:
    if run is None:
        return "last run: none yet"
    if run["finished"] is None:
        return f"last run: started {run['started']}, {run['result']}: {run['reason']}"
    code = f" (exit {run['exit_code']})" if run["exit_code"] is not None else ""
    reason = f": {run['reason']}" if run["reason"] else ""
    return f"last run: {run['finished']}, {run['result']}{code}{reason}"


def _open_existing_state(archive: Archive) -> State:
    return State(archive.checked().state_file)


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).isoformat(timespec="seconds")
