"""names: the --names template language, and where the date layout files a photo."""

from __future__ import annotations

import dataclasses
from pathlib import PurePosixPath
from typing import Any

import pytest

from flickr_async import layout, names, sidecar
from flickr_async.errors import ConfigError
from flickr_async.models import Photo, photo_from_listing

DATED = "{date_taken:%Y-%m-%d} {title} ({id})"
LISTING: dict[str, Any] = {
    "id": "52000000781",
    "owner": "o",
    "title": "Sunset at the pier",
    "originalformat": "jpg",
    "datetaken": "2024-01-02 17:30:00",
    "dateupload": "1704300000",  # 2024-01-03 16:40 UTC
    "media": "photo",
}


def photo(**changes: Any) -> Photo:
    return dataclasses.replace(photo_from_listing(LISTING), **changes)


def render(template: str, ext: str = "jpg", **changes: Any) -> str:
    return names.parse(template).render(names.NameFields.from_photo(photo(**changes)), ext)


# --- fields and formats ------------------------------------------------------------------


def test_the_default_template_is_the_id_and_extension() -> None:
    assert render("{id}") == "52000000781.jpg"


def test_title_date_and_id_make_the_documented_example() -> None:
    assert render(DATED) == "2024-01-02 Sunset at the pier (52000000781).jpg"


def test_a_date_takes_any_strftime_format() -> None:
    assert render("{date_taken:%Y%m%d_%H%M%S}_{id}") == "20240102_173000_52000000781.jpg"


def test_a_date_without_format_is_year_month_day() -> None:
    assert render("{date_taken} {id}") == "2024-01-02 52000000781.jpg"


def test_the_upload_date_is_read_in_utc() -> None:
    assert render("{date_upload:%Y-%m-%d %H.%M} {id}") == "2024-01-03 16.40 52000000781.jpg"


def test_media_names_photos_and_videos_apart() -> None:
    assert render("{media}-{id}", "mov", media="video") == "video-52000000781.mov"


def test_an_unknown_date_taken_renders_empty() -> None:
    assert render(DATED, date_taken_unknown=True) == "Sunset at the pier (52000000781).jpg"


# --- the id is always there ----------------------------------------------------------------


@pytest.mark.parametrize("template", ["{title}", "{date_taken} {title}", "{id} {id}", ""])
def test_a_template_without_exactly_one_id_is_refused(template: str) -> None:
    with pytest.raises(ConfigError, match=r"must contain \{id\} exactly once"):
        names.parse(template)


def test_an_id_between_two_fields_is_refused() -> None:
    with pytest.raises(ConfigError, match="first or last"):
        names.parse("{title} {id} {date_taken}")


