"""Archive(out): where the archive's own files are, what "an archive" is, its lock, the
sidecars' names and the shape a backup keeps. The names are spelled out here on purpose:
they are the archive's on-disk format, which must not change."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

import pytest

from flickr_async.archive import (
    Archive,
    Shape,
    beside,
    media_of,
    read_sidecar,
    sidecar_of,
    xmp_of,
)
from flickr_async.errors import ConfigError, LockHeldError
from flickr_async.state import State
from tests.freshimport import loaded_after
from tests.unit.test_state import record


def test_every_own_file_of_the_archive_has_its_fixed_name(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    own = tmp_path / ".flickr-async"
    assert archive.state_dir == own
    assert archive.state_file == own / "state.sqlite3"
    assert archive.lock_file == own / "lock"
    assert archive.logs_dir == own / "logs"
    assert archive.parts_dir == own / "parts"
    assert archive.replaced_dir == own / "replaced"
    assert archive.reshape_dir == own / "reshape"
    assert archive.public_sites_dir == own / "public-site"
    assert archive.scratch_dir() == own / "tmp"
    assert archive.scratch_dir("deep") == own / "tmp-deep"
    assert archive.site_dir == tmp_path / ".site"
    assert archive.thumbs_dir == tmp_path / ".site" / "thumbs"
    assert archive.export_dir == tmp_path / "flickr-export"
    assert archive.favorites_dir == tmp_path / "Favorites"


def test_naming_an_archive_creates_nothing(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "new")
    assert not archive.exists()
    assert archive.state_file.name and not (tmp_path / "new").exists()


def test_a_scratch_folder_is_made_inside_the_archive_when_asked(tmp_path: Path) -> None:
    scratch = Archive(tmp_path).scratch("mend")
    assert scratch.root == tmp_path / ".flickr-async" / "tmp-mend" and scratch.root.is_dir()


def test_a_folder_without_a_state_is_no_archive_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        Archive.open_existing(tmp_path)
    message = str(err.value)
    assert message == (f"{tmp_path} is not a flickr-async archive (no .flickr-async/state.sqlite3)")
    assert "\n" not in message


def test_a_missing_folder_is_no_archive_and_stays_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    with pytest.raises(ConfigError, match="is not a flickr-async archive"):
        Archive.open_existing(missing)
    assert not missing.exists()


def test_a_folder_with_only_the_own_folder_but_no_state_is_no_archive(tmp_path: Path) -> None:
    (tmp_path / ".flickr-async").mkdir()
    with pytest.raises(ConfigError, match="not a flickr-async archive"):
        Archive.open_existing(tmp_path)


def test_an_archive_with_its_state_opens(tmp_path: Path) -> None:
    State.open(tmp_path).close()
    archive = Archive.open_existing(tmp_path)
    assert archive == Archive(tmp_path) and archive.exists()


def test_the_lock_admits_one_run_and_says_who_holds_it(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    assert archive.lock_holder() is None
    with archive.lock():
        assert archive.lock_file.exists()
        holder = archive.lock_holder()
        assert holder is not None and holder.pid == str(os.getpid())
        with pytest.raises(LockHeldError, match=f"is using {tmp_path};"), archive.lock():
            pass
    assert archive.lock_holder() is None


# --- the sidecars beside a media file -----------------------------------------------------


def test_a_files_sidecars_are_named_after_its_whole_name() -> None:
    photo = Path("Album/1.jpg")
    assert sidecar_of(photo) == Path("Album/1.jpg.json")
    assert xmp_of(photo) == Path("Album/1.jpg.xmp")
    assert sidecar_of(Path("Album/1.png")) != sidecar_of(photo)  # 1.jpg and 1.png apart


def test_sidecar_names_keep_the_kind_of_path() -> None:
    rel = PurePosixPath("Unsorted/2.mp4")
    assert sidecar_of(rel) == PurePosixPath("Unsorted/2.mp4.json")
    assert type(sidecar_of(rel)) is PurePosixPath
    assert beside(rel, "") == rel


def test_the_media_file_of_a_sidecar_is_its_name_without_the_suffix() -> None:
    photo = PurePosixPath("A/1.jpg")
    assert media_of(sidecar_of(photo)) == photo
    assert media_of(xmp_of(photo)) == photo
    with pytest.raises(ValueError, match="no sidecar"):
        media_of(photo)


def test_a_missing_or_unreadable_sidecar_reads_as_none(tmp_path: Path) -> None:
    photo = tmp_path / "1.jpg"
    assert read_sidecar(photo) is None
    sidecar_of(photo).write_text("{not json")
    assert read_sidecar(photo) is None
    sidecar_of(photo).write_text(json.dumps({"schema": 1, "id": "1"}))
    assert read_sidecar(photo) == {"schema": 1, "id": "1"}


def test_a_photos_record_comes_from_an_album_copy_when_the_primarys_is_gone(
    tmp_path: Path,
) -> None:
    state = State.open(tmp_path)
    try:
        record(state, photo_id="7", path="A/7.jpg", links=["B/7.jpg"])
        row = state.photo("7")
    finally:
        state.close()
    assert row is not None
    (tmp_path / "B").mkdir()
    (tmp_path / "B" / "7.jpg.json").write_text(json.dumps({"schema": 1, "id": "7"}))
    assert Archive(tmp_path).recorded_doc(row) == {"schema": 1, "id": "7"}
    (tmp_path / "B" / "7.jpg.json").write_text(json.dumps({"schema": 1, "id": "8"}))
    assert Archive(tmp_path).recorded_doc(row) is None


# --- the remembered shape -----------------------------------------------------------------


def test_a_backup_refuses_an_archive_laid_out_otherwise_naming_the_reshape(
    tmp_path: Path,
) -> None:
    archive = Archive(tmp_path)
    state = State.open(tmp_path)
    try:
        record(state, photo_id="1", path="A/1.jpg")
        state.set_meta({"options": json.dumps({"layout": "albums"})})
        archive.check_shape(state, Shape())  # the defaults: the same shape
        with pytest.raises(ConfigError) as err:
            archive.check_shape(state, Shape(layout="flat"))
    finally:
        state.close()
    assert f"run `flickr-async reshape {tmp_path} --layout 'flat'` first" in str(err.value)


def test_a_new_archive_takes_any_shape(tmp_path: Path) -> None:
    state = State.open(tmp_path)
    try:
        Archive(tmp_path).check_shape(state, Shape(layout="date", links="copy"))
    finally:
        state.close()


def test_a_remembered_shape_this_version_does_not_know_is_kept_and_refused(
    tmp_path: Path,
) -> None:
    newer = {"layout": "year", "links": "reflink"}  # written by a newer version
    assert Shape.of(newer) == Shape("year", "{id}", "reflink")  # never the defaults
    assert Shape.of(newer).unknown() == ["layout", "links"]
    with pytest.raises(ConfigError, match="--links 'reflink' is unknown"):
        Shape.of(newer).link_mode  # noqa: B018
    state = State.open(tmp_path)
    try:
        record(state, photo_id="1", path="Unsorted/1.jpg")
        state.set_meta({"options": json.dumps(newer)})
        with pytest.raises(ConfigError) as err:
            Archive(tmp_path).check_shape(state, Shape())
    finally:
        state.close()
    assert "laid out with --layout year --names '{id}' --links reflink" in str(err.value)


def test_a_shape_from_before_names_and_links_has_their_defaults() -> None:
    assert Shape.of({"layout": "flat"}) == Shape("flat", "{id}", "hardlink")
    assert Shape().differences(Shape(links="copy")) == ["--links 'copy'"]


# --- what the archive layer loads ---------------------------------------------------------


def test_the_offline_commands_load_neither_the_writer_nor_the_pipeline() -> None:
    offline = (
        "import flickr_async.cli, flickr_async.reshape, flickr_async.verify, flickr_async.mend,"
        " flickr_async.rebuild, flickr_async.site.build"
    )
    stages = ("flickr_async.writer", "flickr_async.pipeline", "flickr_async.embed", "aiohttp")
    assert loaded_after(offline, stages) == []


def test_the_atomic_file_operations_load_no_metadata_format() -> None:
    formats = ("flickr_async.exif", "flickr_async.xmp", "flickr_async.embedded_meta")
    assert loaded_after("import flickr_async.fsutil", formats) == []


def test_the_archive_layer_and_the_site_load_no_configuration() -> None:
    # The site's build (and its worker processes) reads an archive: it needs no config file,
    # token file nor Settings.
    archive_layer = "import flickr_async.archive, flickr_async.rebuild, flickr_async.site.build"
    configuration = ("flickr_async.settings", "flickr_async.config", "flickr_async.tokenfile")
    assert loaded_after(archive_layer, configuration) == []
