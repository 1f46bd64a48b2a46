"""A hostile Flickr cannot choose where the backup writes or what the site runs (issue 23).

The fake answers with ids that are paths and originals that are pages (hostile_paths.py);
the archive's own folders are swapped for symbolic links and its site cache is given rows
naming files elsewhere. Each test keeps a sibling folder of OUT (`victim/`) and checks that
nothing in it was written, changed or deleted, and that every other photo is archived.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import pytest

from flickr_async import edge
from tests.browser import SiteBrowser, playwright_loop_hidden
from tests.e2e.helpers import FAST, media_files, run_cli, sidecar
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.hostile_paths import HOSTILE_FORMATS, HostilePaths
from tests.fakeflickr.sizes import has_original

PAGE_LIKE = frozenset({"html", "htm", "svg", "xhtml", "xht", "js", "mjs", "xml"})


def tree(root: Path) -> dict[str, str]:
    """Every entry under `root` (links not followed) and a digest of each file's bytes."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = "link -> " + os.readlink(path)
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = "dir"
    return found


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder beside OUT holding a user's file: it must stay exactly as it is."""
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "user.txt").write_text("the user's own file\n")
    return folder


def backup(env: dict[str, str], out: Path, *extra: str) -> tuple[int, str]:
    run = run_cli(env, "backup", str(out), *FAST, *extra)
    return run.code, run.stdout + run.stderr


def archived_ids(out: Path) -> set[str]:
    return {p.name.split(".", 1)[0] for p in media_files(out) if "Favorites" not in p.parts}


def stills(library: Library) -> list[str]:
    return [p.id for p in library.photos if not p.is_video]


# --- ids that are paths ----------------------------------------------------------------------


def test_listing_ids_that_are_paths_write_nothing_outside_out_and_each_is_one_failed_item(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, victim: Path
) -> None:
    before = tree(victim)
    ids = stills(library)
    fave = library.favorites[0].photo_id
    hostile = {
        ids[0]: "../x",  # the photostream (search)
        ids[1]: f"{victim}/evil",
        ids[2]: "../../victim/evil",
        fave: f"{victim}/fave",  # a favourite: the keeper once wrote <victim>/evil.pth
        library.albums[0].id: "../album",  # an album: its folder is named after its id
    }
    HostilePaths(ids=hostile).arm(fake)
    code, output = backup(env, out, "--favorites")
    assert code == 1  # some items failed: the refused records
    assert tree(victim) == before
    assert {p.name for p in victim.parent.iterdir()} <= {"out", "victim", "home"}
    assert not (out.parent / "x").exists() and not (out / "x").exists()
    # One failed item per refused photo, one line each; the album is skipped, not failed.
    failed = [line for line in output.splitlines() if line.startswith("failed ")]
    for sent in ("../x", f"{victim}/evil", "../../victim/evil", f"{victim}/fave"):
        line = f"failed photo {edge.shown(sent)}: the id is not a Flickr id (digits)"
        assert line in failed, output
    assert len(failed) == 4, output
    # Every other photo is archived; the refused ones are not, under any name.
    assert archived_ids(out) == set(library_ids(library)) - set(ids[:3])
    kept = {p.name.split(".", 1)[0] for p in (out / "Favorites").iterdir()}
    assert fave not in kept and kept == {f.photo_id for f in library.favorites} - {fave}
    assert not list(out.rglob("*evil*")) and not list(out.rglob("*.part"))


def library_ids(library: Library) -> list[str]:
    return [p.id for p in library.photos]


def test_a_refused_record_is_one_line_in_the_report_never_a_traceback(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    HostilePaths(ids={stills(library)[0]: "../../../etc/evil"}).arm(fake)
    code, output = backup(env, out)
    assert code == 1
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if "etc/evil" in line]
    assert lines and all(len(line) < 200 for line in lines)


