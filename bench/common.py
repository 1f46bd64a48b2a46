"""Shared plumbing: the fake in its own process, the CLI as a measured child, figures."""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fakeserver import FakeSpec
from tests.fakeflickr.server import cli_environment

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "out"  # git-ignored scratch space; every run cleans up after itself
PYTHON = sys.executable
KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
HIGH_API_RATE = "100000"  # "only downloads matter": the token bucket never waits
CHILD_TIMEOUT = 600.0  # no single child may run longer: benchmarks stop by themselves


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """One measured number; `met` is None when the figure has no target of its own."""

    label: str
    value: str
    target: str = ""
    met: bool | None = None


@dataclass
class Section:
    """One benchmark's outcome, as printed and as written to RESULTS.md."""

    name: str
    title: str
    setup: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    block: str = ""  # preformatted text (a profile), shown under the figures
    measured_at: str = ""
    quick: bool = False
    code: str = ""  # the commit measured (report.code_version())

    def add(self, label: str, value: str, target: str = "", met: bool | None = None) -> None:
        self.figures.append(Figure(label, value, target, met))

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["figures"] = [f.__dict__ for f in self.figures]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        figures = [Figure(**f) for f in data.get("figures", [])]
        return cls(**{**data, "figures": figures})


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


# --- measured children -----------------------------------------------------------------------


@dataclass
class ChildRun:
    """A finished child process and its own resource usage (os.wait4, not the whole tree)."""

    argv: list[str]
    code: int
    wall: float
    user: float
    system: float
    maxrss_kib: int
    stdout: Path
    stderr: Path

    @property
    def cpu(self) -> float:
        return self.user + self.system

    @property
    def maxrss_mib(self) -> float:
        return self.maxrss_kib / 1024  # Linux reports ru_maxrss in KiB

    def tail(self, chars: int = 1500) -> str:
        return self.stderr.read_text("utf-8", errors="replace")[-chars:]

    def check(self) -> ChildRun:
        if self.code != 0:
            raise RuntimeError(f"{self.argv[:4]}... exited {self.code}: {self.tail()}")
        return self


def run_child(
    argv: Sequence[str],
    *,
    logs: Path,
    env: dict[str, str] | None = None,
    timeout: float = CHILD_TIMEOUT,
    stdin: Path | None = None,
) -> ChildRun:
    """Run argv to completion; wall time from spawn to reap, rusage of that child alone."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(out_path.open("wb"))
        err = stack.enter_context(err_path.open("wb"))
        source = stack.enter_context(stdin.open("rb")) if stdin else subprocess.DEVNULL
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=ROOT, env=env, stdin=source, stdout=out, stderr=err)
        reaped: list[tuple[int, resource.struct_rusage, float]] = []

        def reap() -> None:
            _, status, usage = os.wait4(proc.pid, 0)
            reaped.append((status, usage, time.perf_counter()))

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(timeout)
        if waiter.is_alive():
            proc.kill()
            waiter.join(10)
            raise TimeoutError(f"{list(argv)[:4]}... still running after {timeout:.0f} s")
    status, usage, ended = reaped[0]
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return ChildRun(
        argv=list(argv),
        code=proc.returncode,
        wall=ended - started,
        user=usage.ru_utime,
        system=usage.ru_stime,
        maxrss_kib=usage.ru_maxrss,
        stdout=out_path,
        stderr=err_path,
    )


@contextlib.contextmanager
def workdir(name: str) -> Iterator[Path]:
    """A fresh scratch folder under bench/out/, removed afterwards (1 GiB files live here)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=WORK))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def compile_package() -> None:
    """Byte-compile flickr_async as an installed package is (pip compiles at install time).
    Where PYTHONDONTWRITEBYTECODE is set, as in some sandboxes, an editable checkout has no
    bytecode and every CLI child would compile the whole package again: ~0.3 s of start-up
    on a 2-core machine that no user pays. Idempotent: only changed sources are compiled."""
    compileall.compile_dir(ROOT / "flickr_async", quiet=1)


# --- the fake Flickr in its own process ------------------------------------------------------


class FakeServer:
    """A running `python -m bench.fakeserver`: credentials, counters, library summary."""

    def __init__(self, proc: subprocess.Popen[bytes], info: dict[str, str]) -> None:
        self.proc = proc
        self.info = info
        self.base_url = info["base_url"]
        self.origin = info["origin"]

    def env(self, home: Path) -> dict[str, str]:
        """The CLI's environment, built as the tests build it."""
        return {
            **os.environ,
            **cli_environment(
                base_url=self.base_url,
                api_key=self.info["api_key"],
                api_secret=self.info["api_secret"],
                token=self.info["oauth_token"],
                token_secret=self.info["oauth_token_secret"],
                home=home,
            ),
        }

    def _admin(self, path: str, method: str = "GET") -> dict[str, Any]:
        request = urllib.request.Request(f"{self.origin}{path}", method=method, data=None)
        with urllib.request.urlopen(request, timeout=30) as resp:
            data: dict[str, Any] = json.load(resp)
        return data

    def counters(self) -> dict[str, Any]:
        return self._admin("/bench/counters")

    def reset_counters(self) -> None:
        self._admin("/bench/reset", "POST")

    def library(self) -> dict[str, Any]:
        return self._admin("/bench/library")


@contextlib.contextmanager
def fake_server(spec: FakeSpec, *, startup_timeout: float = 300.0) -> Iterator[FakeServer]:
    """Start the fake (generating its library may take seconds at 100k), stop it afterwards."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "bench.fakeserver", spec.to_json()],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        line = _first_line(proc, startup_timeout)
        yield FakeServer(proc, json.loads(line))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stdout:
            proc.stdout.close()


def _first_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    stdout = proc.stdout
    assert stdout is not None
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0].strip():
        raise RuntimeError(f"the fake did not start within {timeout:.0f} s")
    return lines[0].decode()


# --- the CLI -----------------------------------------------------------------------------------


def backup_argv(out: Path, report: Path, *options: str) -> list[str]:
    return [
        PYTHON,
        "-m",
        "flickr_async",
        "backup",
        str(out),
        "--quiet",
        "--report",
        str(report),
        *options,
    ]


def run_backup(
    fake: FakeServer, scratch: Path, label: str, *options: str, out: Path | None = None
) -> tuple[ChildRun, dict[str, Any]]:
    """One `flickr-async backup` child; returns the run and its --report JSON."""
    out = out or scratch / f"{label}-archive"
    report = scratch / f"{label}-report.json"
    run = run_child(
        backup_argv(out, report, *options), logs=scratch / f"{label}-logs", env=fake.env(scratch)
    )
    data: dict[str, Any] = json.loads(report.read_text("utf-8")) if report.exists() else {}
    if run.code != 0:
        raise RuntimeError(f"backup {label} exited {run.code}: {run.tail()}")
    return run, data
