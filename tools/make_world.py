"""Make flickr_async/site/static/world.svg, the site's world map, from Natural Earth.

The outlines are Natural Earth's 1:110m countries (public domain, naturalearthdata.com), as
shipped inside the geopandas 0.14.4 wheel (geopandas/datasets/naturalearth_lowres/*.shp):

    pip download geopandas==0.14.4 --no-deps -d /tmp/geo
    unzip -o /tmp/geo/geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*' -d /tmp/geo
    python tools/make_world.py \
        /tmp/geo/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp

The shapefile is read with struct (polygons only, shape type 5), projected equirectangular
(x = (lon + 180) * SCALE, y = (90 - lat) * SCALE, viewBox 0 0 3600 1800), rounded to whole
units (a tenth of a degree) and thinned (points closer than one unit to the last kept one
go; rings that end up smaller than a triangle go). The map page and the small map of a photo
page use the same projection (site/geo.py).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

SCALE = 10  # units per degree
WIDTH, HEIGHT = 360 * SCALE, 180 * SCALE
TARGET = Path(__file__).resolve().parent.parent / "flickr_async/site/static/world.svg"


def rings(shp: bytes) -> list[list[tuple[float, float]]]:
    """Every ring of every polygon record of a shapefile's .shp bytes."""
    out = []
    at = 100  # the file header
    while at + 8 <= len(shp):
        _, words = struct.unpack(">ii", shp[at : at + 8])
        body = shp[at + 8 : at + 8 + 2 * words]
        at += 8 + 2 * words
        (kind,) = struct.unpack("<i", body[:4])
        if kind != 5:  # polygon; null shapes and others are skipped
            continue
        parts, points = struct.unpack("<ii", body[36:44])
        starts = list(struct.unpack(f"<{parts}i", body[44 : 44 + 4 * parts]))
        base = 44 + 4 * parts
        coords = struct.unpack(f"<{2 * points}d", body[base : base + 16 * points])
        xy = list(zip(coords[0::2], coords[1::2], strict=True))
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < parts else points
            out.append(xy[start:end])
    return out


def path_data(all_rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in all_rings:
        kept: list[tuple[int, int]] = []
        for lon, lat in ring:
            point = (round((lon + 180) * SCALE), round((90 - lat) * SCALE))
            if not kept or abs(point[0] - kept[-1][0]) + abs(point[1] - kept[-1][1]) >= 2:
                kept.append(point)
        if len(kept) < 4:
            continue
        x0, y0 = kept[0]
        steps = [f"M{x0} {y0}"]
        px, py = x0, y0
        rel = []
        for x, y in kept[1:]:
            rel.append(f"{x - px} {y - py}")
            px, py = x, y
        steps.append("l" + " ".join(rel).replace(" -", "-"))
        parts.append("".join(steps) + "z")
    return "".join(parts)


def main(source: str) -> None:
    data = path_data(rings(Path(source).read_bytes()))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">'
        "<!-- Natural Earth 1:110m countries, public domain (naturalearthdata.com); "
        "made by tools/make_world.py -->"
        f'<path fill="#d9d4c7" stroke="#9a9484" stroke-width="1" d="{data}"/></svg>\n'
    )
    TARGET.write_text(svg, encoding="ascii")
    print(f"{TARGET}: {len(svg):,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
