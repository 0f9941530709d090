"""Reading reports: encodings, HTML, binary and huge files, JSONL, gzip, CSV, links, accounting."""

from __future__ import annotations

import codecs
import errno
import gzip
import io
import json
import os
import random
import stat
import threading
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap import ingest
from geomap.ingest import (
    Document,
    Failure,
    decode_bytes,
    html_to_text,
    iter_documents,
    iter_paths,
    read_documents,
)

SENTENCE = "Shelling killed 5 people in Homs on 3 March 2012."
MB = 1_000_000


def _read(*paths, **kwargs) -> list[Document | Failure]:
    return list(iter_documents([str(p) for p in paths], **kwargs))


def _one(path: Path, **kwargs) -> Document | Failure:
    items = _read(path, **kwargs)
    assert len(items) == 1, items
    return items[0]


def _fails(items) -> dict[str, str]:
    return {i.input: i.reason for i in items if isinstance(i, Failure)}


def _docs(items) -> list[Document]:
    return [i for i in items if isinstance(i, Document)]


# ---------------------------------------------------------------- encodings

ARABIC = "Shelling killed 5 people in حمص on 3 March 2012."
WESTERN = "Café owners said “five” people died in Homs – 3 March 2012."

ENCODINGS = [
    ("utf8.txt", ARABIC.encode("utf-8"), ARABIC, "utf-8"),
    ("utf8bom.txt", codecs.BOM_UTF8 + ARABIC.encode("utf-8"), ARABIC, "utf-8-sig"),
    ("utf16le_bom.txt", codecs.BOM_UTF16_LE + WESTERN.encode("utf-16-le"), WESTERN, "utf-16"),
    ("utf16be_bom.txt", codecs.BOM_UTF16_BE + ARABIC.encode("utf-16-be"), ARABIC, "utf-16"),
    ("utf16le.txt", WESTERN.encode("utf-16-le"), WESTERN, "utf-16-le"),
    ("utf16be.txt", WESTERN.encode("utf-16-be"), WESTERN, "utf-16-be"),
    ("utf32.txt", codecs.BOM_UTF32_LE + ARABIC.encode("utf-32-le"), ARABIC, "utf-32"),
    ("cp1252.txt", WESTERN.encode("cp1252"), WESTERN, "cp1252"),
    ("latin1.txt", "Le café de Homs, 5 morts.".encode("latin-1"), "Le café de Homs, 5 morts.", "cp1252"),
]


@pytest.mark.parametrize(("name", "data", "text", "encoding"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_encodings_are_decoded_and_recorded(tmp_path, name, data, text, encoding):
    p = tmp_path / name
    p.write_bytes(data)
    seen: dict[str, str] = {}
    doc = _one(p, encodings=seen)
    assert isinstance(doc, Document), doc
    assert doc.text == text
    assert seen == {str(p): encoding}
    assert decode_bytes(data) == ingest.Decoded(text, encoding)


def test_utf8_with_a_stray_cp1252_byte_keeps_both():
    data = "مدينة حمص: 5 killed. ".encode() + b"Caf\xe9 \x93Homs\x94"
    decoded = decode_bytes(data)
    assert decoded.text == "مدينة حمص: 5 killed. Café “Homs”"
    assert decoded.encoding == "utf-8+cp1252"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "PNG image"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PK\x03\x04\x14\x00", "ZIP"),
        (bytes(1000), "NUL"),
        (random.Random(7).randbytes(5000), "binary"),
        (b"\x01\x02\x03\x04 text \x05\x06", "control bytes"),
    ],
    ids=["png", "pdf", "zip", "nul", "random", "control"],
)
def test_binary_files_fail_with_a_reason(tmp_path, data, needle):
    p = tmp_path / "report.txt"
    p.write_bytes(data)
    item = _one(p)
    assert isinstance(item, Failure)
    assert item.input == str(p)
    assert needle in item.reason and "not a text report" in item.reason
    with pytest.raises(ValueError, match="not a text report"):
        decode_bytes(data)


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8, b"\xef\xbb\xbf \n"])
def test_empty_and_blank_files_fail(tmp_path, data):
    p = tmp_path / "empty.txt"
    p.write_bytes(data)
    item = _one(p)
    assert isinstance(item, Failure) and item.reason.startswith("empty report: no text")


def test_nul_characters_and_lone_surrogates_never_reach_documents(tmp_path):
    p = tmp_path / "feed.jsonl"
    p.write_text(json.dumps({"text": f"{SENTENCE} \ud800 a\u0000b", "title": "t\udfff"}) + "\n",
                 encoding="utf-8", errors="surrogatepass")
    doc = _one(p)
    assert isinstance(doc, Document)
    assert doc.text == f"{SENTENCE} \ufffd ab" and doc.title == "t\ufffd"
    doc.text.encode("utf-8")  # writable


