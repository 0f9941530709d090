"""Render incidents as a self-contained, offline interactive map and a static summary figure.

:func:`write_map` writes one HTML file that works without a network connection: Leaflet and
Leaflet.markercluster are read from the installed ``xstatic-leaflet`` and
``xstatic-leaflet-markercluster`` packages and inlined (their CSS images become ``data:`` URIs);
folium's default CDN assets (jQuery, Bootstrap, awesome-markers, Font Awesome) are dropped. Web
tiles (OpenStreetMap) are offered as an optional base layer that is *off* by default, so opening
the page offline makes no request at all.

Incidents are embedded as one compact JSON document (a string table plus one array per pinned
incident) and the markers are created client-side, so 100,000 incidents stay fast. Popups are
built lazily on click with DOM ``textContent`` (never ``innerHTML``) and the side panel is
rendered server-side with :func:`html.escape`, so article-derived text is always shown as text.
Every ``<``, ``>`` and ``&`` in the embedded JSON is written as ``\\u003c``, ``\\u003e`` and
``\\u0026`` so that data can never close the ``<script>`` element it lives in.

Colours (:data:`EVENT_TYPE_COLORS`) follow the ACLED event types; any other type is grey
(:data:`OTHER_COLOR`). Circle radius is ``4 + 2.2 * sqrt(fatalities)`` pixels (capped at 40; 4 for
0 or unknown), using ``fatalities``, else ``fatalities_low``.

The page exposes a small API for tests and embedding:

``window.geomapMap``
    The Leaflet map.
``window.geomapGroups``
    ``{event_type: L.MarkerClusterGroup}``.
``window.geomapStats``
    ``{markers, byType, visible, visibleByType, unpinned, choropleth, ready}``; ``ready`` turns
    true once every marker is clustered (``window.geomapReady`` is the matching Promise).
``window.geomapSetTypeVisible(type, bool)``
    Show or hide one event type (same as its layer-control checkbox).
``window.geomapSetDateRange(from, to)``
    Filter by ISO dates (``null``/``""`` for an open end); returns a Promise. Undated incidents
    are hidden while a bound is set.
``window.geomapShowIncident(i)``
    Zoom/spiderfy until pinned incident ``i`` (0-based, in pin order) is visible; returns a
    Promise of its container point ``{x, y}``.
``window.geomapOpenPopup(i)``
    Open the popup of pinned incident ``i``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import os
import pathlib
import re
import tempfile
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from geomap.errors import GeomapError, UsageError
from geomap.schema import EVENT_TYPES, INCIDENT_COLUMNS

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas

__all__ = ["EVENT_TYPE_COLORS", "OTHER_COLOR", "write_map", "write_summary_png"]

#: Fixed marker / bar colour per ACLED event type (colour-blind-aware "tab10" hues).
EVENT_TYPE_COLORS: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Protests": "#2ca02c",
    "Riots": "#8c564b",
    "Strategic developments": "#1f77b4",
}
#: Colour of any event type not in :data:`EVENT_TYPE_COLORS`.
OTHER_COLOR = "#7f7f7f"

#: Choropleth class lower bounds (fatalities per admin-1) and their YlOrRd colours.
_CHORO_BREAKS = (0, 1, 10, 50, 100, 500, 1000, 5000)
_CHORO_COLORS = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#b10026",
)
#: Douglas-Peucker tolerance (degrees) for admin-1 polygons and basemap outlines.
_SIMPLIFY_BOUNDARIES = 0.005
_SIMPLIFY_BASEMAP = 0.01
#: Maximum rows rendered in the "not mapped" side panel (the rest are counted).
_PANEL_MAX_ROWS = 2000
#: Optional online base layer (never added by default).
_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_TILE_ATTRIBUTION = "&copy; OpenStreetMap contributors"
_GEO_PRECISION = {1: "1 (exact place)", 2: "2 (near / part of area)", 3: "3 (wider region)"}
_EPOCH = _dt.date(1970, 1, 1)


# --------------------------------------------------------------------------------------------
# small value helpers
# --------------------------------------------------------------------------------------------



#: Flags for checking a map in headless Debian Chromium (tests and benches): no sandbox as root,
#: no GPU, and no background network traffic, so an offline page makes no request at all.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

def _is_missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas NA (containers are never missing)."""
    if value is None:
        return True
    if isinstance(value, str | bytes | bool | int | list | tuple | dict) or hasattr(
        value, "__len__"
    ):
        return False
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return True  # pandas.NA refuses bool()


def _text(value: Any) -> str:
    """Return ``value`` as a stripped string, ``""`` when missing."""
    if _is_missing(value):
        return ""
    return str(value).strip()


def _int(value: Any) -> int | None:
    """Return ``value`` as an int, None when missing or not numeric."""
    if _is_missing(value) or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f):
        return None
    return int(round(f))


def _truthy(value: Any) -> bool:
    """Return True for True, 1, "true", "yes", "1" (case-insensitive)."""
    if _is_missing(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y", "t"}
    try:
        return bool(value)
    except (TypeError, ValueError):
        return False


def _best_fatalities(fat: Any, low: Any) -> int | None:
    """Return the fatality figure used for sizing and sums: ``fatalities`` else ``low``."""
    v = _int(fat)
    return v if v is not None else _int(low)


def _fatalities_label(fat: Any, low: Any, high: Any) -> str:
    """Return the display text of a fatality figure: ``"3"``, ``"3–7"`` or ``"unknown"``."""
    f, lo, hi = _int(fat), _int(low), _int(high)
    lo = lo if lo is not None else f
    hi = hi if hi is not None else f
    if lo is None and hi is None:
        return "unknown"
    if lo is None or hi is None or lo == hi:
        return str(lo if lo is not None else hi)
    return f"{lo}\u2013{hi}"


def _day_number(value: Any) -> int | None:
    """Return days since 1970-01-01 of an ISO date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``)."""
    s = _text(value)[:10]
    if not s:
        return None
    try:
        if len(s) == 10:
            d = _dt.date.fromisoformat(s)
        elif len(s) == 7:
            d = _dt.date(int(s[:4]), int(s[5:7]), 1)
        elif len(s) == 4:
            d = _dt.date(int(s), 1, 1)
        else:
            return None
    except ValueError:
        return None
    return (d - _EPOCH).days


def _is_web_url(url: str) -> bool:
    """Return True when ``url`` may be rendered as a link (``http://`` or ``https://`` only)."""
    u = url.strip().lower()
    return u.startswith(("http://", "https://")) and not any(c in url for c in "\"'<>\\\x00")


def _evidence_list(value: Any) -> list[dict]:
    """Normalise a ``sources`` cell (list of dicts / Evidence, JSON text, None) to dicts."""
    if value is None or isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, Iterable):
        return []
    out = []
    for item in value:
        if hasattr(item, "as_dict"):
            item = item.as_dict()
        if isinstance(item, Mapping):
            out.append(dict(item))
    return out


