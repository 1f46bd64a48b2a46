"""The map, places, people, groups, about and --extras pages: the data they are made from, the
grid clustering, incremental writing, and what the public copy leaves out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flickr_async.errors import ConfigError
from flickr_async.site import paths, refresh
from flickr_async.site.accountpages import people_of
from flickr_async.site.cache import SiteCache
from flickr_async.site.geo import cluster, map_entry, place_tree, places, project
from flickr_async.site.model import Item, facts, location, place_names, summarize
from flickr_async.state import State
from tests.sitearchive import Archive, sidecar_doc
from tests.unit.test_site_build import rewritten, snapshot

PRIVATE = {"public": False, "friends": False, "family": False}
ZURICH = {"country": "Switzerland", "region": "Zurich", "locality": "Zürich"}


def geo(lat: float, lon: float, public: bool | None = True, **names: str) -> dict[str, object]:
    doc: dict[str, object] = {"latitude": lat, "longitude": lon, "accuracy": 16, **names}
    if public is not None:
        doc["public"] = public
    return doc


def item(photo_id: str, **fields: object) -> Item:
    summary = summarize(sidecar_doc(photo_id, **fields))
    return Item(photo_id, summary, 1, "done", "", f"x/{photo_id}.jpg", sort_key=summary.sort_key)


def cached(tmp_path: Path, docs: dict[str, dict[str, object]]) -> SiteCache:
    """A site cache that read these sidecars (as load_items puts them)."""
    cache = SiteCache(tmp_path / "cache.sqlite3")
    cache.put_summaries((pid, 1, summarize(doc), "", facts(doc)) for pid, doc in docs.items())
    return cache


def map_points(out: Path) -> list[list[object]]:
    text = (out / paths.MAP_DATA).read_text("utf-8")
    return list(json.loads(text[text.index("{") : text.rindex("}") + 1])["points"])


# --- pure: reading and grouping -----------------------------------------------------------


def test_a_location_is_read_only_from_numbers_in_range_and_never_flickrs_zero() -> None:
    assert location(geo(47.37, 8.54)) == (47.37, 8.54)
    assert location(geo(0, 0)) is None  # Flickr's "no location"
    assert location(geo(91, 8)) is None
    assert location({"latitude": True, "longitude": 8}) is None
    assert location({"latitude": "47", "longitude": 8}) is None
    assert location(None) is None
    assert place_names(geo(1, 2, **ZURICH)) == ("Switzerland", "Zurich", "Zürich")
    assert place_names(geo(1, 2)) == ()


def test_the_projection_puts_the_world_in_a_3600_by_1800_box() -> None:
    assert project(90, -180) == (0, 0)
    assert project(-90, 180) == (3600, 1800)
    assert project(0, 0) == (1800, 900)


def test_the_public_map_shows_only_locations_flickr_shows_to_everyone(tmp_path: Path) -> None:
    cache = cached(tmp_path, {
        "1": sidecar_doc("1", geo=geo(47.0, 8.0, public=True, **ZURICH)),
        "2": sidecar_doc("2", geo=geo(48.0, 9.0, public=False)),
        "3": sidecar_doc("3", geo=geo(49.0, 9.0, public=None)),  # not recorded: not shown
        "4": sidecar_doc("4"),
    })  # fmt: skip
    assert [row[0] for row in cache.located()] == ["1", "2", "3"]
    assert list(cache.located(public_only=True)) == [
        ("1", 47.0, 8.0, "Switzerland\x1fZurich\x1fZürich")
    ]
    cache.close()
    assert map_entry(item("1"), 47.123456789, 8.0) == ["1", 47.12346, 8.0, "Photo 1"]


def test_grid_clustering_groups_close_photos_until_zoomed_in() -> None:
    zurich, zurich_too = project(47.3769, 8.5417), project(47.3780, 8.5400)  # 170 m apart
    tokyo = project(35.68, 139.69)
    points = [zurich, tokyo, zurich_too]
    assert cluster(points, zoom=0) == [[0, 2], [1]]
    assert cluster(points, zoom=9) == [[0, 2], [1]]  # 44 px are 3.4 km there: still one
    assert cluster(points, zoom=14) == [[0], [1], [2]]  # 44 px are 100 m at the closest
    far = [project(47.0, 8.0), project(47.0, 9.0)]
    assert cluster(far, zoom=0) == [[0, 1]]
    assert cluster(far, zoom=4) == [[0], [1]]


def test_places_nest_country_region_locality_with_counts() -> None:
    a, b, c = item("1"), item("2"), item("3")
    found = places([
        (a, 47.3, 8.5, ("Switzerland", "Zurich", "Zürich")),
        (b, 47.4, 8.6, ("Switzerland", "Zurich", "")),
        (c, 35.0, 135.7, ("Japan", "", "")),
    ])  # fmt: skip
    assert found[("Switzerland",)] == [a, b]
    assert found[("Switzerland", "Zurich", "Zürich")] == [a]
    tree = place_tree(found)
    assert [(key, n) for key, n, _ in tree] == [(("Japan",), 1), (("Switzerland",), 2)]
    assert tree[1][2][0][2] == [(("Switzerland", "Zurich", "Zürich"), 1, [])]
    brooklyn = item("4")  # a locality in no region: listed under its country
    tree = place_tree(places([(brooklyn, 40.6, -73.9, ("United States", "", "Brooklyn"))]))
    assert tree == [(("United States",), 1, [(("United States", "", "Brooklyn"), 1, [])])]


def test_people_are_keyed_by_nsid_and_named_by_their_real_name() -> None:
    ann = {"nsid": "5@N01", "username": "ann", "realname": "Ann Example"}
    stray = {"nsid": "", "username": "", "realname": "No Account"}
    one, two = item("1"), item("2")
    people = people_of([
        (one, facts(sidecar_doc("1", people=[ann, stray])).people),
        (two, facts(sidecar_doc("2", people=[ann])).people),
    ])  # fmt: skip
    assert people["5@N01"].name == "Ann Example" and people["5@N01"].items == [one, two]
    assert people["name:No Account"].items == [one]


def test_only_the_cache_keeps_where_people_groups_and_level_items_hold_none(
    tmp_path: Path,
) -> None:
    doc = sidecar_doc(
        "1", geo=geo(47.3, 8.5, **ZURICH), metadata_level="export",
        people=[{"nsid": "5@N01", "username": "ann", "realname": "Ann\x1fX"}],
        export={"groups": [{"name": "G", "url": "https://www.flickr.com/groups/g1/"}]},
    )  # fmt: skip
    found = facts(doc)
    assert found.people == (("5@N01", "Ann X"),)  # the cache's separators never in a name
    assert found.groups == ("https://www.flickr.com/groups/g1",)
    assert found.level == "export" and found.where is not None and found.where.public
    cache = cached(tmp_path, {"1": doc, "2": sidecar_doc("2")})
    assert [it.summary for it in cache.seen()] == [summarize(doc), summarize(sidecar_doc("2"))]
    assert list(cache.located()) == [("1", 47.3, 8.5, "Switzerland\x1fZurich\x1fZürich")]
    assert list(cache.tagged()) == [("1", found.people)]
    assert list(cache.grouped()) == [("1", found.groups)]
    assert dict(cache.levels()) == {"1": "export", "2": "deep"}
    cache.close()


# --- the build ------------------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    a = Archive(tmp_path / "out")
    ann = {"nsid": "5@N01", "username": "ann", "realname": "Ann Example"}
    a.add("101", title="Lake", geo=geo(47.3769, 8.5417, **ZURICH), people=[ann],
          export={"groups": [{"name": "Lakes", "url": "https://www.flickr.com/groups/lakes/"}]},
          metadata_level="export")  # fmt: skip
    a.add("102", title="Old town", geo=geo(47.3780, 8.5400, public=False, **ZURICH))
    a.add("103", title="Temple", geo=geo(35.0116, 135.7681, country="Japan"), people=[ann])
    a.add("104", title="Home", visibility=PRIVATE, geo=geo(51.5, -0.12, country="Secretland"),
          people=[{"nsid": "9@N09", "username": "hushperson", "realname": ""}])  # fmt: skip
    a.add("105", title="No location", download={"original": False, "size_label": "Large"})
    a.write_json("groups.json", {"schema": 1, "groups": [
        {"id": "77@N01", "name": "Lakes", "url": "https://www.flickr.com/groups/lakes/",
         "admin": False, "members": 12, "pool_count": 40},
    ]})  # fmt: skip
    a.write_json("account.json", {"schema": 1, "profile": {
        "nsid": "1@N01", "username": "someone", "realname": "Some One", "location": "Zürich",
        "photo_count": 7, "is_pro": True}, "archive": {}})  # fmt: skip
    return a


def test_the_map_data_holds_every_geotagged_photo_and_is_rewritten_only_when_one_moves(
    archive: Archive,
) -> None:
    out = archive.out
    refresh(out)
    points = map_points(out)
    assert sorted(p[0] for p in points) == ["101", "102", "103", "104"]
    assert ["101", 47.3769, 8.5417, "Lake"] in points
    page = (out / paths.MAP).read_text("utf-8")
    assert "4 photos with a location" in page and 'd="M' in page  # the outlines, inline
    before = snapshot(out)
    refresh(out)
    assert rewritten(before, snapshot(out), out) == set()
    archive.touch_sidecar(out / "Unsorted" / "105.jpg.json", geo=geo(10.5, 20.5))
    refresh(out)
    assert ["105", 10.5, 20.5, "No location"] in map_points(out)
    assert paths.MAP_DATA in rewritten(before, snapshot(out), out)


def test_photo_pages_link_their_places_and_people_and_show_a_small_map(archive: Archive) -> None:
    out = archive.out
    refresh(out)
    page = (out / ".site/photo/01/101.html").read_text("utf-8")
    assert 'class="minimap" href="../../map.html#47.37690,8.54170,6"' in page
    for names in (("Switzerland",), ("Switzerland", "Zurich", "Zürich")):
        assert paths.place_page(names).removeprefix(".site/") in page
    assert paths.person_page("5@N01").removeprefix(".site/") in page
    here = (out / paths.place_page(("Switzerland",))).read_text("utf-8")
    assert "Photos here: <span" in here and "2 items" in here
    assert "101.html" in here and "102.html" in here
    none = (out / ".site/photo/05/105.html").read_text("utf-8")
    assert "minimap" not in none


def test_people_groups_and_about_pages(archive: Archive) -> None:
    out = archive.out
    state = State.open(out)
    run = state.start_run()
    state.finish_run(run, "complete", {})
    state.close()
    refresh(out)
    person = (out / paths.person_page("5@N01")).read_text("utf-8")
    assert "Ann Example" in person and "Tagged in 2 items" in person
    assert "people/5@N01/" in person  # On Flickr
    assert "Ann Example" in (out / paths.PEOPLE).read_text("utf-8")
    groups = (out / paths.GROUPS).read_text("utf-8")
    assert "Lakes" in groups and "1 photo of this archive there" in groups
    assert "101.html" in groups and "103.html" not in groups
    about = (out / paths.ABOUT).read_text("utf-8")
    for fact in ("Some One", "Zürich", "Photos on Flickr", "Last sync", "(complete)",
                 "1 item at export", "4 items at deep", "Not original (1)", "105.html",
                 "<dt>Taken</dt><dd>2019-06-15</dd>"):  # fmt: skip
        assert fact in about, fact
    for page in (paths.MAP, paths.PEOPLE, paths.GROUPS, paths.ABOUT):
        assert page.removeprefix(".site/") in (out / paths.TAGS).read_text("utf-8")


def test_the_public_copy_has_no_hidden_location_person_group_or_private_count(
    archive: Archive, tmp_path: Path
) -> None:
    dest = tmp_path / "www"
    refresh(archive.out, public=dest)
    site = dest / ".site"
    pages = {p.relative_to(dest).as_posix(): p.read_text("utf-8") for p in site.rglob("*.html")}
    data = "\n".join(pages.values()) + (dest / paths.MAP_DATA).read_text("utf-8")
    for secret in ("47.378", "Secretland", "51.5", "hushperson", "9@N09",
                   "Lakes", "Photos on Flickr", "Last sync", "Not original",
                   "<dt>Location"):  # fmt: skip
        assert secret not in data, secret
    assert sorted(p[0] for p in map_points(dest)) == ["101", "103"]
    assert not (dest / paths.GROUPS).exists()
    hidden_geo = pages[".site/photo/02/102.html"]  # shown, but not where it was taken
    assert "minimap" not in hidden_geo and "Zürich" not in hidden_geo
    assert "Ann Example" in (dest / paths.person_page("5@N01")).read_text("utf-8")
    here = (dest / paths.place_page(("Switzerland",))).read_text("utf-8")
    assert "1 item" in here and "101.html" in here and "102.html" not in here


def test_extras_are_shown_only_when_asked_and_never_with_public(
    archive: Archive, tmp_path: Path
) -> None:
    out = archive.out
    folder = out / "flickr-export"
    folder.mkdir()
    mail = {"received_flickrmail": [{"from": "Bob", "subject": "<script>alert(1)</script>hi"}]}
    (folder / "received_flickrmail_part001.json").write_text(json.dumps(mail), "utf-8")
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text('{"secret": "not the export"}', "utf-8")
    (folder / "linked.json").symlink_to(elsewhere)
    refresh(out)
    page = out / paths.extras_page("received_flickrmail_part001")
    assert not page.exists()
    refresh(out, extras=True)
    text = page.read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;hi" in text and "<script>alert" not in text
    assert "received_flickrmail_part001.json" in (out / paths.ABOUT).read_text("utf-8")
    assert not (out / paths.extras_page("linked")).exists()
    refresh(out)  # a build without --extras removes them
    assert not page.exists()
    with pytest.raises(ConfigError, match="--extras"):
        refresh(out, public=tmp_path / "www", extras=True)
    assert not (tmp_path / "www").exists()


def test_a_summary_made_from_a_state_row_alone_has_no_location_or_people() -> None:
    """Summaries made from a state row alone (no sidecar) carry no location or people."""
    bare = facts({})
    assert bare.where is None and bare.people == () and bare.groups == () and bare.level == ""


def test_place_names_without_a_location_link_nowhere(tmp_path: Path) -> None:
    """Flickr's (0, 0) "no location" with names: the names show as text, no page is linked."""
    archive = Archive(tmp_path / "out")
    archive.add("301", geo={"latitude": 0, "longitude": 0, "accuracy": 0, "country": "Nowhere"})
    archive.add("302", geo={**geo(47.3, 8.5, **ZURICH), "neighbourhood": "Altstadt"})
    refresh(archive.out)
    page = (archive.out / ".site/photo/01/301.html").read_text("utf-8")
    assert "Nowhere" in page and "place/" not in page
    assert not (archive.out / paths.place_page(("Nowhere",))).exists()
    located = (archive.out / ".site/photo/02/302.html").read_text("utf-8")
    assert "Altstadt, <a href" in located
