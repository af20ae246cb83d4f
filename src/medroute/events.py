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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from .errors import InvalidProblemError, SchemaError
from .geo import Location
from .jsonpath import Node
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

T = TypeVar("T")


# -- JSON of the model parts (integer seconds, exact round trip) --------------------------------

def location_to_json(loc: Location) -> list[float]:
    """``[lat, lon]`` in degrees."""
    return [loc.lat, loc.lon]


def location_from_json(value: Any, where: str = "location") -> Location:
    """Inverse of :func:`location_to_json`."""
    n = Node(value, where)
    parts = list(n.items())
    if len(parts) != 2:
        raise SchemaError(f"{where}: expected [lat, lon], got {value!r}"[:300])
    return _built(n, lambda: Location(parts[0].float(), parts[1].float()))


def _windows_to_json(ws: tuple[TimeWindow, ...]) -> list[list[int]]:
    return [[w.start_s, w.end_s] for w in ws]


def window_from_json(n: Node) -> TimeWindow:
    """A ``[start_s, end_s]`` window."""
    parts = list(n.items())
    if len(parts) != 2:
        raise SchemaError(f"{n.path}: expected [start_s, end_s], got {n.value!r}"[:300])
    return _built(n, lambda: TimeWindow(parts[0].int(), parts[1].int()))


def _built(n: Node, make: Callable[[], T]) -> T:
    """``make()`` with a model error reported at ``n``'s JSON path."""
    try:
        return make()
    except SchemaError:
        raise
    except InvalidProblemError as exc:
        raise SchemaError(f"{n.path}: {exc}") from None


_ORDER_INTS = ("release_s", "latest_s", "target_s", "weight_g", "volume_ml", "parcels", "max_ride_s", "priority",
               "service_s", "picked_up_s")
_ORDER_FIELDS = (*_ORDER_INTS, "temperature", "required", "penalty", "picked_up_by", "rider")


def order_to_json(o: Order) -> dict[str, Any]:
    """An order as a JSON dict, times in integer seconds."""
    d: dict[str, Any] = {"id": o.id, "pharmacy": o.pharmacy, "location": location_to_json(o.location),
                         "windows": _windows_to_json(o.windows)}
    for name in _ORDER_FIELDS:
        d[name] = getattr(o, name)
    return d


def order_from_json(d: Any, where: str = "order") -> Order:
    """Inverse of :func:`order_to_json`; a bad field raises :class:`SchemaError` naming its path."""
    n = Node(d, where).obj(required=("id", "pharmacy", "location", "windows"), optional=_ORDER_FIELDS)
    kw: dict[str, Any] = {name: n[name].int() for name in _ORDER_INTS if n.has(name)}
    for name in ("temperature", "picked_up_by", "rider"):
        if n.has(name):
            kw[name] = n[name].str()
    if n.has("required"):
        kw["required"] = n["required"].bool()
    if n.has("penalty"):
        kw["penalty"] = n["penalty"].float()
    windows = tuple(window_from_json(w) for w in n["windows"].items())
    return _built(n, lambda: Order(id=n["id"].str(), pharmacy=n["pharmacy"].str(),
                                   location=location_from_json(d["location"], f"{where}.location"),
                                   windows=windows, **kw))


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


def rider_from_json(d: Any, where: str = "rider") -> Rider:
    """Inverse of :func:`rider_to_json`; a bad field raises :class:`SchemaError` naming its path."""
    n = Node(d, where).obj(required=("id", "start", "start_s", "shift", "weight_g", "volume_ml", "parcels",
                                     "profile", "speed_factor"), optional=("end", "max_work_s", "coolbox"))
    box = None
    if n.has("coolbox"):
        parts = [x.int() for x in n["coolbox"].items()]
        if len(parts) != 3:
            raise SchemaError(f"{where}.coolbox: expected [parcels, volume_ml, hold_s]")
        box = _built(n["coolbox"], lambda: CoolBox(*parts))
    return _built(n, lambda: Rider(
        id=n["id"].str(), start=location_from_json(d["start"], f"{where}.start"), start_s=n["start_s"].int(),
        end=location_from_json(d["end"], f"{where}.end") if n.has("end") else None,
        shift=window_from_json(n["shift"]), max_work_s=n["max_work_s"].int() if n.has("max_work_s") else None,
        weight_g=n["weight_g"].int(), volume_ml=n["volume_ml"].int(), parcels=n["parcels"].int(), coolbox=box,
        profile=n["profile"].str(), speed_factor=n["speed_factor"].float()))


