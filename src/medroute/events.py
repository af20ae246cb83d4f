"""What happens in a service area during a day, as immutable events the Dispatcher consumes.

Every event carries ``t_s``, the time it happened in seconds from midnight of the problem's day.
Events serialise to plain JSON dicts (``{"event": "picked_up", "t_s": 36000, ...}``) with
:func:`event_to_json` and back with :func:`event_from_json`; orders and riders inside them use
integer seconds, grams and millilitres so that a round trip is exact.

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
:class:`Delivered`        door handover done at ``t_s`` (for a returned item: handed back)
:class:`DeliveryFailed`   patient not home: ``retry`` window, or back to the pharmacy
:class:`TravelDelay`      the rider will be ``delay_s`` seconds later than planned
========================  ====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import SchemaError
from .geo import Location
from .model import CoolBox, Order, Pharmacy, Rider, TimeWindow


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
         | PickedUp | Delivered | DeliveryFailed | TravelDelay)
"""Any dispatch event."""

EVENT_TYPES: dict[str, type[Any]] = {
    cls.kind: cls
    for cls in (OrderCreated, OrderReleased, OrderCancelled, RiderOnline, RiderOffline, RiderPosition,
                PickedUp, Delivered, DeliveryFailed, TravelDelay)
}
"""Event class by its ``kind`` name."""


# -- JSON of the model parts (integer seconds, exact round trip) --------------------------------

def location_to_json(loc: Location) -> list[float]:
    """``[lat, lon]`` in degrees."""
    return [loc.lat, loc.lon]


def location_from_json(value: Any, where: str = "location") -> Location:
    if not isinstance(value, list) or len(value) != 2:
        raise SchemaError(f"{where}: expected [lat, lon], got {value!r}")
    return Location(float(value[0]), float(value[1]))


def _windows_to_json(ws: tuple[TimeWindow, ...]) -> list[list[int]]:
    return [[w.start_s, w.end_s] for w in ws]


def _windows_from_json(value: Any, where: str) -> tuple[TimeWindow, ...]:
    if not isinstance(value, list):
        raise SchemaError(f"{where}: expected a list of [start_s, end_s]")
    return tuple(TimeWindow(int(a), int(b)) for a, b in value)


_ORDER_FIELDS = ("release_s", "latest_s", "target_s", "weight_g", "volume_ml", "parcels", "temperature",
                 "max_ride_s", "priority", "required", "penalty", "service_s", "picked_up_by", "picked_up_s",
                 "rider")


def order_to_json(o: Order) -> dict[str, Any]:
    """An order as a JSON dict, times in integer seconds."""
    d: dict[str, Any] = {"id": o.id, "pharmacy": o.pharmacy, "location": location_to_json(o.location),
                         "windows": _windows_to_json(o.windows)}
    for name in _ORDER_FIELDS:
        d[name] = getattr(o, name)
    return d


def order_from_json(d: dict[str, Any]) -> Order:
    """Inverse of :func:`order_to_json`."""
    try:
        kw = {name: d[name] for name in _ORDER_FIELDS if name in d}
        return Order(id=d["id"], pharmacy=d["pharmacy"], location=location_from_json(d["location"]),
                     windows=_windows_from_json(d["windows"], f"order {d['id']!r}: windows"), **kw)
    except KeyError as exc:
        raise SchemaError(f"order: missing field {exc.args[0]!r}") from None


def rider_to_json(r: Rider) -> dict[str, Any]:
    """A rider as a JSON dict, times in integer seconds."""
    return {
        "id": r.id, "start": location_to_json(r.start), "start_s": r.start_s,
        "end": location_to_json(r.end) if r.end is not None else None,
        "shift": [r.shift.start_s, r.shift.end_s], "max_work_s": r.max_work_s,
        "weight_g": r.weight_g, "volume_ml": r.volume_ml, "parcels": r.parcels,
        "coolbox": None if r.coolbox is None else [r.coolbox.parcels, r.coolbox.volume_ml, r.coolbox.hold_s],
        "profile": r.profile, "speed_factor": r.speed_factor,
    }


def rider_from_json(d: dict[str, Any]) -> Rider:
    """Inverse of :func:`rider_to_json`."""
    try:
        box = d.get("coolbox")
        return Rider(
            id=d["id"], start=location_from_json(d["start"]), start_s=int(d["start_s"]),
            end=location_from_json(d["end"]) if d.get("end") is not None else None,
            shift=TimeWindow(int(d["shift"][0]), int(d["shift"][1])), max_work_s=d.get("max_work_s"),
            weight_g=int(d["weight_g"]), volume_ml=int(d["volume_ml"]), parcels=int(d["parcels"]),
            coolbox=CoolBox(int(box[0]), int(box[1]), int(box[2])) if box is not None else None,
            profile=str(d["profile"]), speed_factor=float(d["speed_factor"]),
        )
    except KeyError as exc:
        raise SchemaError(f"rider: missing field {exc.args[0]!r}") from None


def pharmacy_to_json(p: Pharmacy) -> dict[str, Any]:
    """A pharmacy as a JSON dict, times in integer seconds."""
    return {"id": p.id, "location": location_to_json(p.location), "opening": _windows_to_json(p.opening),
            "handover_s": p.handover_s, "name": p.name}


def pharmacy_from_json(d: dict[str, Any]) -> Pharmacy:
    """Inverse of :func:`pharmacy_to_json`."""
    return Pharmacy(id=d["id"], location=location_from_json(d["location"]),
                    opening=_windows_from_json(d["opening"], f"pharmacy {d['id']!r}: opening"),
                    handover_s=int(d["handover_s"]), name=str(d.get("name", "")))


# -- events ---------------------------------------------------------------------------------------

def event_to_json(event: Event) -> dict[str, Any]:
    """A JSON-ready dict ``{"event": kind, "t_s": ..., ...}``."""
    d: dict[str, Any] = {"event": event.kind, "t_s": event.t_s}
    match event:
        case OrderCreated():
            d["order"] = order_to_json(event.order)
            d["released"] = event.released
        case RiderOnline():
            d["rider"] = event.rider
            d["location"] = location_to_json(event.location) if event.location is not None else None
            d["spec"] = rider_to_json(event.spec) if event.spec is not None else None
        case RiderPosition():
            d["rider"] = event.rider
            d["location"] = location_to_json(event.location)
        case DeliveryFailed():
            d["order"] = event.order
            d["retry"] = [event.retry.start_s, event.retry.end_s] if event.retry is not None else None
        case TravelDelay():
            d["rider"] = event.rider
            d["delay_s"] = event.delay_s
        case PickedUp():
            d["order"] = event.order
            d["rider"] = event.rider
        case RiderOffline():
            d["rider"] = event.rider
        case OrderReleased() | OrderCancelled() | Delivered():
            d["order"] = event.order
    return d


def event_from_json(d: dict[str, Any]) -> Event:
    """Inverse of :func:`event_to_json`; unknown kinds and missing fields raise :class:`SchemaError`."""
    kind = d.get("event")
    if kind not in EVENT_TYPES:
        raise SchemaError(f"event: unknown kind {kind!r}; known: {', '.join(EVENT_TYPES)}")
    try:
        t = int(d["t_s"])
        match kind:
            case "order_created":
                return OrderCreated(t, order_from_json(d["order"]), bool(d.get("released", False)))
            case "rider_online":
                loc = d.get("location")
                spec = d.get("spec")
                return RiderOnline(t, d["rider"], location_from_json(loc) if loc is not None else None,
                                   rider_from_json(spec) if spec is not None else None)
            case "rider_position":
                return RiderPosition(t, d["rider"], location_from_json(d["location"]))
            case "delivery_failed":
                retry = d.get("retry")
                return DeliveryFailed(t, d["order"], TimeWindow(int(retry[0]), int(retry[1])) if retry else None)
            case "travel_delay":
                return TravelDelay(t, d["rider"], int(d["delay_s"]))
            case "picked_up":
                return PickedUp(t, d["order"], d["rider"])
            case "rider_offline":
                return RiderOffline(t, d["rider"])
            case "order_released":
                return OrderReleased(t, d["order"])
            case "order_cancelled":
                return OrderCancelled(t, d["order"])
            case _:
                return Delivered(t, d["order"])
    except KeyError as exc:
        raise SchemaError(f"event {kind!r}: missing field {exc.args[0]!r}") from None
