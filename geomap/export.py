"""Incidents to GeoDataFrames and files: GeoJSON (RFC 7946), CSV, GeoPackage, GeoParquet.

Every writer is atomic: it writes a temporary file (or folder) next to the target and renames it
into place, so a crash or Ctrl-C never leaves a half-written output (or corrupts an existing
store).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import math
import os
import re
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from geomap.errors import GeomapError, InputError, UsageError
from geomap.schema import CSV_COLUMNS, INCIDENT_COLUMNS, Incident, Mention, Place

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


@functools.cache
def _wgs84():
    """EPSG:4326 as a pyproj CRS, built once (building one from a string costs milliseconds)."""
    from pyproj import CRS

    return CRS.from_epsg(4326)


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
    gdf = gpd.GeoDataFrame(recs, columns=list(INCIDENT_COLUMNS), geometry=geoms, crs=_wgs84())
    return _typed(gdf)


#: Merged incidents converted and written at a time at most, and the sources they may carry
#: between them (an incident's memory grows with its sources): a GeoParquet row group, a
#: GeoPackage write.
CHUNK_INCIDENTS = 5000
CHUNK_SOURCES = 5000
#: Incident columns of floating-point numbers (missing when the incident has no point).
_FLOAT_COLUMNS = ("latitude", "longitude")
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
    target = _output_target(path)
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


def _output_target(path: str | os.PathLike, *, folder: bool = False) -> Path:
    """Check that an output may be written at ``path``, create its parent folder, return it.

    geomap replaces an output file, and a folder only when it is a partitioned GeoParquet
    output (``folder``) replacing one (or an empty folder): any other folder there may be a
    user's data, such as the very reports being read.

    Raises
    ------
    UsageError
        For an empty path, a folder that may not be replaced, or a parent that is a file.
    """
    if str(path) == "":
        raise UsageError("the output path is empty; give a file name")
    target = Path(path)
    if target.is_dir() and not (folder and _is_partition_folder(target)):
        kind = "a partitioned GeoParquet output" if folder else "a file name"
        raise UsageError(f"{target} is a folder; give {kind} (geomap replaces a folder only when it "
                         "is its own partitioned GeoParquet output)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"cannot write {target}: a part of {target.parent} is a file, not a folder") from None
    return target


def _is_partition_folder(folder: Path) -> bool:
    """True when every visible entry of ``folder`` is an ``event_month=...`` folder of Parquet
    files (what a partitioned GeoParquet output holds); an empty folder is one too."""
    try:
        with os.scandir(folder) as entries:
            months = [e for e in entries if not e.name.startswith(".")]
        for entry in months:
            if not (entry.name.startswith("event_month=") and entry.is_dir(follow_symlinks=False)):
                return False
            with os.scandir(entry.path) as files:
                if any(not f.name.endswith(".parquet") for f in files if not f.name.startswith(".")):
                    return False
    except OSError:
        return False  # (unreadable: not one to replace)
    return True


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
    return _plain(value, column)


def _plain(value, column: str | None = None):
    """:func:`_clean` of a plain Python value (without importing pandas): NaN and infinities
    become None, whole floats of count columns ints."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        if column in _INT_COLUMNS and value.is_integer():
            return int(value)
    return value


def _feature(props: dict, point: tuple[float, float] | None) -> dict:
    """Return a GeoJSON Feature: a Point at ``(x, y)`` or a null geometry, ``id`` only when
    the properties have a usable one."""
    feat: dict = {"type": "Feature"}
    fid = props.get("id")
    if isinstance(fid, (str, int)) and not isinstance(fid, bool) and fid != "":
        feat["id"] = fid  # RFC 7946 3.2: a string or number, else absent
    feat["geometry"] = None if point is None else {
        "type": "Point", "coordinates": [round(point[0], 6), round(point[1], 6)]}
    feat["properties"] = props
    return feat


def _features(gdf) -> list[dict]:
    """Return GeoJSON Features (Point or null geometry; ``id`` only when there is one)."""
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    feats = []
    for row, geom in zip(gdf[cols].itertuples(index=False, name=None), gdf.geometry, strict=True):
        point = None
        if geom is not None and not geom.is_empty:
            pt = geom if geom.geom_type == "Point" else geom.representative_point()
            point = (pt.x, pt.y)
        feats.append(_feature({c: _clean(v, c) for c, v in zip(cols, row, strict=True)}, point))
    return feats


def _feature_text(feat: dict) -> str:
    return json.dumps(feat, ensure_ascii=False, separators=(",", ":"), default=str)


def _record_texts(records: Iterable[dict], x: str, y: str) -> Iterator[str]:
    """Yield the GeoJSON Features of plain records (incident or place rows) as text.

    The same text :func:`_feature_texts` gives for a GeoDataFrame of these records with
    ``Point(record[x], record[y])`` geometries (none where ``record[y]`` is None).
    """
    for rec in records:
        props = {c: _plain(v, c) for c, v in rec.items()}
        yield _feature_text(_feature(props, None if rec[y] is None else (rec[x], rec[y])))


_FC_HEAD = '{"type":"FeatureCollection","features":['
_FC_TAIL = "]}\n"


def _feature_texts(gdf) -> Iterator[str]:
    if gdf.crs is not None and not gdf.crs.equals(_wgs84()):
        gdf = gdf.to_crs(4326)
    for feat in _features(gdf):
        yield _feature_text(feat)


def geojson_text(gdf) -> str:
    """Return an RFC 7946 FeatureCollection (no ``crs`` member) for a points GeoDataFrame."""
    return _FC_HEAD + ",".join(_feature_texts(gdf)) + _FC_TAIL


