"""The site for everyone (issue 21, item 4): both themes of light, a phone and a 4K screen,
the keyboard and a screen reader, checked in chromium on the site `flickr-async site OUT`
builds and on its public copy (`--public DIR`).

Pages: home, an album, a photo, a video, a page with warning badges, and search showing
results, each in the light and the dark scheme (chromium told what the system prefers).
axe-core finds no serious or critical violation; our own checks (tests/a11y.py) hold too.
Screenshots in both schemes at 320 and 1440 px go to test-artifacts/screens/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests import a11y
from tests.browser import SCREENS, Visit, page_url, playwright_loop_hidden, watch
from tests.e2e.helpers import FAST, cli_env, run_cli
from tests.e2e.site_facts import plant_hostile_text
from tests.fakeflickr import generate_library, running_fake

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SCHEMES = ("light", "dark")
PHONE, DESKTOP, UHD = 320, 1440, 3840
SEARCH_WORD = "sunset"  # a tag of public and private photos: results in both sites


@dataclass
class Sites:
    """The two sites built from one backup, and the pages to look at in each."""

    pages: dict[str, dict[str, Path]] = field(default_factory=dict)  # site -> name -> page


def photo_page(site: Path, photo_id: str) -> Path:
    return site / ".site" / "photo" / photo_id[-2:] / f"{photo_id}.html"


def pick_pages(site: Path, photo_ids: list[str], video_ids: list[str]) -> dict[str, Path]:
    """Home, the first album, a photo and a video that are in this site, a page with badges,
    and search (its results are asked for by the test)."""
    pages = {"home": site / "index.html", "search": site / ".site" / "search.html"}
    albums = sorted((site / ".site" / "album").glob("*.html"))
    if albums:
        pages["album"] = albums[0]
    photo = next((photo_page(site, i) for i in photo_ids if photo_page(site, i).is_file()), None)
    video = next((photo_page(site, i) for i in video_ids if photo_page(site, i).is_file()), None)
    if photo:
        pages["photo"] = photo
    if video:
        pages["video"] = video
    badged = next(
        (p for p in sorted((site / ".site").rglob("*.html")) if 'class="b-warn"' in p.read_text()),
        None,
    )
    if badged:
        pages["badges"] = badged
    return pages


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    """A backup of the fake account (hostile text planted, one photo then deleted on Flickr,
    so a "deleted on Flickr" badge shows), its site, and its public copy."""
    work = tmp_path_factory.mktemp("a11y")
    library = generate_library(seed=1, photos=20, videos=3, albums=4)
    planted = plant_hostile_text(library)
    out, public = work / "out", work / "www"
    with running_fake(library) as fake, playwright_loop_hidden():
        env = cli_env(fake, work / "home")
        assert run_cli(env, "backup", str(out), *FAST).code == 0
        gone = next(p.id for p in library.photos if p.id not in planted.values())
        library.delete_photo(gone)
        backup = run_cli(env, "backup", str(out), *FAST)
        assert backup.code == 0, backup.stdout + backup.stderr
        for args in ((), ("--public", str(public))):
            run = run_cli(env, "site", str(out), *args)
            assert run.code == 0, run.stdout + run.stderr
    photos = [p.id for p in library.photos if not p.is_video and p.title.strip()]
    photos = [planted["search"], *photos]  # the search hit: a photo with a title
    videos = [p.id for p in library.photos if p.is_video]
    built = Sites()
    built.pages["main"] = pick_pages(out, photos, videos)
    built.pages["public"] = pick_pages(public, photos, videos)
    assert {"home", "album", "photo", "video", "badges", "search"} <= set(built.pages["main"])
    assert {"home", "album", "photo", "search"} <= set(built.pages["public"])
    return built


@pytest.fixture(scope="module")
def axe() -> str:
    source = a11y.axe_source()
    if source is None:
        why = "axe-core-python is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the accessibility test cannot run under CI: {why}", pytrace=False)
        pytest.skip(why)
    return source


class Viewer:
    """Pages in a given scheme and window width; every context closed at the end."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[object] = []

    def open(self, path: Path, *, scheme: str = "light", width: int = DESKTOP) -> Visit:
        context = self.browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme, service_workers="block"
        )
        context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
        self.contexts.append(context)
        page = context.new_page()
        visit = Visit(page)
        watch(page, visit)
        # The same as the system's setting: CDP Emulation.setEmulatedMedia, prefers-color-scheme.
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        url = page_url(path) + (f"#q={SEARCH_WORD}" if path.name == "search.html" else "")
        page.goto(url, wait_until="load")
        if path.name == "search.html":
            page.wait_for_function(
                "() => document.querySelectorAll('#fa-results a[href]').length > 0"
            )
        return visit

    def close(self) -> None:
        for context in self.contexts:
            context.close()  # type: ignore[attr-defined]


