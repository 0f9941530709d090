"""Recognition and resolution of place mentions."""

import itertools
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geomap.gazetteer import Candidate, Gazetteer
from geomap.geoparse import (
    _CAPS,
    _CAPS_WORD_RE,
    _NEXT_WORD_RE,
    _PREV_WORD_RE,
    _WORD_RE,
    _WORD_TAIL,
    _caps_word_end,
    _caps_word_start,
    _Coherence,
    _glue,
    _is_tail,
    _lowercase_elsewhere,
    _next_word,
    _prev_word,
    _round3,
    _runs,
    _sub_span_keys,
    _word_key0,
    _word_parts,
    geoparse,
)
from geomap.names import key0, keys
from geomap.schema import Place
from tests.conftest import SEEDS, needs_shared

#: Pieces of text that exercise the word and run rules.
_PIECES = [
    "al-", "Al-", "ash-", "as-", "esh-", "el\u2011", "ul-", "-", "\u2011", "Bal", "Foo", "St. ", "St.",
    "Mt. L", "U.S.", "A.B.", "J. Smi.", "A. Bc.", " ", "  ", "\n", ".", ",", "'s", "\u2019s", "'",
    "s'", "\u2019", " of ", " de la ", " and ", "Deir", " ez-", "Zour", "\u00c9m", "\u00e9", "\u1e24",
    "\u062d\u0645\u0635", "\u0627\u0644", "Damascus", "B", "a", "e", "h-", "Ab'", "\u02bf", "_", "9",
    "\u00df", "\u0130", "New", "York", "City",
    # Arabic: a comma, a digit, a fatha, a tatweel, the clitic "wa-"
    "\u060c", "\u0661", "\u064e", "\u0640", "\u0648",
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


def names(text, gaz):
    return [(m.surface, m.place.name, m.place.kind, m.place.country_code) for m in geoparse(text, gaz)]


def surfaces(text, gaz):
    return [m.surface for m in geoparse(text, gaz)]


@pytest.mark.parametrize(
    "text",
    [
        "US Secretary of State Hillary Clinton said talks would go on.",
        "The plan of UN envoy Kofi Annan stalled.",
        "Spokeswoman Sarah Harrison said in London that the files were genuine.",
        "Pentagon spokesman Captain John Kirby told reporters.",
    ],
)
def test_person_names_are_not_places(text, gaz):
    got = surfaces(text, gaz)
    for person_word in ("Clinton", "Annan", "Harrison", "Kirby"):
        assert person_word not in got


def test_person_surname_alone_after_full_name(gaz):
    text = "Hillary Clinton arrived on Friday. Clinton said the regime must go."
    assert "Clinton" not in surfaces(text, gaz)


def test_place_inside_person_name_is_not_the_place(gaz):
    text = '"Troops have closed in," activist Mohammad al-Homsi said from Homs.'
    ms = geoparse(text, gaz)
    assert [m.surface for m in ms] == ["Homs"]
    assert ms[0].start == text.index("Homs.")


def test_demonym_stands_for_country(gaz):
    ms = geoparse("Turkish forces shelled the border area.", gaz)
    assert ms and ms[0].surface == "Turkish" and ms[0].place.country_code == "TR"
    assert ms[0].place.kind == "country"


@pytest.mark.parametrize(("text", "cc"), [
    ("Iraqi officials said a car bomb went off.", "IQ"),  # its skeleton is Iraq's too: still a demonym
    ("The body of an Iraqi national was found.", "IQ"),
])
def test_a_demonym_that_spells_like_its_country(gaz, text, cc):
    [m] = geoparse(text, gaz)
    assert (m.place.country_code, m.place.kind, m.reason.split(";")[0]) == (cc, "country", "demonym")


def test_neighbourhood_of_city(gaz):
    got = names("Troops were shelling the Homs neighbourhood of Bab Amr on Saturday.", gaz)
    assert ("Homs", "Homs", "city", "SY") in got
    assert any(s == "Bab Amr" and k == "neighbourhood" for s, _, k, _ in got)


def test_province_is_the_governorate(gaz):
    for text in ("Fighting spread across Idlib province.", "the town of Sarmada in the province of Idlib"):
        idlib = [m for m in geoparse(text, gaz) if m.surface == "Idlib"]
        assert idlib and idlib[0].place.kind == "admin1", text


def test_town_in_province_resolves_in_that_province(gaz):
    ms = geoparse("Regime forces bombarded the town of Maaret al-Numan in the northwestern province of Idlib.", gaz)
    town = next(m for m in ms if m.surface == "Maaret al-Numan")
    assert town.place.admin1 == "Idleb" and town.place.country_code == "SY"


def test_sentence_initial_capitals_and_common_words(gaz):
    got = surfaces("Along the road, Police said Best wishes. Of course nothing happened.", gaz)
    assert got == []


def test_container_disambiguates(gaz):
    ms = geoparse("He grew up in Paris, Texas, before moving away.", gaz)
    paris = next(m for m in ms if m.surface == "Paris")
    assert paris.place.country_code == "US" and paris.place.admin1 == "Texas"


def test_context_country_disambiguates(gaz):
    ms = geoparse("Clashes erupted in Homs and Hama. Troops also shelled Tripoli and Tall Kalakh near Lebanon.", gaz)
    assert all(m.place.country_code in ("SY", "LB") for m in ms)


def test_mentions_have_reasons_and_confidence(gaz):
    ms = geoparse("Protests spread from Deraa to Damascus.", gaz)
    assert {m.surface for m in ms} == {"Deraa", "Damascus"}
    for m in ms:
        assert 0.0 <= m.confidence <= 1.0 and m.reason


def test_arabic_script_and_transliterations(gaz):
    ms = geoparse("Shelling hit حمص and Deir ez-Zour.", gaz)
    assert [m.place.country_code for m in ms] == ["SY", "SY"]


@needs_shared
def test_seed_reports_find_the_expected_places(gaz):
    text = (SEEDS / "000_1fcb56c4d6628765.txt").read_text(encoding="utf-8")
    got = set(surfaces(text, gaz))
    for name in ("Maaret al-Numan", "Idlib", "Palmyra", "Beijing", "Paris", "Geneva", "Turkey", "Jordan"):
        assert name in got
    for not_place in ("Assad", "Liu Weimin", "Harrison", "Syrian Observatory"):
        assert not_place not in got


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_spans_are_always_inside_the_text(gaz, text):
    for m in geoparse(text, gaz):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.surface


@given(_texts)
def test_word_parts_are_the_matches_of_the_word_regex_and_the_text_between(text):
    parts = _word_parts(text)
    assert "".join(parts) == text
    starts = itertools.accumulate(map(len, parts[:-1]), initial=0)  # where each part starts
    words = [(start, start + len(w), w) for k, (start, w) in enumerate(zip(starts, parts, strict=True)) if k % 2]
    assert words == [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]


@given(st.one_of(st.text(alphabet="abcXYZ'-. \u00e9\u0131", max_size=12), _texts))
def test_word_key0_is_key0(word):
    assert _word_key0(word) == key0(word)


@given(_texts)
@example("St. Louis, U.S.A. J. Smi. x Ft.\u00a0Y A.B \u00c9\u00f7e \u060c\u062d\u0645\u0635\u0640 A.  B Mt.")
def test_caps_word_loops_find_the_matches_of_the_caps_word_regex(text):
    """The C loops of the compiled build (plain Python asks the regex itself)."""
    found, pos = [], 0
    while (start := _caps_word_start(text, pos)) >= 0:
        pos = _caps_word_end(text, start)
        found.append((start, pos))
    assert found == [m.span() for m in _CAPS_WORD_RE.finditer(text)]


def test_is_tail_is_the_class_of_a_word_tail():
    tail = re.compile(_WORD_TAIL[:-1])  # (the class, without its "*")
    assert [c for c in map(chr, range(0x3000)) if _is_tail(c)] == [
        c for c in map(chr, range(0x3000)) if tail.fullmatch(c)
    ]


@given(_texts)
@example("x-\u00c9-A\u2011B-a-")
def test_glue_is_where_a_hyphen_meets_a_capital(text):
    assert _glue(text) == [m.start() for m in re.finditer("[-\u2011][%s]" % _CAPS, text)]


@given(_texts, st.sampled_from(["Bal", "foo", "St", "A", "al", "e", "Zour", "\u00c9m", "-"]))
def test_lowercase_elsewhere_is_its_regex(text, word):
    expected = re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(word.lower()), text) is not None
    assert _lowercase_elsewhere(text, word) == expected


