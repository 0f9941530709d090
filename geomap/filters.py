"""Filter incidents by region, distance, dates, types and counts; summarise them.

Regions are real boundaries from the bundled gazetteer (point-in-polygon, vectorised with
shapely), distances are geodesic (WGS84 ellipsoid, pyproj). Every filter is a vectorised mask
over the whole GeoDataFrame, so a million incidents filter in well under a second.

All options are checked before any row is looked at: an unknown region, a bad date or an
unreadable polygon file is an error (exit 2) even when there are no incidents to filter. What
needs no data (dates, bounding box, radius, counts) is checked as soon as a :class:`Filter` is
made.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from geomap.errors import RegionError, UsageError
from geomap.gazetteer import Gazetteer, default_gazetteer
from geomap.schema import EVENT_TYPES, Place

#: Words a user may add to an area name ("Idlib province", "Homs governorate").
_AREA_WORDS = re.compile(
    r"^(?:the\s+)?(?:(?:province|governorate|region|district|state)\s+of\s+)?(.+?)"
    r"(?:\s+(?:province|governorate|gouvernorate|muhafazah|muhafazat|region|district|state|county))?$",
    re.IGNORECASE,
)
_AREA_KINDS = ("country", "admin1", "admin2")
_KIND_ORDER = {k: n for n, k in enumerate(_AREA_KINDS)}


@dataclass(frozen=True)
class Filter:
    """What to keep. Empty fields do not filter.

    Attributes
    ----------
    region : str, optional
        Admin area (governorate, district, admin-1 worldwide, country) by name or code.
    country : str, optional
        ISO alpha-2 code (a country name is accepted too).
    bbox : tuple of float, optional
        ``(west, south, east, north)`` in degrees; ``west > east`` crosses the antimeridian.
    within : str, optional
        Path of any polygon file geopandas reads (reprojected to EPSG:4326).
    near : str, optional
        Place name; with ``radius_km``.
    radius_km : float, optional
        Geodesic radius around ``near``, in kilometres.
    since, until : str, optional
        ISO dates, inclusive (``YYYY`` and ``YYYY-MM`` mean the whole year / month).
    types : tuple of str
        Event types or sub-event types (case-insensitive).
    min_fatalities : int, optional
        Keep incidents with at least this many fatalities (best estimate).
    include_cumulative : bool
        Keep cumulative tolls when filtering (they are dropped by default).

    Raises
    ------
    UsageError
        When made with an option that is wrong whatever the incidents (a bad date or
        bounding box, a radius without a place, a negative count): the message
        :func:`apply_filter` would give.
    """

    region: str | None = None
    country: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    within: str | None = None
    near: str | None = None
    radius_km: float | None = None
    since: str | None = None
    until: str | None = None
    types: tuple[str, ...] = field(default_factory=tuple)
    min_fatalities: int | None = None
    include_cumulative: bool = False

    def __post_init__(self) -> None:
        """Check every option that can be checked without incidents (see :func:`_check_options`).

        ``types`` given as one string is that one type; a list becomes a tuple, None none.

        Raises
        ------
        UsageError
            With the message :func:`apply_filter` would give for the same option.
        """
        types = () if self.types is None else self.types
        if isinstance(types, str):
            types = (types,)
        elif not isinstance(types, tuple):
            try:
                types = tuple(types)
            except TypeError:
                raise UsageError(f"--type {types!r}: give event types as text") from None
        object.__setattr__(self, "types", types)
        _check_options(self)

    def active(self) -> bool:
        """Return True when any filter is set (an empty name counts: checking it says so)."""
        return any(
            v is not None and not (isinstance(v, tuple) and not v)
            for k, v in self.__dict__.items()
            if k not in ("include_cumulative", "radius_km")
        )


@dataclass
class _Plan:
    """A :class:`Filter` with every option checked and resolved."""

    region: tuple[Place, Any] | None = None
    country: str | None = None
    within: Any = None
    centre: Place | None = None
    since: str | None = None
    until: str | None = None
    types: frozenset[str] = frozenset()


def _date(text: str, what: str, *, end: bool) -> str:
    """Return an ISO date for ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (first or last day)."""
    text = str(text).strip()
    try:
        if re.fullmatch(r"\d{4}", text):
            return f"{text}-12-31" if end else f"{text}-01-01"
        if re.fullmatch(r"\d{4}-\d{2}", text):
            y, m = int(text[:4]), int(text[5:])
            day = calendar.monthrange(y, m)[1] if end else 1
            return dt.date(y, m, day).isoformat()
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY)") from None


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``W,S,E,N`` into floats, checking the ranges.

    Raises
    ------
    UsageError
        Not four numbers, or out of range.
    """
    try:
        w, s, e, n = (float(x) for x in text.split(","))
    except ValueError:
        raise UsageError(f"--bbox {text!r}: give four numbers W,S,E,N") from None
    return _check_bbox((w, s, e, n), text)


