"""A generator of Flickr's "Your Flickr Data" export of the fake account (issue 19).

`write_export(library, dest, plant=Plant(...))` writes metadata zips and media zips in the
real shapes (/work/shared/flickr-export-format.md) whose originals are byte for byte what
the fake server serves, and returns `Planted`: where everything is, and which anomalies
were planted (each chosen by a flag of `Plant`).
"""

from tests.fakeexport.names import media_name, slug
from tests.fakeexport.writer import Plant, Planted, iter_members, original_blob, write_export

__all__ = [
    "Plant",
    "Planted",
    "iter_members",
    "media_name",
    "original_blob",
    "slug",
    "write_export",
]
