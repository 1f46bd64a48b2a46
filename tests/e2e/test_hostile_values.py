"""A hostile Flickr (hostile_values.py) sends odd values and terminal escapes, and the archive
holds private photos: each odd value is a failed field or item, never a failed run, a dirty
terminal or log, and nothing the site links or anyone else can read names a private original."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

from flickr_async.errors import EXIT_FAILED
from flickr_async.layout import SITE_DIR, STATE_DIR
from flickr_async.site import paths
from tests import exiftool
from tests.e2e.helpers import FAST, ROOT, media_files, run_cli, sidecar
from tests.fakeflickr import FakeFlickr, Library
from tests.fakeflickr.hostile_values import (
    CONTROLS,
    HUGE_DIGITS,
    MONTH_13,
    OSC_TITLE,
    OVERFLOW,
    SURROGATE,
    raw_number,
)

# Every C0 control but newline, DEL, and the C1 controls: what a terminal obeys.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
ESCAPE = re.compile("[\x1b\x7f-\x9f]")  # what starts a sequence: ESC, and the C1 controls


def archived_ids(out: Path) -> set[str]:
    return {p.stem for p in media_files(out)}


def all_ids(library: Library) -> set[str]:
    return {p.id for p in library.photos}


def primary(out: Path, photo_id: str) -> Path:
    return next(p for p in media_files(out) if p.stem == photo_id)


def photo_page(out: Path, photo_id: str) -> Path:
    return out / paths.photo_page(photo_id)


# --- odd values ----------------------------------------------------------------------------


def test_numbers_that_overflow_are_unknown_fields_and_every_photo_is_archived(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim, other = library.photos[0].id, library.photos[1].id
    fake.hostile.photo(victim, dateupload=OVERFLOW, lastupdate=OVERFLOW, views="-1e999")
    fake.hostile.photo(other, dateupload=10**40, latitude=OVERFLOW, longitude="nan")
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stderr
    assert archived_ids(out) == all_ids(library)
    doc = sidecar(primary(out, victim))
    assert (doc["date_posted"], doc["date_updated"], doc["views"]) == (0, 0, None)
    assert sidecar(primary(out, other))["geo"] is None
    assert run_cli(env, "backup", str(out), *FAST).code == 0  # and the next run too


def test_a_number_of_5000_digits_is_one_unknown_field_not_an_unreadable_listing(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = library.photos[0].id
    fake.hostile.photo(victim, dateupload=raw_number(HUGE_DIGITS), views=raw_number("1e99999"))
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stdout
    assert archived_ids(out) == all_ids(library)
    doc = sidecar(primary(out, victim))
    assert (doc["date_posted"], doc["views"]) == (0, None)


def test_a_lone_surrogate_in_titles_is_replaced_and_every_photo_is_archived(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    album = library.albums[0]
    fake.hostile.album(album.id, title=f"Caf{SURROGATE}")
    photo_id = album.photo_ids[0]
    fake.hostile.photo(photo_id, title=f"x{SURROGATE}y", description=f"<b>{SURROGATE}</b>")
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stderr
    assert archived_ids(out) == all_ids(library)
    assert (out / "Caf\ufffd").is_dir()
    assert sidecar(out / "Caf\ufffd" / primary(out, photo_id).name)["title"] == "x\ufffdy"
    albums = json.loads((out / "albums.json").read_text("utf-8"))
    assert "Caf\ufffd" in json.dumps(albums, ensure_ascii=False)


def test_a_date_taken_in_month_13_is_unknown_and_the_site_is_refreshed(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    victim = library.photos[0].id
    fake.hostile.photo(victim, datetaken=MONTH_13)
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == 0, result.stderr
    assert "not refreshed" not in result.stderr
    assert archived_ids(out) == all_ids(library)
    assert sidecar(primary(out, victim))["date_taken"] is None
    assert not (out / SITE_DIR / "stream" / "2019-13.html").exists()


def test_the_site_of_a_sidecar_saying_month_13_is_built_with_the_photo_undated(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    # a sidecar from before the fix (or edited by hand) says month 13
    path = primary(out, library.photos[0].id)
    doc = sidecar(path)
    doc["date_taken"], doc["date_taken_unknown"] = MONTH_13, False
    path.with_name(path.name + ".json").write_text(json.dumps(doc), "utf-8")
    result = run_cli(env, "site", str(out), "--full")
    assert (result.code, result.stderr) == (0, "")
    assert not (out / SITE_DIR / "stream" / "2019-13.html").exists()
    assert photo_page(out, library.photos[0].id).is_file()


def test_a_sidecar_with_a_lone_surrogate_is_shown_with_a_replacement_character(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    photo_id = library.photos[0].id
    path = primary(out, photo_id)
    doc = sidecar(path)
    doc["title"], doc["tags"] = f"x{SURROGATE}y", [f"t{SURROGATE}"]
    # as another tool writes it: ASCII JSON, the surrogate as an escape
    path.with_name(path.name + ".json").write_text(json.dumps(doc, ensure_ascii=True), "ascii")
    result = run_cli(env, "site", str(out), "--full")
    assert (result.code, result.stderr) == (0, "")
    assert "x\ufffdy" in photo_page(out, photo_id).read_text("utf-8")


def test_a_sidecar_no_page_can_show_is_left_out_of_its_page_and_reported(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    photo_id = next(p.id for p in library.photos if not p.is_video)
    path = primary(out, photo_id)
    doc = sidecar(path)
    doc["notes"] = [{"x": 10**400, "y": 1, "w": 1, "h": 1, "text": "a note off any screen"}]
    path.with_name(path.name + ".json").write_text(json.dumps(doc), "utf-8")
    result = run_cli(env, "site", str(out), "--full")
    assert result.code == 0, result.stderr
    assert f"photo {photo_id}: its page leaves out its sidecar" in result.stderr
    assert result.stderr.count("\n") == 1
    assert photo_page(out, photo_id).is_file()


# --- clean terminals -----------------------------------------------------------------------


def test_no_control_character_reaches_the_terminal_or_the_log_files(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    bad_id, titled, failing = (p.id for p in library.photos[:3])
    fake.hostile.photo(bad_id, id=f"1{OSC_TITLE}")
    fake.hostile.photo(titled, title=f"t{CONTROLS}")
    fake.hostile.album(library.albums[0].id, title=f"a{CONTROLS}")
    fake.faults.fail_method_for_photo("flickr.photos.getInfo", failing, code=9999)
    fake.hostile.error_message("flickr.photos.getInfo", f"oops{CONTROLS}\nsecond line")
    proc = subprocess.run(
        [sys.executable, "-m", "flickr_async", "backup", str(out), *FAST],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=300,
        check=False,
    )
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 1, stderr  # the photo whose id is a terminal escape failed
    assert "]0;pwned" in stdout, stdout  # ... and says so, harmlessly
    assert "oops\ufffd" in stdout + stderr  # Flickr's message is shown, defused
    assert archived_ids(out) == all_ids(library) - {bad_id}
    logs = [p.read_text("utf-8") for p in (out / STATE_DIR / "logs").iterdir()]
    for name, text in (("stdout", stdout), ("stderr", stderr), *(("log", t) for t in logs)):
        assert CONTROL.findall(text) == [], name
    # a one-line error stays one line, in the summary as in the log
    assert not any(line.startswith("second line") for line in stdout.splitlines())
    assert not any(line.startswith("second line") for log in logs for line in log.splitlines())
    status = run_cli(env, "status", str(out))
    assert CONTROL.findall(status.stdout + status.stderr) == []
    # nor through a photo manager's tool: the embedded title and description are clean
    photo = primary(out, titled)
    embedded = exiftool.read(
        [photo, photo.with_name(photo.name + ".xmp")], "-Title", "-Description"
    )
    for item in embedded.values():
        assert item.get("Title", "").startswith("t]0;pwned")
        texts = [v for v in item.values() if isinstance(v, str)]
        assert [ESCAPE.findall(t) for t in texts] == [[] for _ in texts]


def test_an_account_name_with_escapes_is_printed_harmlessly(
    fake: FakeFlickr, library: Library, env: dict[str, str]
) -> None:
    library.owner = dataclasses.replace(
        library.owner, username=f"me{CONTROLS}", realname=f"Me{OSC_TITLE}"
    )
    result = run_cli(env, "whoami")
    assert result.code == 0, result.stderr
    assert "username: me\ufffd]0;pwned" in result.stdout
    assert "fullname: Me\ufffd]0;pwned\ufffd" in result.stdout
    assert CONTROL.findall(result.stdout + result.stderr) == []


def test_a_fatal_flickr_error_is_one_clean_line(
    fake: FakeFlickr, env: dict[str, str], out: Path
) -> None:
    fake.faults.stat_fail(
        code=1234, times=None, method="flickr.test.login", message=f"no{CONTROLS}\nmore"
    )
    result = run_cli(env, "backup", str(out), *FAST)
    assert result.code == EXIT_FAILED
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: flickr.test.login: Flickr error 1234: no\ufffd")
    assert CONTROL.findall(result.stdout + result.stderr) == []


# --- private stays private -----------------------------------------------------------------


def _private(library: Library) -> list[str]:
    return [p.id for p in library.photos if not p.ispublic and p.can_download]


def _linked_local_files(page: Path) -> list[Path]:
    html = page.read_text("utf-8")
    hrefs = re.findall(r'href="([^"#?]+)', html)
    return [
        (page.parent / unquote(h)).resolve()
        for h in hrefs
        if "://" not in h and h.endswith(".json")
    ]


def test_a_private_photos_page_links_a_sidecar_without_its_secret_url(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    private = _private(library)
    assert private
    for photo_id in private:
        secret = library.photo(photo_id).originalsecret
        page = photo_page(out, photo_id)
        [linked] = _linked_local_files(page)  # "Everything Flickr said (JSON)" is kept
        assert secret not in linked.read_text("utf-8")
        assert sidecar(primary(out, photo_id))["download"]["url"] is None
        # nor a digest of the secret: 10 hex digits are found again by trying them all
        assert sidecar(primary(out, photo_id))["file"]["original"] is None
        # nothing else in OUT outside the tool's own folder names it either
        for path in out.rglob("*"):
            if path.is_file() and STATE_DIR not in path.parts:
                assert secret.encode() not in path.read_bytes(), path
    public = next(p.id for p in library.photos if p.ispublic and p.can_download)
    assert sidecar(primary(out, public))["download"]["url"]  # public: kept as it was
    # the state keeps the URL: verify finds the archive intact, and mends a private sidecar
    # without putting it back
    assert run_cli(env, "verify", str(out)).stdout.endswith("archive intact\n")
    path = primary(out, private[0])
    doc = sidecar(path)
    doc["albums"] = [{"id": "1", "title": "not this photo's"}]
    path.with_name(path.name + ".json").unlink()  # not through its album copies' links
    path.with_name(path.name + ".json").write_text(json.dumps(doc), "utf-8")
    assert run_cli(env, "verify", str(out), "--repair").code == 0
    assert sidecar(path)["download"]["url"] is None and sidecar(path)["albums"] != doc["albums"]


def test_an_older_sidecar_naming_a_private_url_is_not_linked(
    fake: FakeFlickr, library: Library, env: dict[str, str], out: Path
) -> None:
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    photo_id = _private(library)[0]
    path = primary(out, photo_id)
    doc = sidecar(path)
    doc["download"]["url"] = f"https://live.staticflickr.com/1/{photo_id}_secret_o.jpg"
    path.with_name(path.name + ".json").write_text(json.dumps(doc), "utf-8")
    assert run_cli(env, "site", str(out), "--full").code == 0
    page = photo_page(out, photo_id)
    assert _linked_local_files(page) == []
    # A backup that puts back a lost .xmp from this sidecar leaves the URL out of it too.
    path.with_name(path.name + ".xmp").unlink()
    assert run_cli(env, "backup", str(out), *FAST).code == 0
    assert path.with_name(path.name + ".xmp").exists()
    assert sidecar(path)["download"]["url"] is None


def test_the_tools_folder_logs_state_and_report_are_the_owners_alone(
    fake: FakeFlickr, env: dict[str, str], out: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    report.write_text("{}")
    report.chmod(0o644)
    (out / STATE_DIR).mkdir(parents=True)
    (out / STATE_DIR).chmod(0o755)  # as an earlier version made it
    assert run_cli(env, "backup", str(out), *FAST, "--report", str(report)).code == 0

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    state = out / STATE_DIR
    assert mode(state) == 0o700
    assert mode(state / "logs") == 0o700
    for path in (state / "state.sqlite3", state / "lock", *(state / "logs").iterdir(), report):
        assert mode(path) == 0o600, path
    assert "for you alone" in (out / "index.html").read_text("utf-8")
