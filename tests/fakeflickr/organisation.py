"""organise(): the seeded organisation around a generated account's photos and albums.

Collections (three levels deep somewhere, an empty one, an album in two, a hostile title),
favourites and galleries of other members' photos (one deleted by its owner, one whose owner
forbids downloads, one from a free account, one for friends only), groups, contacts (every
friend/family combination), people tagged in photos (with and without a face box) and album
comments. It draws from its own random generator, so the account's photos, albums and
files are exactly what they were before it existed.
"""

from __future__ import annotations

import random
import time

from tests.fakeflickr.model import (
    FakeAlbum,
    FakeCollection,
    FakeComment,
    FakeContact,
    FakeFave,
    FakeGallery,
    FakeGroup,
    FakeOwner,
    FakePhoto,
    FakePhotoPerson,
    FakeUser,
    Organisation,
)

FOREIGN_FIRST_ID = 53_900_000_000  # far above the account's own ids (52_0xx_xxx_xxx)
COLLECTION_BASE = 72157600000000000
GALLERY_BASE = 72157720000000000
ICON_DEFAULT = "https://combo.staticflickr.com/pw/images/collection_default_{}.gif"
# "../", a reserved Windows name, an emoji and well over 255 bytes of UTF-8.
HOSTILE_COLLECTION_TITLE = "../../CON 🌅 " + "Ä" * 150
HOSTILE_GALLERY_TITLE = '../CON <b>"Best"</b> 🌃 ' + "ø" * 140

ANNA = FakeUser("12037949@N03", "ånna.b", "Ånna Berg", "annaberg", "Stockholm, SE", "4321", 5)
BOB = FakeUser("35034346050@N01", "bob", "", None, "", "0", 0, pro=False)  # a free account
ZOE = FakeUser("48600090482@N01", "Zoë 📷", "Zoë O'Brien", "zoe", "Dublin", "65535", 66)
MARTA = FakeUser("77001110@N05", "marta", "Marta Kowalska", "marta_k", "Kraków", "7372", 8)
STRANGER = FakeUser("61021753@N02", "../CON <x>", "Robert'); DROP TABLE--", None, "", "0", 0)

GROUPS = (
    FakeGroup("34427469792@N01", "FlickrCentral", 1, "1", members=168055, pool_count=5280930),
    FakeGroup(
        "1234567@N20", "<b>Sunsets</b> & 🌅 ../", 6, "5150", admin=True, members=12, pool_count=78
    ),
    FakeGroup(
        "987654@N22",
        "Nudes (18+)",
        2,
        "1200",
        eighteenplus=True,
        invitation_only=True,
        members=3456,
        pool_count=9876,
    ),
)


def _stamp(rnd: random.Random, span: tuple[int, int]) -> int:
    return rnd.randint(span[0], max(span))


def _secret(rnd: random.Random) -> str:
    return f"{rnd.getrandbits(40):010x}"


def _foreign_photo(
    rnd: random.Random,
    index: int,
    owner: FakeUser,
    span: tuple[int, int],
    *,
    title: str | None = None,
    **traits: object,
) -> FakePhoto:
    upload = _stamp(rnd, span)
    edge = rnd.choice((1600, 2048, 3000, 4000))
    width, height = (edge, edge * 3 // 4) if rnd.random() < 0.7 else (edge * 2 // 3, edge)
    photo = FakePhoto(
        id=str(FOREIGN_FIRST_ID + 7919 * index + rnd.randrange(100)),
        secret=_secret(rnd),
        server=str(rnd.randint(1000, 65535)),
        farm=66,
        title=f"{owner.username}'s photo #{index}" if title is None else title,
        description=rnd.choice(("", "Shot on film 🎞", 'See <a href="https://x.example/">this</a>')),
        dateupload=upload,
        lastupdate=upload + rnd.randrange(3600),
        datetaken=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(upload - rnd.randrange(86_400))),
        width=width,
        height=height,
        originalsecret=_secret(rnd),
        big_secret=_secret(rnd),
        tags=rnd.sample(["street", "Zürich", "film", "b&w", "New York"], rnd.randint(0, 3)),
        license=rnd.choice((0, 4, 9)),
        views=rnd.randrange(10_000),
        owner=owner,
    )
    for name, value in traits.items():
        setattr(photo, name, value)
    return photo


def _collections(
    rnd: random.Random, owner: FakeOwner, albums: list[FakeAlbum]
) -> list[FakeCollection]:
    ids = [a.id for a in albums]
    numbers = iter(sorted(rnd.sample(range(1, 1_000_000), 6)))

    def node(title: str, description: str, picks: tuple[int, ...]) -> FakeCollection:
        chosen = list(dict.fromkeys(ids[i % len(ids)] for i in picks)) if ids else []
        return FakeCollection(
            id=f"{owner.number}-{COLLECTION_BASE + next(numbers)}",
            title=title,
            description=description,
            album_ids=chosen,
        )

    travel = node("Travel ✈️", "Trips, by continent", (0,))  # albums and collections mixed
    europe = node("Europe", "", (1, 2))
    zurich = node("Zürich & around", "3rd level <not html>", (1,))  # album 1 is in Europe too
    europe.children.append(zurich)
    travel.children += [europe, node(HOSTILE_COLLECTION_TITLE, "../", (3,))]
    empty = node("Empty for now", "", ())
    family = node("Family", "Ünd friends", (4, 5))
    return [travel, empty, family]


