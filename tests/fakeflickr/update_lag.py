"""recentlyUpdated's index lagging behind an edit, as Flickr's indexes do (flickr-api.md §3).

`lag_recent_updates(fake.faults, ids)`: those photos' latest changes are not in
flickr.photos.recentlyUpdated yet (asked with any min_date, they are left out), while getInfo,
every other listing and the account count already show them. `faults.clear()` (or an empty
list) lets the index catch up: they are then listed with their real `lastupdate`, the time of
the edit, which by then lies before the run that missed them started.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakeflickr.faults import Faults
    from tests.fakeflickr.model import FakePhoto


def lag_recent_updates(faults: Faults, photo_ids: Iterable[str | int]) -> None:
    faults.recent_lag = frozenset(str(p) for p in photo_ids)


def indexed(faults: Faults, items: Sequence[FakePhoto]) -> Sequence[FakePhoto]:
    """What recentlyUpdated's index holds of `items`."""
    lagging = faults.recent_lag
    return [p for p in items if p.id not in lagging] if lagging else items
