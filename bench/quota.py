"""7. Under Flickr's quota: a first backup and a no-change rerun against a fake that enforces
the API quota (HTML 429 beyond it), answers every call after 250 ms and serves files at a known
bandwidth (issue 10).

Time is scaled so the section takes a minute or two instead of hours: Flickr's 3,600 calls an
hour (1/s) becomes TIME_SCALE calls a second, and the CLI gets the matching `--api-rate` (its
default, 1.0, is exactly Flickr's quota). The fake refuses calls beyond API_QUOTA in any
sliding QUOTA_WINDOW seconds. Flickr's window is an hour; a much shorter one is the strict
reading (a client may not save up a burst), and still long enough that a client pacing at
exactly the quota rate is not refused for a few milliseconds of network jitter. 250 ms per call
at 8 calls a second stands for 2 s per call at 1/s, inside the 0.6-7 s seen in the wild
(flickr-account-data.md A5): four metadata workers keep up with the rate, so the quota, not
the latency, sets the pace, as it does against Flickr.

The bench process watches the archive while the CLI runs (bench/watch.py): the moment every
item's file and sidecar are on disk ("files + list-level metadata"), and the moment every
sidecar is deep (a sidecar without `metadata_level` counts as deep, as every sidecar was before
issue 10). Before issue 10 the two coincide with the end of the run: each file waits for its
getInfo. BASELINE keeps that code's figures, printed beside each new measurement.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    FakeServer,
    KiB,
    MiB,
    Section,
    fake_server,
    run_backup,
    workdir,
)
from bench.fakeserver import FakeSpec
from bench.watch import SidecarWatch, Watched

NAME = "quota"
TITLE = "8. Under Flickr's quota"

TIME_SCALE = 8  # one benchmark second stands for this many real ones
API_RATE = 1.0 * TIME_SCALE  # Flickr: 3,600 calls an hour per key = 1 call/s
QUOTA_WINDOW = 10.0  # seconds (80 real ones); Flickr's is an hour
API_QUOTA = round(API_RATE * QUOTA_WINDOW)
API_LATENCY = 0.25  # seconds for every REST answer
FILE_SIZE = 384 * KiB  # every original, photo or video
BANDWIDTH = 1 * MiB  # bytes/s per connection
FILE_LATENCY = 0.1  # seconds before a file's first byte
CONCURRENCY = 8
VIDEO_SHARE = 0.05
COMMENT_SHARE = 0.10
POLL = 0.2  # seconds between two looks at the archive
# (items, albums): items a multiple of CONCURRENCY, so the bound's rounds come out whole.
SIZES = {"full": (480, 8), "quick": (240, 5)}
# A tag spelt several ways in the account ("New York", "NewYork") on this share of items:
# only getInfo says which spelling each has. An assumption (no survey of real accounts):
# a few per cent; every per cent costs about 0.01-0.02 calls per item before deep metadata.
AMBIGUOUS_SHARE = 0.03
# The client paces at 95 % of the quota: a token bucket at exactly the quota rate can make
# rate × window + 1 calls in a window (the token saved before it), one more than allowed.
HEADROOM = 0.95
OPTIONS = (
    "--concurrency",
    str(CONCURRENCY),
    "--api-rate",
    f"{API_RATE * HEADROOM:g}",
)
# The list-level run measures what list-level metadata costs; the default run (deep beside
# the files, then the rest) when everything is in.
LIST_LEVEL = ("--metadata", "list")
DEFAULT = ("--metadata", "deep")

CALLS_PER_ITEM = 0.25  # target before deep metadata
BOUND_SLACK = 1.15  # target: files + list-level metadata within 15 % of the bandwidth bound

# Today's behaviour (before issue 10), printed beside every run's figures: keys as in
# `measure()`, measured with this section (`python -m bench quota [--quick]`) on main's
# flickr_async/ at `commit`, the machine's load average 3-6 (bench/history.md).
BASELINE: dict[str, dict[str, Any]] = {
    "full": {
        "commit": "5f333d6",
        "measured": "2026-11-29",
        "items": 480,
        "calls": 622,
        "listed_calls": 622,
        "listed_at": 83.33,
        "deep_at": 83.33,
        "wall": 83.93,
        "bound": 28.47,
        "too_many": 1,
        "rerun_too_many": 0,
        "peak_calls_in_window": 80,
        "rerun_calls": 9,
        "rerun_wall": 4.93,
        "calls_by_method": (
            "photos.getInfo 481, photos.comments.getList 48, photos.people.getList 47, "
            "photos.getSizes 24, photosets.getPhotos 8, photosets.comments.getList 3, "
            "galleries.getPhotos 2, collections.getTree 1, contacts.getList 1, favorites.getList "
            "1, galleries.getList 1, people.getGroups 1, people.getInfo 1, photos.search 1, "
            "photosets.getList 1, test.login 1"
        ),
        "other_runs": "another full run: every file + sidecar at 79.9 s (run 80.1 s), 0 429s",
    },
    "quick": {
        "commit": "5f333d6",
        "measured": "2026-11-29",
        "items": 240,
        "calls": 321,
        "listed_calls": 321,
        "listed_at": 43.83,
        "deep_at": 43.83,
        "wall": 44.57,
        "bound": 14.21,
        "too_many": 0,
        "rerun_too_many": 0,
        "peak_calls_in_window": 78,
        "rerun_calls": 9,
        "rerun_wall": 2.91,
        "calls_by_method": (
            "photos.getInfo 240, photos.people.getList 26, photos.comments.getList 24, "
            "photos.getSizes 12, photosets.getPhotos 5, photosets.comments.getList 3, "
            "galleries.getPhotos 2, collections.getTree 1, contacts.getList 1, favorites.getList "
            "1, galleries.getList 1, people.getGroups 1, people.getInfo 1, photos.search 1, "
            "photosets.getList 1, test.login 1"
        ),
        "other_runs": "another quick run: every file + sidecar at 42.5 s (run 42.7 s), 0 429s",
    },
}


def spec(mode: str) -> FakeSpec:
    items, albums = SIZES[mode]
    return FakeSpec(
        photos=items,
        albums=albums,
        seed=10,
        file_size=FILE_SIZE,
        bandwidth=BANDWIDTH,
        latency=FILE_LATENCY,
        video_share=VIDEO_SHARE,
        comment_share=COMMENT_SHARE,
        ambiguous_share=AMBIGUOUS_SHARE,
        api_latency=API_LATENCY,
        api_quota=API_QUOTA,
        quota_window=QUOTA_WINDOW,
    )


def bandwidth_bound(requests: int, size: int) -> float:
    """The soonest any client can have every file on disk: each file request holds one of
    CONCURRENCY connections for FILE_LATENCY + its bytes / BANDWIDTH, so
    (requests × FILE_LATENCY + size / BANDWIDTH) / CONCURRENCY, `size` all the bytes. Leaves
    out process start-up and the listing calls before the first download (two at least)."""
    return (requests * FILE_LATENCY + size / BANDWIDTH) / CONCURRENCY


def watched_backup(
    fake: FakeServer, scratch: Path, label: str, out: Path, expected: int, level: tuple[str, ...]
) -> tuple[float, dict[str, Any], Watched]:
    """One CLI run with the archive watched; (wall, --report JSON, what the watch saw)."""
    watch = SidecarWatch(out, expected, fake.counters, interval=POLL).start()
    try:
        ran, report = run_backup(fake, scratch, label, *OPTIONS, *level, out=out)
    finally:
        seen = watch.stop()
    return ran.wall, report, seen


def by_method(calls: dict[str, int], per: int = 1) -> str:
    rows = sorted(calls.items(), key=lambda kv: (-kv[1], kv[0]))
    if per == 1:
        return ", ".join(f"{m.removeprefix('flickr.')} {n}" for m, n in rows)
    return ", ".join(f"{m.removeprefix('flickr.')} {n / per:.3f}" for m, n in rows)


def measure(mode: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figures, library summary) of a first backup and a no-change rerun."""
    with fake_server(spec(mode)) as fake, workdir(NAME) as scratch:
        lib = fake.library()
        items = int(lib["items"])
        out = scratch / "archive"
        fake.reset_counters()
        list_wall, _, list_seen = watched_backup(
            fake, scratch, "list", scratch / "list-level", items, LIST_LEVEL
        )
        list_run = fake.counters()
        time.sleep(QUOTA_WINDOW)  # the next run starts with the whole quota
        fake.reset_counters()
        wall, report, seen = watched_backup(fake, scratch, "first", out, items, DEFAULT)
        first = fake.counters()
        time.sleep(QUOTA_WINDOW)  # the rerun starts with the whole quota, as on another day
        fake.reset_counters()
        rerun_wall, rerun_report, _ = watched_backup(fake, scratch, "rerun", out, items, DEFAULT)
        rerun = fake.counters()
    listed_calls = seen.listed.counters.get("api_calls", {}) if seen.listed else {}
    figures: dict[str, Any] = {
        "items": items,
        "list_calls": list_run["total_api_calls"],
        "list_calls_by_method": list_run["api_calls"],
        "list_at": list_seen.listed.at if list_seen.listed else None,
        "list_wall": round(list_wall, 2),
        "list_too_many": sum(list_run["too_many_requests"].values()),
        "on_disk": seen.items,
        "calls": first["total_api_calls"],
        "calls_by_method": first["api_calls"],
        "listed_at": seen.listed.at if seen.listed else None,
        "listed_calls": sum(listed_calls.values()),
        "listed_calls_by_method": listed_calls,
        "deep_at": seen.deep.at if seen.deep else None,
        "levels": dict(seen.levels),
        "wall": round(wall, 2),
        "elapsed": report.get("elapsed_seconds"),
        # From what the fake served (one file per item; one video has no original, so its
        # largest play size is smaller than FILE_SIZE).
        "bound": bandwidth_bound(first["file_requests"], first["bytes_served"]),
        "bytes_served": first["bytes_served"],
        "file_requests": first["file_requests"],
        "too_many": sum(first["too_many_requests"].values()),
        "too_many_by_method": first["too_many_requests"],
        "peak_calls_in_window": seen.peak_calls(QUOTA_WINDOW),
        "rerun_calls": rerun["total_api_calls"],
        "rerun_calls_by_method": rerun["api_calls"],
        "rerun_wall": round(rerun_wall, 2),
        "rerun_unchanged": rerun_report.get("unchanged"),
        "rerun_too_many": sum(rerun["too_many_requests"].values()),
    }
    return figures, lib


