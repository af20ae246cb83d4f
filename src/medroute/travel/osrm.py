"""The ``osrm`` backends: OSRM in-process (``osrm-bindings``) and over HTTP (``osrm-routed``).

The in-process backend builds its own OSRM dataset (extract → partition → customize, MLD) from the
same OSM data the ``osm`` backend reads, with medroute's motorbike Lua profile
(``medroute/travel/profiles/motorbike.lua``, speeds from :mod:`medroute.travel.speeds`).
Graphs without OSM XML (GraphML, GeoJSON road lines) are first written out as OSM XML.
Datasets are cached under ``<cache_dir>/osrm/<key>/`` where the key hashes the input bytes, the
rendered profile and the OSRM version.

OSRM snaps each location to the nearest point *on an edge*; the snap distance is reported in
``snap_m`` (not added to the travel), and a location beyond ``max_snap_m`` is refused.
"""

from __future__ import annotations

import bz2
import contextlib
import hashlib
import http.client
import importlib.metadata
import json
import logging
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidProblemError, MedrouteError, UnreachableLocationError, require
from ..geo import Location
from .base import DEFAULT_PROFILE, TravelMatrix, backend_name, location_points
from .cache import default_cache_dir
from .graph import DEFAULT_MAX_SNAP_M
from .osm_load import load_graph
from .speeds import (
    ACCESS_KEYS,
    CLOSED_WAY_TAGS,
    MOTORBIKE_SPEEDS_KMH,
    ROUTE_SPEEDS_KMH,
    UNKNOWN_CLASS_KMH,
    checked_speeds,
    from_osm_way,
    highway_class,
    parse_maxspeed_kmh,
    speed_changes,
    way_tag,
)

logger = logging.getLogger("medroute")


class OsrmError(MedrouteError, RuntimeError):
    """An OSRM tool, engine or server failed; the message carries its own words."""


# ----------------------------------------------------------------------------- profile and tools
def profile_source() -> str:
    """The text of the shipped motorbike Lua profile."""
    return resources.files("medroute.travel").joinpath("profiles/motorbike.lua").read_text("utf-8")


def render_profile(speeds_kmh: Mapping[str, float] | None = None,
                   unknown_kmh: float = UNKNOWN_CLASS_KMH) -> str:
    """The Lua profile with medroute's speed table (defaults merged with overrides) prepended.

    Raises
    ------
    InvalidProblemError
        A class name that is not an OSM-style word (it would be pasted into Lua
        source) or a speed outside ``(0, MAX_SPEED_KMH]``.
    """
    speeds = checked_speeds({**MOTORBIKE_SPEEDS_KMH, **(speeds_kmh or {})}, unknown_kmh, where="osrm")
    table = ", ".join(f'["{k}"] = {v!r}' for k, v in sorted(speeds.items()))
    return (f"MEDROUTE_SPEEDS = {{ {table} }}\nMEDROUTE_UNKNOWN_SPEED = {float(unknown_kmh)!r}\n"
            + profile_source())


def osrm_version() -> str:
    try:
        return importlib.metadata.version("osrm-bindings")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def osrm_tool(name: str) -> Path:
    """Path of an OSRM executable (``osrm-extract``, ``osrm-routed``, ...) shipped in the wheel."""
    mod: Any = require("osrm", "osrm")
    candidate = Path(mod.__file__).parent / "bin" / name
    if candidate.is_file():
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise OsrmError(f"osrm: executable {name!r} not found in the osrm-bindings wheel or on PATH")


def _osrm_module() -> Any:
    return require("osrm", "osrm")


def _profiles_lib_dir() -> Path:
    mod: Any = require("osrm", "osrm")
    return Path(mod.__file__).parent / "share" / "profiles"


