"""Incidents to GeoDataFrames and files: GeoJSON (RFC 7946), CSV, GeoPackage.

Every writer is atomic: it writes a temporary file next to the target and renames it into place,
so a crash or Ctrl-C never leaves a half-written output (or corrupts an existing store).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

from geomap.errors import InputError
from geomap.schema import CSV_COLUMNS, INCIDENT_COLUMNS, Incident

#: Columns holding whole numbers (pandas stores them as float when some are missing).
_INT_COLUMNS = frozenset({
    "time_precision", "fatalities", "fatalities_low", "fatalities_high", "injured",
    "geo_precision", "n_sources", "mentions", "incidents",
})
#: SQLite side files that a GeoPackage write may leave beside the database.
_SIDECARS = ("-journal", "-wal", "-shm")
#: ``last_change`` stamped into GeoPackages (fixed, so that equal data gives equal bytes;
#: ``$SOURCE_DATE_EPOCH`` overrides it, as for reproducible builds).
_GPKG_DATE = "2000-01-01T00:00:00.000Z"


def incident_record(inc: Incident) -> dict:
    """Return an incident's GeoJSON properties, in :data:`INCIDENT_COLUMNS` order."""
    rec = {
        "id": inc.id, "event_date": inc.event_date, "time_precision": inc.time_precision,
        "event_type": inc.event_type, "sub_event_type": inc.sub_event_type,
        "actor1": inc.actor1, "actor1_class": inc.actor1_class, "actor2": inc.actor2,
        "actor2_class": inc.actor2_class, "fatalities": inc.fatalities,
        "fatalities_low": inc.fatalities_low, "fatalities_high": inc.fatalities_high,
        "injured": inc.injured, "cumulative": inc.cumulative, "scope": inc.scope,
        "location": inc.location, "place_id": inc.place_id, "place_name": inc.place_name,
        "admin1": inc.admin1, "admin2": inc.admin2, "country_code": inc.country_code,
        "latitude": inc.lat, "longitude": inc.lon, "geo_precision": inc.geo_precision,
        "notes": inc.notes, "sources": [e.as_dict() for e in inc.sources],
        "n_sources": inc.n_sources,
    }
    return {k: rec[k] for k in INCIDENT_COLUMNS}


def to_geodataframe(incidents: Iterable[Incident]):
    """Return incidents as a GeoDataFrame (EPSG:4326; geometry None for country figures)."""
    import geopandas as gpd
    from shapely.geometry import Point

    recs = [incident_record(i) for i in incidents]
    geoms = [
        Point(r["longitude"], r["latitude"]) if r["latitude"] is not None else None for r in recs
    ]
    gdf = gpd.GeoDataFrame(recs, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs="EPSG:4326")
    return _typed(gdf)


#: Integer columns kept as pandas' nullable Int64 (missing stays missing, 6 stays 6).
INT_COLUMNS = (
    "time_precision", "fatalities", "fatalities_low", "fatalities_high", "injured",
    "geo_precision", "n_sources",
)


def _typed(gdf):
    """Give the schema's integer columns a nullable integer dtype and ``cumulative`` a bool."""
    for col in INT_COLUMNS:
        if col in gdf:
            gdf[col] = gdf[col].astype("Int64")
    if "cumulative" in gdf:
        gdf["cumulative"] = gdf["cumulative"].fillna(False).astype(bool)
    return gdf


def empty_incidents():
    """Return an empty incidents GeoDataFrame with the schema's columns."""
    return to_geodataframe([])


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ""):
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, *(tmp + side for side in _SIDECARS)):
            if os.path.exists(leftover):
                os.unlink(leftover)


def _clean(value, column: str | None = None):
    """Return a JSON-ready plain Python value (None for NaN/NA; ints for count columns)."""
    if value is None or isinstance(value, (list, dict, str, bool)):
        return value
    if hasattr(value, "item"):
        value = value.item()
    else:
        try:
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if column in _INT_COLUMNS and value.is_integer():
            return int(value)
    return value