@settings(max_examples=500)
@given(_texts, _texts, _texts)
def test_a_runs_words_are_those_of_its_text_anywhere(text, before, after):
    """A run's text decides its words (what lets ``_lookup_spans`` reuse a run's reading)."""
    for run in _runs(text):
        if len(run) < 2:
            continue
        s0, e0 = run[0][0], run[-1][1]
        words = [(a - s0, b - s0, w) for a, b, w in run]
        other = before + text[s0:e0] + after
        for run2 in _runs(other):
            if run2[0][0] == len(before) and run2[-1][1] == len(before) + e0 - s0:
                assert [(a - len(before), b - len(before), w) for a, b, w in run2] == words


@given(_texts)
def test_sub_span_keys_are_the_keys_of_the_sub_span(text):
    for run in _runs(text):
        for i in range(len(run)):
            for j in range(i, min(len(run), i + 6)):
                surface = text[run[i][0] : run[j][1]]
                assert _sub_span_keys(text, run, i, j) == keys(surface)


def test_results_do_not_depend_on_what_was_parsed_before(gaz):
    texts = [
        "Troops were shelling the Homs neighbourhood of Bab Amr on Saturday.",
        "He grew up in Paris, Texas, before moving away. Paris is far.",
        "BEIRUT (AP) -- Clashes erupted in Homs and Hama near Lebanon's Tripoli.",
        "Protests spread from Deraa to Damascus and Laurel County, Ky.",
        "Douglas and Sarpy counties near Omaha, Neb., and the town of Douglas in Wyoming.",
    ]
    fresh = Gazetteer()  # empty caches
    first = [geoparse(t, fresh) for t in reversed(texts)][::-1]
    assert first == [geoparse(t, fresh) for t in texts] == [geoparse(t, gaz) for t in texts]