# ----------------------------------------------------------------------------- OSM XML writer
def write_osm_xml(graph: nx.MultiDiGraph, path: str | Path) -> Path:
    """Write a road graph as OSM XML that ``osrm-extract`` reads.

    One way per road: both directions present → a two-way way, one direction → ``oneway=yes``.
    ``highway`` (``unclassified`` when unknown; an OSM way's edge without it is left out, as the
    profile leaves it out, unless its ``route`` is a ferry's, which is written:
    :data:`~medroute.travel.speeds.ROUTE_SPEEDS_KMH`), ``maxspeed`` (km/h), the access tags
    (:data:`~medroute.travel.speeds.ACCESS_KEYS`) and the tags that close a way
    (:data:`~medroute.travel.speeds.CLOSED_WAY_TAGS`, ``construction``; ``oneway=reversible`` from
    the way's own ``oneway``, :func:`~medroute.travel.speeds.way_tag`) of edges, and ``barrier`` and
    the access tags of nodes, are kept; curved edge geometries become extra nodes.
    """
    out = Path(path)
    ids: dict[Any, int] = {}
    lines: list[str] = []
    extra: list[str] = []
    ways: list[str] = []
    next_id = [0]

    def node_id(n: Any) -> int:
        if n not in ids:
            next_id[0] += 1
            ids[n] = next_id[0]
            d = graph.nodes[n]
            lat, lon = float(d["y"]), float(d["x"])
            lines.append(f'<node id="{ids[n]}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">'
                         f'{_tags_xml(d, ("barrier", *ACCESS_KEYS))}</node>')
        return ids[n]

    done: set[tuple[Any, Any]] = set()
    way_id = 0
    for u, v, data in graph.edges(data=True):
        highway = highway_class(data.get("highway"))
        route = highway_class(data.get("route"))
        ferry = route in ROUTE_SPEEDS_KMH
        if (u, v) in done or u == v or (not highway and not ferry and from_osm_way(data)):
            continue
        two_way = graph.has_edge(v, u)
        done.add((u, v))
        if two_way:
            done.add((v, u))
        refs = [node_id(u)]
        geom = data.get("geometry")
        if geom is not None and hasattr(geom, "coords"):
            for x, y in list(geom.coords)[1:-1]:
                next_id[0] += 1
                extra.append(f'<node id="{next_id[0]}" version="1" lat="{y:.7f}" lon="{x:.7f}"/>')
                refs.append(next_id[0])
        refs.append(node_id(v))
        way_id += 1
        tags = {"highway": highway} if highway else {} if ferry else {"highway": "unclassified"}
        if ferry and route:
            tags["route"] = route
        cap = parse_maxspeed_kmh(data.get("maxspeed"))
        if cap is not None:
            tags["maxspeed"] = f"{cap:g}"
        oneway = way_tag(data, "oneway")
        if oneway in CLOSED_WAY_TAGS["oneway"]:
            tags["oneway"] = oneway
        elif not two_way:
            tags["oneway"] = "yes"
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f"<tag k={quoteattr(k)} v={quoteattr(val)}/>" for k, val in tags.items())
        body += _tags_xml(data, (*ACCESS_KEYS, *(k for k in CLOSED_WAY_TAGS if k != "oneway"), "construction"))
        ways.append(f'<way id="{way_id}" version="1">{body}</way>')
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="medroute">\n'
            + "\n".join(lines + extra + ways) + "\n</osm>\n")
    out.write_text(text, encoding="utf-8")
    return out


def _tags_xml(data: Mapping[str, Any], keys: Sequence[str]) -> str:
    """OSM ``<tag>`` elements for the ``keys`` that ``data`` holds (the first of a list)."""
    values = ((k, highway_class(data.get(k))) for k in keys)
    return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in values if v)


# ----------------------------------------------------------------------------- dataset build
def _run(args: list[str], cwd: Path) -> None:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
        raise OsrmError(f"osrm: {Path(args[0]).name} failed (exit {proc.returncode}):\n{tail}")