# ---------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html><html><head><title>Homs &amp; Hama</title>
<meta property="article:published_time" content="2012-03-04T10:00:00Z">
<style>body { color: red } .x:after { content: "STYLE" }</style>
<script>var secret = "SCRIPT"; if (a < b) { document.write("</p>") }</script></head>
<body><nav><a href="/">Home</a> NAVIGATION</nav><header>HEADER</header>
<article><h1>Shelling</h1><p>Shelling killed 5 people in Homs on 3 March 2012.</p>
<script>alert("INLINE")</script><noscript>NOSCRIPT</noscript><p>Second &lt;paragraph&gt;.</p></article>
<aside>ASIDE</aside><footer>FOOTER</footer></body></html>"""


def test_html_keeps_article_text_and_drops_scripts_and_boilerplate(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(PAGE, encoding="utf-8")
    doc = _one(p)
    assert isinstance(doc, Document)
    assert SENTENCE in doc.text and "Second <paragraph>." in doc.text
    for junk in ("SCRIPT", "INLINE", "STYLE", "NAVIGATION", "HEADER", "FOOTER", "ASIDE", "NOSCRIPT", "secret"):
        assert junk not in doc.text
    assert doc.title == "Homs & Hama" and doc.date == "2012-03-04"


def test_html_sniffed_in_a_txt_file_and_unclosed_title(tmp_path):
    p = tmp_path / "page.txt"
    p.write_text("<html><title>Unclosed<body><p>" + SENTENCE + "</p>", encoding="utf-8")
    doc = _one(p)
    assert isinstance(doc, Document) and doc.text == SENTENCE and doc.title == "Unclosed"


def test_html_title_is_text_like_in_a_browser():
    text, title, _ = html_to_text("<title>&lt;b&gt; <script>alert(1)</script></title><p>Body</p>"
                                  "<svg><title>icon</title></svg>")
    assert title == "<b> <script>alert(1)</script>" and text == "Body"


def test_html_with_nothing_visible_fails(tmp_path):
    p = tmp_path / "blank.html"
    p.write_text("<html><script>alert(1)</script><nav>menu</nav></html>", encoding="utf-8")
    item = _one(p)
    assert isinstance(item, Failure) and "no visible text" in item.reason


@pytest.mark.parametrize("markup", ["<", "<<>>", "<!--", "<![CDATA[", "</", "<a b='", "&#xd800;&#0;", "<script>"])
def test_html_to_text_never_raises(markup):
    text, _title, _date = html_to_text(markup * 3)
    assert isinstance(text, str)


# ---------------------------------------------------------------- huge files, memory


@pytest.mark.parametrize("name", ["huge.txt", "huge.html", "huge.jsonl", "huge.csv", "huge.md"])
def test_huge_sparse_file_is_refused_without_reading_it(tmp_path, name):
    p = tmp_path / name
    with open(p, "wb") as f:
        f.truncate(200_000_000)
    tracemalloc.start()
    try:
        items = _read(p, max_bytes=MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(items) == 1 and isinstance(items[0], Failure), items
    assert peak < 4 * MB, f"peak {peak:,} bytes"
    reason = items[0].reason
    assert ("over the 1,000,000-byte limit" in reason) if name.endswith((".txt", ".html", ".md")) \
        else ("NUL" in reason)


def test_default_limit_refuses_a_200mb_text_file(tmp_path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as f:
        f.truncate(200_000_000)
    item = _one(p)
    assert isinstance(item, Failure) and "200,000,000 bytes" in item.reason and "--max-bytes" in item.reason


def test_huge_jsonl_line_and_csv_row_are_skipped_in_bounded_memory(tmp_path):
    big = "x" * (5 * MB)
    jl = tmp_path / "feed.jsonl"
    jl.write_text("\n".join([json.dumps({"text": SENTENCE}), json.dumps({"text": big}),
                             json.dumps({"text": SENTENCE})]) + "\n", encoding="utf-8")
    cs = tmp_path / "feed.csv"
    cs.write_text(f'id,text\n1,"{SENTENCE}"\n2,"{big}"\n3,{SENTENCE}\n', encoding="utf-8")
    tracemalloc.start()
    try:
        items = _read(jl, cs, max_bytes=MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * MB, f"peak {peak:,} bytes"
    assert [d.doc_id for d in _docs(items)] == [f"{jl}:1", f"{jl}:3", f"{cs}:2#1", f"{cs}:4#3"]
    fails = _fails(items)
    assert set(fails) == {f"{jl}:2", f"{cs}:3"}
    assert all("over the 1,000,000 limit" in r for r in fails.values())


# ---------------------------------------------------------------- JSON Lines

JSONL_LINES = [
    json.dumps({"text": SENTENCE, "title": "ok", "url": "https://example.org/a"}),  # 1 ok
    '{"text": "unterminated',  # 2 bad JSON
    "",  # 3 blank: not a record
    "[1, 2, 3]",  # 4 array
    '"just a string"',  # 5 string
    "42",  # 6 number
    "null",  # 7 null
    json.dumps({"title": "no text here", "Date": "2012-03-03"}),  # 8 no text field
    json.dumps({"text": "   "}),  # 9 empty text
    "[" * 100_000,  # 10 nested too deeply
    "9" * 5000,  # 11 number over Python's int digits limit
    "   \t ",  # 12 blank
    json.dumps({"TEXT": SENTENCE, "ID": 7, "Source": "wire"}),  # 13 ok, any key case
    json.dumps({"body": f"<div><p>{SENTENCE}</p><script>alert(1)</script></div>"}),  # 14 HTML body
    json.dumps({"text": f"{SENTENCE} <script>alert(1)</script>"}),  # 15 text with a bare script tag
    json.dumps({"text": 5}),  # 16 text not a string
    "{'single': 'quotes'}",  # 17 bad JSON
]


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_bad_lines_fail_with_line_numbers_and_the_rest_go_on(tmp_path):
    p = _write_jsonl(tmp_path / "feed.jsonl", JSONL_LINES)
    items = _read(p)
    assert len(items) == sum(1 for line in JSONL_LINES if line.strip())
    docs = {d.doc_id: d for d in _docs(items)}
    assert list(docs) == [f"{p}:1", f"{p}:13#7", f"{p}:14", f"{p}:15"]
    assert docs[f"{p}:1"].title == "ok" and docs[f"{p}:1"].url == "https://example.org/a"
    assert docs[f"{p}:13#7"].source == "wire"
    assert docs[f"{p}:14"].text == SENTENCE  # HTML body: markup and script dropped
    assert docs[f"{p}:15"].text == f"{SENTENCE} <script>alert(1)</script>"  # plain text kept as is
    fails = _fails(items)
    expect = {
        2: "not valid JSON", 4: "is an array", 5: "is a string", 6: "is a number", 7: "is null",
        8: "no text field", 9: "is empty", 10: "nested too deeply", 11: "not valid JSON",
        16: "not a string", 17: "not valid JSON",
    }
    assert set(fails) == {f"{p}:{n}" for n in expect}
    for n, needle in expect.items():
        assert needle in fails[f"{p}:{n}"], (n, fails[f"{p}:{n}"])
    assert "fields found: date, title" in fails[f"{p}:8"]


def test_jsonl_crlf_utf16_and_cp1252(tmp_path):
    rec = json.dumps({"text": WESTERN}, ensure_ascii=False)
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes((rec + "\r\n\r\n" + rec + "\r\n").encode("utf-8"))
    u16 = tmp_path / "u16.ndjson"
    u16.write_bytes((rec + "\n" + rec + "\n").encode("utf-16"))
    cp = tmp_path / "cp.jsonl"
    cp.write_bytes((rec + "\n").encode("cp1252"))
    seen: dict[str, str] = {}
    items = _read(crlf, u16, cp, encodings=seen)
    assert [i.doc_id for i in items] == [f"{crlf}:1", f"{crlf}:3", f"{u16}:1", f"{u16}:2", f"{cp}:1"]
    assert all(i.text == WESTERN for i in items)
    assert seen == {str(crlf): "utf-8", str(u16): "utf-16", str(cp): "cp1252"}


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_jsonl_is_reported(tmp_path, content):
    p = tmp_path / "empty.jsonl"
    p.write_bytes(content)
    item = _one(p)
    assert isinstance(item, Failure) and "empty JSON Lines file" in item.reason


def _gz_lines(n: int) -> bytes:
    return gzip.compress("".join(json.dumps({"text": f"{SENTENCE} #{i}"}) + "\n" for i in range(n)).encode())


def test_gzip_jsonl(tmp_path):
    p = tmp_path / "feed.jsonl.gz"
    p.write_bytes(_gz_lines(3))
    items = _read(p)
    assert [i.doc_id for i in items] == [f"{p}:1", f"{p}:2", f"{p}:3"]


def test_truncated_gzip_keeps_the_records_before_it(tmp_path):
    data = _gz_lines(2000)
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    items = _read(p)
    docs, fails = _docs(items), [i for i in items if isinstance(i, Failure)]
    assert len(docs) > 100
    assert [d.doc_id for d in docs] == [f"{p}:{n}" for n in range(1, len(docs) + 1)]
    assert len(fails) == 1 and fails[0].input == str(p)
    assert "truncated or corrupt" in fails[0].reason and "were kept" in fails[0].reason


def test_corrupt_and_fake_gzip_fail(tmp_path):
    data = bytearray(_gz_lines(2000))
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(64)
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(bytes(data))
    fake = tmp_path / "fake.jsonl.gz"
    fake.write_text(json.dumps({"text": SENTENCE}) + "\n", encoding="utf-8")
    items = _read(bad, fake)
    fails = _fails(items)
    assert "gzip data is truncated or corrupt" in fails[str(bad)]
    assert fails[str(fake)].startswith("not readable as gzip") and "rename it without .gz" in fails[str(fake)]
    assert items[-2].input == str(bad) and items[-1].input == str(fake)
    assert all(d.doc_id.startswith(f"{bad}:") for d in _docs(items))


# ---------------------------------------------------------------- CSV


def test_csv_quoting_embedded_newlines_and_odd_rows(tmp_path):
    p = tmp_path / "feed.csv"
    p.write_text(
        "\ufeffID, Text ,title,url\r\n"  # BOM, spaced and capitalised header
        f'1,"{SENTENCE}\nSecond line, with comma and ""quotes""",t1,https://e.org/1\r\n'  # rows 2-3
        '2,,empty text,\r\n'  # row 4: empty text
        '\r\n'  # row 5: blank, skipped
        f'3,"{SENTENCE}",t3\r\n'  # row 6: short row
        f'4,{SENTENCE},t4,u,extra,fields\r\n'  # row 7: long row
        f'5,"unterminated {SENTENCE}\n',  # row 8: quote never closed, read to the end
        encoding="utf-8",
    )
    items = _read(p)
    docs = {d.doc_id: d for d in _docs(items)}
    assert list(docs) == [f"{p}:2#1", f"{p}:6#3", f"{p}:7#4", f"{p}:8#5"]
    assert docs[f"{p}:2#1"].text == f'{SENTENCE}\nSecond line, with comma and "quotes"'
    assert docs[f"{p}:2#1"].url == "https://e.org/1" and docs[f"{p}:2#1"].title == "t1"
    assert _fails(items) == {f"{p}:4": "text field 'text' is empty or not a string"}


