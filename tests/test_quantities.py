"""Tests for geomap.quantities: counts of people in news text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap import quantities as qmod
from geomap.dates import find_dates
from geomap.quantities import (
    Quantity,
    ascii_digits,
    breakdown_of,
    find_breakdowns,
    find_quantities,
    fold_case,
    parse_number,
)

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _spell(n: int, sep: str = "-") -> str:
    """English words for 1..99 (test oracle, independent of the module's tables)."""
    if n < 10:
        return _UNITS[n - 1]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return _TENS[tens - 2] + (sep + _UNITS[unit - 1] if unit else "")


def _one(text: str) -> Quantity:
    qs = find_quantities(text)
    assert len(qs) == 1, (text, qs)
    return qs[0]


# ---------------------------------------------------------------------------- parse_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,800", 1800),
        ("16,500", 16500),
        ("2000", 2000),
        ("ninety-nine", 99),
        ("twenty one", 21),
        ("a dozen", 12),
        ("half a dozen", 6),
        ("two dozen", 24),
        ("a hundred", 100),
        ("one hundred and twenty-five", 125),
        ("two million", 2_000_000),
        ("1.5 million", 1_500_000),
        ("two thousand five hundred", 2500),
        ("a couple", 2),
        ("15.8", None),
        ("dozens", None),
        ("hundreds", None),
        ("two three", None),
        ("", None),
        ("people", None),
    ],
)
def test_parse_number(text: str, expected: int | None) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("n", range(1, 100))
def test_parse_number_words_up_to_ninety_nine(n: int) -> None:
    assert parse_number(_spell(n)) == n
    assert parse_number(_spell(n, " ")) == n


@pytest.mark.parametrize("n", [1, 7, 13, 20, 21, 45, 68, 99])
def test_number_words_found_in_sentence(n: int) -> None:
    text = f"Activists said {_spell(n)} people were killed."
    q = _one(text)
    assert (q.value, q.noun, q.text) == (n, "people", _spell(n))


# ------------------------------------------------------------------------ find_quantities


