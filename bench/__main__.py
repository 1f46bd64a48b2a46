"""`python -m bench [NAME...] [--quick]`: run benchmarks, print figures, write bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from types import ModuleType

from bench import (
    budget,
    changes,
    economy,
    firstbackup,
    hostile,
    importing,
    memory,
    peers,
    quota,
    report,
    scaling,
    site,
    startup,
    throughput,
    versus,
)
from bench.common import Section, compile_package

BENCHMARKS: tuple[ModuleType, ...] = (
    scaling,
    versus,
    throughput,
    economy,
    budget,
    memory,
    startup,
    quota,
    site,
    hostile,
    changes,
    importing,
    firstbackup,
    peers,
)
BY_NAME: dict[str, ModuleType] = {m.NAME: m for m in BENCHMARKS}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default all): {', '.join(BY_NAME)}",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes)")
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave RESULTS.md untouched"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BY_NAME)}")
    return args


def run_one(module: ModuleType, quick: bool) -> Section:
    runner: Callable[[bool], Section] = module.run
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    print(f"== {module.TITLE} ...", flush=True)
    try:
        section = runner(quick)
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        section = Section(module.NAME, module.TITLE, "The benchmark did not finish.")
        section.add("error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}", "", False)
    section.measured_at = time.strftime("%Y-%m-%d %H:%M")
    section.quick = quick
    section.code = report.code_version()
    section.notes.append(
        f"Benchmark wall time {time.monotonic() - started:.0f} s; 1-minute load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other work on this 2-core "
        "machine, such as test suites, skews wall times)."
    )
    print(report.table([section]), flush=True)
    return section


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [BY_NAME[n] for n in args.names] if args.names else list(BENCHMARKS)
    compile_package()
    sections = [run_one(module, args.quick) for module in chosen]
    print("\n" + report.table(sections))
    if not args.no_write:
        path = report.save(sections, [m.NAME for m in BENCHMARKS])
        print(f"\nwrote {path}")
    # Missed targets are findings, not failures; a benchmark that broke is a failure.
    broken = any(f.label == "error" for s in sections for f in s.figures)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
