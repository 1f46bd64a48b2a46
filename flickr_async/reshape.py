"""reshape(): move every archived file and its sidecars to another layout, names or link mode.

Nothing is downloaded and Flickr is never asked: a file's new name comes from its JSON
sidecar, its albums from the state. Every move is written to a journal in the state database
before the first one is made, then each photo goes through two steps, each recorded when
done: its file and sidecars are renamed into OUT/.flickr-async/reshape/ under its id (so no
new name can ever land on a file that has not moved yet) and its old album copies removed;
then, once every photo is staged, renamed to its new path and its album copies made in the
new link mode. Renames are atomic, and each file is looked for at both ends, so a run
killed at any point is finished by running `reshape` again; `backup` refuses until it is.
The photos' paths and the remembered options change at the end, in one transaction.

Before the journal is written, reshapecheck looks for what would stop the moves half-way (a
foreign file in the way, too little room for --links copy). A reshape stopped anyway (a disk
filled by another writer) is finished, or undone by asking for the archive's shape: the
journal is then turned around in one transaction and the same two steps take every moved
photo back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flickr_async import confine, names, reshapecheck
from flickr_async.archive import WITH_SIDECARS, Archive, Shape, beside, link_beside, read_sidecar
from flickr_async.choices import LinkMode
from flickr_async.errors import ConfigError, StorageError
from flickr_async.fsutil import (
    DISK_ERRNOS,
    Scratch,
    move_into_place,
    place_link,
    prune_empty,
    remove_quietly,
)
from flickr_async.rebuild import note_options, state_problem
from flickr_async.state import ReshapeMove, State, StoredPhoto

log = logging.getLogger(__name__)


@dataclass
class ReshapeReport:
    target: Shape
    photos: int = 0  # photos whose files moved (or whose album copies were remade)
    unchanged: int = 0
    resumed: bool = False
    undone: bool = False  # an interrupted reshape taken back to the archive's shape


def reshape(
    out: Path,
    *,
    layout_: str | None = None,
    names_: str | None = None,
    links: str | None = None,
) -> ReshapeReport:
    """Move the archive at `out` to the given shape (None: keep that part), or finish an
    interrupted reshape. Holds the archive's run lock throughout."""
    problem = state_problem(out)
    if problem is not None:  # its journal may be gone too: never move files on a guess
        raise StorageError(
            f"the state of {out} is unusable: {problem}; run `flickr-async verify {out}` "
            "first, it rebuilds the state from the archive"
        )
    archive = Archive.open_existing(out)
    with archive.lock():
        state = State(archive.state_file)
        try:
            return _reshape(archive, state, (layout_, names_, links))
        finally:
            state.close()


def _reshape(
    archive: Archive,
    state: State,
    given: tuple[str | None, str | None, str | None],
) -> ReshapeReport:
    out = archive.out
    options = state.options()
    current = Shape.of(options)
    pending = state.reshape_target()
    given_any = any(g is not None for g in given)
    # Finishing an interrupted reshape asks for nothing: its journal says where to.
    asked = current if pending is not None and not given_any else _asked(given, current)
    staging = archive.reshape_dir
    if pending is not None and given_any and asked == current != Shape.of(pending):
        # Back to the shape the archive had: the moves made so far are undone.
        report = ReshapeReport(current, resumed=True, undone=True)
        _reverse(out, staging, state, current)
        target = current
    elif pending is not None:
        target = Shape.of(pending)
        if given_any and asked != target:
            back = " ".join(target.differences(current)) or "with its options"
            raise ConfigError(
                f"an interrupted reshape of {out} to {target.describe()} is not finished: run "
                f"`flickr-async reshape {out}` to finish it, or `flickr-async reshape {out} "
                f"{back}` to undo it"
            )
        target.validate()  # a journal another version began may name an unknown shape
        report = ReshapeReport(target, resumed=True)
        back = " ".join(target.differences(current))
        undo = f", or undo it: `flickr-async reshape {out} {back}`" if back else ""
        reshapecheck.check_free_space(
            out,
            staging,
            state.reshape_moves(0),
            state.reshape_moves(1),
            copies_from=current.links,
            copies_to=target.links,
            hint=f"free some space and run `flickr-async reshape {out}` again{undo} "
            "(nothing more was moved)",
        )
    else:
        target = asked
        target.validate()
        report = ReshapeReport(target)
        moves, report.unchanged = _plan(out, state, target)
        # Before the first move: what would stop it half-way (see reshapecheck).
        reshapecheck.check_nothing_in_the_way(out, moves, state.iter_photos())
        reshapecheck.check_free_space(
            out, staging, moves, copies_from=current.links, copies_to=target.links
        )
        state.begin_reshape(target.as_options(), moves)
    mode = target.link_mode
    staging = confine.folder(out, staging)  # the checks above only read: made now
    scratch = archive.scratch()
    scratch.clear()
    try:
        for move in state.reshape_moves(0):
            _stage(out, staging, move)
            state.reshape_done(move.id, 1)
        for move in state.reshape_moves(1):
            _place(out, staging, move, mode, scratch)
            state.reshape_done(move.id, 2)
            report.photos += 1
    except OSError as exc:
        if exc.errno not in DISK_ERRNOS:
            raise
        back = " ".join(target.differences(current))
        undo = f", or `flickr-async reshape {out} {back}` to undo it" if back else ""
        raise StorageError(
            f"cannot write {exc.filename or out}: {exc.strerror}; the reshape stopped "
            f"half-way: free some space and run `flickr-async reshape {out}` to finish it" + undo
        ) from exc
    state.finish_reshape({**options, **target.as_options()})
    with contextlib.suppress(OSError):
        staging.rmdir()
    note_options(out, {**options, **target.as_options()}, scratch)  # account.json says too
    return report