#: text, expected span text, value, low, high, approximate, qualifier, noun
_TABLE = [
    # plain numbers
    ("99 people died", "99", 99, 99, 99, False, None, "people"),
    ("a medic said 1,800 have been wounded", "1,800", 1800, 1800, 1800, False, None, None),
    ("16,500 people", "16,500", 16500, 16500, 16500, False, None, "people"),
    ("2000 people fled", "2000", 2000, 2000, 2000, False, None, "people"),
    ("two million emails", "two million", 2_000_000, 2_000_000, 2_000_000, False, None, "emails"),
    ("1.5 million refugees", "1.5 million", 1_500_000, 1_500_000, 1_500_000, False, None, "refugees"),
    ("Some 100 nations and organisations", "Some 100", 100, None, None, True, "about", "nations"),
    ("three senior regime officers were killed", "three", 3, 3, 3, False, None, "officers"),
    ("Around 35,000 displaced Syrians", "Around 35,000", 35000, None, None, True, "about", "syrians"),
    ("1,800 wounded in Homs", "1,800", 1800, 1800, 1800, False, None, "wounded"),
    # qualifiers
    ("at least 13 people killed", "at least 13", 13, 13, None, False, "at least", "people"),
    ("more than 16,500 people", "more than 16,500", 16500, 16500, None, False, "more than", "people"),
    ("over 200 soldiers", "over 200", 200, 200, None, False, "more than", "soldiers"),
    ("killed almost 400 people", "almost 400", 400, None, 400, True, "almost", "people"),
    ("nearly 50 civilians", "nearly 50", 50, None, 50, True, "almost", "civilians"),
    ("Some 15,800 people have died", "Some 15,800", 15800, None, None, True, "about", "people"),
    ("about 30 rebels", "about 30", 30, None, None, True, "about", "rebels"),
    ("an estimated 16,500 people", "an estimated 16,500", 16500, None, None, True, "estimated", "people"),
    ("roughly 70 people", "roughly 70", 70, None, None, True, "about", "people"),
    ("up to 30 people", "up to 30", 30, None, 30, True, "up to", "people"),
    ("as many as 40 protesters", "as many as 40", 40, None, 40, True, "up to", "protesters"),
    # ranges: value is the low end
    ("between 20 and 30 soldiers", "between 20 and 30", 20, 20, 30, True, "range", "soldiers"),
    ("killed 20 to 30 people", "20 to 30", 20, 20, 30, True, "range", "people"),
    ("killed 20-30 people", "20-30", 20, 20, 30, True, "range", "people"),
    ("two or three rebels", "two or three", 2, 2, 3, True, "range", "rebels"),
    ("between 50 and 5 people", "between 50 and 5", 5, 5, 50, True, "range", "people"),
    ("between thirty and twenty rebels", "between thirty and twenty", 20, 20, 30, True, "range", "rebels"),
    ("between 1,500 and 900 people", "between 1,500 and 900", 900, 900, 1500, True, "range", "people"),
    ("between 5 and 5 people", "between 5 and 5", 5, 5, 5, True, "range", "people"),
    # vague amounts
    ("dozens of people", "dozens", None, 24, 99, True, None, "people"),
    ("a dozen soldiers", "a dozen", 12, 12, 12, False, None, "soldiers"),
    ("scores of civilians", "scores", None, 40, 199, True, None, "civilians"),
    ("hundreds of people", "hundreds", None, 200, 999, True, None, "people"),
    ("thousands of refugees", "thousands", None, 2000, 9999, True, None, "refugees"),
    ("tens of thousands of protesters poured into the streets", "tens of thousands", None, 20000, 99999, True, None, "protesters"),
    ("more than a dozen people", "more than a dozen", 12, 12, None, False, "more than", "people"),
    ("at least dozens of people", "at least dozens", None, 24, None, True, "at least", "people"),
    # people phrases
    ("a child was killed in Palmyra", "a child", 1, 1, 1, False, None, "child"),
    ("a woman was shot", "a woman", 1, 1, 1, False, None, "woman"),
    ("a couple and their child were killed", "a couple and their child", 3, 3, 3, False, None, "family"),
    ("a mother and her two children", "a mother and her two children", 3, 3, 3, False, None, "family"),
    ("a family of five", "a family of five", 5, 5, 5, False, None, "family"),
    ("a couple of people", "a couple", 2, 2, 2, False, None, "people"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "qtext", "value", "low", "high", "approximate", "qualifier", "noun"), _TABLE
)
def test_find_quantities_table(
    text: str,
    qtext: str,
    value: int | None,
    low: int | None,
    high: int | None,
    approximate: bool,
    qualifier: str | None,
    noun: str | None,
) -> None:
    q = _one(text)
    assert q.text == qtext
    assert text[q.start : q.end] == qtext
    assert (q.value, q.low, q.high) == (value, low, high)
    assert q.approximate is approximate
    assert q.qualifier == qualifier
    assert q.noun == noun


