"""Bad input loses nothing and breaks nothing: a hostile corpus through ingest and the whole CLI.

The corpus (see ``fuzz_corpus.py``) is generated in a temporary folder at test time. Property tests
(hypothesis) check the decoders and the HTML stripper on arbitrary input.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fuzz_corpus import JS_URL, KNOWN_BUGS, MAX_BYTES, PAYLOADS, Manifest, build_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geomap.ingest import (
    Document,
    Failure,
    decode_bytes,
    html_to_text,
    iter_documents,
    read_documents,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Manifest:
    """The hostile corpus of :mod:`fuzz_corpus` (built once) and its manifest."""
    return build_corpus(tmp_path_factory.mktemp("fuzz") / "corpus")


def _label(item: Document | Failure) -> str:
    return item.input if isinstance(item, Failure) else item.doc_id


def _known_bug(label: str) -> str | None:
    return next((bug for suffix, bug in KNOWN_BUGS.items() if label.endswith(suffix)), None)


# ---------------------------------------------------------------- ingest, in process


def test_ingest_accounts_for_every_input(corpus: Manifest):
    items = list(iter_documents(corpus.inputs, max_bytes=MAX_BYTES))
    got = {_label(i): "failed" if isinstance(i, Failure) else "ok" for i in items}
    assert len(got) == len(items), "duplicate labels"
    assert got == corpus.expected
    assert all(i.reason.strip() and "\n" not in i.reason for i in items if isinstance(i, Failure))
    for doc in (i for i in items if isinstance(i, Document)):
        doc.text.encode("utf-8")  # no lone surrogates: every text can be written out
        assert "\x00" not in doc.text and doc.text.strip()


def test_ingest_is_deterministic(corpus: Manifest):
    first = read_documents(corpus.inputs, max_bytes=MAX_BYTES)
    assert read_documents(corpus.inputs, max_bytes=MAX_BYTES) == first
    files = sorted({_label(i).split(":")[0] for i in (*first[0], *first[1]) if _label(i).startswith(str(corpus.root))})
    seen = list(dict.fromkeys(_label(i).split(":")[0] for i in iter_documents([corpus.root], max_bytes=MAX_BYTES)))
    assert seen == sorted(files, key=lambda f: Path(f).relative_to(corpus.root).parts)


# ---------------------------------------------------------------- the whole pipeline, via the CLI


@pytest.fixture(scope="module")
def cli_run(corpus: Manifest, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``geomap run CORPUS MISSING -o OUT --no-map`` in a subprocess."""
    out = tmp_path_factory.mktemp("fuzz-out") / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "geomap", "run", *corpus.inputs, "-o", str(out), "--no-map",
         "--max-bytes", str(MAX_BYTES)],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    return proc, out


def test_cli_exit_code_and_one_line_summary(cli_run, corpus: Manifest):
    proc, _out = cli_run
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-3000:]
    n_failed = sum(1 for s in corpus.expected.values() if s == "failed")
    assert lines[0].startswith("geomap: ") and " input(s) failed" in lines[0]
    assert int(lines[0].split()[1]) >= n_failed


def test_run_report_lists_every_input(cli_run, corpus: Manifest):
    _proc, out = cli_run
    report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    entries = report["inputs"]
    got = {e["input"]: e for e in entries}
    assert len(got) == len(entries) == len(corpus.expected)
    assert set(got) == set(corpus.expected)
    for label, status in corpus.expected.items():
        if _known_bug(label):
            continue
        e = got[label]
        assert e["status"] == status, (label, e)
        if status == "failed":
            assert isinstance(e["reason"], str) and e["reason"].strip(), e
    counts = report["counts"]
    assert counts["inputs"] == len(entries)
    assert counts["ok"] + counts["failed"] == len(entries)
    # every report that reads fine here is a real casualty report: it must give an incident
    ok_hostile = [e for e in entries if "/hostile/" in e["input"] and e["status"] == "ok"]
    assert ok_hostile and all(e["incidents"] >= 1 for e in ok_hostile), ok_hostile


def test_known_bug_reports_are_ok(cli_run, corpus: Manifest):
    _proc, out = cli_run
    report = json.loads((out / "run-report.json").read_text(encoding="utf-8"))
    for e in report["inputs"]:
        if _known_bug(e["input"]):
            assert e["status"] == corpus.expected[e["input"]] and e["incidents"] >= 1, e


