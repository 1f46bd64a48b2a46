"""`python -m bench.mutate [MODULE...]`: mutation testing of the core modules, in bounded time.

Each module gets its own `mutmut run "flickr_async.<module>.*"` (configured under
[tool.mutmut] in pyproject.toml): mutmut copies the package and the tests to mutants/, lets
mypy reject the mutants that do not type-check, then runs each remaining mutant against the
tests that reach the mutated function, fastest first. Of those, only the module's relevant
tests run (this file is also the pytest plugin that deselects the others): every unit test,
and the end-to-end files about the module (RELEVANT_E2E). A surviving mutant runs every one of
its tests, and the e2e tests reach nearly every function: without that cut one equivalent
mutant of layout.py costs two minutes. The whole run has one time bound;
each module may use the time left divided by the modules left, so a module that finishes early
leaves its time to the others. At its bound a module's mutmut is stopped with SIGINT (it
stops its workers and keeps every verdict so far); mutants it did not reach count as "not
checked", modules the run did not reach keep their previous figures.

mutmut's type check runs `python -m bench.mutate --type-checker mypy` (in mutants/):
mypy over the module being mutated only, so mutmut need not parse the other modules' mutants
(minutes for writer.py and exif.py).

Figures go to bench/mutation.json (each module's latest run) and bench/MUTATION.md, rendered
from it. Notes written under a surviving mutant in MUTATION.md (indented lines, such as why
it is equivalent) are carried over to the next run for as long as the same change survives.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "flickr_async"
CORE_MODULES = ("listing", "downloader", "writer", "state", "verify", "layout", "exif")
MUTANTS = ROOT / "mutants"
LOGS = MUTANTS / "logs"
MUTATION_MD = ROOT / "bench" / "MUTATION.md"
MUTATION_JSON = ROOT / "bench" / "mutation.json"
BIN = Path(sys.executable).parent
STOP_GRACE = 60.0  # seconds mutmut gets to stop its workers after SIGINT
HEARTBEAT = 60.0
MODULE_ENV = "MUTATE_MODULE"  # tells the type check which module is being mutated
# mypy over mutmut's copy: JSON for mutmut to read. Strict mode flags mutmut's own generated
# `# type: ignore` lines as unused; no-redef is an artefact of the copies of each __init__
# (they all annotate the same attributes) and would mark every __init__ mutant as caught.
MYPY_ARGS = ("--output=json", "--no-warn-unused-ignores", "--disable-error-code=no-redef")
WIDE = 100  # a side of a one-line diff longer than this shows only the change and some context
CONTEXT = 30

# mutmut's verdicts -> the columns of the report.
COLUMN_BY_STATUS = {
    "killed": "killed",
    "caught by type check": "mypy",
    "survived": "survived",
    "no tests": "no tests",
    "timeout": "timeout",
    "not checked": "not checked",
    "check was interrupted by user": "not checked",
}
# The e2e files that test each module's behaviour; unit tests are always relevant (and fast).
RELEVANT_E2E = {
    "listing": ("test_backup.py",),
    "downloader": ("test_backup.py", "test_resume.py"),
    "writer": ("test_backup.py", "test_sync.py"),
    "state": ("test_sync.py", "test_resume.py"),
    "verify": ("test_cron.py",),
    "layout": ("test_backup.py",),
    "exif": ("test_backup.py",),
}
E2E_DIR = "tests/e2e/"
COLUMNS = ("killed", "mypy", "survived", "no tests", "timeout", "not checked", "other")
LISTED = ("survived", "no tests")  # the verdicts whose mutants MUTATION.md lists


@dataclass
class Survivor:
    name: str  # mutmut's name, e.g. flickr_async.layout.x_safe_name__mutmut_3
    function: str  # e.g. safe_name, Photostream._window
    change: str  # one line: `before` → `after`
    status: str  # "survived" or "no tests"


@dataclass
class ModuleRun:
    module: str
    written: str  # when this module was run
    commit: str
    budget_seconds: float
    seconds: float
    outcome: str  # "complete", "stopped at the time bound", "interrupted", "failed (...)"
    generated: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    other: dict[str, int] = field(default_factory=dict)  # verdicts without a column of their own
    survivors: list[Survivor] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        """Share of checked mutants that something (a test, mypy, a timeout) caught."""
        caught = sum(self.counts.get(c, 0) for c in ("killed", "mypy", "timeout"))
        checked = self.generated - self.counts.get("not checked", 0)
        return caught / checked if checked else None


# --- the pytest plugin (`-p bench.mutate` in [tool.mutmut] pytest_add_cli_args) -------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """While mutmut tests a module named by the driver, only its relevant tests run. Its
    stats runs (which test reaches which function) and test listings still see every test."""
    module = os.environ.get(MODULE_ENV, "")
    phase = os.environ.get("MUTANT_UNDER_TEST", "")
    if module not in RELEVANT_E2E or phase in ("stats", "list_all_tests"):
        return
    relevant = {E2E_DIR + name for name in RELEVANT_E2E[module]}
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        path = item.nodeid.split("::", 1)[0].removeprefix("mutants/")
        (drop if path.startswith(E2E_DIR) and path not in relevant else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- running mutmut --------------------------------------------------------------------------


def mutmut_command() -> str:
    found = BIN / "mutmut"
    return str(found) if found.exists() else shutil.which("mutmut") or "mutmut"


def mutmut_env(module: str | None = None) -> dict[str, str]:
    # The venv's python and mypy must be the ones [tool.mutmut] type_check_command finds.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if module:
        env[MODULE_ENV] = module
    return env


def type_check() -> int:
    """mutmut's type_check_command, run in mutants/: mypy's JSON report on the module being
    mutated (imports are read silently), or on the whole package when run by hand."""
    module = os.environ.get(MODULE_ENV)
    where = ["--follow-imports=silent", f"{PACKAGE}/{module}.py"] if module else []
    return subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY_ARGS, *where], check=False
    ).returncode


def forget_module(module: str) -> None:
    """Drop the module's mutants and verdicts so mutmut generates and checks them afresh
    (with an explicit name mutmut re-checks every mutant, but a stopped run would otherwise
    leave the unreached ones with a previous run's verdicts)."""
    base = MUTANTS / PACKAGE / f"{module}.py"
    for path in (base, base.with_name(base.name + ".meta"), base.with_name(base.name + ".spans")):
        path.unlink(missing_ok=True)


def progress(module: str) -> tuple[int, int] | None:
    """(checked, generated) so far, read from mutmut's own bookkeeping; None if unreadable."""
    try:
        meta = json.loads((MUTANTS / PACKAGE / f"{module}.py.meta").read_text("utf-8"))
        codes = meta["exit_code_by_key"]
        return sum(code is not None for code in codes.values()), len(codes)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT to mutmut alone: it stops its workers and keeps the verdicts it has. Workers
    are never signalled directly (an interrupted test would count as a verdict)."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=STOP_GRACE)
        return
    except subprocess.TimeoutExpired:
        pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)  # mutmut and its workers: their own session
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def run_mutmut(module: str, jobs: int, budget: float, log: Path) -> tuple[str, float]:
    """Run mutmut over one module until it finishes or `budget` seconds pass.
    Returns (outcome, seconds taken)."""
    forget_module(module)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [mutmut_command(), "run", "--max-children", str(jobs), f"{PACKAGE}.{module}.*"]
    start = time.monotonic()
    deadline = start + budget
    with log.open("wb") as output:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=mutmut_env(module),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this driver only; it stops mutmut
        )
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    stop(proc)
                    return "stopped at the time bound", time.monotonic() - start
                try:
                    code = proc.wait(timeout=min(left, HEARTBEAT))
                    break
                except subprocess.TimeoutExpired:
                    done = progress(module)
                    checked = f", {done[0]}/{done[1]} mutants checked" if done else ""
                    elapsed = minutes(time.monotonic() - start)
                    print(f"  {module}: {elapsed} of {minutes(budget)}{checked}", flush=True)
        except KeyboardInterrupt:
            print(f"  {module}: interrupted, stopping mutmut…", flush=True)
            stop(proc)
            raise
    seconds = time.monotonic() - start
    if code != 0:
        return f"failed (mutmut exit code {code}, see {log.relative_to(ROOT)})", seconds
    return "complete", seconds


