"""Tests for geomap.mapview: offline HTML map (static checks + real headless Chromium) and PNG."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geomap import mapview
from geomap.errors import UsageError
from geomap.schema import INCIDENT_COLUMNS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = list(mapview.CHROMIUM_ARGS)
OUTPUT_DIR = pathlib.Path(__file__).resolve().parent.parent / "output"

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SVG = '"><svg onload=alert(1)>'
XSS_CLOSE = "</script><script>alert(2)</script>"
XSS_TYPE = "Riots<img src=x onerror=alert(3)>"
JINJA = "{{ 7*7 }}{% if true %}jinja-ran{% endif %}"  # folium/branca re-render templates


def _evidence(sentence, *, title="Report", url="https://example.org/a", source="Example News"):
    return {
        "doc_id": "doc-1",
        "source": source,
        "title": title,
        "url": url,
        "date": "2024-01-05",
        "sentence": sentence,
        "start": 0,
        "end": len(sentence),
    }


def _row(event_type, lon, lat, **kw):
    """One incident row with every schema column (``lon=None`` means no geometry)."""
    row = {c: None for c in INCIDENT_COLUMNS}
    row.update(
        id=kw.pop("id", f"inc-{event_type[:3]}-{lon}-{lat}"),
        event_date="2024-01-05",
        time_precision=1,
        event_type=event_type,
        sub_event_type="Armed clash",
        actor1="Government forces",
        actor2="Rebels",
        fatalities=1,
        fatalities_low=1,
        fatalities_high=1,
        injured=0,
        cumulative=False,
        scope="place",
        location="somewhere",
        place_id="1",
        place_name="Somewhere",
        admin1="Aleppo",
        country_code="SY",
        latitude=lat,
        longitude=lon,
        geo_precision=1,
        notes="",
        sources=[_evidence("Fighting was reported.")],
        n_sources=1,
    )
    row.update(kw)
    row["geometry"] = Point(lon, lat) if lon is not None else None
    return row


def make_incidents() -> gpd.GeoDataFrame:
    """Synthetic incidents: 7 pins over 5 types (one hostile type name) and 3 non-pins."""
    rows = [
        _row(
            "Battles",
            37.16,
            36.20,
            id="b1",
            place_name="Aleppo",
            fatalities=5,
            fatalities_low=3,
            fatalities_high=7,
        ),
        _row(
            "Battles",
            36.63,
            35.93,
            id="b2",
            place_name="Idlib",
            fatalities=2,
            fatalities_low=2,
            fatalities_high=2,
            event_date="2024-01-20",
        ),
        _row(
            "Battles",
            37.16,
            36.20,
            id="b3",
            place_name="Aleppo",
            fatalities=None,
            fatalities_low=4,
            fatalities_high=6,
            event_date="2024-02-02",
        ),
        _row(
            "Explosions/Remote violence",
            36.72,
            34.73,
            id="xss",
            event_date="2024-02-10",
            sub_event_type="Air/drone strike",
            fatalities=10,
            fatalities_low=10,
            fatalities_high=12,
            notes=XSS_SCRIPT,
            place_name=XSS_IMG,
            actor1=XSS_SVG,
            actor2=JINJA,
            location=XSS_CLOSE,
            admin1="Homs",
            sources=[
                _evidence(
                    XSS_SCRIPT + " killed ten",
                    title=XSS_IMG,
                    url="javascript:alert(1)",
                    source="<b>bold</b>",
                ),
                _evidence("A second report.", title="Safe title", url="https://example.org/safe"),
            ],
        ),
        _row(
            "Violence against civilians",
            36.29,
            33.51,
            id="v1",
            event_date="2024-03-01",
            fatalities=None,
            fatalities_low=None,
            fatalities_high=None,
            admin1="Damascus",
        ),
        _row(
            "Protests",
            36.10,
            32.62,
            id="p1",
            event_date=None,
            fatalities=0,
            fatalities_low=0,
            fatalities_high=0,
            admin1="Daraa",
        ),
        _row(XSS_TYPE, 35.80, 35.52, id="weird", event_date="2024-01-10"),
        # not pinned: country scope (with a point), cumulative, no geometry
        _row(
            "Battles",
            38.50,
            35.00,
            id="country",
            scope="country",
            fatalities=100,
            fatalities_low=100,
            fatalities_high=120,
            place_name="Syria",
            notes="Nationwide toll " + XSS_IMG,
        ),
        _row(
            "Battles",
            36.72,
            34.73,
            id="cum",
            scope="admin1",
            cumulative=True,
            fatalities=50,
            fatalities_low=50,
            fatalities_high=60,
            place_name="Homs",
            sources=[
                _evidence(XSS_CLOSE + " since January", title=XSS_SCRIPT, url="javascript:alert(1)")
            ],
        ),
        _row(
            "Protests",
            None,
            None,
            id="nogeo",
            place_name="Unknown village " + XSS_SCRIPT,
            event_date="2024-02-15",
        ),
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


N_PINS = 7


def make_boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["SY02", "SY04", "SY99"],
            "name": ["Aleppo", "<i>Homs</i>", "Empty desert"],
            "country_code": ["SY", "SY", "SY"],
        },
        geometry=[
            box(36.5, 35.7, 38.5, 36.7),
            box(36.0, 34.0, 39.0, 35.3),
            box(40.0, 30.0, 41.0, 31.0),
        ],
        crs="EPSG:4326",
    )


def make_basemap() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Syria-ish", "Iraq-ish"]},
        geometry=[box(35.5, 32.3, 42.3, 37.3), box(38.8, 29.0, 48.5, 37.3)],
        crs="EPSG:4326",
    )


def embedded_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="geomap-data">(.*?)</script>', page, re.S)
    assert m, "embedded data block missing"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def map_file(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("map") / "incidents.html"
    result = mapview.write_map(
        make_incidents(),
        out,
        boundaries=make_boundaries(),
        basemap=make_basemap(),
        title="Test <map> " + JINJA,
    )
    assert result == out
    return out


# ------------------------------------------------------------------------------------------
# static HTML checks
# ------------------------------------------------------------------------------------------


def test_html_is_offline(map_file):
    page = map_file.read_text(encoding="utf-8")
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.I), "all scripts must be inline"
    assert not re.search(r"<link\b[^>]*\bhref\s*=\s*['\"]?\s*(https?:)?//", page, re.I)
    assert not re.search(r"@import", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I)
    for cdn in ("cdn.jsdelivr", "code.jquery", "bootstrapcdn", "cdnjs.cloudflare", "fontawesome"):
        assert cdn not in page
    assert "L.markerClusterGroup" in page and "leaflet" in page.lower()
    assert "sourceMappingURL" not in page


def test_html_escapes_payloads(map_file):
    page = map_file.read_text(encoding="utf-8")
    for raw in (XSS_SCRIPT, XSS_IMG, XSS_SVG, XSS_CLOSE, "<b>bold</b>", XSS_TYPE):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # side panel, html.escape
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page  # embedded JSON
    assert f"<title>Test &lt;map&gt; {JINJA}</title>" in page
    assert not re.search(r"href\s*=\s*['\"]?\s*javascript:", page, re.I)
    assert 'rel="noopener noreferrer"' in page or "noopener noreferrer" in page


def test_embedded_data(map_file):
    data = embedded_data(map_file.read_text(encoding="utf-8"))
    assert len(data["pins"]) == N_PINS
    assert data["unpinned"] == 3
    assert {t["name"]: t["count"] for t in data["types"]} == {
        "Battles": 3,
        "Explosions/Remote violence": 1,
        "Violence against civilians": 1,
        "Protests": 1,
        XSS_TYPE: 1,
    }
    assert data["types"][0]["color"] == mapview.EVENT_TYPE_COLORS["Battles"]
    assert data["types"][-1]["color"] == mapview.OTHER_COLOR
    props = {f["properties"]["id"]: f["properties"] for f in data["choropleth"]["features"]}
    # Aleppo: b1 (5) + b2 (2) + b3 (low 4); Homs: the strike (10) only, not the cumulative or
    # country-scope rows that fall inside it; the empty polygon is not drawn.
    assert set(props) == {"SY02", "SY04"}
    assert props["SY02"]["f"] == 11 and props["SY02"]["k"] == 3
    assert props["SY04"]["f"] == 10 and props["SY04"]["k"] == 1
    assert data["basemap"]["features"]
    assert data["dateRange"] == ["2024-01-05", "2024-03-01"]
    # text that looks like a Jinja template is data, never rendered by folium/branca
    assert JINJA in data["strings"] and "jinja-ran" not in data["strings"]
    assert data["title"] == "Test <map> " + JINJA


def test_write_is_atomic_and_overwrites(tmp_path):
    out = tmp_path / "sub" / "map.html"
    mapview.write_map(make_incidents(), out)
    first = out.stat().st_size
    mapview.write_map(make_incidents().iloc[:2], out)
    assert out.stat().st_size < first
    assert sorted(p.name for p in out.parent.iterdir()) == ["map.html"]  # no temp file left


def test_empty_and_dataframe_input(tmp_path):
    empty = make_incidents().iloc[0:0]
    out = mapview.write_map(empty, tmp_path / "empty.html")
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert data["pins"] == [] and data["unpinned"] == 0
    plain = make_incidents().drop(columns="geometry")
    import pandas as pd

    out2 = mapview.write_map(pd.DataFrame(plain), tmp_path / "plain.html")
    data2 = embedded_data(out2.read_text(encoding="utf-8"))
    assert len(data2["pins"]) == N_PINS  # built from latitude/longitude
    with pytest.raises(UsageError):
        mapview.write_map([1, 2, 3], tmp_path / "bad.html")


# ------------------------------------------------------------------------------------------
# real browser
# ------------------------------------------------------------------------------------------


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        _unavailable(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright (python) not installed")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - report any launch failure
        pw.stop()
        _unavailable(f"cannot launch chromium: {exc}")
    yield b
    b.close()
    pw.stop()


class _Page:
    """A page with network blocked and every console error, page error and dialog recorded."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 860})
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                self.blocked.append(url)
                r.abort()

        self.page.route("**/*", route)
        self.page.on(
            "request",
            lambda req: (
                None if req.url.startswith(("file:", "data:")) else self.blocked.append(req.url)
            ),
        )
        self.page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", dialog)

    def open(self, path: pathlib.Path):
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_function(
            "window.geomapStats && window.geomapStats.ready === true", timeout=20000
        )
        return self.page

    def assert_clean(self):
        assert self.blocked == [], f"network requests attempted: {self.blocked}"
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.dialogs == [], f"alert fired: {self.dialogs}"


