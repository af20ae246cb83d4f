"""One JSON codec for the domain objects (pharmacies, orders, riders, objectives, problems).

Problems, events, dispatcher state and solutions all write and read their domain objects here.
A :class:`TimeFormat` says how a document writes times:

- :data:`CLOCK` (problem files, written for people): ``"HH:MM"`` (``"HH:MM:SS"`` off the
  minute) under the schema's names (``release``, ``latest``, ``target``, ``picked_up_at``,
  ``available``); read back also from ISO 8601 or seconds, on the document's day and timezone;
- :data:`SECONDS` (events, dispatcher state): integer seconds from midnight under the model's
  attribute names (``release_s``, ``start_s``, ...), so that a round trip is exact and cheap.

Every reader takes a :class:`~medroute.jsonpath.Node` and raises
:class:`~medroute.errors.SchemaError` naming the JSON path of the first bad field (a value that
breaks a modelling rule keeps its rule in the message). Optional fields may be missing or
``null``; writers leave out what equals the default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .coldchain import temperature_class
from .defaults import DEFAULT_DAY, DEFAULT_TIMEZONE
from .errors import InvalidProblemError, SchemaError
from .geo import Location
from .jsonpath import Node
from .model import MAX_TRIP_M, CoolBox, Objective, Order, Pharmacy, Problem, Rider, TimeWindow, zone
from .timefmt import format_time, parse_time

T = TypeVar("T")

PROBLEM_FORMAT = "problem/1"
"""The ``"medroute"`` value of a problem document."""

_CLOCK_NAMES = {"release_s": "release", "latest_s": "latest", "target_s": "target",
                "picked_up_s": "picked_up_at", "start_s": "available"}


@dataclass(frozen=True, slots=True)
class TimeFormat:
    """How a document writes times, and the day and timezone it reads clock times on.

    Parameters
    ----------
    seconds
        Write integer seconds under the model's ``*_s`` names (else ``"HH:MM[:SS]"`` under the
        schema's names).
    day
        The day ISO 8601 timestamps are read on (clock format only).
    tz
        The timezone of naive ISO 8601 timestamps (clock format only).
    """

    seconds: bool = False
    day: date = DEFAULT_DAY
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))

    def write(self, t: int) -> int | str:
        """``t`` (seconds from midnight) as this format writes it."""
        return t if self.seconds else format_time(t)

    def read(self, n: Node) -> int:
        """The time at ``n`` in seconds from midnight."""
        if self.seconds:
            return n.int()
        return parse_time(n.time_value(), day=self.day, tz=self.tz, where=n.path)

    def name(self, attribute: str) -> str:
        """The JSON name of the model's time ``attribute`` (``release_s`` → ``release``)."""
        return attribute if self.seconds else _CLOCK_NAMES.get(attribute, attribute)


CLOCK = TimeFormat()
"""``"HH:MM[:SS]"`` times on the default day and timezone (problem files)."""
SECONDS = TimeFormat(seconds=True)
"""Integer seconds under the model's names (events, dispatcher state)."""


def built(n: Node, make: Callable[[], T]) -> T:
    """``make()``, with a model error reported as a :class:`SchemaError` at ``n``'s JSON path."""
    try:
        return make()
    except SchemaError:
        raise
    except InvalidProblemError as exc:
        text = str(exc)
        raise SchemaError(text if text.startswith("$") else f"{n.path}: {text}"[:300]) from None


# -- locations and windows -------------------------------------------------------------------------

def location_to_json(loc: Location) -> list[float]:
    """``[lat, lon]`` in degrees."""
    return [loc.lat, loc.lon]


def location_from_json(n: Node) -> Location:
    """Inverse of :func:`location_to_json`."""
    parts = list(n.items())
    if len(parts) != 2:
        raise SchemaError(f"{n.path}: expected [lat, lon], got {n.value!r}"[:300])
    lat, lon = parts[0].float(), parts[1].float()
    return built(n, lambda: Location(lat, lon))


def window_to_json(w: TimeWindow, times: TimeFormat = CLOCK) -> list[int | str]:
    """``[start, end]``."""
    return [times.write(w.start_s), times.write(w.end_s)]


def window_from_json(n: Node, times: TimeFormat = CLOCK) -> TimeWindow:
    """Inverse of :func:`window_to_json`."""
    parts = list(n.items())
    if len(parts) != 2:
        raise SchemaError(f"{n.path}: expected [start, end], got {n.value!r}"[:300])
    a, b = times.read(parts[0]), times.read(parts[1])
    return built(n, lambda: TimeWindow(a, b))


