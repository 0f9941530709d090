"""The gazetteer index's hot tables in one memory-mapped file: name keys, place rows, key prefixes.

The geoparser asks the index for every capitalised word and phrase of a text and for the places
of the names it finds: thousands of keys and places per second. SQLite answers such a query
with a statement, a B-tree descent and a row conversion per key; here a key is one CRC-32 and
a slot or two of a hash table, and a place is two slices of the file. The file is mapped, not
read, and processes on one machine share its pages. Where the system can (Linux), the mapping
is populated as it opens: that takes a few milliseconds, once, and spares the first documents
a page fault in most lookups (the keys' hash table is touched all over).

Layout (native byte order: the file is a machine-local cache, rebuilt with the SQLite index):

``header``
    :data:`_MAGIC`, then the offset and length in bytes of each of :data:`_SECTIONS`.
``slots``
    An open-addressing hash table of the keys (int32): 0 is an empty slot, else a key's number
    plus one. A key's first slot is the CRC-32 of its UTF-8 bytes masked to the table size (a
    power of two, at least three times the number of keys); collisions take the next slot.
``key_ends``, ``hit_ends``
    int64 end offsets of each key's UTF-8 bytes in ``keys`` and of its hits in ``hits``, after a
    leading 0: key ``i`` is ``keys[key_ends[i]:key_ends[i + 1]]``.
``keys``, ``hits``
    The keys and their hits: each a key's ``(rowid, tier)`` pairs packed as ``array("i")``.
``record_ends``, ``records``
    The same for each place's record (its tab-separated text fields, UTF-8), by ``rowid - 1``.
``numbers``
    Each place's latitude, longitude (float64) and population (int64), by ``rowid - 1``.
``prefixes``
    A filter of the word prefixes of the keys ("new" and "new york" of "new york city"): one
    bit per value of :func:`prefix_bit` (2 MiB for the ~170k prefixes; about 1% of other word
    sequences pass it).
"""

from __future__ import annotations

import mmap
import struct
import zlib
from array import array
from collections.abc import Iterable
from pathlib import Path

_MAGIC = b"geomap-store-v2\n"
_SECTIONS = ("slots", "key_ends", "hit_ends", "keys", "hits", "record_ends", "numbers", "records", "prefixes")
_HEADER = struct.Struct("=16s" + "qq" * len(_SECTIONS))
#: A place's numbers: latitude, longitude and population.
_NUMBERS = struct.Struct("=ddq")


#: The prefix filter has one bit per value of a hash of this many bits.
PREFIX_BITS = 24
_PREFIX_MASK = (1 << PREFIX_BITS) - 1


def prefix_bit(prefix: str) -> int:
    """Return the bit of the prefix filter of a word sequence (a CRC-32: stable across processes)."""
    return zlib.crc32(prefix.encode()) & _PREFIX_MASK


#: The flag that maps every page of the file as it opens (0 where the system has none).
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)


class StoreError(ValueError):
    """The store file is missing, truncated or of another layout (rebuild the index)."""


def _ends(sizes: Iterable[int]) -> array:
    """Return the end offsets of consecutive items of these sizes, after a leading 0."""
    out, total = array("q", [0]), 0
    for size in sizes:
        total += size
        out.append(total)
    return out


def _slot_table(keys: list[bytes]) -> array:
    """Return the hash table of the keys (see the module docstring)."""
    size = 8
    while size < 3 * len(keys):
        size *= 2
    mask = size - 1
    slots = array("i", bytes(4 * size))
    for number, key in enumerate(keys, start=1):
        slot = zlib.crc32(key) & mask
        while slots[slot]:
            slot = (slot + 1) & mask
        slots[slot] = number
    return slots


def write_store(
    path: str | Path,
    key_hits: Iterable[tuple[str, bytes]],
    places: Iterable[tuple[int, float, float, int, str]],
    prefixes: bytes = bytes(1 << (PREFIX_BITS - 3)),
) -> None:
    """Write a store file.

    Parameters
    ----------
    path : path
        The file to write (the caller makes it appear atomically).
    key_hits : iterable of (str, bytes)
        Each distinct key with its packed hits.
    places : iterable of (int, float, float, int, str)
        ``(rowid, lat, lon, population, record)`` of every place, rowids 1, 2, 3... in turn.
    prefixes : bytes
        The prefix filter: bit ``prefix_bit(p)`` set for each word prefix ``p`` of the keys
        (bit ``i`` is bit ``i % 8`` of byte ``i // 8``). By default no prefix is in it.

    Raises
    ------
    ValueError
        When the places' rowids do not run 1, 2, 3..., or the filter is not of its size.
    """
    if len(prefixes) != 1 << (PREFIX_BITS - 3):
        raise ValueError(f"the prefix filter must have {1 << (PREFIX_BITS - 3)} bytes")
    keys: list[bytes] = []
    hits: list[bytes] = []
    for key, value in key_hits:
        keys.append(key.encode())
        hits.append(value)
    records: list[bytes] = []
    numbers = bytearray()
    for expected, (rowid, lat, lon, population, record) in enumerate(places, start=1):
        if rowid != expected:
            raise ValueError(f"place rowids must run 1, 2, 3...; found {rowid} at {expected}")
        records.append(record.encode())
        numbers += _NUMBERS.pack(lat, lon, population)
    parts = {
        "slots": _slot_table(keys).tobytes(),
        "key_ends": _ends(map(len, keys)).tobytes(),
        "hit_ends": _ends(map(len, hits)).tobytes(),
        "keys": b"".join(keys),
        "hits": b"".join(hits),
        "record_ends": _ends(map(len, records)).tobytes(),
        "numbers": bytes(numbers),
        "records": b"".join(records),
        "prefixes": prefixes,
    }
    layout: list[int] = []
    offset = _HEADER.size
    for name in _SECTIONS:
        offset += -offset % 8  # each section starts 8-byte aligned
        layout += [offset, len(parts[name])]
        offset += len(parts[name])
    with open(path, "wb") as fh:
        fh.write(_HEADER.pack(_MAGIC, *layout))
        for name, start in zip(_SECTIONS, layout[::2], strict=True):
            fh.write(bytes(start - fh.tell()))
            fh.write(parts[name])


