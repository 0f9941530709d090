"""GeoJSON (RFC 7946), CSV (ACLED order), GeoPackage, read-back, the store, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import math
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from geomap.errors import InputError
from geomap.export import (
    csv_text,
    empty_incidents,
    geojson_text,
    places_summary,
    read_incidents,
    store_append,
    to_geodataframe,
    write_csv,
    write_geojson,
    write_gpkg,
)
from geomap.schema import CSV_COLUMNS, INCIDENT_COLUMNS, Evidence, Incident


def _ev(doc: str, start: int = 0, source: str | None = "Wire") -> Evidence:
    return Evidence(doc, source, f"Title of {doc}", f"https://example.org/{doc}", "2012-07-06",
                    f"Sentence in {doc} at {start}, with “quotes” and عربي.", start, start + 40)


def _incidents() -> list[Incident]:
    return [
        Incident("Explosions/Remote violence", "Shelling/artillery/missile attack", "place", "Bab Amr",
                 34.71083, 36.69111, place_id="sup:sy-homs-bab-amr", place_name="Bab Amr", admin1="Homs",
                 admin2="Homs", country_code="SY", geo_precision=1, event_date="2012-02-18", time_precision=1,
                 actor1="Government forces", actor1_class="state forces", fatalities=12, fatalities_low=10,
                 fatalities_high=15, injured=30, notes="Shelling of Bab Amr.",
                 sources=[_ev("a.txt", 10, "AFP"), _ev("b.txt", 5, "Al Jazeera")], id="gm-000000000001"),
        Incident("Strategic developments", "Diplomatic meeting", "place", "Paris", 48.85341, 2.3488,
                 place_id="2988507", place_name="Paris", admin1="Île-de-France", country_code="FR",
                 event_date="2012-07-06", time_precision=1, sources=[_ev("c.txt")], id="gm-000000000002"),
        Incident("Violence against civilians", "Attack", "country", "Syria", None, None, place_id="163843",
                 place_name="Syria", country_code="SY", geo_precision=3, event_date="2012-07-06",
                 time_precision=1, fatalities=16500, fatalities_low=15800, fatalities_high=16500,
                 cumulative=True, sources=[_ev("c.txt", 100), _ev("d.txt", 7, None)], id="gm-000000000003"),
        Incident("Battles", "Armed clash", "place", "Suva", -18.13683, 178.42531, country_code="FJ",
                 event_date=None, time_precision=3, sources=[_ev("e.txt")], id="gm-000000000004"),
    ]


@pytest.fixture()
def gdf() -> gpd.GeoDataFrame:
    return to_geodataframe(_incidents())


def _no_nan(text: str):
    def bad(token):
        raise AssertionError(f"non-JSON number {token}")

    return json.loads(text, parse_constant=bad)


# -- GeoJSON --------------------------------------------------------------------------------------
def test_geojson_is_rfc7946(gdf):
    fc = _no_nan(geojson_text(gdf))
    assert set(fc) == {"type", "features"} and fc["type"] == "FeatureCollection"
    assert "crs" not in fc and "bbox" not in fc
    assert len(fc["features"]) == len(gdf)
    for feat, inc in zip(fc["features"], _incidents(), strict=True):
        assert feat["type"] == "Feature"
        assert set(feat) <= {"type", "id", "geometry", "properties"}
        assert isinstance(feat["id"], str) and feat["id"] == inc.id
        assert list(feat["properties"]) == list(INCIDENT_COLUMNS)
        geom = feat["geometry"]
        if inc.lat is None:
            assert geom is None  # country-scope rows: null geometry
            continue
        assert geom["type"] == "Point" and len(geom["coordinates"]) == 2
        lon, lat = geom["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert (lon, lat) == pytest.approx((inc.lon, inc.lat))  # lon/lat order
        assert feat["properties"]["longitude"] == pytest.approx(lon)


def test_geojson_values(gdf):
    props = {f["properties"]["location"]: f["properties"] for f in _no_nan(geojson_text(gdf))["features"]}
    bab = props["Bab Amr"]
    assert bab["fatalities"] == 12 and isinstance(bab["fatalities"], int)
    assert props["Paris"]["fatalities"] is None and isinstance(props["Syria"]["fatalities_low"], int)
    assert props["Syria"]["cumulative"] is True and bab["cumulative"] is False
    assert [s["doc_id"] for s in bab["sources"]] == ["a.txt", "b.txt"] and bab["n_sources"] == 2
    assert props["Paris"]["admin1"] == "Île-de-France"  # UTF-8, not escaped
    assert "Île-de-France" in geojson_text(gdf)


def test_geojson_without_ids_omits_id(gdf):
    gdf = gdf.copy()
    gdf["id"] = None
    assert all("id" not in f for f in _no_nan(geojson_text(gdf))["features"])


def test_geojson_from_projected_frame_is_wgs84(gdf):
    fc = _no_nan(geojson_text(gdf.to_crs(3857)))
    lon, lat = fc["features"][1]["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((2.3488, 48.85341), abs=1e-6)


def test_geojson_empty_and_stdout(capsys, tmp_path):
    assert _no_nan(geojson_text(empty_incidents())) == {"type": "FeatureCollection", "features": []}
    write_geojson(empty_incidents(), "-")
    assert json.loads(capsys.readouterr().out)["features"] == []
    path = write_geojson(empty_incidents(), tmp_path / "sub" / "empty.geojson")
    assert len(read_incidents(path)) == 0


# -- CSV ------------------------------------------------------------------------------------------
def test_csv_acled_order_first(gdf):
    rows = list(csv.reader(io.StringIO(csv_text(gdf))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0][:8] == ["id", "event_date", "year", "time_precision", "event_type", "sub_event_type",
                           "actor1", "actor2"]
    recs = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(recs) == len(gdf)
    bab = recs[0]
    assert bab["year"] == "2012" and bab["country"] == "SY" and bab["fatalities"] == "12"
    assert bab["source"] == "AFP; Al Jazeera" and bab["latitude"] == "34.71083"
    assert json.loads(bab["sources"])[1]["doc_id"] == "b.txt"
    syria = recs[2]
    assert syria["latitude"] == "" and syria["fatalities_low"] == "15800" and syria["cumulative"] == "True"
    assert recs[3]["event_date"] == "" and recs[3]["year"] == ""


def test_csv_text_cells_never_start_a_spreadsheet_formula(gdf):
    gdf = gdf.copy()
    gdf["notes"] = ["=1+2 shelling", "@SUM(A1)", "-5 killed", "plain"][: len(gdf)] + [None] * max(0, len(gdf) - 4)
    rows = list(csv.DictReader(io.StringIO(csv_text(gdf))))
    assert [r["notes"] for r in rows[:4]] == ["'=1+2 shelling", "'@SUM(A1)", "'-5 killed", "plain"]
    # numbers stay numbers, and so do negative ones
    assert all(not r["longitude"].startswith("'") for r in rows)


def test_csv_empty(tmp_path):
    path = write_csv(empty_incidents(), tmp_path / "e.csv")
    assert path.read_text(encoding="utf-8") == ",".join(CSV_COLUMNS) + "\n"


# -- GeoPackage and read-back ---------------------------------------------------------------------
def test_gpkg_layers_and_read_back(gdf, tmp_path):
    path = tmp_path / "incidents.gpkg"
    write_gpkg({"incidents": gdf, "places": places_summary(gdf)}, path)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"incidents", "places"}
    raw = pyogrio.read_dataframe(path, layer="incidents")
    assert len(raw) == len(gdf) and raw.crs.to_epsg() == 4326
    places = pyogrio.read_dataframe(path, layer="places")
    assert set(places["place_id"]) == {"sup:sy-homs-bab-amr", "2988507"}
    back = read_incidents(path)
    assert list(back.columns[: len(INCIDENT_COLUMNS)]) == list(INCIDENT_COLUMNS)
    assert list(back["id"]) == list(gdf["id"])
    assert geojson_text(back) == geojson_text(gdf)  # same rows, same values
    assert back.loc[0, "sources"] == [e.as_dict() for e in _incidents()[0].sources]


def test_read_incidents_round_trips_geojson(gdf, tmp_path):
    path = write_geojson(gdf, tmp_path / "i.geojson")
    back = read_incidents(path)
    assert geojson_text(back) == geojson_text(gdf)
    assert [len(s) for s in back["sources"]] == [2, 1, 2, 1]
    assert back["geometry"].iloc[2] is None and back.crs.to_epsg() == 4326


def test_read_incidents_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_incidents(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError):
        read_incidents(bad)
    bad.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(InputError, match="FeatureCollection"):
        read_incidents(bad)
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                   '{"type": "Point", "coordinates": "x"}, "properties": {}}]}', encoding="utf-8")
    with pytest.raises(InputError):
        read_incidents(bad)
    notgpkg = tmp_path / "x.gpkg"
    notgpkg.write_bytes(b"not a database")
    with pytest.raises(InputError):
        read_incidents(notgpkg)


# -- the store ------------------------------------------------------------------------------------
def test_store_append_is_idempotent(gdf, tmp_path):
    store = tmp_path / "store.gpkg"
    assert store_append(gdf.iloc[:2], store) == 2
    assert store_append(gdf.iloc[:2], store) == 0
    assert store_append(gdf, store) == 2
    assert store_append(gdf, store) == 0
    back = read_incidents(store)
    assert sorted(back["id"]) == sorted(gdf["id"])
    assert geojson_text(back) == geojson_text(gdf)
    assert store_append(empty_incidents(), store) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.gpkg.lock", "store.gpkg"]


def test_store_append_keeps_the_other_layers_and_tables(gdf, tmp_path):
    import sqlite3

    store = tmp_path / "store.gpkg"
    write_gpkg({"incidents": gdf.iloc[:2], "places": places_summary(gdf)}, store)
    with sqlite3.connect(store) as con:
        con.execute("CREATE TABLE analyst_notes (note TEXT)")
        con.execute("INSERT INTO analyst_notes VALUES ('check Homs')")
    assert store_append(gdf, store) == len(gdf) - 2
    assert {"incidents", "places"} <= set(pyogrio.list_layers(store)[:, 0])
    assert len(read_incidents(store)) == len(gdf)
    with sqlite3.connect(store) as con:
        assert con.execute("SELECT note FROM analyst_notes").fetchall() == [("check Homs",)]


def test_runs_sharing_a_store_take_turns(gdf, tmp_path):
    import threading

    store = tmp_path / "store.gpkg"
    store_append(gdf.iloc[:1], store)
    halves = [gdf.iloc[1:3], gdf.iloc[3:]]
    added: list[int] = []
    workers = [threading.Thread(target=lambda part=part: added.append(store_append(part, store))) for part in halves]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(added) == sorted(len(part) for part in halves)
    assert sorted(read_incidents(store)["id"]) == sorted(gdf["id"])  # neither append lost


def test_store_append_skips_duplicate_ids_in_one_batch(gdf, tmp_path):
    store = tmp_path / "store.gpkg"
    doubled = gpd.GeoDataFrame(
        gpd.pd.concat([gdf, gdf.iloc[:1]], ignore_index=True), geometry="geometry", crs="EPSG:4326")
    assert store_append(doubled, store) == len(gdf)
    assert read_incidents(store)["id"].is_unique


def test_store_append_crash_leaves_previous_store(gdf, tmp_path, monkeypatch):
    store = tmp_path / "store.gpkg"
    store_append(gdf.iloc[:2], store)
    before = store.read_bytes()
    real = gpd.GeoDataFrame.to_file

    def crash(self, filename, *args, **kwargs):
        real(self.iloc[:1], filename, *args, **kwargs)  # part of the data is on disk...
        raise OSError("disk full")  # ...then the write dies

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", crash)
    with pytest.raises(OSError, match="disk full"):
        store_append(gdf, store)
    monkeypatch.undo()
    assert store.read_bytes() == before
    assert sorted(read_incidents(store)["id"]) == sorted(gdf["id"].iloc[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.gpkg.lock", "store.gpkg"]  # no temp files left
    assert store_append(gdf, store) == 2


def test_write_crash_leaves_no_output(gdf, tmp_path, monkeypatch):
    def crash(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", crash)
    with pytest.raises(KeyboardInterrupt):
        write_gpkg({"incidents": gdf}, tmp_path / "out.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_store_refuses_folder_and_corrupt_file(gdf, tmp_path):
    with pytest.raises(InputError, match="folder"):
        store_append(gdf, tmp_path)
    corrupt = tmp_path / "corrupt.gpkg"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x01" * 200)
    with pytest.raises(InputError):
        store_append(gdf, corrupt)
    assert corrupt.read_bytes() == b"SQLite format 3\x00" + b"\x01" * 200


# -- reproducible bytes ---------------------------------------------------------------------------
def test_outputs_are_byte_identical_across_writes(gdf, tmp_path):
    places = places_summary(gdf)
    out = {}
    for run in ("one", "two"):
        d = tmp_path / run
        write_geojson(gdf, d / "incidents.geojson")
        write_csv(gdf, d / "incidents.csv")
        write_gpkg({"incidents": gdf, "places": places}, d / "incidents.gpkg")
        store_append(gdf, d / "store.gpkg")
        out[run] = {p.name: p.read_bytes() for p in d.iterdir()}
        time.sleep(0.05)  # a GeoPackage stamps its last change time
    assert out["one"].keys() == {"incidents.geojson", "incidents.csv", "incidents.gpkg", "store.gpkg", ".store.gpkg.lock"}
    for name, data in out["one"].items():
        assert data == out["two"][name], name


def test_to_geodataframe_schema():
    gdf = to_geodataframe(_incidents())
    assert list(gdf.columns) == [*INCIDENT_COLUMNS, "geometry"]
    assert gdf.crs.to_epsg() == 4326 and gdf.geometry.iloc[2] is None
    assert math.isclose(gdf.geometry.iloc[0].x, 36.69111)
    empty = empty_incidents()
    assert len(empty) == 0 and list(empty.columns) == [*INCIDENT_COLUMNS, "geometry"]


# -- property-based: any text in any field gives valid, round-tripping outputs ---------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    location=_TEXT, notes=_TEXT, actor=_TEXT, title=_TEXT,
    lat=st.one_of(st.none(), st.floats(-90, 90)), lon=st.floats(-180, 180),
    fat=st.one_of(st.none(), st.integers(0, 10**9)),
)
def test_exports_are_valid_for_arbitrary_text(tmp_path, location, notes, actor, title, lat, lon, fat):
    import csv as _csv
    import io as _io
    import json as _json

    from geomap.export import csv_text, geojson_text, read_incidents, to_geodataframe
    from geomap.merge import incident_id
    from geomap.schema import Evidence, Incident

    inc = Incident(
        event_type="Battles", sub_event_type="Armed clash", scope="place" if lat is not None else "country",
        location=location, lat=lat, lon=lon if lat is not None else None, actor1=actor, fatalities=fat,
        notes=notes, sources=[Evidence("d", "src", title, "javascript:alert(1)", None, notes, 0, 1)],
    )
    inc.id = incident_id(inc)
    gdf = to_geodataframe([inc])
    fc = _json.loads(geojson_text(gdf))
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    props = fc["features"][0]["properties"]
    assert props["location"] == location and props["notes"] == notes and props["fatalities"] == fat
    geom = fc["features"][0]["geometry"]
    assert (geom is None) == (lat is None)
    path = tmp_path / "x.geojson"
    path.write_text(geojson_text(gdf), encoding="utf-8")
    back = read_incidents(path)
    assert back["location"].iloc[0] == location and back["sources"].iloc[0][0]["title"] == title
    rows = list(_csv.reader(_io.StringIO(csv_text(gdf))))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0])


# -- writing in chunks ----------------------------------------------------------------------------
def test_chunked_writers_give_the_one_shot_outputs(gdf, tmp_path):
    from geomap.export import CSVWriter, GeoJSONWriter, GeoParquetWriter, GpkgWriter

    writers = {"geojson": GeoJSONWriter(tmp_path / "a.geojson"), "csv": CSVWriter(tmp_path / "a.csv"),
               "gpkg": GpkgWriter(tmp_path / "a.gpkg"), "parquet": GeoParquetWriter(tmp_path / "a.parquet"),
               "months": GeoParquetWriter(tmp_path / "m.parquet", partition="month")}
    for w in writers.values():
        for k in range(len(gdf)):  # one incident at a time, some chunks without geometry
            w.write(gdf.iloc[k : k + 1])
        assert not w.path.exists()  # nothing visible before the commit
        w.commit()
    assert (tmp_path / "a.geojson").read_text(encoding="utf-8") == geojson_text(gdf)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == csv_text(gdf)
    for name in ("a.gpkg", "a.parquet", "m.parquet"):
        assert geojson_text(read_incidents(tmp_path / name)) == geojson_text(gdf), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.geojson", "a.gpkg", "a.parquet", "m.parquet"]


def test_a_failed_chunked_write_leaves_nothing(gdf, tmp_path):
    from geomap.export import GeoParquetWriter

    write_geojson(gdf, tmp_path / "old.geojson")
    before = (tmp_path / "old.geojson").read_bytes()
    with pytest.raises(RuntimeError), GeoParquetWriter(tmp_path / "x.parquet", partition="month") as w:
        w.write(gdf)
        raise RuntimeError("crash in the middle")
    from geomap.export import GeoJSONWriter

    with pytest.raises(RuntimeError), GeoJSONWriter(tmp_path / "old.geojson") as w:
        w.write(gdf.iloc[:1])
        raise RuntimeError("crash in the middle")
    assert (tmp_path / "old.geojson").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.geojson"]


def test_system_arrow_pool_is_restored_and_writes_the_same_bytes(gdf, tmp_path):
    import pyarrow as pa

    from geomap.export import system_arrow_pool, write_geoparquet

    before = pa.default_memory_pool().backend_name
    write_geoparquet(gdf, tmp_path / "a.parquet")
    with system_arrow_pool():
        assert pa.default_memory_pool().backend_name == "system"
        write_geoparquet(gdf, tmp_path / "b.parquet")
    assert pa.default_memory_pool().backend_name == before
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    with pytest.raises(RuntimeError), system_arrow_pool():
        raise RuntimeError("crash in the middle")
    assert pa.default_memory_pool().backend_name == before


def test_appending_parts_keeps_their_row_groups(gdf, tmp_path):
    import pyarrow.parquet as pq

    from geomap.export import GeoParquetWriter, write_part

    incs = _incidents()
    files, n = write_part([incs[:1], incs[1:3], incs[3:]], tmp_path, "p", {"parquet"})
    assert n == len(gdf)
    with GeoParquetWriter(tmp_path / "all.parquet") as w:
        w.append_part(files["parquet"], "p")
    meta = pq.ParquetFile(tmp_path / "all.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1, 2, 1]
    assert geojson_text(read_incidents(tmp_path / "all.parquet")) == geojson_text(gdf)


def test_geoparquet_chunk_without_points_before_one_with_points(tmp_path):
    """A first chunk of country figures only (no coordinates at all) fixes no wrong column type."""
    import pyarrow.parquet as pq

    from geomap.export import GeoParquetWriter, write_part

    national = [i for i in _incidents() if i.lat is None]
    located = [i for i in _incidents() if i.lat is not None]
    assert to_geodataframe(national)["latitude"].isna().all() and located
    with GeoParquetWriter(tmp_path / "a.parquet") as w:
        w.write(to_geodataframe(national))
        w.write(to_geodataframe(located))
    assert geojson_text(read_incidents(tmp_path / "a.parquet")) == geojson_text(to_geodataframe(national + located))
    files, _ = write_part([national], tmp_path, "p", {"parquet"})  # country figures only
    with GeoParquetWriter(tmp_path / "b.parquet") as w:
        w.append_part(files["parquet"], "p")
        w.write(to_geodataframe(located))
    assert geojson_text(read_incidents(tmp_path / "b.parquet")) == geojson_text(to_geodataframe(national + located))
    for name in ("a.parquet", "b.parquet"):
        assert str(pq.ParquetFile(tmp_path / name).schema_arrow.field("latitude").type) == "double"


def test_geopackage_appends_a_part_row_group_by_row_group(gdf, tmp_path):
    """A part is read a row group at a time (never whole), and the GeoPackage holds the same incidents."""
    from geomap.export import GpkgWriter, write_part

    incs = _incidents()
    files, _ = write_part([incs[:1], incs[1:3], incs[3:]], tmp_path, "p", {"parquet"})
    with GpkgWriter(tmp_path / "a.gpkg") as w:
        w.append_part(files["parquet"], "p")
        assert [len(g) for g in w._pending] == [1, 2, len(gdf) - 3]
    assert geojson_text(read_incidents(tmp_path / "a.gpkg")) == geojson_text(gdf)


# -- incidents written without pandas ---------------------------------------------------------


@pytest.fixture(scope="module")
def merged_samples(gaz) -> list[Incident]:
    """The bundled sample reports' merged incidents (point, country and undated ones), plus
    the hand-made ones (their sources carry a source name, one has a line break)."""
    from geomap.geoparse import geoparse
    from geomap.incidents import extract_document
    from geomap.ingest import read_documents
    from geomap.merge import merge_incidents
    from geomap.pipeline import sample_dir

    docs, _ = read_documents([sample_dir()])
    found = merge_incidents(i for d in docs for i in extract_document(d, gaz, geoparse(d.text, gaz)))
    assert any(i.lat is None for i in found) and any(i.lat is not None for i in found)
    return found + _incidents()


def test_record_writers_match_the_geodataframe_writers(merged_samples):
    from geomap.export import (
        PlaceTally,
        _csv_rows,
        _feature_texts,
        _record_csv_rows,
        _record_texts,
        incident_record,
    )

    gdf = to_geodataframe(merged_samples)
    assert list(_record_texts(map(incident_record, merged_samples), "longitude", "latitude")) == \
        list(_feature_texts(gdf))
    assert list(_record_csv_rows(map(incident_record, merged_samples))) == list(_csv_rows(gdf))
    assert PlaceTally().add_incidents(merged_samples).rows == PlaceTally().add(gdf).rows


def test_incident_table_holds_what_the_geodataframe_holds(merged_samples, tmp_path):
    import pyarrow.parquet as pq

    from geomap.export import GeoParquetWriter

    with GeoParquetWriter(tmp_path / "records.parquet") as w:
        w.write_incidents(merged_samples[:5])
        w.write_incidents(merged_samples[5:])
    assert w.rows == len(merged_samples)
    back = read_incidents(tmp_path / "records.parquet")
    assert geojson_text(back) == geojson_text(to_geodataframe(merged_samples))
    assert list(back["sources"]) == [[e.as_dict() for e in i.sources] for i in merged_samples]
    schema = pq.ParquetFile(tmp_path / "records.parquet").schema_arrow
    assert json.loads(schema.metadata[b"geo"])["primary_column"] == "geometry"
    assert str(schema.field("fatalities").type) == "int64" and str(schema.field("latitude").type) == "double"


def test_month_partitions_from_incidents_match_the_geodataframe_ones(merged_samples, tmp_path):
    from geomap.export import GeoParquetWriter

    with GeoParquetWriter(tmp_path / "a", partition="month") as w:
        w.write_incidents(merged_samples)
    with GeoParquetWriter(tmp_path / "b", partition="month") as w:
        w.write(to_geodataframe(merged_samples))
    months = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert months == sorted(p.name for p in (tmp_path / "b").iterdir()) and len(months) > 2
    for month in months:
        assert geojson_text(read_incidents(tmp_path / "a" / month)) == geojson_text(read_incidents(tmp_path / "b" / month))


def test_places_written_without_pandas_match_the_geodataframe(merged_samples, tmp_path):
    from geomap.export import PlaceTally, write_geojson, write_geoparquet

    tally = PlaceTally().add_incidents(merged_samples)
    assert len(tally.rows) > 3
    tally.write_geojson(tmp_path / "a.geojson")
    write_geojson(tally.to_geodataframe(), tmp_path / "b.geojson")
    assert (tmp_path / "a.geojson").read_bytes() == (tmp_path / "b.geojson").read_bytes()
    back = gpd.read_parquet(tally.write_geoparquet(tmp_path / "a.parquet"))
    want = gpd.read_parquet(write_geoparquet(tally.to_geodataframe(), tmp_path / "b.parquet"))
    assert list(back.columns) == list(want.columns)
    assert back.drop(columns="geometry").equals(want.drop(columns="geometry"))
    assert back.geometry.equals(want.geometry) and back.crs == want.crs


def test_bundled_wgs84_projjson_is_what_pyproj_gives():
    from pyproj import CRS

    from geomap.export import _wgs84_projjson

    assert _wgs84_projjson() == CRS.from_epsg(4326).to_json_dict()


def test_a_month_partitioned_writer_takes_no_bare_table(tmp_path):
    from geomap.errors import UsageError
    from geomap.export import GeoParquetWriter, incident_table

    w = GeoParquetWriter(tmp_path / "p", partition="month")
    with pytest.raises(UsageError, match="unpartitioned"):
        w.write_table(incident_table(_incidents()))
    w.discard()
    assert not list(tmp_path.iterdir())


def _saved(tmp_path, props: list[dict], **extra) -> Path:
    features = [{"type": "Feature", "properties": {"id": f"gm-{i}", **p},
                 "geometry": {"type": "Point", "coordinates": [36.7, 34.7]}} for i, p in enumerate(props)]
    path = tmp_path / "hand.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8")
    return path


def test_hand_edited_counts_and_flags_are_read_or_refused(tmp_path):
    ok = read_incidents(_saved(tmp_path, [{"fatalities": "5", "cumulative": "false"},
                                          {"fatalities": 7, "cumulative": "TRUE"},
                                          {"fatalities": None, "cumulative": None}]))
    assert list(ok["fatalities"].fillna(-1)) == [5, 7, -1]
    assert list(ok["cumulative"]) == [False, True, False]
    for props, message in (({"fatalities": -100}, "fatalities of incident gm-0 is -100"),
                           ({"fatalities": 1e30}, "whole numbers from 0"),
                           ({"injured": 2.5}, "injured of incident gm-0"),
                           ({"fatalities": "many"}, "'many'"),
                           ({"cumulative": "perhaps"}, "give true or false")):
        with pytest.raises(InputError, match=message):
            read_incidents(_saved(tmp_path, [props]))


def _geo_saved(tmp_path, geometries: list, ids: bool = True) -> Path:
    features = [{"type": "Feature", "properties": {"id": f"gm-{i}"} if ids else {}, "geometry": g}
                for i, g in enumerate(geometries)]
    path = tmp_path / "foreign.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


POINT = {"type": "Point", "coordinates": [36.7, 34.7]}
SQUARE = {"type": "Polygon", "coordinates": [[[36, 34], [37, 34], [37, 35], [36, 35], [36, 34]]]}


@pytest.mark.parametrize(("geometry", "message"), [
    (SQUARE, "incident gm-3 is a Polygon; geomap reads point incidents"),
    ({"type": "LineString", "coordinates": [[36, 34], [37, 35]]}, "incident gm-3 is a LineString;"),
    ({"type": "MultiPoint", "coordinates": [[36, 34], [37, 35]]}, "incident gm-3 is a MultiPoint;"),
    ({"type": "Point", "coordinates": [36.7, 200]}, "incident gm-3 has latitude 200, outside -90..90"),
    ({"type": "Point", "coordinates": [-180.5, 34.7]}, "incident gm-3 has longitude -180.5, outside -180..180"),
    ({"type": "Point", "coordinates": [4086000.0, 4120000.0]}, "incident gm-3 has latitude 4120000, outside"),
])
def test_saved_incidents_that_are_not_points_in_degrees_are_refused(tmp_path, geometry, message):
    path = _geo_saved(tmp_path, [POINT, None, {"type": "Point", "coordinates": []}, geometry, SQUARE])
    with pytest.raises(InputError) as info:
        read_incidents(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_saved_incidents_without_a_place_or_at_the_edges_are_read(tmp_path):
    edges = [{"type": "Point", "coordinates": c} for c in ([180, 90], [-180, -90], [0, 0])]
    back = read_incidents(_geo_saved(tmp_path, [POINT, None, *edges]))
    assert list(back["id"]) == ["gm-0", "gm-1", "gm-2", "gm-3", "gm-4"]
    assert back.geometry.isna().tolist() == [False, True, False, False, False]
    assert [(p.x, p.y) for p in back.geometry.dropna()] == [(36.7, 34.7), (180, 90), (-180, -90), (0, 0)]
    # a foreign file without ids: the row is named
    with pytest.raises(InputError, match=r": row 2 is a Polygon"):
        read_incidents(_geo_saved(tmp_path, [POINT, SQUARE], ids=False))


def test_saved_geopackage_and_geoparquet_with_polygons_or_bad_points_are_refused(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point, shape

    rows = {"id": ["gm-a", "gm-b", "gm-c"], "fatalities": [1, 2, 3]}
    polygons = gpd.GeoDataFrame(rows, geometry=[Point(36.7, 34.7), None, shape(SQUARE)], crs=4326)
    far = gpd.GeoDataFrame(rows, geometry=[Point(36.7, 34.7), Point(10, 95), None], crs=4326)
    for name, gdf, message in (("p.gpkg", polygons, "incident gm-c is a Polygon"),
                               ("p.parquet", polygons, "incident gm-c is a Polygon"),
                               ("f.gpkg", far, "incident gm-b has latitude 95, outside -90..90"),
                               ("f.parquet", far, "incident gm-b has latitude 95, outside -90..90")):
        path = tmp_path / name
        if name.endswith(".gpkg"):
            gdf.to_file(path, layer="incidents", driver="GPKG")
        else:
            gdf.to_parquet(path)
        with pytest.raises(InputError) as info:
            read_incidents(path)
        assert str(info.value).startswith(f"{path}: {message}"), (name, info.value)


def test_a_saved_file_no_reader_expects_is_an_input_error(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    with pytest.raises(InputError, match="reproject it first"):
        read_incidents(_saved(tmp_path, [{}], crs=crs))
    crs84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    assert len(read_incidents(_saved(tmp_path, [{}], crs=crs84))) == 1
    blob = tmp_path / "blob.geojson"
    blob.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                    '"geometry": {"type": "Blob", "coordinates": [1, 2]}}]}', encoding="utf-8")
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}",
                    encoding="utf-8")
    for path in (blob, deep):
        with pytest.raises(InputError, match="geomap can read"):
            read_incidents(path)
