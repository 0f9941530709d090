"""Read news reports from files and folders into :class:`~geomap.schema.Document` records.

Supported inputs: ``.txt``, ``.md``, ``.html``/``.htm``, ``.jsonl`` (also ``.jsonl.gz`` and
``.ndjson``), ``.csv`` and ``.parquet``. JSON Lines, CSV and Parquet rows need a text column
(``text``, ``body``, ``content``, ``article`` or ``full_text``; any case) and may carry
``title``, ``date``, ``source``, ``url`` and ``id``. One of these named twice (``text`` and
``Text``) fails the CSV or Parquet file, or the JSON line, with a reason naming it.

Reading never stops on a bad input: every file, line or row ends up either as a Document or as
a :class:`Failure` with a reason, so the run report can account for all of them. Files are read
in a stream; memory is bounded by ``max_bytes`` per report, not by the corpus: a single-report
file over the limit is refused from its size without being read, JSON Lines and CSV files
are read line by line with the limit applied to each line or row, and Parquet files are read a
batch of rows at a time (with pyarrow, only the columns geomap uses).

Text encodings: UTF-8 (with or without BOM), UTF-16 and UTF-32 with a BOM, UTF-16 without a BOM
(detected from its NUL bytes), and cp1252/latin-1 as the fallback (bytes that are not valid
UTF-8 in an otherwise UTF-8 file are read as cp1252). Binary data (images, archives, NUL bytes)
is refused with a reason. Lone surrogates (from JSON ``"\\ud800"``) become U+FFFD and NUL
characters are dropped, so every Document can be written as UTF-8.

Folders are walked in sorted order without following symbolic links to folders (no loops);
names starting with ``.`` are hidden and skipped, as are ``README.md`` and ``expected.json``
(corpus documentation). Everything else that is not read is reported as a failure.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import errno
import gzip
import heapq
import html
import io
import json
import os
import pickle
import re
import stat
import tempfile
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from geomap.schema import Document

#: File name endings geomap reads; anything else in a folder is reported as skipped.
SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz", ".ndjson", ".csv", ".parquet")
DEFAULT_MAX_BYTES = 20_000_000
_IGNORED_NAMES = frozenset({"readme.md", "expected.json"})
#: The files :func:`geomap.pipeline.run` writes into its output folder.
RUN_OUTPUTS = frozenset({"incidents.geojson", "places.geojson", "incidents.csv", "incidents.gpkg",
                         "incidents.parquet", "places.parquet", "map.html", "summary.png", "run-report.json"})
_TEXT_KEYS = ("text", "body", "content", "article", "full_text")
_META_KEYS = ("title", "date", "source", "url", "id")
_SKIP_TAGS = frozenset(
    "script style nav header footer aside form noscript iframe svg button select template figure figcaption".split()
)
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article blockquote pre hr dd dt".split()
)
#: Elements whose end tag is required, so that a hidden one ends where the page says.
_HIDING_TAGS = frozenset(
    "div span section article aside main nav header footer ul ol dl table form fieldset details "
    "dialog figure blockquote pre a b i em strong small label h1 h2 h3 h4 h5 h6".split()
)
#: An inline style that hides its element.
_HIDDEN_STYLE_RE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
_HTML_DOC_RE = re.compile(r"\s*(<!doctype html|<html)", re.I)
#: Markup that makes a JSONL/CSV text field an HTML body (a bare ``<script>`` does not).
_HTML_BODY_RE = re.compile(r"</?(p|div|br|html|body|article)\b", re.I)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: Characters that hide inside words and names (soft hyphen, zero-width space, word joiner,
#: a byte order mark mid-text): a reader sees "Aleppo" where the text holds "Al\u00adeppo".
_INVISIBLE_RE = re.compile("[\u00ad\u200b\u2060\ufeff]")
#: A no-break, narrow no-break or thin space between digit groups: a thousands separator
#: ("1\u202f200 killed" is 1,200); elsewhere such spaces are spaces.
_DIGIT_GROUPS_RE = re.compile("(?<![\\d,.])\\d{1,3}(?:[\u00a0\u2007\u2009\u202f]\\d{3})+(?!\\d|[,.]\\d)")
_GROUP_SPACE_RE = re.compile("[\u00a0\u2007\u2009\u202f]")
#: Full-width forms of ASCII's printable characters (U+FF01..U+FF5E: "\uff28\uff4f\uff4d\uff53"),
#: typed by East Asian keyboards, and the ASCII character each stands for.
_FULL_WIDTH_RE = re.compile("[\uff01-\uff5e]")
_FULL_WIDTH_TO_ASCII = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_SNIFF_BYTES = 65_536
_SAMPLE_BYTES = 4096
_SKIP_CHUNK = 1 << 20
#: Rows converted to Python objects at a time when reading Parquet (memory bound per file).
_PARQUET_BATCH_ROWS = 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document (convert it to text first)"),
    (b"PK\x03\x04", "a ZIP archive, e.g. .docx/.xlsx (export it as text or CSV first)"),
    (b"\x1f\x8b", "gzip-compressed data (name it .jsonl.gz, or decompress it)"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13))
_ERRORS_CP1252 = "geomap-cp1252"
#: Encoding label -> (codec, error handler) for decoding.
_CODECS = {
    "utf-8": ("utf-8", _ERRORS_CP1252),
    "utf-8-sig": ("utf-8-sig", _ERRORS_CP1252),
    "utf-8+cp1252": ("utf-8", _ERRORS_CP1252),
    "cp1252": ("cp1252", "replace"),
    "utf-16": ("utf-16", "replace"),
    "utf-16-le": ("utf-16-le", "replace"),
    "utf-16-be": ("utf-16-be", "replace"),
    "utf-32": ("utf-32", "replace"),
}


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read bytes that are not valid UTF-8 as cp1252."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return bytes(exc.object[exc.start:exc.end]).decode("cp1252", errors="replace"), exc.end


codecs.register_error(_ERRORS_CP1252, _cp1252_fallback)


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read, with a reason a user can act on.

    Attributes
    ----------
    input : str
        The file (``path``), JSON line or CSV row (``path:N``) that failed.
    reason : str
        Why, and what to do about it.
    """

    input: str
    reason: str


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, and the encoding that worked."""

    text: str
    encoding: str


class _RowTooLong(Exception):
    """A JSONL line or CSV row is over the size limit (its rest has been skipped)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _binary_reason(data: bytes, strict: bool) -> str | None:
    """Return why ``data`` (a file's head, no BOM) is not text, or None when it may be text.

    ``strict`` refuses any NUL byte (a single report); JSONL and CSV files are refused only
    when NUL bytes are frequent, so one corrupt line does not sink the others.
    """
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return f"{kind}, not a text report"
    sample = data[:_SAMPLE_BYTES]
    nul = sample.count(0)
    if nul and (strict or nul > 0.05 * len(sample)):
        return "binary data (contains NUL bytes), not a text report"
    control = sum(sample.count(b) for b in _CONTROL_BYTES)
    if control > 0.05 * max(1, len(sample)):
        return "binary data (control bytes), not a text report"
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """Return ``utf-16-le``/``utf-16-be`` when every other byte is NUL (BOM-less UTF-16)."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    tolerance = len(sample) // 200
    if odd > len(sample) * 0.3 and even <= tolerance:
        return "utf-16-le"
    if even > len(sample) * 0.3 and odd <= tolerance:
        return "utf-16-be"
    return None


def _detect_encoding(data: bytes, *, complete: bool = True, strict: bool = True) -> str:
    """Return the encoding label (a key of ``_CODECS``) for ``data``.

    ``data`` is a whole file, or its head when ``complete`` is False (a multi-byte character cut
    at the end is then not taken as invalid UTF-8). Raises ValueError for binary data (see
    :func:`_binary_reason` for ``strict``).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:_SAMPLE_BYTES]
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16:
            return utf16
    reason = _binary_reason(data, strict)
    if reason:
        raise ValueError(reason)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Not valid UTF-8: a UTF-8 file with a few stray cp1252 bytes, or a cp1252/latin-1 file.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return "utf-8+cp1252" if good > bad else "cp1252"