def _favorites_and_galleries(
    rnd: random.Random, owner: FakeOwner, span: tuple[int, int]
) -> tuple[list[FakePhoto], list[FakePhoto], list[FakeFave], list[FakeGallery]]:
    photos = [
        _foreign_photo(rnd, 0, ANNA, span, title="Tram at dusk"),
        _foreign_photo(rnd, 1, BOB, span, title="Free account: no original"),
        _foreign_photo(rnd, 2, ZOE, span, title="Downloads forbidden", can_download=False),
        _foreign_photo(rnd, 3, ZOE, span, title="Friends only", ispublic=False, isfriend=True),
        _foreign_photo(rnd, 4, MARTA, span, title="Deleted by its owner"),
        _foreign_photo(rnd, 5, MARTA, span, title="../../CON 🌅 <b>", originalformat="png"),
        _foreign_photo(rnd, 6, ANNA, span, title="Only in a gallery"),
        _foreign_photo(rnd, 7, STRANGER, span, title=""),
        _foreign_photo(rnd, 8, ANNA, span, title="Faved and in a gallery"),
    ]
    for photo in photos:
        if photo.originalformat == "png":  # originals other than JPEG stay small
            photo.width, photo.height = 1200, 900
    deleted = [photos.pop(4)]
    faved = [photos[i] for i in (0, 1, 2, 3, 4, 6, 7)] + deleted
    favorites = [FakeFave(p.id, _stamp(rnd, (p.dateupload, max(span)))) for p in faved]
    created = sorted(_stamp(rnd, span) for _ in range(2))
    first = FakeGallery(
        id=f"{owner.number}-{GALLERY_BASE + rnd.randrange(1000)}",
        title="Street photography I love",
        description='From <a href="https://x.example/">everywhere</a> &amp; more',
        photo_ids=[photos[5].id, photos[0].id, photos[7].id],
        primary=photos[0].id,
        date_create=created[0],
        date_update=min(max(span), created[0] + 100),
        count_views=5,
        notes={photos[5].id: "The <i>light</i> here!"},
    )
    second = FakeGallery(
        id=f"{owner.number}-{GALLERY_BASE + 1000 + rnd.randrange(1000)}",
        title=HOSTILE_GALLERY_TITLE,
        description="",
        # The deleted photo is still listed here; Flickr shows the gallery without it.
        photo_ids=[photos[6].id, deleted[0].id, photos[2].id],
        primary=photos[6].id,
        date_create=created[1],
        date_update=created[1],
        count_comments=2,
        notes={photos[6].id: "Who is <b>this</b>? 🤔"},
    )
    return photos, deleted, favorites, [first, second]


def _contacts(rnd: random.Random, span: tuple[int, int]) -> list[FakeContact]:
    return [
        FakeContact(ANNA, friend=True, date_added=_stamp(rnd, span)),
        FakeContact(ZOE, friend=True, family=True, date_added=_stamp(rnd, span)),
        FakeContact(BOB, family=True, date_added=_stamp(rnd, span)),
        FakeContact(MARTA, ignored=True, rev_ignored=True, date_added=_stamp(rnd, span)),
    ]


def people_for(rnd: random.Random, owner: FakeOwner, photo: FakePhoto) -> list[FakePhotoPerson]:
    """1-3 members tagged in a photo; the first with a face box, the last maybe without."""
    pool = [owner.as_user(), ANNA, ZOE, STRANGER]
    chosen = rnd.sample(pool, rnd.randint(1, 3))
    people: list[FakePhotoPerson] = []
    for n, user in enumerate(chosen):
        box = None
        if n == 0 or rnd.random() < 0.5:
            w, h = rnd.randint(40, 200), rnd.randint(40, 200)
            box = (rnd.randint(0, 300), rnd.randint(0, 200), w, h)
        added_by = user.nsid if user is STRANGER else owner.nsid  # they tagged themselves
        people.append(FakePhotoPerson(user, added_by, box))
    if len(people) > 1:
        people[-1].box = None
    return people


def _album_comments(
    rnd: random.Random, owner: FakeOwner, albums: list[FakeAlbum], end: int
) -> None:
    authors = [ANNA, ZOE, STRANGER, owner.as_user()]
    texts = ("Lovely set!", 'More <a href="https://x.example/">here</a> 😍', "Ça alors &amp; co")
    for index, album in enumerate(albums):
        if not (index in (0, 3) or rnd.random() < 0.2):
            continue
        low = min(album.date_create, end)
        stamps = sorted(rnd.randint(low, end) for _ in range(rnd.randint(1, 3)))
        for stamp in stamps:
            author = rnd.choice(authors)
            album.comments.append(
                FakeComment(
                    id=f"{owner.number}-{album.id}-72157{rnd.getrandbits(40)}",
                    author=author.nsid,
                    authorname=author.username,
                    datecreate=stamp,
                    text=rnd.choice(texts),
                )
            )


def organise(
    rnd: random.Random,
    owner: FakeOwner,
    albums: list[FakeAlbum],
    with_people: list[FakePhoto],
    *,
    span: tuple[int, int],
    full: bool = True,
) -> Organisation:
    """People and album comments always; the rest unless `full` is False. Every timestamp
    falls within `span`, so the library's clock starts where it did before."""
    for photo in with_people:
        photo.people = people_for(rnd, owner, photo)
    _album_comments(rnd, owner, albums, max(span))
    if not full:
        return Organisation()
    foreign, deleted, favorites, galleries = _favorites_and_galleries(rnd, owner, span)
    return Organisation(
        collections=_collections(rnd, owner, albums),
        foreign_photos=foreign,
        deleted_foreign_photos=deleted,
        favorites=favorites,
        galleries=galleries,
        groups=list(GROUPS),
        contacts=_contacts(rnd, span),
    )
