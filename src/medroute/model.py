"""The domain model: pharmacies, orders, riders and the problem that ties them together.

Every class is immutable and validated on construction: a broken rule raises
:class:`~medroute.errors.InvalidProblemError` naming the rule and the offending id. Times are
integer seconds from midnight of the problem's day (``*_s``), weights grams, volumes millilitres,
distances metres. Use :func:`dataclasses.replace` to derive a changed copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from .coldchain import DEFAULT_COOLBOX_HOLD_S, temperature_class
from .defaults import DEFAULT_DAY, DEFAULT_PROFILE, DEFAULT_TIMEZONE
from .errors import InvalidMatrixError, InvalidProblemError
from .geo import Location, plain_numbers
from .jsonpath import load_document
from .reasons import Reason
from .timefmt import format_time

DAY_END_S = 24 * 3600

HANDOVER_S = 4 * 60
"""Pickup at the hospital shelter, seconds: domain.md, Couriers: 3–5 min (E) → 4 min."""
DOOR_SERVICE_S = 3 * 60
"""Handover at the door, seconds: domain.md, Couriers: 2–5 min (E) → 3 min."""
RIDER_WEIGHT_G = 20_000
"""Go-Send Instant limit, 20 kg (P, domain.md, Couriers)."""
RIDER_VOLUME_ML = 70 * 50 * 50
"""Go-Send maximum package 70 × 50 × 50 cm = 175 l (P, domain.md, Couriers)."""
RIDER_PARCELS = 20
"""Parcels a motorbike box holds at once (E: 20 small pharmacy bags)."""
COOLBOX_PARCELS = 4
"""Cold items per cool bag: domain.md, Cold chain: "at most a few cold items per bag" (E) → 4."""
COOLBOX_VOLUME_ML = 12_000
"""A 12 l pre-conditioned motorbike cool bag (E)."""
MAX_TRIP_M = 40_000
"""Go-Send Instant: at most 40 km pickup → drop-off (P, domain.md, Couriers)."""
RUPIAH_PER_KM = 2_500.0
"""Ojek fare Zone I, Rp 2,000–2,500 per km from Sept 2022 (P, KP 564/2022): the upper end."""
RUPIAH_PER_HOUR = 20_000.0
"""Value of an hour of a rider's riding time, Rp (E: about the hourly earnings of an ojek rider)."""
RUPIAH_PER_LATE_MINUTE = 1_000.0
"""Cost of a minute past an order's soft target, Rp (E)."""
RUPIAH_UNASSIGNED = 150_000.0
"""Cost of leaving an order unserved, Rp: above the farthest fare ever paid, Siliragung
Rp 140,000 (P, domain.md), so the search never prefers dropping a reachable order (D)."""

# Bounds every number must respect (docs/reliability.md). They keep a route's sums far inside the
# engines' integer ranges (int32 seconds, int64 loads and costs) and every time writable as "HH:MM".
MAX_TIME_S = 100 * 24 * 3600
"""Latest time and longest duration (service, budget, working time), seconds: 100 days, beyond
any dispatch day and the longest literature horizon (Solomon C2, 3.39e6 s)."""
MAX_AMOUNT = 10**9
"""Largest weight (g), volume (ml), parcel count, capacity and trip limit (m)."""
MAX_PRIORITY = 100
"""Highest order priority (lateness and non-service cost × 101)."""
MAX_RUPIAH = 1e9
"""Largest objective rate or order penalty, Rp (the literature problems use Rp 1e9 per drop)."""
SPEED_FACTORS = (0.1, 10.0)
"""Range of a rider's ``speed_factor``: at most ten times slower or faster than its profile."""


def _check_text(value: object, what: str, *, empty: bool = False) -> None:
    """``value`` is a string (non-blank unless ``empty``) that UTF-8 can encode."""
    if not isinstance(value, str) or (not empty and not value.strip()):
        kind = "a string" if empty else "a non-empty string"
        raise InvalidProblemError(f"{what} must be {kind}, got {value!r}"[:300])
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidProblemError(f"{what} must be valid Unicode text (it holds a lone surrogate), "
                                  f"got {value!r}"[:300]) from None


