"""Watch an archive from the bench process while the CLI writes it: when is every item's file +
sidecar on disk, when does every sidecar hold deep metadata, and what had the fake counted then.

A sidecar is `<media file>.json` beside its file (flickr_async/writer.py). Its optional
`metadata_level` says how much it holds: "list" (the listing's fields) or "deep" (getInfo and
the rest); a sidecar without the key is complete, as every sidecar was before issue 10. The
watch only reads a sidecar again when its inode, size or mtime changed, so a poll of a few
hundred files costs a few milliseconds of the bench's own core time.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Counters = Callable[[], dict[str, Any]]


@dataclass
class Moment:
    """Seconds after `started`, and the fake's counters read right after that poll."""

    at: float
    counters: dict[str, Any]


@dataclass
class Watched:
    """What one watched run showed. `listed`/`deep` are None when the run never got there."""

    listed: Moment | None  # every expected item: file + sidecar (any level)
    deep: Moment | None  # every expected item: file + sidecar at the deep level
    items: int  # distinct ids with a file + sidecar when the watch stopped
    levels: Counter[str]  # sidecars by metadata_level at the end ("absent": no key)
    calls: list[tuple[float, int]] = field(default_factory=list)  # (seconds, total API calls)

    def peak_calls(self, window: float) -> int:
        """Most calls between two polls at most `window` seconds apart (a lower bound of the
        true peak in any window that long: calls are only seen at poll times)."""
        best, start = 0, 0
        for t_end, c_end in self.calls:
            while self.calls[start][0] < t_end - window:
                start += 1
            best = max(best, c_end - self.calls[start][1])
        return best


class SidecarWatch:
    """Poll OUT every `interval` seconds in a thread between start() and stop()."""

    def __init__(
        self,
        out: Path,
        expected: int,
        counters: Counters,
        *,
        interval: float = 0.2,
        started: float | None = None,
    ) -> None:
        self.out = out
        self.expected = expected
        self.counters = counters
        self.interval = interval
        self.started = time.perf_counter() if started is None else started
        self._seen: dict[str, tuple[tuple[int, int, int], str | None, str | None]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._listed: Moment | None = None
        self._deep: Moment | None = None
        self._calls: list[tuple[float, int]] = []
        self._items = 0
        self._levels: Counter[str] = Counter()

    def start(self) -> SidecarWatch:
        self._thread.start()
        return self

    def stop(self) -> Watched:
        """One last poll after the child is gone, then what the watch saw."""
        self._stop.set()
        self._thread.join()
        self._poll()
        return Watched(self._listed, self._deep, self._items, self._levels, self._calls)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.interval)

    def _poll(self) -> None:
        listed, deep, self._levels = self._scan()
        self._items = len(listed)
        now = time.perf_counter() - self.started
        try:
            counters = self.counters()
        except OSError:  # the fake is busy or gone; the next poll reads them
            counters = {}
        if "total_api_calls" in counters:
            self._calls.append((now, int(counters["total_api_calls"])))
        if self._listed is None and len(listed) >= self.expected:
            self._listed = Moment(now, counters)
        if self._deep is None and len(deep) >= self.expected:
            self._deep = Moment(now, counters)

    def _scan(self) -> tuple[set[str], set[str], Counter[str]]:
        """(ids with a file + sidecar, ids all of whose sidecars are deep or say nothing,
        sidecars by level: "absent" when the key is missing)."""
        listed: set[str] = set()
        shallow: set[str] = set()
        levels: Counter[str] = Counter()
        for folder, dirs, files in os.walk(self.out):
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # .flickr-async/: state
            names = set(files)
            for name in files:
                if not name.endswith(".json") or name[: -len(".json")] not in names:
                    continue  # root JSON (albums.json, ...) has no media file beside it
                photo_id, level = self._read(os.path.join(folder, name))
                if photo_id is None:
                    continue
                listed.add(photo_id)
                levels[level or "absent"] += 1
                if level not in (None, "deep"):
                    shallow.add(photo_id)  # an album copy left behind counts too
        return listed, listed - shallow, levels

    def _read(self, path: str) -> tuple[str | None, str | None]:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None, None
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._seen.get(path)
        if cached is None or cached[0] != key:
            try:
                with open(path, "rb") as f:
                    doc = json.load(f)
            except (OSError, ValueError):  # sidecars are renamed into place; be lenient anyway
                return None, None
            photo_id = doc.get("id") if isinstance(doc, dict) else None
            level = doc.get("metadata_level") if isinstance(doc, dict) else None
            cached = (
                key,
                photo_id if isinstance(photo_id, str) else None,
                level if isinstance(level, str) else None,
            )
            self._seen[path] = cached
        return cached[1], cached[2]
