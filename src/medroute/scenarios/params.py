"""The named, overridable parameters of the scenario generator, each with its source.

Every default rests on a row of ``design/domain.md`` (mirrored in ``docs/domain.md``) and says
which, with its kind: **P** = published or measured by the source named there, **D** = derived
from published numbers, **E** = an estimate (labelled as one). ``docs/scenarios.md`` renders the
same table.

Override any parameter by name through :func:`medroute.scenarios.load`::

    load("expanded", orders=120, cold_share=0.15)

An unknown name, a value of the wrong type or out of range raises
:class:`~medroute.errors.InvalidProblemError` naming the parameter.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from ..defaults import DEFAULT_DAY, DEFAULT_TIMEZONE
from ..errors import InvalidProblemError
from ..timefmt import parse_time

ParamValue = int | float | str | None

MAX_COUNT = 100_000
"""Most orders, and most riders, a generated day may have: ten times the largest day planned
(10,000 orders in parts, ``docs/decompose.md``). More would take minutes and gigabytes to
generate before any solve could start."""
Kind = Literal["P", "E", "D", "P/E", "P/D"]


@dataclass(frozen=True, slots=True)
class Param:
    """One generator parameter.

    Attributes
    ----------
    name
        The keyword used in ``load(..., name=value)``.
    default
        Value used unless a scenario or the caller overrides it.
    unit
        Unit of the value (``"s"``, ``"m"``, ``"g"``, ``"HH:MM"``, ``"share"``, ...).
    kind
        P (published), D (derived), E (estimate), or a combination, as in domain.md.
    source
        The domain.md row (section and quoted fact) the default rests on.
    doc
        What the parameter does.
    """

    name: str
    default: ParamValue
    unit: str
    kind: Kind
    source: str
    doc: str


_PARAMS = (
    Param("orders", 20, "orders/day", "P/E",
          "Scenario anchors: historic 10–30 orders/day; Program: 4,444 deliveries by Feb 2019 ≈ 10–15 "
          "per working day (P/D)",
          "number of orders generated, 1 … 100,000 (scenarios set their own, see the scenario table)"),
    Param("riders", None, "riders", "P/E",
          "Program: launch with 15 trained riders for the two RSUDs (P); otherwise derived from "
          "orders_per_rider (E)",
          "number of riders, 1 … 100,000; None = ceil(orders / orders_per_rider)"),
    Param("orders_per_rider", 7.0, "orders/rider/day", "E",
          "estimate: a 9-hour shift of 3 km town runs (domain.md, Couriers: 25–35 km/h in town) "
          "serves about 7 patients with handover and return",
          "used to derive the number of riders when 'riders' is None"),
    Param("synthetic_sites", 10, "sites", "E",
          "estimate: the 10 hospitals of banyuwangi_faskes_20 (SOURCES.md) as the size of a town's "
          "pickup network",
          "pickup sites chosen among graph nodes for the stand-in cities (probolinggo, surabaya)"),
    Param("cold_share", 0.10, "share of orders", "P/E",
          "Cold chain: insulin is a real share of orders; '5–15 % cold is a fair scenario range' "
          "(P/E) → the midpoint",
          "share of orders that are refrigerated (exactly round(share × orders) of them)"),
    Param("cold_temperature", "refrigerated", "class", "P",
          "Cold chain: unopened insulin 2–8 °C, must never freeze (FDA, P)",
          "temperature class of cold orders (see medroute.coldchain)"),
    Param("weight_min_g", 200, "g", "E", "Scenario anchors: parcels 0.2–2 kg (E)",
          "lightest parcel"),
    Param("weight_max_g", 2000, "g", "E", "Scenario anchors: parcels 0.2–2 kg (E)",
          "heaviest parcel (uniform between min and max, 10 g steps)"),
    Param("ml_per_g", 2.0, "ml/g", "E",
          "estimate: a bag of boxed tablets and bottles ≈ 0.5 kg per litre",
          "parcel volume per gram of weight"),
    Param("consult_start", "08:00", "HH:MM", "E",
          "Banyuwangi: clinics busiest by ~09:45 (P); outpatient clinics open ~08:00 (E)",
          "earliest consultation (triangular distribution start)"),
    Param("consult_peak", "09:45", "HH:MM", "P",
          "Banyuwangi: 'Clinics are busiest by ~09:45' (radarbanyuwangi 2018, P)",
          "mode of the consultation-time distribution"),
    Param("consult_end", "13:15", "HH:MM", "D",
          "Banyuwangi: orders released up to ~14:00 less the 40–60 min preparation → 13:15 (D)",
          "latest consultation (triangular distribution end)"),
    Param("ready_min_s", 40 * 60, "s", "P",
          "Banyuwangi: prescriptions ready 40–60 min after the consultation; Program: pharmacy wait "
          "averaged 40 min (P)",
          "shortest preparation time after the consultation"),
    Param("ready_max_s", 60 * 60, "s", "P",
          "Banyuwangi: ready 40–60 min after consultation; compounded drugs ~1 h (P)",
          "longest preparation time (uniform between min and max)"),
    Param("release_start", "09:00", "HH:MM", "P/E",
          "Banyuwangi: 'orders are released ~09:00–14:00' (P/E)",
          "releases earlier than this are moved to it"),
    Param("release_end", "14:00", "HH:MM", "P/E",
          "Banyuwangi: 'orders are released ~09:00–14:00' (P/E)",
          "releases later than this are moved to it"),
    Param("deadline", "17:00", "HH:MM", "E",
          "Couriers: Go-Send 'Same Day' ≈ ≤ 8 h (P); Cold chain: 'ambient parcels the same day' (E); "
          "the end of the rider shift",
          "hard same-day latest delivery start"),
    Param("target_after_s", 2 * 3600, "s", "E",
          "Couriers: Go-Send 'Instant' ≈ ≤ 4 h (P); half of it as a service goal (E)",
          ("soft target = release + this (orders with a booked slot have none); later costs "
           "Objective.rupiah_per_late_minute")),
    Param("slot_share", 0.2, "share of orders", "E",
          "estimate: some patients are at home only part of the afternoon",
          "share of orders with a narrower delivery slot instead of release → deadline"),
    Param("slot_s", 2 * 3600, "s", "E", "estimate: a two-hour slot, on the hour",
          "length of the narrower delivery slot"),
    Param("demand", "population", "mode", "P/E",
          "SOURCES.md: 217 village polygons with their 2010 census population (BPS, P); people live "
          "along the roads of their village in equal shares (E)",
          "'population': a home drawn so that each village's share of orders follows its population, "
          "then the facility that serves it; 'uniform': a facility by weight, then a home uniform over "
          "its roads (the stand-in towns, which have no population data)"),
    Param("patient_min_m", 300, "m", "E",
          "estimate: nearer patients walk home with their medicine",
          "shortest network distance, facility → patient"),
    Param("patient_max_m", 3000, "m", "P/E",
          "SOURCES.md: the road lines cover 3 km network distance around each facility (P); the "
          "hospitals' service radius (Jangkauan) 3,000 m (P)",
          "longest network distance, facility → patient"),
    Param("shift_start", "08:00", "HH:MM", "E",
          "Program: riders wait at the hospital shelter (P); a working day from 08:00 (E)",
          "rider shift start"),
    Param("shift_end", "17:00", "HH:MM", "E", "estimate: a nine-hour shift", "rider shift end"),
    Param("coolbox_share", 0.3, "share of riders", "E",
          "Cold chain: refrigerated items travel in a pre-conditioned cool bag (E); about a third of "
          "the riders carry one (E)",
          "share of riders with a cool box (at least one when there are cold orders)"),
    Param("pharmacy_open", "07:30", "HH:MM", "E", "estimate: outpatient pharmacy hours",
          "pickup sites open"),
    Param("pharmacy_close", "16:00", "HH:MM", "E", "estimate: outpatient pharmacy hours",
          "pickup sites close"),
    Param("max_trip_m", 40_000, "m", "P",
          "Couriers: Go-Send Instant 'up to 40 km pickup→drop-off' (P)",
          "trip limit pharmacy → door"),
    Param("weight_rsud", 3.0, "relative", "E",
          "Banyuwangi: RSUD Blambangan type B, 213 beds; the program ran at the RSUDs first (P) → "
          "3 × a puskesmas (E)",
          "relative order volume of a regency hospital (RSUD)"),
    Param("weight_hospital", 1.5, "relative", "E", "estimate: private hospitals, 1.5 × a puskesmas",
          "relative order volume of another hospital"),
    Param("weight_puskesmas", 1.0, "relative", "E", "estimate: the unit", "relative order volume of a puskesmas"),
    Param("day", "2026-01-05", "ISO date", "E", "estimate: a Monday, a working day",
          "the problem's day (timezone Asia/Jakarta, WIB)"),
)

PARAMS: Mapping[str, Param] = MappingProxyType({p.name: p for p in _PARAMS})
"""Every generator parameter by name."""

SCENARIO_DEFAULTS: Mapping[str, Mapping[str, ParamValue]] = MappingProxyType({
    "historic": MappingProxyType({"orders": 20, "riders": 15}),
    "expanded": MappingProxyType({"orders": 200}),
    "surge": MappingProxyType({"orders": 1000}),
    "pancer": MappingProxyType({"orders": 6, "riders": 2, "patient_max_m": 6000}),
    "puskesmas": MappingProxyType({"orders": 300, "patient_max_m": 40_000}),
    "probolinggo": MappingProxyType({"orders": 200, "demand": "uniform"}),
    "surabaya": MappingProxyType({"orders": 200, "demand": "uniform"}),
})
"""Per-scenario defaults that differ from :data:`PARAMS`."""

SCENARIO_SOURCES: Mapping[str, str] = MappingProxyType({
    "historic": "Scenario anchors: historic 10–30 orders/day (E) → 20; Program: launch with 15 riders (P)",
    "expanded": "Scenario anchors: expanded 100–300 orders/day (E) → 200",
    "surge": "Scenario anchors: surge = 5 × expanded (E; Good Doctor saw ~5× medicine orders, P) → 1,000",
    "pancer": "estimate: a handful (6) of south-coast patients, 2 riders; patient_max_m 6 km spans the "
              "6.8 × 4 km OSM extract (SOURCES.md, P)",
    "puskesmas": "Scenario anchors: expanded = all health facilities as pickup sites, 100–300 orders/day (E) → "
                 "300 for the widest network, 45 puskesmas and 2 RSUDs (Banyuwangi: 45 puskesmas, P); "
                 "patient_max_m = the 40 km Go-Send trip limit (P)",
    "probolinggo": "as expanded: 200 orders (E); scale curve via orders= 20 … 2,000; no population data: "
                   "demand uniform over the roads",
    "surabaya": "as expanded: 200 orders (E); scale curve via orders= 20 … 2,000; no population data: "
                "demand uniform over the roads",
})
"""Where each scenario's own defaults come from."""


