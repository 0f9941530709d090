"""Incident extraction throughput (geoparse included), in one process.

    python bench/extract_bench.py [--corpus PATH ...] [--repeat N]

    # a realistic corpus: 5,000 generated reports
    python -c "import sys; sys.path.insert(0, 'bench'); import scale; \
               scale.generate_corpus(5000, '/tmp/gen5k', layout='jsonl')"
    python bench/extract_bench.py --corpus /tmp/gen5k --repeat 2

Reads every report of the corpus (default: the bundled samples; ``--corpus`` takes any files
or folders ``geomap extract`` reads) and loads the gazetteer *before* timing (its load time is
printed separately), then geoparses and extracts every report ``repeat`` times, the way
``geomap extract --jobs 1`` does (``geoparse`` then ``extract_document`` per report), and
prints for each pass reports/s and MB/s of report text (UTF-8) from the wall-clock time, the
split between geoparsing and extraction, and the CPU time of the pass (steadier than the wall
clock on a busy machine); then the merge time and the peak RSS (which includes the corpus,
held in memory).

* **cold** (pass 1): the first time this process sees these reports -- the per-process
  caches (gazetteer look-ups, name normalisation, compiled ad-hoc regexes) start empty, as
  they do for a real ``geomap extract`` run over new reports.  On a corpus of thousands of
  reports this is the honest throughput figure.
* **warm** (later passes): the same reports again (with new ``doc_id``), so every cache
  already holds their words; an upper bound, not what a new corpus gets.
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
    ap.add_argument("--corpus", nargs="+", metavar="PATH",
                    help="files or folders of reports (default: the bundled samples)")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the corpus (default: 5)")
    args = ap.parse_args()
    from geomap.gazetteer import default_gazetteer
    from geomap.geoparse import geoparse
    from geomap.incidents import extract_document
    from geomap.ingest import read_documents
    from geomap.merge import merge_incidents
    from geomap.pipeline import sample_dir

    t = time.perf_counter()
    gaz = default_gazetteer()
    print(f"gazetteer loaded in {time.perf_counter() - t:.2f} s (not timed below)")
    inputs = args.corpus or [str(sample_dir())]
    t = time.perf_counter()
    docs, failures = read_documents(inputs)
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    print(f"read {len(docs):,} reports ({mb:.2f} MB of text, {len(failures)} unreadable) "
          f"from {', '.join(inputs)} in {time.perf_counter() - t:.2f} s (not timed below)")
    incs: list = []
    for n in range(args.repeat):
        batch = [replace(d, doc_id=f"{d.doc_id}@{n}") for d in docs]
        t_geo = t_ext = 0.0
        incs = []
        cpu = time.process_time()
        for d in batch:
            t0 = time.perf_counter()
            mentions = geoparse(d.text, gaz)
            t1 = time.perf_counter()
            incs.extend(extract_document(d, gaz, mentions))
            t_geo += t1 - t0
            t_ext += time.perf_counter() - t1
        cpu = time.process_time() - cpu
        dt = t_geo + t_ext
        print(f"pass {n + 1} ({'cold' if n == 0 else 'warm'}): {len(batch) / dt:,.0f} reports/s, "
              f"{mb / dt:.2f} MB/s ({dt:.3f} s: geoparse {t_geo:.3f} s, extraction {t_ext:.3f} s; "
              f"CPU {cpu:.3f} s), {len(incs):,} incidents")
    t = time.perf_counter()
    merged = merge_incidents(incs)
    print(f"merge of {len(incs):,} incidents: {time.perf_counter() - t:.3f} s -> {len(merged):,}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
