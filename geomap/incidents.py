"""Pull incidents out of a report: what happened, where, when, by whom and how many.

Per sentence (page furniture and captions skipped) geomap finds event cues (shelling, clashes,
car bombs, killings, protests, defections, displacement, arrests, diplomatic meetings), counts
of people with their role (killed, wounded, displaced, arrested), the place of the event, the
actors and the date. Country-wide and cumulative tolls ("killed nationwide", "since the uprising
began") are kept with ``scope="country"`` and ``cumulative`` so they never become a pin in a
town.

Types follow ACLED's taxonomy; extensions (sub-types of *Strategic developments*): ``Defection``,
``Displacement``, ``Diplomatic meeting``.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from geomap.dates import find_dates, find_report_date
from geomap.distance import haversine_km
from geomap.gazetteer import Gazetteer, default_gazetteer
from geomap.geoparse import DATELINE_RE, geoparse
from geomap.quantities import Quantity, ascii_digits, breakdown_of, find_quantities, fold_case
from geomap.schema import Document, Evidence, Incident, Mention, Place

# -- cues -------------------------------------------------------------------------------------
_KILL_RE = re.compile(
    r"\b(kill(?:ed|ing|s)?|dead|died|die|deaths?|death toll|lives|massacred?|executed|"
    r"slaughtered|shot dead|gunned down|perished|bodies|martyrs?|toll)\b",
    re.I,
)
_WOUND_RE = re.compile(r"\b(wound(?:ed|ing|s)?|injur(?:ed|ies|ing|y)|hurt|maimed)\b", re.I)
_DISPLACE_RE = re.compile(
    r"\b(displaced|refugees?|fled|fleeing|sought refuge|seeking refuge|crossed into|evacuated)\b", re.I
)
_ARREST_RE = re.compile(r"\b(arrest(?:ed|s)?|detain(?:ed|ees)?|rounded up|abducted|kidnapped)\b", re.I)

# Stems: every match of a regex contains one of its stems, so a text whose :func:`fold_case` has
# none of them is not searched (see :func:`_search`).  Keep them in step with the regexes.
_KILL_STEMS = ("kill", "dead", "die", "death", "lives", "massacre", "executed", "slaughtered",
               "gunned down", "perished", "bodies", "martyr", "toll")
_WOUND_STEMS = ("wound", "injur", "hurt", "maimed")
_DISPLACE_STEMS = ("displaced", "refuge", "fled", "fleeing", "crossed into", "evacuated")
_ARREST_STEMS = ("arrest", "detain", "rounded up", "abducted", "kidnapped")
_ROLE_TESTS = (
    (_KILL_RE, _KILL_STEMS, "killed"),
    (_WOUND_RE, _WOUND_STEMS, "injured"),
    (_DISPLACE_RE, _DISPLACE_STEMS, "displaced"),
    (_ARREST_RE, _ARREST_STEMS, "arrested"),
)
#: A count further on, where the role window of the count before it stops.
_NEXT_COUNT_RE = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?)\b")
#: "the death toll rose to" right before a count.
_TOLL_BEFORE_RE = re.compile(
    r"\b(toll|number of (?:people |those )?(?:killed|dead)|dead|deaths)\b[^.;]{0,90}\b"
    r"(?:to|at|reached|hit|stands? at|passed|passes|topped)\s*$",
    re.I,
)
_TOLL_VERB_LAST = ("to", "at", "reached", "hit", "passed", "passes", "topped")
_OF_AFTER_RE = re.compile(r"\s+of\b")
_VERB_AFTER_RE = re.compile(r"\s+(?:have|has|were|was|are)\b")

_CUES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\b(chemical|sarin|nerve agent|gas attack|poison gas)\b", re.I),
     "Explosions/Remote violence", "Chemical weapon"),
    (re.compile(r"\bsuicide (?:bomb|attack|car bomb)\w*", re.I), "Explosions/Remote violence", "Suicide bomb"),
    (re.compile(r"\b(air ?strikes?|air raids?|warplanes?|jets?|helicopters?|bombing raids?|barrel bombs?|"
                r"aircraft|air force)\b", re.I), "Explosions/Remote violence", "Air/drone strike"),
    (re.compile(r"\b(car bomb\w*|(?<!mortar )(?<!mortar-)bombs?|bombings?|blasts?|explosions?|explosives?|roadside bomb|IEDs?|"
                r"booby-trapped|detonated|bomb attacks?|twin bombs?)\b", re.I),
     "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    (re.compile(r"\b(shell(?:ing|ed|s)?|bombard(?:ed|ment|ing|s)?|barrages?|artillery|mortars?|rockets?|"
                r"missiles?|tank fire|pounded|pounding)\b", re.I),
     "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    (re.compile(r"\b(clash(?:es|ed)?|fighting|fought|battles?|gun ?battles?|ambush(?:ed)?|offensive|"
                r"assault|stormed|storm|firefight|combat)\b", re.I), "Battles", "Armed clash"),
    (re.compile(r"\b(protest(?:s|ers|ed)?|demonstrat(?:ions?|ors|ed)|rall(?:y|ies)|marched|sit-in|"
                r"took to the streets)\b", re.I), "Protests", "Peaceful protest"),
    (re.compile(r"\b(defect(?:ed|ion|ions|or|ors)?|deserted|desertions?|abandoned the regime)\b", re.I),
     "Strategic developments", "Defection"),
    (re.compile(r"\b(meeting|talks|conference|summit|gathering)\b", re.I),
     "Strategic developments", "Diplomatic meeting"),
)
_FORCE_ON_PROTEST_RE = re.compile(r"\b(opened fire|fired on|shot|tear gas|dispersed|crackdown)\b", re.I)
_NATIONWIDE_RE = re.compile(
    r"\b(nationwide|across (?:the )?(?:country|syria)|throughout (?:the )?(?:country|syria)|"
    r"around the country|across several provinces|in several provinces|in violence across|"
    r"in the country)\b",
    re.I,
)
_CUMULATIVE_RE = re.compile(
    r"\b(since (?:the )?(?:start|beginning|outbreak|onset) of|since the (?:\w+ )?(?:uprising|revolt|"
    r"revolution|conflict|crisis|unrest|rebellion|protests|war)|since (?:mid-|early |late )?"
    r"(?:(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r"(?:\s*(?:19|20)\d\d)?|(?:19|20)\d\d)|in more than a year|over the past \w+ months|in (?:more than )?(?:a|\w+) years? of|"
    r"in \d+ months of|in (?:nearly |almost )?\w+ months of)\b",
    re.I,
)
#: A toll brought up to date: "the toll rose to", "has climbed to", "bringing the number of dead to".
_TOLL_UPDATE_RE = re.compile(
    r"\b(?:has|have|had)\s+(?:now\s+)?(?:risen|climbed|reached|jumped|increased|grown|passed)\s+(?:to\s+)?"
    r"(?:at\s+least\s+|more\s+than\s+|over\s+|nearly\s+|almost\s+|some\s+)?\d"
    r"|\btoll\s+(?:rose|climbed|jumped|increased|reached)\b|\bbringing\s+(?:the\s+)?(?:death\s+)?toll\s+to\b",
    re.I,
)
#: A definite place with no name ("the town", "the city"): the place the story is about.
_ANAPHOR_RE = re.compile(r"\bthe (?:town|city|village|neighbou?rhood)\b", re.I)
_NATIONWIDE_STEMS = ("nationwide", "country", "syria", "provinces", "violence across")
_CUMULATIVE_STEMS = ("since", "year", "month")
_MONTH_PERIOD_RE = re.compile(r"\b(late|early|mid|last) (?:last )?month\b", re.I)
_LAST_WEEK_RE = re.compile(r"\blast week\b", re.I)
_ATTACK_RE = re.compile(r"\b(shot|gunmen|executed|massacre|stabbed|tortured|sniper)\b", re.I)
_COMBAT_RE = re.compile(r"\b(in combat|fighting|clashes)\b", re.I)
#: A date right after these is when something began, not the event.
_DATE_AFTER_CUE_RE = re.compile(
    r"\b(since|began|begun|started|after|before|until|erupted)\b[^,;]{0,25}$", re.I
)
_DATE_AFTER_CUE_STEMS = ("since", "began", "begun", "started", "after", "before", "until",
                         "erupted")
#: A date right after these is when something was said, not the event.
_DATE_SAID_RE = re.compile(
    r"\b(said|says|told|announced|reported|confirmed|added|stated)\s+(?:on\s+)?$", re.I
)
_DATE_SAID_LAST = ("said", "says", "told", "announced", "reported", "confirmed", "added", "stated",
                   "on")
_FURNITURE_RE = re.compile(
    r"^\s*(featured on|related (?:stories|articles|news|coverage|topics)|topics in this article|"
    r"more from|most (?:read|popular|viewed)|read more|see also|also read|you may also like|"
    r"recommended|trending|latest headlines|share this|follow us|sign up|subscribe|"
    r"blog comments|comments|advertisement|in-depth coverage|more on this|more stories)\b",
    re.I,
)
_CAPTION_RE = re.compile(r"^\s*(image|photo|picture|video|caption|file photo)\b|\u00a9|\bgetty images\b", re.I)
_SENT_RE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"\u201d\u2019']?|\n|$)")
_ABBREV_END_RE = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|Gen|Brig|Col|Lt|Capt|St|U\.S|U\.N|U\.K|No|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)\.$")
#: An abbreviation with its dot is at most this long, so :data:`_ABBREV_END_RE` only needs the
#: end of a chunk (plus one character for its ``\b``).
_ABBREV_TAIL = 8
_CAPTION_FIRST = ("image", "photo", "picture", "video", "caption", "file photo")

#: Nouns after a number that are people (so the number can be a casualty count).
_PEOPLE = frozenset(
    """
    people persons person civilians civilian soldiers soldier troops rebels rebel fighters fighter
    children child kids women woman men man protesters protester demonstrators activists
    members officers officer policemen police security guards militants insurgents gunmen
    residents villagers students workers journalists refugees syrians others family families
    bodies deserters defectors detainees prisoners victims worshippers mourners boys girls
    babies infants pilgrims staff doctors nurses personnel army generals general
    deaths dead casualties fatalities wounded injured
    """.split()
)
_NOT_PEOPLE = frozenset(
    """
    nations countries states members emails documents months years days weeks hours minutes
    tanks vehicles buildings homes houses kilometres kilometers km miles metres meters dollars
    euros percent rounds shells rockets missiles planes jets sites points cities towns villages
    provinces votes seats times
    """.split()
)
_STATE_RE = re.compile(
    r"\b(regime forces|government forces|security forces|syrian (?:army|forces|troops)|troops|the army|"
    r"army|soldiers|shabiha|militiamen|loyalist|pro-government|pro-regime|regime|republican guard|"
    r"state forces|warplanes|police)\b",
    re.I,
)
_REBEL_RE = re.compile(
    r"\b(free syrian army|fsa|rebels?|rebel fighters|opposition fighters|insurgents|armed groups?|"
    r"gunmen|militants|jihadists|nusra front|al-nusra|deserters|defectors)\b",
    re.I,
)
_CIVILIAN_RE = re.compile(r"\b(civilians?|people|residents|children|child|family|women|villagers|worshippers)\b", re.I)
_PROTESTER_RE = re.compile(r"\b(protesters|demonstrators|mourners)\b", re.I)
_STATE_STEMS = ("forces", "troops", "army", "soldiers", "shabiha", "militiamen", "loyalist", "pro-",
                "regime", "republican guard", "warplanes", "police")
_REBEL_STEMS = ("free syrian army", "fsa", "rebel", "opposition fighters", "insurgents",
                "armed group", "gunmen", "militants", "jihadists", "nusra", "deserters", "defectors")
_CIVILIAN_STEMS = ("civilian", "people", "residents", "child", "family", "women", "villagers",
                   "worshippers")
_PROTESTER_STEMS = ("protesters", "demonstrators", "mourners")
_NOT_EVENT_PLACE_RE = re.compile(
    r"(?:-based|\bsaid from|\bspeaking from|\bby|\bwith|\bof the|\bsaid in|\btold reporters in|\bspeaking in|\bvisit to|"
    r"\bsaid from|\bvisiting|\breported from|\bcorrespondent in)\s*(?:the\s+)?$",
    re.I,
)
#: How the text before a place ends (right-stripped, folded) when :data:`_NOT_EVENT_PLACE_RE`
#: can match there ("the" for its optional article).
_NOT_EVENT_PLACE_LAST = ("-based", "said from", "speaking from", "by", "with", "the",
                         "said in", "told reporters in", "speaking in", "visit to", "visiting",
                         "reported from", "correspondent in")
#: Kinds too large for a map pin: incidents there are country/region-level figures.
_UNPINNED_KINDS = frozenset(("country", "continent", "region", "ocean", "sea"))
_GEO_PRECISION = {
    "neighbourhood": 1, "camp": 1, "crossing": 1, "airbase": 1, "airport": 1, "village": 1,
    "town": 1, "city": 1, "area": 2, "admin2": 2, "admin1": 3, "country": 3,
}


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a report, with its character span."""

    start: int
    end: int
    text: str
    paragraph: int


