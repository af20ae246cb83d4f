"""The error hierarchy: one base, specific errors that also subclass the right built-in.

Every message states the rule that was broken and names the offending id or JSON path,
e.g. ``order 'rx-17': delivery window 10:00-09:30 ends before it starts``.
"""

from __future__ import annotations


class MedrouteError(Exception):
    """Base of every error medroute raises on purpose."""


class InvalidProblemError(MedrouteError, ValueError):
    """A problem (or one of its parts) breaks a modelling rule."""


class SchemaError(InvalidProblemError):
    """A JSON document does not match the published schema (the message names the JSON path)."""


class InvalidSolutionError(MedrouteError, ValueError):
    """A solution document is malformed or refers to unknown ids."""


class _LocationError(MedrouteError):
    """An error about one of the locations a travel backend was asked for.

    Attributes
    ----------
    index
        Position of that location in the list asked for (``None`` when the error names none).
    """

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class InvalidMatrixError(_LocationError, ValueError):
    """A travel matrix has the wrong shape, negative entries or unknown ids."""


class UnreachableLocationError(_LocationError, ValueError):
    """A location is too far from the road network or cannot reach / be reached by it."""


class EngineError(MedrouteError, RuntimeError):
    """An engine failed, or was asked for something it does not support."""


class MissingDependencyError(MedrouteError, ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


class NetworkUnavailableError(MedrouteError, ConnectionError):
    """A download needs the internet and the server cannot be reached (the message says what
    to use instead)."""


class TravelMismatchWarning(UserWarning):
    """A plan is checked against travel other than the travel it was made with."""


class MissingTravelWarning(UserWarning):
    """An output folder is written without the travel its plan was made with (no ``travel.npz``):
    ``medroute check`` cannot re-check the plan from the folder alone."""


EXTRA_PYTHON: dict[str, tuple[int, int]] = {"osrm": (3, 12)}
"""Extras that install nothing below a Python version (their wheels need it)."""


def install_hint(extra: str, python: tuple[int, int] | None = None) -> str:
    """How to get the optional dependencies of ``extra`` on ``python`` (default: this one)."""
    import sys

    have = python or (sys.version_info.major, sys.version_info.minor)
    need = EXTRA_PYTHON.get(extra)
    if need is not None and have < need:
        hint = f"medroute[{extra}] needs Python {need[0]}.{need[1]} or newer (this is {have[0]}.{have[1]})"
        if extra == "osrm":
            hint += "; on this Python use the 'osrm-http' backend against a running osrm-routed server"
        return hint
    return f"pip install 'medroute[{extra}]'"


def require(module: str, extra: str) -> object:
    """Import ``module`` lazily or raise :class:`MissingDependencyError` naming ``extra``."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            f"optional dependency {module!r} is missing: {install_hint(extra)}"
        ) from exc
