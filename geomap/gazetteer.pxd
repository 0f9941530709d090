# C types for the compiled build of gazetteer.py (Cython reads this file beside the module; plain
# Python never does): Candidate is an extension type (its fields Python objects, as the
# dataclass's are, but its place typed, so that the geoparser reads a candidate's place's fields
# as C fields), the loops over a name's index rows run over C integers and floats and read the
# rows' kinds as C bytes, and the module may call CPython's PyObject_GC_UnTrack.
cimport cython
from geomap.schema cimport Place

cdef class Candidate:
    cdef readonly Place place
    cdef readonly object tier, score

# (the module calls it only when compiled: see _COMPILED)
cdef extern from "Python.h":
    void _gc_untrack "PyObject_GC_UnTrack" (object)

@cython.locals(kind_tiers=dict, best_row=Py_ssize_t, best_tier=Py_ssize_t, best_score=double, rowid=Py_ssize_t,
               tier=Py_ssize_t, score=double, kind=unicode, weight=dict)
cpdef tuple _summarize(dict tiers, list kind_names, bytes kinds, object priors)

@cython.locals(skeleton_tier=Py_ssize_t, skeleton=bint, stricter=bint, tier=Py_ssize_t)
cpdef bint _skeleton_among_stricter(dict best)

@cython.locals(best=dict, key_tier=Py_ssize_t, tier=Py_ssize_t, floor=Py_ssize_t, eff=Py_ssize_t)
cpdef dict _best_tiers(object wanted, dict hits)