def split_sentences(text: str) -> list[Sentence]:
    """Split a report into sentences, dropping page furniture and photo captions.

    Everything after a furniture heading ("Featured on ...", "Related stories", "Topics in this
    article") is dropped: those blocks list other stories, not this report's events.
    """
    out: list[Sentence] = []
    paragraph = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start = pos
        pos += len(line)
        stripped = line.strip()
        if not stripped:
            paragraph += 1
            continue
        if len(stripped) < 80 and _FURNITURE_RE.match(stripped):
            break
        if _is_caption(stripped[:80]):
            continue
        buf_start = None
        for m in _SENT_RE.finditer(line):
            if m.group().isspace():
                continue
            m_start, m_end = m.span()
            s = line_start + m_start if buf_start is None else buf_start
            chunk = text[s : line_start + m_end].rstrip()  # never blank: it holds the match
            goes_on = _ends_with_abbreviation(chunk) or _point_inside_number(line, m_end)
            if goes_on and m_end < len(line.rstrip()):
                buf_start = s
                continue
            buf_start = None
            sentence = chunk.lstrip()
            end = s + len(chunk)
            out.append(Sentence(end - len(sentence), end, sentence, paragraph))
        if buf_start is not None:
            chunk = text[buf_start : line_start + len(line)]
            out.append(Sentence(buf_start, buf_start + len(chunk.rstrip()), chunk.strip(), paragraph))
        paragraph += 1
    return out