# --- reading mutmut's verdicts ---------------------------------------------------------------


def statuses(module: str) -> dict[str, str]:
    """Mutant name -> mutmut's verdict, for one module (`mutmut results --all true`)."""
    result = subprocess.run(
        [mutmut_command(), "results", "--all", "true"],
        cwd=ROOT,
        env=mutmut_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:  # e.g. no mutants/ yet: nothing generated, nothing checked
        return {}
    prefix = f"{PACKAGE}.{module}."
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith(prefix):
            found[name] = status
    return found


def function_of(name: str) -> str:
    """flickr_async.state.xǁRunLockǁ__init____mutmut_1 -> RunLock.__init__"""
    mangled = name.rpartition(".")[2].partition("__mutmut_")[0]
    if mangled.startswith("xǁ"):
        _, cls, method = mangled.split("ǁ", 2)
        return f"{cls}.{method}"
    return mangled.removeprefix("x_")


def diff_reader() -> Callable[[str, Path], str]:
    """mutmut's own diff of a mutant against the original function (`mutmut show`), called
    in-process when this mutmut version allows it: a `mutmut show` per survivor costs a second."""
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        def in_process(name: str, path: Path) -> str:
            return get_diff_for_mutant(name, path=path)

        return in_process
    except ImportError:

        def by_cli(name: str, path: Path) -> str:
            shown = subprocess.run(
                [mutmut_command(), "show", name],
                cwd=ROOT,
                env=mutmut_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            return shown.stdout

        return by_cli


def code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def narrow(before: str, after: str) -> tuple[str, str]:
    """Long lines: only what differs, with some context on each side."""
    if max(len(before), len(after)) <= WIDE:
        return before, after
    shortest = min(len(before), len(after))
    prefix = 0
    while prefix < shortest and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - CONTEXT)
    cut = max(0, suffix - CONTEXT)

    def window(text: str) -> str:
        end = len(text) - cut
        return ("…" if start else "") + text[start:end] + ("…" if cut else "")

    return window(before), window(after)


def one_line(diff: str) -> str:
    """A unified diff of one function as `removed` → `added` (several lines joined by ⏎)."""
    lines = diff.splitlines()
    removed = [ln[1:].strip() for ln in lines if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:].strip() for ln in lines if ln.startswith("+") and not ln.startswith("+++")]
    if not removed and not added:
        return "(no textual change)"
    before, after = narrow(" ⏎ ".join(removed), " ⏎ ".join(added))
    return f"{code(before) if removed else '(nothing)'} → {code(after) if added else '(removed)'}"


