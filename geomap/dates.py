"""Report dates and the dates that news text refers to.

* :func:`find_report_date` -- the publication date from the metadata lines at the top of a report
  ("Last Modified: 18 Feb 2012 11:06", "Last updated: July 6, 2012", "06 July 2012 | 18:39").
* :func:`find_dates` -- every date expression in a text, resolved against the report date:
  explicit dates ("July 6, 2012", "6 July 2012", "June 22", "on 25 May"), weekdays
  ("on Thursday", "Friday night"), "yesterday" / "today", "last week", "late last month",
  "earlier this month", "in March last year", "mid-March 2011", "two weeks ago",
  "three days ago", "in 2011", "at the end of 2011".
* :func:`nearest_date` -- the date expression that most plausibly dates a position (a casualty
  figure, a place name).

Resolution rules
----------------
* A day and month without a year take the year (of ``ref.year - 1``, ``ref.year``,
  ``ref.year + 1``) that puts the date closest to ``ref``, with future distances counted three
  times (news mostly reports the past): "February 26" in a report of 18 Feb is 26 Feb of the
  same year, "December 28" in a report of 5 Jan is the previous December.
* A bare weekday is the latest such day on or before ``ref`` (``ref`` itself when it is that
  weekday); "last Thursday" is strictly before ``ref``, "next Thursday" / "this Thursday" on or
  after it.  Tense is not read ("would attend on Friday" still resolves backwards).
* Month-level expressions get a representative day: 5 for early / beginning / start, 15 for
  mid / middle or no modifier, 25 for late / end; "earlier this month" is half-way to ``ref``.
  Year-level ones: 15 Feb (early), 1 Jul (mid or none), 15 Nov (late / end).
* Without ``ref`` every relative expression gets ``date=None`` (the span is still reported).

Precision: 1 = a day, 2 = about a week / approximate, 3 = a month or vaguer.

Digits may be Arabic-Indic or Extended Arabic-Indic ones ("3 March \u0662\u0660\u0661\u0662"): they
read as the ASCII digits would (:func:`geomap.quantities.ascii_digits`); month and weekday
names are English ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from geomap.quantities import (
    WordStartFinder,
    ascii_digits,
    counts_people,
    first_char_alternation,
    fold_case,
    parse_number,
)

__all__ = ["DateRef", "find_dates", "find_report_date", "nearest_date"]


@dataclass(frozen=True, slots=True)
class DateRef:
    """One date expression in a text.

    Attributes
    ----------
    start, end : int
        Character span; ``text[start:end] == self.text``.  Leading prepositions ("on", "in",
        "since") are not part of the span; modifiers ("late", "last", "mid-") are.
    text : str
        The expression as written.
    date : datetime.date or None
        The resolved (or representative) day; None when it needs a reference date and none
        was given.
    precision : int
        1 = a day, 2 = about a week / approximate, 3 = a month or vaguer.
    """

    start: int
    end: int
    text: str
    date: date | None
    precision: int


# --------------------------------------------------------------------------------------------
# vocabulary and regexes (compiled once)

_MONTH_NAMES = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
#: Case-sensitive month (inside IGNORECASE patterns): "May" the month, not "may" the verb.
_MONTH_CS = rf"(?-i:{_MONTH_NAMES})\b\.?"
_MONTH_CI = rf"(?:{_MONTH_NAMES})\b\.?"
_MONTH_NUM = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD_ABBR = (
    r"(?-i:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|"
    r"Sat(?:urday)?|Sun(?:day)?)\b\.?"
)
_WD_FULL = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
_DAY = r"(?<![\d,.])(?:[12]\d|3[01]|0?[1-9])(?![\d])"
_YEAR = r"(?<![\d,.])(?:19|20)\d{2}(?![\d])"
_ORD = r"(?:st|nd|rd|th)?"
_MOD = (
    r"early|mid|late|the\s+end\s+of|end\s+of|the\s+beginning\s+of|beginning\s+of|"
    r"the\s+start\s+of|start\s+of|the\s+middle\s+of|middle\s+of"
)
_NUMWORD = (
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-](?:one|two|three|four|"
    r"five|six|seven|eight|nine))?|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen|one|two|three|four|five|six|seven|eight|nine|ten"
)

_DATE_RE = re.compile(
    rf"""
    (?<![A-Za-z])(?=\w)  # every alternative starts a word: skip other positions fast
    (?:
    (?P<iso>(?<![\d-])(?P<iso_y>(?:19|20)\d{{2}})-(?P<iso_m>0?[1-9]|1[0-2])
        -(?P<iso_d>0?[1-9]|[12]\d|3[01])(?![\d-]))
  | (?:\b(?:in|since|until|till|by|during|from|to|through|before|after|between|of|and|on|
          for|around)\s+)?
    (?P<mp>
        (?:(?P<mp_mod>{_MOD})[\s-]*)?
        (?:{_WD_ABBR},?\s+)?
        (?:(?P<mp_d1>{_DAY}){_ORD}(?:\s+of)?\s+)?
        (?P<mp_mon>{_MONTH_CS})
        (?:\s+(?P<mp_d2>{_DAY}){_ORD}(?![\d,]\d))?
        (?:,?\s+(?P<mp_y>{_YEAR})|\s+(?P<mp_rel>last|this|next)\s+year\b)?
    )
  | (?:\bon\s+)?
    (?P<wd>(?:(?P<wd_mod>last|this|next|early|late)\s+)?(?P<wd_day>{_WD_FULL})
        (?:\s+(?:night|morning|afternoon|evening)\b)?)
  | (?P<ago>\b(?P<ago_n>\d{{1,3}}|a\s+few|a\s+couple\s+of|several|an?|{_NUMWORD})
        \s+(?P<ago_u>days?|weeks?|months?|years?|decades?)\s+ago\b)
  | (?P<per>\b(?:(?P<per_mod>{_MOD}|earlier|later)[\s-]+)?
        (?P<per_rel>last|this|next|past|previous)\s+(?P<per_u>week|weekend|month|year)\b)
  | (?P<rel>\b(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|last\s+night|
        this\s+(?:morning|afternoon|evening))\b(?:\s+(?:morning|afternoon|evening|night)\b)?)
  | (?:\b(?:in|since|during|until|till|by|from|through|of|for|before|after)\s+)?
    (?P<yr>(?:(?P<yr_mod>{_MOD})[\s-]*)?(?P<yr_y>{_YEAR}))
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

#: Every date expression contains one of these; the quick pre-check, and the points from which
#: :data:`_DATE_RE` is searched (from up to :data:`_MAX_PREFIX` characters earlier, so a leading
#: "since the beginning of" is still seen).  Several times faster than scanning every position.
#: :func:`_next_anchor` finds the same matches faster still.
_ANCHOR_RE = re.compile(
    rf"\d|(?-i:\b(?:{_MONTH_NAMES}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))|"
    r"\b(?:ago|yesterday|today|tonight|night|morning|afternoon|evening|week|weekend|month|year)"
    r"\b",
    re.IGNORECASE,
)
_MAX_PREFIX = 40
_DIGIT_RE = re.compile(r"\d")
#: The word alternatives of :data:`_ANCHOR_RE`, in its order: case-sensitive month and weekday
#: names (no ``|`` inside a month name), then the other words.
_ANCHOR_NAMES = [*_MONTH_NAMES.split("|"), *(day.capitalize() for day in _WEEKDAYS)]
_ANCHOR_WORDS = "ago yesterday today tonight night morning afternoon evening week weekend month year"
_WORD_ANCHOR = WordStartFinder(
    "(?:"
    + first_char_alternation((), exact=_ANCHOR_NAMES)
    + "|"
    + first_char_alternation(word + r"\b" for word in _ANCHOR_WORDS.split())
    + ")",
    after_word=True,
)

#: The first word of each alternative of :data:`_DATE_RE` (a preposition only with what can
#: follow it): :data:`_DATE_RE` can only match where one of these starts, not after a letter.
#: Trying it only there (:func:`_search_date`) finds the same matches several times faster.
#: Keep them in step with :data:`_DATE_RE`.
_DATE_NEXT = (
    r"(?:\d|early|mid|late|end|beginning|start|middle|last|this|next"
    r"|the\s+(?:end|beginning|start|middle)"
    r"|(?-i:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec))"
)
_DATE_FIRST_WORDS = (
    # "in March", "on Friday", "since 2011", "by the end of"
    *(rf"{p}\s+{_DATE_NEXT}" for p in "in since until till by during from to through before after "
                                        "between of and on for around".split()),
    # a modifier, a weekday or a period ("last week", "the day before yesterday")
    *"early mid late end beginning start middle last this next earlier past previous".split(),
    *"yesterday today tonight".split(), r"the\s+(?:end|beginning|start|middle|day)",
    # "... ago"
    "several", r"a\s+(?:few|couple)", r"an?\s+(?:day|week|month|year|decade)",
    *"""twenty thirty forty fifty sixty seventy eighty ninety eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen one two three four five six seven eight nine
    ten""".split(),
)
_DATE_START = WordStartFinder(
    first_char_alternation(
        _DATE_FIRST_WORDS,
        exact="Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
        other=[r"\d"],
    )
)

_FULL_DATE_RE = re.compile(
    rf"""
    (?<![\d-])(?P<iy>(?:19|20)\d{{2}})-(?P<im>0?[1-9]|1[0-2])-(?P<id>0?[1-9]|[12]\d|3[01])(?![\d-])
  | (?:{_WD_ABBR},?\s+)?(?P<dd>{_DAY}){_ORD}(?:\s+of)?\s+(?P<dm>{_MONTH_CI}),?\s+(?P<dy>{_YEAR})
  | (?:{_WD_ABBR},?\s+)?(?P<mm>{_MONTH_CI})\s+(?P<md>{_DAY}){_ORD},?\s+(?P<my>{_YEAR})
    """,
    re.IGNORECASE | re.VERBOSE,
)
_META_LABEL_RE = re.compile(
    r"\b(?:last\s+modified|last\s+updated|first\s+published|updated|published|posted|dated?)"
    r"(?:\s+(?:on|at))?\s*[:|\-–—]?\s*",
    re.IGNORECASE,
)
_NUMERIC_DATE_RE = re.compile(r"(?m)^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
#: Every :data:`_FULL_DATE_RE` match has a year like this; every :data:`_META_LABEL_RE` match
#: one of the words of :data:`_META_LABEL_STEMS` (folded).
_YEARISH_RE = re.compile(r"(?:19|20)\d\d")
_META_LABEL_STEMS = ("modified", "updated", "published", "posted", "date")
_SENTENCE_BREAK_RE = re.compile(r"[.!?][\"'”’)]*\s+|\n")


# --------------------------------------------------------------------------------------------
# helpers


def _month_num(name: str) -> int:
    """Month number of a month name or abbreviation."""
    return _MONTH_NUM[fold_case(name[:3])]


def _safe_date(year: int, month: int, day: int) -> date | None:
    """``date(year, month, day)`` or None when it does not exist."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _shift(ref: date, days: int) -> date | None:
    """``ref + days`` or None on overflow."""
    try:
        return ref + timedelta(days=days)
    except OverflowError:
        return None


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    """(year, month) moved by ``n`` months."""
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def _last_day(year: int, month: int) -> int:
    """Number of days in a month."""
    if month == 12:
        return 31
    nxt = _safe_date(year, month + 1, 1)
    return (nxt - timedelta(days=1)).day if nxt is not None else 28


def _nearest_year(ref: date, month: int, day: int) -> date | None:
    """The (month, day) in ref.year-1 .. ref.year+1 closest to ``ref`` (future counted x3)."""
    best: date | None = None
    best_score = 0
    for year in (ref.year - 1, ref.year, ref.year + 1):
        d = _safe_date(year, month, day)
        if d is None:
            continue
        delta = (d - ref).days
        score = delta * 3 if delta > 0 else -delta
        if best is None or score < best_score:
            best, best_score = d, score
    return best


def _mod_day(mod: str | None) -> int:
    """Representative day of the month for a modifier."""
    if not mod:
        return 15
    m = fold_case(mod)
    if m.startswith(("early", "the beginning", "beginning", "the start", "start")):
        return 5
    if m.startswith(("late", "the end", "end")):
        return 25
    return 15


def _mod_year_day(mod: str | None) -> tuple[int, int]:
    """Representative (month, day) of a year for a modifier."""
    day = _mod_day(mod)
    if day == 5:
        return 2, 15
    if day == 25:
        return 11, 15
    return 7, 1


def _parse_full(m: re.Match[str]) -> date | None:
    """Date from a :data:`_FULL_DATE_RE` match."""
    if m.group("iy"):
        return _safe_date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
    if m.group("dd"):
        return _safe_date(int(m.group("dy")), _month_num(m.group("dm")), int(m.group("dd")))
    return _safe_date(int(m.group("my")), _month_num(m.group("mm")), int(m.group("md")))


# --------------------------------------------------------------------------------------------
# public API


def find_report_date(text: str, head_chars: int = 600) -> date | None:
    """The publication date of a report, from the lines near its top.

    A date right after a metadata label ("Last Modified:", "Last updated:", "Published",
    "Posted", "Updated", "Date:") wins; otherwise the first full date (day, month and year, or
    ISO ``YYYY-MM-DD``) in the first ``head_chars`` characters.  A day and month without a
    year ("July 5") is not enough.

    Parameters
    ----------
    text : str
        The report.
    head_chars : int
        How much of the top to read.

    Returns
    -------
    datetime.date or None
    """
    head = ascii_digits(text[: max(0, head_chars)])
    if not head or _DIGIT_RE.search(head) is None:  # every date below has a digit
        return None
    if _YEARISH_RE.search(head) is not None:
        low = fold_case(head)
        if any(stem in low for stem in _META_LABEL_STEMS):
            for label in _META_LABEL_RE.finditer(head):
                m = _FULL_DATE_RE.match(head, label.end())
                if m is not None:
                    d = _parse_full(m)
                    if d is not None:
                        return d
        for m in _FULL_DATE_RE.finditer(head):
            d = _parse_full(m)
            if d is not None:
                return d
    # numeric day/month/year on a line of its own ("15/01/2013 20:10 GMT"), day first
    for m in _NUMERIC_DATE_RE.finditer(head):
        day, month, year = (int(g) for g in m.groups())
        d = _safe_date(year, month, day) if 1900 < year < 2100 else None
        if d is not None:
            return d
    return None


def find_dates(text: str, ref: date | None) -> list[DateRef]:
    """Find and resolve the date expressions in ``text``.

    Parameters
    ----------
    text : str
        A sentence or a whole report.
    ref : datetime.date or None
        The report date, for relative expressions and dates without a year.

    Returns
    -------
    list of DateRef
        In text order, non-overlapping.  Never raises.  See the module docstring for the
        resolution rules.
    """
    if not text:
        return []
    read = ascii_digits(text)
    if read != text:  # "3 March \u0662\u0660\u0661\u0662": read as "3 March 2012"
        return [replace(d, text=text[d.start : d.end]) for d in find_dates(read, ref)]
    # the next digit and the next date word, each kept until the scan passes it
    digit = _DIGIT_RE.search(text)
    word = _WORD_ANCHOR.span(text)
    anchor = _first_anchor(digit, word)
    out: list[DateRef] = []
    pos = 0
    while anchor is not None:
        m = _search_date(text, max(pos, anchor[0] - _MAX_PREFIX))
        if m is None:
            break
        pos = max(m.end(), m.start() + 1)
        found = _resolve(text, m, ref)
        if found is not None:
            out.append(found)
        after = max(pos, anchor[1])
        if digit is not None and digit.start() < after:
            digit = _DIGIT_RE.search(text, after)
        if word is not None and word[0] < after:
            word = _WORD_ANCHOR.span(text, after)
        anchor = _first_anchor(digit, word)
    return out


def _first_anchor(
    digit: re.Match[str] | None, word: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Span of the earlier of a digit and a date word (never both at one position)."""
    if digit is not None and (word is None or digit.start() < word[0]):
        return digit.span()
    return word


def _next_anchor(text: str, pos: int) -> tuple[int, int] | None:
    """Span of ``_ANCHOR_RE.search(text, pos)``: the next digit or date word."""
    return _first_anchor(_DIGIT_RE.search(text, pos), _WORD_ANCHOR.span(text, pos))


def _search_date(text: str, pos: int) -> re.Match[str] | None:
    """``_DATE_RE.search(text, pos)``, trying :data:`_DATE_RE` only where it can match."""
    start = _DATE_START.find(text, pos)
    while start >= 0:
        m = _DATE_RE.match(text, start)
        if m is not None:
            return m
        start = _DATE_START.find(text, start + 1)
    return None


def _resolve(text: str, m: re.Match[str], ref: date | None) -> DateRef | None:
    """Turn one :data:`_DATE_RE` match into a DateRef (None if it is not a date after all)."""
    kind = m.lastgroup
    if kind == "iso":
        d = _safe_date(int(m.group("iso_y")), int(m.group("iso_m")), int(m.group("iso_d")))
        return _make(text, m, "iso", d, 1) if d else None
    if kind == "mp":
        return _resolve_month_phrase(text, m, ref)
    if kind == "wd":
        return _make(text, m, "wd", _resolve_weekday(m, ref), 1)
    if kind == "ago":
        return _resolve_ago(text, m, ref)
    if kind == "per":
        return _resolve_period(text, m, ref)
    if kind == "rel":
        phrase = " ".join(fold_case(m.group("rel")).split())
        if phrase.startswith("the day before"):
            offset = -2
        elif phrase.startswith(("yesterday", "last night")):
            offset = -1
        else:
            offset = 0
        return _make(text, m, "rel", _shift(ref, offset) if ref else None, 1)
    if kind == "yr":
        mod = m.group("yr_mod")
        # a bare year needs a preposition or modifier in front of it ("in 2011", "end of 2011")
        if not mod and m.start() == m.start("yr"):
            return None
        month, day = _mod_year_day(mod)
        return _make(text, m, "yr", _safe_date(int(m.group("yr_y")), month, day), 3)
    return None


def _make(text: str, m: re.Match[str], group: str, d: date | None, precision: int) -> DateRef:
    """DateRef over the span of ``group``."""
    s, e = m.span(group)
    return DateRef(s, e, text[s:e], d, precision)


#: A number in the year slot of a day and month that is no year ("1 January 10000", "May 3,
#: 9999"): the date is garbled, so it gives none (rather than the day in the report's year).
_BAD_YEAR_AFTER_RE = re.compile(r",?\s+\d{4,}(?![\d,.]\d)")


def _resolve_month_phrase(text: str, m: re.Match[str], ref: date | None) -> DateRef | None:
    """Dates built around a month name ("6 July 2012", "June 22", "late March last year")."""
    mod = m.group("mp_mod")
    day_txt = m.group("mp_d1") or m.group("mp_d2")
    year_txt = m.group("mp_y")
    rel = m.group("mp_rel")
    has_cue = m.start() != m.start("mp")
    if not (has_cue or mod or day_txt or year_txt or rel):
        return None  # a bare capitalised month name is too often something else
    bad_year = _BAD_YEAR_AFTER_RE.match(text, m.end("mp")) if day_txt is not None and year_txt is None else None
    if bad_year and rel is None and not counts_people(text, bad_year.end()):
        return None  # "1 January 10000": no such year; "3 May, 1500 people" is a toll after a date
    month = _month_num(m.group("mp_mon"))
    if day_txt is not None:
        day, precision = int(day_txt), 1
    else:
        day, precision = _mod_day(mod), 3
    d: date | None
    if year_txt is not None:
        d = _safe_date(int(year_txt), month, day)
        if d is None:
            return None
    elif ref is None:
        if day_txt is not None and _safe_date(2000, month, day) is None:
            return None
        d = None
    elif rel is not None:
        offset = {"last": -1, "this": 0, "next": 1}[fold_case(rel)]
        d = _safe_date(ref.year + offset, month, day)
    else:
        d = _nearest_year(ref, month, day)
        if d is None:
            return None
    return _make(text, m, "mp", d, precision)


def _resolve_weekday(m: re.Match[str], ref: date | None) -> date | None:
    """The day a weekday expression points at, relative to ``ref``."""
    if ref is None:
        return None
    target = _WEEKDAYS.index(fold_case(m.group("wd_day")))
    mod = fold_case(m.group("wd_mod") or "")
    if mod in ("next", "this"):
        ahead = (target - ref.weekday()) % 7
        if mod == "next" and ahead == 0:
            ahead = 7
        return _shift(ref, ahead)
    back = (ref.weekday() - target) % 7
    if mod == "last" and back == 0:
        back = 7
    return _shift(ref, -back)


def _resolve_ago(text: str, m: re.Match[str], ref: date | None) -> DateRef | None:
    """ "three days ago", "two weeks ago", "a month ago"."""
    n_txt = " ".join(fold_case(m.group("ago_n")).split())
    vague = n_txt in ("a few", "several", "a couple of")
    if n_txt in ("a", "an"):
        n: int | None = 1
    elif vague:
        n = 2 if n_txt == "a couple of" else 3
    else:
        n = parse_number(n_txt)
    if n is None:
        return None
    unit = fold_case(m.group("ago_u")).rstrip("s")
    d: date | None = None
    if unit == "day":
        precision = 2 if vague else 1
        if ref is not None:
            d = _shift(ref, -n)
    elif unit == "week":
        precision = 2
        if ref is not None:
            d = _shift(ref, -7 * n)
    else:
        precision = 3
        months = n if unit == "month" else n * (12 if unit == "year" else 120)
        if ref is not None:
            y, mo = _add_months(ref.year, ref.month, -months)
            d = _safe_date(y, mo, min(ref.day, _last_day(y, mo))) if y >= 1 else None
    return _make(text, m, "ago", d, precision)


def _resolve_period(text: str, m: re.Match[str], ref: date | None) -> DateRef:
    """ "last week", "late last month", "earlier this month", "last year"."""
    mod = " ".join(fold_case(m.group("per_mod") or "").split())
    rel = fold_case(m.group("per_rel"))
    unit = fold_case(m.group("per_u"))
    step = {"last": -1, "previous": -1, "past": -1, "this": 0, "next": 1}[rel]
    precision = 3 if unit in ("month", "year") else 2
    if ref is None:
        return _make(text, m, "per", None, precision)
    d: date | None
    try:
        if unit == "week":
            if rel == "past":
                d = ref - timedelta(days=3)
            elif not mod:
                d = ref + timedelta(days=7 * step)
            else:
                monday = ref - timedelta(days=ref.weekday()) + timedelta(days=7 * step)
                if mod == "earlier":
                    d = monday + timedelta(days=ref.weekday() // 2) if step == 0 else monday
                elif mod == "later":
                    d = monday + timedelta(days=(ref.weekday() + 6) // 2) if step == 0 else monday
                else:
                    d = monday + timedelta(days={5: 1, 15: 2, 25: 4}[_mod_day(mod)])
        elif unit == "weekend":
            saturday = ref - timedelta(days=ref.weekday()) + timedelta(days=5)
            d = saturday + timedelta(days=7 * step) if step else saturday
            if step == -1 and ref.weekday() >= 5:
                d = saturday - timedelta(days=7)
        elif unit == "month":
            if rel == "past":
                d = ref - timedelta(days=15)
            else:
                y, mo = _add_months(ref.year, ref.month, step)
                last = _last_day(y, mo)
                if mod == "earlier":
                    day = max(1, ref.day // 2) if step == 0 else 5
                elif mod == "later":
                    day = min(last, (ref.day + last) // 2 + 1) if step == 0 else 25
                else:
                    day = _mod_day(mod)
                d = _safe_date(y, mo, min(day, last))
        else:  # year
            if rel == "past":
                d = ref - timedelta(days=182)
            else:
                y = ref.year + step
                jan1 = _safe_date(y, 1, 1)
                if mod == "earlier" and step == 0 and jan1 is not None:
                    d = jan1 + (ref - jan1) // 2
                elif mod == "later" and step == 0:
                    dec31 = _safe_date(y, 12, 31)
                    d = ref + (dec31 - ref) // 2 if dec31 is not None else None
                else:
                    month, day = _mod_year_day(mod)
                    d = _safe_date(y, month, day)
    except (OverflowError, ValueError):
        d = None
    return _make(text, m, "per", d, precision)


def nearest_date(
    dates: list[DateRef], pos: int, window: int = 300, text: str | None = None
) -> DateRef | None:
    """The date expression that most plausibly dates the position ``pos``.

    A date whose span contains ``pos`` wins.  Otherwise candidates within ``window``
    characters are ranked by distance, dates after ``pos`` counting double (a date before is
    preferred, but "53 people were killed ... on Friday" still finds Friday).  With ``text``,
    dates in the same sentence as ``pos`` are preferred to any outside it.

    Parameters
    ----------
    dates : list of DateRef
        From :func:`find_dates` on the same text.
    pos : int
        Character offset of the thing to date.
    window : int
        Maximum distance in characters.
    text : str, optional
        The text, to find sentence bounds.

    Returns
    -------
    DateRef or None
    """
    if not dates:
        return None
    lo, hi = pos - window, pos + window
    if text is not None:
        lo_s = max(lo, 0)
        for br in _SENTENCE_BREAK_RE.finditer(text, lo_s, max(lo_s, pos)):
            lo = br.end()
        br_after = _SENTENCE_BREAK_RE.search(text, max(pos, 0), max(pos, 0) + window)
        sent = (lo, br_after.end() if br_after else hi)
        best = _closest(dates, pos, sent[0], sent[1])
        if best is not None:
            return best
        lo, hi = pos - window, pos + window
    return _closest(dates, pos, lo, hi)


def _closest(dates: list[DateRef], pos: int, lo: int, hi: int) -> DateRef | None:
    """Closest date within ``[lo, hi]`` (after-``pos`` distances doubled)."""
    best: DateRef | None = None
    best_score = 0
    for d in dates:
        if d.start <= pos < d.end:
            return d
        if d.end <= pos:
            if d.start < lo:
                continue
            score = pos - d.end
        elif d.start >= pos:
            if d.end > hi:
                continue
            score = 2 * (d.start - pos)
        else:  # pragma: no cover - overlap handled above
            continue
        if best is None or score < best_score:
            best, best_score = d, score
    return best