def _typed(scenario: str, param: Param, value: object) -> ParamValue:
    """``value`` as the type of ``param``'s default: numpy's integers and floats become Python's,
    an integer is taken for a float; anything else raises naming the parameter."""
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if param.name == "riders":
        ok, want = value is None or integral, "an integer or None"
    elif isinstance(param.default, int):
        ok, want = integral, "an integer"
    elif isinstance(param.default, float):
        ok, want = isinstance(value, numbers.Real) and not isinstance(value, bool), "a number"
    else:
        ok, want = isinstance(value, str), "a string"
    if not ok:
        raise InvalidProblemError(f"scenario {scenario!r}: parameter {param.name!r} must be {want}, got {value!r}")
    if value is None or isinstance(value, str):
        return value
    if isinstance(param.default, float):
        return float(cast(numbers.Real, value))
    return int(cast(numbers.Integral, value))


def resolve(scenario: str, overrides: Mapping[str, Any]) -> dict[str, ParamValue]:
    """The parameters of ``scenario`` with ``overrides`` applied, validated.

    Parameters
    ----------
    scenario
        A scenario name (its defaults from :data:`SCENARIO_DEFAULTS` apply).
    overrides
        Parameter name → value.

    Raises
    ------
    InvalidProblemError
        An unknown parameter, a value of the wrong type or out of range.
    """
    values: dict[str, ParamValue] = {name: p.default for name, p in PARAMS.items()}
    values.update(SCENARIO_DEFAULTS.get(scenario, {}))
    for key, value in overrides.items():
        if key not in PARAMS:
            raise InvalidProblemError(
                f"scenario {scenario!r}: unknown parameter {key!r}; known: {', '.join(sorted(PARAMS))}")
        values[key] = _typed(scenario, PARAMS[key], value)
    _validate(scenario, values)
    return values


