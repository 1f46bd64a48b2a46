"""The map, a person's page and the about page in the real browser (issue 21), from file://
with nothing from the network: the markers are drawn, grouped when they crowd, a group zooms
in, a lone photo's marker opens its page, the keyboard zooms and pans; screenshots of the
map, a person page and the about page (test-artifacts/screens/)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from flickr_async.site import paths, refresh
from tests.browser import SiteBrowser, Visit, file_path
from tests.sitearchive import Archive

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n"
ANN = {"nsid": "5@N01", "username": "ann", "realname": "Ann Example"}
# Two photos 170 m apart in Zürich (one marker until zoomed far in), one in Kyoto, one in
# Brooklyn, one private (the owner's own site shows it), one with no location.
PLACES = {
    "201": (47.3769, 8.5417, {"country": "Switzerland", "region": "Zurich", "locality": "Zürich"}),
    "202": (47.3780, 8.5400, {"country": "Switzerland", "region": "Zurich", "locality": "Zürich"}),
    "203": (35.0116, 135.7681, {"country": "Japan", "region": "Kyoto Prefecture"}),
    "204": (40.6500, -73.9490, {"country": "United States", "locality": "Brooklyn"}),
    "205": (-33.8570, 151.2150, {"country": "Australia"}),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = Archive(tmp_path_factory.mktemp("map") / "out")
    for pid, (lat, lon, names) in PLACES.items():
        geo = {"latitude": lat, "longitude": lon, "accuracy": 16, "public": True, **names}
        title = "   " if pid == "205" else f"Seen at {pid}"  # blank: its marker still has a name
        archive.add(pid, title=title, geo=geo, people=[ANN] if pid < "203" else [])
        archive.thumbs(pid)
        colour = (40 * int(pid[-1]), 120, 200 - 30 * int(pid[-1]))
        for size, box in (("q", (150, 150)), ("z", (640, 480))):  # real images, for the eye
            buffer = io.BytesIO()
            Image.new("RGB", box, colour).save(buffer, "JPEG")
            (archive.out / paths.thumb(pid, size)).write_bytes(buffer.getvalue())
    archive.add("206", title="Nowhere", people=[ANN])
    archive.write_json("account.json", {"schema": 1, "profile": {
        "nsid": "1@N01", "username": "someone", "realname": "Some One", "location": "Zürich",
        "description": "Photos of <b>lakes</b>"}, "archive": {}})  # fmt: skip
    refresh(archive.out)
    return archive.out


def markers(visit: Visit) -> list[dict[str, str]]:
    found: list[dict[str, str]] = visit.page.eval_on_selector_all(
        "#fa-marks a",
        "els => els.map(a => ({photo: a.getAttribute('data-photo') || '',"
        " count: a.getAttribute('data-count') || '1', label: a.getAttribute('aria-label')}))",
    )
    return found


def open_map(site_browser: SiteBrowser, out: Path, where: str = "") -> Visit:
    visit = site_browser.open_page(out / paths.MAP)
    if where:
        visit.page.evaluate(f"() => {{ location.hash = '{where}'; location.reload(); }}")
        visit.page.wait_for_load_state("load")
    visit.page.wait_for_selector("#fa-marks a", state="attached")
    return visit


def test_the_map_draws_every_geotagged_photo_from_file_with_no_request_leaving(
    site_browser: SiteBrowser, out: Path
) -> None:
    visit = open_map(site_browser, out)
    shown = markers(visit)
    assert sum(int(m["count"]) for m in shown) == len(PLACES)
    assert {"count": "2", "photo": "", "label": "2 photos here: zoom in"} in shown  # Zürich
    assert {"count": "1", "photo": "205", "label": "Untitled"} in shown
    assert visit.left_file_scheme() == []
    assert visit.failed_requests == [] and visit.console_errors == [] and visit.page_errors == []
    drawn = visit.page.eval_on_selector("#fa-map-svg path.land", "p => p.getBBox().width")
    assert drawn > 3000  # the outlines span the world (3600 units)
    site_browser.screenshot(visit, "map")


def test_a_marker_opens_its_photo_page(site_browser: SiteBrowser, out: Path) -> None:
    visit = open_map(site_browser, out)
    visit.page.click('#fa-marks a[data-photo="203"]')
    visit.page.wait_for_url("**/203.html")
    assert file_path(visit.page.url) == (out / paths.photo_page("203")).resolve()
    assert "Seen at 203" in visit.text()
    assert visit.left_file_scheme() == []


def test_a_group_zooms_in_until_its_photos_part(site_browser: SiteBrowser, out: Path) -> None:
    visit = open_map(site_browser, out)
    for _ in range(10):
        group = visit.page.query_selector('#fa-marks a[data-count="2"]')
        if group is None:
            break
        group.click()
    photos = {m["photo"] for m in markers(visit)}
    assert {"201", "202"} <= photos  # apart at last, each its own marker
    status = visit.page.text_content("#fa-map-status") or ""
    assert not status.startswith("Zoom 1 ")


def test_the_keyboard_zooms_and_pans_the_map(site_browser: SiteBrowser, out: Path) -> None:
    visit = open_map(site_browser, out)
    visit.page.focus("#fa-map")
    before = visit.page.get_attribute("#fa-map-svg", "viewBox")
    visit.page.keyboard.press("+")
    assert (visit.page.text_content("#fa-map-status") or "").startswith("Zoom 2 ")
    zoomed = visit.page.get_attribute("#fa-map-svg", "viewBox")
    visit.page.keyboard.press("ArrowLeft")
    assert visit.page.get_attribute("#fa-map-svg", "viewBox") not in (before, zoomed)
    assert file_path(visit.page.url) == (out / paths.MAP).resolve()  # no page was left
    visit.page.keyboard.press("0")
    assert visit.page.get_attribute("#fa-map-svg", "viewBox") == before


def test_a_photo_pages_small_map_opens_the_map_there(site_browser: SiteBrowser, out: Path) -> None:
    visit = site_browser.open_page(out / paths.photo_page("204"))
    visit.page.click("a.minimap")
    visit.page.wait_for_url("**/map.html#*")
    visit.page.wait_for_selector("#fa-marks a", state="attached")
    assert [m["photo"] for m in markers(visit)] == ["204"]  # zoomed in on Brooklyn
    assert visit.left_file_scheme() == [] and visit.page_errors == []


def test_screenshots_of_a_person_page_and_the_about_page(
    site_browser: SiteBrowser, out: Path
) -> None:
    person = site_browser.open_page(out / paths.person_page("5@N01"))
    assert "Ann Example" in person.text() and "Tagged in 3 items" in person.text()
    about = site_browser.open_page(out / paths.ABOUT)
    assert "About Some One" in about.text() and "On the map" in about.text()
    for visit, name in ((person, "person"), (about, "about")):
        assert visit.left_file_scheme() == [] and visit.page_errors == []
        assert site_browser.screenshot(visit, name).read_bytes()[:8] == PNG