def build_dataset(source: str | Path | nx.MultiDiGraph, *, cache_dir: str | Path | None = None,
                  speeds_kmh: Mapping[str, float] | None = None, unknown_kmh: float = UNKNOWN_CLASS_KMH,
                  threads: int = 2) -> Path:
    """Build (or find in the cache) an OSRM MLD dataset for the motorbike profile.

    Parameters
    ----------
    source
        ``.osm`` / ``.osm.bz2`` file (used as is), another road-graph file or a networkx
        graph (written as OSM XML first).
    cache_dir
        Cache root (default ``$MEDROUTE_CACHE`` or ``~/.cache/medroute``).
    speeds_kmh, unknown_kmh
        Speed overrides, km/h, as for the ``osm`` backend.
    threads
        Threads for the OSRM tools.

    Returns
    -------
    The ``.osrm`` base path to give to :class:`OsrmBackend` or ``osrm-routed``.
    """
    root = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / "osrm"
    root.mkdir(parents=True, exist_ok=True)
    profile = render_profile(speeds_kmh, unknown_kmh)
    with tempfile.TemporaryDirectory(dir=root, prefix="build-") as tmp_s:
        tmp = Path(tmp_s)
        if isinstance(source, (str, Path)) and Path(source).name.lower().endswith((".osm", ".osm.bz2")):
            src = Path(source)
            raw = src.read_bytes()
            content = bz2.decompress(raw) if src.name.lower().endswith(".bz2") else raw
            input_name = "data.osm.bz2" if src.name.lower().endswith(".bz2") else "data.osm"
            (tmp / input_name).write_bytes(raw)
        else:
            graph = load_graph(source) if isinstance(source, (str, Path)) else source
            input_name = "data.osm"
            write_osm_xml(graph, tmp / input_name)
            content = (tmp / input_name).read_bytes()
        h = hashlib.sha256(content)
        h.update(profile.encode())
        h.update(osrm_version().encode())
        key = h.hexdigest()[:24]
        final = root / key
        if (final / "data.osrm.done").exists():
            return final / "data.osrm"
        lua = tmp / "motorbike.lua"
        lua.write_text(f'package.path = {json.dumps(str(_profiles_lib_dir()) + "/?.lua;")} .. package.path\n'
                       + profile, encoding="utf-8")
        t0 = time.perf_counter()
        _run([str(osrm_tool("osrm-extract")), "-p", str(lua), "-t", str(threads), input_name], tmp)
        _run([str(osrm_tool("osrm-partition")), "-t", str(threads), "data.osrm"], tmp)
        _run([str(osrm_tool("osrm-customize")), "-t", str(threads), "data.osrm"], tmp)
        (tmp / input_name).unlink()
        (tmp / "data.osrm.done").write_text(json.dumps({"seconds": time.perf_counter() - t0}))
        if final.exists():  # another process won the race
            return final / "data.osrm"
        tmp.rename(final)
        tmp.mkdir()  # so that TemporaryDirectory cleanup finds a directory
    logger.info("osrm dataset built in %s", final)
    return final / "data.osrm"


# ----------------------------------------------------------------------------- responses
def _grid(resp: Mapping[str, Any], key: str, n: int, what: str) -> NDArray[np.float64]:
    """``resp[key]`` as an (n, n) float array (``null`` → NaN), or OsrmError saying what is wrong."""
    try:
        arr = np.array(resp[key], dtype=np.float64)
    except KeyError:
        raise OsrmError(f"{what}: the answer has no {key!r}") from None
    except (TypeError, ValueError, OverflowError, RecursionError):
        raise OsrmError(f"{what}: {key!r} is not an array of numbers") from None
    if arr.shape != (n, n):
        raise OsrmError(f"{what}: {key!r} has shape {arr.shape}, expected ({n}, {n})")
    known = arr[~np.isnan(arr)]
    if not np.all((known >= 0) & (known <= np.iinfo(np.int32).max)):
        raise OsrmError(f"{what}: {key!r} holds values outside [0, 2**31)")
    return arr


