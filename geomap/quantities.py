"""Numbers of people (and other counted things) in English news text.

:func:`find_quantities` finds every counting expression in a sentence or a whole report --
digits (``"1,800"``), number words (``"ninety-nine"``, ``"two million"``), vague amounts
(``"dozens"``, ``"tens of thousands"``), single people (``"a child"``) and small families
(``"a couple and their child"``) -- together with the qualifier in front of it (``"at least"``,
``"more than"``, ``"almost"``, ``"some"``, ``"up to"``, ``"between ... and ..."``).  It skips
numbers that are not counts: years, dates, times, durations, ordinals, percentages, money,
measurements, identifiers (``"Chapter 7"``, ``"MiG-21"``, ``"Resolution 2042"``) and compound
modifiers (``"six-point plan"``, ``"16-month conflict"``).

Thousands written without commas -- ``"1 200"``, ``"1'200"``, ``"1.200"`` -- are one number
only where a count of people is certain (a people noun or a casualty word follows, see
:func:`_grouped_count`); elsewhere ``"1.200"`` stays a decimal and ``"1 200"`` two numbers.

:func:`breakdown_of` / :func:`find_breakdowns` read the parts that follow a total
(``"53 people were killed -- 35 civilians, 14 soldiers and four rebels"``), so a caller can tell
a breakdown of the victims from additional victims.

Conventions for :class:`Quantity`
---------------------------------
==============  =======  ======  ======  ===========  ==========================================
expression      value    low     high    approximate  qualifier
==============  =======  ======  ======  ===========  ==========================================
``13``          13       13      13      False        None
``at least 13`` 13       13      None    False        ``'at least'``
``more than N`` N        N       None    False        ``'more than'`` (also "over", "above")
``almost 400``  400      None    400     True         ``'almost'`` (also "nearly", "close to")
``some N``      N        None    None    True         ``'about'`` (also "around", "roughly")
``an estimated``N        None    None    True         ``'estimated'``
``up to 30``    30       None    30      True         ``'up to'`` (also "as many as", "fewer than")
``20 to 30``    20       20      30      True         ``'range'`` (value is the LOW end)
``between 30    20       20      30      True         ``'range'`` (either order after "between")
and 20``
``dozens``      None     24      99      True         None (see :data:`_VAGUE`)
==============  =======  ======  ======  ===========  ==========================================

A qualifier is part of the span (``text`` of ``"at least 13 people"`` is ``"at least 13"``);
the counted noun is not, it is reported in ``noun``.

Speed
-----
Extraction runs these regexes on every sentence, so the module also holds the helpers that keep
that cheap without changing a single match (shared with :mod:`geomap.dates` and
:mod:`geomap.incidents`): :func:`fold_case` for substring tests that rule a case-insensitive
regex out before it runs, :func:`first_char_alternation` and :class:`WordStartFinder` for
scanning only where a word can start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = [
    "Breakdown",
    "Quantity",
    "ascii_digits",
    "breakdown_of",
    "find_breakdowns",
    "find_quantities",
    "parse_number",
]


@dataclass(frozen=True, slots=True)
class Quantity:
    """One counting expression found in a text.

    Attributes
    ----------
    start, end : int
        Character span into the searched text; ``text[start:end] == self.text``.  The span
        includes a leading qualifier ("at least") but not the counted noun.
    text : str
        The expression as written.
    value : int or None
        Best single number: the number itself, the bound for bounded expressions, the low end
        of a range; None for vague amounts ("dozens").
    low, high : int or None
        Known lower and upper bounds (both equal ``value`` for an exact number).
    approximate : bool
        True when the true count may differ from ``value`` (about, almost, up to, ranges,
        vague amounts).  "at least" and "more than" are firm bounds, so False.
    qualifier : str or None
        One of ``'at least'``, ``'more than'``, ``'almost'``, ``'about'``, ``'up to'``,
        ``'estimated'``, ``'range'`` or None.
    noun : str or None
        Lowercased head noun that follows ("people", "civilians", "nations"), ``'family'`` for
        family phrases, the person noun for "a child" / "a man"; None when none is found.
    """

    start: int
    end: int
    text: str
    value: int | None
    low: int | None
    high: int | None
    approximate: bool
    qualifier: str | None
    noun: str | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Parts listed after a total ("-- 35 civilians, 14 soldiers and four rebels").

    Attributes
    ----------
    total : Quantity
        The quantity being broken down.
    parts : tuple of (str, int)
        ``(noun, value)`` for each listed part, in order.
    start, end : int
        Span of the listed parts in the text.
    """

    total: Quantity
    parts: tuple[tuple[str, int], ...]
    start: int
    end: int

    @property
    def part_sum(self) -> int:
        """Sum of the part values."""
        return sum(v for _, v in self.parts)

    @property
    def sums_to_total(self) -> bool:
        """True when the parts add up exactly to the total's value (a full breakdown)."""
        return self.total.value is not None and self.part_sum == self.total.value

    @property
    def within_total(self) -> bool:
        """True when the parts do not exceed the total's upper bound (a breakdown or a subset)."""
        return self.total.high is None or self.part_sum <= self.total.high


# --------------------------------------------------------------------------------------------
# vocabulary

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SMALL_WORDS = {**_UNITS, **_TEENS, **_TENS}

#: Vague amounts: (low, high).
_VAGUE: dict[str, tuple[int, int]] = {
    "tens": (20, 99),
    "dozens": (24, 99),
    "dozen": (24, 99),  # "several dozen", "a few dozen"
    "scores": (40, 199),
    "hundreds": (200, 999),
    "hundred": (200, 999),
    "thousands": (2_000, 9_999),
    "thousand": (2_000, 9_999),
    "millions": (2_000_000, 9_999_999),
    "million": (2_000_000, 9_999_999),
    "tens of thousands": (20_000, 99_999),
    "hundreds of thousands": (200_000, 999_999),
}

