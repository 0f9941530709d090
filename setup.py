"""Build hook: compile the geoparser's modules with Cython where a C compiler is present.

Everything else about the package is in ``pyproject.toml``. The modules are listed in
``geomap/compiled.py``; the sources stay the code (Cython compiles them unchanged) and a failed
compile leaves them to run as plain Python. The build records which sources it compiled, so that
an edited source is never shadowed by an older extension (see ``geomap.compiled``).
"""

from __future__ import annotations

import json
import os
import runpy

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

_compiled = runpy.run_path("geomap/compiled.py")  # (its module list and stamp, without importing geomap)
MODULES, STAMP, _digest = _compiled["MODULES"], _compiled["STAMP"], _compiled["source_digest"]
#: Annotations stay hints, as in Python: Cython would otherwise make ``x: str`` reject subclasses
#: of str (``numpy.str_``) and ``x: float`` turn ints into floats.
_DIRECTIVES = {"language_level": 3, "annotation_typing": False}


class _BuildExt(build_ext):
    """``build_ext`` that writes the SHA-256 of every source it compiled beside the extensions,
    compiling them in parallel."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.parallel = self.parallel or os.cpu_count()

    def run(self) -> None:
        for ext in self.extensions:  # (so that an extension that fails to compile leaves none)
            if os.path.exists(target := self.get_ext_fullpath(ext.name)):
                os.remove(target)
        super().run()
        built: dict[str, dict[str, str]] = {}
        for ext in self.extensions:
            target = self.get_ext_fullpath(ext.name)
            if os.path.exists(target):  # (an optional extension that failed to compile is absent)
                built.setdefault(os.path.dirname(target), {})[ext.name] = _digest(ext.name.replace(".", "/") + ".py")
        for folder, digests in built.items():
            with open(os.path.join(folder, STAMP), "w", encoding="utf-8") as fh:
                json.dump(digests, fh, indent=1, sort_keys=True)

    def get_outputs(self) -> list[str]:
        stamps = {os.path.join(os.path.dirname(self.get_ext_fullpath(e.name)), STAMP) for e in self.extensions}
        return super().get_outputs() + sorted(stamps)


def _extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:  # (pyproject.toml requires it for the build; a bare setup.py run may lack it)
        return []
    exts = [Extension(name, [name.replace(".", "/") + ".py"], optional=True) for name in MODULES]
    return cythonize(exts, compiler_directives=_DIRECTIVES, build_dir="build/cython", quiet=True, force=True)


setup(ext_modules=_extensions(), cmdclass={"build_ext": _BuildExt})
