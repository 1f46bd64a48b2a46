"""`backup` adopts an archive made from Flickr's data export (issue 19, item 5): each imported
file is the original already on disk, only what the export lacked is downloaded, every
sidecar is brought up to the API's metadata with the export's own block kept, and a file is
rewritten only where the metadata embedded in it changes.

The imported archive is written by the real Writer from the importer's messages
(tests/imported.py); `backup`, `status`, `verify` and `site` are the real CLI against the
fake Flickr.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from flickr_async import embedded_meta
from flickr_async.layout import STATE_DIR
from flickr_async.state import State, StoredPhoto
from tests.e2e.helpers import (
    archive_file_requests,
    backup_report,
    jpeg_scan,
    media_files,
    run_cli,
    sha256,
    sidecar,
)
from tests.fakeexport import write_export
from tests.fakeflickr import FakeFlickr, Library
from tests.imported import export_block, import_archive, kept_export_block
from tests.sitecrawl import crawl

FULL_REASON = "no complete listing recorded yet"


def rows(out: Path) -> dict[str, StoredPhoto]:
    state = State(out / STATE_DIR / "state.sqlite3")
    try:
        return {row.id: row for row in state.iter_photos()}
    finally:
        state.close()


def on_disk(out: Path) -> dict[Path, tuple[int, int, str, embedded_meta.Meta]]:
    """Every media file: inode, mtime, SHA-256 and the metadata its sidecar embeds."""
    return {
        p: (
            p.stat().st_ino,
            p.stat().st_mtime_ns,
            sha256(p),
            embedded_meta.from_sidecar(sidecar(p)),
        )
        for p in media_files(out)
    }


def full_key(library: Library, photo_id: str) -> str:
    """The key a backup records: the listing's whole one; for a photo whose owner allows no
    downloads the API shows no original, and the export's key ("secret:x") stays."""
    photo = library.photo(photo_id)
    if not photo.can_download:
        return f"{photo.originalsecret}:x"
    return f"{photo.originalsecret}:{photo.width}x{photo.height}"


def still(library: Library, *, geo: bool = False, skip: int = 0) -> str:
    """A JPEG in no album (its file has one place), with or without geo."""
    found = [
        p.id
        for p in library.photos
        if not p.is_video
        and p.originalformat == "jpg"
        and not library.albums_of(p.id)
        and (p.geo is not None) == geo
    ]
    return found[skip]


