# C types for the compiled build of geoparse.py (Cython reads this file beside the module; plain
# Python never does). The helpers below become C functions that take positions as C integers,
# text as exactly str and spans as the extension type _Span, whose fields they read as C fields
# (as they read those of the candidates, places and mentions typed below, extension types too).
# Their signatures must match the module's. None of them may hold a closure: a generator
# expression or a lambda in one fails the compile (a list comprehension is fine), and then the
# test that the install compiled every module fails.
cimport cython
from geomap.gazetteer cimport Candidate
from geomap.schema cimport Mention, Place

# (the module calls it only when compiled: see gazetteer.py's _COMPILED)
cdef extern from "Python.h":
    void _gc_untrack "PyObject_GC_UnTrack" (object)

@cython.locals(out=list, last=Py_ssize_t, glue=list, start=Py_ssize_t, word_start=Py_ssize_t, end=Py_ssize_t)
cpdef list _word_parts(unicode text)

@cython.locals(i=Py_ssize_t, c=Py_UCS4)
cpdef Py_ssize_t _caps_word_start(unicode text, Py_ssize_t pos)

@cython.locals(n=Py_ssize_t, c=Py_UCS4, j=Py_ssize_t, k=Py_ssize_t, m=Py_ssize_t)
cpdef Py_ssize_t _caps_word_end(unicode text, Py_ssize_t start)

cpdef bint _is_tail(Py_UCS4 char)

@cython.locals(h=Py_ssize_t, start=Py_ssize_t)
cpdef object _article_word(unicode text, Py_ssize_t pos, list glue)

@cython.locals(start=Py_ssize_t, end=Py_ssize_t, prev_end=Py_ssize_t, width=Py_ssize_t, w=unicode, last=unicode, current=list, runs=list, gap=unicode,
               parts=list, k=Py_ssize_t, pos=Py_ssize_t)
cpdef list _runs(unicode text)

cpdef bint _sentence_initial(unicode text, Py_ssize_t pos)

@cython.locals(low=unicode, n=Py_ssize_t, size=Py_ssize_t, i=Py_ssize_t)
cpdef bint _lowercase_elsewhere(unicode text, unicode word)

cpdef bint _is_arabic_letter(unicode char)

@cython.locals(k=Py_ssize_t, end=Py_ssize_t, words=list, last=unicode, second=unicode)
cpdef tuple _run_name_words(list run)

cpdef unicode _word_key0(unicode word)

@cython.locals(start=Py_ssize_t, prev_end=Py_ssize_t, word=unicode)
cpdef _add_tokens(unicode text, list run, Py_ssize_t i, Py_ssize_t j, list tokens)

@cython.locals(word=unicode, surface=unicode, tokens=list, k=Py_ssize_t)
cpdef tuple _sub_span_keys(unicode text, list run, Py_ssize_t i, Py_ssize_t j)

@cython.locals(last=Py_ssize_t, s=Py_ssize_t, upto=Py_ssize_t, j=Py_ssize_t, surface=unicode, row=list, tokens=list, matches=dict, extends=dict)
cpdef list _sub_spans(unicode text, list run, Py_ssize_t i, object seen, dict missing, object gaz)

@cython.locals(start=Py_ssize_t, prev_end=Py_ssize_t, first=unicode, tokens=list)
cpdef bint _article_next(unicode text, list run, Py_ssize_t j)

cpdef unicode _run_key(unicode text, list run)

@cython.locals(out=list, i=Py_ssize_t, n=Py_ssize_t, length=Py_ssize_t, row=list)
cpdef tuple _greedy_matches(list by_start, object table)

cpdef bint _alone(unicode text, Py_ssize_t end, _Match found)

@cython.locals(end=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t)
cpdef unicode _next_word(unicode text, Py_ssize_t pos)

@cython.locals(start=Py_ssize_t, j=Py_ssize_t, i=Py_ssize_t)
cpdef unicode _prev_word(unicode text, Py_ssize_t pos)

@cython.locals(before=unicode)
cpdef bint _located(unicode text, Py_ssize_t start)


@cython.locals(surface=unicode, low=unicode, k0=unicode, letters=unicode, strong=bint, run_start=Py_ssize_t, run_end=Py_ssize_t, before_words=list, after_words=list, words=list, is_common=bint)
cpdef bint _keep(_Span span, unicode text, frozenset common=*)

@cython.locals(out=list, last=Py_ssize_t, i=Py_ssize_t)
cpdef list _glue(unicode text)

@cython.locals(y=double, k=double)
cpdef double _round3(double x)

@cython.locals(near_lat=double, near_lon=double, row_size=long, row=double, col=double, r=long, k=long)
cpdef long _cell(double lat, double lon)

@cython.locals(score=double, best_score=double, second=double, lat=double, lon=double, la=double, lo=double,
               a1_share=double, own_w=double, total=double, near_lat=double, near_lon=double, near=bint,
               in_container=bint, named=bint, a1_votes=dict, grid=dict)
cpdef tuple _choose(list rows, bint province, object container, bint county, object evidence)

@cython.locals(end=Py_ssize_t, i=Py_ssize_t)
cpdef object _county_at(unicode text, Py_ssize_t pos)

@cython.locals(low=Py_ssize_t, j=Py_ssize_t)
cpdef bint _province_of_before(unicode text, Py_ssize_t start)

cdef class _Match:
    cdef public object tiers, kind_tiers, demonym, key, variant_key, best, stop

cdef class _Span:
    cdef public object start, end, surface, name, head, run, cands, name_word, county, key, abbrev, listed
    cdef public _Match match

@cython.locals(sp=_Span, abbrev=unicode, states=list)
cpdef list _finish_spans(unicode text, object gaz, list spans, set names)

cpdef Py_ssize_t _spaces_end(unicode text, Py_ssize_t pos, Py_ssize_t end)

cpdef Py_ssize_t _spaces_start(unicode text, Py_ssize_t pos, Py_ssize_t low)

cdef class _Coherence:
    cdef dict _vote, grid, _readings
    cdef dict votes
    cdef double total

    cpdef tuple evidence(self, unicode name, bint county)

    cpdef object top_area(self)

    @cython.locals(grid=dict, points=set, w=double, p=Place)
    cpdef settle(self, unicode name, list idxs, list places)

@cython.locals(hit=dict, total=double, own_w=double)
cpdef dict _share_without(unicode key, dict by_name, dict votes, double total_votes, dict cache)

@cython.locals(sp=_Span, coherence=_Coherence, score=double, total_votes=double, best_score=double, runner_up=double, conf=double,
               c=Candidate, p=Place, best=Candidate, leader=Candidate, runner=Candidate, mention=Mention)
cpdef list _resolve(list spans, unicode text, object focus)

@cython.locals(prv=_Span, nxt=_Span, admin=list)
cpdef object _container_after(list spans, Py_ssize_t idx, unicode text)

@cython.locals(first=Candidate, second=Candidate, c=Candidate)
cpdef tuple _top_two(object cands)
