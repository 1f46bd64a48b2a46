"""The fake export generator (tests/fakeexport): real shapes, true bytes, honest Planted."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest

from tests.fakeexport import Plant, Planted, iter_members, slug, write_export
from tests.fakeexport.names import media_name
from tests.fakeexport.phpjson import dumps
from tests.fakeflickr import Library, generate_library
from tests.fakeflickr.content import ContentCache
from tests.fakeflickr.files import original_blob as served_original

METADATA_ZIP = re.compile(r"^\d{17}_[0-9a-z]{12}_part\d+(\.zip)?$")
MEDIA_ZIP = re.compile(r"^(data-download-\d+|data_\d+_[0-9a-f]+_\d+)(\.zip)?$")
PHOTO_JSON = re.compile(r"^photo_(\d+)\.json$")


def _read(planted: Planted, container: str, member: str) -> bytes:
    path = next(p for p in planted.paths if p.name == container)
    if path.is_dir():
        return (path / member).read_bytes()
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


def _json_members(planted: Planted) -> dict[str, str]:
    """Every JSON member of the metadata containers: name -> container."""
    found: dict[str, str] = {}
    for name in planted.metadata_zips:
        path = next(p for p in planted.paths if p.name == name)
        for member in iter_members(path):
            assert member not in found, f"{member} twice"
            found[member] = name
    return found


def _photo_json(planted: Planted, pid: str) -> dict[str, Any]:
    container = _json_members(planted)[f"photo_{pid}.json"]
    data: dict[str, Any] = json.loads(_read(planted, container, f"photo_{pid}.json"))
    return data


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, Planted]:
    library = generate_library(seed=5, photos=40, videos=4, albums=6)
    planted = write_export(library, tmp_path_factory.mktemp("export"), plant=Plant.everything())
    return library, planted


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, Planted]:
    library = generate_library(seed=6, photos=30, videos=3, albums=4)
    planted = write_export(library, tmp_path_factory.mktemp("clean"), parts=3, media_zips=2)
    return library, planted


def test_zips_open_and_names_follow_flickrs_patterns(everything: tuple[Library, Planted]) -> None:
    _, planted = everything
    assert [p.name for p in planted.paths] == planted.metadata_zips + planted.media_zips
    assert all(METADATA_ZIP.match(n) for n in planted.metadata_zips)
    assert all(MEDIA_ZIP.match(n) for n in planted.media_zips)
    assert any(n.startswith("data-download-") for n in planted.media_zips)
    assert any(n.startswith("data_") for n in planted.media_zips)
    tokens = {n.split("_")[1] for n in planted.metadata_zips}
    assert any(re.search(r"[g-z]", t) for t in tokens)  # not always hex
    for path in planted.paths:
        members = list(iter_members(path))
        assert members and all("/" not in m for m in members)  # flat at the root
    assert {p.name for p in planted.folders} == {planted.metadata_zips[0], planted.media_zips[-1]}
    assert all(p.is_dir() for p in planted.folders)


def test_clean_export_has_every_photo_with_its_true_bytes(clean: tuple[Library, Planted]) -> None:
    library, planted = clean
    assert planted.lacking == [] and planted.without_file == []
    assert len(planted.metadata_zips) == 3 and len(planted.media_zips) == 2
    assert planted.json_ids == [p.id for p in library.photos]
    ctx = SimpleNamespace(library=library, content=ContentCache())
    for photo in library.photos:
        (container, member), *others = planted.files[photo.id]
        assert others == []
        assert member == media_name(photo, member.rsplit(".", 1)[1])
        data = _read(planted, container, member)
        assert data == served_original(ctx, photo).read_all()  # type: ignore[arg-type]
        assert hashlib.sha256(data).hexdigest() == planted.sha256[photo.id]
    videos = [p for p in library.photos if p.is_video]
    assert videos and all(not planted.names[v.id].endswith(("_o.mov", "_o.mp4")) for v in videos)
    assert all(planted.names[v.id].endswith("." + v.video.container) for v in videos if v.video)
    # albums.json in exactly one part: the last.
    holders = [c for m, c in _json_members(planted).items() if m == "albums.json"]
    assert holders == [planted.metadata_zips[-1]]


def test_photo_json_is_printed_like_the_genuine_sample(clean: tuple[Library, Planted]) -> None:
    library, planted = clean
    photo = next(p for p in library.photos if p.comments and p.tags and library.albums_of(p.id))
    container = _json_members(planted)[f"photo_{photo.id}.json"]
    text = _read(planted, container, f"photo_{photo.id}.json").decode("ascii")
    assert text.startswith('{\n\t"id": "') and '\n\t"people": [\n\n\t],\n' in text
    doc = json.loads(text)
    assert list(doc)[:14] == [
        "id", "name", "description", "count_views", "count_faves", "count_comments",
        "date_taken", "count_tags", "count_notes", "rotation", "date_imported", "photopage",
        "original", "license",
    ]  # fmt: skip
    assert doc["count_comments"] == str(len(photo.comments)) and isinstance(doc["rotation"], int)
    assert doc["original"].endswith(f"/{photo.id}_{photo.originalsecret}_o.{photo.originalformat}")
    assert [t["tag"] for t in doc["tags"]] == photo.tags
    assert set(doc["tags"][0]) == {"tag", "user", "date_create"}
    assert [c["comment"] for c in doc["comments"]] == [c.text for c in photo.comments]
    assert set(doc["comments"][0]) == {"id", "date", "user", "comment"}
    assert [a["id"] for a in doc["albums"]] == [a.id for a in library.albums_of(photo.id)]
    assert set(doc["albums"][0]) == {"id", "title", "url"}
    albums = json.loads(_read(planted, planted.metadata_zips[-1], "albums.json"))["albums"]
    assert all(isinstance(a["created"], str) and a["created"].isdigit() for a in albums)
    assert dumps({"a": [], "b": {}}) == '{\n\t"a": [\n\n\t],\n\t"b": {\n\n\t}\n}'


def test_privacy_licence_and_geo_map_from_the_fake(clean: tuple[Library, Planted]) -> None:
    library, planted = clean
    seen = set()
    for photo in library.photos:
        doc = _photo_json(planted, photo.id)
        expected = (
            "public"
            if photo.ispublic
            else "friend & family"
            if photo.isfriend or photo.isfamily
            else "private"
        )
        assert doc["privacy"] == expected
        seen.add(expected)
        shape = planted.geo_shapes[photo.id]
        if photo.geo is None:
            assert shape in ("absent", "empty") and ("geo" in doc) == (shape == "empty")
        else:
            point = doc["geo"][0] if shape == "list" else doc["geo"]
            assert int(point["latitude"]) == round(photo.geo.latitude * 1e6)
    assert seen == {"public", "private", "friend & family"}
    assert {"object", "list", "absent"} <= set(planted.geo_shapes.values())


def test_planted_anomalies_are_where_planted_says(everything: tuple[Library, Planted]) -> None:
    library, planted = everything
    jsons = {m for m in _json_members(planted) if PHOTO_JSON.match(m)}
    json_ids = {PHOTO_JSON.match(m).group(1) for m in jsons}  # type: ignore[union-attr]
    assert json_ids == set(planted.json_ids)
    assert len(planted.missing_files) == 2
    for pid in planted.missing_files + planted.unprocessed_videos:
        assert pid in json_ids and pid not in planted.files
    (video,) = planted.unprocessed_videos
    assert library.photo(video).is_video
    assert _photo_json(planted, video)["original"].endswith("video_encoding.jpg")
    ((orphan, (container, member)),) = planted.orphan_files.items()
    assert orphan not in json_ids and orphan in member
    assert _read(planted, container, member)
    (absent_ids,) = set(map(tuple, planted.album_members_missing.values()))
    (absent,) = absent_ids
    assert absent not in json_ids and absent not in planted.files
    assert all(absent in library.album(a).photo_ids for a in planted.album_members_missing)
    ((_same, copies),) = planted.duplicates_same.items()
    assert len({c for c, _ in copies}) == 2 and len({_read(planted, *c) for c in copies}) == 1
    ((diff, variants),) = planted.duplicates_different.items()
    first, second = (_read(planted, *v) for v in variants)
    assert first != second and hashlib.sha256(first).hexdigest() == planted.sha256[diff]
    ((bad, (container, member)),) = planted.corrupt.items()
    bad_zip = next(p for p in planted.paths if p.name == container)
    with zipfile.ZipFile(bad_zip) as zf, pytest.raises(zipfile.BadZipFile):
        zf.read(member)
    assert bad in json_ids and bad not in planted.files
    assert set(planted.without_file) == {*planted.missing_files, video, bad}
    assert set(planted.lacking) == {*planted.without_file, absent}
    ((older, name),) = planted.older_id_names.items()
    old_id = name.split("_")[0]
    assert old_id in json_ids and old_id != older and name.endswith(f"_{older}_o.jpg")
    ((numeric, name),) = planted.numeric_slugs.items()
    assert name == f"20190612_{numeric}_o.jpg" and library.photo(numeric).title == "20190612"
    names = {planted.names[pid] for pid in planted.odd_titles}
    assert any(n.startswith("-") for n in names)
    assert "childhood-moment" in {n.rsplit("_", 2)[0] for n in names}
    for pid, title in planted.odd_titles.items():
        assert library.photo(pid).title == title == _photo_json(planted, pid)["name"]
    assert planted.placeholders and planted.placeholder_only_albums
    albums = json.loads(_read(planted, planted.metadata_zips[-1], "albums.json"))["albums"]
    for entry in albums:
        zeros = planted.placeholders.get(entry["id"], 0)
        assert entry["photos"][:zeros] == ["0"] * zeros and "0" not in entry["photos"][zeros:]
        assert entry["photo_count"] == str(len(entry["photos"]) - zeros)
        if entry["id"] in planted.placeholder_only_albums:
            assert entry["photos"] == ["0"] and entry["cover_photo"].endswith("/0")
    assert set(planted.export_only) <= set(_json_members(planted))


def test_slug_drops_what_flickr_drops() -> None:
    assert slug("Sunset at the Beach") == "sunset-at-the-beach"
    assert slug("\u200eChildhood Moment") == "childhood-moment"
    assert slug("Ёлка 2019") == "-2019"
    assert slug("東京 night.jpg") == "-nightjpg"
    assert slug("Zürich café") == "zürich-café"