def _is_caption(head: str) -> bool:
    """True for a photo caption or credit line (``head``: the start of a stripped line)."""
    low = fold_case(head)
    return (
        (low.startswith(_CAPTION_FIRST) or "\u00a9" in low or "getty images" in low)
        and _CAPTION_RE.search(head) is not None
    )


def _ends_with_abbreviation(chunk: str) -> bool:
    """True when a (right-stripped) sentence chunk ends with an abbreviation ("Mr.", "U.S.")."""
    return (
        chunk.endswith(".")
        and _ABBREV_END_RE.search(chunk, max(0, len(chunk) - _ABBREV_TAIL)) is not None
    )


def _point_inside_number(line: str, end: int) -> bool:
    """True when a sentence chunk of ``line`` ends at ``end`` with a dot between two digits.

    Such a dot is a decimal point or a thousands separator ("1.5 million", "1.200 people"),
    not the end of a sentence.
    """
    return (
        1 < end < len(line) and line[end - 1] == "." and line[end - 2].isdigit() and line[end].isdigit()
    )


def _has_stem(low: str, stems: tuple[str, ...]) -> bool:
    """True when the folded text ``low`` contains one of ``stems``."""
    for stem in stems:
        if stem in low:
            return True
    return False


def _search(
    rx: re.Pattern[str], stems: tuple[str, ...], text: str, low: str
) -> re.Match[str] | None:
    """``rx.search(text)``, not run when ``low`` (:func:`fold_case` of ``text``) has no stem.

    Every match of ``rx`` must contain one of ``stems``, so the result is the same.
    """
    return rx.search(text) if _has_stem(low, stems) else None


def _role(sentence: str, q: Quantity, low: str | None = None) -> str | None:
    """Return killed / injured / displaced / arrested for a count, from nearby verbs.

    ``low`` is :func:`fold_case` of ``sentence`` when the caller has it.
    """
    if low is None:
        low = fold_case(sentence)
    s, e = q.start, q.end
    after, low_after = sentence[e : e + 90], low[e : e + 90]
    lo = max(0, s - 60)
    before, low_before = sentence[lo:s], low[lo:s]
    # stop the window at the next count so "six killed and 14 wounded" splits right
    nxt = _NEXT_COUNT_RE.search(after[3:])
    if nxt:
        after, low_after = after[: nxt.start() + 3], low_after[: nxt.start() + 3]
    candidates = []
    for rx, stems, role in _ROLE_TESTS:
        if _has_stem(low_after, stems):
            m = rx.search(after)
            if m:
                candidates.append((m.start(), role))
        if _has_stem(low_before, stems):
            last = list(rx.finditer(before))
            mb = last[-1] if last else None
            if mb is not None and len(before) - mb.end() < 25:
                candidates.append((len(before) - mb.end() + 5, role))
    if low[:s].rstrip().endswith(_TOLL_VERB_LAST) and _TOLL_BEFORE_RE.search(sentence[:s]):
        return "killed"
    if not candidates:
        return None
    return min(candidates)[1]


#: The type given to a toll whose sentence names no kind of violence (no type evidence).
_DEFAULT_TYPE = ("Violence against civilians", "Attack")


#: For each cue of :data:`_CUES`, substrings its words contain: a cue's regex runs only when
#: one of them is in the sentence (most sentences have none).
_CUE_STEMS = (
    ("chemic", "sarin", "nerve", "gas"),
    ("suicid",),
    ("strike", "raid", "warplan", "jet", "helicop", "bomb", "aircraft", "air force"),
    ("bomb", "blast", "explo", "ied", "booby", "deton"),
    ("shell", "bomb", "barrage", "artiller", "mortar", "rocket", "missil", "tank", "pound"),
    ("clash", "fight", "fought", "battl", "ambush", "offensiv", "assault", "storm", "combat"),
    ("protest", "demonstr", "rall", "march", "sit-in", "streets"),
    ("defect", "desert", "abandon"),
    ("meeting", "talks", "conferen", "summit", "gathering"),
)


#: ``(regex, (event_type, sub_event_type), stems)`` for each cue, in priority order.
_CUE_TABLE = tuple(
    (rx, (etype, sub), stems) for (rx, etype, sub), stems in zip(_CUES, _CUE_STEMS, strict=True)
)


def _cues_in(sentence: str) -> list[tuple[str, str]]:
    """Return the ``(event_type, sub_event_type)`` cues a sentence contains, in priority order."""
    low = sentence.lower()
    found = []
    for rx, cue, stems in _CUE_TABLE:
        for stem in stems:
            if stem in low:
                if rx.search(sentence):
                    found.append(cue)
                break
    return found


