"""Find the places a text mentions and resolve each against the gazetteer.

Recognition is gazetteer-driven and rule-based (no model download): capitalised token runs (and
Arabic-script words) are matched, longest first, against the gazetteer's name keys; rules then
drop what is not a place mention -- words of a person's or organisation's name ("Hillary
Clinton", "Syrian Observatory for Human Rights", "al-Homsi"), common words at the start of a
sentence, titles. Demonyms stand for their country when they are not part of a longer name
("Turkish forces" -> Turkey). US counties are read as such ("Laurel County", "Laurel Co.", each
name of "Douglas, Sarpy and Lancaster counties"), and a state's abbreviation with its period as
the state ("Ky.", "Conn.").

Resolution ranks each mention's candidates by a prior (match tier, kind, population, how well
known the place is) plus document context: the countries the text is about, containing regions
named next to it ("Springfield, Illinois", "the town of X in the province of Idlib"), a dateline
("BEIRUT (AP) --"), a US town and its county named in the same text ("Huntsville" and "Walker
County"), and the admin-1 areas and positions of the other names' readings, settled name by name
from the most to the least certain.
"""

from __future__ import annotations

import math
import re
import sys
import types
import weakref
from bisect import bisect_left
from collections import ChainMap
from collections.abc import Mapping, Sequence
from itertools import pairwise
from operator import attrgetter
from typing import NamedTuple

from geomap.compiled import is_extension
from geomap.gazetteer import (
    TIER_DEMONYM,
    TIER_SKELETON,
    Candidate,
    CandidateSummary,
    Gazetteer,
    default_gazetteer,
)
from geomap.names import key0, key1, keys_of_tokens, keys_of_word, only_articles, skeleton
from geomap.schema import Mention, Place

_ARTICLE = r"(?:al|el|ad|ar|as|az|ash|at|ath|an|ed|er|es|ez|esh|et|en|adh|ul)"
#: The letters of the Arabic block (not its digits or punctuation: "حلب،" is the word "حلب") and
#: the marks that may follow one inside a word (tatweel, harakat, the superscript alef).
_AR_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06fa-\u06fc"
_AR_MARKS = "\u0640\u064b-\u065f\u0670"
#: Capitals of the Latin-1 block and of the extended Latin blocks that transliterations and
#: European names use ("Ḥimṣ", "Şanlıurfa", "Łódź", "Žilina", "Ōsaka").
_CAPS_NOT_ASCII = "\u00c0-\u00de" + "".join(
    c for c in map(chr, [*range(0x100, 0x250), *range(0x1E00, 0x1F00)]) if c.isupper() and c.isalpha()
)
_CAPS = "A-Z" + _CAPS_NOT_ASCII
#: The letters that may follow a name word's first one.
_WORD_TAIL = r"[\w'\u2019\u2018`\u02bf\u02be\u00e0-\u00ff]*"
#: A name word: capitalised (Latin), an article glued to a capitalised word, or Arabic script.
#: (The specification of a word; :func:`_word_parts` finds its matches faster.)
_WORD_RE = re.compile(
    r"(?:St|Mt|Ft|Pt)\.(?=\s[A-Z])|[A-Z]\.\s?[A-Z][a-z]{1,3}\.|(?:[A-Z]\.){2,}|(?:%s[-\u2011](?=[%s])|[%s])%s"
    r"|[%s][%s%s]*" % (_ARTICLE, _CAPS, _CAPS, _WORD_TAIL, _AR_LETTERS, _AR_LETTERS, _AR_MARKS)
)
#: Lower-case words that may sit inside a multi-word name ("Bay of Pigs", "Deir ez Zor").
_CONNECTORS = frozenset(
    "of de du des la le les del della da dos das di al el ez az ar as an ash ad ed en es et er "
    "upon on sur am im bin ibn bint abu".split()
)
#: Arabic words that place the name after them: "in", "from", "to", "on", "near", "towards",
#: "inside", "around", "the outskirts of", "north (northern) of" and the other directions, and
#: the place-type words ("city", "town", "village", "countryside", "governorate", ...).
_AR_LOCATIVES = """
    في فى من إلى الى على قرب نحو باتجاه داخل حول أطراف اطراف شمال شمالي جنوب جنوبي شرق شرقي
    غرب غربي مدينة بلدة قرية ريف محافظة حي منطقة مخيم ناحية
""".split()
#: Capitalised words that are not place names when they stand alone or start a run.
_STOP = frozenset(
    """
    a an the this that these those there here it its he she they we you i his her their our my
    in on at by for from to of with without into onto over under after before during since until
    and or but nor so yet if when while where as than then also only just even still
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december jan feb mar apr jun jul aug sep sept
    oct nov dec mon tue tues wed thu thur thurs fri sat sun city town county
    mr mrs ms dr gen brig col lt capt maj sgt prof sir sheikh imam president prime minister
    secretary spokesman spokeswoman general colonel captain major lieutenant king queen prince
    princess pope ambassador envoy chief commander officer deputy foreign defence defense state
    interior senator governor mayor judge council committee national international united
    republic democratic people peoples army forces force guard air navy police security
    government regime opposition rebels rebel free observatory human rights network
    news agency press reuters afp ap bbc cnn tv television radio state media
    last updated modified published posted comments share image photo video reading related
    topics featured more read see click follow watch
    one two three four five six seven eight nine ten
    north south east west northern southern eastern western central middle northeast northwest
    southeast southwest northeastern northwestern southeastern southwestern downtown historic
    new old great greater little upper lower saint st
    god allah islam islamic muslim muslims christian christians arab arabs kurdish kurds
    sunni sunnis shia shias shiite shiites alawite alawites druze ismaili yazidi yazidis maronite
    western eastern university college school hospital mosque church street road square
    many some several most all both each every any other another such what which who whom
    said says say according meanwhile however although though because despite amid
    earlier later today yesterday tomorrow now
    christmas easter thanksgiving halloween ramadan eid hanukkah passover diwali
    """.split()
) | frozenset(
    # Arabic script has no capitals, so every word is looked up: its locative cues, function
    # words, place-type words ("مدينة" is "city", and Medina) and the commonest words of
    # conflict reports that a gazetteer also holds as names (in their key0 form)
    key0(w)
    for w in (*_AR_LOCATIVES, *"""
    عن مع أن إن ما لا لم لن قد هذا هذه ذلك تلك التي الذي الذين هو هي هم
    كان كانت يوم اليوم أمس غدا بعد قبل بين حتى أو ثم كل غير عند خارج منذ خلال ضد
    عبر دون أي أحد بينما فيما كما لكن إذا حيث أيضا وقال قال وأضاف أضاف
    قضاء وسط الشمال الجنوب الشرق الغرب مركز عاصمة العاصمة الحدود
    الحكومة النظام قوات الجيش المعارضة المرصد السوري السورية الدولة
    جديد جديدة الجديد الجديدة كبير كبيرة الكبير الكبرى صغير صغيرة عدة
    """.split())
)
#: Words that, after a name, make the run a person or an organisation, not a place.
_ORG_HEADS = frozenset(
    """
    post times herald tribune journal gazette senate house assembly department court police
    supreme state university airlines airways
    observatory university college school hospital mosque church street road square airport
    council committee army force forces guard brigade brigades battalion front party movement
    network news times post journal agency ministry company corporation bank club fc united
    institute foundation center centre organisation organization association union league
    coalition commission court office tv radio channel group stadium hotel bridge
    """.split()
)
#: Place-type words that, after a name, confirm it ("Idlib province", "Homs governorate").
_PLACE_HEADS = frozenset(
    """
    province provinces governorate governorates region district districts city town village
    county state area neighbourhood neighborhood suburb countryside valley river mountains
    """.split()
)
_PERSON_TITLES = frozenset(
    """
    mr mrs ms dr gen brig col lt capt maj sgt prof sir sheikh imam president minister secretary
    spokesman spokeswoman general colonel captain major lieutenant king queen prince princess
    pope ambassador envoy chief commander senator governor mayor judge rep sen cardinal
    bishop rabbi father brother sister
    """.split()
)
#: Capitalised phrases that look like gazetteer names but are organisations or macro-regions.
_STOP_PHRASES = frozenset(
    key0(p)
    for p in (
        "Gulf", "West", "East", "Arab World", "Al Jazeera", "Al Arabiya",
        "Al Qaeda", "Al Qaida", "Hezbollah", "Hamas", "Nusra", "Al Nusra", "Security Council",
        "General Assembly", "White House", "Pentagon", "Kremlin", "Foreign Office",
        "Red Cross", "Red Crescent", "Amnesty", "Human Rights Watch", "Internet", "Skype",
        "Twitter", "Facebook", "YouTube", "Google", "WikiLeaks", "Reuters", "Friends",
        "Republican Guard", "Republican", "Democrat", "Democrats", "Baath", "Ba'ath",
        "El Nino", "La Nina",
    )
)
_COUNTY_RE = re.compile(r"\s+(?:County|Parish|Borough|Township)\b")
#: How a gazetteer name that is a county's ends ("Laurel County", "Laurel Co"); within a span a
#: word follows a space, a hyphen or a connector word between spaces.
_COUNTY_ENDINGS = (" County", " Parish", " Borough", " Co")
_ABBREV_RE = re.compile(r"[A-Z][a-z]{1,4}|(?:[A-Z]\.)+[A-Z][a-z]{0,3}")
#: A lower-case word after a capitalised one that makes it read as an adjective ("Roman ruins");
#: function words and verbs ("Daraa on Monday", "Homs was shelled") do not.
_ADJECTIVE_NEXT_RE = re.compile(
    r" (?!(?:on|in|at|and|or|but|was|were|is|are|has|have|had|said|says|to|of|for|with|from|by|"
    r"after|before|during|since|near|where|which|who|that|as|late|early|overnight|again|itself|"
    r"province|city|town|village|district|governorate|area|region|countryside|neighbourhood)\b)[a-z]"
)
_STRONG_KINDS = frozenset(("country", "admin1", "continent", "region", "ocean", "sea"))
_SETTLEMENTS = frozenset(("city", "town", "village"))
#: A settlement matched only by an alternate name when another one in the same country bears the
#: name itself: a former or secondary name ("Centerville" of Fremont, "Woodstock" of Anniston)
#: loses this much (an exonym of a foreign place, "Palmyra" for Tadmur, does not).
_ALIAS_PENALTY = 0.8
_ALIAS_POP = 1_000_000  # ...unless it is a metropolis ("New York" for New York City)
_PROVINCE_OF_RE = re.compile(r"\b(?:province|governorate|provinces)\s+of\s+$")
_LARGE_KINDS = frozenset(("country", "continent", "region", "ocean", "sea"))
_ADMIN_HEADS = frozenset("province governorate provinces governorates region state".split())
_SENT_END_RE = re.compile(r"[.!?\u201d\"]\s*$|^\s*$|\n\s*$")
DATELINE_RE = re.compile(r"^\s*([A-Z][A-Z .'-]{2,40})(?:,[^\n(\u2014-]{0,40})?\s*(?:\([^)]{1,30}\))?\s*[\u2014\u2013-]")
_CONTAINER_CUE_RE = re.compile(
    r"^(?:,\s*|\s+in\s+(?:the\s+)?(?:(?:[a-z]+ern\s+)?(?:province|governorate|region|state|district|"
    r"country|countryside)\s+of\s+)?|\s+(?:province|governorate)\s+of\s+)$",
    re.I,
)


