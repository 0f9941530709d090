"""`geomap run`: every output written, valid and consistent; store idempotent; deterministic."""

import gc
import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geomap.errors import GeomapError
from geomap.export import read_incidents
from geomap.pipeline import InputLog, _write_report, run, sample_dir
from tests.conftest import SEEDS, needs_shared

OUTPUTS = ("incidents.geojson", "places.geojson", "incidents.csv", "incidents.gpkg", "map.html",
           "summary.png", "run-report.json")


def _check_rfc7946(fc):
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    for f in fc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        g = f["geometry"]
        if g is not None:
            assert g["type"] == "Point"
            lon, lat = g["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(lon + lat)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, gaz):
    out = tmp_path_factory.mktemp("run")
    return out, run(None, out, gazetteer=gaz, progress=False)


def test_default_run_writes_every_output(sample_run):
    out, result = sample_run
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    # no temp files left; the lock that keeps a second run out while this one writes stays
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".geomap.lock"]
    assert result.n_documents >= 15


def test_geojson_is_rfc7946_and_matches_gpkg_and_csv(sample_run):
    out, result = sample_run
    fc = json.loads((out / "incidents.geojson").read_text(encoding="utf-8"))
    _check_rfc7946(fc)
    _check_rfc7946(json.loads((out / "places.geojson").read_text(encoding="utf-8")))
    gpkg = gpd.read_file(out / "incidents.gpkg", layer="incidents")
    assert len(gpkg) == len(fc["features"]) == len(result.incidents)
    assert sorted(gpkg["id"]) == sorted(f["properties"]["id"] for f in fc["features"])
    places = gpd.read_file(out / "incidents.gpkg", layer="places")
    assert len(places) > 0
    header = (out / "incidents.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:6] == ["id", "event_date", "year", "time_precision", "event_type", "sub_event_type"]


def test_run_report_accounts_for_every_input(sample_run):
    out, _ = sample_run
    report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    files = [p for p in sample_dir().iterdir() if p.suffix in (".txt", ".html")]
    jsonl_lines = sum(1 for line in (sample_dir() / "wire_feed.jsonl").read_text().splitlines() if line.strip())
    assert report["counts"]["inputs"] == len(files) + jsonl_lines
    assert report["counts"]["failed"] == 0
    assert {i["status"] for i in report["inputs"]} == {"ok"}
    assert report["versions"]["python"]


def test_places_sums_exclude_cumulative(sample_run):
    out, result = sample_run
    places = json.loads((out / "places.geojson").read_text(encoding="utf-8"))["features"]
    inc = result.incidents
    pinned = inc[~inc["cumulative"] & inc.geometry.notna()]
    assert sum(p["properties"]["fatalities"] for p in places) == int(pinned["fatalities"].fillna(0).sum())


def test_store_is_idempotent(tmp_path, gaz):
    store = tmp_path / "store.gpkg"
    run(None, tmp_path / "a", gazetteer=gaz, store=store, progress=False, write_map=False)
    n = len(gpd.read_file(store, layer="incidents"))
    again = run(None, tmp_path / "b", gazetteer=gaz, store=store, progress=False, write_map=False)
    assert len(gpd.read_file(store, layer="incidents")) == n
    assert json.loads((tmp_path / "b" / "run-report.json").read_text())["counts"]["store_added"] == 0
    assert len(again.incidents) == n


def test_same_input_same_bytes(tmp_path, gaz):
    a = run(None, tmp_path / "a", gazetteer=gaz, progress=False, write_map=False)
    b = run(None, tmp_path / "b", gazetteer=gaz, progress=False, write_map=False)
    for name in ("incidents.geojson", "incidents.csv", "places.geojson"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert list(a.incidents["id"]) == list(b.incidents["id"])


@needs_shared
def test_seed_run_with_region_filter(tmp_path, gaz):
    from geomap.filters import Filter

    res = run([SEEDS], tmp_path, gazetteer=gaz, flt=Filter(region="Homs"), progress=False, write_map=False)
    names = set(res.incidents["place_name"])
    assert {"Homs", "Bab Amr", "Ar Rastan"} <= names
    assert "Damascus" not in names


def test_a_failed_input_is_reported_and_the_rest_goes_on(tmp_path, gaz):
    good = tmp_path / "in" / "good.txt"
    good.parent.mkdir()
    good.write_text("Shelling killed four people in Homs on 3 March 2012.", encoding="utf-8")
    (tmp_path / "in" / "broken.jsonl").write_text('{"text": "Clashes in Hama killed 2."}\n{oops\n', encoding="utf-8")
    res = run([tmp_path / "in"], tmp_path / "out", gazetteer=gaz, progress=False, write_map=False)
    report = json.loads((tmp_path / "out" / "run-report.json").read_text())
    assert report["counts"]["failed"] == 1 and report["counts"]["ok"] == 2
    assert set(res.incidents["place_name"]) >= {"Homs", "Ḩamāh"} or len(res.incidents) >= 2


def test_a_run_removes_what_the_previous_run_wrote_and_it_did_not(tmp_path, gaz):
    report = tmp_path / "in" / "a.txt"
    report.parent.mkdir()
    report.write_text("Shelling killed four people in Homs on 3 March 2012.", encoding="utf-8")
    out = tmp_path / "out"
    run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("geojson", "csv"))
    assert (out / "incidents.geojson").is_file() and (out / "places.geojson").is_file()
    (out / "map.html").write_text("a user's own file of that name, not listed by the run", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    res = run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("csv",))
    assert not (out / "incidents.geojson").exists() and not (out / "places.geojson").exists()
    assert (out / "incidents.csv").is_file() and (out / "map.html").is_file() and (out / "notes.txt").is_file()
    listed = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    assert listed["removed_outputs"] == ["incidents.geojson", "places.geojson"]
    assert set(listed["outputs"]) == set(res.outputs) - {"run_report"}
    # a CSV-only run's incidents are read back from a private GeoParquet copy, removed with the result
    copy = res._incidents.path
    assert copy.is_file() and out not in copy.parents
    assert list(res.incidents["place_name"]) == ["Homs"]
    del res
    gc.collect()
    assert not copy.parent.exists()
    # never the run's store, nor an output changed since the report that listed it
    run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("gpkg", "geojson"))
    later = (out / "run-report.json").stat().st_mtime + 5
    os.utime(out / "incidents.geojson", (later, later))
    run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("csv",),
        store=out / "incidents.gpkg")
    assert (out / "incidents.gpkg").is_file() and (out / "incidents.geojson").is_file()
    listed = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    assert listed["removed_outputs"] == ["places.geojson"]
    # a result whose output a later run replaced says so rather than read the later run's
    first = run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("geojson",))
    run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("csv",))
    with pytest.raises(GeomapError, match="replaced or removed after this run wrote it"):
        _ = first.incidents
    assert len(read_incidents(out / "incidents.gpkg")) == 1
    # a partitioned GeoParquet output is a folder
    run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("parquet",), partition="month")
    assert (out / "incidents.parquet").is_dir()
    run([report], out, gazetteer=gaz, progress=False, write_map=False, formats=("csv",))
    assert not (out / "incidents.parquet").exists() and not (out / "places.parquet").exists()
    assert (out / "incidents.csv").is_file()