class _Writer:
    """An output written chunk by chunk into a temporary file beside the target.

    :meth:`commit` renames it into place; :meth:`discard` (or an error inside a ``with``
    block) removes it, so readers only ever see a complete output.
    """

    suffix = ".tmp"
    #: The kind of part file (see :func:`write_part`) that :meth:`append_part` takes.
    part = "parquet"

    def __init__(self, path: str | os.PathLike, *, folder: bool = False) -> None:
        self.path = _output_target(path, folder=folder)
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=self.suffix, dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(name)
        self.rows = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def write(self, gdf) -> None:
        """Append the rows of a GeoDataFrame."""
        self._write(gdf)
        self.rows += len(gdf)

    def _write(self, gdf) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Complete the temporary output (closing brackets, empty layers)."""

    def commit(self) -> Path:
        """Finish the output and move it into place; return its path."""
        try:
            self._finish()
            os.chmod(self.tmp, (0o777 if self.tmp.is_dir() else 0o666) & ~_umask())
            _swap_into_place(self.tmp, self.path)
        finally:
            self.discard()
        return self.path

    def discard(self) -> None:
        """Remove the temporary output (nothing when it was committed)."""
        for leftover in (self.tmp, *(Path(f"{self.tmp}{side}") for side in _SIDECARS)):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            elif leftover.exists():
                leftover.unlink()


class GeoJSONWriter(_Writer):
    """Incidents (or places) as one RFC 7946 FeatureCollection, written chunk by chunk.

    ``path`` ``-`` streams to stdout (not atomic, as any pipe).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        if str(path) == "-":
            import sys

            self.path, self.tmp, self.rows, self._fh = Path("-"), None, 0, sys.stdout
        else:
            super().__init__(path)
            self._fh = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115 - closed in _finish/discard
        self._fh.write(_FC_HEAD)
        self._sep = ""

    def _write(self, gdf) -> None:
        self.write_texts(_feature_texts(gdf))

    def write_texts(self, texts: Iterable[str]) -> None:
        """Append Features given as JSON text (what :func:`_record_texts` makes)."""
        for text in texts:
            self._fh.write(self._sep + text)
            self._sep = ","

    part = "geojson"

    def append_part(self, path: Path, name: str = "") -> None:
        """Append a fragment file of comma-separated features (see :func:`write_part`)."""
        with open(path, encoding="utf-8") as fh:
            head = fh.read(1)
            if head:
                self._fh.write(self._sep + head)
                shutil.copyfileobj(fh, self._fh)
                self._sep = ","

    def commit(self) -> Path:
        if self.tmp is None:
            self._fh.write(_FC_TAIL)
            self._fh.flush()
            return self.path
        return super().commit()

    def _finish(self) -> None:
        self._fh.write(_FC_TAIL)
        self._fh.close()

    def discard(self) -> None:
        if self.tmp is not None:
            self._fh.close()
            super().discard()


def write_part(chunks: Iterable[list[Incident]], folder: Path, name: str, kinds: Iterable[str], *,
               partition: str | None = None, tally: PlaceTally | None = None) -> tuple[dict[str, Path], int]:
    """Write incident chunks as part files that the writers' ``append_part`` methods assemble.

    Works on the incidents themselves, not on a GeoDataFrame: the worker processes that write
    parts never import geopandas, shapely or pyproj unless a filter needs them, and writing
    takes half the time it took through pandas.

    Parameters
    ----------
    chunks : iterable of list of Incident
        Merged incidents, in output order.
    folder : Path
        Where to write them.
    name : str
    kinds : iterable of {"geojson", "csv", "parquet"}
        ``NAME.features`` (GeoJSON features, comma-separated), ``NAME.rows`` (CSV rows),
        ``NAME.parquet`` (GeoParquet, a month-partitioned folder when ``partition`` is
        ``"month"``; GeoPackage output reads it too): see the writers' ``part``.
    partition : {None, "month"}
    tally : PlaceTally, optional
        Counts every chunk in.

    Returns
    -------
    files : dict
        Kind -> path of what was written.
    n : int
        Incidents written.
    """
    kinds = set(kinds)
    files = {"parquet": folder / f"{name}.parquet"} if "parquet" in kinds else {}
    with contextlib.ExitStack() as stack:
        parquet = stack.enter_context(GeoParquetWriter(files["parquet"], partition=partition)) \
            if "parquet" in kinds else None
        features = rows = None
        if "geojson" in kinds:
            files["geojson"] = folder / f"{name}.features"
            features = stack.enter_context(open(files["geojson"], "w", encoding="utf-8"))
        if "csv" in kinds:
            files["csv"] = folder / f"{name}.rows"
            rows = stack.enter_context(open(files["csv"], "w", encoding="utf-8", newline=""))
        sep, n = "", 0
        for chunk in chunks:
            if not chunk:
                continue
            n += len(chunk)
            records = [incident_record(i) for i in chunk]  # (once for every format)
            if parquet is not None:
                parquet.write_records(records)
            if features is not None:
                for text in _record_texts(records, "longitude", "latitude"):
                    features.write(sep + text)
                    sep = ","
            if rows is not None:
                _write_csv_rows(rows, _record_csv_rows(records))
            if tally is not None:
                tally.add_incidents(chunk)
    return files, n


def write_geojson(gdf, path: str | os.PathLike) -> Path:
    """Write a GeoJSON FeatureCollection atomically (``-`` for stdout)."""
    with GeoJSONWriter(path) as w:
        w.write(gdf)
    return w.path


def _flat(gdf):
    """Return a copy with list/dict columns as JSON strings (for CSV and GeoPackage)."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].map(lambda v: isinstance(v, (list, dict))).any():
            out[col] = out[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
    return out


def _csv_rows(gdf) -> Iterator[tuple[list, bool]]:
    """Yield each incident's CSV row and whether it must be fully quoted."""
    flat = _flat(gdf)
    for _, r in flat.iterrows():
        rec = {c: _clean(r.get(c), c) for c in flat.columns}
        srcs = json.loads(rec.get("sources") or "[]") if isinstance(rec.get("sources"), str) else []
        yield _csv_row(rec, srcs)


def _record_csv_rows(records: Iterable[dict]) -> Iterator[tuple[list, bool]]:
    """:func:`_csv_rows` of a GeoDataFrame of incidents, from their :func:`incident_record`."""
    for record in records:
        rec = {c: _plain(v, c) for c, v in record.items()}
        srcs = rec["sources"]
        rec["sources"] = json.dumps(srcs, ensure_ascii=False)
        yield _csv_row(rec, srcs)


def _csv_row(rec: dict, srcs: list[dict]) -> tuple[list, bool]:
    """Return an incident's CSV row (from its flat record and its sources) and whether it must
    be fully quoted."""
    date = rec.get("event_date") or ""
    rec["year"] = date[:4] if date else ""
    rec["country"] = rec.get("country_code") or ""
    rec["source"] = "; ".join(sorted({s.get("source") or s.get("doc_id") or "" for s in srcs}))
    row = ["" if rec.get(c) is None else inert_cell(rec.get(c)) for c in CSV_COLUMNS]
    # csv quotes fields holding "\n" but not a lone "\r", which readers then take as a line
    # end: rows with one are written fully quoted (other rows keep their minimal quoting).
    return row, any(isinstance(v, str) and "\r" in v for v in row)


