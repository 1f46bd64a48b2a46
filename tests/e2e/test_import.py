"""`flickr-async import`: Flickr's data export becomes the archive `backup` writes, and says
exactly what the export lacks."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
import zipfile
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


def import_export(
    env: dict[str, str], out: Path, paths: list[Path], report: Path, *extra: str
) -> dict[str, Any]:
    """`import OUT PATHS... --report REPORT`: the report, with the exit code ("code"), stdout
    ("stdout") and stdout and stderr together ("output")."""
    result = run_cli(env, "import", str(out), *map(str, paths), *extra, "--report", str(report))
    found = load_report(report)
    found.update(code=result.code, stdout=result.stdout, output=result.stdout + result.stderr)
    return found


def rows(out: Path) -> dict[str, dict[str, Any]]:
    with sqlite3.connect(f"file:{out / '.flickr-async' / 'state.sqlite3'}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in db.execute("SELECT * FROM photos")}


def test_an_export_becomes_the_archive_backup_writes_and_verify_passes(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    paths = export(tmp_path / "export")
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 0, report["output"]
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
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 1, report["output"]
    found = report["export"]
    assert found["missing_files"] == ["1002"]
    assert found["unprocessed_videos"] == ["1005"]  # no file to expect: not missing
    assert found["files_without_json"] == [f"{paths[1]}:old-name_4242_o.jpg"]
    assert found["album_members_missing"] == {TRIP: {"title": "Trip", "missing": ["1002", "1009"]}}
    assert "1 photo whose file the export lacks: 1002" in report["stdout"]
    assert "album 'Trip' (72157669084548603): 2 missing: 1002, 1009" in report["stdout"]
    status = run_cli(env, "status", str(out))
    assert "the export is incomplete" in status.stdout
    assert "  1 photo whose file the export lacks: 1002" in status.stdout
    assert json.loads(run_cli(env, "status", str(out), "--json").stdout)["last_import"] == found


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
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 1, report["output"]
    found = report["export"]
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
    report = tmp_path / "r.json"
    result = run_cli(env, "import", str(out), str(good), str(bad), "--report", str(report))
    assert result.code == 2
    refused = load_report(report)
    assert (refused["result"], refused["exit_code"], refused["command"]) == ("refused", 2, "import")
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
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 0, report["output"]
    found = report["export"]
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
        # One run per archive: a second import meanwhile is refused, and changes nothing.
        second = run_cli(env, "import", str(out), *map(str, paths), "--no-site")
        assert second.code == 4, second.stdout + second.stderr
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = done()
    assert len(before) < count, "the import finished before it was killed"
    inodes = {pid: (out / r["path"]).stat().st_ino for pid, r in before.items()}
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 0, report["output"]
    assert len(done()) == count
    found = report["export"]
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
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 0, report["output"]
    found = report["export"]
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


def test_a_profiles_shape_is_used_remembered_and_never_changed_by_a_later_import(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    config = tmp_path / "config.toml"
    config.write_text('[profiles.mine]\nlayout = "flat"\nnames = "{title} ({id})"\n')
    paths = export(tmp_path / "export")
    args = ["import", str(out), *map(str, paths), "--no-site"]
    result = run_cli(env, *args, "--profile", "mine", "--config", str(config))
    assert result.code == 0, result.stdout + result.stderr
    assert (out / "Humble speakers (1001).jpg").is_file()
    again = run_cli(env, *args)  # no profile: the archive's own shape
    assert again.code == 0, again.stdout + again.stderr
    assert "4 unchanged" in again.stdout
    refused = run_cli(env, *args, "--layout", "albums")
    assert refused.code == 2 and "reshape" in refused.stderr


def test_hostile_member_names_and_records_choose_no_path_and_are_refused(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "box" / "out"
    meta = {
        "photo_1001.json": dumps(photo_json("1001")),
        "photo_1002.json": dumps(photo_json("1002")),
        "photo_1003.json": dumps(photo_json("1003")),
        "photo_1004.json": dumps(photo_json("1004")),
        "photo_1005.json": dumps(photo_json("../../1005")),  # an id that is no id
        "photo_1006.json": dumps(photo_json("1007")),  # another photo's record
        "../../../account_testimonials.json": dumps({"testimonials": {}}),
    }
    media = {
        "../../evil_1001_o.jpg": jpeg(1),
        "/tmp/abs_1002_o.jpg": jpeg(2),
        "..\\..\\win_1003_o.jpg": jpeg(3),
        "ok_1004_o.jpg": jpeg(4),
        "x_1005_o.jpg": jpeg(5),
        "x_1006_o.jpg": jpeg(6),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "data-download-1.zip", media),
    ]
    box = tmp_path / "box"

    def outside() -> list[Path]:
        return sorted(
            p for p in tmp_path.rglob("*") if box not in (p, *p.parents) and p.name != "r.json"
        )

    before = outside()
    report = import_export(env, out, paths, tmp_path / "r.json")
    assert report["code"] == 1, report["output"]
    after = outside()
    assert after == before  # nothing written outside OUT
    assert sorted(p.name for p in box.iterdir()) == ["out"]
    assert not Path("/tmp/abs_1002_o.jpg").exists()
    found = report["export"]
    assert sorted(found["refused"]) == ["photo 1005", "photo 1006"]
    for pid in ("1001", "1002", "1003", "1004"):
        assert (out / "Unsorted" / f"{pid}.jpg").is_file()
    assert (out / "flickr-export" / "account_testimonials.json").is_file()
    assert run_cli(env, "verify", str(out)).code == 0


def test_a_newer_export_moving_a_photo_to_another_album_moves_it_without_rewriting_it(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    media = write_zip(tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})

    def meta(album: str, title: str) -> Path:
        files = {
            "albums.json": dumps(albums_json([(album, title, ["1001"])])),
            "photo_1001.json": dumps(photo_json("1001")),
        }
        return write_zip(tmp_path / "e" / f"{album}_abc_part1.zip", files)

    first = run_cli(env, "import", str(out), str(meta(TRIP, "Trip")), str(media), "--no-site")
    assert first.code == 0, first.stdout + first.stderr
    inode = (out / "Trip" / "1001.jpg").stat().st_ino
    second = run_cli(env, "import", str(out), str(meta(OTHER, "Other")), str(media), "--no-site")
    assert second.code == 0, second.stdout + second.stderr
    assert not (out / "Trip").exists()
    assert (out / "Other" / "1001.jpg").stat().st_ino == inode
    assert sidecar(out / "Other" / "1001.jpg")["albums"] == [{"id": OTHER, "title": "Other"}]
    assert run_cli(env, "verify", str(out)).code == 0


def test_reshape_and_a_rebuilt_state_leave_the_exports_own_folder_alone(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    assert (
        run_cli(env, "import", str(out), *map(str, export(tmp_path / "e")), "--no-site").code == 0
    )
    kept = sorted(p.name for p in (out / "flickr-export").iterdir())
    result = run_cli(env, "reshape", str(out), "--layout", "flat")
    assert result.code == 0, result.stdout + result.stderr
    assert (out / "1001.jpg").is_file() and sorted(
        p.name for p in (out / "flickr-export").iterdir()
    ) == kept
    rebuilt = run_cli(env, "verify", str(out), "--rebuild")
    assert rebuilt.code == 0, rebuilt.stdout + rebuilt.stderr
    assert sorted(p.name for p in (out / "flickr-export").iterdir()) == kept
    assert set(rows(out)) == {"1001", "1002", "1003", "1004"}


def test_an_unpacked_export_with_the_archive_inside_its_folder_is_read_without_the_archive(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    folder = tmp_path / "export"
    for zip_path in export(tmp_path / "zips"):
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(folder / zip_path.stem)
    out = folder / "archive"
    report = tmp_path / "r.json"
    first = run_cli(env, "import", str(out), str(folder), "--no-site")
    assert first.code == 0, first.stdout + first.stderr
    again = run_cli(env, "import", str(out), str(folder), "--no-site", "--report", str(report))
    assert again.code == 0, again.stdout + again.stderr
    found = load_report(report)["export"]
    # Nothing of the archive was read as the export's: not its sidecars (`1001.jpg.json`
    # would be kept as export files), not its photos (more media), not its root files.
    assert found["export_files_kept"] == [
        "account_profile.json", "albums.json", "faves_part001.json", "sent_flickrmail_part001.json"
    ]  # fmt: skip
    assert found["media_in_export"] == 4 and found["ignored_members"] == []
    assert found["unchanged"] == 4 and found["imported"] == 0
    assert found["duplicates_same_bytes"] == [] and found["duplicates_different_bytes"] == []


def test_sigterm_stops_an_import_cleanly_with_its_report_and_a_rerun_completes(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    count = 300
    meta = {f"photo_{3000 + i}.json": dumps(photo_json(str(3000 + i))) for i in range(count)}
    big = jpeg(6, (900, 700)) + os.urandom(300_000)
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(
            tmp_path / "e" / "data-download-1.zip",
            {f"p_{3000 + i}_o.jpg": big for i in range(count)},
        ),
    ]
    report = tmp_path / "r.json"
    proc = spawn_cli(
        env, "import", str(out), *map(str, paths), "--quiet", "--no-site", "--report", str(report)
    )
    db = out / ".flickr-async" / "state.sqlite3"
    start = time.monotonic()
    try:
        while not db.exists() or sum(r["status"] == "done" for r in _rows_or_none(out)) < 3:
            assert proc.poll() is None, "the import ended before it could be stopped"
            assert time.monotonic() - start < 60
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 143
    stopped = load_report(report)
    assert (stopped["result"], stopped["exit_code"]) == ("terminated", 143)
    assert not list((out / ".flickr-async" / "tmp").iterdir())
    result = run_cli(env, "import", str(out), *map(str, paths), "--no-site")
    assert result.code == 0, result.stdout + result.stderr
    assert run_cli(env, "verify", str(out)).code == 0


def _rows_or_none(out: Path) -> list[dict[str, Any]]:
    try:
        return list(rows(out).values())
    except sqlite3.OperationalError:
        return []
