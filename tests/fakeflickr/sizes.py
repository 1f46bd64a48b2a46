"""Flickr's size ladder: which renditions a photo has, their dimensions, labels and URLs."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakeflickr.model import FakePhoto


@dataclass(frozen=True, slots=True)
class SizeSpec:
    extra: str  # the `url_<extra>` listing extra
    suffix: str  # the file-name suffix ("" for the 500 px Medium)
    label: str  # the getSizes label
    edge: int  # longest edge (or side of a square)
    square: bool = False
    big: bool = False  # h and above have their own secret on Flickr


SIZES: tuple[SizeSpec, ...] = (
    SizeSpec("sq", "s", "Square", 75, square=True),
    SizeSpec("q", "q", "Large Square", 150, square=True),
    SizeSpec("t", "t", "Thumbnail", 100),
    SizeSpec("s", "m", "Small", 240),
    SizeSpec("n", "n", "Small 320", 320),
    SizeSpec("w", "w", "Small 400", 400),
    SizeSpec("m", "", "Medium", 500),
    SizeSpec("z", "z", "Medium 640", 640),
    SizeSpec("c", "c", "Medium 800", 800),
    SizeSpec("l", "b", "Large", 1024),
    SizeSpec("h", "h", "Large 1600", 1600, big=True),
    SizeSpec("k", "k", "Large 2048", 2048, big=True),
    SizeSpec("3k", "3k", "X-Large 3K", 3072, big=True),
    SizeSpec("4k", "4k", "X-Large 4K", 4096, big=True),
    SizeSpec("5k", "5k", "X-Large 5K", 5120, big=True),
    SizeSpec("6k", "6k", "X-Large 6K", 6144, big=True),
)
BY_EXTRA = {s.extra: s for s in SIZES}
BY_SUFFIX = {s.suffix: s for s in SIZES}
FREE_ACCOUNT_MAX_EDGE = 1024  # since 2025 free accounts get nothing above 1024 px


@dataclass(frozen=True, slots=True)
class VideoStream:
    play: str  # the /play/<play>/ path element
    label: str  # the getSizes label
    height: int
    null_dims: bool = False  # newer labels often come with null width/height


CLASSIC_STREAMS = (
    VideoStream("site", "Site MP4", 360),
    VideoStream("mobile", "Mobile MP4", 360),
    VideoStream("hd", "HD MP4", 720),
)
MODERN_STREAMS = (
    VideoStream("1080p", "1080p", 1080, null_dims=True),
    VideoStream("720p", "720p", 720),
    VideoStream("360p", "360p", 360, null_dims=True),
)
ALL_STREAMS = {s.play: s for s in CLASSIC_STREAMS + MODERN_STREAMS}


def owner_is_pro(photo: FakePhoto, pro: bool) -> bool:
    """`pro` is the account's; another member's photo goes by its own owner's account."""
    return photo.owner.pro if photo.owner is not None else pro


def has_original(photo: FakePhoto, pro: bool) -> bool:
    """Whether Flickr offers the original file (url_o, originalsecret, getSizes "Original"):
    only of a Pro account's photo, and only if its owner allows downloads."""
    return photo.can_download and owner_is_pro(photo, pro)


def display_dims(photo: FakePhoto) -> tuple[int, int]:
    """Smaller sizes are rotated by `rotation` relative to the (possibly unrotated) original."""
    if photo.rotation in (90, 270):
        return photo.height, photo.width
    return photo.width, photo.height


def size_dims(photo: FakePhoto, spec: SizeSpec) -> tuple[int, int]:
    if spec.square:
        return spec.edge, spec.edge
    w, h = display_dims(photo)
    scale = spec.edge / max(w, h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def available_sizes(photo: FakePhoto, pro: bool) -> list[SizeSpec]:
    """The renditions that exist for this photo, smallest first (never the original). A
    video's are poster frames only up to its own dimensions (a 352x288 one stops at Small
    320, as in real listings); a photo always has the sizes up to Medium 500."""
    longest = max(photo.width, photo.height)
    limit = longest if owner_is_pro(photo, pro) else min(longest, FREE_ACCOUNT_MAX_EDGE)
    floor = 0 if photo.is_video else 500
    return [s for s in SIZES if s.square or s.edge <= limit or s.edge <= floor]


def people_dims(photo: FakePhoto) -> tuple[int, int]:
    """The photo_width/photo_height of photos.people.getList: the Large (1024) rendition's
    dimensions, or the photo's own when it is smaller. Face boxes are on this scale."""
    w, h = display_dims(photo)
    if max(w, h) <= BY_EXTRA["l"].edge:
        return w, h
    return size_dims(photo, BY_EXTRA["l"])


def size_secret(photo: FakePhoto, spec: SizeSpec) -> str:
    return photo.big_secret if spec.big else photo.secret


def size_url(origin: str, photo: FakePhoto, spec: SizeSpec) -> str:
    suffix = f"_{spec.suffix}" if spec.suffix else ""
    return f"{origin}/static/{photo.server}/{photo.id}_{size_secret(photo, spec)}{suffix}.jpg"


def original_url(origin: str, photo: FakePhoto) -> str:
    ext = photo.originalformat
    return f"{origin}/static/{photo.server}/{photo.id}_{photo.originalsecret}_o.{ext}"


def video_streams(photo: FakePhoto) -> list[VideoStream]:
    """Transcodes a video has (never the original), by its label style and height."""
    assert photo.video is not None
    streams = CLASSIC_STREAMS if photo.video.label_style == "classic" else MODERN_STREAMS
    height = min(photo.width, photo.height)
    return [s for s in streams if s.height <= max(height, 360)]


def stream_dims(photo: FakePhoto, stream: VideoStream) -> tuple[int, int]:
    w, h = display_dims(photo)
    if stream.play == "mobile":
        return 480, 360
    height = min(stream.height, h)
    return round(w * height / h), height


def play_secret(photo: FakePhoto, play: str) -> str:
    """`Video Original` uses the originalsecret; other streams the plain secret."""
    return photo.originalsecret if play == "orig" else photo.secret


def play_url(origin: str, owner_alias: str, photo: FakePhoto, play: str) -> str:
    return f"{origin}/photos/{owner_alias}/{photo.id}/play/{play}/{play_secret(photo, play)}/"


def stream_ext(photo: FakePhoto, play: str) -> str:
    assert photo.video is not None
    return photo.video.container if play == "orig" else "mp4"
