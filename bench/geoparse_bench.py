"""Geoparser throughput on an EUPEG corpus (GeoWebNews by default).

    python bench/geoparse_bench.py [--corpus DIR] [--repeat N]

Loads the gazetteer once (timed on its own), then geoparses every document ``repeat`` times;
prints docs/s and MB/s for the first pass (cold caches) and the later passes (warm), and the
resident memory after loading and at peak.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD = (
    "cold = the first pass in this process: the gazetteer object exists (its index built and "
    "opened, its store mapped, its ranking summary read: the load time above) but every "
    "per-process cache (name keys, index lookups, places, candidates, recognised surfaces) "
    "starts empty; the operating system's file cache is whatever earlier runs left"
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/eval/eupeg/corpora/GeoWebNews")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    from bench.hostspeed import cpu_ticks, loop_seconds, steal_share
    from geomap.compiled import MODULES, compiled_modules
    from geomap.gazetteer import default_gazetteer
    from geomap.geoparse import geoparse

    compiled = compiled_modules()
    as_python = sorted(set(MODULES) - set(compiled))
    print(f"compiled (Cython): {len(compiled)} of the {len(MODULES)} modules the build compiles"
          + (f"; running as Python: {', '.join(as_python)}" if as_python else ""))

    print(f"host: the reference Python loop of bench/hostspeed.py takes {loop_seconds():.2f} s now "
          "(fastest of 3; 0.90-2.01 s seen on the development machine on 2026-12-07: speeds scale with it)")

    docs = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(args.corpus.iterdir())]
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    gaz = default_gazetteer()
    load = time.perf_counter() - t0
    print(f"gazetteer load: {load * 1000:.0f} ms; RSS {rss_before:.0f} -> {_rss_mb():.0f} MB")
    print(COLD)
    for n in range(args.repeat):
        ticks = cpu_ticks()
        t = time.perf_counter()
        mentions = sum(len(geoparse(d, gaz)) for d in docs)
        dt = time.perf_counter() - t
        stolen = steal_share(ticks, cpu_ticks())
        label = "cold" if n == 0 else "warm"
        steal = "" if stolen is None else f"; {stolen:.0%} of the machine's CPU time stolen by the hypervisor meanwhile"
        print(f"pass {n + 1} ({label}): {len(docs) / dt:,.0f} docs/s, {mb / dt:.2f} MB/s, {mentions} mentions{steal}")
    print(f"{len(docs)} docs, {mb:.2f} MB; peak RSS {_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