def _event_type(
    sentence: str, roles: set[str], found: list[tuple[str, str]] | None = None
) -> tuple[str, str] | None:
    """Return the ``(event_type, sub_event_type)`` of a sentence, or None for no event."""
    found = _cues_in(sentence) if found is None else found
    casualties = bool(roles & {"killed", "injured"})
    if found:
        violent = [f for f in found if f[0] in ("Explosions/Remote violence", "Battles")]
        peaceful = [f for f in found if f not in violent]
        if casualties:
            protest = [f for f in peaceful if f[0] == "Protests"]
            if violent:
                return violent[0]
            if protest and _FORCE_ON_PROTEST_RE.search(sentence):
                return "Protests", "Excessive force against protesters"
            found = []
        else:
            # defections, protests and meetings name what happened better than "air force"
            found = peaceful + violent
        if found:
            etype, sub = found[0]
            if etype == "Protests" and _FORCE_ON_PROTEST_RE.search(sentence):
                sub = "Protest with intervention"
            return etype, sub
    if "displaced" in roles:
        return "Strategic developments", "Displacement"
    if "arrested" in roles:
        return "Strategic developments", "Arrests"
    if "killed" in roles or "injured" in roles:
        if _ATTACK_RE.search(sentence):
            return "Violence against civilians", "Attack"
        if _COMBAT_RE.search(sentence):
            return "Battles", "Armed clash"
        return _DEFAULT_TYPE
    return None


def _actors(
    sentence: str, etype: str, low: str | None = None
) -> tuple[str | None, str | None, str | None, str | None]:
    """Return ``(actor1, actor1_class, actor2, actor2_class)`` named in a sentence.

    ``low`` is :func:`fold_case` of ``sentence`` when the caller has it.
    """
    if low is None:
        low = fold_case(sentence)
    state = _search(_STATE_RE, _STATE_STEMS, sentence, low)
    rebel = _search(_REBEL_RE, _REBEL_STEMS, sentence, low)
    a1 = a1c = a2 = a2c = None
    if state and (not rebel or state.start() <= rebel.start() or etype != "Battles"):
        a1, a1c = state.group(0), "state forces"
        if rebel:
            a2, a2c = rebel.group(0), "rebel groups"
    elif rebel:
        a1, a1c = rebel.group(0), "rebel groups"
        if state:
            a2, a2c = state.group(0), "state forces"
    if a2 is None:
        prot = _search(_PROTESTER_RE, _PROTESTER_STEMS, sentence, low)
        civ = _search(_CIVILIAN_RE, _CIVILIAN_STEMS, sentence, low)
        if etype == "Protests" or prot:
            a2, a2c = (prot.group(0) if prot else "protesters"), "protesters"
        elif civ and etype in ("Violence against civilians", "Explosions/Remote violence"):
            a2, a2c = civ.group(0), "civilians"
    if etype == "Protests" and a1 is None:
        a1, a1c, a2, a2c = (a2 or "protesters"), "protesters", None, None
    return a1, a1c, a2, a2c


def _dateline_end(text: str) -> int:
    """End of the dateline ("DAMASCUS, Syria (AP) --") of a report, 0 when it has none."""
    dateline = DATELINE_RE.match(text[:200])
    return dateline.end() if dateline else 0


#: After a place name, the participle of a compound adjective: it says who, not where.
_COMPOUND_ADJECTIVE_RE = re.compile(
    r"[-\u2011](?:based|backed|linked|led|born|made|allied|funded|sponsored|brokered|run|controlled|"
    r"aligned|supported|armed|trained|affiliated|friendly|leaning)\b"
)


def _event_places(
    sent: Sentence, mentions: list[Mention], text: str, skip_to: int | None = None
) -> list[Mention]:
    """Return the mentions in a sentence that can be the place of its event, best first.

    The dateline ("DAMASCUS, Syria (AP) --") says where the report was filed, not where the
    event happened, so its places are skipped (``skip_to``: :func:`_dateline_end` of ``text``,
    if known).  ``mentions`` may be all the report's or any part holding the sentence's.
    """
    if skip_to is None:
        skip_to = _dateline_end(text)
    inside = [m for m in mentions if sent.start <= m.start < sent.end and m.start >= skip_to]
    first = min((m.start for m in inside), default=0)
    good = []
    for m in inside:
        before = text[max(sent.start, m.start - 40) : m.start]
        tail = fold_case(before.rstrip())
        if tail.endswith(_NOT_EVENT_PLACE_LAST) and _NOT_EVENT_PLACE_RE.search(before):
            continue
        if _COMPOUND_ADJECTIVE_RE.match(text, m.end):
            continue  # "Syria-linked fighting", "Iran-backed militias", "Paris-based group": not where
        if _SPEAKER_RE.match(text, m.end):
            continue  # "the United States said...", "Turkey's foreign ministry": a speaker
        if tail.endswith(("of", "the")) and _REFERENCE_RE.search(before) and m.start > first:
            continue  # "Zamalka, a suburb east of Damascus": Damascus only locates Zamalka
        good.append(m)
    good = [m for m in good if not m.reason.startswith("demonym")] or []
    # "X in the province of Y": keep X; "the Homs neighbourhood of Bab Amr": keep Bab Amr
    outer = _outer_places([m.place for m in good])
    out, seen = [], set()
    for m in good:
        if m.place.id in outer:
            continue
        if m.place.id in seen:
            continue
        seen.add(m.place.id)
        out.append(m)
    return out


#: Kinds of place that lie inside a city or town (see :func:`_contains`).
_QUARTER_KINDS = ("neighbourhood", "camp", "airport", "airbase")
#: A quarter within this distance of a city is part of it (see :func:`_contains`).
_QUARTER_KM = 12.0
#: Latitude degrees a place within :data:`_QUARTER_KM` can be away at most (a great-circle
#: distance is never shorter than the latitude difference), with a margin.
_QUARTER_DLAT = _QUARTER_KM / 111.0 + 0.01


