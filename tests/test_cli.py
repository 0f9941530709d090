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