#: ``_WORD_TAIL`` with its commonest letters first (the same matches, found faster).
_FAST_TAIL = r"[a-z]*" + _WORD_TAIL
#: The alternatives of ``_WORD_RE`` that start with a capital or an Arabic letter, in the same
#: order, behind one character set (each alternative checks its first letter with a
#: lookbehind) so that the regex engine skips ahead to the next such letter fast (neither
#: ``_WORD_RE`` nor an alternation of character sets can). The set holds the whole Arabic
#: block, one range, and the lookbehind its letters: fewer tests for every other character.
_CAPS_WORD_RE = re.compile(
    r"[%s\u0600-\u06ff](?:(?<=[SMFP])t\.(?=\s[A-Z])"
    r"|(?<=[A-Z])(?:\.\s?[A-Z][a-z]{1,3}\.|\.(?:[A-Z]\.)+|%s)|(?<=[%s])%s"
    r"|(?<=[%s])[%s%s]*)"
    % (_CAPS, _FAST_TAIL, _CAPS_NOT_ASCII, _FAST_TAIL, _AR_LETTERS, _AR_LETTERS, _AR_MARKS)
)
#: ``_CAPS_WORD_RE`` as one group: its ``split`` gives the text between the words and the words
#: in turn, as strings (cheaper than a match object per word).
_CAPS_WORD_SPLIT_RE = re.compile("(%s)" % _CAPS_WORD_RE.pattern)
#: The alternative of ``_WORD_RE`` for an article glued to a capitalised word ("al-Assad").
_ARTICLE_WORD_RE = re.compile(r"%s[-\u2011](?=[%s])%s" % (_ARTICLE, _CAPS, _FAST_TAIL))
#: The characters of the class ``[_CAPS]`` (all below U+1F00), for a test without a regex.
_CAPS_SET = frozenset(filter(re.compile("[%s]" % _CAPS).fullmatch, map(chr, range(0x1F00))))
#: The Arabic letters that begin a word, and the characters of an Arabic word (letters and marks).
_AR_LETTER_SET = frozenset(filter(re.compile("[%s]" % _AR_LETTERS).fullmatch, map(chr, range(0x600, 0x700))))
_AR_WORD_SET = frozenset(filter(re.compile("[%s%s]" % (_AR_LETTERS, _AR_MARKS)).fullmatch, map(chr, range(0x600, 0x700))))
#: Whether this module runs compiled (from an extension, not its source): character loops are
#: then C loops, faster than the regex engine's scan, which is the faster one in Python.
_COMPILED = is_extension(__file__)
_LEADING_ARTICLE_RE = re.compile(r"^%s[-\u2011]" % _ARTICLE)
_NEXT_WORD_RE = re.compile(r"\s+([A-Za-z]+)")  # (the specification of _next_word)
_PREV_WORD_RE = re.compile(r"([A-Za-z.]+)\s+$")  # (the specification of _prev_word)
_POSSESSIVE_NAME_RE = re.compile(r"['\u2019]s\s+[A-Z]")
_POSSESSIVE_GAP_RE = re.compile(r"['\u2019]s\s+(?:\w+\s+){0,2}")
_SCORE = attrgetter("score")
_new_tuple = tuple.__new__


class _Match:
    """How a capitalised surface matches the gazetteer.

    (A plain class, as :class:`_Span` is: compiled, an extension type whose fields the typed
    helpers read as C fields.)
    """

    __slots__ = ("tiers", "kind_tiers", "demonym", "key", "variant_key", "best", "stop")

    def __init__(
        self,
        tiers: dict[int, int],  # Gazetteer.match_tiers
        kind_tiers: dict[str, int],  # the least tier of each kind of candidate (Gazetteer.best_summary)
        demonym: bool,  # every candidate matches as a demonym
        key: str,  # key0 of the surface
        variant_key: str,  # key1 of the surface
        best: CandidateSummary,  # the first of the best-scored of Gazetteer.summaries
        stop: bool,  # the key is a stop word or phrase (a common word alone)
    ) -> None:
        self.tiers = tiers
        self.kind_tiers = kind_tiers
        self.demonym = demonym
        self.key = key
        self.variant_key = variant_key
        self.best = best
        self.stop = stop

    def __repr__(self) -> str:
        return f"_Match(key={self.key!r}, kind_tiers={self.kind_tiers!r}, demonym={self.demonym})"


class _Span:
    """A matched name in a text, while the geoparser reads it.

    (A plain class with its ``__init__`` written out: compiled, ``geoparse.pxd`` makes it an
    extension type, which a dataclass cannot be, and its construction a C call.)
    """

    __slots__ = (
        "start", "end", "surface", "name", "match", "head", "run", "cands", "name_word", "county", "key", "abbrev",
        "listed",
    )

    def __init__(
        self,
        start: int,
        end: int,
        surface: str,
        name: str,  # the surface matched in the gazetteer (before "County" or a period is added)
        match: _Match | None,  # how the name matched (None for a name of a county list)
        head: str,  # a place-type word right after ("province")
        run: tuple[int, int],  # the capitalised run the span lies in
        cands: Sequence[Candidate] = (),  # its candidates (loaded when the span is kept)
        name_word: bool = False,  # the word ends a person's or organisation's name elsewhere
        county: bool = False,  # "X County"
        key: str = "",  # key0 of the surface
        abbrev: bool = False,  # a state's abbreviation with its period ("Conn.", "Ill."): only the state
        listed: bool = False,  # a name of a county list ("Douglas" in "Douglas and Sarpy counties")
    ) -> None:
        self.start = start
        self.end = end
        self.surface = surface
        self.name = name
        self.match = match
        self.head = head
        self.run = run
        self.cands = cands
        self.name_word = name_word
        self.county = county
        self.key = key
        self.abbrev = abbrev
        self.listed = listed

    def __repr__(self) -> str:
        return f"_Span({self.start}, {self.end}, {self.surface!r}, key={self.key!r}, county={self.county})"


def _word_parts(text: str) -> list[str]:
    """Return the matches of ``_WORD_RE`` in ``text`` and the text between them, in turn.

    ``[between, word, between, ..., word, between]``: joined, the parts are the text; the
    words are the odd ones. Finds the matches of ``_CAPS_WORD_RE`` and, only where a hyphen
    precedes a capital, of ``_ARTICLE_WORD_RE``: the two never match at the same position, so
    taking the leftmost of their next matches at each step gives the matches of the single
    regex.
    """
    glue = _glue(text)
    if not glue and not _COMPILED:
        return _CAPS_WORD_SPLIT_RE.split(text)  # (as Python, one regex call for the whole text is fastest)
    out = []
    last = 0  # the end of the last word
    a = _article_word(text, 0, glue) if glue else None
    start = _caps_word_start(text, 0)
    while start >= 0 or a is not None:
        if a is not None and (start < 0 or a.start() < start):
            word_start, end = a.span()
            a = _article_word(text, end, glue)
            if 0 <= start < end:  # overlapped by the article word: look again after it
                start = _caps_word_start(text, end)
        else:
            word_start, end = start, _caps_word_end(text, start)
            if a is not None and a.start() < end:
                a = _article_word(text, end, glue)
            start = _caps_word_start(text, end)
        out.append(text[last:word_start])
        out.append(text[word_start:end])
        last = end
    out.append(text[last:])
    return out


def _caps_word_start(text: str, pos: int) -> int:
    """Return where the next match of ``_CAPS_WORD_RE`` at or after ``pos`` starts; -1 for none.

    Compiled, a C loop over the characters (a capital, or a letter of the Arabic block, begins
    one); as Python, the regex engine's search, which is faster there.
    """
    if not _COMPILED:
        m = _CAPS_WORD_RE.search(text, pos)
        return -1 if m is None else m.start()
    for i in range(pos, len(text)):
        c = text[i]
        if "A" <= c <= "Z":
            return i
        if c >= "\u00c0" and (c in _CAPS_SET or c in _AR_LETTER_SET):
            return i
    return -1


