"""The typed records that flow through geomap, and the incident column schema.

Data moves one way: :class:`Document` (ingest) -> :class:`Mention` (geoparse) ->
:class:`Incident` (incidents) -> merged incidents (merge) -> GeoDataFrame / files (export).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Gazetteer entry kinds, coarsest first.
KINDS = (
    "continent",
    "region",
    "ocean",
    "sea",
    "country",
    "admin1",
    "admin2",
    "city",
    "town",
    "village",
    "neighbourhood",
    "area",
    "crossing",
    "camp",
    "airbase",
    "airport",
)


@dataclass(frozen=True)  # (no slots: compiled, it is an extension type, and Cython's dataclass takes none)
class Place:
    """One gazetteer entry.

    Attributes
    ----------
    id : str
        Stable id: the GeoNames id as text where there is one (``"170063"``), else a prefixed id
        (``"ocha:SY07"``, ``"ne:FRA"``, ``"sup:sy-homs-bab-amr"``).
    name, ascii_name : str
        Preferred name and its ASCII form.
    kind : str
        One of :data:`KINDS`.
    lat, lon : float
        WGS84 coordinates of the representative point.
    country_code : str
        ISO 3166-1 alpha-2 code (``""`` for none).
    admin1_code, admin1, admin2_code, admin2 : str
        Containing first/second level areas (code and English name; ``""`` when unknown).
    population : int
    parent : str
        Name of the containing place (city for a neighbourhood, country for a region).
    source : str
        Where the entry comes from (``geonames``, ``ocha``, ``naturalearth``, ``supplement``, ``user``).
    """

    id: str
    name: str
    ascii_name: str
    kind: str
    lat: float
    lon: float
    country_code: str
    admin1_code: str = ""
    admin1: str = ""
    admin2_code: str = ""
    admin2: str = ""
    population: int = 0
    parent: str = ""
    source: str = ""

    def as_dict(self) -> dict:
        """Return the entry as a plain JSON-ready dict."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Document:
    """One news report, as read by :mod:`geomap.ingest`.

    Attributes
    ----------
    doc_id : str
        Stable id (file path relative to the input root, with ``#line`` for JSONL/CSV rows).
    text : str
        Plain text (HTML already stripped).
    title, date, source, url : str or None
        Metadata when the input carries it; ``date`` is ISO ``YYYY-MM-DD``.
    """

    doc_id: str
    text: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None


@dataclass(frozen=True)  # (no slots: compiled, it is an extension type, as Place is)
class Mention:
    """A place mention in a text, resolved against the gazetteer.

    Attributes
    ----------
    start, end : int
        Character span in the text (end exclusive).
    surface : str
        ``text[start:end]``.
    place : Place
        The chosen gazetteer entry.
    confidence : float
        0..1 score of the choice.
    reason : str
        Short readable evidence for the choice.
    """

    start: int
    end: int
    surface: str
    place: Place
    confidence: float
    reason: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """One report's support for an incident."""

    doc_id: str
    source: str | None
    title: str | None
    url: str | None
    date: str | None
    sentence: str
    start: int
    end: int

    def as_dict(self) -> dict:
        """Return the evidence as a JSON-ready dict."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(slots=True)
class Incident:
    """One incident: what happened, where, when, by whom and how many.

    Field names follow ACLED where ACLED has one. ``scope`` is ``place`` for a located event,
    ``admin1`` for a province-level figure and ``country`` for a national or cumulative figure;
    only ``place`` and ``admin1`` incidents get a map pin.
    """

    event_type: str
    sub_event_type: str
    scope: str
    location: str
    lat: float | None
    lon: float | None
    place_id: str | None = None
    place_name: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    country_code: str | None = None
    geo_precision: int = 1
    event_date: str | None = None
    time_precision: int = 3
    actor1: str | None = None
    actor1_class: str | None = None
    actor2: str | None = None
    actor2_class: str | None = None
    fatalities: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    injured: int | None = None
    cumulative: bool = False
    notes: str = ""
    sources: list[Evidence] = field(default_factory=list)
    id: str = ""
    #: False when the report only gives a toll, with no word on the kind of violence; such an
    #: incident may merge with a typed report of the same toll (not exported).
    typed: bool = True

    @property
    def n_sources(self) -> int:
        """Number of distinct reports supporting the incident."""
        return len({e.doc_id for e in self.sources})


#: Property order of an incident GeoJSON feature / GeoDataFrame column order.
INCIDENT_COLUMNS = (
    "id",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor1_class",
    "actor2",
    "actor2_class",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "cumulative",
    "scope",
    "location",
    "place_id",
    "place_name",
    "admin1",
    "admin2",
    "country_code",
    "latitude",
    "longitude",
    "geo_precision",
    "notes",
    "sources",
    "n_sources",
)

#: CSV column order: ACLED's order first (for the columns we fill), then ours.
CSV_COLUMNS = (
    "id",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "injured",
    "cumulative",
    "scope",
    "place_id",
    "place_name",
    "country_code",
    "actor1_class",
    "actor2_class",
    "n_sources",
    "sources",
)

#: ACLED event types and sub-event types, plus our documented extensions.
EVENT_TYPES = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Shelling/artillery/missile attack",
        "Air/drone strike",
        "Remote explosive/landmine/IED",
        "Suicide bomb",
        "Grenade",
        "Chemical weapon",
    ),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance", "Sexual violence"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
        # geomap extensions (documented in the README)
        "Defection",
        "Displacement",
        "Diplomatic meeting",
    ),
}