@pytest.mark.parametrize(
    "text",
    [
        # years
        "in 2011",
        "since 2006",
        "the uprising began in March 2011",
        "dating from August 2006 to March 2012",
        "the 2012 elections",
        "2011-2012",
        # plans, laws, identifiers
        "Annan's six-point plan",
        "under the UN Charter's Chapter 7",
        "action under Article 41",
        "landing his MiG-21 fighter",
        "Resolution 2042",
        "UN 1",
        "Code : 1903714",
        "No. 10",
        # ordinals, anniversaries
        "the 15th such officer",
        "the 60th anniversary of Turkey joining",
        # durations, ages
        "for nearly 16 months",
        "the 16-month conflict",
        "an 11-month uprising",
        "two weeks ago",
        "a couple of days",
        "nearly five decades of rule",
        "a 10-year-old boy",
        "Since she was 16-years-old",
        # times and dates
        "Last Modified: 18 Feb 2012 11:06",
        "06 July 2012 | 18:39",
        "the June 22 defection",
        "Last updated: July 6, 2012",
        "a February 26 referendum",
        "on 25 May",
        "at 0600 GMT",
        "2012-08-25",
        # decimals, percentages, money, measures
        "15.8",
        "15.800",
        "50% of homes",
        "12 per cent",
        "$5 million",
        "5 million dollars",
        "40 km north of Homs",
        "three times",
        # pronoun "one", non-counting "a child"
        "No one was hurt",
        "they blamed one another",
        "one by one",
        "a child protection law",
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    ("text", "qtext", "value"),
    [
        ("1 200 people were killed", "1 200", 1200),
        ("1 800 people", "1 800", 1800),
        ("1'200 killed in Homs", "1'200", 1200),
        ("1\u2019200 civilians died", "1\u2019200", 1200),
        ("1.200 people killed", "1.200", 1200),
        ("1.200 were wounded", "1.200", 1200),
        ("2.500 killed", "2.500", 2500),
        ("1.200.000 people fled", "1.200.000", 1_200_000),
        ("1 200 300 people", "1 200 300", 1_200_300),
        ("1'200'000 refugees", "1'200'000", 1_200_000),
        ("1 200 wounded in Homs", "1 200", 1200),
        ("at least 1 200 people", "at least 1 200", 1200),
        ("1\u202f200 killed", "1\u202f200", 1200),  # not through ingest: still one number
        ("On 3 May 1 200 people were killed", "1 200", 1200),  # a date, then a count
        ("On May 3, 1 200 people died", "1 200", 1200),
    ],
)
def test_digit_groups_without_commas_are_one_count_of_people(text: str, qtext: str, value: int) -> None:
    [q] = [q for q in find_quantities(text) if q.value is not None and q.value > 31]
    assert (q.text, q.value) == (qtext, value)
    assert q.low == value


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("In 2012 200 people were killed", [200]),  # a year, then a count
        ("On 3 May 200 people were killed", [200]),
        ("On May 3 200 people were killed", [200]),  # a day of the month, then a count
        ("1.5 million people fled", [1_500_000]),  # a decimal before a scale word
        ("5.000", []),  # no people: a decimal as far as we can tell
        ("15.800 tonnes", []),
        ("3.000 km", []),
        ("1 200 trucks", [1, 200]),  # groups only when people are certain
        ("killed 3 200 wounded", [3, 200]),  # a list missing its comma
        ("Call 944 123 456 now", [944, 123, 456]),  # a phone number
        ("Call 0944 123 456 people", [944, 123, 456]),
        ("+963 944 123 456 people", [963, 944, 123, 456]),
        ("012 345 people", [12, 345]),  # a leading zero
        ("1 200 300 4567 people", [1, 200, 300, 4567]),  # a run with a 4-digit group
        ("In 2012 1 200 people", [1, 200]),  # digits right before: not taken apart
        ("1 2000 people", [1, 2000]),
        ("1,200 people", [1200]),
        ("1 200,5 people", [1]),  # a decimal comma after the groups
        ("Flight 17 298 people were killed", [298]),  # a label's number, then the count
        ("Route 5 200 people fled", [200]),
        ("children aged 5 100 were killed", [100]),
        ("killed 5 100 people were wounded", [5, 100]),  # a casualty word before: a list
        ("killed 1 200 people", [1, 200]),  # (the same words: read as the list, cautiously)
        ("between 5 and 1 200 people were killed", [5, 1200]),  # never reversed into 1-5
        ("between 1 200 and 1 500 trucks", [1, 200, 1, 500]),
        ("killed 1 200 and 1 500 wounded", [1, 200, 1500]),
    ],
)
def test_digit_groups_that_are_not_one_count_stay_apart(text: str, values: list[int]) -> None:
    assert [q.value for q in find_quantities(text)] == values