def _snap_distances(resp: Mapping[str, Any], n: int, what: str) -> NDArray[np.float64]:
    """The snap distance of each of the ``n`` sources, metres."""
    sources = resp.get("sources")
    if not isinstance(sources, list) or len(sources) != n:
        raise OsrmError(f"{what}: 'sources' must be a list of {n} waypoints")
    try:
        snap = np.array([float(w["distance"]) for w in sources], dtype=np.float64)
    except (TypeError, KeyError, ValueError, OverflowError):
        raise OsrmError(f"{what}: every waypoint in 'sources' needs a numeric 'distance'") from None
    if not (np.isfinite(snap).all() and (snap >= 0).all()):
        raise OsrmError(f"{what}: snap distances must be finite and >= 0")
    return snap


def _refusal(resp: Mapping[str, Any], what: str) -> MedrouteError:
    """The error for an answer whose ``code`` is not ``"Ok"``."""
    code, message = resp.get("code"), str(resp.get("message", ""))[:300]
    if code == "NoSegment":
        return UnreachableLocationError(f"{what}: a location is too far from any road ({message})")
    return OsrmError(f"{what}: {str(code)[:100]}: {message}")


def _table_to_matrix(resp: Mapping[str, Any], n: int, *, ids: tuple[str, ...] | None, max_snap_m: float,
                     profile: str, what: str = "osrm table", points: NDArray[np.float64] | None = None
                     ) -> TravelMatrix:
    """A TravelMatrix from an OSRM ``/table`` answer, every field checked before use; ``points``
    are the asked locations' (:attr:`TravelMatrix.points`)."""
    if resp.get("code") != "Ok":
        raise _refusal(resp, what)
    snap_m = _snap_distances(resp, n, what)
    _check_snap(snap_m, ids, max_snap_m)
    dur = _grid(resp, "durations", n, what)
    dist = _grid(resp, "distances", n, what)
    bad = ~np.isfinite(dur) | ~np.isfinite(dist)
    if bad.any():
        counts = bad.sum(axis=0) + bad.sum(axis=1)
        i = int(np.argmax(counts))
        raise UnreachableLocationError(
            f"location {_label(i, ids)} cannot reach or be reached from {int(counts[i])} other "
            "location(s) on the OSRM network", index=i)
    np.fill_diagonal(dur, 0.0)
    np.fill_diagonal(dist, 0.0)
    return TravelMatrix(np.rint(dur).astype(np.int32), np.rint(dist).astype(np.int32), snap_m,
                        profile=profile, ids=ids, points=points)


def _route_path(resp: Mapping[str, Any], a: Location, b: Location, what: str) -> list[Location]:
    """The geometry of the first route of an OSRM ``/route`` answer, endpoints included."""
    if resp.get("code") != "Ok":
        raise _refusal(resp, what)
    try:
        coords = resp["routes"][0]["geometry"]["coordinates"]
        return [a, *(Location(float(c[1]), float(c[0])) for c in coords), b]
    except (KeyError, IndexError, TypeError, ValueError, OverflowError):
        raise OsrmError(f"{what}: the answer has no routes[0].geometry.coordinates of [lon, lat]") from None


def _check_snap(snap_m: NDArray[np.float64], ids: tuple[str, ...] | None, max_snap_m: float) -> None:
    far = np.flatnonzero(snap_m > max_snap_m)
    if far.size:
        i = int(far[0])
        raise UnreachableLocationError(
            f"location {_label(i, ids)} is {snap_m[i]:.0f} m from the nearest road, beyond "
            f"max_snap_m={max_snap_m:.0f} m", index=i)


def _label(i: int, ids: Sequence[str] | None) -> str:
    return f"{i} ({ids[i]!r})" if ids is not None else str(i)


def _ids(ids: Sequence[str] | None, n: int) -> tuple[str, ...] | None:
    if ids is None:
        return None
    if len(ids) != n:
        raise InvalidProblemError(f"osrm: {len(ids)} ids for {n} locations")
    return tuple(ids)