# -- US counties, state abbreviations, the order of resolution ------------------------------


def test_county_with_state_abbreviation_is_that_county(gaz):
    ms = geoparse("Mudslides closed two highways across Laurel County, Ky., late on Sunday.", gaz)
    got = {m.surface: m.place for m in ms}
    assert got["Laurel County"].kind == "admin2" and got["Laurel County"].admin1 == "Kentucky"
    assert got["Ky."].kind == "admin1" and got["Ky."].name == "Kentucky"


def test_county_abbreviated_co_takes_its_period(gaz):
    text = "The fire in Laurel Co. spread overnight."
    ms = geoparse(text, gaz)
    assert [(m.surface, m.place.kind, m.place.admin1) for m in ms] == [("Laurel Co.", "admin2", "Kentucky")]
    assert ms[0].end == text.index(" spread")


def test_town_and_its_county_support_each_other(gaz):
    text = "The inmate was taken from the state prison at Huntsville to a hospital elsewhere in Walker County."
    got = {m.surface: m.place for m in geoparse(text, gaz)}
    assert (got["Huntsville"].admin1, got["Walker County"].admin1) == ("Texas", "Texas")
    assert got["Huntsville"].admin2 == "Walker County"


def test_state_abbreviation_after_a_town_is_the_state(gaz):
    ms = geoparse("Snow closed schools in New Haven, Conn., and in Springfield, Ill., on Friday.", gaz)
    got = [(m.surface, m.place.name, m.place.kind) for m in ms]
    assert ("Conn.", "Connecticut", "admin1") in got and ("Ill.", "Illinois", "admin1") in got
    assert {m.place.admin1 for m in ms if m.place.kind != "admin1"} == {"Connecticut", "Illinois"}


def test_miss_is_mississippi_only_after_a_town(gaz):
    assert [(m.surface, m.place.name) for m in geoparse("People in Jackson, Miss., queued for water.", gaz)] == [
        ("Jackson", "Jackson"), ("Miss.", "Mississippi")
    ]
    assert surfaces("Miss. Parker told the board the library would reopen.", gaz) == []
    ms = geoparse("A Ga. farmer lost his barn to the storm.", gaz)
    assert [(m.surface, m.place.name) for m in ms] == [("Ga.", "Georgia")]


