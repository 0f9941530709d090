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
    return gpd.GeoDataFrame(recs, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs="EPSG:4326")


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
        if os.path.exists(tmp):
            os.unlink(tmp)


def _clean(value):
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _features(gdf) -> list[dict]:
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    feats = []
    for row, geom in zip(gdf[cols].itertuples(index=False, name=None), gdf.geometry, strict=True):
        props = {c: _clean(v) for c, v in zip(cols, row, strict=True)}
        g = None
        if geom is not None and not geom.is_empty:
            g = {"type": "Point", "coordinates": [round(geom.x, 6), round(geom.y, 6)]}
        feats.append({"type": "Feature", "id": props.get("id"), "geometry": g, "properties": props})
    return feats


def geojson_text(gdf) -> str:
    """Return an RFC 7946 FeatureCollection (no ``crs`` member) for a points GeoDataFrame."""
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
        rec = {c: _clean(r.get(c)) for c in flat.columns}
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
        pid = inc.get("place_id")
        if not pid or inc.get("latitude") is None or _clean(inc.get("latitude")) is None:
            continue
        r = rows.setdefault(pid, {
            "place_id": pid, "name": inc.get("place_name"), "kind": None,
            "country_code": inc.get("country_code"), "admin1": inc.get("admin1"),
            "admin2": inc.get("admin2"), "lat": inc["latitude"], "lon": inc["longitude"],
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


def write_gpkg(layers: dict, path: str | os.PathLike) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage, atomically."""
    with atomic_path(path, suffix=".gpkg") as tmp:
        tmp.unlink()
        for name, gdf in layers.items():
            flat = _flat(gdf)
            flat = flat[flat.geometry.notna()] if name == "places" else flat
            flat.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return Path(path)


def read_incidents(path: str | os.PathLike):
    """Read incidents saved by geomap (GeoJSON or GeoPackage layer ``incidents``).

    Raises
    ------
    InputError
        When the file is missing or not an incidents file.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    p = Path(path)
    if str(path) != "-" and not p.is_file():
        raise InputError(f"{path}: no such file")
    if p.suffix.lower() == ".gpkg":
        gdf = gpd.read_file(p, layer="incidents", engine="pyogrio")
        if "sources" in gdf:
            gdf["sources"] = gdf["sources"].map(lambda s: json.loads(s) if isinstance(s, str) and s else [])
        return gdf
    try:
        if str(path) == "-":
            import sys

            data = json.loads(sys.stdin.read())
        else:
            data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not readable GeoJSON ({exc})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    recs, geoms = [], []
    for f in data.get("features") or []:
        props = dict(f.get("properties") or {})
        g = f.get("geometry")
        geoms.append(Point(*g["coordinates"][:2]) if g and g.get("type") == "Point" else None)
        recs.append(props)
    cols = list(INCIDENT_COLUMNS) + sorted({k for r in recs for k in r} - set(INCIDENT_COLUMNS))
    return gpd.GeoDataFrame(recs, columns=cols, geometry=geoms, crs="EPSG:4326")


def store_append(gdf, path: str | os.PathLike) -> int:
    """Add incidents to a GeoPackage store, skipping ids already there; return how many were added.

    The store is rewritten through a temporary copy and renamed, so an interruption leaves the
    previous store intact.
    """
    import pandas as pd

    p = Path(path)
    if p.exists() and p.is_dir():
        raise InputError(f"--store {path} is a folder; give a .gpkg file path")
    existing = read_incidents(p) if p.exists() else None
    if existing is not None and len(existing):
        known = set(existing["id"])
        new = gdf[~gdf["id"].isin(known)]
        if not len(new):
            return 0
        combined = pd.concat([existing, new], ignore_index=True)
        combined = combined.set_geometry(combined.geometry.name).set_crs("EPSG:4326", allow_override=True)
    else:
        new = gdf
        combined = gdf
    write_gpkg({"incidents": combined}, p)
    return len(new)


def _sqlite_ok(path: Path) -> bool:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        ok = con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        con.close()
        return ok
    except sqlite3.Error:
        return False
