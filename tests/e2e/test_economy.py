"""API economy: full metadata for a fraction of a call per photo, deep metadata after the
files and across runs, and a run's API spend capped by --max-api-calls."""

from __future__ import annotations

import json
import signal
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from flickr_async import embedded_meta, exif, xmp
from flickr_async.state import State
from tests.e2e.helpers import FAST, archive_file_requests, media_files, run_cli, sidecar, spawn_cli
from tests.e2e.test_resume import wait_for
from tests.fakeflickr import FakeFlickr, Library, generate_library

GET_INFO = "flickr.photos.getInfo"
RAW_TAGS = "flickr.tags.getListUserRaw"
PLACES = "flickr.places.getInfo"
COMMENTS = "flickr.photos.comments.getList"
SIZES = "flickr.photos.getSizes"


@pytest.fixture
def library() -> Library:
    return generate_library(seed=11, photos=120, videos=4, albums=3)


def backup(env: dict[str, str], out: Path, *extra: str) -> int:
    return run_cli(env, "backup", str(out), *FAST, *extra).code


def sidecars(out: Path) -> dict[str, dict[str, Any]]:
    """Photo id -> its primary's sidecar (album copies share it)."""
    found: dict[str, dict[str, Any]] = {}
    for path in media_files(out):
        found.setdefault(path.stem, sidecar(path))
    return found


def ambiguous_tagged(library: Library) -> set[str]:
    """Photos with a clean tag the account spells several ways: only getInfo can tell."""
    from tests.fakeflickr.model import clean_tag

    spellings: dict[str, set[str]] = {}
    for photo in library.photos:
        for tag in photo.tags:
            spellings.setdefault(clean_tag(tag), set()).add(tag)
    ambiguous = {clean for clean, raw in spellings.items() if len(raw) > 1}
    return {p.id for p in library.photos if any(clean_tag(t) in ambiguous for t in p.tags)}