@pytest.mark.parametrize(
    ("text", "qtext", "low", "high"),
    [
        ("between 1 200 and 1 500 people were killed", "between 1 200 and 1 500", 1200, 1500),
        ("1 200 to 1 500 killed in Homs", "1 200 to 1 500", 1200, 1500),
        ("1\u202f200-1\u202f500 civilians died", "1\u202f200-1\u202f500", 1200, 1500),
        ("between 1'200 and 12'000 refugees", "between 1'200 and 12'000", 1200, 12000),
    ],
)
def test_a_range_of_digit_groups_is_one_count_when_people_follow_its_end(
    text: str, qtext: str, low: int, high: int
) -> None:
    [q] = find_quantities(text)
    assert (q.text, q.low, q.high) == (qtext, low, high)


def test_non_people_counts_are_kept_with_their_noun() -> None:
    q = _one("More than 100 countries, known as Friends of Syria")
    assert (q.value, q.qualifier, q.noun) == (100, "more than", "countries")


def test_spans_and_order_in_a_paragraph() -> None:
    text = (
        "The Observatory said six people, including a couple and their child, were killed. "
        "It also said a child was killed in Palmyra, and 99 people died on Wednesday."
    )
    qs = find_quantities(text)
    assert [(q.text, q.value) for q in qs] == [
        ("six", 6),
        ("a couple and their child", 3),
        ("a child", 1),
        ("99", 99),
    ]
    assert all(text[q.start : q.end] == q.text for q in qs)
    assert [q.start for q in qs] == sorted(q.start for q in qs)


def test_empty_and_numberless_text() -> None:
    assert find_quantities("") == []
    assert find_quantities("Russia and China are not attending.") == []


def test_quantity_is_frozen() -> None:
    q = _one("at least 13 people")
    with pytest.raises(AttributeError):
        q.value = 3  # type: ignore[misc]


# ------------------------------------------------------------------------------ breakdowns


def test_breakdown_sums_to_total() -> None:
    text = (
        "The Observatory said at least 53 people were killed across Syria on Friday -- "
        "35 civilians, 14 soldiers and four rebels -- as protesters took to the streets."
    )
    total = find_quantities(text)[0]
    assert total.value == 53
    assert find_breakdowns(text, total) == [("civilians", 35), ("soldiers", 14), ("rebels", 4)]
    b = breakdown_of(text, total)
    assert b is not None
    assert b.part_sum == 53
    assert b.sums_to_total and b.within_total
    assert text[b.start : b.end] == "35 civilians, 14 soldiers and four rebels"


@pytest.mark.parametrize(
    ("text", "parts", "sums"),
    [
        ("six people, including a couple and their child, were killed", [("family", 3)], False),
        (
            "at least 20 people were killed, including 12 children and five women",
            [("children", 12), ("women", 5)],
            False,
        ),
        (
            "12 people died: seven civilians and five soldiers",
            [("civilians", 7), ("soldiers", 5)],
            True,
        ),
        (
            "the toll rose to 30 (20 civilians and 10 soldiers)",
            [("civilians", 20), ("soldiers", 10)],
            True,
        ),
    ],
)
def test_breakdown_table(text: str, parts: list[tuple[str, int]], sums: bool) -> None:
    total = find_quantities(text)[0]
    b = breakdown_of(text, total)
    assert b is not None
    assert list(b.parts) == parts
    assert b.sums_to_total is sums
    assert b.within_total


@pytest.mark.parametrize(
    "text",
    [
        "53 people were killed. 35 civilians died in Homs.",
        "troops killed 10 people and wounded 20 in Homs",
        "at least 13 people were killed on Thursday",
    ],
)
def test_no_breakdown(text: str) -> None:
    total = find_quantities(text)[0]
    assert find_breakdowns(text, total) == []
    assert breakdown_of(text, total) is None


# ------------------------------------------------------------------------------ properties

_VOCAB = st.sampled_from(
    [
        "at least", "more than", "almost", "some", "up to", "between", "and", "to", "-", "--",
        "a", "an", "couple", "their", "child", "family of", "dozens", "tens of thousands",
        "hundred", "ninety-nine", "twenty", "one", "1,800", "2011", "16", "15.8", "11:06",
        "March", "June 22", "people", "civilians", "months", "six-point", "Chapter 7", "MiG-21",
        "$", "%", ",", ".", "(", ")", ":", "including", "\n", "killed", "0", "99", "1.5 million",
    ]
)  # fmt: skip


