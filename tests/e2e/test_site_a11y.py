"""The site for everyone (issue 21, item 4): both themes of light, a phone and a 4K screen,
the keyboard and a screen reader, checked in chromium on the site `flickr-async site OUT`
builds and on its public copy (`--public DIR`).

Pages: home, every page at the top of .site/ (search showing results, tags, favourites...),
an album, a photo, a video and a page with warning badges; each is loaded once and looked at
in the light and the dark scheme (chromium told what the system prefers), at 320, 1440 and
3840 px, and with the keyboard. axe-core finds no serious or critical violation; our own
checks (tests/a11y.py) hold too. Screenshots in both schemes at 320 and 1440 px go to
test-artifacts/screens/ (a11y-*.png).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests import a11y
from tests.browser import SCREENS, Visit, page_url, playwright_loop_hidden, watch
from tests.e2e.helpers import FAST, cli_env, run_cli
from tests.e2e.site_facts import plant_hostile_text
from tests.fakeflickr import generate_library, running_fake

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

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
    """Home, every page at the top of .site/ (search, tags, favourites, and whatever page is
    added there), the first album, a photo and a video that are in this site, and a page
    with warning badges, and one with notes over the picture."""
    pages = {"home": site / "index.html"}
    pages.update({p.stem: p for p in sorted((site / ".site").glob("*.html"))})
    albums = sorted((site / ".site" / "album").glob("*.html"))
    if albums:
        pages["album"] = albums[0]
    photo = next((photo_page(site, i) for i in photo_ids if photo_page(site, i).is_file()), None)
    video = next((photo_page(site, i) for i in video_ids if photo_page(site, i).is_file()), None)
    if photo:
        pages["photo"] = photo
    if video:
        pages["video"] = video
    noted = next(
        (
            p
            for p in sorted((site / ".site" / "photo").rglob("*.html"))
            if 'class="note"' in p.read_text()
        ),
        None,
    )
    if noted:
        pages["notes"] = noted
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
    assert {"home", "album", "photo", "video", "notes", "badges", "search"} <= set(
        built.pages["main"]
    )
    assert {"home", "album", "photo", "search"} <= set(built.pages["public"])
    return built


@dataclass
class Look:
    """What the checks found on one page: each scheme, each window width, the keyboard."""

    axe: dict[str, list[str]] = field(default_factory=dict)  # scheme -> violations
    structure: dict[str, list[str]] = field(default_factory=dict)
    contrast: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, tuple[float, float]] = field(default_factory=dict)  # scheme -> luminances
    tab: dict[str, a11y.FocusWalk] = field(default_factory=dict)
    skip: tuple[dict[str, Any] | None, dict[str, Any] | None] = (None, None)
    overflow: dict[int, int] = field(default_factory=dict)  # width -> px scrolled sideways
    font_px: dict[int, float] = field(default_factory=dict)  # width -> body text size
    errors: list[str] = field(default_factory=list)


def open_page(browser: Browser, path: Path) -> tuple[BrowserContext, Visit]:
    """`path` in a context of its own, nothing allowed off file://; search shows results."""
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
    page = context.new_page()
    visit = Visit(page)
    watch(page, visit)
    url = page_url(path) + (f"#q={SEARCH_WORD}" if path.name == "search.html" else "")
    page.goto(url, wait_until="load")
    if path.name == "search.html":
        page.wait_for_function("() => document.querySelectorAll('#fa-results a[href]').length")
    return context, visit


def prefer(page: Page, scheme: str, width: int = DESKTOP) -> None:
    """Tell the page the system prefers `scheme` (as CDP Emulation.setEmulatedMedia does for
    prefers-color-scheme) and resize the window; the page restyles without a reload."""
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.set_viewport_size({"width": width, "height": 900})


def look_at(browser: Browser, path: Path, axe: str | None, shots: str | None) -> Look:
    """Every check on one page, loaded once; screenshots named `shots` when asked."""
    context, visit = open_page(browser, path)
    page, look = visit.page, Look()
    try:
        for scheme in SCHEMES:
            prefer(page, scheme)
            if axe is not None:
                look.axe[scheme] = a11y.axe_violations(page, axe)
            look.structure[scheme] = a11y.structure_problems(page)
            look.contrast[scheme] = a11y.contrast_problems(page)
            look.body[scheme] = a11y.body_luminance(page)
            look.tab[scheme] = a11y.walk_with_tab(page)
            if shots:
                for width in (PHONE, DESKTOP):
                    prefer(page, scheme, width)
                    name = f"a11y-{shots}-{scheme}-{width}.png"
                    page.screenshot(path=str(SCREENS / name), full_page=True)
        prefer(page, "light")
        for width in (PHONE, DESKTOP, UHD):
            prefer(page, "light", width)
            look.overflow[width] = a11y.horizontal_overflow(page)
            look.font_px[width] = a11y.body_font_px(page)
        prefer(page, "light")
        a11y.from_the_top(page)  # last: Enter on the skip link moves the page to #main
        page.keyboard.press("Tab")
        first = a11y.focused(page)
        if shots:  # the skip link, shown while it has the focus
            page.screenshot(path=str(SCREENS / f"a11y-{shots}-focus-light-{DESKTOP}.png"))
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        look.skip = (first, a11y.focused(page))
        look.errors = visit.page_errors + visit.left_file_scheme()
    finally:
        context.close()
    return look


