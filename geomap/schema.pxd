# C types for the compiled build of schema.py (Cython reads this file beside the module; plain
# Python never does): Place and Mention become extension types whose fields are C fields, which
# the geoparser's typed helpers read directly. The fields are Python objects, as the dataclasses'
# are: a field takes what the plain dataclass takes (a subclass of str, numpy's numbers, None),
# unconverted.

cdef class Place:
    cdef readonly object id, name, ascii_name, kind, lat, lon, country_code, admin1_code, admin1, admin2_code
    cdef readonly object admin2, population, parent, source

cdef class Mention:
    cdef readonly object start, end, surface, place, confidence, reason