#: First characters that make a spreadsheet read a cell as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value):
    """Return a CSV value a spreadsheet shows as text: a text cell that would start a formula
    (article text, a source's name: untrusted) gets a leading apostrophe, as OWASP advises."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def _write_csv_rows(fh, rows: Iterable[tuple[list, bool]]) -> None:
    plain = csv.writer(fh, lineterminator="\n")
    quoted = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row, quote in rows:
        (quoted if quote else plain).writerow(row)


def csv_text(gdf) -> str:
    """Return incidents as CSV text, ACLED's column order first, then geomap's."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_COLUMNS)
    _write_csv_rows(buf, _csv_rows(gdf))
    return buf.getvalue()


class CSVWriter(_Writer):
    """Incidents as CSV (ACLED's column order first), written chunk by chunk."""

    def __init__(self, path: str | os.PathLike) -> None:
        super().__init__(path)
        self._fh = open(self.tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115
        csv.writer(self._fh, lineterminator="\n").writerow(CSV_COLUMNS)

    def _write(self, gdf) -> None:
        _write_csv_rows(self._fh, _csv_rows(gdf))

    part = "csv"

    def append_part(self, path: Path, name: str = "") -> None:
        """Append a file of CSV rows without header (see :func:`write_part`)."""
        with open(path, encoding="utf-8", newline="") as fh:
            shutil.copyfileobj(fh, self._fh)

    def _finish(self) -> None:
        self._fh.close()

    def discard(self) -> None:
        self._fh.close()
        super().discard()


def write_csv(gdf, path: str | os.PathLike) -> Path:
    """Write incidents as CSV atomically."""
    with CSVWriter(path) as w:
        w.write(gdf)
    return w.path


class MentionCounts:
    """Place mentions counted per resolved place: what ``places.geojson`` needs, in bounded memory.

    Keeps one :class:`~geomap.schema.Place` and one count per place id, however many reports
    mention it, so a run over millions of reports does not hold every
    :class:`~geomap.schema.Mention`. Counts from several workers add up with :meth:`update`.

    Parameters
    ----------
    mentions : iterable of Mention, optional
        Mentions to count from the start.

    Examples
    --------
    >>> counts = MentionCounts()
    >>> counts.add(mentions)          # doctest: +SKIP
    >>> counts.total, len(counts)     # doctest: +SKIP
    (12, 5)
    """

    __slots__ = ("counts", "places")

    def __init__(self, mentions: Iterable[Mention] = ()) -> None:
        self.places: dict[str, Place] = {}
        self.counts: dict[str, int] = {}
        self.add(mentions)

    def add(self, mentions: Iterable[Mention]) -> None:
        """Count the mentions of one or more reports."""
        for m in mentions:
            pid = m.place.id
            n = self.counts.get(pid)
            if n is None:
                self.places[pid] = m.place
                self.counts[pid] = 1
            else:
                self.counts[pid] = n + 1

    def update(self, other: MentionCounts) -> None:
        """Add another set of counts (e.g. from a worker's batch) into this one."""
        for pid, n in other.counts.items():
            if pid in self.counts:
                self.counts[pid] += n
            else:
                self.places[pid] = other.places[pid]
                self.counts[pid] = n

    @property
    def total(self) -> int:
        """Return the number of mentions counted (all places)."""
        return sum(self.counts.values())

    def __len__(self) -> int:
        """Return the number of distinct places."""
        return len(self.counts)

    def __iter__(self) -> Iterator[tuple[Place, int]]:
        """Yield ``(place, mentions)`` pairs in place-id order."""
        for pid in sorted(self.counts):
            yield self.places[pid], self.counts[pid]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MentionCounts) and self.counts == other.counts

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"MentionCounts({len(self)} places, {self.total} mentions)"


#: Columns of the places outputs, and those of whole numbers.
PLACE_COLUMNS = ("place_id", "name", "kind", "country_code", "admin1", "admin2", "lat", "lon",
                 "mentions", "incidents", "fatalities", "injured", "first_date", "last_date")
_PLACE_INTS = frozenset({"mentions", "incidents", "fatalities", "injured"})


class PlaceTally:
    """Per-place sums of incidents, built a chunk of incidents at a time (for ``places`` outputs).

    Parameters
    ----------
    mentions : MentionCounts or iterable of Mention, optional
        Place mentions, counted per place (:class:`MentionCounts`, what the pipeline keeps) or
        as the mentions themselves.
    """

    def __init__(self, mentions: MentionCounts | Iterable[Mention] | None = None) -> None:
        counts = mentions if isinstance(mentions, MentionCounts) else MentionCounts(mentions or ())
        self.rows: dict[str, dict] = {}
        for p, n in counts:
            self.rows[p.id] = {
                "place_id": p.id, "name": p.name, "kind": p.kind, "country_code": p.country_code,
                "admin1": p.admin1 or None, "admin2": p.admin2 or None, "lat": p.lat, "lon": p.lon,
                "mentions": n, "incidents": 0, "fatalities": 0, "injured": 0,
                "first_date": None, "last_date": None,
            }

    def add(self, incidents_gdf) -> PlaceTally:
        """Count a GeoDataFrame of merged incidents in (cumulative tolls not added to sums)."""
        cols = ("place_id", "latitude", "longitude", "place_name", "country_code", "admin1", "admin2",
                "cumulative", "fatalities", "injured", "event_date")
        if not len(incidents_gdf):
            return self
        columns = [incidents_gdf[c].to_list() if c in incidents_gdf else [None] * len(incidents_gdf)
                   for c in cols]
        self._count(zip(*columns, strict=True), _clean)
        return self

    def add_incidents(self, incidents: Iterable[Incident]) -> PlaceTally:
        """Count merged incidents in, as :meth:`add` counts a GeoDataFrame of them."""
        self._count(((i.place_id, i.lat, i.lon, i.place_name, i.country_code, i.admin1, i.admin2,
                      i.cumulative, i.fatalities, i.injured, i.event_date) for i in incidents), _plain)
        return self

    def _count(self, rows: Iterable[tuple], clean: Callable) -> None:
        """Count rows of (place id, lat, lon, place name, country, admin1, admin2, cumulative,
        fatalities, injured, date); ``clean`` makes their values plain (:func:`_plain` when
        they are already)."""
        for pid, lat, lon, name, cc, a1, a2, cumulative, dead, hurt, d in rows:
            pid, lat, lon = clean(pid), clean(lat), clean(lon)
            if not isinstance(pid, str) or not pid or lat is None or lon is None:
                continue
            r = self.rows.get(pid)
            if r is None:
                r = self.rows[pid] = {
                    "place_id": pid, "name": clean(name), "kind": None, "country_code": clean(cc),
                    "admin1": clean(a1), "admin2": clean(a2), "lat": lat, "lon": lon,
                    "mentions": 0, "incidents": 0, "fatalities": 0, "injured": 0,
                    "first_date": None, "last_date": None,
                }
            r["incidents"] += 1
            if not bool(clean(cumulative)):
                r["fatalities"] += int(clean(dead) or 0)
                r["injured"] += int(clean(hurt) or 0)
            d = clean(d)
            if d:
                r["first_date"] = min(filter(None, [r["first_date"], d]))
                r["last_date"] = max(filter(None, [r["last_date"], d]))

    def update(self, rows: dict[str, dict]) -> None:
        """Add another tally's ``rows`` (from a worker) into this one."""
        for pid, other in rows.items():
            r = self.rows.get(pid)
            if r is None:
                self.rows[pid] = dict(other)
                continue
            for k in ("mentions", "incidents", "fatalities", "injured"):
                r[k] += other[k]
            dates = [d for d in (r["first_date"], r["last_date"], other["first_date"], other["last_date"]) if d]
            r["first_date"], r["last_date"] = (min(dates), max(dates)) if dates else (None, None)

    def records(self) -> list[dict]:
        """Return one row per place id, sorted by id (columns :data:`PLACE_COLUMNS`)."""
        return [{c: self.rows[k][c] for c in PLACE_COLUMNS} for k in sorted(self.rows)]

    def to_geodataframe(self):
        """Return one row per place id, sorted by id (EPSG:4326 points)."""
        import geopandas as gpd
        from shapely.geometry import Point

        recs = self.records()
        return gpd.GeoDataFrame(recs, columns=list(PLACE_COLUMNS),
                                geometry=[Point(r["lon"], r["lat"]) for r in recs], crs=_wgs84())

    def write_geojson(self, path: str | os.PathLike) -> Path:
        """Write the places as a GeoJSON FeatureCollection, atomically (no GeoDataFrame needed).

        The same bytes as :func:`write_geojson` of :meth:`to_geodataframe`.
        """
        with GeoJSONWriter(path) as w:
            w.write_texts(_record_texts(self.records(), "lon", "lat"))
        return w.path

    def write_geoparquet(self, path: str | os.PathLike) -> Path:
        """Write the places as GeoParquet (WKB points), atomically, without a GeoDataFrame."""
        schema = _points_schema(PLACE_COLUMNS, _PLACE_INTS, frozenset({"lat", "lon"}))
        with GeoParquetWriter(path) as w:
            w.write_table(_points_table(self.records(), schema, "lon", "lat"))
        return w.path


