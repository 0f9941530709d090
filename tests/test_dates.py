"""Tests for geomap.dates: report dates, date expressions and their resolution."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap import dates as dmod
from geomap.dates import DateRef, find_dates, find_report_date, nearest_date

FRIDAY = date(2012, 7, 6)  # a Friday
SATURDAY = date(2012, 2, 18)


# ------------------------------------------------------------------------ find_report_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Middle East\nChinese envoy\nLast Modified: 18 Feb 2012 11:06\n\nZhai Jun", SATURDAY),
        ("Deborah Pasmentier, AFP\nLast updated: July 6, 2012\n\nWorld meets", FRIDAY),
        ("Wed 05 Apr 2017\nSomething happened", date(2017, 4, 5)),
        ("Russia and China pressed\n\n06 July 2012 | 18:39 Code : 1903714", FRIDAY),
        ("Published 18 Feb 2012", SATURDAY),
        ("posted on 2012-08-25 by staff", date(2012, 8, 25)),
        ("BEIRUT, May 26 2012 - Syrian troops", date(2012, 5, 26)),
        # the label wins over an earlier full date
        ("Photo taken 5 July 2012\nLast updated: July 6, 2012", FRIDAY),
        # a yearless caption date is skipped, the labelled date is used
        ("Shaam News Network July 5, shows members\nLast updated: July 6, 2012", FRIDAY),
    ],
)
def test_find_report_date(text: str, expected: date) -> None:
    assert find_report_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "July 5",
        "China joined Russia on Thursday in boycotting a meeting.",
        "",
        "Feb 30 2012",
        "x" * 700 + " 6 July 2012",  # beyond the head
    ],
)
def test_find_report_date_none(text: str) -> None:
    assert find_report_date(text) is None


def test_find_report_date_head_chars() -> None:
    text = "x" * 700 + " 6 July 2012"
    assert find_report_date(text, head_chars=800) == FRIDAY


# ------------------------------------------------------------------------------ find_dates


@pytest.mark.parametrize(
    ("text", "dtext", "expected", "precision"),
    [
        # explicit dates
        ("announced on July 6, 2012 in Paris", "July 6, 2012", FRIDAY, 1),
        ("06 July 2012 | 18:39", "06 July 2012", FRIDAY, 1),
        ("the June 22 defection of a pilot", "June 22", date(2012, 6, 22), 1),
        ("clashes on 25 May in Houla", "25 May", date(2012, 5, 25), 1),
        ("on the 25th of May", "25th of May", date(2012, 5, 25), 1),
        ("Wed 05 Apr 2017", "Wed 05 Apr 2017", date(2017, 4, 5), 1),
        ("2012-08-25", "2012-08-25", date(2012, 8, 25), 1),
        ("May 26 2012", "May 26 2012", date(2012, 5, 26), 1),
        ("on Friday, July 6", "Friday, July 6", FRIDAY, 1),
        # yearless dates take the year nearest the report date
        ("a December 28 attack", "December 28", date(2011, 12, 28), 1),
        # weekdays
        ("reported 13 killed on Thursday", "Thursday", date(2012, 7, 5), 1),
        ("leaders Friday urged the UN", "Friday", FRIDAY, 1),  # same weekday: ref itself
        ("on Saturday", "Saturday", date(2012, 6, 30), 1),
        ("late on Friday night", "Friday night", FRIDAY, 1),
        ("last Friday", "last Friday", date(2012, 6, 29), 1),
        ("next Monday", "next Monday", date(2012, 7, 9), 1),
        # day words
        ("yesterday", "yesterday", date(2012, 7, 5), 1),
        ("what we are seeing today", "today", FRIDAY, 1),
        ("last night", "last night", date(2012, 7, 5), 1),
        ("the day before yesterday", "the day before yesterday", date(2012, 7, 4), 1),
        # ago
        ("defected three days ago", "three days ago", date(2012, 7, 3), 1),
        ("began 3 days ago", "3 days ago", date(2012, 7, 3), 1),
        ("a few days ago", "a few days ago", date(2012, 7, 3), 2),
        ("began two weeks ago", "two weeks ago", date(2012, 6, 22), 2),
        ("started 16 months ago", "16 months ago", date(2011, 3, 6), 3),
        # weeks, months, years
        ("last week", "last week", date(2012, 6, 29), 2),
        ("earlier this week", "earlier this week", date(2012, 7, 4), 2),
        ("announced last weekend", "last weekend", date(2012, 6, 30), 2),
        ("late last month in Aleppo", "late last month", date(2012, 6, 25), 3),
        ("early last month", "early last month", date(2012, 6, 5), 3),
        ("last month", "last month", date(2012, 6, 15), 3),
        ("earlier this month", "earlier this month", date(2012, 7, 3), 3),
        ("began in March last year", "March last year", date(2011, 3, 15), 3),
        ("in mid-March last year", "mid-March last year", date(2011, 3, 15), 3),
        ("since mid-March 2011", "mid-March 2011", date(2011, 3, 15), 3),
        ("began in February 2011", "February 2011", date(2011, 2, 15), 3),
        ("follows one in Tunis in February", "February", date(2012, 2, 15), 3),
        ("last year", "last year", date(2011, 7, 1), 3),
        ("at the end of 2011", "the end of 2011", date(2011, 11, 15), 3),
        ("since 2006", "2006", date(2006, 7, 1), 3),
    ],
)
def test_find_dates_table(text: str, dtext: str, expected: date, precision: int) -> None:
    ds = find_dates(text, FRIDAY)
    assert len(ds) == 1, ds
    d = ds[0]
    assert d.text == dtext
    assert text[d.start : d.end] == dtext
    assert d.date == expected
    assert d.precision == precision


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Russia and China are not attending.",
        "they may come",  # "may" is not May
        "March",  # a bare capitalised month needs a preposition or modifier
        "Feb 30",
        "for nearly 16 months",
        "the 15th such officer",
        "it was 11:06",
        "2042",
    ],
)
def test_find_dates_negatives(text: str) -> None:
    assert find_dates(text, FRIDAY) == []


def test_reference_day_is_the_weekday_itself() -> None:
    # "Thursday" in a report dated Thursday is that day; in one dated Friday, the day before.
    assert find_dates("on Thursday", date(2012, 7, 5))[0].date == date(2012, 7, 5)
    assert find_dates("on Thursday", FRIDAY)[0].date == date(2012, 7, 5)


@pytest.mark.parametrize(
    ("text", "dtext"),
    [
        ("on Thursday", "Thursday"),
        ("yesterday", "yesterday"),
        ("late last month", "late last month"),
        ("June 22", "June 22"),
        ("two weeks ago", "two weeks ago"),
        ("in March last year", "March last year"),
    ],
)
def test_relative_dates_without_ref(text: str, dtext: str) -> None:
    ds = find_dates(text, None)
    assert [(d.text, d.date) for d in ds] == [(dtext, None)]


def test_absolute_dates_without_ref() -> None:
    ds = find_dates("from August 2006 to 6 July 2012", None)
    assert [(d.text, d.date) for d in ds] == [
        ("August 2006", date(2006, 8, 15)),
        ("6 July 2012", FRIDAY),
    ]


def test_find_dates_in_a_paragraph() -> None:
    text = (
        "On the ground, the Observatory reported at least 13 people killed nationwide on "
        "Thursday, a day after 99 people died. Another general defected to Turkey on Wednesday."
    )
    ds = find_dates(text, FRIDAY)
    assert [(d.text, d.date) for d in ds] == [
        ("Thursday", date(2012, 7, 5)),
        ("Wednesday", date(2012, 7, 4)),
    ]


# ---------------------------------------------------------------------------- nearest_date


def _ref(start: int, end: int) -> DateRef:
    return DateRef(start, end, "x" * (end - start), None, 1)


def test_nearest_date_prefers_before() -> None:
    before, after = _ref(10, 18), _ref(40, 48)
    assert nearest_date([before, after], 30) is before  # 12 before vs 10 after (x2)


def test_nearest_date_after_when_much_closer() -> None:
    before, after = _ref(0, 8), _ref(52, 60)
    assert nearest_date([before, after], 50) is after


def test_nearest_date_window_and_containment() -> None:
    d = _ref(500, 510)
    assert nearest_date([d], 100, window=300) is None
    assert nearest_date([d], 505) is d
    assert nearest_date([], 5) is None


def test_nearest_date_same_sentence_with_text() -> None:
    text = (
        "Troops shelled Homs on Thursday. "
        "The Observatory said at least 53 people were killed across Syria on Friday."
    )
    ds = find_dates(text, FRIDAY)
    pos = text.index("53")
    assert nearest_date(ds, pos).text == "Thursday"  # closer before, across the sentence
    assert nearest_date(ds, pos, text=text).text == "Friday"  # same sentence wins


# ------------------------------------------------------------------------------ properties

_VOCAB = st.sampled_from(
    [
        "on", "in", "since", "late", "early", "mid-", "last", "this", "next", "earlier",
        "the end of", "week", "weekend", "month", "year", "ago", "two", "a few", "days",
        "March", "May", "June 22", "Friday", "Thursday", "night", "yesterday", "today", "2011",
        "2012-08-25", "6 July 2012", "31", "Feb", "30", ",", ".", "-", "\n", "Wed", "05",
    ]
)  # fmt: skip

_REFS = st.none() | st.dates()


def _check_spans(text: str, ds: list[DateRef]) -> None:
    prev_end = 0
    for d in ds:
        assert 0 <= d.start < d.end <= len(text)
        assert text[d.start : d.end] == d.text
        assert d.start >= prev_end
        prev_end = d.end
        assert d.precision in (1, 2, 3)


@settings(max_examples=300, deadline=None)
@given(st.text(), _REFS)
def test_find_dates_never_raises_on_arbitrary_text(text: str, ref: date | None) -> None:
    _check_spans(text, find_dates(text, ref))


@settings(max_examples=400, deadline=None)
@given(st.lists(_VOCAB, max_size=20).map(" ".join), _REFS)
def test_find_dates_never_raises_on_datey_text(text: str, ref: date | None) -> None:
    ds = find_dates(text, ref)
    _check_spans(text, ds)
    for pos in (0, len(text) // 2, len(text)):
        got = nearest_date(ds, pos, text=text)
        assert got is None or got in ds


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_find_report_date_never_raises(text: str) -> None:
    d = find_report_date(text)
    assert d is None or isinstance(d, date)


# ------------------------------------------------------ the fast paths give what the regexes give

#: Date words and the characters case folding must get right (dotted capital I, dotless i,
#: long s, the Kelvin sign), glued with and without spaces.
_SOUP = st.lists(
    st.sampled_from(
        """on in since by of and to for late early mid- last this next earlier past previous the
        end of beginning day before week weekend month year years ago two twenty-one a an A few
        couple several March MARCH May may June 22 Friday FRIDAY Thursday Mon Tue Wed Sat
        night morning yesterday Today tonight 2011 2012-08-25 6 July 2012 31 Feb 30 05 1999
        Published Last updated: Posted Date 15/01/2013 \u0130n \u0131n \u017fince \u212a \u00e9 _
        , . - \n \t \u00a0""".split(" ")
    ),
    max_size=16,
).map(lambda words: " ".join(words) if len(words) % 2 else "".join(words))


def _reference_find_dates(text: str, ref: date | None) -> list[DateRef]:
    """:func:`find_dates` with the plain regex searches: the slow reference."""
    out = []
    if not text:
        return out
    anchor = dmod._ANCHOR_RE.search(text)
    pos = 0
    while anchor is not None:
        m = dmod._DATE_RE.search(text, max(pos, anchor.start() - dmod._MAX_PREFIX))
        if m is None:
            break
        pos = max(m.end(), m.start() + 1)
        found = dmod._resolve(text, m, ref)
        if found is not None:
            out.append(found)
        anchor = dmod._ANCHOR_RE.search(text, max(pos, anchor.end()))
    return out


def _reference_report_date(text: str, head_chars: int = 600) -> date | None:
    """:func:`find_report_date` without the quick tests: the slow reference."""
    head = dmod.ascii_digits(text[: max(0, head_chars)])
    if not head or not any(c.isdigit() for c in head):
        return None
    for label in dmod._META_LABEL_RE.finditer(head):
        m = dmod._FULL_DATE_RE.match(head, label.end())
        if m is not None and dmod._parse_full(m) is not None:
            return dmod._parse_full(m)
    for m in dmod._FULL_DATE_RE.finditer(head):
        if dmod._parse_full(m) is not None:
            return dmod._parse_full(m)
    for m in dmod._NUMERIC_DATE_RE.finditer(head):
        day, month, year = (int(g) for g in m.groups())
        d = dmod._safe_date(year, month, day) if 1900 < year < 2100 else None
        if d is not None:
            return d
    return None


@settings(max_examples=300, deadline=None)
@given(_SOUP, st.integers(0, 40))
def test_anchor_and_date_searches_are_the_regex_searches(text: str, pos: int) -> None:
    anchor = dmod._ANCHOR_RE.search(text, pos)
    assert dmod._next_anchor(text, pos) == (anchor.span() if anchor else None)
    slow = dmod._DATE_RE.search(text, pos)
    fast = dmod._search_date(text, pos)
    assert (fast and (fast.span(), fast.groupdict())) == (slow and (slow.span(), slow.groupdict()))


@settings(max_examples=400, deadline=None)
@given(_SOUP, _REFS)
def test_find_dates_matches_the_slow_reference(text: str, ref: date | None) -> None:
    assert find_dates(text, ref) == _reference_find_dates(text, ref)


@settings(max_examples=300, deadline=None)
@given(_SOUP | st.text())
def test_find_report_date_matches_the_slow_reference(text: str) -> None:
    assert find_report_date(text) == _reference_report_date(text)


@pytest.mark.parametrize("swap", [("s", "\u017f"), ("k", "\u212a"), ("i", "\u0131"), ("I", "\u0130")])
def test_unicode_letters_that_match_ascii_case_insensitively_never_break_parsing(swap):
    """Case-insensitive regexes match long s, the Kelvin sign and dotless i as ASCII letters."""
    from geomap.quantities import find_quantities

    phrases = ["Shelling resumed last week.", "Published 12 Sep 2012", "some 12 people died",
               "at least six killed on Wednesday", "Updated: 5 Jun 2012, two weeks ago",
               "Last Modified: 18 Feb 2012", "a couple and their child were killed"]
    ref = date(2012, 7, 6)
    for phrase in phrases:
        text = phrase.replace(*swap)
        find_dates(text, ref)  # must not raise
        find_report_date(text)
        find_quantities(text)
    assert find_report_date("Published 12 \u017fep 2012") == date(2012, 9, 12)


@pytest.mark.parametrize("text", ["On 1 January 9999 a bomb went off.", "On May 3, 10000 a bomb went off."])
def test_a_day_and_month_with_an_impossible_year_give_no_date(text):
    assert [r.date for r in find_dates(text, date(2012, 3, 5))] == []


# -- Arabic-Indic digits ------------------------------------------------------------------------

_ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
_EXTENDED_ARABIC_INDIC = str.maketrans("0123456789", "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9")


@pytest.mark.parametrize(
    ("text", "dtext", "expected"),
    [
        ("Homs was shelled on 3 March \u0662\u0660\u0661\u0662.", "3 March \u0662\u0660\u0661\u0662", date(2012, 3, 3)),
        ("Homs was shelled on \u0663 March, they said.", "\u0663 March", date(2012, 3, 3)),
        ("Homs was shelled on \u06f3 March \u06f2\u06f0\u06f1\u06f2.", "\u06f3 March \u06f2\u06f0\u06f1\u06f2", date(2012, 3, 3)),
        ("It began in \u0662\u0660\u0661\u0661.", "\u0662\u0660\u0661\u0661", date(2011, 7, 1)),
        ("On \u0662\u0660\u0661\u0662-\u0660\u0663-\u0660\u0665 it rained.", "\u0662\u0660\u0661\u0662-\u0660\u0663-\u0660\u0665",
         date(2012, 3, 5)),
        ("\u0663 days ago", "\u0663 days ago", date(2012, 7, 3)),
    ],
)
def test_arabic_indic_digits_in_dates_read_as_ascii_digits(text: str, dtext: str, expected: date) -> None:
    [d] = find_dates(text, date(2012, 7, 6))
    assert (d.text, d.date, text[d.start : d.end]) == (dtext, expected, dtext)


def test_arabic_indic_digits_in_a_report_date() -> None:
    assert find_report_date("Published \u0661\u0668 Feb \u0662\u0660\u0661\u0662") == date(2012, 2, 18)
    assert find_report_date("\u0661\u0665/\u0660\u0661/\u0662\u0660\u0661\u0663 20:10 GMT") == date(2013, 1, 15)


@settings(max_examples=300, deadline=None)
@given(_SOUP, _REFS, st.sampled_from([_ARABIC_INDIC, _EXTENDED_ARABIC_INDIC]))
def test_a_text_in_arabic_indic_digits_dates_as_in_ascii_ones(text: str, ref: date | None, table) -> None:
    arabic = text.translate(table)
    expected = [(d.start, d.end, d.date, d.precision) for d in find_dates(text, ref)]
    found = find_dates(arabic, ref)
    assert [(d.start, d.end, d.date, d.precision) for d in found] == expected
    assert all(d.text == arabic[d.start : d.end] for d in found)
    assert find_report_date(arabic) == find_report_date(text)
