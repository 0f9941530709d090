"""Merging reports of the same incident: what merges, what never does, order and id stability."""

from __future__ import annotations

import itertools
import random

import pytest

from geomap.merge import incident_id, merge_incidents, same_incident
from geomap.schema import Evidence, Incident
from tests.conftest import needs_shared

HOMS = (34.72405, 36.72559)
BAB_AMR = (34.71083, 36.69111)  # ~3 km from Homs centre
RASTAN = (34.92667, 36.73241)  # ~22 km from Homs


def _ev(doc: str, start: int = 0, sentence: str | None = None) -> Evidence:
    name = doc.rsplit("/", 1)[-1]
    return Evidence(doc, "Wire", None, None, None, sentence or f"{name} sentence {start}", start, start + 50)


def _inc(doc: str, *, start: int = 0, at=HOMS, place: str = "homs", date: str | None = "2012-02-18",
         fatalities: int | None = None, etype=("Explosions/Remote violence", "Shelling/artillery/missile attack"),
         **kw) -> Incident:
    lat, lon = at if at else (None, None)
    scope = kw.pop("scope", "place" if at else "country")
    return Incident(etype[0], etype[1], scope, place, lat, lon, place_id=place if at else "163843",
                    place_name=place, country_code="SY", event_date=date, time_precision=1 if date else 3,
                    fatalities=fatalities, fatalities_low=kw.pop("low", None), fatalities_high=kw.pop("high", None),
                    sources=[_ev(doc, start)], **kw)


def _toll(doc: str, n: int, date: str = "2012-07-06") -> Incident:
    return _inc(doc, at=None, place="Syria", date=date, fatalities=n, cumulative=True,
                etype=("Violence against civilians", "Attack"))


def _summary(merged: list[Incident]) -> list[tuple]:
    return [(m.id, m.event_date, m.fatalities, m.fatalities_low, m.fatalities_high, m.place_id,
             tuple((e.doc_id, e.start) for e in m.sources)) for m in merged]


# -- what merges ----------------------------------------------------------------------------------
def test_same_event_from_two_reports_merges():
    a = _inc("afp/1.txt", fatalities=12, start=40)
    b = _inc("aljazeera/7.txt", fatalities=15, start=3)
    assert same_incident(a, b)
    [m] = merge_incidents([a, b])
    assert {e.doc_id for e in m.sources} == {"afp/1.txt", "aljazeera/7.txt"} and m.n_sources == 2
    assert (m.fatalities_low, m.fatalities_high) == (12, 15)
    assert m.fatalities in (12, 15)


def test_cumulative_tolls_from_two_outlets_merge_low_high():
    m = merge_incidents([_toll("bbc/4.txt", 15800), _toll("afp/3.txt", 16500)])
    assert len(m) == 1
    assert (m[0].fatalities_low, m[0].fatalities_high) == (15800, 16500)
    assert m[0].cumulative and {e.doc_id for e in m[0].sources} == {"bbc/4.txt", "afp/3.txt"}


def test_every_source_kept_and_ranges_span_reported_ranges():
    a = _inc("a.txt", fatalities=10, low=8, high=12)
    b = _inc("b.txt", fatalities=11, start=9)
    c = _inc("c.txt", fatalities=None, start=4, at=BAB_AMR, place="bab-amr")  # 3 km away, unknown count
    [m] = merge_incidents([a, b, c])
    assert [e.doc_id for e in m.sources] == ["a.txt", "b.txt", "c.txt"]
    assert (m.fatalities_low, m.fatalities_high) == (8, 12)


def test_one_report_repeating_itself_merges():
    a = _inc("a.txt", start=10, fatalities=5)
    b = _inc("a.txt", start=200, fatalities=5)
    [m] = merge_incidents([a, b])
    assert [e.start for e in m.sources] == [10, 200] and m.n_sources == 1


def test_a_headline_and_its_story_merge_though_they_name_the_attack_differently():
    bombs = "Explosions/Remote violence"
    headline = _inc("a.txt", start=0, fatalities=55, etype=(bombs, "Suicide bomb"))
    story = _inc("a.txt", start=80, fatalities=55, injured=372, etype=(bombs, "Remote explosive/landmine/IED"))
    wire = _inc("b.txt", fatalities=55, injured=400, etype=(bombs, "Remote explosive/landmine/IED"))
    [m] = merge_incidents([headline, story, wire])
    assert [(e.doc_id, e.start) for e in m.sources] == [("a.txt", 0), ("a.txt", 80), ("b.txt", 0)]
    assert m.sub_event_type == "Suicide bomb" and m.fatalities == 55