def _caps_word_end(text: str, start: int) -> int:
    """Return where the match of ``_CAPS_WORD_RE`` that starts at ``start`` ends.

    Compiled, its alternatives are tried in order by C loops; as Python, by the regex engine.
    """
    if not _COMPILED:
        return _CAPS_WORD_RE.match(text, start).end()
    n = len(text)
    c = text[start]
    j = start + 1
    if "\u0600" <= c <= "\u06ff":  # an Arabic letter, its letters and marks
        while j < n and text[j] in _AR_WORD_SET:
            j += 1
        return j
    if "A" <= c <= "Z" and j < n:
        if (
            text[j] == "t" and c in "SMFP" and j + 3 < n and text[j + 1] == "."
            and text[j + 2].isspace() and "A" <= text[j + 3] <= "Z"
        ):
            return j + 2  # "St." before " X"
        if text[j] == ".":
            k = j + 1  # "J. Smi.": a period, a space or none, a capital, one to three letters, a period
            if k < n and text[k].isspace():
                k += 1
            if k < n and "A" <= text[k] <= "Z":
                m = k + 1
                while m < n and m <= k + 4 and "a" <= text[m] <= "z":
                    m += 1
                if k + 2 <= m <= k + 4 and m < n and text[m] == ".":
                    return m + 1
            m = j  # "U.S.": a period after each of the capitals
            while m + 2 < n and "A" <= text[m + 1] <= "Z" and text[m + 2] == ".":
                m += 2
            return m + 1 if m > j else j  # (else the word is its capital)
    while j < n and _is_tail(text[j]):  # the letters and apostrophes of the rest of the word
        j += 1
    return j


def _is_tail(char: str) -> bool:
    """True for a character of ``_WORD_TAIL``'s class: a letter, digit or ``_`` (``\\w``), an
    apostrophe or a small letter of Latin-1."""
    if char < "\x80":  # (ASCII: its letters and digits are its alphanumerics)
        return "a" <= char <= "z" or "A" <= char <= "Z" or "0" <= char <= "9" or char in "_'`"
    return char.isalnum() or char in "\u2019\u2018\u02bf\u02be" or "\u00e0" <= char <= "\u00ff"


def _glue(text: str) -> list[int]:
    """Return the positions of the hyphens followed by a capital ("al-Assad"), in order.

    (What ``re.finditer("[-\u2011][CAPS]")`` finds, by ``str.find``: a regex scan looks at
    every character, and most reports have few hyphens.)
    """
    out = []
    last = len(text) - 1
    for hyphen in ("-", "\u2011"):
        i = text.find(hyphen)
        while 0 <= i < last:
            if text[i + 1] in _CAPS_SET:
                out.append(i)
            i = text.find(hyphen, i + 1)
    return sorted(out) if "\u2011" in text else out


def _article_word(text: str, pos: int, glue: list[int]) -> re.Match | None:
    """Return the leftmost ``_ARTICLE_WORD_RE`` match starting at ``pos`` or later.

    ``glue`` holds the positions of the hyphens followed by a capital; an article word of two
    or three letters starts two or three characters before one of them.
    """
    for h in glue[bisect_left(glue, pos + 2) :]:
        for start in (h - 3, h - 2):
            if start >= pos:
                m = _ARTICLE_WORD_RE.match(text, start)
                if m is not None:
                    return m
    return None