def _check_feature_collection(path: Path) -> list[dict]:
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and isinstance(fc["features"], list)
    for f in fc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        g = f["geometry"]
        if g is None:
            continue
        assert g["type"] == "Point" and len(g["coordinates"]) == 2
        lon, lat = g["coordinates"]
        assert math.isfinite(lon) and math.isfinite(lat)
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    return fc["features"]


def test_outputs_are_valid_and_payloads_survive_unchanged(cli_run, corpus: Manifest):
    _proc, out = cli_run
    feats = _check_feature_collection(out / "incidents.geojson")
    _check_feature_collection(out / "places.geojson")
    assert feats
    sources: dict[str, list[dict]] = {}
    for f in feats:
        for s in f["properties"]["sources"]:
            sources.setdefault(s["doc_id"], []).append(s)
    # payloads in report text reach the evidence sentence verbatim, as geomap reads text
    # (composed, without zero-width spaces and soft hyphens: ingest._clean_text)
    from geomap.ingest import _clean_text

    for label, payload in corpus.payload_docs.items():
        assert label in sources, f"no incident from {label}"
        read = _clean_text(payload)
        assert any(read in s["sentence"] for s in sources[label]), (read, sources[label])
    # payloads in metadata reach the sources verbatim
    by_suffix = {k.removeprefix(str(corpus.root)): v for k, v in sources.items()}
    (x1,) = {json.dumps(s, sort_keys=True) for s in by_suffix["/hostile/hostile.jsonl:1#x1"]}
    x1 = json.loads(x1)
    assert (x1["url"], x1["title"], x1["source"]) == (JS_URL, PAYLOADS[2], PAYLOADS[3])
    c1 = by_suffix["/csv/odd.csv:2#c1"][0]
    assert (c1["url"], c1["title"]) == (JS_URL, PAYLOADS[1])
    page = by_suffix["/html/page.html"][0]
    assert page["title"] == PAYLOADS[0]
    text = (out / "incidents.geojson").read_text(encoding="utf-8")
    assert "STOLEN" not in text and "NAV MENU" not in text  # scripts and boilerplate stripped
    assert "\\ud800" not in text and "\\udfff" not in text


def test_no_temporary_files_are_left(cli_run):
    _proc, out = cli_run
    # (the lock that keeps a second run out of the folder stays)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".geomap.lock"]


# ---------------------------------------------------------------- properties

_BOMS = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x89PNG"])
_ANY_BYTES = st.builds(lambda a, b: a + b, _BOMS, st.binary(max_size=3000)) | st.binary(max_size=300).map(
    lambda b: b"".join(bytes([c, 0]) for c in b))  # BOM-less UTF-16 shapes


@settings(max_examples=300, deadline=None, database=None)
@given(_ANY_BYTES)
def test_decode_bytes_raises_only_value_error(data: bytes):
    try:
        decoded = decode_bytes(data)
    except ValueError as exc:
        assert "not a text report" in str(exc)
    else:
        assert isinstance(decoded.text, str) and decoded.encoding


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=2000), st.text(alphabet="abcdefgh", min_size=1, max_size=20))
def test_html_to_text_never_raises_and_drops_scripts(markup: str, word: str):
    text, title, date = html_to_text(markup)
    assert isinstance(text, str) and (title is None or isinstance(title, str))
    assert date is None or isinstance(date, str)
    secret = f"SECRET{word}"
    text, _, _ = html_to_text(f"<p>{markup.replace('<', ' ')}</p><script>{secret}</script><style>{secret}</style>")
    assert secret not in text


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ANY_BYTES, st.sampled_from([".txt", ".html", ".md", ".jsonl", ".csv", ".jsonl.gz"]))
def test_iter_documents_on_arbitrary_bytes(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"report{suffix}"
        p.write_bytes(data)
        items = list(iter_documents([p], max_bytes=2000))
    assert all(isinstance(i, (Document, Failure)) for i in items)
    if suffix in (".txt", ".html", ".md"):
        assert len(items) == 1
    else:
        assert len(items) >= 1
    for i in items:
        if isinstance(i, Document):
            i.text.encode("utf-8")
        else:
            assert i.reason
