"""Filter incidents by region, distance, dates, types and counts; summarise them.

Regions are real boundaries from the bundled gazetteer (point-in-polygon, vectorised with
shapely), distances are geodesic (WGS84 ellipsoid, pyproj).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from geomap.errors import RegionError, UsageError
from geomap.gazetteer import Gazetteer, default_gazetteer


@dataclass(frozen=True)
class Filter:
    """What to keep. Empty fields do not filter.

    Attributes
    ----------
    region : str, optional
        Admin area (governorate, district, admin-1 worldwide, country) by name or code.
    country : str, optional
        ISO alpha-2 code.
    bbox : tuple of float, optional
        ``(west, south, east, north)`` in degrees.
    within : str, optional
        Path of any polygon file geopandas reads.
    near : str, optional
        Place name; with ``radius_km``.
    radius_km : float
    since, until : str, optional
        ISO dates, inclusive.
    types : tuple of str
        Event types or sub-event types (case-insensitive).
    min_fatalities : int, optional
    include_cumulative : bool
        Keep cumulative tolls when filtering (they are dropped by default).
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

    def active(self) -> bool:
        """True when any filter is set."""
        return any(
            v not in (None, (), False)
            for k, v in self.__dict__.items()
            if k not in ("include_cumulative", "radius_km")
        )


