"""Sample a child with py-spy (all threads, on-CPU only) and summarise where the time goes."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import PYTHON, ChildRun, run_child

RATE = 250  # samples per second


def py_spy() -> str | None:
    """py-spy from the venv or PATH; a profiling aid, deliberately not in pyproject."""
    beside = Path(PYTHON).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(argv: Sequence[str], *, logs: Path, env: dict[str, str], raw: Path) -> ChildRun | None:
    spy = py_spy()
    if spy is None:
        return None
    command = [spy, "record", "--threads", "--rate", str(RATE), "--format", "raw", "-o", str(raw)]
    return run_child([*command, "--", *argv], logs=logs, env=env)


def _frame(frame: str) -> str:
    """`func (path/to/module.py:123)` -> `module.func`."""
    name, _, where = frame.partition(" (")
    module = Path(where.split(":")[0]).stem if where else ""
    return f"{module}.{name}" if module else name


def _line(frame: str) -> str:
    """`func (path/to/module.py:123)` -> `module.py:123 func`."""
    name, _, where = frame.partition(" (")
    return f"{Path(where.rstrip(')')).name} {name}" if where else name


def summarise(raw: Path, top: int = 12) -> str:
    """Self time by function and inclusive time by thread kind, as a text block."""
    waiting = 0
    self_time: Counter[str] = Counter()
    hot_lines: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in raw.read_text("utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [f for f in stack.split(";") if f and not f.startswith(("thread (", "process "))]
        if not frames or any(idle in frames[-1] for idle in IDLE_LEAVES):
            waiting += samples  # py-spy counts some blocking waits as running
            continue
        thread = "worker threads" if any("Thread.run" in f for f in frames) else "event loop"
        threads[thread] += samples
        self_time[_frame(frames[-1])] += samples
        hot_lines[_line(frames[-1])] += samples
        for name in {_frame(f) for f in frames}:
            inclusive[name] += samples
    busy = total - waiting
    if not busy:
        return "(no samples)"
    lines = [
        f"{busy} busy samples at {RATE} Hz ({busy / RATE:.1f} thread-s: GIL waits and disk "
        f"syscalls count as busy; {waiting} samples idle in a pool or selector wait left out); "
        "shares are of the busy samples"
    ]
    lines += [f"  {name}: {n / busy:.0%}" for name, n in threads.most_common()]
    lines.append("self time (the function on top of the stack):")
    lines += [f"  {n / busy:6.1%}  {name}" for name, n in self_time.most_common(top)]
    lines.append("hottest lines (self time):")
    lines += [f"  {n / busy:6.1%}  {name}" for name, n in hot_lines.most_common(top // 2)]
    lines.append("inclusive time, selected flickr_async / aiohttp frames:")
    interesting = [
        (name, n)
        for name, n in inclusive.most_common()
        if name.split(".")[0] in INTERESTING_MODULES
    ]
    lines += [f"  {n / busy:6.1%}  {name}" for name, n in interesting[:top]]
    return "\n".join(lines)


# Leaf frames that are waits py-spy reports as running (a pool worker blocked on its queue).
IDLE_LEAVES = ("concurrent/futures/thread.py:81)", "EpollSelector.select", "Condition.wait")
INTERESTING_MODULES = frozenset(
    {"downloader", "writer", "exif", "api", "producer", "metadata_fetcher", "state",
     "fsutil", "sidecar",
     "streams", "client_proto", "aiofiles", "threadpool", "base_events", "selector_events"}
)  # fmt: skip
