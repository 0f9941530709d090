"""Benchmark region and distance filtering on a million random incidents.

Generates ``N`` random incidents (a GeoDataFrame with the schema's columns, points over Syria
and its neighbours), then times ``Filter(region="Idlib")`` (point-in-polygon on the Idlib
governorate boundary) and ``Filter(near="Homs", radius_km=25)`` (geodesic distance).

Usage::

    python bench/filter_bench.py [N] [--seed S]

Target: each filter <= 5 s for 1,000,000 incidents.
"""

from __future__ import annotations

import argparse
import time

#: Longitude/latitude box of Syria and its neighbours (Lebanon, Jordan, Iraq's west, Turkey's south).
_BOX = (34.0, 31.0, 43.5, 38.0)


def make_incidents(n: int, seed: int = 0):
    """Return ``n`` random incidents as a GeoDataFrame with the schema's columns.

    Parameters
    ----------
    n : int
        Number of rows.
    seed : int
        Random seed.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points uniformly spread over :data:`_BOX`.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geomap.schema import EVENT_TYPES, INCIDENT_COLUMNS

    rng = np.random.default_rng(seed)
    w, s, e, n_ = _BOX
    lon = rng.uniform(w, e, n)
    lat = rng.uniform(s, n_, n)
    pairs = [(t, st) for t, subs in EVENT_TYPES.items() for st in subs]
    pick = rng.integers(0, len(pairs), n)
    types = np.array([p[0] for p in pairs], dtype=object)[pick]
    subs = np.array([p[1] for p in pairs], dtype=object)[pick]
    days = rng.integers(0, 3650, n)
    dates = (np.datetime64("2011-03-15") + days.astype("timedelta64[D]")).astype(str).astype(object)
    fat = rng.integers(0, 60, n).astype(float)
    fat[rng.random(n) < 0.3] = np.nan
    data = {
        "id": pd.Series(np.arange(n)).map("bench-{:07d}".format).to_numpy(),
        "event_date": dates,
        "time_precision": rng.integers(1, 4, n),
        "event_type": types,
        "sub_event_type": subs,
        "actor1": None, "actor1_class": None, "actor2": None, "actor2_class": None,
        "fatalities": fat,
        "fatalities_low": fat,
        "fatalities_high": fat,
        "injured": np.nan,
        "cumulative": rng.random(n) < 0.01,
        "scope": "place",
        "location": "",
        "place_id": None,
        "place_name": None,
        "admin1": None,
        "admin2": None,
        "country_code": "SY",
        "latitude": lat,
        "longitude": lon,
        "geo_precision": 1,
        "notes": "",
        "sources": None,
        "n_sources": 1,
    }
    df = pd.DataFrame(data, columns=list(INCIDENT_COLUMNS))
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _time(label: str, gdf, flt, gaz) -> float:
    from geomap.filters import apply_filter

    t0 = time.perf_counter()
    kept = apply_filter(gdf, flt, gaz)
    secs = time.perf_counter() - t0
    print(f"{label:<28} {secs:7.3f} s   {len(kept):>9,} rows kept of {len(gdf):,}")
    return secs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every filter meets the 5 s target, else 1."""
    from geomap.filters import Filter
    from geomap.gazetteer import default_gazetteer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    gaz = default_gazetteer()
    gaz.area("Idlib")  # load the boundary layer outside the timings
    t0 = time.perf_counter()
    gdf = make_incidents(args.n, args.seed)
    print(f"generated {len(gdf):,} incidents in {time.perf_counter() - t0:.1f} s")
    worst = max(
        _time("region Idlib", gdf, Filter(region="Idlib"), gaz),
        _time("near Homs radius 25 km", gdf, Filter(near="Homs", radius_km=25), gaz),
        _time("region Idlib since 2013", gdf, Filter(region="Idlib", since="2013-01-01"), gaz),
    )
    print(f"worst {worst:.3f} s (target <= 5 s): {'ok' if worst <= 5 else 'TOO SLOW'}")
    return 0 if worst <= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
