"""The fake account's data: slotted, mutable records guarded by the Library's lock.

Its own photos and albums, and how it is organised: collections, galleries, favourites
(other members' photos), groups, contacts, people in photos, album comments.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

VideoLabelStyle = Literal["classic", "modern"]


@dataclass(slots=True, frozen=True)
class FakeUser:
    """Another Flickr member: owns favourites and gallery photos, is a contact or is tagged
    in a photo. `pro` False: a free account, whose originals nobody gets."""

    nsid: str
    username: str
    realname: str = ""
    path_alias: str | None = None  # JSON null when the member chose none
    location: str = ""
    iconserver: str = "0"
    iconfarm: int = 0
    pro: bool = True


@dataclass(slots=True, frozen=True)
class FakeOwner:
    nsid: str = "99887766@N04"
    username: str = "fake-owner"
    realname: str = "Fake Ówner"
    path_alias: str = "fakeowner"
    location: str = "Zürich, CH"
    iconserver: str = "7420"
    iconfarm: int = 8
    description: str = 'Photos of <a href="https://example.com/z">Zürich</a> &amp; beyond ✨'
    timezone_label: str = "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"
    timezone_offset: str = "+01:00"
    timezone_id: str = "Europe/Zurich"

    @property
    def number(self) -> str:
        """The numeric part of the NSID: Flickr's prefix of collection and gallery ids."""
        return self.nsid.split("@")[0]

    def as_user(self) -> FakeUser:
        """The account's owner as a member others see (tagged in a photo, a commenter)."""
        return FakeUser(
            self.nsid,
            self.username,
            self.realname,
            self.path_alias,
            self.location,
            self.iconserver,
            self.iconfarm,
        )


PlaceType = Literal["neighbourhood", "locality", "county", "region", "country"]
# Flickr's place_type_id for each level (flickr.places.getPlaceTypes).
PLACE_TYPE_IDS: dict[PlaceType, int] = {
    "neighbourhood": 22,
    "locality": 7,
    "county": 9,
    "region": 8,
    "country": 12,
}
# One level as FakePlace.of takes it: (type, name, place_id, woeid, latitude, longitude).
PlaceSpec = tuple[PlaceType, str, str, str, float, float]


@dataclass(slots=True, frozen=True)
class FakePlaceLevel:
    """One level of Flickr's place hierarchy; a place of its own, with its own ids."""

    place_type: PlaceType
    name: str
    place_id: str
    woeid: str
    latitude: float
    longitude: float
    place_url: str


@dataclass(slots=True, frozen=True)
class FakePlace:
    """Where a geotagged photo is, as reverse geocoding put it: its levels, the most
    specific (neighbourhood, else locality) first and the country last. A level may be
    missing (no county). The photo's `place_id`/`woeid` are those of the first level; each
    level resolves on its own through places.getInfo (`within`)."""

    levels: tuple[FakePlaceLevel, ...]
    timezone: str

    @classmethod
    def of(cls, timezone: str, *levels: PlaceSpec) -> FakePlace:
        """Build from (type, name, place_id, woeid, latitude, longitude), country first.
        Flickr's place_url: the names down to this level, `+` for spaces; a county has
        none of its own and goes by its id."""
        built: list[FakePlaceLevel] = []
        path = ""
        for place_type, name, place_id, woeid, lat, lon in levels:
            if place_type == "county":
                url = f"/{place_id}"
            else:
                path += "/" + name.replace(" ", "+")
                url = path
            built.append(FakePlaceLevel(place_type, name, place_id, woeid, lat, lon, url))
        return cls(tuple(reversed(built)), timezone)

    @property
    def place_id(self) -> str:
        return self.levels[0].place_id

    @property
    def woeid(self) -> str:
        return self.levels[0].woeid

    @property
    def place_type(self) -> PlaceType:
        return self.levels[0].place_type

    def level(self, place_type: PlaceType) -> FakePlaceLevel | None:
        return next((lv for lv in self.levels if lv.place_type == place_type), None)

    def name_of(self, place_type: PlaceType) -> str:
        """The name at that level, "" when the place has no such level."""
        found = self.level(place_type)
        return found.name if found else ""

    @property
    def neighbourhood(self) -> str:
        return self.name_of("neighbourhood")

    @property
    def locality(self) -> str:
        return self.name_of("locality")

    @property
    def county(self) -> str:
        return self.name_of("county")

    @property
    def region(self) -> str:
        return self.name_of("region")

    @property
    def country(self) -> str:
        return self.name_of("country")

    @property
    def name(self) -> str:
        """Flickr's display name: this level and the ones above it, the county left out
        ("Montreal, Quebec, Canada")."""
        parts = [self.levels[0].name]
        parts += [lv.name for lv in self.levels[1:] if lv.place_type != "county"]
        return ", ".join(parts)

    def within(self, place_id: str = "", woeid: str = "") -> FakePlace | None:
        """The place one of these levels is (itself and the levels above it), found by
        place_id or woeid; None when no level has that id."""
        for index, lv in enumerate(self.levels):
            if (place_id and lv.place_id == place_id) or (woeid and lv.woeid == woeid):
                return FakePlace(self.levels[index:], self.timezone)
        return None


