"""A local imitation of Flickr (REST, OAuth 1.0a, static files, videos) with fault knobs."""

from tests.fakeflickr.generator import generate_library
from tests.fakeflickr.library import Library
from tests.fakeflickr.model import FakeAlbum, FakeOwner, FakePhoto
from tests.fakeflickr.server import FakeFlickr, running_fake

__all__ = [
    "FakeAlbum",
    "FakeFlickr",
    "FakeOwner",
    "FakePhoto",
    "Library",
    "generate_library",
    "running_fake",
]
