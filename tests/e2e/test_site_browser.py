"""The archive's site in a real browser (issue 11, deliverable 6): every page reachable from
OUT/index.html, opened from file:// in headless chromium.

Each test runs on two sites: a small hand-made one (site_fixture), which keeps the harness
honest, and the one `flickr-async site OUT` generates from the fake account with hostile text
planted in it (skipped until the generator is merged). The tests assume only what
site_facts says: a photo's page has the photo's id in its file name.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import CrawlReport, SiteBrowser, Visit, file_path, playwright_loop_hidden
from tests.e2e.helpers import FAST, cli_env, run_cli
from tests.e2e.site_facts import SiteFacts, facts_from_library, plant_hostile_text
from tests.e2e.site_fixture import write_fixture_site
from tests.fakeflickr import generate_library, running_fake

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n"
KEY_TIMEOUT_MS = 3_000


def site_generator_merged() -> bool:
    return importlib.util.find_spec("flickr_async.site") is not None


def generate_site(out: Path, home: Path) -> SiteFacts:
    """A backup of the fake account (hostile text planted), then `flickr-async site OUT`."""
    library = generate_library(seed=1, photos=20, videos=3, albums=4)
    planted = plant_hostile_text(library)
    with running_fake(library) as fake, playwright_loop_hidden():
        env = cli_env(fake, home)
        backup = run_cli(env, "backup", str(out), *FAST)
        assert backup.code == 0, backup.stdout + backup.stderr
        site = run_cli(env, "site", str(out))
        assert site.code == 0, site.stdout + site.stderr
    return facts_from_library(library, out, planted)


@pytest.fixture(scope="module", params=["fixture", "generated"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SiteFacts:
    if request.param == "fixture":
        return write_fixture_site(tmp_path_factory.mktemp("fixture-site"))
    if not site_generator_merged():
        pytest.skip("site generator not merged yet")
    work = tmp_path_factory.mktemp("generated-site")
    return generate_site(work / "out", work / "home")


@pytest.fixture(scope="module")
def crawl(site: SiteFacts, chromium: Browser) -> Iterator[CrawlReport]:
    """Every page reachable from index.html, visited once per site with JavaScript on."""
    pages = SiteBrowser(chromium)
    yield pages.crawl(site.index)
    pages.close()


def photo_page(crawl: CrawlReport, site: SiteFacts, photo_id: str) -> Path:
    found = crawl.pages_matching(lambda p: site.photo_id_of(p) == photo_id)
    assert found, f"no page reachable from index.html has {photo_id} in its name"
    return found[0]


def first_album_page(crawl: CrawlReport, site: SiteFacts) -> Path:
    """The first page index.html links to that is an album's (by its id in the name), or else
    the first non-photo page that links to photo pages."""
    linked = crawl.links[site.index.resolve()]
    for target in linked:
        if site.album_id_of(target):
            return target
    for target in linked:
        if not site.photo_id_of(target) and any(
            site.photo_id_of(t) for t in crawl.links.get(target, [])
        ):
            return target
    raise AssertionError("index.html links to no album page")


def first_photo_page(crawl: CrawlReport, site: SiteFacts, album: Path) -> Path:
    photos = [t for t in crawl.links[album] if site.photo_id_of(t)]
    assert photos, f"{crawl.name(album)} links to no photo page"
    return photos[0]


# Generic checks: they hold for any static site that works offline.


def test_every_internal_href_and_src_resolves_to_a_file_in_the_archive(
    crawl: CrawlReport,
) -> None:
    problems = {
        k: v
        for k, v in crawl.problems().items()
        if k in ("broken", "not_relative", "not_encoded", "outside_archive", "failed_requests")
        or k == "truncated"
    }
    assert not problems
    assert len(crawl.pages) > 1


def test_no_request_leaves_file_scheme(crawl: CrawlReport) -> None:
    assert crawl.external_requests == []
    assert crawl.external_loads == []  # not even a lazy image that was never scrolled to


def test_no_page_logs_an_error_or_throws(crawl: CrawlReport) -> None:
    assert crawl.console_errors == []
    assert crawl.page_errors == []


def test_every_photo_has_a_page_reachable_from_index(crawl: CrawlReport, site: SiteFacts) -> None:
    reached = {site.photo_id_of(p) for p in crawl.pages}
    assert sorted(set(site.titles) - reached) == []


def test_hostile_text_shows_as_text_and_never_runs(crawl: CrawlReport, site: SiteFacts) -> None:
    assert crawl.dialogs == []  # no alert() ran, on any page
    assert crawl.unsafe_links == []  # no javascript: link survived
    for photo_id, title in site.hostile_titles.items():
        text = crawl.texts[photo_page(crawl, site, photo_id)]
        for tag in re.findall(r"<[^>]*>", title):
            assert tag in text, f"{title!r} is not shown as text on {photo_id}'s page"
    index_text = crawl.texts[site.index.resolve()]
    hostile_albums = [t for t in site.album_titles.values() if "<script>" in t]
    for title in hostile_albums:
        assert title.strip() in index_text


def test_pages_read_sensibly_with_javascript_off(
    site_browser: SiteBrowser, crawl: CrawlReport, site: SiteFacts
) -> None:
    home = site_browser.open_page(site.index, javascript=False)
    text = home.text()
    assert any(t.strip() and t.strip() in text for t in site.album_titles.values()), text[:500]
    assert [u for u in home.links() if site.album_id_of(file_path(u))]
    plain = next(
        i
        for i, t in site.titles.items()
        if t == t.strip()
        and 4 <= len(t) <= 80
        and not set(t) & set("<>&")
        and i not in site.video_ids
    )
    photo = site_browser.open_page(photo_page(crawl, site, plain), javascript=False)
    assert site.titles[plain] in photo.text()
    shown = photo.page.eval_on_selector_all(
        "img[src], video[poster]", "els => els.map(e => e.getAttribute('src') ? e.src : e.poster)"
    )
    assert [u for u in shown if file_path(u).is_file()], "the photo page shows no image"
    assert photo.left_file_scheme() == [] and photo.page_errors == []


def test_screenshots_of_home_an_album_and_a_photo(
    site_browser: SiteBrowser, crawl: CrawlReport, site: SiteFacts
) -> None:
    album = first_album_page(crawl, site)
    photo = first_photo_page(crawl, site, album)
    for name, path in (("home", site.index), ("album", album), ("photo", photo)):
        shot = site_browser.screenshot(site_browser.open_page(path), f"{site.kind}-{name}")
        assert shot.read_bytes()[:8] == PNG


# Site behaviour issue 11 asks for, found without knowing the generator's markup.


def wait_for_photo_page(visit: Visit, site: SiteFacts, other_than: str) -> str | None:
    """The photo id of the page the tab moves to, or None when it stays."""
    try:
        visit.page.wait_for_url(
            lambda url: site.photo_id_of(file_path(url)) not in (None, other_than),
            timeout=KEY_TIMEOUT_MS,
        )
    except Exception:  # playwright's TimeoutError: the key did nothing
        return None
    return site.photo_id_of(file_path(visit.page.url))


def test_arrow_keys_move_between_photos_and_escape_leaves(
    site_browser: SiteBrowser, crawl: CrawlReport, site: SiteFacts
) -> None:
    # As a person would: the album page, then its first photo by the album's own link (with
    # whatever the link carries: the album it was opened from), then → to the album's next.
    visit = site_browser.open_page(first_album_page(crawl, site))
    photos = list(dict.fromkeys(u for u in visit.links() if site.photo_id_of(file_path(u))))
    assert len(photos) >= 2, "the album page links to fewer than two photos"
    first, following = (site.photo_id_of(file_path(u)) for u in photos[:2])
    assert first is not None
    visit.page.goto(photos[0], wait_until="load")
    visit.page.keyboard.press("ArrowRight")
    second = wait_for_photo_page(visit, site, other_than=first)
    assert second == following, "→ on the album's first photo did not open the album's next"
    visit.page.wait_for_load_state()
    visit.page.keyboard.press("ArrowLeft")
    assert wait_for_photo_page(visit, site, other_than=second) == first, "← did not go back"
    visit.page.wait_for_load_state()
    visit.page.keyboard.press("Escape")
    visit.page.wait_for_url(
        lambda url: site.photo_id_of(file_path(url)) is None, timeout=KEY_TIMEOUT_MS
    )
    assert file_path(visit.page.url).is_file()
    assert visit.page_errors == [] and visit.left_file_scheme() == []


def is_container(path: Path) -> bool:
    """An ISO media file (mp4, mov, m4v): its first box is `ftyp`."""
    with path.open("rb") as f:
        return f.read(8)[4:] == b"ftyp"


def test_video_page_has_a_playable_source_of_the_original_file(
    site_browser: SiteBrowser, crawl: CrawlReport, site: SiteFacts
) -> None:
    """Each video's page has a <video> whose source is the archived file itself (outside
    .site/, a real container: an `ftyp` box) in a type chromium says it can play. The fake's
    videos are not decodable, so readyState cannot tell; canPlayType can. Chromium answers ""
    for video/quicktime: a .mov is playable only declared as video/mp4 or with no type."""
    assert site.video_ids
    archive = site.out.resolve()

    def is_original(src: str) -> bool:
        path = file_path(src).resolve()
        return (
            path.is_file()
            and path.is_relative_to(archive)
            and ".site" not in path.relative_to(archive).parts
            and is_container(path)
        )

    for video_id in site.video_ids:
        visit = site_browser.open_page(photo_page(crawl, site, video_id))
        sources = visit.page.eval_on_selector_all(
            "video",
            """videos => videos.flatMap(v => {
                 const list = [...v.querySelectorAll('source[src]')]
                   .map(s => ({src: s.src, type: s.getAttribute('type') || ''}));
                 if (v.getAttribute('src')) list.push({src: v.src, type: ''});
                 return list.map(s => ({...s,
                   playable: s.type === '' || v.canPlayType(s.type) !== ''}));
               })""",
        )
        assert sources, f"{video_id}'s page has no <video> with a source"
        good = [s for s in sources if s["playable"] and is_original(s["src"])]
        assert good, f"{video_id}: no playable source of the original file in {sources}"


SEARCH_RESULT_JS = """([id, before]) => {
  const visible = a => a.offsetParent !== null || a.getClientRects().length > 0;
  const photoLinks = [...document.querySelectorAll('a[href]')].filter(visible)
    .filter(a => /\\.html?$/i.test(new URL(a.href).pathname));
  const hit = photoLinks.filter(a => decodeURIComponent(new URL(a.href).pathname).includes(id));
  if (!hit.length) return false;
  const fresh = hit.some(a => !a.hasAttribute('data-before-search'));
  return fresh || photoLinks.length < before;  // a new result, or the list was filtered
}"""


def test_search_finds_a_photo_by_a_word_of_its_description(
    site_browser: SiteBrowser, site: SiteFacts
) -> None:
    """Type the word into the first search box on index.html: a link to that photo's page
    appears (a new element, or the others filtered away); if none does, Enter (the box may
    submit to a results page) and look again."""
    visit = site_browser.open_page(site.index)
    box = visit.page.locator("input[type=search]").first
    assert box.count(), "index.html has no <input type=search>"
    before = visit.page.evaluate(
        """() => { const links = [...document.querySelectorAll('a[href]')];
                   links.forEach(a => a.setAttribute('data-before-search', ''));
                   return links.filter(a => a.offsetParent !== null).length; }"""
    )
    box.fill(site.search_word)
    args = [site.search_photo_id, before]
    try:
        visit.page.wait_for_function(SEARCH_RESULT_JS, arg=args, timeout=KEY_TIMEOUT_MS)
    except Exception:  # no live results: submit, then look on whatever page that opens
        box.press("Enter")
        visit.page.wait_for_load_state()
        visit.page.wait_for_function(SEARCH_RESULT_JS, arg=args, timeout=KEY_TIMEOUT_MS)
    assert visit.page_errors == [] and visit.left_file_scheme() == []