def _outer_places(places: list[Place]) -> set[str]:
    """Return the ids of the ``places`` that contain another of them (as :func:`_contains` says).

    Each place is looked up in sets built once from all of them (countries by country code,
    admin areas by code and name, quarters by parent and latitude band), so a sentence listing
    thousands of places costs time in proportion to them, not to their pairs.
    """
    distinct = list({p.id: p for p in places}.values())
    below_country = {b.country_code for b in distinct if b.kind != "country"}
    below_admin1 = [b for b in distinct if b.kind not in ("country", "admin1")]
    admin1_codes = {(b.country_code, b.admin1_code) for b in below_admin1}
    admin1_names = {(b.country_code, b.admin1) for b in below_admin1}
    admin2_codes = {b.admin2_code for b in below_admin1 if b.kind != "admin2"}
    quarters = sorted((b.lat, b.lon) for b in distinct if b.kind in _QUARTER_KINDS)
    parents = {b.parent for b in distinct if b.kind in _QUARTER_KINDS}
    lats = [q[0] for q in quarters]
    out = set()
    for a in distinct:
        if a.kind == "country":
            hit = a.country_code in below_country
        elif a.kind == "admin1":
            hit = (a.country_code, a.admin1_code) in admin1_codes or (a.country_code, a.admin1) in admin1_names
        elif a.kind == "admin2":
            hit = a.admin2_code != "" and a.admin2_code in admin2_codes
        elif a.kind in ("city", "town") and quarters:
            lo, hi = bisect_left(lats, a.lat - _QUARTER_DLAT), bisect_left(lats, a.lat + _QUARTER_DLAT)
            hit = a.name in parents or any(
                haversine_km(a.lat, a.lon, lat, lon) < _QUARTER_KM for lat, lon in quarters[lo:hi])
        else:
            hit = False
        if hit:
            out.add(a.id)
    return out


def _contains(outer: Mention, inner: Mention) -> bool:
    """True when ``outer``'s place contains ``inner``'s (country > admin1 > city > quarter)."""
    a, b = outer.place, inner.place
    if a.id == b.id:
        return False
    if a.kind == "country":
        return b.kind != "country" and b.country_code == a.country_code
    if a.kind == "admin1":
        return b.kind not in ("country", "admin1") and b.country_code == a.country_code and (
            b.admin1_code == a.admin1_code or b.admin1 == a.admin1)
    if a.kind == "admin2":
        return b.kind not in ("country", "admin1", "admin2") and b.admin2_code == a.admin2_code != ""
    if a.kind in ("city", "town") and b.kind in _QUARTER_KINDS:
        return b.parent == a.name or haversine_km(a.lat, a.lon, b.lat, b.lon) < _QUARTER_KM
    return False


def _date_for(
    sent: Sentence, text: str, report_date: dt.date | None, anchor: int = 0
) -> tuple[str | None, int]:
    """Return ``(ISO date, time_precision)`` of the event of a sentence.

    The date expression closest to ``anchor`` (the casualty count or the place, as an offset
    in the sentence) wins; without one, the report date with precision 2.
    """
    sentence = sent.text
    low = fold_case(sentence)
    lo, hi = _plausible_dates(report_date)
    refs = [
        r for r in find_dates(sentence, report_date)
        if r.date is not None and lo <= r.date <= hi
        and not _search(_DATE_AFTER_CUE_RE, _DATE_AFTER_CUE_STEMS,
                        sentence[max(0, r.start - 40) : r.start], low[max(0, r.start - 40) : r.start])
    ]
    event_refs = [
        r for r in refs
        if not (low[max(0, r.start - 20) : r.start].rstrip().endswith(_DATE_SAID_LAST)
                and _DATE_SAID_RE.search(sentence[max(0, r.start - 20) : r.start]))
    ]
    refs = event_refs or refs
    if refs:
        r = min(refs, key=lambda r: min(abs(r.start - anchor), abs(r.end - anchor)))
        return r.date.isoformat(), r.precision
    if report_date is not None:
        return report_date.isoformat(), 2
    return None, 3


#: Event dates before this are not taken from a news report.
_EARLIEST_EVENT = dt.date(1900, 1, 1)
_LATEST_UNDATED = dt.date(2100, 12, 31)


def _plausible_dates(report_date: dt.date | None) -> tuple[dt.date, dt.date]:
    """Return the first and last day an event of a report can be dated to.

    From 1900 to a year after the report's date, or to the end of 2100 when it has none (not a
    year after today: the same report must give the same incidents whenever it is read). A
    date beyond is a misreading ("on 1 January 9999") and is not used as the event date.
    """
    return _EARLIEST_EVENT, report_date + dt.timedelta(days=366) if report_date else _LATEST_UNDATED


def _evidence(doc: Document, sent: Sentence, report_date: dt.date | None) -> Evidence:
    return Evidence(
        doc_id=doc.doc_id, source=doc.source, title=doc.title, url=doc.url,
        date=report_date.isoformat() if report_date else doc.date, sentence=sent.text,
        start=sent.start, end=sent.end,
    )


def _report_date(doc: Document) -> dt.date | None:
    """Return the publication date of a report: its metadata, else the first date of its text.

    Either must be plausible (:func:`_plausible_dates` of no report date): a misreading or a
    garbled field ("1 January 9999") would otherwise make every date up to it plausible too.
    """
    lo, hi = _plausible_dates(None)
    if doc.date:
        try:
            found = dt.date.fromisoformat(doc.date[:10])
        except ValueError:
            found = find_report_date(doc.date)
        if found is not None and lo <= found <= hi:
            return found
    found = find_report_date(doc.text)
    return found if found is not None and lo <= found <= hi else None


