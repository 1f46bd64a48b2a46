"""A local imitation of Flickr (REST, OAuth 1.0a, static files, videos) with fault knobs."""

from tests.fakeflickr.generator import generate_library
from tests.fakeflickr.library import Library
from tests.fakeflickr.model import (
    FakeAlbum,
    FakeCollection,
    FakeContact,
    FakeFave,
    FakeGallery,
    FakeGroup,
    FakeOwner,
    FakePhoto,
    FakePhotoPerson,
    FakePlace,
    FakePlaceLevel,
    FakeUser,
)
from tests.fakeflickr.server import FakeFlickr, running_fake

__all__ = [
    "FakeAlbum",
    "FakeCollection",
    "FakeContact",
    "FakeFave",
    "FakeFlickr",
    "FakeGallery",
    "FakeGroup",
    "FakeOwner",
    "FakePhoto",
    "FakePhotoPerson",
    "FakePlace",
    "FakePlaceLevel",
    "FakeUser",
    "Library",
    "generate_library",
    "running_fake",
]