def windows_from_json(n: Node, times: TimeFormat = CLOCK) -> tuple[TimeWindow, ...]:
    """A list of windows."""
    return tuple(window_from_json(w, times) for w in n.items())


# -- pharmacies, orders, riders --------------------------------------------------------------------

def pharmacy_to_json(p: Pharmacy, times: TimeFormat = CLOCK) -> dict[str, Any]:
    """A pharmacy as a JSON dict."""
    return {"id": p.id, "name": p.name, "location": location_to_json(p.location),
            "opening": [window_to_json(w, times) for w in p.opening], "handover_s": p.handover_s}


def pharmacy_from_json(n: Node, times: TimeFormat = CLOCK) -> Pharmacy:
    """Inverse of :func:`pharmacy_to_json`."""
    n.obj(required=("id", "location"), optional=("name", "opening", "handover_s"))
    kw: dict[str, Any] = {"id": n["id"].str(), "location": location_from_json(n["location"]),
                          "name": n["name"].str(empty=True) if n.has("name") else ""}
    if n.has("opening"):
        kw["opening"] = windows_from_json(n["opening"], times)
    if n.has("handover_s"):
        kw["handover_s"] = n["handover_s"].int()
    return built(n, lambda: Pharmacy(**kw))


_ORDER_TIMES = ("latest_s", "target_s", "picked_up_s")
_ORDER_INTS = ("weight_g", "volume_ml", "parcels", "priority", "service_s", "max_ride_s")
_ORDER_TEXTS = ("temperature", "picked_up_by", "rider")


def order_to_json(o: Order, times: TimeFormat = CLOCK) -> dict[str, Any]:
    """An order as a JSON dict (``max_ride_s`` only when it differs from its temperature's budget)."""
    d: dict[str, Any] = {
        "id": o.id, "pharmacy": o.pharmacy, "location": location_to_json(o.location),
        times.name("release_s"): times.write(o.release_s), "windows": [window_to_json(w, times) for w in o.windows],
        "weight_g": o.weight_g, "volume_ml": o.volume_ml, "parcels": o.parcels, "temperature": o.temperature,
        "priority": o.priority, "required": o.required, "service_s": o.service_s,
    }
    if o.max_ride_s != temperature_class(o.temperature).budget_s:
        d["max_ride_s"] = o.max_ride_s
    for name in _ORDER_TIMES:
        if (t := getattr(o, name)) is not None:
            d[times.name(name)] = times.write(t)
    for name in ("penalty", "picked_up_by", "rider"):
        if (value := getattr(o, name)) is not None:
            d[name] = value
    return d


def order_from_json(n: Node, times: TimeFormat = CLOCK) -> Order:
    """Inverse of :func:`order_to_json`."""
    n.obj(required=("id", "pharmacy", "location"),
          optional=(times.name("release_s"), "windows", *map(times.name, _ORDER_TIMES), *_ORDER_INTS,
                    *_ORDER_TEXTS, "required", "penalty"))
    kw: dict[str, Any] = {"id": n["id"].str(), "pharmacy": n["pharmacy"].str(),
                          "location": location_from_json(n["location"])}
    for name in ("release_s", *_ORDER_TIMES):
        if n.has(times.name(name)):
            kw[name] = times.read(n[times.name(name)])
    if n.has("windows"):
        kw["windows"] = windows_from_json(n["windows"], times)
    kw |= {name: n[name].int() for name in _ORDER_INTS if n.has(name)}
    kw |= {name: n[name].str() for name in _ORDER_TEXTS if n.has(name)}
    if n.has("required"):
        kw["required"] = n["required"].bool()
    if n.has("penalty"):
        kw["penalty"] = n["penalty"].float()
    return built(n, lambda: Order(**kw))


_RIDER_INTS = ("max_work_s", "weight_g", "volume_ml", "parcels")


def rider_to_json(r: Rider, times: TimeFormat = CLOCK) -> dict[str, Any]:
    """A rider as a JSON dict."""
    d: dict[str, Any] = {
        "id": r.id, "start": location_to_json(r.start), times.name("start_s"): times.write(r.start_s),
        "shift": window_to_json(r.shift, times), "weight_g": r.weight_g, "volume_ml": r.volume_ml,
        "parcels": r.parcels, "profile": r.profile, "speed_factor": r.speed_factor,
    }
    if r.end is not None:
        d["end"] = location_to_json(r.end)
    if r.max_work_s is not None:
        d["max_work_s"] = r.max_work_s
    if r.coolbox is not None:
        d["coolbox"] = {"parcels": r.coolbox.parcels, "volume_ml": r.coolbox.volume_ml, "hold_s": r.coolbox.hold_s}
    return d


