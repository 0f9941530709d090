"""The bundled gazetteer: acceptance lookups, ids, reverse geocoding, polygons, user places."""

import json
import math
from array import array
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geomap.cli import main
from geomap.errors import GazetteerError, RegionError
from geomap.gazetteer import (
    TIER_DEMONYM,
    TIER_SKELETON,
    TIER_VARIANT,
    Candidate,
    Gazetteer,
    hit_pairs,
)
from geomap.schema import Place

# Reference positions (public sources: Wikipedia / GeoNames), checked within 5 km.
REAL = {
    "Maaret al-Numan": (35.6431, 36.6717),
    "Palmyra": (34.5560, 38.2680),
    "Bab Amr": (34.7200, 36.6900),
    "Mazzeh": (33.5040, 36.2530),
    "Rastan": (34.9267, 36.7324),
    "Sarmada": (36.1780, 36.7220),
    "Deir ez-Zour": (35.3360, 40.1410),
    "Deraa": (32.6189, 36.1021),
    "حمص": (34.7300, 36.7100),
}


def _km(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("name", list(REAL))
def test_cli_lookup_best_candidate_within_5_km(name, capsys):
    assert main(["gazetteer", "lookup", name, "--json"]) == 0
    cands = json.loads(capsys.readouterr().out)
    best = cands[0]
    for field in ("id", "name", "kind", "lat", "lon", "country_code", "admin1", "admin2", "population"):
        assert field in best
    assert _km((best["lat"], best["lon"]), REAL[name]) < 5, best


def test_idlib_offers_city_and_governorate(gaz):
    kinds = {(c.place.kind, c.place.country_code) for c in gaz.lookup("Idlib")}
    assert ("city", "SY") in kinds and ("admin1", "SY") in kinds


def test_paris_is_in_france(gaz):
    best = gaz.lookup("Paris")[0].place
    assert best.country_code == "FR" and best.kind == "city"


def test_jordan_country_by_code_or_kind(gaz, capsys):
    assert gaz.lookup("Jordan", country="JO")[0].place.kind == "country"
    assert gaz.lookup("Jordan", kinds=["country"])[0].place.country_code == "JO"
    assert main(["gazetteer", "lookup", "Jordan", "--country", "JO", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["kind"] == "country"


def test_deraa_never_finds_darayya(gaz):
    assert all("Dārayyā" not in c.place.name and c.place.name != "Darayya" for c in gaz.lookup("Deraa", limit=50))


def test_get_and_aliases(gaz):
    homs = gaz.lookup("Homs", kinds=["city"])[0].place
    assert gaz.get(homs.id) == homs
    assert "حمص" in gaz.aliases(homs.id)
    with pytest.raises(KeyError):
        gaz.get("no-such-id")


def test_syrian_governorates_and_districts_are_complete(gaz):
    areas = gaz.areas
    sy = areas[areas["country_code"] == "SY"]
    assert (sy["kind"] == "admin1").sum() == 14
    assert (sy["kind"] == "admin2").sum() == 62
    assert (areas["kind"] == "admin1").sum() > 3000


def test_reverse_geocodes_a_point(gaz):
    where = gaz.reverse(35.93, 36.63)  # Idlib city
    assert where["country"].country_code == "SY"
    assert where["admin1"].name == "Idleb"
    assert where["admin2"] is not None


def test_area_by_name_spelling_and_code(gaz):
    for name in ("Idlib", "Idleb", "إدلب", "SY07"):
        place, poly = gaz.area(name)
        assert place.kind == "admin1" and place.admin1_code == "SY07"
        assert poly.contains(__import__("shapely").Point(36.63, 35.93))


def test_area_unknown_suggests(gaz):
    with pytest.raises(RegionError) as err:
        gaz.area("Homz")
    assert "Homs" in err.value.choices
    with pytest.raises(RegionError):
        gaz.area("Narnia")


def test_user_places_add_entries_and_aliases(tmp_path, gaz):
    homs = gaz.lookup("Homs", kinds=["city"])[0].place
    f = tmp_path / "mine.csv"
    f.write_text(
        "name,lat,lon,aliases,kind,country_code,id\n"
        "Qazzaz,33.4961,36.3212,Al-Qazzaz|القزاز,neighbourhood,SY,\n"
        f"Homs,0,0,Emesa Nova,,,{homs.id}\n",
        encoding="utf-8",
    )
    g = Gazetteer(user_places=f)
    best = g.lookup("Al-Qazzaz")[0].place
    assert best.name == "Qazzaz" and best.source == "user"
    assert g.lookup("Emesa Nova")[0].place.id == homs.id


def test_user_places_bad_file_is_a_clear_error(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("name,lat,lon\nX,north,east\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="line 2"):
        Gazetteer(user_places=f)
    f.write_bytes(b"name,lat,lon\nCaf\xe9ville,34,36\n")  # Latin-1
    with pytest.raises(GazetteerError, match="not UTF-8 text"):
        Gazetteer(user_places=f)
    f.write_text("name,lat,lon\n" + "x" * 200_000 + ",34,36\n", encoding="utf-8")
    import csv

    limit = csv.field_size_limit(131_072)  # (the default; reading CSV reports raises it)
    try:
        with pytest.raises(GazetteerError, match="not a readable CSV"):
            Gazetteer(user_places=f)
    finally:
        csv.field_size_limit(limit)


def test_info_reports_counts_and_sources(gaz, capsys):
    info = gaz.info()
    assert info["places"] > 230_000
    assert info["by_kind"]["country"] >= 240
    assert any("OCHA" in s["attribution"] for s in info["sources"])
    assert info["by_kind"]["admin2"] > 3000  # Syrian districts and US counties
    assert any("counties" in s["name"] for s in info["sources"])
    assert main(["gazetteer", "info"]) == 0
    assert "places" in capsys.readouterr().out


def test_user_places_empty_name_and_duplicate_names(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("lat,lon,name\n1,2\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="line 2"):
        Gazetteer(user_places=f)
    f.write_text("name,lat,lon\nCamp X,33.1,36.1\nCamp X,34.2,37.2\n", encoding="utf-8")
    g = Gazetteer(user_places=f)
    ids = {c.place.id for c in g.lookup("Camp X")}
    assert len(ids) == 2


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GEOMAP_CACHE_DIR", str(blocker / "sub"))
    with pytest.raises(GazetteerError, match="GEOMAP_CACHE_DIR"):
        Gazetteer()


def test_key_filter_lets_every_index_key_through(gaz):
    with gaz._lock:
        rows = gaz._con.execute("SELECT key FROM names ORDER BY random() LIMIT 3000").fetchall()
    keys = {k for (k,) in rows} | {"homs", "idlib", "hms"}
    assert set(gaz.key_hits(keys)) == keys
    assert gaz.key_hits(["no such place name anywhere", "qqqq zzzz"]) == {}


def test_key_hits_are_the_name_rows_of_each_key(tmp_path, gaz):
    with gaz._lock:
        keys = [k for (k,) in gaz._con.execute("SELECT key FROM names ORDER BY random() LIMIT 500")]
        keys += ["homs", "hms", "aleppo", "alepo", "syrian", "springfield"]
        want = {}
        for k in keys:
            want[k] = tuple(gaz._con.execute("SELECT place, tier FROM names WHERE key = ? ORDER BY place, tier", (k,)))
    assert {k: hit_pairs(v) for k, v in Gazetteer().key_hits(keys).items()} == want
    # a user alias of an indexed place whose key the place has already: both rows, sorted
    homs = gaz.lookup("Homs", kinds=["city"])[0].place
    f = tmp_path / "mine.csv"
    f.write_text(f"name,lat,lon,aliases,id\nHoms,0,0,Hims|Homs,{homs.id}\n", encoding="utf-8")
    g = Gazetteer(user_places=f)
    with g._lock:
        rowid = g._con.execute("SELECT rowid FROM places WHERE id = ?", (homs.id,)).fetchone()[0]
    # (the name's strict and variant keys, then the alias's)
    user_rows = ((rowid, 0), (rowid, 2), (rowid, 1), (rowid, 2))
    assert hit_pairs(g.key_hits(["homs"])["homs"]) == tuple(sorted(want["homs"] + user_rows))


def test_places_are_their_rows_of_the_bundled_file(gaz):
    import lzma
    from importlib import resources

    from geomap.gazetteer_format import parse_row
    from geomap.names import key0

    with lzma.open(resources.files("geomap") / "data" / "places.tsv.xz", "rt", encoding="utf-8") as fh:
        next(fh)
        rows = [parse_row(line) for _, line in zip(range(3000), fh, strict=False)]
    from geomap.gazetteer import _RECORD_FIELDS

    # (places are made by setting their slots: the record's and the three numbers are all)
    assert sorted([*_RECORD_FIELDS, "lat", "lon", "population"]) == sorted(f.name for f in fields(Place))
    for row in rows[::7]:
        place = gaz.get(row["id"])
        assert place == Place(
            row["id"], row["name"], key0(row["name"]), row["kind"], row["lat"], row["lon"], row["country_code"],
            row["admin1_code"], row["admin1"], row["admin2_code"], row["admin2"], row["population"],
            row["parent"], row["source"],
        )
        assert [type(v) for v in (place.lat, place.lon, place.population)] == [float, float, int]
        assert gaz.candidates_batch([row["name"]])[0] and gaz._place(gaz._con.execute(
            "SELECT rowid FROM places WHERE id = ?", (row["id"],)).fetchone()[0]) == place


@pytest.mark.parametrize("name", ["Homs", "Paris", "Springfield", "Deir ez-Zour", "Syrian", "Hms", "حمص"])
def test_summaries_and_batches_agree_with_candidates(gaz, name):
    cands = gaz.candidates(name)
    # (candidates and places are made by setting their slots: the same as by their __init__)
    for c in cands:
        again = Candidate(Place(*(getattr(c.place, f.name) for f in fields(Place))), c.tier, c.score)
        assert c == again and hash(c) == hash(again) and repr(c) == repr(again)
    tiers = gaz.match_tiers(name)
    assert list(tiers.values()) == [c.tier for c in cands]
    assert gaz.summaries(tiers) == [(c.tier, c.score, c.place.kind, c.place.population) for c in cands]
    assert gaz.best_summary(tiers) == _best_summary_spec(gaz.summaries(tiers))
    assert gaz.candidates_batch([name, "Aleppo", name], [tiers, gaz.match_tiers("Aleppo"), tiers]) == [
        cands, gaz.candidates("Aleppo"), cands
    ]


def _match_tiers_spec(keys: tuple[str, str, str], skeletons: bool, hits: dict) -> dict[int, int]:
    """What Gazetteer.match_tiers computes, written as one loop over the query keys."""
    k0, k1, sk = keys
    wanted = [k0, k1] + ([sk] if skeletons and len(sk) - sk.count(" ") >= 3 else [])
    best: dict[int, int] = {}
    for key_tier, key in enumerate(wanted):
        if key_tier and key == k0:
            continue
        for rowid, tier in hits.get(key, ()):
            eff = tier if key_tier == 0 else max(tier, TIER_VARIANT if key_tier == 1 else TIER_SKELETON)
            if key_tier == 2 and (tier == TIER_DEMONYM or best.get(rowid) == TIER_DEMONYM):
                continue  # a demonym stays one though its skeleton is its country's
            if eff < best.get(rowid, 99):
                best[rowid] = eff
    if any(t < TIER_SKELETON for t in best.values()):
        best = {r: t for r, t in best.items() if t < TIER_SKELETON or t == TIER_DEMONYM}
    return best


_query_keys = st.sampled_from(["bab", "bab amr", "bbmr", "b b m r", "x"])
_key_rows = st.lists(st.tuples(st.integers(-2, 6), st.integers(0, 4)), max_size=6).map(lambda h: tuple(sorted(h)))


@settings(max_examples=400)
@given(
    keys=st.tuples(_query_keys, _query_keys, _query_keys),
    skeletons=st.booleans(),
    hits=st.dictionaries(_query_keys, _key_rows, max_size=4),
)
def test_match_tiers_agrees_with_its_specification(gaz, keys, skeletons, hits):
    # rows may repeat with two tiers (a user place's alias) or have none (any hits dict)
    # (key_hits packs each key's pairs as the index's keyhits values are: an array("i"))
    packed = {key: array("i", [v for pair in rows for v in pair]).tobytes() for key, rows in hits.items()}
    got = gaz.match_tiers("ignored", skeletons=skeletons, keys=keys, hits=packed)
    want = _match_tiers_spec(keys, skeletons, hits)
    assert list(got.items()) == list(want.items())


def _best_summary_spec(light: list) -> tuple:
    """What Gazetteer.best_summary computes, from the summaries of every candidate."""
    kind_tiers: dict[str, int] = {}
    for c in light:
        kind_tiers[c.kind] = min(c.tier, kind_tiers.get(c.kind, 99))
    return max(light, key=lambda c: c.score), kind_tiers


_ROWS = st.integers(1, 400)


@settings(max_examples=300)
@given(tiers=st.dictionaries(_ROWS, st.integers(0, 4), min_size=1, max_size=12))
def test_best_summary_agrees_with_the_summaries(gaz, tiers):
    # (rows of one kind and population at one tier score alike: max() keeps the first of them)
    tiers = {rowid * 37: tier for rowid, tier in tiers.items()}
    got = gaz.best_summary(tiers)
    want = _best_summary_spec(gaz.summaries(tiers))
    assert got == want and list(got[1].items()) == list(want[1].items())


def test_summaries_of_user_places(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("name,lat,lon,kind,country_code\nQazzaz,33.4961,36.3212,neighbourhood,SY\n", encoding="utf-8")
    g = Gazetteer(user_places=f)
    cands = g.candidates("Qazzaz")
    assert g.summaries(g.match_tiers("Qazzaz")) == [
        (c.tier, c.score, c.place.kind, c.place.population) for c in cands
    ]
    tiers = g.match_tiers("Qazzaz")
    assert g.best_summary(tiers) == _best_summary_spec(g.summaries(tiers))


def test_us_counties_are_admin2_entries_placed_among_their_towns(gaz):
    county = gaz.lookup("Laurel County", limit=1)[0].place
    assert (county.kind, county.admin1, county.country_code, county.admin2_code) == (
        "admin2", "Kentucky", "US", "US.KY.125"
    )
    assert gaz.lookup("Laurel Co.", limit=1)[0].place.id == county.id
    seat = next(c.place for c in gaz.lookup("London", country="US", limit=10) if c.place.admin1 == "Kentucky")
    assert (seat.admin2_code, seat.admin2) == ("US.KY.125", "Laurel County")  # towns know their county
    assert _km((county.lat, county.lon), (seat.lat, seat.lon)) < 30
    states = {c.place.admin1 for c in gaz.lookup("Walker County", limit=10) if c.place.kind == "admin2"}
    assert {"Alabama", "Georgia", "Texas"} <= states


def test_prefix_filter_lets_every_key_prefix_through(gaz):
    with gaz._lock:
        rows = gaz._con.execute(
            "SELECT key FROM names WHERE key LIKE '% % %' ORDER BY random() LIMIT 2000"
        ).fetchall()
    for (key,) in rows:
        words = key.split()
        for n in range(1, len(words)):
            assert gaz.extends_a_key([" ".join(words[:n])]), key
    assert gaz.extends_a_key(["new", "new york"])
    assert not gaz.extends_a_key(["qqqq zzzz xxxx", "secretary of state john"])


def test_a_user_place_of_several_words_is_found_in_text(tmp_path):
    from geomap.geoparse import geoparse

    f = tmp_path / "mine.csv"
    f.write_text("name,lat,lon,country_code,kind\nQwazi Blorf Zendu Camp,35.1,36.2,SY,camp\n", encoding="utf-8")
    g = Gazetteer(user_places=f)
    assert g.extends_a_key(["qwazi blorf"]) and not g.extends_a_key(["blorf zendu"])
    text = "Families fled to the Qwazi Blorf Zendu Camp near the border on Monday."
    assert [m.surface for m in geoparse(text, g)] == ["Qwazi Blorf Zendu Camp"]