def _check_spans(text: str, qs: list[Quantity]) -> None:
    prev_end = 0
    for q in qs:
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start : q.end] == q.text
        assert q.start >= prev_end  # in order, non-overlapping
        prev_end = q.end
        for bound in (q.value, q.low, q.high):
            assert bound is None or bound >= 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_find_quantities_never_raises_on_arbitrary_text(text: str) -> None:
    _check_spans(text, find_quantities(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(_VOCAB, max_size=25).map(" ".join))
def test_find_quantities_never_raises_on_newsy_text(text: str) -> None:
    qs = find_quantities(text)
    _check_spans(text, qs)
    for q in qs:
        find_breakdowns(text, q)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_number_never_raises(text: str) -> None:
    result = parse_number(text)
    assert result is None or result >= 0


# -- the fast paths give what the plain regexes give -------------------------------------------

#: Words and characters around counts, with the ones case folding must get right ("\u0130",
#: dotless i, long s, the Kelvin sign).
_SOUP = st.lists(
    st.sampled_from(
        """a an A AN the at least more than almost some up to between and or to - of ten TEN
        twenty-one two dozen dozens half several hundreds tens thousands a couple man woman child
        family few million 1 12 31 2011 1,800 3.5 200 1.200 1'200 18/02/2012 people civilians killed years km %
        per cent dollars US$ $ Rs. Chapter No. aged Jan. March, May Feb 18 GMT pm -fold -month
        \u0130 \u0131 \u017f \u212a \u017fix \u017foldiers K\u0131lled \u00e9 _ : ( ) , . ;
        \n \t \u00a0""".split(" ")
    ),
    max_size=20,
).map(" ".join)

#: The trigger before it was narrowed: every position not after a letter where a digit, a
#: number word or "a"/"an" starts (the reference for :func:`_reference_find_quantities`).
_BROAD_TRIGGER_RE = re.compile(
    r"(?<![A-Za-z])(?:\d|an?\s|(?:"
    + "|".join(sorted([*qmod._SMALL_WORDS, "hundreds", "thousands", "millions", "dozens", "scores",
                       "tens"], key=len, reverse=True))
    + r"|half|several)(?![a-z]))",
    re.IGNORECASE,
)


def _reference_find_quantities(text: str) -> list[Quantity]:
    """:func:`find_quantities` with the broad trigger and no shortcuts: the slow reference."""
    out = []
    trigger = _BROAD_TRIGGER_RE.search(text)
    while trigger is not None:
        m = qmod._CORE_RE.match(text, trigger.start())
        if m is None:
            trigger = _BROAD_TRIGGER_RE.search(text, trigger.start() + 1)
            continue
        pos = m.end()
        if m.lastgroup != "skip":
            q, consumed = qmod._build(text, m, m.lastgroup)
            pos = max(pos, consumed)
            if q is not None:
                out.append(q)
        trigger = _BROAD_TRIGGER_RE.search(text, pos)
    return out


def test_case_twins_are_every_non_ascii_character_ignorecase_takes_for_a_letter() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {chr(c) for c in range(128, 0x110000) if letter.fullmatch(chr(c))}
    assert found == set("".join(qmod._CASE_TWINS.values()))


@settings(max_examples=300, deadline=None)
@given(_SOUP | st.text())
def test_fold_case_lines_up_and_shows_every_case_insensitive_match(text: str) -> None:
    low = fold_case(text)
    assert len(low) == len(text)
    for word in ("six", "killed", "ink", "dollars"):
        for m in re.finditer(word, text, re.IGNORECASE):
            assert low[m.start() : m.end()] == word


@settings(max_examples=300, deadline=None)
@given(_SOUP, st.integers(0, 30))
def test_word_start_finder_is_the_lookbehind_search(text: str, pos: int) -> None:
    body = qmod._trigger_pattern()
    slow = re.compile(r"(?i:(?<![A-Za-z]))" + body)
    m = slow.search(text, pos)
    assert qmod._TRIGGER.find(text, pos) == (m.start() if m else -1)
    assert qmod._TRIGGER.span(text, pos) == (m.span() if m else None)


@settings(max_examples=400, deadline=None)
@given(_SOUP)
def test_find_quantities_matches_the_slow_reference(text: str) -> None:
    assert find_quantities(text) == _reference_find_quantities(text)


@pytest.mark.parametrize(
    "text",
    [
        "13" + " " * 70 + "years later",  # spaces longer than the look-ahead window
        "13" + "\u00a0" * 63 + "ye",
        "at least 13\u2028km",
        "\u017feven \u017foldiers and K\u0131lled 2 people",
        "Chapter :  7 and US$ 40 and Rs. 5, aged 31, Jan., 12",
    ],
)
def test_find_quantities_matches_the_slow_reference_on_edge_cases(text: str) -> None:
    assert find_quantities(text) == _reference_find_quantities(text)


@settings(max_examples=300, deadline=None)
@given(_SOUP)
def test_cheap_tests_before_the_regexes_never_hide_a_match(text: str) -> None:
    for s in range(len(text) + 1):
        assert qmod._not_count_after(text, s) == bool(qmod._NOT_COUNT_AFTER_RE.match(text, s))
        assert qmod._month_before(text, s) == bool(qmod._MONTH_BEFORE_RE.search(text, max(0, s - 12), s))
        lo = max(0, s - 24)
        tail = fold_case(text[lo:s].rstrip())
        if qmod._LABEL_RE.search(text, lo, s):
            assert tail.endswith(qmod._LABEL_LAST)
        if qmod._CURRENCY_BEFORE_RE.search(text, lo, s):
            assert tail.endswith(qmod._CURRENCY_LAST)
        if qmod._QUALIFIER_RE.search(text, max(0, s - 28), s):
            assert text[s - 1].isspace()
            assert fold_case(text[max(0, s - 28) : s].rstrip()).endswith(qmod._QUALIFIER_LAST)


@pytest.mark.parametrize("text", [
    "On 1 January 10000 a bomb killed 2 in Idlib.",
    "On January 1, 9999 a bomb killed 2 in Hama.",
    "On the 3rd of May 1850 a bomb killed 2 in Hama.",
])
def test_a_number_in_the_year_slot_of_a_date_is_never_a_count(text):
    assert [q.value for q in find_quantities(text)] == [2]


@pytest.mark.parametrize(("text", "value"), [
    ("On 3 May 10,000 people fled to Turkey.", 10_000),  # a thousands comma: a count
    ("In March 3000 people fled to Turkey.", 3000),  # a month without a day
    ("On 3 May 300 people fled to Turkey.", 300),  # three digits
])
def test_a_count_after_a_date_is_still_a_count(text, value):
    assert [q.value for q in find_quantities(text)] == [value]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("50-5 people were killed", [50, 5]),  # a dash or "to" high-low: a score, a fall
        ("the toll fell from 50 to 5 people", [50, 5]),
        ("between 50 and 5.5 km", [50]),  # the second number is no count
        ("5 and 50 people", [5, 50]),  # "and" without "between": two numbers
        ("50 and 5 people", [50, 5]),
    ],
)
def test_high_low_numbers_are_a_range_only_after_between(text: str, values: list[int]) -> None:
    assert [q.value for q in find_quantities(text)] == values
    assert all(q.qualifier is None for q in find_quantities(text))


