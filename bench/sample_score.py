"""Score incident extraction on the bundled sample corpus against its expected.json.

Prints recall of expected incidents (place within 25 km or same name, and same fatalities when
given), of casualty incidents, merge groups found, and casualty incidents wrongly placed at
places the answer file lists as non-incident places.

    python bench/sample_score.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    """Print the figures as JSON (and the missed incidents with --verbose)."""
    from geomap.evaluate import score_incidents
    from geomap.gazetteer import default_gazetteer
    from geomap.ingest import read_documents
    from geomap.pipeline import extract_incidents, sample_dir

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    gaz = default_gazetteer()
    expected = json.loads((sample_dir() / "expected.json").read_text(encoding="utf-8"))
    docs, _ = read_documents([sample_dir()])
    out = score_incidents(expected, extract_incidents(docs, gaz).incidents, docs, gaz)
    missing = out.pop("missing")
    if args.verbose:
        for m in missing:
            print("MISSING", m["file"], m["place"], m["event_type"], m.get("fatalities"), "|", m["evidence"][:90])
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
