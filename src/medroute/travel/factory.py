"""Choose a travel backend by name; never a silent fallback."""

from __future__ import annotations

from typing import Any, cast

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

            inner = cast(TravelBackend, HaversineBackend(**kw))
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
