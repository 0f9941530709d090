"""Scaling benchmark: throughput and peak memory by corpus size and number of jobs.

    python bench/scale.py [--sizes 1000,10000] [--jobs 1,2] [--layout jsonl|files|parquet]
                          [--engine local|dask] [--keep DIR] [--repeat N]

Generates a corpus of N reports from the bundled samples (each sample rewritten with other
Syrian towns, dates and counts; see :func:`generate_corpus`) into a temporary folder, then, for
each size and job count, runs ``geomap.pipeline.run`` (read, extract, merge; outputs written as
GeoParquet, no map) in a fresh process and prints reports/s overall and for the read+extract
phase, the seconds spent merging and writing (partitions merged by the same worker processes,
parts appended by the main process), and the peak RSS of the main process and of the largest
worker (``getrusage``), and the share of the machine's CPU time the hypervisor took for other
guests during the run ("steal", ``/proc/stat``). 100,000 reports are opt-in:
``--sizes 1000,10000,100000``.

``--repeat N`` runs every job count N times, in interleaved rounds (1, 2, 1, 2...), and takes the
speed-up from each job count's fastest run, as ``timeit`` does: on a shared host, a slower run
measures the neighbours' load, not the code. The speed-up of every round is printed too.

Before that it measures what two cores give here at best (``bench/hostspeed.py``): the same
pure-Python loop alone, then in two processes at once. On a virtual machine whose two CPUs
share a physical core or its caches, two busy processes each run slower than one alone, and no
program gets a larger speed-up from its second job than that.

The generator is also used by ``tests/test_scale.py`` (it is loaded from this file's path).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # (for bench.hostspeed)

#: Syrian towns the bundled gazetteer resolves to a Syrian place from this spelling.
TOWNS = (
    "Rastan", "Talbiseh", "Qusayr", "Azaz", "Saraqeb", "Binnish", "Tal Rifaat", "Manbij",
    "Al-Bab", "Raqqa", "Palmyra", "Inkhil", "Jasim", "Zabadani", "Yabroud", "Qatana", "Darayya",
    "Harasta", "Zamalka", "Saqba", "Latakia", "Baniyas", "Tartus", "Salamiyah", "Masyaf",
    "Qamishli", "Hasakah", "Douma", "Khan Sheikhoun", "Kafr Nabl", "Maarat al-Numan",
    "Jisr al-Shughour", "Tell Kalakh", "Al-Mayadin", "Abu Kamal", "Busra al-Sham", "Sanamayn",
    "Izraa", "Daael", "Kafr Zita", "Morek", "Halfaya", "Taftanaz", "Atarib", "Anadan",
    "Hraytan", "Deir Hafer", "Safira", "Jableh", "Qardaha", "Suwayda", "Shahba", "Tabqa",
    "Kobani", "Afrin",
)
_TOWN_KINDS = frozenset({"city", "town", "village", "neighbourhood", "area"})
_MONTHS = ("Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           "Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?")
#: Day before a month, month before a day, a year, an ISO date, any other count (1-999).
_NUMBERS = re.compile(
    rf"(?P<dm>\b\d{{1,2}})(?=\s+(?:{_MONTHS})\b)"
    rf"|(?P<mon>\b(?:{_MONTHS})\s+)(?P<md>\d{{1,2}})\b(?!\d|,\d{{3}})"
    r"|(?P<iso>\b(?:19|20)\d\d-\d\d-\d\d\b)"
    r"|(?P<year>\b(?:19|20)\d\d\b)"
    r"|(?<![\d,.\-:])(?P<num>\d{1,3})(?![\d,.]\d|-\d|:\d)"
)


def _sample_templates() -> list[tuple[object, list[tuple[int, int]]]]:
    """Return each sample Document with the spans of its Syrian town mentions (computed once)."""
    from geomap.gazetteer import default_gazetteer
    from geomap.geoparse import geoparse
    from geomap.ingest import read_documents
    from geomap.pipeline import sample_dir

    gaz = default_gazetteer()
    docs, _ = read_documents([sample_dir()])
    out = []
    for d in docs:
        spans = [(m.start, m.end) for m in geoparse(d.text, gaz)
                 if m.place.country_code == "SY" and m.place.kind in _TOWN_KINDS]
        out.append((d, spans))
    return out


def _rewrite(doc, spans, rng: random.Random, n: int):
    """Return a sample report rewritten: other towns, dates shifted, counts scaled."""
    towns: dict[str, str] = {}
    parts, last = [], 0
    for start, end in spans:
        surface = doc.text[start:end]
        towns.setdefault(surface, rng.choice(TOWNS))
        parts += [doc.text[last:start], towns[surface]]
        last = end
    text = "".join(parts) + doc.text[last:]
    shift = rng.randint(-1, 9)  # years
    days: dict[str, str] = {}
    counts: dict[str, str] = {}
    factor = rng.uniform(0.5, 2.5)

    def sub(m: re.Match) -> str:
        if m.group("dm"):
            return days.setdefault(m.group("dm"), str(rng.randint(1, 28)))
        if m.group("md"):
            return m.group("mon") + days.setdefault(m.group("md"), str(rng.randint(1, 28)))
        if m.group("iso"):
            y, mo, _d = m.group("iso").split("-")
            return f"{int(y) + shift}-{mo}-{int(days.setdefault(str(int(_d)), str(rng.randint(1, 28)))):02d}"
        if m.group("year"):
            return str(int(m.group("year")) + shift)
        num = m.group("num")
        return counts.setdefault(num, str(max(1, round(int(num) * factor))))

    text = _NUMBERS.sub(sub, text)
    title = _NUMBERS.sub(sub, doc.title) if doc.title else None
    for old, new in towns.items():
        title = title.replace(old, new) if title else title
    date = _NUMBERS.sub(sub, doc.date) if doc.date else None
    return replace(doc, doc_id=f"g{n:07d}-{Path(doc.doc_id.split('#')[0]).stem}", text=text,
                   title=title, date=date)


def generate_reports(n: int, seed: int = 0):
    """Yield ``n`` generated reports (Documents), deterministic for a seed.

    Report ``i`` is sample ``i mod 37`` with its Syrian towns replaced by towns of
    :data:`TOWNS` (one replacement per distinct name), its years shifted by -1..+9, its days
    of the month redrawn and its counts scaled by a factor of 0.5-2.5. Many rewrites of one
    sample land on the same town and day, so cross-report merging has work to do.
    """
    templates = _sample_templates()
    for i in range(n):
        doc, spans = templates[i % len(templates)]
        yield _rewrite(doc, spans, random.Random(seed * 1_000_003 + i), i)


def _record(doc) -> dict:
    rec = {"id": doc.doc_id, "title": doc.title, "date": doc.date, "source": doc.source,
           "url": doc.url, "text": doc.text}
    return {k: v for k, v in rec.items() if v is not None}


def generate_corpus(n: int, out_dir: str | os.PathLike, *, layout: str = "jsonl", seed: int = 0,
                    per_file: int = 1000) -> Path:
    """Write ``n`` generated reports into ``out_dir`` and return it.

    Parameters
    ----------
    n : int
    out_dir : path
    layout : {"jsonl", "files", "parquet", "mixed"}
        ``jsonl``: shards of ``per_file`` lines; ``files``: one ``.txt`` per report in folders
        of ``per_file``; ``parquet``: shards of ``per_file`` rows; ``mixed``: a third of each.
    seed : int
    per_file : int
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs = generate_reports(n, seed)
    if layout == "mixed":
        third = max(1, n // 3)
        kinds = ["files"] * third + ["jsonl"] * third + ["parquet"] * (n - 2 * third)
        groups: dict[str, list] = {"files": [], "jsonl": [], "parquet": []}
        for kind, doc in zip(kinds, docs, strict=True):
            groups[kind].append(doc)
        for kind, group in groups.items():
            _write(group, out / kind, kind, per_file)
        return out
    _write(docs, out, layout, per_file)
    return out


def _write(docs, out: Path, layout: str, per_file: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    batch: list = []
    shard = 0

    def flush() -> None:
        nonlocal shard
        if not batch:
            return
        if layout == "jsonl":
            with open(out / f"part-{shard:05d}.jsonl", "w", encoding="utf-8") as fh:
                for d in batch:
                    fh.write(json.dumps(_record(d), ensure_ascii=False) + "\n")
        elif layout == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            cols = ("id", "title", "date", "source", "url", "text")
            table = pa.table({c: [_record(d).get(c) for d in batch] for c in cols})
            pq.write_table(table, out / f"part-{shard:05d}.parquet", row_group_size=256)
        elif layout == "files":
            folder = out / f"{shard:05d}"
            folder.mkdir(exist_ok=True)
            for d in batch:
                head = f"{d.title}\n\n" if d.title else ""
                (folder / f"{d.doc_id}.txt").write_text(head + d.text, encoding="utf-8")
        else:
            raise ValueError(f"unknown layout {layout!r}")
        shard += 1
        batch.clear()

    for d in docs:
        batch.append(d)
        if len(batch) >= per_file:
            flush()
    flush()


# ------------------------------------------------------------------------------- measuring


def _child(corpus: str, jobs: int, engine: str, out: str) -> None:
    """Run one configuration in this (fresh) process and print its figures as JSON."""
    from geomap.pipeline import run

    t = time.perf_counter()
    res = run([corpus], out, jobs=jobs, engine=engine, write_map=False, progress=False,
              formats=("parquet",))
    seconds = time.perf_counter() - t
    rss_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import multiprocessing

    for worker in multiprocessing.active_children():  # (the pool winds down after run returns)
        worker.join(30)
    rss_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads((Path(out) / "run-report.json").read_text(encoding="utf-8"))
    print(json.dumps({
        "reports": res.n_documents, "incidents": res.n_incidents, "seconds": seconds,
        "extract_s": report["timings_s"]["read_and_extract"],
        "merge_s": report["timings_s"]["merge_and_write"], "rss_main_mb": rss_main,
        "rss_worker_mb": rss_workers if jobs > 1 or engine == "dask" else None,
        "failed": res.n_failed,
    }))


def main() -> int:
    """Generate the corpora, run every configuration, print a table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="corpus sizes (default 1000,10000)")
    ap.add_argument("--jobs", default="1,2", help="job counts (default 1,2)")
    ap.add_argument("--layout", default="jsonl", choices=("jsonl", "files", "parquet", "mixed"))
    ap.add_argument("--engine", default="local", choices=("local", "dask"))
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (default: a temp dir)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run each job count N times, interleaved; speed-up from the fastest runs")
    ap.add_argument("--child", nargs=4, metavar=("CORPUS", "JOBS", "ENGINE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        corpus, jobs, engine, out = args.child
        _child(corpus, int(jobs), engine, out)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    jobs_list = [int(j) for j in args.jobs.split(",") if j.strip()]
    root_ctx = tempfile.TemporaryDirectory(prefix="geomap-scale-") if not args.keep else None
    root = Path(args.keep or root_ctx.name)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; layout {args.layout}, "
          f"engine {args.engine}")
    print(f"{'reports':>8} {'jobs':>4} {'incidents':>9} {'total s':>8} {'reports/s':>9} "
          f"{'extract s':>9} {'extract/s':>9} {'merge s':>7} {'RSS main':>9} {'RSS worker':>10} {'steal':>5}")
    from bench.hostspeed import cpu_ticks, steal_share

    rows = []
    ceiling = None
    if {1, 2} <= set(jobs_list) and args.engine == "local":
        from bench.hostspeed import machine_ceiling

        one, two, ceiling = machine_ceiling()
        print(f"# two processes of a pure-Python loop: {one:.2f} s alone, {two:.2f} s side by side "
              f"(fastest of 3): two jobs give {ceiling:.2f}x at most here", flush=True)
    try:
        for n in sizes:
            corpus = root / f"corpus-{n}"
            if not corpus.exists():
                t = time.perf_counter()
                generate_corpus(n, corpus, layout=args.layout)
                print(f"# generated {n:,} reports in {time.perf_counter() - t:.1f} s", flush=True)
            for rnd, jobs in ((r, j) for r in range(max(1, args.repeat)) for j in jobs_list):
                out = root / f"out-{n}-{jobs}"
                ticks = cpu_ticks()
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", str(corpus), str(jobs), args.engine, str(out)],
                    capture_output=True, text=True, check=False,
                )
                if proc.returncode:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    return 1
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                stolen = steal_share(ticks, cpu_ticks())
                r.update(size=n, jobs=jobs, round=rnd, steal=stolen)
                rows.append(r)
                worker = f"{r['rss_worker_mb']:.0f} MB" if r["rss_worker_mb"] else "-"
                print(f"{n:>8,} {jobs:>4} {r['incidents']:>9,} {r['seconds']:>8.1f} "
                      f"{r['reports'] / r['seconds']:>9,.0f} {r['extract_s']:>9.1f} "
                      f"{r['reports'] / r['extract_s']:>9,.0f} {r['merge_s']:>7.1f} "
                      f"{r['rss_main_mb']:>6.0f} MB {worker:>10} "
                      f"{'-' if stolen is None else f'{stolen:.0%}':>5}", flush=True)
    finally:
        if root_ctx is not None:
            root_ctx.cleanup()
    for n in sizes:
        runs = {j: [r for r in rows if r["size"] == n and r["jobs"] == j] for j in (1, 2)}
        if not (runs[1] and runs[2]):
            continue
        best = {j: min(rs, key=lambda r: r["seconds"]) for j, rs in runs.items()}
        extract = {j: min(r["extract_s"] for r in rs) for j, rs in runs.items()}
        speed_up = best[1]["seconds"] / best[2]["seconds"]
        print(f"speed-up 1 -> 2 jobs at {n:,} reports: {speed_up:.2f}x "
              f"overall, {extract[1] / extract[2]:.2f}x read+extract"
              + (" (fastest runs)" if len(runs[1]) > 1 else "")
              + (f"; {speed_up / ceiling:.0%} of the machine's {ceiling:.2f}x" if ceiling else ""))
        if len(runs[1]) > 1:
            rounds = [a["seconds"] / b["seconds"] for a, b in zip(runs[1], runs[2], strict=False)]
            print("  by round: " + ", ".join(f"{x:.2f}x" for x in rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
