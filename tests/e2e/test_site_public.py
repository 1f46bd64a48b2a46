"""The public copy (`site OUT --public DIR`), end to end: a backup of the fake account, whose
private, friends-only and family-only photos and hidden locations carry words of their own,
then the copy; no file of DIR may hold a trace of them.

Every file of DIR is read as bytes (pages, data scripts, search data, images) and its path
too; the images are read by exiftool. The copy must also show the public photos (else the
test would pass on an empty folder)."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import piexif
import pytest
from PIL import Image

from flickr_async.site import paths
from tests import exiftool
from tests.browser import SiteBrowser, playwright_loop_hidden
from tests.e2e.helpers import FAST, cli_env, run_cli
from tests.fakeflickr import FakeFlickr, Library, generate_library, running_fake
from tests.fakeflickr.content import make_original
from tests.fakeflickr.files import blob_key
from tests.fakeflickr.model import FakePhotoPerson, FakePlace, FakeUser
from tests.sitecrawl import crawl


@dataclass
class Secrets:
    """What must never reach DIR, and what must (the public photos)."""

    hidden: dict[str, list[str]] = field(default_factory=dict)  # what -> strings
    shown_ids: list[str] = field(default_factory=list)
    hidden_ids: list[str] = field(default_factory=list)
    mixed_album: str = ""
    open_geo: tuple[str, str] = ("", "")  # (photo id, latitude): a location Flickr shows
    open_person: str = ""  # the NSID of someone tagged in a public photo


def deg(value: float) -> str:
    """A coordinate's first four decimals, cut (not rounded): in any longer spelling of it."""
    return f"{value:.6f}"[:-2]


def plant(library: Library) -> Secrets:
    """Words of their own on every non-public photo (title, description, tag, a location);
    hidden locations on two public photos; a public photo of restricted content; an album
    of only private photos, and one that mixes both."""
    secrets = Secrets()
    public = [p for p in library.photos if p.ispublic and p.safety_level == 0]
    library.set_visibility(public[-1].id, safety_level=2)  # public, but restricted content
    library.set_visibility(public[-2].id, safety_level=1)  # public, but moderate content
    hidden = [p for p in library.photos if not p.ispublic]
    shown = [p for p in library.photos if p.ispublic and p.safety_level == 0]
    restricted = [p for p in library.photos if p.ispublic and p.safety_level != 0]
    for photo in restricted:  # Flickr's SafeSearch hides them from visitors signed out
        secrets.hidden[f"restricted {photo.id}"] = [photo.id]
    classes = {(p.isfriend, p.isfamily) for p in hidden}
    assert {(False, False), (True, False), (False, True)} <= classes, "every privacy class"
    for n, photo in enumerate(hidden):
        words = [f"hush{n}title", f"hush{n}words", f"hush{n}tag"]
        library.edit_photo(
            photo.id, title=f"{words[0]} x", description=f"about {words[1]}", tags=[words[2]]
        )
        lat, lon = 10.0 + 0.0137 * n + 0.000123, 20.0 + 0.0173 * n + 0.000321
        library.set_geo(photo.id, lat, lon)
        secrets.hidden[photo.id] = [photo.id, *words, deg(lat), deg(lon)]
        secrets.hidden_ids.append(photo.id)
    for n, photo in enumerate(shown[:2]):  # public photos whose location Flickr hides
        lat, lon = -30.0 - 0.0191 * n - 0.000456, -40.0 - 0.0117 * n - 0.000654
        place = FakePlace.of(  # named places of its own: no "photos here" page may name them
            "UTC",
            ("country", f"Hushcountry{n}", f"hushc{n}", f"9100{n}", lat, lon),
            ("locality", f"Hushville{n}", f"hushl{n}", f"9200{n}", lat, lon),
        )
        library.set_geo(photo.id, lat, lon, place=place)
        assert photo.geo is not None
        photo.geo.is_public = False
        secrets.hidden[f"geo of {photo.id}"] = [deg(lat), deg(lon), f"Hushcountry{n}",
                                                f"Hushville{n}"]  # fmt: skip
    # Someone tagged only in a private photo: no person page, no name (issue 21); someone
    # tagged in a public one has a page.
    hush = FakeUser("31415926@N05", "hushpersonuser", realname="Hushperson Name")
    library.set_people(hidden[0].id, [FakePhotoPerson(hush, added_by=library.owner.nsid)])
    secrets.hidden["person"] = ["hushpersonuser", "Hushperson", hush.nsid]
    seen = FakeUser("27182818@N05", "openpersonuser", realname="Openperson Name")
    library.set_people(shown[4].id, [FakePhotoPerson(seen, added_by=library.owner.nsid)])
    secrets.open_person = seen.nsid
    lat, lon = 51.0 + 0.000789, 7.0 + 0.000987  # a public photo's public location: shown
    located = next(p for p in shown[3:] if p.media == "photo" and p.originalformat == "jpg")
    library.set_geo(located.id, lat, lon)
    secrets.open_geo = (located.id, deg(lat))
    library.create_album("hushalbum only private", [p.id for p in hidden[:3]])
    mixed = library.create_album("Open and shut", [hidden[0].id, shown[2].id])  # private cover
    secrets.mixed_album = mixed.id
    secrets.hidden["album"] = ["hushalbum"]
    secrets.shown_ids = [p.id for p in shown]
    return secrets