def extract_document(
    doc: Document, gazetteer: Gazetteer | None = None, mentions: list[Mention] | None = None
) -> list[Incident]:
    """Return the incidents one report describes (before cross-report merging).

    Parameters
    ----------
    doc : Document
    gazetteer : Gazetteer, optional
    mentions : list of Mention, optional
        Place mentions of ``doc.text`` if already geoparsed.
    """
    gaz = gazetteer or default_gazetteer()
    text = doc.text
    report_date = _report_date(doc)
    if mentions is None:
        mentions = geoparse(text, gaz)
    sentences = split_sentences(text)
    skip_to = _dateline_end(text)
    starts = [m.start for m in mentions]
    in_order = starts == sorted(starts)

    def places_of(sent: Sentence) -> list[Mention]:
        near = mentions
        if in_order:  # only the mentions inside the sentence: a slice
            lo = bisect_left(starts, max(sent.start, skip_to))
            near = mentions[lo : bisect_left(starts, sent.end)]
        return _event_places(sent, near, text, skip_to)

    def between(lo: int, hi: int) -> list[Mention]:
        """The mentions that start in ``[lo, hi)``, in order (a slice when they are sorted)."""
        if in_order:
            return mentions[bisect_left(starts, lo) : bisect_left(starts, hi)]
        return [m for m in mentions if lo <= m.start < hi]

    paragraphs: dict[int, list[Sentence]] = {}
    for x in sentences:
        paragraphs.setdefault(x.paragraph, []).append(x)
    report_country: list[Mention] | None = None  # worked out for the first country-wide figure

    incidents: list[Incident] = []
    # the previous sentence, its event places (None: not worked out yet) and its incidents
    prev: tuple[Sentence, list[Mention] | None, list[Incident]] | None = None
    for sent in sentences:
        counts = _counts(sent.text)
        roles = {role for role, _ in counts}
        cues = _cues_in(sent.text)
        et = _event_type(sent.text, roles, cues) if roles or cues else None
        same_para = prev is not None and prev[0].paragraph == sent.paragraph
        if et is None:
            prev = (sent, None, [])
            continue
        places = places_of(sent)
        low = fold_case(sent.text)
        etype, sub = et
        # a toll brought up to date ("has climbed to 320") says how many, not how: its type
        # gives way to another report's when they merge
        typed = et is not _DEFAULT_TYPE and _TOLL_UPDATE_RE.search(sent.text) is None
        nationwide = _search(_NATIONWIDE_RE, _NATIONWIDE_STEMS, sent.text, low) is not None
        cumulative = _is_cumulative(
            sent.text, [q for r, q in counts if r in ("killed", "displaced")], low
        )
        if sub == "Diplomatic meeting":
            places = [m for m in places if _next_to_meeting(text, m) and m.place.kind in ("city", "town")]
            if not places or roles:
                prev = (sent, places, [])
                continue
        if sub in ("Defection", "Displacement"):
            places = _near_cue(sent, places, sub)
            if not places and not cumulative and not nationwide:
                prev = (sent, [], [])
                continue
        fallback = False
        if not places and not nationwide and not cumulative and roles and same_para and prev:
            # "... clashes in Homs and Rastan. The Observatory said four civilians were killed."
            if prev[2] and not cues and all(i.fatalities is None for i in prev[2]):
                _add_counts(prev[2][0], counts)
                for inc in prev[2]:
                    inc.sources.append(_evidence(doc, sent, report_date))
                    inc.notes = f"{inc.notes} {sent.text}"
                continue
            places = prev[1] if prev[1] is not None else places_of(prev[0])
        if not places and not nationwide and not cumulative and roles & {"killed", "injured"}:
            para_start = paragraphs[sent.paragraph][0].start
            places = _first_specific(reversed(between(para_start, sent.start)))
            if not places and _ANAPHOR_RE.search(text, para_start, sent.end):
                places = _first_specific(between(skip_to, sent.start))  # "air raids on the town": the story's
            elif not places:
                span = _prose_span(paragraphs, sent.paragraph)
                places = _first_specific(between(*span)) if span else []
            fallback = True
        if roles & {"killed", "injured"} and any(m.place.kind not in _UNPINNED_KINDS for m in places):
            places = [m for m in places if m.place.kind not in _UNPINNED_KINDS]
        if nationwide or cumulative:
            scope = "country"
            if report_country is None:
                report_country = _report_country(mentions)
            locs = _country_target(sent, places, mentions, sub, report_country)
        elif places:
            scope = "place"
            locs = places
        else:
            prev = (sent, places, [])
            continue
        a1 = a1c = a2 = a2c = None
        if scope == "place":
            a1, a1c, a2, a2c = _actors(sent.text, etype, low)
        anchor = (counts[0][1].start if counts else (places[0].start - sent.start if places else 0))
        date, precision = _date_for(sent, text, report_date, anchor)
        if cumulative:
            date, precision = (report_date.isoformat() if report_date else None), 3
        elif _search(_MONTH_PERIOD_RE, ("month",), sent.text, low):
            precision = 3
        elif _search(_LAST_WEEK_RE, ("last week",), sent.text, low):
            precision = max(precision, 2)
        if scope == "country" and not cumulative and roles:
            etype, sub = ("Violence against civilians", "Attack") if etype in ("Protests", "Strategic developments") else (etype, sub)
        made: list[Incident] = []
        kill_counts = [q for role, q in counts if role == "killed"]
        unread = max(0, len(locs) - _MAX_SENTENCE_INCIDENTS)
        locs = locs[:_MAX_SENTENCE_INCIDENTS]
        for i, m in enumerate(locs):
            place = m.place if m is not None else None
            pinned = scope == "place" and place is not None and place.kind not in _UNPINNED_KINDS
            inc = Incident(
                event_type=etype,
                sub_event_type=sub,
                scope=("admin1" if place is not None and place.kind == "admin1" else "place") if pinned else "country",
                location=(m.surface if pinned else (place.name if place else "")) if m is not None else "",
                lat=place.lat if pinned else None,
                lon=place.lon if pinned else None,
                place_id=place.id if place else None,
                place_name=place.name if place else None,
                admin1=(place.admin1 or None) if place and place.kind != "country" else None,
                admin2=(place.admin2 or None) if place and place.kind != "country" else None,
                country_code=place.country_code if place else None,
                geo_precision=(max(_GEO_PRECISION.get(place.kind, 2), 2) if fallback
                               else _GEO_PRECISION.get(place.kind, 2)) if place else 3,
                event_date=date,
                time_precision=precision,
                actor1=a1, actor1_class=a1c, actor2=a2, actor2_class=a2c,
                cumulative=cumulative,
                notes=sent.text,
                sources=[_evidence(doc, sent, report_date)],
                typed=typed,
            )
            if i == 0:
                _add_counts(inc, [(r, q) for r, q in counts if not (r == "killed" and kill_counts and q is not kill_counts[0])])
            made.append(inc)
        # further tolls in the same sentence ("13 killed on Thursday, a day after 99 died")
        given = {_toll_key(inc) for inc in made}
        for q in kill_counts[1:]:
            if not made:
                break
            target = _nearest_place_incident(sent, q, locs, made) if scope == "place" else None
            if target is not None:  # "19 died in Deir ez-Zour and six in the town of Harak"
                _add_counts(target, [("killed", q)])
                _day_before(target, sent.text, q)
                continue
            extra = _copy_incident(made[0])
            extra.fatalities = extra.fatalities_low = extra.fatalities_high = extra.injured = None
            _add_counts(extra, [("killed", q)])
            _day_before(extra, sent.text, q)
            extra.cumulative = bool(_CUMULATIVE_RE.search(ascii_digits(sent.text[q.start : q.end + 80])))
            key = _toll_key(extra)
            if key in given:
                continue  # the sentence repeats a toll it gave already: one incident
            if len(made) >= _MAX_SENTENCE_INCIDENTS:
                unread += 1
                continue
            given.add(key)
            made.append(extra)
        if unread and made:
            made[0].notes = f"{made[0].notes} {_unread_note(unread)}"
        incidents.extend(made)
        prev = (sent, places, made)
    return incidents