def _reverse(out: Path, staging: Path, state: State, back: Shape) -> None:
    """Turn the journal of an interrupted reshape into the journal of its undoing, in one
    transaction: every photo that left its old place goes back to it (through the staging
    folder, as any move does); those never touched stay out of it."""
    undo: list[ReshapeMove] = []
    staged: list[str] = []
    for step in (0, 1, 2):
        for move in state.reshape_moves(step):
            reverse = ReshapeMove(
                move.id, move.new_path, move.new_links, move.old_path, move.old_links
            )
            held = _staged(staging, move)
            if held.exists() or held.is_symlink():
                staged.append(move.id)  # in the staging folder: it only goes back
            elif step == 0:
                continue  # not moved at all
            undo.append(reverse)  # in (or on its way to) its new place: staged again first
    state.begin_reshape(back.as_options(), undo, staged=staged)


def _asked(given: tuple[str | None, str | None, str | None], current: Shape) -> Shape:
    """The shape asked for: each part given, else the archive's. A wrong --layout or --links
    is refused here (ConfigError, exit 2), as Settings refuses it for backup."""
    layout_, names_, links_ = given
    kept = [key for key, g in (("layout", layout_), ("links", links_)) if g is None]
    for key in current.unknown():
        if key in kept:  # written by a newer version: never taken for a default
            raise ConfigError(
                f"the archive is laid out with --{key} {getattr(current, key)!r}, which this "
                f"version of flickr-async does not know: give --{key} to reshape it to one it does"
            )
    asked = Shape(
        layout=current.layout if layout_ is None else layout_,
        names=current.names if names_ is None else names_,
        links=current.links if links_ is None else links_,
    )
    asked.validate()
    return asked


def _plan(out: Path, state: State, target: Shape) -> tuple[list[ReshapeMove], int]:
    """Every photo's new paths, from its sidecar and its albums; the photos already there."""
    template = names.parse(target.names)
    folders = {a.id: a.folder for a in state.albums().values()}
    current = Shape.of(state.options())
    moves: list[ReshapeMove] = []
    unchanged = 0
    for row in state.iter_photos():
        if row.path is None:
            continue
        move = _move_for(out, row, template, folders, target)
        relink = bool(move.new_links) and current.links != target.links
        if move.new_path == row.path and move.new_links == row.links and not relink:
            unchanged += 1
        else:
            moves.append(move)
    return moves, unchanged


def _move_for(
    out: Path,
    row: StoredPhoto,
    template: names.Template,
    folders: Mapping[str, str],
    target: Shape,
) -> ReshapeMove:
    assert row.path is not None
    primary = out / row.path
    doc = read_sidecar(primary)
    if doc is None or not primary.is_file():
        raise StorageError(
            f"photo {row.id}: {row.path} or its sidecar is missing or unreadable; run "
            f"`flickr-async verify {out} --repair` first"
        )
    fields = dataclasses.replace(names.NameFields.from_sidecar(doc), id=row.id)
    ext = PurePosixPath(row.path).suffix[1:]
    album_ids = [album_id for album_id, _ in row.albums]
    new_path, new_links = names.photo_paths(
        template,
        fields,
        ext,
        album_ids,
        folders,
        target.layout_mode,
    )
    return ReshapeMove(row.id, row.path, row.links, str(new_path), tuple(map(str, new_links)))


def _staged(staging: Path, move: ReshapeMove) -> Path:
    return staging / f"{move.id}{PurePosixPath(move.old_path).suffix}"


def _stage(out: Path, staging: Path, move: ReshapeMove) -> None:
    """Step 1: the file and its sidecars to the staging folder; the old album copies gone."""
    old = _inside(out, move.old_path, move)
    staged = _staged(staging, move)
    for suffix in WITH_SIDECARS:
        src, dest = beside(old, suffix), beside(staged, suffix)
        if src.is_file() or src.is_symlink():
            move_into_place(src, dest)
        elif suffix == "" and not dest.exists():
            raise StorageError(f"photo {move.id}: {move.old_path} is gone; reshape cannot go on")
    for link in move.old_links:
        for suffix in WITH_SIDECARS:
            remove_quietly(beside(_inside(out, link, move), suffix), stop_at=out)
    prune_empty(old.parent, stop_at=out)


def _place(out: Path, staging: Path, move: ReshapeMove, mode: LinkMode, scratch: Scratch) -> None:
    """Step 2: from the staging folder to the new path, then the album copies."""
    new = _inside(out, move.new_path, move)
    staged = _staged(staging, move)
    sidecars: list[Path] = []
    for suffix in WITH_SIDECARS:
        src, dest = beside(staged, suffix), beside(new, suffix)
        if src.exists():
            if dest.exists() or dest.is_symlink():
                raise StorageError(f"{dest} is in the way of photo {move.id}; move it elsewhere")
            move_into_place(src, dest)
        elif suffix == "" and not dest.exists():
            raise StorageError(f"photo {move.id}: its staged file is gone; reshape cannot go on")
        if suffix and dest.exists():
            sidecars.append(dest)
    copies = [_inside(out, link, move) for link in move.new_links]
    for copy in copies:
        place_link(new, copy, scratch, mode)
    link_beside(new, sidecars, copies, scratch, mode)


def _inside(out: Path, rel: str, move: ReshapeMove) -> Path:
    """`out / rel`, checked to stay inside OUT with no link on the way (confine.inside)."""
    try:
        return confine.inside(out, rel)
    except confine.UnsafePath as exc:
        raise StorageError(f"photo {move.id}: {exc}; reshape cannot go on") from exc
