"""The Python API behind the CLI: extract incidents, run the whole job, write every output.

Reports stream through in batches. Extraction (geoparse and incidents) runs in-process
(``jobs=1``), in a local pool of ``jobs`` worker processes, or on a Dask cluster
(``engine="dask"``); the incidents go to an on-disk spool (:class:`geomap.merge.IncidentSpool`).
Merging happens afterwards, on all of them: the spool is split into partitions that merge
independently (places that could share an incident), which the pool's workers (or this process)
merge a day at a time and write as part files; the parts are then appended to the outputs in
partition order. Memory is bounded by the batch, a week of one partition's incidents and a
chunk of merged incidents (:func:`_write_chunks`), not by the corpus, and the result is the same
whatever the engine and the number of jobs.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from geomap.errors import GeomapError, UsageError
from geomap.export import MentionCounts
from geomap.gazetteer import Gazetteer, default_gazetteer
from geomap.ingest import DEFAULT_MAX_BYTES, RUN_OUTPUTS, Failure, iter_documents
from geomap.merge import IncidentSpool
from geomap.schema import Document, Incident

__all__ = [
    "DEFAULT_BATCH_SIZE", "ENGINES", "FORMATS", "InputLog", "RunResult", "extract", "extract_incidents",
    "extract_to", "run",
    "sample_dir",
]

#: Reports sent to a worker at a time.
DEFAULT_BATCH_SIZE = 64
#: Execution engines: ``local`` (in-process or a process pool) and ``dask`` (Dask distributed).
ENGINES = ("local", "dask")
#: Incident file formats ``run`` can write (``formats=``); the default is all but ``parquet``.
FORMATS = ("geojson", "csv", "gpkg", "parquet")
DEFAULT_FORMATS = ("geojson", "csv", "gpkg")
#: Merged incidents converted, filtered and written into part files at a time, and the sources
#: they may carry between them (see :func:`_write_chunks`): a part file's row group. Small
#: enough that a run of a thousand reports fills chunks too, so a run's peak memory does not
#: grow with the corpus: with 5,000 of each (the outputs' chunks), a 1-job run peaked 19 %
#: higher at 100k generated reports than at 1k, whose chunks never filled; with 1,000, 6 %
#: (``bench/scale.py``). A GeoParquet output keeps these row groups (readers handle 1,000-row
#: groups well); the GeoPackage output gathers them into its own writes of 5,000.
_WRITE_CHUNK = 1000
_WRITE_SOURCES = 1000
#: A spool of fewer extracted incidents is merged in this process, pool or not: a worker's first
#: merge task imports pyarrow and pandas (about 0.5 s), longer than merging and writing 15,000
#: incidents takes (about 30 us each, measured on 10k generated reports).
_POOL_MERGE_MIN = 15_000
#: Batches in flight per worker: enough to keep every worker busy, few enough to bound memory.
_IN_FLIGHT_PER_WORKER = 4


def sample_dir() -> Path:
    """Return the folder of the bundled sample reports."""
    return Path(str(resources.files("geomap") / "samples"))


class InputLog:
    """The status of every input (file, JSONL line, CSV or Parquet row), in input order.

    Entries are spilled to an anonymous temporary file as JSON lines, so an account of millions
    of inputs does not stay in memory. Iterate to read them back.
    """

    def __init__(self) -> None:
        self._fh = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115 - lives with the log
        self._n = 0

    def extend(self, entries: Iterable[dict]) -> None:
        """Append entries."""
        for e in entries:
            self._fh.write(json.dumps(e, ensure_ascii=False) + "\n")
            self._n += 1

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[dict]:
        return map(json.loads, self.lines())

    def lines(self) -> Iterator[str]:
        """Yield each entry as one line of compact JSON (without its line break)."""
        self._fh.flush()
        self._fh.seek(0)
        try:
            for line in self._fh:
                yield line[:-1]
        finally:
            self._fh.seek(0, os.SEEK_END)


#: Failed inputs a :class:`RunResult` keeps as examples (it counts them all).
FAILURES_KEPT = 1000


class _ReadBack:
    """Reads the incidents a run wrote to ``path``, when called (``RunResult.incidents``).

    The file is stamped when the run has written it: when another run has since replaced or
    removed it, reading fails with a message that says so instead of returning that run's
    incidents.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._written = self._stamp()

    def _stamp(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def __call__(self):
        from geomap import export

        if self._stamp() != self._written:
            raise GeomapError(
                f"{self.path} was replaced or removed after this run wrote it (by another run into "
                "the same folder?): read RunResult.incidents before running again, or give each run "
                "its own output folder"
            )
        return export.read_incidents(self.path)


@dataclass
class RunResult:
    """What a run produced: incidents, place mentions per place and an account of every input.

    Attributes
    ----------
    incidents : geopandas.GeoDataFrame
        Merged incidents. After :func:`run`, read back on first use from the written output
        (a CSV-only run's from a GeoParquet copy in a temporary folder of its own, removed with
        the result); a later run into the same folder may replace or remove that output.
    n_incidents : int
        Number of merged incidents (without loading them).
    place_mentions : MentionCounts
        Mentions counted per resolved place (what ``places.geojson`` needs); the mentions
        themselves are not kept, so memory does not grow with every report.
    inputs : InputLog
        One entry per input (file, JSONL line, CSV or Parquet row), in input order, with its
        status: what ``run-report.json`` lists.
    failures : list of Failure
        The first :data:`FAILURES_KEPT` failed inputs, as examples (all of them are in
        ``inputs``, and so in ``run-report.json``): a corpus of millions of broken rows must not
        hold millions of Failures in memory.
    n_failed : int
        Number of failed inputs.
    n_documents : int
        Reports extracted.
    seconds : float
    outputs : dict
        Output name -> path.
    engine : dict
        How extraction ran: engine, jobs, batch size, scheduler.
    timings : dict
        Seconds spent reading and extracting (``extract``, parallel) and merging, filtering and
        writing (``merge``, in this process).
    """

    place_mentions: MentionCounts = field(default_factory=MentionCounts)
    inputs: InputLog = field(default_factory=InputLog)
    failures: list[Failure] = field(default_factory=list)
    n_failed: int = 0
    n_documents: int = 0
    n_incidents: int = 0
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    engine: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    _incidents: object = None  # a GeoDataFrame, or a function that reads it back

    @property
    def incidents(self):
        """Merged incidents as a GeoDataFrame."""
        if callable(self._incidents):
            self._incidents = self._incidents()
        return self._incidents

    @incidents.setter
    def incidents(self, gdf) -> None:
        self._incidents = gdf
        self.n_incidents = len(gdf)

    def add_failures(self, failures: list[Failure]) -> None:
        """Count failed inputs, keeping the first :data:`FAILURES_KEPT` as examples."""
        self.n_failed += len(failures)
        self.failures.extend(failures[: max(0, FAILURES_KEPT - len(self.failures))])

    @property
    def mentions(self) -> MentionCounts:
        """Place mentions, counted per place (older name of :attr:`place_mentions`)."""
        return self.place_mentions


class _Progress:
    """A ``N reports, R/s`` line on stderr, rewritten in place; silent unless stderr is a TTY."""

    def __init__(self, enabled: bool, stream=None, every: float = 0.25, unit: str = "reports") -> None:
        self.unit = unit
        self.stream = stream or sys.stderr
        try:
            tty = self.stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.on = bool(enabled and tty)
        self.every = every
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.width = 0

    def _write(self, text: str) -> None:
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def update(self, n: int, *, force: bool = False) -> None:
        """Show that ``n`` units are done (at most every ``every`` seconds)."""
        if not self.on:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.every:
            return
        self.last = now
        self._write(f"{n:,} {self.unit}, {n / max(1e-9, now - self.t0):,.0f}/s")

    def close(self, n: int, note: str = "") -> None:
        """Write the final count (and ``note``) and end the line."""
        if self.on:
            now = time.perf_counter()
            self._write(f"{n:,} {self.unit}, {n / max(1e-9, now - self.t0):,.0f}/s{note}")
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------------------- extraction


@dataclass
class _BatchResult:
    """What one batch of inputs gave: report entries in input order, incidents, place counts.

    Incidents travel as :class:`~geomap.merge.IncidentSpool` rows, encoded by the worker, so
    the main process only stores them.
    """

    entries: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    incidents: list[tuple] = field(default_factory=list)  # IncidentSpool rows
    counts: MentionCounts = field(default_factory=MentionCounts)
    n_documents: int = 0


def _extract_items(items: Iterable[Document | Failure], gaz: Gazetteer) -> _BatchResult:
    """Geoparse and extract each document of a batch; a bad report never sinks the batch."""
    from geomap.geoparse import geoparse
    from geomap.incidents import extract_document

    out = _BatchResult()
    for item in items:
        if isinstance(item, Failure):
            out.failures.append(item)
            out.entries.append({"input": item.input, "status": "failed", "reason": item.reason})
            continue
        try:
            ms = geoparse(item.text, gaz)
            incs = extract_document(item, gaz, ms)
        except GeomapError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - one report must never sink the batch
            reason = f"internal error while extracting: {type(exc).__name__}: {exc}"
        else:
            out.n_documents += 1
            out.counts.add(ms)
            out.incidents.extend(IncidentSpool.rows(incs))
            out.entries.append({"input": item.doc_id, "status": "ok", "places": len(ms),
                                "incidents": len(incs)})
            continue
        out.failures.append(Failure(item.doc_id, reason))
        out.entries.append({"input": item.doc_id, "status": "failed", "reason": reason})
    return out


#: The gazetteer of this (worker) process, per user places file: loaded once per process.
_WORKER_GAZETTEERS: dict[str | None, Gazetteer] = {}


_WORKER_LOCK = threading.Lock()


def _worker_gazetteer(places: str | None) -> Gazetteer:
    """Return this process's gazetteer (the default one, plus ``places`` when given)."""
    with _WORKER_LOCK:  # a multi-threaded Dask worker builds it once
        gaz = _WORKER_GAZETTEERS.get(places)
        if gaz is None:
            gaz = Gazetteer(user_places=places) if places else default_gazetteer()
            _WORKER_GAZETTEERS[places] = gaz
    return gaz


def _init_worker(places: str | None) -> None:
    """Process-pool initializer: load the gazetteer once, before the first batch arrives.

    Workers ignore Ctrl-C: the main process handles it and stops the pool (no traceback from
    every worker). A watchdog thread ends the worker if the main process is killed.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                     name="geomap-parent-watch").start()
    _worker_gazetteer(places)


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """Worker watchdog: end this process when its parent is gone (killed, not shut down)."""
    while True:
        time.sleep(every)
        if os.getppid() != parent:
            os._exit(1)


def _extract_batch(items: list[Document | Failure], places: str | None) -> _BatchResult:
    """Worker task (pool or Dask): extract one batch with this process's gazetteer."""
    return _extract_items(items, _worker_gazetteer(places))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _write_chunks(incidents: Iterable[Incident], size: int, sources: int) -> Iterator[list[Incident]]:
    """Yield consecutive incidents in lists of at most ``size`` incidents and ``sources`` sources.

    A list holds one incident at least, however many sources it has. The memory a chunk takes to
    convert and write grows with its sources as much as with its incidents, and merged incidents
    have more sources the larger the corpus (each event is reported more often): counting both
    bounds it whatever the corpus. The cuts depend on the incidents only, never on the job count.
    """
    chunk: list[Incident] = []
    n_sources = 0
    for inc in incidents:
        k = len(inc.sources)
        if chunk and (len(chunk) >= size or n_sources + k > sources):
            yield chunk
            chunk, n_sources = [], 0
        chunk.append(inc)
        n_sources += k
    if chunk:
        yield chunk


def _in_order(submit: Callable[[list], object], batches: Iterable[list], max_in_flight: int,
              collect: Callable[[object], _BatchResult]) -> Iterator[_BatchResult]:
    """Submit batches as they are read, at most ``max_in_flight`` unfinished; yield in input order.

    ``submit`` returns a future; ``collect`` waits for one and returns its result. Results come
    back in submission order (a FIFO of futures), so the run report lists inputs in order.
    """
    pending: deque = deque()
    for batch in batches:
        pending.append(submit(batch))
        while len(pending) >= max_in_flight:
            yield collect(pending.popleft())
    while pending:
        yield collect(pending.popleft())


@contextlib.contextmanager
def _process_pool(jobs: int, places: str | None):
    """A pool of ``jobs`` spawned processes, each loading the gazetteer once; shut down on exit."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(places,))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # the workers are gone before the error shows
        raise
    # all tasks are done: the workers wind down (0.25 s) while this process finishes the outputs
    pool.shutdown(wait=False)


def _result(fut):
    """Wait for a pool future; a dead worker becomes an error a user can act on."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return fut.result()
    except BrokenProcessPool:
        raise GeomapError(
            "a worker process died (killed by the system, out of memory?); run again with "
            "fewer --jobs or a smaller --batch-size, or with --jobs 1 to see the error"
        ) from None


def _pool_results(batches: Iterator[list], pool, jobs: int, places: str | None) -> Iterator[_BatchResult]:
    """Extract batches in ``pool``, at most a few per worker in flight, results in input order."""
    yield from _in_order(lambda b: pool.submit(_extract_batch, b, places), batches,
                         _IN_FLIGHT_PER_WORKER * jobs, _result)


def _dask_client(jobs: int, scheduler: str | None):
    """Return ``(client, cluster)``: connected to ``scheduler``, or to a new LocalCluster."""
    import logging

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask needs Dask distributed: pip install 'geomap[dask]' "
                         "(or pip install 'dask[distributed]')") from None
    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot connect to the Dask scheduler at {scheduler} ({exc}); start one with "
                f"`dask scheduler` and workers with `dask worker {scheduler}`, or leave out "
                f"--scheduler for a local cluster"
            ) from None
    cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def _dask_results(batches: Iterator[list], jobs: int, scheduler: str | None,
                  places: str | None, info: dict | None = None) -> Iterator[_BatchResult]:
    """Extract batches on Dask workers (each loads the gazetteer once, on its first batch)."""
    client, cluster = _dask_client(jobs, scheduler)

    def collect(fut) -> _BatchResult:
        try:
            return fut.result()
        except GeomapError:
            raise
        except Exception as exc:  # noqa: BLE001 - a worker died or a task could not run
            raise GeomapError(
                f"a Dask task failed ({type(exc).__name__}: {exc}); check that every worker has "
                f"the same geomap installed, or run with --engine local"
            ) from None

    try:
        if scheduler:
            try:
                client.wait_for_workers(1, timeout=60)
            except (TimeoutError, OSError):
                raise UsageError(
                    f"the Dask scheduler at {scheduler} has no workers; start some with "
                    f"`dask worker {scheduler}` (with geomap installed)"
                ) from None
        workers = sum(client.nthreads().values()) or jobs
        if info is not None:
            info["workers"] = workers
        yield from _in_order(lambda b: client.submit(_extract_batch, b, places, pure=False),
                             batches, _IN_FLIGHT_PER_WORKER * workers, collect)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _in_process(batches: Iterable[list], gazetteer: Gazetteer | None,
                places: str | os.PathLike | None) -> Iterator[_BatchResult]:
    """Extract batches in this process (the default gazetteer, or one with ``places``)."""
    gaz = gazetteer or _worker_gazetteer(os.path.abspath(places) if places else None)
    for batch in batches:
        yield _extract_items(batch, gaz)


