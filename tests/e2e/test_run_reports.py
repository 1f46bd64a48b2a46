"""What cron hears: one exit code per kind of end, a report from every run that starts (and
from a refused one), logs with the run's end, `status` telling a running, a killed and a
finished run apart, and a --quiet mail of bounded length."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flickr_async import __version__
from flickr_async.cli.runlog import LOGS_KEPT
from tests.e2e.helpers import FAST, fill_the_disk_after, run_cli, spawn_cli
from tests.fakeflickr import FakeFlickr, Library

DEADLINE = 60.0
REPORT_FIELDS = {"result", "exit_code", "reason", "started_at", "finished_at", "version", "pid"}


def wait_for(predicate: Callable[[], object], what: str) -> None:
    """Poll an observable event (a row, a file, a counter), never a fixed sleep."""
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < DEADLINE, f"timed out waiting for {what}"
        time.sleep(0.05)


def runs(out: Path) -> list[tuple[float, float | None, str | None]]:
    """(started, finished, result) of every run the archive recorded, oldest first."""
    db_path = out / ".flickr-async" / "state.sqlite3"
    if not db_path.exists():
        return []
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return list(db.execute("SELECT started, finished, result FROM runs ORDER BY id"))
    except sqlite3.OperationalError:
        return []  # the schema is not there yet
    finally:
        db.close()


def done_count(out: Path) -> int:
    db_path = out / ".flickr-async" / "state.sqlite3"
    if not db_path.exists():
        return 0
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM photos WHERE status = 'done'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def logs(out: Path) -> list[Path]:
    folder = out / ".flickr-async" / "logs"
    return sorted(folder.glob("*.log")) if folder.exists() else []


def read_report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@pytest.fixture
def slow_run(
    fake: FakeFlickr, env: dict[str, str], out: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A backup in its own process against a slowed fake, caught once it has started and
    placed a photo: (the process, its --report file)."""
    fake.faults.file_bandwidth = 50_000  # 44 files at 2 × 50 kB/s: a minute, if left alone
    report = tmp_path / "slow-report.json"
    proc = spawn_cli(
        env, "backup", str(out), *FAST, "--concurrency", "2", "--quiet", "--report", str(report)
    )
    try:
        wait_for(lambda: done_count(out) >= 1, "the run to place a photo")
        yield proc, report
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
        fake.faults.file_bandwidth = None


# --- exit codes and the report's fields -------------------------------------------------------