def _features(gdf) -> list[dict]:
    """Return GeoJSON Features (Point or null geometry; ``id`` only when there is one)."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    feats = []
    for row, geom in zip(gdf[cols].itertuples(index=False, name=None), gdf.geometry, strict=True):
        props = {c: _clean(v, c) for c, v in zip(cols, row, strict=True)}
        g = None
        if geom is not None and not geom.is_empty:
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            g = {"type": "Point", "coordinates": [round(pt.x, 6), round(pt.y, 6)]}
        feat: dict = {"type": "Feature"}
        fid = props.get("id")
        if isinstance(fid, (str, int)) and not isinstance(fid, bool) and fid != "":
            feat["id"] = fid  # RFC 7946 3.2: a string or number, else absent
        feat["geometry"] = g
        feat["properties"] = props
        feats.append(feat)
    return feats


def geojson_text(gdf) -> str:
    """Return an RFC 7946 FeatureCollection (no ``crs`` member) for a points GeoDataFrame."""
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    fc = {"type": "FeatureCollection", "features": _features(gdf)}
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"


def write_geojson(gdf, path: str | os.PathLike) -> Path:
    """Write a GeoJSON FeatureCollection atomically (``-`` for stdout)."""
    text = geojson_text(gdf)
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
        return Path("-")
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def _flat(gdf):
    """Return a copy with list/dict columns as JSON strings (for CSV and GeoPackage)."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].map(lambda v: isinstance(v, (list, dict))).any():
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
    return out


def csv_text(gdf) -> str:
    """Return incidents as CSV text, ACLED's column order first, then geomap's."""
    flat = _flat(gdf)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for _, r in flat.iterrows():
        rec = {c: _clean(r.get(c), c) for c in flat.columns}
        date = rec.get("event_date") or ""
        srcs = json.loads(rec.get("sources") or "[]") if isinstance(rec.get("sources"), str) else []
        rec["year"] = date[:4] if date else ""
        rec["country"] = rec.get("country_code") or ""
        rec["source"] = "; ".join(sorted({s.get("source") or s.get("doc_id") or "" for s in srcs}))
        w.writerow(["" if rec.get(c) is None else rec.get(c) for c in CSV_COLUMNS])
    return buf.getvalue()


def write_csv(gdf, path: str | os.PathLike) -> Path:
    """Write incidents as CSV atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(csv_text(gdf), encoding="utf-8")
    return Path(path)


def places_summary(incidents_gdf, mentions: Iterable | None = None):
    """Return one row per resolved place: mentions, incidents, fatalities, injured, dates.

    Cumulative tolls are not added into the sums.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    rows: dict[str, dict] = {}
    for m in mentions or []:
        p = m.place
        r = rows.setdefault(p.id, {
            "place_id": p.id, "name": p.name, "kind": p.kind, "country_code": p.country_code,
            "admin1": p.admin1 or None, "admin2": p.admin2 or None, "lat": p.lat, "lon": p.lon,
            "mentions": 0, "incidents": 0, "fatalities": 0, "injured": 0,
            "first_date": None, "last_date": None,
        })
        r["mentions"] += 1
    for _, inc in incidents_gdf.iterrows():
        pid = _clean(inc.get("place_id"))
        lat, lon = _clean(inc.get("latitude")), _clean(inc.get("longitude"))
        if not isinstance(pid, str) or not pid or lat is None or lon is None:
            continue
        r = rows.setdefault(pid, {
            "place_id": pid, "name": _clean(inc.get("place_name")), "kind": None,
            "country_code": _clean(inc.get("country_code")), "admin1": _clean(inc.get("admin1")),
            "admin2": _clean(inc.get("admin2")), "lat": lat, "lon": lon,
            "mentions": 0, "incidents": 0, "fatalities": 0, "injured": 0,
            "first_date": None, "last_date": None,
        })
        r["incidents"] += 1
        if not bool(inc.get("cumulative")):
            r["fatalities"] += int(_clean(inc.get("fatalities")) or 0)
            r["injured"] += int(_clean(inc.get("injured")) or 0)
        d = _clean(inc.get("event_date"))
        if d:
            r["first_date"] = min(filter(None, [r["first_date"], d]))
            r["last_date"] = max(filter(None, [r["last_date"], d]))
    recs = [rows[k] for k in sorted(rows)]
    cols = ["place_id", "name", "kind", "country_code", "admin1", "admin2", "lat", "lon",
            "mentions", "incidents", "fatalities", "injured", "first_date", "last_date"]
    return gpd.GeoDataFrame(recs, columns=cols, geometry=[Point(r["lon"], r["lat"]) for r in recs], crs="EPSG:4326")


@contextlib.contextmanager
def _gpkg_stamp():
    """Fix the GeoPackage ``last_change`` stamp while writing, so equal data gives equal bytes."""
    from pyogrio import get_gdal_config_option, set_gdal_config_options

    stamp = _GPKG_DATE
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        import datetime as dt

        when = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    before = get_gdal_config_option("OGR_CURRENT_DATE")
    set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        yield
    finally:
        set_gdal_config_options({"OGR_CURRENT_DATE": before})


def _ordered(gdf):
    """Return incidents with the schema's columns first (missing ones added as None)."""
    geo = gdf.geometry.name
    for c in INCIDENT_COLUMNS:
        if c not in gdf:
            gdf[c] = None
    extra = [c for c in gdf.columns if c not in INCIDENT_COLUMNS and c != geo]
    return gdf[[*INCIDENT_COLUMNS, *extra, geo]]