def _check_bbox(bbox, text: str | None = None) -> tuple[float, float, float, float]:
    label = text if text is not None else ",".join(str(v) for v in bbox)
    try:
        w, s, e, n = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise UsageError(f"--bbox {label!r}: give four numbers W,S,E,N") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)) or not (
        -180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90
    ):
        raise UsageError(f"--bbox {label!r}: out of range (lon -180..180, lat -90..90, S <= N)")
    return w, s, e, n


def _norm_type(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def _known_types() -> set[str]:
    out = set(EVENT_TYPES)
    for subs in EVENT_TYPES.values():
        out.update(subs)
    return out


def _resolve_types(types, gdf) -> frozenset[str]:
    """Normalise ``--type`` values; unknown ones are a usage error with close names."""
    known = _known_types()
    for col in ("event_type", "sub_event_type"):
        if col in gdf:
            known.update(str(v) for v in gdf[col].dropna().unique() if str(v))
    by_key = {_norm_type(k): k for k in known}
    out = set()
    for t in types:
        key = _norm_type(t)
        if key not in by_key:
            close = difflib.get_close_matches(key, sorted(by_key), n=5, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(by_key[c]) for c in close)}?" if close else ""
            raise UsageError(f"--type {t!r}: not an event type or sub-event type{hint}")
        out.add(key)
    return frozenset(out)


def _city_named_area(gaz: Gazetteer, name: str) -> tuple[Place, Any] | None:
    """Return the admin area named after a city or town called ``name``, if there is one.

    Several governorates are named after their capital, and news spellings of the capital
    ("Deir al-Zour", "Deraa") are often only known as aliases of the city. The area must be in
    the city's own country and admin-1 (or admin-2) and carry the city's name (compared on
    transliteration keys); the coarsest such area wins, as in :meth:`Gazetteer.area`.
    """
    from geomap.gazetteer import TIER_VARIANT
    from geomap.names import key1

    areas = gaz.areas
    cands = [c for c in gaz.lookup(name, limit=20)
             if c.place.kind not in _AREA_KINDS and c.tier <= TIER_VARIANT]
    if not cands:
        return None
    best_tier = min(c.tier for c in cands)
    found: dict[str, tuple[Place, Any]] = {}
    for c in cands:
        if c.tier != best_tier:
            continue
        p = c.place
        keys = {key1(p.name), key1(p.ascii_name), key1(name)} - {""}
        rows = areas[(areas["country_code"] == p.country_code) & areas["kind"].isin(["admin1", "admin2"])]
        rows = rows[((rows["kind"] == "admin1") & (rows["admin1_code"] == p.admin1_code))
                    | ((rows["kind"] == "admin2") & (rows["admin2_code"] == p.admin2_code) & (p.admin2_code != ""))]
        hits = []
        for row in rows.itertuples(index=False):
            try:
                area = gaz.get(row.id)
            except KeyError:
                continue
            names = [area.name, area.ascii_name, *gaz.aliases(area.id)]
            if keys & {key1(n) for n in names}:
                hits.append((_KIND_ORDER[area.kind], area.id, area, row.geometry))
        if hits:
            _, _, area, geom = min(hits, key=lambda h: (h[0], h[1]))
            found.setdefault(area.id, (area, geom))
    if len(found) > 1:
        raise RegionError(
            f"region name {name!r} is ambiguous",
            [f"{a.name} ({a.kind}, {a.parent or a.country_code}; code {a.admin2_code or a.admin1_code or a.country_code})"
             for a, _ in sorted(found.values(), key=lambda v: v[0].id)],
        )
    return next(iter(found.values()), None)