def test_a_report_and_its_headline_merge_only_when_they_agree_on_the_event_type():
    headline = _inc("a.txt", start=0, fatalities=5, etype=("Battles", "Armed clash"))
    story = _inc("a.txt", start=80, fatalities=5)
    assert len(merge_incidents([headline, story])) == 2


def test_a_range_and_a_figure_beyond_it_merge_when_near():
    rng = _inc("a.txt", fatalities=500, low=500, high=1300)
    near = _inc("b.txt", fatalities=1429)  # 1,429 is within the ratio of the range's high end
    far = _inc("c.txt", fatalities=2500, start=7)
    assert same_incident(rng, near) and same_incident(near, rng)
    assert not same_incident(rng, far) and not same_incident(_inc("d.txt", fatalities=500), near)


def test_a_more_precise_report_moves_the_pin():
    vague = _inc("a.txt", fatalities=5, geo_precision=2)
    precise = _inc("b.txt", fatalities=5, at=BAB_AMR, place="bab-amr", geo_precision=1)
    [m] = merge_incidents([vague, precise])
    assert (m.place_id, m.lat, m.geo_precision) == ("bab-amr", BAB_AMR[0], 1)


# -- what never merges ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "b",
    [
        _inc("b.txt", at=RASTAN, place="rastan", fatalities=5),  # > 10 km apart
        _inc("b.txt", date="2012-02-20", fatalities=5),  # 2 days apart
        _inc("b.txt", fatalities=5, etype=("Battles", "Armed clash")),  # another type
        _inc("b.txt", fatalities=5, etype=("Explosions/Remote violence", "Air/drone strike")),  # sub-type
        _inc("b.txt", fatalities=60),  # incompatible counts
        _inc("b.txt", fatalities=0),  # none killed vs five killed
        _inc("b.txt", fatalities=5, cumulative=True),  # a toll is not an event
    ],
    ids=["place-22km", "2-days", "type", "sub-type", "counts-5-60", "counts-5-0", "cumulative"],
)
def test_never_merges(b):
    a = _inc("a.txt", fatalities=5)
    assert not same_incident(a, b) and not same_incident(b, a)
    assert len(merge_incidents([a, b])) == 2


def test_one_day_apart_and_near_places_do_merge():
    a = _inc("a.txt", fatalities=5)
    assert same_incident(a, _inc("b.txt", date="2012-02-19", fatalities=5))
    assert same_incident(a, _inc("b.txt", at=BAB_AMR, place="bab-amr", fatalities=6))


def test_tolls_too_far_apart_never_merge():
    assert len(merge_incidents([_toll("a.txt", 10000), _toll("b.txt", 16500)])) == 2
    assert len(merge_incidents([_toll("a.txt", 15800), _toll("b.txt", 16500, date="2012-08-01")])) == 2


def test_same_report_different_figures_stay_apart():
    # "13 killed on Thursday, a day after 99 died": one sentence, two incidents
    a = _inc("a.txt", start=100, at=None, place="Syria", date=None, fatalities=13,
             etype=("Violence against civilians", "Attack"))
    b = _inc("a.txt", start=100, at=None, place="Syria", date=None, fatalities=99,
             etype=("Violence against civilians", "Attack"))
    merged = merge_incidents([a, b])
    assert len(merged) == 2
    assert merged[0].id != merged[1].id  # ids are unique


def test_complete_linkage_no_chaining():
    # a~b and b~c (counts within x1.6) but a and c are not (x2.56): c must not join a and b
    a, b, c = _inc("a.txt", fatalities=10), _inc("b.txt", fatalities=16), _inc("c.txt", fatalities=26)
    groups = merge_incidents([a, b, c])
    for m in groups:
        figures = [i.fatalities for i in (a, b, c) if any(e.doc_id == i.sources[0].doc_id for e in m.sources)]
        assert max(figures) / min(figures) <= 1.6


