"""generate_library(): a deterministic account full of Flickr's awkward cases; 100k in seconds."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from tests.fakeflickr.library import Clock, Library
from tests.fakeflickr.model import (
    FakeAlbum,
    FakeComment,
    FakeExif,
    FakeGeo,
    FakeNote,
    FakeOwner,
    FakePhoto,
    FakePlace,
    FakeVideo,
    PlaceSpec,
)
from tests.fakeflickr.organisation import organise

EPOCH = 1_262_304_000  # 2010-01-01 UTC: uploads start here ...
SPAN = 14 * 365 * 86_400  # ... and spread over 14 years, whatever the count
FIRST_ID = 52_000_000_000

HOSTILE_TITLES = (
    "",
    "T" * 150 + " très long ✨ " + "x" * 160,
    "../../etc/passwd",
    "He said \"cheese\" / and 'left'",
    "Sunset 🌅 über Zürich — 日本語",
    "a/b\\c:d*e?f<g>h|i",
    "..",
    "   ",
    "CON",
    "<b>html</b> &amp; entities",
)
HOSTILE_ALBUM_TITLES = (
    "Holidays",
    "../etc",
    "Holidays",
    "a/b",
    "🌅 Sunsets ☀️",
    "Ä" * 300,
    "CON",
    "   ",
    ".",
    "Family",
)
WORDS = (
    "sunset", "beach", "Zürich", "café", "mountain", "night", "snow", "street", "portrait",
    "dog", "cat", "river", "東京", "fête", "bridge", "forest", "train", "market", "rain", "sky",
)  # fmt: skip
RAW_TAGS = (
    "Sunset", "New York", "café", "2019", 'with "quotes"', "Zürich", "b&w", "NYC", "🌅",
    "long_exposure", "Hello World", "x/y",
)  # fmt: skip
MACHINE_TAGS = (
    "geo:lat=47.37", "upcoming:event=12345", "dc:subject=Old Town", "exif:iso=200",
    "dc:identifier=https://example.org/page/42",
)  # fmt: skip
# Other spellings of some tags above, given to later photos that carry them: one clean tag,
# several raw forms on different photos. The listing's clean tags and tags.getListUserRaw
# then cannot tell which spelling a photo has; only its getInfo can.
SPELLINGS = {
    "New York": ("newyork", "NEW-YORK", "New york"),
    "Hello World": ("HelloWorld", "hello world"),
    "dc:subject=Old Town": ("dc:subject=old-town", "DC:Subject=Old Town"),
}
CAMERAS = (
    ("Canon", "Canon EOS 5D Mark III"),
    ("SONY", "NEX-6"),
    ("Apple", "iPhone 12 Pro"),
    ("FUJIFILM", "X-T3"),
    ("NIKON CORPORATION", "NIKON D750"),
)
# A small pool, so photos share places (a client asks places.getInfo once per place). Levels
# are shared too: Altstadt lies in Zürich, which is itself a photo's place; two Brooklyn
# neighbourhoods; Kyoto has no county. Country first: (type, name, place_id, woeid, lat, lon).
_ZURICH: tuple[PlaceSpec, ...] = (
    ("country", "Switzerland", "7Ib5e2xQUL8r0lq.", "23424957", 46.813, 8.224),
    ("region", "Zurich", "B3vZE6dQULr5bLbL", "12893375", 47.417, 8.655),
    ("county", "Zürich District", "2UQpqIlSUL9ZMy0g", "12593211", 47.381, 8.532),
    ("locality", "Zürich", "Qkzn.aVTU7Ji6Q", "784794", 47.372, 8.541),
)
_BROOKLYN: tuple[PlaceSpec, ...] = (
    ("country", "United States", "nz.gsghTUb4c2WAecA", "23424977", 48.890, -116.982),
    ("region", "New York", "ODHTuIhTUb75gdBu", "2347591", 42.855, -76.501),
    ("county", "Kings", "4.e2sohQUL_DmxoQ", "12589335", 40.635, -73.950),
    ("locality", "Brooklyn", "3o0bYv.dBp8", "2459115", 40.650, -73.949),
)
PLACES = (
    FakePlace.of("Europe/Zurich", *_ZURICH),
    FakePlace.of(
        "Europe/London",
        ("country", "United Kingdom", "DevLebebApj4RVbtaQ", "23424975", 54.314, -2.230),
        ("region", "England", "pn4MsiGbBZlXeplyXg", "24554868", 52.883, -1.974),
        ("county", "Herefordshire", "ZZ9.qXxTUb5zW0oJ", "12602157", 52.081, -2.749),
        ("locality", "Abbey Dore", "ml2ZwFFTUb8", "10567", 51.968, -2.892),
    ),
    FakePlace.of(
        "Asia/Tokyo",
        ("country", "Japan", "0x9Bh1dQUL9hb3ay", "23424856", 36.204, 138.252),
        ("region", "Kyoto Prefecture", "fiVzH0pQUL9GcpKm", "2345853", 35.244, 135.467),
        ("locality", "Kyoto", "d0KwZBpYVs0", "15015372", 35.021, 135.754),
    ),
    FakePlace.of(
        "America/New_York",
        *_BROOKLYN,
        ("neighbourhood", "DUMBO", "VIYpYm5WU7IfYhxi", "2389483", 40.703, -73.988),
    ),
    FakePlace.of(
        "Europe/Zurich",
        *_ZURICH,
        ("neighbourhood", "Altstadt", "6oK4ew9WVLc3Nnn2", "20066186", 47.372, 8.543),
    ),
    FakePlace.of(
        "America/New_York",
        *_BROOKLYN,
        ("neighbourhood", "Williamsburg", "f5AY0B9WU7JaP5hR", "2508428", 40.714, -73.961),
    ),
)
COMMENTERS = ("Ännchen", "bob", "🤖 robot", "Zoë O'Brien")
T = TypeVar("T")
LONG_EDGES = (1024, 1600, 2048, 2048, 2400, 3000, 3000, 4000)


# random.choice/randint/randrange cost ~1 us each; these cut 100k-photo generation by half.
def _below(rnd: random.Random, n: int) -> int:
    return int(rnd.random() * n)


def _between(rnd: random.Random, low: int, high: int) -> int:
    return low + int(rnd.random() * (high - low + 1))


def _pick(rnd: random.Random, items: Sequence[T]) -> T:
    return items[int(rnd.random() * len(items))]


def _secret(rnd: random.Random) -> str:
    return f"{rnd.getrandbits(40):010x}"


def _taken(rnd: random.Random, upload: int) -> tuple[str, int, bool]:
    """(datetaken, granularity, takenunknown); unknown means "the upload time"."""
    roll = rnd.random()
    if roll < 0.03:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(upload)), 0, True
    when = time.gmtime(upload - _between(rnd, 1, 400 * 86_400 - 1))
    if roll < 0.06:
        return time.strftime("%Y-%m-01 00:00:00", when), 4, False
    if roll < 0.08:
        return time.strftime("%Y-01-01 00:00:00", when), 6, False
    if roll < 0.09:
        return time.strftime("%Y-01-01 00:00:00", when), 8, False
    return time.strftime("%Y-%m-%d %H:%M:%S", when), 0, False


def _title(rnd: random.Random, index: int) -> str:
    if index < len(HOSTILE_TITLES):
        return HOSTILE_TITLES[index]
    if rnd.random() < 0.04:
        return _pick(rnd, HOSTILE_TITLES)
    return f"{_pick(rnd, WORDS)} {_pick(rnd, WORDS)} #{index}"


def _description(rnd: random.Random, title: str) -> str:
    roll = rnd.random()
    if roll < 0.4:
        return ""
    if roll < 0.5:
        return 'Taken with <a href="https://example.com/x?a=1&amp;b=2">a friend</a> ☕\nline 2'
    return f"About {title!r}: {_pick(rnd, WORDS)}."


def _visibility(rnd: random.Random, index: int) -> tuple[bool, bool, bool]:
    # The first five cover every privacy class, even in a tiny library.
    if index < 5:
        return ((True, False, False), (False, False, False), (False, True, False),
                (False, False, True), (False, True, True))[index]  # fmt: skip
    roll = rnd.random()
    if roll < 0.6:
        return True, False, False
    if roll < 0.75:
        return False, False, False
    if roll < 0.85:
        return False, True, False
    if roll < 0.93:
        return False, False, True
    return False, True, True


def _geo(rnd: random.Random, *, no_accuracy: bool = False) -> FakeGeo:
    place = _pick(rnd, PLACES)
    # Some geotagged photos report accuracy 0: Flickr's way of saying "no real location".
    accuracy = 0 if no_accuracy or rnd.random() < 0.15 else _between(rnd, 1, 16)
    return FakeGeo(
        latitude=round(rnd.uniform(-60, 70), 6),
        longitude=round(rnd.uniform(-170, 170), 6),
        accuracy=accuracy,
        context=_pick(rnd, (0, 0, 1, 2)),
        place=place,
        is_public=rnd.random() < 0.8,
    )


def _comments(rnd: random.Random, photo_id: str, upload: int) -> list[FakeComment]:
    return [
        FakeComment(
            id=f"99887766-{photo_id}-72157{rnd.getrandbits(40)}",
            author=f"{_between(rnd, 10_000, 99_999_999)}@N0{_between(rnd, 0, 9)}",
            authorname=_pick(rnd, COMMENTERS),
            datecreate=upload + _between(rnd, 60, 10**7 - 1),
            text=_pick(rnd, ("Nice!", 'Wow <a href="https://x.example/">link</a> 😍', "Ça va?")),
        )
        for _ in range(_between(rnd, 1, 4))
    ]


def _notes(rnd: random.Random, owner: FakeOwner, photo_id: str) -> list[FakeNote]:
    return [
        FakeNote(
            id=f"72157{rnd.getrandbits(36)}",
            author=owner.nsid,
            authorname=owner.username,
            x=_below(rnd, 300),
            y=_below(rnd, 200),
            w=_between(rnd, 20, 150),
            h=_between(rnd, 20, 150),
            text=_pick(rnd, ("that's me", "Note with <i>markup</i>", "🐈 here")),
        )
        for _ in range(_between(rnd, 1, 2))
    ]


def _photo(
    rnd: random.Random, index: int, photo_id: str, upload: int, owner: FakeOwner, pro: bool
) -> tuple[FakePhoto, bool]:
    """Traits are forced for the first few indices so a 40-photo library has every trap.
    Also says whether people are to be tagged in it."""
    taken, granularity, unknown = _taken(rnd, upload)
    public, friend, family = _visibility(rnd, index)
    # A rare 6144 px original gives the 5k/6k sizes a reason to exist (big images are slow).
    edge = 6144 if index == 10 or rnd.random() < 0.005 else _pick(rnd, LONG_EDGES)
    short = round(edge * _pick(rnd, (0.5625, 0.666, 0.75)))
    width, height = (edge, short) if rnd.random() < 0.7 else (short, edge)
    fmt = "png" if index == 6 or rnd.random() < 0.02 else "gif" if index == 7 else "jpg"
    if fmt != "jpg":
        width, height = min(width, 1200), min(height, 1200)
    has_exif = fmt == "jpg" and (index in (0, 1) or (index > 9 and rnd.random() < 0.6))
    make, model = _pick(rnd, CAMERAS)
    start = _below(rnd, len(RAW_TAGS))  # step 5 is coprime with 12 tags: no duplicates
    tags = [RAW_TAGS[(start + 5 * i) % len(RAW_TAGS)] for i in range(_below(rnd, 5))]
    if index == 3 or rnd.random() < 0.1:
        tags.append(_pick(rnd, MACHINE_TAGS))
    title = _title(rnd, index)
    photo = FakePhoto(
        id=photo_id,
        secret=_secret(rnd),
        server=str(_between(rnd, 1000, 65535)),
        farm=66,
        title=title,
        description=_description(rnd, title),
        dateupload=upload,
        lastupdate=upload + (_between(rnd, 1, 10**6 - 1) if rnd.random() < 0.3 else 0),
        datetaken=taken,
        takengranularity=granularity,
        takenunknown=unknown,
        width=width,
        height=height,
        originalsecret=_secret(rnd),
        big_secret=_secret(rnd),
        originalformat=fmt,
        tags=tags,
        license=_pick(rnd, (0, 0, 0, 1, 4, 9)),
        ispublic=public,
        isfriend=friend,
        isfamily=family,
        # A few restricted (adult) photos: listings hide them unless safe_search=3.
        safety_level=2 if index == 8 or rnd.random() < 0.02 else _pick(rnd, (0, 0, 0, 1)),
        views=_below(rnd, 5000),
        rotation=90 if index == 9 else (_pick(rnd, (90, 180, 270)) if rnd.random() < 0.05 else 0),
        can_download=not (index == 5 or rnd.random() < 0.02),
    )
    # Drawn in their old order, so every later draw (and every file's bytes) stays put;
    # who is in the photo is drawn by organisation.py from its own generator.
    wants_people = rnd.random() < 0.1
    photo.exif_hidden = index == 1 or rnd.random() < 0.03
    if index in (2, 4) or rnd.random() < 0.3:
        photo.geo = _geo(rnd, no_accuracy=index == 4)
    if index in (0, 2) or rnd.random() < 0.15:
        photo.comments = _comments(rnd, photo_id, upload)
    if index == 4 or rnd.random() < 0.05:
        photo.notes = _notes(rnd, owner, photo_id)
    if has_exif:
        # The camera clock disagrees with Flickr's date taken (edited, or another zone).
        photo.exif = FakeExif(make, model, f"{int(taken[:4]) - 1}:06:15 12:34:56")
    return photo, wants_people


def _video(rnd: random.Random, vindex: int, photo: FakePhoto, huge: bool) -> None:
    """Turn a generated photo into a video: poster dims, a container, maybe no original."""
    photo.media = "video"
    photo.originalformat = "jpg"  # the `_o` file of a video is its poster frame
    photo.width, photo.height = _pick(rnd, ((1280, 720), (1920, 1080), (640, 360)))
    photo.rotation = 0
    photo.exif = None
    photo.can_download = True
    photo.video = FakeVideo(
        duration=_between(rnd, 2, 300),
        container="mov" if vindex == 0 or huge else _pick(rnd, ("mov", "mp4", "m4v")),
        has_original=huge or vindex != 1,
        label_style="modern" if vindex % 2 else "classic",
    )


def _respell(rnd: random.Random, photos: list[FakePhoto]) -> None:
    """Give SPELLINGS' other forms to later photos: the 2nd, 3rd... photo with such a tag
    gets each other spelling in turn (so even a small library has them), later ones a
    random spelling. Its own generator: no draw of the photos moves."""
    seen: Counter[str] = Counter()
    for photo in photos:
        for i, raw in enumerate(photo.tags):
            others = SPELLINGS.get(raw)
            if others is None:
                continue
            nth = seen[raw]
            seen[raw] += 1
            if 1 <= nth <= len(others):
                photo.tags[i] = others[nth - 1]
            elif nth > len(others) and rnd.random() < 0.5:
                photo.tags[i] = _pick(rnd, others)


def _faves(rnd: random.Random, photos: list[FakePhoto]) -> None:
    """Fave counts: most photos none, some a few, a rare one many; never the same for all."""
    for index, photo in enumerate(photos):
        roll = rnd.random()
        if index == 0 or 0.6 <= roll < 0.97:
            photo.faves = _between(rnd, 1, 40)
        elif roll >= 0.97:
            photo.faves = _between(rnd, 100, 5000)


def _albums(
    rnd: random.Random, photos: list[FakePhoto], count: int, owner_stamp: int
) -> list[FakeAlbum]:
    if not photos or count <= 0:
        return []
    ids = [p.id for p in photos]
    # Roughly one photo in ten belongs to no album (getNotInSet has something to find).
    eligible = [pid for i, pid in enumerate(ids) if i % 10 != 9] or ids
    videos = [p.id for p in photos if p.is_video]
    upload_of = {p.id: p.dateupload for p in photos}
    albums: list[FakeAlbum] = []
    for a in range(count):
        size = _between(rnd, 1, max(1, min(len(eligible), 1200 if a else 700, len(ids) // 3 + 2)))
        members = rnd.sample(eligible, min(size, len(eligible)))
        if a == 0 and videos and videos[0] not in members:
            members.append(videos[0])
        if a == 1 and albums:
            members.append(albums[0].photo_ids[0])  # a photo in two albums, at least
            members = list(dict.fromkeys(members))
        if a == 2 and len(eligible) >= 600:
            members = list(dict.fromkeys(members + eligible[:600]))  # an album over 500
        title = (
            HOSTILE_ALBUM_TITLES[a]
            if a < len(HOSTILE_ALBUM_TITLES)
            else f"Album {a} {_pick(rnd, WORDS)}"
        )
        first = min(upload_of[m] for m in members)
        created = first + _between(rnd, 1, 86_400 - 1)
        updated = max(created, min(owner_stamp, created + _below(rnd, 10**7)))
        albums.append(
            FakeAlbum(
                id=str(72157700000000000 + a * 1000 + _below(rnd, 1000)),
                title=title,
                description=_pick(rnd, ("", "An album — with «quotes»", "<i>html</i>")),
                photo_ids=members,
                primary=_pick(rnd, members),
                date_create=created,
                # Flickr says "0" for an album never updated since it was made.
                date_update=0 if a % 3 == 1 else updated,
                count_views=_below(rnd, 1000),
            )
        )
    return albums


def generate_library(
    seed: int = 1,
    photos: int = 40,
    videos: int = 4,
    albums: int = 6,
    *,
    pro: bool = True,
    file_size: int | None = None,
    huge_video_size: int = 0,
    owner: FakeOwner | None = None,
    clock: Clock = time.time,
    progress: Callable[[int], None] | None = None,
    organisation: bool = True,
) -> Library:
    """A deterministic account: `photos` stills + `videos` videos in `albums` albums.

    `file_size` forces every original (photo and video) to that many bytes (benchmarks);
    `huge_video_size` makes the first video's original that big, streamed, never in memory.
    `organisation=False`: an account with no collections, galleries, favourites, groups or
    contacts (people in photos and album comments are still there). See organisation.py.
    """
    rnd = random.Random(seed)
    owner = owner or FakeOwner()
    total = photos + videos
    video_slots = set(rnd.sample(range(total), videos)) if videos else set()
    avg_gap = max(2, SPAN // max(total, 1))
    upload = EPOCH + _below(rnd, 86_400)
    photo_id = FIRST_ID + _below(rnd, 1000)
    items: list[FakePhoto] = []
    with_people: list[FakePhoto] = []
    still_index = vindex = 0
    for i in range(total):
        # Several uploads share a second (batch uploads): tie-breaks must be stable.
        upload += 0 if rnd.random() < 0.1 else _between(rnd, 1, 2 * avg_gap)
        photo_id += _between(rnd, 1, 9)
        if i in video_slots:
            photo, wants_people = _photo(rnd, 10 + vindex, str(photo_id), upload, owner, pro)
            _video(rnd, vindex, photo, huge=bool(huge_video_size) and vindex == 0)
            vindex += 1
        else:
            photo, wants_people = _photo(rnd, still_index, str(photo_id), upload, owner, pro)
            still_index += 1
        photo.file_size = file_size
        items.append(photo)
        if wants_people:
            with_people.append(photo)
        if progress and i % 10_000 == 0:
            progress(i)
    # Generators of their own: these moved none of the draws above.
    _respell(random.Random(f"spellings-{seed}"), items)
    _faves(random.Random(f"faves-{seed}"), items)
    last = max((p.lastupdate for p in items), default=EPOCH)
    huge_id = next((p.id for p in items if p.is_video), None) if huge_video_size else None
    made_albums = _albums(rnd, items, albums, last)
    # A generator of its own: adding organisation moved none of the draws above.
    org = organise(
        random.Random(f"organisation-{seed}"),
        owner,
        made_albums,
        with_people,
        span=(EPOCH, max([last, *(a.date_update for a in made_albums)])),
        full=organisation,
    )
    return Library(
        seed=seed,
        owner=owner,
        pro=pro,
        clock=clock,
        photos=items,
        albums=made_albums,
        organisation=org,
        huge_video_id=huge_id,
        known_places=PLACES,
        huge_video_size=huge_video_size,
    )