def _type_color(event_type: str) -> str:
    """Return the palette colour of an event type."""
    return EVENT_TYPE_COLORS.get(event_type, OTHER_COLOR)


def _choro_color(total: int) -> str:
    """Return the choropleth colour for a fatality sum."""
    color = _CHORO_COLORS[0]
    for lower, col in zip(_CHORO_BREAKS, _CHORO_COLORS, strict=True):
        if total >= lower:
            color = col
    return color


def _json_for_script(data: Any) -> str:
    """Dump ``data`` as compact JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# --------------------------------------------------------------------------------------------
# input preparation
# --------------------------------------------------------------------------------------------


def _as_wgs84(gdf: Any, what: str) -> geopandas.GeoDataFrame:
    """Return ``gdf`` as a GeoDataFrame in EPSG:4326 (a DataFrame with lat/lon is accepted)."""
    import geopandas as gpd
    import pandas as pd

    if gdf is None:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    if not isinstance(gdf, gpd.GeoDataFrame):
        if isinstance(gdf, pd.DataFrame) and {"latitude", "longitude"} <= set(gdf.columns):
            lon = pd.to_numeric(gdf["longitude"], errors="coerce")
            lat = pd.to_numeric(gdf["latitude"], errors="coerce")
            geom = gpd.points_from_xy(lon, lat)
            geom = [
                None if (pd.isna(x) or pd.isna(y)) else g
                for g, x, y in zip(geom, lon, lat, strict=True)
            ]
            return gpd.GeoDataFrame(gdf.copy(), geometry=geom, crs="EPSG:4326")
        raise UsageError(f"{what} must be a GeoDataFrame (got {type(gdf).__name__})")
    if gdf.geometry.name not in gdf.columns:  # pragma: no cover - defensive
        raise UsageError(f"{what} has no geometry column")
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    return gdf


def _column(df: Any, name: str) -> list:
    """Return a column as a list, or a list of None when the column is absent."""
    if name in df.columns:
        return df[name].tolist()
    return [None] * len(df)


def _split_pins(incidents: geopandas.GeoDataFrame) -> tuple[Any, Any, Any]:
    """Split incidents into map pins and the rest (country scope, cumulative, unlocated).

    Returns
    -------
    tuple
        ``(pins, unpinned, xy)`` where ``xy`` is an ``(n_pins, 2)`` array of lon/lat.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(incidents.geometry.values, dtype=object)
    n = len(geoms)
    has = np.array([g is not None for g in geoms], dtype=bool)
    if n:
        has &= ~shapely.is_empty(np.where(has, geoms, shapely.Point()))
    pts = np.where(has, geoms, None)
    nonpoint = has & (shapely.get_type_id(pts) != 0)
    if nonpoint.any():
        pts[nonpoint] = shapely.point_on_surface(pts[nonpoint])
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if has.any():
        x[has] = shapely.get_x(pts[has])
        y[has] = shapely.get_y(pts[has])
    ok = has & np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90) & (np.abs(x) <= 180)
    scope = np.array([_text(s).lower() for s in _column(incidents, "scope")], dtype=object)
    cumulative = np.array([_truthy(v) for v in _column(incidents, "cumulative")], dtype=bool)
    pin_mask = ok & (scope != "country") & ~cumulative
    pins = incidents.iloc[np.flatnonzero(pin_mask)]
    unpinned = incidents.iloc[np.flatnonzero(~pin_mask)]
    xy = np.column_stack([x[pin_mask], y[pin_mask]]) if n else np.zeros((0, 2))
    return pins, unpinned, xy


def _ordered_types(types: Iterable[str]) -> list[str]:
    """Return distinct event types: ACLED order first, then the others alphabetically."""
    present = set(types)
    known = [t for t in EVENT_TYPES if t in present]
    return known + sorted(present - set(known))


class _Strings:
    """A string table: each distinct string is stored once and referenced by index."""

    def __init__(self) -> None:
        self.items: list[str] = [""]
        self._index: dict[str, int] = {"": 0}

    def __call__(self, value: Any) -> int:
        s = value if isinstance(value, str) else _text(value)
        i = self._index.get(s)
        if i is None:
            i = self._index[s] = len(self.items)
            self.items.append(s)
        return i


def _pin_records(pins: Any, xy: Any, types: list[str], strings: _Strings) -> list[list]:
    """Encode pinned incidents as compact arrays (see the JS ``rec`` layout in the template)."""
    tindex = {t: i for i, t in enumerate(types)}
    cols = {c: _column(pins, c) for c in INCIDENT_COLUMNS if c != "sources"}
    cols["sources"] = _column(pins, "sources")
    out = []
    for k in range(len(pins)):
        etype = _text(cols["event_type"][k]) or "Unknown"
        fat = _best_fatalities(cols["fatalities"][k], cols["fatalities_low"][k])
        srcs = [
            [
                strings(e.get("source")),
                strings(e.get("title")),
                strings(e.get("url")),
                strings(e.get("date")),
                strings(e.get("sentence")),
            ]
            for e in _evidence_list(cols["sources"][k])
        ]
        prec = _int(cols["geo_precision"][k])
        out.append(
            [
                round(float(xy[k, 1]), 5),
                round(float(xy[k, 0]), 5),
                tindex[etype],
                fat,
                _day_number(cols["event_date"][k]),
                strings(cols["event_date"][k]),
                strings(cols["sub_event_type"][k]),
                strings(cols["actor1"][k]),
                strings(cols["actor2"][k]),
                strings(
                    _fatalities_label(
                        cols["fatalities"][k], cols["fatalities_low"][k], cols["fatalities_high"][k]
                    )
                ),
                _int(cols["injured"][k]),
                strings(cols["place_name"][k]),
                strings(cols["location"][k]),
                strings(cols["admin1"][k]),
                strings(cols["country_code"][k]),
                strings(_GEO_PRECISION.get(prec, "" if prec is None else str(prec))),
                strings(cols["notes"][k]),
                strings(cols["id"][k]),
                srcs,
            ]
        )
    return out


def _round_geometry(geom: Any, ndigits: int) -> Any:
    """Return a GeoJSON-like mapping of ``geom`` with coordinates rounded to ``ndigits``."""
    import shapely
    from shapely.geometry import mapping

    geom = shapely.transform(geom, lambda c: c.round(ndigits))
    return mapping(geom)


