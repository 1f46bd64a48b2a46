"""The markup a keyboard and a screen reader rely on (the browser test, test_site_a11y.py,
checks the pages themselves in chromium)."""

from __future__ import annotations

import re

from flickr_async.site import pages
from flickr_async.site.html import Linker
from flickr_async.site.photopage import notes_overlay

SHELL = pages.Shell(name="Ann", favorites=False, galleries=False, nonce="n0")


def page() -> str:
    return pages.document(SHELL, Linker("album/1.html"), "Trip", "<h1>Trip</h1>")


def test_the_skip_link_is_the_first_thing_in_the_body_and_leads_into_main() -> None:
    html = page()
    body = html[html.index("<body") :]
    first_link = re.search(r"<a [^>]*>", body)
    assert first_link is not None
    assert 'href="#main"' in first_link.group(0) and 'class="skip"' in first_link.group(0)
    assert '<main id="main">' in html


def test_the_menu_and_the_pager_are_landmarks_with_names_of_their_own() -> None:
    html = page() + pages.pager(("a.html", "May"), None, ("b.html", "July"))
    labels = re.findall(r'<nav [^>]*aria-label="([^"]+)"', html)
    assert len(labels) == 2 and len(set(labels)) == 2


def test_a_note_box_that_runs_past_the_picture_stops_at_its_edge() -> None:
    # Flickr's boxes are in 500 px space; this one starts at 400 and is 200 wide.
    html = notes_overlay([{"x": 400, "y": 300, "w": 200, "h": 200, "text": "me"}], 1000, 750)
    style = re.search(r'style="([^"]+)"', html)
    assert style is not None
    assert style.group(1) == "left:80.00%;top:80.00%;width:20.00%;height:20.00%"
    assert '<span class="note-text" dir="auto">me</span>' in html  # read as the box's name
