"""Scaling out: same results whatever the engine and job count, Parquet in, GeoParquet out.

The corpus (a few hundred reports rewritten from the bundled samples by ``bench/scale.py``) is
generated into a temporary folder at test time. Dask tests skip when Dask is not installed,
except on CI (``CI=true``), where they must run.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geomap import pipeline
from geomap.errors import UsageError
from geomap.ingest import Document, Failure, iter_documents
from geomap.pipeline import extract_incidents, run

REPO = Path(__file__).resolve().parents[1]
N_REPORTS = 300


def _bench_module():
    spec = importlib.util.spec_from_file_location("geomap_bench_scale", REPO / "bench" / "scale.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _dask_or_skip() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Dask tests, but dask[distributed] is missing: "
                        "pip install -e '.[dev]'")
        pytest.skip("needs dask[distributed]: pip install 'geomap[dask]'")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """300 generated reports as .txt files, JSON Lines and Parquet, plus two bad rows."""
    root = _bench_module().generate_corpus(N_REPORTS, tmp_path_factory.mktemp("scale") / "corpus",
                                           layout="mixed", per_file=60)
    (root / "jsonl" / "zz-bad.jsonl").write_text('{"title": "no text here"}\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def baseline(corpus, tmp_path_factory, gaz):
    out = tmp_path_factory.mktemp("jobs1")
    return out, run([corpus], out, gazetteer=gaz, jobs=1, write_map=False, progress=False,
                    formats=("geojson", "csv", "parquet"))


def _assert_same_as_baseline(baseline, out: Path, res) -> None:
    base_out, base = baseline
    assert len(base.incidents) > N_REPORTS  # the corpus gives plenty to merge
    assert list(res.incidents["id"]) == list(base.incidents["id"])
    for name in ("incidents.geojson", "places.geojson", "incidents.csv"):
        assert (out / name).read_bytes() == (base_out / name).read_bytes(), name
    if (out / "places.parquet").exists():
        import pyarrow.parquet as pq

        for name in ("incidents.parquet", "places.parquet"):
            assert pq.read_table(out / name).equals(pq.read_table(base_out / name)), name
    report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    base_report = json.loads((base_out / "run-report.json").read_text(encoding="utf-8"))
    assert report["inputs"] == base_report["inputs"]  # every input, in input order
    assert report["counts"] == base_report["counts"]
    assert report["counts"]["failed"] == 1 and report["counts"]["documents"] == N_REPORTS
    assert res.place_mentions == base.place_mentions


def test_process_pool_gives_the_same_results(baseline, corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "_POOL_MERGE_MIN", 0)  # the workers merge too, however few
    res = run([corpus], tmp_path, jobs=2, batch_size=16, write_map=False, progress=False,
              formats=("geojson", "csv", "parquet"))  # (places files written by a worker then)
    assert res.engine["jobs"] == 2
    _assert_same_as_baseline(baseline, tmp_path, res)


def test_dask_local_cluster_gives_the_same_results(baseline, corpus, tmp_path):
    _dask_or_skip()
    res = run([corpus], tmp_path, engine="dask", jobs=2, batch_size=16, write_map=False,
              progress=False, formats=("geojson", "csv"))
    assert res.engine["engine"] == "dask" and res.engine["workers"] == 2
    _assert_same_as_baseline(baseline, tmp_path, res)


def test_progress_line_on_a_terminal_only(corpus, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    docs = [d for d in iter_documents([corpus / "jsonl"]) if isinstance(d, Document)][:100]
    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    res = extract_incidents(docs, jobs=2, batch_size=16, progress=True)
    assert res.engine["jobs"] == 2 and res.n_documents == 100
    assert "100 reports" in tty.getvalue() and "/s" in tty.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    extract_incidents(docs[:5], progress=True)
    assert quiet.getvalue() == ""


def test_run_shows_merging_progress(corpus, tmp_path, monkeypatch):
    from geomap.pipeline import run

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    res = run([corpus / "jsonl"], tmp_path, write_map=False, formats=("parquet",), progress=True)
    assert f"{res.n_documents:,} reports" in tty.getvalue()
    assert "extracted incidents merged, " in tty.getvalue()
    assert tty.getvalue().rstrip().endswith(f"-> {res.n_incidents:,} incidents")


def test_in_flight_batches_are_bounded():
    from concurrent.futures import Future

    from geomap.pipeline import _in_order

    submitted: list[int] = []
    done: list[int] = []

    def submit(batch):
        submitted.append(batch[0])
        fut = Future()
        fut.set_result(batch[0])
        return fut

    def collect(fut):
        done.append(fut.result())
        assert len(submitted) - len(done) < 4  # never more than 4 unfinished
        return fut.result()

    assert list(_in_order(submit, ([i] for i in range(50)), 4, collect)) == list(range(50))


def test_a_custom_gazetteer_needs_its_places_file_for_workers(tmp_path):
    from geomap.gazetteer import Gazetteer

    places = tmp_path / "places.csv"
    places.write_text("name,lat,lon\nQaryat Test,35.1,36.2\n", encoding="utf-8")
    custom = Gazetteer(user_places=places)
    with pytest.raises(UsageError, match="places=PATH"):
        extract_incidents([], custom, jobs=2)
    with pytest.raises(UsageError, match="--scheduler needs --engine dask"):
        extract_incidents([], jobs=1, scheduler="tcp://127.0.0.1:1")
    docs = [Document(f"d{i}", f"Shelling killed {i + 3} people in Qaryat Test on {10 * i + 3} May 2013.")
            for i in range(3)]
    res = extract_incidents(docs, custom, jobs=2, batch_size=1, places=places)  # workers load it
    assert res.engine["jobs"] == 2
    assert list(res.incidents["place_name"]) == ["Qaryat Test"] * 3


# ------------------------------------------------------------------------------- Parquet in


def _write_parquet(path: Path, columns: dict, row_group_size: int = 2) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def test_parquet_rows_become_documents_in_row_group_batches(tmp_path):
    import datetime as dt

    path = _write_parquet(tmp_path / "feed.parquet", {
        "ID": ["a1", None, "a3", "a4", "a5"],
        "Body": ["Clashes in Hama killed 2.", None, "  ", "Shelling hit Homs.", "x" * 500],
        "date": [dt.date(2012, 3, 3), dt.date(2012, 3, 4), None, dt.date(2012, 3, 5), None],
        "source": ["Wire", "Wire", "Wire", None, "Wire"],
        "extra": [1, 2, 3, 4, 5],
    })
    items = list(iter_documents([path], max_bytes=400))
    docs = [i for i in items if isinstance(i, Document)]
    fails = {i.input: i.reason for i in items if isinstance(i, Failure)}
    assert [d.doc_id for d in docs] == [f"{path}:1#a1", f"{path}:4#a4"]
    assert (docs[0].text, docs[0].date, docs[0].source) == ("Clashes in Hama killed 2.", "2012-03-03", "Wire")
    assert set(fails) == {f"{path}:2", f"{path}:3", f"{path}:5"}  # each with its row number
    assert "no text field" in fails[f"{path}:2"] or "empty" in fails[f"{path}:2"]
    assert "over the 400" in fails[f"{path}:5"]


def test_bad_parquet_files_are_failures_with_reasons(tmp_path):
    no_text = _write_parquet(tmp_path / "a.parquet", {"title": ["t"], "url": ["u"]})
    empty = _write_parquet(tmp_path / "b.parquet", {"text": []})
    (tmp_path / "c.parquet").write_bytes(b"PAR1 this is not parquet")
    fails = {Path(i.input).name: i.reason for i in iter_documents([tmp_path])}
    assert "no text column" in fails[no_text.name] and "title, url" in fails[no_text.name]
    assert "empty Parquet file" in fails[empty.name]
    assert "not a readable Parquet file" in fails["c.parquet"]


# ------------------------------------------------------------------------------- GeoParquet out


def test_geoparquet_output_plain_and_partitioned_reads_back_the_same(baseline, tmp_path):
    import pyarrow.parquet as pq

    from geomap.export import geojson_text, read_incidents, write_geoparquet

    _, base = baseline
    gdf = base.incidents
    single = write_geoparquet(gdf, tmp_path / "incidents.parquet")
    assert b"geo" in pq.read_schema(single).metadata
    assert geojson_text(read_incidents(single)) == geojson_text(gdf)
    folder = write_geoparquet(gdf, tmp_path / "incidents.parquet", partition="month")  # replaces the file
    parts = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet"))
    assert parts and all(p.startswith("event_month=") and p.endswith("/part-0.parquet") for p in parts)
    months = {p.split("/")[0].split("=")[1] for p in parts}
    assert months == {d[:7] if isinstance(d, str) else "undated" for d in gdf["event_date"]}
    def by_id(g):  # a partitioned folder reads back by month, then date and id
        return geojson_text(g.sort_values("id", kind="stable").reset_index(drop=True))

    assert by_id(read_incidents(folder)) == by_id(gdf)
    write_geoparquet(gdf.iloc[:3], folder, partition="month")  # rerun over it: replaced whole
    assert len(read_incidents(folder)) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_cli_run_geoparquet_then_map_filter_summary(corpus, tmp_path, capsys):
    from geomap.cli import main

    out = tmp_path / "out"
    src = corpus / "parquet"
    assert main(["run", str(src), "-o", str(out), "--format", "parquet", "--partition", "month",
                 "--no-map", "--jobs", "1"]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == [".geomap.lock", "incidents.parquet", "places.parquet", "run-report.json"]
    assert (out / "incidents.parquet").is_dir()
    assert main(["summary", str(out / "incidents.parquet"), "--by", "admin1", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("group,incidents,fatalities")
    assert main(["filter", str(out / "incidents.parquet"), "--country", "SY", "-o", str(tmp_path / "sy.parquet")]) == 0
    assert main(["map", str(tmp_path / "sy.parquet"), "-o", str(tmp_path / "map.html")]) == 0
    assert (tmp_path / "map.html").stat().st_size > 0
    assert main(["run", str(src), "-o", str(out), "--partition", "month"]) == 2  # needs parquet
    assert main(["run", str(src), "-o", str(out), "--format", "shapefile"]) == 2
    assert main(["extract", str(src), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    with pytest.raises(SystemExit) as err:
        main(["run", str(src), "--jobs", "0"])
    assert err.value.code == 2


def test_places_summary_takes_counts_or_mentions(baseline, gaz):
    from geomap.export import MentionCounts, places_summary
    from geomap.geoparse import geoparse

    _, base = baseline
    mentions = geoparse("Shelling hit Homs and Hama; in Homs, two died.", gaz)
    a = places_summary(base.incidents.iloc[:20], mentions)
    b = places_summary(base.incidents.iloc[:20], MentionCounts(mentions))
    assert a.equals(b) and int(a["mentions"].sum()) == len(mentions)
    assert base.mentions is base.place_mentions and base.place_mentions.total >= N_REPORTS


def test_help_imports_no_dask_pyarrow_or_geopandas():
    code = ("import sys; from geomap.cli import build_parser; build_parser().format_help(); "
            "print([m for m in ('dask', 'distributed', 'pyarrow', 'geopandas') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