def collect(module: str, run: ModuleRun) -> None:
    """Fill `run` with the module's verdicts and its survivors' one-line diffs."""
    found = statuses(module)
    run.generated = len(found)
    counts: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for status in found.values():
        column = COLUMN_BY_STATUS.get(status, "other")
        counts[column] += 1
        if column == "other":
            other[status] += 1
    run.counts = {c: counts[c] for c in COLUMNS}
    run.other = dict(other)
    diff = diff_reader()
    path = Path(PACKAGE) / f"{module}.py"
    for name, status in sorted(found.items(), key=lambda item: mutant_order(item[0])):
        if COLUMN_BY_STATUS.get(status) in LISTED:
            try:
                change = one_line(diff(name, path))
            except Exception as exc:  # a missing diff must not lose the figures
                change = f"(no diff: {type(exc).__name__})"
            run.survivors.append(Survivor(name, function_of(name), change, status))


def mutant_order(name: str) -> tuple[str, int]:
    function, _, number = name.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


# --- the results files -----------------------------------------------------------------------


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip()


def load_runs() -> dict[str, ModuleRun]:
    try:
        data: dict[str, Any] = json.loads(MUTATION_JSON.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    runs = {}
    for module, raw in data.get("modules", {}).items():
        survivors = [Survivor(**s) for s in raw.pop("survivors", [])]
        runs[module] = ModuleRun(**raw, survivors=survivors)
    return runs


NoteKey = tuple[str, str, str]  # (module, function, change)
_ITEM = re.compile(r"^- `(?P<function>[^`]+)`: (?P<change>.*) \(`(?P<name>[^`]+)`(?:, [^)]*)?\)$")


def load_notes(text: str) -> dict[NoteKey, list[str]]:
    """The hand-written lines indented under each listed mutant in MUTATION.md."""
    notes: dict[NoteKey, list[str]] = {}
    key: NoteKey | None = None
    for line in text.splitlines():
        item = _ITEM.match(line)
        if item:
            module = item["name"].split(".")[1] if item["name"].count(".") >= 2 else ""
            key = (module, item["function"], item["change"])
        elif key is not None and line.startswith("  ") and line.strip():
            notes.setdefault(key, []).append(line)
        else:
            key = None
    return notes


def render(runs: dict[str, ModuleRun], notes: dict[NoteKey, list[str]], last_run: list[str]) -> str:
    ordered = [runs[m] for m in CORE_MODULES if m in runs]
    out = [
        "# Mutation testing",
        "",
        "Generated by `make mutate` (`.venv/bin/python -m bench.mutate [MODULE...] [--minutes N]`,"
        " mutmut configured under `[tool.mutmut]` in `pyproject.toml`); figures come from"
        " `bench/mutation.json`. Each mutant is a one-token change to a function of a core module;"
        " it is *killed* when a test fails, *mypy* when `mypy --strict` (part of `make test`)"
        " rejects it, *survived* when every test that reaches the function still passes, *no"
        " tests* when no selected test reaches the function, *not checked* when the time bound"
        " came first. Score = (killed + mypy + timeout) / checked. Tests: `tests/unit` and"
        " `tests/e2e` without `test_scale.py` and the fake's own tests; each mutant runs only"
        " the tests that reach its function.",
        "",
        "Hand-written notes under a listed mutant (indented lines) are kept by the next run while"
        " the same change survives; everything else here is regenerated.",
        "",
        *last_run,
        "",
        "| module | generated | killed | mypy | survived | no tests | timeout | not checked"
        " | other | score | time (budget) | run |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for run in ordered:
        c = run.counts
        score = "–" if run.score is None else f"{run.score:.0%}"
        other = sum(run.other.values())
        out.append(
            f"| {run.module}.py | {run.generated} | {c.get('killed', 0)} | {c.get('mypy', 0)}"
            f" | {c.get('survived', 0)} | {c.get('no tests', 0)} | {c.get('timeout', 0)}"
            f" | {c.get('not checked', 0)} | {other} | {score}"
            f" | {minutes(run.seconds)} ({minutes(run.budget_seconds)})"
            f" | {run.written} on {run.commit}: {run.outcome} |"
        )
    for run in ordered:
        out += ["", f"## {run.module}.py", ""]
        if run.other:
            out.append("Other verdicts: " + ", ".join(f"{k} {v}" for k, v in run.other.items()))
            out.append("")
        if not run.survivors:
            out.append("No surviving mutants among those checked.")
            continue
        for s in run.survivors:
            status = "" if s.status == "survived" else f", {s.status}"
            out.append(f"- `{s.function}`: {s.change} (`{s.name}`{status})")
            out += notes.get((run.module, s.function, s.change), [])
    return "\n".join(out) + "\n"


def save(runs: dict[str, ModuleRun], last_run: list[str]) -> None:
    notes = load_notes(MUTATION_MD.read_text("utf-8")) if MUTATION_MD.exists() else {}
    data = {"modules": {m: asdict(r) for m, r in sorted(runs.items())}}
    MUTATION_JSON.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
    MUTATION_MD.write_text(render(runs, notes, last_run), "utf-8")


# --- the command -----------------------------------------------------------------------------


def figures_table(runs: Sequence[ModuleRun]) -> Iterator[str]:
    head = ("module", "generated", *COLUMNS, "score", "time", "outcome")
    rows: list[tuple[str, ...]] = [head]
    for r in runs:
        score = "-" if r.score is None else f"{r.score:.0%}"
        counts = [str(r.counts.get(c, 0)) for c in COLUMNS[:-1]] + [str(sum(r.other.values()))]
        rows.append((r.module, str(r.generated), *counts, score, minutes(r.seconds), r.outcome))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    for row in rows:
        yield "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mutate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "modules",
        nargs="*",
        metavar="MODULE",
        help=f"modules to mutate, in this order (default: {' '.join(CORE_MODULES)})",
    )
    parser.add_argument(
        "--minutes", type=float, default=35.0, help="time bound for the whole run (default 35)"
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="mutants tested at once"
    )
    parser.add_argument("--fresh", action="store_true", help="delete mutants/ first (new stats)")
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave bench/MUTATION.md untouched"
    )
    parser.add_argument(
        "--type-checker", choices=["mypy"], help="(for mutmut) print mypy's report and exit"
    )
    args = parser.parse_args(argv)
    if args.type_checker:
        return args
    args.modules = [m.removesuffix(".py") for m in args.modules] or list(CORE_MODULES)
    unknown = [m for m in args.modules if m not in CORE_MODULES]
    if unknown:
        parser.error(
            f"unknown module(s) {', '.join(unknown)}; choose from {' '.join(CORE_MODULES)}"
        )
    if args.minutes <= 0 or args.jobs < 1:
        parser.error("--minutes and --jobs must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.type_checker:
        return type_check()
    os.chdir(ROOT)  # mutmut works in ./mutants
    if args.fresh:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    commit = git("rev-parse", "--short", "HEAD") + (
        "+dirty" if git("status", "--porcelain") else ""
    )
    load_before = os.getloadavg()[0]
    deadline = time.monotonic() + args.minutes * 60
    print(
        f"mutation testing {', '.join(args.modules)} within {args.minutes:g} min,"
        f" {args.jobs} at once; mutmut logs in {LOGS.relative_to(ROOT)}/",
        flush=True,
    )
    done: list[ModuleRun] = []
    not_reached: list[str] = []
    interrupted = False
    for index, module in enumerate(args.modules):
        left = deadline - time.monotonic()
        if interrupted or left < 30:
            not_reached = list(args.modules[index:])
            break
        budget = left / (len(args.modules) - index)
        print(f"{module}: up to {minutes(budget)}", flush=True)
        run = ModuleRun(module, time.strftime("%Y-%m-%d %H:%M"), commit, budget, 0.0, "")
        try:
            run.outcome, run.seconds = run_mutmut(module, args.jobs, budget, LOGS / f"{module}.log")
        except KeyboardInterrupt:
            run.outcome, interrupted = "interrupted", True
        collect(module, run)
        done.append(run)
        print(f"{module}: {run.outcome} in {minutes(run.seconds)}", flush=True)
    print()
    for line in figures_table(done):
        print(line)
    if not_reached:
        print(f"\nnot reached within the time bound: {', '.join(not_reached)}")
    if interrupted or args.no_write:
        print("\nresults files left untouched" + (" (interrupted)" if interrupted else ""))
    else:
        runs = load_runs()
        runs.update({r.module: r for r in done})
        last_run = [
            f"- Last run: {time.strftime('%Y-%m-%d %H:%M')} on {commit},"
            f" modules {' '.join(args.modules)}, bound {args.minutes:g} min, {args.jobs} at once"
            + (f"; not reached: {' '.join(not_reached)}" if not_reached else ""),
            f"- Machine: {os.cpu_count()} cores, 1-minute load average {load_before:.1f} before"
            f" and {os.getloadavg()[0]:.1f} after (other work on the machine slows the tests);"
            f" mutmut {mutmut_version()}",
        ]
        save(runs, last_run)
        print(f"\nwrote {MUTATION_MD.relative_to(ROOT)} and {MUTATION_JSON.relative_to(ROOT)}")
    failed = any(r.outcome.startswith("failed") for r in done)
    return 130 if interrupted else 1 if failed else 0


def mutmut_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mutmut")
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
