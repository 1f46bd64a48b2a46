"""A run's record: which outcome and exit code each way of ending gives, and what it says."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flickr_async import __version__
from flickr_async.cli.runlog import prune_logs
from flickr_async.errors import (
    LockHeldError,
    NetworkError,
    OtherAccountError,
    StorageError,
    Terminated,
)
from flickr_async.jobs import Stats
from flickr_async.runrecord import RunRecord


def listed() -> Stats:
    stats = Stats()
    stats.listing_complete = True
    return stats


def ended(
    exc: BaseException | None, *, started: bool = True, stats: Stats | None = None
) -> RunRecord:
    record = RunRecord()
    if started:
        record.start()
    record.finish(stats or listed(), exc)
    return record


def test_a_run_that_went_to_its_end_with_nothing_failed_is_complete_exit_0() -> None:
    record = ended(None)
    assert (record.outcome, record.exit_code, record.reason) == ("complete", 0, "")


def test_failed_items_are_incomplete_exit_1_with_the_count_as_reason() -> None:
    stats = listed()
    stats.failed = 3
    record = ended(None, stats=stats)
    assert (record.outcome, record.exit_code, record.reason) == ("incomplete", 1, "3 items failed")


def test_a_listing_that_never_finished_is_no_complete_run() -> None:
    record = ended(None, stats=Stats())
    assert (record.outcome, record.exit_code) == ("incomplete", 1)
    assert record.reason == "the listing did not finish"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (StorageError("cannot write: No space left on device"), 5),
        (NetworkError("flickr.test.login: HTTP 503 from Flickr"), 5),
        (ValueError("boom"), 5),
    ],
)
def test_a_run_that_could_not_do_its_job_is_failed_exit_5(exc: BaseException, code: int) -> None:
    record = ended(exc)
    assert (record.outcome, record.exit_code) == ("failed", code)


def test_an_internal_error_says_its_type() -> None:
    assert ended(ValueError("boom")).reason == "internal error: ValueError: boom"


@pytest.mark.parametrize(
    ("exc", "code"),
    [(LockHeldError("another flickr-async run (pid 7) is using out"), 4),
     (OtherAccountError("out is the archive of Flickr account a"), 2)],
)  # fmt: skip
def test_a_run_stopped_before_it_started_is_refused(exc: BaseException, code: int) -> None:
    record = ended(exc, started=False)
    assert (record.outcome, record.exit_code, record.reason) == ("refused", code, str(exc))
    assert record.fields()["error"] == str(exc)


def test_ctrl_c_is_interrupted_exit_130_whether_seen_as_cancellation_or_interrupt() -> None:
    for exc in (KeyboardInterrupt(), asyncio.CancelledError()):
        record = ended(exc)
        assert (record.outcome, record.exit_code) == ("interrupted", 130)
        assert record.fields()["error"] == "interrupted (Ctrl-C)"


def test_sigterm_is_terminated_exit_143_even_when_the_run_saw_a_cancellation() -> None:
    record = RunRecord()
    record.stop_signal = "SIGTERM"
    record.finish(listed(), asyncio.CancelledError())
    assert (record.outcome, record.exit_code) == ("terminated", 143)
    assert ended(Terminated()).exit_code == 143


def test_the_first_end_seen_is_the_one_kept() -> None:
    record = ended(None)
    record.finish(listed(), ValueError("later"))
    assert record.outcome == "complete"


def test_the_report_leads_with_the_runs_identity() -> None:
    record = ended(None)
    report = record.report(listed())
    assert list(report)[:4] == ["result", "exit_code", "reason", "error"]
    assert report["version"] == __version__ and report["started_at"] <= report["finished_at"]
    assert report["downloaded"] == 0 and "result" in report


def test_starting_calls_its_hook_once_and_keeps_the_log_path(tmp_path: Path) -> None:
    calls = []

    def opened() -> Path:
        calls.append(1)
        return tmp_path / "x.log"

    record = RunRecord(on_start=opened)
    record.start()
    record.start()
    assert calls == [1] and record.fields()["log"] == str(tmp_path / "x.log")


def test_pruning_keeps_the_newest_logs_by_name(tmp_path: Path) -> None:
    names = [f"2026010{n}-000000-1.log" for n in range(1, 6)]
    for name in names:
        (tmp_path / name).write_text("")
    (tmp_path / "notes.txt").write_text("")
    prune_logs(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[-2:], "notes.txt"]
