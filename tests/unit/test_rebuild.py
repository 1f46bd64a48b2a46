"""rebuild.py: what makes a state unusable, and the pieces a rebuild reads from the archive."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path, PurePosixPath

import pytest

from flickr_async import rebuild, sidecar
from flickr_async.layout import STATE_DIR
from flickr_async.state import State


def archive_with_one_photo(out: Path) -> Path:
    media = out / "Unsorted" / "123.jpg"
    media.parent.mkdir(parents=True)
    media.write_bytes(b"\xff\xd8\xff pixels \xff\xd9")
    media.with_name("123.jpg.json").write_bytes(sidecar.dumps({"schema": 1, "id": "123"}))
    return media


def sound_state(out: Path, *, photos: int = 1) -> Path:
    state = State.open(out)
    for n in range(photos):
        state.record_failed(str(n), "x")
    state.close()
    return out / STATE_DIR / "state.sqlite3"


def test_a_folder_with_no_archive_has_no_state_problem(tmp_path: Path) -> None:
    assert rebuild.state_problem(tmp_path) is None


def test_a_missing_state_beside_sidecars_is_a_problem(tmp_path: Path) -> None:
    archive_with_one_photo(tmp_path)
    assert rebuild.state_problem(tmp_path) == "it is missing"


def test_an_empty_state_file_beside_sidecars_is_a_problem(tmp_path: Path) -> None:
    archive_with_one_photo(tmp_path)
    (tmp_path / STATE_DIR).mkdir()
    (tmp_path / STATE_DIR / "state.sqlite3").write_bytes(b"")
    assert rebuild.state_problem(tmp_path) == "it is empty"


def test_a_sound_state_with_photos_is_no_problem(tmp_path: Path) -> None:
    archive_with_one_photo(tmp_path)
    sound_state(tmp_path)
    assert rebuild.state_problem(tmp_path) is None


def test_a_sound_state_without_a_photo_while_sidecars_are_on_disk_is_a_problem(
    tmp_path: Path,
) -> None:
    archive_with_one_photo(tmp_path)
    sound_state(tmp_path, photos=0)
    assert rebuild.state_problem(tmp_path) == "it holds no photo while photos are on disk"


def test_a_state_with_a_table_dropped_is_a_problem(tmp_path: Path) -> None:
    path = sound_state(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE albums")
    db.close()
    assert rebuild.state_problem(tmp_path) == "its albums table is missing"


def test_a_state_that_is_not_a_database_is_a_problem(tmp_path: Path) -> None:
    path = sound_state(tmp_path)
    path.write_bytes(b"this is not SQLite" * 300)
    problem = rebuild.state_problem(tmp_path)
    assert problem is not None and "not a database" in problem


def test_a_truncated_state_is_a_problem(tmp_path: Path) -> None:
    path = sound_state(tmp_path, photos=2000)
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    problem = rebuild.state_problem(tmp_path)
    assert problem is not None and problem.startswith("it is cut short")


def test_a_checkpoint_cut_short_by_a_full_disk_is_no_problem_while_the_wal_holds_the_pages(
    tmp_path: Path,
) -> None:
    """A full disk can stop SQLite's checkpoint after the header (the new page count) but
    before the last page: the pages past the file's end are still in the WAL, which SQLite
    reads first. The same file without its WAL is cut short."""
    path = sound_state(tmp_path, photos=50)
    held = sqlite3.connect(path)  # a run killed with its WAL not yet checkpointed
    held.execute("PRAGMA wal_autocheckpoint=0")
    with held:
        held.executemany(
            "INSERT INTO photos(id, status, error, updated_at) VALUES(?, 'failed', ?, 'x')",
            [(str(n), "y" * 500) for n in range(1000, 1400)],
        )
    copy = tmp_path / "copy"
    (copy / STATE_DIR).mkdir(parents=True)
    target = copy / STATE_DIR / "state.sqlite3"
    target.write_bytes(path.read_bytes())
    wal_bytes = path.with_name(path.name + "-wal").read_bytes()
    assert wal_bytes
    held.close()  # the last connection checkpoints and removes its WAL: copied before
    data = bytearray(target.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size + 1  # the header written, the last page not
    data[28:32] = pages.to_bytes(4, "big")
    data[92:96] = data[24:28]  # counters agree: the header's page count is valid
    target.write_bytes(bytes(data))
    (copy / STATE_DIR / "state.sqlite3-wal").write_bytes(wal_bytes)
    assert rebuild.state_problem(copy) is None
    (copy / STATE_DIR / "state.sqlite3-wal").unlink()
    problem = rebuild.state_problem(copy)
    assert problem is not None and problem.startswith("it is cut short")


def test_a_page_scribbled_in_the_middle_is_found_by_the_thorough_look(tmp_path: Path) -> None:
    path = sound_state(tmp_path, photos=2000)
    with path.open("r+b") as fh:
        fh.seek(path.stat().st_size // 2 // 4096 * 4096)
        fh.write(b"\x0d" + b"\xee" * 4095)  # a leaf page's header, garbage after
    assert rebuild.state_problem(tmp_path) is None  # a backup's look: header and tables
    problem = rebuild.state_problem(tmp_path, thorough=True)
    assert problem is not None and problem.startswith("it is damaged")


def test_keep_aside_renames_the_database_and_its_companions(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"db")
    path.with_name("state.sqlite3-wal").write_bytes(b"wal")
    kept = rebuild.keep_aside(path, "damaged")
    assert kept is not None and kept.read_bytes() == b"db"
    assert kept.name.startswith("state.sqlite3.damaged-")
    assert sorted(p.name.split(".damaged")[0] for p in tmp_path.iterdir()) == [
        "state.sqlite3",
        "state.sqlite3-wal",
    ]
    assert not path.exists()
    path.write_bytes(b"db2")
    second = rebuild.keep_aside(path, "damaged")  # within the same second: never over it
    assert second is not None and second != kept and kept.read_bytes() == b"db"


def test_with_file_puts_the_record_after_download_and_keeps_the_tail_last() -> None:
    doc = {"schema": 1, "id": "1", "visibility": {"public": True}, "download": None,
           "exif_replaced": {}, "deleted_on_flickr": None}  # fmt: skip
    out = sidecar.with_file(doc, size=3, sha256="ab", original_key="s:1x1", embed_version=2)
    assert list(out) == [
        "schema", "id", "visibility", "download", "file", "exif_replaced", "deleted_on_flickr"
    ]  # fmt: skip
    digest = sidecar.original_digest("s:1x1")
    assert out["file"] == {"bytes": 3, "sha256": "ab", "original": digest, "embed_version": 2}
    assert "s:1x1" not in json.dumps(out) and digest and len(digest) == 32  # no secret
    again = sidecar.with_file(out, size=4, sha256="cd", original_key="s:1x1", embed_version=2)
    assert list(again) == list(out) and again["file"]["bytes"] == 4


@pytest.mark.parametrize("visibility", [{"public": False}, {"public": "1"}, None])
def test_a_photo_not_public_records_no_digest_of_its_original_secret(visibility: object) -> None:
    # Flickr's original secret is 10 hex digits: an unsalted digest of it is found again by
    # trying them all, and with it the private original's URL.
    doc = {"id": "1", "visibility": visibility, "download": None}
    out = sidecar.with_file(
        doc, size=3, sha256="ab", original_key="0a1b2c3d4e:4x3", embed_version=2
    )
    assert out["file"]["original"] is None
    assert rebuild._original_key(out["file"], None, "1") == "?"  # a rebuild trusts the file


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://live.staticflickr.com/65535/123_abcdef_o.jpg", "abcdef:?"),
        ("https://live.staticflickr.com/65535/123_abcdef_b.jpg", "?"),  # not the original
        ("https://live.staticflickr.com/65535/999_abcdef_o.jpg", "?"),  # another photo's
        (None, "?"),
    ],
)
def test_an_older_sidecar_gives_the_original_secret_its_url_holds(
    url: str | None, key: str
) -> None:
    download = {"url": url} if url else None
    assert rebuild._original_key({}, download, "123") == key


def test_a_recorded_original_digest_wins_and_names_the_same_original() -> None:
    digest = sidecar.original_digest("s:4x3")
    stored = rebuild._original_key({"original": digest}, None, "123")
    assert stored == f"#{digest}"
    assert sidecar.original_unchanged(stored, "s", "s:4x3")
    assert not sidecar.original_unchanged(stored, "t", "t:4x3")  # replaced on Flickr
    assert sidecar.original_digest(stored) == digest  # written back as it was read


@pytest.mark.parametrize(
    ("stored", "unchanged"),
    [
        ("s:4x3", True),
        ("t:4x3", False),
        ("s:?", True),
        ("t:?", False),
        ("?", True),
        ("s:x", True),  # imported from Flickr's data export: no dimensions known
        ("t:x", False),
    ],
)
def test_a_rebuilt_row_knowing_only_part_of_the_key_is_not_a_replaced_original(
    stored: str, unchanged: bool
) -> None:
    assert sidecar.original_unchanged(stored, "s", "s:4x3") is unchanged


@pytest.mark.parametrize(
    ("stored", "secret", "listed", "settled"),
    [
        ("s:x", "s", "s:4x3", "s:4x3"),  # an imported row learns the whole key
        ("s:?", "s", "s:4x3", "s:4x3"),
        (f"#{sidecar.original_digest('s:4x3')}", "s", "s:4x3", "s:4x3"),
        ("s:x", "t", "t:4x3", "s:x"),  # another original: not this row's key
        ("s:x", "s", "s:x", "s:x"),  # the listing knows no dimensions either
        ("s:x", None, ":x", "s:x"),  # the listing offers no original
        ("?", "s", "s:4x3", "?"),  # nothing proves the file is that original
        ("s:2x1", "s", "s:4x3", "s:2x1"),  # a whole key is never changed here
    ],
)
def test_a_partial_key_is_made_whole_only_from_a_listing_of_the_same_original(
    stored: str, secret: str | None, listed: str, settled: str
) -> None:
    assert sidecar.settled_original_key(stored, secret, listed) == settled


def test_an_imported_file_s_key_is_rebuilt_as_it_was() -> None:
    url = "https://live.staticflickr.com/8583/123_c48a5e6ae6_o.jpg"
    digest = sidecar.original_digest("c48a5e6ae6:x")
    assert rebuild._original_key({"original": digest}, {"url": url}, "123") == "c48a5e6ae6:x"


def test_the_names_template_is_read_off_the_file_names() -> None:
    doc = {"id": "42", "title": "Sea", "date_taken": "2020-05-06 07:08:09"}
    found = [(PurePosixPath("2020-05-06 Sea (42).jpg"), doc)]
    assert rebuild._names_of(found) == "{date_taken:%Y-%m-%d} {title} ({id})"
    assert rebuild._names_of([(PurePosixPath("Unsorted/42.jpg"), doc)]) == "{id}"


def test_the_layout_is_read_off_the_folders() -> None:
    doc = {"id": "42"}
    assert rebuild._layout_of([(PurePosixPath("42.jpg"), doc)]) == "flat"
    assert rebuild._layout_of([(PurePosixPath("2020/05/42.jpg"), doc)]) == "date"
    assert rebuild._layout_of([(PurePosixPath("undated/42.jpg"), doc)]) == "date"
    assert rebuild._layout_of([(PurePosixPath("Holidays/42.jpg"), doc)]) == "albums"


def test_root_options_read_account_json_and_an_older_ones_layout(tmp_path: Path) -> None:
    (tmp_path / "account.json").write_text('{"schema": 1, "archive": {"layout": "date"}}')
    assert rebuild.root_options(tmp_path) == {"layout": "date"}
    (tmp_path / "account.json").write_text(
        '{"schema": 1, "archive": {"layout": "date", "options": {"layout": "flat", '
        '"names": "{id}", "links": 3, "exif": false}}}'
    )
    assert rebuild.root_options(tmp_path) == {"layout": "flat", "names": "{id}", "exif": False}


@pytest.mark.parametrize(("every", "kept"), [(0, 0), (2.5, 2.5), (-1, None), (True, None)])
def test_root_options_keep_a_chosen_full_listing_age(
    tmp_path: Path, every: object, kept: object
) -> None:
    # --full-listing-every 0 (deletions found every night) survives a rebuilt state
    options = {"layout": "albums", "full_listing_every": every}
    (tmp_path / "account.json").write_text(
        json.dumps({"schema": 1, "archive": {"options": options}})
    )
    assert rebuild.root_options(tmp_path).get("full_listing_every") == kept


def test_a_rebuild_stopped_half_way_leaves_the_damaged_state_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive_with_one_photo(tmp_path)
    path = tmp_path / STATE_DIR / "state.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"garbage" * 1000)

    def killed(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(rebuild, "_restore_favorites", killed)
    with pytest.raises(KeyboardInterrupt):
        rebuild.rebuild_state(tmp_path, "it is damaged")
    assert path.read_bytes() == b"garbage" * 1000  # the next run sees it damaged again
    monkeypatch.undo()
    report = rebuild.rebuild_state(tmp_path, "it is damaged")
    assert report.photos == 1 and report.kept_aside is not None
    assert report.kept_aside.read_bytes() == b"garbage" * 1000
    assert rebuild.state_problem(tmp_path) is None
    assert not list(path.parent.glob("*.rebuilding*"))
    assert len(list(path.parent.glob("state.sqlite3.damaged-*"))) == 1


def test_another_tools_json_beside_a_photo_makes_no_archive(tmp_path: Path) -> None:
    """Google Takeout writes `<photo>.jpg.json` too: a new archive there is no lost one."""
    (tmp_path / "IMG_1.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "IMG_1.jpg.json").write_text('{"title": "IMG_1.jpg", "photoTakenTime": {}}')
    assert rebuild.state_problem(tmp_path) is None
    sound_state(tmp_path, photos=0)
    assert rebuild.state_problem(tmp_path) is None


def test_verify_reports_a_file_record_that_differs_from_the_state() -> None:
    from flickr_async.state import StoredPhoto
    from flickr_async.verify import record_mismatch

    row = StoredPhoto(
        id="1", status="done", error=None, attempts=0, last_update=0, original_key="s:1x1",
        media="photo", path="Unsorted/1.jpg", links=(), albums=(), bytes=3, sha256="ab",
        served_url=None, served_bytes=None, served_sha256=None, original=True,
        size_label=None, date_taken=None, deleted_on_flickr=None,
    )  # fmt: skip
    doc = {"id": "1", "albums": [], "deleted_on_flickr": None}
    assert record_mismatch(doc, row) is None  # an older sidecar: no record to compare
    same = sidecar.with_file(doc, size=3, sha256="ab", original_key="s:1x1", embed_version=2)
    assert record_mismatch(same, row) is None
    other = sidecar.with_file(doc, size=3, sha256="cd", original_key="s:1x1", embed_version=2)
    assert record_mismatch(other, row) == "its file record (bytes, sha256) differs from the state's"
