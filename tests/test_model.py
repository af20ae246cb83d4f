"""The domain model: validation with rule-stating errors, flags, JSON round trips."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from hypothesis import given

from medroute import (
    CoolBox,
    InvalidProblemError,
    Location,
    Objective,
    Order,
    Pharmacy,
    Problem,
    Reason,
    Rider,
    SchemaError,
    TimeWindow,
)
from medroute.travel import TravelMatrix
from tests.strategies import RSUD_BLAMBANGAN, problems

PATIENT = Location(-8.22, 114.35)


def problem(**kw: object) -> Problem:
    base: dict[str, object] = {
        "pharmacies": (Pharmacy("rsud", RSUD_BLAMBANGAN),),
        "orders": (Order("o1", "rsud", PATIENT),),
        "riders": (Rider("r1", RSUD_BLAMBANGAN),),
    }
    return Problem(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Location(math.nan, 114.0), "lat must be a finite number"),
    (lambda: Location(-8.0, 200.0), "lon 200.0 is outside"),
    (lambda: TimeWindow(36000, 34200), "10:00–09:30 ends before it starts"),
    (lambda: TimeWindow(-5, 10), "negative"),
    (lambda: Order("rx-17", "rsud", PATIENT, windows=(TimeWindow(10, 20), TimeWindow(15, 30))),
     "order 'rx-17': delivery windows must be sorted and disjoint"),
    (lambda: Order("rx-17", "rsud", PATIENT, windows=()), "order 'rx-17': at least one delivery window"),
    (lambda: Order("rx-17", "rsud", PATIENT, weight_g=-1), "order 'rx-17': weight_g must not be negative"),
    (lambda: Order("rx-17", "rsud", PATIENT, temperature="lukewarm"), "order 'rx-17': unknown temperature"),
    (lambda: Order("rx-17", "rsud", PATIENT, picked_up_by="r1"), "picked_up_by and picked_up_s go together"),
    (lambda: Order("rx-17", "rsud", PATIENT, penalty=math.inf), "penalty must be a finite number"),
    (lambda: Order("", "rsud", PATIENT), "order: id must be a non-empty string"),
    (lambda: Order("rx-17", "rsud", PATIENT, windows=(TimeWindow(3600, 7200),), latest_s=60),
     "latest delivery 00:01 is before"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, start_s=80000, shift=TimeWindow(0, 3600)),
     "rider 'r9': available at 22:13:20, after the shift"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, speed_factor=0), "rider 'r9': speed_factor"),
    (lambda: CoolBox(parcels=-1), "cool box: parcels must not be negative"),
    (lambda: Pharmacy("ph", RSUD_BLAMBANGAN, handover_s=-3), "pharmacy 'ph': handover_s"),
    (lambda: Objective(rupiah_per_km=-1), "objective: rupiah_per_km"),
    (lambda: problem(orders=(Order("o1", "nowhere", PATIENT),)), "order 'o1': unknown pharmacy 'nowhere'"),
    (lambda: problem(orders=(Order("o1", "rsud", PATIENT),) * 2), "duplicate order id 'o1'"),
    (lambda: problem(riders=(Rider("r1", RSUD_BLAMBANGAN),) * 2), "duplicate rider id 'r1'"),
    (lambda: problem(orders=(Order("o1", "rsud", PATIENT, rider="ghost"),)), "names unknown rider 'ghost'"),
    (lambda: problem(timezone="Mars/Olympus"), "unknown timezone"),
])
def test_bad_input_names_rule_and_id(build: object, message: str) -> None:
    with pytest.raises(InvalidProblemError, match=message.replace("(", r"\(")):
        build()  # type: ignore[operator]


def test_defaults_rest_on_the_domain_rows() -> None:
    o = Order("o", "rsud", PATIENT, temperature="refrigerated")
    assert o.max_ride_s == 2 * 3600 and o.needs_coolbox
    assert Order("o", "rsud", PATIENT).max_ride_s is None
    r = Rider("r", RSUD_BLAMBANGAN)
    assert (r.weight_g, r.volume_ml) == (20_000, 175_000)
    assert problem().max_trip_m == 40_000


def test_delivery_windows_are_cut_at_latest() -> None:
    o = Order("o", "rsud", PATIENT, windows=(TimeWindow(0, 100), TimeWindow(200, 300), TimeWindow(400, 500)),
              latest_s=250)
    assert o.delivery_windows == (TimeWindow(0, 100), TimeWindow(200, 250))


def test_locations_are_deduplicated_in_a_fixed_order() -> None:
    p = problem(orders=(Order("o1", "rsud", PATIENT), Order("o2", "rsud", PATIENT)))
    assert p.locations == (RSUD_BLAMBANGAN, PATIENT)
    assert p.location_index[PATIENT] == 1


def test_flags_are_reported_not_raised() -> None:
    far = Location(-8.60, 114.00)  # ~60 km away: beyond the Go-Send trip limit
    p = problem(orders=(
        Order("cold", "rsud", PATIENT, temperature="refrigerated"),
        Order("far", "rsud", far),
        Order("heavy", "rsud", PATIENT, weight_g=25_000),
        Order("late", "rsud", PATIENT, release_s=3600 * 10, windows=(TimeWindow(0, 3600 * 10 + 60),)),
        Order("fine", "rsud", PATIENT),
    ))
    flags = {f.id: f.reason for f in p.flags()}
    assert flags == {"cold": Reason.NO_COOLBOX_RIDER, "far": Reason.BEYOND_TRIP_LIMIT,
                     "heavy": Reason.OVER_CAPACITY, "late": Reason.WINDOW_UNREACHABLE}


def test_flags_budget_shorter_than_ride_with_a_given_matrix() -> None:
    p = problem(orders=(Order("cold", "rsud", PATIENT, temperature="refrigerated"),),
                riders=(Rider("r1", RSUD_BLAMBANGAN, coolbox=CoolBox()),))
    slow = TravelMatrix([[0, 3 * 3600], [3 * 3600, 0]], [[0, 1000], [1000, 0]])
    assert [f.reason for f in p.flags(slow)] == [Reason.BUDGET_SHORTER_THAN_RIDE]
    assert p.flags() == []


@given(problems())
def test_json_round_trip(p: Problem) -> None:
    doc = json.loads(json.dumps(p.to_json()))
    assert Problem.from_json(doc) == p


def test_files_and_strings(tmp_path: Path) -> None:
    p = problem()
    path = tmp_path / "p.json"
    p.save(path)
    assert Problem.from_json(path) == p
    assert Problem.from_json(path.read_text()) == p


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.pop("orders"), r"\$: required property 'orders' is missing"),
    (lambda d: d["orders"][0].update(weight_g="heavy"), r"\$\.orders\[0\]\.weight_g: expected an integer"),
    (lambda d: d["orders"][0].update(colour="red"), r"\$\.orders\[0\]: unknown property 'colour'"),
    (lambda d: d["orders"][0].update(release="25h"), r"\$\.orders\[0\]\.release: '25h' is neither"),
    (lambda d: d["orders"][0].update(location=[-8.2]), r"\$\.orders\[0\]\.location: expected \[lat, lon\]"),
    (lambda d: d["orders"][0].update(location=[-91, 114]), r"\$\.orders\[0\]\.location: location: lat"),
    (lambda d: d["orders"][0].update(windows=[["10:00", "09:30"]]), r"\$\.orders\[0\]\.windows\[0\]: time window"),
    (lambda d: d["orders"][0].update(pharmacy="ghost"), r"order 'o1': unknown pharmacy 'ghost'"),
    (lambda d: d["riders"][0].update(coolbox={"hold_s": -1}), r"\$\.riders\[0\]\.coolbox: cool box"),
    (lambda d: d.update(day="yesterday"), r"\$\.day: 'yesterday' is not an ISO date"),
    (lambda d: d.update(medroute="problem/9"), r"\$\.medroute: unsupported document version"),
    (lambda d: d["pharmacies"].append(d["pharmacies"][0]), r"duplicate pharmacy id 'rsud'"),
])
def test_json_errors_name_the_path(mutate: object, message: str) -> None:
    doc = problem().to_json()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(InvalidProblemError, match=message):
        Problem.from_json(doc)


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(SchemaError, match="is not valid JSON"):
        Problem.from_json(bad)
    with pytest.raises(SchemaError, match="does not exist"):
        Problem.from_json(tmp_path / "none.json")
    with pytest.raises(SchemaError, match=r"\$ must be a JSON object"):
        Problem.from_json("[1, 2]")


def test_times_accept_iso_8601_in_the_problem_timezone() -> None:
    doc = problem().to_json()
    doc["orders"][0]["release"] = "2026-01-05T09:30:00+07:00"
    doc["orders"][0]["target"] = "2026-01-05T03:00:00Z"  # = 10:00 WIB
    o = Problem.from_json(doc).orders[0]
    assert (o.release_s, o.target_s) == (9 * 3600 + 1800, 10 * 3600)


def test_replace_revalidates() -> None:
    p = problem()
    with pytest.raises(InvalidProblemError):
        p.replace(orders=(dataclasses.replace(p.orders[0], pharmacy="x"),))


def test_schema_error_names_the_json_path_once() -> None:
    from tests.plans import small_problem

    doc = small_problem().to_json()
    doc["orders"][0]["release"] = "25:99x"
    with pytest.raises(InvalidProblemError) as info:
        Problem.from_json(doc)
    assert str(info.value).count("$.orders[0].release") == 1