COUNT_CLUSTERED = """() => Object.values(window.geomapGroups)
    .reduce((n, g) => n + g.getLayers().length, 0)"""
COUNT_VISIBLE = """() => Object.values(window.geomapGroups)
    .filter(g => window.geomapMap.hasLayer(g))
    .reduce((n, g) => n + g.getLayers().length, 0)"""


def test_browser_map(browser, map_file):
    p = _Page(browser)
    page = p.open(map_file)
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "map-screenshot.png"))

    stats = page.evaluate("window.geomapStats")
    assert stats["markers"] == N_PINS
    assert stats["byType"]["Battles"] == 3 and stats["byType"][XSS_TYPE] == 1
    assert stats["unpinned"] == 3 and stats["choropleth"] == 2
    assert page.evaluate(COUNT_CLUSTERED) == N_PINS
    assert page.evaluate(COUNT_VISIBLE) == N_PINS

    # toggling "Battles" off through the layer control hides its 3 markers (and its clusters)
    label = page.locator(".leaflet-control-layers-overlays label", has_text="Battles")
    label.locator("input").uncheck()
    assert page.evaluate("window.geomapMap.hasLayer(window.geomapGroups['Battles'])") is False
    assert page.evaluate(COUNT_VISIBLE) == N_PINS - 3
    assert page.locator(".geomap-cluster-0, path.geomap-type-0").count() == 0
    page.evaluate("window.geomapSetTypeVisible('Battles', true)")
    assert page.evaluate(COUNT_VISIBLE) == N_PINS
    assert label.locator("input").is_checked()
    # the hostile type name shows as text in the layer control and the legend
    assert page.locator(".leaflet-control-layers-overlays").inner_text().count(XSS_TYPE) == 1
    assert XSS_TYPE in page.locator(".geomap-legend").inner_text()

    # click the XSS incident's marker (a real click on its SVG circle) to open the popup
    xss_index = page.evaluate(
        "JSON.parse(document.getElementById('geomap-data').textContent).pins"
        ".findIndex(r => r[12] >= 0 && r[2] === 1)"
    )
    assert xss_index >= 0
    pt = page.evaluate(f"window.geomapShowIncident({xss_index})")
    page.wait_for_timeout(400)
    box_ = page.locator(".folium-map").bounding_box()
    page.mouse.click(box_["x"] + pt["x"], box_["y"] + pt["y"])
    popup = page.locator(".leaflet-popup-content .geomap-popup")
    popup.wait_for(timeout=5000)
    text = popup.text_content()
    for raw in (XSS_SCRIPT, XSS_IMG, XSS_SVG, XSS_CLOSE, "<b>bold</b>", JINJA):
        assert raw in text
    assert "10\u201312" in text and "Air/drone strike" in text
    assert popup.locator("script, img, svg, b, i").count() == 0
    links = popup.locator("a")
    assert links.count() == 1  # javascript: url is not a link; the https one is
    assert links.get_attribute("href") == "https://example.org/safe"
    assert links.get_attribute("rel") == "noopener noreferrer"
    assert page.locator("a[href^='javascript']").count() == 0

    # side panel: the escaped payloads read back literally
    panel = page.locator(".geomap-panel")
    assert panel.count() == 1
    ptext = panel.text_content()
    assert XSS_SCRIPT in ptext and XSS_CLOSE in ptext and XSS_IMG in ptext
    assert "cumulative" in ptext and "50\u201360" in ptext
    assert panel.locator("script, img").count() == 0
    # no injected element anywhere in the page
    assert (
        page.evaluate("document.querySelectorAll('img[onerror], img[src=x], svg[onload]').length")
        == 0
    )
    n_scripts = len(re.findall(r"<script\b", map_file.read_text(encoding="utf-8"), re.I))
    assert page.evaluate("document.scripts.length") == n_scripts

    # choropleth drawn with its 2 polygons, basemap outlines drawn
    assert page.evaluate("Object.keys(window.geomapMap._layers).length") > N_PINS

    page.wait_for_timeout(500)  # popup fade-in
    page.screenshot(path=str(OUTPUT_DIR / "map-popup-screenshot.png"))
    p.assert_clean()
    page.close()


