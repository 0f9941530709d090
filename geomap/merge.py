"""Merge reports of the same incident, keeping every report as evidence.

Two extracted incidents are the same event when they have the same event type, the same scope
and cumulative flag, places that match (same gazetteer entry, or within ``radius_km``; for
country figures the same country), dates within ``days`` (cumulative tolls: within a week) and
compatible counts (fatalities within a factor of ``ratio``, or one unknown). Incidents from one
report merge only when they repeat each other (same place, type and date).

The merged incident keeps the sources of all, spans ``fatalities_low``/``fatalities_high``
over the reports' figures, and gets a stable id derived from its earliest evidence.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from collections.abc import Iterable

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


def _types_compatible(a: Incident, b: Incident) -> bool:
    """Same event type and sub-event type: a shelling and an air strike are two incidents.

    A report that gives only a toll ("92 dead in Houla", no word on how) has no type evidence;
    it is compatible with a typed report of the same toll, place and day.
    """
    if (a.event_type, a.sub_event_type) == (b.event_type, b.sub_event_type):
        return True
    return (not a.typed or not b.typed) and a.fatalities is not None and b.fatalities is not None


def same_incident(a: Incident, b: Incident, *, radius_km: float = 10.0, days: int = 1, ratio: float = 1.6) -> bool:
    """Return True when two extracted incidents describe the same event."""
    if (a.scope, a.cumulative) != (b.scope, b.cumulative) or not _types_compatible(a, b):
        return False
    if a.scope == "country":
        if a.country_code != b.country_code:
            return False
    elif a.place_id != b.place_id and _km(a, b) > radius_km:
        return False
    gap = _days(a, b)
    limit = 7 if a.cumulative else days
    if gap is not None and gap > limit:
        return False
    if (a.event_date is None) != (b.event_date is None) and not a.cumulative:
        # one report dated, the other not: only merge when the counts agree exactly
        if a.fatalities != b.fatalities:
            return False
    same_doc = {e.doc_id for e in a.sources} & {e.doc_id for e in b.sources}
    if same_doc:
        # a headline and its story, or a toll repeated: same place and type, same count
        dates_ok = a.event_date == b.event_date or max(a.time_precision, b.time_precision) >= 2
        return (
            a.place_id == b.place_id and dates_ok and a.event_type == b.event_type
            and a.fatalities == b.fatalities and (a.injured is None or b.injured is None or a.injured == b.injured)
        )
    if a.scope == "country" and not a.cumulative and a.fatalities is not None and b.fatalities is not None:
        return a.fatalities == b.fatalities or _counts_compatible(a.fatalities, b.fatalities, 1.25)
    return _counts_compatible(a.fatalities, b.fatalities, 1.25 if a.cumulative else ratio)


def _span(values: Iterable[int | None]) -> tuple[int | None, int | None]:
    vals = [v for v in values if v is not None]
    return (min(vals), max(vals)) if vals else (None, None)


def _combine(group: list[Incident]) -> Incident:
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
        Merged incidents with stable ids, sorted by date, then id. The result does not
        depend on the input order.
    """
    items = sorted(incidents, key=_order_key)
    groups: list[list[Incident]] = []
    buckets: dict[tuple, set[int]] = {}
    # Index of each bucket's groups by the days of their dated members, and the set of groups
    # with no dated member: a dated incident only needs to be compared with the groups that have
    # a member within the date window, or none dated (every member must match, see same_incident).
    days = int(kwargs.get("days", 1))
    by_day: dict[tuple, dict[int, set[int]]] = {}
    undated: dict[tuple, set[int]] = {}
    for inc in items:
        own, search = _bucket_keys(inc)
        day = _ordinal(inc.event_date)
        window = max(days, 7) if inc.cumulative else days
        near: set[int] = set()
        for key in search:
            if day is None:
                near.update(buckets.get(key, ()))
            else:
                near.update(undated.get(key, ()))
                days_index = by_day.get(key, {})
                for d in range(day - window, day + window + 1):
                    near.update(days_index.get(d, ()))
        target = None
        for gi in sorted(near):
            if all(same_incident(inc, other, **kwargs) for other in groups[gi]):
                target = gi
                break
        if target is None:
            target = len(groups)
            groups.append([inc])
        else:
            groups[target].append(inc)
        for key in own:  # file the group under this member's keys too
            buckets.setdefault(key, set()).add(target)
            if day is None:
                if not any(_ordinal(m.event_date) is not None for m in groups[target]):
                    undated.setdefault(key, set()).add(target)
            else:
                undated.get(key, set()).discard(target)
                by_day.setdefault(key, {}).setdefault(day, set()).add(target)
    merged = [_combine(g) for g in groups]
    merged.sort(key=lambda i: (i.id, _order_key(i)))
    seen: dict[str, int] = {}
    for inc in merged:  # two different incidents never share an id
        n = seen.get(inc.id, 0)
        seen[inc.id] = n + 1
        if n:
            inc.id = f"{inc.id}-{n + 1}"
    merged.sort(key=lambda i: (i.event_date or "9999", i.id))
    return merged
