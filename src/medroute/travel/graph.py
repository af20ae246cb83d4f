"""The ``osm`` backend: shortest motorbike travel times on a road graph, in compiled code.

A networkx road graph (see :mod:`medroute.travel.osm_load`) is compiled once into a
:class:`RoadGraph`: numpy node coordinates, a k-d tree for snapping, and a CSR matrix of edge
weights. Many-to-many matrices run :func:`scipy.sparse.csgraph.dijkstra` from the needed sources
only (``indices=``), in chunks, never a Python loop over pairs.

Time and distance in one pass
-----------------------------
Each edge weight packs the travel time and the length into one exact float64 integer,
``time_cs * 2**30 + length_dm`` (centiseconds, decimetres). Sums of such integers stay exact below
2**53, so one Dijkstra run minimises time first and length second, and the total splits back into
the time (s) and the distance (m) *along the fastest path*. The limits (2**23 cs ≈ 23 h of travel,
2**30 dm ≈ 107,000 km) are checked.

Snapping
--------
Each location is moved to the nearest road node (k-d tree on a local equirectangular projection,
metres). The exact great-circle snap distance is reported in ``TravelMatrix.snap_m``; beyond
``max_snap_m`` the location is refused with :class:`UnreachableLocationError`. By default the
snap leg is *reported, not added* (as OSRM does); pass ``snap_speed_kmh`` to add it as travel at
that speed (e.g. 5 km/h for pushing the bike up a gang) and as distance.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ..errors import InvalidProblemError, UnreachableLocationError
from ..geo import EARTH_RADIUS_M, Location, haversine_m
from .base import DEFAULT_PROFILE, TravelArrays, TravelMatrix, backend_name, location_points
from .osm_load import GraphLoadError, load_graph
from .speeds import (
    EXCLUDED_ACCESS,
    MOTORBIKE_SPEEDS_KMH,
    UNKNOWN_CLASS_KMH,
    checked_speeds,
    closed_way,
    edge_speed_kmh,
    from_osm_way,
    motorbike_access,
    speed_changes,
)

LENGTH_BITS = 30
_SHIFT = float(2**LENGTH_BITS)
_EXACT = float(2**53)
DEFAULT_MAX_SNAP_M = 500.0
"""Farthest a location may be from the road network, metres."""
LEG_REACH_S = (300.0, 1200.0)
"""How far (travel seconds) :meth:`GraphBackend.legs` searches from an origin, in turn, before
searching the whole graph for the legs not yet reached."""


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A compiled, directed motorbike road graph.

    Attributes
    ----------
    lat, lon
        (N,) node coordinates, degrees.
    weights
        (N, N) CSR matrix of packed edge weights (see the module docstring).
    component
        (N,) strongly-connected-component label per node.
    geometry
        Interior (lon, lat) vertices of edges that have a curved geometry, by (u, v).
    content_hash
        Sha256 of the coordinates and weights (the cache key of the graph).
    bridges
        (u, v) of the edges that are straight lines joining road clusters, not roads (marked
        ``medroute_bridge=True`` in the source graph); maps draw them dashed.
    """

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    weights: sp.csr_matrix
    component: NDArray[np.int32]
    geometry: Mapping[tuple[int, int], list[tuple[float, float]]]
    content_hash: str
    bridges: frozenset[tuple[int, int]] = frozenset()

    @property
    def node_count(self) -> int:
        return int(self.lat.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.weights.nnz)

    def component_sizes(self) -> list[int]:
        """Sizes of the strongly connected components, largest first."""
        return sorted(np.bincount(self.component).tolist(), reverse=True)

    def fastest_from(self, sources: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Seconds and metres along the fastest path from each of the ``sources`` nodes to every
        node, each (len(sources), N); ``inf`` where no path leads."""
        return unpack(np.atleast_2d(dijkstra(self.weights, directed=True, indices=sources)))


def unpack(packed: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Seconds and metres of packed path weights (see the module docstring); ``inf`` stays ``inf``."""
    finite = np.isfinite(packed)
    safe = np.where(finite, packed, 0.0)
    time_cs = np.floor(safe / _SHIFT)
    return (np.where(finite, time_cs / 100.0, np.inf),
            np.where(finite, (safe - time_cs * _SHIFT) / 10.0, np.inf))


def compile_graph(graph: nx.MultiDiGraph, *, speeds_kmh: Mapping[str, float] = MOTORBIKE_SPEEDS_KMH,
                  unknown_kmh: float = UNKNOWN_CLASS_KMH) -> RoadGraph:
    """Compile a networkx road graph into a :class:`RoadGraph` for the motorbike profile.

    Edges of excluded classes, closed to motorbikes (:func:`~medroute.travel.speeds.motorbike_access`)
    or closed to every vehicle (``area=yes``, ``service=emergency_access``, ``oneway=reversible``,
    ``impassable=yes``, ``construction=*``, ...: :func:`~medroute.travel.speeds.closed_way`) are
    dropped, and so are edges of OSM ways (they have an ``osmid``) without a ``highway`` tag (a
    building outline), unless a ``route`` of :data:`~medroute.travel.speeds.ROUTE_SPEEDS_KMH`
    (a ferry) rides them at its speed, as the OSRM profile does; so is every node closed to
    motorbikes (a barrier such as a gate with ``access=private``), with its edges, so that no
    route passes through it. Parallel edges keep the fastest. Nodes left without edges are dropped.

    Parameters
    ----------
    graph
        Osmnx-style graph (node ``x``/``y`` in degrees, edge ``length`` in metres).
    speeds_kmh
        Running speed per ``highway`` class, km/h (default
        :data:`~medroute.travel.speeds.MOTORBIKE_SPEEDS_KMH`).
    unknown_kmh
        Speed for edges whose class is unknown, or missing on an edge that is not from an OSM way
        (a GeoJSON road line), km/h.
    """
    speeds_kmh = checked_speeds(speeds_kmh, unknown_kmh, where="osm")
    index: dict[Any, int] = {}
    us: list[int] = []
    vs: list[int] = []
    lengths: list[float] = []
    speeds: list[float] = []
    geoms: list[Any] = []
    bridge: list[bool] = []
    barriers = {n for n, d in graph.nodes(data=True) if motorbike_access(d) in EXCLUDED_ACCESS}
    for u, v, data in graph.edges(data=True):
        speed = edge_speed_kmh(data.get("highway"), data.get("maxspeed"), speeds_kmh,
                               unknown_kmh=unknown_kmh, access=motorbike_access(data), route=data.get("route"),
                               osm_way=from_osm_way(data))
        if speed is None or closed_way(data) or u == v or u in barriers or v in barriers:
            continue
        us.append(index.setdefault(u, len(index)))
        vs.append(index.setdefault(v, len(index)))
        lengths.append(_number(data.get("length", 0.0), f"edge ({u!r}, {v!r}) length"))
        speeds.append(speed)
        geoms.append(data.get("geometry"))
        bridge.append(data.get("medroute_bridge") in (True, 1, "True", "true", "1"))  # GraphML keeps text
    if not us:
        raise GraphLoadError("road graph: no edge is open to motorbikes")
    nodes = list(index)
    lon = np.array([_number(graph.nodes[n].get("x"), f"node {n!r} x") for n in nodes])
    lat = np.array([_number(graph.nodes[n].get("y"), f"node {n!r} y") for n in nodes])
    if not (np.all(np.abs(lat) <= 90) and np.all(np.abs(lon) <= 180)):
        raise GraphLoadError("road graph: node coordinates must be finite WGS84 degrees")
    u_arr = np.array(us, dtype=np.int64)
    v_arr = np.array(vs, dtype=np.int64)
    length_m = np.array(lengths)
    bad = ~np.isfinite(length_m) | (length_m <= 0)
    if bad.any():  # missing/zero lengths: measure them
        length_m[bad] = haversine_m(lat[u_arr[bad]], lon[u_arr[bad]], lat[v_arr[bad]], lon[v_arr[bad]])
    time_cs = np.maximum(1.0, np.rint(length_m / (np.array(speeds) / 3.6) * 100.0))
    length_dm = np.rint(length_m * 10.0)
    if length_dm.sum() >= _SHIFT:
        raise GraphLoadError("road graph: total length exceeds 107,000 km, too large to pack")
    packed = time_cs * _SHIFT + length_dm
    # keep the fastest of parallel edges
    order = np.lexsort((packed, v_arr, u_arr))
    u_s, v_s = u_arr[order], v_arr[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u_s[1:] != u_s[:-1]) | (v_s[1:] != v_s[:-1])
    kept = order[first]
    n = len(nodes)
    weights = sp.csr_matrix((packed[kept], (u_arr[kept], v_arr[kept])), shape=(n, n))
    weights.sort_indices()
    _, labels = connected_components(weights, directed=True, connection="strong")
    geometry: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for k in kept.tolist():
        g = geoms[k]
        if g is not None and hasattr(g, "coords"):
            coords = [(float(x), float(y)) for x, y in list(g.coords)[1:-1]]
            if coords:
                geometry[(int(u_arr[k]), int(v_arr[k]))] = coords
    h = hashlib.sha256()
    for arr in (lat, lon, weights.indptr, weights.indices, weights.data):
        h.update(np.ascontiguousarray(arr).tobytes())
    bridges = frozenset((int(u_arr[k]), int(v_arr[k])) for k in kept.tolist() if bridge[k])
    return RoadGraph(lat=lat, lon=lon, weights=weights, component=labels.astype(np.int32),
                     geometry=geometry, content_hash=h.hexdigest(), bridges=bridges)


def _number(value: object, what: str) -> float:
    """``value`` as a float, or GraphLoadError naming ``what``."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise GraphLoadError(f"road graph: {what} must be a number, got {value!r}"[:300]) from None


class GraphBackend:
    """Motorbike travel on a road graph (the ``osm`` backend).

    Parameters
    ----------
    source
        A road-graph file (see :func:`~medroute.travel.osm_load.load_graph`), a networkx
        graph, or an already compiled :class:`RoadGraph`.
    speeds_kmh
        Running speed per OSM ``highway`` class, km/h; overrides merge into the sourced
        defaults (:data:`~medroute.travel.speeds.MOTORBIKE_SPEEDS_KMH`). ``maxspeed`` tags cap them.
    unknown_kmh
        Speed on roads without a (known) class, km/h.
    max_snap_m
        Farthest a location may lie from its nearest road node, metres.
    snap_speed_kmh
        When set, the snap legs are added to the travel at this speed, km/h (and
        to the distances); when ``None`` (default) they are only reported in ``snap_m``.
    chunk
        Sources per Dijkstra batch (bounds memory at ``chunk × N × 8`` bytes).

    Attributes
    ----------
    name
        ``"osm"``, with the speeds and ``snap_speed_kmh`` that differ from the defaults, e.g.
        ``"osm(residential_kmh=20.0)"`` (a compiled :class:`RoadGraph` keeps the speeds it was
        compiled with: they are not named).
    """

    def __init__(self, source: str | Path | nx.MultiDiGraph | RoadGraph, *,
                 speeds_kmh: Mapping[str, float] | None = None, unknown_kmh: float = UNKNOWN_CLASS_KMH,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M, snap_speed_kmh: float | None = None,
                 chunk: int = 256) -> None:
        if not max_snap_m > 0:
            raise InvalidProblemError(f"osm: max_snap_m must be > 0 metres, got {max_snap_m}")
        if snap_speed_kmh is not None and not snap_speed_kmh > 0:
            raise InvalidProblemError(f"osm: snap_speed_kmh must be > 0, got {snap_speed_kmh}")
        snap = [f"snap_speed_kmh={float(snap_speed_kmh)!r}"] if snap_speed_kmh is not None else []
        if isinstance(source, RoadGraph):
            self.graph = source
            self.name = backend_name("osm", snap)
        else:
            nxg = load_graph(source) if isinstance(source, (str, Path)) else source
            speeds = {**MOTORBIKE_SPEEDS_KMH, **(speeds_kmh or {})}
            self.graph = compile_graph(nxg, speeds_kmh=speeds, unknown_kmh=unknown_kmh)
            self.name = backend_name("osm", speed_changes(speeds_kmh, unknown_kmh) + snap)
        self.max_snap_m = float(max_snap_m)
        self.snap_speed_kmh = snap_speed_kmh
        self.chunk = max(1, int(chunk))
        g = self.graph
        self._lat0 = float(np.radians(np.mean(g.lat)))
        self._tree = cKDTree(self._project(g.lat, g.lon))

    def _project(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Local equirectangular projection, metres."""
        x = EARTH_RADIUS_M * np.radians(lon) * np.cos(self._lat0)
        y = EARTH_RADIUS_M * np.radians(lat)
        return np.column_stack([x, y])

    def cache_key(self) -> str:
        """Identifies the graph content and every parameter that changes the matrix."""
        return f"osm:{self.graph.content_hash}:{self.max_snap_m}:{self.snap_speed_kmh}"

    def _check_profile(self, profile: str) -> None:
        if profile != DEFAULT_PROFILE:
            raise InvalidProblemError(f"osm: only profile {DEFAULT_PROFILE!r} is modelled, got {profile!r}")

    def snap(self, locations: Sequence[Location], ids: Sequence[str] | None = None
             ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest road node of each location and the great-circle distance to it, metres.

        Raises
        ------
        UnreachableLocationError
            A location is farther than ``max_snap_m`` from every road.
        """
        lat = np.array([p.lat for p in locations], dtype=np.float64)
        lon = np.array([p.lon for p in locations], dtype=np.float64)
        if lat.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        _, node = self._tree.query(self._project(lat, lon))
        node = np.asarray(node, dtype=np.int64)
        snap_m = haversine_m(lat, lon, self.graph.lat[node], self.graph.lon[node])
        far = np.flatnonzero(snap_m > self.max_snap_m)
        if far.size:
            i = int(far[0])
            raise UnreachableLocationError(
                f"location {_label(i, ids)} at ({lat[i]:.6f}, {lon[i]:.6f}) is {snap_m[i]:.0f} m from "
                f"the nearest road, beyond max_snap_m={self.max_snap_m:.0f} m", index=i)
        return node, snap_m

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE,
               ids: Sequence[str] | None = None) -> TravelMatrix:
        """Fastest-path durations (s) and their distances (m) between every pair of ``locations``.

        Raises
        ------
        UnreachableLocationError
            A location is too far from the roads, or lies on a part of the
            network that cannot reach / be reached from the others (the message names it).
        """
        self._check_profile(profile)
        ids_t = tuple(ids) if ids is not None else None
        if ids_t is not None and len(ids_t) != len(locations):
            raise InvalidProblemError(f"osm: {len(ids_t)} ids for {len(locations)} locations")
        node, snap_m = self.snap(locations, ids_t)
        n = len(node)
        if n == 0:
            z = np.zeros((0, 0), dtype=np.int32)
            return TravelMatrix(z, z, np.zeros(0), profile=profile, ids=ids_t, points=location_points(locations))
        self._one_component(node, ids_t)
        packed = self._packed(node, node)
        same = _same_places(locations, locations) if self.snap_speed_kmh is not None else None
        durations, distances = self._unpack(packed, snap_m, snap_m, same)
        return TravelMatrix(durations_s=durations, distances_m=distances, snap_m=snap_m, profile=profile, ids=ids_t,
                            points=location_points(locations))

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Fastest-path durations (s) and distances (m) from every source to every target: one
        Dijkstra run per distinct source road node (each entry equals :meth:`matrix`'s).

        Raises
        ------
        UnreachableLocationError
            As :meth:`matrix`, over sources and targets together.
        """
        self._check_profile(profile)
        s_node, s_snap = self.snap(sources)
        t_node, t_snap = self.snap(targets)
        self._one_component(np.concatenate([s_node, t_node]), None)
        same = _same_places(sources, targets) if self.snap_speed_kmh is not None else None
        return self._unpack(self._packed(s_node, t_node), s_snap, t_snap, same)

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location], *,
             profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Fastest-path durations (s) and distances (m) from ``origins[i]`` to ``destinations[i]``.

        Each distinct origin runs Dijkstra only as far as :data:`LEG_REACH_S` (then without a
        limit for the legs still unreached): a route's legs are short, so checking a plan of
        thousands of orders costs a fraction of its full matrix. Equal to :meth:`matrix`'s entries.
        """
        self._check_profile(profile)
        o_node, o_snap = self.snap(origins)
        d_node, d_snap = self.snap(destinations)
        self._one_component(np.concatenate([o_node, d_node]), None)
        packed = np.full(len(o_node), np.inf)
        for reach_s in (*LEG_REACH_S, math.inf):
            todo = np.flatnonzero(~np.isfinite(packed))
            if todo.size == 0:
                break
            uniq, inv = np.unique(o_node[todo], return_inverse=True)
            limit = reach_s * 100.0 * _SHIFT if math.isfinite(reach_s) else np.inf
            for s in range(0, len(uniq), self.chunk):
                rows = dijkstra(self.graph.weights, directed=True, indices=uniq[s:s + self.chunk], limit=limit)
                mine = np.flatnonzero((inv >= s) & (inv < s + self.chunk))
                packed[todo[mine]] = rows[inv[mine] - s, d_node[todo[mine]]]
        same = np.array([[a == b] for a, b in zip(origins, destinations, strict=True)], dtype=bool).reshape(-1, 1)
        dur, dist = self._unpack(packed[:, None], o_snap, d_snap[:, None], same, pairs=True)
        return dur[:, 0], dist[:, 0]

    def _one_component(self, node: NDArray[np.int64], ids: Sequence[str] | None) -> None:
        """Refuse a location on another strong component than most of ``node``'s."""
        if node.size == 0:
            return
        comp = self.graph.component[node]
        main = int(np.argmax(np.bincount(comp)))
        off = np.flatnonzero(comp != main)
        if off.size:
            i = int(off[0])
            raise UnreachableLocationError(
                f"location {_label(i, ids)} snaps to a road cluster that cannot reach or be reached "
                f"from the other locations' (strong component of {np.sum(self.graph.component == comp[i])} "
                f"nodes vs {np.sum(self.graph.component == main)})", index=i)

    def _packed(self, src: NDArray[np.int64], dst: NDArray[np.int64]) -> NDArray[np.float64]:
        """Packed fastest paths from every ``src`` node to every ``dst`` node, one Dijkstra run per
        distinct source, ``chunk`` sources at a time."""
        uniq, inv = np.unique(src, return_inverse=True)
        packed = np.empty((len(uniq), len(dst)), dtype=np.float64)
        for s in range(0, len(uniq), self.chunk):
            rows = dijkstra(self.graph.weights, directed=True, indices=uniq[s:s + self.chunk])
            packed[s:s + self.chunk] = rows[:, dst]
        return packed[inv]

    def _unpack(self, packed: NDArray[np.float64], snap_rows: NDArray[np.float64], snap_cols: NDArray[np.float64],
                same: NDArray[np.bool_] | None, *, pairs: bool = False) -> TravelArrays:
        """Seconds and metres of packed paths; the snap legs added when ``snap_speed_kmh`` is set
        (not between a place and itself: ``same``). ``pairs``: ``snap_cols`` is already aligned
        with the rows (single legs), else it broadcasts over the columns."""
        if not np.all(np.isfinite(packed)):  # pragma: no cover - excluded by the component check
            i = int(np.argwhere(~np.isfinite(packed))[0][0])
            raise UnreachableLocationError(f"location {i} cannot reach every other")
        if packed.size and float(np.max(packed)) >= _EXACT:
            raise UnreachableLocationError("osm: a path is longer than 23 h of travel; cannot pack it")
        secs, metres = unpack(packed)
        if self.snap_speed_kmh is not None:
            legs = snap_rows[:, None] + (snap_cols if pairs else snap_cols[None, :])
            if same is not None:
                legs[same] = 0.0
            metres = metres + legs
            secs = secs + legs / (self.snap_speed_kmh / 3.6)
        return np.rint(secs).astype(np.int32), np.rint(metres).astype(np.int32)

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """Road geometry of the fastest path from ``a`` to ``b``, endpoints included."""
        self._check_profile(profile)
        node, _ = self.snap([a, b], ("a", "b"))
        src, dst = int(node[0]), int(node[1])
        dist, pred = dijkstra(self.graph.weights, directed=True, indices=src, return_predecessors=True)
        if not np.isfinite(dist[dst]):
            raise UnreachableLocationError("location 'b' cannot be reached from location 'a'")
        chain = [dst]
        while chain[-1] != src:
            chain.append(int(pred[chain[-1]]))
        chain.reverse()
        g = self.graph
        out = [a, Location(float(g.lat[src]), float(g.lon[src]))]
        for u, v in itertools.pairwise(chain):
            out.extend(Location(lat, lon) for lon, lat in g.geometry.get((u, v), []))
            out.append(Location(float(g.lat[v]), float(g.lon[v])))
        out.append(b)
        return out


def _same_places(a: Sequence[Location], b: Sequence[Location]) -> NDArray[np.bool_]:
    """(len(a), len(b)): whether ``a[i]`` and ``b[j]`` are the same place."""
    index = {p: i for i, p in enumerate(dict.fromkeys(b))}
    same = np.zeros((len(a), len(b)), dtype=bool)
    col = np.array([index[p] for p in b], dtype=np.int64)
    for i, p in enumerate(a):
        if p in index:
            same[i] = col == index[p]
    return same


def _label(i: int, ids: Sequence[str] | None) -> str:
    return f"{i} ({ids[i]!r})" if ids is not None else str(i)