def seconds(values: Mapping[str, ParamValue], name: str) -> int:
    """A time-of-day parameter (``"HH:MM"``) as seconds from midnight."""
    return parse_time(values[name], day=DEFAULT_DAY, tz=ZoneInfo(DEFAULT_TIMEZONE),
                      where=f"scenario parameter {name!r}")


def _validate(scenario: str, v: Mapping[str, ParamValue]) -> None:
    def fail(name: str, rule: str) -> None:
        raise InvalidProblemError(f"scenario {scenario!r}: parameter {name!r} = {v[name]!r}: {rule}")

    def num(name: str) -> float:
        value = v[name]
        assert isinstance(value, (int, float))
        return float(value)

    for name, param in PARAMS.items():
        if isinstance(param.default, float) and not math.isfinite(num(name)):
            fail(name, "must be a finite number")
    if not 1 <= num("orders") <= MAX_COUNT:
        fail("orders", f"must be between 1 and {MAX_COUNT:,}")
    if v["riders"] is not None and not 1 <= num("riders") <= MAX_COUNT:
        fail("riders", f"must be between 1 and {MAX_COUNT:,} (or None to derive it)")
    for name in ("orders_per_rider", "ml_per_g", "weight_rsud", "weight_hospital", "weight_puskesmas"):
        if not num(name) > 0:
            fail(name, "must be > 0")
    if v["riders"] is None and num("orders") / num("orders_per_rider") > MAX_COUNT:
        fail("orders_per_rider", f"gives more than {MAX_COUNT:,} riders for {v['orders']!r} orders")
    if num("synthetic_sites") < 1:
        fail("synthetic_sites", "must be at least 1")
    for name in ("cold_share", "slot_share", "coolbox_share"):
        if not 0.0 <= num(name) <= 1.0:
            fail(name, "must lie in [0, 1]")
    for name in ("weight_min_g", "ready_min_s", "target_after_s", "slot_s", "patient_min_m", "max_trip_m"):
        if num(name) < 0:
            fail(name, "must not be negative")
    for lo, hi in (("weight_min_g", "weight_max_g"), ("ready_min_s", "ready_max_s"),
                   ("patient_min_m", "patient_max_m")):
        if num(hi) < num(lo):
            fail(hi, f"must not be below {lo} = {v[lo]!r}")
    if num("patient_max_m") <= 0:
        fail("patient_max_m", "must be > 0")
    for lo, hi in (("consult_start", "consult_peak"), ("consult_peak", "consult_end"),
                   ("release_start", "release_end"), ("release_end", "deadline"),
                   ("shift_start", "shift_end"), ("pharmacy_open", "pharmacy_close")):
        if seconds(v, hi) < seconds(v, lo):
            fail(hi, f"must not be before {lo} = {v[lo]!r}")
    if seconds(v, "consult_start") == seconds(v, "consult_end"):
        fail("consult_end", "must be after consult_start")
    if v["demand"] not in ("population", "uniform"):
        fail("demand", "must be 'population' or 'uniform'")
    if v["demand"] == "population" and scenario in ("probolinggo", "surabaya"):
        fail("demand", "the stand-in towns have no population data; use 'uniform'")
    if v["demand"] == "uniform" and scenario == "puskesmas":
        fail("demand", "the puskesmas scenario draws its demand by population only")
    from ..coldchain import temperature_class

    temperature_class(str(v["cold_temperature"]), where=f"scenario {scenario!r}: cold_temperature")
    try:
        date.fromisoformat(str(v["day"]))
    except ValueError:
        fail("day", "must be an ISO date YYYY-MM-DD")
