"""Tests for geomap.evaluate: EUPEG I/O, metrics, and reproduction of published scores."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from geomap.evaluate import (
    EARTH_RADIUS_KM,
    PUBLISHED,
    Toponym,
    format_eupeg_line,
    format_report,
    haversine_km,
    parse_eupeg_line,
    read_eupeg,
    realign_to_text,
    score,
)

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)
ROME = (41.9028, 12.4964)


def T(surface, start, coords=None, name=None):
    """Toponym helper: span [start, start + len(surface))."""
    lat, lon = coords if coords else (None, None)
    return Toponym(name or surface, surface, lat, lon, start, start + len(surface))


# ---------------------------------------------------------------------------
# Parsing and formatting
# ---------------------------------------------------------------------------


def test_parse_basic_line_with_trailing_separator():
    line = "Paris,,Paris,,48.8566,,2.3522,,0,,5||Texas,,Texas,,31.25044,,-99.25061,,565,,570||\n"
    got = parse_eupeg_line(line)
    assert got == [
        Toponym("Paris", "Paris", 48.8566, 2.3522, 0, 5),
        Toponym("Texas", "Texas", 31.25044, -99.25061, 565, 570),
    ]


def test_parse_lgl_style_seventh_field_is_ignored():
    line = "Alexandria,,Alexandria,,31.3113,,-92.4451,,0,,10,,265.262147091||"
    assert parse_eupeg_line(line) == [Toponym("Alexandria", "Alexandria", 31.3113, -92.4451, 0, 10)]


def test_parse_empty_and_blank_lines():
    assert parse_eupeg_line("") == []
    assert parse_eupeg_line("\n") == []
    assert parse_eupeg_line("   ") == []
    assert parse_eupeg_line("||") == []


def test_parse_surface_containing_double_comma():
    (t,) = parse_eupeg_line("X,,a,,b,,1.5,,-2.5,,3,,7")
    assert t == Toponym("X", "a,,b", 1.5, -2.5, 3, 7)


def test_parse_surface_with_single_commas():
    (t,) = parse_eupeg_line("Washington,,Washington, D.C.,,38.9,,-77.0,,10,,26")
    assert t.surface == "Washington, D.C."
    assert (t.start, t.end) == (10, 26)


def test_parse_missing_or_bad_coordinates_keep_none():
    got = parse_eupeg_line(
        "A,,A,,,,,,0,,1||B,,B,,abc,,def,,2,,3||C,,C,,2220.0,,1560.0,,4,,5||D,,D,,nan,,1,,6,,7"
    )
    assert [(t.name, t.lat, t.lon, t.start, t.end) for t in got] == [
        ("A", None, None, 0, 1),
        ("B", None, None, 2, 3),
        ("C", None, None, 4, 5),  # out of range (seen in DBpedia outputs)
        ("D", None, None, 6, 7),
    ]


def test_parse_skips_malformed_entries_without_crashing():
    line = (
        "garbage||A,,A,,1,,2||B,,B,,1.0,,2.0,,x,,y||C,,C,,1.0,,2.0,,9,,3"
        "||ok,,ok,,1.0,,2.0,,0,,2||,,,,,,,,,,||\u00e9,,\u00e9,,1,,1,,3,,4"
    )
    got = parse_eupeg_line(line)
    assert [(t.name, t.start, t.end) for t in got] == [("ok", 0, 2), ("\u00e9", 3, 4)]


def test_parse_keeps_negative_offsets_present_in_released_gold():
    (t,) = parse_eupeg_line("United States,,American,,39.76,,-98.5,,-139,,-131")
    assert (t.start, t.end) == (-139, -131)


@pytest.mark.parametrize(
    "surface",
    [
        "Paris",
        "Washington, D.C.",
        "Saint-\u00c9tienne",
        "\u6771\u4eac",
        "Bab al-Hawa (\u0628\u0627\u0628 \u0627\u0644\u0647\u0648\u0649)",
        "a , b",
        "Guinea-Bissau|x",
        "'quoted' \"name\"",
        "  spaced  ",
        "emoji \U0001f30d",
    ],
)
def test_round_trip_weird_surfaces(surface):
    tops = [
        Toponym("N1", surface, -33.8688, 151.2093, 10, 10 + len(surface)),
        Toponym("N2", "x", None, None, 40, 41),
        Toponym("N3", "y", 0.0, -180.0, 50, 51),
    ]
    line = format_eupeg_line(tops)
    assert "\n" not in line
    assert parse_eupeg_line(line) == tops


def test_format_sanitises_separators_and_newlines():
    tops = [Toponym("A||B", "x,,y\nz", 1.0, 2.0, 0, 7), Toponym("C,", "d,", 3.0, 4.0, 8, 10)]
    line = format_eupeg_line(tops)
    back = parse_eupeg_line(line)
    assert len(back) == 2
    assert back[0].name == "A B" and back[0].surface == "x y z"
    assert back[0].lat == 1.0 and (back[0].start, back[0].end) == (0, 7)
    assert back[1].name.strip() == "C," and back[1].surface.strip() == "d,"
    assert (back[1].lat, back[1].lon, back[1].start, back[1].end) == (3.0, 4.0, 8, 10)


def test_format_empty_and_read_file(tmp_path):
    assert format_eupeg_line([]) == ""
    docs = [[T("Paris", 0, PARIS)], [], [T("Rome", 3, ROME), T("Nowhere", 9)]]
    path = tmp_path / "x.txt"
    path.write_text("\n".join(format_eupeg_line(d) for d in docs) + "\n", encoding="utf-8")
    assert read_eupeg(path) == docs


# ---------------------------------------------------------------------------
# Metrics on hand-made data
# ---------------------------------------------------------------------------


def test_haversine_known_distances():
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(EARTH_RADIUS_KM * math.pi)
    assert haversine_km(*PARIS, *LONDON) == pytest.approx(343.5, abs=1.0)
    assert haversine_km(*PARIS, *PARIS) == 0.0


def _tiny():
    gold = [
        [
            T("Paris", 0, PARIS),
            T("London", 10, LONDON),
            T("Berlin", 20),  # no coordinates: recognition only
        ],
        [T("Rome", 0, ROME)],
    ]
    pred = [
        [
            T("Paris", 0, LONDON),  # exact span, resolved ~343.5 km away
            T("London", 10, LONDON),  # exact span, 0 km
            T("Berl", 20, (52.52, 13.405)),  # overlap only
            T("Spurious", 30, ROME),  # false positive
        ],
        # document 1 missing: counts as an empty prediction
    ]
    return pred, gold


def test_score_tiny_known_values():
    pred, gold = _tiny()
    m = score(pred, gold, n_seconds=4.0)
    assert m["n_docs"] == 2 and m["n_gold"] == 4 and m["n_pred"] == 4
    assert m["n_tp_exact"] == 2 and m["n_tp_overlap"] == 3
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["precision_overlap"] == pytest.approx(0.75)
    assert m["recall_overlap"] == pytest.approx(0.75)
    assert m["f1_overlap"] == pytest.approx(0.75)
    d = haversine_km(*PARIS, *LONDON)
    assert m["n_resolved"] == 2  # Berlin has no gold coordinates
    assert m["acc161"] == pytest.approx(0.5)
    assert m["mean_km"] == pytest.approx(d / 2)
    assert m["median_km"] == pytest.approx(d / 2)
    # trapz([0, ln(1+d)], dx=1) = ln(1+d)/2, normalised by ln(20039) * (n-1) = ln(20039)
    assert m["auc"] == pytest.approx(math.log1p(d) / 2 / math.log(20039))
    assert m["auc"] == pytest.approx(0.2954, abs=1e-3)
    assert m["n_resolved_overlap"] == 2
    assert m["docs_per_s"] == pytest.approx(0.5)


def test_auc_known_values():
    gold = [[T("A", 0, (0.0, 0.0)), T("B", 5, (0.0, 0.0)), T("C", 10, (0.0, 0.0))]]
    perfect = score(gold, gold)
    assert perfect["auc"] == 0.0 and perfect["acc161"] == 1.0 and perfect["mean_km"] == 0.0
    # errors 0, 0, pi*R (antipode): sorted logs [0, 0, L] -> trapz = L/2, / (ln 20039 * 2)
    pred = [[T("A", 0, (0.0, 0.0)), T("B", 5, (0.0, 0.0)), T("C", 10, (0.0, 180.0))]]
    m = score(pred, gold)
    far = EARTH_RADIUS_KM * math.pi
    assert m["auc"] == pytest.approx(math.log1p(far) / 2 / (2 * math.log(20039)))
    assert m["acc161"] == pytest.approx(2 / 3)
    assert m["median_km"] == 0.0


def test_prediction_without_coordinates_counts_as_max_error():
    gold = [[T("A", 0, (10.0, 10.0)), T("B", 5, (10.0, 10.0))]]
    pred = [[T("A", 0, (10.0, 10.0)), T("B", 5)]]
    m = score(pred, gold)
    assert m["n_resolved"] == 2
    assert m["acc161"] == pytest.approx(0.5)
    assert m["mean_km"] == pytest.approx(20039.0 / 2)


def test_overlap_matching_is_one_to_one():
    gold = [[T("New York City", 0, (40.7, -74.0))]]
    pred = [[T("New York", 0, (40.7, -74.0)), T("York City", 4, (40.7, -74.0))]]
    m = score(pred, gold)
    assert m["n_tp_exact"] == 0 and math.isnan(m["acc161"]) and m["n_resolved"] == 0
    assert m["n_tp_overlap"] == 1
    assert m["precision_overlap"] == pytest.approx(0.5)
    assert m["recall_overlap"] == pytest.approx(1.0)
    assert m["acc161_overlap"] == 1.0


def test_exact_matching_is_one_to_one_with_duplicates():
    gold = [[T("Rome", 0, ROME)]]
    pred = [[T("Rome", 0, ROME), T("Rome", 0, ROME)]]
    m = score(pred, gold)
    assert m["n_tp_exact"] == 1 and m["precision"] == 0.5 and m["recall"] == 1.0


def test_empty_inputs_do_not_crash():
    m = score([], [])
    assert m["n_docs"] == 0 and m["f1"] == 0.0 and math.isnan(m["auc"])
    m = score([], [[T("Rome", 0, ROME)], []])
    assert m["n_docs"] == 2 and m["recall"] == 0.0 and m["n_pred"] == 0
    assert "docs_per_s" not in m
    text = format_report(m, title="empty")
    assert "empty" in text and "n/a" in text


def test_format_report_contains_values():
    pred, gold = _tiny()
    text = format_report(score(pred, gold, n_seconds=1.0), title="tiny")
    lines = text.splitlines()
    assert lines[0] == "tiny"
    assert any(line.startswith("F1") and "0.500" in line and "0.750" in line for line in lines)
    assert "acc@161" in text and "docs/s" in text


def test_realign_to_text_fixes_shifted_spans_only():
    text = "We flew from Paris to Rome."
    docs = [[T("Paris", 14, PARIS), T("Rome", 22, ROME), T("Oslo", 0)]]
    fixed = realign_to_text(docs, [text], window=3)
    assert [(t.start, t.end) for t in fixed[0]] == [(13, 18), (22, 26), (0, 4)]
    assert docs[0][0].start == 14  # input untouched


def test_published_table_shape():
    assert set(PUBLISHED) >= {"CamCoder", "CLAVIN", "StanfordNER", "TopoCluster"}
    for by_corpus in PUBLISHED.values():
        assert set(by_corpus) == {"GeoWebNews", "LGL", "TR-News"}
        for f1, acc in by_corpus.values():
            assert 0 < f1 < 1 and 0 < acc < 1
    assert PUBLISHED["CLAVIN"]["GeoWebNews"] == (0.549, 0.937)


# ---------------------------------------------------------------------------
# Reproduction of published scores with the released peer outputs
# ---------------------------------------------------------------------------

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
EUPEG = EVAL_DIR / "eupeg"
needs_shared = pytest.mark.skipif(
    not (EUPEG / "gold").is_dir(),
    reason=f"benchmark data not available at {EVAL_DIR} (shared EUPEG corpora)",
)
TOL = 0.02


def _gold(corpus):
    return read_eupeg(EUPEG / "gold" / f"{corpus}_gold.txt")


def _peer(corpus, system):
    return read_eupeg(EUPEG / "peer-outputs" / f"{corpus}_{system}.txt")


def _texts(corpus, n):
    return [(EUPEG / "corpora" / corpus / str(i)).read_text(encoding="utf-8") for i in range(n)]


@needs_shared
@pytest.mark.parametrize(
    ("corpus", "n_docs", "n_gold"),
    [("GeoWebNews", 200, 2401), ("LGL", 588, 4462), ("TR-News", 118, 1275)],
)
def test_gold_against_itself(corpus, n_docs, n_gold):
    gold = _gold(corpus)
    m = score(gold, gold)
    assert m["n_docs"] == n_docs and m["n_gold"] == n_gold  # counts given in the README
    assert m["f1"] == 1.0 and m["f1_overlap"] == 1.0
    assert m["acc161"] == 1.0 and m["mean_km"] == 0.0 and m["auc"] == 0.0


# GeoWebNews and LGL: exact-offset scoring of the released files reproduces the
# published F1 and acc@161 for every system except the Edinburgh Geoparser, whose
# released offsets drift from the corpus text (only 58% of its GeoWebNews spans match
# their surface) and whose LGL row (.501 / .819) we cannot reproduce at all
# (we get .602 / .568).
REPRODUCED_RAW = [
    (system, corpus)
    for corpus in ("GeoWebNews", "LGL")
    for system in ("StanfordNER", "CamCoder", "CLAVIN", "TopoCluster", "DBpedia", "GeoTxt")
]


@needs_shared
@pytest.mark.parametrize(("system", "corpus"), REPRODUCED_RAW)
def test_reproduces_published_scores(system, corpus):
    m = score(_peer(corpus, system), _gold(corpus))
    f1, acc = PUBLISHED[system][corpus]
    assert m["f1"] == pytest.approx(f1, abs=TOL)
    assert m["acc161"] == pytest.approx(acc, abs=TOL)


# TR-News: ~9% of the released gold spans are shifted by 1-6 characters against the
# corpus text.  The published F1 of CamCoder, CLAVIN, TopoCluster and GeoTxt is
# reproduced only after snapping the gold back onto the text (raw exact scoring is
# .05-.07 lower), whereas StanfordNER's and DBpedia's published F1 match the raw gold.
# acc@161 is insensitive to this for these systems except DBpedia (.510 raw / .532
# realigned vs .546 published), which is left out.
@needs_shared
@pytest.mark.parametrize("system", ["CamCoder", "CLAVIN", "TopoCluster", "GeoTxt"])
def test_reproduces_published_tr_news_with_realigned_gold(system):
    gold = _gold("TR-News")
    gold = realign_to_text(gold, _texts("TR-News", len(gold)))
    m = score(_peer("TR-News", system), gold)
    f1, acc = PUBLISHED[system]["TR-News"]
    assert m["f1"] == pytest.approx(f1, abs=TOL)
    assert m["acc161"] == pytest.approx(acc, abs=TOL)
    raw = score(_peer("TR-News", system), _gold("TR-News"))
    assert raw["acc161"] == pytest.approx(acc, abs=TOL)


@needs_shared
def test_reproduces_published_tr_news_raw_stanford_and_dbpedia_f1():
    gold = _gold("TR-News")
    stanford = score(_peer("TR-News", "StanfordNER"), gold)
    assert stanford["f1"] == pytest.approx(PUBLISHED["StanfordNER"]["TR-News"][0], abs=TOL)
    assert stanford["acc161"] == pytest.approx(PUBLISHED["StanfordNER"]["TR-News"][1], abs=TOL)
    dbpedia = score(_peer("TR-News", "DBpedia"), gold)
    assert dbpedia["f1"] == pytest.approx(PUBLISHED["DBpedia"]["TR-News"][0], abs=TOL)


@needs_shared
def test_tr_news_gold_misalignment_is_what_realignment_fixes():
    gold = _gold("TR-News")
    texts = _texts("TR-News", len(gold))

    def aligned_share(docs):
        spans = [(t, text) for doc, text in zip(docs, texts, strict=True) for t in doc]
        return sum(text[t.start : t.end] == t.surface for t, text in spans) / len(spans)

    assert aligned_share(gold) < 0.95
    assert aligned_share(realign_to_text(gold, texts)) > 0.99