@dataclass(slots=True)
class FakeGeo:
    latitude: float
    longitude: float
    accuracy: int  # 1 (world) .. 16 (street); 0 means "no real location" on Flickr
    context: int = 0  # 0 not defined, 1 indoors, 2 outdoors
    place: FakePlace | None = None
    is_public: bool = True


@dataclass(slots=True)
class FakeComment:
    id: str
    author: str
    authorname: str
    datecreate: int
    text: str  # an HTML fragment, like Flickr's


@dataclass(slots=True)
class FakeNote:
    id: str
    author: str
    authorname: str
    x: int
    y: int
    w: int
    h: int
    text: str


@dataclass(slots=True)
class FakeExif:
    """Camera EXIF embedded in the original (and reported by getExif unless hidden)."""

    make: str
    model: str
    datetime_original: str  # "YYYY:MM:DD HH:MM:SS"; differs from Flickr's date taken on purpose
    fnumber: tuple[int, int] = (28, 10)
    exposure: tuple[int, int] = (1, 250)
    iso: int = 200


@dataclass(slots=True)
class FakePhotoPerson:
    """A member tagged in a photo (photos.people.getList), with or without a face box."""

    user: FakeUser
    added_by: str  # NSID of who tagged them: usually the photo's owner
    box: tuple[int, int, int, int] | None = None  # x, y, w, h on the people_dims() scale


@dataclass(slots=True)
class FakeVideo:
    duration: int  # seconds
    container: str  # real extension of the original: "mov", "mp4", "avi", ...
    has_original: bool = True  # False: no "Video Original" even for a Pro owner
    label_style: VideoLabelStyle = "classic"  # Site/Mobile/HD MP4 vs 1080p/720p/360p


@dataclass(slots=True)
class FakePhoto:
    """One photo or video. Fields use Flickr's vocabulary; the REST layer renders them."""

    id: str
    secret: str
    server: str
    farm: int
    title: str
    description: str
    dateupload: int
    lastupdate: int
    datetaken: str  # "YYYY-MM-DD HH:MM:SS", owner's local time
    width: int  # of the original file, before rotation
    height: int
    originalsecret: str
    big_secret: str  # sizes h and above have their own secret on Flickr
    originalformat: str = "jpg"  # a video's "original" in the photo sense is its JPEG poster
    media: Literal["photo", "video"] = "photo"
    tags: list[str] = field(default_factory=list)  # raw, as typed; machine tags included
    license: int = 0
    takengranularity: int = 0
    takenunknown: bool = False
    ispublic: bool = True
    isfriend: bool = False
    isfamily: bool = False
    safety_level: int = 0
    views: int = 0
    faves: int = 0  # how many members faved it (the count_faves extra)
    rotation: int = 0
    can_download: bool = True
    geo: FakeGeo | None = None
    comments: list[FakeComment] = field(default_factory=list)
    notes: list[FakeNote] = field(default_factory=list)
    people: list[FakePhotoPerson] = field(default_factory=list)
    exif: FakeExif | None = None
    exif_hidden: bool = False
    video: FakeVideo | None = None
    version: int = 0  # bumped by replace_original: new bytes
    file_size: int | None = None  # forced size of the original file (benchmarks)
    # None: the account's own photo. Otherwise another member's (a favourite, a gallery
    # photo), which no listing of the account's own photos shows.
    owner: FakeUser | None = None

    @property
    def is_video(self) -> bool:
        return self.media == "video"

    @property
    def haspeople(self) -> bool:
        return bool(self.people)

    @property
    def is_foreign(self) -> bool:
        return self.owner is not None

    @property
    def privacy(self) -> int:
        """Flickr's privacy_filter class: 1 public, 2 friends, 3 family, 4 both, 5 private."""
        if self.ispublic:
            return 1
        if self.isfriend and self.isfamily:
            return 4
        if self.isfriend:
            return 2
        if self.isfamily:
            return 3
        return 5


