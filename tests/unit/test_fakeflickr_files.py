"""The fake serves originals, sizes and videos like Flickr's static hosts and video redirects."""

from __future__ import annotations

import hashlib
import io

import piexif
import pytest
from PIL import Image

from tests.fakeflickr import FakeFlickr, FakePhoto, Library, generate_library, running_fake
from tests.fakeflickr.client import SignedClient, fetch


def sizes_of(client: SignedClient, photo: FakePhoto) -> dict[str, dict]:
    reply = client.call("flickr.photos.getSizes", photo_id=photo.id)
    return {s["label"]: s for s in reply["sizes"]["size"]}


def url_o(client: SignedClient, photo: FakePhoto) -> str:
    return sizes_of(client, photo)["Original"]["source"]


def first(library: Library, **traits: object) -> FakePhoto:
    return next(p for p in library.photos if all(getattr(p, k) == v for k, v in traits.items()))


def test_an_original_url_serves_exactly_the_original_bytes(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    photo = first(library, media="photo", can_download=True)
    reply = fetch(url_o(owner_client, photo))
    assert reply.status == 200 and reply.body == fake.original_bytes(photo.id)
    assert int(reply.headers["Content-Length"]) == len(reply.body)


def test_a_jpeg_original_has_the_listed_dimensions(fake: FakeFlickr, library: Library) -> None:
    photo = first(library, media="photo", originalformat="jpg")
    image = Image.open(io.BytesIO(fake.original_bytes(photo.id)))
    assert (image.format, image.size) == ("JPEG", (photo.width, photo.height))


def test_camera_exif_in_the_original_disagrees_with_flickrs_date_taken(
    fake: FakeFlickr, library: Library
) -> None:
    photo = next(p for p in library.photos if p.exif)
    exif = piexif.load(fake.original_bytes(photo.id))
    assert exif["0th"][piexif.ImageIFD.Make].decode() == photo.exif.make
    taken = exif["Exif"][piexif.ExifIFD.DateTimeOriginal].decode()
    assert taken.replace(":", "-", 2) != photo.datetaken


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("gif", b"GIF8")])
def test_png_and_gif_originals_are_real_files_with_their_extension(
    owner_client: SignedClient, library: Library, fmt: str, magic: bytes
) -> None:
    photo = first(library, originalformat=fmt, can_download=True)
    url = url_o(owner_client, photo)
    assert url.endswith(f"_o.{fmt}")
    assert fetch(url).body.startswith(magic)


def test_range_from_an_offset_answers_206_with_the_tail(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    photo = first(library, media="photo", can_download=True)
    data = fake.original_bytes(photo.id)
    reply = fetch(url_o(owner_client, photo), headers={"Range": "bytes=100-"})
    assert reply.status == 206
    assert reply.headers["Content-Range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
    assert reply.body == data[100:]


def test_a_wrong_secret_is_404(owner_client: SignedClient, library: Library) -> None:
    photo = first(library, media="photo", can_download=True)
    url = url_o(owner_client, photo).replace(photo.originalsecret, "0123456789")
    assert fetch(url).status == 404


def test_large_sizes_have_their_own_secret(owner_client: SignedClient, library: Library) -> None:
    photo = next(p for p in library.photos if max(p.width, p.height) >= 1600 and not p.is_video)
    url = sizes_of(owner_client, photo)["Large 1600"]["source"]
    assert photo.secret not in url
    assert fetch(url.replace(photo.big_secret, photo.secret)).status == 404


def test_a_size_is_a_real_jpeg_with_the_listed_dimensions(
    owner_client: SignedClient, library: Library
) -> None:
    photo = first(library, media="photo", rotation=90)
    entry = sizes_of(owner_client, photo)["Medium 640"]
    image = Image.open(io.BytesIO(fetch(entry["source"]).body))
    assert image.size == (int(entry["width"]), int(entry["height"]))
    # Rotated 90 degrees: a landscape original has portrait sizes, and the reverse.
    assert (image.width > image.height) == (photo.height > photo.width)


def test_a_videos_url_o_is_its_jpeg_poster(owner_client: SignedClient, library: Library) -> None:
    video = first(library, media="video")
    assert fetch(url_o(owner_client, video)).body[:2] == b"\xff\xd8"


def test_video_original_redirects_to_a_cdn_url_with_the_real_extension(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    video = next(p for p in library.photos if p.video and p.video.has_original)
    source = sizes_of(owner_client, video)["Video Original"]["source"]
    hop = fetch(source, follow=False)
    assert hop.status == 302
    assert f"_orig.{video.video.container}?sig=" in hop.headers["Location"]
    reply = fetch(source)
    disposition = f'attachment; filename="{video.id}.{video.video.container}"'
    assert reply.headers["Content-Disposition"] == disposition
    assert reply.body == fake.original_bytes(video.id) and reply.body[4:8] == b"ftyp"


def test_a_cdn_url_with_a_forged_signature_is_403(
    owner_client: SignedClient, library: Library
) -> None:
    video = next(p for p in library.photos if p.video and p.video.has_original)
    source = sizes_of(owner_client, video)["Video Original"]["source"]
    location = fetch(source, follow=False).headers["Location"]
    assert fetch(location.split("?sig=")[0] + "?sig=0000").status == 403


def test_transcoded_streams_are_mp4(owner_client: SignedClient, library: Library) -> None:
    video = first(library, media="video")
    entry = next(s for s in sizes_of(owner_client, video).values() if "/play/" in s["source"])
    hop = fetch(entry["source"], follow=False)
    assert hop.headers["Location"].split("?")[0].endswith(".mp4")


def test_replace_original_changes_secret_bytes_and_dimensions(
    owner_client: SignedClient, fake: FakeFlickr, library: Library
) -> None:
    photo = first(library, media="photo", can_download=True)
    old_url, old_bytes, old_dims = (
        url_o(owner_client, photo),
        fake.original_bytes(photo.id),
        (photo.width, photo.height),
    )
    library.replace_original(photo.id)
    assert fetch(old_url).status == 404
    assert fetch(url_o(owner_client, photo)).body not in (old_bytes, b"")
    assert (photo.width, photo.height) != old_dims


def test_file_size_option_pads_originals_to_exactly_that_size_as_valid_jpegs() -> None:
    library = generate_library(seed=4, photos=3, videos=1, albums=1, file_size=300_000)
    with running_fake(library) as fake:
        for photo in library.photos:
            data = fake.original_bytes(photo.id)
            assert len(data) == 300_000
            if photo.originalformat == "jpg" and not photo.is_video:
                Image.open(io.BytesIO(data)).load()


def test_the_huge_video_streams_with_a_matching_sha256() -> None:
    size = 8 * 2**20 + 123  # the same code path serves 1 GiB; kept small to stay fast
    library = generate_library(seed=5, photos=2, videos=1, albums=1, huge_video_size=size)
    with running_fake(library) as fake:
        video = library.photo(library.huge_video_id)
        token, secret = fake.issue_access_token()
        client = SignedClient(fake.base_url, fake.api_key, fake.api_secret, token, secret)
        reply = fetch(sizes_of(client, video)["Video Original"]["source"])
        assert len(reply.body) == size
        assert hashlib.sha256(reply.body).hexdigest() == fake.original_sha256(video.id)