# ----------------------------------------------------------------------------- in-process
class OsrmBackend:
    """OSRM in-process (``osrm-bindings``), MLD, motorbike profile.

    Parameters
    ----------
    source
        Road data (see :func:`build_dataset`); ignored when ``dataset`` is given.
    dataset
        An existing ``.osrm`` base path built with this profile.
    cache_dir
        Cache root for built datasets.
    max_snap_m
        Farthest a location may be from the road network, metres.
    speeds_kmh, unknown_kmh
        Speed overrides, km/h.

    Attributes
    ----------
    name
        ``"osrm"``, with the speeds that differ from the defaults when it builds its dataset, e.g.
        ``"osrm(residential_kmh=20.0)"`` (a ``dataset`` given keeps the speeds it was built with:
        they are not named).
    """

    def __init__(self, source: str | Path | nx.MultiDiGraph | None = None, *,
                 dataset: str | Path | None = None, cache_dir: str | Path | None = None,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M, speeds_kmh: Mapping[str, float] | None = None,
                 unknown_kmh: float = UNKNOWN_CLASS_KMH) -> None:
        self._osrm = _osrm_module()
        self.name = "osrm"
        if dataset is None:
            if source is None:
                raise InvalidProblemError("osrm: give a road-data source or a built dataset")
            dataset = build_dataset(source, cache_dir=cache_dir, speeds_kmh=speeds_kmh,
                                    unknown_kmh=unknown_kmh)
            self.name = backend_name("osrm", speed_changes(speeds_kmh, unknown_kmh))
        self.dataset = Path(dataset)
        if not Path(str(self.dataset) + ".properties").exists():
            raise OsrmError(f"osrm: {str(self.dataset)!r} is not a built OSRM dataset")
        self.max_snap_m = float(max_snap_m)
        self._files = _dataset_stamp(self.dataset)  # before the engine reads them
        config = self._osrm.EngineConfig()
        config.SetStorageConfig(str(self.dataset))
        config.use_shared_memory = False
        config.algorithm = "MLD"
        try:
            self._engine = self._osrm.OSRM(config)
        except RuntimeError as exc:
            raise OsrmError(f"osrm: cannot open {str(self.dataset)!r}: {exc}") from exc

    def cache_key(self) -> str:
        """Identifies the dataset (its path, and the size and time of each of its files as they were
        loaded: a dataset rebuilt in place is another) and every parameter that changes the matrix."""
        return f"osrm:{self.dataset.resolve()}:{self._files}:{self.max_snap_m}"

    @staticmethod
    def _check_profile(profile: str) -> None:
        if profile != DEFAULT_PROFILE:
            raise InvalidProblemError(
                f"osrm: the dataset is built for {DEFAULT_PROFILE!r}, asked for {profile!r}")

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE,
               ids: Sequence[str] | None = None) -> TravelMatrix:
        """OSRM table: durations (s) and distances (m) of the fastest paths."""
        self._check_profile(profile)
        ids_t = _ids(ids, len(locations))
        n = len(locations)
        points = location_points(locations)
        if n == 0:
            z = np.zeros((0, 0), dtype=np.int32)
            return TravelMatrix(z, z, np.zeros(0), profile=profile, ids=ids_t, points=points)
        if n == 1:  # OSRM needs two coordinates; snap the one via a self pair
            locations = [locations[0], locations[0]]
        params = self._osrm.TableParameters(coordinates=[(p.lon, p.lat) for p in locations],
                                            annotations=["duration", "distance"])
        try:
            res = self._engine.Table(params)
        except RuntimeError as exc:
            raise OsrmError(f"osrm table: {exc}") from exc
        resp = {"code": res["code"], "durations": res["durations"], "distances": res["distances"],
                "sources": [{"distance": w["distance"], "location": tuple(w["location"])}
                            for w in res["sources"]]}
        m = _table_to_matrix(resp, len(locations), ids=None, max_snap_m=self.max_snap_m, profile=profile,
                             points=points if n > 1 else None) \
            if ids_t is None else _table_to_matrix(resp, len(locations), ids=ids_t if n > 1 else None,
                                                   max_snap_m=self.max_snap_m, profile=profile,
                                                   points=points if n > 1 else None)
        if n == 1:
            return TravelMatrix(m.durations_s[:1, :1], m.distances_m[:1, :1], m.snap_m[:1], profile=profile,
                                ids=ids_t, points=points)
        return m

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """Road geometry of the OSRM route from ``a`` to ``b``, endpoints included."""
        self._check_profile(profile)
        params = self._osrm.RouteParameters(coordinates=[(a.lon, a.lat), (b.lon, b.lat)],
                                            geometries="geojson", overview="full")
        try:
            res = self._engine.Route(params)
        except RuntimeError as exc:
            raise OsrmError(f"osrm route: {exc}") from exc
        return _route_path({"code": res["code"], "routes": res["routes"]}, a, b, "osrm route")


