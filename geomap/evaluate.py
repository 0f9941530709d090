"""End-to-end geoparsing evaluation on EUPEG-format toponym benchmarks.

The EUPEG format (Wang & Hu) stores one document per line.  Each line holds the
document's toponyms joined by ``||``; each toponym has its fields joined by ``,,``::

    normalised name,,surface text,,lat,,lon,,start,,end

``start``/``end`` are 0-based character offsets into the document (``end``
exclusive).  Some gold files (LGL) carry a seventh trailing field (a population
or weight), which is ignored on reading.

The metrics follow Gritta et al. (2018/2019) and Wang & Hu (EUPEG):

* recognition: precision, recall and F1 of predicted spans against gold spans,
  with exact matching (same ``start`` and ``end``) and with overlap matching
  (spans intersect; one-to-one);
* resolution, on the gold toponyms that were recognised: great-circle error in
  km, acc@161, mean and median error and the AUC of the sorted log errors.

All functions here are pure; nothing is read at import time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from geomap.distance import EARTH_RADIUS_KM, haversine_km

__all__ = [
    "EARTH_RADIUS_KM",
    "MAX_ERROR_KM",
    "PUBLISHED",
    "Toponym",
    "format_eupeg_line",
    "format_report",
    "haversine_km",
    "parse_eupeg_line",
    "read_eupeg",
    "realign_to_text",
    "score",
]


#: Largest possible error used by the AUC normaliser (Gritta et al.): ln(20039).
MAX_ERROR_KM: float = 20039.0

#: Threshold of the acc@161 metric (161 km = 100 miles).
ACC_THRESHOLD_KM: float = 161.0

_ENTRY_SEP = "||"
_FIELD_SEP = ",,"

#: Published end-to-end scores (Wang & Hu 2019) as quoted in the benchmark README:
#: system -> corpus -> (F1 exact, acc@161).
PUBLISHED: dict[str, dict[str, tuple[float, float]]] = {
    "StanfordNER": {
        "GeoWebNews": (0.739, 0.698),
        "LGL": (0.677, 0.590),
        "TR-News": (0.735, 0.702),
    },
    "CamCoder": {
        "GeoWebNews": (0.691, 0.839),
        "LGL": (0.654, 0.717),
        "TR-News": (0.746, 0.824),
    },
    "Edinburgh": {
        "GeoWebNews": (0.650, 0.921),
        "LGL": (0.501, 0.819),
        "TR-News": (0.612, 0.850),
    },
    "CLAVIN": {
        "GeoWebNews": (0.549, 0.937),
        "LGL": (0.573, 0.701),
        "TR-News": (0.649, 0.829),
    },
    "TopoCluster": {
        "GeoWebNews": (0.670, 0.668),
        "LGL": (0.657, 0.615),
        "TR-News": (0.790, 0.623),
    },
    "DBpedia": {
        "GeoWebNews": (0.637, 0.564),
        "LGL": (0.713, 0.643),
        "TR-News": (0.656, 0.546),
    },
    "GeoTxt": {
        "GeoWebNews": (0.591, 0.903),
        "LGL": (0.600, 0.623),
        "TR-News": (0.692, 0.801),
    },
}


@dataclass(frozen=True)
class Toponym:
    """One toponym occurrence in a document.

    Attributes
    ----------
    name : str
        Normalised (gazetteer) name.
    surface : str
        Text as it appears in the document.
    lat, lon : float or None
        Coordinates in decimal degrees, ``None`` when unknown.
    start, end : int
        0-based character offsets of the mention (``end`` exclusive).
    """

    name: str
    surface: str
    lat: float | None
    lon: float | None
    start: int
    end: int

    @property
    def has_coords(self) -> bool:
        """bool : Whether both coordinates are known."""
        return self.lat is not None and self.lon is not None


# ---------------------------------------------------------------------------
# Reading and writing
# ---------------------------------------------------------------------------

_INT_RE = re.compile(r"^[+-]?\d+$")


def _parse_int(text: str) -> int | None:
    """Parse an integer offset, accepting ``"12"`` and ``"12.0"``; else ``None``."""
    text = text.strip()
    if _INT_RE.match(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _parse_coord(text: str, limit: float) -> float | None:
    """Parse a coordinate; ``None`` when empty, unparsable, non-finite or out of range."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or abs(value) > limit:
        return None
    return value


