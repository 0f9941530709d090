"""Read news reports from files and folders into :class:`~geomap.schema.Document` records.

Supported inputs: ``.txt``, ``.md``, ``.html``/``.htm``, ``.jsonl`` (also ``.jsonl.gz``) and
``.csv``. JSON Lines and CSV rows need a text column (``text``, ``body``, ``content`` or
``article``) and may carry ``title``, ``date``, ``source``, ``url`` and ``id``.

Reading never stops on a bad input: every file, line or row ends up either as a Document or as
a :class:`Failure` with a reason, so the run report can account for all of them. Files are read
in a stream; memory is bounded by ``max_bytes`` per report, not by the corpus.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import html
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from geomap.schema import Document

#: File name endings geomap reads; anything else in a folder is reported as skipped.
SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".jsonl", ".jsonl.gz", ".ndjson", ".csv")
DEFAULT_MAX_BYTES = 20_000_000
_TEXT_KEYS = ("text", "body", "content", "article", "full_text")
_SKIP_TAGS = frozenset(
    "script style nav header footer aside form noscript iframe svg button select template figure figcaption".split()
)
_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article blockquote pre hr dd dt".split()
)


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read, with a reason a user can act on."""

    input: str
    reason: str


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, and the encoding that worked."""

    text: str
    encoding: str


def decode_bytes(data: bytes) -> Decoded:
    """Decode report bytes: BOMs first, then UTF-8, then UTF-16 heuristics, then cp1252.

    Raises
    ------
    ValueError
        For data that looks binary (NUL bytes outside UTF-16).
    """
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16")
    sample = data[:4096]
    if sample and b"\x00" in sample:
        # BOM-less UTF-16: every other byte NUL in ASCII-heavy text
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) * 0.3 and even == 0:
            return Decoded(data.decode("utf-16-le", errors="replace"), "utf-16-le")
        if even > len(sample) * 0.3 and odd == 0:
            return Decoded(data.decode("utf-16-be", errors="replace"), "utf-16-be")
        raise ValueError("binary file (contains NUL bytes); not a text report")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    control = sum(1 for c in text[:4096] if ord(c) < 9 or 13 < ord(c) < 32)
    if control > 0.05 * max(1, min(len(text), 4096)):
        raise ValueError("binary file (control bytes); not a text report")
    return Decoded(text, "cp1252")


class _TextExtractor(HTMLParser):
    """Collect visible article text from HTML, skipping scripts, styles and page furniture."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.title = ""
        self.date: str | None = None
        self._skip = 0
        self._in_title = False
        self._article = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "article":
            self._article += 1
        elif tag == "meta":
            a = {k: (v or "") for k, v in attrs}
            prop = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if prop in ("article:published_time", "datepublished", "date", "pubdate") and not self.date:
                self.date = a.get("content", "")[:10] or None
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self._emit("\n")
        elif tag == "meta":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == "article":
            self._article = max(0, self._article - 1)
        if tag in _BLOCK_TAGS:
            self._emit("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._emit(data)

    def _emit(self, s: str) -> None:
        self.parts.append(s)
        if self._article:
            self.article_parts.append(s)


def html_to_text(markup: str) -> tuple[str, str | None, str | None]:
    """Return ``(text, title, date)`` from an HTML page.

    The text is the ``<article>`` element's when the page has one, else the visible body text;
    scripts, styles, navigation, headers, footers and asides are dropped.
    """
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser is lenient; never let markup sink a report
        pass
    parts = parser.article_parts if "".join(parser.article_parts).strip() else parser.parts
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parts))
    text = re.sub(r" ?\n[ \n]*", "\n\n", text).strip()
    title = html.unescape(parser.title).strip() or None
    return text, title, parser.date


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return path.suffix.lower()


def iter_paths(inputs: Iterable[str | os.PathLike]) -> Iterator[Path | Failure]:
    """Yield the files named or contained (recursively) in ``inputs``, in sorted order.

    Folders are walked without following symbolic links to folders (no loops); files with an
    unsupported ending inside folders are reported as failures so nothing is silently dropped.
    """
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            yield Failure(str(path), "no such file or folder")
            continue
        if path.is_file():
            yield path
            continue
        if not path.is_dir():
            yield Failure(str(path), "not a regular file or folder")
            continue
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                f = Path(dirpath) / name
                if name.startswith("."):
                    continue
                if _suffix(f) not in SUFFIXES:
                    if name.lower() not in ("readme.md", "expected.json"):
                        yield Failure(str(f), f"unsupported file type {f.suffix or '(none)'}; "
                                              f"geomap reads {', '.join(SUFFIXES)}")
                    continue
                if f.is_symlink() and not f.exists():
                    yield Failure(str(f), "broken symbolic link")
                    continue
                yield f


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"file is {size:,} bytes, over --max-bytes {max_bytes:,}; skipped")
    with open(path, "rb") as fh:
        return fh.read(max_bytes + 1)