def test_failures_are_all_counted_but_only_the_first_are_kept(tmp_path, gaz, monkeypatch):
    import geomap.pipeline

    monkeypatch.setattr(geomap.pipeline, "FAILURES_KEPT", 3)
    lines = [json.dumps({"text": f"Clashes in Hama killed {i} people."}) if i % 3 == 0 else "{oops"
             for i in range(1, 31)]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run([tmp_path / "in.jsonl"], tmp_path / "out", gazetteer=gaz, progress=False, write_map=False,
              batch_size=4)
    report = json.loads((tmp_path / "out" / "run-report.json").read_text())
    assert res.n_failed == 20 == report["counts"]["failed"]
    assert report["counts"]["ok"] == 10 == res.n_documents
    assert [f.input for f in res.failures] == [f"{tmp_path / 'in.jsonl'}:{n}" for n in (1, 2, 4)]
    assert sum(e["status"] == "failed" for e in report["inputs"]) == 20


def test_a_run_without_map_streams_and_reads_incidents_back(tmp_path, gaz, monkeypatch):
    """Without a map or store, a run keeps no incidents: writes them in chunks, reads back on demand."""
    import geomap.pipeline as pipeline
    from geomap.export import geojson_text
    from geomap.pipeline import extract

    monkeypatch.setattr(pipeline, "_WRITE_CHUNK", 7)  # many chunks even for the samples
    result = run(None, tmp_path, gazetteer=gaz, progress=False, write_map=False,
                 formats=("parquet", "geojson", "csv"), partition="month")
    assert callable(result._incidents) and result.n_incidents > 14
    expected = extract([sample_dir()], gaz)
    assert geojson_text(result.incidents) == geojson_text(expected)
    assert (tmp_path / "incidents.geojson").read_text(encoding="utf-8") == geojson_text(expected)
    report = json.loads((tmp_path / "run-report.json").read_text(encoding="utf-8"))
    assert report["counts"]["incidents"] == len(expected)
    assert len(report["inputs"]) == report["counts"]["inputs"] == len(result.inputs)
    assert {e["status"] for e in report["inputs"]} == {"ok"}
    assert report == json.loads(json.dumps(report, indent=1))  # round-trips


