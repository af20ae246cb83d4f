"""The Banyuwangi scenario generator: real pickup sites, patients on real roads, a seeded day.

What is real and what is generated
----------------------------------
* **Pickup sites** are the 20 real health facilities of ``banyuwangi_faskes_20.geojson``
  (:mod:`medroute.scenarios.facilities`; the file ships with the package). The stand-in cities
  (Probolinggo, Surabaya) get synthetic sites chosen deterministically among graph nodes
  (:func:`synthetic_sites`).
* **Roads** are the attribute-less service-area lines around the facilities (15,154 nodes in 9
  clusters, the town core the largest), loaded through :func:`medroute.travel.load_graph`.
  The clusters are not connected in the file; so that one matrix covers every location, each
  pair of clusters is joined by one *bridge*: an edge between their two nearest nodes whose length
  is the straight line × 1.35 (domain.md, Couriers: "road distance ≈ 1.3–1.4 × straight line",
  E), ridden at the unknown-class speed, 30 km/h (E), exactly what the haversine fallback
  assumes. Routing is the travel module's ``osm`` backend (scipy); nothing here routes.
* **Patients** are road nodes of the facility's own cluster whose network distance from the
  facility's road node lies in ``patient_min_m``–``patient_max_m`` (uniform over such nodes:
  denser road networks house more people).
* **Times, parcels, cold items, riders** follow :mod:`medroute.scenarios.params`, each default
  with its domain.md row.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .. import datadir
from ..errors import InvalidProblemError
from ..geo import EARTH_RADIUS_M, Location, haversine_m
from ..model import CoolBox, Order, Pharmacy, Problem, Rider, TimeWindow
from ..travel.base import TravelBackend
from ..travel.graph import GraphBackend
from ..travel.haversine import DETOUR_FACTOR, HaversineBackend
from .facilities import (
    FACILITIES_FILE,
    PANCER_FILE,
    PROBOLINGGO_FILE,
    ROADS_FILE,
    SURABAYA_FILE,
    Facility,
    read_facilities,
)
from .params import ParamValue, seconds
from .population import VILLAGES_FILE, Villages, node_weights, read_villages

BANYUWANGI_PLACE = "Banyuwangi, Jawa Timur, Indonesia"
"""Nominatim query for the whole regency (the ``osmnx-download`` backend)."""
BRIDGE_DETOUR = DETOUR_FACTOR
"""Length of a bridge between road clusters / straight line: domain.md, Couriers, 1.3–1.4 (E) → 1.35."""


class Demand(NamedTuple):
    """Who orders where: the serving site (index into the sites) and the patient's home of each order."""

    site_of: NDArray[np.int64]
    patients: list[Location]


class Generated(NamedTuple):
    """What a scenario builder returns (wrapped into :class:`medroute.scenarios.Scenario`)."""

    problem: Problem
    backend_name: str
    description: str
    travel_backend: TravelBackend


