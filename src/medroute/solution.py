"""A plan: routes of timed stops, unassigned orders with reasons, and its KPIs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .codec import SECONDS
from .errors import InvalidSolutionError, SchemaError
from .jsonpath import Node, load_document
from .reasons import Reason
from .stats import SolveStats


class StopKind(StrEnum):
    START = "start"
    PICKUP = "pickup"
    DELIVERY = "delivery"
    END = "end"


@dataclass(frozen=True, slots=True)
class Load:
    """What a rider carries after a stop: box weight (g), box volume (ml), parcels, and the
    cool box's parcels and volume (ml)."""

    weight_g: int = 0
    volume_ml: int = 0
    parcels: int = 0
    cold_parcels: int = 0
    cold_volume_ml: int = 0

    def to_json(self) -> list[int]:
        return [self.weight_g, self.volume_ml, self.parcels, self.cold_parcels, self.cold_volume_ml]


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a route; times in seconds from the start of the problem's day.

    ``travel_s`` and ``distance_m`` are the leg that leads here. ``cold`` holds, for every cold
    item on board when service starts here (the one delivered here included), its time out of
    the fridge so far, seconds.
    """

    kind: StopKind
    order: str | None
    arrival_s: int
    start_s: int
    departure_s: int
    travel_s: int = 0
    distance_m: int = 0
    load: Load = field(default_factory=Load)
    cold: tuple[tuple[str, int], ...] = ()

    @property
    def wait_s(self) -> int:
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class Route:
    """A rider's day: a ``start`` stop, pickups and deliveries, and an ``end`` stop."""

    rider: str
    stops: tuple[Stop, ...]

    @property
    def visits(self) -> tuple[Stop, ...]:
        """The pickup and delivery stops."""
        return tuple(s for s in self.stops if s.kind in (StopKind.PICKUP, StopKind.DELIVERY))

    @property
    def travel_s(self) -> int:
        return sum(s.travel_s for s in self.stops)

    @property
    def distance_m(self) -> int:
        return sum(s.distance_m for s in self.stops)

    @property
    def orders(self) -> tuple[str, ...]:
        """Orders delivered on this route, in delivery order."""
        return tuple(s.order for s in self.stops if s.kind == StopKind.DELIVERY and s.order)


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order left out, with the reason code and a sentence."""

    order: str
    reason: Reason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Kpis:
    """Figures of a plan. Times in seconds, distances in metres, cost in Rupiah.

    ``on_time_share`` counts served orders delivered by their soft target (or inside their
    windows when they have none) over **all** orders; ``lead`` is release → door.
    """

    orders: int = 0
    served: int = 0
    unassigned: int = 0
    riders_used: int = 0
    travel_s: int = 0
    distance_m: int = 0
    on_time_share: float = 1.0
    total_late_s: int = 0
    max_late_s: int = 0
    max_cold_exposure_s: int = 0
    cost_rp: float = 0.0
    objective_rp: float = 0.0
    mean_lead_s: float = 0.0
    max_lead_s: int = 0


@dataclass(frozen=True, slots=True)
class TravelSource:
    """The travel a plan was timed with: the travel backend's name (``""`` when unknown) and a
    digest of the durations and distances among the places it visits
    (:func:`medroute.matrices.travel_digest`)."""

    backend: str = ""
    digest: str = ""


@dataclass(frozen=True, repr=False)
class Solution:
    """A plan for a :class:`~medroute.model.Problem`.

    Build one with :func:`medroute.schedule.build_solution` (engines do) or read one with
    :meth:`from_json`; check it with :func:`medroute.check`.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()
    kpis: Kpis = field(default_factory=Kpis)
    engine: str = ""
    seed: int = 0
    solve_time_s: float = 0.0
    notes: tuple[str, ...] = ()
    stats: SolveStats | None = None
    """What stopped the search, with per-stage work and time (:func:`medroute.solve` sets it;
    ``None`` for a plan read from JSON or built by hand)."""
    travel: TravelSource | None = None
    """The travel the plan was made with; :func:`medroute.check` warns when given other travel."""

    @property
    def served(self) -> tuple[str, ...]:
        return tuple(o for r in self.routes for o in r.orders)

    def route_of(self, rider: str) -> Route | None:
        return next((r for r in self.routes if r.rider == rider), None)

    # -- display --------------------------------------------------------------------------------
    def _summary(self) -> list[tuple[str, str]]:
        k = self.kpis
        rows = [("engine", self.engine or "?"), ("served", f"{k.served} of {k.orders} orders"),
                ("unassigned", str(k.unassigned)), ("riders used", str(k.riders_used)),
                ("on time", f"{100 * k.on_time_share:.1f} %"), ("distance", f"{k.distance_m / 1000:,.1f} km"),
                ("riding", f"{k.travel_s / 3600:,.1f} h"), ("cost", f"Rp {k.cost_rp:,.0f}"),
                ("solved in", f"{self.solve_time_s:.1f} s")]
        if self.travel is not None:
            rows.append(("travel", self.travel.backend or "unknown"))
        return rows

    def __repr__(self) -> str:
        k = self.kpis
        return (f"Solution(engine={self.engine!r}, routes={len(self.routes)}, served={k.served}/{k.orders}, "
                f"unassigned={k.unassigned}, on_time={k.on_time_share:.1%}, cost_rp={k.cost_rp:,.0f})")

    def __str__(self) -> str:
        rows = self._summary()
        width = max(len(name) for name, _ in rows)
        lines = [f"{name:<{width}}  {value}" for name, value in rows]
        reasons: dict[str, int] = {}
        for u in self.unassigned:
            reasons[u.reason.value] = reasons.get(u.reason.value, 0) + 1
        if reasons:
            lines.append("unassigned by reason: " + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A small KPI table for notebooks."""
        from html import escape

        body = "".join(f"<tr><th style='text-align:left'>{escape(name)}</th><td>{escape(value)}</td></tr>"
                       for name, value in self._summary())
        return f"<table><caption>medroute plan</caption>{body}</table>"

    # -- JSON -----------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict following ``docs/schema/solution.schema.json`` (stop times in
        :mod:`medroute.codec`'s seconds format)."""
        return {
            "medroute": "solution/1",
            "engine": self.engine,
            "seed": self.seed,
            "solve_time_s": round(self.solve_time_s, 3),
            "notes": list(self.notes),
            "kpis": {k: getattr(self.kpis, k) for k in Kpis.__dataclass_fields__},
            "routes": [
                {"rider": r.rider, "stops": [
                    {"kind": s.kind.value, "order": s.order, "arrival_s": SECONDS.write(s.arrival_s),
                     "start_s": SECONDS.write(s.start_s), "departure_s": SECONDS.write(s.departure_s),
                     "travel_s": s.travel_s, "distance_m": s.distance_m,
                     "load": s.load.to_json(), "cold": [[o, e] for o, e in s.cold]}
                    for s in r.stops]}
                for r in self.routes
            ],
            "unassigned": [{"order": u.order, "reason": u.reason.value, "detail": u.detail}
                           for u in self.unassigned],
            **({"travel": {"backend": self.travel.backend, "digest": self.travel.digest}} if self.travel else {}),
        }

    @classmethod
    def from_json(cls, source: str | Path | dict[str, Any]) -> Solution:
        """Read a solution; errors name the JSON path."""
        root = Node(load_document(source, what="solution")).obj(
            required=("routes",),
            optional=("medroute", "engine", "seed", "solve_time_s", "notes", "kpis", "unassigned", "travel"))
        if root.has("medroute") and root["medroute"].str() != "solution/1":
            raise SchemaError(f"$.medroute: unsupported document version {root['medroute'].value!r}")
        routes = []
        for rn in root["routes"].items():
            rn.obj(required=("rider", "stops"))
            stops = []
            for sn in rn["stops"].items():
                sn.obj(required=("kind", "arrival_s", "start_s", "departure_s"),
                       optional=("order", "travel_s", "distance_m", "load", "cold"))
                try:
                    kind = StopKind(sn["kind"].str())
                except ValueError:
                    raise SchemaError(f"{sn.path}.kind: unknown stop kind {sn['kind'].value!r}") from None
                order = sn["order"].str() if sn.has("order") else None
                if kind in (StopKind.PICKUP, StopKind.DELIVERY) and order is None:
                    raise SchemaError(f"{sn.path}.order: a {kind.value} stop needs an order id")
                load = Load()
                if sn.has("load"):
                    vals = [x.int() for x in sn["load"].items()]
                    if len(vals) != 5:
                        raise SchemaError(f"{sn.path}.load: expected 5 integers")
                    load = Load(*vals)
                cold = []
                if sn.has("cold"):
                    for cn in sn["cold"].items():
                        pair = list(cn.items())
                        if len(pair) != 2:
                            raise SchemaError(f"{cn.path}: expected [order, seconds]")
                        cold.append((pair[0].str(), pair[1].int()))
                stops.append(Stop(
                    kind=kind, order=order, arrival_s=SECONDS.read(sn["arrival_s"]),
                    start_s=SECONDS.read(sn["start_s"]), departure_s=SECONDS.read(sn["departure_s"]),
                    travel_s=sn["travel_s"].int() if sn.has("travel_s") else 0,
                    distance_m=sn["distance_m"].int() if sn.has("distance_m") else 0,
                    load=load, cold=tuple(cold)))
            routes.append(Route(rn["rider"].str(), tuple(stops)))
        unassigned = []
        if root.has("unassigned"):
            for un in root["unassigned"].items():
                un.obj(required=("order", "reason"), optional=("detail",))
                try:
                    reason = Reason(un["reason"].str())
                except ValueError:
                    raise SchemaError(f"{un.path}.reason: unknown reason {un['reason'].value!r}") from None
                unassigned.append(Unassigned(un["order"].str(), reason,
                                             un["detail"].str(empty=True) if un.has("detail") else ""))
        kpis = Kpis()
        if root.has("kpis"):
            kn = root["kpis"].obj(optional=tuple(Kpis.__dataclass_fields__))
            values: dict[str, Any] = {}
            for k, f in Kpis.__dataclass_fields__.items():
                if kn.has(k):
                    values[k] = kn[k].int() if f.type in ("int", int) else kn[k].float()
            kpis = Kpis(**values)
        riders = [r.rider for r in routes]
        if len(set(riders)) != len(riders):
            dup = next(r for r in riders if riders.count(r) > 1)
            raise InvalidSolutionError(f"$.routes: rider {dup!r} has more than one route")
        return cls(
            routes=tuple(routes), unassigned=tuple(unassigned), kpis=kpis,
            engine=root["engine"].str(empty=True) if root.has("engine") else "",
            seed=root["seed"].int() if root.has("seed") else 0,
            solve_time_s=root["solve_time_s"].float() if root.has("solve_time_s") else 0.0,
            notes=tuple(n.str() for n in root["notes"].items()) if root.has("notes") else (),
            travel=_travel_from_json(root["travel"]) if root.has("travel") else None,
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def _travel_from_json(node: Node) -> TravelSource:
    node.obj(optional=("backend", "digest"))
    text = {k: node[k].value if node.has(k) else "" for k in ("backend", "digest")}
    for k, v in text.items():
        if not isinstance(v, str):
            raise SchemaError(f"{node.path}.{k}: expected a string, got {type(v).__name__} {v!r}")
    return TravelSource(**text)
