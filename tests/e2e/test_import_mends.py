"""`import` run again, or into an archive `backup` made: a newer export's metadata is taken
in, the API's albums and account stay, a newer original is kept beside the old one, nothing
the export holds is dropped (files whose JSON is unusable, JSON whose file is missing), the
file chosen among several does not depend on the zips' order, kept files are never
overwritten."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests import exiftool
from tests.e2e.helpers import FAST, run_cli, sha256, sidecar
from tests.e2e.test_import import TRIP, import_export, plain_env, rows
from tests.exportzip import albums_json, dumps, jpeg, photo_json, profile_json, write_zip
from tests.fakeflickr import FakeFlickr, Library


def test_a_newer_exports_title_tags_and_privacy_reach_the_sidecar_and_the_file(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    media = write_zip(tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})

    def meta(folder: str, **fields: Any) -> Path:
        doc = dumps(photo_json("1001", **fields))
        return write_zip(tmp_path / folder / "1_abc_part1.zip", {"photo_1001.json": doc})

    first = import_export(
        env, out, [meta("e1", name="Old", tags=["old"]), media], tmp_path / "1.json", "--no-site"
    )
    assert first["code"] == 0, first["output"]
    assert sidecar(out / "Unsorted" / "1001.jpg")["visibility"]["public"] is True

    newer = meta("e2", name="New", tags=["new"], privacy="private")
    second = import_export(env, out, [newer, media], tmp_path / "2.json", "--no-site")
    assert second["code"] == 0, second["output"]
    assert (second["export"]["updated"], second["export"]["unchanged"]) == (1, 0)
    assert second["export"]["imported"] == 0
    assert "1 updated from the export" in second["output"]
    doc = sidecar(out / "Unsorted" / "1001.jpg")
    assert (doc["title"], doc["tags"]) == ("New", ["new"])
    assert doc["visibility"] == {"public": False, "friends": False, "family": False}
    assert doc["export"]["privacy"] == "private" and doc["export"]["original"] is None
    assert doc["metadata_level"] == "export"
    path = out / "Unsorted" / "1001.jpg"
    assert exiftool.read([path])[str(path)]["Title"] == "New"
    assert rows(out)["1001"]["served_sha256"] == sha256_of(jpeg(1))

    # The same export again: nothing to take in, the file left as it is.
    before = (path.stat().st_ino, path.stat().st_mtime_ns, sha256(path))
    third = import_export(env, out, [newer, media], tmp_path / "3.json", "--no-site")
    assert third["code"] == 0, third["output"]
    assert (third["export"]["updated"], third["export"]["unchanged"]) == (0, 1)
    assert (path.stat().st_ino, path.stat().st_mtime_ns, sha256(path)) == before

    # An export that names the original's host otherwise (farmN, years apart): the same file.
    farm = "https://farm9.staticflickr.com/8583/1001_c48a5e6ae6_o.jpg"
    older = meta("e3", name="New", tags=["new"], privacy="private", original=farm)
    fourth = import_export(env, out, [older, media], tmp_path / "4.json", "--no-site")
    assert fourth["code"] == 0, fourth["output"]
    assert (fourth["export"]["imported"], fourth["export"]["unchanged"]) == (0, 1)
    assert not (out / ".flickr-async" / "replaced").exists()
    assert (path.stat().st_ino, path.stat().st_mtime_ns, sha256(path)) == before

    # A newer export whose JSON of it is broken: refused; the archived photo stays as it was
    # (its file is not copied aside: the archive holds it).
    broken = write_zip(tmp_path / "e5" / "1_abc_part1.zip", {"photo_1001.json": b'{"id": "10'})
    fifth = import_export(env, out, [broken, media], tmp_path / "5.json", "--no-site")
    assert fifth["code"] == 1, fifth["output"]
    assert "the archive holds its file already" in fifth["export"]["refused"]["photo 1001"]
    assert not (out / "flickr-export" / "unmatched").exists()
    assert sidecar(path)["title"] == "New"
    assert run_cli(env, "verify", str(out)).code == 0


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_import_into_a_backup_made_archive_keeps_the_apis_albums_account_and_metadata(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--metadata", "list", "--no-site").code == 0
    gone = library.albums[-1]
    library.delete_album(gone.id)  # deleted on Flickr since: kept, marked, never made live
    assert run_cli(env, "backup", str(out), *FAST, "--metadata", "list", "--no-site").code == 0
    albums_before = json.loads((out / "albums.json").read_text("utf-8"))["albums"]
    assert albums_before[-1]["id"] == gone.id and albums_before[-1]["deleted_on_flickr"]
    account_before = (out / "account.json").read_bytes()
    first = library.albums[0]
    photo = next(p for p in library.photos if not p.is_video and p.id in first.photo_ids)
    row_before = rows(out)[photo.id]
    assert row_before["original"] == 1
    sidecar_before = sidecar(out / row_before["path"])
    meta = {
        "account_profile.json": dumps({**profile_json(), "nsid": library.owner.nsid}),
        "albums.json": dumps(
            albums_json(
                [
                    (first.id, "Renamed in the export", [photo.id]),
                    (gone.id, gone.title, gone.photo_ids),
                    (TRIP, "New one", []),
                ]
            )
        ),
        f"photo_{photo.id}.json": dumps(
            photo_json(photo.id, name="Export title", secret=photo.originalsecret)
        ),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "d.zip", {f"x_{photo.id}_o.jpg": jpeg(5)}),
    ]
    found = import_export(env, out, paths, tmp_path / "r.json", "--no-site")
    assert found["code"] == 0, found["output"]
    assert found["export"]["already_archived"] == 1 and found["export"]["imported"] == 0
    albums = json.loads((out / "albums.json").read_text("utf-8"))["albums"]
    keep = ("id", "title", "photo_ids", "folder", "deleted_on_flickr")
    # The live albums as the API gave them, the one only the export has, the deleted one.
    assert [{k: a[k] for k in keep} for a in albums[:-2]] == [
        {k: a[k] for k in keep} for a in albums_before[:-1]
    ]
    assert (albums[-2]["id"], albums[-2]["title"]) == (TRIP, "New one")
    assert {k: albums[-1][k] for k in keep} == {k: albums_before[-1][k] for k in keep}
    assert (out / "account.json").read_bytes() == account_before
    # The API's metadata is not brought down to the export's.
    assert sidecar(out / row_before["path"]) == sidecar_before
    assert rows(out)[photo.id]["metadata_level"] == row_before["metadata_level"]
    assert run_cli(env, "verify", str(out)).code == 0


def test_a_newer_original_in_the_export_replaces_a_backups_and_the_old_one_is_kept(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--metadata", "list", "--no-site").code == 0
    photo = next(p for p in library.photos if not p.is_video)
    before = rows(out)[photo.id]
    assert before["original"] == 1
    meta = {
        "account_profile.json": dumps({**profile_json(), "nsid": library.owner.nsid}),
        f"photo_{photo.id}.json": dumps(photo_json(photo.id, secret="0123456789")),
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "d.zip", {f"x_{photo.id}_o.jpg": jpeg(5)}),
    ]
    found = import_export(env, out, paths, tmp_path / "r.json", "--no-site")
    assert found["code"] == 0, found["output"]
    assert found["export"]["imported"] == 1 and found["export"]["already_archived"] == 0
    after = rows(out)[photo.id]
    assert after["served_sha256"] == sha256_of(jpeg(5))
    kept = list((out / ".flickr-async" / "replaced" / photo.id).iterdir())
    assert [sha256(k) for k in kept] == [before["sha256"]]
    assert run_cli(env, "verify", str(out)).code == 0


def test_a_file_whose_json_is_unusable_is_kept_and_a_missing_files_json_waits_for_it(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    meta = {
        "albums.json": dumps(albums_json([(TRIP, "Trip", ["1001", "1003"])])),
        "photo_1001.json": dumps(photo_json("1001")),
        "photo_1002.json": dumps(photo_json("1002"))[:40],  # cut short
        "photo_1003.json": dumps(photo_json("1003", name="Far away")),  # file in zip 2
        "photo_1005.json": dumps(
            photo_json("1005", original="https://live.staticflickr.com/video_encoding.jpg")
        ),
    }
    meta_zip = write_zip(tmp_path / "e" / "1_abc_part1.zip", meta)
    first_media = write_zip(
        tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1), "b_1002_o.jpg": jpeg(2)}
    )
    second_media = write_zip(  # downloaded again: with a file the archive holds already
        tmp_path / "e" / "data-download-2.zip", {"far_1003_o.jpg": jpeg(3), "a_1001_o.jpg": jpeg(1)}
    )
    first = import_export(env, out, [meta_zip, first_media], tmp_path / "1.json", "--no-site")
    assert first["code"] == 1, first["output"]
    assert first["export"]["missing_files"] == ["1003"]
    [(what, reason)] = first["export"]["refused"].items()
    assert what == "photo 1002" and "flickr-export/unmatched/b_1002_o.jpg" in reason
    assert (out / "flickr-export" / "unmatched" / "b_1002_o.jpg").read_bytes() == jpeg(2)
    kept = out / "flickr-export" / "photos"
    assert sorted(p.name for p in kept.iterdir()) == ["photo_1003.json", "photo_1005.json"]

    # Only the zip downloaded again: its file finds the JSON the first run kept.
    second = import_export(env, out, [second_media], tmp_path / "2.json", "--no-site")
    # Complete but for 1002, whose JSON was unusable: its kept file is still named.
    assert second["code"] == 1, second["output"]
    assert second["export"]["imported"] == 1
    unusable = out / "flickr-export" / "unmatched" / "b_1002_o.jpg"
    assert second["export"]["files_without_json"] == [str(unusable)]
    assert second["export"]["already_archived"] == 1
    assert second["export"]["photos_in_export"] == 0  # this run's JSON: none
    assert sidecar(out / "Trip" / "1003.jpg")["title"] == "Far away"
    assert second["export"]["unprocessed_videos"] == ["1005"]
    assert sorted(p.name for p in kept.iterdir()) == ["photo_1005.json"]
    assert run_cli(env, "verify", str(out)).code == 0


def test_of_two_different_files_for_one_photo_the_choice_does_not_depend_on_the_zips_order(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    meta = write_zip(
        tmp_path / "e" / "1_abc_part1.zip",
        {
            "photo_1001.json": dumps(photo_json("1001")),
            "photo_1002.json": dumps(photo_json("1002", secret="abcdef1234")),
        },
    )
    one = write_zip(
        tmp_path / "e" / "data-download-1.zip",
        {"a_1001_o.jpg": jpeg(1), "1002_abcdef1234_o.jpg": jpeg(4)},
    )
    two = write_zip(
        tmp_path / "e" / "data-download-2.zip", {"a_1001_o.jpg": jpeg(7), "b_1002_o.jpg": jpeg(8)}
    )
    lowest = min(jpeg(1), jpeg(7), key=sha256_of)
    for name, order in (("out1", [meta, one, two]), ("out2", [meta, two, one])):
        found = import_export(env, tmp_path / name, order, tmp_path / f"{name}.json", "--no-site")
        assert found["code"] == 0, found["output"]
        state = rows(tmp_path / name)
        assert state["1001"]["served_sha256"] == sha256_of(lowest)
        # The file named as the JSON's original names it wins whatever its hash.
        assert state["1002"]["served_sha256"] == sha256_of(jpeg(4))
        assert len(found["export"]["duplicates_different_bytes"]) == 2

    again = import_export(
        env, tmp_path / "out1", [meta, two, one], tmp_path / "again.json", "--no-site"
    )
    assert again["code"] == 0, again["output"]
    assert (again["export"]["imported"], again["export"]["unchanged"]) == (0, 2)
    assert len(again["export"]["duplicates_different_bytes"]) == 2  # still named
    assert not (tmp_path / "out1" / ".flickr-async" / "replaced").exists()
    assert len(list((tmp_path / "out1" / "flickr-export" / "duplicates").iterdir())) == 2


def test_a_kept_export_file_is_never_overwritten_by_another_exports(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    media = write_zip(tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})
    old_mail = dumps({"flickrmail": [{"subject": "2023", "body": "old"}]})
    new_mail = dumps({"flickrmail": [{"subject": "2025", "body": "new"}]})

    def meta(folder: str, mail: bytes) -> Path:
        files = {
            "photo_1001.json": dumps(photo_json("1001")),
            "received_flickrmail_part001.json": mail,
        }
        return write_zip(tmp_path / folder / "1_abc_part1.zip", files)

    assert (
        import_export(env, out, [meta("e1", old_mail), media], tmp_path / "1.json", "--no-site")[
            "code"
        ]
        == 0
    )
    assert (
        import_export(env, out, [meta("e2", new_mail), media], tmp_path / "2.json", "--no-site")[
            "code"
        ]
        == 0
    )
    folder = out / "flickr-export"
    assert (folder / "received_flickrmail_part001.json").read_bytes() == new_mail
    older = folder / f"received_flickrmail_part001.{sha256_of(old_mail)[:12]}.json"
    assert older.read_bytes() == old_mail
    names = sorted(p.name for p in folder.iterdir())
    assert (
        import_export(env, out, [meta("e2", new_mail), media], tmp_path / "3.json", "--no-site")[
            "code"
        ]
        == 0
    )
    assert sorted(p.name for p in folder.iterdir()) == names
    assert run_cli(env, "verify", str(out)).code == 0


def test_a_file_no_json_describes_is_kept_and_placed_once_its_json_comes(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    part1 = write_zip(
        tmp_path / "e" / "1_abc_part1.zip", {"photo_1001.json": dumps(photo_json("1001"))}
    )
    part2 = write_zip(
        tmp_path / "e" / "1_abc_part2.zip",
        {"photo_2001.json": dumps(photo_json("2001", name="In part two"))},
    )
    media = write_zip(
        tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1), "b_2001_o.jpg": jpeg(2)}
    )
    kept = out / "flickr-export" / "unmatched" / "b_2001_o.jpg"
    for n in (1, 2):  # the same zips twice: the file is named once, not its kept copy too
        found = import_export(env, out, [part1, media], tmp_path / f"{n}.json", "--no-site")
        assert found["code"] == 1, found["output"]
        assert found["export"]["files_without_json"] == [f"{media}:b_2001_o.jpg"]
        assert kept.read_bytes() == jpeg(2)
        assert "1 file no JSON describes kept in flickr-export/unmatched/" in found["output"]

    # The metadata part not given before, alone (its media zip deleted meanwhile).
    media.unlink()
    last = import_export(env, out, [part2], tmp_path / "3.json", "--no-site")
    assert last["code"] == 0, last["output"]
    assert last["export"]["imported"] == 1 and last["export"]["files_without_json"] == []
    assert sidecar(out / "Unsorted" / "2001.jpg")["title"] == "In part two"
    assert rows(out)["2001"]["served_sha256"] == sha256_of(jpeg(2))
    assert not kept.exists()
    assert run_cli(env, "verify", str(out)).code == 0


def test_links_planted_where_import_keeps_files_are_never_read_written_or_emptied(
    tmp_path: Path,
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    media = write_zip(tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})
    meta = write_zip(
        tmp_path / "e" / "1_abc_part1.zip", {"photo_1001.json": dumps(photo_json("1001"))}
    )
    assert import_export(env, out, [meta, media], tmp_path / "1.json", "--no-site")["code"] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "evil_9001_o.jpg").write_bytes(jpeg(9))
    (elsewhere / "photo_9002.json").write_bytes(dumps(photo_json("9002")))
    (out / "flickr-export").mkdir(exist_ok=True)
    (out / "flickr-export" / "unmatched").symlink_to(elsewhere)
    (out / "flickr-export" / "photos").symlink_to(elsewhere)
    part2 = write_zip(
        tmp_path / "e" / "1_abc_part2.zip",
        {
            "photo_9001.json": dumps(photo_json("9001")),
            "photo_9003.json": dumps(photo_json("9003")),  # no file: its JSON would be kept
        },
    )
    stray = write_zip(tmp_path / "e" / "data-download-2.zip", {"stray_7777_o.jpg": jpeg(7)})
    found = import_export(env, out, [part2, stray], tmp_path / "2.json", "--no-site")
    assert found["code"] == 1, found["output"]
    assert sorted(found["export"]["missing_files"]) == ["9001", "9003"]  # 9002: never read
    assert sorted(p.name for p in elsewhere.iterdir()) == ["evil_9001_o.jpg", "photo_9002.json"]
    assert not list(out.rglob("9001.jpg"))


def test_an_archived_file_cut_short_on_disk_is_imported_again_not_adopted(
    tmp_path: Path,
) -> None:
    """A file on disk is the photo's only when its size is the one recorded: one a power cut
    (or a hand) truncated is replaced from the export, never taken as done."""
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    media = write_zip(tmp_path / "e" / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})
    meta = write_zip(
        tmp_path / "e" / "1_abc_part1.zip", {"photo_1001.json": dumps(photo_json("1001"))}
    )
    assert import_export(env, out, [meta, media], tmp_path / "1.json", "--no-site")["code"] == 0
    path = out / "Unsorted" / "1001.jpg"
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])

    again = import_export(env, out, [meta, media], tmp_path / "2.json", "--no-site")

    assert again["code"] == 0, again["output"]
    assert again["export"]["unchanged"] == 0
    assert path.read_bytes() == whole
    assert run_cli(env, "verify", str(out)).code == 0