def _runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Group name words into runs joined by single spaces and connector words.

    Each word of a run is ``(start, end, word)``.
    """
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    prev_end = -1
    parts = _word_parts(text)
    pos = len(parts[0])  # where the next word starts
    for k in range(1, len(parts), 2):
        w = parts[k]
        start = pos
        end = start + len(w)
        pos = end + len(parts[k + 1])
        last = w[-1]
        # _trim, for the suffixes a word can end with: "'s" (4 letters or more), "'", "s'"
        if last == "s":
            if len(w) > 3 and w[-2] in "'\u2019":
                end -= 2
                w = w[:-2]
        elif last in "'\u2019-\u2011" and len(w) > 2:
            end -= 1
            w = w[:-1]
        if current:
            width = start - prev_end
            if width == 1:
                joined = text[prev_end] in " -"
            elif width > 8:  # (most gaps: no need to slice them)
                joined = False
            else:
                gap = text[prev_end:start]
                joined = (
                    gap.startswith(" ")
                    and gap.endswith(" ")
                    and _CONNECTORS.issuperset(gap.split())
                    and gap.strip() != ""
                )
            if not joined:
                runs.append(current)
                current = []
        current.append((start, end, w))
        prev_end = end
    if current:
        runs.append(current)
    return runs


def _sentence_initial(text: str, pos: int) -> bool:
    before = text[max(0, pos - 3) : pos]
    return pos == 0 or bool(_SENT_END_RE.search(before)) or text[max(0, pos - 1) : pos] in ("\n", "(", "\u201c", '"')


def _lowercase_elsewhere(text: str, word: str) -> bool:
    """True when ``word`` also occurs in lower case in the text (a common word, not a name).

    An occurrence counts when no word character or hyphen touches it on either side (what the
    regex ``(?<![\\w-])word(?![\\w-])`` finds; ``\\w`` is ``str.isalnum`` or ``_``).
    """
    low = word.lower()
    n, size = len(low), len(text)
    i = text.find(low)
    while i >= 0:
        before = text[i - 1] if i > 0 else " "
        after = text[i + n] if i + n < size else " "
        if not (before.isalnum() or before in "_-" or after.isalnum() or after in "_-"):
            return True
        i = text.find(low, i + 1)
    return False


def _is_arabic_letter(char: str) -> bool:
    """True for a letter of the Arabic block (a script without capitals)."""
    return "\u0600" <= char <= "\u06ff"


def _run_name_words(run: list[tuple[int, int, str]]) -> tuple[str, ...]:
    """Return the last word of a multi-word capitalised name in a run ("Hillary Clinton" -> "clinton").

    A word that ends a person's or organisation's full name somewhere in a document is that
    name when it stands alone elsewhere in the document ("Clinton said", "Annan's plan"). Of
    a name of two words the first is returned too ("Patrick Smith": a first name).
    """
    if _is_arabic_letter(run[0][2][0]):
        return ()  # (no capitals: a run of Arabic words is no name)
    k = 0
    while k < len(run) and run[k][2].lower().rstrip(".") in _STOP:
        k += 1
    end = len(run)
    while end > k and run[end - 1][2].lower().rstrip(".") in _STOP:
        end -= 1  # "Hillary Clinton on Friday": the name ends before the weekday
    words = run[k:end]
    if len(words) < 2 or words[0][2].lower() in _PLACE_HEADS:
        return ()
    last = words[-1][2]
    if "-" in last or "\u2011" in last:  # (a leading article has its hyphen: most words have none)
        last = _LEADING_ARTICLE_RE.sub("", last)
    last = _word_key0(last)
    second = words[1][2].lower()
    if len(words) == 2 and second not in _ORG_HEADS and second not in _PLACE_HEADS and second not in _STOP:
        return (last, _word_key0(words[0][2]))  # "Patrick Smith": Patrick is a first name here
    return (last,)


class _Surfaces(NamedTuple):
    """What one process has learnt of the capitalised sub-spans it has seen, per gazetteer."""

    matches: dict[str, _Match | None]  # how each matches the gazetteer; None: it is no name
    extends: dict[str, bool]  # whether a longer gazetteer name may begin with it


_SURFACES: weakref.WeakKeyDictionary[Gazetteer, _Surfaces] = weakref.WeakKeyDictionary()
_SURFACE_CACHE_SIZE = 300_000
#: The longest sub-span looked up, in words.
_MAX_WORDS = 6


def _word_key0(word: str) -> str:
    """Return ``key0(word)``: the word in lower case when it is ASCII letters only (most are)."""
    return word.lower() if word.isalpha() and word.isascii() else key0(word)


def _word_tokens(word: str) -> list[str]:
    """Return ``key0(word).split()`` (a new list)."""
    return [word.lower()] if word.isalpha() and word.isascii() else key0(word).split()


def _add_tokens(text: str, run: list[tuple[int, int, str]], i: int, j: int, tokens: list[str]) -> None:
    """Append to ``tokens`` the ``key0`` words of word ``j`` of a run and of the gap before it.

    ``key0`` of ASCII text works character by character and a run's gaps (" ", "-", " of ")
    start and end with separators, so the ``key0`` words of the words ``i..j`` of a run are
    those of its words and gaps in turn; ``i`` is the sub-span's first word.
    """
    if j > i:
        start, prev_end = run[j][0], run[j - 1][1]
        if start - prev_end > 1:
            tokens += key0(text[prev_end:start]).split()
    word = run[j][2]
    if word.isalpha() and word.isascii():  # (_word_tokens, inlined)
        tokens.append(word.lower())
    else:
        tokens += key0(word).split()


def _sub_span_keys(text: str, run: list[tuple[int, int, str]], i: int, j: int) -> tuple[str, str, str]:
    """Return ``(key0, key1, skeleton)`` of the words ``i..j`` of a run (see :func:`_add_tokens`)."""
    if i == j:
        word = run[i][2]
        if word.isalpha() and word.isascii():  # the common case: one plain word
            return keys_of_word(word.lower())
    surface = text[run[i][0] : run[j][1]]
    if not surface.isascii():
        return key0(surface), key1(surface), skeleton(surface)
    tokens: list[str] = []
    for k in range(i, j + 1):
        _add_tokens(text, run, i, k, tokens)
    return keys_of_tokens(tokens)


def _match_surfaces(missing: dict[str, tuple[str, str, str]], gaz: Gazetteer) -> dict[str, _Match | None]:
    """Return how each surface that reads as a gazetteer name matches, else None.

    ``missing`` maps each surface to its ``(key0, key1, skeleton)``. A surface is a name when
    its strict or variant key is an index key, or its skeleton of four consonants or more is;
    the index is asked for all surfaces' keys in one batch.
    """
    # all three keys of each (Gazetteer.match_tiers uses a skeleton of fewer than three
    # consonants nowhere, but asking for it too costs less than leaving it out)
    keys = set()
    for k0, k1, sk in missing.values():
        keys.add(k0)
        keys.add(k1)
        keys.add(sk)
    hits = gaz.key_hits(keys)
    out: dict[str, _Match | None] = dict.fromkeys(missing)
    for surface, triple in missing.items():
        k0, k1, sk = triple
        if k0 in hits or k1 in hits or (sk in hits and len(sk) - sk.count(" ") >= 4):
            tiers = gaz.match_tiers(surface, keys=triple, hits=hits)
            if tiers:
                # (tiers are TIER_DEMONYM at most: all are demonyms when the least is)
                demonym = min(tiers.values()) == TIER_DEMONYM
                best, kind_tiers = gaz.best_summary(tiers)
                stop = k0 in _STOP or k0 in _STOP_PHRASES
                found = out[surface] = _Match(tiers, kind_tiers, demonym, k0, k1, best, stop)
                if _COMPILED:  # (it holds no reference cycle: see gazetteer._COMPILED)
                    _gc_untrack(found)  # noqa: F821 (a C function, declared in geoparse.pxd)
    return out


def _sub_spans(
    text: str, run: list[tuple[int, int, str]], i: int, seen: _Surfaces, missing: dict[str, tuple[str, str, str]],
    gaz: Gazetteer,
) -> list[str]:
    """Return the sub-spans of a run starting at word ``i`` that may be gazetteer names.

    Up to :data:`_MAX_WORDS` words, shortest first, stopping after the first that no longer
    name begins with (the gazetteer's prefix filter says so; articles alone may still follow
    it). The keys of each surface not seen before are computed, word by word, into ``missing``.
    """
    last = min(len(run), i + _MAX_WORDS) - 1
    s = run[i][0]
    row: list[str] = []
    tokens: list[str] = []  # key0 words of the words i..upto (ASCII sub-spans)
    upto = i - 1
    matches, extends = seen
    for j in range(i, last + 1):
        surface = text[s : run[j][1]]
        row.append(surface)
        more = extends.get(surface) if j < last else False
        if more is not None and surface in matches:  # nothing to work out: the common case
            if not more and not _article_next(text, run, j):
                break
            continue
        keys = missing.get(surface)
        if keys is None:
            if surface.isascii():
                while upto < j:
                    upto += 1
                    _add_tokens(text, run, i, upto, tokens)
                keys = keys_of_tokens(tokens)
            else:
                keys = key0(surface), key1(surface), skeleton(surface)
            if surface not in matches:
                missing[surface] = keys
        if more is None:
            # the filter knows the prefixes of the keys; articles alone ("Al") may begin any
            # name (they are dropped from longer names' variant keys) and non-ASCII surfaces
            # are not filtered
            more = not surface.isascii() or only_articles(keys[0]) or gaz.extends_a_key(keys)
            if len(extends) < _SURFACE_CACHE_SIZE:
                extends[surface] = more
        if not more and not _article_next(text, run, j):
            break
    return row


def _article_next(text: str, run: list[tuple[int, int, str]], j: int) -> bool:
    """True when the word after word ``j`` of a run (and the gap before it) is only articles.

    A name's variant key drops its articles: "Rashid Al" has the variant key of "Rashid", so
    it may be a name even when no longer name begins with "Rashid".
    """
    if j + 1 >= len(run):
        return False
    first = run[j + 1][2][:1]
    if first.isascii() and first not in "AEIUaeiu":  # every article starts with one of these
        return False
    tokens = _word_tokens(run[j + 1][2])
    start, prev_end = run[j + 1][0], run[j][1]
    if start - prev_end > 1:
        tokens += key0(text[prev_end:start]).split()
    return only_articles(" ".join(tokens))


class _RunReading(NamedTuple):
    """What the lookup finds in a multi-word run: the same wherever the run occurs."""

    #: ``(first word, number of words, surface, match)`` of each greedy longest match, in order
    segments: tuple[tuple[int, int, str, _Match], ...]
    name_words: tuple[str, ...]  # :func:`_run_name_words` of the run


#: Per gazetteer: the reading of each multi-word run seen, by :func:`_run_key`.
_RUN_READINGS: weakref.WeakKeyDictionary[Gazetteer, dict[str, _RunReading]] = weakref.WeakKeyDictionary()


def _run_key(text: str, run: list[tuple[int, int, str]]) -> str:
    """Return the text of a run: all its reading depends on.

    Its words, and so its sub-spans, their keys and the articles between its words, are the
    same wherever that text is a run: each word match is decided by the text from its start
    on, and what may follow a run's last word beyond it ("St." before " X", a trimmed "'s")
    leaves the run ending elsewhere.
    """
    return text[run[0][0] : run[-1][1]]


def _match_runs(
    text: str, runs: list[list[tuple[int, int, str]]], gaz: Gazetteer, names: set[str]
) -> list[_Span]:
    """Return the greedy longest matches of gazetteer names in runs, in text order.

    Adds to ``names`` the words that end a person's or organisation's name in a run.
    """
    seen = _SURFACES.get(gaz)
    if seen is None:
        seen = _SURFACES.setdefault(gaz, _Surfaces({}, {}))
    cache = seen.matches
    readings = _RUN_READINGS.get(gaz)
    if readings is None:
        readings = _RUN_READINGS.setdefault(gaz, {})
    # per run that may hold a name: its sub-spans that may be names (None for a one-word run,
    # the run's reading when the run was read before); the ones not seen before are looked up
    # in one batch
    todo: list[tuple[list[tuple[int, int, str]], list[list[str]] | _RunReading | None]] = []
    missing: dict[str, tuple[str, str, str]] = {}
    for run in runs:
        if len(run) == 1:  # most runs: one word
            surface = run[0][2]
            found = cache.get(surface, False)
            if found is None:  # known to be no name (most words): nothing more to do
                continue
            if found is False and surface not in missing:
                if surface.isalpha() and surface.isascii():  # (what _sub_span_keys does then)
                    missing[surface] = keys_of_word(surface.lower())
                else:
                    missing[surface] = _sub_span_keys(text, run, 0, 0)
            todo.append((run, None))
        else:
            reading = readings.get(_run_key(text, run))
            if reading is None:
                todo.append((run, [_sub_spans(text, run, i, seen, missing, gaz) for i in range(len(run))]))
            else:
                todo.append((run, reading))
    table: Mapping[str, _Match | None] = cache
    if missing:
        new = _match_surfaces(missing, gaz)
        if len(cache) < _SURFACE_CACHE_SIZE:
            cache.update(new)
        else:  # full: entries are never dropped (other threads may be reading them)
            table = ChainMap(new, cache)
    # (a reading is kept only while the surface cache holds every match it refers to)
    keep_readings = table is cache and len(readings) < _SURFACE_CACHE_SIZE
    spans: list[_Span] = []
    for run, by_start in todo:
        if by_start is None:  # the common case, on its own
            found = table[run[0][2]]
            if found is None or (found.stop and _alone(text, run[0][1], found)):
                continue
            start, end, surface = run[0]
            spans.append(_Span(start, end, surface, surface, found, _next_word(text, end).lower(), (start, end)))
            continue
        if isinstance(by_start, _RunReading):
            reading = by_start
        else:
            # _RunReading(...), without the named tuple's Python-level __new__ (one per new run)
            reading = _new_tuple(_RunReading, (_greedy_matches(by_start, table), _run_name_words(run)))
            if keep_readings:
                readings[_run_key(text, run)] = reading
        names.update(reading.name_words)
        bounds = (run[0][0], run[-1][1])
        for i, length, surface, found in reading.segments:
            end = run[i + length - 1][1]
            if length == 1 and found.stop and _alone(text, end, found):
                continue  # one word or none, the scan goes on with the next word
            head = _next_word(text, end).lower()
            spans.append(_Span(run[i][0], end, surface, surface, found, head, bounds))
    return spans


#: The Arabic clitics that glue to the next word: "wa-" ("and"), "fa-" ("so"), "bi-" ("in"),
#: "li-" ("to") and "ka-" ("as"), as in "وإدلب" ("and Idlib") and "بحمص" ("in Homs").
_CLITICS = "\u0648\u0641\u0628\u0644\u0643"


def _with_clitic_names(
    text: str, runs: list[list[tuple[int, int, str]]], gaz: Gazetteer, names: set[str], spans: list[_Span]
) -> list[_Span]:
    """Add the names that follow an Arabic clitic where no other name was found ("وإدلب").

    ``runs`` are the text's runs of Arabic words.

    Each word of an Arabic run that no span touches and that begins with one clitic (then, if
    that finds nothing, two: "وبحمص") is looked up again without it, with the words after it;
    a match that starts there is kept when it overlaps no other span. A word that is a name
    whole ("لبنان", "بانياس") is matched before this and keeps its first letter.
    """
    taken = [(sp.start, sp.end) for sp in spans]
    added: list[_Span] = []
    for strip in (1, 2):
        retry = []
        for run in runs:
            for i, (start, end, word) in enumerate(run):
                if (
                    len(word) >= strip + 3
                    and all(ch in _CLITICS for ch in word[:strip])
                    and word[strip].isalpha()
                    and not any(a < end and start < b for a, b in taken)
                ):
                    retry.append([(start + strip, end, word[strip:]), *run[i + 1 : i + _MAX_WORDS]])
        starts = {r[0][0] for r in retry}
        for sp in _match_runs(text, retry, gaz, names) if retry else ():
            if sp.start in starts and not any(a < sp.end and sp.start < b for a, b in taken):
                added.append(sp)
                taken.append((sp.start, sp.end))
    return sorted(spans + added, key=attrgetter("start")) if added else spans


def _lookup_spans(text: str, gaz: Gazetteer) -> list[_Span]:
    """Greedy longest-match of gazetteer names over the capitalised runs of a text."""
    runs = _runs(text)
    names: set[str] = set()  # words that end a person's or organisation's name (_run_name_words)
    spans = _match_runs(text, runs, gaz, names)
    for run, after in pairwise(runs):
        # "Roy A. Nelson": a first name, a middle initial and a surname (two runs: a period
        # and its space stand between them)
        if len(run[-1][2]) == 1 and len(run) > 1 and after[0][0] == run[-1][1] + 2 and text[run[-1][1]] == ".":
            names.add(_word_key0(after[0][2]))
    if not text.isascii():
        arabic = [run for run in runs if _is_arabic_letter(run[0][2][0])]
        if arabic:
            spans = _with_clitic_names(text, arabic, gaz, names, spans)
    return _finish_spans(text, gaz, spans, names)


def _finish_spans(text: str, gaz: Gazetteer, spans: list[_Span], names: set[str]) -> list[_Span]:
    """Extend the spans of counties ("Laurel County") and of states' abbreviations ("Ind.")
    over the word or period that makes them so, and set each span's key and name word.

    ``names`` are the words that end a person's or organisation's name in the text.
    """
    for sp in spans:
        m = _county_at(text, sp.end)
        if sp.surface.endswith(_COUNTY_ENDINGS) and "admin2" in sp.match.kind_tiers:
            sp.county = True  # a county the gazetteer knows: "Laurel County"
            sp.head = "county"
            if sp.surface.endswith(" Co") and text[sp.end : sp.end + 1] == ".":
                sp.end += 1
                sp.surface = text[sp.start : sp.end]
        elif m:  # "Laurel County": the county, named after its seat or a person
            sp.end = m.end()
            sp.surface = text[sp.start : sp.end]
            sp.head = "county"
            sp.county = True
        elif (
            text[sp.end : sp.end + 1] == "."
            and _ABBREV_RE.fullmatch(sp.surface)
            and sp.match.kind_tiers.get("admin1", 99) <= 1
        ):
            abbrev = sp.surface + "."
            states = [
                c for c in gaz.candidates_batch([sp.name], [sp.match.tiers])[0]
                if c.place.kind == "admin1" and c.tier <= 1 and abbrev in gaz.aliases(c.place.id)
            ]
            if states:  # "Ind.", "Kan.": the abbreviation includes its period and names the state
                sp.end += 1
                sp.surface = abbrev
                sp.cands = states
                sp.abbrev = True
        sp.key = sp.match.key if sp.surface == sp.name else key0(sp.surface)
        sp.name_word = " " not in sp.surface and sp.key in names and sp.run[1] - sp.run[0] == len(sp.surface)
    return spans


def _greedy_matches(
    by_start: list[list[str]], table: Mapping[str, _Match | None]
) -> tuple[tuple[int, int, str, _Match], ...]:
    """Return the greedy longest matches of a multi-word run, left to right.

    ``by_start`` holds each word's :func:`_sub_spans` row. Each match is ``(first word, number
    of words, surface, match)``; the scan goes on after it (a one-word stop-word match that
    :func:`_alone` rejects ends where it would have, one word on).
    """
    out = []
    i, n = 0, len(by_start)
    while i < n:
        row = by_start[i]
        for length in range(len(row), 0, -1):
            found = table[row[length - 1]]
            if found is not None:
                break
        else:
            i += 1
            continue
        out.append((i, length, row[length - 1], found))
        i += length
    return tuple(out)


def _spaces_end(text: str, pos: int, end: int) -> int:
    """Return where the spaces that start at ``pos`` end (``end`` at most). A space is what
    ``str.isspace`` says is one, the characters of the regex ``\\s``."""
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _spaces_start(text: str, pos: int, low: int) -> int:
    """Return where the spaces that end at ``pos`` start (``low`` at least)."""
    while pos > low and text[pos - 1].isspace():
        pos -= 1
    return pos


def _county_at(text: str, pos: int) -> re.Match | None:
    """Return ``_COUNTY_RE.match(text, pos)``, asked only when a C, P, B or T follows spaces
    at ``pos`` (most names are followed by none of these words)."""
    end = len(text)
    i = _spaces_end(text, pos, end)
    if i == pos or i == end or text[i] not in "CPBT":
        return None
    return _COUNTY_RE.match(text, pos)


def _alone(text: str, end: int, found: _Match) -> bool:
    """True when a one-word stop-word match ending at ``end`` is no name whatever follows.

    :func:`_keep` rejects it, unless "County" follows or a period makes it a state's
    abbreviation (a period leaves its key as it is).
    """
    return not _county_at(text, end) and not (
        text[end : end + 1] == "." and "admin1" in found.kind_tiers
    )


def _next_word(text: str, pos: int) -> str:
    """Return the ASCII letters after the spaces at ``pos``, within 30 characters of it; ``""``
    when there are none (what group 1 of ``_NEXT_WORD_RE.match(text, pos, pos + 30)`` is)."""
    end = min(pos + 30, len(text))
    i = _spaces_end(text, pos, end)
    if i == pos:
        return ""
    j = i
    while j < end and ("a" <= text[j] <= "z" or "A" <= text[j] <= "Z"):
        j += 1
    return text[i:j]


def _prev_word(text: str, pos: int) -> str:
    """Return the word before the spaces before ``pos`` (what ``_PREV_WORD_RE`` finds in the 30
    characters before it), without its final periods; ``""`` when there is none."""
    start = max(0, pos - 30)
    j = _spaces_start(text, pos, start)
    if j == pos:
        return ""
    i = j
    while i > start and (text[i - 1] == "." or "a" <= text[i - 1] <= "z" or "A" <= text[i - 1] <= "Z"):
        i -= 1
    return text[i:j].rstrip(".")


#: The words that place the name after them ("in Homs"), and the areas whose name follows
#: "of" ("the town of Saraqeb", "the outskirts of Hama").
_LOCATIVE_CUES = "in at near from into outside around across toward towards via".split()
_LOCATIVE_AREAS = (
    "town city village district province governorate neighbourhood neighborhood suburb area region capital port "
    "camp outskirts"
).split()
#: A locative cue that ends a text ("in ", "near the ", "the town of "), spelt backwards:
#: ``_LOCATIVE_REV.match(text[::-1])`` is one attempt at one place, where a search for the cue
#: at the end of the text tries every place.
_LOCATIVE_REV = re.compile(
    r"\s+(?:eht\s+)?(?:%s|fo\s+(?:%s))\b"
    % ("|".join(w[::-1] for w in _LOCATIVE_CUES), "|".join(w[::-1] for w in _LOCATIVE_AREAS)),
    re.I,
)
#: The Arabic cues, alone or after "wa-"/"fa-" ("and"), and "bi-" ("in") glued to the name.
_AR_LOCATIVE_RE = re.compile(
    r"(?:^|[\s\u0648\u0641])(?:%s)\s+$|(?:^|\s)[\u0648\u0641]?\u0628$" % "|".join(_AR_LOCATIVES)
)
_CONTRACTION_RE = re.compile(r"['\u2019](?:re|ve|ll|d|m|t)$", re.I)


def _located(text: str, start: int) -> bool:
    """True when a locative cue ("in", "the town of", "في") comes right before ``start``."""
    before = text[max(0, start - 25) : start]
    if _LOCATIVE_REV.match(before[::-1]) is not None:
        return True
    return not before.isascii() and _AR_LOCATIVE_RE.search(before) is not None


def _keep(span: _Span, text: str, common: frozenset[str] = frozenset()) -> bool:
    """Decide whether a matched span is a place mention (recognition rules).

    (Its ``any``/``all`` take list comprehensions: ``geoparse.pxd`` makes it a C function, which
    cannot hold the closure of a generator expression.)
    """
    if span.county:
        return not text[max(0, span.start - 3) : span.start].lower().endswith(("al-", "el-"))
    if span.abbrev:  # "Bolingbrook, Ill.", "a Ga. pastor"; "Miss." only after a town and comma
        return span.surface != "Miss." or text[max(0, span.start - 2) : span.start] == ", "
    surface = span.surface
    low = surface.lower()
    k0 = span.key
    if k0 in _STOP or low in _STOP or k0 in _STOP_PHRASES:
        return False
    letters = surface.replace(".", "")
    if letters.isupper() and len(letters) <= 4:
        # acronyms count only as a country's known abbreviation (US, UK, UAE)
        return any([tier <= 1 for kind, tier in span.match.kind_tiers.items() if kind in _STRONG_KINDS])
    if len(surface) < 3 and not surface.isupper():
        return False
    if ("'" in surface or "\u2019" in surface) and _CONTRACTION_RE.search(surface):
        return False
    best = span.match.best
    strong = best.kind in _STRONG_KINDS or best.population >= 100_000
    if (text[span.end : span.end + 1] == "-" or text[span.start - 1 : span.start] == "-") and not (
        strong or span.match.demonym
    ):
        return False  # "Wal-Mart", "Tri-State": part of a hyphenated word
    # inside a longer capitalised name: a person, an organisation or a title (Arabic script
    # has no capitals: its words run on whatever they are, and say nothing of each other)
    run_start, run_end = span.run if not _is_arabic_letter(surface[0]) else (span.start, span.end)
    before_words: list[str] = []
    if run_start < span.start:  # (most spans start their run)
        before_text = text[run_start : span.start]
        before_words = [] if before_text.endswith("-") else before_text.split()
        for k in range(len(before_words) - 1, -1, -1):
            if before_words[k].lower() in _CONNECTORS:  # "University of Texas", "Sheikh X of Dubai"
                before_words = before_words[k + 1 :]
                break
        if any([w.lower().strip(",.") not in _STOP for w in before_words]):
            return False
    if span.end < run_end:  # (most spans end their run)
        after_text = text[span.end : run_end]
        after_words = [] if after_text.startswith("-") else after_text.split()
        if after_words:
            nxt = after_words[0].lower().strip(",.'\u2019")
            if nxt in _PLACE_HEADS or nxt in _CONNECTORS:
                pass
            elif not (strong or span.match.demonym):
                return False
            elif len(after_words) == 1 and nxt not in _ORG_HEADS and nxt not in _STOP and nxt not in common:
                return False  # "Jordan Peterson": a first name, not a place
    if before_words and before_words[-1].lower().strip(".") in _PERSON_TITLES:
        return False
    if _prev_word(text, run_start).lower() in _PERSON_TITLES:
        return False
    # a name word glued to a person-name particle: "al-Homsi" is not Homs
    if text[max(0, span.start - 3) : span.start].lower() in ("al-", "el-"):
        if not strong:
            return False
    if span.name_word and not strong:
        return False
    if surface[-1:] == "i" and TIER_SKELETON <= best.tier < TIER_DEMONYM:
        return False
    if span.match.demonym:
        # "Turkish forces" stands for Turkey; "Mexicans" are people
        return not (low.endswith("s") and not low.endswith(("ss", "ese", "swiss")))
    # single words that are also common English words
    words = surface.split()
    # (a one-word surface has the keys of its name: at most a period was added)
    is_common = len(words) == 1 and (k0 in common or span.match.variant_key in common)
    if is_common and not any([span.match.kind_tiers.get(k) == 0 for k in ("country", "continent", "admin1")]):
        located = span.head in _PLACE_HEADS or _located(text, span.start)
        if not located and (not strong or _sentence_initial(text, span.start) or best.tier >= 1):
            return False  # "Web site", "Man booked", "First Avenue", "Federal and state"
    if not strong and _POSSESSIVE_NAME_RE.match(text, span.end, span.end + 4):
        return False  # "Moore's Ford": part of another name
    if not strong and (text[span.end : span.end + 3] == " & " or text[span.start - 3 : span.start] == " & "):
        return False  # "Johnson & Johnson", "Stevens & Wilkinson": a firm
    if len(words) == 1 and not strong and _is_arabic_letter(surface[0]):
        # no capitals tell a name from a word: a town needs a cue before it ("في", "بلدة"), or
        # "wa-" ("and") glued to it when it is no village ("حيش وكفرنبل")
        glued_and = text[span.start - 1 : span.start] == "\u0648" and best.population >= 20_000
        if not glued_and and not _located(text, span.start):
            return False
    elif len(words) == 1 and not strong:
        lower_too = None
        if _sentence_initial(text, span.start):
            lower_too = _lowercase_elsewhere(text, surface)
            if lower_too:
                return False
            if best.tier >= 1 and best.population < 20_000 and not _located(text, span.start):
                return False  # "Voters went ...": an alternate name of a village, capitalised by its place
        if surface.isupper() and len(surface) > 3:
            return False
        if best.population < 20_000:
            if lower_too is None:
                lower_too = _lowercase_elsewhere(text, surface)
            if lower_too:
                return False
    if not strong and all([tier >= TIER_SKELETON for tier in span.match.kind_tiers.values()]):
        return False
    return True


_NAME = r"[A-Z][A-Za-z'\u2019.-]+(?: [A-Z][A-Za-z'\u2019.-]+)?"
#: "Douglas, Sarpy and Lancaster counties": a list of names closed by the plural "counties".
_COUNTY_LIST_RE = re.compile(
    r"(?<![\w-])((?:%s(?:,\s+|,?\s+(?:and|or|&)\s+)){1,12}%s)\s+(?:counties|parishes)\b" % (_NAME, _NAME)
)


def _county_lists(text: str, gaz: Gazetteer, spans: list[_Span]) -> list[_Span]:
    """Read each name of a list closed by "counties" as that county ("Douglas and Sarpy counties").

    The county (when the gazetteer knows one of that name) replaces whatever the name matched
    on its own, and names the lookup missed ("Clay", "Swift") are added.
    """
    if "counties" not in text and "parishes" not in text:
        return spans
    extra: list[_Span] = []
    for m in _COUNTY_LIST_RE.finditer(text):
        word = "Parish" if text[m.end() - 8 : m.end()] == "parishes" else "County"
        for nm in re.finditer(_NAME, m.group(1)):
            name = nm.group().rstrip(".")
            if name.lower() in ("and", "or"):
                continue
            lookup = f"{name} {word}"
            cands = [c for c in gaz.candidates(lookup) if c.place.kind == "admin2" and c.tier <= 1]
            if not cands:
                continue
            start = m.start(1) + nm.start()
            end = start + len(name)
            extra.append(_Span(
                start, end, name, lookup, None, "county", (start, end), cands,
                county=True, key=key0(name), listed=True,
            ))
    if not extra:
        return spans
    taken = [(e.start, e.end) for e in extra]
    kept = [s for s in spans if not any(s.start < b and a < s.end for a, b in taken)]
    return sorted(kept + extra, key=lambda s: s.start)


def _dateline_country(text: str, gaz: Gazetteer) -> str | None:
    m = DATELINE_RE.match(text[:200])
    if not m:
        return None
    cands = gaz.lookup(m.group(1).title(), kinds=("city", "town", "admin1", "country"), limit=1)
    return cands[0].place.country_code if cands else None


_NEAR_REASON = ", near other places in the text"
_PROVINCE_REASON = ", named as a province"


def _why(best: Candidate, notes: tuple[str, bool, str | None, bool]) -> str:
    """Return the reason of a choice from its notes.

    ``notes``: what the candidate's score adds to its match (", with its county"), whether
    another name's place is near it, the name of the region named as containing it (or None),
    whether it is named as a province.
    """
    note, near, container, named_province = notes
    why = best.match + note
    if near:
        why += _NEAR_REASON
    if container is not None:
        why += f", in {container}"
    if named_province:
        why += _PROVINCE_REASON
    return why


def _province_of_before(text: str, start: int) -> bool:
    """True when "province of" (or "governorate of") comes right before ``start``."""
    low = max(0, start - 30)
    j = _spaces_start(text, start, low)
    if j - 2 < low or text[j - 2] != "o" or text[j - 1] != "f":  # (most names: no "of" before them)
        return False
    return _PROVINCE_OF_RE.search(text[low:start]) is not None


def _top_two(cands: Sequence[Candidate]) -> tuple[Candidate, Candidate | None]:
    """Return the first two of ``sorted(cands, key=score, reverse=True)`` (None for a missing
    second), without sorting: the first of the best-scored, then the next of the best-scored
    or else the first of the next best."""
    first = second = None
    for c in cands:
        if first is None or c.score > first.score:
            first, second = c, first
        elif second is None or c.score > second.score:
            second = c
    return first, second


def _share_without(
    key: str, by_name: dict[str, tuple[str, float]], votes: dict[str, float], total_votes: float,
    cache: dict[str, dict[str, float]],
) -> dict[str, float]:
    """Return the countries' shares of the votes without a name's own (a name is no evidence
    for itself), cached in ``cache`` per name.

    ``by_name`` holds each name's vote (country and weight), ``votes`` their sums per country
    and ``total_votes`` the sum of all.
    """
    hit = cache.get(key)
    if hit is None:
        own_cc, own_w = by_name.get(key, ("", 0.0))
        total = total_votes - own_w
        hit = cache[key] = (
            {cc: (v - (own_w if cc == own_cc else 0.0)) / total for cc, v in votes.items()} if total > 0 else {}
        )
    return hit


def _resolve(spans: list[_Span], text: str, focus: Sequence[str]) -> list[Mention]:
    """Choose one candidate per span using document context."""
    # countries the document is about: unambiguous country mentions, demonyms, best guesses
    # one vote per distinct name (a name repeated ten times is still one piece of evidence)
    by_name: dict[str, tuple[str, float]] = {}
    # per matched name (and how its candidates were narrowed): its best guess and weight
    guesses: dict[tuple[str, bool, bool], tuple[str, float]] = {}
    ranked = [_top_two(sp.cands) for sp in spans]  # per span: its best two candidates
    for sp, (top, runner) in zip(spans, ranked, strict=True):
        guess = guesses.get((sp.name, sp.abbrev, sp.listed))
        if guess is None:
            margin = top.score - (runner.score if runner is not None else 0.0)
            guess = guesses[(sp.name, sp.abbrev, sp.listed)] = (
                top.place.country_code, 1.0 if top.place.kind == "country" else min(1.0, 0.3 + margin)
            )
        k = sp.key
        if guess[1] > by_name.get(k, ("", -1.0))[1]:
            by_name[k] = guess
    votes: dict[str, float] = {}  # (a dict, not a Counter: its missing keys cost a Python call)
    for cc in focus:
        votes[cc] = votes.get(cc, 0.0) + 2.0
    for cc, w in by_name.values():
        votes[cc] = votes.get(cc, 0.0) + w
    total_votes = sum(votes.values()) or 1.0

    share_cache: dict[str, dict[str, float]] = {}  # per name: _share_without
    share = {cc: v / total_votes for cc, v in votes.items()}

    # admin-1 areas named in the document; US counties named in it and the towns that could lie
    # in them: a town and its county support each other ("Huntsville" and "Walker County" ->
    # both in Texas)
    named_admin1: set[tuple[str, str]] = set()
    county_names: dict[str, set[str]] = {}
    town_names: dict[str, set[str]] = {}
    groups = {(sp.key, id(sp.cands[0]), sp.abbrev, sp.listed): sp for sp in spans}  # alike spans
    us_counties = False  # a US county is a candidate (else no town needs its county)
    for sp in groups.values():
        for c in sp.cands:
            p = c.place
            if p.kind == "admin1":
                if c.tier <= 1:
                    named_admin1.add((p.country_code, p.admin1_code))
            elif p.kind == "admin2" and p.admin2_code and p.country_code == "US":
                us_counties = True
                if c.tier <= 1:
                    county_names.setdefault(p.admin2_code, set()).add(sp.key)
    if us_counties:
        for sp in groups.values():
            for c in sp.cands:
                p = c.place
                if c.tier == 0 and p.kind in _SETTLEMENTS and p.admin2_code and p.country_code == "US":
                    town_names.setdefault(p.admin2_code, set()).add(sp.key)

    containers = [_container_after(spans, idx, text) for idx in range(len(spans))]

    # what _choose() needs of each candidate, the same in every pass: its score with the
    # evidence that does not depend on the other spans' choices (the first terms of the sum)
    # and its reason's
    prepared: list[list[tuple[Candidate, float, str, tuple[str, str], float, float, str, str]]] = []
    provinces: list[bool] = []  # the text names the span as a province
    # spans of one name share their candidate objects (and spans of one key their shares)
    prepared_by_name: dict[tuple, list[tuple[Candidate, float, str, tuple[str, str], float, float, str, str]]] = {}
    for sp in spans:
        provinces.append(
            sp.head in _ADMIN_HEADS or _province_of_before(text, sp.start)
        )
        same = (sp.key, id(sp.cands[0]), sp.abbrev, sp.listed)
        rows = prepared_by_name.get(same)
        if rows is not None:
            prepared.append(rows)
            continue
        sp_share = _share_without(sp.key, by_name, votes, total_votes, share_cache)
        cands = sp.cands
        k = sp.key
        home_admin1 = {
            c.place.country_code for c in cands
            if c.place.kind == "admin1" and sp_share.get(c.place.country_code, 0.0) > 0.3
        }
        exact_area = exact_admin1 = False  # the name is an area's, an admin-1 area's
        exact_settlement: set[str] = set()  # the countries with a settlement of the name
        seat_of: set[tuple[str, str]] = set()  # the admin-1 areas of the name (their seat may share it)
        for c in cands:
            if c.tier == 0:
                kind = c.place.kind
                if kind in _STRONG_KINDS:
                    exact_area = True
                    if kind == "admin1":
                        exact_admin1 = True
                        seat_of.add((c.place.country_code, c.place.admin1_code))
                elif kind in _SETTLEMENTS:
                    exact_settlement.add(c.place.country_code)
        rows = []
        for c in cands:
            p = c.place
            kind, cc, tier = p.kind, p.country_code, c.tier
            a1key = (cc, p.admin1_code)
            score = c.score + 1.6 * sp_share.get(cc, 0.0)
            note = ""
            if (
                exact_area and tier >= 1 and kind not in _STRONG_KINDS and p.population < 1_000_000
                and not (kind == "city" and p.population >= 100_000 and a1key in seat_of)
            ):
                # "Florida" is the state, not a town that also answers to it; but "Hama" is
                # the city of Hama governorate, named after it
                score -= 0.8
            if exact_admin1 and tier == 0 and kind in ("town", "village") and p.population < 500_000:
                score -= 0.6  # "California" the state, not the small town of that name
            if (
                cc in exact_settlement and tier >= 1 and kind in _SETTLEMENTS
                and p.population < _ALIAS_POP
                and not p.ascii_name.startswith(k + " ")  # "Newcastle": a short form
            ):
                score -= _ALIAS_PENALTY  # "Centerville" is a town of that name, not a former name of Fremont
            if tier == TIER_DEMONYM or (tier <= 1 and kind in _LARGE_KINDS and not (home_admin1 - {cc})):
                score += 2.0  # "Canadian", "Mexico", "Atlantic": the large area, not a namesake
            if a1key in named_admin1 and kind != "admin1":
                score += 0.35
            if us_counties and p.admin2_code:
                other = (town_names if kind == "admin2" else county_names).get(p.admin2_code, ())
                if len(other) > 1 or (other and k not in other):  # another name than its own
                    score += 1.0
                    note += ", with a town in it" if kind == "admin2" else ", with its county"
            rows.append((c, score, kind, a1key, p.lat, p.lon, p.admin1, note))
        prepared.append(rows)
        prepared_by_name[same] = rows

    # pass 1: priors, countries and containers; then admin-1 coherence and proximity, name by
    # name from the most to the least certain, each seeing the latest readings of the others
    # (so that "Atlanta" settles Georgia before the ambiguous "Decatur" is read, and not the
    # other way round)
    chosen = []
    first_picks: dict[tuple, tuple] = {}  # without evidence, mentions alike in all else are read alike
    for i, sp in enumerate(spans):
        alike = (id(prepared[i]), id(containers[i]), provinces[i])
        pick = first_picks.get(alike)
        if pick is None:
            pick = first_picks[alike] = _choose(prepared[i], provinces[i], containers[i], sp.county, None)
        chosen.append(pick)
    spans_of: dict[str, list[int]] = {}
    margin: dict[str, float] = {}
    for i, sp in enumerate(spans):
        spans_of.setdefault(sp.key, []).append(i)
        margin[sp.key] = max(margin.get(sp.key, -1e9), chosen[i][3])
    order = sorted(margin, key=margin.__getitem__, reverse=True)  # (stable, as a sort by -margin)
    # (the first sweep only needs the readings, the second gives the scores; the others'
    # evidence adds at most 1.2 + 0.5 to a candidate's score, so a reading that led the first
    # pass by more stays in the first sweep, unless the span is a county, whose candidates the
    # evidence may also lower)
    unsure = [sp.county or pick[3] <= 1.7 + 1e-6 for sp, pick in zip(spans, chosen, strict=True)]
    counties = {sp.key for sp in spans if sp.county}
    coherence = _Coherence()
    for sweep in range(2):  # first each sees the names settled before it, then all the others
        for name in order:
            idxs = spans_of[name]
            redo = idxs if sweep else [i for i in idxs if unsure[i]]
            changed = not sweep  # (the first sweep settles every name)
            if redo:
                evidence = coherence.evidence(name, name in counties)  # the same for all its spans
                picks: dict[tuple, tuple] = {}  # mentions alike in all else are read alike
                for i in redo:
                    if len(redo) == 1:
                        pick = _choose(prepared[i], provinces[i], containers[i], spans[i].county, evidence)
                    else:
                        alike = (id(prepared[i]), id(containers[i]), provinces[i], spans[i].county)
                        pick = picks.get(alike)
                        if pick is None:
                            pick = picks[alike] = _choose(
                                prepared[i], provinces[i], containers[i], spans[i].county, evidence
                            )
                    changed = changed or pick[0] is not chosen[i][0]
                    chosen[i] = pick
            if changed:
                coherence.settle(name, idxs, [chosen[i][0].place for i in idxs])
    # one sense per discourse: every mention of a name gets the reading best supported anywhere
    best_by_name: dict[str, tuple[Candidate, float, tuple, float]] = {}
    for sp, pick in zip(spans, chosen, strict=True):
        k = sp.key
        if k not in best_by_name or pick[1] > best_by_name[k][1]:
            best_by_name[k] = pick

    mentions: list[Mention] = []
    doubtful: list[int] = []  # mentions that read as a far-away small place or an adjective
    for idx, sp in enumerate(spans):
        best, best_score, notes, _ = chosen[idx]
        top = best_by_name[sp.key]
        if top[0].place.id != best.place.id and any([c.place.id == top[0].place.id for c in sp.cands]):
            best, best_score, why = top[0], top[1], _why(top[0], top[2]) + ", as elsewhere in the text"
        else:
            why = _why(best, notes)
        leader, runner = ranked[idx]  # the best score among the other candidates:
        runner_up = leader.score if leader is not best else runner.score if runner is not None else 0.0
        conf = 1.0 / (1.0 + math.exp(-(best_score - runner_up - 0.5)))
        p = best.place
        own_share = _share_without(sp.key, by_name, votes, total_votes, share_cache)
        reason = f"{why}; {p.kind} in {p.admin1 + ', ' if p.admin1 and p.kind != 'admin1' else ''}{p.country_code}"
        if share.get(p.country_code, 0) > 0.3:
            reason += f"; document is about {p.country_code}"
        if " " not in sp.surface and p.kind not in _LARGE_KINDS and p.kind != "admin1":
            far = own_share.get(p.country_code, 0.0)
            # a lone small place far from everything else the text is about, or an adjective
            # ("Roman ruins", "Champagne region"), not this far-away town
            lone = (
                p.kind in ("village", "town", "neighbourhood") and p.population < 50_000 and far < 0.1 and best.tier > 0
            ) or (p.kind == "village" and far < 0.05)
            adjective = p.population < 100_000 and far < 0.1 and _ADJECTIVE_NEXT_RE.match(text, sp.end)
            if (lone or adjective) and not _located(text, sp.start):
                doubtful.append(len(mentions))
        mention = Mention(sp.start, sp.end, sp.surface, p, _round3(conf), reason)
        mentions.append(mention)
    if not doubtful:
        return mentions
    # one sense per discourse: a doubtful mention that opens a sentence (its subject, not an
    # adjective) stays when the same name is that place elsewhere in the text without doubt
    # ("Deraa buried its dead ..." and later "the unrest in Deraa")
    doubt = set(doubtful)
    sure = {(spans[i].key, m.place.id) for i, m in enumerate(mentions) if i not in doubt}
    return [
        m for i, m in enumerate(mentions)
        if i not in doubt or ((spans[i].key, m.place.id) in sure and _sentence_initial(text, m.start))
    ]


_NEAR_LAT, _NEAR_LON = 0.6, 0.8  # "near other places in the text": within this many degrees
#: Grid cells of the "near" size are numbered ``row * _ROW + column`` (a column is within
#: +-225 of 0); the offsets of a cell's own number and its eight neighbours'.
_ROW = 1024
_AROUND = tuple(dy * _ROW + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def _round3(x: float) -> float:
    """Return ``round(x, 3)`` (which writes ``x`` out in decimal digits: slow).

    For ``x * 1000`` from 0.5 to 1e15 and not within a millionth of a half, the integer ``k``
    nearest to it is that of the exact product too, and ``k / 1000`` is the double nearest to
    ``k`` thousandths, which is what ``round`` returns; otherwise ``round`` decides.
    """
    y = x * 1000.0
    if 0.5 <= y < 1e15:
        k = math.floor(y + 0.5)
        if abs(y - k) < 0.499999:
            return k / 1000.0
    return round(x, 3)


def _cell(lat: float, lon: float) -> int:
    """Return the number of the grid cell of a position: ``floor(lat / _NEAR_LAT) * _ROW +
    floor(lon / _NEAR_LON)``."""
    near_lat, near_lon, row_size = _NEAR_LAT, _NEAR_LON, _ROW  # (C numbers, compiled)
    row, col = lat / near_lat, lon / near_lon
    r, k = int(row), int(col)  # (towards zero: below zero, one more than the floor when inexact)
    return (r - (r > row)) * row_size + k - (k > col)


def _choose(
    rows: list, province: bool, container: Candidate | None, county: bool, evidence: tuple | None
) -> tuple[Candidate, float, tuple, float]:
    """Return a span's best candidate, its score, the notes of its reason (see ``_why``) and
    the lead of its score over the next best.

    ``rows`` are the span's candidates as ``_resolve`` prepares them, ``province`` whether the
    text names the span as a province, ``container`` the best candidate of a region named as
    containing it, ``county`` whether it is a county's name, and ``evidence`` None in the first
    pass, else what the other names give (:meth:`_Coherence.evidence`).
    """
    if container is not None:
        cp = container.place
        c_kind, c_cc, c_a1c, c_a1 = cp.kind, cp.country_code, cp.admin1_code, cp.admin1
    county = county and evidence is not None
    if evidence is not None:
        name, a1_votes, grid, own_key, own_w, total, top_a1 = evidence
    near_lat, near_lon = _NEAR_LAT, _NEAR_LON
    best, best_score, second, best_notes = None, -1e9, -1e9, ("", False, False, False)
    for c, score, kind, a1key, lat, lon, admin1, note in rows:
        near = in_container = False
        if evidence is not None and kind not in _LARGE_KINDS:
            a1_share = a1_votes.get(a1key, 0.0) - (own_w if own_key == a1key else 0.0)
            if total > 0:
                score += 1.2 * a1_share / total
            for other, la, lo in grid.get(_cell(lat, lon), ()) if grid else ():
                if other != name and abs(lat - la) < near_lat and abs(lon - lo) < near_lon:
                    score += 0.5  # another name's place nearby
                    near = True
                    break
        if container is not None and a1key[0] == c_cc:
            if c_kind == "country":
                score += 1.0
                in_container = True
            elif c_kind == "admin1" and (a1key[1] == c_a1c or admin1 == c_a1):
                score += 1.5
                in_container = True
        if county:
            if top_a1 is not None and a1key == top_a1:
                score += 1.5
            if c.tier > 1:
                score -= 2.0
        named = province and kind == "admin1"
        if named:
            score += 1.2
        if score > best_score:
            second = best_score
            best, best_score, best_notes = c, score, (note, near, in_container, named)
        elif score > second:
            second = score
    assert best is not None
    note, near, in_container, named = best_notes
    notes = (note, near, container.place.name if in_container else None, named)
    return best, best_score, notes, best_score - second if second > -1e9 else 10.0


class _Coherence:
    """The evidence the names resolved so far give each other: their admin-1 areas and positions.

    One vote per distinct name (its first reading as an admin-1 area, worth 2, else its first
    other reading that is not a large area, worth 1): ten mentions of "Gainesville" are not ten
    pieces of evidence that it is the one in Florida. The positions of the readings below admin-1
    are indexed by grid cells of the "near" size, each listed under its own cell and the eight
    around it, so the points that may be near a position are those listed under its cell.
    """

    __slots__ = ("_vote", "votes", "total", "grid", "_readings")

    def __init__(self) -> None:
        #: per name: its area, the vote's weight and the index of its first voting span
        self._vote: dict[str, tuple[tuple[str, str], float, int]] = {}
        self.votes: dict[tuple[str, str], float] = {}  # area -> votes
        self.total = 0.0  # all votes
        self.grid: dict[int, list[tuple[str, float, float]]] = {}  # cell -> (name, lat, lon)
        self._readings: dict[str, list[Place]] = {}  # per name: its spans' readings

    def evidence(self, name: str, county: bool) -> tuple:
        """Return what the other names give a name, for :func:`_choose` in ``_resolve``.

        ``(name, votes per area, grid of positions, the area of the name's own vote, its
        weight, the votes of the other names, the area with the most votes)``: with the name and
        its own vote :func:`_choose` leaves out the name's own evidence; the last is None unless the
        name is a county's (``county``).
        """
        vote = self._vote.get(name)
        own_key, own_w = (None, 0.0) if vote is None else vote[:2]
        top = self.top_area() if county else None
        return name, self.votes, self.grid, own_key, own_w, self.total - own_w, top

    def top_area(self) -> tuple[str, str] | None:
        """Return the area with the most votes (of equal ones, the one voted for first in the text)."""
        first: dict[tuple[str, str], int] = {}
        for area, _, pos in self._vote.values():
            if area not in first or pos < first[area]:
                first[area] = pos
        best = best_key = None
        for area, pos in first.items():  # (min(first, key=...): the first of the least keys)
            key = (-self.votes[area], pos)
            if best_key is None or key < best_key:
                best, best_key = area, key
        return best

    def settle(self, name: str, idxs: list[int], places: list[Place]) -> None:
        """Make a name's vote and points those of its spans' (``idxs``) latest readings."""
        grid = self.grid
        before = self._readings.get(name)
        if before is not None:
            old = self._vote.pop(name, None)
            if old is not None:
                self.votes[old[0]] -= old[1]  # (every area voted for has its entry)
                self.total -= old[1]
            cells = {_cell(p.lat, p.lon) for p in before if p.kind not in _LARGE_KINDS and p.kind != "admin1"}
            for cell in cells:
                for d in _AROUND:
                    grid[cell + d] = [pt for pt in grid[cell + d] if pt[0] != name]
        self._readings[name] = places
        vote = None
        points = set()  # (each point is listed once: _choose only asks whether some point is near)
        for i, p in zip(idxs, places, strict=True):
            kind = p.kind
            if kind in _LARGE_KINDS:
                continue
            w = 2.0 if kind == "admin1" else 1.0
            if vote is None or w > vote[1]:
                vote = ((p.country_code, p.admin1_code), w, i if vote is None else vote[2])
            if kind != "admin1" and (pt := (name, p.lat, p.lon)) not in points:
                points.add(pt)
                cell = _cell(p.lat, p.lon)
                for d in _AROUND:
                    grid.setdefault(cell + d, []).append(pt)
        if vote is not None:
            self._vote[name] = vote
            self.votes[vote[0]] = self.votes.get(vote[0], 0.0) + vote[1]
            self.total += vote[1]


def _container_after(spans: list[_Span], idx: int, text: str):
    """Return the best candidate of a containing region named next to span ``idx``.

    After it ("Paris, Texas", "X in the province of Idlib"), or before it as a possessive
    ("Lebanon's Tripoli").
    """
    if idx > 0:
        prv = spans[idx - 1]
        if text[prv.end : prv.end + 1] in ("'", "\u2019") and _POSSESSIVE_GAP_RE.fullmatch(
            text, prv.end, spans[idx].start  # (the gap, unsliced)
        ):
            admin = [c for c in prv.cands if c.place.kind in ("admin1", "country")]
            if admin:
                return max(admin, key=_SCORE)
    if idx + 1 >= len(spans):
        return None
    nxt = spans[idx + 1]
    if nxt.start - spans[idx].end > 60:  # (most gaps: no need to slice them)
        return None
    if not _CONTAINER_CUE_RE.match(text[spans[idx].end : nxt.start]):
        return None
    admin = [c for c in nxt.cands if c.place.kind in ("admin1", "country")]
    if not admin:
        return None
    return max(admin, key=_SCORE)


def geoparse(
    text: str,
    gazetteer: Gazetteer | None = None,
    *,
    focus: Sequence[str] = (),
) -> list[Mention]:
    """Return the place mentions of a text, each resolved to a gazetteer entry.

    Parameters
    ----------
    text : str
        Plain text.
    gazetteer : Gazetteer, optional
        Defaults to the bundled gazetteer (loaded once per process).
    focus : sequence of str
        ISO alpha-2 codes of countries the text is known to be about (a prior, not a filter).

    Returns
    -------
    list of Mention
        In text order, with character spans (end exclusive), the chosen place, a confidence in
        0..1 and a short reason.

    Raises
    ------
    UsageError
        When ``text`` is not a str (bytes must be decoded first).

    Examples
    --------
    >>> [m.place.name for m in geoparse("Shelling hit the Homs neighbourhood of Bab Amr.")]
    ['Homs', 'Bab Amr']
    """
    if not isinstance(text, str):
        from geomap.errors import UsageError

        if isinstance(text, (bytes, bytearray, memoryview)):
            raise UsageError("geoparse takes text (str), not bytes: decode it first "
                             "(geomap.ingest.decode_bytes)")
        raise UsageError(f"geoparse takes text (str), not {type(text).__name__}")
    if type(text) is not str:  # a subclass (numpy.str_): its plain str, which the compiled helpers take
        text = str.__str__(text)
    if not text:
        return []
    gaz = gazetteer or default_gazetteer()
    common = gaz.common_words
    spans = _county_lists(text, gaz, [s for s in _lookup_spans(text, gaz) if _keep(s, text, common)])
    if not spans:
        return []
    todo = [s for s in spans if not s.cands]  # abbreviations and listed counties have theirs
    for span, cands in zip(
        todo, gaz.candidates_batch([s.name for s in todo], [s.match.tiers for s in todo]), strict=True
    ):
        span.cands = cands
    focus = list(focus)
    dl = _dateline_country(text, gaz)
    if dl:
        focus.append(dl)
    return _resolve(spans, text, focus)


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`geoparse`.

    ``geomap.geoparse`` is the package's function (imported lazily) until something imports
    this module, which then takes the attribute's place in the package; calling it still
    geoparses, so ``geomap.geoparse(text)`` works whatever was imported first.
    """

    def __call__(self, text: str, gazetteer: Gazetteer | None = None, *, focus: Sequence[str] = ()) -> list[Mention]:
        return geoparse(text, gazetteer, focus=focus)

    def __reduce__(self):
        """Pickle as the function (a process pool may be handed ``geomap.geoparse``)."""
        return _function_geoparse, ()


def _function_geoparse():
    return geoparse


sys.modules[__name__].__class__ = _CallableModule