def _sourced(n_sources: int, k: int):
    from geomap.schema import Evidence, Incident

    sources = [Evidence(f"d{k}-{i}.txt", None, None, None, None, "s", 0, 1) for i in range(n_sources)]
    return Incident("Battles", "Armed clash", "place", "Homs", 34.7, 36.7, sources=sources, id=f"i{k}")


@pytest.mark.parametrize("size,sources", [(3, 100), (100, 5), (2, 4), (1, 1)])
def test_write_chunks_bound_incidents_and_sources(size, sources):
    from geomap.pipeline import _write_chunks

    incs = [_sourced(n, k) for k, n in enumerate([1, 3, 1, 1, 9, 2, 2, 1, 4, 1])]
    chunks = list(_write_chunks(iter(incs), size, sources))
    assert [i.id for c in chunks for i in c] == [i.id for i in incs]  # every incident, in order
    for c in chunks:
        assert c and len(c) <= size
        assert sum(len(i.sources) for i in c) <= sources or len(c) == 1  # one big incident alone
    for a, b in itertools.pairwise(chunks):  # a chunk is cut only when the next one would not fit
        assert len(a) == size or sum(len(i.sources) for i in a + b[:1]) > sources
    assert list(_write_chunks([], size, sources)) == []


def test_chunks_cut_by_sources_give_the_same_incidents(tmp_path, gaz, monkeypatch):
    """Row groups bounded by sources: the same incidents and text outputs, only smaller row groups."""
    import pyarrow.parquet as pq

    import geomap.pipeline as pipeline
    from geomap.export import read_incidents

    formats = ("parquet", "geojson", "csv")
    run(None, tmp_path / "a", gazetteer=gaz, progress=False, write_map=False, formats=formats)
    monkeypatch.setattr(pipeline, "_WRITE_SOURCES", 3)
    run(None, tmp_path / "b", gazetteer=gaz, progress=False, write_map=False, formats=formats)
    for name in ("incidents.geojson", "incidents.csv", "places.geojson", "places.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    a, b = (read_incidents(tmp_path / d / "incidents.parquet") for d in "ab")
    assert a.to_json() == b.to_json()
    pf = pq.ParquetFile(tmp_path / "b" / "incidents.parquet")
    groups = [[len(json.loads(s)) for s in pf.read_row_group(i, columns=["sources"]).column(0).to_pylist()]
              for i in range(pf.num_row_groups)]
    assert all(sum(g) <= 3 or len(g) == 1 for g in groups) and max(map(len, groups)) > 1
    assert len(groups) > pq.ParquetFile(tmp_path / "a" / "incidents.parquet").num_row_groups


@given(st.lists(st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
              st.lists(st.integers(), max_size=2)),
    max_size=5,
), max_size=4))
def test_run_report_lists_each_input_on_one_line(entries):
    # whatever an input's text holds (U+0085, U+2028 and "\r" are line breaks to str.splitlines
    # or to a text file's universal newlines, not to JSON), it reads back as itself
    import tempfile

    log = InputLog()
    log.extend(entries)
    assert list(log) == entries
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run-report.json"
        _write_report(path, {"inputs": log, "counts": {"inputs": len(entries)}})
        text = path.read_text(encoding="utf-8")
    assert json.loads(text) == {"inputs": entries, "counts": {"inputs": len(entries)}}
    lines = text.split("\n")
    if not entries:
        assert lines[:2] == ["{", ' "inputs": [],']
        return
    assert lines[:2] == ["{", ' "inputs": ['] and lines[2 + len(entries)] == " ],"
    assert [json.loads(line.strip().rstrip(",")) for line in lines[2 : 2 + len(entries)]] == entries


