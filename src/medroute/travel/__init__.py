"""Travel backends: how long and how far between locations, and along which roads.

``haversine`` is always available; ``osm`` (road graph, scipy) needs ``medroute[osm]`` to read OSM
and GraphML files; ``osrm`` needs ``medroute[osrm]``. Pick one with :func:`backend`.
"""

from .base import DEFAULT_PROFILE as DEFAULT_PROFILE
from .base import TravelBackend as TravelBackend
from .base import TravelMatrix as TravelMatrix
from .cache import CachedBackend as CachedBackend
from .factory import BACKEND_NAMES as BACKEND_NAMES
from .factory import backend as backend
from .factory import backend_from_name as backend_from_name
from .graph import GraphBackend as GraphBackend
from .graph import RoadGraph as RoadGraph
from .haversine import HaversineBackend as HaversineBackend
from .lookup import GrowingMatrix as GrowingMatrix
from .lookup import MatrixLookup as MatrixLookup
from .matrix import MatrixBackend as MatrixBackend
from .osm_load import load_graph as load_graph
from .osm_load import road_clusters as road_clusters
from .speeds import MOTORBIKE_SPEEDS_KMH as MOTORBIKE_SPEEDS_KMH


def __getattr__(name: str) -> object:
    """OSRM classes load lazily (they import nothing heavy, but keep the namespace light)."""
    if name in ("OsrmBackend", "OsrmHttpBackend"):
        from . import osrm

        return getattr(osrm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
