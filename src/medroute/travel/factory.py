"""Choose a travel backend by name; never a silent fallback."""

from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidProblemError
from .base import TravelBackend

BACKEND_NAMES = ("haversine", "matrix", "osm", "osrm", "osrm-http")
"""Names :func:`backend` accepts."""


def backend(name: str, **kw: Any) -> TravelBackend:
    """A travel backend by name.

    Parameters
    ----------
    name
        ``"haversine"``, ``"matrix"``, ``"osm"``, ``"osrm"`` or ``"osrm-http"``.
    **kw
        The backend's own arguments, e.g. ``backend("osm", source="roads.osm.bz2")``,
        ``backend("matrix", durations_s=..., distances_m=..., ids=...)`` (or ``path=`` to an
        ``.npz``: a matrix, or the legs of one plan; :func:`medroute.travel.matrix.read_npz`),
        ``backend("osrm-http", base_url="http://127.0.0.1:5000")``. ``cache_dir=`` wraps the backend
        in a :class:`~medroute.travel.cache.CachedBackend` (for ``osrm`` it is also where the dataset
        is built).

    Raises
    ------
    InvalidProblemError
        Unknown name or wrong arguments.
    MissingDependencyError
        The backend's optional dependency is missing (names the pip extra).
    """
    cache_dir = kw.pop("cache_dir", None)
    inner: TravelBackend
    try:
        if name == "haversine":
            from .haversine import HaversineBackend

            inner = HaversineBackend(**kw)
        elif name == "matrix":
            from .matrix import MatrixBackend, read_npz

            path = kw.pop("path", None)
            inner = read_npz(path, **kw) if path is not None else MatrixBackend(**kw)
        elif name == "osm":
            from .graph import GraphBackend

            inner = GraphBackend(kw.pop("source"), **kw)
        elif name == "osrm":
            from ..errors import require

            require("osrm", "osrm")
            from .osrm import OsrmBackend

            inner = OsrmBackend(kw.pop("source", None), cache_dir=cache_dir, **kw)
        elif name == "osrm-http":
            from .osrm import OsrmHttpBackend

            inner = OsrmHttpBackend(kw.pop("base_url"), **kw)
        else:
            raise InvalidProblemError(
                f"travel backend {name!r} is unknown; choose one of {list(BACKEND_NAMES)}")
    except (TypeError, KeyError) as exc:
        raise InvalidProblemError(f"travel backend {name!r}: bad arguments ({exc})") from exc
    if cache_dir is not None:
        from .cache import CachedBackend

        return CachedBackend(inner, cache_dir)
    return inner


_HAVERSINE_NAME = re.compile(r"haversine(?:\((?P<params>[^()]*)\))?")


def backend_from_name(name: str) -> TravelBackend | None:
    """The travel backend a recorded name stands for (:attr:`medroute.Solution.travel`), when the
    name alone rebuilds it with no outside data: ``haversine`` with the parameters it names, e.g.
    ``"haversine(detour=1.5, motorbike_kmh=40.0)"`` (a ``cached-`` prefix aside).

    Parameters
    ----------
    name
        A backend's name, as a plan records it.

    Returns
    -------
    TravelBackend or None
        A backend whose name is ``name`` (so whose travel is the same); ``None`` for any other
        name: a road graph's (``osm``: which graph is not named), OSRM's, a given matrix's, or one
        that does not parse.
    """
    from .haversine import DETOUR_FACTOR, SPEEDS_KMH, HaversineBackend

    bare = name.removeprefix("cached-")
    found = _HAVERSINE_NAME.fullmatch(bare)
    if found is None:
        return None
    detour, speeds = DETOUR_FACTOR, dict(SPEEDS_KMH)
    try:
        for param in filter(None, (found["params"] or "").split(", ")):
            key, _, value = param.partition("=")
            if key == "detour":
                detour = float(value)
            elif key.endswith("_kmh"):
                speeds[key.removesuffix("_kmh")] = float(value)
            else:
                return None
        rebuilt = HaversineBackend(detour=detour, speeds_kmh=speeds)
    except (ValueError, InvalidProblemError):
        return None
    return rebuilt if rebuilt.name == bare else None
