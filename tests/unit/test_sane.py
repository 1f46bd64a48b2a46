"""sane and the readers built on it: odd values from outside become unknown fields, text
every encoder can write, and output a terminal cannot be steered by."""

from __future__ import annotations

import io
import json
import logging
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from flickr_async import sidecar
from flickr_async.cli.terminal import PrintableFormatter, PrintableStream, printable_output
from flickr_async.errors import APIError
from flickr_async.models import (
    album_from_json,
    photo_from_listing,
    photo_with_info,
    text,
    to_float,
    to_int,
    to_opt_int,
    to_time,
)
from flickr_async.names import NameFields
from flickr_async.owneronly import owner_only_dir, owner_only_file, write_owner_only
from flickr_async.plaintext import clean
from flickr_async.sane import MAX_INT, json_int, printable, real_date_taken, valid_text
from flickr_async.site.model import summarize
from tests.unit.test_sidecar import DOWNLOAD, INFO, LISTING

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\r\x08\x00\x7f"


# --- text ----------------------------------------------------------------------------------


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert valid_text("caf\ud800e") == "caf\ufffde"
    assert text({"_content": "\udfff"}) == "\ufffd"
    assert text("😀 stays") == "😀 stays"


def test_printable_replaces_every_control_but_newline_and_tab() -> None:
    assert (
        printable(f"a{ESCAPES}b\n\tc")
        == "a\ufffd]0;pwned\ufffd\ufffd[2J\ufffd31m" + ("\ufffd" * 4) + "b\n\tc"
    )


def test_printable_on_one_line_turns_line_breaks_into_spaces() -> None:
    assert printable("one\ntwo\r\nthree\x85four\tfive", multiline=False) == (
        "one two  three four five"
    )
    assert printable("\x1b[31m\ud800", multiline=False) == "\ufffd[31m\ufffd"


# --- numbers and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1e999", "-1e999", "nan", "inf", 10**40, -(10**40), 1e300, float("inf"), "x"]
)
def test_a_number_that_overflows_or_is_none_is_unknown(value: Any) -> None:
    assert to_int(value, 7) == 7
    assert to_opt_int(value) is None


def test_numbers_within_range_read_as_before() -> None:
    assert [to_int("3"), to_int(" 1.0 "), to_int(4.9), to_int(True), to_int("")] == [3, 1, 4, 1, 0]
    assert to_opt_int({"_content": "12"}) == 12
    assert to_int(MAX_INT) == MAX_INT and to_int(MAX_INT + 1) == 0


def test_a_time_before_1970_or_after_9999_is_unknown() -> None:
    assert to_time("1459181105") == 1459181105
    assert to_time("-5") == to_time("253402300800") == to_time("1e999") == 0
    assert to_time("1e999", 42) == 42


def test_a_float_that_is_not_finite_is_unknown() -> None:
    assert to_float("1e999") is None and to_float("nan") is None and to_float("1.5") == 1.5


@pytest.mark.parametrize(
    "value",
    ["2019-13-01 10:00:00", "2019-04-31 10:00:00", "2019-01-01 25:00:00",
     "0000-00-00 00:00:00", "0000-01-01 00:00:00", "2019-01-01", "", "garbage"],
)  # fmt: skip
def test_an_impossible_date_taken_is_none(value: str) -> None:
    assert real_date_taken(value) is None


def test_a_real_date_taken_is_kept_as_flickr_wrote_it() -> None:
    assert real_date_taken(" 2016-02-29 23:59:59 ") == "2016-02-29 23:59:59"


def test_a_listing_item_full_of_odd_values_is_a_photo_with_unknown_fields() -> None:
    odd = {
        **LISTING,
        "title": "a\ud800",
        "dateupload": "1e999",
        "lastupdate": 10**40,
        "datetaken": "2019-13-01 10:00:00",
        "views": "-1e999",
        "latitude": "1e999",
        "o_width": "nan",
    }
    photo = photo_from_listing(odd)
    assert photo.title == "a\ufffd"
    assert (photo.date_posted, photo.date_updated, photo.date_taken) == (0, 0, None)
    assert (photo.views, photo.geo, photo.width_o) == (None, None, None)
    assert sidecar.dumps(sidecar.build(photo, comments=(), albums=(), download=None))


def test_getinfo_with_odd_dates_keeps_the_listings() -> None:
    photo = photo_from_listing(LISTING)
    info = {**INFO, "dates": {**INFO["dates"], "posted": "1e999", "taken": "2019-02-30 00:00:00"}}
    enriched = photo_with_info(photo, info)
    assert enriched.date_posted == photo.date_posted
    assert enriched.date_taken is None


def test_a_place_off_the_earth_is_no_geo() -> None:
    assert photo_from_listing({**LISTING, "latitude": "91", "longitude": "10"}).geo is None
    assert photo_from_listing({**LISTING, "longitude": "-180.5"}).geo is None


def test_an_album_with_odd_values_reads() -> None:
    album = album_from_json({"id": "1", "title": {"_content": "x\udc80"}, "date_create": "1e999"})
    assert (album.title, album.date_create) == ("x\ufffd", 0)


