"""Fault knobs (what goes wrong next) and counters (what the client did); both thread-safe.

Most knobs arm "the next N matching requests"; `times=None` means until `clear()`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

STAT_MESSAGES = {
    105: "Service currently unavailable",
    106: "Write operation failed",
    201: "Sorry, the Flickr API service is not currently available.",
    0: "Sorry, the Flickr API service is not currently available.",
}
TOO_MANY = "You have sent too many requests in a given amount of time."
# What live.staticflickr.com answers when it throttles: HAProxy's stock page, 117 bytes.
CDN_TOO_MANY = f"<html><body><h1>429 Too Many Requests</h1>\n{TOO_MANY}\n</body></html>\n"


@dataclass(slots=True)
class ApiFault:
    kind: Literal["http", "stat", "rate"]
    status: int = 200
    code: int = 0
    message: str = ""
    method: str | None = None
    retry_after: float | None = None
    remaining: int | None = 1


@dataclass(slots=True)
class FileFault:
    kind: Literal["status", "reset", "truncate", "misrange"]
    photo_id: str
    status: int = 0
    remaining: int | None = 1
    what: str | None = None  # "original", a size suffix ("b", "k"), a video play label; None: any
    retry_after: str | None = None  # the Retry-After header of a status fault, verbatim


@dataclass(slots=True)
class CdnLimit:
    max_in_flight: int
    retry_after: str | None = None  # verbatim; the real CDN has not been seen sending one
    remaining: int | None = None  # 429s left to send before the CDN relents; None: until lifted


@dataclass(slots=True)
class PhotoMethodFault:
    method: str
    photo_id: str
    code: int
    remaining: int | None


def _take(items: list[ApiFault] | list[FileFault] | list[PhotoMethodFault], index: int) -> None:
    item = items[index]
    if item.remaining is not None:
        item.remaining -= 1
        if item.remaining <= 0:
            del items[index]


class Faults:
    """Arm failures from the test thread; the server thread consumes them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._api: list[ApiFault] = []
            self._files: list[FileFault] = []
            self._photo_methods: list[PhotoMethodFault] = []
            self._rate: tuple[int, float] | None = None
            self._calls: deque[float] = deque()
            self._short: tuple[int, int] = (0, 0)
            self._page_caps: dict[str, int] = {}
            self._cdn: CdnLimit | None = None
            self.file_bandwidth: float | None = None  # bytes/s per connection
            self.file_latency: float = 0.0  # seconds before the first byte of a file
            self.api_latency: float = 0.0  # seconds before every REST answer (429s too)
            self.no_range: bool = False  # ignore Range: answer 200 with the whole file
            # photos.search's index lags: these ids are missing from it (and from its total)
            # while albums, getNotInSet, people.getPhotos and the account count have them.
            self.search_lag: frozenset[str] = frozenset()
            # recentlyUpdated's index lags: these ids' changes are not in it yet (update_lag.py)
            self.recent_lag: frozenset[str] = frozenset()
            # counted by people.getInfo, shown by no listing at all (stuck in processing)
            self.unlisted: frozenset[str] = frozenset()
            # extras every listing leaves out, asked for or not (see ignore_extras)
            self.ignored_extras: frozenset[str] = frozenset()

    # --- arming (test side) -------------------------------------------------------------

    def fail_api(self, status: int = 500, times: int | None = 1, method: str | None = None) -> None:
        """Next REST/OAuth calls (optionally of one method) get an HTML error page."""
        with self._lock:
            self._api.append(ApiFault("http", status=status, method=method, remaining=times))

    def rate_limit(self, times: int | None = 1, retry_after: float | None = None) -> None:
        """Next calls get HTTP 429 with Flickr's tiny HTML body (+ Retry-After when given)."""
        with self._lock:
            self._api.insert(0, ApiFault("rate", 429, retry_after=retry_after, remaining=times))

    def stat_fail(
        self,
        code: int = 105,
        times: int | None = 1,
        method: str | None = None,
        message: str | None = None,
    ) -> None:
        """Next calls answer HTTP 200 stat=fail with this code (201: "not currently available")."""
        text = message or STAT_MESSAGES.get(code, "Injected failure")
        with self._lock:
            self._api.append(
                ApiFault("stat", code=code, message=text, method=method, remaining=times)
            )

    def fail_method_for_photo(
        self, method: str, photo_id: str | int, code: int = 1, times: int | None = None
    ) -> None:
        """Calls of `method` for this photo (or album: `photoset_id`; gallery: `gallery_id`)
        answer stat=fail `code`."""
        with self._lock:
            self._photo_methods.append(PhotoMethodFault(method, str(photo_id), code, times))

    def api_rate_limit(self, calls: int | None, per_seconds: float = 1.0) -> None:
        """Beyond `calls` per sliding `per_seconds` window, answer 429 (None switches it off)."""
        with self._lock:
            self._rate = None if calls is None else (calls, per_seconds)
            self._calls.clear()

    def fail_file(
        self,
        photo_id: str | int,
        status: int = 404,
        times: int | None = None,
        *,
        what: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Requests for the photo's files (only `what`: "original", a size suffix, a video
        play label) get an HTML error page with this status (and Retry-After, if given)."""
        with self._lock:
            self._files.append(FileFault("status", str(photo_id), status, times, what, retry_after))

    def refuse_original(
        self, photo_id: str | int, status: int = 403, times: int | None = None
    ) -> None:
        """The original (a photo's `_o` file, a video's Video Original) is refused while the
        other sizes are served: downloads disabled by the owner, a CDN refusal."""
        self.fail_file(photo_id, status, times, what="original")

    def cdn_limit(
        self, max_in_flight: int | None, *, retry_after: str | None = None, times: int | None = None
    ) -> None:
        """The image servers' own throttling, apart from the API quota: a file request that
        finds `max_in_flight` others being served gets HTTP 429 with the CDN's 117-byte HTML
        page (and Retry-After, if given). After `times` such 429s the CDN relents (None: until
        `cdn_limit(None)` or `clear()`)."""
        with self._lock:
            if max_in_flight is None:
                self._cdn = None
            else:
                self._cdn = CdnLimit(max(1, max_in_flight), retry_after, times)

    def reset_file(self, photo_id: str | int, times: int | None = 1) -> None:
        """The connection drops (reset) after some bytes of the body."""
        with self._lock:
            self._files.append(FileFault("reset", str(photo_id), remaining=times))

    def truncate_file(self, photo_id: str | int, times: int | None = 1) -> None:
        """Full Content-Length announced, half the bytes sent, then the connection closes."""
        with self._lock:
            self._files.append(FileFault("truncate", str(photo_id), remaining=times))

    def lag_search_index(self, photo_ids: list[str] | set[str]) -> None:
        """photos.search stops returning these photos (other listings still do)."""
        with self._lock:
            self.search_lag = frozenset(str(p) for p in photo_ids)

    def unlist(self, photo_ids: list[str] | set[str]) -> None:
        """No listing shows these photos any more; the account still counts them."""
        with self._lock:
            self.unlisted = frozenset(str(p) for p in photo_ids)

    def ignore_extras(self, names: Iterable[str] | None) -> None:
        """Listings silently leave out these extras, by the name a client asks for
        ("rotation", "count_faves", "owner_name", "url_o"...), as Flickr answers extras it
        does not know: no error, no key. Several are undocumented and may go away; a client
        must notice the gap and fall back (getInfo). None or () brings them back."""
        with self._lock:
            self.ignored_extras = frozenset(n.strip().lower() for n in names or ())

    def misrange_file(self, photo_id: str | int, times: int | None = 1) -> None:
        """A `Range: bytes=N-` request gets 206 with the whole file from byte 0, and a
        Content-Range that says so (`bytes 0-…`): a resume served from the wrong offset.
        Requests without Range leave this fault armed."""
        with self._lock:
            self._files.append(FileFault("misrange", str(photo_id), remaining=times))

    def max_per_page(self, method: str, size: int | None) -> None:
        """Clamp `per_page` for one REST method to `size` (None lifts it), as Flickr clamps
        it: silently, reporting the clamped `perpage` in its answer."""
        with self._lock:
            if size is None:
                self._page_caps.pop(method, None)
            else:
                self._page_caps[method] = max(1, size)

    def short_pages(self, times: int = 1, drop: int = 3) -> None:
        """Next listing pages miss `drop` items, non-final pages too (real Flickr does this)."""
        with self._lock:
            self._short = (times, drop)

    # --- consuming (server side) --------------------------------------------------------

    def armed_file_faults(self, photo_id: str | int) -> list[str]:
        """Kinds of the file faults still waiting for this photo: a test can check one fired."""
        with self._lock:
            return [f.kind for f in self._files if f.photo_id == str(photo_id)]

    def take_api_fault(self, method: str) -> ApiFault | None:
        with self._lock:
            if self._rate is not None:
                calls, window = self._rate
                now = self._clock()
                while self._calls and self._calls[0] <= now - window:
                    self._calls.popleft()
                if len(self._calls) >= calls:
                    return ApiFault("rate", 429, remaining=None)
                self._calls.append(now)
            for index, fault in enumerate(self._api):
                if fault.method is None or fault.method == method:
                    _take(self._api, index)
                    return fault
            return None

    def take_photo_method_fault(self, method: str, photo_id: str) -> int | None:
        with self._lock:
            for index, fault in enumerate(self._photo_methods):
                if fault.method == method and fault.photo_id == photo_id:
                    _take(self._photo_methods, index)
                    return fault.code
            return None

    def take_file_fault(
        self, photo_id: str, what: str = "", *, ranged: bool = False
    ) -> FileFault | None:
        with self._lock:
            for index, fault in enumerate(self._files):
                matches = fault.photo_id == photo_id and fault.what in (None, what)
                if matches and (ranged or fault.kind != "misrange"):
                    _take(self._files, index)
                    return fault
            return None

    def take_cdn_refusal(self, in_flight: int) -> CdnLimit | None:
        """The CDN limit, when a request that makes `in_flight` (itself included) exceeds it."""
        with self._lock:
            limit = self._cdn
            if limit is None or in_flight <= limit.max_in_flight:
                return None
            if limit.remaining is not None:
                limit.remaining -= 1
                if limit.remaining <= 0:
                    self._cdn = None
            return limit

    def page_cap(self, method: str) -> int | None:
        with self._lock:
            return self._page_caps.get(method)

    def take_short_page(self) -> int:
        with self._lock:
            times, drop = self._short
            if times <= 0:
                return 0
            self._short = (times - 1, drop)
            return drop


class Counters:
    """What reached the server. Read the properties; `reset()` between phases of a test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._api: Counter[str] = Counter()
            self._too_many: Counter[str] = Counter()
            self._files: Counter[str] = Counter()
            self._bytes: Counter[str] = Counter()
            self._log: list[str] = []
            self._file_log: list[tuple[str, str]] = []
            self._photo_calls: list[tuple[int, str, str]] = []
            self._peak = self._in_flight
            self._file_429s = 0
            self._peak_since_429 = self._in_flight
            self._first_at: dict[str, float] = {}

    @property
    def api_calls(self) -> Counter[str]:
        """REST calls by method name (OAuth endpoints as "oauth.request_token", ...)."""
        with self._lock:
            return Counter(self._api)

    @property
    def total_api_calls(self) -> int:
        with self._lock:
            return sum(self._api.values())

    @property
    def too_many_requests(self) -> Counter[str]:
        """REST calls answered HTTP 429, by method (also counted in `api_calls`)."""
        with self._lock:
            return Counter(self._too_many)

    @property
    def file_requests(self) -> Counter[str]:
        """File requests (static files and video CDN) by photo id."""
        with self._lock:
            return Counter(self._files)

    @property
    def bytes_served(self) -> Counter[str]:
        with self._lock:
            return Counter(self._bytes)

    @property
    def log(self) -> list[str]:
        """Every request in arrival order: a REST method name, or "file:<photo id>"."""
        with self._lock:
            return list(self._log)

    @property
    def file_log(self) -> list[tuple[str, str]]:
        """(photo id, what) of every file request in arrival order; what is "original", a
        size suffix ("q", "z", "" for the Medium 500, "o" for a video's poster) or a video's
        play label ("orig", "hd", ...)."""
        with self._lock:
            return list(self._file_log)

    @property
    def max_concurrent_files(self) -> int:
        """Peak number of file responses in flight at once: the concurrency spy."""
        with self._lock:
            return self._peak

    @property
    def photo_calls(self) -> list[tuple[int, str, str]]:
        """(index in `log`, method, photo id) of every REST call about one photo."""
        with self._lock:
            return list(self._photo_calls)

    @property
    def file_429s(self) -> int:
        """HTTP 429s the file servers sent (a CDN limit's, or a fault's)."""
        with self._lock:
            return self._file_429s

    @property
    def max_concurrent_files_since_429(self) -> int:
        """Peak of file responses in flight among requests that arrived after the last 429:
        how far the client's concurrency climbed back once the throttling stopped."""
        with self._lock:
            return self._peak_since_429

    def first_at(self, what: str) -> float | None:
        """time.monotonic() when the first request of a kind arrived: a REST method name,
        "api" (any REST or OAuth call) or "file". On Linux that clock is the system's
        CLOCK_MONOTONIC, so another process can compare it with its own (start-up figures)."""
        with self._lock:
            return self._first_at.get(what)

    def count_api(self, method: str, photo_id: str | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            self._api[method] += 1
            if photo_id:
                self._photo_calls.append((len(self._log), method, photo_id))
            self._log.append(method)
            self._first_at.setdefault("api", now)
            self._first_at.setdefault(method, now)

    def count_too_many(self, method: str) -> None:
        with self._lock:
            self._too_many[method] += 1

    def file_slot(self, photo_id: str, what: str = "") -> FileSlot:
        """Count a file request and hold one in-flight place until `release()`."""
        now = time.monotonic()
        with self._lock:
            self._first_at.setdefault("file", now)
            self._files[photo_id] += 1
            self._log.append(f"file:{photo_id}")
            self._file_log.append((photo_id, what))
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            self._peak_since_429 = max(self._peak_since_429, self._in_flight)
            return FileSlot(self, photo_id, self._in_flight)

    def file_throttled(self) -> None:
        """A file request was answered 429 (its slot already released)."""
        with self._lock:
            self._file_429s += 1
            self._peak_since_429 = 0

    def file_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def add_bytes(self, photo_id: str, count: int) -> None:
        with self._lock:
            self._bytes[photo_id] += count


class FileSlot:
    """One file response in flight. Release it *before* the last bytes go out: a client that
    has its whole file may start the next one at once, and must not look concurrent."""

    def __init__(self, counters: Counters, photo_id: str, in_flight: int) -> None:
        self._counters: Counters | None = counters
        self.photo_id = photo_id
        self.in_flight = in_flight  # file responses in flight when it arrived, itself included

    def release(self) -> None:
        if self._counters is not None:
            self._counters.file_finished()
            self._counters = None