def _dataset_stamp(dataset: Path) -> str:
    """A digest of the name, size and modification time of every file of ``dataset``."""
    prefix = dataset.name + "."
    files = sorted(f for f in dataset.parent.iterdir() if f.name.startswith(prefix))
    stats = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    return hashlib.sha256(repr(stats).encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------- HTTP
class OsrmHttpBackend:
    """An ``osrm-routed`` server's ``/table`` and ``/route`` services, over HTTP (stdlib ``http.client``).

    The server must allow tables of the size asked (``osrm-routed --max-table-size``); the whole
    coordinate list travels in the URL, so keep to a few thousand points. Nothing the server
    sends is trusted: an answer that is late, too large, not JSON or not shaped as OSRM's raises
    :class:`OsrmError` (a location off the network :class:`UnreachableLocationError`).

    Parameters
    ----------
    base_url
        e.g. ``"http://127.0.0.1:5000"``.
    profile_url
        The profile segment of the URL (``osrm-routed`` serves one dataset and ignores it).
    timeout_s
        Deadline of a whole request (connecting, sending, the answer's last byte), seconds.
    max_snap_m
        Farthest a location may be from the road network, metres.
    max_body_bytes
        Largest answer read, bytes; ``None`` allows 1 MiB plus 64 bytes per table cell.
    """

    name = "osrm-http"

    def __init__(self, base_url: str, *, profile_url: str = "driving", timeout_s: float = 60.0,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M, max_body_bytes: int | None = None) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise InvalidProblemError(
                f"osrm-http: base_url must start with http:// or https://, got {base_url!r}")
        parts = urllib.parse.urlsplit(base_url)
        if not parts.hostname:
            raise InvalidProblemError(f"osrm-http: base_url {base_url!r} names no host")
        if not (isinstance(timeout_s, (int, float)) and 0 < timeout_s < float("inf")):
            raise InvalidProblemError(f"osrm-http: timeout_s must be a finite number > 0, got {timeout_s!r}")
        if max_body_bytes is not None and not (isinstance(max_body_bytes, int) and max_body_bytes > 0):
            raise InvalidProblemError(f"osrm-http: max_body_bytes must be an integer > 0, got {max_body_bytes!r}")
        self.base_url = base_url.rstrip("/")
        self.profile_url = profile_url
        self.timeout_s = float(timeout_s)
        self.max_snap_m = float(max_snap_m)
        self.max_body_bytes = max_body_bytes

    def cache_key(self) -> str:
        return f"osrm-http:{self.base_url}:{self.profile_url}:{self.max_snap_m}"

    def _get(self, service: str, locations: Sequence[Location], query: str) -> dict[str, Any]:
        """The JSON object a ``service`` request answers; OSRM's own refusals are returned as
        they are (their ``code`` is not ``"Ok"``), everything else that is wrong raises."""
        what = f"osrm-http {service}"
        coords = ";".join(f"{p.lon:.7f},{p.lat:.7f}" for p in locations)
        url = f"{self.base_url}/{service}/v1/{self.profile_url}/{coords}?{query}"
        cap = self.max_body_bytes or (1 << 20) + 64 * len(locations) ** 2
        status, body = _fetch(url, timeout_s=self.timeout_s, max_bytes=cap, what=what)
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deeply
            doc = None
        if not isinstance(doc, dict):
            raise OsrmError(f"{what}: HTTP {status}, and the answer is not a JSON object")
        if status != 200 and doc.get("code") in (None, "Ok"):
            raise OsrmError(f"{what}: HTTP {status}")
        return doc

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE,
               ids: Sequence[str] | None = None) -> TravelMatrix:
        """``/table`` durations (s) and distances (m)."""
        OsrmBackend._check_profile(profile)
        ids_t = _ids(ids, len(locations))
        n = len(locations)
        points = location_points(locations)
        if n == 0:
            z = np.zeros((0, 0), dtype=np.int32)
            return TravelMatrix(z, z, np.zeros(0), profile=profile, ids=ids_t, points=points)
        locs = list(locations) if n > 1 else [locations[0], locations[0]]
        resp = self._get("table", locs, "annotations=duration,distance")
        m = _table_to_matrix(resp, len(locs), ids=ids_t if n > 1 else None, max_snap_m=self.max_snap_m,
                             profile=profile, what="osrm-http table", points=points if n > 1 else None)
        if n == 1:
            return TravelMatrix(m.durations_s[:1, :1], m.distances_m[:1, :1], m.snap_m[:1], profile=profile,
                                ids=ids_t, points=points)
        return m

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """``/route`` geometry from ``a`` to ``b``, endpoints included."""
        OsrmBackend._check_profile(profile)
        doc = self._get("route", [a, b], "overview=full&geometries=geojson")
        return _route_path(doc, a, b, "osrm-http route")


