"""A small hand-made static site with the shape issue 11 fixes (OUT/index.html, the rest in
OUT/.site/, originals in album folders with awkward names), so the browser tests and their
harness can be checked before the real generator exists. It is not a model of the generator:
only of what the tests may assume (see site_facts)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from tests.e2e.site_facts import (
    HOSTILE_ALBUM_TITLE,
    HOSTILE_DESCRIPTION,
    HOSTILE_TITLE,
    SEARCH_DESCRIPTION,
    SiteFacts,
)

FOLDER = "Holidays #1 ? 100% 🌅"  # every character a relative link must encode
ALBUMS = {
    "72157000000000001": ("Holidays #1 🌅", ["52000000001", "52000000002", "52000000003"]),
    "72157000000000002": (HOSTILE_ALBUM_TITLE, ["52000000004", "52000000005"]),
}
TITLES = {
    "52000000001": "Sunset über Zürich",
    "52000000002": HOSTILE_TITLE,
    "52000000003": "A short film",
    "52000000004": "שלום (RTL)",
    "52000000005": "Harbour",
}
DESCRIPTIONS = {"52000000002": HOSTILE_DESCRIPTION, "52000000005": SEARCH_DESCRIPTION}
VIDEOS = {"52000000003"}

SCRIPT = """(function () {
  document.addEventListener('keydown', function (e) {
    if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    var rel = {ArrowLeft: 'prev', ArrowRight: 'next', Escape: 'up'}[e.key];
    var link = rel && document.querySelector('a[rel~="' + rel + '"]');
    if (link) window.location.href = link.href;
  });
  var box = document.querySelector('input[type=search]');
  var results = document.getElementById('results');
  if (!box || !results || !window.FIXTURE_SEARCH) return;
  box.addEventListener('input', function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    results.textContent = '';
    if (!words.length) return;
    window.FIXTURE_SEARCH.forEach(function (item) {
      var text = item.text.toLowerCase();
      if (!words.every(function (w) { return text.indexOf(w) >= 0; })) return;
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = item.href;
      a.textContent = item.title || '(untitled)';
      li.appendChild(a);
      results.appendChild(li);
    });
  });
})();
"""
STYLE = "body{font-family:sans-serif;margin:1em}img{max-width:100%;height:auto}li{margin:.2em}\n"


def _page(title: str, up: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<link rel="stylesheet" href="{up}site.css"></head><body>{body}'
        f'<script src="{up}site.js"></script></body></html>\n'
    )


def _image(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, "JPEG")


def _photo_page(album_id: str, position: int) -> str:
    album_title, ids = ALBUMS[album_id]
    pid = ids[position]
    original = f"../../{quote(FOLDER)}/{pid}.{'mp4' if pid in VIDEOS else 'jpg'}"
    if pid in VIDEOS:
        media = (
            f'<video controls width="640" height="360" poster="../thumbs/{pid}_z.jpg">'
            f'<source src="{original}" type="video/mp4"></video>'
        )
    else:
        media = f'<img src="../thumbs/{pid}_z.jpg" width="640" height="480" alt="">'
    nav = [f'<a rel="up" href="../albums/{album_id}.html">{html.escape(album_title)}</a>']
    if position > 0:
        nav.append(f'<a rel="prev" href="{ids[position - 1]}.html">← previous</a>')
    if position + 1 < len(ids):
        nav.append(f'<a rel="next" href="{ids[position + 1]}.html">next →</a>')
    body = (
        f'<p><a href="../../index.html">Home</a></p><h1>{html.escape(TITLES[pid])}</h1>{media}'
        f"<p>{html.escape(DESCRIPTIONS.get(pid, ''))}</p>"
        f'<p><a href="{original}">original file</a> · '
        f'<a href="https://www.flickr.com/photos/fake/{pid}/">on Flickr</a></p>'
        f"<nav>{' · '.join(nav)}</nav>"
    )
    return _page(TITLES[pid], "../", body)


def write_fixture_site(out: Path) -> SiteFacts:
    """Write the site (and its archive's originals) under `out`; what the tests may know."""
    site = out / ".site"
    for folder in ("albums", "photos", "data"):
        (site / folder).mkdir(parents=True, exist_ok=True)
    (site / "site.js").write_text(SCRIPT, "utf-8")
    (site / "site.css").write_text(STYLE, "utf-8")
    search = [
        {"title": t, "text": f"{t} {DESCRIPTIONS.get(i, '')}", "href": f".site/photos/{i}.html"}
        for i, t in TITLES.items()
    ]
    data = json.dumps(search, ensure_ascii=False).replace("</", "<\\/")
    (site / "data" / "search.js").write_text(f"window.FIXTURE_SEARCH = {data};\n", "utf-8")
    for n, pid in enumerate(TITLES):
        colour = (40 * n, 120, 200 - 30 * n)
        _image(site / "thumbs" / f"{pid}_q.jpg", (75, 75), colour)
        _image(site / "thumbs" / f"{pid}_z.jpg", (640, 480), colour)
        if pid in VIDEOS:  # a container's first box, as the fake serves: not decodable
            (out / FOLDER).mkdir(parents=True, exist_ok=True)
            (out / FOLDER / f"{pid}.mp4").write_bytes(b"\0\0\0\x18ftypisom\0\0\2\0isomavc1")
        else:
            _image(out / FOLDER / f"{pid}.jpg", (1024, 768), colour)
    grid = []
    for album_id, (title, ids) in ALBUMS.items():
        rows = "".join(
            f'<li><a href="../photos/{i}.html"><img src="../thumbs/{i}_q.jpg" width="75" '
            f'height="75" loading="lazy" alt="">{html.escape(TITLES[i])}</a></li>'
            for i in ids
        )
        body = f'<p><a href="../../index.html">Home</a></p><h1>{html.escape(title)}</h1>'
        (site / "albums" / f"{album_id}.html").write_text(
            _page(title, "../", f"{body}<ul>{rows}</ul>"), "utf-8"
        )
        for position in range(len(ids)):
            (site / "photos" / f"{ids[position]}.html").write_text(
                _photo_page(album_id, position), "utf-8"
            )
        grid.append(
            f'<li><a href=".site/albums/{album_id}.html"><img src=".site/thumbs/{ids[0]}_q.jpg" '
            f'width="75" height="75" alt="">{html.escape(title)}</a></li>'
        )
    stream = "".join(
        f'<li><a href=".site/photos/{i}.html">{html.escape(t)}</a></li>' for i, t in TITLES.items()
    )
    index = (
        '<h1>fake-owner’s photos</h1><input type="search" placeholder="Search" aria-label='
        f'"Search"><ul id="results"></ul><h2>Albums</h2><ul>{"".join(grid)}</ul>'
        f"<h2>Photostream</h2><ul>{stream}</ul>"
        '<script src=".site/data/search.js"></script>'
    )
    (out / "index.html").write_text(_page("Photos", ".site/", index), "utf-8")
    return SiteFacts(
        kind="fixture",
        out=out,
        album_ids=list(ALBUMS),
        album_titles={i: t for i, (t, _) in ALBUMS.items()},
        titles=dict(TITLES),
        video_ids=sorted(VIDEOS),
        hostile_titles={"52000000002": HOSTILE_TITLE},
        search_photo_id="52000000005",
    )
