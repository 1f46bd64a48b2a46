"""`flickr-async import`: what the PATHs hold and whose they are (review 19's mends): a name
whose newest id is unknown, JSON nested too deep, a broken zip or a symbolic link inside a
folder, a part with only mail or comments, an export without its profile checked by its
photo pages, PATH equal to OUT."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import run_cli
from tests.e2e.test_import import plain_env
from tests.exportzip import NSID, albums_json, dumps, jpeg, photo_json, profile_json, write_zip

TRIP = "72157669084548603"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def test_a_reuploaded_photos_file_is_never_given_to_the_older_photo(tmp_path: Path) -> None:
    # The old photo's JSON is here, the new one's in a part not given: its file is one no
    # JSON describes, and the old photo's own file stays the one archived.
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    paths = [
        write_zip(
            tmp_path / "e" / "1_abc_part1.zip",
            {"photo_3977224776.json": dumps(photo_json("3977224776"))},
        ),
        write_zip(
            tmp_path / "e" / "data-download-1.zip",
            {
                "050602-136_3977224776_o_52000000001_o.jpg": jpeg(2, (400, 300)),
                "050602-136_3977224776_o.jpg": jpeg(1),
            },
        ),
    ]
    report = tmp_path / "r.json"
    result = run_cli(env, "import", str(out), *map(str, paths), "--report", str(report))
    assert result.code == 1, result.stdout + result.stderr
    found = load(report)["export"]
    assert found["files_without_json"] == [f"{paths[1]}:050602-136_3977224776_o_52000000001_o.jpg"]
    assert found["duplicates_different_bytes"] == []
    assert (out / "Unsorted" / "3977224776.jpg").is_file()
    with sqlite3.connect(f"file:{out / '.flickr-async' / 'state.sqlite3'}?mode=ro", uri=True) as db:
        (size,) = db.execute("SELECT served_bytes FROM photos WHERE id = '3977224776'").fetchone()
    assert size == len(jpeg(1)) != len(jpeg(2, (400, 300)))


def test_json_nested_too_deep_is_refused_and_the_rest_imported(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    nested = b"[" * 200_000 + b"]" * 200_000
    meta = {
        "albums.json": nested,
        "photo_1001.json": dumps(photo_json("1001")),
        "photo_1002.json": nested,
    }
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "d.zip", {"a_1001_o.jpg": jpeg(1), "b_1002_o.jpg": jpeg(2)}),
    ]
    report = tmp_path / "r.json"
    result = run_cli(env, "import", str(out), *map(str, paths), "--report", str(report))
    assert result.code == 1, result.stdout + result.stderr  # never 5, an internal error
    assert "RecursionError" not in result.stderr and "internal error" not in result.stderr
    assert "nested deeper than 64 levels" in result.stdout
    found = load(report)["export"]
    assert "photo 1002" in found["refused"] and "albums.json" in found["refused"]
    assert (out / "Unsorted" / "1001.jpg").is_file()
    assert "refused photo 1002" in result.stdout


def test_a_broken_zip_and_a_symbolic_link_inside_a_folder_are_named(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    folder = tmp_path / "export"
    meta = {f"photo_{i}.json": dumps(photo_json(str(i))) for i in (1001, 1002, 1003)}
    write_zip(folder / "1_abc_part1.zip", meta)
    media = write_zip(folder / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})
    media.write_bytes(media.read_bytes()[:-30])  # a download cut short: no zip directory
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b_1002_o.jpg").write_bytes(jpeg(2))
    (folder / "b_1002_o.jpg").symlink_to(elsewhere / "b_1002_o.jpg")
    (folder / "c_1003_o.jpg").write_bytes(jpeg(3))
    report = tmp_path / "r.json"
    result = run_cli(env, "import", str(out), str(folder), "--report", str(report))
    assert result.code == 1, result.stdout + result.stderr
    found = load(report)["export"]
    assert [c.split(": ")[0] for c in found["corrupt_members"]] == [str(media)]
    assert found["ignored_members"] == [
        f"{folder / 'b_1002_o.jpg'} (a symbolic link: not followed)"
    ]
    assert "1 corrupt member skipped: " + str(media) in result.stdout
    assert "download it again" in result.stdout
    assert (
        f"1 file ignored (no part of the export): {folder / 'b_1002_o.jpg'} "
        "(a symbolic link: not followed)" in result.stdout
    )
    assert (out / "Unsorted" / "1003.jpg").is_file()
    assert not (out / "Unsorted" / "1002.jpg").exists()


def test_a_folder_with_only_a_broken_zip_is_refused_naming_it(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    folder = tmp_path / "export"
    media = write_zip(folder / "data-download-1.zip", {"a_1001_o.jpg": jpeg(1)})
    media.write_bytes(media.read_bytes()[:-30])
    result = run_cli(env, "import", str(tmp_path / "out"), str(folder))
    assert result.code == 2
    assert str(media) in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "members",
    [
        {"received_flickrmail_part001.json": {"flickrmail": []},
         "photos_comments_part001.json": {"comments": []}},
        {"group_discussions.json": {"discussions": []}},
        {"followers_part002.json": {"followers": {}}},
    ],
)  # fmt: skip
def test_a_metadata_part_with_only_mail_or_comments_is_part_of_the_export(
    tmp_path: Path, members: dict[str, Any]
) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    meta = {"photo_1001.json": dumps(photo_json("1001"))}
    paths = [
        write_zip(tmp_path / "e" / "1_abc_part1.zip", meta),
        write_zip(tmp_path / "e" / "1_abc_part2.zip", {n: dumps(d) for n, d in members.items()}),
        write_zip(tmp_path / "e" / "d.zip", {"a_1001_o.jpg": jpeg(1)}),
    ]
    result = run_cli(env, "import", str(out), *map(str, paths), "--no-site")
    assert result.code == 0, result.stdout + result.stderr
    for name in members:
        assert (out / "flickr-export" / name).is_file()


def test_an_unknown_json_alone_in_a_zip_is_still_no_export(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    bad = write_zip(tmp_path / "other.zip", {"settings.json": b"{}"})
    result = run_cli(env, "import", str(tmp_path / "out"), str(bad))
    assert result.code == 2 and str(bad) in result.stderr


def part(tmp_path: Path, alias: str, photo_id: str) -> list[Path]:
    """Parts 2.. of an export: no account_profile.json; its photo pages name `alias`."""
    doc = photo_json(photo_id)
    doc["photopage"] = f"https://www.flickr.com/photos/{alias}/{photo_id}/"
    return [
        write_zip(tmp_path / alias / "1_abc_part2.zip", {f"photo_{photo_id}.json": dumps(doc)}),
        write_zip(tmp_path / alias / "d.zip", {f"a_{photo_id}_o.jpg": jpeg(int(photo_id))}),
    ]


def test_an_export_without_its_profile_is_checked_by_its_photo_pages(tmp_path: Path) -> None:
    env = plain_env(tmp_path)
    out = tmp_path / "out"
    first = [
        write_zip(
            tmp_path / "e" / "1_abc_part1.zip",
            {
                "account_profile.json": dumps(profile_json()),
                "albums.json": dumps(albums_json([(TRIP, "Trip", ["1001"])])),
                "photo_1001.json": dumps(photo_json("1001")),
            },
        ),
        write_zip(tmp_path / "e" / "d.zip", {"a_1001_o.jpg": jpeg(1)}),
    ]
    assert run_cli(env, "import", str(out), *map(str, first), "--no-site").code == 0
    for alias in ("someone-else", "99999999@N01", "evil\x1b[31m"):
        refused = run_cli(env, "import", str(out), *map(str, part(tmp_path, alias, "2002")))
        assert refused.code == 2, refused.stdout + refused.stderr
        assert alias[:4] in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
        assert "\x1b" not in refused.stderr
        assert not list(out.rglob("2002*"))
    # The account's own parts, by alias or by NSID, are welcome.
    for alias, photo_id in (("tester", "2003"), (NSID, "2004")):
        taken = run_cli(env, "import", str(out), *map(str, part(tmp_path, alias, photo_id)))
        assert taken.code == 0, taken.stdout + taken.stderr
        assert (out / "Unsorted" / f"{photo_id}.jpg").is_file()


@pytest.mark.parametrize("relative", [True, False])
def test_path_equal_to_out_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    env = plain_env(tmp_path)
    folder = tmp_path / "exp"
    with zipfile.ZipFile(write_zip(tmp_path / "d.zip", {"a_1001_o.jpg": jpeg(1)})) as z:
        z.extractall(folder)
    monkeypatch.chdir(tmp_path)
    name = "exp" if relative else str(folder)
    result = run_cli(env, "import", name, name)
    assert result.code == 2
    assert "this is OUT" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(os.listdir(folder)) == ["a_1001_o.jpg"]
