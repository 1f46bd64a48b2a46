"""Which photo a media file of Flickr's export holds (export_names)."""

from __future__ import annotations

from flickr_async.export_names import media_id, media_type, parse_media_name, photo_json_id

KNOWN = {"43536291795", "3977224776", "19259555944", "22212850691", "1234", "5678"}


def test_a_titled_photo_is_named_after_its_last_digit_run_before_o() -> None:
    assert media_id("20180830_kindjesphotoshoot---001_43536291795_o.jpg", KNOWN) == "43536291795"
    assert media_id("050602-136_3977224776_o.jpg", KNOWN) == "3977224776"
    assert media_id("img_20150328_152050_22212850691_o.jpg", KNOWN) == "22212850691"


def test_an_untitled_photo_is_named_after_its_original_url() -> None:
    assert media_id("19259555944_1777a52f53_o.jpg", KNOWN) == "19259555944"


def test_a_video_has_no_o_and_is_a_video() -> None:
    assert media_id("my-holiday_3977224776.mp4", KNOWN) == "3977224776"
    parsed = parse_media_name("my-holiday_3977224776.MOV")
    assert parsed is not None and parsed.media == "video" and parsed.ext == "mov"


def test_a_name_carrying_an_older_id_is_the_newer_photo() -> None:
    # a re-uploaded Flickr download: {old name with old id}_{new id}
    assert media_id("sunset_1234_o_5678_o.jpg", KNOWN) == "5678"
    # the last digit run is not a known id: the one before it is tried
    assert media_id("sunset_1234_99999999_o.jpg", KNOWN) == "1234"


def test_a_purely_numeric_slug_is_settled_by_the_json_original_secret() -> None:
    # "1234_5678_o.jpg": slug 1234 + id 5678, or untitled 1234 with secret 5678
    secrets = {"1234": "5678", "5678": "abc"}
    assert media_id("1234_5678_o.jpg", KNOWN, secrets.get) == "1234"
    secrets = {"1234": "ffff", "5678": "abc"}
    assert media_id("1234_5678_o.jpg", KNOWN, secrets.get) == "5678"


def test_a_file_no_json_describes_has_no_id() -> None:
    assert media_id("stray_4242_o.jpg", KNOWN) is None
    assert media_id("no-digits_o.jpg", KNOWN) is None


def test_hostile_names_are_read_not_followed() -> None:
    assert media_id("../../etc/x_1234_o.jpg", KNOWN) == "1234"
    assert media_id("C:\\evil\\x_1234_o.jpg", KNOWN) == "1234"
    assert parse_media_name("x_1234_o.jpg\x00.txt") is None
    assert parse_media_name("x_1234_o.html") is None


def test_media_types_and_photo_json_names() -> None:
    assert media_type("JPG") == "photo" and media_type("3gp") == "video"
    assert media_type("json") is None
    assert photo_json_id("photo_28198606453.json") == "28198606453"
    assert photo_json_id("dir/photo_28198606453.json") == "28198606453"
    assert photo_json_id("photo_x.json") is None
