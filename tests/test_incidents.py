"""Incident extraction: the seed acceptance points and the rules behind them."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap import incidents as imod
from geomap.incidents import extract_document, split_sentences
from geomap.quantities import fold_case
from geomap.schema import Document


def _rows(gdf):
    import pandas as pd

    return [{k: (None if not isinstance(v, (list, dict)) and pd.isna(v) else v) for k, v in r.items()}
            for r in gdf.drop(columns="geometry").to_dict("records")]


def _find(rows, **want):
    out = []
    for r in rows:
        if all((r.get(k) == v) if not callable(v) else v(r.get(k)) for k, v in want.items()):
            out.append(r)
    return out


def _doc(text, date=None, doc_id="t"):
    return Document(doc_id=doc_id, text=text, date=date)


# -- seed acceptance -------------------------------------------------------------------------


def test_maaret_al_numan_six_killed_shelling_by_government(seed_incidents):
    rows = _find(_rows(seed_incidents), place_name=lambda n: n and "Nu" in n)
    assert len(rows) == 1
    r = rows[0]
    assert r["fatalities"] == 6 and r["admin1"] == "Idleb" and r["scope"] == "place"
    assert r["event_type"] == "Explosions/Remote violence"
    assert r["sub_event_type"] == "Shelling/artillery/missile attack"
    assert r["actor1_class"] == "state forces"


def test_palmyra_one_killed(seed_incidents):
    rows = _find(_rows(seed_incidents), place_name="Tadmur")
    assert [r["fatalities"] for r in rows] == [1]


def test_homs_about_400_killed_1800_injured(seed_incidents):
    rows = _find(_rows(seed_incidents), place_name="Homs", fatalities=400)
    assert len(rows) == 1
    assert rows[0]["injured"] == 1800
    assert rows[0]["fatalities_high"] == 400  # "almost 400"


def test_shelling_in_bab_amr(seed_incidents):
    rows = _find(_rows(seed_incidents), place_name="Bab Amr")
    assert rows and rows[0]["sub_event_type"] == "Shelling/artillery/missile attack"
    assert rows[0]["geo_precision"] == 1


def test_mazzeh_three_killed(seed_incidents):
    rows = _find(_rows(seed_incidents), place_name="Mazzeh")
    assert [r["fatalities"] for r in rows] == [3]
    assert rows[0]["admin1"] == "Damascus"


def test_car_bomb_near_damascus_14_injured(seed_incidents):
    rows = _find(_rows(seed_incidents), injured=14)
    assert len(rows) == 1
    assert rows[0]["place_name"] == "Damascus"
    assert rows[0]["sub_event_type"] == "Remote explosive/landmine/IED"


def test_clashes_in_homs_and_rastan_four_killed(seed_incidents):
    rows = _rows(seed_incidents)
    clashes = _find(rows, event_type="Battles", place_name=lambda n: n in ("Homs", "Ar Rastan"))
    assert {r["place_name"] for r in clashes} >= {"Homs", "Ar Rastan"}
    assert sum(r["fatalities"] or 0 for r in clashes if r["fatalities"] != 400) == 4


def test_national_tolls_are_country_scope_without_pins(seed_incidents):
    rows = _rows(seed_incidents)
    for toll in (13, 99, 53):
        found = _find(rows, fatalities=toll)
        assert len(found) == 1, toll
        assert found[0]["scope"] == "country" and found[0]["country_code"] == "SY"
        assert found[0]["cumulative"] is False
        assert found[0]["latitude"] is None
    assert seed_incidents[seed_incidents["scope"] == "country"].geometry.isna().all()


def test_cumulative_tolls_flagged_and_merged(seed_incidents):
    rows = _find(_rows(seed_incidents), cumulative=True, event_type=lambda t: t != "Strategic developments")
    lows_highs = {(r["fatalities_low"], r["fatalities_high"]) for r in rows}
    assert (15800, 16500) in lows_highs  # AFP 16,500 and BBC 15,800, one merged incident
    merged = next(r for r in rows if r["fatalities_high"] == 16500)
    assert merged["n_sources"] == 3 and len({s["doc_id"] for s in merged["sources"]}) == 3
    assert any(r["fatalities"] == 10000 for r in rows)
    assert all(r["scope"] == "country" and r["latitude"] is None for r in rows)


def test_no_casualty_incident_in_diplomatic_places(seed_incidents):
    rows = _rows(seed_incidents)
    for name in ("Paris", "Geneva", "Tunis", "Istanbul", "Beijing", "Moscow", "Mogadishu"):
        assert not [r for r in rows if r["place_name"] == name and (r["fatalities"] or r["injured"])], name


def test_nothing_from_person_names(seed_incidents):
    places = {r["place_name"] for r in _rows(seed_incidents)}
    assert not places & {"Clinton", "Annan", "Harrison", "Kirby", "‘Ein el Asad", "Rasmussen"}


def test_every_incident_has_evidence(seed_incidents):
    for r in _rows(seed_incidents):
        assert r["sources"] and r["notes"]
        for s in r["sources"]:
            assert s["end"] > s["start"] and s["sentence"]


# -- rules -----------------------------------------------------------------------------------


def test_report_date_and_relative_weekday(gaz):
    text = "Syria report\nLast updated: July 6, 2012\n\nShelling killed five people in Homs on Thursday."
    inc = extract_document(_doc(text), gaz)[0]
    assert inc.event_date == "2012-07-05" and inc.time_precision == 1


def test_no_date_invented(gaz):
    inc = extract_document(_doc("Shelling killed five people in Homs on Thursday."), gaz)[0]
    assert inc.event_date is None


def test_late_last_month_is_month_precision(gaz):
    text = "Published 18 Feb 2012\n\nSoldiers fired on demonstrators in Aleppo late last month, killing 4 people."
    inc = extract_document(_doc(text), gaz)[0]
    assert inc.event_date and inc.event_date.startswith("2012-01") and inc.time_precision == 3


def test_killed_vs_wounded_vs_breakdown(gaz):
    text = "At least 53 people were killed across Syria on Friday -- 35 civilians, 14 soldiers and four rebels."
    incs = extract_document(_doc(text, "2012-07-06"), gaz)
    assert [i.fatalities for i in incs] == [53]
    text = "A car bomb in Damascus killed six people and wounded 14."
    inc = extract_document(_doc(text), gaz)[0]
    assert (inc.fatalities, inc.injured) == (6, 14)


def test_non_casualty_numbers_are_ignored(gaz):
    text = (
        "Some 100 nations met in Paris to back the six-point plan under Chapter 7. "
        "A pilot landed his MiG-21 in Jordan in 2012."
    )
    incs = extract_document(_doc(text), gaz)
    assert all(i.fatalities is None and i.injured is None for i in incs)


def test_page_furniture_makes_no_incident(gaz):
    text = (
        "Shelling killed two people in Homs.\n\nFeatured on Example News\n"
        "At least 25 tax collectors have been killed in Mogadishu.\n"
    )
    incs = extract_document(_doc(text), gaz)
    assert [i.place_name for i in incs] == ["Homs"]
    assert len(split_sentences(text)) == 1


def test_since_the_uprising_is_cumulative_but_deadliest_since_is_not(gaz):
    incs = extract_document(_doc("More than 16,500 people have been killed since the uprising began."), gaz)
    assert incs and incs[0].cumulative and incs[0].scope == "country"
    incs = extract_document(
        _doc("Two bombs in Damascus killed 55 people, the deadliest attack since the uprising began."), gaz
    )
    assert incs[0].cumulative is False and incs[0].place_name == "Damascus"


def test_defection_to_a_country(gaz):
    incs = extract_document(_doc("A general defected to Turkey on Wednesday, a diplomat said."), gaz)
    assert incs and incs[0].sub_event_type == "Defection" and incs[0].country_code == "TR"
    assert incs[0].lat is None  # a country, not a pin


@pytest.mark.parametrize("n", [0, 1])
def test_deterministic(gaz, seed_docs, n):
    a = [i.notes for i in extract_document(seed_docs[n], gaz)]
    b = [i.notes for i in extract_document(seed_docs[n], gaz)]
    assert a == b


def test_dates_are_valid_iso(seed_incidents):
    for d in seed_incidents["event_date"].dropna():
        dt.date.fromisoformat(d)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_extraction_never_raises_and_evidence_is_inside(gaz, text):
    for inc in extract_document(_doc(text), gaz):
        for ev in inc.sources:
            assert 0 <= ev.start <= ev.end <= len(text)
            assert text[ev.start : ev.end] == ev.sentence


def test_vague_tolls_get_conservative_values_and_ranges(gaz):
    inc = extract_document(_doc("A car bomb in Zamalka killed dozens of mourners."), gaz)[0]
    assert (inc.fatalities, inc.fatalities_low, inc.fatalities_high) == (12, 12, 99)
    inc = extract_document(_doc("Shelling of Homs killed between 20 and 30 people."), gaz)[0]
    assert (inc.fatalities_low, inc.fatalities_high) == (20, 30)


def test_two_tolls_two_places_in_one_sentence(gaz):
    text = "Nineteen people died in the province of Deir ez-Zour, and six were killed in the town of Harak."
    incs = extract_document(_doc(text), gaz)
    by_place = {i.admin1: i.fatalities for i in incs if i.fatalities}
    assert by_place.get("Deir-ez-Zor") == 19 and by_place.get("Dar'a") == 6


def test_dateline_is_where_the_report_was_filed_not_the_event(gaz):
    incs = extract_document(_doc("DAMASCUS, Syria (AP) — Shelling in Homs killed 13 people on Thursday."), gaz)
    assert [(i.place_name, i.fatalities) for i in incs] == [("Homs", 13)]


def test_second_toll_a_day_earlier_at_its_own_place(gaz):
    text = "Published 6 July 2012\n\nAt least 13 people were killed in Homs on Thursday, a day after 99 died in Hama."
    got = {(i.place_name, i.fatalities, i.event_date) for i in extract_document(_doc(text), gaz)}
    assert ("Homs", 13, "2012-07-05") in got
    assert any(f == 99 and d == "2012-07-04" for _, f, d in got)


def test_a_lone_town_before_a_function_word_is_kept(gaz):
    incs = extract_document(_doc("Shelling hit Daraa on Monday, killing 3 people."), gaz)
    assert incs and incs[0].country_code == "SY" and incs[0].fatalities == 3


# -- the quick tests before the regexes never hide a match -----------------------------------

#: Words of the cue, role, actor and place regexes, mixed case, with the characters case
#: folding must get right (dotted capital I, dotless i, long s, the Kelvin sign).
_SOUP = st.lists(
    st.sampled_from(
        """killed Killed KILLED dead died deaths toll lives massacred executed shot gunned down
        bodies martyrs wounded injuries hurt displaced refugees fled sought refuge crossed into
        evacuated arrested detainees rounded up kidnapped regime forces government troops army
        the army soldiers shabiha pro-regime republican guard warplanes police Free Syrian Army
        FSA rebels rebel fighters opposition fighters armed groups gunmen nusra front al-Nusra
        defectors civilians people residents children family women villagers protesters
        mourners nationwide across the country Syria in several provinces in violence across
        since the uprising began start of in more than a year over the past six months in 16
        months of late last month mid last week said from speaking in -based visit to visiting
        of the by with told reporters in correspondent in suburb east of km north of the rose to
        reached stands at passed topped number of people killed image photo file photo Getty
        Images \u00a9 Mr. U.S. Gen. Sept. Dec. A. 1. said on announced since began after
        \u0130 \u0131 \u017f \u212a \u017fhelling K\u0131lled \u0130njured \u00e9 , . ; : \n \t
        \u00a0""".split(" ")
    ),
    max_size=14,
).map(lambda words: " ".join(words) if len(words) % 3 else "".join(words))

_STEMMED = [
    (imod._KILL_RE, imod._KILL_STEMS), (imod._WOUND_RE, imod._WOUND_STEMS),
    (imod._DISPLACE_RE, imod._DISPLACE_STEMS), (imod._ARREST_RE, imod._ARREST_STEMS),
    (imod._STATE_RE, imod._STATE_STEMS), (imod._REBEL_RE, imod._REBEL_STEMS),
    (imod._CIVILIAN_RE, imod._CIVILIAN_STEMS), (imod._PROTESTER_RE, imod._PROTESTER_STEMS),
    (imod._NATIONWIDE_RE, imod._NATIONWIDE_STEMS), (imod._CUMULATIVE_RE, imod._CUMULATIVE_STEMS),
    (imod._MONTH_PERIOD_RE, ("month",)), (imod._LAST_WEEK_RE, ("last week",)),
    (imod._DATE_AFTER_CUE_RE, imod._DATE_AFTER_CUE_STEMS),
]  # fmt: skip
_ENDINGS = [
    (imod._NOT_EVENT_PLACE_RE, imod._NOT_EVENT_PLACE_LAST), (imod._REFERENCE_RE, ("of", "the")),
    (imod._DATE_SAID_RE, imod._DATE_SAID_LAST), (imod._TOLL_BEFORE_RE, imod._TOLL_VERB_LAST),
]  # fmt: skip


def _check_quick_tests(text: str) -> None:
    low = fold_case(text)
    for rx, stems in _STEMMED:
        if rx.search(text):
            assert imod._has_stem(low, stems), (rx.pattern, text)
    for cut in range(len(text) + 1):
        head = text[:cut]
        for rx, endings in _ENDINGS:
            if rx.search(head):
                assert fold_case(head.rstrip()).endswith(endings), (rx.pattern, head)
    for line in text.splitlines():
        stripped = line.strip()
        assert imod._is_caption(stripped[:80]) == bool(imod._CAPTION_RE.search(stripped[:80]))
        chunk = stripped.rstrip()
        assert imod._ends_with_abbreviation(chunk) == bool(imod._ABBREV_END_RE.search(chunk))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_SOUP)
def test_quick_tests_never_hide_a_match(text: str) -> None:
    _check_quick_tests(text)


def test_quick_tests_never_hide_a_match_in_the_samples() -> None:
    from geomap.ingest import read_documents
    from geomap.pipeline import sample_dir

    docs, _ = read_documents([sample_dir()])
    for doc in docs:
        for sent in split_sentences(doc.text):
            _check_quick_tests(sent.text)


def test_event_places_of_a_sentence_slice_are_those_of_all_mentions(gaz):
    from geomap.geoparse import geoparse

    text = "DAMASCUS (AP) -- Shelling hit Homs and Hama. Clashes in Aleppo, Idlib; Deraa-based men said."
    mentions = geoparse(text, gaz)
    for sent in split_sentences(text):
        inside = [m for m in mentions if sent.start <= m.start < sent.end]
        assert imod._event_places(sent, inside, text, imod._dateline_end(text)) == imod._event_places(
            sent, mentions, text
        )


@pytest.mark.parametrize(("sentence", "sub"), [
    ("A mortar bomb fired across the border hit a market in Azaz, killing four people.",
     "Shelling/artillery/missile attack"),
    ("Mortar bombs rained on Douma on Monday, killing seven people.", "Shelling/artillery/missile attack"),
    ("A bomb hidden in a parked car exploded in Jableh, killing three people.", "Remote explosive/landmine/IED"),
])
def test_a_mortar_bomb_is_shelling_not_an_ied(sentence, sub):
    assert imod._event_type(sentence, {"killed"}) == ("Explosions/Remote violence", sub)


# -- hostile reports: bounded, right results --------------------------------------------------
def test_a_toll_repeated_thousands_of_times_in_one_sentence_is_one_incident(gaz):
    text = " ".join(["killed 12345"] * 3000) + " in Homs."
    [inc] = extract_document(_doc(text), gaz)
    assert (inc.location, inc.fatalities) == ("Homs", 12345)
    assert "[geomap:" not in inc.notes


def test_a_run_on_sentence_of_distinct_tolls_gives_a_bounded_number_and_says_so(gaz):
    n = 3 * imod._MAX_SENTENCE_INCIDENTS
    text = " ".join(f"killed {k}" for k in range(1, n + 1)) + " in Homs."
    incs = extract_document(_doc(text), gaz)
    assert len(incs) == imod._MAX_SENTENCE_INCIDENTS
    assert [i.fatalities for i in incs] == list(range(1, imod._MAX_SENTENCE_INCIDENTS + 1))
    assert incs[0].notes.endswith(imod._unread_note(n - imod._MAX_SENTENCE_INCIDENTS))
    assert all("[geomap:" not in i.notes for i in incs[1:])


def test_a_sentence_listing_thousands_of_places_compares_no_pairs(gaz, monkeypatch):
    """Which place contains which is looked up, not tried pair by pair (15,000 places: 34 s)."""
    from geomap.geoparse import geoparse

    text = ", ".join(["Homs", "Hama", "Idlib", "Aleppo", "Daraa"] * 400) + " were shelled."
    mentions = geoparse(text, gaz)
    calls = [0]
    real = imod._contains

    def counting(a, b):
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(imod, "_contains", counting)
    [sent] = split_sentences(text)
    places = imod._event_places(sent, mentions, text)
    assert len(mentions) == 2000
    assert sorted(m.surface for m in places) == ["Aleppo", "Daraa", "Hama", "Homs", "Idlib"]
    assert calls[0] < len(mentions)


def test_outer_places_are_those_pairwise_containment_gives(gaz):
    from geomap.geoparse import geoparse

    text = ("Syria, Homs province, Homs, Bab Amr, Khalidiya, Hama, Aleppo, Salaheddin, Damascus, "
            "Mezzeh, Yarmouk, Idlib province, Jisr al-Shughour, Turkey, Hatay, Lebanon, Tripoli, "
            "Bab Tabbaneh, Rastan, Talbiseh, Deir ez-Zor, Daraa and Jordan were named.")
    places = [m.place for m in geoparse(text, gaz)]
    assert len({p.kind for p in places}) >= 4
    pairwise = {a.id for a in places for b in places if imod._contains(
        type("M", (), {"place": a})(), type("M", (), {"place": b})())}
    assert pairwise  # the test means something: some places hold others
    assert imod._outer_places(places) == pairwise


@pytest.mark.parametrize("date", [None, "2012-03-05"])
@pytest.mark.parametrize("year", ["10000", "9999", "1850", "2101", "2099"])
def test_a_date_out_of_range_is_no_event_date_and_its_year_no_toll(gaz, date, year):
    """One incident, 2 killed, dated by the report (or undated), never on the garbled day."""
    [inc] = extract_document(_doc(f"On 1 January {year} a bomb killed 2 in Idlib.", date=date), gaz)
    # (with no report date, a day up to 2100 is taken at its word)
    expected = "2099-01-01" if year == "2099" and date is None else date
    assert (inc.location, inc.fatalities, inc.event_date) == ("Idlib", 2, expected)


def test_a_garbled_publication_date_is_not_the_report_date(gaz):
    [inc] = extract_document(_doc("A bomb killed 2 in Idlib on Friday. Published 9 March 2012.",
                                  date="9999-05-01"), gaz)
    assert inc.event_date == "2012-03-09"  # Friday before the date in the text, as with no metadata


def test_plausible_event_dates_run_from_1900_to_a_year_after_the_report():
    assert imod._plausible_dates(dt.date(2012, 3, 5)) == (dt.date(1900, 1, 1), dt.date(2013, 3, 6))
    assert imod._plausible_dates(None) == (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


@pytest.mark.parametrize(("text", "expected"), [
    ("On 3 May, 1500 people were killed in Homs.", [("Homs", 1500, "2013-05-03")]),
    ("By 3 March 4500 civilians were killed in Idlib.", [("Idlib", 4500, "2013-03-03")]),
])
def test_a_big_toll_right_after_a_day_and_month_is_a_toll(gaz, text, expected):
    incs = extract_document(_doc(text, date="2013-05-05"), gaz)
    assert [(i.location, i.fatalities, i.event_date) for i in incs] == expected


@pytest.mark.parametrize(("text", "toll"), [
    ("1 200 people were killed in Homs.", (1200, 1200, 1200)),  # digit groups without commas
    ("1'200 people were killed in Homs.", (1200, 1200, 1200)),
    ("1.200 people were killed in Homs.", (1200, 1200, 1200)),
    ("Shelling of Homs killed between 50 and 5 people.", (5, 5, 50)),  # a range high-low: one
    ("Shelling of Homs killed between 5 and 50 people.", (5, 5, 50)),
])
def test_a_toll_written_another_way_is_one_incident(gaz, text, toll):
    incs = extract_document(_doc(text, date="2012-05-05"), gaz)
    assert [(i.location, i.fatalities, i.fatalities_low, i.fatalities_high) for i in incs] == [("Homs", *toll)]


def test_a_year_then_a_toll_stays_a_toll_of_its_own(gaz):
    incs = extract_document(_doc("In 2012 200 people were killed in Homs.", date="2012-05-05"), gaz)
    assert [(i.location, i.fatalities) for i in incs] == [("Homs", 200)]


def test_a_dot_between_digits_does_not_end_a_sentence():
    text = "More than 1.5 million have fled. 1.200 people were killed in Homs. Shelling went on."
    assert [s.text for s in split_sentences(text)] == [
        "More than 1.5 million have fled.", "1.200 people were killed in Homs.", "Shelling went on."]
    assert [s.text for s in split_sentences("Gen. Ali spoke. 5. Homs.")] == ["Gen. Ali spoke.", "5.", "Homs."]


def test_a_number_with_a_minus_sign_is_no_toll(gaz):
    incs = extract_document(_doc("Shelling killed \u22125 people in Homs.", date="2012-05-05"), gaz)
    assert [(i.location, i.fatalities) for i in incs] == [("Homs", None)]  # shelling, no toll
    incs = extract_document(_doc("Shelling killed 3-5 people in Homs.", date="2012-05-05"), gaz)
    assert [(i.fatalities, i.fatalities_low, i.fatalities_high) for i in incs] == [(3, 3, 5)]


@pytest.mark.parametrize("ascii_text", [
    "12 people were killed in Homs on 3 March 2012.",
    "More than 16,500 people have been killed in Syria since March 2011.",
])
def test_arabic_indic_digits_give_the_incidents_ascii_digits_give(gaz, ascii_text):
    arabic = ascii_text.translate(str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"))
    assert arabic != ascii_text

    def read(text):
        return [(i.location, i.fatalities, i.event_date, i.time_precision, i.cumulative, i.scope)
                for i in extract_document(_doc(text, date="2012-07-06"), gaz)]

    assert read(arabic) == read(ascii_text)
    assert read(arabic)[0][1] in (12, 16_500)


# -- a toll whose sentence names no place ----------------------------------------------------------
def _tolls(text, gaz, date="2011-03-24"):
    return [(i.location or None, i.scope, i.fatalities, i.cumulative)
            for i in extract_document(_doc(text, date=date), gaz) if i.fatalities is not None]


def test_a_toll_after_a_one_sentence_lead_takes_the_leads_place(gaz):
    text = ("Mourners in Deraa buried their dead on Thursday, a day after security forces stormed a mosque.\n\n"
            "Residents said at least 15 people were killed on Wednesday in the raid.\n")
    assert _tolls(text, gaz) == [("Deraa", "place", 15, False)]


def test_a_toll_on_the_next_line_of_a_list_takes_no_place(gaz):
    # one sentence per line and no blank line: a list of events, not a story going on
    text = "Shelling hit Homs on Monday.\nAt least four people were killed, activists said.\n"
    assert all(place is None for place, *_ in _tolls(text, gaz))


@pytest.mark.parametrize("dateline", ["", "BEIRUT (Reuters) - "])  # where it was filed is not where
def test_the_town_of_a_story_is_the_place_it_leads_with(gaz, dateline):
    text = (dateline + "Rebels took Maarat al-Nouman on Tuesday, cutting the highway between Damascus and Aleppo.\n\n"
            "Jets struck the town on Wednesday. Activists said the strikes killed 20 people.\n")
    assert ("Maarat al-Nouman", "place", 20, False) in _tolls(text, gaz)


def test_a_toll_since_a_month_is_cumulative(gaz):
    text = "Rights groups in Syria estimate that more than 1,300 civilians have been killed since mid-March.\n"
    assert _tolls(text, gaz) == [("Syria", "country", 1300, True)]


def test_a_part_of_a_toll_is_no_toll(gaz):
    text = "A UN spokesman said in Geneva that fewer than 20 of the deaths in Houla were caused by shelling.\n"
    assert _tolls(text, gaz) == []


def test_a_place_in_a_compound_adjective_is_not_where(gaz):
    # "Syria-linked", "Iran-backed": who is behind the event, not where it happened
    text = "Syria-linked street fighting flared again as Iran-backed gunmen shelled Tripoli on Monday.\n"
    incs = extract_document(_doc(text, date="2012-08-24"), gaz)
    assert incs and {i.location for i in incs} == {"Tripoli"}


@pytest.mark.parametrize(("text", "typed"), [
    ("The number of people killed in the assault on Daraya has climbed to at least 320, activists said.", False),
    ("The death toll in Daraya rose to 320 on Tuesday.", False),
    ("Government forces shelled Daraya on Saturday, killing 200 people.", True),
])
def test_a_toll_brought_up_to_date_gives_no_type(gaz, text, typed):
    # it says how many, not how: merged with another report, that report's type is kept
    [inc] = [i for i in extract_document(_doc(text, date="2012-08-28"), gaz) if i.fatalities]
    assert inc.typed is typed