SHOTS = {("main", "home"), ("main", "album"), ("main", "photo"), ("public", "home")}


@pytest.fixture(scope="module")
def looks(sites: Sites, chromium: Browser) -> dict[str, Look]:
    """Each page of both sites, looked at once (site/name -> Look)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    axe = a11y.axe_source()
    return {
        f"{site}/{name}": look_at(
            chromium, path, axe, f"{site}-{name}" if (site, name) in SHOTS else None
        )
        for site, pages in sites.pages.items()
        for name, path in pages.items()
    }


def test_axe_finds_no_serious_or_critical_violation_on_any_page(looks: dict[str, Look]) -> None:
    if a11y.axe_source() is None:
        why = "axe-core-python is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(f"the accessibility test cannot run under CI: {why}", pytrace=False)
        pytest.skip(why)
    found = {f"{n} {s}": v for n, look in looks.items() for s, v in look.axe.items() if v}
    assert found == {}
    assert {n: look.errors for n, look in looks.items() if look.errors} == {}


def test_every_page_has_names_alt_text_landmarks_and_headings_in_order(
    looks: dict[str, Look],
) -> None:
    found = {f"{n} {s}": v for n, look in looks.items() for s, v in look.structure.items() if v}
    assert found == {}


def test_every_text_has_enough_contrast_in_both_schemes(looks: dict[str, Look]) -> None:
    found = {f"{n} {s}": v for n, look in looks.items() for s, v in look.contrast.items() if v}
    assert found == {}


def test_the_site_follows_the_systems_dark_mode(looks: dict[str, Look]) -> None:
    for name, look in looks.items():
        (light_bg, light_fg), (dark_bg, dark_fg) = look.body["light"], look.body["dark"]
        assert light_bg > 0.8 and light_fg < 0.1, (name, "light", light_bg, light_fg)
        assert dark_bg < 0.05 and dark_fg > 0.7, (name, "dark", dark_bg, dark_fg)


def test_tab_walks_the_controls_in_page_order_with_a_visible_focus(
    looks: dict[str, Look],
) -> None:
    found = {}
    for name, look in looks.items():
        for scheme, walk in look.tab.items():
            assert walk.stops > 3, name
            assert len(walk.visited) >= min(walk.stops, a11y.TAB_STOPS) - 1, (name, walk)
            if walk.problems():
                found[f"{name} {scheme}"] = walk.problems()
    assert found == {}


def test_the_skip_link_takes_the_keyboard_past_the_menu(looks: dict[str, Look]) -> None:
    for name, look in looks.items():
        first, after = look.skip
        assert first is not None and first["onScreen"] and "Skip" in first["what"], name
        assert after is not None and after["inMain"], (name, after)


def test_no_page_scrolls_sideways_on_a_320_px_phone(looks: dict[str, Look]) -> None:
    wide = {name: look.overflow[PHONE] for name, look in looks.items() if look.overflow[PHONE]}
    assert wide == {}


def test_text_is_larger_on_a_4k_screen_and_nothing_scrolls_sideways(
    looks: dict[str, Look],
) -> None:
    for name, look in looks.items():
        assert look.font_px[DESKTOP] >= 16 and look.font_px[UHD] >= 20, (name, look.font_px)
        assert look.overflow[UHD] == 0 and look.overflow[DESKTOP] == 0, name


def test_screenshots_in_both_schemes_on_a_phone_and_a_desktop(looks: dict[str, Look]) -> None:
    for site, name in SHOTS:
        assert f"{site}/{name}" in looks
        for scheme in SCHEMES:
            for width in (PHONE, DESKTOP):
                shot = SCREENS / f"a11y-{site}-{name}-{scheme}-{width}.png"
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (SCREENS / f"a11y-{site}-{name}-focus-light-{DESKTOP}.png").is_file()
