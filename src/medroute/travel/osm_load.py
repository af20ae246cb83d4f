"""Road graphs from files (OSM XML, GraphML, GeoJSON road lines) or, online, from OSM by place or polygon.

Every loader returns a :class:`networkx.MultiDiGraph` in osmnx's convention: nodes carry ``x``
(longitude, degrees) and ``y`` (latitude, degrees); edges carry ``length`` (metres) and, where
known, ``highway``, ``maxspeed``, ``geometry``, ``route`` (a ferry), the access tags a motorbike obeys
(:data:`~medroute.travel.speeds.ACCESS_KEYS`) and the tags that close a way
(:data:`~medroute.travel.speeds.CLOSED_WAY_TAGS`, ``construction``; the way's own ``oneway`` as
:data:`~medroute.travel.speeds.OSM_ONEWAY`); nodes carry ``barrier`` and those access tags.
Two-way roads are two directed edges. OSM data (XML, Overpass JSON, downloads) is read with the
motorbike's one-way rules (:func:`~medroute.travel.speeds.motorbike_oneway`), as the OSRM profile
reads it.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ..errors import MedrouteError, NetworkUnavailableError, require
from ..geo import haversine_m
from .speeds import ACCESS_KEYS, CLOSED_WAY_TAGS, MOTORBIKE_CUSTOM_FILTER, OSM_ONEWAY, motorbike_oneway

logger = logging.getLogger("medroute")

COORD_ROUND_DEG = 1e-6
"""Grid onto which GeoJSON vertices are rounded to find shared nodes, degrees (≈ 0.11 m)."""


class GraphLoadError(MedrouteError, ValueError):
    """A road-graph file could not be read or holds no usable roads."""


def load_graph(path: str | Path) -> nx.MultiDiGraph:
    """Load a road graph from ``.osm``, ``.osm.bz2``, ``.overpass.json[.gz]``, ``.graphml[.gz|.bz2]``
    or ``.geojson[.gz]``.

    OSM XML is read unsimplified (``simplify=False, retain_all=True``) so every OSM node can be a
    snap target, with the motorbike's one-way rules and access tags; GraphML is read as saved.

    Parameters
    ----------
    path
        The file.

    Raises
    ------
    GraphLoadError
        Unknown suffix, or a file without roads.
    MissingDependencyError
        Osmnx is needed (``pip install 'medroute[osm]'``) for OSM/GraphML.
    """
    p = Path(path)
    name = p.name.lower()
    if name.endswith((".osm", ".osm.bz2", ".xml", ".xml.bz2")):
        graph = _parsed(p, lambda: _graph_from_osm_elements(_osm_xml_elements(p), p))
    elif name.endswith((".overpass.json", ".overpass.json.gz")):
        graph = _parsed(p, lambda: graph_from_overpass_json(p))
    elif name.endswith((".graphml", ".graphml.gz", ".graphml.bz2")):
        ox: Any = require("osmnx", "osm")
        graph = _parsed(p, lambda: ox.load_graphml(p))
    elif name.endswith((".geojson", ".geojson.gz", ".json", ".json.gz")):
        graph = _parsed(p, lambda: graph_from_geojson_lines(p))
    else:
        raise GraphLoadError(f"road graph {str(p)!r}: unknown format; expected .osm, .osm.bz2, "
                             ".graphml(.gz/.bz2) or .geojson(.gz)")
    if not isinstance(graph, nx.MultiDiGraph):
        raise GraphLoadError(f"road graph {str(p)!r}: holds a {type(graph).__name__}, not a directed multigraph")
    if graph.number_of_edges() == 0:
        raise GraphLoadError(f"road graph {str(p)!r}: holds no road edges")
    graph.graph.setdefault("source", str(p))
    return graph


def _parsed(path: Path, parse: Any) -> nx.MultiDiGraph:
    """Run a third-party parser on ``path``; its errors (whatever their type) become GraphLoadError."""
    try:
        graph: nx.MultiDiGraph = parse()
    except MedrouteError:
        raise
    except FileNotFoundError:
        raise GraphLoadError(f"road graph {str(path)!r}: file does not exist") from None
    except Exception as exc:  # parsers raise ParseError, KeyError, LookupError, NetworkXError, ...
        raise GraphLoadError(f"road graph {str(path)!r}: not readable ({type(exc).__name__}: {exc})"[:400]) \
            from exc
    return graph


def graph_from_geojson_lines(path: str | Path) -> nx.MultiDiGraph:
    """An undirected road graph (as two directed edges per road) from GeoJSON (Multi)LineStrings.

    Vertices are rounded to :data:`COORD_ROUND_DEG` so that lines sharing a vertex share a node;
    repeated segments (either direction, any feature) become one road. Edge ``length`` is the
    haversine distance in metres. No class, name or one-way is known: every edge gets
    ``highway=None`` and rides at the unknown-class speed.
    """
    p = Path(path)
    opener = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise GraphLoadError(f"road graph {str(p)!r}: not readable GeoJSON ({exc})") from exc
    feats = doc.get("features", [doc]) if isinstance(doc, dict) else []
    segs: list[np.ndarray] = []
    for feat in feats:
        geom = feat.get("geometry") or {}
        kind = geom.get("type")
        lines = [geom.get("coordinates", [])] if kind == "LineString" else (
            geom.get("coordinates", []) if kind == "MultiLineString" else [])
        for line in lines:
            arr = np.asarray(line, dtype=np.float64)
            if arr.ndim == 2 and arr.shape[0] >= 2:
                q = np.rint(arr[:, :2] / COORD_ROUND_DEG).astype(np.int64)
                segs.append(np.hstack([q[:-1], q[1:]]))
    if not segs:
        raise GraphLoadError(f"road graph {str(p)!r}: no LineString or MultiLineString roads")
    seg = np.vstack(segs)
    pts = seg.reshape(-1, 2)
    uniq, inv = np.unique(pts, axis=0, return_inverse=True)
    ends = inv.reshape(-1, 2)
    ends = ends[ends[:, 0] != ends[:, 1]]
    ends = np.unique(np.sort(ends, axis=1), axis=0)
    lon = uniq[:, 0] * COORD_ROUND_DEG
    lat = uniq[:, 1] * COORD_ROUND_DEG
    length = haversine_m(lat[ends[:, 0]], lon[ends[:, 0]], lat[ends[:, 1]], lon[ends[:, 1]])
    graph = nx.MultiDiGraph(crs="epsg:4326", source=str(p))
    graph.add_nodes_from((int(i), {"x": float(lon[i]), "y": float(lat[i])}) for i in range(len(uniq)))
    for (a, b), m in zip(ends.tolist(), length.tolist(), strict=True):
        graph.add_edge(a, b, length=m, highway=None)
        graph.add_edge(b, a, length=m, highway=None)
    return graph


def graph_from_overpass_json(path: str | Path) -> nx.MultiDiGraph:
    """A raw Overpass API JSON response (as osmnx caches it) read as OSM data, unsimplified."""
    p = Path(path)
    opener = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rt", encoding="utf-8") as fh:
            doc = json.load(fh)
        elements = doc["elements"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GraphLoadError(f"road graph {str(p)!r}: not an Overpass JSON response ({exc})") from exc
    return _graph_from_osm_elements(elements, p)


def _osm_xml_elements(path: Path) -> Iterator[dict[str, Any]]:
    """The nodes and ways of an OSM XML file (``.bz2`` or plain) as Overpass JSON elements."""
    import xml.etree.ElementTree as ET

    opener: Any = bz2.open if path.name.lower().endswith(".bz2") else open
    with opener(path, "rb") as fh:
        for _, el in ET.iterparse(fh):
            if el.tag in ("node", "way"):
                tags = {t.get("k"): t.get("v") for t in el.iter("tag")}
                if el.tag == "node":
                    yield {"type": "node", "id": el.get("id"), "lat": el.get("lat"), "lon": el.get("lon"),
                           "tags": tags}
                else:
                    yield {"type": "way", "id": el.get("id"), "tags": tags,
                           "nodes": [nd.get("ref") for nd in el.iter("nd")]}
                el.clear()


def motorbike_way_tags(tags: Mapping[str, Any]) -> dict[str, Any]:
    """A way's tags with ``oneway`` set to the motorbike's direction (``yes``, ``-1`` or ``no``, see
    :func:`~medroute.travel.speeds.motorbike_oneway`), so that osmnx builds the edges a motorbike
    may ride, and the way's own ``oneway`` kept as :data:`~medroute.travel.speeds.OSM_ONEWAY` (osmnx
    replaces ``oneway`` by a bool; ``oneway=reversible`` closes a way); a two-way roundabout loses
    its ``junction`` tag (osmnx makes every roundabout one-way)."""
    out = dict(tags)
    if "oneway" in tags:
        out[OSM_ONEWAY] = tags["oneway"]
    out["oneway"] = motorbike_oneway(tags)
    if out["oneway"] == "no" and out.get("junction") == "roundabout":
        del out["junction"]
    return out


@contextlib.contextmanager
def motorbike_osm_tags(ox: Any) -> Iterator[None]:
    """Within the block osmnx keeps the access tags a motorbike obeys on ways and nodes, the tags
    that close a way (and its own ``oneway``, see :func:`motorbike_way_tags`) and ``route`` (a
    ferry) on ways, and ``barrier`` on nodes (by default it keeps only ``access``, ``area`` and ``service``)."""
    saved = ox.settings.useful_tags_way, ox.settings.useful_tags_node
    way_keys = (*ACCESS_KEYS, *CLOSED_WAY_TAGS, "construction", "route", OSM_ONEWAY)
    ox.settings.useful_tags_way = [*saved[0], *(k for k in way_keys if k not in saved[0])]
    ox.settings.useful_tags_node = [*saved[1], *(k for k in ("barrier", *ACCESS_KEYS) if k not in saved[1])]
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = saved


def _graph_from_osm_elements(elements: Iterable[Mapping[str, Any]], where: str | Path) -> nx.MultiDiGraph:
    """Nodes and ways (Overpass JSON elements) as an unsimplified osmnx graph for the motorbike;
    ``where`` names their source in errors."""
    import tempfile
    from xml.sax.saxutils import quoteattr

    def tag_xml(tags: Mapping[str, Any]) -> str:
        return "".join(f"<tag k={quoteattr(str(k))} v={quoteattr(str(v))}/>" for k, v in tags.items())

    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">']
    for el in elements:
        tags = el.get("tags") or {}
        if el.get("type") == "node":
            parts.append(f'<node id="{int(el["id"])}" lat="{el["lat"]}" lon="{el["lon"]}">{tag_xml(tags)}</node>')
        elif el.get("type") == "way":
            nds = "".join(f'<nd ref="{int(r)}"/>' for r in el.get("nodes", []))
            parts.append(f'<way id="{int(el["id"])}">{nds}{tag_xml(motorbike_way_tags(tags))}</way>')
    parts.append("</osm>\n")
    ox: Any = require("osmnx", "osm")
    with tempfile.TemporaryDirectory() as tmp, motorbike_osm_tags(ox):
        xml = Path(tmp) / "roads.osm"
        xml.write_text("\n".join(parts), encoding="utf-8")
        try:
            graph: nx.MultiDiGraph = ox.graph_from_xml(xml, bidirectional=False, simplify=False,
                                                       retain_all=True)
        except ValueError as exc:
            raise GraphLoadError(f"road graph {str(where)!r}: {exc}") from exc
    return graph


def road_clusters(graph: nx.MultiDiGraph) -> list[int]:
    """Node counts of the graph's weakly connected clusters, largest first."""
    return sorted((len(c) for c in nx.weakly_connected_components(graph)), reverse=True)