def decode_bytes(data: bytes) -> Decoded:
    """Decode report bytes: BOMs first, then BOM-less UTF-16, then UTF-8, then cp1252.

    Parameters
    ----------
    data : bytes
        A whole report.

    Returns
    -------
    Decoded
        The text and the encoding label: ``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``,
        ``utf-16-be``, ``utf-32``, ``cp1252`` (the fallback; also reads latin-1) or
        ``utf-8+cp1252`` (UTF-8 with a few bytes that were not, read as cp1252).

    Raises
    ------
    ValueError
        For data that looks binary (an image or archive header, NUL or control bytes).
    """
    encoding = _detect_encoding(data)
    codec, errors = _CODECS[encoding]
    return Decoded(data.decode(codec, errors=errors), encoding)


#: A backslash escape as :func:`_label` writes a byte or a character no UTF-8 output can hold.
_ESCAPE_LIKE_RE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")


def _label(path: str | os.PathLike) -> str:
    """Return a path as the text that names its input in every output.

    A file name that is not UTF-8 reaches Python with its stray bytes held as lone surrogates,
    which no UTF-8 output can hold: those bytes are shown as backslash escapes instead
    (``bad\\xff.txt``), so the input is still named. So that no two paths get the same label,
    a path written with escapes has its own backslashes doubled, and so has a UTF-8 path that
    holds text looking like an escape (a backslash, ``x`` and two hex digits, or ``u`` and
    four): a file really named ``bad\\xff.txt`` is ``bad\\\\xff.txt``. Any other path is
    its own label, backslashes and all.
    """
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        if "\\" not in text or not _ESCAPE_LIKE_RE.search(text):
            return text
    text = text.replace("\\", "\\\\")
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name's bytes give
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _clean_text(s: str) -> str:
    """Return report text as geomap reads it.

    NUL characters are dropped and lone surrogates replaced, so the text can be written as
    UTF-8. Non-ASCII text is also put in Unicode's composed form (NFC: "Qu\u015fayr" typed
    as "s" plus a combining cedilla is the same name), loses characters that hide inside words
    (:data:`_INVISIBLE_RE`), and has no-break and thin spaces as plain spaces, or as commas
    between digit groups. Full-width Latin letters, digits and punctuation ("\uff28\uff4f\uff4d\uff53")
    become the ASCII characters they stand for ("Homs"), one character for one.
    """
    if "\x00" in s:
        s = s.replace("\x00", "")
    if s.isascii():
        return s
    if _FULL_WIDTH_RE.search(s):
        s = s.translate(_FULL_WIDTH_TO_ASCII)
    s = unicodedata.normalize("NFC", _INVISIBLE_RE.sub("", _SURROGATE_RE.sub("\ufffd", s)))
    s = _DIGIT_GROUPS_RE.sub(lambda m: _GROUP_SPACE_RE.sub(",", m.group()), s)
    return _GROUP_SPACE_RE.sub(" ", s)