@pytest.mark.parametrize(
    "text",
    ["-5 killed", "(-5) people", "killed \u22125 people", "change=-5 people", "\u22125 people", "-1.5 million people", "-1 200 people",
     "-3-5 people"],
)
def test_a_number_with_a_minus_sign_is_no_count(text: str) -> None:
    assert find_quantities(text) == []


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("3-5 killed", [(3, 3, 5)]),  # a range
        ("killed - 5 people", [(5, 5, 5)]),  # a dash with spaces
        ("killed -- 5 people", [(5, 5, 5)]),
        ("killed--5 people", [(5, 5, 5)]),  # two hyphens for a dash
        ("killed \u20135 people", [(5, 5, 5)]),  # an en dash is a dash, not a minus
        ("Homs - 5, Hama - 3 killed", [(5, 5, 5), (3, 3, 3)]),
        ("5 killed", [(5, 5, 5)]),
        ("between 5 -10 people were killed", [(5, 5, 5), (10, 10, 10)]),  # a sloppy range
        ("Homs (Reuters) -5 people were killed", [(5, 5, 5)]),  # a dateline's dash
    ],
)
def test_a_dash_as_a_separator_keeps_the_count(text: str, values: list[tuple[int, int, int]]) -> None:
    assert [(q.value, q.low, q.high) for q in find_quantities(text)] == values