def _cache_root(cache_dir: str | Path | None) -> Path:
    from .cache import default_cache_dir

    return Path(cache_dir) if cache_dir is not None else default_cache_dir()


_DOWNLOAD_RULES = "ways read by motorbike_way_tags, with the tags that close a way and route"
"""Part of a download's cache key: how its ways became edges."""


def graph_from_place(query: str | dict[str, str] | Sequence[str], *, cache_dir: str | Path | None = None,
                     custom_filter: str | Sequence[str] = MOTORBIKE_CUSTOM_FILTER) -> nx.MultiDiGraph:
    """Download the motorbike road network of a place from OpenStreetMap (needs the internet once).

    The place's boundary comes from Nominatim (``osmnx.geocode_to_gdf``); its roads are downloaded
    and read as :func:`graph_from_polygon` reads them. The result is saved as GraphML under
    ``<cache_dir>/osm/`` keyed by the query and the filter; later calls read it from disk and never
    touch the network.

    Parameters
    ----------
    query
        A Nominatim place query, e.g. ``"Kecamatan Banyuwangi, Jawa Timur, Indonesia"``.
    cache_dir
        Cache root (default ``$MEDROUTE_CACHE`` or ``~/.cache/medroute``).
    custom_filter
        Overpass QL way filter, or filters (one query each; default: the ways the motorbike rules
        may open, :data:`~medroute.travel.speeds.MOTORBIKE_CUSTOM_FILTER`).

    Raises
    ------
    NetworkUnavailableError
        The graph is not cached and OpenStreetMap cannot be reached.
    GraphLoadError
        The place holds no road the filter keeps, or the Overpass server answered a query with a
        remark (such as a timeout) or with an HTTP error osmnx does not retry (any but 429 and
        504): the graph would be incomplete.
    """
    filters = _filters(custom_filter)
    key = hashlib.sha256(json.dumps(["place", query, filters, _DOWNLOAD_RULES], sort_keys=True).encode()).hexdigest()
    return _cached_download(key, cache_dir, lambda ox: _overpass_graph(
        ox.geocode_to_gdf(query).union_all(), filters, ox, f"OpenStreetMap place {query!r}"))


