"""Exception types raised by geomap.

Every error a user can cause (a bad option, an unreadable file, an unknown region) is raised as a
subclass of :class:`GeomapError` with a message that says what to do about it. The CLI turns these
into a one-line message on stderr and a documented exit code.
"""

from __future__ import annotations


class GeomapError(Exception):
    """Base class of every error geomap raises on purpose."""

    exit_code = 1


class UsageError(GeomapError):
    """The caller asked for something impossible (bad option value, unknown region...)."""

    exit_code = 2


class GazetteerError(GeomapError):
    """The bundled gazetteer is missing, corrupt, or a user places file is malformed."""


class RegionError(UsageError):
    """A region name matched nothing, or matched several areas.

    Attributes
    ----------
    choices : list of str
        The candidate names to show the user (closest names, or the ambiguous matches).
    """

    def __init__(self, message: str, choices: list[str] | None = None) -> None:
        super().__init__(message)
        self.choices = list(choices or [])


class InputError(GeomapError):
    """One input (file, JSONL line, CSV row) could not be read; the batch goes on without it."""
