"""Geoparser throughput on an EUPEG corpus (GeoWebNews by default).

    python bench/geoparse_bench.py [--corpus DIR] [--repeat N]

Loads the gazetteer once, then geoparses every document ``repeat`` times; prints docs/s and
MB/s for the first pass (cold caches) and the later passes (warm), and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/eval/eupeg/corpora/GeoWebNews")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    from geomap.gazetteer import default_gazetteer
    from geomap.geoparse import geoparse

    t0 = time.perf_counter()
    gaz = default_gazetteer()
    load = time.perf_counter() - t0
    docs = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(args.corpus.iterdir())]
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    for n in range(args.repeat):
        t = time.perf_counter()
        mentions = sum(len(geoparse(d, gaz)) for d in docs)
        dt = time.perf_counter() - t
        label = "cold" if n == 0 else "warm"
        print(f"pass {n + 1} ({label}): {len(docs) / dt:,.0f} docs/s, {mb / dt:.2f} MB/s, {mentions} mentions")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(docs)} docs, {mb:.2f} MB; gazetteer load {load * 1000:.0f} ms; peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
