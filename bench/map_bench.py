"""Benchmark geomap.mapview.write_map on N random incidents and time the first render in Chromium.

Usage::

    python bench/map_bench.py --n 100000 [--out output/bench-map.html] [--no-browser]

Prints: write_map time, file size, and in headless Chromium (network blocked) the time to the
``load`` event and to ``window.geomapStats.ready`` (all markers created and clustered).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import geopandas as gpd
import numpy as np
from shapely.geometry import box

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geomap import mapview  # noqa: E402
from geomap.schema import EVENT_TYPES, INCIDENT_COLUMNS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = list(mapview.CHROMIUM_ARGS)

#: (name, country, admin1, lon, lat) of towns in Syria and its neighbours.
TOWNS = [
    ("Aleppo", "SY", "Aleppo", 37.16, 36.20),
    ("Idlib", "SY", "Idlib", 36.63, 35.93),
    ("Homs", "SY", "Homs", 36.72, 34.73),
    ("Hama", "SY", "Hama", 36.75, 35.13),
    ("Damascus", "SY", "Damascus", 36.29, 33.51),
    ("Daraa", "SY", "Daraa", 36.10, 32.62),
    ("Deir ez-Zor", "SY", "Deir ez-Zor", 40.14, 35.34),
    ("Raqqa", "SY", "Ar-Raqqa", 39.01, 35.95),
    ("Qamishli", "SY", "Al-Hasakeh", 41.23, 37.05),
    ("Latakia", "SY", "Lattakia", 35.78, 35.52),
    ("Beirut", "LB", "Beirut", 35.50, 33.89),
    ("Tripoli", "LB", "North", 35.84, 34.44),
    ("Mosul", "IQ", "Ninewa", 43.13, 36.34),
    ("Baghdad", "IQ", "Baghdad", 44.36, 33.31),
    ("Amman", "JO", "Amman", 35.93, 31.95),
    ("Gaziantep", "TR", "Gaziantep", 37.38, 37.07),
]
ACTORS = [
    "Government forces",
    "Opposition fighters",
    "Islamic State",
    "SDF",
    "Hezbollah",
    "Unidentified armed group",
    "Civilians",
]
SOURCES = ["SANA", "SOHR", "Reuters", "AFP", "Enab Baladi", "Al Jazeera"]


def make_incidents(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """Return ``n`` random incidents (about 3% country-scope or cumulative, 1% unlocated)."""
    rng = np.random.default_rng(seed)
    types = list(EVENT_TYPES)
    town = rng.integers(0, len(TOWNS), n)
    near = rng.random(n) < 0.6  # 60% pinned at the town itself, the rest scattered around it
    lon = np.array([TOWNS[t][3] for t in town]) + np.where(near, 0, rng.normal(0, 0.6, n))
    lat = np.array([TOWNS[t][4] for t in town]) + np.where(near, 0, rng.normal(0, 0.5, n))
    etype = rng.integers(0, len(types), n)
    fat = rng.geometric(0.25, n) - 1
    day0 = np.datetime64("2023-01-01")
    dates = (day0 + rng.integers(0, 730, n).astype("timedelta64[D]")).astype(str)
    kind = rng.random(n)
    rows = []
    for i in range(n):
        name, cc, adm1, *_ = TOWNS[town[i]]
        t = types[etype[i]]
        scope = "country" if kind[i] < 0.015 else "place"
        cumulative = bool(0.015 <= kind[i] < 0.03)
        sentence = (
            f"{fat[i]} people were killed in {name} on {dates[i]} according to local sources."
        )
        src = SOURCES[i % len(SOURCES)]
        rows.append(
            {
                "id": f"bench-{i}",
                "event_date": dates[i],
                "time_precision": 1,
                "event_type": t,
                "sub_event_type": EVENT_TYPES[t][i % len(EVENT_TYPES[t])],
                "actor1": ACTORS[i % len(ACTORS)],
                "actor1_class": None,
                "actor2": ACTORS[(i * 3 + 1) % len(ACTORS)],
                "actor2_class": None,
                "fatalities": int(fat[i]),
                "fatalities_low": int(fat[i]),
                "fatalities_high": int(fat[i] + (i % 3)),
                "injured": int(i % 5),
                "cumulative": cumulative,
                "scope": scope,
                "location": name,
                "place_id": str(town[i]),
                "place_name": name,
                "admin1": adm1,
                "admin2": None,
                "country_code": cc,
                "latitude": float(lat[i]),
                "longitude": float(lon[i]),
                "geo_precision": 1 if near[i] else 2,
                "notes": f"Synthetic incident {i}.",
                "sources": [
                    {
                        "doc_id": f"doc-{i}",
                        "source": src,
                        "title": f"{src} report {i}",
                        "url": f"https://news.example/{i}",
                        "date": dates[i],
                        "sentence": sentence,
                        "start": 0,
                        "end": len(sentence),
                    }
                ],
                "n_sources": 1,
            }
        )
    gdf = gpd.GeoDataFrame(
        rows, columns=list(INCIDENT_COLUMNS), geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
    unlocated = rng.random(n) < 0.01
    gdf.loc[unlocated, "geometry"] = None
    return gdf


def make_boundaries() -> gpd.GeoDataFrame:
    """A 1x1 degree grid of fake admin-1 squares over the region."""
    cells = [(x, y) for x in range(33, 47) for y in range(29, 39)]
    return gpd.GeoDataFrame(
        {
            "id": [f"G{x}_{y}" for x, y in cells],
            "name": [f"Cell {x}E {y}N" for x, y in cells],
            "country_code": ["XX"] * len(cells),
        },
        geometry=[box(x, y, x + 1, y + 1) for x, y in cells],
        crs="EPSG:4326",
    )


def make_basemap() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["region"]},
        geometry=[box(33, 29, 47, 39).buffer(0.5, quad_segs=64)],
        crs="EPSG:4326",
    )


def browser_render(path: pathlib.Path) -> dict:
    """Open ``path`` in headless Chromium with the network blocked and time the first render."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=120_000)
        t_load = time.perf_counter() - t0
        page.wait_for_function(
            "window.geomapStats && window.geomapStats.ready === true", timeout=120_000
        )
        t_ready = time.perf_counter() - t0
        perf = page.evaluate(
            """() => { const n = performance.getEntriesByType('navigation')[0];
                 return {load: n.loadEventEnd, dcl: n.domContentLoadedEventEnd,
                         ready: window.geomapStats.readyAt, cluster: window.geomapStats.clusterMs,
                         markers: window.geomapStats.markers,
                         clustered: Object.values(window.geomapGroups)
                           .reduce((s, g) => s + g.getLayers().length, 0)}; }"""
        )
        shot = ROOT / "output" / "bench-map-screenshot.png"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot))
        browser.close()
    return {
        "wall_load_s": t_load,
        "wall_ready_s": t_ready,
        "perf": perf,
        "blocked": blocked,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of incidents (default 100000)")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "output" / "bench-map.html")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium render timing")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    gdf = make_incidents(args.n, args.seed)
    print(f"generated {len(gdf):,} incidents in {time.perf_counter() - t:.2f} s")

    t = time.perf_counter()
    mapview.write_map(
        gdf, args.out, boundaries=make_boundaries(), basemap=make_basemap(), title="bench"
    )
    t_write = time.perf_counter() - t
    size = args.out.stat().st_size
    print(f"write_map: {t_write:.2f} s   (limit 20 s)")
    print(f"file size: {size / 1e6:.1f} MB  ({args.out})")

    t = time.perf_counter()
    png = mapview.write_summary_png(gdf, args.out.with_suffix(".png"), boundaries=make_boundaries())
    print(
        f"write_summary_png: {time.perf_counter() - t:.2f} s  ({png.stat().st_size / 1e3:.0f} kB)"
    )

    if args.no_browser:
        return 0
    r = browser_render(args.out)
    p = r["perf"]
    print(
        f"chromium: load event {p['load'] / 1000:.2f} s, markers ready {p['ready'] / 1000:.2f} s after navigation "
        f"(clustering {p['cluster'] / 1000:.2f} s)   (limit 5 s)"
    )
    print(
        f"chromium wall clock: goto->load {r['wall_load_s']:.2f} s, goto->ready {r['wall_ready_s']:.2f} s"
    )
    print(f"markers: {p['markers']:,} stats, {p['clustered']:,} in cluster groups")
    print(f"blocked requests: {len(r['blocked'])}, console/page errors: {len(r['errors'])}")
    for e in r["errors"][:5]:
        print("  error:", e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
