"""What the browser tests know about a site without knowing how it is built: the account's
ids, titles and the hostile text planted in it, and how to recognise a photo's page.

The one assumption about the generator's pages: a photo's page is an `.html` file whose name
contains the photo's id, and an album's page one whose name contains the album's id. Flickr
ids are digits only (11 for photos here, 17 for albums), so they survive any naming scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.fakeflickr import Library

PAGES = (".html", ".htm")
# Planted in the account: each must show as text and none may run (an alert is a failure).
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_DESCRIPTION = (
    '<script>alert(2)</script><img src=x onerror="alert(3)"> '
    '<a href="javascript:alert(4)">click</a> <b onmouseover="alert(5)">bold</b> ok'
)
HOSTILE_COMMENT = '<script>alert(6)</script><i onclick="alert(7)">hi</i>'
HOSTILE_ALBUM_TITLE = "<script>alert(8)</script> album"
SEARCH_WORD = "quokka"  # in one description only: no title, tag or other text has it
SEARCH_DESCRIPTION = f"Spotted a {SEARCH_WORD} by the harbour."


@dataclass
class SiteFacts:
    """A built site (`index`) and the account behind it."""

    kind: str  # "fixture" (hand-made) or "generated" (flickr-async site)
    out: Path
    album_ids: list[str]  # the user's order
    album_titles: dict[str, str]
    titles: dict[str, str]  # photo id -> title, every archived photo and video
    video_ids: list[str]
    hostile_titles: dict[str, str]  # photo id -> a title with markup in it
    search_word: str = SEARCH_WORD
    search_photo_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def index(self) -> Path:
        return self.out / "index.html"

    def photo_id_of(self, page: Path) -> str | None:
        """The photo whose page this is, or None (not a page, or not a photo's)."""
        if page.suffix.lower() not in PAGES:
            return None
        return next((i for i in self.titles if i in page.name), None)

    def album_id_of(self, page: Path) -> str | None:
        if page.suffix.lower() not in PAGES:
            return None
        return next((i for i in self.album_ids if i in page.name), None)


def plant_hostile_text(library: Library) -> dict[str, str]:
    """Give the account the text a site must not run: a script title, description and comment
    on the first album's first photo, a script album title on the second album, and the search
    word in the last photo's description. The photo ids planted, by role."""
    albums = library.albums
    first = albums[0].photo_ids[0]
    library.edit_photo(first, title=HOSTILE_TITLE, description=HOSTILE_DESCRIPTION)
    library.add_comment(first, HOSTILE_COMMENT, author_name="<b>Mallory</b>")
    library.rename_album(albums[1].id, HOSTILE_ALBUM_TITLE)
    searched = next(p.id for p in reversed(library.photos) if not p.is_video and p.id != first)
    library.edit_photo(searched, description=SEARCH_DESCRIPTION)
    return {"hostile": first, "search": searched}


def facts_from_library(library: Library, out: Path, planted: dict[str, str]) -> SiteFacts:
    return SiteFacts(
        kind="generated",
        out=out,
        album_ids=[a.id for a in library.albums],
        album_titles={a.id: a.title for a in library.albums},
        titles={p.id: p.title for p in library.photos},
        video_ids=[p.id for p in library.photos if p.is_video],
        hostile_titles={p.id: p.title for p in library.photos if "<" in p.title},
        search_photo_id=planted["search"],
    )