@pytest.mark.parametrize(
    ("text", "state", "listed"),
    [
        ("Officials in Omaha said Douglas, Sarpy and Lancaster counties opened shelters for Nebraska families.",
         "Nebraska", ["Douglas", "Sarpy", "Lancaster"]),
        ("Hail flattened crops in Clay and Swift counties, Minnesota officials said.", "Minnesota", ["Clay", "Swift"]),
        ("Crews cleared debris in Orleans and Jefferson parishes after the storm.", "Louisiana", ["Orleans", "Jefferson"]),
    ],
)
def test_names_listed_before_counties_are_counties(gaz, text, state, listed):
    ms = geoparse(text, gaz)
    counties = [(m.surface, m.place.admin1) for m in ms if m.place.kind == "admin2"]
    assert counties == [(name, state) for name in listed]
    for m in ms:
        if m.surface in listed:
            assert m.place.name.startswith(m.surface) and text[m.start : m.end] == m.surface


def test_confident_names_are_read_first(gaz):
    # Atlanta settles Georgia before the ambiguous Macon and Decatur are read
    got = {m.surface: m.place.admin1 for m in geoparse("Mayors from Macon and Decatur met in Atlanta.", gaz)}
    assert got == {"Macon": "Georgia", "Decatur": "Georgia", "Atlanta": "Georgia"}


def test_a_repeated_name_is_one_piece_of_evidence(gaz):
    text = (
        "Storms hit Gainesville on Monday. Gainesville schools closed and Gainesville police asked "
        "drivers to stay home, while buses from Athens and Atlanta were cancelled."
    )
    assert {m.place.admin1 for m in geoparse(text, gaz)} == {"Georgia"}


def test_former_name_of_a_city_does_not_beat_towns_of_that_name(gaz):
    # Fremont, California, also answers to "Centerville" (a former town it absorbed)
    assert all(m.place.name != "Fremont" for m in geoparse("The family moved to Centerville last spring.", gaz))
    got = {m.surface: m.place.admin1 for m in geoparse("Schools in Centerville and Dayton reopened.", gaz)}
    assert got == {"Centerville": "Ohio", "Dayton": "Ohio"}


def test_a_surname_alone_in_the_headline_is_the_person_named_later(gaz):
    text = ("Clinton urges allies to act on Syria\n\n"
            "US Secretary of State Hillary Clinton on Friday urged allies to press Russia.")
    found = {m.surface for m in geoparse(text, gaz)}
    assert "Clinton" not in found and "Russia" in found


@given(st.text(alphabet="ab. \t\n\u00a0\u2003.Z-", max_size=60), st.integers(0, 60))
def test_prev_word_is_its_regex(text, pos):
    pos = min(pos, len(text))
    m = _PREV_WORD_RE.search(text, max(0, pos - 30), pos)
    assert _prev_word(text, pos) == (m.group(1).rstrip(".") if m else "")


#: What _LOCATIVE_REV finds, written forwards: a cue at the end of a text.
_LOCATIVE_SPEC = re.compile(
    r"(?:\b(?:in|at|near|from|into|outside|around|across|toward|towards|via)|\b(?:town|city|village|"
    r"district|province|governorate|neighbou?rhood|suburb|area|region|capital|port|camp|outskirts)\s+of)"
    r"\s+(?:the\s+)?$",
    re.I,
)


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(["in", "At", "ſuburb", "İn", "town", "of", "the", "THE", "via", "x", "Kamp", "neighborhood"])
        | st.text(alphabet="inatofrhe ſKİı\u00a0\t-_é1", max_size=4),
        max_size=6,
    ).map(" ".join),
    st.sampled_from(["", " ", "  ", "\t", "-"]),
)
def test_the_locative_regex_finds_what_its_specification_finds(text, end):
    from geomap.geoparse import _LOCATIVE_REV

    text += end
    assert (_LOCATIVE_REV.match(text[::-1]) is None) == (_LOCATIVE_SPEC.search(text) is None)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=8))