def test_csv_without_text_column_empty_and_header_only(tmp_path):
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("id,headline\n1,Homs\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header = tmp_path / "header.csv"
    header.write_text("id,text\n\n", encoding="utf-8")
    fails = _fails(_read(nocol, empty, header))
    assert "no text column" in fails[str(nocol)] and "id, headline" in fails[str(nocol)]
    assert "empty CSV" in fails[str(empty)]
    assert "no data rows" in fails[str(header)]


def test_csv_with_cp1252_bytes(tmp_path):
    p = tmp_path / "cp.csv"
    p.write_bytes(b"text,source\n" + WESTERN.encode("cp1252") + b",Agence\xe9\n")
    seen: dict[str, str] = {}
    (doc,) = _read(p, encodings=seen)
    assert doc.text == WESTERN and doc.source == "Agenceé"
    assert seen == {str(p): "cp1252"}


def test_csv_stray_cp1252_byte_after_the_sniffed_head(tmp_path):
    p = tmp_path / "late.csv"
    filler = "".join(f'{i},"{SENTENCE} حمص"\n' for i in range(2000))
    p.write_bytes(b"id,text\n" + filler.encode() + b'9999,"Caf\xe9 in Homs"\n')
    items = _read(p)
    assert len(items) == 2001 and all(isinstance(i, Document) for i in items)
    assert items[-1].text == "Café in Homs" and "حمص" in items[0].text


def test_csv_binary_is_refused(tmp_path):
    p = tmp_path / "img.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    item = _one(p)
    assert isinstance(item, Failure) and "PNG" in item.reason


# ---------------------------------------------------------------- paths, links, permissions


def test_missing_and_empty_paths(tmp_path):
    items = _read(tmp_path / "nope", tmp_path / "nope.txt", "")
    assert [i.input for i in items] == [str(tmp_path / "nope"), str(tmp_path / "nope.txt"), "''"]
    assert all(isinstance(i, Failure) for i in items)
    assert "no such file or folder" in items[0].reason


def test_links_loops_and_unsupported_files_in_folders(tmp_path):
    root = tmp_path / "corpus"
    sub = root / "sub"
    sub.mkdir(parents=True)
    (sub / "a.txt").write_text(SENTENCE, encoding="utf-8")
    (sub / "loop").symlink_to("..", target_is_directory=True)  # folder link to its parent
    (sub / "self.txt").symlink_to("self.txt")  # link loop
    (root / "broken.txt").symlink_to(tmp_path / "missing.txt")
    (root / "link.txt").symlink_to(sub / "a.txt")  # link to a file: read
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "notes").write_text("no suffix", encoding="utf-8")
    (root / "README.md").write_text("corpus docs", encoding="utf-8")  # skipped on purpose
    (root / ".hidden.txt").write_text("hidden", encoding="utf-8")  # skipped on purpose
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    items = _read(root)
    assert [i.doc_id for i in _docs(items)] == [str(root / "link.txt"), str(sub / "a.txt")]
    fails = _fails(items)
    assert fails == {
        str(root / "broken.txt"): "broken symbolic link (its target does not exist)",
        str(root / "notes"): fails[str(root / "notes")],
        str(root / "photo.jpg"): fails[str(root / "photo.jpg")],
        str(sub / "loop"): fails[str(sub / "loop")],
        str(sub / "self.txt"): "symbolic link loop; not followed",
    }
    assert "symbolic link to a folder, not followed" in fails[str(sub / "loop")]
    assert "unsupported file type .jpg" in fails[str(root / "photo.jpg")]
    assert "unsupported file type (no extension)" in fails[str(root / "notes")]
    # named directly, a link loop or a broken link is reported too
    named = _fails(_read(sub / "self.txt", root / "broken.txt"))
    assert named == {str(sub / "self.txt"): "symbolic link loop; not followed",
                     str(root / "broken.txt"): "broken symbolic link (its target does not exist)"}