def resolve_region(name: str, gazetteer: Gazetteer | None = None) -> tuple[Place, Any]:
    """Return ``(Place, polygon)`` of an admin area given by name or code, in any spelling.

    Tries :meth:`Gazetteer.area` first; when that knows no area of that name, it retries without
    words like "province" / "governorate", then looks for the area named after a city of that
    name ("Deir al-Zour" -> the Deir ez-Zor governorate).

    Raises
    ------
    RegionError
        Unknown name (with the closest area names as ``choices``) or ambiguous name (with the
        candidate areas as ``choices``).
    """
    gaz = gazetteer or default_gazetteer()
    text = str(name).strip()
    if not text:
        raise UsageError("--region: give an area name or code")
    try:
        return gaz.area(text)
    except RegionError as exc:
        if not str(exc).startswith("no region"):
            raise
        first = exc
    m = _AREA_WORDS.match(text)
    bare = m.group(1).strip() if m else text
    variants = [text] if bare == text else [bare, text]
    if bare != text:
        try:
            return gaz.area(bare)
        except RegionError as exc:
            if not str(exc).startswith("no region"):
                raise
    for v in variants:
        hit = _city_named_area(gaz, v)
        if hit is not None:
            return hit
    raise first


def _resolve_country(text: str, gaz: Gazetteer | None) -> str:
    """Return the ISO alpha-2 code of a country given by code or name (an unknown one is an error)."""
    place, _ = (gaz or default_gazetteer()).area(str(text).strip(), kinds=("country",))
    return place.country_code


def _read_polygons(path: str):
    """Return the union of the polygons of a file, in EPSG:4326 (prepared)."""
    import geopandas as gpd
    import shapely

    try:
        shapes = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise UsageError(f"--within {path}: cannot read polygons ({exc})") from None
    if shapes.crs is not None:
        shapes = shapes.to_crs(4326)
    geoms = shapes.geometry.values
    geoms = shapely.make_valid(geoms[~(shapes.geometry.isna().to_numpy() | shapes.geometry.is_empty.to_numpy())])
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON] if len(parts) else parts
    parts = shapely.get_parts(parts)
    if not len(parts):
        raise UsageError(f"--within {path}: the file has no polygons")
    poly = shapely.union_all(parts)
    shapely.prepare(poly)
    return poly


