"""The offline site, end to end: a real backup against the fake Flickr, then the site on disk.

The Chromium-level checks (keyboard, search, video, no request off file://) live with the
browser tests; here every page is parsed and every link followed on the filesystem.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from flickr_async.archive import Archive
from tests.e2e.helpers import FAST, run_cli
from tests.fakeflickr import FakeFlickr, Library
from tests.sitecrawl import crawl

SCRIPT_TITLE = "<script>alert(1)</script>"


def photo_page(out: Path, photo_id: str) -> Path:
    return out / ".site" / "photo" / photo_id[-2:] / f"{photo_id}.html"


def test_backup_builds_a_site_whose_every_link_resolves(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    first = library.photos[0]
    library.edit_photo(first.id, title=SCRIPT_TITLE, description=f"{SCRIPT_TITLE} and words")
    run = run_cli(env, "backup", str(out), *FAST)
    assert run.code == 0, run.stderr
    assert f"site: {out / 'index.html'}" in run.stdout
    result = crawl(out)
    assert result.broken == []
    assert result.loaded_from_web == []
    photos = [p for p in result.pages if "/photo/" in str(p)]
    assert len(photos) == len(library.photos)
    assert any("/album/" in str(p) for p in result.pages)
    assert out / ".site" / "favorites.html" in result.pages
    assert out / ".site" / "galleries.html" in result.pages


def test_hostile_titles_render_as_text(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    first = library.photos[0]
    library.edit_photo(first.id, title=SCRIPT_TITLE)
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    for page in [out / "index.html", *(out / ".site").rglob("*.html")]:
        text = page.read_text("utf-8")
        assert "<script>alert(1)" not in text, page
        # Every script tag is one of the site's own: it carries the archive's nonce (pages.CSP).
        own = re.findall(r'<script nonce="[0-9A-Za-z_-]+" src="', text)
        assert len(re.findall(r"<script\b", text)) == len(own), page
    page = photo_page(out, first.id).read_text("utf-8")
    assert f'<h1 dir="auto">{html.escape(SCRIPT_TITLE)}</h1>' in page
    hostile = [p for p in library.photos if "<" in p.title and p.id != first.id]
    assert hostile, "the fake library has titles with markup"
    for photo in hostile:
        text = photo_page(out, photo.id).read_text("utf-8")
        assert f'<h1 dir="auto">{html.escape(photo.title)}</h1>' in text


def test_videos_play_their_original_file(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    videos = [p for p in library.photos if p.media == "video"]
    assert videos
    for video in videos:
        text = photo_page(out, video.id).read_text("utf-8")
        source = re.search(r'<source src="([^"]+)">', text)
        assert source is not None
        assert (photo_page(out, video.id).parent / source.group(1)).resolve().is_file()


def test_a_sync_with_nothing_new_rewrites_no_page(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    run = run_cli(env, "site", str(out))
    assert run.code == 0
    assert " 0 files written" in run.stdout
    assert run.stdout.strip().endswith(str(out / "index.html"))


def test_no_site_is_remembered_and_site_builds_it_later(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST, "--no-site").code == 0
    assert not (out / "index.html").exists()
    assert not (out / ".site" / "thumbs").exists()  # no site: no thumbnails for it either
    again = run_cli(env, "backup", str(out), *FAST)
    assert again.code == 0
    assert not (out / "index.html").exists()
    assert "site:" not in again.stdout
    built = run_cli(env, "site", str(out), "--quiet")
    assert built.code == 0 and built.stdout == ""
    assert (out / "index.html").is_file()
    assert run_cli(env, "backup", str(out), *FAST, "--site").code == 0
    assert any((out / ".site" / "thumbs").glob("*_q.jpg"))  # the site's thumbnails now come
    assert "site:" in run_cli(env, "backup", str(out), *FAST).stdout  # --site remembered


def test_a_site_that_cannot_be_written_never_fails_the_backup(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    out.mkdir()
    (out / ".site").write_text("a file where the site's folder goes")
    run = run_cli(env, "backup", str(out), *FAST)
    assert run.code == 0
    warnings = [line for line in run.stderr.splitlines() if "site" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: the offline site was not")
    assert "Traceback" not in run.stderr
    assert "complete:" in run.stdout


def test_site_needs_an_archive_and_the_lock(tmp_path: Path, env: dict[str, str]) -> None:
    run = run_cli(env, "site", str(tmp_path / "nothing"))
    assert run.code == 2
    assert "not a flickr-async archive" in run.stderr
    out = tmp_path / "archive"
    (out / ".flickr-async").mkdir(parents=True)
    (out / ".flickr-async" / "state.sqlite3").touch()
    with Archive(out).lock():
        locked = run_cli(env, "site", str(out))
    assert locked.code == 4
    assert locked.stderr.count("\n") == 1
    assert run_cli(env, "site", "--help").stdout.count("--quiet") == 1


def test_site_extras_shows_the_export_only_files_and_refuses_the_public_copy(
    fake: FakeFlickr, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    extras = out / "flickr-export"
    extras.mkdir()
    (extras / "account_testimonials.json").write_text(
        '{"testimonials": [{"from": "Zoë", "text": "<b>kind</b> words"}]}', "utf-8"
    )
    about = out / ".site" / "about.html"
    assert "account_testimonials" not in about.read_text("utf-8")
    run = run_cli(env, "site", str(out), "--extras")
    assert run.code == 0, run.stderr
    assert "account_testimonials.json" in about.read_text("utf-8")
    page = next((out / ".site" / "extras").glob("account*testimonials*.html"))
    assert "&lt;b&gt;kind&lt;/b&gt; words" in page.read_text("utf-8")
    assert crawl(out).broken == []
    run = run_cli(env, "site", str(out), "--extras", "--public", str(tmp_path / "www"))
    assert run.code == 2 and "--extras" in run.stderr and run.stderr.count("\n") == 1
    assert not (tmp_path / "www").exists()
    assert run_cli(env, "site", str(out)).code == 0  # without it: the pages go
    assert not page.exists()