@dataclass(slots=True)
class FakeAlbum:
    id: str
    title: str
    description: str
    photo_ids: list[str]  # album order
    primary: str
    date_create: int
    date_update: int
    count_views: int = 0
    comments: list[FakeComment] = field(default_factory=list)  # photosets.comments.getList


@dataclass(slots=True)
class FakeCollection:
    """A node of the collection tree: albums and/or sub-collections (5 levels at most)."""

    id: str  # "<owner number>-<collection id>"
    title: str  # plain text, never wrapped in _content
    description: str
    album_ids: list[str] = field(default_factory=list)
    children: list[FakeCollection] = field(default_factory=list)


@dataclass(slots=True)
class FakeFave:
    photo_id: str  # another member's photo
    date_faved: int


@dataclass(slots=True)
class FakeGallery:
    """A curated list of other members' photos, with a curator's note on some."""

    id: str  # "<owner number>-<gallery id>"
    title: str
    description: str
    photo_ids: list[str]  # gallery order
    primary: str
    date_create: int
    date_update: int
    count_views: int = 0
    count_comments: int = 0
    notes: dict[str, str] = field(default_factory=dict)  # photo id -> curator's comment (HTML)

    @property
    def number(self) -> str:
        """The id without the owner prefix, as in the gallery's URL."""
        return self.id.split("-", 1)[-1]


@dataclass(slots=True, frozen=True)
class FakeGroup:
    nsid: str
    name: str
    iconfarm: int = 1
    iconserver: str = "1"
    admin: bool = False
    eighteenplus: bool = False
    invitation_only: bool = False
    members: int = 0
    pool_count: int = 0


@dataclass(slots=True)
class FakeContact:
    user: FakeUser
    friend: bool = False
    family: bool = False
    ignored: bool = False
    rev_ignored: bool = False  # they ignore the account's owner
    date_added: int = 0


@dataclass(slots=True)
class Organisation:
    """Everything about how the account is organised that is not a photo or an album field."""

    collections: list[FakeCollection] = field(default_factory=list)  # roots, owner's order
    foreign_photos: list[FakePhoto] = field(default_factory=list)  # other members' photos
    deleted_foreign_photos: list[FakePhoto] = field(default_factory=list)  # owners deleted them
    favorites: list[FakeFave] = field(default_factory=list)
    galleries: list[FakeGallery] = field(default_factory=list)
    groups: list[FakeGroup] = field(default_factory=list)
    contacts: list[FakeContact] = field(default_factory=list)


_DROPPED = frozenset(string.whitespace + string.punctuation)
_MACHINE_TAG = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):([A-Za-z_][A-Za-z0-9_]*)=(.+)$")


T = TypeVar("T")


def only(items: Iterable[T], matches: Callable[[T], bool], key: str) -> T:
    """The first item that matches; KeyError(key) when none does."""
    found = next((item for item in items if matches(item)), None)
    if found is None:
        raise KeyError(key)
    return found


def set_given(target: object, **values: object) -> None:
    """Set each field given a value; None leaves it as it is (what Flickr's edit calls do
    with an argument they were not sent)."""
    for name, value in values.items():
        if not hasattr(target, name):
            raise AttributeError(f"{type(target).__name__} has no field {name}")
        if value is not None:
            setattr(target, name, value)


def is_machine_tag(raw: str) -> bool:
    return _MACHINE_TAG.match(raw.strip()) is not None


def _squeeze(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch not in _DROPPED)


def clean_tag(raw: str) -> str:
    """Flickr's normalised tag: lower-case, spaces and punctuation dropped. A machine tag
    keeps its `namespace:predicate=` and loses them only in its value:
    `dc:identifier=https://x.org/a` -> `dc:identifier=httpsxorga`."""
    match = _MACHINE_TAG.match(raw.strip())
    if match:
        ns, pred, value = match.groups()
        return f"{ns.lower()}:{pred.lower()}={_squeeze(value)}"
    return _squeeze(raw)