def places_summary(incidents_gdf, mentions: MentionCounts | Iterable[Mention] | None = None):
    """Return one row per resolved place: mentions, incidents, fatalities, injured, dates.

    Parameters
    ----------
    incidents_gdf : geopandas.GeoDataFrame
        Merged incidents.
    mentions : MentionCounts or iterable of Mention, optional
        See :class:`PlaceTally`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per place id, sorted by id. Cumulative tolls are not added into the sums.
    """
    return PlaceTally(mentions).add(incidents_gdf).to_geodataframe()


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


class GpkgWriter(_Writer):
    """A GeoPackage whose ``incidents`` layer is written chunk by chunk (reproducible bytes).

    Other layers (``places``) are added at :meth:`commit`.
    """

    suffix = ".gpkg"

    def __init__(self, path: str | os.PathLike, layer: str = "incidents") -> None:
        super().__init__(path)
        self.tmp.unlink()
        self.layer = layer
        self.layers: dict = {}
        self._pending: list = []
        self._pending_rows = self._pending_sources = 0

    def _write(self, gdf) -> None:
        _gpkg_layer(self.tmp, self.layer, gdf, append=bool(self.rows))

    def append_part(self, path: Path, name: str = "") -> None:
        """Append the incidents of a GeoParquet part file or folder (see :func:`write_part`).

        Rows are gathered and written :data:`CHUNK_INCIDENTS` or :data:`CHUNK_SOURCES` at a
        time; a part file is read a row group at a time (a month-partitioned folder whole: its
        rows are put back in date order).
        """
        for gdf in _row_groups(path) if path.is_file() else [read_incidents(path)]:
            if len(gdf):
                self._pending.append(gdf)
                self._pending_rows += len(gdf)
                self._pending_sources += sum(map(len, gdf["sources"]))
                if self._pending_rows >= CHUNK_INCIDENTS or self._pending_sources >= CHUNK_SOURCES:
                    self._flush()

    def _flush(self) -> None:
        if self._pending:
            import pandas as pd

            frames, self._pending = self._pending, []
            self._pending_rows = self._pending_sources = 0
            gdf = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
            self.write(gdf)

    def add_layer(self, name: str, gdf) -> None:
        """Write a whole extra layer when the output is committed."""
        self.layers[name] = gdf

    def _finish(self) -> None:
        self._flush()
        if not self.rows:
            self._write(empty_incidents() if self.layer == "incidents" else places_summary(empty_incidents()))
        for name, gdf in self.layers.items():
            _gpkg_layer(self.tmp, name, gdf, append=False)


def _gpkg_layer(path: Path, name: str, gdf, *, append: bool) -> None:
    """Write (or append to) one layer; ``places`` drops rows without geometry."""
    flat = _flat(gdf)
    flat = flat[flat.geometry.notna()] if name == "places" else flat
    with _gpkg_stamp():
        flat.to_file(path, layer=name, driver="GPKG", engine="pyogrio", mode="a" if append else "w")


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
    (first, gdf), *rest = layers.items()
    with GpkgWriter(path, layer=first) as w:
        w.write(gdf)
        for name, extra in rest:
            w.add_layer(name, extra)
    return w.path


#: Name of the hive-style partition column of a month-partitioned GeoParquet folder.
PARTITION_COLUMN = "event_month"
#: Partition value of incidents without a month (``event_month=undated``; sorts after dates).
UNDATED_PARTITION = "undated"
_MONTH_RE = re.compile(r"^(\d{4}-\d{2})")
_PARQUET_SUFFIXES = (".parquet", ".geoparquet", ".pq")