def test_browser_date_filter(browser, map_file):
    p = _Page(browser)
    page = p.open(map_file)
    shown = page.evaluate("window.geomapSetDateRange('2024-01-01', '2024-01-31')")
    # b1 (01-05), b2 (01-20), weird (01-10); undated p1 is hidden while filtering
    assert shown == 3
    assert page.evaluate(COUNT_VISIBLE) == 3
    assert page.evaluate("window.geomapStats.visible") == 3
    assert page.input_value("#geomap-date-from") == "2024-01-01"
    # the inputs drive the same filter
    page.fill("#geomap-date-to", "2024-02-29")
    page.wait_for_function("window.geomapStats.ready && window.geomapStats.visible === 5")
    assert page.evaluate(COUNT_VISIBLE) == 5
    page.click(".geomap-dates button")
    page.wait_for_function("window.geomapStats.ready && window.geomapStats.visible === 7")
    assert page.evaluate(COUNT_CLUSTERED) == N_PINS
    p.assert_clean()
    page.close()


def test_browser_empty_map(browser, tmp_path):
    out = mapview.write_map(make_incidents().iloc[0:0], tmp_path / "empty.html")
    p = _Page(browser)
    page = p.open(out)
    assert page.evaluate("window.geomapStats.markers") == 0
    assert page.evaluate(COUNT_CLUSTERED) == 0
    p.assert_clean()
    page.close()


