"""2. Against the obvious alternative: bench/naive.py (sequential) vs flickr-async at c=8."""

from __future__ import annotations

import json

from bench import scaling
from bench.common import (
    HIGH_API_RATE,
    PYTHON,
    MiB,
    Section,
    fake_server,
    ratio,
    run_backup,
    run_child,
    seconds,
    workdir,
)

NAME = "versus"
TITLE = "2. Against the obvious alternative"
SPEED_TARGET = 8.0


def run(quick: bool) -> Section:
    spec = scaling.library(quick)
    section = Section(
        NAME,
        TITLE,
        f"The library of benchmark 1 ({spec.photos} × {scaling.FILE_SIZE // 1024} KiB at "
        f"{scaling.BANDWIDTH // MiB} MiB/s per connection, {scaling.LATENCY * 1000:.0f} ms "
        "latency). `bench/naive.py` is the script people write by hand: one photo at a time, a "
        "search page, then getInfo + comments.getList + the url_o download + a JSON file per "
        "photo, signed with authlib's `ClientAuth` over urllib. flickr-async runs with "
        f"`--concurrency 8 --metadata full --api-rate {HIGH_API_RATE}` (the same metadata: "
        "getInfo and comments). API calls are the fake's own counters.",
    )
    with fake_server(spec) as fake, workdir(NAME) as scratch:
        fake.reset_counters()
        naive = run_child(
            [PYTHON, "-m", "bench.naive", str(scratch / "naive-archive")],
            logs=scratch / "naive-logs",
            env=fake.env(scratch),
        ).check()
        naive_counts = fake.counters()
        naive_out = json.loads(naive.stdout.read_text("utf-8"))
        fake.reset_counters()
        ours, report = run_backup(
            fake,
            scratch,
            "c8",
            "--concurrency",
            "8",
            "--metadata",
            "full",
            "--api-rate",
            HIGH_API_RATE,
        )
        our_counts = fake.counters()
    speedup = naive.wall / ours.wall
    naive_calls, our_calls = naive_counts["total_api_calls"], our_counts["total_api_calls"]
    section.add(
        "naive.py: wall, API calls",
        f"{seconds(naive.wall)}, {naive_calls} calls, {naive_out['bytes'] / MiB:.1f} MiB, "
        f"CPU {naive.cpu:.2f} s",
    )
    section.add(
        "flickr-async c=8: wall (elapsed), API calls",
        f"{seconds(ours.wall)} ({seconds(report['elapsed_seconds'])}), {our_calls} calls, "
        f"{report['bytes_downloaded'] / MiB:.1f} MiB, CPU {ours.cpu:.2f} s",
    )
    section.add(
        "speed-up (wall)", ratio(speedup), f"≥ {SPEED_TARGET:.0f}×", speedup >= SPEED_TARGET
    )
    section.add(
        "speed-up (naive wall / our in-process elapsed)",
        ratio(naive.wall / report["elapsed_seconds"]),
    )
    section.add(
        "API calls: flickr-async vs naive",
        f"{our_calls} vs {naive_calls}",
        "fewer",
        our_calls < naive_calls,
    )
    section.notes.append(f"naive.py calls by method: {_methods(naive_counts)}.")
    section.notes.append(f"flickr-async calls by method: {_methods(our_counts)}.")
    fixed = ours.wall - report["elapsed_seconds"]
    section.notes.append(
        f"Wall includes the CLI's fixed start-up/shutdown ({fixed:.2f} s here); "
        "the naive script starts in a fraction of that (urllib, no asyncio/aiohttp/rich)."
    )
    section.notes.append(
        "Ceiling: 8 connections can at best be 8× faster than one on the download part; the "
        "naive script's per-photo API round trips are what lets a c=8 run exceed 8× at all."
    )
    if quick:
        section.notes.append(f"--quick: {spec.photos} files instead of 48.")
    return section


def _methods(counts: dict[str, object]) -> str:
    calls = counts["api_calls"]
    assert isinstance(calls, dict)
    return ", ".join(f"{m.removeprefix('flickr.')} {n}" for m, n in sorted(calls.items()))
