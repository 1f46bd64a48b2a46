"""What an import found, as lines: its summary, and the gaps of the export (the `import`
command prints them; `status` shows the gaps again while the last run is an import)."""

from __future__ import annotations

from typing import Any

from flickr_async.plural import plural
from flickr_async.sane import printable

SHOWN = 20  # write failures named in the summary (all of them are in --report)


def _named(ids: list[str]) -> str:
    """Every one of them: what the export lacks is named in full, however long."""
    return ", ".join(printable(i, multiline=False) for i in ids)


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The end of an import: what came in, then every kind of gap, named."""
    found = summary.get("export") or {}
    lines = [
        f"{summary['result']}: {found.get('imported', 0)} imported, "
        f"{found.get('unchanged', 0)} unchanged, "
        + (f"{found['updated']} updated from the export, " if found.get("updated") else "")
        + f"{found.get('already_archived', 0)} already archived, {summary['failed']} failed "
        f"({plural(found.get('photos_in_export', 0), 'photo')} and "
        f"{plural(found.get('media_in_export', 0), 'file')} in the export, "
        f"{summary['elapsed_seconds']:.1f} s)"
    ]
    lines.extend(gap_lines(found))
    # What the run kept for later (files and JSON under flickr-export/), what it assumed.
    lines.extend(f"note: {printable(str(n), multiline=False)}" for n in found.get("notes") or [])
    for photo_id, error in list((summary.get("failures") or {}).items())[:SHOWN]:
        lines.append(f"failed {photo_id}: {printable(error, multiline=False)}")
    return lines


def gap_lines(found: dict[str, Any]) -> list[str]:
    """What an import found the export lacking, by kind, ids and files named (`status`
    shows them too while the last run is an import)."""
    lines: list[str] = []
    kinds = (
        ("missing_files", "photo whose file the export lacks",
         "photos whose file the export lacks"),
        ("files_without_json", "file no JSON describes", "files no JSON describes"),
        ("corrupt_members", "corrupt member skipped", "corrupt members skipped"),
        ("unprocessed_videos", "video Flickr never processed (no file to expect)",
         "videos Flickr never processed (no file to expect)"),
        ("missing_from_export_but_archived", "photo the export lacks, already archived",
         "photos the export lacks, already archived"),
        ("duplicates_same_bytes", "duplicate file with the same bytes (one copy kept)",
         "duplicate files with the same bytes (one copy kept)"),
    )  # fmt: skip
    for key, one, many in kinds:
        items = found.get(key) or []
        if items:
            lines.append(f"{plural(len(items), one, many)}: {_named([str(i) for i in items])}")
    different = found.get("duplicates_different_bytes") or []
    if different:
        kept = [f"{d['id']} ({d['kept']})" for d in different]
        what = plural(len(different), "duplicate file", "duplicate files")
        lines.append(f"{what} with different bytes, kept: {_named(kept)}")
    for album_id, gap in (found.get("album_members_missing") or {}).items():
        missing = [str(i) for i in gap["missing"]]
        lines.append(f"album {gap['title']!r} ({album_id}): {len(missing)} missing: "
                     f"{_named(missing)}")  # fmt: skip
    for what, reason in (found.get("refused") or {}).items():
        lines.append(f"refused {printable(what, multiline=False)}: "
                     f"{printable(reason, multiline=False)}")  # fmt: skip
    lines.extend(_ignored_line(found.get("ignored_members") or []))
    return lines


IGNORED_SHOWN = 5  # ignored members named in the summary (--report names them all)


def _ignored_line(ignored: list[Any]) -> list[str]:
    """Files read as no part of the export (a readme, a symbolic link not followed...):
    counted and a few named, so a gap they explain is not a mystery."""
    if not ignored:
        return []
    shown = _named([str(i) for i in ignored[:IGNORED_SHOWN]])
    more = len(ignored) - IGNORED_SHOWN
    rest = f" and {more} more (--report names them all)" if more > 0 else ""
    what = plural(len(ignored), "file ignored", "files ignored")
    return [f"{what} (no part of the export): {shown}{rest}"]