def _names_listed(root: Path) -> list[str]:
    return [str(p.relative_to(root)) if isinstance(p, Path) else f"! {Path(p.input).relative_to(root)}"
            for p in iter_paths([root])]


@settings(max_examples=25, deadline=None)
@given(names=st.sets(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
                             min_size=1, max_size=12), max_size=40),
       run=st.integers(1, 7), block=st.integers(1, 4), fan_in=st.integers(2, 5))
def test_large_folders_are_listed_in_spilled_runs_in_name_order(names, run, block, fan_in):
    import tempfile

    names = {n for n in names if not n.startswith(".") and len(os.fsencode(n)) < 200}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in names:
            (root / (n + ".txt")).write_bytes(b"")
        whole = _names_listed(root)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ingest, "_SORT_RUN", run)  # (runs of 1..7 entries, pickled in blocks of 1..4)
            mp.setattr(ingest, "_SPILL_BLOCK", block)
            mp.setattr(ingest, "_MERGE_FAN_IN", fan_in)  # (up to 40 runs merged 2..5 at a time)
            spilled = _names_listed(root)
    assert spilled == whole == sorted(n + ".txt" for n in names)


def test_many_spilled_runs_are_merged_in_passes_a_few_at_a_time(tmp_path, monkeypatch):
    import heapq

    names = [f"r{(i * 37) % 101:03d}.txt" for i in range(101)]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    merged_at_once: list[int] = []
    real_merge = heapq.merge

    def merge(*iterables, **kwargs):
        merged_at_once.append(len(iterables))
        return real_merge(*iterables, **kwargs)

    monkeypatch.setattr(ingest, "_SORT_RUN", 2)  # 50 spilled runs and one of 1 in memory
    monkeypatch.setattr(ingest, "_SPILL_BLOCK", 1)
    monkeypatch.setattr(ingest, "_MERGE_FAN_IN", 3)
    monkeypatch.setattr(heapq, "merge", merge)
    fds = Path("/proc/self/fd")
    before = len(list(fds.iterdir())) if fds.is_dir() else 0
    listing = iter_paths([tmp_path])
    first = next(listing)
    during = len(list(fds.iterdir())) if fds.is_dir() else 0
    assert [first.name, *(p.name for p in listing)] == sorted(names)
    # 50 runs -> 17 -> 6 -> 2, then the last merge with the run in memory: never over 3 at once
    assert merged_at_once == [3] * 16 + [2] + [3] * 5 + [2] + [3, 3] + [3]
    if fds.is_dir():
        assert during - before <= 2  # one temporary file for all the runs (and the folder)