def test_a_complete_run_reports_its_start_end_exit_code_version_and_log(
    env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    started = time.time()
    assert run_cli(env, "backup", str(out), *FAST, "--report", str(report)).code == 0
    data = read_report(report)
    assert data.keys() >= REPORT_FIELDS
    assert (data["result"], data["exit_code"], data["reason"]) == ("complete", 0, "")
    assert data["version"] == __version__ and data["error"] is None
    assert data["listing_complete"] is True
    from datetime import datetime

    start = datetime.fromisoformat(data["started_at"]).timestamp()
    end = datetime.fromisoformat(data["finished_at"]).timestamp()
    assert int(started) <= start <= end <= time.time() + 1
    assert data["log"] == str(logs(out)[-1])


def test_a_failed_item_is_exit_1_and_its_report_says_why(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path, tmp_path: Path
) -> None:
    photo = library.add_photo(title="doomed")
    fake.faults.fail_file(photo.id, status=404)
    report = tmp_path / "report.json"
    result = run_cli(env, "backup", str(synced), *FAST, "--report", str(report))
    assert result.code == 1
    data = read_report(report)
    assert (data["result"], data["exit_code"]) == ("incomplete", 1)
    assert data["reason"] == "1 item failed" and photo.id in data["failures"]


def test_flickr_unreachable_is_exit_5_not_1(
    fake: FakeFlickr, env: dict[str, str], synced: Path, tmp_path: Path
) -> None:
    fake.faults.fail_api(503, times=None)  # every call, every retry: the service is down
    report = tmp_path / "report.json"
    result = run_cli(env, "backup", str(synced), *FAST, "--quiet", "--report", str(report))
    assert result.code == 5
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    data = read_report(report)
    assert (data["result"], data["exit_code"]) == ("failed", 5)
    assert data["reason"] and data["reason"] in result.stderr
    assert data["listing_complete"] is False


def test_a_full_disk_is_exit_5(
    env: dict[str, str], out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_the_disk_after(3, monkeypatch)
    report = tmp_path / "report.json"
    result = run_cli(env, "backup", str(out), *FAST, "--report", str(report))
    assert result.code == 5
    assert "No space left on device" in read_report(report)["reason"]


def test_an_internal_error_is_exit_5_with_its_one_line(
    env: dict[str, str], out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flickr_async import producer

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(producer.Producer, "run", broken)
    report = tmp_path / "report.json"
    result = run_cli(env, "backup", str(out), *FAST, "--report", str(report))
    assert result.code == 5
    assert result.stderr.strip().endswith(
        "internal error: ValueError: boom (use --verbose for details)"
    )
    data = read_report(report)
    assert (data["result"], data["reason"]) == ("failed", "internal error: ValueError: boom")
    assert runs(out)[-1][2] == "failed"


def test_a_revoked_token_is_exit_3_recorded_and_logged_with_its_error(
    fake: FakeFlickr, env: dict[str, str], synced: Path, tmp_path: Path
) -> None:
    fake.revoke_token(env["FLICKR_OAUTH_TOKEN"])
    before = logs(synced)
    report = tmp_path / "report.json"
    result = run_cli(env, "backup", str(synced), *FAST, "--report", str(report))
    assert result.code == 3
    data = read_report(report)
    assert (data["result"], data["exit_code"]) == ("failed", 3)
    [new_log] = sorted(set(logs(synced)) - set(before))
    text = new_log.read_text("utf-8")
    assert "exit 3, failed: " in text and "oauth_problem=token_rejected" in text
    assert runs(synced)[-1][2] == "failed"


# --- SIGTERM and Ctrl-C -------------------------------------------------------------------


def test_sigterm_stops_the_run_with_exit_143_and_a_full_report(
    slow_run: tuple[subprocess.Popen[bytes], Path], out: Path, env: dict[str, str]
) -> None:
    proc, report = slow_run
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 143
    assert stderr.decode().strip() == "error: terminated (SIGTERM); rerun to carry on"
    data = read_report(report)
    assert data.keys() >= REPORT_FIELDS
    assert (data["result"], data["exit_code"]) == ("terminated", 143)
    assert data["reason"] == "terminated (SIGTERM)" and data["finished_at"]
    assert data["pid"] == proc.pid
    assert runs(out)[-1][2] == "terminated"
    assert "exit 143, terminated" in logs(out)[-1].read_text("utf-8")
    status = run_cli(env, "status", str(out)).stdout
    assert "terminated (exit 143)" in status


def test_ctrl_c_reports_an_interrupted_run_with_exit_130(
    slow_run: tuple[subprocess.Popen[bytes], Path], out: Path
) -> None:
    proc, report = slow_run
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 130
    assert stderr.decode().strip() == "interrupted"
    data = read_report(report)
    assert (data["result"], data["exit_code"]) == ("interrupted", 130)
    assert data["error"] == "interrupted (Ctrl-C)"
    assert runs(out)[-1][2] == "interrupted"


# --- a refused run --------------------------------------------------------------------------


def test_a_run_refused_by_the_lock_says_so_and_leaves_no_log_and_no_run_record(
    slow_run: tuple[subprocess.Popen[bytes], Path], out: Path, env: dict[str, str], tmp_path: Path
) -> None:
    before_logs, before_runs = logs(out), runs(out)
    report = tmp_path / "refused.json"
    result = run_cli(env, "backup", str(out), *FAST, "--quiet", "--report", str(report))
    assert result.code == 4
    data = read_report(report)
    assert (data["result"], data["exit_code"]) == ("refused", 4)
    assert "another flickr-async run" in data["reason"]
    assert data["listing_complete"] is False and data["log"] is None
    assert logs(out) == before_logs
    assert runs(out) == before_runs


# --- status ---------------------------------------------------------------------------------


def test_status_shows_the_running_backup_and_then_the_killed_one(
    slow_run: tuple[subprocess.Popen[bytes], Path], out: Path, env: dict[str, str]
) -> None:
    proc, _ = slow_run
    during = json.loads(run_cli(env, "status", str(out), "--json").stdout)
    assert during["running"]["pid"] == proc.pid
    assert during["last_run"] is None  # its first run: none before it
    text = run_cli(env, "status", str(out)).stdout
    assert f"running now: pid {proc.pid}, since " in text
    proc.kill()
    proc.wait()
    after = json.loads(run_cli(env, "status", str(out), "--json").stdout)
    assert after["running"] is None
    assert after["last_run"]["result"] == "killed" and after["last_run"]["finished"] is None
    assert "never finished" in run_cli(env, "status", str(out)).stdout


def test_status_after_a_killed_run_does_not_show_the_one_before_as_the_last(
    fake: FakeFlickr, library: Library, env: dict[str, str], synced: Path
) -> None:
    for n in range(8):
        library.add_photo(title=f"new {n}")
    fake.faults.file_bandwidth = 50_000
    proc = spawn_cli(env, "backup", str(synced), *FAST, "--concurrency", "1", "--quiet")
    try:
        wait_for(lambda: len(runs(synced)) == 2, "the second run to start")
    finally:
        proc.kill()
        proc.communicate()
    info = json.loads(run_cli(env, "status", str(synced), "--json").stdout)
    assert info["last_run"]["result"] == "killed"


# --- logs ------------------------------------------------------------------------------------


def test_a_successful_runs_log_holds_its_summary_and_exit(env: dict[str, str], out: Path) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--quiet").code == 0
    [log] = logs(out)
    text = log.read_text("utf-8")
    assert f"flickr-async {__version__}, pid " in text.splitlines()[0]
    assert "complete: 44 downloaded" in text
    assert text.rstrip().endswith("exit 0, complete")


def test_logs_are_pruned_to_the_newest(env: dict[str, str], synced: Path) -> None:
    folder = synced / ".flickr-async" / "logs"
    old = [folder / f"2020{n:04d}-000000-1.log" for n in range(101, 101 + LOGS_KEPT + 5)]
    for path in old:
        path.write_text("old run\n")
    newest_before = logs(synced)[-1]
    assert run_cli(env, "backup", str(synced), *FAST).code == 0
    kept = logs(synced)
    assert len(kept) == LOGS_KEPT
    assert newest_before in kept and not any(p in kept for p in old[:7])
    assert "exit 0, complete" in kept[-1].read_text("utf-8")


# --- --quiet ----------------------------------------------------------------------------------


def test_quiet_names_the_first_20_failures_once_then_counts_the_rest(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    doomed = [p.id for p in library.photos[:25]]
    for photo_id in doomed:
        fake.faults.fail_file(photo_id, status=404)
    result = run_cli(env, "backup", str(out), *FAST, "--quiet")
    assert result.code == 1
    named = [line for line in result.stdout.splitlines() if line.startswith("failed ")]
    assert len(named) == 20
    [log] = logs(out)
    assert f"... and 5 more failures, see the log: {log}" in result.stdout
    assert not any(pid in result.stderr for pid in doomed)  # not on both streams
    assert all(f"photo {pid} failed" in log.read_text("utf-8") for pid in doomed)
