"""14. Peers under the quota (issue 20, item 5).

The fake of benchmark 8 (Flickr's 3,600 calls an hour scaled ×TIME_SCALE, HTML 429s beyond
it, 250 ms per API answer, files at 1 MiB/s per connection after 100 ms) with a smaller
library, and three clients from an empty folder: flickr-async (its default first backup, at
its --api-rate for that quota), bench/naive.py (sequential: getInfo and comments, then the
download) and bench/threaded.py (8 threads, flickrbackup's design: getInfo and getSizes
before each download, a fixed pause after a 429). Time to every file on disk: for
flickr-async the moment the watch sees every item's file and sidecar (bench/watch.py); for
the scripts, which write each file before the next photo and exit after the last, their
wall time. Calls and 429s are the fake's counters. Each run starts with the whole quota.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench import quota
from bench.common import PYTHON, FakeServer, Section, fake_server, run_child, workdir
from bench.fakeserver import FakeSpec

NAME = "peers"
TITLE = "14. Peers under the quota"
ITEMS = {"full": 120, "quick": 48}
CALLS_NOTE = (
    "Calls count every call the fake received, refused ones (429s) too; flickr-async's "
    "run goes on after every file is on disk with the deep metadata (getInfo beside), at "
    "its paced rate. The threaded peer's 429s are what pacing nothing costs: each one is a "
    "pause and a call made again."
)


def spec(mode: str) -> FakeSpec:
    base = quota.spec("quick")
    return FakeSpec(**{**base.__dict__, "photos": ITEMS[mode], "albums": 2})


def _script(fake: FakeServer, scratch: Any, label: str, *argv: str) -> dict[str, Any]:
    fake.reset_counters()
    child = run_child(
        [PYTHON, "-m", *argv, str(scratch / f"{label}-archive")],
        logs=scratch / f"{label}-logs",
        env=fake.env(scratch),
    )
    counters = fake.counters()
    out = json.loads(child.stdout.read_text("utf-8")) if child.code == 0 else {}
    return {
        "at": child.wall if child.code == 0 else None,
        "code": child.code,
        "tail": "" if child.code == 0 else child.tail(300),
        "calls": counters["total_api_calls"],
        "too_many": sum(counters["too_many_requests"].values()),
        "photos": out.get("photos"),
    }


def _ours(fake: FakeServer, scratch: Any, items: int) -> dict[str, Any]:
    fake.reset_counters()
    out = scratch / "ours-archive"
    wall, _report, seen = quota.watched_backup(fake, scratch, "ours", out, items, quota.DEFAULT)
    counters = fake.counters()
    listed = seen.listed
    calls_then = sum(listed.counters.get("api_calls", {}).values()) if listed else None
    return {
        "at": listed.at if listed else None,
        "wall": wall,
        "calls": counters["total_api_calls"],
        "calls_then": calls_then,
        "too_many": sum(counters["too_many_requests"].values()),
    }


def run(quick: bool) -> Section:
    mode = "quick" if quick else "full"
    fake_spec = spec(mode)
    section = Section(
        NAME,
        TITLE,
        f"{fake_spec.photos} items ({quota.VIDEO_SHARE:.0%} videos) against the fake of "
        f"benchmark 8: at most {quota.API_QUOTA} calls in any {quota.QUOTA_WINDOW:g} s "
        f"(Flickr's 3,600/hour ×{quota.TIME_SCALE}) with HTML 429s beyond, "
        f"{quota.API_LATENCY * 1000:.0f} ms per API answer, files at "
        f"{quota.BANDWIDTH >> 20} MiB/s per connection after {quota.FILE_LATENCY * 1000:.0f} "
        f"ms. flickr-async: `{' '.join(quota.OPTIONS)} {' '.join(quota.DEFAULT)}` (its "
        "default first backup). bench/naive.py: one photo at a time, getInfo + "
        "comments.getList before each download. bench/threaded.py: 8 threads, getInfo + "
        "getSizes before each download (flickrbackup's design), a 1 s pause after a 429. "
        "Time to every file on disk: flickr-async's from the watch (file + sidecar of every "
        "item), the scripts' wall (each writes its file before the next photo).",
    )
    with fake_server(fake_spec) as fake, workdir(NAME) as scratch:
        items = int(fake.library()["items"])
        ours = _ours(fake, scratch, items)
        time.sleep(quota.QUOTA_WINDOW)  # each run starts with the whole quota
        threaded = _script(fake, scratch, "threaded", "bench.threaded")
        time.sleep(quota.QUOTA_WINDOW)
        naive = _script(fake, scratch, "naive", "bench.naive")

    def when(fig: dict[str, Any]) -> str:
        if fig["at"] is None:
            return f"did not finish (exit {fig.get('code')}: {fig.get('tail', '')[-120:]})"
        return f"{fig['at']:.1f} s"

    section.add(
        "flickr-async: every file on disk; calls per item; 429s",
        f"{when(ours)} (run {ours['wall']:.1f} s); {ours['calls'] / items:.2f} "
        f"({ours['calls']} calls; {ours['calls_then']} until every file); {ours['too_many']}",
    )
    for label, fig in (("threaded peer (flickrbackup's design)", threaded), ("naive.py", naive)):
        section.add(
            f"{label}: every file on disk; calls per item; 429s",
            f"{when(fig)}; {fig['calls'] / items:.2f} ({fig['calls']} calls); {fig['too_many']}",
        )
    for label, fig in (("threaded peer", threaded), ("naive.py", naive)):
        if fig["at"] is not None and ours["at"] is not None:
            section.add(
                f"flickr-async vs {label}: time to every file", f"{fig['at'] / ours['at']:.2f}×"
            )
    section.notes.append(CALLS_NOTE)
    if quick:
        section.notes.append(f"--quick: {fake_spec.photos} items instead of {ITEMS['full']}.")
    return section
