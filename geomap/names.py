"""Name keys that make Arabic transliteration variants meet, without fuzzy matching.

English news spells one Arabic place name many ways: *Maaret al-Numan*, *Ma'arrat an-Nu'man*,
*Maarat al-Nouman*. geomap never uses edit distance (it invents places: *Deraa* is one letter away
from nothing useful, but a few from *Darayya*). Instead each name gets up to three deterministic
keys, from strict to loose:

``key0``
    lower case, no diacritics, no apostrophes/ayn/hamza marks, hyphens as spaces.
``key1``
    ``key0`` without Arabic article tokens (*al-*, *el-*, *an-*, *ez-*...) and with the spelling
    variants of one Arabic sound folded: *ou*/*oo* -> *u*, *ee* -> *i*, doubled letters single,
    final *h* after a vowel dropped (*Hamah* -> *hama*).
``skeleton``
    ``key1`` reduced to its consonants (vowels dropped except a word's first letter, *q* -> *k*).
    Short vowels are what transliterations disagree on; consonants they agree on. The gazetteer
    builds skeletons only for places in the Arabic-speaking region and lookups use them only as a
    last resort, for skeletons of three or more consonants, so *Deraa* (``dr``) never reaches
    *Darayya* (``dry``).

Arabic script gets its own folding (alef and yeh forms, teh marbuta, diacritics, the article).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from geomap.compiled import is_extension

_APOSTROPHES = "'`\u2018\u2019\u02bb\u02bc\u02bd\u02be\u02bf\u00b4\u2032\u055a"
_APOS_RE = re.compile(f"[{_APOSTROPHES}]")
_SEP_RE = re.compile(r"[\s\-\u2010-\u2015_/.,;:()\"\[\]]+")
#: For ASCII names, as bytes: the non-space separators of ``_SEP_RE`` made spaces (with
#: ``bytes.translate``, a table look-up per byte; ``str.translate`` looks each character up in a
#: dict) and the apostrophes deleted.
_ASCII_SEPARATORS = bytes.maketrans(b"-_/.,;:()\"[]", b" " * 12)
_ASCII_APOSTROPHES = b"'`"
_ARTICLES = frozenset(
    "al el il ul ad ar as az ash at ath adh an ed er es ez esh et en ech".split()
)
# "al" glued to a word in the form "al-X" is split by the separator rule; "Al'X" by the
# apostrophe rule.  Glued forms without separator ("Alqusayr") are left alone.
_DOUBLE_RE = re.compile(r"([a-z])\1+")
#: The replacement ``r"\1"`` as a C function of the match (re expands a template in Python).
_FINAL_H_RE = re.compile(r"(?<=[aeiou])h\b")
_VOWELS_RE = re.compile(r"\B[aeiou]+")

_AR_DIACRITICS_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_CHARS_RE = re.compile("[\u0600-\u06ff]")
_AR_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef madda
        "\u0623": "\u0627",  # alef hamza above
        "\u0625": "\u0627",  # alef hamza below
        "\u0671": "\u0627",  # alef wasla
        "\u0649": "\u064a",  # alef maksura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0624": "\u0648",  # waw hamza
        "\u0626": "\u064a",  # yeh hamza
    }
)


def is_arabic(text: str) -> bool:
    """Return True when ``text`` contains Arabic-script letters."""
    return bool(_AR_CHARS_RE.search(text))


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _arabic_key(text: str) -> str:
    text = _AR_DIACRITICS_RE.sub("", text).translate(_AR_FOLD)
    words = []
    for word in _SEP_RE.split(text):
        if not word:
            continue
        if word.startswith("\u0627\u0644") and len(word) > 3:  # the article al-
            word = word[2:]
        words.append(word)
    return " ".join(words)


def _undouble(text: str) -> str:
    """Return ``text`` with runs of one letter made single ("aleppo" -> "alepo"): what
    ``_DOUBLE_RE.sub`` does with its group, by :func:`_has_double` and :func:`_single`."""
    return _single(text) if _has_double(text) else text


@lru_cache(maxsize=262144)
def key0(name: str) -> str:
    """Return the strict key of a name: case, diacritics, apostrophes and hyphens folded.

    Parameters
    ----------
    name : str
        A place name in Latin or Arabic script.

    Returns
    -------
    str
        The key; ``""`` for a name with no letters.

    Examples
    --------
    >>> key0("Ma'arrat an-Nu'man")
    'maarrat an numan'
    """
    if name.isascii():  # the common case: what _key0 does, for ASCII text
        folded = name.encode().translate(_ASCII_SEPARATORS, _ASCII_APOSTROPHES).decode()
        return " ".join(folded.lower().split())
    return _key0(name)


def _key0(name: str) -> str:
    """:func:`key0` for any text."""
    if is_arabic(name):
        return _arabic_key(name)
    text = _APOS_RE.sub("", _strip_diacritics(name)).lower()
    text = text.replace("\u0131", "i").replace("\u00df", "ss").replace("\u00f8", "o")
    text = text.replace("\u0142", "l").replace("\u00e6", "ae").replace("\u0111", "d")
    return " ".join(w for w in _SEP_RE.split(text) if w)


@lru_cache(maxsize=262144)
def key1(name: str) -> str:
    """Return the transliteration-folded key of a name (articles dropped, vowels folded).

    Examples
    --------
    >>> key1("Maaret al-Numan") == key1("Ma'arrat an-Nu'man")
    False
    >>> key1("Deir ez-Zour")
    'deir zur'
    """
    base = key0(name)
    if not base or (not base.isascii() and is_arabic(base)):
        return base
    words = base.split()
    if len(words) > 1:
        kept = [w for w in words if w not in _ARTICLES]
        # An "al" glued to the next word by the separator ("al-Bab") is the only article form
        # dropped; a name that is all articles keeps its words.
        words = kept or words
    text = " ".join(words)
    text = text.replace("ou", "u").replace("oo", "u").replace("ee", "i")
    text = _undouble(text)
    return _FINAL_H_RE.sub("", text) if "h" in text else text


@lru_cache(maxsize=262144)
def skeleton(name: str) -> str:
    """Return the consonant skeleton of a name, used only as a last-resort lookup key.

    Examples
    --------
    >>> skeleton("Maaret al-Numan") == skeleton("Ma'arrat an-Nu'man")
    True
    >>> skeleton("Deraa") == skeleton("Darayya")
    False
    """
    base = key1(name)
    if not base or (not base.isascii() and is_arabic(base)):
        return base
    return _undouble(_VOWELS_RE.sub("", base.replace("q", "k")))


#: The vowels, deleted from a word's UTF-8 bytes (no byte of a multi-byte character is ASCII).
_VOWEL_BYTES = b"aeiou"


#: Each word :func:`_fold_token` has folded, with its forms (while there are fewer than
#: :data:`_FOLDED_SIZE`; a plain dict: ``lru_cache`` costs more per call than the folding saves).
_FOLDED: dict[str, tuple[str, str]] = {}
_FOLDED_SIZE = 65536
#: Whether this module runs compiled (from an extension, not its source).
_COMPILED = is_extension(__file__)


def _has_double(text: str) -> bool:
    """Return True when a letter a-z follows itself in ``text`` (where ``_DOUBLE_RE`` matches)."""
    for i in range(1, len(text)):
        c = text[i]
        if c == text[i - 1] and "a" <= c <= "z":
            return True
    return False


def _single(text: str) -> str:
    """Return ``text`` with each run of one letter a-z made single (``_DOUBLE_RE.sub``'s)."""
    parts = []
    start = 0
    for i in range(1, len(text)):
        c = text[i]
        if c == text[i - 1] and "a" <= c <= "z":
            parts.append(text[start:i])  # (the letter at i is left out)
            start = i + 1
    parts.append(text[start:])
    return "".join(parts)


def _fold_token(token: str) -> tuple[str, str]:
    """Return the ``key1`` and ``skeleton`` forms of one word of a ``key0``."""
    hit = _FOLDED.get(token)
    if hit is None:
        hit = _fold(token)
        if len(_FOLDED) < _FOLDED_SIZE:
            _FOLDED[token] = hit
    return hit


def _fold(token: str) -> tuple[str, str]:
    """:func:`_fold_token`, uncached."""
    if _COMPILED and token.isascii() and token.isalnum():  # most words
        return _fold_ascii(token)
    text = token.replace("ou", "u")  # (an exact str, even of a subclass of str)
    text = text.replace("oo", "u").replace("ee", "i")  # (compiled: str's own replace, called directly)
    text = _undouble(text)
    if not text.isalnum():  # the regexes' word boundaries may fall inside the word
        if "h" in text:
            text = _FINAL_H_RE.sub("", text)
        return text, _undouble(_VOWELS_RE.sub("", text.replace("q", "k")))
    # a word of letters and digits: a final "h" after a vowel goes, and every vowel but the first
    # letter (what _FINAL_H_RE and _VOWELS_RE do to such a word)
    if text[-1] == "h" and len(text) > 1 and text[-2] in "aeiou":
        text = text[:-1]
    text_k = text.replace("q", "k")
    skel = text_k[0] + text_k[1:].encode().translate(None, _VOWEL_BYTES).decode()
    return text, _undouble(skel)


def _fold_ascii(token: str) -> tuple[str, str]:
    """:func:`_fold` of a word of ASCII letters and digits, by loops over its bytes.

    Compiled, they are C loops over one buffer, at a fraction of the cost of the string methods
    (each a call and a new string); as plain Python they are the slower way, and :func:`_fold`
    takes them only when compiled.
    """
    buf = bytearray(token, "ascii")
    n = _pair_to_one(buf, len(buf), 111, 117, 117)  # "ou" -> "u"
    n = _pair_to_one(buf, n, 111, 111, 117)  # "oo" -> "u"
    n = _pair_to_one(buf, n, 101, 101, 105)  # "ee" -> "i"
    n = _single_bytes(buf, n)
    if n > 1 and buf[n - 1] == 104 and buf[n - 2] in b"aeiou":  # a final "h" after a vowel goes
        n -= 1
    variant = buf[:n].decode("ascii")
    # the skeleton, in place: "q" as "k", and every vowel but the first letter dropped
    if buf[0] == 113:
        buf[0] = 107
    m = 1
    for i in range(1, n):
        c = buf[i]
        if c not in b"aeiou":
            buf[m] = 107 if c == 113 else c
            m += 1
    return variant, buf[: _single_bytes(buf, m)].decode("ascii")


def _pair_to_one(buf: bytearray, n: int, first: int, second: int, to: int) -> int:
    """Replace each pair of bytes ``first second`` of ``buf[:n]`` by the byte ``to``, left to
    right and not overlapping (as ``str.replace`` does), in place; return the new length."""
    i = j = 0
    while i < n:
        c = buf[i]
        if c == first and i + 1 < n and buf[i + 1] == second:
            c = to
            i += 1
        buf[j] = c
        i += 1
        j += 1
    return j


def _single_bytes(buf: bytearray, n: int) -> int:
    """Make each run of one letter a-z in ``buf[:n]`` single (:func:`_single`), in place; return
    the new length."""
    if n == 0:
        return 0
    j = 1
    for i in range(1, n):
        c = buf[i]
        if c != buf[i - 1] or not 97 <= c <= 122:  # (buf[i - 1] is still the byte read there)
            buf[j] = c
            j += 1
    return j


def keys_of_word(token: str) -> tuple[str, str, str]:
    """Return :func:`keys_of_tokens` of one word, ``keys_of_tokens([token])``."""
    folded = _FOLDED.get(token)  # (_fold_token, inlined for its commonest case)
    if folded is None:
        folded = _fold_token(token)
    return token, folded[0], folded[1]


def keys_of_tokens(tokens: list[str]) -> tuple[str, str, str]:
    """Return ``(key0, key1, skeleton)`` of a name from the words of its ``key0``.

    Every step after ``key0`` works word by word, so a name's keys follow from its words'; a
    caller that knows the ``key0`` words of the parts of many overlapping names ("New",
    "York", "City") builds their keys without redoing each.

    Parameters
    ----------
    tokens : list of str
        ``key0(name).split()`` of a name with no Arabic-script letter.

    Returns
    -------
    tuple of str
        The same as :func:`keys` of the name.

    Examples
    --------
    >>> keys_of_tokens(["deir", "ez", "zour"]) == keys("Deir ez-Zour")
    True
    """
    if len(tokens) == 1:
        return keys_of_word(tokens[0])
    k0 = " ".join(tokens)
    if not _ARTICLES.isdisjoint(tokens):  # several words: the articles go (unless all are)
        tokens = [t for t in tokens if t not in _ARTICLES] or tokens
    folded = [_fold_token(t) for t in tokens]
    return k0, " ".join([f[0] for f in folded]), " ".join([f[1] for f in folded])


def only_articles(key: str) -> bool:
    """Return True when every word of a ``key0`` is an Arabic article (``"al"``, ``"el al"``).

    Such words are dropped from the variant key of a longer name (``"al bab"`` -> ``"bab"``),
    so they may begin any name.
    """
    return _ARTICLES.issuperset(key.split())


def consonant_count(skel: str) -> int:
    """Return the number of letters in a skeleton, ignoring spaces."""
    return len(skel) - skel.count(" ")


def keys(name: str) -> tuple[str, str, str]:
    """Return ``(key0, key1, skeleton)`` of a name."""
    return key0(name), key1(name), skeleton(name)
