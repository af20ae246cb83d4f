"""What happens in a service area during a day, as immutable events the Dispatcher consumes.

Every event carries ``t_s``, the time it happened in seconds from midnight of the problem's day.
Events serialise to plain JSON dicts (``{"event": "picked_up", "t_s": 36000, ...}``) with
:func:`event_to_json` and back with :func:`event_from_json`; orders and riders inside them go
through :mod:`medroute.codec` in its seconds format, so that a round trip is exact.

========================  ====================================================================
event                     meaning
========================  ====================================================================
:class:`OrderCreated`     a prescription handed in; ``order.release_s`` is the estimated ready time
:class:`OrderReleased`    the medicine is ready at the pharmacy (actual release time = ``t_s``)
:class:`OrderCancelled`   the order is cancelled (if on board, the rider brings it back)
:class:`RiderOnline`      a rider starts (or resumes) work at ``location``
:class:`RiderOffline`     a rider stops; what they carry is still delivered first
:class:`RiderPosition`    a position report: the rider is at ``location`` at ``t_s``
:class:`PickedUp`         ``rider`` finished the pickup handover of ``order`` at ``t_s``
:class:`PickupFailed`     ``rider`` reached the pharmacy but could not collect ``order`` (closed, not there)
:class:`Delivered`        door handover done at ``t_s`` (for a returned item: handed back)
:class:`DeliveryFailed`   patient not home: ``retry`` window, or back to the pharmacy
:class:`TravelDelay`      the rider will be ``delay_s`` seconds later than planned
========================  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .codec import (
    SECONDS,
    location_from_json,
    location_to_json,
    order_from_json,
    order_to_json,
    rider_from_json,
    rider_to_json,
    window_from_json,
    window_to_json,
)
from .errors import SchemaError
from .geo import Location
from .jsonpath import Node
from .model import Order, Rider, TimeWindow


@dataclass(frozen=True, slots=True)
class OrderCreated:
    """A new order. ``order.release_s`` is when the medicine is expected to be ready, seconds."""

    kind: ClassVar[str] = "order_created"
    t_s: int
    order: Order
    released: bool = False
    """Whether the medicine is ready already (no :class:`OrderReleased` will follow)."""


@dataclass(frozen=True, slots=True)
class OrderReleased:
    """The medicine of ``order`` is ready at its pharmacy at ``t_s`` (seconds)."""

    kind: ClassVar[str] = "order_released"
    t_s: int
    order: str


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    """``order`` is cancelled at ``t_s``. If it is on board it is taken back to its pharmacy."""

    kind: ClassVar[str] = "order_cancelled"
    t_s: int
    order: str


@dataclass(frozen=True, slots=True)
class RiderOnline:
    """Rider ``rider`` is available at ``location`` from ``t_s``.

    ``spec`` adds a rider the dispatcher did not know (its ``id`` must equal ``rider``);
    ``location=None`` keeps the last known position (or ``spec.start``).
    """

    kind: ClassVar[str] = "rider_online"
    t_s: int
    rider: str
    location: Location | None = None
    spec: Rider | None = None


@dataclass(frozen=True, slots=True)
class RiderOffline:
    """Rider ``rider`` stops taking orders at ``t_s``; items on board are still delivered."""

    kind: ClassVar[str] = "rider_offline"
    t_s: int
    rider: str


@dataclass(frozen=True, slots=True)
class RiderPosition:
    """Rider ``rider`` is at ``location`` at ``t_s`` (a GPS report)."""

    kind: ClassVar[str] = "rider_position"
    t_s: int
    rider: str
    location: Location


@dataclass(frozen=True, slots=True)
class PickedUp:
    """``rider`` finished the pickup handover of ``order`` at ``t_s``: the out-of-fridge clock starts."""

    kind: ClassVar[str] = "picked_up"
    t_s: int
    order: str
    rider: str


@dataclass(frozen=True, slots=True)
class PickupFailed:
    """``rider`` is at the pharmacy of ``order`` at ``t_s`` but could not collect it (the pharmacy
    had closed, the medicine was not there); ``reason`` says why, in words for the log.

    The order stays open; the rider's commitment to it is released and a replan is due.
    """

    kind: ClassVar[str] = "pickup_failed"
    t_s: int
    order: str
    rider: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Delivered:
    """The door handover of ``order`` finished at ``t_s`` (a returned item: handed back at the pharmacy)."""

    kind: ClassVar[str] = "delivered"
    t_s: int
    order: str


@dataclass(frozen=True, slots=True)
class DeliveryFailed:
    """Patient not home at ``t_s``.

    With ``retry`` the rider keeps the item and tries again inside that window (the out-of-fridge
    budget still runs from the real pickup); without it the order fails and the item goes back to
    its pharmacy.
    """

    kind: ClassVar[str] = "delivery_failed"
    t_s: int
    order: str
    retry: TimeWindow | None = None


@dataclass(frozen=True, slots=True)
class TravelDelay:
    """Rider ``rider`` will reach everything ``delay_s`` seconds later than planned (traffic, rain)."""

    kind: ClassVar[str] = "travel_delay"
    t_s: int
    rider: str
    delay_s: int


Event = (OrderCreated | OrderReleased | OrderCancelled | RiderOnline | RiderOffline | RiderPosition
         | PickedUp | PickupFailed | Delivered | DeliveryFailed | TravelDelay)
"""Any dispatch event."""

EVENT_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (OrderCreated, OrderReleased, OrderCancelled, RiderOnline, RiderOffline, RiderPosition,
                PickedUp, PickupFailed, Delivered, DeliveryFailed, TravelDelay)
}
"""Event class by its ``kind`` name."""

# -- events ---------------------------------------------------------------------------------------

def event_to_json(event: Event) -> dict[str, Any]:
    """A JSON-ready dict ``{"event": kind, "t_s": ..., ...}``."""
    d: dict[str, Any] = {"event": event.kind, "t_s": event.t_s}
    match event:
        case OrderCreated():
            d["order"] = order_to_json(event.order, SECONDS)
            d["released"] = event.released
        case RiderOnline():
            d["rider"] = event.rider
            d["location"] = location_to_json(event.location) if event.location is not None else None
            d["spec"] = rider_to_json(event.spec, SECONDS) if event.spec is not None else None
        case RiderPosition():
            d["rider"] = event.rider
            d["location"] = location_to_json(event.location)
        case DeliveryFailed():
            d["order"] = event.order
            d["retry"] = window_to_json(event.retry, SECONDS) if event.retry is not None else None
        case TravelDelay():
            d["rider"] = event.rider
            d["delay_s"] = event.delay_s
        case PickedUp():
            d["order"] = event.order
            d["rider"] = event.rider
        case PickupFailed():
            d["order"] = event.order
            d["rider"] = event.rider
            d["reason"] = event.reason
        case RiderOffline():
            d["rider"] = event.rider
        case OrderReleased() | OrderCancelled() | Delivered():
            d["order"] = event.order
    return d


_EVENT_FIELDS = {"order_created": ("order",), "order_released": ("order",), "order_cancelled": ("order",),
                 "rider_online": ("rider",), "rider_offline": ("rider",), "rider_position": ("rider", "location"),
                 "picked_up": ("order", "rider"), "pickup_failed": ("order", "rider"), "delivered": ("order",),
                 "delivery_failed": ("order",),
                 "travel_delay": ("rider", "delay_s")}


def event_from_json(d: Any) -> Event:
    """Inverse of :func:`event_to_json`; unknown kinds and bad or missing fields raise
    :class:`SchemaError` naming the JSON path."""
    n = Node(d, "event").obj(required=("event", "t_s"), optional=("order", "released", "rider", "location", "spec",
                                                                  "retry", "delay_s", "reason"))
    kind = n["event"].str()
    if kind not in EVENT_TYPES:
        raise SchemaError(f"event: unknown kind {kind!r}; known: {', '.join(EVENT_TYPES)}"[:300])
    for key in _EVENT_FIELDS[kind]:
        if key not in d:
            raise SchemaError(f"event {kind!r}: required property {key!r} is missing")
    t = n["t_s"].int()
    match kind:
        case "order_created":
            return OrderCreated(t, order_from_json(n["order"], SECONDS),
                                n["released"].bool() if n.has("released") else False)
        case "rider_online":
            return RiderOnline(t, n["rider"].str(),
                               location_from_json(n["location"]) if n.has("location") else None,
                               rider_from_json(n["spec"], SECONDS) if n.has("spec") else None)
        case "rider_position":
            return RiderPosition(t, n["rider"].str(), location_from_json(n["location"]))
        case "delivery_failed":
            retry = window_from_json(n["retry"], SECONDS) if n.has("retry") else None
            return DeliveryFailed(t, n["order"].str(), retry)
        case "travel_delay":
            return TravelDelay(t, n["rider"].str(), n["delay_s"].int())
        case "picked_up":
            return PickedUp(t, n["order"].str(), n["rider"].str())
        case "pickup_failed":
            reason = n["reason"].str(empty=True) if n.has("reason") else ""
            return PickupFailed(t, n["order"].str(), n["rider"].str(), reason)
        case "rider_offline":
            return RiderOffline(t, n["rider"].str())
        case "order_released":
            return OrderReleased(t, n["order"].str())
        case "order_cancelled":
            return OrderCancelled(t, n["order"].str())
        case _:
            return Delivered(t, n["order"].str())