def _looks_like_coord(text: str) -> bool:
    """Whether ``text`` can stand in a coordinate field: a number or an empty/placeholder.

    Out-of-range numbers (e.g. ``2220.0`` in some DBpedia outputs) still fit the layout;
    they are turned into ``None`` by :func:`_parse_coord`.
    """
    stripped = text.strip()
    if stripped.lower() in {"", "none", "null", "nan", "na", "n/a"}:
        return True
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def _parse_entry(entry: str) -> Toponym | None:
    """Parse one ``name,,surface,,lat,,lon,,start,,end`` entry; ``None`` if malformed.

    The surface text may itself contain ``,,`` and a file may carry one extra
    trailing numeric field (a weight, as in the LGL gold), so every placement of the
    ``lat,,lon,,start,,end`` quadruple is considered: coordinate fields must be
    numbers or empty, offsets integers with ``start <= end``, and at most one
    numeric field may follow.  Among the valid placements the first one whose span
    length equals the surface length wins (the standard 6/7-field layout is tried
    first, then from the right); failing that, the first valid placement.  A plain
    6-field entry whose coordinates are not numbers is kept without coordinates.
    """
    fields = entry.split(_FIELD_SEP)
    n = len(fields)
    if n < 6:
        return None
    valid: list[Toponym] = []
    for i in [2] + [k for k in range(n - 4, 2, -1)]:
        lat_s, lon_s, start_s, end_s = fields[i : i + 4]
        start = _parse_int(start_s)
        end = _parse_int(end_s)
        # Negative offsets occur in the released gold (GeoWebNews doc 19); keep them
        # (they count for recognition and simply never match) rather than drop them.
        if start is None or end is None or end < start:
            continue
        if not (_looks_like_coord(lat_s) and _looks_like_coord(lon_s)):
            continue
        trailing = fields[i + 4 :]
        if len(trailing) > 1 or any(_parse_coord(t, math.inf) is None for t in trailing):
            continue
        lat = _parse_coord(lat_s, 90.0)
        lon = _parse_coord(lon_s, 180.0)
        if lat is None or lon is None:
            lat = lon = None
        surface = _FIELD_SEP.join(fields[1:i])
        toponym = Toponym(name=fields[0], surface=surface, lat=lat, lon=lon, start=start, end=end)
        if end - start == len(surface):
            return toponym
        valid.append(toponym)
    if valid:
        return valid[0]
    if n == 6:
        # Plain 6-field layout with unparsable coordinates: keep it, without coordinates.
        start, end = _parse_int(fields[4]), _parse_int(fields[5])
        if start is not None and end is not None and end >= start:
            return Toponym(fields[0], fields[1], None, None, start, end)
    return None


def parse_eupeg_line(line: str) -> list[Toponym]:
    """Parse one EUPEG line (one document) into toponyms.

    Parameters
    ----------
    line : str
        Entries joined by ``||``; each entry ``name,,surface,,lat,,lon,,start,,end``
        (an optional extra trailing numeric field is ignored).

    Returns
    -------
    list of Toponym
        The parsed toponyms, in file order.  Empty lines give ``[]``; entries with
        missing or unparsable coordinates keep ``lat``/``lon`` as ``None``;
        malformed entries (too few fields, bad offsets) are skipped silently.
    """
    line = line.rstrip("\r\n")
    if not line.strip():
        return []
    out: list[Toponym] = []
    for entry in line.split(_ENTRY_SEP):
        if not entry.strip():
            continue
        toponym = _parse_entry(entry)
        if toponym is not None:
            out.append(toponym)
    return out


def _sanitise(text: str) -> str:
    """Remove the format's separators and line breaks from a free-text field."""
    text = re.sub(r"[\r\n]+", " ", text)
    while _ENTRY_SEP in text or _FIELD_SEP in text:
        text = text.replace(_ENTRY_SEP, " ").replace(_FIELD_SEP, " ")
    # A leading/trailing single separator character would merge with a neighbouring
    # separator (e.g. ``"a,"`` + ``",,"`` -> ``"a,,,"``), so pad it with a space.
    if text.endswith((",", "|")):
        text = text + " "
    if text.startswith((",", "|")):
        text = " " + text
    return text