def write_gpkg(layers: dict, path: str | os.PathLike) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage, atomically and reproducibly.

    Parameters
    ----------
    layers : dict
        Layer name -> GeoDataFrame (``incidents`` keeps rows without geometry; ``places``
        drops them).
    path : path
        Target ``.gpkg``; replaced only once every layer is written.
    """
    with atomic_path(path, suffix=".gpkg") as tmp, _gpkg_stamp():
        tmp.unlink()
        for name, gdf in layers.items():
            flat = _flat(gdf)
            flat = flat[flat.geometry.notna()] if name == "places" else flat
            flat.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return Path(path)


def _json_list(text, where: str) -> list:
    if isinstance(text, list):
        return text
    if not isinstance(text, str) or not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise InputError(f"{where}: the sources column is not JSON") from None
    return value if isinstance(value, list) else []


def _geometry(g, where: str):
    from shapely.geometry import shape

    if not g:
        return None
    try:
        geom = shape(g)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{where}: bad geometry ({exc})") from None
    if geom.is_empty:
        return None
    return geom if geom.geom_type == "Point" else geom.representative_point()


def read_incidents(path: str | os.PathLike):
    """Read incidents saved by geomap (GeoJSON or GeoPackage layer ``incidents``).

    Parameters
    ----------
    path : path or "-"
        ``.gpkg`` (layer ``incidents``), or GeoJSON; ``-`` reads GeoJSON from stdin.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, the schema's columns first; ``sources`` as lists of dicts.

    Raises
    ------
    InputError
        When the file is missing or not an incidents file.
    """
    import geopandas as gpd

    p = Path(path)
    if str(path) != "-" and not p.is_file():
        raise InputError(f"{path}: no such file")
    if p.suffix.lower() == ".gpkg":
        try:
            gdf = gpd.read_file(p, layer="incidents", engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types (no layer, not a database...)
            raise InputError(f"{path}: not a geomap GeoPackage with a layer 'incidents' ({exc})") from None
        if "sources" in gdf:
            gdf["sources"] = [_json_list(s, str(path)) for s in gdf["sources"]]
        if gdf.crs is None:
            gdf = gdf.set_crs("EPSG:4326")
        elif not gdf.crs.equals("EPSG:4326"):
            gdf = gdf.to_crs(4326)
        return _ordered(gdf)
    try:
        if str(path) == "-":
            import sys

            data = json.loads(sys.stdin.read())
        else:
            data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not readable GeoJSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    recs, geoms = [], []
    for n, f in enumerate(data.get("features") or []):
        if not isinstance(f, dict):
            raise InputError(f"{path}: feature {n} is not an object")
        recs.append(dict(f.get("properties") or {}))
        geoms.append(_geometry(f.get("geometry"), f"{path}: feature {n}"))
    cols = list(INCIDENT_COLUMNS) + sorted({k for r in recs for k in r} - set(INCIDENT_COLUMNS))
    return gpd.GeoDataFrame(recs, columns=cols, geometry=geoms, crs="EPSG:4326")


def store_append(gdf, path: str | os.PathLike) -> int:
    """Add incidents to a GeoPackage store, skipping ids already there; return how many were added.

    Idempotent: appending the same incidents again adds 0. The store is rewritten through a
    temporary copy and renamed, so an interruption leaves the previous store intact.

    Raises
    ------
    InputError
        When ``path`` is a folder or an existing file that is not a readable GeoPackage.
    """
    import pandas as pd

    p = Path(path)
    if p.exists() and p.is_dir():
        raise InputError(f"--store {path} is a folder; give a .gpkg file path")
    if p.exists() and not _sqlite_ok(p):
        raise InputError(f"--store {path} is not a readable GeoPackage; left untouched")
    existing = read_incidents(p) if p.exists() else None
    new = gdf.drop_duplicates(subset="id", keep="first") if len(gdf) else gdf
    if existing is not None and len(existing):
        new = new[~new["id"].isin(set(existing["id"]))]
        if not len(new):
            return 0
        combined = pd.concat([existing, _ordered(new.copy())], ignore_index=True)
        combined = combined.set_geometry(existing.geometry.name).set_crs("EPSG:4326", allow_override=True)
    elif existing is not None and not len(new):
        return 0
    else:
        combined = _ordered(new.copy())
    write_gpkg({"incidents": combined}, p)
    return len(new)


def _sqlite_ok(path: Path) -> bool:
    """Return True when ``path`` is an SQLite database that passes a quick integrity check."""
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as con:
            return con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.Error:
        return False