def every_file(folder: Path) -> Iterator[Path]:
    for root, _, files in os.walk(folder):
        for name in files:
            yield Path(root) / name


def traces(folder: Path, secrets: Secrets) -> list[str]:
    """Every (file, secret) where a secret is in a file's path or bytes."""
    found = []
    for path in every_file(folder):
        data = path.read_bytes()
        name = path.relative_to(folder).as_posix()
        for what, strings in secrets.hidden.items():
            for text in strings:
                if text in name or text.encode() in data:
                    found.append(f"{name}: {text} ({what})")
    return found


def trailer_jpeg() -> bytes:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"HushTrailerCam"}})
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


@dataclass
class Built:
    out: Path
    public: Path
    originals: Path
    secrets: Secrets
    library: Library


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("public")
    library = generate_library(seed=1, photos=30, videos=3, albums=4)
    secrets = plant(library)
    out, public, originals = work / "out", work / "www", work / "www-originals"
    with running_fake(library) as fake, playwright_loop_hidden():
        # The public photo whose location Flickr shows: a phone's original, with a second
        # JPEG after its end (a preview with its own camera EXIF, as MPF and Motion Photos
        # leave them), which exiftool does not read but a published file would hold.
        located = library.photo(secrets.open_geo[0])
        key = blob_key(located, "o")
        fake.ctx.content.put(key, make_original(library.seed, located) + trailer_jpeg())
        secrets.hidden["trailer"] = ["HushTrailerCam"]
        env = cli_env(fake, work / "home")
        backup = run_cli(env, "backup", str(out), *FAST)
        assert backup.code == 0, backup.stdout + backup.stderr
        archived = b"".join(p.read_bytes() for p in out.rglob(f"{located.id}*.jpg"))
        assert b"HushTrailerCam" in archived  # planted: the archive keeps what Flickr served
        run = run_cli(env, "site", str(out), "--public", str(public))
        assert run.code == 0, run.stdout + run.stderr
        assert run.stdout.strip().endswith(str(public / "index.html"))
        shown, total = len(secrets.shown_ids), len(library.photos)
        assert run.stdout.startswith(f"public copy: {shown} of {total} items shown"), run.stdout
        run = run_cli(env, "site", str(out), "--public", str(originals), "--originals")
        assert run.code == 0, run.stdout + run.stderr
    return Built(out, public, originals, secrets, library)