#: Last line of defence: one sentence gives at most this many incidents (real ones give a few;
#: a run-on "sentence" of thousands of tolls or places would otherwise give thousands, each
#: carrying the whole sentence as evidence). What is left out is said in the first incident's
#: notes (:func:`_unread_note`).
_MAX_SENTENCE_INCIDENTS = 100


def _toll_key(inc: Incident) -> tuple:
    """What makes a toll of a sentence new: its place, figures, date and cumulative flag."""
    return (inc.place_id, inc.fatalities, inc.fatalities_low, inc.fatalities_high, inc.injured,
            inc.event_date, inc.time_precision, inc.cumulative)


def _unread_note(n: int) -> str:
    """The note telling a user that ``n`` places or tolls of a sentence were not extracted."""
    return (f"[geomap: {n:,} further places or tolls of this sentence were not extracted; "
            f"a sentence gives {_MAX_SENTENCE_INCIDENTS} incidents at most]")


_SPEAKER_RE = re.compile(
    r"(?:\s+(?:has|have|had|also|officials?|authorities|government)){0,2}\s+(?:said|says|say|announced|estimated|"
    r"reported|told|claimed|accused|denied|insisted|warned|urged|called)\b|['\u2019]s\s+(?:\w+\s+)?(?:assessment|"
    r"government|ministry|foreign|officials?|president|prime|parliament|envoy|ambassador|intelligence)\b",
    re.I,
)
_REFERENCE_RE = re.compile(
    r"\b(?:suburbs?|outskirts|(?:north|south)?(?:east|west)|north|south|kilometres|kilometers|km|miles)"
    r"\s+of\s+(?:the\s+)?$",
    re.I,
)
_DESTINATION_RE = re.compile(r"\b(?:to|into|in|at|from|across|inside)\s+(?:neighbouring\s+|neighboring\s+)?(?:the\s+)?$", re.I)


def _near_cue(sent: Sentence, places: list[Mention], sub: str) -> list[Mention]:
    """Keep the places of a defection or displacement that its verb points at ("defected to Turkey")."""
    rx = next(r for r, _, s_ in _CUES if s_ == sub) if sub != "Displacement" else _DISPLACE_RE
    cues = [sent.start + m.start() for m in rx.finditer(sent.text)]
    out = []
    for m in places:
        if not any(abs(m.start - c) <= 60 for c in cues):
            continue
        if _DESTINATION_RE.search(sent.text[: m.start - sent.start][-30:]):
            out.append(m)
    return out


_SUPERLATIVE_RE = re.compile(
    r"\b(deadliest|worst|bloodiest|largest|biggest|heaviest|highest|fiercest|first|most \w+)\b[\w\s-]{0,30}$", re.I
)


def _is_cumulative(sentence: str, counts: list[Quantity], low: str | None = None) -> bool:
    """True when a toll is a running total ("16,500 since the uprising began").

    The "since ..." phrase must be close to a count, and not the tail of a superlative ("the
    deadliest bombing since the uprising began" is one event).  ``low`` is :func:`fold_case`
    of ``sentence`` when the caller has it.
    """
    if not counts:
        return False
    if not _has_stem(fold_case(sentence) if low is None else low, _CUMULATIVE_STEMS):
        return False
    for m in _CUMULATIVE_RE.finditer(ascii_digits(sentence)):  # "since \u0662\u0660\u0661\u0661" too
        if _SUPERLATIVE_RE.search(sentence[max(0, m.start() - 40) : m.start()]):
            continue
        if any(-120 <= m.start() - q.end <= 120 or -120 <= q.start - m.end() <= 120 for q in counts):
            return True
    return False


def _prose_span(paragraphs: dict[int, list[Sentence]], current: int) -> tuple[int, int] | None:
    """Return the span of the paragraph before ``current`` whose lead place a toll may take.

    Only prose carries a place over: paragraphs set apart by blank lines, or a paragraph of two
    sentences or more. Reports laid out one sentence per line (wire copy, lists of events) give
    no such structure, so a line of one sentence right above gives None.
    """
    before = current - 1
    while before >= 0 and before not in paragraphs and current - before <= 3:
        before -= 1  # (a blank line is a paragraph number with no sentence)
    paragraph = paragraphs.get(before)
    if not paragraph or (len(paragraph) < 2 and before == current - 1):
        return None
    return paragraph[0].start, paragraph[-1].end


def _first_specific(mentions: Iterable[Mention]) -> list[Mention]:
    """Return ``[m]`` for the first mention that pins a place (no area, no demonym), or ``[]``.

    In text order it is what a paragraph or report leads with ("took Maarat al-Nouman, on the
    highway linking Damascus and Aleppo": the story's place); reversed, the last place before a
    sentence (the story goes on there). It stops at the first, so the cost is the number of
    mentions skipped.
    """
    for m in mentions:
        if m.place.kind not in _UNPINNED_KINDS and not m.reason.startswith("demonym"):
            return [m]
    return []


def _day_before(inc: Incident, sentence: str, q: Quantity) -> None:
    """Move a toll introduced by "a day after" to the previous day."""
    before = sentence[max(0, q.start - 30) : q.start]
    if inc.event_date and re.search(r"\ba day after\b|\bthe day before\b", before):
        inc.event_date = (dt.date.fromisoformat(inc.event_date) - dt.timedelta(days=1)).isoformat()


def _nearest_place_incident(sent: Sentence, q: Quantity, locs: list, made: list[Incident]) -> Incident | None:
    """The count-less incident of this sentence whose place is nearest after a count, if any."""
    if len(locs) < 2:
        return None
    pos = sent.start + q.start
    nearest = min(locs, key=lambda m: (m.start - pos) if m.start >= pos else (pos - m.start) + 60)
    return next((i for i in made if i.place_id == nearest.place.id and i.fatalities is None), None)


def _copy_incident(inc: Incident) -> Incident:
    from dataclasses import replace

    return replace(inc, sources=list(inc.sources))


