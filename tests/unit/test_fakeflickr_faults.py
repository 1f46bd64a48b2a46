"""Each fault knob does what it says, and the counters see what the client did."""

from __future__ import annotations

import http.client
import threading
import time

import pytest

from tests.fakeflickr import FakeFlickr, FakePhoto, Library
from tests.fakeflickr.client import Reply, SignedClient, fetch
from tests.fakeflickr.faults import CDN_TOO_MANY, TOO_MANY
from tests.fakeflickr.oauth import sign_params


def original_url(client: SignedClient, photo: FakePhoto) -> str:
    sizes = client.call("flickr.photos.getSizes", photo_id=photo.id)["sizes"]["size"]
    return next(s["source"] for s in sizes if s["label"] == "Original")


def rest_reply(client: SignedClient, method: str = "flickr.test.login") -> tuple[int, str]:
    url = f"{client.base_url}/rest/"
    params = {"method": method, "format": "json", "nojsoncallback": "1"}
    reply = client.send(url, client.signed(url, params))
    return reply.status, reply.text


@pytest.fixture
def photo(library: Library) -> FakePhoto:
    return next(p for p in library.photos if p.can_download and not p.is_video)


def test_fail_api_answers_an_html_error_page_once(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.faults.fail_api(status=503)
    status, body = rest_reply(owner_client)
    assert status == 503 and body.startswith("<html>")
    assert rest_reply(owner_client)[0] == 200


def test_fail_api_for_one_method_leaves_other_methods_alone(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.faults.fail_api(status=500, method="flickr.photos.getInfo")
    assert rest_reply(owner_client)[0] == 200
    assert rest_reply(owner_client, "flickr.photos.getInfo")[0] == 500


def test_rate_limit_answers_429_with_flickrs_html_and_retry_after(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.faults.rate_limit(retry_after=7)
    url = f"{owner_client.base_url}/rest/"
    reply = owner_client.send(url, owner_client.signed(url, {"method": "flickr.test.login"}))
    assert reply.status == 429 and TOO_MANY in reply.text
    assert reply.headers["Retry-After"] == "7"


def test_rate_limit_also_hits_the_oauth_endpoints(fake: FakeFlickr) -> None:
    fake.faults.rate_limit()
    url = f"{fake.base_url}/oauth/request_token"
    pairs = sign_params(
        "GET", url, {"oauth_callback": "oob"}, consumer_key=fake.api_key,
        consumer_secret=fake.api_secret,
    )  # fmt: skip
    assert SignedClient(fake.base_url, fake.api_key, fake.api_secret).send(url, pairs).status == 429


def test_stat_fail_201_is_the_not_currently_available_message(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.faults.stat_fail(code=201, times=2)
    replies = [owner_client.call("flickr.test.login") for _ in range(3)]
    assert [r["stat"] for r in replies] == ["fail", "fail", "ok"]
    assert replies[0] == {
        "stat": "fail",
        "code": 201,
        "message": "Sorry, the Flickr API service is not currently available.",
    }


def test_fail_method_for_photo_fails_only_that_photo(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    one, other = library.photos[0], library.photos[1]
    fake.faults.fail_method_for_photo("flickr.photos.getInfo", one.id, code=1)
    assert owner_client.call("flickr.photos.getInfo", photo_id=one.id)["code"] == 1
    assert owner_client.call("flickr.photos.getInfo", photo_id=other.id)["stat"] == "ok"
    assert owner_client.call("flickr.photos.getInfo", photo_id=one.id)["code"] == 1  # permanent


def test_api_rate_limit_answers_429_beyond_the_quota(
    fake: FakeFlickr, owner_client: SignedClient
) -> None:
    fake.faults.api_rate_limit(2, per_seconds=3600)
    statuses = [rest_reply(owner_client)[0] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert fake.counters.too_many_requests == {"flickr.test.login": 1}
    assert fake.counters.api_calls == {"flickr.test.login": 3}  # the refused call too


def test_api_latency_holds_every_rest_answer(fake: FakeFlickr, owner_client: SignedClient) -> None:
    fake.faults.api_latency = 0.05
    started = time.monotonic()
    assert rest_reply(owner_client)[0] == 200
    assert time.monotonic() - started >= 0.05


def test_reset_file_drops_the_connection_mid_body_once(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    url = original_url(owner_client, photo)
    fake.faults.reset_file(photo.id)
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        fetch(url)
    assert fetch(url).body == fake.original_bytes(photo.id)


def test_truncate_file_sends_half_the_announced_bytes(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    url = original_url(owner_client, photo)
    fake.faults.truncate_file(photo.id)
    with pytest.raises(http.client.IncompleteRead) as caught:
        fetch(url)
    size = len(fake.original_bytes(photo.id))
    assert len(caught.value.partial) == size // 2
    assert caught.value.expected == size - size // 2


def test_fail_file_without_times_lasts_until_cleared(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    url = original_url(owner_client, photo)
    fake.faults.fail_file(photo.id, status=403)
    assert [fetch(url).status for _ in range(2)] == [403, 403]
    fake.faults.clear()
    assert fetch(url).status == 200


def fetch_together(urls: list[str]) -> list[Reply]:
    replies: list[Reply] = []
    threads = [threading.Thread(target=lambda u=u: replies.append(fetch(u))) for u in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def downloadable(library: Library, count: int) -> list[FakePhoto]:
    return [p for p in library.photos if p.can_download and not p.is_video][:count]


def test_cdn_limit_answers_429_with_the_cdns_117_byte_page_beyond_its_files_in_flight(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    urls = [original_url(owner_client, p) for p in downloadable(library, 4)]
    fake.faults.file_latency = 0.3  # the four overlap
    fake.faults.cdn_limit(max_in_flight=2, retry_after="3")
    replies = fetch_together(urls)
    assert sorted(r.status for r in replies) == [200, 200, 429, 429]
    refused = [r for r in replies if r.status == 429]
    assert all(r.body == CDN_TOO_MANY.encode() and len(r.body) == 117 for r in refused)
    assert all(r.headers["Retry-After"] == "3" for r in refused)
    assert fake.counters.file_429s == 2
    assert fake.counters.max_concurrent_files == 3  # the two served and one it was refusing


def test_cdn_limit_relents_after_its_429s_and_counts_the_climb_back(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    urls = [original_url(owner_client, p) for p in downloadable(library, 3)]
    fake.faults.file_latency = 0.3
    fake.faults.cdn_limit(max_in_flight=1, times=2)
    assert sorted(r.status for r in fetch_together(urls)) == [200, 429, 429]
    assert fake.counters.max_concurrent_files_since_429 <= 1
    assert [r.status for r in fetch_together(urls)] == [200, 200, 200]
    assert fake.counters.file_429s == 2
    assert fake.counters.max_concurrent_files_since_429 == 3


def test_cdn_limit_none_lifts_it(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    urls = [original_url(owner_client, p) for p in downloadable(library, 2)]
    fake.faults.file_latency = 0.3
    fake.faults.cdn_limit(max_in_flight=1)
    fake.faults.cdn_limit(None)
    assert [r.status for r in fetch_together(urls)] == [200, 200]


def test_no_range_answers_200_with_the_whole_file(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    fake.faults.no_range = True
    reply = fetch(original_url(owner_client, photo), headers={"Range": "bytes=10-"})
    assert reply.status == 200 and reply.body == fake.original_bytes(photo.id)


def test_misrange_file_answers_a_resume_with_the_whole_file_from_byte_zero(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    url = original_url(owner_client, photo)
    original = fake.original_bytes(photo.id)
    fake.faults.misrange_file(photo.id)
    reply = fetch(url, headers={"Range": "bytes=100-"})
    assert reply.status == 206 and reply.body == original
    assert reply.headers["Content-Range"] == f"bytes 0-{len(original) - 1}/{len(original)}"
    assert fetch(url, headers={"Range": "bytes=100-"}).body == original[100:]  # once


def test_misrange_file_waits_for_a_request_that_asks_for_a_range(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    url = original_url(owner_client, photo)
    fake.faults.misrange_file(photo.id)
    assert fetch(url).status == 200
    assert fake.faults.armed_file_faults(photo.id) == ["misrange"]
    reply = fetch(url, headers={"Range": "bytes=100-"})
    assert reply.headers["Content-Range"].startswith("bytes 0-")


def test_max_per_page_clamps_one_method_and_reports_the_clamped_perpage(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    album = max(library.albums, key=lambda a: len(a.photo_ids))
    fake.faults.max_per_page("flickr.photosets.getPhotos", 2)
    reply = owner_client.call(
        "flickr.photosets.getPhotos", photoset_id=album.id, per_page="500", page="2"
    )["photoset"]
    assert [p["id"] for p in reply["photo"]] == album.photo_ids[2:4]
    assert reply["perpage"] == "2" and reply["pages"] == -(-len(album.photo_ids) // 2)
    search = owner_client.call("flickr.photos.search", user_id="me", per_page="500")["photos"]
    assert search["perpage"] == 500 and len(search["photo"]) > 2  # other methods unaffected


def test_max_per_page_also_caps_photosets_get_list(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    fake.faults.max_per_page("flickr.photosets.getList", 4)
    first = owner_client.call("flickr.photosets.getList", per_page="500")["photosets"]
    assert [a["id"] for a in first["photoset"]] == [a.id for a in library.albums[:4]]
    assert first["perpage"] == "4" and first["pages"] == -(-len(library.albums) // 4)
    fake.faults.max_per_page("flickr.photosets.getList", None)
    again = owner_client.call("flickr.photosets.getList", per_page="500")["photosets"]
    assert len(again["photoset"]) == len(library.albums)


def test_throttled_and_delayed_files_still_arrive_whole(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    fake.faults.file_bandwidth = 50_000_000
    fake.faults.file_latency = 0.01
    assert fetch(original_url(owner_client, photo)).body == fake.original_bytes(photo.id)


# --- counters ---------------------------------------------------------------------------


def test_counters_count_api_calls_by_method(fake: FakeFlickr, owner_client: SignedClient) -> None:
    owner_client.call("flickr.test.login")
    owner_client.call("flickr.test.login")
    owner_client.call("flickr.photos.search", user_id="me")
    assert fake.counters.api_calls == {"flickr.test.login": 2, "flickr.photos.search": 1}
    assert fake.counters.total_api_calls == 3


def test_counters_count_file_requests_and_bytes_by_photo(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    url = original_url(owner_client, photo)
    fetch(url)
    fetch(url, headers={"Range": "bytes=5-"})
    size = len(fake.original_bytes(photo.id))
    assert fake.counters.file_requests[photo.id] == 2
    assert fake.counters.bytes_served[photo.id] == 2 * size - 5


def test_counters_reset_forgets_everything(fake: FakeFlickr, owner_client: SignedClient) -> None:
    owner_client.call("flickr.test.login")
    fake.counters.reset()
    assert fake.counters.total_api_calls == 0 and not fake.counters.api_calls


def test_counters_keep_when_the_first_request_of_each_kind_arrived(
    fake: FakeFlickr, owner_client: SignedClient, photo: FakePhoto
) -> None:
    before = time.monotonic()
    url = original_url(owner_client, photo)  # one getSizes call
    fetch(url)
    fetch(url)
    counters = fake.counters
    first_api, first_file = counters.first_at("api"), counters.first_at("file")
    assert first_api is not None and first_file is not None
    assert before <= first_api == counters.first_at("flickr.photos.getSizes") <= first_file
    assert counters.first_at("flickr.photos.search") is None
    counters.reset()
    assert counters.first_at("api") is None and counters.first_at("file") is None


def test_max_concurrent_files_records_the_peak_of_parallel_downloads(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    photos = [p for p in library.photos if p.can_download and not p.is_video][:4]
    urls = [original_url(owner_client, p) for p in photos]
    fake.faults.file_latency = 0.3  # holds every response open so the four overlap
    threads = [threading.Thread(target=fetch, args=(u,)) for u in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.counters.max_concurrent_files == 4


def test_sequential_downloads_never_look_concurrent(
    fake: FakeFlickr, owner_client: SignedClient, library: Library
) -> None:
    # Regression: the slot used to be released after the last bytes went out, so a client
    # starting its next download at once was seen as two in flight.
    photos = [p for p in library.photos if p.can_download and not p.is_video][:6]
    urls = [original_url(owner_client, p) for p in photos]
    for url in urls * 3:
        fetch(url)
    assert fake.counters.max_concurrent_files == 1