#: Nouns that certainly denote counted people (used to tell "2000 people" from a year and to
#: pick the head noun out of a run of words).
_PEOPLE_NOUNS = frozenset(
    """
    people persons person civilians civilian soldiers soldier troops troop men man women woman
    children child kids kid boys boy girls girl babies baby infants infant toddlers teenagers
    teenager youths youth students student protesters protester demonstrators demonstrator
    rebels rebel fighters fighter militants militant insurgents insurgent gunmen gunman
    militiamen militiaman policemen policeman police officers officer generals general
    members member activists activist journalists journalist doctors doctor nurses medics
    refugees refugee syrians syrian detainees detainee prisoners prisoner victims victim
    bodies body defectors defector deserters observers observer monitors
    monitor residents resident villagers worshippers mourners guards guard personnel staff
    workers worker pilots pilot colonels colonel officials official ministers minister
    diplomats diplomat hostages hostage families family relatives migrants
    nationals citizens citizen shabiha jihadists jihadist volunteers recruits
    """.split()
)

#: Participles that head a noun phrase on their own ("1,800 wounded").
_PARTICIPLE_NOUNS = frozenset({"wounded", "injured", "displaced", "detained", "arrested"})

_STOP_WORDS = frozenset(
    """
    a an the of in on at to from by with for and or but nor as that which who whom whose
    were was are is be been being have has had having will would could should may might must
    can cannot do does did done said say says saying told tell died die dies dead killed left
    fled including among across since after before during than more most less least such each
    this these those their its his her our my your they them it we he she you i me us not no
    all per while when where whereas into onto over under near also still now then there here
    yet so up out off down according what how if because though although until till within
    without about around between against toward towards like just only even again ago
    """.split()
)

_MONTHS_CS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)


def _alt(words: object) -> str:
    """Regex alternation of ``words``, longest first so prefixes never shadow."""
    return "|".join(sorted(words, key=len, reverse=True))  # type: ignore[arg-type]


#: The characters other than ASCII letters that case-insensitive regex matching takes for an
#: ASCII letter: dotted capital I and dotless i for ``i``, the Kelvin sign for ``k``, long s
#: for ``s``.
_CASE_TWINS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_FOLD_TABLE = str.maketrans(
    {twin: letter for letter, twins in _CASE_TWINS.items() for twin in twins}
)