def graph_from_polygon(polygon: Any, *, cache_dir: str | Path | None = None,
                       custom_filter: str | Sequence[str] = MOTORBIKE_CUSTOM_FILTER) -> nx.MultiDiGraph:
    """Download the motorbike road network inside a shapely (Multi)Polygon in WGS84 degrees.

    The ways come as osmnx downloads them (Overpass, ``custom_filter``) and are read as
    :func:`load_graph` reads an OSM file: unsimplified, with the motorbike's one-way rules
    (:func:`~medroute.travel.speeds.motorbike_oneway`) and access tags; then cut to the polygon
    as osmnx cuts its graphs. Cached as :func:`graph_from_place` is, and refused as it is when
    the Overpass server answers with a remark or an HTTP error.
    """
    filters = _filters(custom_filter)
    key = hashlib.sha256(json.dumps(["polygon", polygon.wkt, filters, _DOWNLOAD_RULES]).encode()).hexdigest()
    return _cached_download(key, cache_dir, lambda ox: _overpass_graph(
        polygon, filters, ox, f"OpenStreetMap polygon {polygon.wkt[:60]}"))


def _filters(custom_filter: str | Sequence[str]) -> list[str]:
    """The way filter(s) as the list osmnx takes (it reads a tuple as no filter)."""
    return [custom_filter] if isinstance(custom_filter, str) else list(custom_filter)