# -- Arabic-Indic digits ------------------------------------------------------------------------

def test_the_arabic_percent_sign_is_a_percent_sign() -> None:
    # (it once sent find_quantities and find_dates into endless recursion)
    assert [q.value for q in find_quantities("up 50\u066a on the week, 20 killed")] == [20]
    assert [q.value for q in find_quantities("\u066a 20 people killed")] == [20]
    assert [d.date.isoformat() for d in find_dates("\u066a 3 March 2012", None)] == ["2012-03-03"]


_ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
_EXTENDED_ARABIC_INDIC = str.maketrans("0123456789", "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9")


@pytest.mark.parametrize(
    ("text", "qtext", "value", "noun"),
    [
        ("\u0661\u0662 people were killed", "\u0661\u0662", 12, "people"),
        ("\u06f1\u06f2 killed", "\u06f1\u06f2", 12, None),
        ("at least \u0661\u0662 civilians", "at least \u0661\u0662", 12, "civilians"),
        ("\u0661\u0662\u066c\u0660\u0660\u0660 people fled", "\u0661\u0662\u066c\u0660\u0660\u0660", 12_000, "people"),
        ("\u0661\u066b\u0665 million refugees", "\u0661\u066b\u0665 million", 1_500_000, "refugees"),
    ],
)
def test_arabic_indic_digits_read_as_ascii_digits(text: str, qtext: str, value: int, noun: str | None) -> None:
    [q] = find_quantities(text)
    assert (q.text, q.value, q.noun) == (qtext, value, noun)
    assert text[q.start : q.end] == q.text


@pytest.mark.parametrize(
    "text",
    ["\u0661\u0665\u066b\u0668", "in \u0662\u0660\u0661\u0662", "\u0664\u0660 km north of Homs",
     "-\u0665 killed"],
)
def test_arabic_indic_numbers_that_are_no_counts_stay_none(text: str) -> None:
    assert find_quantities(text) == []


def test_ascii_digits() -> None:
    text = "killed 12 in Homs, \u0642\u062a\u0644"  # nothing to change: the same object
    assert ascii_digits(text) is text
    assert ascii_digits("\u0663 \u0622\u0630\u0627\u0631 \u06f2\u06f0\u06f1\u06f2") == "3 \u0622\u0630\u0627\u0631 2012"
    assert ascii_digits("\u0967\u0968") == "\u0967\u0968"  # other scripts' digits are left alone
    assert parse_number("\u0661\u0662\u066c\u0660\u0660\u0660") == 12_000


@settings(max_examples=300, deadline=None)
@given(_SOUP, st.sampled_from([_ARABIC_INDIC, _EXTENDED_ARABIC_INDIC]))
def test_a_text_in_arabic_indic_digits_reads_as_in_ascii_ones(text: str, table: dict[int, str]) -> None:
    arabic = text.translate(table)
    expected = [(q.start, q.end, q.value, q.low, q.high, q.qualifier, q.noun) for q in find_quantities(text)]
    found = find_quantities(arabic)
    assert [(q.start, q.end, q.value, q.low, q.high, q.qualifier, q.noun) for q in found] == expected
    assert all(q.text == arabic[q.start : q.end] for q in found)