def _next_to_meeting(text: str, m: Mention) -> bool:
    """True for "the Paris meeting", "talks in Geneva", "gathering in Tunis"."""
    after = text[m.end : m.end + 25]
    before = text[max(0, m.start - 40) : m.start]
    cue = r"(meeting|talks|conference|summit|gathering)"
    return bool(re.match(r"\s+%s" % cue, after) or re.search(r"%s\s+(?:\w+\s+)?(?:in|at)\s+(?:the\s+)?$" % cue, before)
                or re.search(r"\b(?:meets?|met|meeting)\s+in\s+$", before))


def _report_country(mentions: list[Mention]) -> list[Mention]:
    """Return the first mention of the country a report is mostly about, or ``[]``.

    Mentions weigh by kind (a town 2, the country 1, a demonym 0.5) for their country code;
    the top country counts only when the report names it.
    """
    by_cc: Counter = Counter()
    for m in mentions:
        if m.place.country_code:
            by_cc[m.place.country_code] += 0.5 if m.reason.startswith("demonym") else (
                1.0 if m.place.kind == "country" else 2.0)
    if not by_cc:
        return []
    top = by_cc.most_common(1)[0][0]
    return [m for m in mentions if m.place.kind == "country" and m.place.country_code == top][:1]


def _country_target(
    sent: Sentence, places: list[Mention], mentions: list[Mention], sub: str,
    report_country: list[Mention] | None = None,
) -> list[Mention | None]:
    """Pick the country a national or cumulative figure is about.

    A country named in the phrase itself ("across Syria", "refuge in Turkey") wins; otherwise
    the country the report is mostly about (most place mentions), never a demonym's country
    by default.  ``report_country``: :func:`_report_country` of ``mentions``, if known (a report
    with many country-wide figures works it out once).
    """
    named = [m for m in places if m.place.kind == "country" and not m.reason.startswith("demonym")]
    if sub == "Displacement" and named:
        return named[:1]
    nation = _NATIONWIDE_RE.search(sent.text)
    if nation and named:
        for m in named:
            if sent.start + nation.start() <= m.start < sent.start + nation.end():
                return [m]
    if report_country is None:
        report_country = _report_country(mentions)
    return report_country or named[:1] or [None]


_ANOTHER_RE = re.compile(r"\s+[a-z]+,?\s+and\s+another\s+(?:man|woman|child|boy|girl|person|civilian)\b", re.I)
_ENUM_GAP_RE = re.compile(r"^(?:,\s*|\s+and\s+|,\s+and\s+)(?:(?:her|his|their|another|and)\s+)*$", re.I)


def _enumerations(sentence: str, quants: list[Quantity]) -> list[Quantity]:
    """Sum victim lists ("a woman, her three children and another woman" = 5) into one count."""
    out: list[Quantity] = []
    i = 0
    while i < len(quants):
        q = quants[i]
        j = i
        total = q.value
        while (
            j + 1 < len(quants) and total is not None and quants[j + 1].value is not None
            and q.noun in _PEOPLE and quants[j + 1].noun in _PEOPLE
            and _ENUM_GAP_RE.match(_gap_after(sentence, quants[j], quants[j + 1]))
        ):
            j += 1
            total += quants[j].value
        if j > i:
            last = quants[j]
            end = last.end
            tail = _ANOTHER_RE.match(sentence, end)
            if tail and total is not None:
                total += 1
                end = tail.end()
            q = Quantity(q.start, end, sentence[q.start : end], total, total, total, False, None, q.noun)
        out.append(q)
        i = j + 1
    return out


def _gap_after(sentence: str, a: Quantity, b: Quantity) -> str:
    """Text between count ``a`` (with its noun) and count ``b``."""
    gap = sentence[a.end : b.start]
    if a.noun:
        k = gap.lower().find(a.noun)
        if k >= 0:
            gap = gap[k + len(a.noun) :]
    return gap


#: After a count, the toll it is a part of ("20 of the deaths", "six of those killed").
_PART_OF_TOLL_RE = re.compile(
    r"\s+of\s+(?:the|those|these)\s+(?:\w+\s+)?(?:deaths|dead|victims|killed|casualties|fatalities|bodies)\b", re.I
)


def _counts(sentence: str) -> list[tuple[str, Quantity]]:
    """Return ``(role, quantity)`` for the counts of people in a sentence, breakdown parts dropped."""
    quants = _enumerations(sentence, find_quantities(sentence))
    out: list[tuple[str, Quantity]] = []
    skip: set[int] = set()
    low = fold_case(sentence) if quants else ""
    for q in quants:
        if id(q) in skip or (q.noun and q.noun in _NOT_PEOPLE):
            continue
        if _PART_OF_TOLL_RE.match(sentence, q.end):
            continue  # "fewer than 20 of the deaths": a part of a toll given elsewhere
        role = _role(sentence, q, low)
        if role is None:
            continue
        if q.noun in ("deaths", "dead", "casualties", "fatalities"):
            role = "killed"
        if (q.noun and q.noun not in _PEOPLE and q.noun != "family" and role != "displaced"
                and not _OF_AFTER_RE.match(sentence[q.end : q.end + 4])):
            if not _VERB_AFTER_RE.match(sentence[q.end : q.end + 10]):
                continue
        bd = breakdown_of(sentence, q)
        if bd is not None and bd.parts:
            for other in quants:
                if other is not q and bd.start <= other.start < bd.end:
                    skip.add(id(other))
        out.append((role, q))
    return out


#: Point values for vague tolls, following ACLED's conservative coding ("dozens" is 12).
_VAGUE_COUNT = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1000, "tens of thousands": 10_000}


def _vague_value(q: Quantity) -> int | None:
    """ACLED-style point value of a vague count ("dozens", "tens of thousands"), else None."""
    if q.value is not None:
        return None
    text = q.text.lower().strip()
    return _VAGUE_COUNT.get(text) or _VAGUE_COUNT.get(text.split(" of ")[0])


def _add_counts(inc: Incident, counts: list[tuple[str, Quantity]]) -> None:
    """Fill fatalities (value, low, high) and injured from the first count of each role."""
    seen = set()
    for role, q in counts:
        if role in seen:
            continue
        seen.add(role)
        if role == "killed":
            vague = _vague_value(q)
            inc.fatalities = q.value if q.value is not None else (vague or q.low)
            inc.fatalities_low = q.low if q.low is not None else q.value
            if vague is not None:
                inc.fatalities_low = vague
            inc.fatalities_high = q.high
            if q.qualifier == "almost" and q.value:
                inc.fatalities_low = None
        elif role == "injured":
            vague = _vague_value(q)
            inc.injured = q.value if q.value is not None else (vague or q.low)
