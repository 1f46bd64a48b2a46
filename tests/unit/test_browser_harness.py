"""The browser harness (tests/browser.py) sees what it claims to: a page that breaks every rule
is reported on every count, and a clean one on none."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import SiteBrowser

pytestmark = pytest.mark.browser

BAD = """<!doctype html><meta charset="utf-8"><title>bad</title>
<a href="missing.html">gone</a>
<a href="a b.html">raw space</a>
<a href="/etc/passwd">absolute</a>
<a href="../../outside.html">escapes the archive</a>
<a href="javascript:alert(1)">js link</a>
<a href="https://www.flickr.com/photos/x/1/">a link to Flickr is fine</a>
<img src="https://example.com/pixel.png" alt="">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
<script>console.error("logged"); alert("ran");</script>
<script>throw new Error("boom");</script>
<a href="ok.html">ok</a>
"""
OK = '<!doctype html><meta charset="utf-8"><title>ok</title><p>fine <a href="index.html">home</a>'


@pytest.fixture
def bad_site(tmp_path: Path) -> Path:
    root = tmp_path / "deep" / "out"
    root.mkdir(parents=True)
    (tmp_path / "deep" / "outside.html").write_text(OK)
    (root / "a b.html").write_text(OK)
    (root / "ok.html").write_text(OK)
    (root / "index.html").write_text(BAD)
    return root / "index.html"


def test_crawl_reports_every_kind_of_problem_on_a_bad_page(
    site_browser: SiteBrowser, bad_site: Path
) -> None:
    report = site_browser.crawl(bad_site)
    problems = report.problems()
    assert [p.split("=")[1] for p in problems["broken"]] == ["'missing.html'>"]
    assert "'a b.html'" in problems["not_encoded"][0]
    assert "'/etc/passwd'" in problems["not_relative"][0]
    assert "outside.html" in problems["outside_archive"][0]
    assert "javascript:alert(1)" in problems["unsafe_links"][0]
    assert len(problems["external_loads"]) == 2  # https: and data: images alike
    assert any("example.com/pixel.png" in r for r in problems["external_requests"])
    assert any("logged" in e for e in problems["console_errors"])
    assert any("boom" in e for e in problems["page_errors"])
    assert problems["dialogs"] == ["index.html: alert: ran"]
    assert sorted(report.name(p) for p in report.pages) == ["a b.html", "index.html", "ok.html"]


def test_crawl_of_a_clean_page_reports_nothing(site_browser: SiteBrowser, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(OK)
    report = site_browser.crawl(tmp_path / "index.html")
    assert report.problems() == {}
    assert report.texts[(tmp_path / "index.html").resolve()] == "fine home"


def test_crawl_stops_at_max_pages_and_says_so(site_browser: SiteBrowser, tmp_path: Path) -> None:
    for n in range(5):
        (tmp_path / f"{n}.html").write_text(f'<a href="{n + 1}.html">next</a>')
    (tmp_path / "5.html").write_text("end")
    report = site_browser.crawl(tmp_path / "0.html", max_pages=3)
    assert report.truncated
    assert "truncated" in report.problems()


def test_a_page_without_javascript_runs_no_script(
    site_browser: SiteBrowser, tmp_path: Path
) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<p id=t>static</p><script>document.getElementById('t').textContent='js'</script>"
    )
    assert site_browser.open_page(page, javascript=False).text() == "static"
    assert site_browser.open_page(page).text() == "js"
