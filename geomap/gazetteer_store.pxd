# C types for the compiled build of gazetteer_store.py (Cython reads this file beside the module;
# plain Python never does): Store becomes an extension type whose tables are typed memoryviews,
# so that a key's slots and a place's numbers are read as C integers and floats.
cimport cython

cdef class Store:
    cdef readonly Py_ssize_t n_places
    cdef object _mm
    cdef const int[:] _slots
    cdef const long long[:] _key_ends
    cdef const long long[:] _hit_ends
    cdef const long long[:] _record_ends
    cdef const double[:] _floats
    cdef const long long[:] _ints
    cdef const unsigned char[:] _prefixes
    cdef Py_ssize_t _keys_at, _hits_at, _records_at, _mask

    @cython.locals(slots="const int[:]", key_ends="const long long[:]", hit_ends="const long long[:]",
                   mask=Py_ssize_t, keys_at=Py_ssize_t, hits_at=Py_ssize_t, out=dict, encoded=bytes,
                   size=Py_ssize_t, slot=Py_ssize_t, number=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, key=unicode)
    cpdef dict hits(self, object keys)

    @cython.locals(bits="const unsigned char[:]", bit=Py_ssize_t, mask=Py_ssize_t, prefix=unicode)
    cpdef bint begins_a_key(self, object prefixes)

    @cython.locals(ends="const long long[:]", floats="const double[:]", ints="const long long[:]",
                   records_at=Py_ssize_t, n=Py_ssize_t, out=list, rowid=Py_ssize_t, at=Py_ssize_t)
    cpdef list rows(self, object rowids)
