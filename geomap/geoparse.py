"""Find the places a text mentions and resolve each against the gazetteer.

Recognition is gazetteer-driven and rule-based (no model download): capitalised token runs (and
Arabic-script words) are matched, longest first, against the gazetteer's name keys; rules then
drop what is not a place mention -- words of a person's or organisation's name ("Hillary
Clinton", "Syrian Observatory for Human Rights", "al-Homsi"), common words at the start of a
sentence, titles. Demonyms stand for their country when they are not part of a longer name
("Turkish forces" -> Turkey).

Resolution ranks each mention's candidates by a prior (match tier, kind, population, how well
known the place is) plus document context: the countries the text is about, containing regions
named next to it ("Springfield, Illinois", "the town of X in the province of Idlib"), a dateline
("BEIRUT (AP) --"), and the other places already resolved nearby.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from geomap.gazetteer import TIER_DEMONYM, TIER_SKELETON, Candidate, Gazetteer, default_gazetteer
from geomap.names import consonant_count, key0, key1, skeleton
from geomap.schema import Mention

_ARTICLE = r"(?:al|el|ad|ar|as|az|ash|at|ath|an|ed|er|es|ez|esh|et|en|adh|ul)"
#: A name word: capitalised (Latin), an article glued to a capitalised word, or Arabic script.
_WORD_RE = re.compile(
    r"(?:St|Mt|Ft|Pt)\.(?=\s[A-Z])|[A-Z]\.\s?[A-Z][a-z]{1,3}\.|(?:[A-Z]\.){2,}|(?:%s[-\u2011](?=[A-Z\u00c0-\u00de])|[A-Z\u00c0-\u00de])[\w'\u2019\u2018`\u02bf\u02be\u00e0-\u00ff]*"
    r"|[\u0600-\u06ff][\u0600-\u06ff\u064b-\u065f]*" % _ARTICLE
)
#: Lower-case words that may sit inside a multi-word name ("Bay of Pigs", "Deir ez Zor").
_CONNECTORS = frozenset(
    "of de du des la le les del della da dos das di al el ez az ar as an ash ad ed en es et er "
    "upon on sur am im bin ibn bint abu".split()
)
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
    western eastern university college school hospital mosque church street road square
    many some several most all both each every any other another such what which who whom
    said says say according meanwhile however although though because despite amid
    earlier later today yesterday tomorrow now
    """.split()
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
    )
)
_COUNTY_RE = re.compile(r"\s+(?:County|Parish|Borough|Township)\b")
_ABBREV_RE = re.compile(r"[A-Z][a-z]{1,4}|(?:[A-Z]\.)+[A-Z][a-z]{0,3}")
#: A lower-case word after a capitalised one that makes it read as an adjective ("Roman ruins");
#: function words and verbs ("Daraa on Monday", "Homs was shelled") do not.
_ADJECTIVE_NEXT_RE = re.compile(
    r" (?!(?:on|in|at|and|or|but|was|were|is|are|has|have|had|said|says|to|of|for|with|from|by|"
    r"after|before|during|since|near|where|which|who|that|as|late|early|overnight|again|itself|"
    r"province|city|town|village|district|governorate|area|region|countryside|neighbourhood)\b)[a-z]"
)
_STRONG_KINDS = frozenset(("country", "admin1", "continent", "region", "ocean", "sea"))
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


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    surface: str
    cands: list[Candidate]
    demonym: bool = False
    head: str = ""  # a place-type word right after ("province")
    run: tuple[int, int] = (0, 0)  # the capitalised run the span lies in
    name_word: bool = False  # the word ends a person's or organisation's name elsewhere
    county: bool = False  # "X County"


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]


def _trim(start: int, end: int, text: str) -> tuple[int, int]:
    """Trim possessives, trailing hyphens and quotes from a span."""
    surface = text[start:end]
    for suffix in ("'s", "\u2019s", "s'", "'", "\u2019", "-", "\u2011"):
        if surface.endswith(suffix) and len(surface) > len(suffix) + 1:
            if suffix in ("s'",):
                end -= 1
            else:
                end -= len(suffix)
            surface = text[start:end]
            break
    return start, end