class _TextExtractor(HTMLParser):
    """Collect visible article text from HTML, skipping scripts, styles and page furniture."""

    def __init__(self, rcdata_title: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.title = ""
        self.date: str | None = None
        self.rcdata_title = rcdata_title
        self._skip = 0
        self._in_title = False
        self._title_done = False
        self._article = 0
        self._header = 0
        self.header_text: list[str] = []  # a page header's byline ("Published 4 Oct 2012")
        self.time_date: str | None = None  # the first <time datetime="...">
        #: the hidden elements open around the current position: [tag, open elements of that tag]
        self._hidden: list[list] = []

    def _track_hidden(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Skip what a ``hidden`` or ``display: none`` element holds, as a browser shows nothing
        of it (menus, dialogs, templates; text a reader never sees is no report).

        Only elements whose end tag is required are followed (:data:`_HIDING_TAGS`): an
        element whose end a browser implies (``<p>``, ``<li>``, ``<td>``) could otherwise
        hide the rest of the page.
        """
        for entry in self._hidden:
            if entry[0] == tag:  # (nested elements of a hidden element's own tag)
                entry[1] += 1
        if tag not in _HIDING_TAGS:
            return
        for name, value in attrs:
            if name == "hidden" or (name == "style" and value and _HIDDEN_STYLE_RE.search(value)):
                self._hidden.append([tag, 1])
                return

    def _end_hidden(self, tag: str) -> None:
        """Close the hidden element an end tag ends, and any left open inside it."""
        for k in range(len(self._hidden) - 1, -1, -1):
            entry = self._hidden[k]
            if entry[0] == tag:
                entry[1] -= 1
                if not entry[1]:
                    del self._hidden[k:]
                    return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._track_hidden(tag, attrs)
        if tag in _SKIP_TAGS:
            self._skip += 1
            self._header += tag == "header"
        elif tag == "title":
            if not self._skip and not self._title_done:  # not an <svg> <title>
                self._in_title = True
                if self.rcdata_title:  # as browsers do: markup in a title is text
                    self.set_cdata_mode("title")
        elif tag == "article":
            self._article += 1
        elif tag == "time" and not self.time_date:
            self.time_date = (dict(attrs).get("datetime") or "")[:10] or None
        elif tag == "meta":
            a = {k: (v or "") for k, v in attrs}
            prop = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if prop in ("article:published_time", "datepublished", "date", "pubdate") and not self.date:
                self.date = a.get("content", "")[:10] or None
        if tag == "body" or tag in _BLOCK_TAGS:
            self._in_title = False  # an unclosed <title> must not swallow the page
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        elif tag == "meta":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._end_hidden(tag)
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            if tag == "header":
                self._header = max(0, self._header - 1)
        elif tag in ("title", "head"):
            self._title_done = self._title_done or self._in_title
            self._in_title = False
        elif tag == "article":
            self._article = max(0, self._article - 1)
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip and not self._hidden:
            self._emit(data)
        elif self._header and sum(map(len, self.header_text)) < 2000:
            self.header_text.append(data)

    def _emit(self, s: str) -> None:
        self.parts.append(s)
        if self._article:
            self.article_parts.append(s)


def html_to_text(markup: str) -> tuple[str, str | None, str | None]:
    """Return the visible text, title and date of an HTML page.

    Parameters
    ----------
    markup : str
        An HTML page or fragment; malformed markup is read as far as possible, never raised on.

    Returns
    -------
    tuple of (str, str or None, str or None)
        ``(text, title, date)``. The text is the ``<article>`` element's when the page has one,
        else the visible body text; scripts, styles, navigation, headers, footers and asides
        are dropped. ``date`` comes from a ``<meta>`` published-date tag, else the first
        ``<time datetime>``, else a date in the page header's byline ("Published 4 Oct 2012").
    """
    parser = _parse_html(markup, rcdata_title=True)
    if parser._in_title:  # <title> never closed: read its markup as tags after all
        parser = _parse_html(markup, rcdata_title=False)
    parts = parser.article_parts if "".join(parser.article_parts).strip() else parser.parts
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parts))
    text = re.sub(r" ?\n[ \n]*", "\n\n", text).strip()
    title = html.unescape(parser.title) if parser.rcdata_title else parser.title
    title = re.sub(r"\s+", " ", title).strip() or None
    return text, title, parser.date or parser.time_date or _byline_date(" ".join(parser.header_text))


def _byline_date(header: str) -> str | None:
    """Return the ISO date of a page header's byline, or None."""
    from geomap.dates import find_report_date

    found = find_report_date(re.sub(r"\s+", " ", header)) if header.strip() else None
    return found.isoformat() if found else None


def _parse_html(markup: str, rcdata_title: bool) -> _TextExtractor:
    parser = _TextExtractor(rcdata_title)
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; never let markup sink a report
        pass
    return parser


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return path.suffix.lower()


def _os_reason(exc: OSError, what: str = "file") -> str:
    """Return an actionable reason for an OS error on a file or folder."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot read: permission denied (check the {what}'s permissions)"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop; not followed"
    if exc.errno == errno.ENOENT:
        return "no such file or folder (deleted while reading?)"
    return f"cannot read: {exc.strerror or exc}"


def _classify_file(path: Path, is_link: bool) -> Path | Failure | None:
    """Decide about a file found in a folder: read it (Path), report it, or skip it (None)."""
    if is_link:
        try:
            target = path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return Failure(_label(path), "symbolic link loop; not followed")
            return Failure(_label(path), "broken symbolic link (its target does not exist)")
        if stat.S_ISDIR(target.st_mode):
            return Failure(_label(path), "symbolic link to a folder, not followed (avoids loops); "
                                      "give the target folder as an input to read it")
    if path.name.lower() in _IGNORED_NAMES:
        return None
    if _suffix(path) not in SUFFIXES:
        return Failure(_label(path), f"unsupported file type {path.suffix or '(no extension)'}; "
                                  f"geomap reads {', '.join(SUFFIXES)}: convert or rename it")
    return path


#: Folder entries sorted in memory at once. A larger folder is listed in sorted runs of this
#: many entries, spilled to a temporary file and merged, so a folder of millions of files costs
#: a few MB, not 220 bytes per file.
_SORT_RUN = 100_000
#: Entries per pickled block of a spilled run (what one run holds in memory while merging).
_SPILL_BLOCK = 1_000
#: Spilled runs merged at once. More are merged in passes, this many at a time into a new
#: run, so memory (one block per run merged) stays bounded however large the folder.
_MERGE_FAN_IN = 64
#: What an entry is, as :func:`_scan` records it: a file, a folder, a symbolic link, or unknown
#: (the entry could not be examined while listing; :func:`_walk` asks again and reports why).
_FILE, _FOLDER, _LINK, _UNKNOWN = "f", "d", "l", "?"


def _entry(e: os.DirEntry) -> str | None:
    """Return a folder entry as ``name + "\0" + kind`` (None for a hidden one).

    No file name holds a NUL and NUL sorts before every other character, so these strings sort
    as their names do.
    """
    if e.name.startswith("."):
        return None  # hidden files and folders (.git, .DS_Store, editor backups)
    try:
        kind = _LINK if e.is_symlink() else _FOLDER if e.is_dir(follow_symlinks=False) else _FILE
    except OSError:
        kind = _UNKNOWN
    return f"{e.name}\0{kind}"


class _Runs:
    """Sorted runs of folder entries, spilled one after another to one anonymous temporary file
    in pickled blocks (one open file however many runs; it is gone once closed)."""

    def __init__(self) -> None:
        self.fh: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        #: where each run starts and ends in the file
        self.spans: list[tuple[int, int]] = []

    def add(self, entries: Iterable[str]) -> None:
        """Write a run of sorted entries at the end of the file."""
        fh = self.fh
        start = fh.seek(0, os.SEEK_END)
        block: list[str] = []
        for entry in entries:
            block.append(entry)
            if len(block) == _SPILL_BLOCK:
                pickle.dump(block, fh, protocol=pickle.HIGHEST_PROTOCOL)
                block = []
        if block:
            pickle.dump(block, fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()  # (a full disk is told here, while the folder is listed)
        self.spans.append((start, fh.tell()))

    def read(self, span: tuple[int, int]) -> Iterator[str]:
        """Yield the entries of one run, block by block (runs of a file may be read in turn)."""
        pos, end = span
        while pos < end:
            self.fh.seek(pos)
            block = pickle.load(self.fh)
            pos = self.fh.tell()
            yield from block

    def close(self) -> None:
        self.fh.close()


class _SpillError(Exception):
    """Spilling a sorted run to the temporary folder failed (carries the OSError)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _spill(runs: _Runs | None, chunk: list[str]) -> _Runs:
    """Sort ``chunk`` and add it to ``runs`` (a new file for the first run); return the runs."""
    chunk.sort()
    new = runs is None
    try:
        if runs is None:
            runs = _Runs()
        runs.add(chunk)
    except OSError as exc:
        if new and runs is not None:
            runs.close()
        raise _SpillError(exc) from exc
    return runs


def _merge_passes(runs: _Runs) -> _Runs:
    """Merge spilled runs :data:`_MERGE_FAN_IN` at a time into a new file, pass after pass,
    until fewer than that are left (the last merge adds the run held in memory).

    ``runs`` is closed; raises _SpillError when the temporary file cannot be written or read.
    """
    while len(runs.spans) >= _MERGE_FAN_IN:
        merged: _Runs | None = None
        try:
            merged = _Runs()
            for i in range(0, len(runs.spans), _MERGE_FAN_IN):
                merged.add(heapq.merge(*(runs.read(span) for span in runs.spans[i : i + _MERGE_FAN_IN])))
        except BaseException as exc:
            if merged is not None:
                merged.close()
            if isinstance(exc, OSError):
                raise _SpillError(exc) from exc
            raise
        finally:
            runs.close()
        runs = merged
    return runs


def _merge_final(runs: _Runs, tail: list[str]) -> Iterator[str]:
    """Yield the entries of the spilled runs and of the sorted ``tail`` in order, then close
    the runs' file."""
    with runs.fh:
        yield from heapq.merge(*(runs.read(span) for span in runs.spans), iter(tail))


def _spill_failure(folder: Path, exc: OSError) -> Failure:
    """Return the Failure of a folder whose listing could not be spilled to the temporary folder."""
    try:
        tmp = tempfile.gettempdir()
    except OSError:  # (no usable temporary folder at all)
        tmp = os.environ.get("TMPDIR") or "TMPDIR"
    label = _label(folder)
    return Failure(label, f"cannot sort the listing of {label} in the temporary folder "
                          f"({_label(tmp)}): {exc.strerror or exc}; free space there or set TMPDIR "
                          f"to another folder")


def _scan(folder: Path) -> Iterator[str] | Failure:
    """List a folder's entries (see :func:`_entry`) in name order, in bounded memory.

    Up to :data:`_SORT_RUN` entries are sorted in memory; a larger folder is sorted in runs
    spilled to a temporary file and merged (in passes of :data:`_MERGE_FAN_IN` runs) as it is
    walked. The whole folder is listed before this returns, so a folder that cannot be read,
    or whose listing cannot be spilled, is one Failure and nothing else.
    """
    runs: _Runs | None = None
    chunk: list[str] = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                entry = _entry(e)
                if entry is not None:
                    chunk.append(entry)
                    if len(chunk) == _SORT_RUN:
                        runs = _spill(runs, chunk)
                        chunk = []
        if runs is not None:
            runs = _merge_passes(runs)
    except _SpillError as exc:
        if runs is not None:
            runs.close()
        return _spill_failure(folder, exc.error)
    except OSError as exc:
        if runs is not None:
            runs.close()
        return Failure(_label(folder), f"cannot list folder: {_os_reason(exc, 'folder').removeprefix('cannot read: ')}")
    chunk.sort()
    if runs is None:
        return iter(chunk)
    return _merge_final(runs, chunk)


def _kind_now(path: Path) -> str | Failure:
    """Examine an entry the listing could not: its kind, or a Failure saying why not."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return Failure(_label(path), _os_reason(exc))
    return _LINK if stat.S_ISLNK(mode) else _FOLDER if stat.S_ISDIR(mode) else _FILE


def _outputs_in(folder: Path) -> frozenset[str]:
    """Return the names of a geomap run's outputs when ``folder`` holds them (a
    ``run-report.json`` says so): never read as reports, as a run's output folder is often
    inside its input folder, or is it."""
    return RUN_OUTPUTS if os.path.isfile(folder / "run-report.json") else frozenset()


def _walk(root: Path) -> Iterator[Path | Failure]:
    """Yield the files under ``root`` depth-first in name order, never following folder links
    and skipping geomap's own outputs (:func:`_outputs_in`)."""
    listing = _scan(root)
    if isinstance(listing, Failure):
        yield listing
        return
    stack = [(root, listing, _outputs_in(root))]
    while stack:
        folder, entries, skipped = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        name, _, kind = entry.rpartition("\0")
        if name in skipped:
            continue
        path = folder / name
        if kind == _UNKNOWN:
            kind = _kind_now(path)
            if isinstance(kind, Failure):
                yield kind
                continue
        if kind == _FOLDER:
            sub = _scan(path)
            if isinstance(sub, Failure):
                yield sub
            else:
                stack.append((path, sub, _outputs_in(path)))
            continue
        item = _classify_file(path, kind == _LINK)
        if item is not None:
            yield item


def iter_paths(inputs: Iterable[str | os.PathLike]) -> Iterator[Path | Failure]:
    """Yield the files named or contained (recursively) in ``inputs``.

    Parameters
    ----------
    inputs : iterable of path
        Files and folders. A file named here is read whatever its ending. In folders, hidden
        files and folders, ``README.md`` and ``expected.json`` (a corpus's own notes) and the
        outputs of a geomap run (beside its ``run-report.json``) are skipped.

    Yields
    ------
    Path or Failure
        Each file to read, or a Failure for a missing input, a broken symbolic link, a link to a
        folder (not followed, so no loops), an unreadable folder or a file with an unsupported
        ending. Folders are walked depth-first in name order, so the order is deterministic.
    """
    for raw in inputs:
        if str(raw) == "":
            yield Failure("''", "empty path; give a file or folder")
            continue
        path = Path(raw)
        try:
            st = path.stat()
        except FileNotFoundError:
            reason = "broken symbolic link (its target does not exist)" if path.is_symlink() \
                else "no such file or folder (check the path)"
            yield Failure(_label(path), reason)
            continue
        except OSError as exc:
            yield Failure(_label(path), _os_reason(exc))
            continue
        if stat.S_ISREG(st.st_mode):
            yield path
        elif stat.S_ISDIR(st.st_mode):
            yield from _walk(path)
        else:
            yield Failure(_label(path), "not a regular file or folder (a device, pipe or socket)")


def _open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file for reading; refuse pipes, devices and folders without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file (a device, pipe, socket or folder)")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_bytes(fh: io.BufferedReader, max_bytes: int) -> bytes:
    """Read a whole single-report file, refusing it from its size when over ``max_bytes``."""
    size = os.fstat(fh.fileno()).st_size
    if size > max_bytes:
        raise ValueError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit "
                         f"(--max-bytes); skipped without reading: split it or raise the limit")
    data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"file grew over the {max_bytes:,}-byte limit (--max-bytes) while "
                         f"being read; skipped")
    return data


