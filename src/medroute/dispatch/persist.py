"""Saving and restoring the live state: a ``dispatch/1`` JSON document, validated field by field
on the way in, written atomically and durably on the way out."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from ..codec import (
    SECONDS,
    location_from_json,
    location_to_json,
    objective_from_json,
    order_from_json,
    order_to_json,
    pharmacy_from_json,
    pharmacy_to_json,
    rider_from_json,
    rider_to_json,
    window_from_json,
    window_to_json,
)
from ..errors import MedrouteError, SchemaError
from ..jsonpath import Node, load_document
from .state import FINAL, DispatchState, OrderState, OrderStatus, RiderState, Visit

FORMAT = "dispatch/1"
"""The ``"medroute"`` value of a saved state."""

CONFIG_KEYS = ("stability_rp", "engine", "seed", "incremental", "commit_within_s", "day", "timezone",
               "max_trip_m", "objective", "travel_quantile", "behind_s")
"""Keys of a saved state's ``config`` (the first eight are required; older files lack the rest)."""

T = TypeVar("T")


def order_state_to_json(st: OrderState) -> dict[str, Any]:
    """One order's live record as a JSON dict."""
    return {
        "order": order_to_json(st.order, SECONDS), "status": st.status.value, "created_s": st.created_s,
        "released_s": st.released_s, "lock": st.lock, "carrier": st.carrier, "picked_up_s": st.picked_up_s,
        "returning": st.returning, "retry": window_to_json(st.retry, SECONDS) if st.retry is not None else None,
        "relaxed": st.relaxed, "attempts": st.attempts, "done_s": st.done_s, "returned_s": st.returned_s,
        "delivered_by": st.delivered_by,
    }


def rider_state_to_json(rs: RiderState) -> dict[str, Any]:
    """One rider's live record as a JSON dict."""
    return {"rider": rider_to_json(rs.rider, SECONDS), "online": rs.online, "closing": rs.closing,
            "location": location_to_json(rs.location), "time_s": rs.time_s,
            "committed": list(rs.committed) if rs.committed else None,
            "seen": list(rs.seen) if rs.seen is not None else None, "presence_s": rs.presence_s}


def state_to_json(state: DispatchState, config: dict[str, Any]) -> dict[str, Any]:
    """``state`` and the dispatcher's ``config`` as a JSON-ready ``dispatch/1`` dict."""
    return {
        "medroute": FORMAT,
        "now_s": state.now_s,
        "config": config,
        "pharmacies": [pharmacy_to_json(p, SECONDS) for p in state.pharmacies.values()],
        "riders": [rider_state_to_json(rs) for rs in state.riders.values()],
        "orders": [order_state_to_json(st) for st in state.orders.values()],
        "routes": {rid: [list(v) for v in visits] for rid, visits in state.routes.items()},
        "replan_due": state.replan_due,
        "log": list(state.log),
    }