def test_the_site_reads_month_13_and_a_huge_upload_time_as_unknown() -> None:
    summary = summarize({"date_taken": "2019-13-01 10:00:00", "date_posted": 10**30})
    assert (summary.date_taken, summary.date_posted, summary.sort_key) == (None, None, "")


def test_flickrs_error_message_is_one_line_without_escapes() -> None:
    error = APIError(1234, f"bad{ESCAPES}\nsecond", "flickr.test.login")
    assert "\n" not in str(error) and "\x1b" not in str(error) and "second" in str(error)


# --- the terminal and the logs -------------------------------------------------------------


def test_printable_output_filters_stdout_and_stderr_while_it_lasts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with printable_output():
        print(f"title {ESCAPES}")
        print("line\nnext", file=sys.stderr)
    print("\x1b after")
    assert "\x1b" not in out.getvalue().split("\n")[0] and "title \ufffd]0;" in out.getvalue()
    assert out.getvalue().endswith("\x1b after\n")  # restored
    assert err.getvalue() == "line\nnext\n"


def test_a_printable_stream_is_its_stream_for_click_and_rich() -> None:
    raw = io.StringIO()
    stream = PrintableStream(raw)  # type: ignore[arg-type]
    assert (stream.isatty(), stream.encoding, stream.unfiltered) == (False, "utf-8", raw)


def test_a_log_record_is_one_line_without_escapes_and_its_traceback_is_clean() -> None:
    formatter = PrintableFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError(f"boom{ESCAPES}")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.WARNING, __file__, 1, "photo %s\nfailed", (ESCAPES,), sys.exc_info()
        )
    line, *traceback = formatter.format(record).split("\n")
    assert line.startswith("WARNING photo \ufffd]0;pwned") and line.endswith(" failed")
    assert traceback and all("\x1b" not in t and "\r" not in t for t in traceback)


# --- private -------------------------------------------------------------------------------


def test_a_private_photos_sidecar_names_no_download_url() -> None:
    private = photo_from_listing({**LISTING, "ispublic": 0, "isfriend": 1})
    doc = sidecar.build(private, comments=(), albums=(), download=DOWNLOAD)
    assert doc["download"]["url"] is None and doc["download"]["sha256"] == DOWNLOAD.sha256
    public = sidecar.build(photo_from_listing(LISTING), comments=(), albums=(), download=DOWNLOAD)
    assert public["download"]["url"] == DOWNLOAD.url


def test_deep_metadata_drops_the_url_of_a_photo_turned_private() -> None:
    public = photo_from_listing(LISTING)
    doc = sidecar.build(public, comments=(), albums=(), download=DOWNLOAD)
    now_private = {**INFO, "visibility": {"ispublic": 0, "isfriend": 0, "isfamily": 1}}
    deep = sidecar.with_deep(doc, photo_with_info(public, now_private), ())
    assert deep["download"]["url"] is None and deep["download"]["bytes"] == DOWNLOAD.bytes


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="modes are POSIX")
def test_owner_only_folders_and_files(tmp_path: Path) -> None:
    folder = tmp_path / "a" / ".flickr-async"
    folder.mkdir(parents=True, mode=0o755)
    owner_only_dir(folder)
    assert _mode(folder) == 0o700
    made = folder / "state"
    owner_only_file(made, create=True)
    assert made.read_bytes() == b"" and _mode(made) == 0o600
    old = tmp_path / "report.json"
    old.write_text("old")
    old.chmod(0o644)
    write_owner_only(old, b"new")
    assert (old.read_bytes(), _mode(old)) == (b"new", 0o600)
    owner_only_file(tmp_path / "absent")  # nothing to do, nothing raised
    assert not (tmp_path / "absent").exists()


def test_a_sidecar_upload_time_no_date_is_made_of_names_no_month() -> None:
    fields = NameFields.from_sidecar({"id": "1", "date_posted": 10**20})
    assert (fields.date_posted, fields.uploaded, fields.month) == (0, None, None)


def test_a_sidecar_with_an_escaped_lone_surrogate_reads_with_replacements() -> None:
    raw = b'{"schema": 1, "id": "1", "title": "a\\ud800", "tags": ["\\udc80"], "\\ud801": 1}'
    doc = sidecar.loads(raw)
    assert (doc["title"], doc["tags"], doc["\ufffd"]) == ("a\ufffd", ["\ufffd"], 1)
    assert sidecar.loads('{"schema": 1, "id": "1", "t": "😀"}'.encode())["t"] == "😀"
    paired = b'{"schema": 1, "id": "1", "t": "\\ud83d\\ude00"}'
    assert sidecar.loads(paired)["t"] == "😀"  # a pair is one character, kept


def test_a_json_integer_too_long_to_parse_is_infinite_and_reads_as_unknown() -> None:
    assert json_int("12") == 12 and json_int("9" * 5000) == math.inf
    assert json_int("-" + "9" * 5000) == -math.inf
    assert to_int(json.loads('{"n": ' + "9" * 5000 + "}", parse_int=json_int)["n"], 3) == 3


def test_embedded_captions_hold_no_c1_control() -> None:
    assert clean("a\x9b31m\x85b\x1b") == "a31mb"