@pytest.fixture
def viewer(chromium: Browser) -> Iterator[Viewer]:
    seen = Viewer(chromium)
    yield seen
    seen.close()


def each_page(sites: Sites) -> Iterator[tuple[str, Path]]:
    for site, pages in sites.pages.items():
        for name, path in pages.items():
            yield f"{site}/{name}", path


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_serious_or_critical_violation_on_any_page(
    sites: Sites, viewer: Viewer, axe: str, scheme: str
) -> None:
    found = {}
    for name, path in each_page(sites):
        visit = viewer.open(path, scheme=scheme)
        violations = a11y.axe_violations(visit.page, axe)
        if violations:
            found[name] = violations
        assert visit.page_errors == [] and visit.left_file_scheme() == []
    assert found == {}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_has_names_alt_text_landmarks_and_headings_in_order(
    sites: Sites, viewer: Viewer, scheme: str
) -> None:
    found = {}
    for name, path in each_page(sites):
        problems = a11y.structure_problems(viewer.open(path, scheme=scheme).page)
        if problems:
            found[name] = problems
    assert found == {}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_text_has_enough_contrast_in_both_schemes(
    sites: Sites, viewer: Viewer, scheme: str
) -> None:
    found = {}
    for name, path in each_page(sites):
        problems = a11y.contrast_problems(viewer.open(path, scheme=scheme).page)
        if problems:
            found[name] = problems
    assert found == {}


def test_the_site_follows_the_systems_dark_mode(sites: Sites, viewer: Viewer) -> None:
    for name, path in each_page(sites):
        light_bg, light_fg = a11y.body_luminance(viewer.open(path, scheme="light").page)
        dark_bg, dark_fg = a11y.body_luminance(viewer.open(path, scheme="dark").page)
        assert light_bg > 0.8 and light_fg < 0.1, (name, "light", light_bg, light_fg)
        assert dark_bg < 0.05 and dark_fg > 0.7, (name, "dark", dark_bg, dark_fg)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_tab_walks_the_controls_in_page_order_with_a_visible_focus(
    sites: Sites, viewer: Viewer, scheme: str
) -> None:
    found = {}
    for name, path in each_page(sites):
        walk = a11y.walk_with_tab(viewer.open(path, scheme=scheme).page)
        assert walk.stops > 3 and len(walk.visited) >= min(walk.stops, a11y.TAB_STOPS) - 1, name
        if walk.problems():
            found[name] = walk.problems()
    assert found == {}


def test_the_skip_link_takes_the_keyboard_past_the_menu(sites: Sites, viewer: Viewer) -> None:
    for name, path in each_page(sites):
        page: Page = viewer.open(path).page
        a11y.from_the_top(page)
        page.keyboard.press("Tab")
        first = a11y.focused(page)
        assert first is not None and first["onScreen"] and "Skip" in first["what"], name
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after = a11y.focused(page)
        assert after is not None and after["inMain"], (name, after)


def test_no_page_scrolls_sideways_on_a_320_px_phone(sites: Sites, viewer: Viewer) -> None:
    wide = {}
    for name, path in each_page(sites):
        overflow = a11y.horizontal_overflow(viewer.open(path, width=PHONE).page)
        if overflow:
            wide[name] = overflow
    assert wide == {}


def test_text_is_larger_on_a_4k_screen_and_nothing_scrolls_sideways(
    sites: Sites, viewer: Viewer
) -> None:
    for name, path in each_page(sites):
        desktop = a11y.body_font_px(viewer.open(path, width=DESKTOP).page)
        page = viewer.open(path, width=UHD).page
        assert desktop >= 16 and a11y.body_font_px(page) >= 20, name
        assert a11y.horizontal_overflow(page) == 0, name


def test_screenshots_in_both_schemes_on_a_phone_and_a_desktop(sites: Sites, viewer: Viewer) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    shots = [("main", "home"), ("main", "album"), ("main", "photo"), ("public", "home")]
    for site, name in shots:
        for scheme in SCHEMES:
            for width in (PHONE, DESKTOP):
                visit = viewer.open(sites.pages[site][name], scheme=scheme, width=width)
                shot = SCREENS / f"a11y-{site}-{name}-{scheme}-{width}.png"
                visit.page.screenshot(path=str(shot), full_page=True)
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
                assert not re.search(r"\s", shot.name)
