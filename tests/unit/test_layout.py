"""layout: safe folder names, stable album folders, trustworthy extensions, file paths."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import PurePosixPath
from typing import Any

import pytest

from flickr_async import layout
from flickr_async.models import Album, Photo, photo_from_listing

# --- safe_name ---------------------------------------------------------------------------


def assert_portable(name: str, max_bytes: int = 120) -> None:
    assert name not in ("", ".", "..")
    assert not any(ch in '/\\<>:"|?*' or ord(ch) < 32 for ch in name)
    assert name == name.strip() and not name.startswith(".") and not name.endswith(".")
    assert len(name.encode("utf-8")) <= max_bytes


HOSTILE = [
    "../etc",
    "a/b",
    "a\\b",
    "CON",
    "con.txt",
    "   ",
    ".",
    "..",
    "...",
    "🌍🌍",
    "é" * 300,
    "a\x00b",
    'what?<"is">|this*:',
    " .hidden. ",
    "tab\there\nnewline",
    "Unsorted",
    ".flickr-async",
    "",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_safe_name_is_portable_for_hostile_titles(title: str) -> None:
    assert_portable(layout.safe_name(title))


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("../etc", "_etc"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("a\x00b", "a_b"),
        ("x<y>z", "x_y_z"),
        ("tab\there", "tab_here"),
    ],
)
def test_safe_name_replaces_separators_and_forbidden_characters(title: str, expected: str) -> None:
    assert layout.safe_name(title) == expected


@pytest.mark.parametrize("title", ["", "   ", ".", "..", "...", " . "])
def test_safe_name_turns_empty_and_dot_names_into_untitled(title: str) -> None:
    assert layout.safe_name(title) == "Untitled"


def test_safe_name_strips_leading_dots_so_folders_are_not_hidden() -> None:
    assert layout.safe_name(" .hidden. ") == "hidden"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("CON", "CON_"),
        ("con", "con_"),
        ("Nul", "Nul_"),
        ("COM1", "COM1_"),
        ("lpt9", "lpt9_"),
        ("con.txt", "con_.txt"),
        ("AUX.tar.gz", "AUX_.tar.gz"),
    ],
)
def test_safe_name_suffixes_windows_reserved_names(title: str, expected: str) -> None:
    assert layout.safe_name(title) == expected


@pytest.mark.parametrize("title", ["CONSOLE", "COM10", "Contact", "con_", "my con"])
def test_safe_name_leaves_names_that_only_look_reserved(title: str) -> None:
    assert layout.safe_name(title) == title


@pytest.mark.parametrize(
    ("title", "expected"), [("Unsorted", "Unsorted_"), ("UNSORTED", "UNSORTED_")]
)
def test_safe_name_suffixes_our_own_reserved_names(title: str, expected: str) -> None:
    assert layout.safe_name(title) == expected


def test_safe_name_never_yields_the_state_directory_name() -> None:
    assert layout.safe_name(".flickr-async").casefold() != layout.STATE_DIR


def test_safe_name_keeps_unicode_letters_and_emoji() -> None:
    assert layout.safe_name("Été à Kyōto 東京 🌸👩‍👩‍👧") == "Été à Kyōto 東京 🌸👩‍👩‍👧"


def test_safe_name_normalises_to_nfc() -> None:
    assert layout.safe_name("e\u0301te\u0301") == "été"


def test_safe_name_bounds_300_accented_letters_to_120_bytes_of_whole_characters() -> None:
    assert layout.safe_name("é" * 300) == "é" * 60


def test_safe_name_honours_a_custom_byte_bound() -> None:
    assert len(layout.safe_name("abc" * 50, max_bytes=20).encode()) == 20


def test_safe_name_does_not_split_a_family_emoji() -> None:
    family = "👩‍👩‍👧"  # 18 bytes: three people joined by ZWJs
    name = layout.safe_name("ab" + family * 10, max_bytes=30)
    assert name == "ab" + family


def test_safe_name_does_not_split_a_flag() -> None:
    name = layout.safe_name("x" + "🇫🇷" * 10, max_bytes=21)  # 1 + 2.5 flags of 8 bytes
    assert name == "x" + "🇫🇷" * 2


@pytest.mark.parametrize(
    ("mark", "kind"),
    [
        ("\u0301", "Mn: combining acute, no precomposed q with it"),
        ("\u093e", "Mc: Devanagari vowel sign aa"),
        ("\u20dd", "Me: combining enclosing circle"),
        ("\U0001f3fb", "skin tone modifier, lightest"),
        ("\U0001f3ff", "skin tone modifier, darkest"),
        ("\U000e0020", "tag space, first emoji tag"),
        ("\U000e007f", "cancel tag, last emoji tag"),
    ],
)
def test_safe_name_never_cuts_a_mark_or_modifier_off_its_base(mark: str, kind: str) -> None:
    base = "q" if mark == "\u0301" else "\u0915" if mark == "\u093e" else "x"
    # The bound falls just after the base character: the mark would be cut off.
    prefix = "a" * (16 - len(base.encode()))
    assert layout.safe_name(prefix + base + mark + "zz", max_bytes=16) == prefix


@pytest.mark.parametrize("flag", ["🇦🇺", "🇿🇦"])  # the first and the last regional indicator
def test_safe_name_does_not_split_a_flag_made_of_the_end_indicators(flag: str) -> None:
    # The cut falls after one flag and a half.
    assert layout.safe_name("aaaa" + flag * 2, max_bytes=16) == "aaaa" + flag


def test_safe_name_drops_a_trailing_space_left_by_truncation() -> None:
    assert layout.safe_name("a" * 19 + " b", max_bytes=20) == "a" * 19


def test_safe_name_is_idempotent() -> None:
    assert all(layout.safe_name(layout.safe_name(t)) == layout.safe_name(t) for t in HOSTILE)


def test_safe_name_is_already_nfc_and_stays_within_bounds_for_decomposed_input() -> None:
    name = layout.safe_name("e\u0301" * 100)
    assert unicodedata.is_normalized("NFC", name) and len(name.encode()) <= 120


# --- assign_album_folders ------------------------------------------------------------------


def album(album_id: str, title: str) -> Album:
    return Album(
        id=album_id,
        title=title,
        description="",
        date_create=0,
        date_update=0,
        count=0,
        primary="",
    )


def test_albums_get_their_safe_titles_as_folders() -> None:
    folders = layout.assign_album_folders([album("1", "Holidays"), album("2", "a/b")], {})
    assert folders == {"1": "Holidays", "2": "a_b"}


def test_duplicate_titles_get_distinct_folders_that_both_start_with_the_title() -> None:
    folders = layout.assign_album_folders([album("1", "Trip"), album("2", "Trip")], {})
    assert folders == {"1": "Trip", "2": "Trip (2)"}


def test_titles_that_differ_only_in_case_get_distinct_folders() -> None:
    folders = layout.assign_album_folders([album("1", "Trip"), album("2", "TRIP")], {})
    assert folders == {"1": "Trip", "2": "TRIP (2)"}


def test_titles_that_collide_only_after_sanitising_get_distinct_folders() -> None:
    folders = layout.assign_album_folders([album("1", "a/b"), album("2", "a:b")], {})
    assert folders == {"1": "a_b", "2": "a_b (2)"}


def test_the_previous_owner_keeps_the_plain_name_whatever_the_list_order() -> None:
    albums = [album("1", "Trip"), album("2", "Trip")]
    assert layout.assign_album_folders(albums, {"2": "Trip"}) == {"1": "Trip (1)", "2": "Trip"}


def test_an_album_keeps_its_disambiguated_folder_after_the_other_one_is_gone() -> None:
    assert layout.assign_album_folders([album("2", "Trip")], {"1": "Trip", "2": "Trip (2)"}) == {
        "2": "Trip (2)"
    }


def test_a_renamed_album_gets_a_folder_for_its_new_title() -> None:
    assert layout.assign_album_folders([album("1", "Summer")], {"1": "Trip"}) == {"1": "Summer"}


def test_an_album_whose_title_is_unchanged_keeps_its_folder_across_runs() -> None:
    albums = [album("1", "Trip"), album("2", "Trip"), album("3", "Home")]
    first = layout.assign_album_folders(albums, {})
    assert layout.assign_album_folders(list(reversed(albums)), first) == first


def test_a_folder_of_a_vanished_album_is_not_given_to_a_new_album() -> None:
    folders = layout.assign_album_folders([album("9", "Trip")], {"1": "Trip"})
    assert folders == {"9": "Trip (9)"}


def test_a_forged_previous_folder_is_not_kept() -> None:
    assert layout.assign_album_folders([album("1", "Trip")], {"1": "../../etc"}) == {"1": "Trip"}


def test_disambiguated_names_stay_within_the_byte_bound() -> None:
    long_title = "é" * 200
    folders = layout.assign_album_folders(
        [album("72157600000000001", long_title), album("72157600000000002", long_title)], {}
    )
    second = folders["72157600000000002"]
    assert second.startswith("éé") and second.endswith(" (72157600000000002)")
    assert len(second.encode()) <= 120


def test_album_folders_are_deterministic() -> None:
    albums = [album(str(i), title) for i, title in enumerate(["A", "a", "B", "A", "", "."])]
    assert layout.assign_album_folders(albums, {}) == layout.assign_album_folders(albums, {})


def test_every_album_gets_a_folder_distinct_from_the_others_ignoring_case() -> None:
    albums = [album(str(i), title) for i, title in enumerate(["A", "a", "A", "", ".", "Untitled"])]
    folders = list(layout.assign_album_folders(albums, {}).values())
    assert len({f.casefold() for f in folders}) == len(albums)


def test_a_title_equal_to_another_albums_disambiguated_name_still_gets_its_own_folder() -> None:
    albums = [album("1", "Trip"), album("2", "Trip"), album("3", "Trip (2)")]
    folders = list(layout.assign_album_folders(albums, {}).values())
    assert len(set(folders)) == 3


def test_a_title_taking_the_first_disambiguated_name_pushes_the_album_to_a_numbered_one() -> None:
    albums = [album("3", "Trip (2)"), album("1", "Trip"), album("2", "Trip")]
    assert layout.assign_album_folders(albums, {}) == {
        "3": "Trip (2)",
        "1": "Trip",
        "2": "Trip (2-2)",
    }


def test_a_corrupt_previous_folder_does_not_stop_later_albums_keeping_theirs() -> None:
    albums = [album("1", "Trip"), album("2", "Trip"), album("3", "Home")]
    previous = {"1": "Trip", "2": "Trip", "3": "Home (3)"}  # two albums, one folder
    assert layout.assign_album_folders(albums, previous) == {
        "1": "Trip",
        "2": "Trip (2)",
        "3": "Home (3)",
    }


def test_a_new_album_listed_after_one_that_keeps_its_folder_gets_a_folder_too() -> None:
    albums = [album("1", "Trip"), album("2", "Home")]
    assert layout.assign_album_folders(albums, {"1": "Trip"}) == {"1": "Trip", "2": "Home"}


# --- extension_for -------------------------------------------------------------------------

LISTING: dict[str, Any] = {"id": "1", "owner": "o", "title": "t", "originalformat": "png"}


def photo(**changes: Any) -> Photo:
    return dataclasses.replace(photo_from_listing(LISTING), **changes)


def video() -> Photo:
    return photo(media="video", original_format=None)


def test_a_photo_uses_its_original_format() -> None:
    assert layout.extension_for(photo(original_format="PNG")) == "png"


def test_a_photo_without_original_format_falls_back_to_the_url() -> None:
    url = "https://live.staticflickr.com/1/1_abc_b.jpg"
    assert layout.extension_for(photo(original_format=None), final_url=url) == "jpg"


def test_a_photo_with_nothing_known_is_a_jpg() -> None:
    assert layout.extension_for(photo(original_format=None)) == "jpg"


def test_a_video_takes_the_extension_of_the_final_url_path() -> None:
    url = "https://live.staticflickr.com/video/1_abc.MOV?s=eyJpIjo&e=1"
    assert layout.extension_for(video(), final_url=url) == "mov"


def test_a_video_falls_back_to_the_content_disposition_filename() -> None:
    ext = layout.extension_for(
        video(),
        final_url="https://www.flickr.com/photos/x/1/play/orig/abc/",
        content_disposition='attachment; filename="IMG_0001.MPG"',
    )
    assert ext == "mpg"


def test_a_video_understands_an_rfc_2231_content_disposition() -> None:
    header = "attachment; filename*=UTF-8''vid%C3%A9o.m4v"
    assert layout.extension_for(video(), content_disposition=header) == "m4v"


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [("video/mp4", "mp4"), ("video/quicktime", "mov"), ("Video/QuickTime; charset=x", "mov")],
)
def test_a_video_falls_back_to_the_content_type(content_type: str, expected: str) -> None:
    assert layout.extension_for(video(), content_type=content_type) == expected


def test_a_video_content_type_is_read_before_its_first_parameter_only() -> None:
    content_type = "video/quicktime; codecs=avc1; profile=high"
    assert layout.extension_for(video(), content_type=content_type) == "mov"


def test_a_video_takes_the_last_dot_of_a_url_file_name() -> None:
    url = "https://live.staticflickr.com/video/clip.v2.mov"
    assert layout.extension_for(video(), final_url=url) == "mov"


def test_a_video_takes_the_last_dot_of_a_content_disposition_file_name() -> None:
    header = 'attachment; filename="holiday.2019.mov"'
    assert layout.extension_for(video(), content_disposition=header) == "mov"


def test_a_video_with_nothing_known_is_an_mp4() -> None:
    assert layout.extension_for(video(), content_type="application/octet-stream") == "mp4"


@pytest.mark.parametrize(
    "bad",
    ["https://x/a.toolongext", "https://x/a.j%2Fp", "https://x/a.é", "https://x/a.", "https://x/a"],
)
def test_an_untrustworthy_url_extension_is_ignored(bad: str) -> None:
    assert layout.extension_for(video(), final_url=bad) == "mp4"


def test_an_untrustworthy_original_format_is_ignored() -> None:
    assert layout.extension_for(photo(original_format="../sh")) == "jpg"


def test_a_hostile_content_disposition_is_ignored() -> None:
    header = 'attachment; filename="x.mp4/../../etc"'
    assert layout.extension_for(video(), content_disposition=header) == "mp4"


# --- placement --------------------------------------------------------------------------------

FOLDERS = {"a1": "Trip", "a2": "Home", "a3": "trip (a3)"}


def test_albums_layout_puts_the_file_in_the_first_albums_folder() -> None:
    primary, _ = layout.placement("123", "jpg", ["a1", "a2"], FOLDERS, "albums")
    assert primary == PurePosixPath("Trip/123.jpg")


def test_albums_layout_links_the_same_name_into_every_other_album() -> None:
    _, links = layout.placement("123", "jpg", ["a1", "a2", "a3"], FOLDERS, "albums")
    assert links == (PurePosixPath("Home/123.jpg"), PurePosixPath("trip (a3)/123.jpg"))


def test_a_photo_in_no_album_goes_to_unsorted() -> None:
    assert layout.placement("123", "png", [], FOLDERS, "albums") == (
        PurePosixPath("Unsorted/123.png"),
        (),
    )


def test_albums_without_a_folder_are_skipped() -> None:
    assert layout.placement("123", "jpg", ["gone", "a2"], FOLDERS, "albums") == (
        PurePosixPath("Home/123.jpg"),
        (),
    )


def test_an_album_listed_twice_is_linked_once() -> None:
    _, links = layout.placement("123", "jpg", ["a1", "a2", "a1"], FOLDERS, "albums")
    assert links == (PurePosixPath("Home/123.jpg"),)


def test_flat_layout_is_just_the_file_name() -> None:
    assert layout.placement("123", "mov", ["a1", "a2"], FOLDERS, "flat") == (
        PurePosixPath("123.mov"),
        (),
    )


@pytest.mark.parametrize(("photo_id", "ext"), [("../1", "jpg"), ("1", "j/g"), ("", "jpg")])
def test_placement_refuses_unsafe_ids_and_extensions(photo_id: str, ext: str) -> None:
    with pytest.raises(ValueError):
        layout.placement(photo_id, ext, [], {}, "flat")


def test_placement_refuses_an_unsafe_folder() -> None:
    with pytest.raises(ValueError):
        layout.placement("1", "jpg", ["x"], {"x": ".."}, "albums")


@pytest.mark.parametrize("folder", ["", ".", "..", "a/b", "a\\b", "a\x00b"])
def test_placement_refuses_every_kind_of_unsafe_folder_and_names_it(folder: str) -> None:
    with pytest.raises(ValueError, match="unsafe album folder") as refused:
        layout.placement("1", "jpg", ["x"], {"x": folder}, "albums")
    assert repr(folder) in str(refused.value)


@pytest.mark.parametrize(
    ("photo_id", "ext", "message"),
    [("../1", "jpg", "unsafe photo id '../1'"), ("1", "j/g", "unsafe extension 'j/g'")],
)
def test_placement_names_the_unsafe_id_or_extension(photo_id: str, ext: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        layout.placement(photo_id, ext, [], {}, "flat")
    assert str(refused.value) == message


def test_placement_names_an_unknown_layout() -> None:
    with pytest.raises(ValueError) as refused:
        layout.placement("1", "jpg", [], {}, "tree")  # type: ignore[arg-type]
    assert str(refused.value) == "unknown layout 'tree'"


@pytest.mark.parametrize(("a", "b"), [("KIRMIZI", "kırmızı"), ("Istanbul", "İstanbul"), ("ı", "I")])
def test_titles_that_ntfs_or_exfat_see_as_one_name_get_two_folders(a: str, b: str) -> None:
    # casefold keeps the dotless ı apart from I; NTFS and exFAT upper-case it to I.
    assert layout.fold_name(a) == layout.fold_name(b)
    folders = layout.assign_album_folders([album("1", a), album("2", b)], {})
    assert folders["1"] == a and folders["2"] == f"{b} (2)"
    assert len({f.upper() for f in folders.values()}) == 2


def test_a_photo_file_never_takes_a_name_the_archive_uses_at_its_root() -> None:
    for name in ("index.html", "albums.json", "Account.json"):
        stem, ext = name.split(".")
        with pytest.raises(ValueError):  # an extension no photo has, and a reserved name
            layout.placement(stem, ext, [], {}, "flat", name=name)
