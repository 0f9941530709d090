"""Command-line interface: a thin layer over :mod:`geomap.pipeline` and friends.

Heavy libraries (geopandas, folium, matplotlib) are imported inside the commands so that
``geomap --help`` stays fast.

Exit codes: 0 ok; 1 some inputs failed (everything else was written); 2 usage error (bad
option, unknown or ambiguous region).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

EPILOG = """exit codes:
  0  ok
  1  some inputs failed (the rest were processed; see run-report.json / stderr)
  2  usage error (bad option, unknown or ambiguous region or place)

examples:
  geomap run                                 # bundled sample reports -> output/
  geomap run reports/ --region Idlib --since 2012-07-01
  geomap extract a.txt feed.jsonl -o incidents.geojson
  geomap run corpus/ --jobs 8 --format parquet --partition month --no-map
  geomap run corpus/ --engine dask --scheduler tcp://10.0.0.5:8786
  geomap filter output/incidents.geojson --near Homs --radius 30
  geomap summary output/incidents.geojson --by admin1
  geomap gazetteer lookup "Maaret al-Numan" --json
"""


#: Characters a terminal may act on (C0 and C1 controls but tab, and line feed for tables):
#: escape sequences in a file name or an article's text could clear the screen or retitle the
#: window. (``re`` costs nothing here: argparse has loaded it.)
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LF = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _term(text: object, *, lines: bool = False) -> str:
    """Return ``text`` safe to print to a terminal: control characters become ``\\xNN``
    escapes, line feeds too unless ``lines`` (a table, not a one-line message)."""
    return (_CONTROLS_BUT_LF if lines else _CONTROLS).sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _add_filters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (all optional, combined with AND)")
    g.add_argument("--region", help="admin area by name or code: governorate, district, admin-1, country")
    g.add_argument("--country", help="ISO 3166-1 alpha-2 code, e.g. SY")
    g.add_argument("--bbox", help="W,S,E,N in degrees")
    g.add_argument("--within", metavar="FILE", help="polygon file (GeoJSON, GeoPackage, Shapefile...)")
    g.add_argument("--near", metavar="PLACE", help="place name; use with --radius")
    g.add_argument("--radius", type=float, metavar="KM", help="radius in km around --near (geodesic)")
    g.add_argument("--since", metavar="DATE", help="first event date, YYYY-MM-DD")
    g.add_argument("--until", metavar="DATE", help="last event date, YYYY-MM-DD")
    g.add_argument("--type", action="append", default=[], metavar="TYPE",
                   help="event_type or sub_event_type (repeatable)")
    g.add_argument("--min-fatalities", type=int, metavar="N")
    g.add_argument("--include-cumulative", action="store_true",
                   help="keep cumulative tolls when filtering (dropped by default)")


def _filter_from(args):
    from geomap.filters import Filter, parse_bbox

    return Filter(
        region=args.region, country=args.country,
        bbox=parse_bbox(args.bbox) if args.bbox else None, within=args.within,
        near=args.near, radius_km=args.radius, since=args.since, until=args.until,
        types=tuple(args.type), min_fatalities=args.min_fatalities,
        include_cumulative=args.include_cumulative,
    )


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {n}")
    return n


def _add_engine(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("scaling out")
    g.add_argument("--jobs", "-j", type=_positive_int, default=None, metavar="N",
                   help="worker processes (default: all cores); 1 runs in this process")
    g.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local process pool (default) or Dask distributed")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="running Dask scheduler, e.g. tcp://host:8786 (with --engine dask; "
                        "default: a local cluster of --jobs workers)")
    g.add_argument("--batch-size", type=_positive_int, default=64, metavar="N",
                   help="reports per task sent to a worker (default: 64)")


def _engine_kwargs(args) -> dict:
    import os

    if args.scheduler and args.engine != "dask":
        raise _usage("--scheduler needs --engine dask")
    return {"jobs": args.jobs or os.cpu_count() or 1, "engine": args.engine,
            "scheduler": args.scheduler, "batch_size": args.batch_size,
            "places": getattr(args, "places", None)}


def _gazetteer(args):
    from geomap.gazetteer import Gazetteer, default_gazetteer

    places = getattr(args, "places", None)
    return Gazetteer(user_places=places) if places else default_gazetteer()


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``geomap`` command."""
    parser = argparse.ArgumentParser(
        prog="geomap",
        description="Offline geoparsing and incident mapping for news reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--places", metavar="CSV", help="extra places/aliases CSV (also $GEOMAP_PLACES)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="the main job: reports -> GeoJSON, CSV, GeoPackage, map, report")
    p.add_argument("inputs", nargs="*", help="files or folders (default: the bundled sample reports)")
    p.add_argument("-o", "--out", default="output", help="output folder (default: output/)")
    p.add_argument("--store", metavar="GPKG", help="GeoPackage accumulating incidents across runs")
    p.add_argument("--max-bytes", type=_positive_int, default=None, help="skip reports larger than this")
    p.add_argument("--no-map", action="store_true", help="skip map.html and summary.png")
    p.add_argument("--format", default="geojson,csv,gpkg", metavar="LIST",
                   help="incident files to write, comma-separated from geojson, csv, gpkg, "
                        "parquet (GeoParquet); default: geojson,csv,gpkg")
    p.add_argument("--geoparquet", action="store_true",
                   help="also write incidents.parquet and places.parquet (GeoParquet)")
    p.add_argument("--partition", choices=("month",), default=None,
                   help="write incidents.parquet as a folder partitioned by event month")
    _add_engine(p)
    _add_filters(p)

    p = sub.add_parser("extract", help="write incidents of reports as GeoJSON (or GeoParquet)")
    p.add_argument("inputs", nargs="+", help="files or folders")
    p.add_argument("-o", "--out", default="-",
                   help="output file: GeoJSON, or GeoParquet when it ends in .parquet; - for "
                        "stdout (default)")
    p.add_argument("--max-bytes", type=_positive_int, default=None)
    p.add_argument("--partition", choices=("month",), default=None,
                   help="with -o FILE.parquet: a folder partitioned by event month")
    _add_engine(p)
    _add_filters(p)

    p = sub.add_parser("geoparse", help="place mentions of documents")
    p.add_argument("inputs", nargs="+", help="files, or a folder of documents named 0..N-1 for --format eupeg")
    p.add_argument("--format", choices=("json", "eupeg"), default="json")

    p = sub.add_parser("eval", help="benchmarks")
    esub = p.add_subparsers(dest="eval_command", metavar="WHAT")
    e = esub.add_parser("toponyms", help="score the geoparser on an EUPEG corpus")
    e.add_argument("--corpus", required=True, help="folder of documents 0..N-1")
    e.add_argument("--gold", required=True, help="gold file, one line per document")
    e.add_argument("--json", action="store_true")

    p = sub.add_parser("filter", help="filter saved incidents (GeoJSON/GeoPackage/GeoParquet) to stdout or -o")
    p.add_argument("input", help="incidents GeoJSON, GeoPackage or GeoParquet (file or partitioned "
                                 "folder), - for stdin")
    p.add_argument("-o", "--out", default="-",
                   help="GeoJSON, or GeoParquet when it ends in .parquet; - for stdout (default)")
    _add_filters(p)

    p = sub.add_parser("summary", help="table of incidents and fatalities by area, type, month...")
    p.add_argument("input", help="incidents GeoJSON, GeoPackage or GeoParquet (file or folder)")
    p.add_argument("--by", default="admin1", choices=("admin1", "admin2", "country", "type", "month", "actor"))
    p.add_argument("--csv", action="store_true", help="CSV for machines")
    _add_filters(p)

    p = sub.add_parser("map", help="offline HTML map of saved incidents")
    p.add_argument("input", help="incidents GeoJSON, GeoPackage or GeoParquet (file or folder)")
    p.add_argument("-o", "--out", default="map.html")
    _add_filters(p)

    p = sub.add_parser("gazetteer", help="look up the bundled gazetteer")
    gsub = p.add_subparsers(dest="gaz_command", metavar="WHAT")
    g = gsub.add_parser("lookup", help="candidates for a name, best first")
    g.add_argument("name")
    g.add_argument("--country")
    g.add_argument("--kind", action="append", default=[], help="entry kind (repeatable)")
    g.add_argument("--limit", type=int, default=10)
    g.add_argument("--json", action="store_true")
    g = gsub.add_parser("info", help="counts, sources, licences")
    g.add_argument("--json", action="store_true")
    return parser


def _cmd_run(args) -> int:
    from geomap.ingest import DEFAULT_MAX_BYTES
    from geomap.pipeline import run

    formats = [f for f in args.format.split(",") if f.strip()]
    if args.geoparquet:
        formats.append("parquet")
    result = run(
        args.inputs or None, args.out, flt=_filter_from(args), store=args.store,
        gazetteer=_gazetteer(args), max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
        write_map=not args.no_map, formats=formats, partition=args.partition,
        **_engine_kwargs(args),
    )
    n = result.n_incidents
    print(_term(f"{result.n_documents} reports, {n} incidents -> {args.out}/ ({result.seconds:.1f} s)"))
    return _failed(result)


def _failed(result) -> int:
    if result.n_failed:
        first = result.failures[0]
        print(_term(f"geomap: {result.n_failed} input(s) failed, e.g. {first.input}: {first.reason}"),
              file=sys.stderr)
        return 1
    return 0


def _cmd_extract(args) -> int:
    from geomap.ingest import DEFAULT_MAX_BYTES, iter_documents
    from geomap.pipeline import check_inputs, extract_to

    if args.partition and not args.out.lower().endswith(".parquet"):
        raise _usage("--partition needs -o FILE.parquet")
    check_inputs(args.inputs)
    result = extract_to(
        iter_documents(args.inputs, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES), args.out,
        _gazetteer(args), flt=_filter_from(args), partition=args.partition, progress=True,
        **_engine_kwargs(args),
    )
    return _failed(result)


def _cmd_geoparse(args) -> int:
    from geomap.evaluate import Toponym, format_eupeg_line
    from geomap.geoparse import geoparse
    from geomap.ingest import decode_bytes

    gaz = _gazetteer(args)
    if args.format == "eupeg":
        folder = Path(args.inputs[0])
        if not folder.is_dir():
            raise _usage(f"--format eupeg needs a folder of documents named 0..N-1, got {folder}")
        names = sorted((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
        if not names:
            raise _usage(f"--format eupeg needs documents named 0..N-1; {folder} has none")
        out = sys.stdout
        failed = 0
        for p in names:
            try:
                text = decode_bytes(p.read_bytes()).text
            except (OSError, ValueError) as exc:
                print(_term(f"geomap: {p}: {getattr(exc, 'strerror', None) or exc}"), file=sys.stderr)
                out.write("\n")  # keep line n = document n
                failed = 1
                continue
            ms = geoparse(text, gaz)
            tops = [Toponym(m.place.name, m.surface, m.place.lat, m.place.lon, m.start, m.end) for m in ms]
            out.write(format_eupeg_line(tops) + "\n")
        return failed
    from geomap.ingest import iter_documents

    failed = 0
    for item in iter_documents(args.inputs):
        if not hasattr(item, "text"):
            print(_term(f"geomap: {item.input}: {item.reason}"), file=sys.stderr)
            failed = 1
            continue
        ms = geoparse(item.text, gaz)
        rec = {"doc_id": item.doc_id, "mentions": [
            {"start": m.start, "end": m.end, "surface": m.surface, "confidence": m.confidence,
             "reason": m.reason, **m.place.as_dict()} for m in ms]}
        print(json.dumps(rec, ensure_ascii=False))
    return failed


def _cmd_eval(args) -> int:
    import time

    from geomap.evaluate import Toponym, format_report, read_eupeg, realign_to_text, score
    from geomap.geoparse import geoparse
    from geomap.ingest import decode_bytes

    if args.eval_command != "toponyms":
        raise _usage("usage: geomap eval toponyms --corpus DIR --gold FILE")
    gaz = _gazetteer(args)
    folder = Path(args.corpus)
    try:
        gold = read_eupeg(args.gold)
    except (OSError, UnicodeDecodeError) as exc:
        raise _usage(f"--gold {args.gold}: {getattr(exc, 'strerror', None) or exc}") from None
    texts = []
    for i in range(len(gold)):
        try:
            texts.append(decode_bytes((folder / str(i)).read_bytes()).text)
        except (OSError, ValueError) as exc:
            raise _usage(f"{folder / str(i)}: {getattr(exc, 'strerror', None) or exc}") from None
    gold = realign_to_text(gold, texts)
    t0 = time.perf_counter()
    pred = []
    for t in texts:
        ms = geoparse(t, gaz)
        pred.append([Toponym(m.place.name, m.surface, m.place.lat, m.place.lon, m.start, m.end) for m in ms])
    metrics = score(pred, gold, n_seconds=time.perf_counter() - t0)
    if args.json:
        print(json.dumps(metrics, indent=1))
    else:
        print(format_report(metrics, title=f"{folder.name}"))
    return 0


def _read_filtered(args):
    from geomap.export import read_incidents
    from geomap.filters import apply_filter

    gdf = read_incidents(args.input)
    return apply_filter(gdf, _filter_from(args), _gazetteer(args) if (args.region or args.near) else None)


def _cmd_filter(args) -> int:
    from geomap.export import write_incidents

    write_incidents(_read_filtered(args), args.out)
    return 0


def _cmd_summary(args) -> int:
    from geomap.filters import format_table, summarise

    table = summarise(_read_filtered(args), args.by)
    if args.csv:
        from geomap.export import inert_cell

        # (names come from the data: none may start a spreadsheet formula, as in incidents.csv)
        table.apply(lambda column: column.map(inert_cell)).to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(_term(format_table(table), lines=True))
    return 0


def _cmd_map(args) -> int:
    from geomap import mapview
    from geomap.pipeline import _boundaries

    gdf = _read_filtered(args)
    gaz = _gazetteer(args)
    basemap = gaz.areas[gaz.areas["kind"] == "country"][["id", "name", "country_code", "geometry"]]
    mapview.write_map(gdf, args.out, boundaries=_boundaries(gaz, gdf), basemap=basemap)
    print(_term(f"{len(gdf)} incidents -> {args.out}"))
    return 0


def _cmd_gazetteer(args) -> int:
    gaz = _gazetteer(args)
    if args.gaz_command == "lookup":
        cands = gaz.lookup(args.name, country=args.country, kinds=args.kind or None, limit=args.limit)
        if args.json:
            print(json.dumps([c.as_dict() for c in cands], ensure_ascii=False, indent=1))
        else:
            if not cands:
                print(_term(f"no match for {args.name!r}"))
            for c in cands:
                p = c.place
                where = ", ".join(x for x in (p.admin2, p.admin1, p.country_code) if x)
                print(_term(f"{p.id:>12}  {p.name} ({p.kind}; {where})  {p.lat:.4f},{p.lon:.4f}  [{c.match}]"))
        return 0 if cands else 1
    if args.gaz_command == "info":
        info = gaz.info()
        if args.json:
            print(json.dumps(info, ensure_ascii=False, indent=1))
        else:
            print(f"{info['places']:,} places, {info['index_keys']:,} name keys; data built {info['built']}")
            print(f"index: {info['index']}")
            for k, v in info["by_kind"].items():
                print(f"  {k:<14}{v:>9,}")
            print("top countries: " + ", ".join(f"{k or '-'} {v:,}" for k, v in info["top_countries"].items()))
            print("sources:")
            for s in info["sources"]:
                print(f"  - {s['name']} ({s['licence']}; {s['attribution']})")
        return 0
    raise _usage("usage: geomap gazetteer {lookup NAME | info}")


def _usage(msg: str):
    from geomap.errors import UsageError

    return UsageError(msg)


_COMMANDS = {
    "run": _cmd_run, "extract": _cmd_extract, "geoparse": _cmd_geoparse, "eval": _cmd_eval,
    "filter": _cmd_filter, "summary": _cmd_summary, "map": _cmd_map, "gazetteer": _cmd_gazetteer,
}


#: Options whose value may start with a minus sign (a bounding box west of Greenwich).
_SIGNED_VALUE_OPTIONS = ("--bbox",)


def _joined_values(argv: list[str]) -> list[str]:
    """Return ``argv`` with ``--bbox -10,30,40,50`` written ``--bbox=-10,30,40,50``: argparse
    takes a value that starts with a minus sign for an option and would refuse it."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in _SIGNED_VALUE_OPTIONS and i + 1 < len(argv) and re.match(r"-[\d.]", argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is (exit code 143)."""


def _terminated(signum, frame) -> None:
    raise _Terminated


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the ``geomap`` command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(_joined_values(sys.argv[1:] if argv is None else argv))
    if not args.command:
        parser.print_help()
        return 2
    for option, value in vars(args).items():
        # (file names given as inputs are read whatever their bytes; they are named with escapes)
        if option == "inputs":
            continue
        # (a repeatable option, --type or --kind, holds a list of values)
        for one in value if isinstance(value, list) else (value,):
            if isinstance(one, str) and not _utf8(one):
                print(_term(f"geomap: --{option.replace('_', '-')} {one!r} is not valid UTF-8 text "
                            "(check the terminal's encoding)"), file=sys.stderr)
                return 2
    import signal
    import threading

    from geomap.errors import GeomapError, RegionError

    # SIGTERM cleans up as Ctrl-C does (no spool left behind); only the main thread may say so
    previous = signal.signal(signal.SIGTERM, _terminated) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        return _COMMANDS[args.command](args)
    except RegionError as exc:
        print(_term(f"geomap: {exc}"), file=sys.stderr)
        if exc.choices:
            label = "did you mean" if "no region" in str(exc) or "no place" in str(exc) else "choices"
            print(f"  {label}:", file=sys.stderr)
            for c in exc.choices:
                print(_term(f"    {c}"), file=sys.stderr)
        return exc.exit_code
    except GeomapError as exc:
        print(_term(f"geomap: {exc}"), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt as exc:
        print("geomap: interrupted; outputs already written are complete, nothing half-written",
              file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
