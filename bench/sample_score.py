"""Score incident extraction on the bundled sample corpus against its expected.json.

Prints recall of expected incidents (place within 25 km or same name, and same fatalities when
given), of casualty incidents, merge groups found, and non-incident places respected.

    python bench/sample_score.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _km(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(min(1, h)))


def score(verbose: bool = False) -> dict:
    """Return recall figures of the extractor on the sample corpus."""
    from geomap.gazetteer import default_gazetteer
    from geomap.ingest import read_documents
    from geomap.names import key0
    from geomap.pipeline import extract_incidents, sample_dir

    gaz = default_gazetteer()
    expected = json.loads((sample_dir() / "expected.json").read_text(encoding="utf-8"))
    docs, _ = read_documents([sample_dir()])
    gdf = extract_incidents(docs, gaz).incidents
    rows = gdf.to_dict("records")

    def doc_of(file: str) -> str:
        name = file.split("#")[0]
        rid = file.split("#")[1] if "#" in file else None
        for d in docs:
            if Path(d.doc_id.split("#")[0].split(":")[0]).name == name and (rid is None or d.doc_id.endswith("#" + rid)):
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
                _km((c.place.lat, c.place.lon), (row["latitude"], row["longitude"])) <= 25 for c in cands)
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
    if verbose:
        for m in missing:
            print("MISSING", m["file"], m["place"], m["event_type"], m.get("fatalities"), "|", m["evidence"][:90])
    return out


def main() -> int:
    """Print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", action="store_true")
    print(json.dumps(score(ap.parse_args().verbose), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
