"""Incident extraction throughput (geoparse included) on the bundled sample reports.

    python bench/extract_bench.py [--repeat N]

Extracts every sample report ``repeat`` times in one process (gazetteer loaded once) and
prints reports/s for the first (cold) pass and the later (warm) passes, and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from geomap.gazetteer import default_gazetteer
    from geomap.geoparse import geoparse
    from geomap.incidents import extract_document
    from geomap.ingest import read_documents
    from geomap.merge import merge_incidents
    from geomap.pipeline import sample_dir

    gaz = default_gazetteer()
    docs, _ = read_documents([sample_dir()])
    n_inc = 0
    for n in range(args.repeat):
        batch = [replace(d, doc_id=f"{d.doc_id}@{n}") for d in docs]
        t = time.perf_counter()
        incs = [i for d in batch for i in extract_document(d, gaz, geoparse(d.text, gaz))]
        dt = time.perf_counter() - t
        n_inc = len(incs)
        print(f"pass {n + 1} ({'cold' if n == 0 else 'warm'}): {len(batch) / dt:,.0f} reports/s, {n_inc} incidents")
    t = time.perf_counter()
    merged = merge_incidents(incs)
    print(f"merge of {len(incs)} incidents: {time.perf_counter() - t:.3f} s -> {len(merged)}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
