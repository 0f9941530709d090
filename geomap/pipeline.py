"""The Python API behind the CLI: extract incidents, run the whole job, write every output."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from geomap.errors import GeomapError
from geomap.gazetteer import Gazetteer, default_gazetteer
from geomap.ingest import DEFAULT_MAX_BYTES, Failure, iter_documents
from geomap.schema import Document, Incident, Mention

__all__ = ["RunResult", "extract", "extract_incidents", "run", "sample_dir"]


def sample_dir() -> Path:
    """Return the folder of the bundled sample reports."""
    return Path(str(resources.files("geomap") / "samples"))


@dataclass
class RunResult:
    """What a run produced: incidents, place mentions and an account of every input."""

    incidents: object  # GeoDataFrame
    mentions: list[Mention] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    n_documents: int = 0
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)


def _progress(n: int, t0: float, stream=None) -> None:
    stream = stream or sys.stderr
    if stream.isatty():
        rate = n / max(1e-9, time.perf_counter() - t0)
        stream.write(f"\r{n:,} reports, {rate:,.0f}/s")
        stream.flush()


def extract_incidents(
    items: Iterable[Document | Failure],
    gazetteer: Gazetteer | None = None,
    *,
    progress: bool = False,
) -> RunResult:
    """Geoparse and extract every document of a stream, then merge across reports.

    Returns a :class:`RunResult` whose ``incidents`` is a GeoDataFrame (merged, stable ids).
    """
    from geomap.export import to_geodataframe
    from geomap.geoparse import geoparse
    from geomap.incidents import extract_document
    from geomap.merge import merge_incidents

    gaz = gazetteer or default_gazetteer()
    t0 = time.perf_counter()
    raw: list[Incident] = []
    mentions: list[Mention] = []
    inputs: list[dict] = []
    failures: list[Failure] = []
    n_docs = 0
    for item in items:
        if isinstance(item, Failure):
            failures.append(item)
            inputs.append({"input": item.input, "status": "failed", "reason": item.reason})
            continue
        try:
            ms = geoparse(item.text, gaz)
            incs = extract_document(item, gaz, ms)
        except GeomapError as exc:  # a bad report must not sink the batch
            failures.append(Failure(item.doc_id, str(exc)))
            inputs.append({"input": item.doc_id, "status": "failed", "reason": str(exc)})
            continue
        except Exception as exc:  # noqa: BLE001 - one report must never sink the batch
            reason = f"internal error while extracting: {type(exc).__name__}: {exc}"
            failures.append(Failure(item.doc_id, reason))
            inputs.append({"input": item.doc_id, "status": "failed", "reason": reason})
            continue
        n_docs += 1
        mentions.extend(ms)
        raw.extend(incs)
        inputs.append({"input": item.doc_id, "status": "ok", "places": len(ms), "incidents": len(incs)})
        if progress and n_docs % 50 == 0:
            _progress(n_docs, t0)
    if progress and sys.stderr.isatty():
        sys.stderr.write("\n")
    merged = merge_incidents(raw)
    return RunResult(
        incidents=to_geodataframe(merged), mentions=mentions, inputs=inputs, failures=failures,
        n_documents=n_docs, seconds=time.perf_counter() - t0,
    )


def extract(
    documents: Iterable[Document | str | os.PathLike],
    gazetteer: Gazetteer | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
):
    """Return the incidents of news reports as a GeoDataFrame.

    Parameters
    ----------
    documents : iterable of Document, str or path
        Documents, or file/folder paths to read (``.txt``, ``.html``, ``.md``, ``.jsonl``,
        ``.csv``). A plain string that is not an existing path is taken as report text.
    gazetteer : Gazetteer, optional
    max_bytes : int
        Per-report size limit for files.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per merged incident, columns :data:`geomap.schema.INCIDENT_COLUMNS`, Point
        geometry in EPSG:4326 (None for country-level and cumulative figures).
    """
    return extract_incidents(_as_items(documents, max_bytes), gazetteer).incidents


def _as_items(documents, max_bytes: int):
    paths = []
    for n, d in enumerate(documents):
        if isinstance(d, Document):
            yield d
        elif isinstance(d, os.PathLike) or (isinstance(d, str) and len(d) < 4096 and "\n" not in d and os.path.exists(d)):
            paths.append(d)
        elif isinstance(d, str):
            yield Document(doc_id=f"text-{n}", text=d)
        else:
            yield Failure(repr(d)[:80], "not a Document, path or text")
    if paths:
        yield from iter_documents(paths, max_bytes=max_bytes)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("geomap", "geopandas", "shapely", "folium", "pyogrio"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def run(
    inputs: Iterable[str | os.PathLike] | None = None,
    out_dir: str | os.PathLike = "output",
    *,
    flt=None,
    store: str | os.PathLike | None = None,
    gazetteer: Gazetteer | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: bool = True,
    write_map: bool = True,
) -> RunResult:
    """Run the whole job: read, geoparse, extract, merge, filter and write every output.

    Writes ``incidents.geojson``, ``places.geojson``, ``incidents.csv``, ``incidents.gpkg``
    (layers ``incidents`` and ``places``), ``map.html``, ``summary.png`` and
    ``run-report.json`` into ``out_dir``.

    Parameters
    ----------
    inputs : paths, optional
        Files and folders; defaults to the bundled sample corpus.
    out_dir : path
    flt : geomap.filters.Filter, optional
        Keep only matching incidents.
    store : path, optional
        A GeoPackage that accumulates incidents across runs (idempotent).
    """
    from geomap import export
    from geomap.filters import apply_filter

    gaz = gazetteer or default_gazetteer()
    inputs = list(inputs) if inputs else [sample_dir()]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    result = extract_incidents(iter_documents(inputs, max_bytes=max_bytes), gaz, progress=progress)
    gdf = result.incidents
    if flt is not None:
        gdf = apply_filter(gdf, flt, gaz)
        result.incidents = gdf
    t_extract = time.perf_counter() - t0
    places = export.places_summary(gdf, result.mentions)
    paths = {
        "incidents_geojson": out / "incidents.geojson",
        "places_geojson": out / "places.geojson",
        "incidents_csv": out / "incidents.csv",
        "incidents_gpkg": out / "incidents.gpkg",
    }
    export.write_geojson(gdf, paths["incidents_geojson"])
    export.write_geojson(places, paths["places_geojson"])
    export.write_csv(gdf, paths["incidents_csv"])
    export.write_gpkg({"incidents": gdf, "places": places}, paths["incidents_gpkg"])
    added = None
    if store:
        added = export.store_append(gdf, store)
    if write_map:
        from geomap import mapview

        boundaries = _boundaries(gaz, gdf)
        basemap = gaz.areas[gaz.areas["kind"] == "country"][["id", "name", "country_code", "geometry"]]
        paths["map_html"] = mapview.write_map(gdf, out / "map.html", boundaries=boundaries, basemap=basemap)
        paths["summary_png"] = mapview.write_summary_png(gdf, out / "summary.png", boundaries=boundaries)
    result.seconds = time.perf_counter() - t0
    result.outputs = {k: str(v) for k, v in paths.items()}
    report = {
        "inputs": result.inputs,
        "counts": {
            "inputs": len(result.inputs),
            "ok": sum(1 for i in result.inputs if i["status"] == "ok"),
            "failed": len(result.failures),
            "documents": result.n_documents,
            "place_mentions": len(result.mentions),
            "incidents": int(len(gdf)),
            "store_added": added,
        },
        "timings_s": {"extract": round(t_extract, 3), "total": round(result.seconds, 3)},
        "versions": _versions(),
        "outputs": result.outputs,
    }
    with export.atomic_path(out / "run-report.json") as tmp:
        tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    result.outputs["run_report"] = str(out / "run-report.json")
    return result


def _boundaries(gaz: Gazetteer, gdf):
    """Admin-1 polygons for the choropleth: Syria's governorates plus admin-1 where incidents are."""
    areas = gaz.areas
    ccs = set(gdf["country_code"].dropna()) | {"SY"} if len(gdf) else {"SY"}
    sub = areas[(areas["kind"] == "admin1") & areas["country_code"].isin(sorted(ccs))]
    return sub[["id", "name", "country_code", "geometry"]].reset_index(drop=True)