def test_a_non_utf8_file_name_is_named_with_escapes_and_read(tmp_path, gaz):
    folder = os.fsencode(tmp_path / "in")
    os.mkdir(folder)
    with open(folder + b"/bad\xffname.txt", "w", encoding="utf-8") as fh:
        fh.write("Shelling killed four people in Homs on 3 March 2012.")
    with open(folder + b"/photo\xfe.jpg", "wb") as fh:
        fh.write(b"\xff\xd8")
    res = run([tmp_path / "in"], tmp_path / "out", gazetteer=gaz, progress=False, write_map=False)
    report = json.loads((tmp_path / "out" / "run-report.json").read_text(encoding="utf-8"))
    named = [i["input"] for i in report["inputs"]]
    assert named == [str(tmp_path / "in" / "bad\\xffname.txt"), str(tmp_path / "in" / "photo\\xfe.jpg")]
    assert res.n_documents == 1 and res.n_failed == 1 and res.n_incidents == 1
    features = json.loads((tmp_path / "out" / "incidents.geojson").read_text(encoding="utf-8"))["features"]
    assert [s["doc_id"] for s in features[0]["properties"]["sources"]] == named[:1]


def test_a_run_without_map_or_geopackage_never_imports_geopandas(tmp_path):
    # merged incidents and places go to GeoParquet, GeoJSON and CSV straight from the dataclasses:
    # geopandas costs a worker process about 0.2 s of CPU to import on top of pyarrow and the
    # pandas that pyarrow loads itself, and converting through it doubled the merge phase
    code = (
        "import sys\n"
        "from geomap.pipeline import run\n"
        f"res = run(None, {str(tmp_path)!r}, jobs=1, write_map=False, progress=False,\n"
        "          formats=('parquet', 'geojson', 'csv'))\n"
        "assert res.n_incidents > 50, res.n_incidents\n"
        "print(sorted(m for m in ('geopandas', 'shapely', 'pyproj') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"
    assert {p.name for p in tmp_path.iterdir()} >= {"incidents.parquet", "places.parquet", "incidents.geojson",
                                                     "places.geojson", "incidents.csv", "run-report.json"}
    assert len(read_incidents(tmp_path / "incidents.parquet")) == len(read_incidents(tmp_path / "incidents.geojson"))


def test_boundaries_of_saved_incidents_with_odd_country_codes(gaz):
    from geomap.pipeline import _boundaries

    # a hand-edited file may hold a number or nothing where a code belongs
    gdf = gpd.GeoDataFrame({"country_code": ["JO", 5, None]}, geometry=gpd.points_from_xy([36, 36, 36], [31, 31, 31]),
                           crs=4326)
    assert set(_boundaries(gaz, gdf)["country_code"]) == {"SY", "JO"}


def test_a_second_run_into_the_same_folder_waits_for_none_and_stops(tmp_path, gaz):
    import fcntl

    from geomap.errors import UsageError

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".geomap.lock", "a") as held:  # as a run in another process holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(UsageError, match="another geomap run is writing"):
            run(None, out, gazetteer=gaz, progress=False, write_map=False)
    assert [p.name for p in out.iterdir()] == [".geomap.lock"]  # nothing written
    assert run(None, out, gazetteer=gaz, progress=False, write_map=False).n_incidents > 0


def test_api_takes_one_path_or_text_for_a_list_and_refuses_the_rest(tmp_path, gaz):
    import geomap
    from geomap.errors import UsageError

    one = tmp_path / "r.txt"
    one.write_text("Shelling killed four people in Homs on 3 March 2012.", encoding="utf-8")
    assert len(geomap.extract(str(one), gaz)) == len(geomap.extract(one, gaz)) == 1
    assert len(geomap.extract("Clashes in Hama killed 2 people on 4 March 2012.", gaz)) == 1
    for bad in (5, None):
        with pytest.raises(UsageError, match="give a list"):
            geomap.extract(bad, gaz)
    assert run(str(one), tmp_path / "out", gazetteer=gaz, progress=False, write_map=False).n_documents == 1
    # geomap.geoparse stays callable after its module is imported (the pipeline imports it)
    assert [m.place.name for m in geomap.geoparse("Shelling hit Homs.", gaz)] == ["Homs"]


def test_extract_streams_a_generator_and_geoparse_pickles(gaz):
    import pickle

    import geomap
    from geomap.schema import Document

    pulled = []

    def docs():
        for i in range(3):
            pulled.append(i)
            yield Document(doc_id=f"d{i}", text=f"Shelling killed {i + 2} people in Homs on 3 March 2012.")

    from geomap.pipeline import _as_items

    items = _as_items(docs(), 10_000)
    next(items)
    assert pulled == [0]  # one report read, not the whole stream
    assert pickle.loads(pickle.dumps(geomap.geoparse))("Homs", gaz)[0].place.name == "Homs"