def _overpass_graph(polygon: Any, filters: list[str], ox: Any, where: str) -> nx.MultiDiGraph:
    """The roads inside ``polygon``, downloaded by osmnx and read as the Overpass-file loader reads them.

    osmnx sends its Overpass queries (buffered polygon, subdivision, rate limits) with its
    response cache pointed at a fresh folder and ``cache_only_mode`` on, so it stops before
    building a graph with its own one-way rules; the responses saved there are then read by
    :func:`_graph_from_osm_elements` and the graph cut to ``polygon``.

    An answer with a ``remark`` (a server timeout or memory limit) holds part of its ways at most,
    and osmnx leaves it out of its cache with only a log warning, as it does an HTTP error answer
    with a JSON body (one without raises osmnx's own error); such a download is refused. osmnx
    retries 429 and 504 answers itself.

    Raises
    ------
    GraphLoadError
        Overpass answered a query with a remark or an HTTP error other than 429 and 504, or no
        road node lies inside ``polygon``.
    """
    import tempfile

    remarks: list[str] = []

    def check_answer(response: Any, *_: Any, **__: Any) -> None:
        """Refuse an Overpass HTTP error answer osmnx does not retry, and keep the remark of a
        JSON answer (a requests response hook)."""
        if response.request.method != "POST":  # osmnx only POSTs to Overpass's interpreter
            return
        if not response.ok and response.status_code not in _OSMNX_RETRIES:
            raise GraphLoadError(
                f"road graph {where!r}: the Overpass server answered HTTP {response.status_code} "
                f"{response.reason}: {_server_message(response)!r}; {_INCOMPLETE}, check the "
                "custom_filter if you gave one, or use another Overpass server (osmnx.settings.overpass_url)")
        if b'"remark"' not in response.content:
            return
        try:
            doc = response.json()
        except ValueError:
            return
        if isinstance(doc, dict) and "remark" in doc:
            remarks.append(str(doc["remark"]))

    names = ("use_cache", "cache_folder", "cache_only_mode", "requests_kwargs")
    saved = {name: getattr(ox.settings, name) for name in names}
    hooks = dict(saved["requests_kwargs"].get("hooks") or {})
    theirs = hooks.get("response") or []
    hooks["response"] = [*([theirs] if callable(theirs) else theirs), check_answer]
    with tempfile.TemporaryDirectory() as tmp:
        ox.settings.use_cache, ox.settings.cache_folder, ox.settings.cache_only_mode = True, tmp, True
        ox.settings.requests_kwargs = {**saved["requests_kwargs"], "hooks": hooks}
        try:
            ox.graph_from_polygon(polygon, custom_filter=filters, simplify=False, retain_all=True)
        except InterruptedError:  # osmnx's "responses cached, no graph built"
            pass
        finally:
            for name, value in saved.items():
                setattr(ox.settings, name, value)
        elements = [el for f in sorted(Path(tmp).glob("*.json"))
                    for el in json.loads(f.read_text(encoding="utf-8")).get("elements", [])]
    if remarks:
        more = f" (and {len(remarks) - 1} more)" if len(remarks) > 1 else ""
        raise GraphLoadError(
            f"road graph {where!r}: the Overpass server answered with a remark: {remarks[0][:200]!r}{more}; "
            f"{_INCOMPLETE}, or use another Overpass server (osmnx.settings.overpass_url)")
    graph = _graph_from_osm_elements(elements, where)
    try:
        cut: nx.MultiDiGraph = ox.truncate.truncate_graph_polygon(graph, polygon, truncate_by_edge=False)
    except ValueError as exc:
        raise GraphLoadError(f"road graph {where!r}: no road node inside the area ({exc}); "
                             "check the place or polygon (WGS84 longitude, latitude)") from exc
    return cut