def test_backup_adopts_an_imported_archive_without_downloading_a_file(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    retitled = still(library)
    imported = import_archive(fake, out, changes={retitled: {"title": "As exported"}})
    assert len(imported) == len(library.photos)
    before = on_disk(out)
    before_rows = rows(out)
    assert {r.metadata_level for r in before_rows.values()} == {"export"}
    assert {r.original_key for r in before_rows.values()} == {
        f"{library.photo(pid).originalsecret}:x" for pid in before_rows
    }
    status = run_cli(env, "status", str(out))
    assert status.code == 0, status.stderr
    assert f"with only the metadata of Flickr's data export: {len(library.photos)} items" in (
        status.stdout
    )
    fake.counters.reset()

    report = backup_report(env, out)

    assert report["exit_code"] == 0, report["output"]
    assert archive_file_requests(fake) == Counter()  # not one original asked for
    assert report["downloaded"] == 0
    assert report["listing"] == "full"
    assert FULL_REASON in report["full_listing_reason"]
    after_rows = rows(out)
    videos = privates = no_download = 0
    for photo in library.photos:
        row = after_rows[photo.id]
        # The API's whole key from now on: a later replacement is seen exactly.
        assert row.original_key == full_key(library, photo.id), photo.id
        assert row.last_update == photo.lastupdate
        assert row.original is True and row.metadata_level == "deep"
        doc = sidecar(out / str(row.path))
        assert doc["metadata_level"] == "deep"
        assert doc["export"] == kept_export_block(photo)  # what only the export held, kept
        assert doc["title"] == photo.title
        assert doc["download"]["sha256"] == before_rows[photo.id].served_sha256
        if not photo.ispublic:
            privates += 1
            assert doc["download"]["url"] is None  # the original's secret is not written out
        videos += photo.is_video
        no_download += not photo.can_download  # Flickr offers no original: the export's stays
        copies = [out / str(row.path), *(out / link for link in row.links)]
        assert len({p.stat().st_ino for p in copies}) == 1  # album copies: one hard-linked file
    assert videos and privates and no_download
    assert any(len(r.links) >= 1 for r in after_rows.values())  # photos in several albums

    # A file is rewritten only where the metadata embedded in it changed (place names the
    # export lacks, the title changed since): else same inode, same mtime, same bytes.
    after = on_disk(out)
    assert after.keys() == before.keys()
    kept = rewritten = 0
    for path, (inode, mtime, digest, meta) in before.items():
        new_inode, new_mtime, new_digest, new_meta = after[path]
        if meta == new_meta or path.suffix.lower() != ".jpg":
            assert (new_inode, new_mtime, new_digest) == (inode, mtime, digest), path
            kept += 1
        else:
            assert new_inode != inode and new_digest != digest, path
            assert jpeg_scan(path.read_bytes()) == jpeg_scan(fake.original_bytes(path.stem))
            assert new_mtime == mtime  # still the date taken
            rewritten += 1
    assert kept > rewritten > 0
    title_file = out / str(after_rows[retitled].path)
    assert before[title_file][3].title == "As exported"
    assert after[title_file][3].title == library.photo(retitled).title
    assert after[title_file][0] != before[title_file][0]

    verified = run_cli(env, "verify", str(out))
    assert verified.code == 0, verified.stdout + verified.stderr
    status = run_cli(env, "status", str(out))
    assert "data export" not in status.stdout
    # Its API calls: no more than a first backup of the same account makes.
    first = backup_report(env, out.parent / "fresh")
    assert first["exit_code"] == 0
    assert report["api_calls"] <= first["api_calls"], (report["api_calls"], first["api_calls"])
    # The adopted archive syncs like any other: nothing to do, nothing fetched.
    fake.counters.reset()
    again = backup_report(env, out)
    assert again["exit_code"] == 0 and again["downloaded"] == 0
    assert archive_file_requests(fake) == Counter()
    assert on_disk(out) == after


def test_a_replaced_photo_is_downloaded_and_its_imported_file_kept_and_a_missing_one_fetched(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    replaced, lacking = still(library), still(library, skip=1)
    import_archive(fake, out, skip=[lacking])
    imported = rows(out)[replaced]
    assert lacking not in rows(out)
    old_bytes = (out / str(imported.path)).read_bytes()
    exported = export_block(library.photo(replaced))
    library.replace_original(replaced)
    fake.counters.reset()

    report = backup_report(env, out)

    assert report["exit_code"] == 0, report["output"]
    assert archive_file_requests(fake) == Counter({replaced: 1, lacking: 1})
    after = rows(out)
    assert after[replaced].original_key == full_key(library, replaced)
    assert after[replaced].served_sha256 == fake.original_sha256(replaced)
    kept = list((out / STATE_DIR / "replaced" / replaced).iterdir())
    assert [p.read_bytes() for p in kept] == [old_bytes]  # the imported file, as it was
    assert after[lacking].is_done and after[lacking].metadata_level == "deep"
    doc = sidecar(out / str(after[lacking].path))
    assert "export" not in doc  # the export never held it
    # What the export said is kept (its `original` names the file kept aside).
    assert sidecar(out / str(after[replaced].path))["export"] == exported
    assert run_cli(env, "verify", str(out)).code == 0


def test_verify_and_the_site_take_an_imported_archive_as_it_is(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    import_archive(fake, out)
    verified = run_cli(env, "verify", str(out))
    assert verified.code == 0, verified.stdout + verified.stderr
    site = run_cli(env, "site", str(out), "--quiet")
    assert site.code == 0, site.stderr
    result = crawl(out)
    assert result.broken == []
    assert len([p for p in result.pages if "/photo/" in str(p)]) == len(library.photos)


def test_a_rebuilt_state_of_an_imported_archive_keeps_it_imported(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    import_archive(fake, out)
    written = rows(out)
    (out / STATE_DIR / "state.sqlite3").unlink()
    rebuilt = run_cli(env, "verify", str(out))
    assert rebuilt.code == 0, rebuilt.stdout + rebuilt.stderr
    found = rows(out)
    assert found.keys() == written.keys()
    for pid, row in found.items():
        assert row.metadata_level == "export" and row.last_update == 0
        assert (row.bytes, row.sha256) == (written[pid].bytes, written[pid].sha256)
        public = library.photo(pid).ispublic
        # A public photo's sidecar names its original; a private one's keeps it unsaid.
        assert row.original_key == (written[pid].original_key if public else "?"), pid
    fake.counters.reset()
    report = backup_report(env, out)
    assert report["exit_code"] == 0, report["output"]
    assert archive_file_requests(fake) == Counter()


def test_imported_rows_in_a_synced_archive_bring_a_full_listing(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    """An archive that syncs by changes, then given photos by `import` (their lastupdate
    unknown, recentlyUpdated never shows them): the next backup lists fully."""
    assert backup_report(env, out)["exit_code"] == 0
    assert backup_report(env, out)["listing"] == "changes"
    pid = still(library)
    db = sqlite3.connect(out / STATE_DIR / "state.sqlite3")
    with db:
        db.execute(
            "UPDATE photos SET metadata_level = 'export', last_update = 0 WHERE id = ?", (pid,)
        )
    db.close()
    fake.counters.reset()
    report = backup_report(env, out)
    assert report["exit_code"] == 0, report["output"]
    assert report["listing"] == "full"
    assert "data export" in report["full_listing_reason"]
    assert archive_file_requests(fake) == Counter()
    assert rows(out)[pid].metadata_level == "deep"
    assert backup_report(env, out)["listing"] == "changes"


def test_an_archive_kept_at_list_level_adopts_its_imported_files_at_that_level(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    import_archive(fake, out)
    fake.counters.reset()
    report = backup_report(env, out, "--metadata", "list")
    assert report["exit_code"] == 0, report["output"]
    assert archive_file_requests(fake) == Counter()
    assert fake.counters.api_calls["flickr.photos.getInfo"] < len(library.photos)
    found = rows(out)
    for photo in library.photos:
        row = found[photo.id]
        assert row.metadata_level == "list"
        doc = sidecar(out / str(row.path))
        assert doc["metadata_level"] == "list" and doc["export"] == kept_export_block(photo)


def test_after_the_real_import_backup_rewrites_only_the_files_whose_metadata_moved_on(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path, out: Path
) -> None:
    """`import` of the fake account's export (tests/fakeexport, nothing planted), a title
    edited on Flickr since, then `backup`: no original fetched, that file rewritten, and
    every file whose embedded metadata is the same left as it is (inode, mtime, bytes)."""
    planted = write_export(library, tmp_path / "export")
    imported = run_cli(env, "import", str(out), *map(str, planted.paths))
    assert imported.code == 0, imported.stdout + imported.stderr
    assert {r.metadata_level for r in rows(out).values()} == {"export"}
    retitled = still(library)
    library.edit_photo(retitled, title="Edited since the export")
    before = on_disk(out)
    fake.counters.reset()

    report = backup_report(env, out)

    assert report["exit_code"] == 0, report["output"]
    assert archive_file_requests(fake) == Counter()
    # The export's album lists are as old as the export: each album is asked again.
    assert fake.counters.api_calls["flickr.photosets.getPhotos"] >= len(library.albums)
    after = on_disk(out)
    assert after.keys() == before.keys()
    kept = 0
    for path, (inode, mtime, digest, meta) in before.items():
        if meta == after[path][3] or path.suffix.lower() != ".jpg":
            assert after[path][:3] == (inode, mtime, digest), path
            kept += 1
        else:
            assert after[path][2] != digest, path
    title_file = out / str(rows(out)[retitled].path)
    assert after[title_file][3].title == "Edited since the export"
    assert after[title_file][0] != before[title_file][0]
    assert kept > len(before) // 2
    found = rows(out)
    assert {r.metadata_level for r in found.values()} == {"deep"}
    for photo in library.photos:
        assert "export" in sidecar(out / str(found[photo.id].path))
    assert run_cli(env, "verify", str(out)).code == 0
