"""Shared fixtures: the bundled gazetteer (loaded once) and the ../shared folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GEOMAP_SHARED", REPO.parent / "shared"))
SEEDS = SHARED / "seeds"
EVAL = SHARED / "eval" / "eupeg"

#: Use on tests that need ../shared (CI has it; a user's clone may not).
needs_shared = pytest.mark.skipif(
    not (SHARED / "seeds").is_dir(), reason=f"needs the shared data folder at {SHARED}"
)


@pytest.fixture(scope="session")
def gaz():
    """The bundled gazetteer, loaded once per test session."""
    from geomap.gazetteer import default_gazetteer

    return default_gazetteer()


@pytest.fixture(scope="session")
def seed_docs():
    """The five seed reports as Documents."""
    if not SEEDS.is_dir():
        pytest.skip(f"needs the seed reports at {SEEDS}")
    from geomap.ingest import read_documents

    docs, failures = read_documents([SEEDS])
    assert not failures
    return docs


@pytest.fixture(scope="session")
def seed_incidents(gaz, seed_docs):
    """Merged incidents of the five seed reports (GeoDataFrame)."""
    from geomap.pipeline import extract_incidents

    return extract_incidents(seed_docs, gaz).incidents
