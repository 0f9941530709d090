"""The command line: fast help, exit codes, every subcommand end to end."""

import json
import subprocess
import sys

import pytest

from geomap.cli import main
from tests.conftest import SEEDS, needs_shared


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys, time; t=time.perf_counter(); from geomap.cli import build_parser; "
        "build_parser().format_help(); "
        "heavy=[m for m in ('geopandas','folium','matplotlib','shapely','pandas') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    done = subprocess.run([sys.executable, "-m", "geomap", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "exit codes" in done.stdout


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_bad_option_is_a_usage_error():
    with pytest.raises(SystemExit) as err:
        main(["summary", "x.geojson", "--by", "planet"])
    assert err.value.code == 2


@needs_shared
def test_extract_to_stdout_is_geojson(capsys):
    assert main(["extract", str(SEEDS), "-o", "-"]) == 0
    fc = json.loads(capsys.readouterr().out)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) >= 10


@needs_shared
def test_extract_filter_summary_chain(tmp_path, capsys):
    out = tmp_path / "seeds.geojson"
    assert main(["extract", str(SEEDS), "-o", str(out)]) == 0
    assert main(["filter", str(out), "--region", "Idlib"]) == 0
    kept = json.loads(capsys.readouterr().out)["features"]
    assert kept and all(f["properties"]["admin1"] == "Idleb" for f in kept)
    assert main(["summary", str(out), "--by", "type"]) == 0
    table = capsys.readouterr().out
    assert "fatalities" in table and "Battles" in table
    assert main(["summary", str(out), "--by", "admin1", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("group,incidents,fatalities")


def test_unknown_region_exits_2_with_suggestions(tmp_path, capsys):
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    assert main(["filter", str(empty), "--region", "Narnia"]) == 2
    assert "Narnia" in capsys.readouterr().err
    (tmp_path / "one.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point",'
        '"coordinates":[36.7,34.7]},"properties":{"id":"x","event_date":"2012-01-01",'
        '"event_type":"Battles","sub_event_type":"Armed clash","fatalities":1,"cumulative":false,'
        '"country_code":"SY","scope":"place"}}]}',
        encoding="utf-8",
    )
    assert main(["filter", str(tmp_path / "one.geojson"), "--region", "Narnia"]) == 2
    err = capsys.readouterr().err
    assert "Narnia" in err and "did you mean" in err


def test_missing_input_file_is_exit_1(tmp_path, capsys):
    assert main(["filter", str(tmp_path / "nope.geojson")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_geoparse_json_and_eupeg(tmp_path, capsys):
    (tmp_path / "0").write_text("Clashes in Homs and Aleppo.", encoding="utf-8")
    (tmp_path / "1").write_text("Nothing here.", encoding="utf-8")
    assert main(["geoparse", "--format", "eupeg", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1] == ""
    first = [e.split(",,") for e in lines[0].split("||")]
    assert [e[1] for e in first] == ["Homs", "Aleppo"]
    assert first[0][4:] == ["11", "15"]  # "Clashes in Homs": Homs at 11..15
    f = tmp_path / "r.txt"
    f.write_text("Shelling hit Bab Amr.", encoding="utf-8")
    assert main(["geoparse", str(f)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["mentions"][0]["name"] == "Bab Amr" and rec["mentions"][0]["reason"]


def test_eval_with_missing_gold_is_a_usage_error(tmp_path, capsys):
    assert main(["eval", "toponyms", "--corpus", str(tmp_path), "--gold", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt" in capsys.readouterr().err


# ------------------------------------------------------------- outputs that would do harm

REPORT = "A car bomb killed 12 people in Homs on 3 May 2012."


def _reports(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(REPORT, encoding="utf-8")
    (folder / "b.txt").write_text("keep me", encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", ["extract", "filter"])
def test_an_existing_folder_is_never_replaced_by_an_output(tmp_path, capsys, command):
    reports = _reports(tmp_path / "reports")
    saved = tmp_path / "saved.geojson"
    assert main(["extract", str(reports), "-o", str(saved), "--jobs", "1"]) == 0
    source = str(reports) if command == "extract" else str(saved)
    assert main([command, source, "-o", str(reports)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert sorted(p.name for p in reports.iterdir()) == ["a.txt", "b.txt"]
    assert main([command, source, "-o", ""]) == 2
    assert "output path is empty" in capsys.readouterr().err


def test_a_partitioned_output_replaces_only_its_own_kind_of_folder(tmp_path, capsys):
    reports = _reports(tmp_path / "reports")
    out = tmp_path / "inc.parquet"
    args = ["extract", str(reports), "-o", str(out), "--partition", "month", "--jobs", "1"]
    assert main(args) == 0 and main(args) == 0  # its own output: replaced
    assert [p.name for p in out.iterdir()] == ["event_month=2012-05"]
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(args) == 2
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_run_that_could_only_fail_writes_nothing(tmp_path, capsys):
    reports = _reports(tmp_path / "reports")
    prev = tmp_path / "prev"
    assert main(["run", str(reports), "-o", str(prev), "--no-map", "--jobs", "1"]) == 0
    before = {p.name: p.read_bytes() for p in prev.iterdir()}
    bad_store = tmp_path / "store.gpkg"
    bad_store.write_text("not a geopackage", encoding="utf-8")
    for extra, message in ((["--store", str(bad_store)], "not a readable GeoPackage"),
                           (["--store", str(reports)], "is a folder"),
                           (["--max-bytes", "0"], "must be 1 or more")):
        with pytest.raises(SystemExit) if extra[0] == "--max-bytes" else _no_exit():
            assert main(["run", str(reports), "-o", str(prev), "--no-map", *extra]) == 2
        assert message in capsys.readouterr().err
    assert main(["run", str(tmp_path / "typo.txt"), "-o", str(prev), "--no-map"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["extract", str(tmp_path / "typo.txt"), "-o", str(prev / "incidents.geojson")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in prev.iterdir()} == before
    assert bad_store.read_text(encoding="utf-8") == "not a geopackage"
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for out in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        assert main(["run", str(reports), "-o", str(out), "--no-map"]) == 2
        assert "is a file" in capsys.readouterr().err


class _no_exit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_run_never_reads_its_own_outputs(tmp_path):
    reports = _reports(tmp_path / "reports")
    # the output folder inside the input folder, then the input folder itself, run twice each
    for out in (reports / "out", reports):
        for _ in range(2):
            assert main(["run", str(reports), "-o", str(out), "--no-map", "--jobs", "1"]) == 0
            report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
            assert [i["input"] for i in report["inputs"]] == [str(reports / "a.txt"), str(reports / "b.txt")]


# ------------------------------------------------------------- options and terminal output

def test_a_bbox_west_of_greenwich_needs_no_equals_sign(tmp_path, capsys):
    saved = tmp_path / "saved.geojson"
    assert main(["extract", str(_reports(tmp_path / "r")), "-o", str(saved), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main(["filter", str(saved), "--bbox", "-10,30,40,50"]) == 0
    assert len(json.loads(capsys.readouterr().out)["features"]) == 1
    assert main(["filter", str(saved), "--bbox", "-10,30,-5,50"]) == 0
    assert json.loads(capsys.readouterr().out)["features"] == []


@pytest.mark.parametrize("option", [["--country", "XX"], ["--country", ""], ["--region", ""],
                                    ["--bbox", "40,37,35,30"], ["--region", "\udcff"]])
def test_filter_options_that_match_nothing_by_mistake_are_usage_errors(tmp_path, capsys, option):
    saved = tmp_path / "saved.geojson"
    saved.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert main(["filter", str(saved), *option]) == 2
    assert capsys.readouterr().err.startswith("geomap: ")


@pytest.mark.parametrize("argv", [["filter", "{saved}", "--type", "Battles", "--type", "\udcff"],
                                  ["summary", "{saved}", "--type", "Riots\udcfe"],
                                  ["gazetteer", "lookup", "Homs", "--kind", "\udcff"]])
def test_repeatable_option_values_that_are_not_utf8_are_usage_errors(tmp_path, capsys, argv):
    saved = tmp_path / "saved.geojson"
    saved.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert main([a.format(saved=saved) for a in argv]) == 2
    bad = next(a for a in argv if not a.isascii())
    option = argv[argv.index(bad) - 1]
    assert capsys.readouterr().err == (f"geomap: {option} {bad!r} is not valid UTF-8 text "
                                       "(check the terminal's encoding)\n")


def test_eupeg_folder_without_numbered_documents_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(REPORT, encoding="utf-8")
    assert main(["geoparse", "--format", "eupeg", str(tmp_path)]) == 2
    assert "named 0..N-1" in capsys.readouterr().err


def test_terminal_control_characters_in_names_are_printed_escaped(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\x1b[2Jclear\nline.bin").write_bytes(b"\x00")
    (folder / "ok.txt").write_text(REPORT, encoding="utf-8")
    assert main(["run", str(folder), "-o", str(tmp_path / "out"), "--no-map", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2Jclear\\x0aline.bin" in err and err.count("\n") == 1


def test_summary_csv_cells_never_start_a_formula(tmp_path, capsys):
    saved = tmp_path / "saved.geojson"
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.7, 34.7]},
               "properties": {"id": "gm-1", "admin1": "=HYPERLINK(\"x\")", "fatalities": 3}}
    saved.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    assert main(["summary", str(saved), "--by", "admin1", "--csv"]) == 0
    out = capsys.readouterr().out
    assert "'=HYPERLINK" in out and "\n=" not in out and ",=" not in out


def test_main_restores_sigterm_and_runs_outside_the_main_thread(capsys):
    import signal
    import threading

    before = signal.getsignal(signal.SIGTERM)
    assert main(["gazetteer", "lookup", "Homs", "--limit", "1"]) == 0
    assert signal.getsignal(signal.SIGTERM) is before
    codes = []
    worker = threading.Thread(target=lambda: codes.append(main(["gazetteer", "lookup", "Homs", "--limit", "1"])))
    worker.start()
    worker.join()
    assert codes == [0]