def test_top_two_are_the_first_two_of_the_stable_sort(scores):
    from geomap.geoparse import _top_two

    cands = [Candidate(Place(str(i), "x", "x", "village", 0.0, 0.0, "SY"), 0, float(s)) for i, s in enumerate(scores)]
    ranked = sorted(cands, key=lambda c: c.score, reverse=True)
    first, second = _top_two(cands)
    assert first is ranked[0] and second is (ranked[1] if len(ranked) > 1 else None)


@given(
    st.lists(st.sampled_from(["County", "Parish", "Borough", "Township", "Countyx", "C", "Co", "x", "é", "-"]))
    .map(" ".join) | st.text(alphabet="CPBTounty \t\u00a0é1", max_size=12),
    st.integers(0, 8),
)
def test_county_at_is_the_county_regex(text, pos):
    from geomap.geoparse import _COUNTY_RE, _county_at

    pos = min(pos, len(text))
    want = _COUNTY_RE.match(text, pos)
    got = _county_at(text, pos)
    assert (got and got.span()) == (want and want.span())


@given(
    st.lists(st.sampled_from(["province", "governorate", "provinces", "of", "Of", "the", "x", "\u00a0", "\n"]))
    .map(" ".join),
    st.sampled_from(["", " ", "  ", "\t"]),
)
def test_province_of_before_is_its_regex(text, end):
    from geomap.geoparse import _PROVINCE_OF_RE, _province_of_before

    text += end + "Idlib"
    start = len(text) - 5
    assert _province_of_before(text, start) == (_PROVINCE_OF_RE.search(text[max(0, start - 30) : start]) is not None)


@example(-0.6, -0.8)
@example(-1.2, 1.6)
@example(-0.0, 180.0)
@example(-1e-300, -179.99999)
@given(st.floats(-90, 90), st.floats(-180, 180))
def test_cell_is_the_floor_of_the_grid_position(lat, lon):
    import math

    from geomap.geoparse import _NEAR_LAT, _NEAR_LON, _ROW, _cell

    assert _cell(lat, lon) == math.floor(lat / _NEAR_LAT) * _ROW + math.floor(lon / _NEAR_LON)


@example(0.0005)
@example(0.0015)
@example(2.675)
@example(0.1234995)
@example(-0.25)
@example(float("nan"))
@given(st.floats(allow_infinity=True) | st.floats(0, 2) | st.integers(0, 10**6).map(lambda k: k / 2000))
def test_round3_is_round(x):
    assert repr(_round3(x)) == repr(round(x, 3))


@given(st.text(alphabet="abZé1. \t\n\u00a0\u2003\u200b-", max_size=60), st.integers(0, 65))
def test_next_word_is_its_regex(text, pos):
    pos = min(pos, len(text))
    m = _NEXT_WORD_RE.match(text, pos, pos + 30)
    assert _next_word(text, pos) == (m.group(1) if m else "")



#: Words of multi-word place names, articles and person names, for the pruning test.
_NAME_PIECES = [
    "Rashid", "Al", "El", "al", "Ras", "Ain", "Deir", "ez-Zor", "New", "York", "City", "Mexico",
    "San", "Antonio", "Tal", "Abyad", "Bab", "Amr", "Homs", "Jisr", "al-Shughour", "Kafr", "Nabl",
    "Port", "Said", "Saint", "Louis", "United", "States", "Omar", "Secretary", "John", "Kerry",
]


@settings(max_examples=300)
@example(words=["Rashid", "al", "Al"], sep="-")  # "al-Al": a word of articles only
@example(words=["Rashid", "Al"], sep=" ")
@given(words=st.lists(st.sampled_from(_NAME_PIECES), min_size=2, max_size=8), sep=st.sampled_from([" ", " of ", "-"]))
def test_the_prefix_filter_never_drops_a_name(words, sep, gaz):
    """Every sub-span left out of a start's row matches no gazetteer name."""
    from geomap.geoparse import _match_surfaces, _sub_spans, _Surfaces

    text = sep.join(words) + " said."
    for run in _runs(text):
        for i in range(len(run)):
            row = _sub_spans(text, run, i, _Surfaces({}, {}), {}, gaz)
            left_out = [text[run[i][0] : run[j][1]] for j in range(i + len(row), min(len(run), i + 6))]
            found = _match_surfaces({s: keys(s) for s in left_out}, gaz)
            assert all(m is None for m in found.values()), (row, found)


