# C types for the compiled build of schema.py (Cython reads this file beside the module; plain
# Python never does): Place and Mention become extension types whose fields are C fields, which
# the geoparser's typed helpers read and write directly. A place's fields are strings and numbers
# only, so Cython leaves places out of the cycle collector.

cdef class Place:
    cdef readonly unicode id, name, ascii_name, kind
    cdef readonly double lat, lon
    cdef readonly unicode country_code, admin1_code, admin1, admin2_code, admin2
    cdef readonly long long population
    cdef readonly unicode parent, source

cdef class Mention:
    cdef readonly Py_ssize_t start, end
    cdef readonly unicode surface
    cdef readonly Place place
    cdef readonly double confidence
    cdef readonly unicode reason
