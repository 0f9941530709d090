"""geomap: offline geoparsing and incident mapping for news reports.

The public API (imported lazily so that ``import geomap`` stays cheap):

- :func:`geoparse` -- place mentions of a text, resolved against the bundled gazetteer;
- :func:`extract` -- incidents of reports as a GeoDataFrame;
- :func:`run` -- the whole job, writing GeoJSON, CSV, GeoPackage, an offline map and a report;
- :class:`Gazetteer` -- lookup, ids, reverse geocoding and admin polygons;
- :class:`Filter`, :func:`apply_filter`, :func:`summarise` -- region and date filters.
"""

from __future__ import annotations

from geomap.compiled import install_guard as _install_guard

__version__ = "0.1.0"
_install_guard()  # an extension built from older source than its module's is not imported

_LAZY = {
    "geoparse": "geomap.geoparse",
    "extract": "geomap.pipeline",
    "run": "geomap.pipeline",
    "Gazetteer": "geomap.gazetteer",
    "default_gazetteer": "geomap.gazetteer",
    "Filter": "geomap.filters",
    "apply_filter": "geomap.filters",
    "summarise": "geomap.filters",
    "read_incidents": "geomap.export",
    "Document": "geomap.schema",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'geomap' has no attribute {name!r}")