def _format_coord(value: float | None) -> str:
    """Format a coordinate with ``repr`` precision, ``""`` when unknown."""
    return "" if value is None else repr(float(value))


def format_eupeg_line(toponyms: Iterable[Toponym]) -> str:
    """Format toponyms as one EUPEG line (the inverse of :func:`parse_eupeg_line`).

    Parameters
    ----------
    toponyms : iterable of Toponym
        Toponyms of one document.

    Returns
    -------
    str
        Entries joined by ``||``, without a trailing newline.  ``||``, ``,,`` and
        line breaks inside names and surfaces are replaced by spaces; unknown
        coordinates are written as empty fields.
    """
    entries = []
    for t in toponyms:
        fields = [
            _sanitise(t.name),
            _sanitise(t.surface),
            _format_coord(t.lat),
            _format_coord(t.lon),
            str(int(t.start)),
            str(int(t.end)),
        ]
        entries.append(_FIELD_SEP.join(fields))
    return _ENTRY_SEP.join(entries)


def read_eupeg(path: str | Path) -> list[list[Toponym]]:
    """Read an EUPEG file: one list of toponyms per line (document).

    Parameters
    ----------
    path : str or Path
        UTF-8 text file.

    Returns
    -------
    list of list of Toponym
        ``result[n]`` holds the toponyms of document ``n``.
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # final newline does not start another document
    return [parse_eupeg_line(line) for line in lines]


def realign_to_text(
    docs: Sequence[Sequence[Toponym]], texts: Sequence[str], *, window: int = 10
) -> list[list[Toponym]]:
    """Snap toponym offsets back onto their surface text in the documents.

    Some released files have spans shifted by a few characters against the corpus
    text (about 9% of the TR-News gold; most Edinburgh Geoparser outputs).  A toponym
    whose ``text[start:end]`` differs from its ``surface`` is moved to the nearest
    offset within ``window`` characters where the surface occurs verbatim (smallest
    shift, earlier position on ties); otherwise it is kept unchanged.

    Parameters
    ----------
    docs : sequence of sequence of Toponym
        Toponyms per document.
    texts : sequence of str
        Document texts, aligned with ``docs`` (extra documents are kept as is).
    window : int, optional
        Largest shift tried, in characters.

    Returns
    -------
    list of list of Toponym
        New lists; the inputs are not modified.
    """
    out: list[list[Toponym]] = []
    for d, doc in enumerate(docs):
        if d >= len(texts):
            out.append(list(doc))
            continue
        text = texts[d]
        fixed = []
        for t in doc:
            if not t.surface or (t.start >= 0 and text[t.start : t.end] == t.surface):
                fixed.append(t)
                continue
            size = len(t.surface)
            for shift in sorted(range(-window, window + 1), key=lambda k: (abs(k), k)):
                pos = t.start + shift
                if pos >= 0 and text[pos : pos + size] == t.surface:
                    t = replace(t, start=pos, end=pos + size)
                    break
            fixed.append(t)
        out.append(fixed)
    return out


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def _match_exact(pred: Sequence[Toponym], gold: Sequence[Toponym]) -> list[tuple[int, int]]:
    """One-to-one pairs ``(i_pred, i_gold)`` with identical ``(start, end)``."""
    by_span: dict[tuple[int, int], list[int]] = {}
    for j, g in enumerate(gold):
        by_span.setdefault((g.start, g.end), []).append(j)
    pairs = []
    for i, p in enumerate(pred):
        free = by_span.get((p.start, p.end))
        if free:
            pairs.append((i, free.pop(0)))
    return pairs


def _overlap(a: Toponym, b: Toponym) -> int:
    """Length of the intersection of two spans (0 when disjoint)."""
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _match_overlap(pred: Sequence[Toponym], gold: Sequence[Toponym]) -> list[tuple[int, int]]:
    """One-to-one pairs ``(i_pred, i_gold)`` of intersecting spans.

    Exact matches are taken first, then the remaining intersecting pairs greedily
    by decreasing overlap length (ties: document order).  Zero-length spans
    intersect a span that strictly contains their position.
    """
    pairs = _match_exact(pred, gold)
    used_p = {i for i, _ in pairs}
    used_g = {j for _, j in pairs}
    candidates = []
    for i, p in enumerate(pred):
        if i in used_p:
            continue
        for j, g in enumerate(gold):
            if j in used_g:
                continue
            ov = _overlap(p, g)
            if ov > 0 or (
                (p.start == p.end and g.start < p.start < g.end)
                or (g.start == g.end and p.start < g.start < p.end)
            ):
                candidates.append((-ov, i, j))
    candidates.sort()
    for _, i, j in candidates:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        pairs.append((i, j))
    return pairs


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0.0 when undefined)."""
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _auc(errors_km: Sequence[float]) -> float:
    """AUC of the sorted ``ln(1 + error)`` curve, normalised to [0, 1] (lower is better).

    ``trapz(sorted(ln(1 + err)), dx=1) / (ln(20039) * (n - 1))`` (Gritta et al.).
    With a single error the curve degenerates to a point and its normalised height
    ``ln(1 + err) / ln(20039)`` is returned; ``nan`` when there are no errors.
    """
    n = len(errors_km)
    if n == 0:
        return float("nan")
    logs = np.log1p(np.sort(np.asarray(errors_km, dtype=float)))
    if n == 1:
        return float(logs[0] / np.log(MAX_ERROR_KM))
    return float(np.trapezoid(logs, dx=1.0) / (np.log(MAX_ERROR_KM) * (n - 1)))