def fold_case(text: str) -> str:
    """Lowercase ``text`` for cheap substring tests before a case-insensitive regex.

    Every stretch of ``text`` that a case-insensitive regex matches with lowercase ASCII
    letters reads as those letters in the result, so ``"killed" not in fold_case(s)`` proves
    that ``re.search("killed", s, re.I)`` fails.  The result has the length of ``text`` and
    lines up with it character for character.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.lower() if text.isascii() else text.translate(_FOLD_TABLE).lower()


#: Arabic-Indic (U+0660-U+0669) and Extended Arabic-Indic (U+06F0-U+06F9) digits as ASCII
#: digits, the Arabic percent sign, decimal and thousands separators as "%", "." and ",".
_ARABIC_DIGIT_TABLE = str.maketrans(
    {
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
        "\u066a": "%",
        "\u066b": ".",
        "\u066c": ",",
    }
)
_ARABIC_DIGIT_RE = re.compile("[\u0660-\u066c\u06f0-\u06f9]")


def ascii_digits(text: str) -> str:
    """``text`` with Arabic-Indic digits written as ASCII digits ("\u0661\u0662" -> "12").

    Both Arabic-Indic (U+0660-U+0669) and Extended Arabic-Indic (U+06F0-U+06F9) digits, and
    the Arabic percent sign, decimal and thousands separators (U+066A-U+066C) as "%", "." and
    ",", so that a date, a count or a percentage written with them reads as the ASCII one would.  The result lines up with
    ``text`` character for character; it is ``text`` itself when there is nothing to change.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        ``text`` with those characters replaced, one for one.
    """
    if text.isascii() or _ARABIC_DIGIT_RE.search(text) is None:
        return text
    return text.translate(_ARABIC_DIGIT_TABLE)


# --------------------------------------------------------------------------------------------
# regexes (all compiled once, at import)

_SMALL = (
    rf"(?:(?:{_alt(_TENS)})(?:(?:-|\s+)(?:{_alt(_UNITS)})\b)?|(?:{_alt({**_TEENS, **_UNITS})}))\b"
)
_HUND = rf"(?:(?:{_SMALL}|an?)\s+hundred\b(?:\s+(?:and\s+)?{_SMALL})?|{_SMALL})"
_WORDNUM = (
    rf"(?:(?:{_HUND}|an?)\s+(?:thousand|million|billion)\b(?:\s+(?:and\s+)?{_HUND})?|{_HUND})"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,12})(?!\d)"
_NUM_SIMPLE = rf"(?:{_DIGITS}|{_SMALL})"
_PERSON1 = (
    r"child|man|woman|boy|girl|baby|infant|toddler|teenager|youth|civilian|soldier|policeman|"
    r"protester|demonstrator|journalist|rebel|fighter"
)

_CORE_RE = re.compile(
    rf"""
    (?P<decscale>(?<![\w.,$£€¥#])\d{{1,3}}(?:\.\d+)?\s*(?:million|billion|thousand)\b)
  | (?P<dotted>(?<![\w.,])\d{{1,3}}(?:\.\d{{3}}){{1,4}}(?![\w%$£€]|[.,:/]\d))   # "1.200" (see _build)
  | (?P<skip>
        (?<![\w.,])\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\d)          # ISO date
      | (?<![\w.,])\d+(?:[.:/]\d+)+                          # decimal, time, 18/02/2012
    )
  | (?P<fam>\ban?\s+(?P<fam_head>couple|man|woman|mother|father)\s+and\s+(?:his|her|their)\s+
        (?:(?P<fam_n>{_NUM_SIMPLE})\s+)?
        (?P<fam_tail>children|child|sons|son|daughters|daughter|babies|baby|kids|kid|infants|
            infant|wife|husband)\b)
  | (?P<famof>\ba\s+family\s+of\s+(?P<famof_n>{_NUM_SIMPLE})\b)
  | (?P<vague>\b(?:
        (?:tens|hundreds)\s+of\s+thousands
      | (?:several|a\s+few)\s+(?:dozen|hundred|thousand|million)
      | dozens|hundreds|thousands|millions
      | (?:scores|tens)(?=\s+of\b)
    )\b)
  | (?P<dozen>\b(?:half\s+a|a|{_NUM_SIMPLE})\s+dozen\b(?!s))
  | (?P<couple>\ba\s+couple\b)
  | (?P<single>\ban?\s+(?P<single_n>{_PERSON1})\b(?![-'’]\w)
        (?!\s+(?:protection|rights|care|labou?r|soldiers?|abuse|marriage|custody|welfare|
            services?|support|benefits?|allowance)\b))
  | (?P<digits>(?<![\w.,$£€¥#])(?<![A-Za-z]-){_DIGITS}(?![\w%$£€]|[.,:/]\d))
  | (?P<words>\b{_WORDNUM})
    """,
    re.IGNORECASE | re.VERBOSE,
)


#: A character that case-insensitive ``[A-Za-z]`` does not match.
_NOT_LETTER = "[^A-Za-z" + "".join(_CASE_TWINS.values()) + "]"


def first_char_alternation(
    words: Iterable[str], exact: Iterable[str] = (), other: Iterable[str] = ()
) -> str:
    r"""Regex alternation of ``words``, grouped by first character for a fast regex engine.

    Each group opens with a case-sensitive character class, ``[tT](?i:en|wo)`` for "ten" and
    "two", which the regex engine checks in C before entering the group.  Within a group the
    alternatives keep their order.

    Parameters
    ----------
    words : iterable of str
        Case-insensitive alternatives (regex), each starting with a lowercase ASCII letter.
    exact : iterable of str
        Case-sensitive alternatives (regex), each starting with a literal character.
    other : iterable of str
        Alternatives (regex) put first as they are, e.g. ``r"\d"``.

    Returns
    -------
    str
        A non-capturing group that matches what ``(?i:words)|exact|other`` matches.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(word[1:])
    branches = list(other)
    for c, rests in groups.items():
        branches.append(f"[{c}{c.upper()}{_CASE_TWINS.get(c, '')}](?i:{'|'.join(rests)})")
    exact_groups: dict[str, list[str]] = {}
    for word in exact:
        exact_groups.setdefault(word[0], []).append(word[1:])
    branches += [f"{re.escape(c)}(?:{'|'.join(rests)})" for c, rests in exact_groups.items()]
    return "(?:" + "|".join(branches) + ")"


def _trigger_pattern() -> str:
    """Regex source of :data:`_TRIGGER`: the start of a count.

    A count starts with a digit, a number word or "a"/"an" followed by a word a count can go
    on with (``"a dozen"``, ``"a child"``; ``"an estimated"`` is not one).
    """
    words = [*_SMALL_WORDS, "hundreds", "thousands", "millions", "dozens", "scores", "tens",
             "half", "several"]
    # every :data:`_CORE_RE` alternative that starts with "a"/"an" goes on with one of these
    after_article = sorted({"couple", "man", "woman", "mother", "father", "family", "few", "dozen",
                            "hundred", "thousand", "million", "billion", *_PERSON1.split("|")})
    return first_char_alternation(
        [rf"an?\s+(?:{_alt(after_article)})"]
        + [f"{word}(?![a-z])" for word in sorted(words, key=len, reverse=True)],
        other=[r"\d"],
    )


class WordStartFinder:
    r"""Find where a regex matches at a position not right after a letter (or word character).

    Same matches as searching with ``(?<![A-Za-z])`` + ``body`` (case-insensitive letters;
    with ``after_word=True``, ``\b`` + ``body`` for a ``body`` that starts with a letter),
    but the compiled pattern is a character that is not a letter *followed by* ``body``: the
    regex engine then skips letters in C and tries ``body`` only after spaces and punctuation,
    instead of trying the whole pattern at every position.  Build ``body`` with
    :func:`first_char_alternation` so that trying it is cheap too.

    Parameters
    ----------
    body : str
        A regex (no flags: use inline ``(?i:...)`` groups).
    after_word : bool
        Not after a word character (``\w``) rather than not after a letter.
    """

    __slots__ = ("_after", "_at")

    def __init__(self, body: str, *, after_word: bool = False) -> None:
        self._at = re.compile(f"({body})")
        self._after = re.compile(("\\W" if after_word else _NOT_LETTER) + f"({body})")

    def find(self, text: str, pos: int = 0) -> int:
        """First position ``>= pos`` where ``body`` matches, not after a letter, or -1.

        Parameters
        ----------
        text : str
        pos : int

        Returns
        -------
        int
        """
        if pos <= 0:
            if self._at.match(text):
                return 0
            pos = 1
        m = self._after.search(text, pos - 1)
        return m.start() + 1 if m is not None else -1

    def span(self, text: str, pos: int = 0) -> tuple[int, int] | None:
        """Span of the first match of ``body`` that starts at or after ``pos``, or None.

        Parameters
        ----------
        text : str
        pos : int

        Returns
        -------
        tuple of (int, int) or None
        """
        if pos <= 0:
            m = self._at.match(text)
            if m is not None:
                return m.span(1)
            pos = 1
        m = self._after.search(text, pos - 1)
        return m.span(1) if m is not None else None


#: Where a count can start (:func:`_trigger_pattern`, not after a letter).  :data:`_CORE_RE`
#: is only tried there (many times faster than searching with it directly).
_TRIGGER = WordStartFinder(_trigger_pattern())

_QUALIFIER_RE = re.compile(
    r"""(?<![\w-])(?P<q>
        at\s+the\s+very\s+least|at\s+least|no\s+fewer\s+than|no\s+less\s+than|not\s+less\s+than
      | a\s+minimum\s+of|more\s+than|well\s+over|over|in\s+excess\s+of|upwards\s+of|above
      | almost|nearly|close\s+to|just\s+under|some|about|around|approximately|roughly|circa
      | an\s+estimated|estimated|up\s+to|as\s+many\s+as|fewer\s+than|less\s+than|under
      | between
    )\s+$""",
    re.IGNORECASE | re.VERBOSE,
)

_QUALIFIER_KIND = {
    "at the very least": "at least",
    "at least": "at least",
    "no fewer than": "at least",
    "no less than": "at least",
    "not less than": "at least",
    "a minimum of": "at least",
    "more than": "more than",
    "well over": "more than",
    "over": "more than",
    "in excess of": "more than",
    "upwards of": "more than",
    "above": "more than",
    "almost": "almost",
    "nearly": "almost",
    "close to": "almost",
    "just under": "almost",
    "some": "about",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "circa": "about",
    "an estimated": "estimated",
    "estimated": "estimated",
    "up to": "up to",
    "as many as": "up to",
    "fewer than": "up to",
    "less than": "up to",
    "under": "up to",
    "between": "range",
}

#: Continuation of a range after its first number: "-30", " to 30", " or 30", " and 30".
_RANGE_RE = re.compile(
    rf"(?:(?P<dash>[-–])|\s+(?P<word>to|or|and)\s+)(?P<n>{_DIGITS}(?![\w%]|[.,:/]\d)|\b{_WORDNUM})",
    re.IGNORECASE,
)

#: Identifier labels right before a number ("Chapter 7", "Article 41", "Code : 1903714").
_LABEL_RE = re.compile(
    r"""(?<![\w-])(?:chapter|chapters|article|articles|resolution|resolutions|section|paragraph|
        clause|rule|code\s*:?|route|highway|road|flight|room|page|pages|vol\.?|volume|issue|
        item|no\.?|nos\.?|number|phase|stage|level|grade|channel|category|type|model|version|
        annex|protocol|decree|law|act|bill|amendment|brigade|division|battalion|regiment|unit|
        area|camp|block|gate|building|apartment|sector|zone|checkpoint|tier|size|aged|age|ages|
        un|unsc|formula|day|week|ward|line|platform|terminal|district)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_CURRENCY_BEFORE_RE = re.compile(r"(?:[$£€¥]|\b(?:us\$|usd|eur|gbp|syp|rs\.?))\s*$", re.I)
_MONTH_BEFORE_RE = re.compile(rf"(?<![\w-]){_MONTHS_CS}\.?,?\s*$")
#: Text right before the year of a date: "1 January ", "3rd of May, ", "January 1, ".
_YEAR_SLOT_BEFORE_RE = re.compile(
    rf"(?:(?<![\d,.])(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS_CS}\.?,?"
    rf"|(?<![\w-]){_MONTHS_CS}\.?\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?,)\s+$"
)
_MONTH_AFTER_RE = re.compile(rf"(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS_CS}\b")
_PRE_ONE_RE = re.compile(
    r"(?<![\w-])(?:no|any|every|some|each|the|this|that|which|someone|anyone|a|an|only|by)\s+$",
    re.IGNORECASE,
)
_POST_ONE_RE = re.compile(r"\s+(?:another|or\s+another|by\s+one|after\s+another)\b", re.I)

#: More groups of three digits after a number of 1-3 digits, each after the same separator: a
#: space (plain, no-break or thin), an apostrophe or a closing quote ("1 200", "1'200").  Not
#: followed by more digits (a decimal, a time, a run like a phone number's "1 234 5678").
_GROUP_SPACES = " '\u2019\u00a0\u2007\u2009\u202f"
_GROUP_SEPARATORS = _GROUP_SPACES + "."
_GROUP_TAIL_RE = re.compile(
    f"(?P<sep>[{_GROUP_SPACES}])\\d{{3}}(?:(?P=sep)\\d{{3}}){{0,3}}"
    f"(?![\\w%$£€]|[.,:/'\u2019]\\d|[{_GROUP_SPACES}]\\d)"
)
#: A casualty word right after a count ("1 200 killed", "1.200 were wounded", "1'200 deaths").
_CASUALTY_AFTER_RE = re.compile(
    r"[ \t]+(?:(?:were|was|are|have\s+been|had\s+been|reportedly)\s+)?"
    r"(?:killed|dead|died|wounded|injured|hurt|slain|martyred|deaths|casualties|fatalities)\b",
    re.IGNORECASE,
)
#: A casualty word right before a count: "killed 3 200 wounded" is a list missing its comma.
_CASUALTY_BEFORE_RE = re.compile(
    r"(?<![\w-])(?:killed|dead|died|wounded|injured|hurt|slain)[\s,:;]*$", re.IGNORECASE
)

# Cheap tests run before the ``...\s*$`` regexes above (each is a search over the text before a
# number): the text before the number, right-stripped and folded, must end with one of these.
_QUALIFIER_LAST = tuple(sorted({phrase.split()[-1] for phrase in _QUALIFIER_KIND}))
_LABEL_LAST = tuple(
    """
    chapter chapters article articles resolution resolutions section paragraph clause rule code
    route highway road flight room page pages vol volume issue item no nos number phase stage
    level grade channel category type model version annex protocol decree law act bill amendment
    brigade division battalion regiment unit area camp block gate building apartment sector zone
    checkpoint tier size aged age ages un unsc formula day week ward line platform terminal
    district : .
    """.split()
)
_CURRENCY_LAST = ("$", "£", "€", "¥", "usd", "eur", "gbp", "syp", "rs", ".")
#: How the text after a number starts (left-stripped, folded) when :data:`_NOT_COUNT_AFTER_RE`
#: can match there: the first word of each of its alternatives.
_NOT_COUNT_FIRST = tuple(
    """
    - % of per second minute min hour hr day night week month year yr decade centur km kilomet
    mile met m cm mm kg kilo gram g tonne ton feet foot ft inch lit degree mph kph hectare acre
    sq square mw gw kw barrel bpd us u.s. american syrian saudi dollar euro pound lira lire
    riyal dinar yuan rouble ruble cent pence dirham franc yen usd eur gbp syp gmt utc am pm a.m.
    p.m. local times fold
    """.split()
)
_MONTH_LAST = tuple(
    """
    Jan January Feb February Mar March Apr April May Jun June Jul July Aug August Sep Sept
    September Oct October Nov November Dec December
    """.split()
)

#: Text after a number that shows it is not a count of things.
_NOT_COUNT_AFTER_RE = re.compile(
    r"""(?:
        \s*(?:-\s*|\s+of\s+)?(?:seconds?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|
            weekends?|months?|years?|yrs?|decades?|centur(?:y|ies))\b      # durations, ages
      | \s*(?:%|per\s*cent\b|percent\b|percentage\s+points?\b)          # percentages
      | \s*-?\s*(?:km2?|kms|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|m|cm|mm|kg|kilos?|
            kilograms?|grams?|g|tonnes?|tons?|feet|foot|ft|inch(?:es)?|lit(?:re|er)s?|degrees?|
            mph|kph|hectares?|acres?|sq|square|mw|gw|kw|barrels?|bpd)(?![\w-])  # measures
      | \s*(?:of\s+)?(?:(?:us|u\.s\.|american|syrian|saudi)\s+)?(?:dollars?|euros?|pounds?|
            lira|liras|lire|riyals?|dinars?|yuan|r[ou]bles?|cents?|pence|dirhams?|francs?|yen|
            usd|eur|gbp|syp)\b                                           # money
      | \s*(?:gmt|utc|am|pm|a\.m\.|p\.m\.|local\s+time)(?!\w)              # clock times
      | \s+times\b | -?fold\b                                            # multipliers
      | -(?!strong\b)[a-z]                                              # "six-point", "16-month"
    )""",
    re.IGNORECASE | re.VERBOSE,
)

#: Words after a number, for the head noun ("of the" skipped: "dozens of people").
_TAIL_RE = re.compile(
    r"(?:\s+of(?:\s+(?:the|them|those|these|whom))?(?=\s))?((?:[ \t]+[A-Za-z][A-Za-z'’-]*){1,4})"
)
_TAIL_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")

_DIGITS_FULL_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_DECSCALE_FULL_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(million|billion|thousand|hundred)", re.I)
_WORDNUM_FULL_RE = re.compile(_WORDNUM, re.IGNORECASE)
_WORD_TOKEN_RE = re.compile(r"[a-z]+")
_DOZEN_FULL_RE = re.compile(rf"(half\s+a|an?|{_NUM_SIMPLE})\s+dozen", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")
_NOT_DIGIT_RE = re.compile(r"\D")

_SENTENCE_END_RE = re.compile(r"[.!?](?=[\s\"'”’)]|$)|\n")
_BREAKDOWN_MARKER_RE = re.compile(
    r"\s(?:--|-|—|–)\s|[—–:(]|\bincluding\b|\bamong\s+them\b|\bof\s+whom\b|\bof\s+them\b",
    re.IGNORECASE,
)
#: Between two parts: the previous part's noun words, then a separator.
_PART_GAP_RE = re.compile(
    r"(?:[ \t]+[A-Za-z][\w'’-]*){0,4}[ \t]*(?:,[ \t]*(?:and[ \t]+)?|and[ \t]+|&[ \t]*|;[ \t]*)",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------
# parsing


def parse_number(text: str) -> int | None:
    """Parse a number written in digits or words.

    Parameters
    ----------
    text : str
        E.g. ``"1,800"``, ``"16500"``, ``"ninety-nine"``, ``"a dozen"``, ``"two million"``,
        ``"1.5 million"``, ``"a couple"``; Arabic-Indic digits read as ASCII ones.

    Returns
    -------
    int or None
        The value, or None when ``text`` is not exactly one number (decimals without a scale
        word, vague amounts like ``"dozens"``, anything else).
    """
    s = fold_case(_SPACES_RE.sub(" ", ascii_digits(text).strip()))
    if not s:
        return None
    if _DIGITS_FULL_RE.fullmatch(s):
        return int(s.replace(",", ""))
    m = _DECSCALE_FULL_RE.fullmatch(s)
    if m:
        return int(round(float(m.group(1)) * _SCALES[fold_case(m.group(2))]))
    if s in ("a couple", "a couple of", "a pair of"):
        return 2
    m = _DOZEN_FULL_RE.fullmatch(s)
    if m:
        head = m.group(1)
        if head.startswith("half"):
            return 6
        if head in ("a", "an"):
            return 12
        n = parse_number(head)
        return None if n is None else n * 12
    if _WORDNUM_FULL_RE.fullmatch(s):
        return _eval_words(s)
    return None


def _eval_words(s: str) -> int | None:
    """Evaluate number words already validated by the number-word grammar."""
    total = 0
    current = 0
    for tok in _WORD_TOKEN_RE.findall(s):
        if tok in _SMALL_WORDS:
            current += _SMALL_WORDS[tok]
        elif tok in ("a", "an"):
            current += 1
        elif tok == "hundred":
            current = (current or 1) * 100
        elif tok in _SCALES:
            total += (current or 1) * _SCALES[tok]
            current = 0
        elif tok != "and":
            return None
    result = total + current
    return result if result > 0 else None


def _noun_after(text: str, pos: int) -> str | None:
    """Head noun of the words right after ``pos`` (None when none)."""
    m = _TAIL_RE.match(text, pos)
    if not m:
        return None
    run: list[str] = []
    participle: str | None = None
    for raw in _TAIL_WORD_RE.findall(m.group(1)):
        w = fold_case(raw)
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        w = w.strip("'’-")
        if not w:
            break
        if w in _STOP_WORDS or w.endswith("ly"):
            break
        if w.endswith("ed"):
            if run:
                break
            participle = participle or w
            continue  # "35,000 displaced Syrians": participle used as a modifier
        run.append(w)
    if not run:
        # "1,800 wounded", "700 detained"
        return participle if participle in _PARTICIPLE_NOUNS else None
    for w in run:
        if w in _PEOPLE_NOUNS:
            return w
    for w in run:
        if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            return w
    return run[-1]


# --------------------------------------------------------------------------------------------
# finding


def find_quantities(text: str) -> list[Quantity]:
    """Find every counting expression in ``text``.

    Parameters
    ----------
    text : str
        A sentence or a whole report.

    Returns
    -------
    list of Quantity
        In text order, non-overlapping.  See the module docstring for the value / low / high
        conventions.  Never raises.

    Examples
    --------
    >>> [(q.text, q.value, q.noun) for q in find_quantities("at least 13 people killed")]
    [('at least 13', 13, 'people')]
    """
    if not text:
        return []
    read = ascii_digits(text)
    if read != text:  # "\u0661\u0662 people": found as "12 people", reported as written
        return [replace(q, text=text[q.start : q.end]) for q in find_quantities(read)]
    trigger = _TRIGGER.find(text, 0)
    out: list[Quantity] = []
    while trigger >= 0:
        m = _CORE_RE.match(text, trigger)
        if m is None:
            trigger = _TRIGGER.find(text, trigger + 1)
            continue
        pos = m.end()
        kind = m.lastgroup
        if kind != "skip":
            q, consumed = _build(text, m, kind)
            pos = max(pos, consumed)
            if q is not None:
                out.append(q)
        trigger = _TRIGGER.find(text, pos)
    return out


def _build(text: str, m: re.Match[str], kind: str | None) -> tuple[Quantity | None, int]:
    """Turn one core match into a Quantity (or None); also return where scanning resumes."""
    s, e = m.start(), m.end()
    core = m.group(0)
    value: int | None
    noun: str | None = None
    vague: tuple[int, int] | None = None
    grouped = False  # digit groups read without commas ("1 200", "1.200")

    if kind == "fam":
        head = 2 if fold_case(m.group("fam_head")) == "couple" else 1
        tail = fold_case(m.group("fam_tail"))
        n_txt = m.group("fam_n")
        if n_txt is not None:
            extra = parse_number(n_txt)
            if extra is None:
                return None, e
        elif tail.endswith(("ren", "s", "ies")):
            # "a couple and their children": at least two children
            v = head + 2
            return Quantity(s, e, core, v, v, None, True, "at least", "family"), e
        else:
            extra = 1
        value = head + extra
        noun = "family"
    elif kind == "famof":
        value = parse_number(m.group("famof_n"))
        noun = "family"
    elif kind == "single":
        value = 1
        noun = fold_case(m.group("single_n"))
    elif kind == "couple":
        value = 2
    elif kind == "dozen":
        value = parse_number(core)
    elif kind == "vague":
        key = _SPACES_RE.sub(" ", fold_case(core))
        key = key.removeprefix("several ").removeprefix("a few ")
        vague = _VAGUE.get(key)
        if vague is None:
            return None, e
        value = None
    elif kind == "decscale":
        value = parse_number(core)
    elif kind == "digits":
        value = int(core.replace(",", ""))
        tail = _GROUP_TAIL_RE.match(text, e) if len(core) <= 3 else None
        if tail is not None and _grouped_count(text, s, tail.end(), value):
            e = tail.end()  # "1 200 people", "1'200 killed": one number
            core = text[s:e]
            value = int(_NOT_DIGIT_RE.sub("", core))
            grouped = True
    elif kind == "dotted":
        if not _grouped_count(text, s, e, int(core.partition(".")[0])):
            return None, e  # "15.800", "5.000" alone: a decimal as far as we can tell
        value = int(core.replace(".", ""))  # "1.200 people": people are never fractional
        kind, grouped = "digits", True
    elif kind == "words":
        value = parse_number(core)
        if value == 1 and fold_case(core) == "one":
            if _PRE_ONE_RE.search(text, max(0, s - 12), s) or _POST_ONE_RE.match(text, e):
                return None, e
    else:  # pragma: no cover - every group is handled above
        return None, e

    if value is None and vague is None:
        return None, e

    # ---- qualifier before
    qualifier: str | None = None
    qm = None
    if s and text[s - 1].isspace():
        window = text[max(0, s - 28) : s]
        if fold_case(window.rstrip()).endswith(_QUALIFIER_LAST):
            qm = _QUALIFIER_RE.search(text, max(0, s - 28), s)
    if qm is not None:
        qualifier = _QUALIFIER_KIND[_SPACES_RE.sub(" ", fold_case(qm.group("q")))]
        start = qm.start()
    else:
        start = s

    # ---- range after ("20-30", "20 to 30", "two or three", "between 20 and 30")
    end = e
    high_range: int | None = None
    if kind in ("digits", "words", "decscale") and value is not None:
        rm = _RANGE_RE.match(text, e)
        if rm is not None and (fold_case(rm.group("word") or "") != "and" or qualifier == "range"):
            second, second_end = parse_number(rm.group("n")), rm.end()
            if grouped and (grouped_end := _grouped_range_end(text, e)) is not None:
                # "1 200 to 1 500 people": the second number is digit groups like the first
                second, second_end = int(_NOT_DIGIT_RE.sub("", text[rm.start("n") : grouped_end])), grouped_end
            if second is not None and second > value:
                high_range = second
                end = second_end
            elif second is not None and qualifier == "range" and _GROUP_TAIL_RE.match(text, second_end) is None:
                high_range = second  # "between 50 and 5": the range of "between 5 and 50"
                end = second_end
    if qualifier == "range" and high_range is None:
        qualifier = None  # "between 20 ..." without its second number
        start = s

    # ---- things that show it is not a count
    if _not_count_after(text, end):
        return None, end
    if kind in ("digits", "decscale") and _minus_before(text, s):
        return None, end  # "-5": a difference or a temperature, never a number of people
    if kind in ("digits", "words", "decscale", "dozen"):
        before_lo = max(0, s - 24)
        tail = fold_case(text[before_lo:s].rstrip())
        if (tail.endswith(_LABEL_LAST) and _LABEL_RE.search(text, before_lo, s)) or (
            tail.endswith(_CURRENCY_LAST) and _CURRENCY_BEFORE_RE.search(text, before_lo, s)
        ):
            return None, end
    if kind == "digits" and value is not None:
        if value <= 31 and (
            _month_before(text, s) or _MONTH_AFTER_RE.match(text, e)
        ):
            return None, end
        if len(core) >= 4 and "," not in core and not grouped and _in_year_slot(text, s) and not counts_people(text, end):
            return None, end  # "1 January 10000": the (impossible) year of a date, not a toll
        if _is_year(core, value) and qualifier is None:
            if high_range is not None or _noun_after(text, end) not in _PEOPLE_NOUNS:
                return None, end
            if _month_before(text, s):
                return None, end

    if noun is None:
        noun = _noun_after(text, end)

    # ---- value / low / high
    low: int | None
    high: int | None
    approximate: bool
    if vague is not None:
        low, high = vague
        approximate = True
        if qualifier in ("at least", "more than"):
            high = None
        elif qualifier in ("almost", "up to"):
            low = None
    elif high_range is not None:
        low, high = min(value, high_range), max(value, high_range)
        value = low
        qualifier = "range"
        approximate = True
    elif qualifier in ("at least", "more than"):
        low, high, approximate = value, None, False
    elif qualifier in ("almost", "up to"):
        low, high, approximate = None, value, True
    elif qualifier in ("about", "estimated"):
        low, high, approximate = None, None, True
    else:
        low = high = value
        approximate = False
    return Quantity(
        start, end, text[start:end], value, low, high, approximate, qualifier, noun
    ), end


def _not_count_after(text: str, end: int) -> bool:
    """True when the text after a number shows it is not a count ("years", "km", "%")."""
    head = text[end : end + 64].lstrip()[:12]  # all of the text's start after any spaces
    complete = len(head) == 12 or end + 64 >= len(text)
    if complete and not fold_case(head).startswith(_NOT_COUNT_FIRST):
        return False  # :data:`_NOT_COUNT_AFTER_RE` cannot match
    return _NOT_COUNT_AFTER_RE.match(text, end) is not None


#: A minus sign, and the characters that keep a dash before a number from being one.
_MINUS_SIGNS = "-\u2212"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def _minus_before(text: str, s: int) -> bool:
    """True when a minus sign is attached to the number at ``s`` ("-5", "(-5)", "\u22125").

    A hyphen is a minus at the start of the text or after an opening bracket, "=", ":" or "/";
    elsewhere it is a separator: after a word or a number ("MiG-21", "3-5"), another dash
    ("--5") or a space ("between 5 -10 people", a dateline's "(Reuters) -5 people", "killed - 5
    people"). The minus sign U+2212 is one wherever it is not joined to a word or number.
    """
    if s == 0 or text[s - 1] not in _MINUS_SIGNS:
        return False
    if s == 1:
        return True
    before = text[s - 2]
    if text[s - 1] == "\u2212":
        return not (before.isalnum() or before in _DASHES)
    return before in "([{=:/"


def _month_before(text: str, s: int) -> bool:
    """True when a month name ends right before position ``s`` ("Feb 18", "March, 3")."""
    lo = max(0, s - 12)
    tail = text[lo:s].rstrip().removesuffix(",").removesuffix(".")
    return tail.endswith(_MONTH_LAST) and _MONTH_BEFORE_RE.search(text, lo, s) is not None


def counts_people(text: str, end: int) -> bool:
    """True when the words after a number ending at ``end`` name people ("1500 people")."""
    return _noun_after(text, end) in _PEOPLE_NOUNS


def _grouped_count(text: str, s: int, end: int, first: int) -> bool:
    """True when digit groups at ``s:end`` without commas ("1 200", "1.200") are one count.

    Only when a count of people is certain: a people noun follows ("1 200 people"), or a
    casualty word does ("1'200 killed", "1.200 wounded") and none ends right before the
    number ("killed 3 200 wounded" is a list, 3 killed and 200 wounded).  Never after a day of
    the month ("May 3 200 people"; "3 May 1 200 people" is a date, then a count), nor after a
    plus sign, another run of digits ("2012 1 200", "1'200 000") or with a leading zero: the
    runs of phone numbers; nor after a label ("Flight 17 298 people", "aged 5 100") or a
    casualty word ("killed 5 100 people were wounded" lists two counts).

    Parameters
    ----------
    text : str
    s, end : int
        Span of the digit groups.
    first : int
        Value of the first group (the digits before the first separator).
    """
    if text[s] == "0" or (s and text[s - 1] == "+"):
        return False
    if s >= 2 and text[s - 2].isdigit() and text[s - 1] in _GROUP_SEPARATORS:
        return False
    if first <= 31 and _month_before(text, s) and not _in_year_slot(text, s):
        return False
    if _LABEL_RE.search(text, max(0, s - 24), s) is not None:
        return False  # "Flight 17 298 people": a label's number, then the count
    if _CASUALTY_BEFORE_RE.search(text, max(0, s - 16), s) is not None:
        return False  # "killed 5 100 people were wounded": a list missing its comma
    second = _grouped_range_end(text, end)  # "between 1 200 and 1 500 people": the range's end tells
    return any(
        counts_people(text, x) or _CASUALTY_AFTER_RE.match(text, x) is not None
        for x in ((end,) if second is None else (end, second))
    )


def _grouped_range_end(text: str, end: int) -> int | None:
    """Return the end of a range's second number right after ``end`` when that number is digit
    groups too ("1 200 to 1 500", "1 200 and 1 500"), else None."""
    rm = _RANGE_RE.match(text, end)
    if rm is None or not rm.group("n").isdigit() or len(rm.group("n")) > 3:
        return None
    tail = _GROUP_TAIL_RE.match(text, rm.end())
    return tail.end() if tail is not None else None


def _in_year_slot(text: str, s: int) -> bool:
    """True when a day and month end right before position ``s`` ("1 January ", "May 3, ")."""
    return _YEAR_SLOT_BEFORE_RE.search(text, max(0, s - 24), s) is not None


def _is_year(core: str, value: int) -> bool:
    """A bare four-digit number that reads as a year (1900-2099, no thousands comma)."""
    return len(core) == 4 and 1900 <= value <= 2099


# --------------------------------------------------------------------------------------------
# breakdowns


def breakdown_of(text: str, quantity: Quantity, *, window: int = 300) -> Breakdown | None:
    """Read the parts listed after ``quantity`` in the same sentence.

    Recognised lead-ins: ``--``, dashes, ``:``, ``(``, "including", "among them", "of whom",
    "of them"; the parts are counted nouns separated by commas / "and"
    (``"35 civilians, 14 soldiers and four rebels"``).

    Parameters
    ----------
    text : str
        The text ``quantity`` was found in.
    quantity : Quantity
        The total.
    window : int
        How far (characters) after the total to look.

    Returns
    -------
    Breakdown or None
        None when no parts follow.  ``sums_to_total`` tells a complete breakdown,
        ``within_total`` a subset ("six people, including a couple and their child").
    """
    lo = quantity.end
    hi = min(len(text), lo + window)
    if lo >= hi:
        return None
    sm = _SENTENCE_END_RE.search(text, lo, hi)
    sent_end = sm.start() if sm else hi
    mm = _BREAKDOWN_MARKER_RE.search(text, lo, sent_end)
    if mm is None:
        return None
    segment = text[mm.end() : sent_end]
    offset = mm.end()
    found = find_quantities(segment)
    # no other count between the total and the lead-in
    if find_quantities(text[lo : mm.start()]):
        return None
    parts: list[tuple[str, int]] = []
    first = last = -1
    for q in found:
        if parts:
            if not _PART_GAP_RE.fullmatch(segment, last, q.start):
                break
        elif segment[: q.start].strip():
            break
        if q.value is None or q.noun is None:
            break
        parts.append((q.noun, q.value))
        if first < 0:
            first = q.start
        last = q.end
    if not parts:
        return None
    noun_at = segment.lower().find(parts[-1][0], last, last + 40)
    if noun_at >= 0:
        last = noun_at + len(parts[-1][0])
    return Breakdown(quantity, tuple(parts), offset + first, offset + last)


def find_breakdowns(text: str, quantity: Quantity) -> list[tuple[str, int]]:
    """The ``(noun, value)`` parts listed after ``quantity`` (see :func:`breakdown_of`).

    Parameters
    ----------
    text : str
        The text ``quantity`` was found in.
    quantity : Quantity
        The total.

    Returns
    -------
    list of (str, int)
        E.g. ``[('civilians', 35), ('soldiers', 14), ('rebels', 4)]``; empty when none.  Use
        :func:`breakdown_of` to know whether they sum to the total.
    """
    b = breakdown_of(text, quantity)
    return list(b.parts) if b is not None else []
