"""InfoBackfill against a stub API: a photo queued beside the files is asked for once, even
when the scan after the files finds it still waiting."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flickr_async import sidecar
from flickr_async.archive import Archive
from flickr_async.fsutil import Scratch
from flickr_async.info_backfill import InfoBackfill
from flickr_async.jobs import Stats
from flickr_async.models import Photo
from flickr_async.settings import Settings
from flickr_async.state import State
from tests.unit.test_listing_completer import deep_photo, list_level_doc
from tests.unit.test_state import record

PID = deep_photo().id


class GatedInfo:
    """photos.getInfo, counted, answering only once `gate` opens."""

    budget_spent = False

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.asked = asyncio.Event()
        self.gate = asyncio.Event()

    async def photos_get_info_by_id(self, photo_id: str) -> Photo:
        self.calls[photo_id] += 1
        self.asked.set()
        await self.gate.wait()
        return deep_photo()


@dataclass
class Rig:
    """A pass over one list-level photo on disk, its getInfo gated."""

    state: State
    api: GatedInfo
    placed: asyncio.Queue[str]
    files_done: asyncio.Event
    deep: InfoBackfill


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    state = State.open(tmp_path)
    rel = f"Unsorted/{PID}.jpg"
    record(state, photo_id=PID, path=rel, links=[], metadata_level="list")
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_bytes(b"not a jpeg")
    (tmp_path / f"{rel}.json").write_bytes(sidecar.dumps(list_level_doc()))
    api = GatedInfo()
    placed: asyncio.Queue[str] = asyncio.Queue()
    files_done = asyncio.Event()
    deep = InfoBackfill(
        api=api,  # type: ignore[arg-type]  # the one method the pass calls here
        settings=Settings(out=tmp_path, exif=False),
        archive=Archive(tmp_path),
        state=state,
        stats=Stats(),
        scratch=Scratch(tmp_path / "tmp"),
        workers=2,
        placing=asyncio.Lock(),
        files_done=files_done,
        placed=placed,
    )
    yield Rig(state, api, placed, files_done, deep)
    state.close()


async def test_a_photo_in_hand_beside_the_files_is_not_asked_for_again_by_the_scan(
    rig: Rig,
) -> None:
    state, api, deep = rig.state, rig.api, rig.deep
    scanned = asyncio.Event()
    loop = asyncio.get_running_loop()
    awaiting = state.awaiting_deep

    def spy(after: str, limit: int) -> list[object]:
        rows = awaiting(after, limit)
        if rows:
            loop.call_soon_threadsafe(scanned.set)
        return list(rows)

    state.awaiting_deep = spy  # type: ignore[method-assign]
    running = asyncio.create_task(deep.run())
    await rig.placed.put(PID)
    await api.asked.wait()  # in hand, not yet deep: the scan below reads it as waiting
    rig.files_done.set()
    await scanned.wait()  # the scan read the photo as waiting
    # A second getInfo, if queued, is one queue hand-off and one state read away.
    for _ in range(20):
        await asyncio.sleep(0.01)
    api.gate.set()
    await running
    assert api.calls[PID] == 1
    row = state.photo(PID)
    assert row is not None and row.metadata_level == "deep"


class Released(set[str]):
    """The pass's photos in hand, telling another thread when one leaves."""

    def __init__(self) -> None:
        super().__init__()
        self.left = threading.Event()

    def discard(self, item: str) -> None:
        super().discard(item)
        self.left.set()


async def test_a_photo_made_deep_after_the_scan_read_it_is_not_asked_for_again(
    rig: Rig,
) -> None:
    """The scan reads the photo as waiting while it is in hand beside the files; it is made
    deep (and leaves the hand) before the scan looks at it: the row, read again, says so."""
    state, api, deep = rig.state, rig.api, rig.deep
    released = Released()
    deep._in_hand = released
    scanned = asyncio.Event()
    loop = asyncio.get_running_loop()
    awaiting = state.awaiting_deep

    def scan_then_wait(after: str, limit: int) -> list[object]:
        rows = awaiting(after, limit)
        if rows:
            loop.call_soon_threadsafe(scanned.set)
            assert released.left.wait(timeout=30)  # the photo in hand is done meanwhile
        return list(rows)

    state.awaiting_deep = scan_then_wait  # type: ignore[method-assign]
    running = asyncio.create_task(deep.run())
    await rig.placed.put(PID)
    await api.asked.wait()  # in hand beside the files
    rig.files_done.set()
    await scanned.wait()  # the scan has read it as waiting
    api.gate.set()  # ... and now it is made deep, before the scan queues it
    await running
    assert api.calls[PID] == 1
    row = state.photo(PID)
    assert row is not None and row.metadata_level == "deep"