def _resolution_errors(
    pairs: Iterable[tuple[int, int]], pred: Sequence[Toponym], gold: Sequence[Toponym]
) -> list[float]:
    """Errors in km of matched pairs whose gold toponym has coordinates.

    A recognised toponym the system left without coordinates counts as the
    maximal error :data:`MAX_ERROR_KM`.
    """
    errors = []
    for i, j in pairs:
        g, p = gold[j], pred[i]
        if not g.has_coords:
            continue
        if p.has_coords:
            errors.append(haversine_km(g.lat, g.lon, p.lat, p.lon))  # type: ignore[arg-type]
        else:
            errors.append(MAX_ERROR_KM)
    return errors


def _resolution_metrics(errors: Sequence[float], suffix: str = "") -> dict[str, float | int]:
    """acc@161, mean/median km and AUC of a list of errors, keys suffixed."""
    arr = np.asarray(errors, dtype=float)
    n = int(arr.size)
    nan = float("nan")
    return {
        f"n_resolved{suffix}": n,
        f"acc161{suffix}": float(np.mean(arr < ACC_THRESHOLD_KM)) if n else nan,
        f"mean_km{suffix}": float(arr.mean()) if n else nan,
        f"median_km{suffix}": float(np.median(arr)) if n else nan,
        f"auc{suffix}": _auc(arr.tolist()),
    }