@pytest.mark.parametrize(
    "template",
    # Empty brackets vanish from every name: "{title}(){id}" would make title "x" with id 12
    # and title "x1" with id 2 the same "x12.jpg".
    ["{title}{id}", "{id}{title}", "{title} x{id}", "{title}(){id}", "{id}[ ]{title}"],
)
def test_an_id_glued_to_another_field_is_refused(template: str) -> None:
    with pytest.raises(ConfigError, match="separator"):
        names.parse(template)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{owner} {id}", r"unknown field \{owner\}"),
        ("{title:>10} {id}", "only dates take a format"),
        ("{title!r} {id}", "conversions are not supported"),
        ("{date_taken:Y} {id}", "strftime"),
        ("{id", "literal braces"),
        ("x" * 130 + " {id}", "too long"),
    ],
)
def test_a_bad_template_is_one_clear_config_error(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        names.parse(template)
    assert "\n" not in str(refused.value)


def test_literal_braces_are_written_doubled() -> None:
    assert render("{{{id}}}") == "{52000000781}.jpg"


# --- safe names -------------------------------------------------------------------------------


def test_unsafe_characters_become_underscores_as_in_folder_names() -> None:
    assert render(DATED, title='a/b\\c:d*e?"<>|') == "2024-01-02 a_b_c_d_e_____ (52000000781).jpg"


def test_line_breaks_and_runs_of_spaces_in_a_title_become_one_space() -> None:
    assert render("{title} ({id})", title="two\nlines  and\ttabs") == (
        "two lines and tabs (52000000781).jpg"
    )


def test_a_leading_dot_never_hides_the_file() -> None:
    assert render("{title} ({id})", title="..hidden") == "hidden (52000000781).jpg"


def test_a_windows_reserved_stem_gets_an_underscore() -> None:
    assert render("{title}.{id}", title="CON") == "CON_.52000000781.jpg"


def test_a_long_multibyte_title_is_cut_by_bytes_keeping_id_and_extension() -> None:
    name = render(DATED, title="日本語のタイトル" * 20)
    assert len(name.encode("utf-8")) <= names.MAX_BYTES
    assert name.startswith("2024-01-02 日本語")
    assert name.endswith(" (52000000781).jpg")
    assert name.encode("utf-8").decode("utf-8") == name  # no character split


def test_a_title_cut_inside_an_emoji_sequence_keeps_whole_graphemes() -> None:
    family = "👩\u200d👩\u200d👧"
    name = render("{title} ({id})", title="a" * 80 + family * 5)
    stem = name.removesuffix(" (52000000781).jpg")
    assert not stem.endswith("\u200d") and len(name.encode()) <= names.MAX_BYTES


# --- empty fields take their separators with them --------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (DATED, "2024-01-02 (52000000781).jpg"),
        ("{title} - {id}", "52000000781.jpg"),
        ("{date_taken} - {title} - {id}", "2024-01-02 - 52000000781.jpg"),
        ("{id} [{title}]", "52000000781.jpg"),
        ("{id}_{title}", "52000000781.jpg"),
    ],
)
def test_an_empty_title_leaves_no_double_space_or_empty_brackets(
    template: str, expected: str
) -> None:
    assert render(template, title="") == expected


def test_nothing_known_but_the_id_still_names_the_file() -> None:
    fields = names.NameFields(id="7")
    assert names.parse(DATED).render(fields, "png") == "(7).png"


# --- the same name from a listing and from its sidecar ------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{}, {"title": ""}, {"date_taken_unknown": True}, {"date_taken": None}, {"media": "video"}],
)
def test_a_sidecar_gives_the_same_fields_as_the_photo_it_was_written_from(
    changes: dict[str, Any],
) -> None:
    listed = photo(**changes)
    doc = sidecar.loads(sidecar.dumps(sidecar.build(listed, comments=(), albums=(), download=None)))
    assert names.NameFields.from_sidecar(doc) == names.NameFields.from_photo(listed)


# --- the date layout -------------------------------------------------------------------------


def paths(**changes: Any) -> tuple[PurePosixPath, tuple[PurePosixPath, ...]]:
    fields = names.NameFields.from_photo(photo(**changes))
    return names.photo_paths(
        names.parse(DATED), fields, "jpg", ["a1", "a2"], {"a1": "Trip", "a2": "Home"}, "date"
    )


def test_the_date_layout_files_by_month_taken_without_album_copies() -> None:
    assert paths() == (PurePosixPath("2024/01/2024-01-02 Sunset at the pier (52000000781).jpg"), ())


def test_an_unknown_date_taken_files_by_month_uploaded() -> None:
    primary, _ = paths(date_taken_unknown=True)
    assert primary.parent == PurePosixPath("2024/01")


def test_a_photo_with_no_date_at_all_goes_to_undated() -> None:
    primary, _ = paths(date_taken=None, date_posted=0)
    assert primary.parent == PurePosixPath(layout.UNDATED)


def test_templated_names_in_albums_keep_the_same_name_in_every_album() -> None:
    fields = names.NameFields.from_photo(photo())
    primary, links = names.photo_paths(
        names.parse("{title} ({id})"), fields, "jpg", ["a1", "a2"], {"a1": "T", "a2": "H"}, "albums"
    )
    assert primary == PurePosixPath("T/Sunset at the pier (52000000781).jpg")
    assert links == (PurePosixPath("H/Sunset at the pier (52000000781).jpg"),)


@pytest.mark.parametrize("name", ["../1.jpg", "a/1.jpg", "1.png", "x.jpg", ".1.jpg"])
def test_photo_paths_refuses_a_file_name_that_is_unsafe_or_not_this_photos(name: str) -> None:
    with pytest.raises(ValueError, match="unsafe file name"):
        layout.placement("1", "jpg", [], {}, "flat", name=name)