def _record_doc(rec: dict, doc_id: str, default_source: str | None) -> Document:
    if not isinstance(rec, dict):
        raise ValueError("record is not a JSON object")
    text = next((rec[k] for k in _TEXT_KEYS if isinstance(rec.get(k), str) and rec[k].strip()), None)
    if text is None:
        raise ValueError(f"no text column (one of {', '.join(_TEXT_KEYS)})")
    if "<" in text and re.search(r"</?(p|div|br|script|html|body)\b", text, re.I):
        text = html_to_text(text)[0]

    def _s(key: str) -> str | None:
        v = rec.get(key)
        return str(v).strip() if v not in (None, "") else None

    rid = _s("id")
    return Document(
        doc_id=f"{doc_id}#{rid}" if rid else doc_id,
        text=text,
        title=_s("title"),
        date=_s("date"),
        source=_s("source") or default_source,
        url=_s("url"),
    )


def _iter_jsonl(path: Path, label: str, max_bytes: int) -> Iterator[Document | Failure]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            where = f"{label}:{n}"
            if not raw.strip():
                continue
            if len(raw) > max_bytes:
                yield Failure(where, f"line is {len(raw):,} bytes, over --max-bytes; skipped")
                continue
            try:
                rec = json.loads(decode_bytes(raw).text)
                yield _record_doc(rec, f"{label}:{n}", None)
            except (ValueError, json.JSONDecodeError) as exc:
                yield Failure(where, f"bad JSON line: {exc}")


def _iter_csv(path: Path, label: str, max_bytes: int) -> Iterator[Document | Failure]:
    decoded = decode_bytes(_read_bytes(path, max_bytes * 50))
    csv.field_size_limit(max_bytes)
    reader = csv.DictReader(io.StringIO(decoded.text, newline=""))
    if not reader.fieldnames or not any(k in reader.fieldnames for k in _TEXT_KEYS):
        yield Failure(label, f"CSV has no text column (one of {', '.join(_TEXT_KEYS)})")
        return
    try:
        for n, rec in enumerate(reader, start=2):
            try:
                yield _record_doc(rec, f"{label}:{n}", None)
            except ValueError as exc:
                yield Failure(f"{label}:{n}", str(exc))
    except csv.Error as exc:
        yield Failure(label, f"CSV parsing stopped at line {reader.line_num}: {exc}")


def read_path(path: Path, label: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | Failure]:
    """Yield the Documents (or Failures) of one file."""
    suffix = _suffix(path)
    try:
        if suffix in (".jsonl", ".jsonl.gz", ".ndjson"):
            yield from _iter_jsonl(path, label, max_bytes)
            return
        if suffix == ".csv":
            yield from _iter_csv(path, label, max_bytes)
            return
        decoded = decode_bytes(_read_bytes(path, max_bytes))
        text, title, date = decoded.text, None, None
        if suffix in (".html", ".htm") or re.match(r"\s*(<!doctype html|<html)", text[:200], re.I):
            text, title, date = html_to_text(text)
        if not text.strip():
            yield Failure(label, "empty report (no text)")
            return
        yield Document(doc_id=label, text=text, title=title, date=date)
    except (OSError, ValueError, EOFError, gzip.BadGzipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield Failure(label, reason)


def iter_documents(
    inputs: Iterable[str | os.PathLike], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Document | Failure]:
    """Yield every report of the inputs as a Document, or a Failure saying why not.

    Parameters
    ----------
    inputs : iterable of path
        Files and folders.
    max_bytes : int
        Reports (files, JSONL lines) larger than this are skipped with a reason.
    """
    for item in iter_paths(inputs):
        if isinstance(item, Failure):
            yield item
            continue
        yield from read_path(item, str(item), max_bytes)


def read_documents(inputs: Iterable[str | os.PathLike], **kwargs) -> tuple[list[Document], list[Failure]]:
    """Read all inputs; return ``(documents, failures)``."""
    docs, failures = [], []
    for item in iter_documents(inputs, **kwargs):
        (failures if isinstance(item, Failure) else docs).append(item)
    return docs, failures
