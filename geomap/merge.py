"""Merge reports of the same incident, keeping every report as evidence.

Two extracted incidents are the same event when they have the same event type, the same scope
and cumulative flag, places that match (same gazetteer entry, or within ``radius_km``; for
country figures the same country), dates within ``days`` (cumulative tolls: within a week) and
compatible counts (fatalities, or the ranges reports give, within a factor of ``ratio``, or
one unknown). An undated
report merges only with undated ones, except a cumulative toll ("16,500 since March 2011"),
which may join a dated toll of the same country. Incidents from one report merge only when they repeat
each other (same place, type, count and date; the sub-event types may differ: a headline's
"suicide bombs" are its story's "car bombs").

Merging streams: incidents arrive one day at a time (:func:`merge_sorted`, fed from disk by
:class:`IncidentSpool` for large runs) and a group leaves memory once the stream is a week past
it, so memory is bounded by the busiest week, not by the corpus.

The merged incident keeps the sources of all, spans ``fatalities_low``/``fatalities_high``
over the reports' figures, and gets a stable id derived from its earliest evidence.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import heapq
import itertools
import math
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from geomap.distance import haversine_km
from geomap.schema import Evidence, Incident


def _doc_name(doc_id: str) -> str:
    """Return a document id without its folder (``reports/a.txt#3`` -> ``a.txt#3``).

    Ids must not change with the way the input folder was spelled on the command line
    (``reports/``, ``./reports``, an absolute path).
    """
    return doc_id.replace("\\", "/").rsplit("/", 1)[-1]


def _first(inc: Incident) -> Evidence | None:
    """Return the incident's earliest evidence (by document, then offset), or None."""
    return min(inc.sources, key=lambda e: (_doc_name(e.doc_id), e.start, e.end)) if inc.sources else None


def _num(value: float | None) -> float:
    return -math.inf if value is None else float(value)


def _order_key(inc: Incident) -> tuple:
    """Return a total, content-only sort key (makes merging independent of input order)."""
    first = _first(inc)
    num = _num
    return (
        _doc_name(first.doc_id) if first else "", first.start if first else -1,
        inc.event_type, inc.sub_event_type, inc.scope, inc.cumulative,
        inc.place_id or "", inc.country_code or "", inc.event_date or "",
        num(inc.fatalities), num(inc.fatalities_low), num(inc.fatalities_high), num(inc.injured),
        num(inc.lat), num(inc.lon), inc.location or "", inc.notes or "",
        tuple(sorted((_doc_name(e.doc_id), e.start, e.end) for e in inc.sources)),
    )


def _km(a: Incident, b: Incident) -> float:
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return math.inf
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


@functools.lru_cache(maxsize=65536)
def _ordinal(date: str | None) -> int | None:
    """Return the day number of an ISO date (``YYYY-MM`` and ``YYYY`` give the first day), or None."""
    if not date:
        return None
    text = str(date).strip()[:10]
    for form in (text, f"{text}-01", f"{text}-01-01"):
        try:
            return dt.date.fromisoformat(form).toordinal()
        except ValueError:
            continue
    return None


def _days(a: Incident, b: Incident) -> float | None:
    da, db = _ordinal(a.event_date), _ordinal(b.event_date)
    if da is None or db is None:
        return None
    return abs(da - db)


def _counts_compatible(a: int | None, b: int | None, ratio: float) -> bool:
    if a is None or b is None or a == b:
        return True
    lo, hi = sorted((a, b))
    return lo > 0 and hi / lo <= ratio


def _tolls_compatible(a: Incident, b: Incident, ratio: float) -> bool:
    """Whether two reports' tolls may be one event's: their ranges overlap, or come within ``ratio``.

    "between 500 and 1,300" and "1,429" may be one attack's; a single figure is a range of one.
    """
    if a.fatalities is None or b.fatalities is None:
        return True
    a_lo, a_hi = _range(a)
    b_lo, b_hi = _range(b)
    if max(a_lo, b_lo) <= min(a_hi, b_hi):
        return True
    # the gap between them: the higher end of the lower range and the lower end of the other
    return _counts_compatible(a_hi, b_lo, ratio) if a_hi < b_lo else _counts_compatible(b_hi, a_lo, ratio)


def _range(inc: Incident) -> tuple[int, int]:
    """Return the low and high ends of a known toll (the toll itself where a report gives no range)."""
    low = inc.fatalities_low if inc.fatalities_low is not None else inc.fatalities
    high = inc.fatalities_high if inc.fatalities_high is not None else inc.fatalities
    return min(low, inc.fatalities), max(high, inc.fatalities)


#: Sub-event types that reports of one attack give it: whether a car bomb's driver died with it
#: is often unknown at first.
_ONE_ATTACK = ({"Suicide bomb", "Remote explosive/landmine/IED"},)


def _types_compatible(a: Incident, b: Incident) -> bool:
    """Same event type and sub-event type: a shelling and an air strike are two incidents.

    A report that gives only a toll ("92 dead in Houla", no word on how) has no type evidence;
    it is compatible with a typed report of the same toll, place and day. A car bomb is a
    suicide bomb in one report and a remote explosive in another (:data:`_ONE_ATTACK`).
    """
    if a.event_type == b.event_type and (
        a.sub_event_type == b.sub_event_type or {a.sub_event_type, b.sub_event_type} in _ONE_ATTACK
    ):
        return True
    return (not a.typed or not b.typed) and a.fatalities is not None and b.fatalities is not None


def _same_report(a: Incident, b: Incident) -> bool:
    """True when some report is evidence of both incidents."""
    return not {e.doc_id for e in a.sources}.isdisjoint([e.doc_id for e in b.sources])


def same_incident(a: Incident, b: Incident, *, radius_km: float = 10.0, days: int = 1, ratio: float = 1.6) -> bool:
    """Return True when two extracted incidents describe the same event."""
    if (a.scope, a.cumulative) != (b.scope, b.cumulative):
        return False
    same_report = _same_report(a, b)
    if not _types_compatible(a, b) and not (a.event_type == b.event_type and same_report):
        return False  # (a report may name its headline's attack otherwise: "suicide bombs", "car bombs")
    if a.scope == "country":
        if a.country_code != b.country_code:
            return False
    elif a.place_id != b.place_id and _km(a, b) > radius_km:
        return False
    gap = _days(a, b)
    limit = 7 if a.cumulative else days
    if gap is not None and gap > limit:
        return False
    if (_ordinal(a.event_date) is None) != (_ordinal(b.event_date) is None) and not a.cumulative:
        return False  # one dated, the other not: whether they are a day apart cannot be told
    if same_report:
        # a headline and its story, or a toll repeated: same place and type, same count
        dates_ok = a.event_date == b.event_date or max(a.time_precision, b.time_precision) >= 2
        return (
            a.place_id == b.place_id and dates_ok and a.event_type == b.event_type
            and a.fatalities == b.fatalities and (a.injured is None or b.injured is None or a.injured == b.injured)
        )
    if a.scope == "country" and not a.cumulative and a.fatalities is not None and b.fatalities is not None:
        return a.fatalities == b.fatalities or _counts_compatible(a.fatalities, b.fatalities, 1.25)
    if a.cumulative:
        return _counts_compatible(a.fatalities, b.fatalities, 1.25)
    return _tolls_compatible(a, b, ratio)


def _match_key(inc: Incident) -> tuple:
    """Return every field :func:`same_incident` reads from an incident.

    Two group members with the same key match exactly the same incidents, so checking a
    newcomer against one of them is enough (:class:`_Group`).
    """
    return (
        inc.scope, inc.cumulative, inc.event_type, inc.sub_event_type, inc.typed, inc.fatalities,
        inc.fatalities_low, inc.fatalities_high, inc.injured, inc.country_code, inc.place_id,
        inc.lat, inc.lon, inc.event_date, inc.time_precision, frozenset(e.doc_id for e in inc.sources),
    )


def _repeat_key(inc: Incident) -> tuple:
    """Return what two incidents of one report must share to merge (see :func:`same_incident`)."""
    return inc.place_id, inc.event_type, inc.fatalities


class _Group:
    """Incidents merged so far into one (complete linkage), with one member per :func:`_match_key`.

    A report that repeats one toll thousands of times gives a group of thousands of members
    that all look alike to :func:`same_incident`: a newcomer is checked once per distinct
    member, not once per member.
    """

    __slots__ = ("members", "distinct")

    def __init__(self) -> None:
        self.members: list[Incident] = []
        self.distinct: dict[tuple, Incident] = {}

    def add(self, inc: Incident) -> None:
        """Add a member."""
        self.members.append(inc)
        self.distinct.setdefault(_match_key(inc), inc)

    def accepts(self, inc: Incident, kwargs: dict) -> bool:
        """True when ``inc`` is the same incident as every member."""
        return all(same_incident(inc, other, **kwargs) for other in self.distinct.values())


class _DocIndex:
    """Group ids filed by document and :func:`_repeat_key`, to find where an incident may go.

    An incident can only join a group whose members from its own report(s) repeat it (same
    place, type and toll), so groups holding a different toll from one of its reports are
    never looked at: a report with thousands of distinct tolls in one place costs a lookup per
    toll, not a scan of all the groups its earlier tolls made.
    """

    __slots__ = ("by_doc",)

    def __init__(self) -> None:
        self.by_doc: dict[str | None, dict[tuple, set[int]]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_doc)

    def add(self, gid: int, inc: Incident) -> list[tuple[str | None, tuple]]:
        """File group ``gid`` under the reports of member ``inc``; return the entries made.

        A member without evidence is filed under ``None``, which no incident's report matches.
        """
        key = _repeat_key(inc)
        entries = [(doc, key) for doc in {e.doc_id for e in inc.sources} or (None,)]
        for doc, k in entries:
            self.by_doc.setdefault(doc, {}).setdefault(k, set()).add(gid)
        return entries

    def discard(self, gid: int, doc: str | None, key: tuple) -> None:
        """Remove an entry made by :meth:`add`."""
        keys = self.by_doc.get(doc)
        if keys is None or key not in keys:
            return
        keys[key].discard(gid)
        if not keys[key]:
            del keys[key]
            if not keys:
                del self.by_doc[doc]

    def candidates(self, inc: Incident, out: set[int]) -> None:
        """Add to ``out`` every group ``inc`` may join: none of those left out would take it."""
        docs = {e.doc_id for e in inc.sources}
        key = _repeat_key(inc)
        for doc, keys in self.by_doc.items():
            if doc in docs:
                out.update(keys.get(key, ()))
            else:
                for gids in keys.values():
                    out.update(gids)


def _span(values: Iterable[int | None]) -> tuple[int | None, int | None]:
    vals = [v for v in values if v is not None]
    return (min(vals), max(vals)) if vals else (None, None)


def _combine(group: list[Incident]) -> Incident:
    if len(group) == 1:  # most incidents have one report: a copy with its id
        merged = copy.copy(group[0])
        merged.sources = sorted({(e.doc_id, e.start): e for e in merged.sources}.values(),
                                key=lambda e: (e.doc_id, e.start))
        merged.id = incident_id(group[0])
        return merged
    group = sorted(group, key=_order_key)
    base = group[0]
    merged = Incident(**{f: getattr(base, f) for f in base.__dataclass_fields__})
    typed = next((i for i in group if i.typed), None)
    if not merged.typed and typed is not None:  # a bare toll takes the type another report gives
        merged.event_type, merged.sub_event_type, merged.typed = typed.event_type, typed.sub_event_type, True
    merged.sources = sorted(
        {(e.doc_id, e.start): e for i in group for e in i.sources}.values(),
        key=lambda e: (e.doc_id, e.start),
    )
    if len(group) > 1:
        lows = [i.fatalities_low if i.fatalities_low is not None else i.fatalities for i in group]
        highs = [i.fatalities_high if i.fatalities_high is not None else i.fatalities for i in group]
        lo, _ = _span(lows + [i.fatalities for i in group])
        _, hi = _span(highs + [i.fatalities for i in group])
        merged.fatalities_low, merged.fatalities_high = lo, hi
        known = sorted(i.fatalities for i in group if i.fatalities is not None)
        merged.fatalities = known[(len(known) - 1) // 2] if known else None  # median, low side
        injured = sorted(i.injured for i in group if i.injured is not None)
        merged.injured = injured[(len(injured) - 1) // 2] if injured else None
        dates = sorted((i.time_precision, i.event_date) for i in group if i.event_date)
        if dates:
            merged.time_precision, merged.event_date = dates[0]
        for f in ("actor1", "actor1_class", "actor2", "actor2_class", "admin1", "admin2"):
            if getattr(merged, f) is None:
                setattr(merged, f, next((getattr(i, f) for i in group if getattr(i, f)), None))
        precise = min(group, key=lambda i: i.geo_precision)
        if precise.geo_precision < merged.geo_precision:
            for f in ("location", "lat", "lon", "place_id", "place_name", "admin1", "admin2", "geo_precision"):
                setattr(merged, f, getattr(precise, f))
    merged.id = incident_id(base)
    return merged


def incident_id(inc: Incident) -> str:
    """Return a stable id: a hash of the incident's type, place, figures and earliest evidence.

    The evidence is identified by the document's file name (not its folder), the sentence and
    its offset, so the id is the same whichever way the inputs are named on the command line.
    The incident's own date and fatalities are part of the key, since one sentence can report
    two incidents ("13 killed on Thursday, a day after 99 died").
    """
    first = _first(inc)
    key = "|".join(
        str(x)
        for x in (
            inc.event_type, inc.sub_event_type, inc.scope, inc.cumulative,
            inc.place_id or inc.country_code, inc.event_date, inc.fatalities,
            _doc_name(first.doc_id) if first else "", first.start if first else "",
            first.sentence if first else inc.notes,
        )
    )
    return "gm-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


#: Size of the grid cells that index located incidents, in degrees. Neighbouring cells are
#: searched too, so the merge radius (10 km by default) must stay under one cell: 0.15 deg of
#: latitude is 16.7 km, and cells are 0.3 deg of longitude wide (16.7 km or more up to 60 deg).
_CELL_DEG = 0.15


def _bucket_keys(inc: Incident) -> tuple[list[tuple], list[tuple]]:
    """Return ``(own keys, search keys)`` of an incident in the merge index.

    Country-level figures have one key per country. A located incident is filed under its grid
    cell and its place id, and looks in the 9 cells around it and under its place id, which
    keeps merging close to linear in the number of incidents.
    """
    base = (inc.scope, inc.cumulative, inc.country_code)
    if inc.scope == "country" or inc.lat is None or inc.lon is None:
        key = (*base, None, None)
        return [key], [key]
    cx, cy = math.floor(inc.lon / (2 * _CELL_DEG)), math.floor(inc.lat / _CELL_DEG)
    own = [(*base, cx, cy), (*base, "place", inc.place_id)]
    near = [(*base, cx + dx, cy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    return own, near + [own[1]]


def _undated_key(inc: Incident) -> str:
    """Return the key that groups undated incidents: scope, flag, country and place."""
    place = "" if inc.scope == "country" else inc.place_id or f"{inc.lat},{inc.lon}"
    return f"{inc.scope}|{int(inc.cumulative)}|{inc.country_code or ''}|{place}"


def merge_incidents(incidents: Iterable[Incident], **kwargs) -> list[Incident]:
    """Merge reports of the same incident.

    Parameters
    ----------
    incidents : iterable of Incident
        Extracted incidents, from one or many reports (order does not matter).
    **kwargs
        ``radius_km``, ``days``, ``ratio`` passed to :func:`same_incident`.

    Returns
    -------
    list of Incident
        Merged incidents with stable ids, by partition (:meth:`IncidentSpool.partitions`: a
        country's national figures, then each cluster of places), then date (undated last),
        then id. The result does not depend on the input order.
    """
    with IncidentSpool() as spool:
        spool.add(incidents)
        return list(spool.merged(**kwargs))


def merge_sorted(chunks: Iterable[tuple[int | None, list[Incident]]], tolls: Iterable[Incident] = (),
                 **kwargs) -> Iterator[Incident]:
    """Merge incidents that arrive one day at a time, in bounded memory; yield them in order.

    Parameters
    ----------
    chunks : iterable of (day, incidents)
        The dated incidents grouped by day (:func:`_ordinal` of ``event_date``), days
        ascending, then the undated ones as ``(None, incidents)`` chunks, one per
        :func:`_undated_key`; undated cumulative tolls excepted.
    tolls : iterable of Incident
        The undated cumulative tolls (few: one per report at most). Each joins the first dated
        toll group it matches as that group completes; the rest merge among themselves.
    **kwargs
        ``radius_km``, ``days``, ``ratio`` passed to :func:`same_incident`.

    Yields
    ------
    Incident
        Merged incidents with stable, unique ids: dated ones by date, then id; then each
        undated chunk's, by id.

    Notes
    -----
    An incident only joins a group whose every member it matches, and a member more than
    ``max(days, 7)`` days before it never matches, so a group is complete (and leaves memory)
    once the stream has moved that far past its earliest member. Memory is bounded by the
    incidents of such a window, not by the corpus.
    """
    days = int(kwargs.get("days", 1))
    horizon = max(days, 7)
    merger = _Window(kwargs, days, sorted(tolls, key=_order_key))
    pending: list[tuple[str, str, int, Incident]] = []  # heap of complete groups, by date and id
    seq = itertools.count()
    dated = True
    for day, items in chunks:
        if day is None:
            if dated:
                yield from _drain(pending, merger.close_all(), None, seq)
                dated = False
            yield from _merge_undated(items, kwargs)
            continue
        yield from _drain(pending, merger.close_before(day - horizon), day - horizon, seq)
        for inc in sorted(items, key=_order_key):
            merger.add(inc, day)
    if dated:
        yield from _drain(pending, merger.close_all(), None, seq)
    left: dict[str, list[Incident]] = {}
    for toll in merger.tolls:
        left.setdefault(_undated_key(toll), []).append(toll)
    for key in sorted(left):
        yield from _merge_undated(left[key], kwargs)


def _drain(heap: list, done: list[Incident], below: int | None, seq) -> Iterator[Incident]:
    """Queue complete groups; yield, in (date, id) order, those dated before day ``below``."""
    for inc in done:
        heapq.heappush(heap, (inc.event_date or "", inc.id, next(seq), inc))
    while heap and (below is None or (_ordinal(heap[0][0]) or 0) < below):
        yield heapq.heappop(heap)[3]


class _Window:
    """The open groups of a day-ordered merge, indexed by bucket key, member day and report."""

    def __init__(self, kwargs: dict, days: int, tolls: list[Incident]) -> None:
        self.kwargs = kwargs
        self.tolls = tolls  # undated cumulative tolls not yet in a group
        self.days = days
        self.horizon = max(days, 7)
        self.groups: dict[int, _Group] = {}
        self.first_day: dict[int, int] = {}
        self.filed: dict[int, set[tuple]] = {}
        self.index: dict[tuple, dict[int, _DocIndex]] = {}
        self.ids: dict[str, int] = {}  # ids given, with the day they were given
        self.next_gid = 0

    def add(self, inc: Incident, day: int) -> None:
        """Put ``inc`` in the first open group it matches entirely, or in a new one."""
        own, search = _bucket_keys(inc)
        window = self.horizon if inc.cumulative else self.days
        near: set[int] = set()
        for key in search:
            by_day = self.index.get(key)
            if by_day:
                for d in range(day - window, day + window + 1):
                    docs = by_day.get(d)
                    if docs is not None:
                        docs.candidates(inc, near)
        target = next((g for g in sorted(near) if self.groups[g].accepts(inc, self.kwargs)), None)
        if target is None:
            target = self.next_gid
            self.next_gid += 1
            self.groups[target] = _Group()
            self.first_day[target] = day
            self.filed[target] = set()
        self.groups[target].add(inc)
        filed = self.filed[target]
        for key in own:
            entries = self.index.setdefault(key, {}).setdefault(day, _DocIndex()).add(target, inc)
            filed.update((key, day, doc, k) for doc, k in entries)

    def close_before(self, day: int) -> list[Incident]:
        """Return the merged groups whose first member is before ``day`` (they are complete)."""
        done = [g for g, first in self.first_day.items() if first < day]
        out = [self._close(g) for g in done]
        for i in [i for i, d in self.ids.items() if d < day - 2 * self.horizon]:
            del self.ids[i]
        return out

    def close_all(self) -> list[Incident]:
        """Return every open group, merged."""
        out = [self._close(g) for g in sorted(self.groups)]
        self.ids.clear()
        return out

    def _close(self, gid: int) -> Incident:
        for key, day, doc, k in self.filed.pop(gid):
            by_day = self.index[key]
            by_day[day].discard(gid, doc, k)
            if not by_day[day]:
                del by_day[day]
                if not by_day:
                    del self.index[key]
        first = self.first_day.pop(gid)
        group = self.groups.pop(gid)
        members = group.members
        if self.tolls and members[0].cumulative:
            for toll in list(self.tolls):
                if group.accepts(toll, self.kwargs):
                    group.add(toll)
                    self.tolls.remove(toll)
        merged = _combine(members)
        _unique_id(merged, self.ids, first)
        return merged


def _unique_id(inc: Incident, seen: dict[str, int], day: int) -> None:
    """Give ``inc`` a ``-2``, ``-3``... suffix when another incident already has its id."""
    base, n = inc.id, 1
    while inc.id in seen:
        n += 1
        inc.id = f"{base}-{n}"
    seen[inc.id] = day


def _merge_undated(items: list[Incident], kwargs: dict) -> list[Incident]:
    """Merge undated incidents of one place (or country): first fit, complete linkage."""
    groups: list[_Group] = []
    index = _DocIndex()
    for inc in sorted(items, key=_order_key):
        near: set[int] = set()
        index.candidates(inc, near)
        target = next((g for g in sorted(near) if groups[g].accepts(inc, kwargs)), None)
        if target is None:
            target = len(groups)
            groups.append(_Group())
        groups[target].add(inc)
        index.add(target, inc)
    merged = sorted((_combine(g.members) for g in groups), key=lambda i: (i.id, _order_key(i)))
    seen: dict[str, int] = {}
    for inc in merged:
        _unique_id(inc, seen, 0)
    return merged


_FIELDS = tuple(f.name for f in dataclasses.fields(Incident))
_EVIDENCE_FIELDS = tuple(f.name for f in dataclasses.fields(Evidence))
_SOURCES = _FIELDS.index("sources")


def _encode(inc: Incident) -> bytes:
    """Return an incident as compact bytes (plain tuples pickle and unpickle 2-3x faster)."""
    values = [getattr(inc, f) for f in _FIELDS]
    values[_SOURCES] = [tuple(getattr(e, f) for f in _EVIDENCE_FIELDS) for e in inc.sources]
    return pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(blob: bytes) -> Incident:
    values = pickle.loads(blob)
    values[_SOURCES] = [Evidence(*e) for e in values[_SOURCES]]
    return Incident(*values)


def _location_key(inc: Incident) -> str:
    """Return ``scope|cumulative|country|place|lat,lon``: what decides which incidents may merge."""
    base = f"{inc.scope}|{int(inc.cumulative)}|{inc.country_code or ''}"
    if inc.scope == "country" or inc.lat is None or inc.lon is None:
        return f"{base}||"
    return f"{base}|{inc.place_id or ''}|{inc.lat!r},{inc.lon!r}"


def _components(keys: list[str], radius_km: float) -> dict[str, str]:
    """Return ``{location key: partition}``: locations that could ever merge share a partition.

    Two located incidents can only merge when they share scope, flag and country and have the
    same place or lie within ``radius_km`` in neighbouring cells of the merge index (see
    :func:`_bucket_keys`); the partitions are the connected components of that relation, named
    by their smallest key. Country-level incidents form one partition per scope, flag and country.
    """
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    cells: dict[tuple, list[tuple[str, float, float]]] = {}
    by_place: dict[tuple, str] = {}
    for k in sorted(keys):
        base, place, point = k.rsplit("|", 2)
        if not point:
            continue
        lat, lon = (float(v) for v in point.split(","))
        if (base, place) in by_place and place:
            union(k, by_place[(base, place)])
        by_place.setdefault((base, place), k)
        cx, cy = math.floor(lon / (2 * _CELL_DEG)), math.floor(lat / _CELL_DEG)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other, olat, olon in cells.get((base, cx + dx, cy + dy), ()):
                    if haversine_km(lat, lon, olat, olon) <= radius_km:
                        union(k, other)
        cells.setdefault((base, cx, cy), []).append((k, lat, lon))
    return {k: find(k) for k in keys}


class IncidentSpool:
    """Extracted incidents kept on disk until merging, so a run's memory does not grow with them.

    Incidents are pickled into an SQLite file in a private temporary folder (about 0.5 KB each),
    split into partitions that merge independently (:meth:`partitions`) and read back one
    partition and one day at a time, in the order :func:`merge_sorted` needs
    (:func:`merge_part`, which worker processes can run on the same file). Use as a context
    manager; the folder is removed on exit.

    Parameters
    ----------
    folder : path, optional
        Where to create the temporary folder (default: the system's temporary directory).
    """

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="geomap-spool-", dir=folder)
        self.path = os.path.join(self._dir.name, "incidents.sqlite")
        self._con = sqlite3.connect(self.path)
        self._con.execute("PRAGMA journal_mode=OFF")
        self._con.execute("PRAGMA synchronous=OFF")
        self._con.execute("CREATE TABLE raw (day INTEGER, place TEXT, toll INTEGER, loc TEXT, blob BLOB, "
                          "part TEXT)")
        self._con.execute("CREATE TABLE parts (loc TEXT PRIMARY KEY, part TEXT)")
        self._n = 0

    def __enter__(self) -> IncidentSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return self._n

    @staticmethod
    def rows(incidents: Iterable[Incident]) -> list[tuple]:
        """Return incidents as spool rows (worker processes encode them, the spool only stores)."""
        out = []
        for inc in incidents:
            day = _ordinal(inc.event_date)
            out.append((day, _undated_key(inc) if day is None else None, int(day is None and inc.cumulative),
                        _location_key(inc), _encode(inc)))
        return out

    def add(self, incidents: Iterable[Incident]) -> None:
        """Store extracted (unmerged) incidents."""
        self.add_rows(self.rows(incidents))

    def add_rows(self, rows: list[tuple]) -> None:
        """Store rows made by :meth:`rows`."""
        self._con.executemany("INSERT INTO raw VALUES (?, ?, ?, ?, ?, NULL)", rows)
        self._n += len(rows)

    def partitions(self, radius_km: float = 10.0) -> list[tuple[str, int]]:
        """Split the incidents into partitions that merge independently; return them, sorted.

        Returns
        -------
        list of (str, int)
            Partition names (sorted) and their numbers of incidents. Merging each partition
            with :func:`merge_part` (in any process, in any order) and concatenating the
            results in this order gives what :func:`merge_incidents` gives.
        """
        keys = [k for (k,) in self._con.execute("SELECT DISTINCT loc FROM raw")]
        self._con.execute("DELETE FROM parts")
        self._con.executemany("INSERT INTO parts VALUES (?, ?)", _components(keys, radius_km).items())
        self._con.execute("UPDATE raw SET part = (SELECT part FROM parts WHERE parts.loc = raw.loc)")
        self._con.execute("CREATE INDEX IF NOT EXISTS raw_part ON raw (part, toll, day, place)")
        self._con.commit()
        return list(self._con.execute("SELECT part, COUNT(*) FROM raw GROUP BY part ORDER BY part"))

    def merged(self, **kwargs) -> Iterator[Incident]:
        """Yield the merged incidents, as :func:`merge_incidents` would return them."""
        for part, _ in self.partitions(kwargs.get("radius_km", 10.0)):
            yield from merge_part(self.path, part, **kwargs)

    def close(self) -> None:
        """Remove the temporary folder."""
        self._con.close()
        self._dir.cleanup()


def merge_part(path: str | os.PathLike, part: str, **kwargs) -> Iterator[Incident]:
    """Merge one partition of a spool file (see :meth:`IncidentSpool.partitions`); yield in order.

    Dated incidents come first, by date, then id; then undated ones, by id. Read-only: worker
    processes may merge several partitions of one spool at once.
    """
    with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as con:
        select = "SELECT {0}, blob FROM raw WHERE part = ? AND {1} ORDER BY {0}, rowid"

        def chunks(column: str, where: str) -> Iterator[tuple[int | None, list[Incident]]]:
            rows = con.execute(select.format(column, where), (part,))
            for key, group in itertools.groupby(rows, key=lambda r: r[0]):
                yield (key if column == "day" else None), [_decode(blob) for _, blob in group]

        # each query walks the (part, toll, day, place) index in its own order: no sorting
        tolls = [inc for _, chunk in chunks("place", "toll = 1 AND day IS NULL") for inc in chunk]
        stream = itertools.chain(chunks("day", "toll = 0 AND day IS NOT NULL"),
                                 chunks("place", "toll = 0 AND day IS NULL"))
        undated: list[Incident] = []
        for inc in merge_sorted(stream, tolls=tolls, **kwargs):
            if inc.event_date is not None:
                yield inc
            else:
                undated.append(inc)
        yield from sorted(undated, key=lambda i: i.id)