def _check_options(flt: Filter) -> tuple[str | None, str | None]:
    """Check the options of a filter that need neither incidents nor the gazetteer.

    Empty names, ``radius_km`` without ``near`` (and ``near`` without a positive radius), the
    bounding box, ``min_fatalities``, the dates and their order, and that types are text.
    Returns ``since`` and ``until`` as ISO dates (None when not set); raises UsageError.
    """
    for option, value in (("--region", flt.region), ("--country", flt.country), ("--near", flt.near),
                          ("--within", flt.within)):
        if value is not None and not str(value).strip():
            raise UsageError(f"{option} is empty; give a name (or leave the option out)")
    if flt.radius_km is not None and not flt.near:
        raise UsageError("--radius needs --near PLACE")
    if flt.near:
        r = flt.radius_km
        if r is None or not isinstance(r, (int, float)) or isinstance(r, bool) or not math.isfinite(r) or r <= 0:
            raise UsageError("--near needs --radius KM (a positive number)")
    if flt.bbox is not None:
        _check_bbox(flt.bbox)
    n = flt.min_fatalities
    if n is not None:
        if not isinstance(n, (int, float)) or isinstance(n, bool) or not math.isfinite(n):
            raise UsageError(f"--min-fatalities {n!r}: give a whole number, 0 or more")
        if n < 0:
            raise UsageError("--min-fatalities must be 0 or more")
    since = _date(flt.since, "--since", end=False) if flt.since else None
    until = _date(flt.until, "--until", end=True) if flt.until else None
    if since and until and since > until:
        raise UsageError(f"--since {flt.since} is after --until {flt.until}")
    for t in flt.types:
        if not isinstance(t, str):
            raise UsageError(f"--type {t!r}: give event types as text")
    return since, until


def _plan(flt: Filter, gdf, gazetteer: Gazetteer | None) -> _Plan:
    """Check and resolve every option of a filter (before looking at any row)."""
    plan = _Plan()
    plan.since, plan.until = _check_options(flt)
    if flt.types:
        plan.types = _resolve_types(flt.types, gdf)
    if flt.country:
        plan.country = _resolve_country(flt.country, gazetteer)
    if flt.region:
        import shapely

        place, poly = resolve_region(flt.region, gazetteer)
        shapely.prepare(poly)
        plan.region = (place, poly)
    if flt.within:
        plan.within = _read_polygons(flt.within)
    if flt.near:
        gaz = gazetteer or default_gazetteer()
        cands = gaz.lookup(flt.near, limit=5)
        if not cands:
            raise RegionError(f"no place named {flt.near!r}", gaz.suggest(flt.near))
        plan.centre = cands[0].place
    return plan


def _xy(gdf):
    """Return the lon/lat arrays of the rows (NaN where there is no geometry)."""
    import numpy as np
    import shapely

    geo = gdf.geometry
    if geo.crs is not None and not geo.crs.equals("EPSG:4326"):
        geo = geo.to_crs(4326)
    geoms = np.asarray(geo.array, dtype=object)
    kinds = shapely.get_type_id(geoms)
    if ((kinds != shapely.GeometryType.POINT) & (kinds >= 0)).any():
        geoms = np.where(kinds == shapely.GeometryType.POINT, geoms, shapely.point_on_surface(geoms))
    return shapely.get_x(geoms), shapely.get_y(geoms)


def _text(gdf, col: str):
    """Return a column as an array of str ('' for missing), or all '' when absent."""
    import numpy as np

    if col not in gdf:
        return np.full(len(gdf), "", dtype=object)
    return gdf[col].fillna("").astype(str).to_numpy()


def _types_mask(gdf, col: str, wanted: frozenset[str]):
    """Return a mask of the rows whose ``col`` (normalised) is one of ``wanted``."""
    import numpy as np

    if col not in gdf:
        return np.zeros(len(gdf), dtype=bool)
    values = gdf[col].fillna("").astype(str)
    hit = {v: _norm_type(v) in wanted for v in values.unique()}
    return values.map(hit).to_numpy(dtype=bool)


def _geodesic_km(lon0: float, lat0: float, xs, ys, radius_km: float):
    """Return the geodesic distances (km) of the points from a centre, +inf beyond a cheap bound.

    Points outside a latitude/longitude band that certainly lies beyond ``radius_km`` are not
    measured (their distance is reported as +inf), which makes the common case fast.
    """
    import numpy as np
    from pyproj import Geod

    dist = np.full(len(xs), np.inf)
    ok = ~(np.isnan(xs) | np.isnan(ys))
    dlat = radius_km / 110.0 + 0.01  # a degree of latitude is >= 110.57 km
    band = ok & (np.abs(ys - lat0) <= dlat)
    top = min(90.0, abs(lat0) + dlat)
    if top < 89.0:
        dlon = radius_km / (111.0 * math.cos(math.radians(top))) + 0.01
        if dlon < 180:
            dx = np.abs((xs - lon0 + 180.0) % 360.0 - 180.0)
            band &= dx <= dlon
    idx = np.flatnonzero(band)
    if len(idx):
        g = Geod(ellps="WGS84")
        _, _, d = g.inv(np.full(len(idx), lon0), np.full(len(idx), lat0), xs[idx], ys[idx])
        dist[idx] = np.asarray(d) / 1000.0
    return dist