# ------------------------------------------------------------------------------------------
# summary PNG
# ------------------------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("with_boundaries", [True, False])
def test_summary_png(tmp_path, with_boundaries):
    out = mapview.write_summary_png(
        make_incidents(),
        tmp_path / "summary.png",
        boundaries=make_boundaries() if with_boundaries else None,
    )
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.png"]


def test_summary_png_empty(tmp_path):
    out = mapview.write_summary_png(make_incidents().iloc[0:0], tmp_path / "empty.png")
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 2_000


@pytest.mark.parametrize(("last", "unit", "n"), [("2024-02-10", "week", None), ("2030-01-05", "month", 73),
                                                  ("2262-01-01", "year", 239)])
def test_period_counts_never_make_thousands_of_bars(last, unit, n):
    gdf = make_incidents()
    dated = [i for i, d in enumerate(gdf["event_date"]) if isinstance(d, str) and d][:2]
    gdf.loc[gdf.index[dated[0]], "event_date"] = "2024-01-01"
    gdf.loc[gdf.index[dated[1]], "event_date"] = last  # (a report's absurd date, say)
    gdf["cumulative"] = False
    periods, per_type, got = mapview._period_counts(gdf)
    assert got == unit and len(periods) <= 240
    assert n is None or len(periods) == n
    assert sum(map(sum, per_type.values())) == sum(isinstance(d, str) and bool(d) for d in gdf["event_date"])


def test_the_same_incidents_give_the_same_map_file(tmp_path):
    a = mapview.write_map(make_incidents(), tmp_path / "a.html", boundaries=make_boundaries())
    b = mapview.write_map(make_incidents(), tmp_path / "b.html", boundaries=make_boundaries())
    assert a.read_bytes() == b.read_bytes()
