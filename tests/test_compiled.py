"""The compiled build: the stale-extension guard, and that an installed build is compiled."""

from __future__ import annotations

import json
import shutil
import sys
import sysconfig
from importlib.machinery import EXTENSION_SUFFIXES, SourceFileLoader
from pathlib import Path

import pytest

import geomap
from geomap.compiled import (
    MODULES,
    STAMP,
    _StaleGuard,
    compiled_modules,
    install_guard,
    source_digest,
)


def _package(tmp_path: Path, *, extension: bool, stamp: dict | None) -> Path:
    """A package folder with ``geoparse.py``, maybe a (dummy) extension beside it and a stamp."""
    (tmp_path / "geoparse.py").write_text("X = 1\n", encoding="utf-8")
    if extension:
        (tmp_path / ("geoparse" + EXTENSION_SUFFIXES[0])).write_bytes(b"")
    if stamp is not None:
        (tmp_path / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    return tmp_path


def test_a_current_extension_is_left_to_the_regular_import_until_its_c_declarations_change(tmp_path):
    folder = _package(tmp_path, extension=True, stamp=None)
    (folder / STAMP).write_text(json.dumps({"geomap.geoparse": source_digest(folder / "geoparse.py")}), "utf-8")
    assert _StaleGuard(str(folder)).find_spec("geomap.geoparse") is None
    (folder / "geoparse.pxd").write_text("cpdef int f(int x)\n", encoding="utf-8")  # (after the build)
    with pytest.warns(UserWarning, match="other source"):
        assert _StaleGuard(str(folder)).find_spec("geomap.geoparse") is not None


@pytest.mark.parametrize("stamp", [{"geomap.geoparse": "0" * 64}, {}, None], ids=["other", "unrecorded", "no-stamp"])
def test_an_extension_built_from_other_source_gives_way_to_the_source(tmp_path, stamp):
    folder = _package(tmp_path, extension=True, stamp=stamp)
    with pytest.warns(UserWarning, match=r"pip install -e \."):
        spec = _StaleGuard(str(folder)).find_spec("geomap.geoparse")
    assert spec is not None and isinstance(spec.loader, SourceFileLoader)
    assert Path(spec.origin) == folder / "geoparse.py"


def test_the_guard_stands_aside_without_an_extension_or_for_other_modules(tmp_path):
    folder = _package(tmp_path, extension=False, stamp=None)
    guard = _StaleGuard(str(folder))
    assert guard.find_spec("geomap.geoparse") is None
    _package(tmp_path, extension=True, stamp=None)
    assert guard.find_spec("geomap.pipeline") is None  # not a compiled module
    assert guard.find_spec("geoparse") is None


def test_the_package_installs_its_guard_once():
    install_guard()
    guards = [f for f in sys.meta_path if isinstance(f, _StaleGuard)]
    assert [g.package_dir for g in guards] == [str(Path(geomap.__file__).parent)]


def test_the_build_and_the_guard_list_the_same_modules():
    setup_py = Path(__file__).resolve().parents[1] / "setup.py"
    if not setup_py.exists():
        pytest.skip("no setup.py beside the tests (an installed package)")
    assert "geomap/compiled.py" in setup_py.read_text(encoding="utf-8")  # it reads MODULES there
    assert all(m.startswith("geomap.") and (Path(geomap.__file__).parent / f"{m[7:]}.py").exists() for m in MODULES)


def test_an_installed_build_runs_the_geoparser_compiled():
    """Where a C compiler is present, ``pip install`` compiled every module of the list (and none
    went stale): the speed figures in the README are of the compiled modules."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the build leaves the modules as plain Python")
    assert compiled_modules() == list(MODULES)


class _Text(str):
    """A subclass of str, as ``numpy.str_`` is: Python accepts it wherever str goes."""


def test_the_compiled_modules_take_subclasses_of_str_as_python_does():
    """The build keeps annotations as hints (a typed compile would reject a str subclass)."""
    from geomap.gazetteer import default_gazetteer
    from geomap.geoparse import geoparse
    from geomap.names import key0

    text = "Shelling hit the Homs neighbourhood of Bab Amr."
    assert [(m.start, m.place.id) for m in geoparse(_Text(text))] == [(m.start, m.place.id) for m in geoparse(text)]
    gaz = default_gazetteer()
    assert [c.place.id for c in gaz.lookup(_Text("Homs"))] == [c.place.id for c in gaz.lookup("Homs")]
    assert key0(_Text("Deir ez-Zour")) == key0("Deir ez-Zour")