def _runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Group name words into runs joined by single spaces and connector words."""
    words = _words(text)
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    prev_end = -1
    for start, end, w in words:
        start, end = _trim(start, end, text)
        w = text[start:end]
        if current:
            gap = text[prev_end:start]
            joined = gap == " " or gap == "-" or (
                len(gap) <= 8
                and gap.startswith(" ")
                and gap.endswith(" ")
                and all(t in _CONNECTORS for t in gap.split())
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
    """True when ``word`` also occurs in lower case in the text (a common word, not a name)."""
    low = word.lower()
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(low), text) is not None


def _name_words(runs: list[list[tuple[int, int, str]]]) -> set[str]:
    """Return last words of multi-word capitalised names ("Hillary Clinton" -> "clinton").

    A word that ends a person's or organisation's full name somewhere in a document is that
    name when it stands alone elsewhere in the document ("Clinton said", "Annan's plan").
    """
    out = set()
    for run in runs:
        words = [w for w in run]
        while words and words[0][2].lower().rstrip(".") in _STOP:
            words = words[1:]
        if len(words) < 2 or words[0][2].lower() in _PLACE_HEADS:
            continue
        last = words[-1][2]
        last = re.sub(r"^%s[-\u2011]" % _ARTICLE, "", last)
        out.add(key0(last))
        second = words[1][2].lower()
        if len(words) == 2 and second not in _ORG_HEADS and second not in _PLACE_HEADS and second not in _STOP:
            out.add(key0(words[0][2]))  # "Patrick Smith": Patrick is a first name here
    return out


def _lookup_spans(text: str, gaz: Gazetteer) -> list[_Span]:
    """Greedy longest-match of gazetteer names over the capitalised runs of a text."""
    runs = _runs(text)
    queries: dict[tuple[int, int], tuple[str, str, str]] = {}
    for run in runs:
        n = len(run)
        for i in range(n):
            for j in range(i + 1, min(n, i + 6) + 1):
                s, e = run[i][0], run[j - 1][1]
                surface = text[s:e]
                queries[(s, e)] = (key0(surface), key1(surface), skeleton(surface))
    keys = set()
    for k0, k1, sk in queries.values():
        keys.add(k0)
        keys.add(k1)
        if consonant_count(sk) >= 4:
            keys.add(sk)
    hits = gaz.key_hits(keys)
    spans: list[_Span] = []
    for run in runs:
        i, n = 0, len(run)
        while i < n:
            found = None
            for j in range(min(n, i + 6), i, -1):
                s, e = run[i][0], run[j - 1][1]
                k0, k1, sk = queries[(s, e)]
                if k0 in hits or k1 in hits or (sk in hits and consonant_count(sk) >= 4):
                    cands = gaz.candidates(text[s:e])
                    if cands:
                        found = (j, _Span(s, e, text[s:e], cands))
                        break
            if found is None:
                i += 1
                continue
            j, span = found
            span.demonym = all(c.tier == TIER_DEMONYM for c in span.cands)
            span.head = _next_word(text, span.end).lower()
            span.run = (run[0][0], run[-1][1])
            spans.append(span)
            i = j
    names = _name_words(runs)
    for sp in spans:
        m = _COUNTY_RE.match(text, sp.end)
        if m:  # "Laurel County": the county, named after its seat or a person
            sp.end = m.end()
            sp.surface = text[sp.start : sp.end]
            sp.head = "county"
            sp.county = True
        elif (
            text[sp.end : sp.end + 1] == "."
            and _ABBREV_RE.fullmatch(sp.surface)
            and any(
                c.place.kind == "admin1" and c.tier <= 1 and sp.surface + "." in gaz.aliases(c.place.id)
                for c in sp.cands
            )
        ):
            sp.end += 1  # "Ind.", "Kan.": the abbreviation includes its period
            sp.surface = text[sp.start : sp.end]
        sp.name_word = " " not in sp.surface and key0(sp.surface) in names and sp.run[1] - sp.run[0] == len(sp.surface)
    return spans


def _next_word(text: str, pos: int) -> str:
    m = re.match(r"\s+([A-Za-z]+)", text[pos : pos + 30])
    return m.group(1) if m else ""


def _prev_word(text: str, pos: int) -> str:
    m = re.search(r"([A-Za-z.]+)\s+$", text[max(0, pos - 30) : pos])
    return m.group(1).rstrip(".") if m else ""


_LOCATIVE_RE = re.compile(
    r"(?:\b(?:in|at|near|from|into|outside|around|across|toward|towards|via)|\b(?:town|city|village|"
    r"district|province|governorate|neighbou?rhood|suburb|area|region|capital|port|camp|outskirts)\s+of)"
    r"\s+(?:the\s+)?$",
    re.I,
)
_CONTRACTION_RE = re.compile(r"['\u2019](?:re|ve|ll|d|m|t)$", re.I)


def _keep(span: _Span, text: str, common: frozenset[str] = frozenset()) -> bool:
    """Decide whether a matched span is a place mention (recognition rules)."""
    run_start, run_end = span.run
    words = span.surface.split()
    low = span.surface.lower()
    best = max(span.cands, key=lambda c: c.score)
    strong = best.place.kind in _STRONG_KINDS or best.place.population >= 100_000
    if span.county:
        return not text[max(0, span.start - 3) : span.start].lower().endswith(("al-", "el-"))
    if key0(span.surface) in _STOP or low in _STOP or key0(span.surface) in _STOP_PHRASES:
        return False
    letters = span.surface.replace(".", "")
    if letters.isupper() and len(letters) <= 4:
        # acronyms count only as a country's known abbreviation (US, UK, UAE)
        return any(c.place.kind in _STRONG_KINDS and c.tier <= 1 for c in span.cands)
    if len(span.surface) < 3 and not span.surface.isupper():
        return False
    if _CONTRACTION_RE.search(span.surface):
        return False
    if (text[span.end : span.end + 1] == "-" or text[span.start - 1 : span.start] == "-") and not (
        strong or span.demonym
    ):
        return False  # "Wal-Mart", "Tri-State": part of a hyphenated word
    # inside a longer capitalised name: a person, an organisation or a title
    before_text = text[run_start : span.start]
    before_words = [] if before_text.endswith("-") else before_text.split()
    for k in range(len(before_words) - 1, -1, -1):
        if before_words[k].lower() in _CONNECTORS:  # "University of Texas", "Sheikh X of Dubai"
            before_words = before_words[k + 1 :]
            break
    after_text = text[span.end : run_end]
    after_words = [] if after_text.startswith("-") else after_text.split()
    lead = [w for w in before_words if w.lower().strip(",.") not in _STOP]
    if lead:
        return False
    if after_words:
        nxt = after_words[0].lower().strip(",.'\u2019")
        if nxt in _PLACE_HEADS or nxt in _CONNECTORS:
            pass
        elif not (strong or span.demonym):
            return False
        elif len(after_words) == 1 and nxt not in _ORG_HEADS and nxt not in _STOP and nxt not in common:
            return False  # "Jordan Peterson": a first name, not a place
    if before_words and before_words[-1].lower().strip(".") in _PERSON_TITLES:
        return False
    prev = _prev_word(text, run_start).lower()
    if prev in _PERSON_TITLES:
        return False
    # a name word glued to a person-name particle: "al-Homsi" is not Homs
    if text[max(0, span.start - 3) : span.start].lower() in ("al-", "el-"):
        if not strong:
            return False
    if span.name_word and not strong:
        return False
    if span.surface[-1:] == "i" and TIER_SKELETON <= best.tier < TIER_DEMONYM:
        return False
    if span.demonym:
        # "Turkish forces" stands for Turkey; "Mexicans" are people
        return not (low.endswith("s") and not low.endswith(("ss", "ese", "swiss")))
    # single words that are also common English words
    is_common = len(words) == 1 and (key0(span.surface) in common or key1(span.surface) in common)
    named_area = any(c.tier == 0 and c.place.kind in ("country", "continent", "admin1") for c in span.cands)
    if is_common and not named_area:
        located = _LOCATIVE_RE.search(text[max(0, span.start - 25) : span.start]) or span.head in _PLACE_HEADS
        if not located and (not strong or _sentence_initial(text, span.start) or best.tier >= 1):
            return False  # "Web site", "Man booked", "First Avenue", "Federal and state"
    if re.match(r"['\u2019]s\s+[A-Z]", text[span.end : span.end + 4]) and not strong:
        return False  # "Moore's Ford": part of another name
    if len(words) == 1 and not strong:
        sentence_start = _sentence_initial(text, span.start)
        if sentence_start and _lowercase_elsewhere(text, span.surface):
            return False
        if span.surface.isupper() and len(span.surface) > 3:
            return False
        if _lowercase_elsewhere(text, span.surface) and best.place.population < 20_000:
            return False
    if all(c.tier >= TIER_SKELETON for c in span.cands) and not strong:
        return False
    return True


def _dateline_country(text: str, gaz: Gazetteer) -> str | None:
    m = DATELINE_RE.match(text[:200])
    if not m:
        return None
    cands = gaz.lookup(m.group(1).title(), kinds=("city", "town", "admin1", "country"), limit=1)
    return cands[0].place.country_code if cands else None


def _resolve(spans: list[_Span], text: str, focus: Sequence[str]) -> list[Mention]:
    """Choose one candidate per span using document context."""
    # countries the document is about: unambiguous country mentions, demonyms, best guesses
    # one vote per distinct name (a name repeated ten times is still one piece of evidence)
    by_name: dict[str, tuple[str, float]] = {}
    for sp in spans:
        ranked = sorted(sp.cands, key=lambda c: -c.score)
        top = ranked[0]
        margin = top.score - (ranked[1].score if len(ranked) > 1 else 0.0)
        w = 1.0 if top.place.kind == "country" else min(1.0, 0.3 + margin)
        k = key0(sp.surface)
        if w > by_name.get(k, ("", -1.0))[1]:
            by_name[k] = (top.place.country_code, w)
    votes: Counter = Counter()
    for cc in focus:
        votes[cc] += 2.0
    for cc, w in by_name.values():
        votes[cc] += w
    total_votes = sum(votes.values()) or 1.0

    share_cache: dict[str, dict[str, float]] = {}

    def share_for(sp: _Span) -> dict[str, float]:
        """Country shares without the span's own name (a name is no evidence for itself)."""
        k = key0(sp.surface)
        hit = share_cache.get(k)
        if hit is None:
            hit = share_cache[k] = _share_without(k)
        return hit

    def _share_without(k: str) -> dict[str, float]:
        own_cc, own_w = by_name.get(k, ("", 0.0))
        total = total_votes - own_w
        if total <= 0:
            return {}
        return {cc: (v - (own_w if cc == own_cc else 0.0)) / total for cc, v in votes.items()}

    share = {cc: v / total_votes for cc, v in votes.items()}

    # admin-1 areas named in the document
    named_admin1 = Counter()
    for sp in spans:
        for c in sp.cands:
            if c.place.kind == "admin1" and c.tier <= 1:
                named_admin1[(c.place.country_code, c.place.admin1_code)] += 1

    containers = [_container_after(spans, idx, text) for idx in range(len(spans))]

    def choose(idx: int, sp: _Span, coherence) -> tuple[Candidate, float, str]:
        best, best_score, why = None, -1e9, ""
        share = share_for(sp)
        province_of = _PROVINCE_OF_RE.search(text[max(0, sp.start - 30) : sp.start])
        home_admin1 = {
            c.place.country_code for c in sp.cands
            if c.place.kind == "admin1" and share.get(c.place.country_code, 0.0) > 0.3
        }
        exact_area = any(c.tier == 0 and c.place.kind in _STRONG_KINDS for c in sp.cands)
        exact_admin1 = any(c.tier == 0 and c.place.kind == "admin1" for c in sp.cands)
        for c in sp.cands:
            p = c.place
            score = c.score + 1.6 * share.get(p.country_code, 0.0)
            reason = c.match
            if exact_area and c.tier >= 1 and p.kind not in _STRONG_KINDS and p.population < 1_000_000:
                score -= 0.8  # "Florida" is the state, not a town that also answers to it
            if exact_admin1 and c.tier == 0 and p.kind in ("town", "village") and p.population < 500_000:
                score -= 0.6  # "California" the state, not the small town of that name
            if c.tier == TIER_DEMONYM or (
                c.tier <= 1 and p.kind in _LARGE_KINDS and not (home_admin1 - {p.country_code})
            ):
                score += 2.0  # "Canadian", "Mexico", "Atlantic": the large area, not a namesake
            if (p.country_code, p.admin1_code) in named_admin1 and p.kind != "admin1":
                score += 0.35
            if coherence is not None and p.kind not in _LARGE_KINDS:
                a1_votes, points, own = coherence
                key = (p.country_code, p.admin1_code)
                votes = a1_votes.get(key, 0.0) - (own[idx][1] if own[idx][0] == key else 0.0)
                total = a1_total - own[idx][1]
                if total > 0:
                    score += 1.2 * votes / total
                if _near_other(points, idx, p.lat, p.lon):
                    score += 0.5
                    reason += ", near other places in the text"
            container = containers[idx]
            if container is not None:
                cp = container.place
                if cp.kind == "country" and p.country_code == cp.country_code:
                    score += 1.0
                    reason += f", in {cp.name}"
                elif cp.kind == "admin1" and p.country_code == cp.country_code and (
                    p.admin1_code == cp.admin1_code or p.admin1 == cp.admin1
                ):
                    score += 1.5
                    reason += f", in {cp.name}"
            if sp.county and coherence is not None:
                a1_votes_, _, _ = coherence
                if a1_votes_ and (p.country_code, p.admin1_code) == a1_votes_.most_common(1)[0][0]:
                    score += 1.5
                if c.tier > 1:
                    score -= 2.0
            if p.kind == "admin1" and (province_of or sp.head in _ADMIN_HEADS):
                score += 1.2
                reason += ", named as a province"
            if score > best_score:
                best, best_score, why = c, score, reason
        return best, best_score, why

    # pass 1: priors, countries and containers; pass 2: adds admin-1 coherence and proximity
    first = [choose(i, sp, None) for i, sp in enumerate(spans)]
    a1_votes: Counter = Counter()
    points = []
    own: list[tuple[tuple[str, str] | None, float]] = []
    for i, (c, _, _) in enumerate(first):
        p = c.place
        if p.kind in _LARGE_KINDS:
            own.append((None, 0.0))
            continue
        w = 2.0 if p.kind == "admin1" else 1.0
        a1_votes[(p.country_code, p.admin1_code)] += w
        own.append(((p.country_code, p.admin1_code), w))
        if p.kind != "admin1":
            points.append((i, p.lat, p.lon))

    a1_total = sum(a1_votes.values())
    grid = _point_grid(points)
    # one sense per discourse: every mention of a name gets the reading best supported anywhere
    chosen = [choose(idx, sp, (a1_votes, grid, own)) for idx, sp in enumerate(spans)]
    best_by_name: dict[str, tuple[Candidate, float, str]] = {}
    for sp, pick in zip(spans, chosen, strict=True):
        k = key0(sp.surface)
        if k not in best_by_name or pick[1] > best_by_name[k][1]:
            best_by_name[k] = pick

    mentions: list[Mention] = []
    for idx, sp in enumerate(spans):
        best, best_score, why = chosen[idx]
        top = best_by_name[key0(sp.surface)]
        if top[0].place.id != best.place.id and any(c.place.id == top[0].place.id for c in sp.cands):
            best, best_score, why = top[0], top[1], top[2] + ", as elsewhere in the text"
        assert best is not None
        others = sorted((c for c in sp.cands if c is not best), key=lambda c: -c.score)
        conf = 1.0 / (1.0 + math.exp(-(best_score - (others[0].score if others else 0.0) - 0.5)))
        p = best.place
        own_share = share_for(sp)
        reason = f"{why}; {p.kind} in {p.admin1 + ', ' if p.admin1 and p.kind != 'admin1' else ''}{p.country_code}"
        if share.get(p.country_code, 0) > 0.3:
            reason += f"; document is about {p.country_code}"
        if (
            " " not in sp.surface
            and p.kind in ("village", "town", "neighbourhood")
            and p.population < 50_000
            and own_share.get(p.country_code, 0.0) < 0.1
            and best.tier > 0
            and not _LOCATIVE_RE.search(text[max(0, sp.start - 25) : sp.start])
        ) or (
            " " not in sp.surface and p.kind == "village" and own_share.get(p.country_code, 0.0) < 0.05
            and not _LOCATIVE_RE.search(text[max(0, sp.start - 25) : sp.start])
        ):
            continue  # a lone small place far from everything else the text is about
        if (
            " " not in sp.surface
            and p.kind not in _LARGE_KINDS and p.kind != "admin1"
            and p.population < 100_000
            and own_share.get(p.country_code, 0.0) < 0.1
            and _ADJECTIVE_NEXT_RE.match(text, sp.end)
            and not _LOCATIVE_RE.search(text[max(0, sp.start - 25) : sp.start])
        ):
            continue  # "Roman ruins", "Champagne region": an adjective, not this far-away town
        mentions.append(Mention(sp.start, sp.end, sp.surface, p, round(conf, 3), reason))
    return mentions