_OSMNX_RETRIES = frozenset({429, 504})
"""HTTP statuses of an Overpass answer that osmnx waits on and asks again."""

_INCOMPLETE = ("the road graph would be incomplete, so it was neither built nor cached. Retry later, ask "
               "for a smaller area")


def _server_message(response: Any) -> str:
    """What an Overpass error answer says: its ``remark``, else its text without HTML markup, from
    the first ``Error`` on (Overpass's error pages open with a licence note)."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get("remark"):
        return str(doc["remark"])[:300]
    text = " ".join(re.sub(r"<head>.*?</head>|<[^>]*>", "", response.text, flags=re.S).split())
    return text[max(text.find("Error"), 0):][:300] or "(no message)"


def _cached_download(key: str, cache_dir: str | Path | None, fetch: Any) -> nx.MultiDiGraph:
    ox: Any = require("osmnx", "osm")
    path = _cache_root(cache_dir) / "osm" / f"{key[:24]}.graphml"
    if path.exists():
        logger.debug("road graph from cache %s", path)
        return ox.load_graphml(path)
    graph = _download(fetch, ox)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.graphml")
    ox.save_graphml(graph, tmp)
    tmp.replace(path)
    return ox.load_graphml(path)


def _download(fetch: Any, ox: Any) -> nx.MultiDiGraph:
    """``fetch(ox)``, turning "no connection" into :class:`~medroute.errors.NetworkUnavailableError`."""
    import requests

    try:
        return fetch(ox)
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        host = getattr(getattr(exc, "request", None), "url", None) or "the OpenStreetMap servers"
        raise NetworkUnavailableError(
            f"downloading a road graph from OpenStreetMap needs the internet, and {host.split('?')[0]} "
            "cannot be reached: build the graph from a file instead, e.g. medroute graph build --file "
            "roads.osm (or .osm.bz2, .overpass.json, .graphml, .geojson); see docs/travel.md") from None
