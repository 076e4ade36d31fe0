"""The change report as a picture: precinct outlines, the precincts whose polling place
moved, that were added or that changed shape shaded and labelled with their numbers, and
an arrow from each moved place's old building to its new one where both have
coordinates. Drawn with Pillow: no tile server, no network. The legend names only what
is drawn, so staff are never told to look for arrows the files could not give."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import shapely
from PIL import Image, ImageDraw, ImageFont

from lookup.dataset.model import Dataset
from lookup.ingest.change_report import RESHAPE_TOLERANCE, Changes

SIZE = 1400  # pixels on the long side
MOVED = (230, 120, 0)
RESHAPED = (120, 60, 200)
ADDED = (0, 150, 80)
OUTLINE = (170, 170, 170)
LINE = 20  # legend line height, pixels

Color = tuple[int, int, int]


def draw_changes(new: Dataset, changes: Changes) -> bytes:
    """The map as PNG bytes."""
    font = ImageFont.load_default(size=15)  # FreeType: the bitmap font eats spaces
    label_font = ImageFont.load_default(size=13)
    minx, miny, maxx, maxy = new.bbox
    # Equirectangular with longitude shrunk by cos(latitude): shapes look right locally.
    kx = math.cos(math.radians((miny + maxy) / 2))
    w, h = (maxx - minx) * kx, maxy - miny
    scale = (SIZE - 40) / max(w, h)
    width, height = int(w * scale) + 40, int(h * scale) + 40 + 5 * LINE

    def px(lon: float, lat: float) -> tuple[float, float]:
        return 20 + (lon - minx) * kx * scale, 20 + (maxy - lat) * scale

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    index = {f"{p.county} {p.id}": i for i, p in enumerate(new.precincts)}
    fills = shaded(new, changes)
    for name, i in index.items():
        if name not in fills:
            _outline(draw, new.geoms[i], px, None, OUTLINE)
    for name, color in fills.items():
        _outline(draw, new.geoms[index[name]], px, _pale(color), color)
    for (x0, y0), (x1, y1) in arrows(changes):
        _arrow(draw, px(x0, y0), px(x1, y1))
    for name, color in fills.items():  # numbers last: never under a neighbour's fill
        spot = shapely.point_on_surface(new.geoms[index[name]])
        x, y = px(spot.x, spot.y)
        text = new.precincts[index[name]].id
        draw.text(
            (x, y), text, fill=_dark(color), font=label_font, anchor="mm",
            stroke_width=3, stroke_fill="white",
        )  # fmt: skip
    y = height - 20 - 4 * LINE
    title = f"{new.version}: changes since {changes.old_version}"
    draw.text((20, y - 4), title, fill="black", font=font)
    y += LINE + 4
    for color, text in legend(new, changes):
        draw.rectangle([20, y + 2, 36, y + 14], fill=_pale(color), outline=color)
        draw.text((44, y), text, fill="black", font=font)
        y += LINE
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def shaded(new: Dataset, changes: Changes) -> dict[str, Color]:
    """ "COUNTY ID" -> colour of each precinct of ``new`` the map shades. Later wins: a
    precinct whose polling place moved is drawn as moved even when its shape changed
    too (the move is what voters must be told)."""
    names = {f"{p.county} {p.id}" for p in new.precincts}
    fills: dict[str, Color] = {name: RESHAPED for name, _ in changes.precincts_reshaped}
    fills |= {name: ADDED for name in changes.precincts_added}
    fills |= {f"{c.county} {c.precinct}": MOVED for c in changes.moved()}
    return {name: color for name, color in fills.items() if name in names}


Point = tuple[float, float]


def arrows(changes: Changes) -> list[tuple[Point, Point]]:
    """(old, new) building (lon, lat) of each move where both have coordinates: the
    files often give none (NCSBE's polling-place CSVs), and then the shading says it."""
    out = []
    for c in changes.moved():
        a, b = c.before, c.after
        if a is None or b is None:
            continue
        if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
            continue
        out.append(((a.lon, a.lat), (b.lon, b.lat)))
    return out


def legend(new: Dataset, changes: Changes) -> list[tuple[Color, str]]:
    """Only what the map shows: a kind with nothing shaded has no line, and arrows are
    named only when there are some."""
    drawn = list(shaded(new, changes).values())
    moved, added, reshaped = (drawn.count(c) for c in (MOVED, ADDED, RESHAPED))
    n_arrows = len(arrows(changes))
    out: list[tuple[Color, str]] = []
    if moved:
        text = f"polling place moved ({moved}), labelled with the precinct number"
        if n_arrows:
            text += f"; arrow from the old building to the new ({n_arrows} of {moved})"
        out.append((MOVED, text))
    if added:
        out.append((ADDED, f"precinct added ({added})"))
    if reshaped:
        share = f"{RESHAPE_TOLERANCE * 100:g} %"
        out.append((RESHAPED, f"precinct reshaped, over {share} of its area ({reshaped})"))
    if not out:
        out.append((OUTLINE, "no polling place moved and no precinct added or reshaped"))
    return out


def _outline(
    draw: ImageDraw.ImageDraw,
    geom: shapely.Geometry,
    px: Callable[[float, float], tuple[float, float]],
    fill: Color | None,
    color: Color,
) -> None:
    for poly in shapely.get_parts(geom):
        ring = [px(x, y) for x, y in shapely.get_coordinates(poly.exterior)]
        draw.polygon(ring, fill=fill, outline=color)


def _arrow(draw: ImageDraw.ImageDraw, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A line from the old building (hollow dot) to the new, with an arrowhead."""
    draw.line([start, end], fill=MOVED, width=3)
    draw.ellipse([start[0] - 4, start[1] - 4, start[0] + 4, start[1] + 4], outline=MOVED, width=2)
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    head = [
        end,
        (end[0] - 12 * math.cos(angle - 0.45), end[1] - 12 * math.sin(angle - 0.45)),
        (end[0] - 12 * math.cos(angle + 0.45), end[1] - 12 * math.sin(angle + 0.45)),
    ]
    draw.polygon(head, fill=MOVED)


def _pale(color: Color) -> Color:
    r, g, b = (int(255 - (255 - v) * 0.45) for v in color)
    return (r, g, b)


def _dark(color: Color) -> Color:
    r, g, b = (int(v * 0.6) for v in color)
    return (r, g, b)