class Store:
    """A store file opened for lookups (read-only, safe to share between threads).

    Parameters
    ----------
    path : path
        A file :func:`write_store` wrote.

    Raises
    ------
    StoreError
        When the file cannot be read or is not a complete store.
    """

    def __init__(self, path: str | Path) -> None:
        try:
            with open(path, "rb") as fh:
                if _POPULATE:
                    self._mm = mmap.mmap(fh.fileno(), 0, flags=mmap.MAP_SHARED | _POPULATE, prot=mmap.PROT_READ)
                else:
                    self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:  # (ValueError: an empty file cannot be mapped)
            raise StoreError(f"cannot map the gazetteer store {path}: {exc}") from None
        mm = self._mm
        if len(mm) < _HEADER.size or mm[: len(_MAGIC)] != _MAGIC:
            raise StoreError(f"{path} is not a geomap gazetteer store of this version")
        layout = _HEADER.unpack_from(mm)[1:]
        spans = dict(zip(_SECTIONS, zip(layout[::2], layout[1::2], strict=True), strict=True))
        if any(start < _HEADER.size or start + size > len(mm) for start, size in spans.values()):
            raise StoreError(f"{path} is truncated")
        view = memoryview(mm)

        def section(name: str, fmt: str):
            start, size = spans[name]
            return view[start : start + size].cast(fmt)

        self._slots = section("slots", "i")
        self._key_ends = section("key_ends", "q")
        self._hit_ends = section("hit_ends", "q")
        self._record_ends = section("record_ends", "q")
        # a place's numbers as three float64 and as three int64 (its population is the third)
        self._floats = section("numbers", "d")
        self._ints = section("numbers", "q")
        self._prefixes = section("prefixes", "B")
        self._keys_at = spans["keys"][0]
        self._hits_at = spans["hits"][0]
        self._records_at = spans["records"][0]
        self._mask = len(self._slots) - 1
        #: Number of places (rowids 1 to ``n_places``).
        self.n_places = len(self._record_ends) - 1
        if (
            len(self._slots) & self._mask
            or spans["numbers"][1] != _NUMBERS.size * self.n_places
            or self._key_ends[-1] != spans["keys"][1]
            or self._hit_ends[-1] != spans["hits"][1]
            or self._record_ends[-1] != spans["records"][1]
            or spans["prefixes"][1] != 1 << (PREFIX_BITS - 3)
        ):
            raise StoreError(f"{path} is inconsistent")

    def hits(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Return ``{key: packed hits}`` of those keys that are in the store."""
        slots, key_ends, hit_ends, mm = self._slots, self._key_ends, self._hit_ends, self._mm
        mask, keys_at, hits_at, crc32 = self._mask, self._keys_at, self._hits_at, zlib.crc32
        out = {}
        for key in keys:
            encoded = key.encode()
            size = len(encoded)
            slot = crc32(encoded)
            slot &= mask
            number = slots[slot]
            while number:
                start = key_ends[number - 1]
                end = key_ends[number]
                if end - start == size and mm[keys_at + start : keys_at + end] == encoded:
                    out[key] = mm[hits_at + hit_ends[number - 1] : hits_at + hit_ends[number]]
                    break
                slot = (slot + 1) & mask
                number = slots[slot]
        return out

    def begins_a_key(self, prefixes: Iterable[str]) -> bool:
        """Return True when the prefix filter has one of these word sequences (see
        :meth:`geomap.gazetteer.Gazetteer.extends_a_key`)."""
        bits, crc32, mask = self._prefixes, zlib.crc32, _PREFIX_MASK
        for prefix in prefixes:
            bit = crc32(prefix.encode())
            bit &= mask
            if bits[bit >> 3] >> (bit & 7) & 1:
                return True
        return False

    def rows(self, rowids: Iterable[int]) -> list[tuple[int, float, float, int, str]]:
        """Return ``(rowid, lat, lon, population, record)`` of places, in the order asked.

        Raises
        ------
        KeyError
            For a rowid that is no place's.
        """
        ends, mm, records_at, n = self._record_ends, self._mm, self._records_at, self.n_places
        floats, ints = self._floats, self._ints
        out = []
        for rowid in rowids:
            if not 0 < rowid <= n:
                raise KeyError(f"no place at index row {rowid}")
            at = 3 * (rowid - 1)
            record = mm[records_at + ends[rowid - 1] : records_at + ends[rowid]].decode()
            out.append((rowid, floats[at], floats[at + 1], ints[at + 2], record))
        return out
