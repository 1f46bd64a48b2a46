"""The archive commands around a backup keep to its rules (issue 24 review): `verify --repair`
never writes through a folder replaced by a link, the run log never lands in (or prunes) a
linked logs folder, every backup writes its --report even when the rebuild of its lost state
is refused, `site` builds nothing from an unusable state, and `status` says a first backup
is running rather than that its state is unusable."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from flickr_async.archive import Archive
from flickr_async.layout import STATE_DIR
from flickr_async.settings import ENV_OAUTH_TOKEN, ENV_OAUTH_TOKEN_SECRET, ENV_TOKEN_FILE
from tests.e2e.helpers import FAST, run_cli
from tests.e2e.test_hostile_paths import tree
from tests.fakeflickr import Library


def linked_aside(folder: Path, target: Path) -> None:
    """`folder` moved away (beside OUT) and replaced by a link to `target`."""
    folder.rename(folder.parent.parent / f"moved-away-{folder.name}")
    folder.symlink_to(target, target_is_directory=True)


def backed_up_without_rows(env: dict[str, str], out: Path) -> None:
    """A backup, its photo rows then lost: what a first backup leaves while it is between
    writing sidecars and their rows."""
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    with sqlite3.connect(out / STATE_DIR / "state.sqlite3") as db:
        db.execute("DELETE FROM photos")
    db.close()


def test_verify_repair_writes_nothing_through_an_album_folder_replaced_by_a_link(
    library: Library, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "user.txt").write_text("the user's own file\n")
    album = library.albums[0]
    folder = next(p for p in out.iterdir() if p.is_dir() and p.name.startswith(album.title[:8]))
    assert any(folder.iterdir())
    linked_aside(folder, victim)
    before = tree(victim)

    checked = run_cli(env, "verify", str(out))
    repair = run_cli(env, "verify", str(out), "--repair")

    assert checked.code != 0 and "missing" in checked.stdout, checked.stdout
    assert repair.code != 0, repair.stdout + repair.stderr
    assert tree(victim) == before, "written through the link"
    assert "symbolic link" in repair.stderr and "Traceback" not in repair.stderr, repair.stderr
    assert folder.is_symlink()


def test_a_logs_folder_replaced_by_a_link_gets_no_log_and_loses_no_file(
    env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    logs = out / STATE_DIR / "logs"
    victim = tmp_path / "victim"
    victim.mkdir()
    for n in range(40):  # a folder of the user's own logs: more than the 30 an archive keeps
        (victim / f"2020010{n // 10}-0000{n % 10}-1.log").write_text(f"the user's log {n}\n")
    linked_aside(logs, victim)
    before = tree(victim)

    run = run_cli(env, "backup", str(out), *FAST, "--report", str(tmp_path / "report.json"))

    assert tree(victim) == before, "a log written or pruned through the link"
    assert run.code == 0, run.stdout + run.stderr
    assert run.stderr.count("keeps no log") == 1, run.stderr
    assert "symbolic link" in run.stderr and "Traceback" not in run.stderr
    assert json.loads((tmp_path / "report.json").read_text("utf-8"))["log"] is None


def test_a_backup_whose_lost_state_cannot_be_rebuilt_now_still_writes_its_report(
    env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    state = out / STATE_DIR / "state.sqlite3"
    state.write_bytes(b"")  # lost: the next backup rebuilds it first
    report = tmp_path / "report.json"

    with Archive(out).lock():  # another run holds the archive
        run = run_cli(env, "backup", str(out), *FAST, "--report", str(report))

    assert run.code == 4, run.stdout + run.stderr
    assert report.is_file(), "no --report for a run refused at its rebuild"
    data = json.loads(report.read_text("utf-8"))
    assert (data["result"], data["exit_code"]) == ("refused", 4)
    assert "another flickr-async run" in data["reason"], data["reason"]
    assert state.stat().st_size == 0, "the state changed without the lock"
    assert "Traceback" not in run.stderr


def site_pages(out: Path) -> dict[str, str]:
    return {k: v for k, v in tree(out / ".site").items() if k.endswith(".html")}


def test_site_on_an_emptied_state_says_so_in_one_line_and_deletes_no_page(
    env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    pages, index = site_pages(out), (out / "index.html").read_bytes()
    assert len(pages) > 10
    (out / STATE_DIR / "state.sqlite3").write_bytes(b"")

    run = run_cli(env, "site", str(out))

    assert run.code == 5, run.stdout + run.stderr
    [line] = run.stderr.splitlines()
    assert "unusable" in line and "verify" in line, line
    assert site_pages(out) == pages and (out / "index.html").read_bytes() == index
    assert (out / STATE_DIR / "state.sqlite3").stat().st_size == 0


def test_status_during_a_first_backup_says_running_not_unusable(
    env: dict[str, str], out: Path
) -> None:
    """A first backup writes each photo's sidecar before its row: with the lock held, a
    state of no photo beside sidecars is a run in progress; without it, lost rows."""
    backed_up_without_rows(env, out)

    with Archive(out).lock():
        running = run_cli(env, "status", str(out))
    alone = run_cli(env, "status", str(out))

    assert running.code == 0, running.stdout + running.stderr
    assert f"running now: pid {os.getpid()}" in running.stdout, running.stdout
    assert alone.code == 5 and "unusable" in alone.stderr, alone.stdout + alone.stderr


def test_status_while_a_backup_runs_still_refuses_a_damaged_state(
    env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    (out / STATE_DIR / "state.sqlite3").write_bytes(b"")

    with Archive(out).lock():
        run = run_cli(env, "status", str(out))

    assert run.code == 5 and "unusable: it is empty" in run.stderr, run.stdout + run.stderr


def test_site_during_a_first_backup_says_a_backup_is_running(
    env: dict[str, str], out: Path
) -> None:
    # A first backup writes sidecars before rows: not "unusable, run verify" but exit 4.
    backed_up_without_rows(env, out)

    with Archive(out).lock():
        run = run_cli(env, "site", str(out))

    assert run.code == 4, run.stdout + run.stderr
    assert "unusable" not in run.stderr and "Traceback" not in run.stderr


def test_a_file_where_the_logs_folder_goes_leaves_the_run_without_a_log_not_failed(
    env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    logs = out / STATE_DIR / "logs"
    for entry in logs.iterdir():
        entry.unlink()
    logs.rmdir()
    logs.write_text("not a folder\n")

    run = run_cli(env, "backup", str(out), *FAST)

    assert run.code == 0, run.stdout + run.stderr
    assert "keeps no log" in run.stderr and "Traceback" not in run.stderr


def test_a_run_refused_for_missing_credentials_leaves_a_lost_state_as_it_was(
    env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    state = out / STATE_DIR / "state.sqlite3"
    state.write_bytes(b"")
    no_token = {ENV_OAUTH_TOKEN: None, ENV_OAUTH_TOKEN_SECRET: None}  # None: unset
    bare = {**env, **no_token, ENV_TOKEN_FILE: str(out.parent / "no-token.json")}

    run = run_cli(bare, "backup", str(out), *FAST)  # type: ignore[arg-type]

    assert run.code in (2, 3), run.stdout + run.stderr
    assert state.stat().st_size == 0, "the state was rebuilt for a run refused before it"
    assert not list(state.parent.glob("state.sqlite3.damaged-*"))