def save_json(doc: dict[str, Any], path: str | Path) -> None:
    """Write ``doc`` to ``path`` atomically and durably.

    The text goes to a uniquely named temporary file in the same directory, is flushed and
    ``fsync``-ed, renamed over ``path`` (atomic), and the directory is ``fsync``-ed: a reader (or
    a crash) sees the old file or the new one, never a mix, also with several writers.
    """
    p = Path(path)
    text = json.dumps(doc, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # not every platform can open a directory
        dfd = os.open(p.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _field(node: Node, parse: Callable[[Node], T]) -> T:
    """``parse(node)`` with any failure reported as a :class:`SchemaError` at ``node.path``."""
    try:
        return parse(node)
    except SchemaError as exc:
        text = str(exc)
        raise SchemaError(text if text.startswith(node.path) else f"{node.path}: {text}") from None
    except (MedrouteError, KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
        raise SchemaError(f"{node.path}: {type(exc).__name__}: {exc}"[:300]) from None


def _opt(node: Node, kind: str) -> Any:
    if node.value is None:
        return None
    return getattr(node, kind)()


def _order_state(n: Node) -> OrderState:
    n.obj(required=("order", "status", "created_s"),
          optional=("released_s", "lock", "carrier", "picked_up_s", "returning", "retry", "relaxed", "attempts",
                    "done_s", "returned_s", "delivered_by"))
    window = _field(n["retry"], lambda x: window_from_json(x, SECONDS)) if n.has("retry") else None
    return OrderState(
        order=_field(n["order"], lambda x: order_from_json(x, SECONDS)),
        status=_field(n["status"], lambda x: OrderStatus(x.value)), created_s=n["created_s"].int(),
        released_s=_opt(n["released_s"], "int"), lock=_opt(n["lock"], "str"), carrier=_opt(n["carrier"], "str"),
        picked_up_s=_opt(n["picked_up_s"], "int"), returning=bool(_opt(n["returning"], "bool")), retry=window,
        relaxed=bool(_opt(n["relaxed"], "bool")), attempts=_opt(n["attempts"], "int") or 0,
        done_s=_opt(n["done_s"], "int"), returned_s=_opt(n["returned_s"], "int"),
        delivered_by=_opt(n["delivered_by"], "str"))


def _rider_state(n: Node) -> RiderState:
    n.obj(required=("rider", "online", "location", "time_s"), optional=("closing", "committed", "seen", "presence_s"))
    c = n["committed"]
    committed = None
    if c.value is not None:
        parts = [x.str() for x in c.items()]
        if len(parts) != 2 or parts[0] not in ("pickup", "delivery"):
            raise SchemaError(f"{c.path}: expected [\"pickup\" or \"delivery\", order id]")
        committed = (parts[0], parts[1])
    return RiderState(rider=_field(n["rider"], lambda x: rider_from_json(x, SECONDS)), online=n["online"].bool(),
                      location=_field(n["location"], location_from_json), time_s=n["time_s"].int(),
                      closing=bool(_opt(n["closing"], "bool")), committed=committed, seen=_seen(n["seen"]),
                      presence_s=_opt(n["presence_s"], "int"))


def _seen(n: Node) -> tuple[int, str] | None:
    if n.value is None:
        return None
    parts = list(n.items())
    if len(parts) != 2:
        raise SchemaError(f"{n.path}: expected [time in seconds, what placed the rider]")
    return parts[0].int(), parts[1].str()


def _visit(n: Node) -> Visit:
    parts = list(n.items())
    if len(parts) != 5 or parts[0].value not in ("pickup", "delivery"):
        raise SchemaError(f"{n.path}: expected [kind, order, leave_s, arrival_s, start_s]")
    return Visit(parts[0].str(), parts[1].str(), parts[2].int(), parts[3].int(), parts[4].int())


def state_from_json(source: str | Path | dict[str, Any]) -> tuple[DispatchState, dict[str, Any]]:
    """A state and its config from a ``dispatch/1`` document (a dict, a JSON string or a path).

    An order saved with a release later than its pickup is restored released at the pickup, logged
    (the pickup shows the medicine was ready).

    Raises
    ------
    SchemaError
        Naming the JSON path of the first field that is missing, mistyped or inconsistent with
        the rest of the state (an unknown rider, an item on board of nobody, ...).
    """
    try:
        doc = load_document(source, what="dispatch state")
    except OSError as exc:
        raise SchemaError(f"dispatch state: cannot read {str(source)[:100]!r}: {exc.strerror}") from None
    root = Node(doc).obj(required=("medroute", "now_s", "config", "pharmacies", "riders", "orders", "routes"),
                         optional=("log", "replan_due"))
    if root["medroute"].value != FORMAT:
        raise SchemaError(f"$.medroute: expected {FORMAT!r}, got {root['medroute'].value!r}")
    cfg = root["config"].obj(required=CONFIG_KEYS[:8], optional=CONFIG_KEYS[8:])
    pharmacies = {p.id: p for p in (_field(x, lambda x: pharmacy_from_json(x, SECONDS))
                                    for x in root["pharmacies"].items())}
    riders = {rs.rider.id: rs for rs in (_rider_state(x) for x in root["riders"].items())}
    orders = {st.id: st for st in (_order_state(x) for x in root["orders"].items())}
    routes_raw = root["routes"].value
    routes_node = root["routes"].obj(optional=tuple(routes_raw) if isinstance(routes_raw, dict) else ())
    routes = {rid: tuple(_visit(v) for v in routes_node[rid].items()) for rid in routes_node.value}
    log = [x.value if isinstance(x.value, str) else x.str() for x in root["log"].items()] \
        if root.has("log") else []
    now = root["now_s"].int()
    for oid, st in orders.items():
        if st.picked_up_s is not None and st.released_s is not None and st.released_s > st.picked_up_s:
            log.append(f"{now}: order {oid!r}: saved as picked up at {st.picked_up_s} s, before its release at "
                       f"{st.released_s} s; released at {st.picked_up_s} s (the pickup shows the medicine was ready)")
            orders[oid] = dataclasses.replace(st, released_s=st.picked_up_s)
    state = DispatchState(pharmacies=pharmacies, riders=riders, orders=orders, routes=routes,
                          now_s=now, commit_within_s=cfg["commit_within_s"].int(),
                          behind_s=cfg["behind_s"].int() if cfg.has("behind_s") else 120,
                          replan_due=bool(_opt(root["replan_due"], "bool")), log=tuple(log))
    _consistent(state, len(doc["pharmacies"]), len(doc["riders"]), len(doc["orders"]))
    return state, dict(cfg.value)


def _consistent(state: DispatchState, n_pharmacies: int, n_riders: int, n_orders: int) -> None:
    """Cross-references and status rules a state made by events always keeps."""
    def fail(path: str, rule: str) -> None:
        raise SchemaError(f"{path}: {rule}")

    for what, n, d in (("pharmacies", n_pharmacies, state.pharmacies), ("riders", n_riders, state.riders),
                       ("orders", n_orders, state.orders)):
        if len(d) != n:
            fail(f"$.{what}", "duplicate id")
    if state.now_s < 0 or state.commit_within_s < 0:
        fail("$", "now_s and commit_within_s must not be negative")
    for i, st in enumerate(state.orders.values()):
        path = f"$.orders[{i}]"
        if st.order.pharmacy not in state.pharmacies:
            fail(path, f"order {st.id!r}: unknown pharmacy {st.order.pharmacy!r}")
        for name in ("lock", "carrier", "delivered_by"):
            rid = getattr(st, name)
            if rid is not None and rid not in state.riders:
                fail(f"{path}.{name}", f"unknown rider {rid!r}")
        if (st.carrier is None) != (st.picked_up_s is None) and st.status == OrderStatus.ON_BOARD:
            fail(path, f"order {st.id!r}: on board needs both carrier and picked_up_s")
        if st.carrier is not None:
            ok = st.status == OrderStatus.ON_BOARD or (st.returning and st.status in FINAL)
            if not ok or st.picked_up_s is None:
                fail(path, f"order {st.id!r}: carried by {st.carrier!r} but {st.status.value}")
            if not state.riders[st.carrier].working:
                fail(path, f"order {st.id!r}: carried by {st.carrier!r}, who is offline")
        elif st.status == OrderStatus.ON_BOARD:
            fail(path, f"order {st.id!r}: on board of nobody")
    for i, rs in enumerate(state.riders.values()):
        if rs.committed is not None:
            st_ = state.orders.get(rs.committed[1])
            if st_ is None or not st_.needs_plan:
                fail(f"$.riders[{i}].committed", f"no open order {rs.committed[1]!r}")
    for rid, visits in state.routes.items():
        if rid not in state.riders:
            fail(f"$.routes.{rid}", f"unknown rider {rid!r}")
        for v in visits:
            if v.order not in state.orders:
                fail(f"$.routes.{rid}", f"unknown order {v.order!r}")


def config_kwargs(cfg: dict[str, Any]) -> dict[str, Any]:
    """The :class:`~medroute.dispatch.Dispatcher` keyword arguments of a saved ``config``, each
    checked for its type (a :class:`SchemaError` names the bad one)."""
    from ..engines.registry import engine_names

    n = Node(cfg, "$.config")
    engine = n["engine"].value
    if engine is not None and engine not in engine_names():
        raise SchemaError(f"$.config.engine: unknown engine {engine!r}; known: {', '.join(engine_names())}")
    objective = _field(n["objective"], objective_from_json)
    day = _field(n["day"], lambda x: date.fromisoformat(x.str()))
    out: dict[str, Any] = {
        "objective": objective, "stability_rp": n["stability_rp"].float(), "engine": engine,
        "seed": n["seed"].int(), "incremental": n["incremental"].bool(), "commit_within_s": n["commit_within_s"].int(),
        "day": day, "timezone": n["timezone"].str(),
        "max_trip_m": None if n["max_trip_m"].value is None else n["max_trip_m"].int(),
    }
    if n.has("travel_quantile"):
        out["travel_quantile"] = n["travel_quantile"].float()
    if n.has("behind_s"):
        out["behind_s"] = n["behind_s"].int()
    return out
