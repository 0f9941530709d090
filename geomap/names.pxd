# C types for the compiled build of names.py (Cython reads this file beside the module; plain
# Python never does): the letter scans of _has_double and _single (which _undouble calls) run as C
# loops over exactly-str text, _fold calls the str methods of its words directly, and the byte
# loops of _fold_ascii run over a bytearray as C loops.
cimport cython

@cython.locals(i=Py_ssize_t, c=Py_UCS4)
cpdef bint _has_double(unicode text)

@cython.locals(parts=list, start=Py_ssize_t, i=Py_ssize_t, c=Py_UCS4)
cpdef unicode _single(unicode text)

cpdef unicode _undouble(unicode text)

@cython.locals(text=unicode, text_k=unicode, skel=unicode)
cpdef tuple _fold(object token)

@cython.locals(buf=bytearray, n=Py_ssize_t, m=Py_ssize_t, i=Py_ssize_t, c="unsigned char", variant=unicode)
cpdef tuple _fold_ascii(object token)

@cython.locals(i=Py_ssize_t, j=Py_ssize_t, c="unsigned char")
cpdef Py_ssize_t _pair_to_one(bytearray buf, Py_ssize_t n, unsigned char first, unsigned char second, unsigned char to)

@cython.locals(i=Py_ssize_t, j=Py_ssize_t, c="unsigned char")
cpdef Py_ssize_t _single_bytes(bytearray buf, Py_ssize_t n)

@cython.locals(hit=tuple)
cpdef tuple _fold_token(object token)

@cython.locals(folded=tuple)
cpdef tuple keys_of_word(object token)

@cython.locals(k0=unicode, folded=list)
cpdef tuple keys_of_tokens(object tokens)
