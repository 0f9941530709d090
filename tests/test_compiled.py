"""The compiled build: the stale-extension guard, and that an installed build is compiled."""

from __future__ import annotations

import json
import shutil
import sys
import sysconfig
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, SourceFileLoader
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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



@pytest.fixture(scope="module")
def source_geoparse():
    """``geomap/geoparse.py`` run as plain Python (as a module of its own), when the installed
    one is compiled."""
    import importlib.util

    import geomap.geoparse as compiled

    if not isinstance(compiled.__loader__, importlib.machinery.ExtensionFileLoader):
        pytest.skip("geoparse runs as Python here: nothing to compare")
    name = "geomap._geoparse_source"
    spec = importlib.util.spec_from_file_location(name, Path(geomap.__file__).parent / "geoparse.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def _read(geoparse_fn, text, gaz):
    return [(m.start, m.end, m.surface, m.place.id, m.confidence, m.reason) for m in geoparse_fn(text, gaz)]


#: Pieces of reports: names that are places, persons and both, cues, Arabic, digits and punctuation.
_PIECES = [
    "Homs", "Bab Amr", " neighbourhood of ", "Idlib", " province", "Deir ez-Zour", "al-Homsi", "Hama",
    "Springfield, Illinois", "Washington", "Georgia", "Jordan", "Hillary Clinton", "Kofi Annan",
    "Syrian", "Turkish forces", "Paris", "the town of ", " in ", " near ", "BEIRUT (AP) \u2014 ",
    "St. ", "U.S.", "Laurel County", "Douglas and Sarpy counties", "Ill.", "'s", " & ", "-", " ",
    ". ", ", ", "\n\n", "\u062d\u0645\u0635", "\u0641\u064a ", "\u0648\u0627\u0644\u0631\u0642\u0629",
    "\u060c", "12", " 1 200 ", "The", "Voters", "\u00c9m", "Ma'arrat an-Nu'man",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join))
def test_the_compiled_geoparser_reads_every_text_as_its_source_does(source_geoparse, gaz, text):
    """The C types of ``geoparse.pxd`` change no reading: spans, places, confidences, reasons."""
    from geomap.geoparse import geoparse

    assert _read(geoparse, text, gaz) == _read(source_geoparse.geoparse, text, gaz)


def test_the_compiled_geoparser_reads_the_sample_reports_as_its_source_does(source_geoparse, gaz):
    from geomap.geoparse import geoparse

    samples = sorted((Path(geomap.__file__).parent / "samples").glob("*.txt"))
    assert samples
    for path in samples:
        text = path.read_text(encoding="utf-8")
        assert _read(geoparse, text, gaz) == _read(source_geoparse.geoparse, text, gaz), path.name


def test_the_records_take_what_the_plain_dataclasses_take():
    """Compiled, Place, Candidate and Mention are extension types; each still holds its fields
    unconverted (a subclass of str, an int for a float, None) and behaves as a frozen dataclass."""
    import copy
    import dataclasses
    import pickle

    from geomap.gazetteer import Candidate
    from geomap.schema import Mention, Place

    place = Place(_Text("170063"), "Homs", "Homs", "city", 34, 36.72, "SY", population=None)
    assert type(place.id) is _Text and type(place.lat) is int and place.population is None
    same = Place("170063", "Homs", "Homs", "city", 34, 36.72, "SY", population=None)
    assert place == same and hash(place) == hash(same)
    assert place != dataclasses.replace(same, lat=34.5)
    assert dataclasses.asdict(place) == place.as_dict() and list(place.as_dict())[:4] == ["id", "name", "ascii_name", "kind"]
    cand = Candidate(place, 1, 2.5)
    mention = Mention(3, 7, "Homs", place, 0.9, "why")
    for record in (place, cand, mention):
        assert pickle.loads(pickle.dumps(record)) == record == copy.copy(record)
        with pytest.raises(AttributeError):
            record.id = "x"  # (frozen)
    assert cand.as_dict()["match"] == cand.match and mention.place is place


def test_the_cached_places_and_candidates_are_out_of_the_cycle_collectors_sight(gaz):
    """Compiled, the places and candidates the gazetteer keeps are not tracked: they hold no
    cycle, and the collections of a first pass would walk them all."""
    import gc

    import geomap.gazetteer

    if not isinstance(geomap.gazetteer.__loader__, ExtensionFileLoader):
        pytest.skip("the gazetteer runs as Python here: it leaves its objects tracked")
    cands = gaz.candidates("Springfield")
    assert len(cands) > 5
    assert not any(gc.is_tracked(c) or gc.is_tracked(c.place) for c in cands)
    gc.collect()
    assert [c.place.name for c in gaz.candidates("Springfield")] == [c.place.name for c in cands]