def test_a_name_opening_a_sentence_is_the_place_it_is_elsewhere(gaz):
    # "Deraa buried" alone reads like an adjective before a word; "in Deraa" settles it
    text = "Deraa buried its dead on Thursday. The unrest in Deraa began a week ago."
    assert [(m.start, m.place.country_code) for m in geoparse(text, gaz)] == [(0, "SY"), (49, "SY")]


@pytest.mark.parametrize(("text", "kind"), [
    ("Crowds packed the central square of Hama on Friday.", "city"),  # the city, named like its governorate
    ("Shelling spread across Hama province.", "admin1"),
    ("Voters in Texas backed the measure.", "admin1"),  # "Voters" opens the sentence: no village
])
def test_a_governorates_seat_and_a_sentence_opening_alias(gaz, text, kind):
    assert [m.place.kind for m in geoparse(text, gaz)] == [kind]


@pytest.mark.parametrize(("text", "places"), [
    ("Rep. Joseph F. Wagner said on Monday that Wagner would vote against it.", []),  # a surname, not the village
    ("Ashley L. Evans, 26, was charged. Evans denied it.", []),
    ("He backed Plan B. Homs was shelled again.", ["Homs"]),  # a large place after a letter stays
])
def test_a_surname_after_a_middle_initial_is_a_persons(gaz, text, places):
    assert [m.surface for m in geoparse(text, gaz)] == places


@pytest.mark.parametrize("text", [
    "Families in Tacoma shared tips for Christmas cookies.",  # a holiday, not Christmas, Florida
    "Forecasters in Tacoma said El Niño would bring rain.",  # the weather, not a village
    "Johnson & Johnson opened a plant in Tacoma.",  # a firm
])
def test_holidays_weather_and_firms_are_not_places(gaz, text):
    assert [m.surface for m in geoparse(text, gaz)] == ["Tacoma"]


def test_religious_communities_are_not_places(gaz):
    text = "Gunmen from the Sunni district of Bab al-Tabbaneh fought Alawite and Shiite militias in Tripoli."
    assert [m.surface for m in geoparse(text, gaz)] == ["Tripoli"]


def test_names_that_start_with_an_extended_latin_capital(gaz):
    # transliterations with dots below and macrons, Turkish, Polish, Slovak and Japanese names
    text = "Shelling hit Ḥimṣ and Şanlıurfa; protests in Łódź, Žilina and Ōsaka."
    found = [(m.surface, m.place.country_code) for m in geoparse(text, gaz)]
    assert found == [("Ḥimṣ", "SY"), ("Şanlıurfa", "TR"), ("Łódź", "PL"), ("Žilina", "SK"), ("Ōsaka", "JP")]


@pytest.mark.parametrize(("text", "places"), [
    ("قصف على حمص", [("حمص", "SY")]),  # shelling on Homs
    ("قتل خمسة أشخاص في حمص يوم الجمعة", [("حمص", "SY")]),  # five people killed in Homs on Friday
    ("اشتباكات في دير الزور", [("دير الزور", "SY")]),  # clashes in Deir ez-Zor
    # the Arabic comma ends a word: the delegation reached Damascus, coming from Beirut
    ("وصل الوفد إلى دمشق، قادما من بيروت", [("دمشق", "SY"), ("بيروت", "LB")]),
    # "wa-" (and) glued to a name with its article: clashes in Deir ez-Zor and Raqqa
    ("اشتباكات في دير الزور والرقة", [("دير الزور", "SY"), ("الرقة", "SY")]),
    ("انفجار بحمص", [("حمص", "SY")]),  # "bi-" (in) glued to the name: an explosion in Homs
    ("مظاهرات في لبنان", [("لبنان", "LB")]),  # a name that starts with a clitic's letter keeps it
    # a village after a cue ("on"), a town glued to "and": shelling on Hish and Kafranbel
    ("قصف على حيش وكفرنبل", [("حيش", "SY"), ("كفرنبل", "SY")]),
    ("دخلت القوات مدينة حلب", [("حلب", "SY")]),  # "city" is no place (Medina): forces entered Aleppo
    # common words that are also names of villages, with no cue: the government announced new
    # measures in the city
    ("أعلنت الحكومة عن إجراءات جديدة في المدينة", []),
])
def test_places_in_all_arabic_sentences(gaz, text, places):
    # Arabic has no capitals: a run of Arabic words is not a person's or organisation's name
    assert [(m.surface, m.place.country_code) for m in geoparse(text, gaz)] == places