def _polygon_features(gdf: Any, tolerance: float, props: list[dict], ndigits: int = 4) -> dict:
    """Return a GeoJSON FeatureCollection of simplified polygons with the given properties."""
    features = []
    for geom, p in zip(gdf.geometry.values, props, strict=True):
        if geom is None or geom.is_empty:
            continue
        simple = geom.simplify(tolerance, preserve_topology=True)
        if simple.is_empty:
            simple = geom
        features.append(
            {"type": "Feature", "properties": p, "geometry": _round_geometry(simple, ndigits)}
        )
    return {"type": "FeatureCollection", "features": features}


def _choropleth(pins: Any, xy: Any, boundaries: Any) -> tuple[dict | None, list]:
    """Sum pinned fatalities per admin-1 polygon by spatial join.

    Returns
    -------
    tuple
        ``(feature collection or None, per-polygon summaries)``; only polygons holding at least one
        pinned incident are kept.
    """
    import geopandas as gpd
    import numpy as np

    if boundaries is None or len(boundaries) == 0 or len(pins) == 0:
        return None, []
    fat = [
        _best_fatalities(f, lo) or 0
        for f, lo in zip(_column(pins, "fatalities"), _column(pins, "fatalities_low"), strict=True)
    ]
    pts = gpd.GeoDataFrame(
        {"_fat": np.asarray(fat, dtype="int64")},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs="EPSG:4326",
    )
    bnd = boundaries.reset_index(drop=True)
    bnd = bnd[bnd.geometry.notna() & ~bnd.geometry.is_empty]
    joined = gpd.sjoin(pts, bnd[[bnd.geometry.name]], how="inner", predicate="within")
    if joined.empty:
        return None, []
    agg = joined.groupby("index_right")["_fat"].agg(["sum", "count"])
    sub = bnd.loc[agg.index]
    props = []
    for idx, row_fat, row_n in zip(agg.index, agg["sum"], agg["count"], strict=True):
        total = int(row_fat)
        props.append(
            {
                "id": _text(bnd.at[idx, "id"]) if "id" in bnd.columns else str(idx),
                "n": _text(bnd.at[idx, "name"]) if "name" in bnd.columns else str(idx),
                "cc": _text(bnd.at[idx, "country_code"]) if "country_code" in bnd.columns else "",
                "f": total,
                "k": int(row_n),
                "c": _choro_color(total),
            }
        )
    fc = _polygon_features(sub, _SIMPLIFY_BOUNDARIES, props)
    return fc, props


def _basemap_features(basemap: Any, view: tuple[float, float, float, float] | None) -> dict | None:
    """Return simplified basemap outlines near ``view`` (minx, miny, maxx, maxy) as GeoJSON."""
    if basemap is None or len(basemap) == 0:
        return None
    gdf = basemap[basemap.geometry.notna() & ~basemap.geometry.is_empty]
    if view is not None:
        minx, miny, maxx, maxy = view
        pad = 15.0
        gdf = gdf.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
    if len(gdf) == 0:
        return None
    return _polygon_features(gdf, _SIMPLIFY_BASEMAP, [{} for _ in range(len(gdf))], ndigits=3)


def _panel_html(unpinned: Any) -> tuple[str, int]:
    """Render the not-mapped incidents as an escaped HTML list; returns (html, row count)."""
    n = len(unpinned)
    if n == 0:
        return "", 0
    e = html.escape
    cols = {c: _column(unpinned, c) for c in INCIDENT_COLUMNS}
    order = sorted(range(n), key=lambda k: _text(cols["event_date"][k]), reverse=True)
    items = []
    for k in order[:_PANEL_MAX_ROWS]:
        etype = _text(cols["event_type"][k])
        sub = _text(cols["sub_event_type"][k])
        where = (
            _text(cols["place_name"][k]) or _text(cols["location"][k]) or _text(cols["admin1"][k])
        )
        cc = _text(cols["country_code"][k])
        if cc:
            where = f"{where}, {cc}" if where else cc
        scope = _text(cols["scope"][k])
        cum = _truthy(cols["cumulative"][k])
        fat = _fatalities_label(
            cols["fatalities"][k], cols["fatalities_low"][k], cols["fatalities_high"][k]
        )
        ev_items = []
        for ev in _evidence_list(cols["sources"][k]):
            url = _text(ev.get("url"))
            label = _text(ev.get("title")) or _text(ev.get("source")) or url
            src = _text(ev.get("source"))
            head = f"{e(src)}: " if src and src != label else ""
            if url and _is_web_url(url):
                link = (
                    f'<a href="{e(url.strip(), quote=True)}" target="_blank" '
                    f'rel="noopener noreferrer">{e(label)}</a>'
                )
            else:
                link = e(label)
            ev_items.append(
                f'<li><q>{e(_text(ev.get("sentence")))}</q> <span class="geomap-src">'
                f"{head}{link}</span></li>"
            )
        notes = _text(cols["notes"][k])
        items.append(
            '<li class="geomap-panel-row">'
            f'<span class="geomap-date">{e(_text(cols["event_date"][k]) or "undated")}</span> '
            f"<b>{e(etype or 'Unknown')}</b>{' / ' + e(sub) if sub else ''}"
            f'<br><span class="geomap-where">{e(where or "unlocated")}</span>'
            f"{' (' + e(scope) + ')' if scope else ''}"
            f" &middot; fatalities {e(fat)}"
            f"{' &middot; <span class=geomap-cum>cumulative</span>' if cum else ''}"
            f"{'<div class=geomap-notes>' + e(notes) + '</div>' if notes else ''}"
            f"{'<ul class=geomap-ev>' + ''.join(ev_items) + '</ul>' if ev_items else ''}"
            "</li>"
        )
    more = n - len(items)
    tail = f'<p class="geomap-more">&hellip; and {more} more not shown</p>' if more > 0 else ""
    body = (
        f'<details class="geomap-panel"{" open" if n <= 20 else ""}>'
        f"<summary>Not on the map: {n} country-level, cumulative or unlocated</summary>"
        f'<ul class="geomap-panel-list">{"".join(items)}</ul>{tail}</details>'
    )
    return body, n


# --------------------------------------------------------------------------------------------
# offline assets
# --------------------------------------------------------------------------------------------


def _read_asset(base: pathlib.Path, name: str) -> str:
    """Read an asset file, dropping its sourceMappingURL comment."""
    path = base / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GeomapError(
            f"cannot read {path}: reinstall xstatic-leaflet / xstatic-leaflet-markercluster"
        ) from exc
    return re.sub(
        r"^\s*//[#@] sourceMappingURL=.*$|/\*[#@] sourceMappingURL=.*?\*/", "", text, flags=re.M
    )