def test_spilled_listing_keeps_kinds_links_and_hidden_entries(tmp_path, monkeypatch):
    root = tmp_path / "corpus"
    (root / "b" / "c").mkdir(parents=True)
    for rel in ("a.txt", "a", "a b.txt", "ab.txt", "b/x.txt", "b/c/y.txt", "é.txt", "z.txt", "x.pdf"):
        (root / rel).write_text(SENTENCE, encoding="utf-8") if rel != "a" else (root / rel).mkdir()
    (root / "a" / "in-a.txt").write_text(SENTENCE, encoding="utf-8")
    (root / "line\nbreak.txt").write_text(SENTENCE, encoding="utf-8")
    (root / os.fsdecode(b"bad\xff.txt")).write_text(SENTENCE, encoding="utf-8")  # not UTF-8
    (root / "b" / "up").symlink_to("..", target_is_directory=True)
    (root / "link.txt").symlink_to(root / "z.txt")
    (root / ".hidden.txt").write_text(SENTENCE, encoding="utf-8")
    whole = _names_listed(root)
    monkeypatch.setattr(ingest, "_SORT_RUN", 2)
    monkeypatch.setattr(ingest, "_SPILL_BLOCK", 1)
    assert _names_listed(root) == whole
    assert whole == ["a/in-a.txt", "a b.txt", "a.txt", "ab.txt", "b/c/y.txt", "! b/up", "b/x.txt",
                     os.fsdecode(b"bad\xff.txt"), "line\nbreak.txt", "link.txt", "! x.pdf", "z.txt", "é.txt"]


class _FullDisk(io.BytesIO):
    """A temporary file on a full disk: every write fails."""

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("failing", ["write", "create"])
def test_a_listing_that_cannot_be_spilled_is_a_temporary_folder_failure(tmp_path, monkeypatch, failing):
    import tempfile

    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(5):
        (root / f"r{i}.txt").write_text(SENTENCE, encoding="utf-8")
    single = tmp_path / "single.txt"
    single.write_text(SENTENCE, encoding="utf-8")

    def temporary_file(*args, **kwargs):
        if failing == "create":
            raise PermissionError(errno.EACCES, "Permission denied")
        return _FullDisk()

    monkeypatch.setattr(ingest, "_SORT_RUN", 2)
    monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)
    items = _read(root, single)
    assert [d.doc_id for d in _docs(items)] == [str(single)]  # the batch goes on
    strerror = "No space left on device" if failing == "write" else "Permission denied"
    assert _fails(items) == {str(root): f"cannot sort the listing of {root} in the temporary folder "
                                        f"({tempfile.gettempdir()}): {strerror}; free space there or "
                                        f"set TMPDIR to another folder"}


