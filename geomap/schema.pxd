# C types for the compiled build of schema.py (Cython reads this file beside the module; plain
# Python never does): Place becomes an extension type whose fields are C fields, which the
# geoparser's typed helpers read directly. Its fields are strings and numbers only, so Cython
# leaves it out of the cycle collector.

cdef class Place:
    cdef readonly unicode id, name, ascii_name, kind
    cdef readonly double lat, lon
    cdef readonly unicode country_code, admin1_code, admin1, admin2_code, admin2
    cdef readonly long long population
    cdef readonly unicode parent, source