def score(
    predicted: Sequence[Sequence[Toponym]],
    gold: Sequence[Sequence[Toponym]],
    *,
    n_seconds: float | None = None,
) -> dict[str, Any]:
    """Score predicted toponyms against gold, end to end.

    Parameters
    ----------
    predicted : sequence of sequence of Toponym
        One list per document, aligned with ``gold``.  Missing trailing documents
        count as empty predictions; documents beyond ``len(gold)`` are ignored.
    gold : sequence of sequence of Toponym
        Gold toponyms per document.  Entries without coordinates count for
        recognition but are excluded from resolution.
    n_seconds : float, optional
        Wall-clock time taken to produce ``predicted``; adds ``docs_per_s``.

    Returns
    -------
    dict
        Flat dictionary of metrics:

        ``n_docs``, ``n_gold``, ``n_pred``
            Documents and toponym counts.
        ``n_tp_exact``, ``precision``, ``recall``, ``f1``
            Recognition with exact span matching (same start and end).
        ``n_tp_overlap``, ``precision_overlap``, ``recall_overlap``, ``f1_overlap``
            Recognition with one-to-one overlap matching (spans intersect).
        ``n_resolved``, ``acc161``, ``mean_km``, ``median_km``, ``auc``
            Resolution over exact matches whose gold has coordinates: number of
            errors, share of errors < 161 km, mean and median great-circle error
            in km, and AUC of sorted ``ln(1 + km)`` normalised by ``ln(20039)``
            (lower is better).  A matched prediction without coordinates counts as
            a 20039 km error.  ``nan`` when nothing was resolved.
        ``n_resolved_overlap``, ``acc161_overlap``, ``mean_km_overlap``, ``median_km_overlap``, ``auc_overlap``
            The same over overlap matches (secondary).
        ``docs_per_s``
            Only when ``n_seconds`` is given (``inf`` for zero seconds).
    """
    n_docs = len(gold)
    n_gold = n_pred = tp_exact = tp_overlap = 0
    errors_exact: list[float] = []
    errors_overlap: list[float] = []
    for d in range(n_docs):
        g = list(gold[d])
        p = list(predicted[d]) if d < len(predicted) else []
        n_gold += len(g)
        n_pred += len(p)
        exact = _match_exact(p, g)
        overlap = _match_overlap(p, g)
        tp_exact += len(exact)
        tp_overlap += len(overlap)
        errors_exact.extend(_resolution_errors(exact, p, g))
        errors_overlap.extend(_resolution_errors(overlap, p, g))

    precision, recall, f1 = _prf(tp_exact, n_pred, n_gold)
    precision_o, recall_o, f1_o = _prf(tp_overlap, n_pred, n_gold)
    metrics: dict[str, Any] = {
        "n_docs": n_docs,
        "n_gold": n_gold,
        "n_gold_with_coords": sum(t.has_coords for doc in gold for t in doc),
        "n_pred": n_pred,
        "n_tp_exact": tp_exact,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "n_tp_overlap": tp_overlap,
        "precision_overlap": precision_o,
        "recall_overlap": recall_o,
        "f1_overlap": f1_o,
    }
    metrics.update(_resolution_metrics(errors_exact))
    metrics.update(_resolution_metrics(errors_overlap, "_overlap"))
    if n_seconds is not None:
        metrics["docs_per_s"] = n_docs / n_seconds if n_seconds > 0 else float("inf")
    return metrics


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

_REPORT_ROWS: tuple[tuple[str, str, str], ...] = (
    # (label, exact key, overlap key)
    ("precision", "precision", "precision_overlap"),
    ("recall", "recall", "recall_overlap"),
    ("F1", "f1", "f1_overlap"),
    ("acc@161", "acc161", "acc161_overlap"),
    ("mean km", "mean_km", "mean_km_overlap"),
    ("median km", "median_km", "median_km_overlap"),
    ("AUC (lower=better)", "auc", "auc_overlap"),
    ("resolved", "n_resolved", "n_resolved_overlap"),
)


