"""flickr.places.getInfo: a place's names and ids, level by level, from a photo's place_id."""

from __future__ import annotations

from collections.abc import Mapping

from tests.fakeflickr.context import ApiFail, Caller, JSONDict, ServerContext
from tests.fakeflickr.model import PLACE_TYPE_IDS, FakePlaceLevel


def _level(level: FakePlaceLevel) -> JSONDict:
    # Coordinates are strings inside a level and numbers on the place itself: Flickr's
    # JSON mixes types like this elsewhere (section 1 of the response notes); unverified.
    return {
        "_content": level.name,
        "place_id": level.place_id,
        "woeid": level.woeid,
        "latitude": f"{level.latitude:.3f}",
        "longitude": f"{level.longitude:.3f}",
        "place_url": level.place_url,
    }


def places_get_info(ctx: ServerContext, caller: Caller, params: Mapping[str, str]) -> JSONDict:
    """The place with this `place_id` (or `woe_id`) and every level above it: a photo's
    place_id (its most specific level) names its neighbourhood or locality, and each level's
    own id resolves too. Unknown id: code 2; neither argument: code 1."""
    place_id = params.get("place_id", "").strip()
    woe_id = params.get("woe_id", "").strip()
    if not place_id and not woe_id:
        raise ApiFail(1, "Required parameter missing")
    library = ctx.library
    # place_id wins when both are given
    place = library.find_place(place_id=place_id) if place_id else library.find_place(woeid=woe_id)
    if place is None:
        raise ApiFail(2, "Not a valid place id")
    own = place.levels[0]
    body: JSONDict = {
        "place_id": own.place_id,
        "woeid": own.woeid,
        "latitude": round(own.latitude, 3),
        "longitude": round(own.longitude, 3),
        "place_url": own.place_url,
        "place_type": own.place_type,
        "place_type_id": PLACE_TYPE_IDS[own.place_type],
        "timezone": place.timezone,
        "name": place.name,
    }
    for level in place.levels:  # itself first, the country last; a missing level is absent
        body[level.place_type] = _level(level)
    body["has_shapedata"] = 0
    return {"place": body}