def test_file_names_that_need_escapes_get_labels_of_their_own(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    names = {
        b"bad\xff.txt": "bad\\xff.txt",  # the byte 0xFF: an escape
        b"bad\\xff.txt": "bad\\\\xff.txt",  # a real backslash, x, f, f: looks like one, so doubled
        b"a\\b\xfe.txt": "a\\\\b\\xfe.txt",  # escaped: its backslash is doubled
        b"a\\b.txt": "a\\b.txt",  # UTF-8 and no escape look-alike: as it is
        b"a\\u00e9.txt": "a\\\\u00e9.txt",
    }
    for raw in names:
        (root / os.fsdecode(raw)).write_text(SENTENCE, encoding="utf-8")
    labels = [d.doc_id for d in _docs(_read(root))]
    assert sorted(labels) == sorted(f"{root}/{label}" for label in names.values())
    assert len(set(labels)) == len(names)
    # a path string holding surrogates no file name's bytes give (from a Python caller)
    assert ingest._label("x\ud800\\y") == "x\\ud800\\\\y"
    assert ingest._label("x\\ud800") == "x\\\\ud800"


def test_a_flat_folder_is_listed_in_bounded_memory(tmp_path, monkeypatch):
    for i in range(6000):
        (tmp_path / f"report-{(i * 7919) % 6007:05d}.txt").write_bytes(b"")
    monkeypatch.setattr(ingest, "_SORT_RUN", 500)
    monkeypatch.setattr(ingest, "_SPILL_BLOCK", 50)
    peaks = []
    for _ in range(2):
        n, last, in_order = 0, "", True
        tracemalloc.start()
        try:
            for p in iter_paths([tmp_path]):
                n, last, in_order = n + 1, p.name, in_order and p.name > last
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert n == 6000 and in_order
    # 6,000 entries held at once peak at 0.5 MB (1.3 MB as DirEntry objects); one run of 500
    # entries and a block of 50 per spilled run stay well below. (pathlib interns the names in
    # the interpreter's table of interned strings, which, after other tests, may double in one
    # walk, 1.9 MB at once, none of the walk's doing; it does not double again in the next.)
    assert min(peaks) < 0.25 * MB, peaks


def test_fifo_and_devices_do_not_block(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    os.mkfifo(root / "pipe.txt")
    result: list = []
    t = threading.Thread(target=lambda: result.extend(_read(root, root / "pipe.txt", "/dev/null")), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading a FIFO blocked"
    assert len(result) == 3 and all(isinstance(i, Failure) for i in result)
    assert "not a regular file" in result[0].reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_folder(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text(SENTENCE, encoding="utf-8")
    d = tmp_path / "locked"
    d.mkdir()
    (d / "x.txt").write_text(SENTENCE, encoding="utf-8")
    f.chmod(0)
    d.chmod(0)
    try:
        fails = _fails(_read(f, d))
    finally:
        f.chmod(stat.S_IRUSR | stat.S_IWUSR)
        d.chmod(stat.S_IRWXU)
    assert "permission denied" in fails[str(f)] and "permission denied" in fails[str(d)]


def test_unexpected_errors_become_failures(tmp_path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(SENTENCE, encoding="utf-8")
    b.write_text(SENTENCE, encoding="utf-8")

    def boom(text):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(ingest, "_clean_text", boom)
    items = _read(a, b)
    assert [i.input for i in items] == [str(a), str(b)]
    assert all(isinstance(i, Failure) and "RuntimeError: kaboom" in i.reason for i in items)


# ---------------------------------------------------------------- accounting and determinism


def _mixed_corpus(root: Path) -> int:
    """Write a folder of good and bad inputs; return how many Documents+Failures it must give."""
    (root / "b" / "c").mkdir(parents=True)
    expected = 0
    for i, data in enumerate([SENTENCE.encode(), b"", bytes(50), WESTERN.encode("utf-16"), b"\x89PNG\r\n\x1a\n"]):
        (root / f"t{i}.txt").write_bytes(data)
        expected += 1  # a single-report file: one Document or Failure
    lines = [*JSONL_LINES, json.dumps({"text": SENTENCE})]
    _write_jsonl(root / "b" / "feed.jsonl", lines)
    expected += sum(1 for line in lines if line.strip())  # one per non-blank line
    (root / "b" / "rows.csv").write_text(
        f'text,id\n"{SENTENCE}\nmore",1\n,2\n\n{SENTENCE},3\n"{"y" * 3000}",4\n', encoding="utf-8")
    expected += 4  # one per non-blank row
    (root / "b" / "nocol.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    expected += 1  # no text column: one Failure for the file
    (root / "b" / "c" / "page.htm").write_text(PAGE, encoding="utf-8")
    (root / "b" / "c" / "x.pdf").write_bytes(b"%PDF-1.4")
    (root / "b" / "loop").symlink_to("..")
    expected += 3  # page, unsupported pdf, folder link
    (root / "a.jsonl.gz").write_bytes(_gz_lines(3))
    expected += 3
    return expected


def test_every_input_is_accounted_for(tmp_path):
    expected = _mixed_corpus(tmp_path)
    items = _read(tmp_path, max_bytes=2000)
    assert len(items) == expected
    assert all(isinstance(i, (Document, Failure)) for i in items)
    assert all(i.reason for i in items if isinstance(i, Failure))
    assert len(_docs(items)) == 2 + 5 + 2 + 1 + 3  # t0 and t3, jsonl, csv, page, gz


def test_read_documents_is_deterministic_and_sorted(tmp_path):
    _mixed_corpus(tmp_path)
    first = read_documents([tmp_path])
    second = read_documents([tmp_path])
    assert first == second
    files = [p for p in iter_paths([tmp_path]) if isinstance(p, Path)]
    assert files == sorted(files, key=lambda p: p.relative_to(tmp_path).parts)
    assert len({d.doc_id for d in first[0]}) == len(first[0])


def test_readme_corpus_files_are_skipped_but_named_files_are_read(tmp_path):
    (tmp_path / "README.md").write_text(SENTENCE, encoding="utf-8")
    assert _read(tmp_path) == []
    assert isinstance(_one(tmp_path / "README.md"), Document)


def test_html_date_from_time_element_or_header_byline():
    from geomap.ingest import html_to_text

    page = "<html><body><header><p>Published 4 Oct 2012 08:15 GMT</p></header><p>Shelling.</p></body></html>"
    assert html_to_text(page)[2] == "2012-10-04"
    page = '<html><body><article><time datetime="2013-03-19T10:00">19 March</time><p>Text.</p></article></body></html>'
    assert html_to_text(page)[2] == "2013-03-19"
    meta = '<html><head><meta property="article:published_time" content="2012-02-18"></head><body>' \
           '<header>Updated 1 Jan 2020</header><p>Text.</p></body></html>'
    assert html_to_text(meta)[2] == "2012-02-18"  # the meta tag wins
    assert html_to_text("<html><body><header>Home | News</header><p>x</p></body></html>")[2] is None


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_separated_by_semicolons_tabs_or_bars(tmp_path, sep):
    f = tmp_path / "rows.csv"
    f.write_text(f"id{sep}text{sep}date\n1{sep}\"{SENTENCE}{sep} more\"{sep}2012-03-03\n2{sep}Second one.{sep}\n",
                 encoding="utf-8")
    docs = _docs(_read(f))
    assert [(d.doc_id, d.text, d.date) for d in docs] == [
        (f"{f}:2#1", f"{SENTENCE}{sep} more", "2012-03-03"), (f"{f}:3#2", "Second one.", None)]
    # a comma-separated file whose text holds semicolons is still read by commas
    f.write_text(f'text,id\n"a; b; {SENTENCE}",1\n', encoding="utf-8")
    assert [d.text for d in _docs(_read(f))] == [f"a; b; {SENTENCE}"]


@pytest.mark.parametrize(("page", "text"), [
    ("<div hidden>A bomb killed 3 in Homs.</div><p>Shelling in Hama.</p>", "Shelling in Hama."),
    ('<div style="color: red; display: none"><div>inner</div>still hidden</div><p>Shown.</p>', "Shown."),
    ('<div style="visibility:hidden">x</div><div style="display:block">y</div>', "y"),
    ("<span hidden>a<span>b</span>c</span>d", "d"),
    ("<div hidden><span hidden>never closed</div><p>The outer end closes both.</p>",
     "The outer end closes both."),
    ("<div hidden></nav></div><p>Stray end tags do not leak.</p>", "Stray end tags do not leak."),
    # elements whose end tag a browser implies are not followed: they must never hide the rest
    ("<ul><li hidden>menu<li>Five killed in Homs.</ul><p>Aleppo.</p>", "menu\n\nFive killed in Homs.\n\nAleppo."),
    ("<table><tr><td hidden>x<td>shown</table><p>after</p>", "xshown\n\nafter"),
])
def test_hidden_html_elements_are_not_report_text(page, text):
    assert html_to_text(page)[0] == text


@pytest.mark.parametrize(("header", "sep"), [
    ("text;note|x;date", ";"),  # two semicolons, one bar
    ("text|note;x|date", "|"),  # two bars, one semicolon
    ("text\tnote;x\tdate", "\t"),
    ("text;note\tdate", ";"),  # a tie: semicolon first
    ("text\tnote|date", "\t"),  # a tie: tab before bar
])
def test_csv_delimiter_is_the_one_splitting_the_header_most(tmp_path, header, sep):
    f = tmp_path / "rows.csv"
    fields = header.split(sep)
    row = sep.join(["2012-03-03" if h == "date" else SENTENCE if h == "text" else "n" for h in fields])
    f.write_text(f"{header}\n{row}\n", encoding="utf-8")
    (doc,) = _read(f)
    assert isinstance(doc, Document), doc
    assert doc.text == SENTENCE
    assert doc.date == ("2012-03-03" if "date" in fields else None)


def test_csv_with_a_text_column_twice_is_refused_naming_it(tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text(f"id,text,Text\n1,{SENTENCE},other\n", encoding="utf-8")
    g = tmp_path / "three.csv"
    g.write_text(f"text, TEXT ,Date,text\n{SENTENCE},x,2012-03-03,y\n", encoding="utf-8")
    h = tmp_path / "meta.csv"
    h.write_text(f"text;date;DATE;other;other\n{SENTENCE};2012-03-03;2012-03-04;a;b\n", encoding="utf-8")
    items = _read(f, g, h)
    assert _fails(items) == {
        str(f): "CSV has the column 'text' twice ('text', 'Text'); keep one",
        str(g): "CSV has the column 'text' 3 times ('text', ' TEXT ', 'text'); keep one",
    }
    # a metadata column twice (scraped exports often have date and Date): the first is read
    assert [(d.text, d.date) for d in _docs(items)] == [(SENTENCE, "2012-03-03")]
    # columns geomap does not read may repeat
    f.write_text(f"text,note,NOTE\n{SENTENCE},a,b\n", encoding="utf-8")
    assert [d.text for d in _docs(_read(f))] == [SENTENCE]


def test_parquet_with_a_text_column_twice_is_refused_naming_it(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    f = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"Text": [SENTENCE], "title": ["t"], "text": ["other"]}), f)
    item = _one(f)
    assert item == Failure(str(f), "Parquet file has the column 'text' twice ('Text', 'text'); keep one")
    pq.write_table(pa.table({"Text": [SENTENCE], "TITLE": ["t"], "skip": [1]}), f)
    doc = _one(f)
    assert isinstance(doc, Document) and (doc.text, doc.title) == (SENTENCE, "t")


def test_jsonl_object_with_a_text_field_twice_in_different_cases_fails_that_line(tmp_path):
    p = _write_jsonl(tmp_path / "feed.jsonl", [
        json.dumps({"text": SENTENCE, "Text": "Another report."}),
        json.dumps({"text": SENTENCE, "id": 1, " ID": 2}),
        json.dumps({"text": SENTENCE, "Note": 1, "note": 2}),  # not a field geomap reads
    ])
    items = _read(p)
    assert _fails(items) == {
        f"{p}:1": "JSON object has the field 'text' twice ('text', 'Text'); keep one",
    }
    assert [d.doc_id for d in _docs(items)] == [f"{p}:2#1", f"{p}:3"]  # (the first id)


def test_csv_quote_never_closed_is_one_failed_row_not_a_merged_report(tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text(f'text,id\n"{SENTENCE},1\nClashes in Hama.,2\nA third row.,3\n', encoding="utf-8")
    items = _read(f)
    assert _docs(items) == [] and list(_fails(items)) == [f"{f}:2"]
    assert "never closed, so lines 2-4 read as one row" in _fails(items)[f"{f}:2"]
    # a quoted field over several lines, closed, is one good row; so is a stray quote inside a field
    f.write_text(f'text,id\n"{SENTENCE}\nmore",1\nHe said "no,2\n', encoding="utf-8")
    assert [d.text for d in _docs(_read(f))] == [f"{SENTENCE}\nmore", 'He said "no']


def test_report_text_is_composed_and_loses_hidden_characters(tmp_path):
    import unicodedata

    f = tmp_path / "r.txt"
    text = "Shelling in Al Quşayr and Al\u00adeppo and Deir\u00a0ez-Zor killed 1\u202f200 people\u200b."
    f.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    doc = _one(f)
    assert doc.text == "Shelling in Al Quşayr and Aleppo and Deir ez-Zor killed 1,200 people."
    assert unicodedata.is_normalized("NFC", doc.text)
    f.write_text("Page 1\u00a02 and 12\u00a0000 and 3\u20091234", encoding="utf-8")
    assert _one(f).text == "Page 1 2 and 12,000 and 3 1234"  # only groups of three digits


def test_full_width_latin_letters_and_digits_are_read_as_ascii(tmp_path, gaz):
    from geomap import geoparse

    full = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in SENTENCE)
    assert full.startswith("\uff33\uff48\uff45\uff4c\uff4c")  # (no ASCII letter left in it)
    f = tmp_path / "r.txt"
    f.write_text(f"{full}\n{SENTENCE}", encoding="utf-8")
    j = _write_jsonl(tmp_path / "feed.jsonl", [json.dumps({"text": full, "title": "\uff28\uff4f\uff4d\uff53"})])
    docs, failures = read_documents([f, j])
    assert failures == []
    assert [d.text for d in docs] == [f"{SENTENCE}\n{SENTENCE}", SENTENCE]
    assert docs[1].title == "Homs"
    # one character for one: the rest of the text keeps its place, and the place is found
    mentions = geoparse(docs[0].text, gaz)
    assert [(m.surface, m.place.name, m.place.country_code) for m in mentions] == [("Homs", "Homs", "SY")] * 2
    assert mentions[0].start == SENTENCE.index("Homs")
    # other wide forms are not ASCII characters and stay as they are
    f.write_text("\uff5f\uffe5 \u3000Homs", encoding="utf-8")
    assert _one(f).text == "\uff5f\uffe5 \u3000Homs"

