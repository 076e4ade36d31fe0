"""The change report as a picture: precinct outlines, the precincts whose polling place
moved or changed shape highlighted, and an arrow from each moved place's old building to
its new one where both have coordinates. Drawn with Pillow: no tile server, no network."""

from __future__ import annotations

import io
import math

import shapely

from .changes import Changes
from .dataset import Dataset

SIZE = 1400  # pixels on the long side
MOVED = (230, 120, 0)
RESHAPED = (120, 60, 200)
ADDED = (0, 150, 80)
OUTLINE = (170, 170, 170)


def draw_changes(new: Dataset, changes: Changes) -> bytes:
    """The map as PNG bytes."""
    from PIL import Image, ImageDraw

    minx, miny, maxx, maxy = new.bbox
    # Equirectangular with longitude shrunk by cos(latitude): shapes look right locally.
    kx = math.cos(math.radians((miny + maxy) / 2))
    w, h = (maxx - minx) * kx, maxy - miny
    scale = (SIZE - 40) / max(w, h)
    width, height = int(w * scale) + 40, int(h * scale) + 90

    def px(lon: float, lat: float) -> tuple[float, float]:
        return 20 + (lon - minx) * kx * scale, 20 + (maxy - lat) * scale

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    index = {f"{p.county} {p.id}": i for i, p in enumerate(new.precincts)}
    fills = {f"{c.county} {c.precinct}": MOVED for c in changes.moved()}
    fills |= {name: RESHAPED for name, _ in changes.precincts_reshaped}
    fills |= {name: ADDED for name in changes.precincts_added}
    for name, i in index.items():
        for poly in shapely.get_parts(new.geoms[i]):
            ring = [px(x, y) for x, y in shapely.get_coordinates(poly.exterior)]
            if name in fills:
                draw.polygon(ring, fill=_pale(fills[name]), outline=fills[name])
            else:
                draw.polygon(ring, outline=OUTLINE)
    for c in changes.moved():
        a, b = c.before, c.after
        if a is None or b is None or a.lat is None or a.lon is None:
            continue  # no coordinates for one of the buildings: the shading says enough
        if b.lat is None or b.lon is None:
            continue
        start, end = px(a.lon, a.lat), px(b.lon, b.lat)
        draw.line([start, end], fill=MOVED, width=3)
        draw.ellipse([end[0] - 5, end[1] - 5, end[0] + 5, end[1] + 5], fill=MOVED)
        draw.ellipse([start[0] - 4, start[1] - 4, start[0] + 4, start[1] + 4], outline=MOVED)
    legend = [
        (MOVED, f"polling place moved ({len(changes.moved())}); arrow: old -> new building"),
        (RESHAPED, f"precinct reshaped ({len(changes.precincts_reshaped)})"),
        (ADDED, f"precinct added ({len(changes.precincts_added)})"),
    ]
    y = height - 70
    draw.text((20, y - 18), f"{new.version}: changes since {changes.old_version}", fill="black")
    for color, text in legend:
        draw.rectangle([20, y, 34, y + 12], fill=_pale(color), outline=color)
        draw.text((42, y), text, fill="black")
        y += 18
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def _pale(color: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(int(255 - (255 - v) * 0.45) for v in color)  # type: ignore[return-value]
