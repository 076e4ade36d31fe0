"""Server-side SVG charts for the insights page: no script, no style attribute (the CSP
allows neither inline script nor inline style), colours from classes in insights.css.

Each chart is an ``<svg role="img">`` named by its ``<title>``; the page puts the same
numbers in a table beside it, so nothing is told by the picture alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from markupsafe import Markup

WIDTH = 720
BAR = 22  # height of one horizontal bar
GAP = 6
LABEL_W = 230  # room for the labels left of horizontal bars
VALUE_W = 130  # room for the values right of them: "12,345 (100.0%)"
COLUMN_H = 220  # plot height of the stacked columns


def _svg(title: str, height: int, ident: str) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height}",
            "width": str(WIDTH),
            "height": str(height),
            "role": "img",
            "aria-labelledby": f"{ident}-title",
            "class": "chart",
        },
    )
    ET.SubElement(svg, "title", {"id": f"{ident}-title"}).text = title
    return svg


def _text(
    parent: ET.Element, x: float, y: float, text: str, cls: str, anchor: str = "start"
) -> None:
    ET.SubElement(
        parent, "text", {"x": f"{x:g}", "y": f"{y:g}", "class": cls, "text-anchor": anchor}
    ).text = text


def _markup(svg: ET.Element) -> Markup:
    # ElementTree escapes every text and attribute: labels from data files are safe.
    return Markup(ET.tostring(svg, encoding="unicode"))


def bars(
    ident: str, title: str, rows: Sequence[tuple[str, int]], *, percent: bool = True
) -> Markup:
    """Horizontal bars, largest first, each with its count (and share of the total)."""
    total = sum(n for _, n in rows) or 1
    top = max((n for _, n in rows), default=1) or 1
    height = max(len(rows), 1) * (BAR + GAP) + GAP
    svg = _svg(title, height, ident)
    span = WIDTH - LABEL_W - VALUE_W
    for i, (label, n) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        w = max(1.0, span * n / top)
        _text(svg, LABEL_W - 8, y + BAR * 0.72, label, "label", "end")
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(LABEL_W),
                "y": str(y),
                "width": f"{w:.1f}",
                "height": str(BAR),
                "class": "bar",
            },
        )
        value = f"{n:,}" + (f" ({100 * n / total:.1f}%)" if percent else "")
        _text(svg, LABEL_W + w + 6, y + BAR * 0.72, value, "value")
    return _markup(svg)


def stacked_columns(
    ident: str,
    title: str,
    columns: Sequence[tuple[str, dict[str, int]]],
    series: Sequence[tuple[str, str]],
) -> Markup:
    """One column per period, stacked by series (``(key, label)``, drawn in that order),
    with a legend; the columns' labels are thinned out to stay readable."""
    legend_h = 28
    axis_h = 40
    height = legend_h + COLUMN_H + axis_h
    svg = _svg(title, height, ident)
    for i, (key, label) in enumerate(series):
        lx = 10 + i * 130
        ET.SubElement(
            svg,
            "rect",
            {"x": str(lx), "y": "6", "width": "14", "height": "14", "class": f"s-{key}"},
        )
        _text(svg, lx + 20, 18, label, "legend")
    top = max((sum(v.values()) for _, v in columns), default=1) or 1
    left, right = 50, 10
    _text(svg, left - 6, legend_h + 10, f"{top:,}", "axis", "end")
    _text(svg, left - 6, legend_h + COLUMN_H, "0", "axis", "end")
    base = legend_h + COLUMN_H
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(left),
            "x2": str(WIDTH - right),
            "y1": str(base),
            "y2": str(base),
            "class": "axis-line",
        },
    )
    n = max(len(columns), 1)
    step = min((WIDTH - left - right) / n, 48.0)  # a few days: no wall-wide columns
    every = max(1, round(n / 10))
    for i, (period, values) in enumerate(columns):
        x = left + i * step + step * 0.15
        y: float = base
        for key, _label in series:
            h = COLUMN_H * values.get(key, 0) / top
            if h <= 0:
                continue
            y -= h
            box = {"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{step * 0.7:.1f}"}
            ET.SubElement(svg, "rect", {**box, "height": f"{h:.1f}", "class": f"s-{key}"})
        if i % every == 0:
            label = period[5:] if len(period) == 10 else period  # a day as MM-DD, a month whole
            _text(svg, x + step * 0.35, base + 18, label, "axis", "middle")
    return _markup(svg)