def _text_stream(fh: io.BufferedIOBase, newline: str) -> tuple[io.TextIOWrapper, str]:
    """Sniff the encoding from the head of a seekable binary stream and wrap it as text.

    A stream that breaks inside its head (a truncated gzip file) is sniffed from what could
    be read; the error comes back, in its place, while the lines are read.
    """
    head = b""
    try:
        while len(head) < _SNIFF_BYTES:
            chunk = fh.read1(_SNIFF_BYTES - len(head))
            if not chunk:
                break
            head += chunk
    except (OSError, EOFError, zlib.error):
        if not head:
            raise
    fh.seek(0)
    encoding = _detect_encoding(head, complete=len(head) < _SNIFF_BYTES, strict=False)
    codec, errors = _CODECS[encoding]
    return io.TextIOWrapper(fh, encoding=codec, errors=errors, newline=newline), encoding


def _skip_line(fh: IO[str], line: str, ends: tuple[str, ...] = ("\n",)) -> int:
    """Skip the rest of a physical line whose start was ``line``; return the chars skipped."""
    skipped = 0
    while line and not line.endswith(ends):
        line = fh.readline(_SKIP_CHUNK)
        skipped += len(line)
    return skipped


def _bounded_lines(fh: IO[str], limit: int) -> Iterator[str | _RowTooLong]:
    """Yield each line of a text stream, or a _RowTooLong for a line over ``limit`` chars."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            yield _RowTooLong(len(line) + _skip_line(fh, line))
        else:
            yield line


class _RowSource:
    """Line iterator for ``csv.reader`` that raises _RowTooLong when a record outgrows a budget."""

    def __init__(self, fh: IO[str], limit: int) -> None:
        self.fh = fh
        self.limit = limit
        self.used = 0
        self.lines = 0  # physical lines consumed, including skipped over-long ones
        self.quotes = 0  # quote characters in the lines of the current record
        self.eof = False  # the end of the file was reached (inside a record, when one is open)

    def __iter__(self) -> _RowSource:
        return self

    def __next__(self) -> str:
        remaining = self.limit - self.used
        line = self.fh.readline(remaining + 1)
        if not line:
            self.eof = True
            raise StopIteration
        self.lines += 1
        self.used += len(line)
        self.quotes += line.count('"')
        if len(line) > remaining:
            size = self.used + _skip_line(self.fh, line, ("\n", "\r"))
            self.used = 0
            raise _RowTooLong(size)
        return line


def _duplicate_key(names: Iterable[object]) -> str | None:
    """Return how a text field is named more than once in ``names`` (its names differ at most
    in case and surrounding spaces), as ``'text' twice ('text', 'Text')``, else None.

    Only text fields: which of two is the report cannot be told, and guessing may lose it. Of
    two ``date`` (or other metadata) columns the first is read."""
    seen: dict[str, list[str]] = {}
    for name in names:
        if name is None:
            continue
        key = str(name).strip().lower()
        if key in _TEXT_KEYS:
            seen.setdefault(key, []).append(str(name))
    for key, found in seen.items():
        if len(found) > 1:
            times = "twice" if len(found) == 2 else f"{len(found)} times"
            return f"{key!r} {times} ({', '.join(repr(f) for f in found)})"
    return None


def _norm_keys(rec: dict) -> dict:
    """Return a record with keys stripped and lower-cased.

    Raises ValueError when a text field is there twice (``text`` and ``Text``): which of the
    two is the report cannot be told. Of other fields named twice, the first is kept.
    """
    out: dict = {}
    for k, v in rec.items():
        if k is not None:
            key = str(k).strip().lower()
            if key in out and key in _TEXT_KEYS:
                raise ValueError(f"JSON object has the field {_duplicate_key(rec)}; keep one")
            out.setdefault(key, v)
    return out


def _record_doc(rec: object, doc_id: str, default_source: str | None) -> Document:
    """Turn a JSON object or CSV row into a Document; raise ValueError with the reason."""
    if not isinstance(rec, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(rec), "a number")
        raise ValueError(f"JSON value is {kind}, not an object with a text field "
                         f"(one of {', '.join(_TEXT_KEYS)})")
    rec = _norm_keys(rec)
    present = [k for k in _TEXT_KEYS if k in rec]
    text = next((rec[k] for k in present if isinstance(rec[k], str) and rec[k].strip()), None)
    if text is None:
        if present:
            raise ValueError(f"text field {present[0]!r} is empty or not a string")
        fields = ", ".join(sorted(str(k) for k in rec)[:12]) or "none"
        raise ValueError(f"no text field (one of {', '.join(_TEXT_KEYS)}); fields found: {fields}")
    if "<" in text and _HTML_BODY_RE.search(text):
        text = html_to_text(text)[0]
        if not text.strip():
            raise ValueError("no visible text after removing the HTML markup")

    def _s(key: str) -> str | None:
        v = rec.get(key)
        if v is None or isinstance(v, (dict, list)):
            return None
        s = _clean_text(str(v)).strip()
        return s or None

    rid = _s("id")
    return Document(
        doc_id=f"{doc_id}#{rid}" if rid else doc_id,
        text=_clean_text(text),
        title=_s("title"),
        date=_s("date"),
        source=_s("source") or default_source,
        url=_s("url"),
    )


def _stream_error(label: str, where: str, done: int, exc: BaseException) -> Failure:
    kind = "gzip data is truncated or corrupt" if isinstance(
        exc, (EOFError, zlib.error, gzip.BadGzipFile)) else "reading stopped"
    detail = _os_reason(exc) if isinstance(exc, OSError) and not isinstance(
        exc, gzip.BadGzipFile) else str(exc) or type(exc).__name__
    return Failure(label, f"{kind} {where} ({detail}); the {done:,} record(s) before it were kept")


def _iter_jsonl(path: Path, label: str, max_bytes: int,
                encodings: dict[str, str] | None) -> Iterator[Document | Failure]:
    with _open_regular(path) as raw:
        fh: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.lower().endswith(".gz") else raw
        try:
            text, encoding = _text_stream(fh, newline="\n")
        except (OSError, EOFError, zlib.error) as exc:
            if fh is raw:
                raise
            yield Failure(label, f"not readable as gzip ({exc}); if it is not compressed, "
                                 f"rename it without .gz")
            return
        if encodings is not None:
            encodings[label] = encoding
        n = records = 0
        try:
            for line in _bounded_lines(text, max_bytes):
                n += 1
                where = f"{label}:{n}"
                if isinstance(line, _RowTooLong):
                    records += 1
                    yield Failure(where, f"line is {line.size:,} characters, over the "
                                         f"{max_bytes:,} limit (--max-bytes); skipped")
                    continue
                if not line.strip():
                    continue
                records += 1
                try:
                    rec = json.loads(line.rstrip("\r\n"))
                except json.JSONDecodeError as exc:
                    yield Failure(where, f"not valid JSON: {exc.msg} (column {exc.colno})")
                    continue
                except RecursionError:
                    yield Failure(where, "not valid JSON: nested too deeply")
                    continue
                except ValueError as exc:
                    yield Failure(where, f"not valid JSON: {exc}")
                    continue
                try:
                    yield _record_doc(rec, where, None)
                except ValueError as exc:
                    yield Failure(where, str(exc))
        except (OSError, EOFError, zlib.error) as exc:
            yield _stream_error(label, f"after line {n:,}", records, exc)
            return
        if not records:
            yield Failure(label, f"empty JSON Lines file (no records; read as {encoding})")


def _iter_csv(path: Path, label: str, max_bytes: int,
              encodings: dict[str, str] | None) -> Iterator[Document | Failure]:
    with _open_regular(path) as raw:
        text, encoding = _text_stream(raw, newline="")
        if encodings is not None:
            encodings[label] = encoding
        if csv.field_size_limit() <= max_bytes:
            csv.field_size_limit(max_bytes + 1)  # rows are bounded by _RowSource instead
        source = _RowSource(text, max_bytes)
        reader = csv.reader(source)
        header: list[str] = []
        try:
            while not any(h.strip() for h in header):
                source.used = 0
                header = next(reader)
        except StopIteration:
            yield Failure(label, f"empty CSV file (no header row; read as {encoding})")
            return
        except (_RowTooLong, csv.Error) as exc:
            yield Failure(label, f"CSV header row is unreadable ({exc}); is this a CSV file?")
            return
        delimiter = _other_delimiter(header)
        if delimiter:  # "text;date": a CSV separated by semicolons, tabs or bars
            reader = csv.reader(source, delimiter=delimiter)
            header = next(csv.reader([header[0]], delimiter=delimiter))
        # a column named again is read as no column (None keys are dropped): the first wins
        keys: list[str | None] = []
        seen: set[str] = set()
        for h in header:
            key = h.strip().lower()
            keys.append(None if key in seen else key)
            seen.add(key)
        if not any(k in keys for k in _TEXT_KEYS):
            cols = ", ".join(h.strip() for h in header[:12])
            yield Failure(label, f"CSV has no text column (one of {', '.join(_TEXT_KEYS)}); "
                                 f"its columns are: {cols}")
            return
        twice = _duplicate_key(header)
        if twice:
            yield Failure(label, f"CSV has the column {twice}; keep one")
            return
        rows = 0
        while True:
            source.used = source.quotes = 0
            start = source.lines + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except _RowTooLong as exc:
                rows += 1
                yield Failure(f"{label}:{start}", f"row is over {exc.size:,} characters, over the "
                                                  f"{max_bytes:,} limit (--max-bytes); skipped")
                continue
            except csv.Error as exc:
                rows += 1
                yield Failure(f"{label}:{start}", f"malformed CSV row: {exc}")
                continue
            if source.eof and source.quotes % 2 and source.lines > start:
                # (csv reads an unclosed quote to the end of the file, as one field)
                rows += 1
                yield Failure(f"{label}:{start}", f"a quote opened in the row on line {start} is never "
                                                  f"closed, so lines {start}-{source.lines} read as one row; "
                                                  "skipped: fix the quoting")
                continue
            if not any(v.strip() for v in row):
                continue
            rows += 1
            try:
                yield _record_doc(dict(zip(keys, row, strict=False)), f"{label}:{start}", None)
            except ValueError as exc:
                yield Failure(f"{label}:{start}", str(exc))
        if not rows:
            yield Failure(label, "CSV has a header but no data rows")


def _other_delimiter(header: list[str]) -> str | None:
    """Return the delimiter of a CSV file whose header, read as comma-separated, is one field
    holding a semicolon, tab or bar, else None.

    Of those the header holds, the one that splits it into the most fields wins (on a tie,
    ``;`` before a tab before ``|``): ``text;note|x;date`` is separated by semicolons.
    """
    if len(header) != 1:
        return None
    best, most = None, 1
    for d in (";", "\t", "|"):
        if d in header[0]:
            fields = len(next(csv.reader([header[0]], delimiter=d)))
            if fields > most:  # (a later one must split into more to win a tie)
                best, most = d, fields
    return best


def _parquet_value(v: object) -> object:
    """Return a Parquet cell as _record_doc expects it: dates as ISO text, bytes decoded."""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        try:
            return decode_bytes(bytes(v)).text
        except ValueError:
            return None
    return v


def _iter_parquet(path: Path, label: str, max_bytes: int) -> Iterator[Document | Failure]:
    """Yield the rows of a Parquet file, a batch of rows at a time (``label:N``, N from 1)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        yield Failure(label, "reading Parquet needs pyarrow: pip install pyarrow (a geomap "
                             "dependency; reinstall geomap)")
        return
    with _open_regular(path) as raw:
        try:
            pf = pq.ParquetFile(raw)
        except (pa.ArrowException, OSError, ValueError) as exc:
            yield Failure(label, f"not a readable Parquet file ({exc}); export it again, or give "
                                 f"the rows as JSON Lines or CSV")
            return
        names = pf.schema_arrow.names
        wanted = set(_TEXT_KEYS) | set(_META_KEYS)
        columns = [n for n in names if n.strip().lower() in wanted]
        if not any(n.strip().lower() in _TEXT_KEYS for n in columns):
            cols = ", ".join(names[:12]) or "none"
            yield Failure(label, f"Parquet file has no text column (one of {', '.join(_TEXT_KEYS)}); "
                                 f"its columns are: {cols}")
            return
        twice = _duplicate_key(columns)
        if twice:
            yield Failure(label, f"Parquet file has the column {twice}; keep one")
            return
        row = 0
        try:
            for batch in pf.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=columns):
                for rec in batch.to_pylist():
                    row += 1
                    where = f"{label}:{row}"
                    rec = {k: _parquet_value(v) for k, v in rec.items()}
                    size = max((len(v) for k, v in rec.items()
                                if isinstance(v, str) and k.strip().lower() in _TEXT_KEYS), default=0)
                    if size > max_bytes:
                        yield Failure(where, f"text is {size:,} characters, over the {max_bytes:,} "
                                             f"limit (--max-bytes); skipped")
                        continue
                    try:
                        yield _record_doc(rec, where, None)
                    except ValueError as exc:
                        yield Failure(where, str(exc))
        except (pa.ArrowException, OSError, ValueError) as exc:
            yield Failure(label, f"Parquet data is unreadable after row {row:,} ({exc}); the "
                                 f"{row:,} row(s) before it were kept")
            return
        if not row:
            yield Failure(label, "empty Parquet file (no rows)")