def apply_filter(gdf, flt: Filter, gazetteer: Gazetteer | None = None):
    """Return the rows of an incidents GeoDataFrame that pass a :class:`Filter`.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Incidents (columns of :data:`geomap.schema.INCIDENT_COLUMNS`; any CRS).
    flt : Filter
    gazetteer : Gazetteer, optional
        Defaults to the bundled gazetteer (only loaded for ``region``, ``near`` and country
        names).

    Returns
    -------
    geopandas.GeoDataFrame
        The kept rows, in their original order and with their original index.

    Raises
    ------
    RegionError
        Unknown or ambiguous ``region`` / ``near`` place (with choices to show).
    UsageError
        Bad dates, bbox, radius, type or polygon file.
    """
    import numpy as np

    if not flt.active() and flt.radius_km is None:
        return gdf
    plan = _plan(flt, gdf, gazetteer)
    if not len(gdf):
        return gdf
    keep = np.ones(len(gdf), dtype=bool)
    if not flt.include_cumulative and "cumulative" in gdf:
        keep &= ~gdf["cumulative"].fillna(False).astype(bool).to_numpy()
    if plan.types:
        keep &= _types_mask(gdf, "event_type", plan.types) | _types_mask(gdf, "sub_event_type", plan.types)
    if plan.since or plan.until:
        dates = gdf["event_date"].fillna("").astype(str).str[:10].to_numpy() if "event_date" in gdf \
            else np.full(len(gdf), "", dtype=object)
        has = dates != ""
        if plan.since:
            keep &= has & (np.where(has, dates, "0") >= plan.since)
        if plan.until:
            keep &= has & (np.where(has, dates, "9") <= plan.until)
    if flt.min_fatalities is not None:
        import pandas as pd

        fat = pd.to_numeric(gdf["fatalities"], errors="coerce").fillna(-1).to_numpy() if "fatalities" in gdf \
            else np.full(len(gdf), -1.0)
        keep &= fat >= flt.min_fatalities
    cc = None
    if plan.country or plan.region:
        cc = np.char.upper(_text(gdf, "country_code").astype(str))
    if plan.country:
        keep &= cc == plan.country
    if not (plan.region or flt.bbox or plan.within is not None or plan.centre):
        return gdf[keep]
    xs, ys = _xy(gdf)
    has_geom = ~(np.isnan(xs) | np.isnan(ys))
    x0, y0 = np.nan_to_num(xs), np.nan_to_num(ys)
    if plan.region:
        import shapely

        place, poly = plan.region
        inside = has_geom & shapely.intersects_xy(poly, x0, y0)
        # rows without a point (country- or province-level figures) belong by their codes
        same_cc = (~has_geom) & (cc == place.country_code)
        if place.kind == "country":
            inside |= same_cc
        elif place.kind == "admin1" and place.admin1:
            inside |= same_cc & (_text(gdf, "admin1") == place.admin1)
        keep &= inside
    if flt.bbox:
        w, s, e, n = _check_bbox(flt.bbox)
        inlon = (xs >= w) & (xs <= e) if w <= e else (xs >= w) | (xs <= e)
        keep &= has_geom & inlon & (ys >= s) & (ys <= n)
    if plan.within is not None:
        import shapely

        keep &= has_geom & shapely.intersects_xy(plan.within, x0, y0)
    if plan.centre is not None:
        sel = np.flatnonzero(keep)
        near = np.zeros(len(gdf), dtype=bool)
        if len(sel):
            d = _geodesic_km(plan.centre.lon, plan.centre.lat, xs[sel], ys[sel], float(flt.radius_km))
            near[sel] = d <= float(flt.radius_km)
        keep &= near
    return gdf[keep]


