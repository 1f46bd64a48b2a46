"""Building the site from an archive on disk: pages, links, placeholders, incremental refresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flickr_async.site import refresh
from flickr_async.site.build import BuildReport
from flickr_async.site.output import joined
from tests.sitearchive import Archive
from tests.sitecrawl import crawl, parse

PAGE = ".site/photo/{shard}/{id}.html"


def page_of(out: Path, photo_id: str) -> Path:
    return out / PAGE.format(shard=photo_id[-2:], id=photo_id)


def read(path: Path) -> str:
    return path.read_text("utf-8")


def snapshot(out: Path) -> dict[Path, tuple[int, bytes]]:
    site = [out / "index.html", *(p for p in (out / ".site").rglob("*") if p.is_file())]
    return {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in site
        if "thumbs" not in p.parts and not p.name.startswith("cache.sqlite3")
    }


def rewritten(before: dict[Path, tuple[int, bytes]], after: dict[Path, tuple[int, bytes]],
              out: Path) -> set[str]:  # fmt: skip
    return {
        str(p.relative_to(out))
        for p, (mtime, data) in after.items()
        if p not in before or before[p][0] != mtime or before[p][1] != data
    }


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    """Three photos and a video in two albums, a photo in no album, tags, comments, notes."""
    a = Archive(tmp_path / "out")
    a.add("101", folder="Trip #1 100%", title="Beach", tags=["Sea", "sunset"],
          date_taken="2019-06-01 10:00:00",
          description='At <b>the</b> beach <a href="https://example.com/">link</a>',
          comments=[{"id": "c1", "author": "5@N01", "author_name": "Zoë", "date": 1560700000,
                     "text": "Nice <script>alert(1)</script>", "permalink": ""}],
          notes=[{"id": "n1", "author": "1@N01", "author_name": "me", "x": 100, "y": 50,
                  "w": 50, "h": 25, "text": "a <i>note</i>"}])  # fmt: skip
    a.add(
        "102", folder="Trip #1 100%", title="Boat", tags=["sea"], date_taken="2019-06-02 10:00:00"
    )
    a.add(
        "103",
        folder="Trip #1 100%",
        ext="mp4",
        title="Waves",
        media="video",
        date_taken="2019-07-01 10:00:00",
    )
    a.add("104", folder="Unsorted", title="Alone", date_taken="2018-01-01 10:00:00")
    a.album("72157001", "Trip #1 100%", ["102", "101", "103"], description="<i>summer</i>")
    a.album("72157002", "Second", ["101"])
    a.write_json("account.json", {"schema": 1, "profile": {"username": "someone",
                                                            "realname": "Some One"}})  # fmt: skip
    return a


def test_full_build_makes_home_album_month_tag_photo_and_search_pages(archive: Archive) -> None:
    out = archive.out
    report = refresh(out)
    assert isinstance(report, BuildReport)
    assert report.photos == 4
    assert report.index == out / "index.html"
    for rel in (
        "index.html",
        ".site/album/72157001.html",
        ".site/album/72157002.html",
        ".site/stream/2019-06.html",
        ".site/stream/2019-07.html",
        ".site/stream/2018-01.html",
        ".site/tag/sea.html",
        ".site/tag/sunset.html",
        ".site/tags.html",
        ".site/search.html",
        ".site/data/search.js",
        ".site/data/album/72157001.js",
        ".site/assets/site.css",
        ".site/assets/site.js",
        ".site/assets/video.svg",
    ):
        assert (out / rel).is_file(), rel
    for photo_id in ("101", "102", "103", "104"):
        assert page_of(out, photo_id).is_file()
    assert report.written == report.pages


def test_every_link_of_every_page_resolves_and_nothing_loads_from_the_web(
    archive: Archive,
) -> None:
    archive.thumbs("101")
    refresh(archive.out)
    result = crawl(archive.out)
    assert result.broken == []
    assert result.loaded_from_web == []
    assert len(result.pages) >= 12


def test_links_to_archive_files_are_relative_and_percent_encoded(archive: Archive) -> None:
    refresh(archive.out)
    html = read(page_of(archive.out, "101"))
    assert 'href="../../../Trip%20%231%20100%25/101.jpg"' in html
    assert 'href="../../../Trip%20%231%20100%25/101.jpg.json"' in html


def test_home_lists_albums_in_the_users_order_with_counts(archive: Archive) -> None:
    refresh(archive.out)
    html = read(archive.out / "index.html")
    assert html.index("Trip #1 100%") < html.index("Second")
    assert 'href=".site/album/72157001.html"' in html
    assert "3 items" in html and "1 item<" in html
    assert "Some One" in html


def test_album_page_keeps_album_order_and_links_photos_with_the_album(archive: Archive) -> None:
    refresh(archive.out)
    html = read(archive.out / ".site/album/72157001.html")
    order = re.findall(r'id="p(\d+)"', html)
    assert order == ["102", "101", "103"]
    assert 'href="../photo/01/101.html#album=72157001"' in html
    assert "<i>summer</i>" in html
    data = read(archive.out / ".site/data/album/72157001.js")
    assert data.startswith('(window.FA_ALBUMS = window.FA_ALBUMS || {})["72157001"] = ')
    assert '"ids":["102","101","103"]' in data


def test_photo_pages_go_through_the_photostream_newest_first(archive: Archive) -> None:
    refresh(archive.out)
    # taken: 103 (2019-07), 102 (2019-06-02), 101 (2019-06-01), 104 (2018)
    page = parse(page_of(archive.out, "102"))
    navs = {a.get("data-nav"): a.get("href") for tag, a in page.tags if tag == "a"}
    assert navs["prev"] == "../03/103.html"
    assert navs["next"] == "../01/101.html"
    assert navs["up"] == "../../stream/2019-06.html#p102"
    first = {a.get("data-nav"): a.get("href") for t, a in parse(page_of(archive.out, "103")).tags
             if t == "a"}  # fmt: skip
    assert first["prev"] is None  # no href: nothing before the newest
    body = next(a for t, a in page.tags if t == "body")
    assert body["data-photo"] == "102"
    assert body["data-albums"] == "72157001"


def test_photo_page_shows_what_the_sidecar_says(archive: Archive) -> None:
    refresh(archive.out)
    html = read(page_of(archive.out, "101"))
    assert '<h1 dir="auto">Beach</h1>' in html
    assert "At <b>the</b> beach" in html
    assert 'rel="noopener noreferrer nofollow">link</a>' in html
    assert 'href="../../tag/sea.html"' in html and 'href="../../tag/sunset.html"' in html
    assert "2019-06-01 10:00" in html
    assert "Attribution License" in html and "creativecommons.org/licenses/by/2.0/" in html
    assert "Nice &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Zoë" in html
    assert 'href="https://www.flickr.com/photos/someone/101/"' in html
    assert 'href="../../album/72157001.html#p101"' in html
    assert 'href="../../album/72157002.html#p101"' in html
    assert "a <i>note</i>" in html


def test_notes_are_boxes_in_percent_of_flickrs_500px_medium(archive: Archive) -> None:
    archive.thumbs("101", z=(640, 480))
    refresh(archive.out)
    html = read(page_of(archive.out, "101"))
    # Medium of a 4:3 image: 500 × 375; the note at (100, 50) sized 50 × 25.
    assert 'style="left:20.00%;top:13.33%;width:10.00%;height:6.67%"' in html


def test_tags_differing_in_case_share_a_page(archive: Archive) -> None:
    refresh(archive.out)
    html = read(archive.out / ".site/tag/sea.html")
    assert re.findall(r'id="p(\d+)"', html) == ["102", "101"]


def test_grid_without_thumbnails_shows_placeholders_never_broken_images(archive: Archive) -> None:
    refresh(archive.out)
    html = read(archive.out / ".site/album/72157001.html")
    assert "<img" not in html
    assert html.count('class="ph"') == 3


def test_grid_thumbnails_have_fixed_size_and_lazy_loading(archive: Archive) -> None:
    archive.thumbs("101")
    refresh(archive.out)
    html = read(archive.out / ".site/album/72157001.html")
    assert (
        '<img src="../thumbs/101_q.jpg" width="150" height="150" loading="lazy" alt="Beach">'
    ) in html


def test_photo_page_uses_the_small_rendition_with_its_size(archive: Archive) -> None:
    archive.thumbs("101", z=(640, 427))
    refresh(archive.out)
    html = read(page_of(archive.out, "101"))
    assert '<img src="../../thumbs/101_z.jpg" width="640" height="427" alt="Beach">' in html
    assert '<a href="../../../Trip%20%231%20100%25/101.jpg" title="Open the original">' in html


def test_without_a_rendition_the_photo_page_scales_the_original(archive: Archive) -> None:
    refresh(archive.out)
    html = read(page_of(archive.out, "102"))
    assert '<img src="../../../Trip%20%231%20100%25/102.jpg" width="800" height="600"' in html


def test_video_page_plays_the_original_file_with_a_poster(archive: Archive) -> None:
    refresh(archive.out)
    html = read(page_of(archive.out, "103"))
    assert '<video controls preload="metadata" poster="../../assets/video.svg"' in html
    assert '<source src="../../../Trip%20%231%20100%25/103.mp4">' in html
    archive.thumbs("103", z=(640, 360))
    refresh(archive.out)
    html = read(page_of(archive.out, "103"))
    assert 'poster="../../thumbs/103_z.jpg" width="640" height="360"' in html


def test_missing_file_and_failed_item_show_a_placeholder(archive: Archive) -> None:
    (archive.out / "Unsorted/104.jpg").unlink()
    archive.fail("105", "HTTP 404 from the file server")
    refresh(archive.out)
    missing = read(page_of(archive.out, "104"))
    assert "<img" not in missing and 'class="ph big"' in missing
    assert "missing from the archive" in missing
    failed = read(page_of(archive.out, "105"))
    assert "<img" not in failed and "HTTP 404 from the file server" in failed
    assert "2 missing or failed" in read(archive.out / "index.html")  # 104 and 105
    assert (archive.out / ".site/stream/undated.html").is_file()
    assert crawl(archive.out).broken == []


def test_not_original_deleted_and_unknown_date_are_said(tmp_path: Path) -> None:
    a = Archive(tmp_path / "out")
    a.add("201", title="Small", download={"url": "", "bytes": 1, "sha256": "",
                                          "original": False, "size_label": "Large"})  # fmt: skip
    a.add("202", title="Gone", deleted_on_flickr="2024-02-03")
    a.add("203", title="When?", date_taken_unknown=True, date_taken="2020-01-01 00:00:00",
          date_posted=1600000000)  # fmt: skip
    refresh(a.out)
    assert "Saved without its original" in read(page_of(a.out, "201"))
    assert "Large" in read(page_of(a.out, "201"))
    assert "Deleted on Flickr (noticed 2024-02-03)" in read(page_of(a.out, "202"))
    when = read(page_of(a.out, "203"))
    assert "<dd>Date unknown</dd>" in when
    assert "../../stream/2020-09.html#p203" in when  # placed by its upload date
    home = read(a.out / "index.html")
    assert "1 saved without their original" in home and "1 deleted on Flickr" in home


def test_hostile_text_is_shown_as_text_on_every_page(tmp_path: Path) -> None:
    a = Archive(tmp_path / "out")
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    a.add("301", title=hostile, tags=[hostile, "</title><script>x</script>"],
          description=hostile)  # fmt: skip
    a.album("72157003", hostile, ["301"], description=hostile)
    a.write_json("account.json", {"schema": 1, "profile": {"username": hostile}})
    refresh(a.out)
    for page in [a.out / "index.html", *(a.out / ".site").rglob("*.html")]:
        html = read(page)
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "<script>x" not in html, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in read(page_of(a.out, "301"))
    data = read(a.out / ".site/data/search.js")
    assert '"<script>alert(1)</script>' in data  # data for textContent, never for innerHTML


def test_second_build_writes_nothing(archive: Archive) -> None:
    refresh(archive.out)
    before = snapshot(archive.out)
    report = refresh(archive.out)
    assert report.written == 0
    assert report.sidecars_read == 0
    assert rewritten(before, snapshot(archive.out), archive.out) == set()


def test_a_changed_sidecar_rewrites_only_the_pages_it_shows_on(archive: Archive) -> None:
    refresh(archive.out)
    before = snapshot(archive.out)
    archive.touch_sidecar(archive.out / "Unsorted/104.jpg.json", title="Alone, renamed")
    report = refresh(archive.out)
    assert report.sidecars_read == 1
    assert rewritten(before, snapshot(archive.out), archive.out) == {
        ".site/photo/04/104.html",
        ".site/stream/2018-01.html",
        ".site/data/search.js",
    }


def test_a_new_tag_adds_its_page_and_updates_the_index(archive: Archive) -> None:
    refresh(archive.out)
    before = snapshot(archive.out)
    archive.touch_sidecar(archive.out / "Trip #1 100%/102.jpg.json", tags=["sea", "boat"])
    refresh(archive.out)
    # Grids do not show tags: the month, album and "sea" pages are rendered again, but
    # their bytes are the same, so they are not written.
    assert rewritten(before, snapshot(archive.out), archive.out) == {
        ".site/photo/02/102.html",
        ".site/tag/boat.html",
        ".site/tags.html",
        ".site/data/search.js",
        "index.html",  # its tag count
        ".site/about.html",  # its tag count
    }


def test_a_new_thumbnail_rewrites_the_grids_and_page_that_show_it(archive: Archive) -> None:
    refresh(archive.out)
    before = snapshot(archive.out)
    archive.thumbs("104")
    refresh(archive.out)
    assert rewritten(before, snapshot(archive.out), archive.out) == {
        ".site/photo/04/104.html",
        ".site/stream/2018-01.html",
        ".site/data/search.js",
    }


def test_pages_of_things_gone_are_removed(archive: Archive) -> None:
    refresh(archive.out)
    archive.touch_sidecar(archive.out / "Unsorted/104.jpg.json", tags=["lonely"])
    refresh(archive.out)
    assert (archive.out / ".site/tag/lonely.html").is_file()
    archive.touch_sidecar(archive.out / "Unsorted/104.jpg.json", tags=[])
    report = refresh(archive.out)
    assert report.removed == 1
    assert not (archive.out / ".site/tag/lonely.html").exists()


def test_a_page_deleted_by_hand_is_written_again(archive: Archive) -> None:
    refresh(archive.out)
    page_of(archive.out, "102").unlink()
    (archive.out / ".site/tags.html").unlink()
    report = refresh(archive.out)
    assert report.written == 2
    assert page_of(archive.out, "102").is_file()


def test_a_corrupt_cache_costs_a_full_build_not_an_error(archive: Archive) -> None:
    refresh(archive.out)
    (archive.out / ".site/cache.sqlite3").write_bytes(b"not a database" * 100)
    for extra in ("-wal", "-shm"):
        (archive.out / f".site/cache.sqlite3{extra}").unlink(missing_ok=True)
    report = refresh(archive.out)
    assert report.sidecars_read == 4
    assert report.written == report.pages  # without its records every page is written
    assert refresh(archive.out).written == 0


def test_big_albums_are_split_into_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flickr_async.site.build.PER_PAGE", 2)
    monkeypatch.setattr("flickr_async.site.pages.PER_PAGE", 2)
    a = Archive(tmp_path / "out")
    for n in range(5):
        a.add(f"40{n}", folder="Big", date_taken=f"2019-06-0{n + 1} 10:00:00")
    a.album("72157004", "Big", [f"40{n}" for n in range(5)])
    refresh(a.out)
    for rel in ("album/72157004.html", "album/72157004-2.html", "album/72157004-3.html",
                "stream/2019-06.html", "stream/2019-06-3.html"):  # fmt: skip
        assert (a.out / ".site" / rel).is_file(), rel
    html = read(page_of(a.out, "400"))  # the oldest: last of the month's three pages
    assert "../../stream/2019-06-3.html#p400" in html
    assert "../../album/72157004-3.html#p404" in read(page_of(a.out, "404"))
    assert crawl(a.out).broken == []


def test_not_an_archive_is_a_config_error(tmp_path: Path) -> None:
    from flickr_async.errors import ConfigError

    with pytest.raises(ConfigError, match="not a flickr-async archive"):
        refresh(tmp_path)


def test_a_cache_from_another_version_is_started_again(archive: Archive) -> None:
    import sqlite3

    refresh(archive.out)
    db = sqlite3.connect(archive.out / ".site/cache.sqlite3")
    db.execute("UPDATE meta SET value = 'old' WHERE key = 'version'")
    db.execute("DROP TABLE photos")
    db.execute("CREATE TABLE photos (id TEXT PRIMARY KEY, sig TEXT)")  # an older shape
    db.commit()
    db.close()
    report = refresh(archive.out)
    assert report.sidecars_read == 4
    assert refresh(archive.out).written == 0


def unnonced(data: bytes) -> bytes:
    return re.sub(rb"nonce(-|=\")[0-9A-Za-z_-]+", rb"nonce\1N", data)


def test_worker_processes_make_the_same_site_as_one_process(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from flickr_async.site import workers

    archive.thumbs("101")
    alone = tmp_path / "alone"
    shutil.copytree(archive.out, alone)
    monkeypatch.setattr(workers, "MIN_ITEMS", 0)  # forked workers even for four photos
    forked: list[int] = []
    close = workers.Workers.close

    def counted(pool: workers.Workers) -> None:
        forked.append(pool.processes)
        close(pool)

    monkeypatch.setattr(workers.Workers, "close", counted)
    report = refresh(archive.out)
    assert forked
    monkeypatch.setattr(workers, "MIN_ITEMS", 10**9)
    assert refresh(alone).written == report.written == report.pages
    site = snapshot(archive.out)
    # Each archive has its own script nonce (pages.CSP); everything else is the same.
    assert {p.relative_to(archive.out): unnonced(data) for p, (_, data) in site.items()} == {
        p.relative_to(alone): unnonced(data) for p, (_, data) in snapshot(alone).items()
    }
    monkeypatch.setattr(workers, "MIN_ITEMS", 0)
    archive.touch_sidecar(archive.out / "Unsorted/104.jpg.json", title="Alone, renamed")
    again = refresh(archive.out)  # one sidecar changed: its pages, by a worker, no more
    assert again.sidecars_read == 1
    assert rewritten(site, snapshot(archive.out), archive.out) == {
        ".site/photo/04/104.html",
        ".site/stream/2018-01.html",
        ".site/data/search.js",
    }


def test_a_refresh_reads_only_the_sidecars_the_state_says_changed(archive: Archive) -> None:
    refresh(archive.out)
    before = snapshot(archive.out)
    archive.edit_sidecar(archive.out / "Unsorted/104.jpg.json", title="By hand")
    archive.touch_sidecar(archive.out / "Trip #1 100%/102.jpg.json", title="Boat, renamed")
    report = refresh(archive.out)
    assert report.sidecars_read == 1  # 102 only: 104's hand edit is not a sync's
    assert "By hand" not in read(page_of(archive.out, "104"))
    assert "Boat, renamed" in read(page_of(archive.out, "102"))
    assert ".site/photo/04/104.html" not in rewritten(before, snapshot(archive.out), archive.out)
    full = refresh(archive.out, full=True)  # every sidecar looked at: the hand edit too
    assert full.sidecars_read == 1
    assert "By hand" in read(page_of(archive.out, "104"))


def test_a_photo_deleted_on_flickr_is_marked_and_a_forgotten_ones_page_removed(
    archive: Archive,
) -> None:
    from flickr_async.state import State

    archive.fail("105")
    refresh(archive.out)
    assert page_of(archive.out, "105").is_file()
    archive.edit_sidecar(archive.out / "Trip #1 100%/101.jpg.json", deleted_on_flickr="2026-11-29")
    state = State.open(archive.out)  # as the writer does: the sidecar, then the state
    state.mark_deleted(["101"], "2026-11-29")
    state.forget(["105"])
    state.close()
    report = refresh(archive.out)
    assert not page_of(archive.out, "105").exists()
    assert report.photos == 4
    assert "Deleted on Flickr" in read(page_of(archive.out, "101"))


def test_without_its_cache_the_site_is_built_in_full_again(archive: Archive) -> None:
    refresh(archive.out)
    archive.edit_sidecar(archive.out / "Unsorted/104.jpg.json", title="By hand")
    for extra in ("", "-wal", "-shm"):
        (archive.out / f".site/cache.sqlite3{extra}").unlink(missing_ok=True)
    report = refresh(archive.out)
    assert report.sidecars_read == 4
    assert "By hand" in read(page_of(archive.out, "104"))
    assert refresh(archive.out).written == 0


def test_a_refresh_trusts_what_the_last_build_saw_of_unchanged_photos_files(
    archive: Archive,
) -> None:
    refresh(archive.out)
    (archive.out / "Unsorted/104.jpg").unlink()  # by hand, behind the state's back
    assert "missing" not in read(archive.out / ".site/stream/2018-01.html")
    refresh(archive.out)
    assert "missing" not in read(archive.out / ".site/stream/2018-01.html")
    refresh(archive.out, full=True)  # every file looked at
    assert "missing" in read(archive.out / ".site/stream/2018-01.html")


def test_a_big_sites_search_data_is_cut_and_a_refresh_rewrites_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from flickr_async.site.cache import search_file

    monkeypatch.setattr("flickr_async.site.build.SEARCH_FILE_ITEMS", 3)
    a = Archive(tmp_path / "out")
    ids = [str(500 + n) for n in range(20)]
    for n, pid in enumerate(ids):
        a.add(pid, folder="Many", title=f"Photo {pid}", date_taken=f"2019-06-{n + 1:02} 10:00:00")
    refresh(a.out)
    data = sorted((a.out / ".site/data").glob("search-*-of-8.js"))
    assert len(data) == 8 and not (a.out / ".site/data/search.js").exists()
    found: dict[str, str] = {}
    for path in data:
        text = read(path)
        assert text.startswith("(window.FA_SEARCH = window.FA_SEARCH || []).push([")
        entries = json.loads(text[text.index("([") + 1 : text.rindex("])") + 1])
        number = int(path.name.split("-")[1]) - 1
        for entry in entries:
            assert search_file(entry[0], 8) == number
            found[entry[0]] = entry[1]
    assert found == {pid: f"Photo {pid}" for pid in ids}  # each photo in exactly one file
    search = read(a.out / ".site/search.html")
    assert all(f'src="data/{path.name}"' in search for path in data)
    before = snapshot(a.out)
    a.touch_sidecar(a.out / "Many/507.jpg.json", title="Renamed")
    refresh(a.out)
    changed = rewritten(before, snapshot(a.out), a.out)
    number = search_file("507", 8) + 1
    assert {p for p in changed if "/data/" in p} == {f".site/data/search-{number}-of-8.js"}
    assert '"Renamed"' in read(a.out / f".site/data/search-{number}-of-8.js")


def navs_of(out: Path, photo_id: str) -> dict[str | None, str | None]:
    return {a.get("data-nav"): a.get("href") for t, a in parse(page_of(out, photo_id)).tags
            if t == "a" and a.get("data-nav")}  # fmt: skip


def test_a_refresh_looks_again_at_the_photo_pages_beside_a_page_that_moved(
    tmp_path: Path,
) -> None:
    a = Archive(tmp_path / "out")
    for pid, taken in (("600", "2019-06-01"), ("601", "2019-06-02"), ("602", "2019-05-01"),
                       ("603", "2019-05-02")):  # fmt: skip
        a.add(pid, title=pid, date_taken=f"{taken} 10:00:00")
    refresh(a.out)
    assert navs_of(a.out, "600")["next"] == "../03/603.html"
    # June's page does not move, May's first does: 600 (June's last) gets a new next.
    a.add("604", title="604", date_taken="2019-05-20 10:00:00")
    refresh(a.out)
    assert navs_of(a.out, "600")["next"] == "../04/604.html"
    assert navs_of(a.out, "603")["prev"] == "../04/604.html"


def test_a_photo_that_left_an_album_no_longer_names_it(archive: Archive) -> None:
    refresh(archive.out)
    assert "72157002" in read(page_of(archive.out, "101"))
    archive.albums[1]["photo_ids"] = []  # "Second" lost its one photo; 101's row is the same
    archive.write_json("albums.json", {"schema": 1, "albums": archive.albums})
    refresh(archive.out)
    assert "72157002" not in read(page_of(archive.out, "101"))
    archive.albums.pop(1)  # and the album itself is gone
    archive.albums[0]["photo_ids"] = ["102", "103"]
    archive.write_json("albums.json", {"schema": 1, "albums": archive.albums})
    refresh(archive.out)
    assert "72157001" not in read(page_of(archive.out, "101"))
    assert "72157001" in read(page_of(archive.out, "102"))


def test_a_refresh_weighs_only_the_photo_pages_that_may_have_moved(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flickr_async.site.output import PageWriter

    refresh(archive.out)
    weighed: list[str] = []
    real = PageWriter.is_current

    def counted(writer: PageWriter, path: str, inputs: bytes) -> bool:
        if "/photo/" in path:
            weighed.append(path.rpartition("/")[2])
        return real(writer, path, inputs)

    monkeypatch.setattr(PageWriter, "is_current", counted)
    archive.touch_sidecar(archive.out / "Unsorted/104.jpg.json", title="Alone, renamed")
    report = refresh(archive.out)
    # 104's month page moved: 104 and its neighbour in the stream (101), not 102 or 103
    assert sorted(weighed) == ["101.html", "104.html"]
    assert report.written == 3 and report.unchanged == report.pages - 3


def test_photos_without_a_readable_sidecar_stay_through_refreshes(archive: Archive) -> None:
    archive.fail("105")
    (archive.out / "Unsorted/104.jpg.json").write_text("{not json", "utf-8")
    assert refresh(archive.out).photos == 5
    archive.touch_sidecar(archive.out / "Trip #1 100%/102.jpg.json", title="Boat, renamed")
    report = refresh(archive.out)  # the cache answers for every unchanged photo
    assert report.photos == 5 and report.sidecars_read == 1
    assert page_of(archive.out, "105").is_file() and page_of(archive.out, "104").is_file()
    assert "1 missing or failed" in read(archive.out / "index.html")  # 105 only


def test_a_build_that_failed_leaves_the_next_one_a_full_look(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flickr_async.errors import StorageError
    from flickr_async.site import build

    refresh(archive.out)
    archive.edit_sidecar(archive.out / "Unsorted/104.jpg.json", title="By hand")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(build._Renderer, "tags", broken)
        with pytest.raises(StorageError):
            refresh(archive.out)
    report = refresh(archive.out)  # not a refresh trusting the cache: every sidecar weighed
    assert report.sidecars_read == 1
    assert "By hand" in read(page_of(archive.out, "104"))


def test_a_tag_page_of_several_spellings_keeps_the_stream_order_and_each_photo_once(
    tmp_path: Path,
) -> None:
    a = Archive(tmp_path / "out")
    a.add("701", tags=["sea"], date_taken="2019-06-03 10:00:00")
    a.add("702", tags=["Sea", "SEA"], date_taken="2019-06-02 10:00:00")
    a.add("703", tags=["sea"], date_taken="2019-06-01 10:00:00")
    a.add("704", tags=["SEA"], date_taken="2019-06-04 10:00:00")
    refresh(a.out)
    html = read(a.out / ".site/tag/sea.html")
    assert re.findall(r'<li id="p(\d+)"', html) == ["704", "701", "702", "703"]
    assert 'Tag: <span dir="auto">SEA</span>' in html  # the newest photo's spelling


def test_photo_pages_list_their_albums_in_the_users_new_order(archive: Archive) -> None:
    refresh(archive.out)
    html = read(page_of(archive.out, "101"))  # in "Trip #1 100%" and "Second"
    assert html.index("72157001") < html.index("72157002")
    archive.albums.reverse()  # the user reordered the albums on Flickr: no photo changed
    archive.write_json("albums.json", {"schema": 1, "albums": archive.albums})
    refresh(archive.out)
    html = read(page_of(archive.out, "101"))
    assert html.index("72157002") < html.index("72157001")


def test_a_cache_out_of_step_with_the_state_costs_a_full_look_not_a_photo(
    archive: Archive,
) -> None:
    import sqlite3

    refresh(archive.out)
    db = sqlite3.connect(archive.out / ".site/cache.sqlite3")  # as if it had lost a row
    db.execute("DELETE FROM photos WHERE id = '104'")
    db.commit()
    db.close()
    report = refresh(archive.out)
    assert report.photos == 4 and report.sidecars_read == 1
    assert page_of(archive.out, "104").is_file()
    assert refresh(archive.out).sidecars_read == 0  # in step again: a plain refresh


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 6, 7])
def test_data_entries_joined_a_few_at_a_time_read_as_one_array(count: int) -> None:
    # The search and map data files are written in pieces (joined): whatever the cut, the
    # pieces together are the entries separated exactly as one join would.
    entries = [f"[{n}]" for n in range(count)]
    pieces = list(joined(iter(entries), at_a_time=3))
    assert "".join(pieces) == ",\n".join(entries)
    assert len(pieces) == -(-count // 3)