def _pyarrow_missing(what: str) -> InputError:
    return InputError(f"{what} needs pyarrow: pip install pyarrow (it is a geomap dependency; "
                      f"reinstall geomap with pip install -e .)")


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` (file or folder) onto ``target``, replacing a file or folder already there.

    A file replaces a file atomically (``os.replace``). When a folder is involved, the old
    target is first renamed aside and removed after the new one is in place, so readers see
    either the old output or the new one, never a half-written one.
    """
    if target.is_dir() and not target.is_symlink():
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(aside)
        os.rename(target, aside)
        try:
            os.rename(tmp, target)
        except OSError:
            os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    elif tmp.is_dir() and target.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(aside)
        os.rename(target, aside)
        os.rename(tmp, target)
        os.unlink(aside)
    else:
        os.replace(tmp, target)


def _event_month(date) -> str:
    m = _MONTH_RE.match(date) if isinstance(date, str) else None
    return m.group(1) if m else UNDATED_PARTITION


class GeoParquetWriter(_Writer):
    """Incidents (or places) as GeoParquet 1.0 (WKB points), written chunk by chunk.

    Parameters
    ----------
    path : path
        Target ``.parquet`` file, or folder when partitioned.
    partition : {None, "month"}
        ``"month"`` writes a hive-partitioned folder ``path/event_month=YYYY-MM/part-N.parquet``
        (``event_month=undated`` for incidents without a date). A month's file is closed when
        a chunk of later months arrives (incidents stream in date order), so few files are
        open at a time; a month met again later gets another part.

    Raises
    ------
    UsageError
        For an unknown ``partition``.
    InputError
        When pyarrow is not installed.
    """

    def __init__(self, path: str | os.PathLike, *, partition: str | None = None) -> None:
        if partition not in (None, "none", "month"):
            raise UsageError(f"unknown partition {partition!r}; use 'month' or none")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise _pyarrow_missing("writing GeoParquet") from None
        super().__init__(path, folder=partition == "month")
        self.partition = partition if partition == "month" else None
        if self.partition:
            self.tmp.unlink()
            self.tmp.mkdir()
        self._open: dict[str, object] = {}  # month -> pyarrow ParquetWriter
        self._parts: dict[str, int] = {}
        self._schema = None
        self._moved = False

    def _table(self, gdf):
        import pyarrow as pa
        import shapely

        flat = _flat(_ordered(gdf.copy())) if "id" in gdf else _flat(gdf)
        if "id" in gdf:  # a chunk of country figures has no coordinate at all: still numbers
            flat = flat.astype({c: "float64" for c in _FLOAT_COLUMNS})
        geo = flat.geometry.name
        table = pa.Table.from_pandas(flat.drop(columns=[geo]).reset_index(drop=True),
                                     schema=None if self._schema is None else self._schema.remove(
                                         self._schema.get_field_index(geo)), preserve_index=False)
        wkb = pa.array(list(shapely.to_wkb(flat.geometry.values)), type=pa.binary())
        table = table.append_column(geo, wkb)
        if self._schema is None:
            fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
            meta = dict(table.schema.metadata or {})
            meta[b"geo"] = json.dumps(_geo_metadata(geo)).encode("utf-8")
            self._schema = pa.schema(fields, metadata=meta)
            table = table.cast(self._schema)
        return table, flat

    def _writer(self, month: str):
        import pyarrow.parquet as pq

        w = self._open.get(month)
        if w is None:
            if self.partition:
                n = self._parts.get(month, 0)
                self._parts[month] = n + 1
                folder = self.tmp / f"{PARTITION_COLUMN}={month}"
                folder.mkdir(exist_ok=True)
                target = folder / f"part-{n}.parquet"
            else:
                target = self.tmp
            w = self._open[month] = pq.ParquetWriter(target, self._schema)
        return w

    def _write(self, gdf) -> None:
        if not len(gdf) and self._schema is not None:
            return
        table, flat = self._table(gdf)
        self._put(table, list(flat["event_date"].map(_event_month)) if self.partition and len(flat) else None)

    def write_incidents(self, incidents: Sequence[Incident]) -> None:
        """Append merged incidents, converted straight to Arrow (no GeoDataFrame, no shapely).

        The columns are :data:`~geomap.schema.INCIDENT_COLUMNS` with fixed types (strings,
        int64 counts, ``cumulative`` bool, float64 coordinates, ``sources`` as JSON text), then
        the WKB points; the same values a GeoDataFrame of them gives (:meth:`write`).
        """
        self.write_records([incident_record(i) for i in incidents])

    def write_records(self, records: list[dict]) -> None:
        """:meth:`write_incidents` of the incidents' :func:`incident_record`."""
        if not records and self._schema is not None:
            return
        table = _incident_table(records)
        if self._schema is None:
            self._schema = table.schema
        self._put(table.cast(self._schema), [_event_month(r["event_date"]) for r in records]
                  if self.partition and records else None)
        self.rows += len(records)

    def write_table(self, table) -> None:
        """Append an Arrow table of GeoParquet layout (unpartitioned output only).

        Raises
        ------
        UsageError
            On a writer partitioned by month (its rows' months are not known here).
        """
        if self.partition:
            raise UsageError("an Arrow table goes to unpartitioned GeoParquet only; write incidents instead")
        if self._schema is None:
            self._schema = table.schema
        self._put(table.cast(self._schema), None)
        self.rows += table.num_rows

    def _put(self, table, months: list[str] | None) -> None:
        """Write a table, into each month's file when partitioned (``months``: each row's)."""
        if not self.partition:
            self._writer("").write_table(table)
            _release_arrow_memory()
            return
        import pyarrow as pa

        chunk_months = sorted(set(months)) if months is not None else [UNDATED_PARTITION]
        for month in [m for m in self._open if m < chunk_months[0] and m != UNDATED_PARTITION]:
            self._open.pop(month).close()
        for month in chunk_months:
            self._writer(month).write_table(
                table if months is None else table.filter(pa.array([m == month for m in months])))
        _release_arrow_memory()

    def append_part(self, path: Path, name: str) -> None:
        """Add a GeoParquet part written by :func:`write_part` (file, or folder when partitioned).

        Row groups are copied into the single file; partitioned parts' files are moved into
        their month folders as ``part-NAME-N.parquet``.
        """
        import pyarrow.parquet as pq

        if not self.partition:
            # read in this thread: memory that Arrow's reader threads allocate stays with their
            # allocator arenas, and a run that appends many parts grows with their number
            with pq.ParquetFile(path, pre_buffer=False) as pf:
                for i in range(pf.num_row_groups):
                    table = pf.read_row_group(i, use_threads=False)
                    if self._schema is None:
                        self._schema = table.schema
                    self._writer("").write_table(table.cast(self._schema))
            _release_arrow_memory()
            return
        for f in _parquet_parts(Path(path)):
            if pq.ParquetFile(f).metadata.num_rows:
                folder = self.tmp / f.parent.name
                folder.mkdir(exist_ok=True)
                shutil.move(f, folder / f"part-{name}-{f.stem.split('-')[-1]}.parquet")
                self._moved = True

    def _finish(self) -> None:
        if self._schema is None and not self._moved:
            self.write_incidents([])
        for w in self._open.values():
            w.close()
        self._open.clear()

    def discard(self) -> None:
        for w in self._open.values():
            w.close()
        self._open.clear()
        super().discard()


def _release_arrow_memory() -> None:
    """Give Arrow's freed buffers back to the system, so a long run's memory stays flat."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


@contextlib.contextmanager
def system_arrow_pool() -> Iterator[None]:
    """Make Arrow allocate from the system allocator inside the block, then restore its pool.

    pyarrow's default pool on Linux (mimalloc) keeps freed pages for a while and commits ahead
    of use, and :func:`_release_arrow_memory` gets only part of it back: a process that writes
    and reads back row group after row group (merging into part files and appending them to
    the outputs, as a one-job run does) reaches a higher peak the more row groups it handles.
    The system allocator gives the memory back there (``malloc_trim``). Buffers remember their
    pool, so those made inside the block may be freed after it. The default pool is
    process-wide: other threads that use Arrow meanwhile use this one too.

    Yields
    ------
    None
    """
    import pyarrow as pa

    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def _point_wkb(x: float | None, y: float | None) -> bytes | None:
    """Return the WKB of a 2D point (little-endian, what shapely writes here), None without one."""
    return None if x is None or y is None else struct.pack("<BIdd", 1, 1, x, y)


def _geo_schema(fields: list):
    """Return an Arrow schema of ``fields`` and a WKB ``geometry``, with GeoParquet metadata."""
    import pyarrow as pa

    return pa.schema([*fields, pa.field("geometry", pa.binary())],
                     metadata={b"geo": json.dumps(_geo_metadata("geometry")).encode("utf-8")})


@functools.cache
def _points_schema(columns: tuple[str, ...], ints: frozenset[str], floats: frozenset[str]):
    """Return the GeoParquet schema of records: ``ints`` int64, ``floats`` float64,
    ``cumulative`` bool, other columns text, then the WKB ``geometry``."""
    import pyarrow as pa

    def arrow_type(column: str):
        if column in ints:
            return pa.int64()
        if column in floats:
            return pa.float64()
        return pa.bool_() if column == "cumulative" else pa.string()

    return _geo_schema([pa.field(c, arrow_type(c)) for c in columns])


def _points_table(records: list[dict], schema, x: str, y: str):
    """Return plain records (incident or place rows) as an Arrow table of ``schema``, with a WKB
    point at ``(record[x], record[y])`` (none where either is None)."""
    import pyarrow as pa

    columns = {c: [r[c] for r in records] for c in schema.names if c != "geometry"}
    columns["geometry"] = [_point_wkb(r[x], r[y]) for r in records]
    return pa.Table.from_pydict(columns, schema=schema)


def _incident_table(records: list[dict]):
    """:func:`incident_table` of the incidents' :func:`incident_record`."""
    flat = [{**{c: _plain(v, c) for c, v in r.items()},
             "sources": json.dumps(r["sources"], ensure_ascii=False)} for r in records]
    schema = _points_schema(INCIDENT_COLUMNS, frozenset(INT_COLUMNS), frozenset(_FLOAT_COLUMNS))
    return _points_table(flat, schema, "longitude", "latitude")


def incident_table(incidents: Sequence[Incident]):
    """Return merged incidents as a GeoParquet-layout Arrow table (see
    :meth:`GeoParquetWriter.write_incidents`), built without a GeoDataFrame."""
    return _incident_table([incident_record(i) for i in incidents])


def _geo_metadata(column: str) -> dict:
    """GeoParquet 1.0.0 file metadata for one WKB geometry column in EPSG:4326."""
    return {"version": "1.0.0", "primary_column": column,
            "columns": {column: {"encoding": "WKB", "geometry_types": [], "crs": _wgs84_projjson()}}}


@functools.cache
def _wgs84_projjson() -> dict:
    """EPSG:4326 as PROJJSON: what ``pyproj.CRS.from_epsg(4326).to_json_dict()`` gives (the EPSG
    dataset, as PROJ ships it), read from a file so that writing GeoParquet does not import
    pyproj (0.2 s)."""
    return json.loads((Path(__file__).parent / "data" / "epsg4326.projjson").read_text(encoding="utf-8"))


def write_geoparquet(gdf, path: str | os.PathLike, *, partition: str | None = None) -> Path:
    """Write incidents (or places) as GeoParquet, atomically.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Incidents; list columns (``sources``) are written as JSON text.
    path : path
        Target ``.parquet`` file, or folder when partitioned.
    partition : {None, "month"}
        See :class:`GeoParquetWriter`.

    Returns
    -------
    Path
        ``path``.
    """
    with GeoParquetWriter(path, partition=partition) as w:
        w.write(gdf)
    return w.path


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def open_writer(path: str | os.PathLike, *, partition: str | None = None) -> _Writer:
    """Return a chunk writer for incidents in the format ``path``'s name says.

    ``.parquet`` (also ``.geoparquet``, ``.pq``) is GeoParquet (``partition="month"`` for a
    partitioned folder), ``.gpkg`` a GeoPackage, anything else (and ``-``, stdout) GeoJSON.
    """
    name = str(path).lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return GeoParquetWriter(path, partition=partition)
    if partition not in (None, "none"):
        raise UsageError(f"--partition needs a .parquet output, not {path}")
    if name.endswith(".gpkg"):
        return GpkgWriter(path)
    return GeoJSONWriter(path)


def write_incidents(gdf, path: str | os.PathLike, *, partition: str | None = None) -> Path:
    """Write incidents to ``path`` in the format its name says (see :func:`open_writer`)."""
    with open_writer(path, partition=partition) as w:
        w.write(gdf)
    return w.path


def _parquet_parts(folder: Path) -> list[Path]:
    """Return the Parquet files of a (partitioned) folder in path order, hidden ones skipped."""
    parts = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        parts.extend(Path(root) / f for f in sorted(files)
                     if not f.startswith((".", "_")) and f.lower().endswith(_PARQUET_SUFFIXES))
    return parts


def _row_groups(path: Path) -> Iterator:
    """Yield the incidents of a GeoParquet file one row group at a time, as :func:`read_incidents`
    reads them (the same columns and types)."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    with pq.ParquetFile(path, pre_buffer=False) as pf:
        geo = json.loads(pf.schema_arrow.metadata[b"geo"])["primary_column"]
        for i in range(pf.num_row_groups):
            df = pf.read_row_group(i, use_threads=False).to_pandas()
            df[geo] = gpd.GeoSeries.from_wkb(df[geo].to_numpy(), crs=4326)
            yield _restored(gpd.GeoDataFrame(df, geometry=geo, crs=4326), str(path))


def _read_geoparquet(path: Path):
    """Read incidents from a GeoParquet file or a partitioned folder of them."""
    try:
        import geopandas as gpd
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        raise _pyarrow_missing("reading GeoParquet") from None
    files = _parquet_parts(path) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise InputError(f"{path}: a folder without Parquet files; give a .geojson, .gpkg or "
                         f".parquet file, or a folder written by --format parquet --partition month")
    frames = []
    for f in files:
        try:
            frames.append(gpd.read_parquet(f))
        except Exception as exc:  # pyarrow raises several types (not Parquet, no geo metadata...)
            raise InputError(f"{f}: not a geomap GeoParquet file ({type(exc).__name__}: {exc})") from None
    if not frames:
        return empty_incidents()
    geo = frames[0].geometry.name
    gdf = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry=geo, crs=frames[0].crs)
    gdf = gdf.drop(columns=[PARTITION_COLUMN], errors="ignore")
    if path.is_dir() and "event_date" in gdf and "id" in gdf:
        key = gdf["event_date"].where(gdf["event_date"].notna(), "9999").astype(str)
        gdf = gdf.assign(_key=key).sort_values(["_key", "id"], kind="stable").drop(columns="_key")
        gdf = gdf.reset_index(drop=True)
    return _restored(gdf, str(path))


def _restored(gdf, where: str):
    """Return incidents read from GeoParquet as geomap made them: sources as lists of dicts,
    the schema's columns first and typed, in EPSG:4326."""
    if "sources" in gdf:
        gdf["sources"] = [_json_list(s, where) for s in gdf["sources"]]
    return _typed(_ordered(_to_wgs84(gdf)))


def _to_wgs84(gdf):
    """Return ``gdf`` in EPSG:4326 (a file without a CRS is taken to be WGS84 already)."""
    if gdf.crs is None:
        return gdf.set_crs(_wgs84())
    return gdf if gdf.crs.equals(_wgs84()) else gdf.to_crs(4326)


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
    return geom  # (a geometry that is not a point is refused by _checked, naming the feature)


#: Count columns of an incident and the largest count a saved file may hold.
_COUNT_COLUMNS = ("fatalities", "fatalities_low", "fatalities_high", "injured", "n_sources")
_MAX_COUNT = 1_000_000_000
_TRUE_TEXT = frozenset({"true", "1", "yes", "t", "y"})
_FALSE_TEXT = frozenset({"false", "0", "no", "f", "n", "", "none", "null", "nan"})
_FLAG_TEXT = _TRUE_TEXT | _FALSE_TEXT


def _number(value: float) -> int | float:
    """Return a coordinate as a message shows it: 200, not 200.0."""
    return int(value) if math.isfinite(value) and value.is_integer() and abs(value) < 1e15 else value


def _check_points(gdf, path: str | os.PathLike, where: Callable[[int], str]) -> None:
    """Refuse incidents whose geometry is not a point, or a point outside -180..180, -90..90.

    A row without a geometry (or with an empty one) is an incident without a place, and is
    kept. Raises InputError for the first row at fault.
    """
    import numpy as np
    import shapely

    try:
        geoms = np.asarray(gdf.geometry.array, dtype=object)
    except AttributeError:  # (no geometry column at all: no places to check)
        return
    kinds = shapely.get_type_id(geoms)  # -1 where there is none
    given = (kinds >= 0) & ~shapely.is_empty(geoms)
    points = given & (kinds == shapely.GeometryType.POINT)
    xs, ys = np.zeros(len(geoms)), np.zeros(len(geoms))
    if points.any():
        xs[points], ys[points] = shapely.get_x(geoms[points]), shapely.get_y(geoms[points])
    with np.errstate(invalid="ignore"):
        bad_lon = points & ~((xs >= -180) & (xs <= 180))  # (NaN is outside too)
        bad_lat = points & ~((ys >= -90) & (ys <= 90))
    bad = (given & ~points) | bad_lon | bad_lat
    if not bad.any():
        return
    i = int(bad.argmax())
    if not points[i]:
        raise InputError(f"{path}: {where(i)} is a {geoms[i].geom_type}; geomap reads point incidents "
                         "(one point per incident, or none)")
    if bad_lat[i]:
        raise InputError(f"{path}: {where(i)} has latitude {_number(float(ys[i]))}, outside -90..90; "
                         "give longitude first, then latitude, in degrees (WGS 84)")
    raise InputError(f"{path}: {where(i)} has longitude {_number(float(xs[i]))}, outside -180..180; "
                     "give longitude first, then latitude, in degrees (WGS 84)")


def _checked(gdf, path: str | os.PathLike):
    """Return incidents read from a file, with places, counts and the ``cumulative`` flag checked.

    A hand-edited or foreign file may hold text where numbers belong, or "false" where a flag
    does: numbers written as text are read as numbers and flags as text as flags; anything
    else is an error naming the incident, not a wrong total later. An incident's place is a
    point in degrees or nothing: a polygon or line (a foreign file) or a point outside
    -180..180, -90..90 is refused, as it would be written back as a wrong point.

    Raises
    ------
    InputError
        For a geometry that is not a point, a longitude or latitude out of range, a count
        that is not a whole number from 0 to 1,000,000,000, or a flag that is neither true
        nor false.
    """
    import numpy as np
    import pandas as pd

    def where(i) -> str:
        ident = gdf["id"].iloc[i] if "id" in gdf else None
        return f"incident {ident}" if isinstance(ident, str) and ident else f"row {i + 1}"

    _check_points(gdf, path, where)
    for col in _COUNT_COLUMNS:
        if col not in gdf or not len(gdf):
            continue
        raw = gdf[col]
        if pd.api.types.is_numeric_dtype(raw):  # (as geomap writes them: no text to look at)
            values, given = raw, raw.notna().to_numpy()
        else:
            values = pd.to_numeric(raw, errors="coerce")
            given = raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
        ok = values.between(0, _MAX_COUNT).to_numpy() & (values.fillna(0) % 1 == 0).to_numpy()
        bad = given & ~ok
        if bad.any():
            i = int(bad.argmax())
            value = raw.iloc[i].item() if hasattr(raw.iloc[i], "item") else raw.iloc[i]
            raise InputError(f"{path}: {col} of {where(i)} is {value!r}; counts must be whole "
                             f"numbers from 0 to {_MAX_COUNT:,}")
        if not pd.api.types.is_numeric_dtype(raw):
            gdf[col] = values
    if "cumulative" in gdf and not pd.api.types.is_bool_dtype(gdf["cumulative"]):
        flags = []
        for i, v in enumerate(gdf["cumulative"]):
            text = str(v).strip().lower() if v is not None else ""
            if isinstance(v, (bool, np.bool_)) or text in _FLAG_TEXT:
                flags.append(bool(v) if isinstance(v, (bool, np.bool_)) else text in _TRUE_TEXT)
            else:
                raise InputError(f"{path}: cumulative of {where(i)} is {v!r}; give true or false")
        gdf["cumulative"] = flags
    return gdf


def read_incidents(path: str | os.PathLike):
    """Read incidents saved by geomap (GeoJSON, GeoPackage layer ``incidents`` or GeoParquet).

    Counts and the ``cumulative`` flag are checked (see :func:`_checked`).

    Parameters
    ----------
    path : path or "-"
        ``.gpkg`` (layer ``incidents``), ``.parquet`` (a GeoParquet file, or a folder of them as
        written by ``--partition month``), or GeoJSON; ``-`` reads GeoJSON from stdin.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, the schema's columns first; ``sources`` as lists of dicts.

    Raises
    ------
    InputError
        When the file is missing or not an incidents file.
    """
    try:
        return _checked(_read_incidents(path), path)
    except (GeomapError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a foreign file can break any reader in any way
        raise InputError(f"{path}: not an incidents file geomap can read ({type(exc).__name__}: "
                         f"{str(exc)[:200]})") from None


def _read_incidents(path: str | os.PathLike):
    """:func:`read_incidents`, unchecked."""
    import geopandas as gpd

    p = Path(path)
    if str(path) != "-" and p.is_dir():
        return _read_geoparquet(p)
    if str(path) != "-" and not p.is_file():
        raise InputError(f"{path}: no such file")
    if p.name.lower().endswith(_PARQUET_SUFFIXES):
        return _read_geoparquet(p)
    if p.suffix.lower() == ".gpkg":
        try:
            gdf = gpd.read_file(p, layer="incidents", engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types (no layer, not a database...)
            raise InputError(f"{path}: not a geomap GeoPackage with a layer 'incidents' ({exc})") from None
        if "sources" in gdf:
            gdf["sources"] = [_json_list(s, str(path)) for s in gdf["sources"]]
        return _ordered(_to_wgs84(gdf))
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
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name") if isinstance(data.get("crs"), dict) else None
    if crs and not str(crs).upper().replace("::", ":").endswith(("CRS84", "EPSG:4326")):
        raise InputError(f"{path}: declares the coordinate system {crs}; geomap reads GeoJSON in WGS 84 "
                         "(RFC 7946): reproject it first, e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson")
    recs, geoms = [], []
    for n, f in enumerate(data.get("features") or []):
        if not isinstance(f, dict):
            raise InputError(f"{path}: feature {n} is not an object")
        recs.append(dict(f.get("properties") or {}))
        geoms.append(_geometry(f.get("geometry"), f"{path}: feature {n}"))
    cols = list(INCIDENT_COLUMNS) + sorted({k for r in recs for k in r} - set(INCIDENT_COLUMNS))
    return gpd.GeoDataFrame(recs, columns=cols, geometry=geoms, crs=_wgs84())


def store_append(gdf, path: str | os.PathLike) -> int:
    """Add incidents to a GeoPackage store, skipping ids already there; return how many were added.

    Idempotent: appending the same incidents again adds 0. The store is rewritten through a
    temporary copy and renamed, so an interruption leaves the previous store intact; its other
    layers and tables are kept.

    Raises
    ------
    InputError
        When ``path`` is a folder or an existing file that is not a readable GeoPackage.
    """
    p = Path(path)
    if p.exists() and p.is_dir():
        raise InputError(f"--store {path} is a folder; give a .gpkg file path")
    p.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(p.parent / f".{p.name}.lock"):  # runs sharing a store take turns
        return _store_append(gdf, p)


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created when missing) for the block.

    Parameters
    ----------
    path : Path
        The lock file.
    wait : bool
        Wait for another holder; when False, raise BlockingIOError instead.

    No lock is taken where the platform or the file system has none (Windows, some network
    mounts).
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise
        except OSError:
            pass  # (a file system without locks)
        yield


def _store_append(gdf, p: Path) -> int:
    """:func:`store_append`, with the store's lock held."""
    import pandas as pd

    path = p
    if p.exists() and not _sqlite_ok(p):
        raise InputError(f"--store {path} is not a readable GeoPackage; left untouched")
    existing = read_incidents(p) if p.exists() else None
    new = gdf.drop_duplicates(subset="id", keep="first") if len(gdf) else gdf
    if existing is not None and len(existing):
        new = new[~new["id"].isin(set(existing["id"]))]
        if not len(new):
            return 0
        combined = pd.concat([existing, _ordered(new.copy())], ignore_index=True)
        combined = combined.set_geometry(existing.geometry.name).set_crs(_wgs84(), allow_override=True)
    elif existing is not None and not len(new):
        return 0
    else:
        combined = _ordered(new.copy())
    if not p.exists():
        write_gpkg({"incidents": combined}, p)
        return len(new)
    # a copy of the store with its incidents layer replaced, renamed into place: every other
    # layer and table in the file (a user's notes, a run's places) stays as it was
    with atomic_path(p, suffix=".gpkg") as tmp:
        shutil.copyfile(p, tmp)
        _gpkg_layer(tmp, "incidents", combined, append=False)
    return len(new)


def check_store(path: str | os.PathLike) -> None:
    """Check that ``path`` can be a store for :func:`store_append`, before a run writes anything.

    Raises
    ------
    UsageError
        When ``path`` is a folder, or an existing file that is not a GeoPackage with an
        ``incidents`` layer (a store geomap wrote).
    """
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"--store {path} is a folder; give a .gpkg file path")
    if not p.exists():
        return
    if not _sqlite_ok(p):
        raise UsageError(f"--store {path} is not a readable GeoPackage; it was left untouched")
    with contextlib.closing(sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)) as con:
        try:
            found = con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = 'incidents'").fetchone()
        except sqlite3.Error:
            found = None
    if found is None:
        raise UsageError(f"--store {path} has no 'incidents' layer, so it is not a geomap store; "
                         "give a new file name or a store an earlier run wrote")


def _sqlite_ok(path: Path) -> bool:
    """Return True when ``path`` is an SQLite database that passes a quick integrity check."""
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as con:
            return con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.Error:
        return False