_BY = {
    "admin1": "admin1", "admin2": "admin2", "country": "country_code", "type": "event_type",
    "month": "month", "actor": "actor1",
}
_SUM_COLS = ("fatalities", "fatalities_low", "fatalities_high", "injured")


def summarise(gdf, by: str):
    """Return a DataFrame of incidents, fatalities (low-high) and injured per group.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or pandas.DataFrame
        Incidents.
    by : {"admin1", "admin2", "country", "type", "month", "actor"}
        Grouping; ``actor`` is the primary actor (``actor1``), ``month`` is ``YYYY-MM`` of the
        event date. Cumulative tolls count as incidents but are not added into the sums.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, incidents, fatalities, fatalities_low, fatalities_high, injured``;
        most fatalities first (months in calendar order).
    """
    import pandas as pd

    if by not in _BY:
        raise UsageError(f"--by {by!r}: choose one of {', '.join(_BY)}")
    geo = getattr(gdf, "_geometry_column_name", None)
    df = pd.DataFrame(gdf.drop(columns=geo) if geo in getattr(gdf, "columns", ()) else gdf).copy()
    cols = ["group", "incidents", *_SUM_COLS]
    if not len(df):
        return pd.DataFrame(columns=cols)
    if by == "month":
        dates = df["event_date"] if "event_date" in df else pd.Series("", index=df.index)
        df["month"] = dates.fillna("").astype(str).str[:7].replace("", "(no date)")
    src = df[_BY[by]] if _BY[by] in df else pd.Series(None, index=df.index, dtype=object)
    df["group"] = src.fillna("(unknown)").astype(str).replace("", "(unknown)")
    if "cumulative" in df:
        cum = df["cumulative"].fillna(False).astype(bool)
    else:
        cum = pd.Series(False, index=df.index)
    for c in _SUM_COLS:
        vals = pd.to_numeric(df[c], errors="coerce") if c in df else pd.Series(float("nan"), index=df.index)
        df[c] = vals.where(~cum)
    df["fatalities_low"] = df["fatalities_low"].fillna(df["fatalities"])
    df["fatalities_high"] = df["fatalities_high"].fillna(df["fatalities"])
    out = df.groupby("group", sort=True).agg(
        incidents=("group", "size"), fatalities=("fatalities", "sum"),
        fatalities_low=("fatalities_low", "sum"), fatalities_high=("fatalities_high", "sum"),
        injured=("injured", "sum"),
    ).reset_index()
    for c in _SUM_COLS:
        out[c] = out[c].fillna(0).astype(int)
    if by == "month":
        return out.sort_values("group").reset_index(drop=True)[cols]
    out = out.sort_values(["fatalities", "incidents", "group"], ascending=[False, False, True])
    return out.reset_index(drop=True)[cols]


def format_table(df) -> str:
    """Return a summary DataFrame as an aligned terminal table, with a total line."""
    if not len(df):
        return "(no incidents)\n"
    rows = [["group", "incidents", "fatalities (low-high)", "injured"]]
    for r in df.itertuples(index=False):
        rng = f"{r.fatalities} ({r.fatalities_low}-{r.fatalities_high})"
        rows.append([str(r.group), str(r.incidents), rng, str(r.injured)])
    tot = df[["incidents", *_SUM_COLS]].sum()
    rows.append(["total", str(int(tot["incidents"])),
                 f"{int(tot['fatalities'])} ({int(tot['fatalities_low'])}-{int(tot['fatalities_high'])})",
                 str(int(tot["injured"]))])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        if n == len(rows) - 1:
            lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