# ---------------------------------------------------------------------------------------------
# Road networks


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A compiled road graph ready for placing patients and computing matrices.

    Attributes
    ----------
    backend
        The travel module's ``osm`` backend on the (bridged) graph.
    cluster
        (N,) road-cluster label of each compiled node (weak components before bridging,
        or strong components for OSM extracts).
    bridges
        Number of straight-line bridge edges added (each in both directions).
    summary
        One sentence on what the graph is, for scenario descriptions.
    anchors
        For sites that were attached by a bridge, the road node their patients are
        measured from (site id → node index).
    """

    backend: GraphBackend
    cluster: NDArray[np.int64]
    bridges: int
    summary: str
    anchors: dict[str, int] = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return self.backend.graph.node_count


def _project(lat: NDArray[np.float64], lon: NDArray[np.float64], lat0: float) -> NDArray[np.float64]:
    """Local equirectangular projection, metres."""
    return np.column_stack([EARTH_RADIUS_M * np.radians(lon) * math.cos(lat0), EARTH_RADIUS_M * np.radians(lat)])


def _node_arrays(graph: nx.MultiDiGraph) -> tuple[list[Any], NDArray[np.float64], NDArray[np.float64]]:
    nodes = list(graph.nodes)
    lat = np.array([float(graph.nodes[n]["y"]) for n in nodes])
    lon = np.array([float(graph.nodes[n]["x"]) for n in nodes])
    return nodes, lat, lon


def _add_bridge(graph: nx.MultiDiGraph, u: Any, v: Any) -> None:
    a, b = graph.nodes[u], graph.nodes[v]
    straight = float(haversine_m(np.array(a["y"]), np.array(a["x"]), np.array(b["y"]), np.array(b["x"])))
    length = max(1.0, straight * BRIDGE_DETOUR)
    for x, y in ((u, v), (v, u)):
        graph.add_edge(x, y, length=length, highway=None, medroute_bridge=True)


def bridge_clusters(graph: nx.MultiDiGraph) -> tuple[dict[Any, int], int]:
    """Join every pair of weakly connected clusters by one bridge between their nearest nodes.

    Mutates ``graph``. Returns the cluster label of every node *before* bridging (0 = largest)
    and the number of bridges added. Bridge length = straight line × :data:`BRIDGE_DETOUR`.
    """
    comps = sorted(nx.weakly_connected_components(graph), key=len, reverse=True)
    label = {n: k for k, comp in enumerate(comps) for n in comp}
    nodes, lat, lon = _node_arrays(graph)
    xy = _project(lat, lon, float(np.radians(np.mean(lat))))
    members = [np.array([i for i, n in enumerate(nodes) if label[n] == k]) for k in range(len(comps))]
    trees = [cKDTree(xy[m]) for m in members]
    bridges = 0
    for i in range(len(comps)):
        for j in range(i + 1, len(comps)):
            dist, idx = trees[i].query(xy[members[j]])
            best = int(np.argmin(dist))
            _add_bridge(graph, nodes[members[i][int(idx[best])]], nodes[members[j][best]])
            bridges += 1
    return label, bridges


def _cluster_of_compiled(backend: GraphBackend, graph: nx.MultiDiGraph, label: dict[Any, int]) -> NDArray[np.int64]:
    by_coord = {(float(d["y"]), float(d["x"])): label[n] for n, d in graph.nodes(data=True)}
    g = backend.graph
    return np.array([by_coord.get((float(a), float(b)), -1) for a, b in zip(g.lat, g.lon, strict=True)],
                    dtype=np.int64)


def _file_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


@lru_cache(maxsize=4)
def _geojson_network(key: tuple[str, int, int]) -> RoadNetwork:
    from ..travel.osm_load import load_graph

    graph = load_graph(key[0])
    nodes_before = graph.number_of_nodes()
    label, bridges = bridge_clusters(graph)
    backend = GraphBackend(graph)
    n_clusters = len(set(label.values()))
    summary = (f"the attribute-less service-area road lines {Path(key[0]).name} ({nodes_before:,} nodes in "
               f"{n_clusters} clusters, every road at 30 km/h), the clusters joined by {bridges} straight-line "
               f"bridges × {BRIDGE_DETOUR}")
    return RoadNetwork(backend, _cluster_of_compiled(backend, graph, label), bridges, summary)


@lru_cache(maxsize=4)
def _osm_network(key: tuple[str, int, int], attach: tuple[Facility, ...] = ()) -> RoadNetwork:
    from ..travel.osm_load import load_graph

    graph = load_graph(key[0])
    return _network_from_graph(graph, f"the OSM extract {Path(key[0]).name}", attach)


def _network_from_graph(graph: nx.MultiDiGraph, what: str, attach: Sequence[Facility] = ()) -> RoadNetwork:
    """A network on an OSM-style graph: clusters are strong components; ``attach`` sites get a bridge."""
    nodes, lat, lon = _node_arrays(graph)
    xy = _project(lat, lon, float(np.radians(np.mean(lat))))
    tree = cKDTree(xy)
    entries: dict[str, Any] = {}
    for site in attach:
        p = _project(np.array([site.location.lat]), np.array([site.location.lon]), float(np.radians(np.mean(lat))))
        _, i = tree.query(p[0])
        entry = nodes[int(i)]
        node_id = f"medroute-site:{site.id}"
        graph.add_node(node_id, x=site.location.lon, y=site.location.lat)
        _add_bridge(graph, node_id, entry)
        entries[site.id] = entry
    backend = GraphBackend(graph)
    cluster = backend.graph.component.astype(np.int64)
    anchors = {}
    for sid, entry in entries.items():
        node, _ = backend.snap([Location(float(graph.nodes[entry]["y"]), float(graph.nodes[entry]["x"]))])
        anchors[sid] = int(node[0])
    n = graph.number_of_nodes() - len(attach)
    summary = f"{what} ({n:,} nodes, motorbike speeds per OSM highway class)"
    if attach:
        summary += f", with {', '.join(s.name for s in attach)} attached by a straight-line bridge × {BRIDGE_DETOUR}"
    return RoadNetwork(backend, cluster, len(attach), summary, anchors)


def _download_network(cache_dir: Path | None) -> RoadNetwork:
    from ..travel import osm_load

    graph = osm_load.graph_from_place(BANYUWANGI_PLACE, cache_dir=cache_dir)
    return _network_from_graph(graph, f"the OSM motorbike network of {BANYUWANGI_PLACE!r} downloaded with osmnx")


# ---------------------------------------------------------------------------------------------
# Placing patients


def band_mask(net: RoadNetwork, sites: Sequence[Facility], *, min_m: float, max_m: float) -> NDArray[np.bool_]:
    """(sites, nodes): whether each road node lies ``min_m``–``max_m`` by road from each site, in its cluster.

    Distances run from the site's road node (its snap, or its bridge's entry node) along the
    fastest path, metres.

    Raises
    ------
    InvalidProblemError
        A site has no road node in the band (the message names it).
    """
    g = net.backend.graph
    anchors = [net.anchors.get(s.id) for s in sites]
    missing = [k for k, a in enumerate(anchors) if a is None]
    if missing:
        snapped, _ = net.backend.snap([sites[k].location for k in missing], [sites[k].id for k in missing])
        for k, node in zip(missing, snapped.tolist(), strict=True):
            anchors[k] = int(node)
    src = np.array(anchors, dtype=np.int64)
    _, length_m = g.fastest_from(src)
    mask: NDArray[np.bool_] = (np.isfinite(length_m) & (net.cluster[None, :] == net.cluster[src][:, None])
                               & (length_m >= min_m) & (length_m <= max_m))
    for k, row in enumerate(mask):
        if not row.any():
            raise InvalidProblemError(
                f"scenario: site {sites[k].id!r} has no road node {min_m:.0f}–{max_m:.0f} m away in its cluster")
    return mask


def _locations(net: RoadNetwork, nodes: NDArray[np.int64]) -> list[Location]:
    g = net.backend.graph
    return [Location(float(g.lat[i]), float(g.lon[i])) for i in nodes.tolist()]


def draw_uniform(net: RoadNetwork, sites: Sequence[Facility], weights: NDArray[np.float64], n: int, *,
                 min_m: float, max_m: float, rng: np.random.Generator) -> Demand:
    """Demand by site: each order picks its site ∝ ``weights``, then a home uniform over the site's band.

    Homes are drawn without replacement per site while enough band nodes remain (the days before
    demand by population; ``demand="uniform"`` reproduces them).
    """
    site_of = rng.choice(len(sites), size=n, p=weights / weights.sum())
    counts = np.bincount(site_of, minlength=len(sites))
    active = [k for k in range(len(sites)) if counts[k] > 0]
    homes: dict[int, list[Location]] = {}
    if active:
        mask = band_mask(net, [sites[k] for k in active], min_m=min_m, max_m=max_m)
        for row, k in enumerate(active):
            cand = np.flatnonzero(mask[row])
            pick = rng.choice(cand, size=int(counts[k]), replace=bool(counts[k] > cand.size))
            homes[k] = _locations(net, pick)
    cursor = dict.fromkeys(active, 0)
    patient = []
    for k in site_of.tolist():
        patient.append(homes[k][cursor[k]])
        cursor[k] += 1
    return Demand(site_of, patient)


def draw_by_population(net: RoadNetwork, sites: Sequence[Facility], weights: NDArray[np.float64], n: int, *,
                       villages: Villages, min_m: float, max_m: float, rng: np.random.Generator) -> Demand:
    """Demand by population: a home first, then the facility that serves it.

    The candidate homes are the road nodes in some site's band that lie in a village. Each is
    weighted by its village's population over the village's number of candidate nodes
    (:func:`~medroute.scenarios.population.node_weights`), so every village the roads reach gets
    orders in proportion to its population. Each order then goes to one of the sites whose band
    holds its home, chosen ∝ ``weights`` (a regency hospital 3 × a puskesmas by default).
    Homes are drawn with replacement (two patients may share a road node).

    Raises
    ------
    InvalidProblemError
        No band node of any site lies in a village.
    """
    mask = band_mask(net, sites, min_m=min_m, max_m=max_m)
    cand = np.flatnonzero(mask.any(axis=0))
    g = net.backend.graph
    w = node_weights(villages.locate(g.lat[cand], g.lon[cand]), villages.population)
    cand, w = cand[w > 0], w[w > 0]
    if cand.size == 0:
        raise InvalidProblemError("scenario: no road node near the sites lies in a village with population")
    home = rng.choice(cand, size=n, p=w / w.sum())
    share = mask[:, home] * weights[:, None]
    cum = np.cumsum(share, axis=0)
    site_of = (cum < rng.uniform(size=n) * cum[-1]).sum(axis=0).astype(np.int64)
    return Demand(site_of, _locations(net, home))


def synthetic_sites(net: RoadNetwork, k: int, city: str) -> tuple[Facility, ...]:
    """``k`` pickup sites on graph nodes, deterministic (no randomness): the main component's node
    nearest to each cell centre of a grid over the central 70 % of its extent, distinct nodes."""
    g = net.backend.graph
    main = int(np.argmax(np.bincount(net.cluster[net.cluster >= 0])))
    idx = np.flatnonzero(net.cluster == main)
    lat, lon = g.lat[idx], g.lon[idx]
    lat0 = float(np.radians(np.mean(lat)))
    tree = cKDTree(_project(lat, lon, lat0))
    rows = max(1, math.isqrt(k))
    cols = math.ceil(k / rows)
    (la, lb), (oa, ob) = np.quantile(lat, [0.15, 0.85]), np.quantile(lon, [0.15, 0.85])
    taken: set[int] = set()
    out: list[Facility] = []
    slug = city.lower().replace(" ", "-")
    for r in range(rows):
        for c in range(cols):
            if len(out) == k:
                break
            cy = la + (lb - la) * (r + 0.5) / rows
            cx = oa + (ob - oa) * (c + 0.5) / cols
            _, near = tree.query(_project(np.array([cy]), np.array([cx]), lat0)[0], k=min(16, idx.size))
            node = next(int(idx[j]) for j in np.atleast_1d(near).tolist() if int(idx[j]) not in taken)
            taken.add(node)
            n = len(out) + 1
            out.append(Facility(f"{slug}-site-{n:02d}", f"{city} site {n} (synthetic)", "hospital",
                                Location(float(g.lat[node]), float(g.lon[node]))))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# The generator


def _site_weight(site: Facility, values: dict[str, ParamValue]) -> float:
    w = values[f"weight_{site.kind}"]
    assert isinstance(w, (int, float))
    return float(w)


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Integer shares of ``total`` proportional to ``weights``; ties go to the earlier entry."""
    s = float(sum(weights))
    if s <= 0:
        return [total] + [0] * (len(weights) - 1)
    raw = [total * w / s for w in weights]
    base = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return base


