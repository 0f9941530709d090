"""Listing benchmark: a flat folder of many report files, walked as ``geomap run`` walks it.

    python bench/folder_bench.py [--files 1000000] [--keep DIR]

Creates ``--files`` empty ``.txt`` files in one folder: a temporary one, or ``--keep DIR``,
reused when it already holds that many (creating a million takes from 30 s to a few minutes).
Then walks it with :func:`geomap.ingest.iter_paths` in a fresh process and prints files/s and
that process's peak RSS. The walk sorts the names in runs of ``geomap.ingest._SORT_RUN``
entries spilled to disk, so the peak should not grow with the number of files.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_WALK = """
import resource, sys, time
from geomap.ingest import iter_paths
t = time.perf_counter()
n, last, in_order = 0, "", True
for p in iter_paths([sys.argv[1]]):
    n, last, in_order = n + 1, p.name, in_order and p.name > last
s = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{n:,} files in {s:.2f} s ({n / s:,.0f} files/s), name order: {in_order}, peak RSS {rss:.0f} MB")
"""


def make_folder(folder: Path, n: int) -> None:
    """Fill ``folder`` with ``n`` empty report files, created in no particular name order."""
    folder.mkdir(parents=True, exist_ok=True)
    have = sum(1 for _ in os.scandir(folder))
    if have == n:
        return
    if have:
        raise SystemExit(f"{folder} holds {have:,} entries, not {n:,}: give an empty or new --keep folder")
    step = 7919  # a prime: consecutive files get names far apart
    for i in range(n):
        fd = os.open(folder / f"report-{(i * step) % n:08d}.txt", os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="folder to create the files in (reused when full)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "flat"
        print(f"creating {args.files:,} files in {folder} ...", flush=True)
        make_folder(folder, args.files)
        subprocess.run([sys.executable, "-c", _WALK, str(folder)], check=True)


if __name__ == "__main__":
    main()