def test_with_a_flat_layout_an_index_html_photo_cannot_replace_the_sites_home(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert backup(env, out, "--layout", "flat")[0] == 0
    target = stills(library)[3]
    HostilePaths(ids={target: "index"}, formats={target: "html"}).arm(fake)
    # "index" looks like a new photo (to the full listing: the photo is not in the changes)
    code, _ = backup(env, out, "--layout", "flat", "--full-listing")
    assert code == 1
    home = (out / "index.html").read_bytes()  # the site's home page, not the photo's bytes
    assert b"made by flickr-async" in home and b"Content-Security-Policy" in home
    assert archived_ids(out) == set(library_ids(library))  # `index` is none of them
    assert run_cli(env, "verify", str(out)).code == 0


# --- originals that are pages ---------------------------------------------------------------


def test_originals_in_page_formats_are_kept_as_bin_and_never_linked_by_the_site(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    offered = [p.id for p in library.photos if not p.is_video and has_original(p, library.pro)]
    chosen = offered[4 : 4 + len(HOSTILE_FORMATS)]
    HostilePaths(formats=dict(zip(chosen, HOSTILE_FORMATS, strict=True))).arm(fake)
    code, output = backup(env, out)
    assert code == 0, output
    files = media_files(out)
    assert archived_ids(out) == set(library_ids(library))  # every photo archived
    assert not [p for p in files if p.suffix[1:].lower() in PAGE_LIKE]
    kept = {p.name.split(".", 1)[0]: p for p in files}
    for pid in chosen:
        assert kept[pid].suffix == ".bin"
        assert sidecar(kept[pid])["download"]["sha256"] == fake.original_sha256(pid)
    # No page of the site links an archived file that is not a photo or a video.
    for page in (out / ".site").rglob("*.html"):
        for href in re.findall(r'(?:href|src)="([^"#?]+)', page.read_text("utf-8")):
            target = (page.parent / unquote(href)).resolve()
            if ".site" in target.relative_to(out.resolve()).parts or href.endswith(".json"):
                continue
            if target.is_file() and target != (out / "index.html").resolve():
                assert edge.is_media_file(target.name), f"{page.name} links {href}"


def test_the_sites_csp_runs_only_its_own_scripts(out: Path, env: dict[str, str]) -> None:
    assert backup(env, out)[0] == 0
    home = (out / "index.html").read_text("utf-8")
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', home)
    assert csp is not None
    script_src = next(d for d in csp.group(1).split(";") if d.strip().startswith("script-src"))
    assert "file:" not in script_src and "'self'" not in script_src and "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    scripts = re.findall(r"<script[^>]*>", home)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)


# --- symbolic links inside OUT --------------------------------------------------------------


def test_an_album_folder_replaced_by_a_link_is_not_written_through(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path, victim: Path
) -> None:
    assert backup(env, out)[0] == 0
    album = library.albums[0]
    folder = next(p for p in out.iterdir() if p.is_dir() and p.name.startswith(album.title[:8]))
    folder.rename(out.parent / "moved-away")
    folder.symlink_to(victim, target_is_directory=True)
    before = tree(victim)
    new = library.add_photo(title="new in the album")
    library.add_to_album(album.id, new.id)
    code, output = backup(env, out)
    assert code == 1
    assert tree(victim) == before
    assert "symbolic link" in output


@pytest.mark.parametrize("name", ["tmp", "tmp-deep", "tmp-thumbs", "parts"])
def test_a_tool_folder_replaced_by_a_link_stops_the_run_and_deletes_nothing(
    name: str, library: Library, env: dict[str, str], out: Path, victim: Path
) -> None:
    assert backup(env, out)[0] == 0
    before = tool_folder_linked_to(victim, out / ".flickr-async" / name)
    library.add_photo(title="one more")
    code, output = backup(env, out)
    assert tree(victim) == before
    assert code != 0
    assert "symbolic link" in output and "Traceback" not in output


def tool_folder_linked_to(victim: Path, tool_folder: Path) -> dict[str, str]:
    """`tool_folder` (emptied) replaced by a link to `victim`; the victim's tree before."""
    if tool_folder.exists():
        for leftover in tool_folder.iterdir():
            leftover.unlink()
        tool_folder.rmdir()
    tool_folder.symlink_to(victim, target_is_directory=True)
    return tree(victim)


def test_a_relative_out_is_one_archive_and_its_tool_folders_are_still_checked(
    library: Library,
    env: dict[str, str],
    out: Path,
    victim: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `backup photos` from the folder above: every path check compares absolute paths, so
    # OUT is made absolute once (a relative one was put in front of itself: thumbnails in
    # photos/photos/.site, and a linked tool folder looked for there and never seen).
    monkeypatch.chdir(out.parent)
    assert backup(env, Path(out.name))[0] == 0
    assert not (out / out.name).exists()
    assert archived_ids(out) == {p.id for p in library.photos}
    assert any((out / ".site" / "thumbs").rglob("*.jpg"))
    before = tool_folder_linked_to(victim, out / ".flickr-async" / "parts")
    library.add_photo(title="one more")
    code, output = backup(env, Path(out.name))
    assert tree(victim) == before
    assert code != 0 and "symbolic link" in output


def test_a_site_page_replaced_by_a_link_is_replaced_by_a_file_not_written_through(
    env: dict[str, str], out: Path, victim: Path
) -> None:
    assert backup(env, out)[0] == 0
    tags = out / ".site" / "tags.html"
    tags.unlink()
    tags.symlink_to(victim / "user.txt")
    (out / ".site" / "cache.sqlite3").unlink()  # every page is written again
    before = tree(victim)
    assert run_cli(env, "site", str(out)).code == 0
    assert tree(victim) == before
    assert not tags.is_symlink() and "<html" in tags.read_text("utf-8")


def test_site_cache_rows_naming_files_elsewhere_are_ignored(
    env: dict[str, str], out: Path, victim: Path
) -> None:
    assert backup(env, out)[0] == 0
    before = tree(victim)
    cache = out / ".site" / "cache.sqlite3"
    with sqlite3.connect(cache) as db:
        rows = [("../victim/user.txt",), (str(victim / "user.txt"),), (".site/../../victim/x",)]
        db.executemany("INSERT INTO pages VALUES(?, zeroblob(16))", rows)
        db.execute(
            "INSERT INTO photos(id, sig, title, media, date_taken, granularity, date_posted, "
            "tags, original, deleted, files, status, error, path, key) "
            "VALUES(?, 0, 't', 'photo', NULL, 0, NULL, '', NULL, NULL, -1, 'done', '', ?, x'')",
            ("../../../../victim/pwn", "../victim/user.txt"),
        )
    assert run_cli(env, "site", str(out)).code == 0
    assert tree(victim) == before
    assert not list(out.parent.glob("*pwn*")) and not list(out.rglob("*pwn*"))


# --- folder names -----------------------------------------------------------------------------


def test_albums_whose_titles_differ_only_by_a_dotless_i_get_two_folders_on_every_disk(
    library: Library, env: dict[str, str], out: Path
) -> None:
    ids = stills(library)
    library.create_album("KIRMIZI", ids[:2])
    library.create_album("kırmızı", ids[2:4])
    assert backup(env, out)[0] == 0
    folders = [p.name for p in out.iterdir() if p.is_dir() and "rm" in p.name.casefold()]
    assert len(folders) == 2
    # What NTFS and exFAT see: upper-cased, ı is I.
    assert len({name.upper() for name in folders}) == 2


def test_a_script_file_in_out_cannot_run_in_a_site_page_while_the_sites_own_scripts_do(
    site_browser: SiteBrowser, env: dict[str, str], out: Path
) -> None:
    """Were some text ever to slip through escaping as a <script src> naming a .js file in
    OUT (an original an older version archived as .js), the CSP must not run it; the site's
    script, and the album data it loads, still run."""
    with playwright_loop_hidden():  # the CLI's own event loop beside the browser's
        assert backup(env, out)[0] == 0
    page = next(
        p for p in sorted((out / ".site" / "photo").rglob("*.html"))
        if re.search(r'data-albums="[^"]+"', p.read_text("utf-8"))
    )  # fmt: skip
    html = page.read_text("utf-8")
    album = re.search(r'data-albums="([^" ]+)', html)
    assert album is not None
    (out / "Unsorted").mkdir(exist_ok=True)
    (out / "Unsorted" / "1.js").write_text("document.title = 'PWNED';\n")
    slipped = f'<script src="{"../" * 3}Unsorted/1.js"></script>'
    page.write_text(html.replace("</main>", f"{slipped}</main>", 1), "utf-8")
    visit = site_browser.open_page(page)
    visit.page.goto(f"{visit.page.url}#album={album.group(1)}")
    visit.page.reload(wait_until="load")
    # site.js ran, and the album's data file it loaded with the nonce ran too.
    visit.page.wait_for_selector("#fa-context:not([hidden])", timeout=5000)
    assert visit.page.title() != "PWNED"
    assert visit.page.evaluate("typeof window.FA_ALBUMS") == "object"


def test_a_site_folder_replaced_by_a_link_gets_nothing_written_through_it(
    env: dict[str, str], out: Path, victim: Path
) -> None:
    assert backup(env, out)[0] == 0
    for entry in sorted((out / ".site").rglob("*"), reverse=True):
        entry.rmdir() if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    (out / ".site").rmdir()
    (out / ".site").symlink_to(victim, target_is_directory=True)
    before = tree(victim)
    run = run_cli(env, "site", str(out))
    assert tree(victim) == before
    assert run.code != 0 and "symbolic link" in run.stderr and "Traceback" not in run.stderr