@pytest.mark.parametrize("copy", ["public", "originals"])
def test_no_file_of_the_public_copy_holds_a_trace_of_a_non_public_photo(
    built: Built, copy: str
) -> None:
    folder: Path = getattr(built, copy)
    assert traces(folder, built.secrets) == []
    # Not an empty folder: every public photo has its page, and its id is in the search data.
    search = b"".join(p.read_bytes() for p in (folder / ".site" / "data").glob("search*.js"))
    for photo_id in built.secrets.shown_ids:
        assert (folder / ".site" / "photo" / photo_id[-2:] / f"{photo_id}.html").is_file()
        assert photo_id.encode() in search
    # A location Flickr shows to everyone is shown (the archive records geo permissions).
    photo_id, lat = built.secrets.open_geo
    assert lat in (folder / ".site" / "photo" / photo_id[-2:] / f"{photo_id}.html").read_text()
    # The map, places, people and about pages (issue 21): there, of the shown photos only.
    assert photo_id in (folder / paths.MAP_DATA).read_text("utf-8")
    person = folder / paths.person_page(built.secrets.open_person)
    assert "Openperson Name" in person.read_text("utf-8")
    assert (folder / paths.ABOUT).is_file() and not (folder / paths.GROUPS).exists()
    # The main site, for comparison, shows them all (the words are planted where a leak goes).
    assert traces(built.out / ".site", built.secrets) != []
    main = {
        k
        for k in built.secrets.hidden
        if traces(built.out / ".site", Secrets({k: built.secrets.hidden[k][-1:]}))
    }
    assert {"person", *(k for k in built.secrets.hidden if k.startswith("geo of"))} <= main
    for what, (photo_id, *_) in built.secrets.hidden.items():
        if what.startswith("restricted"):  # in the archive, its own site: not in the copy
            assert (built.out / ".site" / "photo" / photo_id[-2:] / f"{photo_id}.html").is_file()