def _fmt_value(value: Any) -> str:
    """Format a metric value for the report."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:d}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value)


def format_report(metrics: dict[str, Any], title: str = "") -> str:
    """Render metrics from :func:`score` as a small plain-text table.

    Parameters
    ----------
    metrics : dict
        Output of :func:`score` (missing keys are shown as ``-``).
    title : str, optional
        Heading printed above the table.

    Returns
    -------
    str
        Multi-line table with exact and overlap columns, followed by counts.
    """
    label_w = max(len(r[0]) for r in _REPORT_ROWS)
    lines = []
    if title:
        lines += [title, "=" * len(title)]
    lines.append(f"{'':<{label_w}}  {'exact':>9}  {'overlap':>9}")
    for label, key_e, key_o in _REPORT_ROWS:
        ve = _fmt_value(metrics.get(key_e))
        vo = _fmt_value(metrics.get(key_o))
        lines.append(f"{label:<{label_w}}  {ve:>9}  {vo:>9}")
    counts = [
        f"{name}={_fmt_value(metrics[name])}"
        for name in ("n_docs", "n_gold", "n_pred", "n_tp_exact", "n_tp_overlap")
        if name in metrics
    ]
    if "docs_per_s" in metrics:
        counts.append(f"docs/s={_fmt_value(metrics['docs_per_s'])}")
    if counts:
        lines.append("  ".join(counts))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Incidents
# ---------------------------------------------------------------------------


def score_incidents(expected: dict, incidents, docs, gazetteer, *, radius_km: float = 25.0) -> dict:
    """Score extracted incidents against an answer file (the sample corpus' ``expected.json``).

    An expected incident is found when an extracted one cites its report, lies at the expected
    place (same name, or within ``radius_km`` of the gazetteer's best candidates for it; for
    country figures, country scope) and has the expected fatalities (equal, or inside its
    low-high span).

    Parameters
    ----------
    expected : dict
        ``{"incidents": [...], "merge_groups": [...], "non_incident_places": [...]}``.
    incidents : GeoDataFrame
        Merged incidents.
    docs : list of Document
        The reports (to map file names to document ids).
    gazetteer : Gazetteer

    Returns
    -------
    dict
        Counts and recalls, plus ``missing`` (the expected incidents not found).
    """
    import pandas as pd

    from geomap.names import key0

    gaz = gazetteer
    rows = [
        {k: (None if not isinstance(v, (list, dict)) and pd.isna(v) else v) for k, v in r.items()}
        for r in incidents.drop(columns=incidents.geometry.name).to_dict("records")
    ]

    def doc_of(file: str) -> str:
        name = file.split("#")[0]
        rid = file.split("#")[1] if "#" in file else None
        for d in docs:
            if __import__("pathlib").Path(d.doc_id.split("#")[0].split(":")[0]).name == name and (rid is None or d.doc_id.endswith("#" + rid)):
                return d.doc_id
        return file

    def matches(exp, row) -> bool:
        did = doc_of(exp["file"])
        if not any(s["doc_id"] == did for s in row["sources"]):
            return False
        if exp["scope"] == "country" or row["scope"] == "country":
            if exp["scope"] != row["scope"] and not (exp["scope"] == "country" and row["scope"] == "country"):
                return False
        else:
            cands = gaz.lookup(exp["place"], limit=3)
            same_name = key0(exp["place"]) in (key0(row["location"] or ""), key0(row["place_name"] or ""))
            near = row["latitude"] is not None and any(
                haversine_km(c.place.lat, c.place.lon, row["latitude"], row["longitude"]) <= radius_km for c in cands)
            if not (same_name or near):
                return False
        if exp.get("fatalities") is not None:
            lo = row["fatalities_low"] if row["fatalities_low"] is not None else row["fatalities"]
            hi = row["fatalities_high"] if row["fatalities_high"] is not None else row["fatalities"]
            vals = {v for v in (row["fatalities"], lo, hi) if v is not None}
            if exp["fatalities"] not in vals and not (lo is not None and hi is not None and lo <= exp["fatalities"] <= hi):
                return False
        return True

    found, casualty, casualty_found, missing = 0, 0, 0, []
    for exp in expected["incidents"]:
        ok = any(matches(exp, r) for r in rows)
        found += ok
        if exp.get("fatalities"):
            casualty += 1
            casualty_found += ok
        if not ok:
            missing.append(exp)
    groups_ok = 0
    for group in expected.get("merge_groups", []):
        dids = {doc_of(m["file"]) for m in group}
        if any(dids <= {s["doc_id"] for s in r["sources"]} for r in rows):
            groups_ok += 1
    bad_places = 0
    for np_ in expected.get("non_incident_places", []):
        did = doc_of(np_["file"])
        for r in rows:
            if r["fatalities"] and any(s["doc_id"] == did for s in r["sources"]) and key0(np_["place"]) in (
                key0(r["location"] or ""), key0(r["place_name"] or "")):
                bad_places += 1
    out = {
        "expected_incidents": len(expected["incidents"]), "found": found,
        "recall": round(found / max(1, len(expected["incidents"])), 3),
        "casualty_expected": casualty, "casualty_found": casualty_found,
        "casualty_recall": round(casualty_found / max(1, casualty), 3),
        "merge_groups": len(expected.get("merge_groups", [])), "merge_groups_found": groups_ok,
        "extracted_incidents": len(rows), "casualty_incidents_at_non_incident_places": bad_places,
    }
    out["missing"] = missing
    return out