def _check_id(value: object, what: str) -> None:
    _check_text(value, f"{what}: id")


def _nonneg(owner: str, name: str, value: object, upper: int = MAX_AMOUNT) -> None:
    """``value`` is an integer in ``[0, upper]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidProblemError(f"{owner}: {name} must be an integer, got {value!r}"[:300])
    if value < 0:
        raise InvalidProblemError(f"{owner}: {name} must not be negative, got {value}"[:300])
    if value > upper:
        limit = f"{upper:,} s ({format_time(upper)})" if upper == MAX_TIME_S else f"{upper:,}"
        raise InvalidProblemError(f"{owner}: {name} {value} is over the limit of {limit}"[:300])


def _seconds(owner: str, name: str, value: object) -> None:
    """``value`` is integer seconds in ``[0, MAX_TIME_S]``."""
    _nonneg(owner, name, value, MAX_TIME_S)


def _rupiah(owner: str, name: str, value: object) -> None:
    """``value`` is a number of Rupiah in ``[0, MAX_RUPIAH]``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_RUPIAH:
        raise InvalidProblemError(f"{owner}: {name} must be a number in [0, {MAX_RUPIAH:,.0f}] Rp, "
                                  f"got {value!r}"[:300])


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval ``[start_s, end_s]`` in seconds from the start of the problem's day."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        plain_numbers(self, ("start_s", "end_s"))
        for name in ("start_s", "end_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidProblemError(f"time window: {name} must be integer seconds, got {value!r}"[:300])
        if self.start_s < 0:
            raise InvalidProblemError(f"time window: start {self.start_s} s is negative")
        _seconds("time window", "end_s", self.end_s)
        if self.end_s < self.start_s:
            raise InvalidProblemError(
                f"time window {format_time(self.start_s)}–{format_time(self.end_s)} ends before it starts"
            )

    def contains(self, t: int) -> bool:
        return self.start_s <= t <= self.end_s

    def __str__(self) -> str:
        return f"{format_time(self.start_s)}–{format_time(self.end_s)}"


WHOLE_DAY = TimeWindow(0, DAY_END_S)


def _windows(owner: str, windows: Sequence[TimeWindow], what: str) -> tuple[TimeWindow, ...]:
    ws = tuple(windows)
    if not ws:
        raise InvalidProblemError(f"{owner}: at least one {what} window is required")
    for w in ws:
        if not isinstance(w, TimeWindow):
            raise InvalidProblemError(f"{owner}: {what} windows must be TimeWindow, got {w!r}")
    for a, b in pairwise(ws):
        if b.start_s <= a.end_s:
            raise InvalidProblemError(
                f"{owner}: {what} windows must be sorted and disjoint, {a} is followed by {b}"
            )
    return ws


@dataclass(frozen=True, slots=True)
class Pharmacy:
    """A pickup site (hospital or puskesmas pharmacy, a rider shelter).

    Parameters
    ----------
    id
        Unique name.
    location
        Where riders pick up.
    opening
        Sorted, disjoint windows in which a pickup may start.
    handover_s
        Time to hand one order to a rider, seconds.
    name
        Human-readable name.
    """

    id: str
    location: Location
    opening: tuple[TimeWindow, ...] = (WHOLE_DAY,)
    handover_s: int = HANDOVER_S
    name: str = ""

    def __post_init__(self) -> None:
        plain_numbers(self, ("handover_s",))
        _check_id(self.id, "pharmacy")
        owner = f"pharmacy {self.id!r}"
        if not isinstance(self.location, Location):
            raise InvalidProblemError(f"{owner}: location must be a Location")
        object.__setattr__(self, "opening", _windows(owner, self.opening, "opening"))
        _seconds(owner, "handover_s", self.handover_s)
        _check_text(self.name, f"{owner}: name", empty=True)


@dataclass(frozen=True, slots=True)
class Order:
    """One prescription to carry from a pharmacy to a patient's door.

    Parameters
    ----------
    id
        Unique name.
    pharmacy
        Id of the pharmacy where it is picked up.
    location
        The patient's door.
    release_s
        When the medicine is ready at the pharmacy; no pickup before it.
    windows
        Sorted, disjoint delivery windows (hard); the door service starts inside one.
    latest_s
        Hard latest delivery start; ``None`` = end of the last window.
    target_s
        Soft target; every second later costs ``Objective.rupiah_per_late_minute / 60``.
    weight_g, volume_ml, parcels
        What the order occupies in a rider's box.
    temperature
        Temperature class name (see :mod:`medroute.coldchain`).
    max_ride_s
        Out-of-fridge budget, pickup handover end → door service start, seconds;
        ``None`` takes the class default (ambient: no limit).
    priority
        0 (normal) and up; lateness and non-service cost ``1 + priority`` times more.
    required
        Whether the order must be served; an optional order may be dropped at ``penalty``.
    penalty
        Cost of not serving it, Rp; ``None`` = ``Objective.rupiah_unassigned``.
    service_s
        Handover at the door, seconds.
    picked_up_by, picked_up_s
        Set when the rider already carries it (live dispatch): only the
        delivery remains, on that rider, and the budget runs from ``picked_up_s``.
    rider
        Lock the order to this rider.
    """

    id: str
    pharmacy: str
    location: Location
    release_s: int = 0
    windows: tuple[TimeWindow, ...] = (WHOLE_DAY,)
    latest_s: int | None = None
    target_s: int | None = None
    weight_g: int = 500
    volume_ml: int = 1_000
    parcels: int = 1
    temperature: str = "ambient"
    max_ride_s: int | None = None
    priority: int = 0
    required: bool = True
    penalty: float | None = None
    service_s: int = DOOR_SERVICE_S
    picked_up_by: str | None = None
    picked_up_s: int | None = None
    rider: str | None = None

    def __post_init__(self) -> None:
        plain_numbers(self, ("release_s", "latest_s", "target_s", "weight_g", "volume_ml", "parcels", "max_ride_s",
                             "priority", "required", "penalty", "service_s", "picked_up_s"))
        _check_id(self.id, "order")
        owner = f"order {self.id!r}"
        _check_id(self.pharmacy, owner + ": pharmacy")
        if not isinstance(self.location, Location):
            raise InvalidProblemError(f"{owner}: location must be a Location")
        ws = _windows(owner, self.windows, "delivery")
        object.__setattr__(self, "windows", ws)
        for name in ("release_s", "service_s"):
            _seconds(owner, name, getattr(self, name))
        for name in ("weight_g", "volume_ml", "parcels"):
            _nonneg(owner, name, getattr(self, name))
        _nonneg(owner, "priority", self.priority, MAX_PRIORITY)
        cls = temperature_class(self.temperature, where=owner)
        if self.max_ride_s is None:
            object.__setattr__(self, "max_ride_s", cls.budget_s)
        else:
            _seconds(owner, "max_ride_s", self.max_ride_s)
        if not isinstance(self.required, bool):
            raise InvalidProblemError(f"{owner}: required must be True or False, got {self.required!r}"[:300])
        if self.latest_s is not None:
            _seconds(owner, "latest_s", self.latest_s)
            if self.latest_s < ws[0].start_s:
                raise InvalidProblemError(
                    f"{owner}: latest delivery {format_time(self.latest_s)} is before the first "
                    f"delivery window {ws[0]} opens"
                )
        if self.target_s is not None:
            _seconds(owner, "target_s", self.target_s)
        if self.penalty is not None:
            _rupiah(owner, "penalty", self.penalty)
        if (self.picked_up_by is None) != (self.picked_up_s is None):
            raise InvalidProblemError(f"{owner}: picked_up_by and picked_up_s go together")
        if self.picked_up_s is not None:
            _seconds(owner, "picked_up_s", self.picked_up_s)
        for name in ("picked_up_by", "rider"):
            if getattr(self, name) is not None:
                _check_id(getattr(self, name), f"{owner}: {name}")

    @property
    def needs_coolbox(self) -> bool:
        return temperature_class(self.temperature).needs_coolbox

    @property
    def is_cold(self) -> bool:
        """Whether the order travels in a cool box (alias of :attr:`needs_coolbox`)."""
        return self.needs_coolbox

    @property
    def delivery_windows(self) -> tuple[TimeWindow, ...]:
        """The hard delivery windows, cut at :attr:`latest_s`."""
        if self.latest_s is None:
            return self.windows
        out = [TimeWindow(w.start_s, min(w.end_s, self.latest_s)) for w in self.windows
               if w.start_s <= self.latest_s]
        return tuple(out)

    @property
    def weight(self) -> int:
        """Multiplier ``1 + priority`` applied to lateness and non-service costs."""
        return 1 + self.priority


@dataclass(frozen=True, slots=True)
class CoolBox:
    """A rider's cool box: ``parcels`` cold items, ``volume_ml``, holds temperature ``hold_s``."""

    parcels: int = COOLBOX_PARCELS
    volume_ml: int = COOLBOX_VOLUME_ML
    hold_s: int = DEFAULT_COOLBOX_HOLD_S

    def __post_init__(self) -> None:
        plain_numbers(self, ("parcels", "volume_ml", "hold_s"))
        for name in ("parcels", "volume_ml"):
            _nonneg("cool box", name, getattr(self, name))
        _seconds("cool box", "hold_s", self.hold_s)


@dataclass(frozen=True, slots=True)
class Rider:
    """A courier on a motorbike.

    Parameters
    ----------
    id
        Unique name.
    start
        Where the rider is when available (a shelter, or mid-shift anywhere).
    start_s
        When the rider is available at ``start``.
    end
        Where the route must end; ``None`` = wherever the last delivery is.
    shift
        The rider works inside this window (leaves ``start`` and finishes in it).
    max_work_s
        Longest time from leaving ``start`` to finishing; ``None`` = no limit.
    weight_g, volume_ml, parcels
        Box capacities (cold items count against the cool box's
        volume instead of the box's).
    coolbox
        The cool box, or ``None``: only riders with one carry cold items.
    profile
        Travel profile whose matrix applies (e.g. ``"motorbike"``).
    speed_factor
        Travel durations are divided by it (1.2 = 20 % faster than the profile).
    """

    id: str
    start: Location
    start_s: int = 0
    end: Location | None = None
    shift: TimeWindow = WHOLE_DAY
    max_work_s: int | None = None
    weight_g: int = RIDER_WEIGHT_G
    volume_ml: int = RIDER_VOLUME_ML
    parcels: int = RIDER_PARCELS
    coolbox: CoolBox | None = None
    profile: str = DEFAULT_PROFILE
    speed_factor: float = 1.0

    def __post_init__(self) -> None:
        plain_numbers(self, ("start_s", "max_work_s", "weight_g", "volume_ml", "parcels", "speed_factor"))
        _check_id(self.id, "rider")
        owner = f"rider {self.id!r}"
        if not isinstance(self.start, Location):
            raise InvalidProblemError(f"{owner}: start must be a Location")
        if self.end is not None and not isinstance(self.end, Location):
            raise InvalidProblemError(f"{owner}: end must be a Location or None")
        if not isinstance(self.shift, TimeWindow):
            raise InvalidProblemError(f"{owner}: shift must be a TimeWindow")
        _seconds(owner, "start_s", self.start_s)
        for name in ("weight_g", "volume_ml", "parcels"):
            _nonneg(owner, name, getattr(self, name))
        if self.max_work_s is not None:
            _seconds(owner, "max_work_s", self.max_work_s)
        if self.coolbox is not None and not isinstance(self.coolbox, CoolBox):
            raise InvalidProblemError(f"{owner}: coolbox must be a CoolBox or None")
        if self.start_s > self.shift.end_s:
            raise InvalidProblemError(
                f"{owner}: available at {format_time(self.start_s)}, after the shift {self.shift} ends"
            )
        _check_text(self.profile, f"{owner}: profile")
        low, high = SPEED_FACTORS
        f = self.speed_factor
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not low <= f <= high:
            raise InvalidProblemError(f"{owner}: speed_factor must be a number in [{low}, {high}], "
                                      f"got {f!r}"[:300])

    @property
    def earliest_departure_s(self) -> int:
        """When the rider can leave ``start``: available and inside the shift."""
        return max(self.start_s, self.shift.start_s)

    def scale_durations(self, durations_s: NDArray[np.int32]) -> NDArray[np.int32]:
        """The profile's durations for this rider: ``ceil(d / speed_factor)``, seconds.

        Raises
        ------
        InvalidMatrixError
            A scaled duration does not fit the int32 seconds of a travel matrix.
        """
        if self.speed_factor == 1.0:
            return durations_s
        scaled = np.ceil(np.asarray(durations_s, dtype=np.float64) / self.speed_factor)
        if scaled.size and float(scaled.max()) > np.iinfo(np.int32).max:
            raise InvalidMatrixError(f"rider {self.id!r}: travel times divided by speed_factor "
                                     f"{self.speed_factor} exceed the int32 range of a travel matrix")
        return scaled.astype(np.int32)


@dataclass(frozen=True, slots=True)
class Objective:
    """What a plan costs, in Rupiah. Defaults rest on domain.md (see the module constants).

    ``rupiah_per_km`` of riding, ``rupiah_per_hour`` of riding time, ``rupiah_per_late_minute``
    past an order's soft target (× ``1 + priority``), ``rupiah_unassigned`` per unserved order
    (× ``1 + priority``, unless the order sets its own penalty), ``rupiah_per_rider`` used and
    ``rupiah_per_lead_minute`` from an order's release to the start of its delivery (× ``1 +
    priority``: the patient's wait for the medicine once it is ready), and
    ``rupiah_per_wait_hour`` of a rider's waiting between the stops of a route (at a pharmacy
    before the medicine is ready, at a door before its window: time on the job, not riding).

    Two named presets (:meth:`named`): ``"cost_first"`` (the defaults, :data:`COST_FIRST`) and
    ``"patients_first"`` (:data:`PATIENTS_FIRST`, the live dispatcher's default).
    """

    rupiah_per_km: float = RUPIAH_PER_KM
    rupiah_per_hour: float = RUPIAH_PER_HOUR
    rupiah_per_late_minute: float = RUPIAH_PER_LATE_MINUTE
    rupiah_unassigned: float = RUPIAH_UNASSIGNED
    rupiah_per_rider: float = 0.0
    rupiah_per_lead_minute: float = 0.0
    rupiah_per_wait_hour: float = 0.0

    def __post_init__(self) -> None:
        plain_numbers(self, tuple(f.name for f in fields(self)))
        for name in ("rupiah_per_km", "rupiah_per_hour", "rupiah_per_late_minute",
                     "rupiah_unassigned", "rupiah_per_rider", "rupiah_per_lead_minute", "rupiah_per_wait_hour"):
            _rupiah("objective", name, getattr(self, name))

    def unassigned_cost(self, order: Order) -> float:
        return (order.penalty if order.penalty is not None else self.rupiah_unassigned) * order.weight

    @classmethod
    def named(cls, name: str) -> Objective:
        """The preset called ``name`` (see :data:`OBJECTIVES`)."""
        if name not in OBJECTIVES:
            raise InvalidProblemError(f"objective: unknown preset {name!r}; choose one of {', '.join(OBJECTIVES)}")
        return OBJECTIVES[name]


COST_FIRST = Objective()
"""Riding cost first: the defaults (domain.md fares), lateness at Rp 1,000 a minute, lead time free."""

PATIENTS_FIRST = Objective(rupiah_per_late_minute=20_000.0, rupiah_per_lead_minute=500.0,
                           rupiah_unassigned=10_000_000.0, rupiah_per_wait_hour=20_000.0)
"""The service's order of goals (docs/dispatch.md): cold chain kept (a rule, not a cost), then on
time, then patient lead time, then cost. A minute late costs 40 minutes of lead time; the lead
weight is below a minute of riding, where patients stop gaining in a rolling horizon (D, see
docs/dispatch.md); an order left out costs about eight hours late; a rider's hour waiting between
stops costs what an hour of riding time does (the rider is on the job either way)."""

OBJECTIVES: Mapping[str, Objective] = {"cost_first": COST_FIRST, "patients_first": PATIENTS_FIRST}
"""The named objective presets."""


@dataclass(frozen=True, slots=True)
class Flag:
    """A warning about a problem that is valid but cannot be fully served (not an error)."""

    reason: Reason
    id: str
    message: str


@dataclass(frozen=True, repr=False)
class Problem:
    """One planning problem: a day, its pharmacies, orders and riders, and the objective.

    Locations are deduplicated into :attr:`locations`; a travel matrix for the problem is a
    matrix over exactly that sequence. Construction checks cross-references (duplicate ids,
    unknown pharmacies and riders); what is valid but unservable is reported by
    :func:`medroute.precheck.precheck`, which needs travel.

    Parameters
    ----------
    pharmacies
        The pickup sites.
    orders
        The orders to deliver, each naming its pharmacy (and, when already on board, its rider).
    riders
        The riders who may work this day.
    day
        The service day; times are seconds from its midnight (default :data:`DEFAULT_DAY`).
    timezone
        IANA name of the timezone clock times are read in (default :data:`DEFAULT_TIMEZONE`).
    objective
        The costs in Rupiah the plan minimises (default: cost first).
    max_trip_m
        Longest pharmacy → door distance of an order, metres (default :data:`MAX_TRIP_M`, Go-Send
        Instant's 40 km; ``None``: no limit); an order farther is flagged and comes back
        unassigned.
    name
        A label for reports.
    """

    pharmacies: tuple[Pharmacy, ...]
    orders: tuple[Order, ...]
    riders: tuple[Rider, ...]
    day: date = DEFAULT_DAY
    timezone: str = DEFAULT_TIMEZONE
    objective: Objective = field(default_factory=Objective)
    max_trip_m: int | None = MAX_TRIP_M
    name: str = ""

    def __post_init__(self) -> None:
        plain_numbers(self, ("max_trip_m",))
        for attr in ("pharmacies", "orders", "riders"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        zone(self.timezone, "problem")
        if not isinstance(self.day, date):
            raise InvalidProblemError(f"problem: day must be a datetime.date, got {self.day!r}"[:300])
        if not isinstance(self.objective, Objective):
            raise InvalidProblemError(f"problem: objective must be an Objective, got {self.objective!r}"[:300])
        _check_text(self.name, "problem: name", empty=True)
        for kind, items, cls in (("pharmacy", self.pharmacies, Pharmacy), ("order", self.orders, Order),
                                 ("rider", self.riders, Rider)):
            seen: set[str] = set()
            for item in items:
                if not isinstance(item, cls):
                    raise InvalidProblemError(f"problem: {kind} entries must be {cls.__name__}, got {item!r}")
                if item.id in seen:
                    raise InvalidProblemError(f"problem: duplicate {kind} id {item.id!r}")
                seen.add(item.id)
        pharmacy_ids = {p.id for p in self.pharmacies}
        rider_ids = {r.id for r in self.riders}
        for o in self.orders:
            if o.pharmacy not in pharmacy_ids:
                raise InvalidProblemError(f"order {o.id!r}: unknown pharmacy {o.pharmacy!r}")
            for attr in ("picked_up_by", "rider"):
                rid = getattr(o, attr)
                if rid is not None and rid not in rider_ids:
                    raise InvalidProblemError(f"order {o.id!r}: {attr} names unknown rider {rid!r}")
            if o.picked_up_by is not None and o.rider is not None and o.rider != o.picked_up_by:
                raise InvalidProblemError(
                    f"order {o.id!r}: locked to rider {o.rider!r} but carried by {o.picked_up_by!r}"
                )
        if self.max_trip_m is not None:
            _nonneg("problem", "max_trip_m", self.max_trip_m)

    # -- lookups ----------------------------------------------------------------------------
    @cached_property
    def pharmacy(self) -> Mapping[str, Pharmacy]:
        """Pharmacies by id."""
        return {p.id: p for p in self.pharmacies}

    @cached_property
    def order(self) -> Mapping[str, Order]:
        """Orders by id."""
        return {o.id: o for o in self.orders}

    @cached_property
    def rider(self) -> Mapping[str, Rider]:
        """Riders by id."""
        return {r.id: r for r in self.riders}

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def locations(self) -> tuple[Location, ...]:
        """Distinct locations in a fixed order: pharmacies, patients, rider starts, rider ends."""
        seen: dict[Location, None] = {}
        for p in self.pharmacies:
            seen.setdefault(p.location)
        for o in self.orders:
            seen.setdefault(o.location)
        for r in self.riders:
            seen.setdefault(r.start)
            if r.end is not None:
                seen.setdefault(r.end)
        return tuple(seen)

    @cached_property
    def location_index(self) -> Mapping[Location, int]:
        """Row of each location in a travel matrix for this problem."""
        return {loc: i for i, loc in enumerate(self.locations)}

    @property
    def profiles(self) -> tuple[str, ...]:
        """Travel profiles the riders use (one matrix each)."""
        return tuple(dict.fromkeys(r.profile for r in self.riders)) or (DEFAULT_PROFILE,)

    def replace(self, **changes: Any) -> Problem:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)

    # -- display --------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"Problem(name={self.name!r}, day={self.day.isoformat()}, timezone={self.timezone!r}, "
                f"pharmacies={len(self.pharmacies)}, orders={len(self.orders)}, riders={len(self.riders)})")

    def _repr_html_(self) -> str:
        """A small summary table for notebooks."""
        from html import escape

        cold = sum(1 for o in self.orders if o.needs_coolbox)
        released = [o.release_s for o in self.orders]
        rows = [("name", self.name or "–"), ("day", f"{self.day.isoformat()} ({self.timezone})"),
                ("pharmacies", str(len(self.pharmacies))), ("orders", f"{len(self.orders)} ({cold} cold)"),
                ("released", f"{format_time(min(released))} – {format_time(max(released))}" if released else "–"),
                ("riders", f"{len(self.riders)} ({sum(1 for r in self.riders if r.coolbox)} with a cool box)")]
        body = "".join(f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
        return f"<table><caption>medroute problem</caption>{body}</table>"

    # -- JSON (medroute.codec, which builds on this module, writes and reads it) -----------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict following ``docs/schema/problem.schema.json``."""
        from .codec import problem_to_json

        return problem_to_json(self)

    @classmethod
    def from_json(cls, source: str | Path | dict[str, Any]) -> Problem:
        """Read a problem from a path, a JSON string or a parsed dict; errors name the JSON path."""
        from .codec import problem_from_json

        return problem_from_json(load_document(source, what="problem"))

    def save(self, path: str | Path) -> None:
        import json

        Path(path).write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def zone(name: object, where: str) -> ZoneInfo:
    """The IANA timezone called ``name``; anything else raises naming ``where``."""
    if isinstance(name, str) and 0 < len(name) <= 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise InvalidProblemError(f"{where}: unknown timezone {name!r} (expected an IANA name such as "
                              f"'Asia/Jakarta')"[:300])