@pytest.mark.parametrize(("value", "needle"), [
    (b"Shelling hit Homs.", "not bytes: decode it first (geomap.ingest.decode_bytes)"),
    (bytearray(b"Homs"), "not bytes: decode it first"),
    (b"", "not bytes"),
    (None, "not NoneType"),
    (["Homs"], "not list"),
])
def test_geoparse_of_what_is_not_text_is_a_usage_error_at_once(monkeypatch, value, needle):
    import sys

    import geomap
    from geomap.errors import UsageError

    def no_gazetteer():
        raise AssertionError("the gazetteer was loaded before the argument was checked")

    monkeypatch.setattr(sys.modules["geomap.geoparse"], "default_gazetteer", no_gazetteer)
    for call in (geoparse, geomap.geoparse):
        with pytest.raises(UsageError, match=re.escape(needle)) as info:
            call(value)
        assert str(info.value).startswith("geoparse takes text (str), not ")
        assert info.value.exit_code == 2
    assert geoparse("") == []


_ARABIC_PIECES = [
    "\u0648", "\u0628", "\u0644", "\u0641", "\u0643", "\u0627\u0644", "\u062d\u0645\u0635",
    "\u0627\u0644\u0631\u0642\u0629", "\u0644\u0628\u0646\u0627\u0646", " ", "\u060c", ".", "\u0641\u064a ",
    "\u064e", "\u0640", "\u0661\u0662", "Homs", "\n",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_ARABIC_PIECES), max_size=25).map("".join))
def test_arabic_mentions_with_clitics_never_overlap(gaz, text):
    ms = geoparse(text, gaz)
    for m in ms:
        assert text[m.start : m.end] == m.surface
    assert all(a.end <= b.start for a, b in itertools.pairwise(ms))


def test_a_call_leaves_no_garbage_for_the_cycle_collector(gaz):
    # (everything a call makes and does not return is freed when the call ends: garbage in
    # reference cycles would wait for the collector, and make it run more often)
    import gc

    text = (
        "DAMASCUS (Reuters) - Shelling hit Homs and the Idlib province town of Saraqeb on Monday, "
        "the Syrian Observatory said. Turkish forces moved near Aleppo; Springfield, Illinois sent aid."
    )
    geoparse(text, gaz)  # (caches filled)
    gc.collect()
    gc.disable()
    try:
        mentions = geoparse(text, gaz)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert {m.place.name for m in mentions} >= {"Homs", "Aleppo"}


@given(st.lists(st.tuples(st.sampled_from(["SY", "LB", "US"]), st.sampled_from(["01", "02"]), st.booleans()),
                min_size=1, max_size=8))
def test_the_top_area_has_the_most_votes_and_of_equal_ones_the_first_voted(readings):
    """``_Coherence.top_area``: ``min`` of the voted areas by (-votes, first position)."""
    coherence = _Coherence()
    votes: dict = {}
    first: dict = {}
    for i, (cc, a1, is_admin1) in enumerate(readings):
        kind = "admin1" if is_admin1 else "city"
        place = Place(str(i), f"n{i}", f"n{i}", kind, float(i), 0.0, cc, a1)
        coherence.settle(f"name{i}", [10 - i], [place])
        votes[(cc, a1)] = votes.get((cc, a1), 0.0) + (2.0 if is_admin1 else 1.0)
        first[(cc, a1)] = min(first.get((cc, a1), 99), 10 - i)
    assert coherence.top_area() == min(first, key=lambda a: (-votes[a], first[a]))
