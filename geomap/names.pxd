# C types for the compiled build of names.py (Cython reads this file beside the module; plain
# Python never does): the letter scans of _has_double and _single (which _undouble calls) run as C
# loops over exactly-str text, and _fold calls the str methods of its words directly.
cimport cython

@cython.locals(i=Py_ssize_t, c=Py_UCS4)
cpdef bint _has_double(unicode text)

@cython.locals(parts=list, start=Py_ssize_t, i=Py_ssize_t, c=Py_UCS4)
cpdef unicode _single(unicode text)

cpdef unicode _undouble(unicode text)

@cython.locals(text=unicode, text_k=unicode, skel=unicode)
cpdef tuple _fold(object token)