def _inline_css_images(css: str, base: pathlib.Path) -> str:
    """Replace ``url(images/x.png)`` references by ``data:`` URIs."""

    def repl(m: re.Match) -> str:
        ref = m.group(2)
        if ref.startswith(("data:", "#")):
            return m.group(0)
        path = base / ref
        try:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
        except OSError:
            return "url()"
        mime = "image/svg+xml" if ref.endswith(".svg") else "image/png"
        return f"url(data:{mime};base64,{data})"

    return re.sub(r"url\((['\"]?)([^'\")]+)\1\)", repl, css)


def _script_safe(js: str) -> str:
    """Make third-party JS safe to inline in ``<script>`` (no ``</script`` / ``<!--``)."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I).replace("<!--", "<\\!--")


def _offline_assets() -> str:
    """Return the inline ``<style>``/``<script>`` HTML for Leaflet and MarkerCluster."""
    try:
        import xstatic.pkg.leaflet as xleaflet
        import xstatic.pkg.leaflet_markercluster as xcluster
    except ImportError as exc:
        raise GeomapError(
            "the offline map needs the xstatic-leaflet and xstatic-leaflet-markercluster packages: "
            "pip install xstatic-leaflet xstatic-leaflet-markercluster"
        ) from exc
    lbase = pathlib.Path(xleaflet.BASE_DIR)
    cbase = pathlib.Path(xcluster.BASE_DIR)
    css = _inline_css_images(_read_asset(lbase, "leaflet.css"), lbase)
    css += "\n" + _read_asset(cbase, "MarkerCluster.css")
    css += "\n" + _read_asset(cbase, "MarkerCluster.Default.css")
    js_leaflet = _script_safe(_read_asset(lbase, "leaflet.js"))
    js_cluster = _script_safe(_read_asset(cbase, "leaflet.markercluster.js"))
    css = css.replace("</", "<\\/")
    return f"<style>{css}</style>\n<script>{js_leaflet}</script>\n<script>{js_cluster}</script>\n"


_EXTERNAL_ASSET = re.compile(
    r"<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*['\"]?\s*(?:https?:)?//",
    re.I,
)


def _check_offline(page: str) -> None:
    """Raise GeomapError if the rendered page still loads an external asset."""
    m = _EXTERNAL_ASSET.search(page)
    if m:
        raise GeomapError(
            f"internal error: the map would load an external asset: {m.group(0)[:120]}"
        )


# --------------------------------------------------------------------------------------------
# page template
# --------------------------------------------------------------------------------------------

_CSS = """
.folium-map.leaflet-container { background: #dfe8ef; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.geomap-box { background: rgba(255,255,255,.95); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,.35); max-width: 340px; }
.geomap-title { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
.geomap-legend .geomap-row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.geomap-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
  border: 1px solid rgba(0,0,0,.4); flex: none; }
.geomap-sq { display: inline-block; width: 14px; height: 10px; border: 1px solid #777; flex: none; }
.geomap-legend .geomap-count { margin-left: auto; padding-left: 8px; color: #333; }
.geomap-legend .geomap-note { color: #555; font-size: 11px; margin-top: 4px; }
.geomap-dates label { display: block; margin: 2px 0; }
.geomap-dates input { font: inherit; }
.geomap-dates button { font: inherit; margin-top: 3px; }
.geomap-panel { max-height: 42vh; overflow: auto; max-width: 420px; }
.geomap-panel summary { cursor: pointer; font-weight: 600; }
.geomap-panel-list { padding-left: 16px; margin: 4px 0; }
.geomap-panel-row { margin-bottom: 5px; }
.geomap-date { color: #444; font-variant-numeric: tabular-nums; }
.geomap-cum { color: #a40000; font-weight: 600; }
.geomap-notes { color: #333; font-size: 12px; }
.geomap-ev { padding-left: 14px; margin: 2px 0; font-size: 12px; }
.geomap-src { color: #555; }
.geomap-popup table { border-collapse: collapse; }
.geomap-popup th { text-align: left; padding: 1px 8px 1px 0; vertical-align: top; color: #444; font-weight: 600; }
.geomap-popup td { padding: 1px 0; }
.geomap-popup .geomap-notes { margin-top: 4px; }
.geomap-popup ol { padding-left: 18px; margin: 4px 0 0; }
.geomap-cluster div { color: #fff; font-weight: 600; text-shadow: 0 0 2px rgba(0,0,0,.6); }
.geomap-layer-sw { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 4px; }
"""

_JS = r"""
(function () {
  "use strict";
  var map = __MAP__;
  var D = JSON.parse(document.getElementById("geomap-data").textContent);
  window.geomapMap = map;
  map.setMinZoom(2);
  map.setMaxZoom(17);

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function S(i) { return (i === null || i === undefined || i < 0) ? "" : D.strings[i]; }
  function stop(div) {
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  }
  function box(position, cls, build) {
    var C = L.Control.extend({
      onAdd: function () { var d = el("div", "geomap-box " + cls); build(d); return stop(d); }
    });
    return new C({position: position}).addTo(map);
  }
  function isWebUrl(u) { return /^https?:\/\//i.test(u) && !/["'<>\\\u0000]/.test(u); }

  /* ---- base layers: bundled outlines (default), blank, optional web tiles (off) ---- */
  map.createPane("geomapBase").style.zIndex = 250;
  var baseLayers = {};
  var outlines = null;
  if (D.basemap) {
    outlines = L.geoJSON(D.basemap, {
      pane: "geomapBase", renderer: L.canvas({pane: "geomapBase"}), interactive: false,
      style: {color: "#9a9a9a", weight: 0.8, fillColor: "#ececec", fillOpacity: 1}
    });
    baseLayers["Offline outlines"] = outlines;
  }
  var blank = L.layerGroup();
  baseLayers["Blank"] = blank;
  baseLayers["OpenStreetMap (online)"] = L.tileLayer(D.tiles.url, {
    attribution: D.tiles.attribution, maxZoom: 19
  });
  (outlines || blank).addTo(map);

  /* ---- choropleth ---- */
  var overlays = {};
  var choro = null;
  if (D.choropleth) {
    choro = L.geoJSON(D.choropleth, {
      style: function (f) {
        return {color: "#5a5a5a", weight: 0.8, fillColor: f.properties.c, fillOpacity: 0.55};
      }
    });
    choro.bindTooltip(function (layer) {
      var p = layer.feature.properties;
      return el("div", null, p.n + (p.cc ? " (" + p.cc + ")" : "") + ": " + p.f +
        " fatalities in " + p.k + " incident" + (p.k === 1 ? "" : "s"));
    }, {sticky: true});
    choro.on("add", function () { choro.bringToBack(); });
    choro.addTo(map);
    overlays["Fatalities by admin-1"] = choro;
  }

  /* ---- popups (built lazily, textContent only) ---- */
  var popup = L.popup({maxWidth: 380, maxHeight: 380, autoPanPadding: [20, 20]});
  function buildPopup(i) {
    var r = D.pins[i];
    var t = D.types[r[2]];
    var root = el("div", "geomap-popup");
    root.setAttribute("data-incident", String(i));
    var table = el("table");
    function row(label, value) {
      if (value === "" || value === null || value === undefined) { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, value));
      table.appendChild(tr);
    }
    var actors = S(r[7]) + (S(r[8]) ? " vs " + S(r[8]) : "");
    row("Date", S(r[5]) || "undated");
    row("Event", t.name + (S(r[6]) ? " / " + S(r[6]) : ""));
    row("Actors", actors);
    row("Fatalities", S(r[9]));
    row("Injured", r[10]);
    row("Place", S(r[11]));
    if (S(r[12]) && S(r[12]) !== S(r[11])) { row("Location", S(r[12])); }
    row("Admin-1", S(r[13]));
    row("Country", S(r[14]));
    row("Precision", S(r[15]));
    row("Id", S(r[17]));
    root.appendChild(table);
    if (S(r[16])) { root.appendChild(el("div", "geomap-notes", S(r[16]))); }
    var srcs = r[18] || [];
    if (srcs.length) {
      root.appendChild(el("div", "geomap-title", "Evidence"));
      var ol = el("ol");
      srcs.forEach(function (s) {
        var li = el("li");
        li.appendChild(el("q", null, S(s[4])));
        li.appendChild(document.createTextNode(" \u2014 "));
        var label = S(s[1]) || S(s[0]) || S(s[2]);
        if (S(s[0]) && S(s[0]) !== label) { li.appendChild(document.createTextNode(S(s[0]) + ": ")); }
        var url = S(s[2]).trim();
        if (url && isWebUrl(url)) {
          var a = el("a", null, label);
          a.href = url;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          li.appendChild(a);
        } else {
          li.appendChild(el("span", null, label));
        }
        if (S(s[3])) { li.appendChild(document.createTextNode(" (" + S(s[3]) + ")")); }
        ol.appendChild(li);
      });
      root.appendChild(ol);
    }
    return root;
  }
  function openPopup(marker) {
    popup.setLatLng(marker.getLatLng()).setContent(buildPopup(marker.options.gi)).openOn(map);
  }

  /* ---- markers: one cluster group per event type ---- */
  function radius(f) { return (f === null || f <= 0) ? 4 : Math.min(40, 4 + 2.2 * Math.sqrt(f)); }
  var groups = {}, markersByType = [], groupList = [];
  var stats = {markers: D.pins.length, byType: {}, visible: D.pins.length, visibleByType: {},
               unpinned: D.unpinned, choropleth: D.choropleth ? D.choropleth.features.length : 0,
               ready: false};
  D.types.forEach(function (t, ti) {
    markersByType.push([]);
    stats.byType[t.name] = 0;
    var g = L.markerClusterGroup({
      chunkedLoading: true, chunkInterval: 400, chunkDelay: 10,
      showCoverageOnHover: false, maxClusterRadius: 45, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (c) {
        var n = c.getChildCount();
        var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 50;
        return L.divIcon({
          html: '<div style="background:' + t.color + 'cc"><span>' + n + "</span></div>",
          className: "marker-cluster geomap-cluster geomap-cluster-" + ti,
          iconSize: L.point(size, size)
        });
      }
    });
    g.on("click", function (e) {
      var m = e.propagatedFrom || e.layer;
      if (m && !(m instanceof L.MarkerCluster) && m.options && m.options.gi !== undefined) { openPopup(m); }
    });
    groups[t.name] = g;
    groupList.push(g);
  });
  for (var i = 0; i < D.pins.length; i++) {
    var r = D.pins[i], t = D.types[r[2]];
    markersByType[r[2]].push(L.circleMarker([r[0], r[1]], {
      radius: radius(r[3]), color: "#222", weight: 1, opacity: 0.9,
      fillColor: t.color, fillOpacity: 0.75, className: "geomap-marker geomap-type-" + r[2], gi: i
    }));
    stats.byType[t.name] += 1;
  }
  window.geomapGroups = groups;
  window.geomapStats = stats;

  function loadGroups(lists) {
    var pending = [];
    groupList.forEach(function (g, ti) {
      pending.push(new Promise(function (resolve) {
        if (!map.hasLayer(g)) { g.clearLayers(); g.addLayers(lists[ti]); resolve(); return; }
        g.options.chunkProgress = function (done, total) { if (done >= total) { resolve(); } };
        g.clearLayers();
        g.addLayers(lists[ti]);
      }));
    });
    return Promise.all(pending).then(function () {
      groupList.forEach(function (g) { g.options.chunkProgress = null; });
    });
  }
  groupList.forEach(function (g, ti) {
    g.addTo(map);
    overlays['<span class="geomap-layer-sw" style="background:' + D.types[ti].color + '"></span>' +
             esc(D.types[ti].name) + " (" + D.types[ti].count + ")"] = g;
  });
  L.control.layers(baseLayers, overlays, {collapsed: false, position: "topright"}).addTo(map);

  /* ---- legend ---- */
  var counters = {};
  box("bottomright", "geomap-legend", function (d) {
    d.appendChild(el("div", "geomap-title", D.title));
    D.types.forEach(function (t) {
      var row = el("div", "geomap-row");
      var dot = el("span", "geomap-dot");
      dot.style.background = t.color;
      row.appendChild(dot);
      row.appendChild(el("span", null, t.name));
      counters[t.name] = el("span", "geomap-count", String(t.count));
      row.appendChild(counters[t.name]);
      d.appendChild(row);
    });
    if (!D.types.length) { d.appendChild(el("div", "geomap-note", "No incidents to map.")); }
    d.appendChild(el("div", "geomap-note",
      "Circle radius grows with \u221afatalities; " + D.pins.length + " mapped, " + D.unpinned + " not mapped."));
    if (D.choropleth) {
      d.appendChild(el("div", "geomap-title", "Fatalities by admin-1"));
      D.choroLegend.forEach(function (c) {
        var row = el("div", "geomap-row");
        var sq = el("span", "geomap-sq");
        sq.style.background = c[1];
        row.appendChild(sq);
        row.appendChild(el("span", null, c[0]));
        d.appendChild(row);
      });
    }
  });

  /* ---- date filter ---- */
  function dayOf(s) {
    if (!s) { return null; }
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s));
    return m ? Math.round(Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000) : null;
  }
  var fromInput, toInput, dateNote;
  function setDateRange(from, to) {
    var lo = dayOf(from), hi = dayOf(to);
    if (fromInput) { fromInput.value = from || ""; toInput.value = to || ""; }
    var active = lo !== null || hi !== null;
    var lists = D.types.map(function () { return []; });
    var total = 0;
    D.types.forEach(function (t, ti) {
      var ms = markersByType[ti], out = lists[ti];
      for (var k = 0; k < ms.length; k++) {
        var day = D.pins[ms[k].options.gi][4];
        if (active && (day === null || (lo !== null && day < lo) || (hi !== null && day > hi))) { continue; }
        out.push(ms[k]);
      }
      stats.visibleByType[t.name] = out.length;
      counters[t.name].textContent = active ? out.length + " / " + t.count : String(t.count);
      total += out.length;
    });
    stats.visible = total;
    if (dateNote) { dateNote.textContent = active ? total + " of " + D.pins.length + " shown" : ""; }
    stats.ready = false;
    return loadGroups(lists).then(function () { stats.ready = true; return total; });
  }
  if (D.dateRange) {
    box("topleft", "geomap-dates", function (d) {
      d.appendChild(el("div", "geomap-title", "Dates"));
      var l1 = el("label", null, "From "), l2 = el("label", null, "To ");
      fromInput = el("input"); fromInput.type = "date"; fromInput.id = "geomap-date-from";
      toInput = el("input"); toInput.type = "date"; toInput.id = "geomap-date-to";
      [fromInput, toInput].forEach(function (inp) {
        inp.min = D.dateRange[0]; inp.max = D.dateRange[1];
        inp.addEventListener("change", function () { setDateRange(fromInput.value, toInput.value); });
      });
      l1.appendChild(fromInput); l2.appendChild(toInput);
      d.appendChild(l1); d.appendChild(l2);
      var reset = el("button", null, "All dates"); reset.type = "button";
      reset.addEventListener("click", function () { setDateRange("", ""); });
      d.appendChild(reset);
      dateNote = el("div", "geomap-note");
      d.appendChild(dateNote);
    });
  }

  /* ---- side panel (server-rendered, already escaped) ---- */
  var panelSrc = document.getElementById("geomap-panel-src");
  if (panelSrc && panelSrc.firstElementChild) {
    box("bottomleft", "geomap-side", function (d) {
      while (panelSrc.firstChild) { d.appendChild(panelSrc.firstChild); }
    });
  }

  /* ---- view ---- */
  if (D.bounds) {
    var b = L.latLngBounds(D.bounds);
    if (b.getNorth() - b.getSouth() < 1e-6 && b.getEast() - b.getWest() < 1e-6) {
      map.setView(b.getCenter(), 9, {animate: false});
    } else {
      map.fitBounds(b, {paddingTopLeft: [200, 30], paddingBottomRight: [380, 30], maxZoom: 12, animate: false});
    }
  } else {
    map.setView([20, 20], 2, {animate: false});
  }

  /* ---- public API ---- */
  window.geomapSetTypeVisible = function (type, visible) {
    var g = groups[type];
    if (!g) { return false; }
    if (visible) { map.addLayer(g); } else { map.removeLayer(g); }
    return true;
  };
  window.geomapSetDateRange = setDateRange;
  function markerOf(i) {
    var r = D.pins[i];
    var ms = markersByType[r[2]];
    for (var k = 0; k < ms.length; k++) { if (ms[k].options.gi === i) { return ms[k]; } }
    return null;
  }
  window.geomapShowIncident = function (i) {
    var m = markerOf(i), g = groups[D.types[D.pins[i][2]].name];
    return new Promise(function (resolve, reject) {
      if (!m || !map.hasLayer(g) || !g.hasLayer(m)) { reject(new Error("incident not shown")); return; }
      function done() {
        var p = map.latLngToContainerPoint(m.getLatLng());
        resolve({x: p.x, y: p.y});
      }
      if (map.hasLayer(m)) {  /* unclustered (circle markers have no _icon for zoomToShowLayer) */
        if (map.getBounds().pad(-0.1).contains(m.getLatLng())) { done(); return; }
        map.once("moveend", done);
        map.panTo(m.getLatLng(), {animate: false});
        return;
      }
      g.zoomToShowLayer(m, done);
    });
  };
  window.geomapOpenPopup = function (i) { var m = markerOf(i); if (m) { openPopup(m); } return !!m; };

  var start = performance.now();
  window.geomapReady = loadGroups(markersByType).then(function () {
    stats.ready = true;
    stats.clusterMs = performance.now() - start;
    stats.readyAt = performance.now();
    return stats;
  });
})();
"""


def _build_page(
    *,
    title: str,
    data_json: str,
    panel: str,
    center: tuple[float, float],
) -> str:
    """Assemble the HTML page: folium's Leaflet map skeleton plus our inline assets and data.

    branca compiles every rendered fragment as a Jinja template again, so nothing derived from
    the data (or the big third-party scripts) goes through folium: folium renders unique
    placeholder comments, which are replaced by the real content afterwards.
    """
    import uuid

    import folium
    from branca.element import Element, MacroElement
    from jinja2 import Template

    token = uuid.uuid4().hex
    parts = {
        f"<!--geomap-head-{token}-->": (
            f"<title>{html.escape(title)}</title>\n{_offline_assets()}<style>{_CSS}</style>"
        ),
        f"<!--geomap-body-{token}-->": (
            f'<script type="application/json" id="geomap-data">{data_json}</script>\n'
            f'<div id="geomap-panel-src" hidden>{panel}</div>'
        ),
        f"/*geomap-script-{token}*/": "",  # filled below, needs the map variable name
    }

    fmap = folium.Map(location=list(center), zoom_start=5, tiles=None, control_scale=True)
    # Drop folium's CDN assets (leaflet, jquery, bootstrap, awesome-markers, font-awesome).
    fmap.default_js = []
    fmap.default_css = []
    fig = fmap.get_root()
    fig.header.add_child(Element(f"<!--geomap-head-{token}-->"), name="geomap_head")

    class _GeomapLayer(MacroElement):
        """Placeholders for the data, the side panel and the client-side code (after the map)."""

        _template = Template(
            "{% macro html(this, kwargs) %}<!--geomap-body-{{ this.token }}-->{% endmacro %}"
            "{% macro script(this, kwargs) %}/*geomap-script-{{ this.token }}*/{% endmacro %}"
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "GeomapLayer"
            self.token = token

    fmap.add_child(_GeomapLayer())
    for child in list(fmap._children.values()):  # no child may pull CDN assets either
        if hasattr(child, "default_js"):
            child.default_js = []
            child.default_css = []
    _number_elements(fig)
    skeleton = fig.render()
    _check_offline(skeleton)
    parts[f"/*geomap-script-{token}*/"] = _JS.replace("__MAP__", fmap.get_name())
    pieces = re.split("(" + "|".join(re.escape(k) for k in parts) + ")", skeleton)
    if sorted(p for p in pieces if p in parts) != sorted(parts):
        raise GeomapError("internal error: unexpected folium page layout")
    page = "".join(parts.get(p, p) for p in pieces)
    _check_offline(page)
    return page


def _number_elements(root: Any) -> None:
    """Give every element of a folium page an id by its place in the tree, not a random one,
    so that the same incidents give the same map file byte for byte."""
    todo, n = [root], 0
    while todo:
        element = todo.pop(0)
        element._id = f"{n:04d}"
        n += 1
        todo.extend(getattr(element, "_children", {}).values())


# --------------------------------------------------------------------------------------------
# atomic writes
# --------------------------------------------------------------------------------------------


def _atomic_write(path: pathlib.Path, write: Any) -> None:
    """Call ``write(fileobj)`` on a temp file next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def _main_cluster(xy, cell_deg: float = 10.0):
    """Return the points in and around the densest 10-degree cell (all points when spread evenly).

    The map opens on where most incidents are; a few far-away ones (a meeting in New York) stay
    one zoom-out away instead of shrinking the main theatre to a corner of a world map.
    """
    import numpy as np

    if len(xy) < 10:
        return xy
    cells = np.floor(xy / cell_deg).astype(int)
    keys, counts = np.unique(cells, axis=0, return_counts=True)
    top = keys[counts.argmax()]
    near = np.all(np.abs(cells - top) <= 1, axis=1)
    return xy[near] if near.sum() >= 0.5 * len(xy) else xy


def write_map(
    incidents: geopandas.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    boundaries: geopandas.GeoDataFrame | None = None,
    basemap: geopandas.GeoDataFrame | None = None,
    title: str = "geomap incidents",
) -> pathlib.Path:
    """Write incidents as a self-contained offline Leaflet map (one HTML file).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Incidents with the columns of :data:`geomap.schema.INCIDENT_COLUMNS` (missing columns are
        treated as empty) and Point geometries in lon/lat (other CRSs are reprojected). Rows with
        ``scope == "country"``, ``cumulative`` true, or no/empty geometry are listed in a side
        panel instead of being pinned. A plain DataFrame with ``latitude``/``longitude`` columns is
        accepted too.
    path : str or os.PathLike
        Output ``.html`` file; parent directories are created. Written atomically.
    boundaries : geopandas.GeoDataFrame, optional
        Admin-1 polygons (``id``, ``name``, ``country_code``, geometry) for the fatalities
        choropleth; only polygons holding at least one pinned incident are drawn (simplified).
    basemap : geopandas.GeoDataFrame, optional
        Country / admin-1 outlines drawn as the default (offline) base layer.
    title : str, default "geomap incidents"
        Page title and legend heading.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    UsageError
        ``incidents`` (or ``boundaries``/``basemap``) is not a GeoDataFrame.
    GeomapError
        The file cannot be written or the bundled Leaflet assets are missing.
    """
    import numpy as np

    path = pathlib.Path(path)
    gdf = _as_wgs84(incidents, "incidents")
    bnd = _as_wgs84(boundaries, "boundaries") if boundaries is not None else None
    base = _as_wgs84(basemap, "basemap") if basemap is not None else None

    pins, unpinned, xy = _split_pins(gdf)
    types_col = [_text(t) or "Unknown" for t in _column(pins, "event_type")]
    types = _ordered_types(types_col)
    counts = {t: 0 for t in types}
    for t in types_col:
        counts[t] += 1
    strings = _Strings()
    records = _pin_records(pins, xy, types, strings)

    choropleth, _ = _choropleth(pins, xy, bnd)
    view = None
    if len(xy):
        # open on where most incidents are: a few far-away ones (a meeting in New York) should
        # not zoom the map out to the whole world
        focus = _main_cluster(xy)
        view = (
            float(focus[:, 0].min()),
            float(focus[:, 1].min()),
            float(focus[:, 0].max()),
            float(focus[:, 1].max()),
        )
    elif choropleth is None and bnd is not None and len(bnd):
        minx, miny, maxx, maxy = bnd.total_bounds
        view = (float(minx), float(miny), float(maxx), float(maxy))
    base_fc = _basemap_features(base, view)
    if view is None and base is not None and len(base):
        minx, miny, maxx, maxy = base.total_bounds
        if np.all(np.isfinite([minx, miny, maxx, maxy])):
            view = (float(minx), float(miny), float(maxx), float(maxy))

    days = [r[4] for r in records if r[4] is not None]
    date_range = None
    if days:
        date_range = [
            (_EPOCH + _dt.timedelta(days=min(days))).isoformat(),
            (_EPOCH + _dt.timedelta(days=max(days))).isoformat(),
        ]
    choro_legend = []
    if choropleth is not None:
        bounds_txt = list(_CHORO_BREAKS[1:]) + [None]
        for lower, upper, col in zip(_CHORO_BREAKS, bounds_txt, _CHORO_COLORS, strict=True):
            label = (
                f"{lower}" if upper is None or upper - 1 == lower else f"{lower}\u2013{upper - 1}"
            )
            choro_legend.append([label + ("+" if upper is None else ""), col])

    panel, n_unpinned = _panel_html(unpinned)
    data = {
        "title": str(title),
        "types": [{"name": t, "color": _type_color(t), "count": counts[t]} for t in types],
        "strings": strings.items,
        "pins": records,
        "unpinned": n_unpinned,
        "choropleth": choropleth,
        "choroLegend": choro_legend,
        "basemap": base_fc,
        "bounds": [[view[1], view[0]], [view[3], view[2]]] if view else None,
        "dateRange": date_range,
        "tiles": {"url": _TILE_URL, "attribution": _TILE_ATTRIBUTION},
    }
    center = ((view[1] + view[3]) / 2, (view[0] + view[2]) / 2) if view else (20.0, 20.0)
    page = _build_page(
        title=str(title), data_json=_json_for_script(data), panel=panel, center=center
    )
    encoded = page.encode("utf-8", errors="replace")
    try:
        _atomic_write(path, lambda fh: fh.write(encoded))
    except OSError as exc:
        raise GeomapError(f"cannot write the map to {path}: {exc.strerror or exc}") from exc
    return path


def _period_counts(incidents: Any) -> tuple[list, dict[str, list[int]], str]:
    """Count non-cumulative dated incidents per week, month or year and event type.

    Weeks up to half a year of dates, months up to 20 years, years beyond (a report's absurd
    date must not make thousands of bars).

    Returns
    -------
    tuple
        ``(period starts, {event_type: counts}, "week" | "month" | "year")``.
    """
    import pandas as pd

    dates = pd.to_datetime(
        pd.Series([_text(d)[:10] for d in _column(incidents, "event_date")], dtype=object),
        format="%Y-%m-%d",
        errors="coerce",
    )
    cum = pd.Series([_truthy(v) for v in _column(incidents, "cumulative")], dtype=bool)
    types = pd.Series(
        [_text(t) or "Unknown" for t in _column(incidents, "event_type")], dtype=object
    )
    keep = dates.notna().to_numpy() & ~cum.to_numpy()
    dates, types = dates[keep], types[keep]
    if dates.empty:
        return [], {}, "week"
    span = (dates.max() - dates.min()).days
    unit = "year" if span > 7305 else "month" if span > 180 else "week"
    period, start = {"year": ("Y", "YS"), "month": ("M", "MS"), "week": ("W-SUN", "W-MON")}[unit]
    periods = dates.dt.to_period(period).dt.start_time
    frame = pd.DataFrame({"p": periods.to_numpy(), "t": types.to_numpy()})
    table = frame.groupby(["p", "t"]).size().unstack(fill_value=0)
    full = pd.date_range(table.index.min(), table.index.max(), freq=start)
    table = table.reindex(full, fill_value=0)
    ordered = _ordered_types(table.columns)
    return list(table.index), {t: table[t].astype(int).tolist() for t in ordered}, unit


def write_summary_png(
    incidents: geopandas.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    boundaries: geopandas.GeoDataFrame | None = None,
) -> pathlib.Path:
    """Write a static two-panel PNG summary for reports (matplotlib, Agg canvas).

    Left: fatalities per admin-1 (choropleth of ``boundaries``; pinned incidents as points sized
    by fatalities and coloured by event type when no boundaries are given). Right: non-cumulative
    incidents per week (per month when the dates span more than 180 days), stacked by event type.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Incidents as for :func:`write_map`.
    path : str or os.PathLike
        Output ``.png`` file; written atomically.
    boundaries : geopandas.GeoDataFrame, optional
        Admin-1 polygons (``id``, ``name``, ``country_code``, geometry).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    UsageError
        An input is not a GeoDataFrame.
    GeomapError
        The file cannot be written.
    """
    import io

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    path = pathlib.Path(path)
    gdf = _as_wgs84(incidents, "incidents")
    bnd = _as_wgs84(boundaries, "boundaries") if boundaries is not None else None

    fig = Figure(figsize=(13, 5.5), dpi=100)
    FigureCanvasAgg(fig)
    if len(gdf) == 0:
        ax = fig.add_subplot(1, 1, 1)
        ax.axis("off")
        ax.text(0.5, 0.5, "no incidents", ha="center", va="center", fontsize=22, color="#555")
    else:
        ax_map, ax_time = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        pins, _, xy = _split_pins(gdf)
        fat = np.array(
            [
                _best_fatalities(f, lo) or 0
                for f, lo in zip(
                    _column(pins, "fatalities"), _column(pins, "fatalities_low"), strict=True
                )
            ],
            dtype=float,
        )
        drawn = False
        if bnd is not None and len(bnd) and len(pins):
            _, props = _choropleth(pins, xy, bnd)
            sums = {p["id"]: p["f"] for p in props}
            ids = (
                [_text(v) for v in _column(bnd, "id")]
                if "id" in bnd.columns
                else [str(i) for i in range(len(bnd))]
            )
            shown = bnd.assign(_fat=[sums.get(i, np.nan) for i in ids])
            focus = _main_cluster(xy)  # the main theatre, not every far-away meeting
            minx, miny = focus[:, 0].min(), focus[:, 1].min()
            maxx, maxy = focus[:, 0].max(), focus[:, 1].max()
            pad = max(0.5, 0.1 * max(maxx - minx, maxy - miny))
            near = shown.cx[minx - pad : maxx + pad, miny - pad : maxy + pad]
            near.plot(ax=ax_map, color="#eeeeee", edgecolor="#999999", linewidth=0.5)
            hit = near[near["_fat"].notna()]
            if len(hit):
                hit.plot(
                    ax=ax_map,
                    column="_fat",
                    cmap="YlOrRd",
                    edgecolor="#555555",
                    linewidth=0.6,
                    legend=True,
                    legend_kwds={"label": "fatalities", "shrink": 0.7},
                    vmin=0,
                )
            ax_map.scatter(xy[:, 0], xy[:, 1], s=8, c="#222222", alpha=0.6, linewidths=0, zorder=3)
            ax_map.set_xlim(minx - pad, maxx + pad)
            ax_map.set_ylim(miny - pad, maxy + pad)
            ax_map.set_title("Fatalities by admin-1")
            drawn = True
        if not drawn and len(pins):
            types = [_text(t) or "Unknown" for t in _column(pins, "event_type")]
            for t in _ordered_types(types):
                sel = np.array([x == t for x in types])
                ax_map.scatter(
                    xy[sel, 0],
                    xy[sel, 1],
                    s=12 + 8 * np.sqrt(fat[sel]),
                    c=_type_color(t),
                    alpha=0.6,
                    edgecolors="#222222",
                    linewidths=0.3,
                    label=t,
                )
            ax_map.legend(fontsize=7, loc="best")
            ax_map.set_title("Incidents (size \u221d fatalities)")
            drawn = True
        if drawn:
            ax_map.set_aspect("equal", adjustable="box")
            ax_map.set_xlabel("longitude")
            ax_map.set_ylabel("latitude")
        else:
            ax_map.axis("off")
            ax_map.text(0.5, 0.5, "no located incidents", ha="center", va="center", color="#555")

        periods, per_type, unit = _period_counts(gdf)
        if periods:
            x = np.arange(len(periods))
            bottom = np.zeros(len(periods))
            for t, values in per_type.items():
                ax_time.bar(x, values, bottom=bottom, color=_type_color(t), label=t, width=0.85)
                bottom += np.asarray(values)
            step = max(1, len(periods) // 12)
            ax_time.set_xticks(x[::step])
            fmt = {"year": "%Y", "month": "%Y-%m"}.get(unit, "%Y-%m-%d")
            ax_time.set_xticklabels(
                [p.strftime(fmt) for p in periods[::step]], rotation=45, ha="right", fontsize=8
            )
            ax_time.set_ylim(0, max(1.0, float(bottom.max())) * 1.3)  # room for the legend
            ax_time.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax_time.set_ylabel(f"incidents per {unit}")
            ax_time.set_title(f"Incidents per {unit}")
            ax_time.legend(fontsize=7, loc="upper left")
        else:
            ax_time.axis("off")
            ax_time.text(0.5, 0.5, "no dated incidents", ha="center", va="center", color="#555")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    try:
        _atomic_write(path, lambda fh: fh.write(buf.getvalue()))
    except OSError as exc:
        raise GeomapError(
            f"cannot write the summary figure to {path}: {exc.strerror or exc}"
        ) from exc
    return path
