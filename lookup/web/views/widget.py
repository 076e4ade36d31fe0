"""The resident widget, embeddable two ways, and the two small endpoints it needs.

- ``GET /widget``: a page made to be framed (the only path ``secure()`` lets other
  origins frame, and only those of ``Settings.frame_ancestors``). The form and the
  banner are rendered here, so the first paint needs no script; ``static/widget.js``
  then takes the page over.
- ``static/widget.js`` alone, in a ``<script>`` tag on a page of another origin: it
  renders into a Shadow DOM and calls ``/api/v1`` (CORS for ``Settings.cors_origins``).
- ``GET /api/v1/strings?lang=``: the ``widget`` catalog section, the languages, the
  demo flag, the board's contact and the reasons a "Something looks wrong?" report may
  give (``reports.model.REASONS``: the form offers only what the service accepts). The
  CSP forbids inline script, and the script embed has no page of ours to carry data
  attributes, so strings come as JSON.
- ``GET /api/v1/precinct.geojson?county=&id=``: one precinct's polygon, simplified for
  display, drawn by the widget as an inline SVG: no tile server and no external
  request, unless the county configures one (``LOOKUP_TILE_URL``: ``map_tiles`` in the
  strings, the only other origin the widget's CSP lets images come from).
- The framed page tells its parent how tall it is (``{"type": "wtv:height", "height"}``
  by ``postMessage``, to the parent's origin only when it is one of
  ``Settings.frame_ancestors`` or the service's own), so the host sizes the iframe.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import shapely
from flask import Blueprint, Response, render_template, request
from shapely.geometry import mapping

from lookup.dataset.model import Dataset
from lookup.errors import InvalidParameter, NotFound
from lookup.i18n import catalog, languages, locale_tag, message
from lookup.outputs.api_json import board_json
from lookup.reports.model import REASONS
from lookup.web.context import exchange, require_dataset, state
from lookup.web.params import page_lang, parse_lang, parse_now

bp = Blueprint("widget", __name__)

SIMPLIFY_DEGREES = 1e-5  # about a metre: invisible at widget size, drops most vertices
DECIMALS = 6  # about 10 cm
GEOJSON_MAX_AGE = 3600
STRINGS_MAX_AGE = 300  # the demo flag and the board may change with a refresh


@bp.get("/widget")
def widget() -> str:
    lang, explicit = page_lang()
    exchange().lang = lang
    args = request.args.to_dict()
    parse_now(args, state().clock)  # a bad date= / at= is refused here, not after typing
    ds = require_dataset()
    return render_template(
        "widget.html",
        lang=lang,
        lang_explicit=explicit,
        t=catalog(lang)["widget"],
        names={code: catalog(code)["widget"]["language_name"] for code in languages()},
        demo=ds.demo,
        demo_notice=message(lang, "notices", "demo_data"),
        board=ds.board,
        moment={k: args[k] for k in ("date", "at") if args.get(k)},
        parents=" ".join(state().settings.frame_ancestors),
    )


@bp.get("/api/v1/strings")
def strings() -> Response:
    """Everything the widget shows that does not come from an answer, in one language."""
    exchange().lang = lang = parse_lang(request.args.get("lang"))
    ds = require_dataset()
    body = {
        "lang": lang,
        "locale": locale_tag(lang),
        "languages": [
            {"code": code, "name": catalog(code)["widget"]["language_name"]} for code in languages()
        ],
        "demo": ds.demo,
        "demo_notice": message(lang, "notices", "demo_data"),
        "board_of_elections": board_json(ds.board),
        "strings": catalog(lang)["widget"],
        "map_tiles": map_tiles(),
        "report_reasons": list(REASONS),
    }
    resp = Response(orjson.dumps(body), mimetype="application/json")
    resp.headers["Cache-Control"] = f"public, max-age={STRINGS_MAX_AGE}"
    return resp


def map_tiles() -> dict[str, str] | None:
    """The background tiles the county configured for the widget's map, or None."""
    settings = state().settings
    if not settings.tile_url:
        return None
    return {"url": settings.tile_url, "attribution": settings.tile_attribution}


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise InvalidParameter(f"{name} is required", parameter=name, reason="missing")
    if len(value) > 100:
        raise InvalidParameter(f"{name} too long", parameter=name, reason="too_long")
    return value


def find_precinct(ds: Dataset, county: str, precinct_id: str) -> int:
    county = county.upper()
    for i, p in enumerate(ds.precincts):
        if p.id == precinct_id and p.county.upper() == county:
            return i
    raise NotFound("no such precinct", parameter="id")


def precinct_feature(ds: Dataset, i: int) -> dict[str, Any]:
    """A GeoJSON Feature of precinct ``i``: simplified (topology kept), rounded."""
    simple = shapely.simplify(ds.geoms[i], SIMPLIFY_DEGREES, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, DECIMALS))
    p = ds.precincts[i]
    return {
        "type": "Feature",
        "bbox": [round(float(v), DECIMALS) for v in rounded.bounds],
        "geometry": mapping(rounded),
        "properties": {"id": p.id, "name": p.name, "county": p.county},
    }


@bp.get("/api/v1/precinct.geojson")
def precinct_geojson() -> Response:
    exchange().lang = parse_lang(request.args.get("lang"))
    county, precinct_id = _required("county"), _required("id")
    ds = require_dataset()
    feature = precinct_feature(ds, find_precinct(ds, county, precinct_id))
    resp = Response(orjson.dumps(feature), mimetype="application/geo+json")
    resp.headers["Cache-Control"] = f"public, max-age={GEOJSON_MAX_AGE}"
    return resp
