"""`flickr-async import`: Flickr's data export becomes the archive `backup` writes, and says
exactly what the export lacks."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from tests import exiftool
from tests.e2e.helpers import FAST, run_cli, sha256, sidecar, spawn_cli
from tests.exportzip import (
    NSID,
    albums_json,
    corrupt_member,
    dumps,
    jpeg,
    photo_json,
    profile_json,
    write_zip,
)
from tests.fakeflickr import FakeFlickr, Library

TRIP, OTHER = "72157669084548603", "72157669084548604"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200  # an mp4's first bytes: enough here


def plain_env(tmp_path: Path) -> dict[str, str]:
    """No key, no token, no config: import needs none."""
    home = tmp_path / "home"
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}


def export(tmp_path: Path) -> list[Path]:
    """A complete export: a metadata zip and two media zips, titled, untitled and video
    names, a photo in two albums, one in none, "0" placeholders, geo in its three shapes."""
    meta = {
        "account_profile.json": dumps(profile_json()),
        "albums.json": dumps(
            albums_json([(TRIP, "Trip", ["0", "1001", "1002"]), (OTHER, "Other", ["1002", "1004"])])
        ),
        "photo_1001.json": dumps(
            photo_json(
                "1001",
                name="Humble speakers",
                tags=["Santacon", "geo:lat=1"],
                albums=[(TRIP, "Trip")],
                geo={"latitude": "16073799", "longitude": "108224730", "accuracy": "16"},
                comments=[
                    {"id": "1-1", "date": "2016-08-07 10:00:00", "user": "9@N01", "comment": "hi"}
                ],
            )
        ),
        "photo_1002.json": dumps(
            photo_json(
                "1002",
                name=" ",
                secret="abcdef1234",
                privacy="friend & family",
                geo=[{"latitude": "-1000000", "longitude": "2000000", "accuracy": "11"}],
            )
        ),
        "photo_1003.json": dumps(
            photo_json("1003", name="Лето 2019", date_taken="2019-06-01 12:00:00")
        ),
        "photo_1004.json": dumps(photo_json("1004", name="A clip", secret="0a0a0a0a0a")),
        "sent_flickrmail_part001.json": dumps({"flickrmail": [{"subject": "hi", "body": "x"}]}),
        "faves_part001.json": dumps({"faves": [{"photo_id": "777"}]}),
    }
    return [
        write_zip(tmp_path / "72157722185468047_06fxe76mos37_part1.zip", meta),
        write_zip(
            tmp_path / "data-download-1.zip",
            {"humble-speakers_1001_o.jpg": jpeg(1), "1002_abcdef1234_o.jpg": jpeg(2)},
        ),
        write_zip(
            tmp_path / "data_72157_3ac1836c2225_2.zip",
            {"-2019_1003_o.jpg": jpeg(3), "a-clip_1004.mp4": VIDEO},
        ),
    ]


def load_report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def rows(out: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(f"file:{out / '.flickr-async' / 'state.sqlite3'}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in db.execute("SELECT * FROM photos")}


def test_an_export_becomes_the_archive_backup_writes_and_verify_passes(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    paths = export(tmp_path / "export")
    result = run_cli(
        env, "import", str(out), *map(str, paths), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 0, result.stdout + result.stderr
    report = load_report(tmp_path / "r.json")
    assert report["command"] == "import" and report["result"] == "complete"
    assert report["export"]["imported"] == 4

    # Album folders, a photo in two albums linked, the one in no album in Unsorted.
    assert (out / "Trip" / "1001.jpg").is_file()
    assert (out / "Trip" / "1002.jpg").stat().st_ino == (out / "Other" / "1002.jpg").stat().st_ino
    assert (out / "Unsorted" / "1003.jpg").is_file()
    assert (out / "Other" / "1004.mp4").read_bytes() == VIDEO  # video named without _o

    doc = sidecar(out / "Trip" / "1001.jpg")
    assert doc["metadata_level"] == "export"
    assert doc["tags"] == ["Santacon"] and doc["machine_tags"] == ["geo:lat=1"]
    assert doc["geo"]["latitude"] == pytest.approx(16.073799)
    assert doc["date_taken"] == "2016-07-11 18:03:37"  # verbatim, never shifted
    assert doc["comments"][0]["author"] == "9@N01" and doc["comments"][0]["text"] == "hi"
    assert (
        doc["export"]["privacy"] == "public" and doc["export"]["license"] == "All Rights Reserved"
    )
    assert doc["export"]["date_imported"] == "2016-08-06 18:01:04"
    assert doc["export"]["exif"]["FNumber"] == "f/2.0"
    assert doc["license"] == "0"
    private = sidecar(out / "Trip" / "1002.jpg")
    assert private["visibility"] == {"public": False, "friends": True, "family": True}
    assert private["export"]["privacy"] == "friend & family"
    assert private["geo"]["latitude"] == pytest.approx(-1.0)  # geo as a list of objects
    assert sidecar(out / "Unsorted" / "1003.jpg")["title"] == "Лето 2019"
    assert sidecar(out / "Other" / "1004.mp4")["media"] == "video"

    # Embedded metadata, as photo managers read it; the image data is the export's.
    tags = exiftool.read([out / "Trip" / "1001.jpg"])[str(out / "Trip" / "1001.jpg")]
    assert tags["Title"] == "Humble speakers"
    assert str(tags["DateTimeOriginal"]).startswith("2016:07:11 18:03:37")
    taken = time.mktime(time.strptime("2016-07-11 18:03:37", "%Y-%m-%d %H:%M:%S"))
    assert (out / "Trip" / "1001.jpg").stat().st_mtime == taken

    # The root files, in the export's order; what only the export has, verbatim.
    albums = json.loads((out / "albums.json").read_text("utf-8"))["albums"]
    assert [(a["id"], a["photo_ids"], a["description"]) for a in albums] == [
        (TRIP, ["1001", "1002"], "About Trip"),
        (OTHER, ["1002", "1004"], "About Other"),
    ]
    assert json.loads((out / "account.json").read_text("utf-8"))["profile"]["nsid"] == NSID
    assert [
        f["id"] for f in json.loads((out / "favorites.json").read_text("utf-8"))["favorites"]
    ] == ["777"]
    assert (out / "flickr-export" / "sent_flickrmail_part001.json").is_file()

    state = rows(out)
    assert state["1001"]["metadata_level"] == "export" and state["1001"]["last_update"] == 0
    assert state["1001"]["original_key"] == "c48a5e6ae6:x"
    assert state["1002"]["served_url"].endswith("/1002_abcdef1234_o.jpg")
    assert run_cli(env, "verify", str(out)).code == 0
    assert (out / "index.html").is_file()


def test_what_the_export_lacks_is_named_and_the_exit_status_is_1(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    meta = {
        "albums.json": dumps(albums_json([(TRIP, "Trip", ["0", "1001", "1002", "1009"])])),
        "photo_1001.json": dumps(photo_json("1001")),
        "photo_1002.json": dumps(photo_json("1002")),  # its file is not in the export
        "photo_1005.json": dumps(
            photo_json("1005", original="https://live.staticflickr.com/video_encoding.jpg")
        ),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(
            tmp_path / "e" / "data-download-1.zip",
            {"a-photo_1001_o.jpg": jpeg(1), "old-name_4242_o.jpg": jpeg(9)},
        ),
    ]
    result = run_cli(
        env, "import", str(out), *map(str, paths), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 1, result.stdout + result.stderr
    found = load_report(tmp_path / "r.json")["export"]
    assert found["missing_files"] == ["1002"]
    assert found["unprocessed_videos"] == ["1005"]  # no file to expect: not missing
    assert found["files_without_json"] == [f"{paths[1]}:old-name_4242_o.jpg"]
    assert found["album_members_missing"] == {TRIP: {"title": "Trip", "missing": ["1002", "1009"]}}
    assert "1 photos whose file the export lacks: 1002" in result.stdout
    assert "album 'Trip' (72157669084548603): 2 missing: 1002, 1009" in result.stdout
    status = run_cli(env, "status", str(out))
    assert "the export is incomplete" in status.stdout


def test_a_corrupt_member_is_reported_and_skipped_never_half_written(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    meta = {
        "photo_1001.json": dumps(photo_json("1001")),
        "photo_1002.json": dumps(photo_json("1002")),
    }
    media = tmp_path / "e" / "data-download-1.zip"
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(media, {"x_1001_o.jpg": jpeg(1, (400, 300)), "y_1002_o.jpg": jpeg(2)}),
    ]
    corrupt_member(media, "x_1001_o.jpg")
    result = run_cli(
        env, "import", str(out), *map(str, paths), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 1, result.stdout + result.stderr
    found = load_report(tmp_path / "r.json")["export"]
    assert len(found["corrupt_members"]) == 1 and "x_1001_o.jpg" in found["corrupt_members"][0]
    assert found["missing_files"] == []  # the export has its file: a corrupt one
    assert not list(out.rglob("1001.*"))
    assert not list((out / ".flickr-async" / "parts").iterdir())
    assert (out / "Unsorted" / "1002.jpg").is_file()


@pytest.mark.parametrize("what", ["text file", "zip of nothing", "missing"])
def test_a_path_that_is_not_an_export_exits_2_and_writes_nothing(tmp_path: Path, what: str) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    good = write_zip(tmp_path / "data-download-1.zip", {"x_1001_o.jpg": jpeg(1)})
    bad = tmp_path / "bad.zip"
    if what == "text file":
        bad.write_text("hello")
    elif what == "zip of nothing":
        write_zip(bad, {"readme.txt": b"hello"})
    result = run_cli(env, "import", str(out), str(good), str(bad))
    assert result.code == 2
    assert str(bad) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_duplicates_across_zips_same_bytes_one_copy_different_bytes_kept(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    meta = {
        "photo_1001.json": dumps(photo_json("1001")),
        "photo_1002.json": dumps(photo_json("1002")),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(
            tmp_path / "e" / "data-download-1.zip",
            {"a_1001_o.jpg": jpeg(1), "b_1002_o.jpg": jpeg(2)},
        ),
        write_zip(
            tmp_path / "e" / "data-download-2.zip",
            {"a_1001_o.jpg": jpeg(1), "b_1002_o.jpg": jpeg(7)},
        ),
    ]
    result = run_cli(
        env, "import", str(out), *map(str, paths), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 0, result.stdout + result.stderr
    found = load_report(tmp_path / "r.json")["export"]
    assert [d.split(":")[0] for d in found["duplicates_same_bytes"]] == ["1001"]
    [different] = found["duplicates_different_bytes"]
    assert different["id"] == "1002"
    assert (out / different["kept"]).read_bytes() == jpeg(7)
    assert len(list(out.rglob("1001.jpg"))) == 1


def test_a_killed_import_resumes_without_redoing_done_photos(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    count = 300
    meta = {f"photo_{2000 + i}.json": dumps(photo_json(str(2000 + i))) for i in range(count)}
    big = jpeg(5, (900, 700)) + os.urandom(300_000)  # after EOI: kept as the export's bytes
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(
            tmp_path / "e" / "data-download-1.zip",
            {f"p_{2000 + i}_o.jpg": big for i in range(count)},
        ),
    ]
    proc = spawn_cli(env, "import", str(out), *map(str, paths), "--quiet", "--no-site")
    db = out / ".flickr-async" / "state.sqlite3"

    def done() -> dict[str, dict[str, Any]]:
        try:
            return (
                {k: v for k, v in rows(out).items() if v["status"] == "done"} if db.exists() else {}
            )
        except sqlite3.OperationalError:
            return {}

    try:
        start = time.monotonic()
        while len(done()) < 5:
            assert proc.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() - start < 60
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = done()
    assert len(before) < count, "the import finished before it was killed"
    inodes = {pid: (out / r["path"]).stat().st_ino for pid, r in before.items()}
    result = run_cli(
        env, "import", str(out), *map(str, paths), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 0, result.stdout + result.stderr
    assert len(done()) == count
    found = load_report(tmp_path / "r.json")["export"]
    assert found["unchanged"] >= len(before) and found["imported"] == count - found["unchanged"]
    assert all((out / before[pid]["path"]).stat().st_ino == ino for pid, ino in inodes.items())
    assert run_cli(env, "verify", str(out)).code == 0


def test_import_into_a_backup_made_archive_adds_only_what_it_lacks(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--metadata", "list").code == 0
    before = {
        p: (sha256(p), p.stat().st_mtime) for p in out.rglob("*.jpg") if ".site" not in p.parts
    }
    rows_before = rows(out)
    photos = [p for p in library.photos if not p.is_video]
    meta = {
        "account_profile.json": dumps({**profile_json(), "nsid": library.owner.nsid}),
        **{f"photo_{p.id}.json": dumps(photo_json(p.id, secret=p.originalsecret)) for p in photos},
        "photo_55555.json": dumps(photo_json("55555", name="Only in the export")),
    }
    media = {f"x_{p.id}_o.jpg": jpeg(int(p.id) % 200) for p in photos}  # bytes not Flickr's
    media["only_55555_o.jpg"] = jpeg(3)
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "data-download-1.zip", media),
    ]
    result = run_cli(
        env, "import", str(out), *map(str, paths), "--report", str(tmp_path / "r.json")
    )
    assert result.code == 0, result.stdout + result.stderr
    found = load_report(tmp_path / "r.json")["export"]
    # What the backup could only get in a smaller size, the export has as the original: it
    # takes its place, and the backup's file is kept as a replaced original is.
    smaller = {p.id for p in photos if not rows_before[p.id]["original"]}
    assert found["imported"] == 1 + len(smaller)
    assert found["already_archived"] == len(photos) - len(smaller)
    after = {p: (sha256(p), p.stat().st_mtime) for p in before if p.stem not in smaller}
    assert after == {p: v for p, v in before.items() if p.stem not in smaller}
    for pid in smaller:
        kept = list((out / ".flickr-async" / "replaced" / pid).iterdir())
        assert [sha256(k) for k in kept] == [rows_before[pid]["sha256"]]
        assert rows(out)[pid]["original"] == 1
    assert (out / "Unsorted" / "55555.jpg").read_bytes()[-2:] == b"\xff\xd9"
    assert run_cli(env, "verify", str(out)).code == 0
    # The archive is still the account's: a backup with its credentials passes.
    assert run_cli(env, "backup", str(out), *FAST, "--metadata", "list").code == 0


def test_an_export_of_another_account_is_refused_before_anything_changes(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--metadata", "list", "--no-site").code == 0
    meta = {
        "account_profile.json": dumps(profile_json()),
        "photo_1001.json": dumps(photo_json("1001")),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "d.zip", {"a_1001_o.jpg": jpeg(1)}),
    ]
    result = run_cli(env, "import", str(out), *map(str, paths))
    assert result.code == 2
    assert "another" in result.stderr or "account" in result.stderr
    assert not list(out.rglob("1001.jpg"))


def test_an_imported_archive_is_the_accounts_a_later_backup_of_it_passes(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    photo = next(p for p in library.photos if not p.is_video)
    meta = {
        "account_profile.json": dumps({**profile_json(), "nsid": library.owner.nsid}),
        f"photo_{photo.id}.json": dumps(photo_json(photo.id, secret=photo.originalsecret)),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "d.zip", {f"p_{photo.id}_o.jpg": fake.original_bytes(photo.id)}),
    ]
    assert run_cli(env, "import", str(out), *map(str, paths), "--no-site").code == 0
    result = run_cli(env, "backup", str(out), *FAST, "--metadata", "list", "--no-site")
    assert result.code == 0, result.stderr