def at(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f} s"


def per_item(fig: dict[str, Any]) -> str:
    return f"{fig['listed_calls'] / fig['items']:.2f} ({fig['listed_calls']} calls)"


def listed(fig: dict[str, Any]) -> str:
    moment = fig["listed_at"]
    return at(moment) + ("" if moment is None else f" = {moment / fig['bound']:.2f}× the bound")


def deep(fig: dict[str, Any]) -> str:
    return f"{at(fig['deep_at'])} (run {fig['wall']:.1f} s)"


def too_many(fig: dict[str, Any]) -> str:
    listed = f" (list-level run {fig['list_too_many']})" if "list_too_many" in fig else ""
    return f"{fig['too_many']}, {fig['rerun_too_many']}{listed}"


def peak(fig: dict[str, Any]) -> str:
    return f"{fig['peak_calls_in_window']} (quota {API_QUOTA})"


def rerun(fig: dict[str, Any]) -> str:
    return f"{fig['rerun_calls']} calls, {fig['rerun_wall']:.1f} s"


def run(quick: bool) -> Section:
    mode = "quick" if quick else "full"
    items, albums = SIZES[mode]
    nominal = bandwidth_bound(items, items * FILE_SIZE)
    section = Section(
        NAME,
        TITLE,
        f"First backups, then a no-change rerun, of {items} items ({VIDEO_SHARE:.0%} videos, "
        f"{COMMENT_SHARE:.0%} with comments, {albums} albums) against a fake that refuses "
        f"calls beyond {API_QUOTA} in any sliding {QUOTA_WINDOW:g} s with Flickr's HTML 429 "
        f"(Flickr's 3,600 calls/hour with time scaled ×{TIME_SCALE}), answers every API call "
        f"after {API_LATENCY * 1000:.0f} ms, and serves every original ({FILE_SIZE // KiB} KiB) "
        f"at {BANDWIDTH // KiB} KiB/s per connection after {FILE_LATENCY * 1000:.0f} ms. CLI: "
        f"`{' '.join(OPTIONS)}`, a first backup with `{' '.join(LIST_LEVEL)}` (what list-level "
        f"metadata costs), one with `{' '.join(DEFAULT)}` (the default: deep metadata beside "
        "the files, then the rest) and its no-change rerun, each starting with the whole "
        f"quota. The bench polls the archive every {POLL:g} s: "
        "files + list-level metadata = every item's file and sidecar on disk; deep = every "
        "sidecar deep (no `metadata_level` counts as deep). Bandwidth bound = (file requests × "
        "first-byte latency + bytes served ÷ bandwidth) ÷ concurrency, from the fake's "
        f"counters: at most ({items} × {FILE_LATENCY:g} s + {items} × {FILE_SIZE // KiB} KiB ÷ "
        f"{BANDWIDTH // KiB} KiB/s) ÷ {CONCURRENCY} = {nominal:.2f} s. Calls per item count "
        "every call the fake received (refused ones too) until the files + list-level moment. "
        "Times are seconds from the CLI's spawn; each value is followed by today's (before "
        "issue 10, BASELINE in bench/quota.py).",
    )
    now, lib = measure(mode)
    add_figures(section, now, BASELINE.get(mode))
    section.notes += notes(now, BASELINE.get(mode), lib)
    return section