def read_path(
    path: Path,
    label: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    encodings: dict[str, str] | None = None,
) -> Iterator[Document | Failure]:
    """Yield the Documents (or Failures) of one file.

    Parameters
    ----------
    path : Path
        The file.
    label : str
        Its name in doc ids and failures (``label``, ``label:N`` for JSONL lines and CSV rows,
        where N is the line the row starts on, and for Parquet rows, where N is the row number
        counted from 1).
    max_bytes : int
        Size limit of one report (a whole text/HTML file, a JSONL line, a CSV row).
    encodings : dict, optional
        When given, ``encodings[label]`` is set to the encoding the file was read with.

    Yields
    ------
    Document or Failure
        Exceptions from the file system, the decoder or the parsers become Failures.
    """
    suffix = _suffix(path)
    try:
        if suffix in (".jsonl", ".jsonl.gz", ".ndjson"):
            yield from _iter_jsonl(path, label, max_bytes, encodings)
            return
        if suffix == ".csv":
            yield from _iter_csv(path, label, max_bytes, encodings)
            return
        if suffix == ".parquet":
            yield from _iter_parquet(path, label, max_bytes)
            return
        with _open_regular(path) as fh:
            data = _read_bytes(fh, max_bytes)
        decoded = decode_bytes(data)
        if encodings is not None:
            encodings[label] = decoded.encoding
        text, title, date = decoded.text, None, None
        is_html = suffix in (".html", ".htm") or _HTML_DOC_RE.match(text[:200])
        if is_html:
            text, title, date = html_to_text(text)
        if not text.strip():
            what = "no visible text after removing the HTML markup" if is_html and decoded.text.strip() \
                else "no text"
            yield Failure(label, f"empty report: {what} (read as {decoded.encoding})")
            return
        yield Document(doc_id=label, text=_clean_text(text), title=_clean_text(title) if title else None,
                       date=_clean_text(date) if date else None)
    except OSError as exc:
        yield Failure(label, _os_reason(exc))
    except ValueError as exc:
        yield Failure(label, str(exc))