def _fetch(url: str, *, timeout_s: float, max_bytes: int, what: str) -> tuple[int, bytes]:
    """(HTTP status, body) of a GET of ``url``, all of it within ``timeout_s`` and ``max_bytes``.

    A watchdog shuts the socket at the deadline, so a server that trickles bytes cannot stretch
    the request (a socket timeout alone bounds each read, not their sum). Redirects are refused.
    """
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname or "", parts.port, timeout=timeout_s)
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        if conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout_s, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.connect()
        if expired.is_set():
            raise TimeoutError
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""),
                     headers={"Accept": "application/json", "Connection": "close"})
        resp = conn.getresponse()
        length = resp.getheader("Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > max_bytes:
            raise OsrmError(f"{what}: the answer announces {int(length):,} bytes, over the {max_bytes:,}-byte cap")
        chunks, size = [], 0
        while chunk := resp.read(min(1 << 16, max_bytes + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise OsrmError(f"{what}: the answer exceeds the {max_bytes:,}-byte cap")
        if expired.is_set():
            raise TimeoutError
        return resp.status, b"".join(chunks)
    except (OSError, http.client.HTTPException) as exc:
        host = f"{parts.scheme}://{parts.netloc}"
        if expired.is_set() or isinstance(exc, TimeoutError):
            raise OsrmError(f"{what}: {host} gave no complete answer within {timeout_s:g} s") from None
        raise OsrmError(f"{what}: cannot reach {host} or read its answer: {type(exc).__name__}: {exc}"[:400]) \
            from None
    finally:
        watchdog.cancel()
        conn.close()


# ----------------------------------------------------------------------------- a local server
def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def osrm_server(dataset: str | Path, *, port: int | None = None, max_table_size: int = 10_000,
                threads: int = 2, startup_timeout_s: float = 30.0) -> Iterator[str]:
    """Run ``osrm-routed`` on ``127.0.0.1`` for the duration of the ``with`` block; yields its URL."""
    port = port or free_port()
    args = [str(osrm_tool("osrm-routed")), "--algorithm", "mld", "--ip", "127.0.0.1", "--port", str(port),
            "--max-table-size", str(max_table_size), "--max-viaroute-size", str(max_table_size),
            "--threads", str(threads), str(dataset)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise OsrmError(f"osrm-routed exited with {proc.returncode}: {err[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise OsrmError(f"osrm-routed did not listen on port {port} within "
                                    f"{startup_timeout_s} s") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