def add_figures(section: Section, now: dict[str, Any], then: dict[str, Any] | None) -> None:
    def value(show: Callable[[dict[str, Any]], str]) -> str:
        return show(now) + (f" — before issue 10: {show(then)}" if then else "")

    bound = now["bound"]
    if "list_calls" in now:  # measured since issue 10: a run to list level alone
        calls = now["list_calls"] / now["items"]
        section.add(
            "first backup to list level (`--metadata list`): API calls per item",
            f"{calls:.2f} ({now['list_calls']} calls)"
            + (f" — before issue 10 (getInfo each): {per_item(then)}" if then else ""),
            f"≤ {CALLS_PER_ITEM}",
            calls <= CALLS_PER_ITEM,
        )
        moment = now["list_at"]
        section.add(
            "first backup to list level: every file + list-level metadata on disk",
            listed({"listed_at": moment, "bound": bound}) + f" (run {now['list_wall']:.1f} s)",
            f"≤ {BOUND_SLACK * bound:.2f} s",
            moment is not None and moment <= BOUND_SLACK * bound,
        )
    section.add(
        "first backup (default, deep beside the files): every file + list-level metadata on disk",
        value(listed),
        f"≤ {BOUND_SLACK * bound:.2f} s ({BOUND_SLACK:.2f}× the bound, {bound:.2f} s)",
        now["listed_at"] is not None and now["listed_at"] <= BOUND_SLACK * bound,
    )
    section.add(
        "first backup (default): API calls until then, deep ones beside included",
        value(per_item),
    )
    floor = (now["calls"] - 1) / (API_RATE * HEADROOM)  # the bucket starts with one token
    section.add(
        "first backup: every sidecar deep",
        value(deep),
        f"(API-rate floor for its {now['calls']} calls: {floor:.1f} s)",
    )
    section.add(
        "429s received: first backup, rerun",
        value(too_many),
        "0",
        now["too_many"] + now["rerun_too_many"] + now.get("list_too_many", 0) == 0,
    )
    section.add(f"most calls seen in {QUOTA_WINDOW:g} s (polled)", value(peak))
    section.add("no-change rerun", value(rerun))