def rider_from_json(n: Node, times: TimeFormat = CLOCK) -> Rider:
    """Inverse of :func:`rider_to_json`.

    In the seconds format a cool box written ``[parcels, volume_ml, hold_s]`` (event logs and
    dispatcher states saved before this codec) is read too.
    """
    n.obj(required=("id", "start"), optional=(times.name("start_s"), "end", "shift", *_RIDER_INTS, "coolbox",
                                              "profile", "speed_factor"))
    kw: dict[str, Any] = {"id": n["id"].str(), "start": location_from_json(n["start"])}
    if n.has(times.name("start_s")):
        kw["start_s"] = times.read(n[times.name("start_s")])
    if n.has("end"):
        kw["end"] = location_from_json(n["end"])
    if n.has("shift"):
        kw["shift"] = window_from_json(n["shift"], times)
    kw |= {name: n[name].int() for name in _RIDER_INTS if n.has(name)}
    if n.has("profile"):
        kw["profile"] = n["profile"].str()
    if n.has("speed_factor"):
        kw["speed_factor"] = n["speed_factor"].float()
    if n.has("coolbox"):
        kw["coolbox"] = _coolbox(n["coolbox"], legacy=times.seconds)
    return built(n, lambda: Rider(**kw))


def _coolbox(n: Node, *, legacy: bool) -> CoolBox:
    names = ("parcels", "volume_ml", "hold_s")
    if legacy and isinstance(n.value, list):
        parts = [x.int() for x in n.items()]
        if len(parts) != 3:
            raise SchemaError(f"{n.path}: expected [parcels, volume_ml, hold_s]")
        return built(n, lambda: CoolBox(*parts))
    n.obj(optional=names)
    kw = {k: n[k].int() for k in names if n.has(k)}
    return built(n, lambda: CoolBox(**kw))


# -- objectives and problems -----------------------------------------------------------------------

_OBJECTIVE_FIELDS = tuple(f.name for f in fields(Objective))


def objective_to_json(o: Objective) -> dict[str, float]:
    """Every weight of ``o``, Rupiah."""
    return {name: getattr(o, name) for name in _OBJECTIVE_FIELDS}


def objective_from_json(n: Node) -> Objective:
    """Inverse of :func:`objective_to_json`; a missing weight keeps its default."""
    n.obj(optional=_OBJECTIVE_FIELDS)
    weights = {name: n[name].float() for name in _OBJECTIVE_FIELDS if n.has(name)}
    return built(n, lambda: Objective(**weights))


def problem_to_json(p: Problem) -> dict[str, Any]:
    """A JSON-ready dict following ``docs/schema/problem.schema.json`` (clock times)."""
    return {
        "medroute": PROBLEM_FORMAT, "name": p.name, "day": p.day.isoformat(), "timezone": p.timezone,
        "max_trip_m": p.max_trip_m, "objective": objective_to_json(p.objective),
        "pharmacies": [pharmacy_to_json(x) for x in p.pharmacies],
        "orders": [order_to_json(x) for x in p.orders],
        "riders": [rider_to_json(x) for x in p.riders],
    }


def problem_from_json(doc: dict[str, Any]) -> Problem:
    """Inverse of :func:`problem_to_json`; times may be ``"HH:MM[:SS]"``, ISO 8601 or seconds."""
    root = Node(doc).obj(required=("pharmacies", "orders", "riders"),
                         optional=("medroute", "name", "day", "timezone", "max_trip_m", "objective"))
    if root.has("medroute") and root["medroute"].str() != PROBLEM_FORMAT:
        raise SchemaError(f"$.medroute: unsupported document version {root['medroute'].value!r}")
    day = DEFAULT_DAY
    if root.has("day"):
        try:
            day = date.fromisoformat(root["day"].str())
        except ValueError:
            raise SchemaError(f"$.day: {root['day'].value!r} is not an ISO date (YYYY-MM-DD)") from None
    tzname = root["timezone"].str() if root.has("timezone") else DEFAULT_TIMEZONE
    times = TimeFormat(day=day, tz=zone(tzname, "$.timezone"))
    max_trip: int | None = MAX_TRIP_M
    if "max_trip_m" in doc:
        max_trip = None if doc["max_trip_m"] is None else root["max_trip_m"].int()
    return Problem(
        pharmacies=tuple(pharmacy_from_json(x, times) for x in root["pharmacies"].items()),
        orders=tuple(order_from_json(x, times) for x in root["orders"].items()),
        riders=tuple(rider_from_json(x, times) for x in root["riders"].items()),
        day=day, timezone=tzname, max_trip_m=max_trip, name=root["name"].str(empty=True) if root.has("name") else "",
        objective=objective_from_json(root["objective"]) if root.has("objective") else Objective())
