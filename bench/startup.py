"""7. Fixed costs: spawn to the first API request, and the first listing page to the first file."""

from __future__ import annotations

import re
import statistics
import subprocess
import time
from collections import Counter

from bench.common import PYTHON, ROOT, KiB, Section, fake_server, run_backup, workdir
from bench.fakeserver import FakeSpec

NAME = "startup"
TITLE = "7. Start-up and the first file"
TARGET_MS = 150.0  # spawn to the first API request
PACED_RATE = "5"  # one API call every 200 ms: a file that waited for any other call shows
# What a backup imports before its first call: the CLI alone (what `site` and `status` load)
# leaves aiohttp and the pipeline to the commands that talk to Flickr.
BACKUP_IMPORTS = "import flickr_async.cli, flickr_async.pipeline"


def library() -> FakeSpec:
    return FakeSpec(photos=8, albums=2, seed=5, file_size=64 * KiB)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def spread(values: list[float]) -> str:
    return f"{ms(statistics.median(values))} (min {ms(min(values))}, max {ms(max(values))})"


def child_clock(code: str) -> float:
    """Spawn to the moment a `python -c` child has run `code` (its time.monotonic(), which is
    the system's CLOCK_MONOTONIC like ours): interpreter start-up plus those imports."""
    spawned = time.monotonic()
    out = subprocess.run(
        [PYTHON, "-c", f"{code}\nimport time; print(time.monotonic())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.split()[-1]) - spawned


def import_profile(top: int = 12) -> str:
    """`python -X importtime` of a backup's imports, self time summed per package."""
    err = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", BACKUP_IMPORTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    totals: Counter[str] = Counter()
    for line in err.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| \s*(\S+)", line)
        if match:
            name = match.group(2)
            totals[name if name.startswith("flickr_async") else name.split(".")[0]] += int(
                match.group(1)
            )
    rows = [f"{us / 1000:7.1f} ms  {name}" for name, us in totals.most_common(top)]
    return "\n".join([f"{sum(totals.values()) / 1000:7.1f} ms  all imports", *rows])


def run(quick: bool) -> Section:
    runs = 5 if quick else 11
    spec = library()
    section = Section(
        NAME,
        TITLE,
        f"A first `backup` of {spec.photos} photos ({spec.file_size // KiB} KiB each), "
        f"{runs} times, each into a fresh OUT. Spawn → first API request is the CLI child's "
        "start-up (interpreter, imports, option parsing, settings, lock, state) up to "
        "`flickr.test.login` reaching the fake, on one clock (CLOCK_MONOTONIC). Then one run at "
        f"`--api-rate {PACED_RATE}` (a call every 200 ms, `--metadata full`): the first file "
        "request must follow the first listing page before any other API call (albums, "
        "getInfo, the account's organisation).",
    )
    to_first_call: list[float] = []
    fixed: list[float] = []
    with fake_server(spec) as fake, workdir(NAME) as scratch:
        for n in range(runs):
            fake.reset_counters()
            spawned = time.monotonic()
            child, report = run_backup(
                fake, scratch, f"run{n}", "--metadata", "basic", "--api-rate", "100000"
            )
            to_first_call.append(fake.counters()["first_at"]["api"] - spawned)
            fixed.append(child.wall - float(report["elapsed_seconds"]))
        fake.reset_counters()
        run_backup(fake, scratch, "paced", "--api-rate", PACED_RATE)
        paced = fake.counters()
    median = statistics.median(to_first_call)
    section.add(
        "spawn → first API request",
        spread(to_first_call),
        f"≤ {TARGET_MS:.0f} ms",
        median * 1000 <= TARGET_MS,
    )
    floors = {
        "interpreter": child_clock("pass"),
        "asyncio, aiohttp": child_clock("import asyncio, aiohttp"),
        "the CLI": child_clock("import flickr_async.cli"),
        "the CLI + the pipeline": child_clock(BACKUP_IMPORTS),
    }
    section.add(
        "spawn → imported: interpreter / asyncio, aiohttp / the CLI / the CLI + the pipeline",
        " / ".join(ms(v) for v in floors.values()),
    )
    section.add("process fixed cost (wall − in-run elapsed)", spread(fixed))
    first_at = paced["first_at"]
    before = paced["calls_before_first_file"]
    gap = first_at["file"] - first_at["flickr.photos.search"]
    section.add(
        f"first listing page → first file request (--api-rate {PACED_RATE})",
        f"{ms(gap)}; API calls before it: {', '.join(before)}",
        "before any other API call",
        before == ["flickr.test.login", "flickr.photos.search"],
    )
    section.notes.append(
        "The floor on this machine is the interpreter and aiohttp's import (which builds two "
        "TLS contexts, loading the CA bundle twice); typer then imports pydantic and builds a "
        "TypeAdapter per option while parsing the command line."
    )
    section.block = f"python -X importtime -c '{BACKUP_IMPORTS}' (self time by package)\n"
    section.block += import_profile()
    if quick:
        section.notes.append(f"--quick: {runs} runs instead of 11.")
    return section