def _places_path(places: str | os.PathLike | None) -> str | None:
    """Return the user places file workers must load (``places`` or ``$GEOMAP_PLACES``), absolute."""
    chosen = places or os.environ.get("GEOMAP_PLACES")
    return os.path.abspath(chosen) if chosen else None


def _check_engine(engine: str, jobs: int | None, scheduler: str | None, batch_size: int) -> int:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if jobs is None:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, got {jobs}")
    if batch_size < 1:
        raise UsageError(f"--batch-size must be 1 or more, got {batch_size}")
    return jobs


def extract_incidents(
    items: Iterable[Document | Failure],
    gazetteer: Gazetteer | None = None,
    *,
    progress: bool = False,
    jobs: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    places: str | os.PathLike | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RunResult:
    """Geoparse and extract every document of a stream, then merge across reports.

    Parameters
    ----------
    items : iterable of Document or Failure
        A stream, e.g. :func:`geomap.ingest.iter_documents`; read lazily, a batch at a time.
    gazetteer : Gazetteer, optional
        Used in-process (``jobs=1``). Worker processes load their own: the default gazetteer,
        plus ``places``.
    progress : bool
        Show ``N reports, R/s`` on stderr when it is a terminal.
    jobs : int or None
        Worker processes (``None``: all cores). ``1`` runs in this process. With the local
        engine, an input of at most one batch is extracted in this process (a pool would only
        add its start-up time).
    engine : {"local", "dask"}
        ``local``: a process pool (spawn); ``dask``: Dask distributed, on ``scheduler`` or on a
        LocalCluster of ``jobs`` single-threaded worker processes.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); workers need geomap installed.
    places : path, optional
        User places CSV for the workers' gazetteers (defaults to ``$GEOMAP_PLACES``); needed
        with ``jobs > 1`` when ``gazetteer`` has user places.
    batch_size : int
        Reports per task.

    Returns
    -------
    RunResult
        ``incidents`` is a GeoDataFrame (merged, stable ids), the same whatever the engine and
        the number of jobs.

    Raises
    ------
    UsageError
        Bad engine options; a custom ``gazetteer`` without ``places`` with ``jobs > 1``; Dask
        missing or its scheduler unreachable.
    GeomapError
        A worker process died.
    """
    from geomap.export import to_geodataframe

    with IncidentSpool() as spool, contextlib.ExitStack() as stack:
        out, _ = _extract_to(spool, items, gazetteer, stack=stack, progress=progress, jobs=jobs,
                             engine=engine, scheduler=scheduler, places=places, batch_size=batch_size)
        t1 = time.perf_counter()
        out.incidents = to_geodataframe(spool.merged())
    out.timings["merge"] = round(time.perf_counter() - t1, 3)
    out.seconds = out.timings["extract"] + out.timings["merge"]
    return out


def _extract_to(spool, items: Iterable[Document | Failure], gazetteer: Gazetteer | None, *,
                stack: contextlib.ExitStack, progress: bool, jobs: int | None, engine: str,
                scheduler: str | None, places: str | os.PathLike | None, batch_size: int):
    """Extract every item into ``spool`` (unmerged).

    Returns ``(result, pool)``: the account of the run so far, and the process pool (entered
    into ``stack``, so it outlives extraction for merging) or None.
    """
    jobs = _check_engine(engine, jobs, scheduler, batch_size)
    worker_places = _places_path(places)
    parallel = engine == "dask" or jobs > 1
    if parallel and gazetteer is not None and places is None and gazetteer is not default_gazetteer():
        raise UsageError("worker processes cannot use a Gazetteer object built here: pass "
                         "places=PATH (its user places CSV) so each worker loads its own, or jobs=1")
    t0 = time.perf_counter()
    batches = _batches(items, batch_size)
    results: Iterator[_BatchResult]
    pool = None
    out = RunResult(engine={"engine": engine, "jobs": jobs, "batch_size": batch_size})
    if scheduler:
        out.engine["scheduler"] = scheduler
    if engine == "dask":
        results = _dask_results(batches, jobs, scheduler, worker_places, out.engine)
    elif jobs > 1:
        head = list(itertools.islice(batches, 2))
        if len(head) < 2:  # one batch or none: not worth starting a pool
            out.engine["jobs"] = 1
            results = _in_process(head, gazetteer, places)
        else:
            pool = stack.enter_context(_process_pool(jobs, worker_places))
            results = _pool_results(itertools.chain(head, batches), pool, jobs, worker_places)
    else:
        results = _in_process(batches, gazetteer, places)
    show = _Progress(progress)
    try:
        for res in results:
            out.inputs.extend(res.entries)
            out.add_failures(res.failures)
            out.place_mentions.update(res.counts)
            spool.add_rows(res.incidents)
            out.n_documents += res.n_documents
            show.update(out.n_documents)
    except BaseException:
        show.close(out.n_documents)  # end the line before the error is printed
        raise
    finally:
        results.close()  # stops the pool or the Dask cluster at once, also on an error
    show.close(out.n_documents, f"; merging {len(spool):,} incidents")
    out.timings = {"extract": round(time.perf_counter() - t0, 3)}
    return out, pool


def extract(
    documents: Iterable[Document | str | os.PathLike],
    gazetteer: Gazetteer | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    jobs: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
):
    """Return the incidents of news reports as a GeoDataFrame.

    Parameters
    ----------
    documents : iterable of Document, str or path
        Documents, or file/folder paths to read (``.txt``, ``.html``, ``.md``, ``.jsonl``,
        ``.csv``, ``.parquet``). A plain string that is not an existing path is taken as report
        text.
    gazetteer : Gazetteer, optional
    max_bytes : int
        Per-report size limit for files.
    jobs, engine, scheduler
        Parallel extraction, see :func:`extract_incidents` (``jobs > 1`` or Dask need a
        ``if __name__ == "__main__":`` guard in scripts, as any spawned process pool does).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per merged incident, columns :data:`geomap.schema.INCIDENT_COLUMNS`, Point
        geometry in EPSG:4326 (None for country-level and cumulative figures).
    """
    return extract_incidents(_as_items(documents, max_bytes), gazetteer, jobs=jobs, engine=engine,
                             scheduler=scheduler).incidents


def _one_or_many(items, what: str) -> Iterator:
    """Return an iterator over ``items``: one path, text or Document stands for a list of one (a
    string iterated would be read character by character, and ``"/"`` as the whole disk)."""
    if isinstance(items, (str, bytes, os.PathLike, Document)):
        return iter([items])
    try:
        return iter(items)  # (a generator stays lazy: reports stream)
    except TypeError:
        raise UsageError(f"{what}: give a list of paths (or texts), not {type(items).__name__}") from None


def _as_items(documents, max_bytes: int):
    paths = []
    for n, d in enumerate(_one_or_many(documents, "documents")):
        if isinstance(d, Document):
            yield d
        elif isinstance(d, os.PathLike) or (isinstance(d, str) and len(d) < 4096 and "\n" not in d and os.path.exists(d)):
            paths.append(d)
        elif isinstance(d, str):
            yield Document(doc_id=f"text-{n}", text=d)
        else:
            yield Failure(repr(d)[:80], "not a Document, path or text")
    if paths:
        yield from iter_documents(paths, max_bytes=max_bytes)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("geomap", "geopandas", "shapely", "folium", "pyogrio", "pyarrow", "dask", "distributed"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def _check_formats(formats: Iterable[str], partition: str | None) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise UsageError(f"unknown output format {', '.join(bad) or '(none)'}; choose from "
                         f"{', '.join(FORMATS)} (comma-separated)")
    if partition not in (None, "none", "month"):
        raise UsageError(f"unknown --partition {partition!r}; use month")
    if partition == "month" and "parquet" not in chosen:
        raise UsageError("--partition month partitions GeoParquet output: add --format parquet "
                         "(or --geoparquet)")
    return chosen


def check_inputs(inputs: Iterable[str | os.PathLike]) -> None:
    """Refuse a list of input paths none of which exists (a typo), before any output is written.

    Raises
    ------
    UsageError
        When no input exists: a run would replace the outputs of the last one with nothing.
        When some exist, the missing ones are failed inputs of the run report, as any bad input.
    """
    inputs = list(inputs)
    if not any(os.path.lexists(p) for p in inputs if str(p)):
        raise UsageError(f"no such file or folder: {', '.join(map(str, inputs))}; nothing was written")


@contextlib.contextmanager
def _output_lock(out: Path) -> Iterator[None]:
    """Hold ``out/.geomap.lock`` for the run: a second run writing into the same folder at the
    same time would leave it holding a mix of both runs' outputs.

    Raises
    ------
    UsageError
        When another run holds the folder, or the folder is not writable.
    """
    from geomap.export import file_lock

    held = contextlib.ExitStack()
    try:  # (only taking the lock: errors of the run itself pass through as they are)
        held.enter_context(file_lock(out / ".geomap.lock", wait=False))
    except BlockingIOError:
        raise UsageError(f"another geomap run is writing into {out}; wait for it, or give "
                         "another output folder") from None
    except PermissionError as exc:
        raise UsageError(f"cannot write into {out} ({exc.strerror}); give a folder you can write to") from None
    with held:
        yield


def _check_run(inputs: list, out_dir: str | os.PathLike, store: str | os.PathLike | None,
               max_bytes: int) -> Path:
    """Refuse a run that could only fail or do harm, before anything is written; create and
    return the output folder.

    Raises
    ------
    UsageError
        When no input exists (:func:`check_inputs`), the output folder is a file, ``store`` is
        no GeoPackage store or ``max_bytes`` is not positive.
    """
    from geomap.export import check_store

    if max_bytes <= 0:
        raise UsageError(f"the per-report size limit must be positive, not {max_bytes}")
    check_inputs(inputs)
    if store:
        check_store(store)
    if out_dir is None or str(out_dir) == "":
        raise UsageError("no output folder; give one")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"cannot write into {out}: it (or a folder above it) is a file; give a folder") from None
    return out


def run(
    inputs: Iterable[str | os.PathLike] | None = None,
    out_dir: str | os.PathLike = "output",
    *,
    flt=None,
    store: str | os.PathLike | None = None,
    gazetteer: Gazetteer | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: bool = True,
    write_map: bool = True,
    jobs: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    places: str | os.PathLike | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    formats: Iterable[str] = DEFAULT_FORMATS,
    partition: str | None = None,
) -> RunResult:
    """Run the whole job: read, geoparse, extract, merge, filter and write every output.

    Writes ``incidents.geojson`` and ``places.geojson`` (format ``geojson``), ``incidents.csv``
    (``csv``), ``incidents.gpkg`` (``gpkg``; layers ``incidents`` and ``places``),
    ``incidents.parquet`` and ``places.parquet`` (``parquet``: GeoParquet), ``map.html`` and
    ``summary.png`` (unless ``write_map`` is False) and ``run-report.json`` into ``out_dir``.

    Parameters
    ----------
    inputs : paths, optional
        Files and folders; defaults to the bundled sample corpus.
    out_dir : path
    flt : geomap.filters.Filter, optional
        Keep only matching incidents.
    store : path, optional
        A GeoPackage that accumulates incidents across runs (idempotent).
    gazetteer : Gazetteer, optional
    max_bytes : int
        Per-report size limit.
    progress : bool
        A reports/s line on stderr when it is a terminal.
    write_map : bool
        Write ``map.html`` and ``summary.png``.
    jobs, engine, scheduler, places, batch_size
        Parallel extraction, see :func:`extract_incidents`.
    formats : iterable of str
        Incident file formats among :data:`FORMATS`; default geojson, csv and gpkg.
    partition : {None, "month"}
        With ``parquet``: write ``incidents.parquet`` as a folder partitioned by event month.

    Returns
    -------
    RunResult
    """
    from geomap import export

    formats = _check_formats(formats, partition)
    _check_engine(engine, jobs, scheduler, batch_size)
    gaz = gazetteer or (Gazetteer(user_places=places) if places else default_gazetteer())
    inputs = (list(_one_or_many(inputs, "inputs")) if inputs is not None else []) or [sample_dir()]
    out = _check_run(inputs, out_dir, store, max_bytes)
    with _output_lock(out):
        t0 = time.perf_counter()
        with IncidentSpool() as spool, contextlib.ExitStack() as stack:
            result, pool = _extract_to(spool, iter_documents(inputs, max_bytes=max_bytes), gaz, stack=stack,
                                       progress=progress, jobs=jobs, engine=engine, scheduler=scheduler,
                                       places=places, batch_size=batch_size)
            t1 = time.perf_counter()
            writers = _open_writers(stack, out, formats, partition)
            # the incidents are read back from an output (a map or a store needs them all at
            # once, and RunResult.incidents reads them on first use); CSV is not read back, so a
            # CSV-only run also writes them as GeoParquet into a temporary folder of its own
            if not {"geojson", "gpkg", "parquet"} & set(formats):
                writers["all"] = stack.enter_context(export.GeoParquetWriter(_private_copy(result)))
            tally = export.PlaceTally(result.place_mentions)
            merge_pool = _merge_parts(spool, pool, list(writers.values()), tally, result, gaz, flt=flt,
                                      places=_places_path(places), progress=progress)
            # places files: by a worker when the workers merged, since this process has not loaded
            # pandas then, and pyarrow loads it to build any table (0.2 s, while the workers idle)
            places_files = (merge_pool.submit(_write_places, tally, out, formats) if merge_pool is not None
                            else None)
            if "gpkg" in writers:
                writers["gpkg"].add_layer("places", tally.to_geodataframe())
            paths = {f"incidents_{fmt}": w.path for fmt, w in writers.items() if fmt != "all"}
            readable = writers.get("all") or next(writers[f] for f in ("geojson", "gpkg", "parquet") if f in writers)
            stack.pop_all().close()  # commit the outputs (and stop the pool) before reading back
            result._incidents = _ReadBack(readable.path)
        paths.update(_result(places_files) if places_files is not None else _write_places(tally, out, formats))
        result.timings["merge"] = round(time.perf_counter() - t1, 3)
        added = None
        if store:
            added = export.store_append(result.incidents, store)
        if write_map:
            from geomap import mapview

            gdf = result.incidents
            boundaries = _boundaries(gaz, gdf)
            basemap = gaz.areas[gaz.areas["kind"] == "country"][["id", "name", "country_code", "geometry"]]
            paths["map_html"] = mapview.write_map(gdf, out / "map.html", boundaries=boundaries, basemap=basemap)
            paths["summary_png"] = mapview.write_summary_png(gdf, out / "summary.png", boundaries=boundaries)
        result.seconds = time.perf_counter() - t0
        result.outputs = {k: str(v) for k, v in paths.items()}
        report = {
            "inputs": result.inputs,
            "counts": {
                "inputs": len(result.inputs),
                "ok": len(result.inputs) - result.n_failed,
                "failed": result.n_failed,
                "documents": result.n_documents,
                "place_mentions": result.place_mentions.total,
                "incidents": result.n_incidents,
                "store_added": added,
            },
            "timings_s": {
                "read_and_extract": result.timings.get("extract"),
                "merge_and_write": result.timings.get("merge"), "total": round(result.seconds, 3),
            },
            "engine": result.engine,
            "versions": _versions(),
            "outputs": result.outputs,
        }
        keep = [*(p for p in inputs if isinstance(p, (str, os.PathLike))), *(p for p in (store, places) if p)]
        report["removed_outputs"] = _remove_stale_outputs(out, result.outputs.values(), keep)
        _write_report(out / "run-report.json", report)
        result.outputs["run_report"] = str(out / "run-report.json")
        return result


def extract_to(
    items: Iterable[Document | Failure],
    path: str | os.PathLike,
    gazetteer: Gazetteer | None = None,
    *,
    flt=None,
    partition: str | None = None,
    progress: bool = False,
    jobs: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    places: str | os.PathLike | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RunResult:
    """Extract, merge, filter and write incidents to one file, in memory bounded by the batch.

    Parameters
    ----------
    items : iterable of Document or Failure
        A stream, e.g. :func:`geomap.ingest.iter_documents`.
    path : path or "-"
        Output; its name says the format (see :func:`geomap.export.open_writer`).
    gazetteer, progress, jobs, engine, scheduler, places, batch_size
        See :func:`extract_incidents`.
    flt : geomap.filters.Filter, optional
        Keep only matching incidents.
    partition : {None, "month"}
        With a ``.parquet`` output: a folder partitioned by event month.

    Returns
    -------
    RunResult
        ``incidents`` is read back from ``path`` on first use (not for ``-``).
    """
    from geomap import export

    with IncidentSpool() as spool, contextlib.ExitStack() as stack:
        writer = stack.enter_context(export.open_writer(path, partition=partition))
        result, pool = _extract_to(spool, items, gazetteer, stack=stack, progress=progress, jobs=jobs,
                                   engine=engine, scheduler=scheduler, places=places, batch_size=batch_size)
        t1 = time.perf_counter()
        _merge_parts(spool, pool, [writer], None, result, gazetteer, flt=flt, places=_places_path(places),
                     progress=progress)
    result.timings["merge"] = round(time.perf_counter() - t1, 3)
    result.seconds = result.timings["extract"] + result.timings["merge"]
    if str(path) != "-":
        result._incidents = _ReadBack(writer.path)
    return result


def _bins(parts: list[tuple[str, int]], total: int) -> list[tuple[list[str], int]]:
    """Group consecutive partitions into tasks of about ``total / 64`` incidents (2,000 or more).

    The grouping depends on the data only, never on the number of jobs, so the part files, and
    with them the outputs, are the same whatever the job count.
    """
    target = max(2000, total // 64)
    bins: list[tuple[list[str], int]] = []
    for name, n in parts:
        if bins and bins[-1][1] < target:
            bins[-1][0].append(name)
            bins[-1] = (bins[-1][0], bins[-1][1] + n)
        else:
            bins.append(([name], n))
    return bins


@dataclass
class _PartResult:
    """What merging one spool partition gave: its part files, place tally and incident count."""

    files: dict[str, Path]
    tally: dict[str, dict]
    n_incidents: int


def _merge_part(spool_path: str, parts: list[str], name: str, folder: str, kinds: frozenset[str],
                partition: str | None, flt, places: str | None,
                gazetteer: Gazetteer | None = None) -> _PartResult:
    """Merge partitions of the spool, filter them and write them as part files (a worker task)."""
    from geomap import export
    from geomap.filters import apply_filter
    from geomap.merge import merge_part

    gaz = gazetteer or (_worker_gazetteer(places) if flt is not None else None)
    merged = itertools.chain.from_iterable(merge_part(spool_path, part) for part in parts)

    def chunks():
        for chunk in _write_chunks(merged, _WRITE_CHUNK, _WRITE_SOURCES):
            if flt is None:
                yield chunk
            else:  # (a GeoDataFrame's default index: row positions)
                yield [chunk[i] for i in apply_filter(export.to_geodataframe(chunk), flt, gaz).index]

    tally = export.PlaceTally()
    files, n = export.write_part(chunks(), Path(folder), name, kinds, partition=partition, tally=tally)
    return _PartResult(files, tally.rows, n)


def _merge_parts(spool: IncidentSpool, pool, writers: list, tally, result: RunResult,
                 gazetteer: Gazetteer | None, *, flt, places: str | None, progress: bool = False):
    """Merge the spool partition by partition (in ``pool`` when there is one) into ``writers``;
    return the pool when its workers merged, else None.

    Groups of partitions are merged and written as part files by the workers, largest first
    (here, when the spool holds fewer than :data:`_POOL_MERGE_MIN` incidents);
    the parts are then appended to the outputs in partition order, so the outputs are the same
    whatever the number of jobs. Arrow allocates from the system allocator here meanwhile
    (:func:`geomap.export.system_arrow_pool`): reading part after part back in, this process
    would otherwise peak higher the more parts there are. Workers, which only write, keep
    Arrow's default pool (measured: a smaller peak there).
    """
    from geomap.export import GeoParquetWriter, system_arrow_pool

    partition = next((w.partition for w in writers if isinstance(w, GeoParquetWriter) and w.partition), None)
    # a partitioned GeoParquet output moves the part files away: it goes last
    writers = sorted(writers, key=lambda w: isinstance(w, GeoParquetWriter) and w.partition is not None)
    parts = _bins(spool.partitions(), len(spool))
    if len(spool) < _POOL_MERGE_MIN:
        pool = None
    show, merged = _Progress(progress, unit="extracted incidents merged"), 0
    with (tempfile.TemporaryDirectory(prefix="parts-", dir=Path(spool.path).parent) as folder,
          system_arrow_pool()):
        task = functools.partial(_merge_part, spool.path, folder=folder,
                                 kinds=frozenset(w.part for w in writers), partition=partition, flt=flt,
                                 places=places)
        if pool is None:
            done = (task(names, f"{i:06d}", gazetteer=gazetteer) for i, (names, _) in enumerate(parts))
        else:
            order = sorted(range(len(parts)), key=lambda i: -parts[i][1])
            futures = {i: pool.submit(task, parts[i][0], f"{i:06d}") for i in order}
            done = (_result(futures[i]) for i in range(len(parts)))
        for i, res in enumerate(done):
            for w in writers:
                w.append_part(res.files[w.part], f"{i:06d}")
            if tally is not None:
                tally.update(res.tally)
            result.n_incidents += res.n_incidents
            for f in res.files.values():
                shutil.rmtree(f, ignore_errors=True) if f.is_dir() else f.unlink(missing_ok=True)
            merged += parts[i][1]
            show.update(merged)
    show.close(merged, f" -> {result.n_incidents:,} incidents")
    return pool


def _write_places(tally, out: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write the places files of a run's formats (GeoJSON, GeoParquet); return their paths."""
    paths = {}
    if "geojson" in formats:
        paths["places_geojson"] = tally.write_geojson(out / "places.geojson")
    if "parquet" in formats:
        paths["places_parquet"] = tally.write_geoparquet(out / "places.parquet")
    return paths


def _private_copy(result: RunResult) -> Path:
    """Return the path of a GeoParquet file in a new temporary folder, removed with ``result``."""
    folder = tempfile.mkdtemp(prefix="geomap-incidents-")
    weakref.finalize(result, shutil.rmtree, folder, ignore_errors=True)
    return Path(folder) / "incidents.parquet"


def _remove_stale_outputs(out: Path, written: Iterable[str], keep: Iterable[str | os.PathLike]) -> list[str]:
    """Remove what the previous run's report in ``out`` lists as its outputs and this run did
    not write again; return their names.

    A run with other formats, or without the map, would otherwise leave an older run's
    incidents and map beside its own, and ``geomap map``/``filter`` or a GIS user could take
    them for this run's. A file is removed only when all of these hold: its name is one of
    :data:`geomap.ingest.RUN_OUTPUTS`; the old report names it at this very place in ``out``;
    it has not changed since that report was written; and it is none of ``keep`` (the run's
    store, places file and inputs).
    """
    report = out / "run-report.json"
    try:
        with open(report, encoding="utf-8") as fh:
            listed = json.load(fh).get("outputs") or {}
        written_at = os.stat(report).st_mtime
    except (OSError, ValueError, AttributeError):
        return []
    here = os.path.realpath(out)
    kept = {Path(p).name for p in written} | {"run-report.json"}
    keep = {os.path.realpath(k) for k in keep}
    stale = []
    for p in sorted({p for p in listed.values() if isinstance(p, str)}):
        name = os.path.basename(p)
        path = os.path.join(here, name)
        if (name not in RUN_OUTPUTS or name in kept or os.path.realpath(p) != path or path in keep
                or os.path.islink(p)):
            continue
        try:
            if os.stat(path).st_mtime > written_at:
                continue  # changed since: not the old run's output as it left it
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except OSError:
            continue
        stale.append(name)
    return sorted(stale)


def _write_report(path: Path, report: dict) -> None:
    """Write ``run-report.json``: ``json.dumps(report, indent=1)``, except that each input is one
    line of compact JSON, copied from the :class:`InputLog` as it is (one line per input reads
    and greps well with millions of them, and costs no parsing here)."""
    from geomap.export import atomic_path

    rest = json.dumps({k: v for k, v in report.items() if k != "inputs"}, indent=1, ensure_ascii=False)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write('{\n "inputs": [')
        sep = "\n  "
        for line in report["inputs"].lines():
            fh.write(sep + line)
            sep = ",\n  "
        fh.write("\n ],\n" if sep != "\n  " else "],\n")
        fh.write(rest[2:] + "\n")


def _open_writers(stack: contextlib.ExitStack, out: Path, formats: tuple[str, ...],
                  partition: str | None) -> dict:
    """Open the incident writers of a run (committed when ``stack`` closes without error)."""
    from geomap import export

    targets = {"geojson": lambda: export.GeoJSONWriter(out / "incidents.geojson"),
               "csv": lambda: export.CSVWriter(out / "incidents.csv"),
               "gpkg": lambda: export.GpkgWriter(out / "incidents.gpkg"),
               "parquet": lambda: export.GeoParquetWriter(out / "incidents.parquet", partition=partition)}
    return {fmt: stack.enter_context(targets[fmt]()) for fmt in formats}


def _boundaries(gaz: Gazetteer, gdf):
    """Admin-1 polygons for the choropleth: Syria's governorates plus admin-1 where incidents are."""
    areas = gaz.areas
    ccs = set(gdf["country_code"].dropna().astype(str)) | {"SY"} if len(gdf) else {"SY"}
    sub = areas[(areas["kind"] == "admin1") & areas["country_code"].isin(sorted(ccs))]
    return sub[["id", "name", "country_code", "geometry"]].reset_index(drop=True)