def iter_documents(
    inputs: Iterable[str | os.PathLike],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encodings: dict[str, str] | None = None,
) -> Iterator[Document | Failure]:
    """Yield every report of the inputs as a Document, or a Failure saying why not.

    Parameters
    ----------
    inputs : iterable of path
        Files and folders.
    max_bytes : int
        Reports (files, JSONL lines, CSV rows) larger than this are skipped with a reason; a
        single-report file over it is never read.
    encodings : dict, optional
        When given, filled with ``{file label: encoding read with}``.

    Yields
    ------
    Document or Failure
        Never raises for a bad input: an unexpected error while reading a file becomes a
        Failure for that file and reading goes on with the next one.
    """
    for item in iter_paths(inputs):
        if isinstance(item, Failure):
            yield item
            continue
        label = _label(item)
        try:
            yield from read_path(item, label, max_bytes, encodings=encodings)
        except Exception as exc:  # noqa: BLE001 - the last line of defence for a batch
            yield Failure(label, f"unexpected error while reading ({type(exc).__name__}: {exc}); "
                                 f"the rest of this file was skipped")


def read_documents(
    inputs: Iterable[str | os.PathLike], **kwargs
) -> tuple[list[Document], list[Failure]]:
    """Read all inputs.

    Parameters
    ----------
    inputs : iterable of path
        Files and folders.
    **kwargs
        Passed to :func:`iter_documents` (``max_bytes``, ``encodings``).

    Returns
    -------
    tuple of (list of Document, list of Failure)
        In input order (folders in sorted order).
    """
    docs: list[Document] = []
    failures: list[Failure] = []
    for item in iter_documents(inputs, **kwargs):
        (failures if isinstance(item, Failure) else docs).append(item)
    return docs, failures
