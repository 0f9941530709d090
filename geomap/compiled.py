"""Which of the geoparser's modules run compiled, and the guard against a stale build.

``pip install`` compiles the modules of :data:`MODULES` with Cython where a C compiler is
present (see ``setup.py``). Each extension sits beside its source, runs the same code with fewer
machine instructions (with the C types of the ``.pxd`` files, a first geoparsing pass takes half
as many), and is what ``import`` picks. Without a compiler the build skips them and everything
runs as plain Python.

The build records the SHA-256 of each source it compiled (with its ``.pxd`` of C types, if any)
in :data:`STAMP`. An extension whose source has changed since (an edited or updated checkout)
would run the old code, so :func:`install_guard` makes ``import`` load such a module from its
source instead, with a warning that says how to rebuild.
"""

from __future__ import annotations

import os
import sys

#: The modules the build compiles: the geoparser and what it calls per word and per place.
MODULES = (
    "geomap.names", "geomap.gazetteer_format", "geomap.gazetteer_store", "geomap.schema", "geomap.gazetteer",
    "geomap.geoparse",
)
#: The build's record of the sources it compiled, ``{module: sha256 hex}``, beside the extensions.
STAMP = "_compiled.json"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def source_digest(path: str | os.PathLike) -> str:
    """Return what :data:`STAMP` records of a module's source: the SHA-256 (hex) of its bytes,
    followed by those of the Cython declarations beside it (``geoparse.pxd``) if there are any."""
    import hashlib

    digest = hashlib.sha256()
    declarations = os.path.splitext(os.fspath(path))[0] + ".pxd"
    for name in (path, declarations) if os.path.exists(declarations) else (path,):
        with open(name, "rb") as fh:
            digest.update(fh.read())
    return digest.hexdigest()


def is_extension(module_file: str) -> bool:
    """Return True when a module's ``__file__`` is a compiled extension, not its source.

    The compiled modules ask this of themselves, to take the paths that are faster as C (a
    character loop where Python would ask the regex engine).

    Examples
    --------
    >>> is_extension(__file__)
    False
    """
    from importlib.machinery import EXTENSION_SUFFIXES

    return module_file.endswith(tuple(EXTENSION_SUFFIXES))


def compiled_modules() -> list[str]:
    """Return the modules of :data:`MODULES` that run as compiled extensions (importing them).

    Examples
    --------
    >>> set(compiled_modules()) <= set(MODULES)
    True
    """
    import importlib
    from importlib.machinery import ExtensionFileLoader

    return [m for m in MODULES if isinstance(importlib.import_module(m).__loader__, ExtensionFileLoader)]


class _StaleGuard:
    """A meta path finder that imports a module of :data:`MODULES` from its source when its
    extension was built from other source than the file beside it (or the build left no record).

    Every other import, and a module whose extension is current or absent, goes on to the
    regular finders.
    """

    def __init__(self, package_dir: str) -> None:
        self.package_dir = package_dir
        self._stamps: dict[str, str] | None = None

    def _recorded(self, module: str) -> str | None:
        if self._stamps is None:
            import json

            try:
                with open(os.path.join(self.package_dir, STAMP), encoding="utf-8") as fh:
                    self._stamps = json.load(fh)
            except (OSError, ValueError):
                self._stamps = {}
        return self._stamps.get(module) if isinstance(self._stamps, dict) else None

    def find_spec(self, fullname: str, path=None, target=None):
        """Return a source spec for a stale compiled module, else ``None`` (import as usual)."""
        if fullname not in MODULES:
            return None
        from importlib.machinery import EXTENSION_SUFFIXES

        stem = os.path.join(self.package_dir, fullname.rpartition(".")[2])
        if not any(os.path.exists(stem + suffix) for suffix in EXTENSION_SUFFIXES):
            return None
        source = stem + ".py"
        try:
            current = source_digest(source)
        except OSError:
            return None  # an installed build without sources: nothing to compare
        if self._recorded(fullname) == current:
            return None
        import importlib.util
        import warnings

        warnings.warn(
            f"{fullname}: its compiled extension was built from other source than {source}, so "
            "the source is imported instead (slower). Rebuild with: pip install -e .",
            stacklevel=2,
        )
        return importlib.util.spec_from_file_location(fullname, source)


def install_guard(package_dir: str = _PACKAGE_DIR) -> None:
    """Put a :class:`_StaleGuard` for ``package_dir`` first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _StaleGuard) and f.package_dir == package_dir for f in sys.meta_path):
        sys.meta_path.insert(0, _StaleGuard(package_dir))
