"""The memory-mapped store of the gazetteer index: keys, places, damaged files, rebuilds."""

import lzma
import zlib
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap.gazetteer import Gazetteer, hit_pairs
from geomap.gazetteer_format import PLACE_FIELDS, format_row
from geomap.gazetteer_store import _POPULATE, Store, StoreError, write_store

_KEYS = st.text(alphabet=st.sampled_from("abz -éحم"), min_size=1, max_size=6)


def _packed(pairs):
    return array("i", [v for pair in pairs for v in pair]).tobytes()


@settings(max_examples=60, deadline=None)
@given(
    table=st.dictionaries(_KEYS, st.lists(st.tuples(st.integers(1, 9), st.integers(0, 4)), max_size=3), max_size=60),
    absent=st.lists(_KEYS, max_size=10),
)
def test_every_key_is_found_with_its_hits_and_no_other(tmp_path_factory, table, absent):
    path = tmp_path_factory.mktemp("store") / "s.store"
    write_store(path, ((k, _packed(v)) for k, v in table.items()), [])
    store = Store(path)
    asked = [*table, *absent]
    assert store.hits(asked) == {k: _packed(v) for k, v in table.items()}


def test_keys_whose_slots_collide_are_told_apart(tmp_path):
    # keys that share a first slot of the smallest table (8 slots): the later ones probe on
    words = [f"k{i}" for i in range(400)]
    first = zlib.crc32(words[0].encode()) & 7
    same = [w for w in words if zlib.crc32(w.encode()) & 7 == first][:2]
    assert len(same) == 2
    write_store(tmp_path / "s.store", [(same[0], b"\1\0\0\0\0\0\0\0"), (same[1], b"\2\0\0\0\1\0\0\0")], [])
    store = Store(tmp_path / "s.store")
    assert {k: hit_pairs(v) for k, v in store.hits(same).items()} == {same[0]: ((1, 0),), same[1]: ((2, 1),)}


def test_places_come_back_as_written(tmp_path):
    places = [(1, 34.73, 36.71, 775_404, "a\tHoms\té"), (2, -0.5, 179.25, 0, ""), (3, 1e-5, -2.0, 2**40, "x")]
    write_store(tmp_path / "s.store", [], places)
    store = Store(tmp_path / "s.store")
    assert store.n_places == 3
    assert store.rows([3, 1, 2, 1]) == [places[2], places[0], places[1], places[0]]
    for bad in (0, 4, -1):
        with pytest.raises(KeyError):
            store.rows([bad])
    with pytest.raises(ValueError, match="rowids"):
        write_store(tmp_path / "t.store", [], [(1, 0.0, 0.0, 0, ""), (3, 0.0, 0.0, 0, "")])


def test_a_damaged_store_is_refused(tmp_path):
    path = tmp_path / "s.store"
    write_store(path, [("homs", _packed([(1, 0)]))], [(1, 34.7, 36.7, 1, "Homs")])
    data = path.read_bytes()
    for damaged, why in [
        (b"", "cannot map"),
        (data[:10], "not a geomap"),
        (b"x" + data[1:], "not a geomap"),
        (data[: len(data) - 3], "truncated"),
    ]:
        path.write_bytes(damaged)
        with pytest.raises(StoreError, match=why):
            Store(path)
    with pytest.raises(StoreError, match="cannot map"):
        Store(tmp_path / "missing.store")


def _places_file(tmp_path):
    rows = [
        {"id": "t1", "name": "Qaryat Alpha", "kind": "village", "lat": 35.1, "lon": 36.2, "country_code": "SY",
         "population": 120, "aliases": ["Alpha Village"]},
        {"id": "t2", "name": "Beta", "kind": "town", "lat": 34.0, "lon": 37.0, "country_code": "SY",
         "population": 9000},
    ]
    path = tmp_path / "places.tsv.xz"
    with lzma.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\t".join(PLACE_FIELDS) + "\n")
        for row in rows:
            fh.write(format_row(row) + "\n")
    return path


def test_a_gazetteer_rebuilds_a_missing_or_damaged_store(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(tmp_path / "cache"))
    source = _places_file(tmp_path)
    first = Gazetteer(source)
    store = first.index_path.with_suffix(".store")
    assert store.is_file() and not list(store.parent.glob("*.tmp"))
    assert [c.place.id for c in first.lookup("Alpha Village")] == ["t1"]
    for damage in (lambda: store.write_bytes(store.read_bytes()[:100]), store.unlink):
        damage()
        again = Gazetteer(source)
        assert [c.place.id for c in again.lookup("Qaryat Alpha")] == ["t1"]
        assert again.get("t2").population == 9000
        assert Store(store).n_places == 2


def test_the_prefix_filter_has_the_prefixes_written_to_it(tmp_path):
    from geomap.gazetteer_store import PREFIX_BITS, prefix_bit

    bits = bytearray(1 << (PREFIX_BITS - 3))
    for prefix in ("new", "new york", "ras al"):
        h = prefix_bit(prefix)
        bits[h >> 3] |= 1 << (h & 7)
    write_store(tmp_path / "s.store", [], [], bytes(bits))
    store = Store(tmp_path / "s.store")
    assert store.begins_a_key(["zzz", "new york"]) and store.begins_a_key(iter(["ras al"]))
    assert not store.begins_a_key(["york", "qqq zzz", "new yorkshire"]) and not store.begins_a_key([])
    with pytest.raises(ValueError, match="prefix filter"):
        write_store(tmp_path / "t.store", [], [], b"\0")


def test_the_store_source_run_as_python_reads_as_the_build_does(tmp_path, gaz):
    # (without a C compiler the store runs as plain Python: the same answers from the same file)
    import importlib.util
    import sys
    from pathlib import Path

    import geomap.gazetteer_store as built

    source = Path(built.__file__).with_name("gazetteer_store.py")
    spec = importlib.util.spec_from_file_location("gazetteer_store_as_python", source)
    plain = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = plain
    try:
        spec.loader.exec_module(plain)
        path = gaz.index_path.with_suffix(".store")
        a, b = plain.Store(path), built.Store(path)
        keys = ["homs", "aleppo", "alepo", "hms", "springfield", "new york", "no such name", "حمص"]
        assert a.hits(keys) == b.hits(keys) and len(b.hits(keys)) >= 6
        rows = [1, 2, 1000, b.n_places]
        assert a.rows(rows) == b.rows(rows)
        for prefixes in (["new"], ["qqq zzz"], ["ras"], []):
            assert a.begins_a_key(prefixes) == b.begins_a_key(prefixes)
    finally:
        del sys.modules[spec.name]


@pytest.mark.skipif(not _POPULATE, reason="the system maps no file populated (MAP_POPULATE is Linux's)")
def test_the_store_is_resident_once_open(tmp_path):
    # the first lookups of a process take no page fault: every page of the mapping is in it
    path = tmp_path / "s.store"
    write_store(path, [(f"k{i}", _packed([(1, 0)])) for i in range(5000)], [(1, 1.0, 2.0, 3, "x")])
    store = Store(path)
    size = path.stat().st_size
    assert size > 2 << 20  # (the prefix filter alone is 2 MiB)
    resident = _resident_kib(path)
    assert resident is not None, "the store is not mapped"
    assert resident * 1024 >= size - 4096
    assert store.n_places == 1


def _resident_kib(path):
    """Return the resident size of this process's mapping of a file, from /proc/self/smaps."""
    name = str(path.resolve())
    mapped = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line.split()[-1:] == [name] and "-" in line.split()[0]:
            mapped = True
        elif mapped and line.startswith("Rss:"):
            return int(line.split()[1])
    return None
