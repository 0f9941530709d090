"""The bundled sample corpus: well-formed, and the extractor finds what its answer file lists."""

import json

import pytest

from geomap.evaluate import score_incidents
from geomap.ingest import read_documents
from geomap.pipeline import extract_incidents, sample_dir


@pytest.fixture(scope="module")
def expected():
    return json.loads((sample_dir() / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_docs():
    docs, failures = read_documents([sample_dir()])
    assert not failures, failures
    return docs


def test_corpus_size_and_formats(sample_docs):
    assert len(sample_docs) >= 15
    kinds = {d.doc_id.rsplit(".", 1)[-1].split(":")[0] for d in sample_docs}
    assert {"txt", "html", "jsonl"} <= kinds


def test_evidence_strings_are_in_the_reports(expected, sample_docs):
    texts = {}
    for d in sample_docs:
        name = d.doc_id.split("/")[-1].split(":")[0]
        key = f"{name}#{d.doc_id.split('#')[1]}" if "#" in d.doc_id else name
        texts[key] = d.text
    for inc in expected["incidents"]:
        assert inc["evidence"] in texts[inc["file"]], inc


def test_extraction_recall_on_the_samples(expected, sample_docs, gaz):
    gdf = extract_incidents(sample_docs, gaz).incidents
    got = score_incidents(expected, gdf, sample_docs, gaz)
    assert got["recall"] >= 0.70, got
    assert got["casualty_recall"] >= 0.75, got
    assert got["merge_groups_found"] >= 4, got
    assert got["casualty_incidents_at_non_incident_places"] <= 1, got


def test_html_page_furniture_is_ignored(sample_docs, gaz):
    page = next(d for d in sample_docs if d.doc_id.endswith(".html"))
    assert "<script" not in page.text and "Related" not in page.text.split("\n")[0]
    gdf = extract_incidents([page], gaz).incidents
    assert "Deir ez-Zor" not in set(gdf["place_name"].dropna())