def test_a_list_level_backup_costs_a_fraction_of_a_call_per_photo(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--metadata", "list") == 0
    calls = fake.counters.api_calls
    places = {p.geo.place.place_id for p in library.photos if p.geo and p.geo.place}
    assert calls[RAW_TAGS] == 1
    assert calls[PLACES] <= len(places)
    # getInfo only where the account spells a photo's clean tag several ways
    assert 0 < calls[GET_INFO] <= len(ambiguous_tagged(library))
    assert calls[COMMENTS] == sum(1 for p in library.photos if p.comments)
    docs = sidecars(out)
    assert {d["metadata_level"] for d in docs.values()} == {"list"}
    for photo in library.photos:
        doc = docs[photo.id]
        # tags as typed, machine tags apart, whichever call they came from
        assert sorted(doc["tags"] + doc["machine_tags"]) == sorted(photo.tags), photo.id
        if photo.geo and photo.geo.place and photo.geo.is_public:
            assert doc["geo"]["locality"] == photo.geo.place.locality, photo.id
        assert doc["rotation"] == photo.rotation and doc["safety_level"] == photo.safety_level


def test_deep_metadata_comes_after_every_file_and_loses_nothing_of_get_info(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0  # default: deep
    calls = fake.counters.api_calls
    assert calls[GET_INFO] == len(library.photos)  # once each: list level asked none twice
    log = fake.counters.log
    fallbacks = ambiguous_tagged(library)  # the list level's own getInfo, beside the download
    for index, method, photo_id in fake.counters.photo_calls:
        if method == GET_INFO and photo_id not in fallbacks:
            # deep metadata: only once the photo's file is in
            assert log.index(f"file:{photo_id}") < index, photo_id
    docs = sidecars(out)
    assert {d["metadata_level"] for d in docs.values()} == {"deep"}
    for photo in library.photos:
        doc = docs[photo.id]
        assert [n["text"] for n in doc["notes"]] == [n.text for n in photo.notes], photo.id
        assert doc["has_people"] == bool(photo.people)
        assert [p["nsid"] for p in doc["people"]] == [p.user.nsid for p in photo.people]
        assert doc["permissions"] is not None and "comment" in doc["permissions"]
    status = run_cli(env, "status", str(out), "--json")
    assert json.loads(status.stdout)["awaiting_deep_metadata"] == 0


def test_a_capped_run_leaves_only_deep_metadata_and_the_next_run_finishes_it(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    # Enough for the listing and the list level, not for one getInfo per photo.
    commented = sum(1 for p in library.photos if p.comments)
    videos = sum(1 for p in library.photos if p.is_video)
    places = {p.geo.place.place_id for p in library.photos if p.geo and p.geo.place}
    list_level = commented + videos + len(places) + len(ambiguous_tagged(library)) * 2 + 1
    cap = list_level + 20 + 30  # listing and organisation calls count too
    result = run_cli(env, "backup", str(out), *FAST, "--max-api-calls", str(cap))
    assert result.code == 0, result.stdout + result.stderr
    assert fake.counters.total_api_calls <= cap  # every call counts: listings too
    docs = sidecars(out)
    assert len(docs) == len(library.photos)  # every file
    levels = {pid: d["metadata_level"] for pid, d in docs.items()}
    waiting = {pid for pid, level in levels.items() if level != "deep"}
    assert waiting and set(levels.values()) <= {"list", "deep"}
    assert "wait for deep metadata" in result.stdout or "budget" in result.stdout
    status = json.loads(run_cli(env, "status", str(out), "--json").stdout)
    assert status["awaiting_deep_metadata"] == len(waiting)

    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.api_calls[GET_INFO] == len(waiting)  # only those left
    assert sum(fake.counters.file_requests.values()) == 0
    assert {d["metadata_level"] for d in sidecars(out).values()} == {"deep"}


def test_a_cap_below_the_list_level_defers_metadata_without_failing_a_photo(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    result = run_cli(env, "backup", str(out), *FAST, "--max-api-calls", "5")
    assert result.code == 1  # more than deep metadata is left
    assert not [line for line in result.stdout.splitlines() if line.startswith("failed ")]
    stills = [p for p in library.photos if not p.is_video]
    docs = sidecars(out)
    assert {p.id for p in stills} <= set(docs)  # no call needed for a still's file
    state = State(out / ".flickr-async" / "state.sqlite3")
    try:
        stale = [r.id for r in state.photos() if r.metadata_stale]
    finally:
        state.close()
    assert stale  # their metadata comes next run
    assert backup(env, out) == 0
    assert {d["metadata_level"] for d in sidecars(out).values()} == {"deep"}


def test_an_archive_from_before_levels_needs_no_deep_pass(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out) == 0
    state = State(out / ".flickr-async" / "state.sqlite3")
    try:  # as written before metadata_level existed, with --metadata full
        state._db.execute("UPDATE meta SET value = replace(value, 'deep', 'full')")
    finally:
        state.close()
    fake.counters.reset()
    assert backup(env, out) == 0
    assert fake.counters.api_calls[GET_INFO] == 0


def deep_rows(out: Path) -> int:
    db = out / ".flickr-async" / "state.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            query = "SELECT COUNT(*) FROM photos WHERE metadata_level = 'deep'"
            return int(conn.execute(query).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_a_run_killed_mid_way_leaves_whole_list_level_sidecars_and_the_next_finishes(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    fake.faults.api_latency = 0.05  # the deep pass takes a while: time to catch it
    ambiguous = len(ambiguous_tagged(library))  # made deep during the files, with getInfo
    proc = spawn_cli(env, "backup", str(out), *FAST, "--quiet")
    try:
        wait_for(lambda: deep_rows(out) >= ambiguous + 10, "deep metadata under way")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    state = State(out / ".flickr-async" / "state.sqlite3")
    try:
        done = {r.id: r for r in state.photos() if r.is_done}
    finally:
        state.close()
    levels = Counter(row.metadata_level for row in done.values())
    assert levels["deep"] > 0 and set(levels) <= {"list", "deep"}, levels
    for photo_id, row in done.items():  # every finished file has whole list-level metadata
        assert row.path is not None
        doc = sidecar(out / row.path)
        assert doc["metadata_level"] == row.metadata_level, photo_id
        raw = library.photo(photo_id).tags
        assert sorted(doc["tags"] + doc["machine_tags"]) == sorted(raw), photo_id
    checked = run_cli(env, "verify", str(out))
    assert checked.code == 0, checked.stdout  # album copies share each rewritten sidecar

    fake.faults.api_latency = 0.0
    fake.counters.reset()
    assert backup(env, out) == 0
    left = len(library.photos) - levels["deep"]
    assert fake.counters.api_calls[GET_INFO] <= left + 4  # + those in hand at the kill
    assert not any(archive_file_requests(fake)[pid] for pid in done)
    assert {d["metadata_level"] for d in sidecars(out).values()} == {"deep"}


def test_extras_flickr_leaves_out_fall_back_to_get_info_for_those_photos(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    # Undocumented extras: Flickr may ignore them without a word.
    fake.faults.ignore_extras({"rotation", "safety_level"})
    assert backup(env, out, "--metadata", "list") == 0
    assert fake.counters.api_calls[GET_INFO] == len(library.photos)
    assert fake.counters.api_calls[RAW_TAGS] == fake.counters.api_calls[PLACES] == 0
    docs = sidecars(out)
    for photo in library.photos:
        assert docs[photo.id]["rotation"] == photo.rotation, photo.id
        assert docs[photo.id]["safety_level"] == photo.safety_level, photo.id


def embedded_xmp(path: Path) -> bytes | None:
    """The JPEG's standard XMP packet, as a photo manager reads it from the file itself."""
    data = path.read_bytes()
    end = exif.header_length(data)
    assert end is not None, path
    for segment in exif.segments(data[:end]):
        if segment.marker == exif.APP1 and segment.payload.startswith(xmp.XMP_MAGIC):
            return segment.payload[len(xmp.XMP_MAGIC) :]
    return None


def embedding_gaps(out: Path) -> dict[str, str]:
    """JPEGs whose embedded XMP does not say what their JSON sidecar says, and why."""
    gaps: dict[str, str] = {}
    for path in media_files(out):
        if path.suffix != ".jpg" or not path.read_bytes().startswith(b"\xff\xd8"):
            continue
        packet = embedded_xmp(path)
        meta = embedded_meta.from_sidecar(sidecar(path))
        problem = "no XMP" if packet is None else xmp.sidecar_problem(packet, meta)
        if problem is not None:
            gaps[path.stem] = problem
    return gaps


def test_a_basic_archive_made_deep_carries_the_deep_metadata_in_its_jpegs_next_run(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--metadata", "basic") == 0
    assert embedding_gaps(out) == {}
    assert backup(env, out, "--metadata", "deep") == 0  # raw tags and place names come in
    changed = embedding_gaps(out)  # written beside the files; the files wait a run
    assert any("dc:subject" in why for why in changed.values()), changed
    assert any("photoshop:City" in why for why in changed.values()), changed
    fake.counters.reset()
    assert backup(env, out) == 0
    assert embedding_gaps(out) == {}  # re-embedded from the sidecars ...
    assert sum(fake.counters.file_requests.values()) == 0  # ... with no download
    assert fake.counters.api_calls[GET_INFO] == 0
