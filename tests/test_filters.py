"""Region, distance, date, type and count filters; summaries; the ``filter``/``summary`` CLI.

Issue "Region filtering and summaries". Synthetic incidents are built from
:class:`geomap.schema.Incident` with :func:`geomap.export.to_geodataframe`; the seed-report tests
run ``geomap extract ../shared/seeds`` and skip without ``../shared``.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geomap.cli import main
from geomap.errors import RegionError, UsageError
from geomap.export import (
    empty_incidents,
    geojson_text,
    read_incidents,
    to_geodataframe,
    write_geojson,
)
from geomap.filters import Filter, apply_filter, format_table, parse_bbox, resolve_region, summarise
from geomap.schema import Evidence, Incident
from tests.conftest import SEEDS, needs_shared

# (lat, lon, admin1, admin2, country) of the places the synthetic incidents happen at
PLACES = {
    "Maaret al-Numan": (35.6483, 36.67693, "Idleb", "Al Ma'ra", "SY"),
    "Saraqib": (35.86447, 36.80591, "Idleb", "Idleb", "SY"),
    "Homs": (34.72405, 36.72559, "Homs", "Homs", "SY"),
    "Bab Amr": (34.71083, 36.69111, "Homs", "Homs", "SY"),
    "Rastan": (34.92667, 36.73241, "Homs", "Ar-Rastan", "SY"),
    "Palmyra": (34.5624, 38.28402, "Homs", "Tadmor", "SY"),
    "Hama": (35.13179, 36.75783, "Hama", "Hama", "SY"),
    "Deir ez-Zor": (35.33588, 40.14084, "Deir-ez-Zor", "Deir-ez-Zor", "SY"),
    "Damascus": (33.5102, 36.29128, "Damascus", "Damascus", "SY"),
    "Amman": (31.95522, 35.94503, "Amman", None, "JO"),
    "Munich": (48.13743, 11.57549, "Bavaria", None, "DE"),
    "Paris": (48.85341, 2.3488, "Île-de-France", None, "FR"),
    "Suva": (-18.13683, 178.42531, "Central", None, "FJ"),
}


def _inc(where: str | None, *, n: int = 0, country: str = "SY", **kw) -> Incident:
    """One synthetic incident at a place of :data:`PLACES` (``None``: a country-level figure)."""
    ev = Evidence(f"synthetic/{n:03d}.txt", "Test Wire", None, None, "2012-02-18",
                  f"Sentence {n} about {where or country}.", 0, 30)
    base = dict(event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
                event_date="2012-02-18", time_precision=1, fatalities=None, sources=[ev], id=f"t-{n:03d}")
    base.update(kw)
    if where is None:
        return Incident(scope="country", location=country, lat=None, lon=None, country_code=country,
                        geo_precision=3, **base)
    lat, lon, a1, a2, cc = PLACES[where]
    return Incident(scope="place", location=where, lat=lat, lon=lon, place_id=f"p:{where}",
                    place_name=where, admin1=a1, admin2=a2, country_code=cc, **base)


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    """Incidents across Syria, its neighbours and the world, with dates, types and counts."""
    rows = [
        _inc("Maaret al-Numan", n=1, fatalities=6, event_date="2012-07-05"),
        _inc("Saraqib", n=2, event_type="Protests", sub_event_type="Peaceful protest", event_date="2012-03-02"),
        _inc("Homs", n=3, event_type="Battles", sub_event_type="Armed clash", fatalities=4, event_date="2012-06-07"),
        _inc("Bab Amr", n=4, fatalities=400, event_date="2012-02-18"),
        _inc("Rastan", n=5, event_type="Battles", sub_event_type="Armed clash", event_date="2012-06-07"),
        _inc("Palmyra", n=6, event_type="Violence against civilians", sub_event_type="Attack", fatalities=1,
             event_date="2012-07-05"),
        _inc("Hama", n=7, fatalities=20, event_date="2011-07-31"),
        _inc("Deir ez-Zor", n=8, event_type="Protests", sub_event_type="Peaceful protest", event_date="2012-02-17"),
        _inc("Damascus", n=9, event_type="Protests", sub_event_type="Excessive force against protesters",
             fatalities=3, injured=10, event_date="2012-02-18"),
        _inc("Amman", n=10, event_type="Strategic developments", sub_event_type="Defection", event_date=None),
        _inc("Munich", n=11, event_type="Protests", sub_event_type="Peaceful protest", event_date="2012-08-01"),
        _inc("Paris", n=12, event_type="Strategic developments", sub_event_type="Diplomatic meeting",
             event_date="2012-07-06"),
        _inc("Suva", n=13, event_type="Protests", sub_event_type="Peaceful protest", event_date="2013-01-01"),
        _inc(None, n=14, event_type="Violence against civilians", sub_event_type="Attack", fatalities=53,
             event_date="2012-07-06"),
        _inc(None, n=15, event_type="Violence against civilians", sub_event_type="Attack", fatalities=16500,
             fatalities_low=15800, fatalities_high=16500, cumulative=True, event_date="2012-07-06"),
    ]
    return to_geodataframe(rows)


def _where(gdf) -> list[str]:
    return list(gdf["location"])


def _empty() -> gpd.GeoDataFrame:
    return empty_incidents()


# -- Gazetteer.area -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, code, inside",
    [
        ("Idlib", "SY07", "Maaret al-Numan"),
        ("Idleb", "SY07", "Maaret al-Numan"),
        ("إدلب", "SY07", "Saraqib"),
        ("Deir ez-Zor", "SY09", "Deir ez-Zor"),
        ("Deir al-Zour", "SY09", "Deir ez-Zor"),
        ("Homs", "SY04", "Palmyra"),
        ("Aleppo", "SY02", None),
    ],
)
def test_gazetteer_area_resolves_governorates(gaz, name, code, inside):
    """Every common spelling, Latin or Arabic, gives the governorate polygon (coarsest kind)."""
    place, poly = gaz.area(name)
    assert (place.kind, place.country_code, place.admin1_code) == ("admin1", "SY", code)
    assert poly.geom_type in ("Polygon", "MultiPolygon") and poly.is_valid
    if inside:
        lat, lon = PLACES[inside][:2]
        assert poly.covers(Point(lon, lat))


def test_gazetteer_area_world_admin1_and_countries(gaz):
    bavaria, poly = gaz.area("Bavaria")
    assert (bavaria.kind, bavaria.country_code) == ("admin1", "DE")
    assert poly.covers(Point(PLACES["Munich"][1], PLACES["Munich"][0]))
    idf, poly = gaz.area("Île-de-France")
    assert (idf.kind, idf.country_code) == ("admin1", "FR")
    assert poly.covers(Point(PLACES["Paris"][1], PLACES["Paris"][0]))
    for name in ("Jordan", "JO", "jo"):
        jordan, poly = gaz.area(name)
        assert (jordan.kind, jordan.country_code) == ("country", "JO")
        assert poly.covers(Point(PLACES["Amman"][1], PLACES["Amman"][0]))


def test_gazetteer_area_unknown_and_ambiguous(gaz):
    with pytest.raises(RegionError) as err:
        gaz.area("Narnia")
    assert err.value.choices and err.value.exit_code == 2
    with pytest.raises(RegionError) as err:
        gaz.area("Punjab")  # Pakistan and India
    assert len(err.value.choices) >= 2
    assert any("PK" in c or "Pakistan" in c for c in err.value.choices)


@pytest.mark.parametrize(
    "name, code",
    [("Deir al-Zour", "SY09"), ("Deir ez-Zour", "SY09"), ("Deraa", "SY12"), ("Idlib province", "SY07"),
     ("Homs governorate", "SY04"), ("دير الزور", "SY09"), ("SY07", "SY07")],
)
def test_resolve_region_spellings(gaz, name, code):
    place, _ = resolve_region(name, gaz)
    assert (place.kind, place.admin1_code) == ("admin1", code)


# -- each flag ------------------------------------------------------------------------------------
def test_no_filter_returns_everything(incidents):
    assert apply_filter(incidents, Filter()) is incidents
    assert not Filter().active() and Filter(region="Idlib").active()


def test_region_governorate_point_in_polygon(incidents, gaz):
    assert _where(apply_filter(incidents, Filter(region="Idlib"), gaz)) == ["Maaret al-Numan", "Saraqib"]
    assert _where(apply_filter(incidents, Filter(region="إدلب"), gaz)) == ["Maaret al-Numan", "Saraqib"]
    homs = _where(apply_filter(incidents, Filter(region="Homs"), gaz))
    assert homs == ["Homs", "Bab Amr", "Rastan", "Palmyra"]
    assert _where(apply_filter(incidents, Filter(region="Deir al-Zour"), gaz)) == ["Deir ez-Zor"]


def test_region_district_world_admin1_and_country(incidents, gaz):
    # the Ar-Rastan district (admin-2) holds Rastan only
    assert _where(apply_filter(incidents, Filter(region="SY0404"), gaz)) == ["Rastan"]
    assert _where(apply_filter(incidents, Filter(region="Bavaria"), gaz)) == ["Munich"]
    assert _where(apply_filter(incidents, Filter(region="Ile-de-France"), gaz)) == ["Paris"]
    assert _where(apply_filter(incidents, Filter(region="JO"), gaz)) == ["Amman"]
    # a country keeps its country-level figures (no point) too; cumulative tolls only on request
    syria = apply_filter(incidents, Filter(region="Syria"), gaz)
    assert len(syria) == 10 and "Amman" not in _where(syria)
    assert syria["cumulative"].sum() == 0
    with_cum = apply_filter(incidents, Filter(region="Syria", include_cumulative=True), gaz)
    assert len(with_cum) == 11


def test_region_unknown_and_ambiguous(incidents, gaz):
    with pytest.raises(RegionError) as err:
        apply_filter(incidents, Filter(region="Narnia"), gaz)
    assert err.value.exit_code == 2 and err.value.choices
    with pytest.raises(RegionError) as err:
        apply_filter(incidents, Filter(region="Punjab"), gaz)
    assert "ambiguous" in str(err.value) and len(err.value.choices) >= 2


def test_country(incidents, gaz):
    assert _where(apply_filter(incidents, Filter(country="jo"))) == ["Amman"]
    assert len(apply_filter(incidents, Filter(country="SY"))) == 10
    assert _where(apply_filter(incidents, Filter(country="Jordan"), gaz)) == ["Amman"]
    with pytest.raises(UsageError, match="XX"):  # no such country: a typo, not an empty result
        apply_filter(incidents, Filter(country="XX"))
    for empty in ("", " "):
        with pytest.raises(UsageError, match="--country is empty"):
            apply_filter(incidents, Filter(country=empty))


def test_bbox(incidents):
    # Homs and around: Homs, Bab Amr, Rastan (not Hama, north of 35.0)
    assert _where(apply_filter(incidents, Filter(bbox=(36.5, 34.6, 36.9, 35.0)))) == ["Homs", "Bab Amr", "Rastan"]
    # crossing the antimeridian (west > east): Fiji only
    assert _where(apply_filter(incidents, Filter(bbox=(170.0, -30.0, -170.0, 0.0)))) == ["Suva"]
    assert parse_bbox("36.5,34.6,36.9,35") == (36.5, 34.6, 36.9, 35.0)
    for bad in ("1,2,3", "a,b,c,d", "0,50,10,40", "0,0,200,10"):
        with pytest.raises(UsageError):
            parse_bbox(bad)
    with pytest.raises(UsageError):
        apply_filter(incidents, Filter(bbox=(0, 95, 10, 96)))


def test_within_polygon_file_reprojected(incidents, tmp_path):
    # a box around Homs and Rastan, saved in Web Mercator: it must be reprojected to EPSG:4326
    shapes = gpd.GeoDataFrame({"name": ["homs"]}, geometry=[box(36.6, 34.65, 36.8, 35.0)], crs="EPSG:4326")
    merc = tmp_path / "area.geojson"
    shapes.to_crs(3857).to_file(merc, driver="GeoJSON")
    assert _where(apply_filter(incidents, Filter(within=str(merc)))) == ["Homs", "Bab Amr", "Rastan"]
    gpkg = tmp_path / "area.gpkg"
    shapes.to_crs(32637).to_file(gpkg, driver="GPKG")
    assert _where(apply_filter(incidents, Filter(within=str(gpkg)))) == ["Homs", "Bab Amr", "Rastan"]
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(36.7, 34.7)], crs="EPSG:4326").to_file(points, driver="GeoJSON")
    with pytest.raises(UsageError, match="no polygons"):
        apply_filter(incidents, Filter(within=str(points)))
    junk = tmp_path / "junk.geojson"
    junk.write_text("not geojson", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot read"):
        apply_filter(incidents, Filter(within=str(junk)))
    with pytest.raises(UsageError):
        apply_filter(incidents, Filter(within=str(tmp_path / "missing.gpkg")))


def test_near_radius_geodesic(incidents, gaz):
    kept = _where(apply_filter(incidents, Filter(near="Homs", radius_km=30), gaz))
    assert kept == ["Homs", "Bab Amr", "Rastan"]  # Rastan ~22 km; Hama ~45 km
    assert "Rastan" not in _where(apply_filter(incidents, Filter(near="Homs", radius_km=20), gaz))
    assert "Hama" in _where(apply_filter(incidents, Filter(near="Homs", radius_km=50), gaz))
    # near a place across the antimeridian
    assert _where(apply_filter(incidents, Filter(near="Suva", radius_km=10), gaz)) == ["Suva"]
    with pytest.raises(RegionError):
        apply_filter(incidents, Filter(near="Narnia", radius_km=10), gaz)
    for bad in ({"near": "Homs"}, {"near": "Homs", "radius_km": 0}, {"near": "Homs", "radius_km": -5},
                {"near": "Homs", "radius_km": math.nan}, {"radius_km": 5}):
        with pytest.raises(UsageError):
            apply_filter(incidents, Filter(**bad), gaz)


def test_since_until(incidents):
    kept = apply_filter(incidents, Filter(since="2012-07-01", until="2012-07-31"))
    assert _where(kept) == ["Maaret al-Numan", "Palmyra", "Paris", "SY"]
    assert _where(apply_filter(incidents, Filter(until="2011-12-31"))) == ["Hama"]
    assert _where(apply_filter(incidents, Filter(since="2012-07"))) == _where(
        apply_filter(incidents, Filter(since="2012-07-01")))
    assert _where(apply_filter(incidents, Filter(since="2013", until="2013"))) == ["Suva"]
    # undated incidents never pass a date filter
    assert "Amman" not in _where(apply_filter(incidents, Filter(since="1900-01-01")))
    for bad in ({"since": "yesterday"}, {"until": "2012-13-01"}, {"since": "2013-01-01", "until": "2012-01-01"}):
        with pytest.raises(UsageError):
            apply_filter(incidents, Filter(**bad))


def test_types(incidents):
    assert _where(apply_filter(incidents, Filter(types=("Battles",)))) == ["Homs", "Rastan"]
    assert _where(apply_filter(incidents, Filter(types=("armed clash",)))) == ["Homs", "Rastan"]
    both = apply_filter(incidents, Filter(types=("Defection", "Diplomatic meeting")))
    assert _where(both) == ["Amman", "Paris"]
    protests = apply_filter(incidents, Filter(types=("protests",)))
    assert len(protests) == 5
    assert _where(apply_filter(incidents, Filter(types=("air drone strike",)))) == []
    with pytest.raises(UsageError, match="Battles"):
        apply_filter(incidents, Filter(types=("Battle",)))


def test_min_fatalities_and_cumulative(incidents):
    assert _where(apply_filter(incidents, Filter(min_fatalities=20))) == ["Bab Amr", "Hama", "SY"]
    kept = apply_filter(incidents, Filter(min_fatalities=20, include_cumulative=True))
    assert list(kept["fatalities"]) == [400, 20, 53, 16500]
    assert len(apply_filter(incidents, Filter(min_fatalities=0))) == 7  # unknown counts fail
    with pytest.raises(UsageError):
        apply_filter(incidents, Filter(min_fatalities=-1))


def test_combined_filters_are_anded(incidents, gaz):
    flt = Filter(region="Homs", since="2012-06-01", types=("Battles",), min_fatalities=1)
    assert _where(apply_filter(incidents, flt, gaz)) == ["Homs"]


def test_other_crs_input(incidents, gaz):
    merc = incidents.to_crs(3857)
    assert _where(apply_filter(merc, Filter(region="Idlib"), gaz)) == ["Maaret al-Numan", "Saraqib"]
    assert _where(apply_filter(merc, Filter(near="Homs", radius_km=30), gaz)) == ["Homs", "Bab Amr", "Rastan"]


@pytest.mark.parametrize(
    "flt",
    [
        Filter(region="Idlib"), Filter(region="Syria"), Filter(country="SY"), Filter(bbox=(30, 30, 40, 40)),
        Filter(near="Homs", radius_km=30), Filter(since="2012-01-01"), Filter(until="2012-12-31"),
        Filter(types=("Battles",)), Filter(min_fatalities=1), Filter(include_cumulative=True),
        Filter(region="Homs", near="Homs", radius_km=5, since="2012", until="2013", types=("Protests",),
               min_fatalities=1, country="SY", bbox=(30, 30, 40, 40)),
    ],
)
def test_each_flag_on_empty_input(flt, gaz):
    out = apply_filter(_empty(), flt, gaz)
    assert len(out) == 0 and list(out.columns) == list(_empty().columns)


def test_bad_options_fail_on_empty_input_too(gaz, tmp_path):
    for bad in ({"region": "Narnia"}, {"near": "Narnia", "radius_km": 3}, {"since": "soon"},
                {"within": str(tmp_path / "nothing.geojson")}, {"types": ("Nonsense",)}):
        with pytest.raises(UsageError):
            apply_filter(_empty(), Filter(**bad), gaz)


@pytest.mark.parametrize(("options", "message"), [
    ({"bbox": (0, 95, 10, 96)}, "--bbox '0,95,10,96': out of range (lon -180..180, lat -90..90, S <= N)"),
    ({"bbox": (10, 50, 20, 40)}, "--bbox '10,50,20,40': out of range (lon -180..180, lat -90..90, S <= N)"),
    ({"bbox": (1, 2, 3)}, "--bbox '1,2,3': give four numbers W,S,E,N"),
    ({"radius_km": 5}, "--radius needs --near PLACE"),
    ({"near": "Homs"}, "--near needs --radius KM (a positive number)"),
    ({"near": "Homs", "radius_km": -1}, "--near needs --radius KM (a positive number)"),
    ({"near": " "}, "--near is empty; give a name (or leave the option out)"),
    ({"region": ""}, "--region is empty; give a name (or leave the option out)"),
    ({"since": "2012-02-30"}, "--since '2012-02-30' is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY)"),
    ({"until": "next week"}, "--until 'next week' is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY)"),
    ({"since": "2013", "until": "2012-06"}, "--since 2013 is after --until 2012-06"),
    ({"min_fatalities": -1}, "--min-fatalities must be 0 or more"),
    ({"min_fatalities": "3"}, "--min-fatalities '3': give a whole number, 0 or more"),
    ({"types": ("Battles", 3)}, "--type 3: give event types as text"),
    ({"types": 3}, "--type 3: give event types as text"),
])
def test_options_are_checked_when_the_filter_is_made(options, message, monkeypatch):
    import geomap.filters as filters

    def no_gazetteer():
        raise AssertionError("checking options needs no gazetteer")

    monkeypatch.setattr(filters, "default_gazetteer", no_gazetteer)
    with pytest.raises(UsageError) as made:
        Filter(**options)
    assert str(made.value) == message


def test_a_filter_that_is_made_is_checked_the_same_when_applied(incidents):
    # an option changed after the filter was made (bypassing the check) still fails when applied
    flt = Filter(since="2012")
    object.__setattr__(flt, "since", "2012-02-30")
    with pytest.raises(UsageError, match="--since '2012-02-30' is not a date"):
        apply_filter(incidents, flt)
    # one type given as a string is that type, a list is a tuple
    assert Filter(types="Battles").types == ("Battles",) and Filter(types=["a", "b"]).types == ("a", "b")
    assert Filter(types=None).types == ()  # None means not set, as for every other option
    assert _where(apply_filter(incidents, Filter(types="Battles"))) == ["Homs", "Rastan"]


def test_empty_feature_collection_round_trip(tmp_path, gaz):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    gdf = read_incidents(path)
    assert len(apply_filter(gdf, Filter(region="Idlib", near="Homs", radius_km=3), gaz)) == 0
    assert json.loads(geojson_text(apply_filter(gdf, Filter(region="Idlib"), gaz)))["features"] == []


# -- summaries ------------------------------------------------------------------------------------
def test_summarise_by_admin1(incidents):
    table = summarise(incidents, "admin1")
    assert list(table.columns) == ["group", "incidents", "fatalities", "fatalities_low", "fatalities_high", "injured"]
    rows = {r.group: r for r in table.itertuples()}
    assert rows["Homs"].incidents == 4 and rows["Homs"].fatalities == 405
    assert rows["Idleb"].fatalities == 6
    # the country-level figure and the cumulative toll have no admin1; the toll is not summed
    assert rows["(unknown)"].incidents == 2 and rows["(unknown)"].fatalities == 53
    assert table.iloc[0].group == "Homs"  # most fatalities first


@pytest.mark.parametrize("by", ["admin1", "admin2", "country", "type", "month", "actor"])
def test_summarise_every_grouping(incidents, by):
    table = summarise(incidents, by)
    assert table["incidents"].sum() == len(incidents)
    assert table["fatalities"].sum() == 6 + 4 + 400 + 1 + 20 + 3 + 53  # cumulative toll left out
    assert "(no incidents)" not in format_table(table)
    assert summarise(_empty(), by).empty


def test_summarise_month_and_type(incidents):
    months = summarise(incidents, "month")
    assert list(months["group"]) == sorted(months["group"])  # calendar order
    assert "(no date)" in set(months["group"])
    types = summarise(incidents, "type")
    assert set(types["group"]) >= {"Battles", "Protests", "Violence against civilians"}
    with pytest.raises(UsageError):
        summarise(incidents, "weekday")


def test_summarise_without_cumulative_column(incidents):
    df = pd.DataFrame(incidents.drop(columns=["geometry", "cumulative"]))
    assert summarise(df, "country")["incidents"].sum() == len(incidents)


def test_format_table_is_readable(incidents):
    text = format_table(summarise(incidents, "admin1"))
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["group", "incidents"] and set(lines[1]) <= {"-", " "}
    assert any(line.startswith("Homs") and "405 (405-405)" in line for line in lines)
    assert lines[-1].startswith("total")
    assert format_table(summarise(_empty(), "admin1")) == "(no incidents)\n"


# -- CLI ------------------------------------------------------------------------------------------
@pytest.fixture()
def saved(incidents, tmp_path):
    path = tmp_path / "incidents.geojson"
    write_geojson(incidents, path)
    return path


def _stdout_locations(capsys) -> list[str]:
    out = capsys.readouterr().out
    return [f["properties"]["location"] for f in json.loads(out)["features"]]


def test_cli_filter_to_stdout_and_file(saved, tmp_path, capsys):
    assert main(["filter", str(saved), "--region", "Idlib"]) == 0
    assert _stdout_locations(capsys) == ["Maaret al-Numan", "Saraqib"]
    out = tmp_path / "homs.geojson"
    assert main(["filter", str(saved), "--near", "Homs", "--radius", "30", "-o", str(out)]) == 0
    assert _where(read_incidents(out)) == ["Homs", "Bab Amr", "Rastan"]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--region", "Idleb"], ["Maaret al-Numan", "Saraqib"]),
        (["--region", "Deir al-Zour"], ["Deir ez-Zor"]),
        (["--country", "JO"], ["Amman"]),
        (["--bbox", "36.5,34.6,36.9,35.0"], ["Homs", "Bab Amr", "Rastan"]),
        (["--since", "2013-01-01"], ["Suva"]),
        (["--until", "2011-12-31"], ["Hama"]),
        (["--type", "Defection", "--type", "Diplomatic meeting"], ["Amman", "Paris"]),
        (["--min-fatalities", "100"], ["Bab Amr"]),
        (["--min-fatalities", "100", "--include-cumulative"], ["Bab Amr", "SY"]),
    ],
)
def test_cli_filter_flags(saved, capsys, args, expected):
    assert main(["filter", str(saved), *args]) == 0
    assert _stdout_locations(capsys) == expected


def test_cli_within(saved, tmp_path, capsys):
    poly = tmp_path / "p.geojson"
    gpd.GeoDataFrame(geometry=[box(36.6, 34.65, 36.8, 35.0)], crs="EPSG:4326").to_crs(3857).to_file(poly)
    assert main(["filter", str(saved), "--within", str(poly)]) == 0
    assert _stdout_locations(capsys) == ["Homs", "Bab Amr", "Rastan"]


def test_cli_unknown_region_suggests(saved, capsys):
    assert main(["filter", str(saved), "--region", "Narnia"]) == 2
    err = capsys.readouterr().err
    assert "Narnia" in err and "did you mean" in err


def test_cli_ambiguous_region_lists_choices(saved, capsys):
    assert main(["filter", str(saved), "--region", "Punjab"]) == 2
    err = capsys.readouterr().err
    assert "ambiguous" in err and "choices" in err and "Pakistan" in err and "India" in err


@pytest.mark.parametrize(
    "args",
    [["--bbox", "1,2,3"], ["--since", "July"], ["--near", "Homs"], ["--radius", "5"], ["--type", "Nonsense"],
     ["--within", "/nonexistent/file.gpkg"]],
)
def test_cli_usage_errors_exit_2(saved, capsys, args):
    assert main(["filter", str(saved), *args]) == 2
    assert capsys.readouterr().err.startswith("geomap: ")


def test_cli_empty_input(tmp_path, capsys):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    for args in (["--region", "Idlib"], ["--near", "Homs", "--radius", "30"], ["--country", "SY"],
                 ["--bbox", "30,30,40,40"], ["--since", "2012-01-01"], ["--type", "Battles"],
                 ["--min-fatalities", "1"], ["--include-cumulative"]):
        assert main(["filter", str(path), *args]) == 0
        assert json.loads(capsys.readouterr().out) == {"type": "FeatureCollection", "features": []}
    assert main(["filter", str(path), "--region", "Narnia"]) == 2
    assert main(["summary", str(path), "--by", "admin1"]) == 0
    assert "(no incidents)" in capsys.readouterr().out


def test_cli_summary_table_and_csv(saved, capsys):
    assert main(["summary", str(saved), "--by", "admin1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("group") and "Homs" in out and "total" in out
    assert main(["summary", str(saved), "--by", "type", "--csv", "--region", "Homs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "group,incidents,fatalities,fatalities_low,fatalities_high,injured"
    assert {line.split(",")[0] for line in lines[1:]} == {"Battles", "Explosions/Remote violence",
                                                         "Violence against civilians"}
    for by in ("admin2", "country", "month", "actor"):
        assert main(["summary", str(saved), "--by", by]) == 0
    capsys.readouterr()
    assert main(["summary", str(saved), "--region", "Narnia"]) == 2


def test_cli_map_with_filters(saved, tmp_path, capsys):
    out = tmp_path / "map.html"
    assert main(["map", str(saved), "--region", "Idlib", "-o", str(out)]) == 0
    assert out.is_file() and "2 incidents" in capsys.readouterr().out
    assert main(["map", str(saved), "--region", "Narnia", "-o", str(tmp_path / "x.html")]) == 2


def test_cli_extract_and_run_accept_filters(tmp_path, capsys):
    report = tmp_path / "reports" / "homs.txt"
    report.parent.mkdir()
    report.write_text(
        "Homs, 18 February 2012 - Government forces shelled the Homs neighbourhood of Bab Amr on Saturday, "
        "killing at least 12 people, activists said. In Idlib, troops raided the town of Saraqib.\n",
        encoding="utf-8",
    )
    out = tmp_path / "homs.geojson"
    assert main(["extract", str(report.parent), "--region", "Homs", "-o", str(out)]) == 0
    gdf = read_incidents(out)
    assert len(gdf) and set(gdf["admin1"]) == {"Homs"}
    assert main(["extract", str(report.parent), "--region", "Narnia", "-o", str(out)]) == 2
    assert main(["run", str(report.parent), "-o", str(tmp_path / "out"), "--no-map", "--region", "Idlib"]) == 0
    kept = read_incidents(tmp_path / "out" / "incidents.geojson")
    assert set(kept["admin1"]) <= {"Idleb"}
    assert main(["run", str(report.parent), "-o", str(tmp_path / "out2"), "--no-map", "--since", "nope"]) == 2


# -- the seed reports (../shared/seeds) -----------------------------------------------------------
@pytest.fixture(scope="module")
def seeds_geojson(tmp_path_factory):
    """``geomap extract ../shared/seeds -o seeds.geojson``."""
    if not SEEDS.is_dir():
        pytest.skip(f"needs the seed reports at {SEEDS}")
    out = tmp_path_factory.mktemp("seeds") / "seeds.geojson"
    assert main(["extract", str(SEEDS), "-o", str(out)]) == 0
    return out


def _near(gdf, gaz, name: str, km: float = 3.0) -> list[int]:
    """Positions of the rows pinned within ``km`` of a named place."""
    from pyproj import Geod

    p = gaz.lookup(name, country="SY", limit=1)[0].place
    out = []
    for n, geom in enumerate(gdf.geometry):
        if geom is not None and not geom.is_empty:
            if Geod(ellps="WGS84").inv(p.lon, p.lat, geom.x, geom.y)[2] / 1000 <= km:
                out.append(n)
    return out


@needs_shared
def test_seeds_region_idlib(seeds_geojson, gaz):
    gdf = read_incidents(seeds_geojson)
    assert _near(gdf, gaz, "Maaret al-Numan"), "extraction: no Maaret al-Numan incident in the seeds"
    kept = apply_filter(gdf, Filter(region="Idlib"), gaz)
    assert _near(kept, gaz, "Maaret al-Numan")
    assert not _near(kept, gaz, "Homs", km=10)


@needs_shared
def test_seeds_region_homs_governorate(seeds_geojson, gaz):
    gdf = read_incidents(seeds_geojson)
    kept = apply_filter(gdf, Filter(region="Homs"), gaz)
    for name in ("Homs", "Bab Amr", "Rastan"):
        assert _near(kept, gaz, name, km=1.0), f"no {name} incident kept by --region Homs"
    assert not _near(kept, gaz, "Maaret al-Numan")


@needs_shared
def test_seeds_near_homs_30km(seeds_geojson, gaz):
    gdf = read_incidents(seeds_geojson)
    hama = to_geodataframe([_inc("Hama", n=99, id="synthetic-hama")])
    both = pd.concat([gdf, hama], ignore_index=True)
    both = gpd.GeoDataFrame(both, geometry="geometry", crs="EPSG:4326")
    kept = apply_filter(both, Filter(near="Homs", radius_km=30), gaz)
    assert _near(kept, gaz, "Rastan", km=1.0), "no Rastan incident kept within 30 km of Homs"
    assert "synthetic-hama" not in set(kept["id"])
    assert not _near(kept, gaz, "Hama", km=10)


@needs_shared
def test_seeds_cli(seeds_geojson, capsys):
    assert main(["filter", str(seeds_geojson), "--region", "Narnia"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["filter", str(seeds_geojson), "--region", "Idlib"]) == 0
    kept = json.loads(capsys.readouterr().out)["features"]
    assert kept and all(f["properties"]["admin1"] == "Idleb" for f in kept)
    assert main(["summary", str(seeds_geojson), "--by", "admin1"]) == 0
    assert "Homs" in capsys.readouterr().out