def _date(text: str, what: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a date; use YYYY-MM-DD") from None


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``W,S,E,N`` into floats, checking the ranges."""
    try:
        w, s, e, n = (float(x) for x in text.split(","))
    except ValueError:
        raise UsageError(f"--bbox {text!r}: give four numbers W,S,E,N") from None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90):
        raise UsageError(f"--bbox {text!r}: out of range (lon -180..180, lat -90..90, S <= N)")
    return w, s, e, n


def apply_filter(gdf, flt: Filter, gazetteer: Gazetteer | None = None):
    """Return the rows of an incidents GeoDataFrame that pass a :class:`Filter`.

    Raises
    ------
    RegionError
        Unknown or ambiguous ``region`` / ``near`` place (with choices to show).
    UsageError
        Bad dates, bbox or polygon file.
    """
    import numpy as np
    import shapely

    if not flt.active() or not len(gdf):
        return gdf
    keep = np.ones(len(gdf), dtype=bool)
    geom = gdf.geometry.values
    has_geom = ~(gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy())
    xs = np.where(has_geom, shapely.get_x(geom.to_numpy() if hasattr(geom, "to_numpy") else geom), np.nan)
    ys = np.where(has_geom, shapely.get_y(geom.to_numpy() if hasattr(geom, "to_numpy") else geom), np.nan)
    cc = gdf["country_code"].fillna("").astype(str).to_numpy() if "country_code" in gdf else np.array([""] * len(gdf))
    if not flt.include_cumulative and "cumulative" in gdf:
        keep &= ~gdf["cumulative"].fillna(False).astype(bool).to_numpy()
    if flt.region:
        gaz = gazetteer or default_gazetteer()
        place, poly = gaz.area(flt.region)
        inside = has_geom & shapely.contains_xy(poly, np.nan_to_num(xs), np.nan_to_num(ys))
        if place.kind == "country":
            inside |= (~has_geom) & (cc == place.country_code)
        keep &= inside
    if flt.country:
        keep &= cc == flt.country.upper()
    if flt.bbox:
        w, s, e, n = flt.bbox
        inlon = (xs >= w) & (xs <= e) if w <= e else (xs >= w) | (xs <= e)
        keep &= has_geom & inlon & (ys >= s) & (ys <= n)
    if flt.within:
        import geopandas as gpd

        try:
            shapes = gpd.read_file(flt.within)
        except Exception as exc:  # pyogrio raises several types for unreadable files
            raise UsageError(f"--within {flt.within}: cannot read polygons ({exc})") from None
        if shapes.crs is not None and shapes.crs.to_epsg() != 4326:
            shapes = shapes.to_crs(4326)
        poly = shapely.union_all(shapes.geometry.values)
        keep &= has_geom & shapely.contains_xy(poly, np.nan_to_num(xs), np.nan_to_num(ys))
    if flt.near:
        if not flt.radius_km or flt.radius_km <= 0:
            raise UsageError("--near needs --radius KM (a positive number)")
        gaz = gazetteer or default_gazetteer()
        cands = gaz.lookup(flt.near, limit=5)
        if not cands:
            raise RegionError(f"no place named {flt.near!r}", gaz.suggest(flt.near))
        centre = cands[0].place
        from pyproj import Geod

        g = Geod(ellps="WGS84")
        lon0 = np.full(len(gdf), centre.lon)
        lat0 = np.full(len(gdf), centre.lat)
        _, _, dist = g.inv(lon0, lat0, np.nan_to_num(xs), np.nan_to_num(ys))
        keep &= has_geom & (dist / 1000.0 <= flt.radius_km)
    if flt.since or flt.until:
        dates = gdf["event_date"].fillna("").astype(str).to_numpy()
        if flt.since:
            keep &= (dates != "") & (dates >= _date(flt.since, "--since"))
        if flt.until:
            keep &= (dates != "") & (dates <= _date(flt.until, "--until"))
    if flt.types:
        wanted = {t.lower() for t in flt.types}
        et = gdf["event_type"].fillna("").str.lower().to_numpy()
        st = gdf["sub_event_type"].fillna("").str.lower().to_numpy()
        keep &= np.array([a in wanted or b in wanted for a, b in zip(et, st, strict=True)], dtype=bool)
    if flt.min_fatalities is not None:
        fat = gdf["fatalities"].astype("float").fillna(-1).to_numpy()
        keep &= fat >= flt.min_fatalities
    return gdf[keep]


_BY = {
    "admin1": "admin1", "admin2": "admin2", "country": "country_code", "type": "event_type",
    "month": "month", "actor": "actor1",
}


def summarise(gdf, by: str):
    """Return a DataFrame of incidents, fatalities (low-high) and injured per group.

    Parameters
    ----------
    by : {"admin1", "admin2", "country", "type", "month", "actor"}
        Cumulative tolls are not added into the sums.
    """
    import pandas as pd

    if by not in _BY:
        raise UsageError(f"--by {by!r}: choose one of {', '.join(_BY)}")
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name) if hasattr(gdf, "geometry") else gdf)
    cols = ["group", "incidents", "fatalities", "fatalities_low", "fatalities_high", "injured"]
    if not len(df):
        return pd.DataFrame(columns=cols)
    if by == "month":
        df["month"] = df["event_date"].fillna("").astype(str).str[:7].replace("", "(no date)")
    df["group"] = df[_BY[by]].fillna("(unknown)").replace("", "(unknown)")
    cum = df["cumulative"].fillna(False).astype(bool) if "cumulative" in df else False
    for c in ("fatalities", "fatalities_low", "fatalities_high", "injured"):
        df[c] = pd.to_numeric(df[c], errors="coerce").where(~cum)
    df["fatalities_low"] = df["fatalities_low"].fillna(df["fatalities"])
    df["fatalities_high"] = df["fatalities_high"].fillna(df["fatalities"])
    out = df.groupby("group", sort=True).agg(
        incidents=("group", "size"), fatalities=("fatalities", "sum"),
        fatalities_low=("fatalities_low", "sum"), fatalities_high=("fatalities_high", "sum"),
        injured=("injured", "sum"),
    ).reset_index()
    for c in ("fatalities", "fatalities_low", "fatalities_high", "injured"):
        out[c] = out[c].fillna(0).astype(int)
    return out.sort_values(["fatalities", "incidents", "group"], ascending=[False, False, True])[cols]


def format_table(df) -> str:
    """Return a summary DataFrame as an aligned terminal table."""
    if not len(df):
        return "(no incidents)\n"
    rows = [["group", "incidents", "fatalities (low-high)", "injured"]]
    for r in df.itertuples(index=False):
        rng = f"{r.fatalities} ({r.fatalities_low}-{r.fatalities_high})"
        rows.append([str(r.group), str(r.incidents), rng, str(r.injured)])
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