# -- order and ids --------------------------------------------------------------------------------
def _mixed() -> list[Incident]:
    return [
        _inc("r/a.txt", fatalities=12, start=40),
        _inc("r/b.txt", fatalities=15, start=3),
        _inc("r/b.txt", fatalities=15, start=3, at=RASTAN, place="rastan"),
        _inc("r/c.txt", date="2012-02-21", fatalities=14),
        _inc("r/c.txt", start=80, fatalities=None, etype=("Battles", "Armed clash")),
        _toll("r/d.txt", 15800),
        _toll("r/e.txt", 16500),
        _toll("r/f.txt", 10000),
        _inc("r/g.txt", date=None, fatalities=12),
    ]


def test_result_independent_of_input_order():
    items = _mixed()
    expected = _summary(merge_incidents(items))
    rng = random.Random(7)
    for _ in range(50):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert _summary(merge_incidents(shuffled)) == expected
    for perm in itertools.islice(itertools.permutations(items[:6]), 200):
        assert _summary(merge_incidents(list(perm))) == _summary(merge_incidents(items[:6]))


def test_ids_stable_and_unique():
    first = merge_incidents(_mixed())
    again = merge_incidents(_mixed())
    assert [m.id for m in first] == [m.id for m in again]
    assert len({m.id for m in first}) == len(first)
    assert all(m.id.startswith("gm-") for m in first)
    # a known value: ids must not change between releases without notice
    assert incident_id(_inc("r/a.txt", fatalities=12, start=40)) == incident_id(
        _inc("r/a.txt", fatalities=12, start=40))


def test_ids_do_not_depend_on_how_the_folder_was_named():
    def run(prefix: str) -> list[str]:
        return [m.id for m in merge_incidents([_inc(f"{prefix}a.txt", fatalities=3),
                                               _toll(f"{prefix}b.txt", 100)])]

    assert run("reports/") == run("./reports/") == run("/home/me/reports/") == run("")


def test_empty_and_sourceless():
    assert merge_incidents([]) == []
    bare = _inc("a.txt", fatalities=1)
    bare.sources = []
    [m] = merge_incidents([bare])
    assert m.id.startswith("gm-")


# -- the seed reports -----------------------------------------------------------------------------
@needs_shared
def test_seed_cumulative_tolls_merge(seed_incidents):
    tolls = seed_incidents[seed_incidents["cumulative"].fillna(False).astype(bool)
                           & (seed_incidents["country_code"] == "SY")]
    spans = {(r.fatalities_low, r.fatalities_high) for r in tolls.itertuples()}
    assert (15800, 16500) in spans, f"no merged 15,800-16,500 toll; got {spans}"
    merged = tolls[(tolls["fatalities_low"] == 15800) & (tolls["fatalities_high"] == 16500)].iloc[0]
    assert len({s["doc_id"] for s in merged["sources"]}) >= 2
    assert seed_incidents["id"].is_unique


# -- streaming: the spool and the day window ------------------------------------------------------
def _stream_mix() -> list[Incident]:
    """Incidents over 60 days at three places, with repeats, undated reports and tolls."""
    rng = random.Random(3)
    places = [("homs", HOMS), ("bab-amr", BAB_AMR), ("rastan", RASTAN)]
    out = []
    for n in range(240):
        place, at = places[n % 3]
        day = 1 + rng.randrange(60)
        date = None if n % 17 == 0 else f"2012-03-{day:02d}" if day <= 31 else f"2012-04-{day - 31:02d}"
        out.append(_inc(f"r/{n:03d}.txt", start=n, at=at, place=place, date=date,
                        fatalities=rng.choice([None, 3, 4, 5, 12])))
    out += [_toll("t/a.txt", 15800), _toll("t/b.txt", 16500, date=None), _toll("t/c.txt", 9000, date=None)]
    return out


def test_spool_gives_what_merge_incidents_gives():
    from geomap.merge import IncidentSpool

    items = _stream_mix()
    expected = _summary(merge_incidents(items))
    shuffled = items[:]
    random.Random(5).shuffle(shuffled)
    with IncidentSpool() as spool:
        for k in range(0, len(shuffled), 7):  # arrives in batches, in any order
            spool.add(shuffled[k : k + 7])
        assert len(spool) == len(items)
        assert _summary(list(spool.merged())) == expected
    from geomap.merge import _components, _location_key

    parts = _components([_location_key(i) for i in items], 10.0)
    keys = [(parts[_location_key(m)], m.event_date or "9999", m.id) for m in merge_incidents(items)]
    assert keys == sorted(keys)  # by partition, date (undated last), id
    assert len(set(parts.values())) == 3  # Homs and Bab Amr (3 km apart) merge; Rastan; the tolls


