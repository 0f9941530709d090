"""The row format of the bundled ``places.tsv.xz`` (shared by the build and the loader)."""

from __future__ import annotations

#: Columns of ``places.tsv.xz``; ``aliases`` and ``demonyms`` are ``|``-separated.
PLACE_FIELDS = (
    "id",
    "name",
    "kind",
    "lat",
    "lon",
    "country_code",
    "admin1_code",
    "admin1",
    "admin2_code",
    "admin2",
    "population",
    "parent",
    "source",
    "aliases",
    "demonyms",
)


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\t", " ").replace("\n", " ").replace("|", "/")


def format_row(row: dict) -> str:
    """Return one TSV line (no newline) for a place dict."""
    out = []
    for f in PLACE_FIELDS:
        value = row.get(f, "")
        if f in ("aliases", "demonyms"):
            value = "|".join(_clean(v) for v in value or [])
        elif f in ("lat", "lon"):
            value = f"{float(value):.5f}"
        elif f == "population":
            value = str(int(value or 0))
        else:
            value = _clean(value)
        out.append(value)
    return "\t".join(out)


def parse_row(line: str) -> dict:
    """Parse one TSV line written by :func:`format_row`."""
    parts = line.rstrip("\n").split("\t")
    row = dict(zip(PLACE_FIELDS, parts, strict=False))
    row["lat"] = float(row["lat"])
    row["lon"] = float(row["lon"])
    row["population"] = int(row.get("population") or 0)
    row["aliases"] = [a for a in row.get("aliases", "").split("|") if a]
    row["demonyms"] = [a for a in row.get("demonyms", "").split("|") if a]
    return row