def _int(values: dict[str, ParamValue], name: str) -> int:
    v = values[name]
    assert isinstance(v, (int, float))
    return int(v)


def _float(values: dict[str, ParamValue], name: str) -> float:
    v = values[name]
    assert isinstance(v, (int, float))
    return float(v)


Drawer = Callable[[NDArray[np.float64], int, np.random.Generator], Demand]
"""``draw(site_weights, orders, rng)`` → which site serves each order and where its patient lives."""


def generate_problem(scenario: str, sites: Sequence[Facility], draw: Drawer, values: dict[str, ParamValue],
                     rng: np.random.Generator) -> Problem:
    """One seeded day: orders at ``sites``, patients from ``draw``, riders at the sites' shelters.

    Parameters
    ----------
    scenario
        The problem's name.
    sites
        Pickup sites in priority order (regency hospitals first): ties in order and rider
        allocation go to the earlier site.
    draw
        The demand: ``draw(site_weights, orders, rng)`` (:func:`draw_uniform`, :func:`draw_by_population`).
    values
        Resolved parameters (:func:`medroute.scenarios.params.resolve`).
    rng
        Consumed in a fixed order, so the same seed gives the same problem.
    """
    n = _int(values, "orders")
    demand = draw(np.array([_site_weight(s, values) for s in sites]), n, rng)
    site_of, patient = demand.site_of, demand.patients
    counts = np.bincount(site_of, minlength=len(sites)).tolist()

    t0, peak, t1 = (seconds(values, x) for x in ("consult_start", "consult_peak", "consult_end"))
    consult = rng.triangular(t0, peak, t1, size=n)
    ready = rng.uniform(_int(values, "ready_min_s"), _int(values, "ready_max_s"), size=n)
    rel_lo, rel_hi = seconds(values, "release_start"), seconds(values, "release_end")
    release = np.clip(np.rint((consult + ready) / 60.0) * 60, rel_lo, rel_hi).astype(np.int64)
    n_cold = round(_float(values, "cold_share") * n)
    cold = np.zeros(n, dtype=bool)
    cold[rng.choice(n, size=n_cold, replace=False)] = True
    wmin, wmax = _int(values, "weight_min_g"), _int(values, "weight_max_g")
    weight = (np.rint(rng.uniform(wmin, wmax, size=n) / 10.0) * 10).clip(wmin, wmax).astype(np.int64)
    slot_u = rng.uniform(size=n)
    slot_pick = rng.uniform(size=n)

    deadline = seconds(values, "deadline")
    slot_s = _int(values, "slot_s")
    target_after = _int(values, "target_after_s")
    ml_per_g = _float(values, "ml_per_g")
    cold_class = str(values["cold_temperature"])
    order_rank = sorted(range(n), key=lambda i: (int(release[i]), int(site_of[i]), i))
    width = max(4, len(str(n)))
    orders: list[Order] = []
    for rank, i in enumerate(order_rank, start=1):
        rel = int(release[i])
        windows = (TimeWindow(rel, deadline),)
        target: int | None = rel + target_after
        first = -(-(rel + 3600) // 3600) * 3600
        last = deadline - slot_s
        if slot_u[i] < _float(values, "slot_share") and slot_s > 0 and first <= last:
            start = first + 3600 * int(slot_pick[i] * ((last - first) // 3600 + 1))
            windows = (TimeWindow(start, start + slot_s),)
            target = None  # the booked slot is the promise: anywhere inside it is on time
        orders.append(Order(
            id=f"rx-{rank:0{width}d}", pharmacy=sites[int(site_of[i])].id, location=patient[i], release_s=rel,
            windows=windows, latest_s=deadline, target_s=target, weight_g=int(weight[i]),
            volume_ml=round(int(weight[i]) * ml_per_g),
            temperature=cold_class if cold[i] else "ambient"))

    n_riders = values["riders"]
    riders_total = (int(n_riders) if isinstance(n_riders, int)
                    else max(1, math.ceil(n / _float(values, "orders_per_rider"))))
    per_site = _largest_remainder(riders_total, [float(c) for c in counts])
    slots = sorted(((r, k) for k, c in enumerate(per_site) for r in range(c)))
    n_cool = round(_float(values, "coolbox_share") * riders_total)
    if n_cold and n_cool == 0:
        n_cool = 1
    cool_slots = set(slots[:n_cool])
    shift = TimeWindow(seconds(values, "shift_start"), seconds(values, "shift_end"))
    rwidth = max(2, len(str(riders_total)))
    riders: list[Rider] = []
    for k, c in enumerate(per_site):
        for r in range(c):
            riders.append(Rider(
                id=f"rider-{len(riders) + 1:0{rwidth}d}", start=sites[k].location, start_s=shift.start_s,
                shift=shift, coolbox=CoolBox() if (r, k) in cool_slots else None))
    opening = (TimeWindow(seconds(values, "pharmacy_open"), seconds(values, "pharmacy_close")),)
    pharmacies = tuple(Pharmacy(id=s.id, location=s.location, opening=opening, name=s.name) for s in sites)
    return Problem(pharmacies=pharmacies, orders=tuple(orders), riders=tuple(riders),
                   day=date.fromisoformat(str(values["day"])), max_trip_m=_int(values, "max_trip_m"),
                   name=scenario)


def rng_for(scenario: str, seed: int) -> np.random.Generator:
    """The generator of ``scenario`` at ``seed`` (the name is mixed in so scenarios differ)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(scenario.encode())]))


# ---------------------------------------------------------------------------------------------
# Scenario builders


def _require(data_dir: Path | None, rel: str, scenario: str) -> Path:
    return datadir.data_file(rel, data_dir, needed_by=f"scenario {scenario!r}")


def _travel(net: RoadNetwork | None, backend: str, cache_dir: Path | None) -> tuple[str, TravelBackend]:
    """The scenario's travel backend and its name; the matrix is computed when first asked for
    (:attr:`medroute.scenarios.Scenario.matrix`): a day planned in parts never needs it."""
    travel: TravelBackend
    if backend in ("osm", "osmnx-download", "auto") and net is not None:
        travel, name = net.backend, "osm"
    else:
        travel, name = HaversineBackend(), "haversine"
    if cache_dir is not None:
        from ..travel.cache import CachedBackend

        travel = CachedBackend(travel, cache_dir)
    return name, travel


def _band(values: dict[str, ParamValue]) -> tuple[float, float]:
    return _float(values, "patient_min_m"), _float(values, "patient_max_m")


def _counts_text(problem: Problem) -> str:
    cold = sum(o.is_cold for o in problem.orders)
    cool = sum(r.coolbox is not None for r in problem.riders)
    sites = len(problem.pharmacies)
    return (f"{len(problem.orders)} orders ({cold} cold) at {sites} pickup site{'s' if sites != 1 else ''}, "
            f"{len(problem.riders)} riders ({cool} with a cool box)")


def build_banyuwangi(scenario: str, *, which: str, seed: int, data_dir: Path | None, backend: str,
                     values: dict[str, ParamValue], cache_dir: Path | None) -> Generated:
    """``historic`` (``which="rsud"``: the two RSUDs) or ``expanded``/``surge`` (``which="all"``)."""
    rng = rng_for(scenario, seed)
    lo, hi = _band(values)
    fac_path = _require(data_dir, FACILITIES_FILE, scenario)
    facilities = read_facilities(fac_path)
    sites = tuple(f for f in facilities if f.kind == "rsud") if which == "rsud" else facilities
    if backend == "osmnx-download":
        net = _download_network(cache_dir)
        where = f"travel and patient placement on {net.summary}"
    else:
        net = _geojson_network(_file_key(_require(data_dir, ROADS_FILE, scenario)))
        where = (f"patients lie on road nodes {lo:.0f}–{hi:.0f} m by road from their facility, inside its cluster "
                 f"of the road geometry shipped with medroute: {net.summary}")
    problem = generate_problem(scenario, sites, _drawer(net, sites, values, data_dir, scenario), values, rng)
    name, travel = _travel(net, backend, cache_dir)
    desc = (f"Banyuwangi {scenario!r} (seed {seed}): {_counts_text(problem)}. Pickup sites are real facilities from "
            f"{fac_path.name} (a student WebGIS, qgis2web; not OSM); {where}; {_demand_text(values)}. "
            f"{_travel_text(name)}")
    return Generated(problem, name, desc, travel)


def _drawer(net: RoadNetwork, sites: Sequence[Facility], values: dict[str, ParamValue], data_dir: Path | None,
            scenario: str) -> Drawer:
    """The scenario's demand: ``values["demand"]`` is ``"population"`` or ``"uniform"``."""
    lo, hi = _band(values)
    if values["demand"] == "uniform":
        return lambda w, n, r: draw_uniform(net, sites, w, n, min_m=lo, max_m=hi, rng=r)
    villages = read_villages(_require(data_dir, VILLAGES_FILE, scenario))
    return lambda w, n, r: draw_by_population(net, sites, w, n, villages=villages, min_m=lo, max_m=hi, rng=r)


def _demand_text(values: dict[str, ParamValue]) -> str:
    if values["demand"] == "uniform":
        return ("each order picks its facility by weight, then a home uniform over that facility's band "
                "(demand='uniform')")
    return ("homes follow village population (2010 census, banyuwangi_desa_population; each road node weighted by its "
            "village's population over the village's road nodes), each order served by a facility whose band holds "
            "the home, chosen by weight")


def _travel_text(name: str) -> str:
    return "Travel: the osm backend on that graph." if name == "osm" else "Travel: haversine (chosen by backend=)."


def nearest_facility(facilities: Sequence[Facility], to: Location) -> Facility:
    """The facility nearest ``to`` in straight line."""
    lat = np.array([f.location.lat for f in facilities])
    lon = np.array([f.location.lon for f in facilities])
    return facilities[int(np.argmin(haversine_m(lat, lon, np.full_like(lat, to.lat), np.full_like(lon, to.lon))))]


PANCER_CENTRE = Location(-8.5886, 114.0249)
"""Centre of the Pancer OSM extract's node bbox (SOURCES.md: 113.9971–114.0586 E, 8.6033–8.5675 S)."""


def build_pancer(*, seed: int, data_dir: Path | None, backend: str, values: dict[str, ParamValue],
                 cache_dir: Path | None) -> Generated:
    """A handful of south-coast patients at Pancer, served from the nearest facility in the file.

    The nearest of the 20 facilities to the extract is Puskesmas Tegalsari (~21 km straight
    line, ~29 km by the bridge); RSUD Genteng, which domain.md names for the south, is ~29 km
    straight (~39 km), too close to the 40 km limit once the ride inside Pancer is added. The
    facility is joined to the extract's nearest node by one straight-line bridge × 1.35.
    """
    rng = rng_for("pancer", seed)
    fac = nearest_facility(read_facilities(_require(data_dir, FACILITIES_FILE, "pancer")), PANCER_CENTRE)
    net = _osm_network(_file_key(_require(data_dir, PANCER_FILE, "pancer")), (fac,))
    lo, hi = _band(values)
    problem = generate_problem("pancer", (fac,), _drawer(net, (fac,), values, data_dir, "pancer"), values, rng)
    name, travel = _travel(net, backend, cache_dir)
    desc = (f"Pancer (Kec. Pesanggaran, south coast; seed {seed}): {_counts_text(problem)}. The pickup site is "
            f"{fac.name}, the nearest of the 20 real facilities to the extract; patients lie on road nodes "
            f"{lo:.0f}–{hi:.0f} m by road from where the bridge enters {net.summary} (© OpenStreetMap contributors, "
            f"ODbL; snapshot 2024-06-25); {_demand_text(values)}. {_travel_text(name)}")
    return Generated(problem, name, desc, travel)


STAND_INS = {"probolinggo": (PROBOLINGGO_FILE, "Probolinggo"), "surabaya": (SURABAYA_FILE, "Surabaya")}
"""Stand-in city scenarios: data file and city name."""


def build_stand_in(scenario: str, *, seed: int, data_dir: Path | None, backend: str, values: dict[str, ParamValue],
                   cache_dir: Path | None) -> Generated:
    """The same generator on another East Java town's OSM graph, with synthetic pickup sites."""
    rel, city = STAND_INS[scenario]
    rng = rng_for(scenario, seed)
    net = _osm_network(_file_key(_require(data_dir, rel, scenario)))
    sites = synthetic_sites(net, _int(values, "synthetic_sites"), city)
    lo, hi = _band(values)
    problem = generate_problem(scenario, sites, _drawer(net, sites, values, data_dir, scenario), values, rng)
    name, travel = _travel(net, backend, cache_dir)
    desc = (f"{city} stand-in (NOT Banyuwangi; seed {seed}): {_counts_text(problem)}. {len(sites)} synthetic pickup "
            f"sites on graph nodes (a grid over the central 70 % of {net.summary}, © OpenStreetMap contributors, "
            f"ODbL); patients on road nodes {lo:.0f}–{hi:.0f} m by road from their site. "
            f"{_travel_text(name)}")
    return Generated(problem, name, desc, travel)