def test_partitions_merged_apart_give_the_whole():
    from geomap.merge import IncidentSpool, merge_part

    items = _stream_mix()
    with IncidentSpool() as spool:
        spool.add(items)
        parts = spool.partitions()
        assert sum(n for _, n in parts) == len(items)
        pieces = {part: list(merge_part(spool.path, part)) for part, _ in reversed(parts)}
        assert _summary([m for part, _ in parts for m in pieces[part]]) == _summary(merge_incidents(items))


def test_an_undated_toll_joins_a_dated_one_but_an_undated_event_stays_apart():
    [toll] = merge_incidents([_toll("a.txt", 15800), _toll("b.txt", 16500, date=None)])
    assert (toll.fatalities_low, toll.fatalities_high, toll.n_sources) == (15800, 16500, 2)
    dated, undated = _inc("a.txt", fatalities=5), _inc("b.txt", fatalities=5, date=None)
    assert not same_incident(dated, undated)
    assert len(merge_incidents([dated, undated])) == 2


def test_the_merge_window_is_bounded():
    """Groups leave memory a week after their first report: the stream is never held whole."""
    import datetime as dt

    from geomap.merge import merge_sorted

    first = dt.date(2012, 1, 1).toordinal()
    days = range(first, first + 400)
    items = {d: [_inc(f"r/{d}-{k}.txt", date=dt.date.fromordinal(d).isoformat(), fatalities=k + 1,
                      at=None, place="Syria") for k in range(3)] for d in days}
    out: list[Incident] = []
    behind = []

    def chunks():
        for d in days:
            # every report from 10 or more days back must be merged and out before day d is read
            due = sum(len(items[x]) for x in days if x <= d - 10)
            behind.append(due - sum(len(m.sources) for m in out))
            yield d, items[d]

    for inc in merge_sorted(chunks()):
        out.append(inc)
    assert sum(len(m.sources) for m in out) == 3 * len(days)
    assert max(behind) <= 0, max(behind)


# -- cost of merging one report that repeats itself -------------------------------------------
def _count_checks(monkeypatch) -> list[int]:
    """Count the calls the merge makes to :func:`same_incident`."""
    import geomap.merge as merge_mod

    calls = [0]
    real = merge_mod.same_incident

    def counting(a, b, **kw):
        calls[0] += 1
        return real(a, b, **kw)

    monkeypatch.setattr(merge_mod, "same_incident", counting)
    return calls


@pytest.mark.parametrize("date", ["2012-02-18", None])
def test_a_toll_repeated_thousands_of_times_costs_a_check_per_repeat(monkeypatch, date):
    """One group of n look-alike members: each newcomer is checked against one of them."""
    calls = _count_checks(monkeypatch)
    n = 2000
    [m] = merge_incidents([_inc("r.txt", start=13 * k, date=date, fatalities=12) for k in range(n)])
    assert len(m.sources) == n and m.fatalities == 12
    assert calls[0] < 2 * n, calls[0]  # one check per member would be n * (n - 1) / 2


@pytest.mark.parametrize("date", ["2012-02-18", None])
def test_distinct_tolls_of_one_report_are_not_compared_pairwise(monkeypatch, date):
    """A report's different tolls at one place never merge, and are never even compared."""
    calls = _count_checks(monkeypatch)
    n = 2000
    merged = merge_incidents([_inc("r.txt", start=13 * k, date=date, fatalities=k + 1) for k in range(n)])
    assert sorted(m.fatalities for m in merged) == list(range(1, n + 1))
    assert calls[0] < n, calls[0]


def test_another_report_still_joins_a_group_of_repeats(monkeypatch):
    """The shortcuts keep first-fit, complete-linkage results: other reports join as before."""
    calls = _count_checks(monkeypatch)
    repeats = [_inc("r.txt", start=13 * k, fatalities=12) for k in range(500)]
    other = [_inc("s.txt", fatalities=13), _inc("s.txt", start=99, fatalities=40)]
    merged = merge_incidents(repeats + other)
    assert sorted((m.fatalities, len(m.sources)) for m in merged) == [(12, 501), (40, 1)]
    assert calls[0] < 3 * 500