def pharmacy_to_json(p: Pharmacy) -> dict[str, Any]:
    """A pharmacy as a JSON dict, times in integer seconds."""
    return {"id": p.id, "location": location_to_json(p.location), "opening": _windows_to_json(p.opening),
            "handover_s": p.handover_s, "name": p.name}


def pharmacy_from_json(d: Any, where: str = "pharmacy") -> Pharmacy:
    """Inverse of :func:`pharmacy_to_json`; a bad field raises :class:`SchemaError` naming its path."""
    n = Node(d, where).obj(required=("id", "location", "opening", "handover_s"), optional=("name",))
    name = n["name"].value if n.has("name") else ""
    if not isinstance(name, str):
        raise SchemaError(f"{where}.name: expected a string, got {name!r}"[:300])
    opening = tuple(window_from_json(w) for w in n["opening"].items())
    return _built(n, lambda: Pharmacy(id=n["id"].str(), location=location_from_json(d["location"], f"{where}.location"),
                                      opening=opening, handover_s=n["handover_s"].int(), name=name))


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


_EVENT_FIELDS = {"order_created": ("order",), "order_released": ("order",), "order_cancelled": ("order",),
                 "rider_online": ("rider",), "rider_offline": ("rider",), "rider_position": ("rider", "location"),
                 "picked_up": ("order", "rider"), "delivered": ("order",), "delivery_failed": ("order",),
                 "travel_delay": ("rider", "delay_s")}


def event_from_json(d: Any) -> Event:
    """Inverse of :func:`event_to_json`; unknown kinds and bad or missing fields raise
    :class:`SchemaError` naming the JSON path."""
    n = Node(d, "event").obj(required=("event", "t_s"), optional=("order", "released", "rider", "location", "spec",
                                                                  "retry", "delay_s"))
    kind = n["event"].value
    if kind not in EVENT_TYPES:
        raise SchemaError(f"event: unknown kind {kind!r}; known: {', '.join(EVENT_TYPES)}"[:300])
    for key in _EVENT_FIELDS[kind]:
        if key not in d:
            raise SchemaError(f"event {kind!r}: required property {key!r} is missing")
    t = n["t_s"].int()
    match kind:
        case "order_created":
            return OrderCreated(t, order_from_json(n["order"].value, "event.order"),
                                n["released"].bool() if n.has("released") else False)
        case "rider_online":
            return RiderOnline(t, n["rider"].str(),
                               location_from_json(d["location"], "event.location") if n.has("location") else None,
                               rider_from_json(d["spec"], "event.spec") if n.has("spec") else None)
        case "rider_position":
            return RiderPosition(t, n["rider"].str(), location_from_json(d.get("location"), "event.location"))
        case "delivery_failed":
            return DeliveryFailed(t, n["order"].str(), window_from_json(n["retry"]) if n.has("retry") else None)
        case "travel_delay":
            return TravelDelay(t, n["rider"].str(), n["delay_s"].int())
        case "picked_up":
            return PickedUp(t, n["order"].str(), n["rider"].str())
        case "rider_offline":
            return RiderOffline(t, n["rider"].str())
        case "order_released":
            return OrderReleased(t, n["order"].str())
        case "order_cancelled":
            return OrderCancelled(t, n["order"].str())
        case _:
            return Delivered(t, n["order"].str())