@pytest.mark.parametrize("copy", ["public", "originals"])
def test_the_public_copy_holds_only_the_site_and_images_without_metadata(
    built: Built, copy: str
) -> None:
    folder: Path = getattr(built, copy)
    names = {p.relative_to(folder).as_posix() for p in every_file(folder)}
    assert {"index.html", ".nojekyll"} <= names
    assert all(n in ("index.html", ".nojekyll") or n.startswith(".site/") for n in names)
    assert not [n for n in names if n.endswith((".json", ".sqlite3", ".xmp", ".log"))]
    images = [p for p in every_file(folder) if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    assert any("/thumbs/" in p.as_posix() for p in images)
    tags = ("-GPS:all", "-EXIF:all", "-XMP:all", "-IPTC:all")
    located = f"/originals/{built.secrets.open_geo[0][-2:]}/{built.secrets.open_geo[0]}.jpg"
    for path, found in exiftool.read(images, *tags, mwg=False).items():
        # Even where Flickr shows the location: the camera's GPS is more precise than the
        # pin the owner chose; originals are copies, never links to the archive's files.
        assert set(found) == {"SourceFile"}, (path, found)
        assert os.stat(path).st_nlink == 1
    originals = [p for p in images if "/originals/" in p.as_posix()]
    assert bool(originals) == (copy == "originals")
    if copy == "originals":
        assert any(p.as_posix().endswith(located) for p in originals)
        assert len(originals) > 2
        assert all(p.suffix.lower() in (".jpg", ".jpeg") for p in originals)  # JPEGs only


def test_counts_and_albums_say_what_is_shown(built: Built) -> None:
    home = (built.public / "index.html").read_text("utf-8")
    shown = [p for p in built.library.photos if p.id in built.secrets.shown_ids]
    photos = sum(1 for p in shown if p.media != "video")
    assert f"{photos} photos" in home or f"{photos} photo " in home
    mixed = built.public / ".site" / "album" / f"{built.secrets.mixed_album}.html"
    assert "1 item" in mixed.read_text("utf-8")
    data = built.public / ".site" / "data" / "album" / f"{built.secrets.mixed_album}.js"
    ids = json.loads(data.read_text("utf-8").split("] = ", 1)[1].rstrip(";\n"))["ids"]
    assert ids == [p for p in ids if p in built.secrets.shown_ids] and len(ids) == 1
    assert "This site is for you alone" not in home
    result = crawl(built.public)
    assert result.broken == [] and result.loaded_from_web == []


@pytest.mark.browser
def test_the_public_copy_loads_in_chromium_with_no_error_and_nothing_off_the_machine(
    built: Built, site_browser: SiteBrowser
) -> None:
    report = site_browser.crawl(built.public / "index.html")
    assert report.problems() == {}
    assert len(report.pages) > len(built.secrets.shown_ids)
    for name, path in (
        ("public-home", built.public / "index.html"),
        ("public-photo", next((built.public / ".site" / "photo").rglob("*.html"))),
    ):
        visit = site_browser.open_page(path)
        assert visit.page_errors == [] and visit.console_errors == []
        assert visit.left_file_scheme() == []
        site_browser.screenshot(visit, name)


def test_a_photo_made_private_leaves_the_public_copy_at_its_next_build(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out, public = tmp_path / "out", tmp_path / "www"
    photo = next(
        p for p in library.photos if p.ispublic and p.media == "photo" and p.safety_level == 0
    )
    library.edit_photo(photo.id, title="soonprivate title", tags=["soonprivatetag"])
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert run_cli(env, "site", str(out), "--public", str(public)).code == 0
    page = public / ".site" / "photo" / photo.id[-2:] / f"{photo.id}.html"
    thumb = public / ".site" / "thumbs" / f"{photo.id}_q.jpg"
    assert page.is_file() and thumb.is_file()
    again = run_cli(env, "site", str(out), "--public", str(public))
    assert again.code == 0 and " 0 files written" in again.stdout
    library.set_visibility(photo.id, public=False)
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    run = run_cli(env, "site", str(out), "--public", str(public))
    assert run.code == 0, run.stderr
    assert not page.exists() and not thumb.exists()
    gone = Secrets(hidden={"turned private": [photo.id, "soonprivate"]})
    assert traces(public, gone) == []
    assert photo.id in (out / ".site" / "data" / "search.js").read_text("utf-8")


def test_backup_refreshes_the_public_copies_the_archive_remembers(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path
) -> None:
    out, public, gone = tmp_path / "out", tmp_path / "www", tmp_path / "old-www"
    photo = next(
        p for p in library.photos if p.ispublic and p.media == "photo" and p.safety_level == 0
    )
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    for folder in (public, gone):
        assert run_cli(env, "site", str(out), "--public", str(folder)).code == 0
    page = public / ".site" / "photo" / photo.id[-2:] / f"{photo.id}.html"
    assert page.is_file()
    shutil.rmtree(gone)  # a copy deleted by its owner: forgotten, with a warning
    library.set_visibility(photo.id, public=False)
    run = run_cli(env, "backup", str(out), *FAST)
    assert run.code == 0, run.stderr
    assert not page.exists()  # the sync that made it private took it out of DIR
    assert traces(public, Secrets(hidden={"turned private": [photo.id]})) == []
    assert f"public copy: {public / 'index.html'}" in run.stdout
    assert f"the public copy {gone} is gone" in run.stderr and run.stderr.count("\n") == 1
    library.set_visibility(photo.id, public=True)
    (public / ".site" / "PUBLIC.txt").unlink()  # no longer ours: refused, and said so
    (public / "notes.txt").write_text("mine")
    run = run_cli(env, "backup", str(out), *FAST)
    assert run.code == 0
    assert run.stderr.count("\n") == 1 and "gone" not in run.stderr
    assert f"the public copy {public} was not refreshed: --public" in run.stderr
    assert not page.exists()
    run = run_cli(env, "backup", str(out), *FAST, "--no-site")  # never silently skipped
    assert run.code == 0 and f"the public copy {public} was not refreshed (--no-site)" in (
        run.stderr
    )


def test_the_public_copy_goes_apart_from_the_archive(
    fake: FakeFlickr, env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(env, "backup", str(out), *FAST, "--no-site").code == 0
    foreign = tmp_path / "foreign"
    (foreign / ".site").mkdir(parents=True)
    notes = tmp_path / "notes"  # someone's folder: everything in it would be published
    (notes / "archiveB" / ".flickr-async").mkdir(parents=True)
    (notes / "notes.txt").write_text("mine")
    state = tmp_path / "state"
    (state / ".flickr-async").mkdir(parents=True)
    for dest, why in (
        (out, "inside the archive"),
        (out / "www", "inside the archive"),
        (tmp_path, "is inside it"),
        (foreign, "not empty and not a public copy"),
        (notes, "not empty and not a public copy"),
        (state, "an archive's state"),
    ):
        run = run_cli(env, "site", str(out), "--public", str(dest))
        assert run.code == 2, (dest, run.stdout, run.stderr)
        assert why in run.stderr and run.stderr.count("\n") == 1
    assert not (out / "index.html").exists() and not (out / "www").exists()
    run = run_cli(env, "site", str(out), "--originals")
    assert run.code == 2 and "--public" in run.stderr
    helptext = run_cli(env, "site", "--help").stdout
    assert "--public" in helptext and "--originals" in helptext