def notes(now: dict[str, Any], then: dict[str, Any] | None, lib: dict[str, Any]) -> list[str]:
    items = now["items"]
    out = [
        f"Library: {items} items, {lib['videos']} videos, {lib['with_comments']} with comments, "
        f"{lib['with_people']} with people, {lib['with_notes']} with notes, {lib['with_geo']} "
        f"geotagged ({lib['places']} places), {len(lib['album_sizes'])} albums. Items on disk "
        f"at the end: {now['on_disk']}; sidecars by metadata_level: {now['levels']}.",
        f"First backup to list level (`{' '.join(LIST_LEVEL)}`), calls per item by method: "
        f"{by_method(now['list_calls_by_method'], items)}.",
        "Default first backup, calls per item until files + list-level metadata (deep calls "
        f"beside included), by method: {by_method(now['listed_calls_by_method'], items)}.",
        f"First backup, all calls ({now['calls']}): {by_method(now['calls_by_method'])}; "
        f"429s by method: {by_method(now['too_many_by_method']) or 'none'}.",
        f"No-change rerun ({now['rerun_unchanged']} unchanged): "
        f"{by_method(now['rerun_calls_by_method'])}.",
        f"Files served: {now['file_requests']} requests for {items} items, "
        f"{now['bytes_served'] / MiB:.1f} MiB. Moments are seen at the "
        f"{POLL:g} s polls (up to {POLL:g} s late); calls at a moment are read just after it.",
    ]
    out.append(
        "Only the quota and the call latency are scaled: the client's 429 pause (2 s for "
        "everyone, doubling while 429s keep coming) is not, so one 429 costs "
        f"{2 * API_RATE:.0f} calls' time here and 2 at Flickr's rate."
    )
    if then:
        out.append(
            f"Before issue 10 ({then['commit']}, {then['measured']}): first backup calls by "
            f"method {then['calls_by_method']}; {then['other_runs']}."
        )
    return out