_NEAR_LAT, _NEAR_LON = 0.6, 0.8  # "near other places in the text": within this many degrees


def _point_grid(points: list[tuple[int, float, float]]) -> dict[tuple[int, int], list[tuple[int, float, float]]]:
    """Index ``(span index, lat, lon)`` points by grid cells of the "near" size."""
    grid: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    for pt in points:
        grid.setdefault((math.floor(pt[1] / _NEAR_LAT), math.floor(pt[2] / _NEAR_LON)), []).append(pt)
    return grid


def _near_other(grid: dict, idx: int, lat: float, lon: float) -> bool:
    """True when a place chosen for another span lies within the "near" box around a point."""
    cy, cx = math.floor(lat / _NEAR_LAT), math.floor(lon / _NEAR_LON)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            for j, la, lo in grid.get((cy + dy, cx + dx), ()):
                if j != idx and abs(lat - la) < _NEAR_LAT and abs(lon - lo) < _NEAR_LON:
                    return True
    return False


def _container_after(spans: list[_Span], idx: int, text: str):
    """Return the best candidate of a containing region named next to span ``idx``.

    After it ("Paris, Texas", "X in the province of Idlib"), or before it as a possessive
    ("Lebanon's Tripoli").
    """
    if idx > 0:
        prv = spans[idx - 1]
        if re.fullmatch(r"['\u2019]s\s+(?:\w+\s+){0,2}", text[prv.end : spans[idx].start]):
            admin = [c for c in prv.cands if c.place.kind in ("admin1", "country")]
            if admin:
                return max(admin, key=lambda c: c.score)
    if idx + 1 >= len(spans):
        return None
    nxt = spans[idx + 1]
    gap = text[spans[idx].end : nxt.start]
    if len(gap) > 60 or not _CONTAINER_CUE_RE.match(gap):
        return None
    admin = [c for c in nxt.cands if c.place.kind in ("admin1", "country")]
    if not admin:
        return None
    return max(admin, key=lambda c: c.score)


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

    Examples
    --------
    >>> [m.place.name for m in geoparse("Shelling hit the Homs neighbourhood of Bab Amr.")]
    ['Homs', 'Bab Amr']
    """
    if not text:
        return []
    gaz = gazetteer or default_gazetteer()
    common = gaz.common_words
    spans = [s for s in _lookup_spans(text, gaz) if _keep(s, text, common)]
    if not spans:
        return []
    focus = list(focus)
    dl = _dateline_country(text, gaz)
    if dl:
        focus.append(dl)
    return _resolve(spans, text, focus)
