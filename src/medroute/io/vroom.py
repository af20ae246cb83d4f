"""Read VROOM-style JSON problems (``jobs``, ``shipments``, ``vehicles``) into a :class:`Problem`.

What maps (see ``docs/formats.md``):

- ``vehicles[]`` → riders: ``id``, ``start`` / ``end`` (``[lon, lat]``), ``time_window`` → shift,
  ``capacity`` → the dimensions named by ``dims``, ``speed_factor``, ``profile``, ``description``.
- ``shipments[]`` → orders picked up at ``pickup.location`` (one pharmacy per distinct pickup
  location) and delivered at ``delivery.location``: ``amount`` → ``dims``; pickup
  ``time_windows[0]`` start → release time; delivery ``time_windows`` → delivery windows;
  delivery ``service`` → door service, pickup ``service`` → the pharmacy's handover;
  ``priority`` (0–100) → priority.
- ``jobs[]`` (single-location tasks) → orders delivered at ``location`` and picked up at the
  vehicles' common start (VROOM's ``delivery`` jobs load at the depot); this needs all
  vehicles to start at one place.

Times are integer seconds from midnight of the problem's day. Anything medroute cannot honour
(``skills``, ``breaks``, ``location_index`` without coordinates, ``matrices``, ``steps``,
``max_tasks``, ``max_travel_time``, ``max_distance``, ``costs``, job ``pickup`` amounts) raises
a :class:`~medroute.errors.SchemaError` naming the JSON path, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..defaults import DEFAULT_PROFILE
from ..errors import SchemaError
from ..geo import Location
from ..jsonpath import Node, load_document
from ..model import WHOLE_DAY, Order, Pharmacy, Problem, Rider, TimeWindow

DIMS = ("weight_g", "volume_ml", "parcels")
"""Capacity fields an amount dimension may map to."""

_UNSUPPORTED = ("skills", "breaks", "location_index", "steps", "max_tasks", "max_travel_time", "max_distance",
                "costs", "setup", "pickup")


def _loc(node: Node) -> Location:
    coords = list(node.items())
    if len(coords) != 2:
        raise SchemaError(f"{node.path}: expected [lon, lat]")
    return Location(lat=coords[1].float(), lon=coords[0].float())


def _windows(node: Node) -> tuple[TimeWindow, ...]:
    out = []
    for w in node.items():
        pair = list(w.items())
        if len(pair) != 2:
            raise SchemaError(f"{w.path}: expected [start, end] in seconds")
        out.append(TimeWindow(pair[0].int(), pair[1].int()))
    return tuple(sorted(out, key=lambda t: t.start_s))


def _reject(node: Node, keys: Sequence[str]) -> None:
    for key in keys:
        if node.has(key):
            raise SchemaError(f"{node.path}.{key}: not supported by medroute (see docs/formats.md)")


def _amounts(node: Node, dims: Sequence[str]) -> dict[str, Any]:
    vals = [x.int() for x in node.items()]
    if len(vals) > len(dims):
        raise SchemaError(f"{node.path}: {len(vals)} amount dimensions but only {len(dims)} mapped "
                          f"({', '.join(dims)}); pass dims=...")
    return dict(zip(dims, vals, strict=False))


def read_vroom(source: str | Path | dict[str, Any], *, dims: Sequence[str] = ("parcels",),
               name: str = "vroom") -> Problem:
    """A :class:`Problem` from a VROOM-style document.

    Parameters
    ----------
    source
        A path, a JSON string or a parsed dict.
    dims
        Medroute capacity field for each ``amount`` / ``capacity`` dimension, in order
        (``"weight_g"`` grams, ``"volume_ml"`` millilitres, ``"parcels"``). Unmapped capacity
        fields keep medroute's defaults; orders then occupy 0 of them.
    name
        The problem's name.

    Raises
    ------
    SchemaError
        Malformed or unsupported content; the message names the JSON path.
    InvalidProblemError
        Content that breaks a modelling rule (e.g. a window that ends first).
    """
    for d in dims:
        if d not in DIMS:
            raise SchemaError(f"dims: {d!r} is not one of {list(DIMS)}")
    root = Node(load_document(source, what="vroom problem")).obj(
        required=("vehicles",), optional=("jobs", "shipments", "matrices", "options", "description"))
    _reject(root, ("matrices",))
    zero: dict[str, Any] = dict.fromkeys(dims, 0)
    riders = []
    for vn in root["vehicles"].items():
        _reject(vn, _UNSUPPORTED)
        vn.obj(required=("id", "start"), optional=("end", "capacity", "time_window", "speed_factor", "profile",
                                                   "description", *_UNSUPPORTED))
        kw: dict[str, Any] = {}
        if vn.has("capacity"):
            kw.update(_amounts(vn["capacity"], dims))
        if vn.has("time_window"):
            (tw,) = _windows(Node([vn["time_window"].value], vn["time_window"].path))
            kw["shift"], kw["start_s"] = tw, tw.start_s
        if vn.has("speed_factor"):
            kw["speed_factor"] = vn["speed_factor"].float()
        if vn.has("profile"):
            kw["profile"] = DEFAULT_PROFILE if vn["profile"].str() == "car" else vn["profile"].str()
        riders.append(Rider(str(vn["id"].value), _loc(vn["start"]),
                            end=_loc(vn["end"]) if vn.has("end") else None, **kw))
    if not riders:
        raise SchemaError("$.vehicles: at least one vehicle is required")
    pharmacies: dict[Location, Pharmacy] = {}
    orders: list[Order] = []

    def pharmacy_at(loc: Location, handover_s: int, label: str) -> str:
        if loc not in pharmacies:
            pharmacies[loc] = Pharmacy(f"p{len(pharmacies) + 1}", loc, handover_s=handover_s, name=label)
        return pharmacies[loc].id

    if root.has("jobs"):
        starts = {r.start for r in riders}
        for jn in root["jobs"].items():
            _reject(jn, _UNSUPPORTED)
            jn.obj(required=("id", "location"), optional=("service", "delivery", "amount", "time_windows",
                                                         "priority", "description", *_UNSUPPORTED))
            if len(starts) != 1:
                raise SchemaError(f"{jn.path}: a job is loaded at the depot, but the vehicles start at "
                                  f"{len(starts)} different places")
            ph = pharmacy_at(next(iter(starts)), 0, "depot")
            amount = jn["delivery"] if jn.has("delivery") else jn["amount"]
            orders.append(Order(
                str(jn["id"].value), ph, _loc(jn["location"]),
                windows=_windows(jn["time_windows"]) if jn.has("time_windows") else (WHOLE_DAY,),
                service_s=jn["service"].int() if jn.has("service") else 0,
                priority=jn["priority"].int() if jn.has("priority") else 0,
                **({**zero, **_amounts(amount, dims)} if amount.value is not None else zero)))
    if root.has("shipments"):
        for sn in root["shipments"].items():
            _reject(sn, _UNSUPPORTED[:-1])
            sn.obj(required=("pickup", "delivery"), optional=("amount", "priority", "skills"))
            pn = sn["pickup"].obj(required=("id", "location"), optional=("service", "time_windows", "description"))
            dn = sn["delivery"].obj(required=("id", "location"), optional=("service", "time_windows", "description"))
            release = _windows(pn["time_windows"])[0].start_s if pn.has("time_windows") else 0
            label = pn["description"].str() if pn.has("description") else ""
            ph = pharmacy_at(_loc(pn["location"]), pn["service"].int() if pn.has("service") else 0, label)
            orders.append(Order(
                str(dn["id"].value), ph, _loc(dn["location"]), release_s=release,
                windows=_windows(dn["time_windows"]) if dn.has("time_windows") else (WHOLE_DAY,),
                service_s=dn["service"].int() if dn.has("service") else 0,
                priority=sn["priority"].int() if sn.has("priority") else 0,
                **({**zero, **_amounts(sn["amount"], dims)} if sn.has("amount") else zero)))
    return Problem(tuple(pharmacies.values()), tuple(orders), tuple(riders), name=name, max_trip_m=None)
