"""The domain model: validation with rule-stating errors, flags, JSON round trips."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
from medroute.precheck import precheck
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
    (lambda: Location(-8.0, 200.0), "location: lon must be in [-180.0, 180.0], got 200.0"),
    (lambda: Location(10**400, 114.0), "location: lat must be in [-90.0, 90.0], got 1000000"),
    (lambda: Location(True, 114.0), "location: lat must be a finite number, got True"),
    (lambda: TimeWindow(36000, 34200), "10:00–09:30 ends before it starts"),
    (lambda: TimeWindow(-5, 10), "negative"),
    (lambda: Order("rx-17", "rsud", PATIENT, windows=(TimeWindow(10, 20), TimeWindow(15, 30))),
     "order 'rx-17': delivery windows must be sorted and disjoint"),
    (lambda: Order("rx-17", "rsud", PATIENT, windows=()), "order 'rx-17': at least one delivery window"),
    (lambda: Order("rx-17", "rsud", PATIENT, weight_g=-1), "order 'rx-17': weight_g must not be negative"),
    (lambda: Order("rx-17", "rsud", PATIENT, temperature="lukewarm"), "order 'rx-17': unknown temperature"),
    (lambda: Order("rx-17", "rsud", PATIENT, picked_up_by="r1"), "picked_up_by and picked_up_s go together"),
    (lambda: Order("rx-17", "rsud", PATIENT, penalty=math.inf), "penalty must be a number in [0, 1,000,000,000] Rp"),
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
    # Bounds (issue 18 #6, #7): every number has a documented range.
    (lambda: Order("rx-17", "rsud", PATIENT, weight_g=10**30),
     "order 'rx-17': weight_g 1000000000000000000000000000000 is over the limit of 1,000,000,000"),
    (lambda: Order("rx-17", "rsud", PATIENT, service_s=10**12),
     "order 'rx-17': service_s 1000000000000 is over the limit of 8,640,000 s (2400:00)"),
    (lambda: Order("rx-17", "rsud", PATIENT, priority=101), "order 'rx-17': priority 101 is over the limit of 100"),
    (lambda: Order("rx-17", "rsud", PATIENT, required=1),  # type: ignore[arg-type]
     "order 'rx-17': required must be True or False"),
    (lambda: TimeWindow(0, 100 * 86400 + 1), "time window: end_s 8640001 is over the limit"),
    (lambda: CoolBox(hold_s=10**10), "cool box: hold_s 10000000000 is over the limit"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, max_work_s=10**10), "rider 'r9': max_work_s 10000000000 is over"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, parcels=10**10), "rider 'r9': parcels 10000000000 is over"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, speed_factor=1e-7),
     "rider 'r9': speed_factor must be a number in [0.1, 10.0], got 1e-07"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, speed_factor=math.inf), "rider 'r9': speed_factor must be a number"),
    (lambda: Objective(rupiah_per_hour=1e30), "objective: rupiah_per_hour must be a number in [0, 1,000,000,000]"),
    (lambda: problem(max_trip_m=10**12), "problem: max_trip_m 1000000000000 is over the limit"),
    # Text (issue 18 #12, #17): ids and names are strings UTF-8 can write.
    (lambda: Order("rx-\ud800", "rsud", PATIENT), "order: id must be valid Unicode text (it holds a lone surrogate)"),
    (lambda: Rider("r\udfff", RSUD_BLAMBANGAN), "rider: id must be valid Unicode text"),
    (lambda: Pharmacy("ph", RSUD_BLAMBANGAN, name=5), "pharmacy 'ph': name must be a string, got 5"),  # type: ignore[arg-type]
    (lambda: problem(name=["a"]), "problem: name must be a string"),
    (lambda: Rider("r9", RSUD_BLAMBANGAN, profile=""), "rider 'r9': profile must be a non-empty string"),
    (lambda: problem(timezone="A" * 300), "problem: unknown timezone 'AAAA"),
    (lambda: problem(timezone=7), "problem: unknown timezone 7"),
    (lambda: problem(day="2026-01-05"), "problem: day must be a datetime.date"),
])
def test_bad_input_names_rule_and_id(build: object, message: str) -> None:
    with pytest.raises(InvalidProblemError, match=re.escape(message)):
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
    flags = {f.id: f.reason for f in precheck(p)}
    assert flags == {"cold": Reason.NO_COOLBOX_RIDER, "far": Reason.BEYOND_TRIP_LIMIT,
                     "heavy": Reason.OVER_CAPACITY, "late": Reason.WINDOW_UNREACHABLE}


def test_flags_budget_shorter_than_ride_with_a_given_matrix() -> None:
    p = problem(orders=(Order("cold", "rsud", PATIENT, temperature="refrigerated"),),
                riders=(Rider("r1", RSUD_BLAMBANGAN, coolbox=CoolBox()),))
    slow = TravelMatrix([[0, 3 * 3600], [3 * 3600, 0]], [[0, 1000], [1000, 0]])
    assert [f.reason for f in precheck(p, slow)] == [Reason.BUDGET_SHORTER_THAN_RIDE]
    assert precheck(p) == []


def test_flags_an_order_no_rider_serves_inside_the_shift_to_the_second() -> None:
    # rider at the pharmacy, 600 s to the door and back, 60 s handover and service: done at 08:22
    # when leaving at 08:00; the second door window (10:00-11:00) is the one reached.
    hour, door = 3600, (TimeWindow(3600, 7200), TimeWindow(10 * 3600, 11 * 3600))
    travel = TravelMatrix([[0, 600], [600, 0]], [[0, 1000], [1000, 0]])
    ph = Pharmacy("rsud", RSUD_BLAMBANGAN, handover_s=60)

    def flags(shift_end: int, max_work: int | None = None, windows: tuple[TimeWindow, ...] = door) -> list[Reason]:
        rider = Rider("r1", RSUD_BLAMBANGAN, end=RSUD_BLAMBANGAN, shift=TimeWindow(8 * hour, shift_end),
                      max_work_s=max_work)
        order = Order("o1", "rsud", PATIENT, windows=windows, service_s=60)
        return [f.reason for f in precheck(problem(pharmacies=(ph,), orders=(order,), riders=(rider,)), travel)]

    assert flags(10 * hour + 660) == []  # delivered at 10:00, back at 10:11
    assert flags(10 * hour + 659) == [Reason.SHIFT]
    assert flags(12 * hour, max_work=1320) == []  # riding and service alone: 1,320 s
    assert flags(12 * hour, max_work=1319) == [Reason.SHIFT]
    assert flags(12 * hour, windows=(TimeWindow(3600, 7200),)) == [Reason.SHIFT]  # door closes before the shift


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


def test_times_past_999_hours_are_written_and_read_back(tmp_path: Path) -> None:
    """Issue 18 #7: a time of 1000 h was written as "1000:00" and the reader refused it."""
    late = 1000 * 3600 + 30
    p = problem(orders=(Order("o1", "rsud", PATIENT, release_s=late, windows=(TimeWindow(late, late + 60),)),),
                riders=(Rider("r1", RSUD_BLAMBANGAN, shift=TimeWindow(0, 100 * 86400)),))
    assert p.to_json()["orders"][0]["release"] == "1000:00:30"
    p.save(tmp_path / "late.json")
    assert Problem.from_json(tmp_path / "late.json") == p


def test_every_bound_is_writable_and_readable() -> None:
    """The largest values the model accepts survive the JSON round trip."""
    from medroute.model import MAX_AMOUNT, MAX_PRIORITY, MAX_RUPIAH, MAX_TIME_S

    edge = Order("o1", "rsud", PATIENT, release_s=MAX_TIME_S, windows=(TimeWindow(0, MAX_TIME_S),),
                 weight_g=MAX_AMOUNT, volume_ml=MAX_AMOUNT, parcels=MAX_AMOUNT, priority=MAX_PRIORITY,
                 service_s=MAX_TIME_S, max_ride_s=MAX_TIME_S, penalty=MAX_RUPIAH, target_s=MAX_TIME_S)
    rider = Rider("r1", RSUD_BLAMBANGAN, start_s=MAX_TIME_S, shift=TimeWindow(0, MAX_TIME_S), max_work_s=MAX_TIME_S,
                  weight_g=MAX_AMOUNT, coolbox=CoolBox(MAX_AMOUNT, MAX_AMOUNT, MAX_TIME_S), speed_factor=0.1)
    p = problem(orders=(edge,), riders=(rider,), objective=Objective(*[MAX_RUPIAH] * 5), max_trip_m=MAX_AMOUNT)
    assert Problem.from_json(json.loads(json.dumps(p.to_json()))) == p


def test_json_paths_are_named_once() -> None:
    """Issue 18 #17: the path was printed twice ("$.orders[0].release: $.orders[0].release: ...")."""
    doc = problem().to_json()
    doc["orders"][0]["release"] = "99:99"
    with pytest.raises(InvalidProblemError) as err:
        Problem.from_json(doc)
    assert str(err.value).count("$.orders[0].release") == 1


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["orders"][0].update(id="rx-\ud800"), r"\$\.orders\[0\]\.id: 'rx-\\ud800' is not valid Unicode"),
    (lambda d: d.update(name=5), r"\$\.name: expected a string, got int 5"),
    (lambda d: d["pharmacies"][0].update(name=[1]), r"\$\.pharmacies\[0\]\.name: expected a string"),
    (lambda d: d.update(timezone="A" * 300), r"\$\.timezone: unknown timezone"),
    (lambda d: d["orders"][0].update(penalty=10**400), r"\$\.orders\[0\]\.penalty: expected a finite number"),
    (lambda d: d["orders"][0].update(weight_g=1e30), r"\$\.orders\[0\]: order 'o1': weight_g .* over the limit"),
    (lambda d: d["orders"][0].update(temperature=["cold"]), r"\$\.orders\[0\]\.temperature: expected a non-empty"),
    (lambda d: d["orders"][0].update(release="2026-01-05T10:00:00+99:00"), r"\$\.orders\[0\]\.release: .* neither"),
])
def test_hostile_json_values_name_the_path(mutate: object, message: str) -> None:
    doc = problem().to_json()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(InvalidProblemError, match=message):
        Problem.from_json(doc)


@pytest.mark.parametrize(("source", "message"), [
    ("", "got an empty string"),
    ("   ", "got an empty string"),
    ("x" * 5000, "is not valid JSON"),
    ("[" * 100_000, "nests arrays or objects too deeply"),
    ('{"a": ' + "[" * 100_000, "nests arrays or objects too deeply"),
    ('{"n": 1' + "0" * 5000 + "}", "is not valid JSON"),
    ("not a file\nnor JSON", "is not valid JSON"),
    (b"{}", "expected a path, a JSON string or a dict, got bytes"),
])
def test_hostile_sources_raise_schema_errors(source: object, message: str) -> None:
    """Issue 18 #12: these raised IsADirectoryError, OSError (name too long) or RecursionError."""
    with pytest.raises(SchemaError, match=message):
        Problem.from_json(source)  # type: ignore[arg-type]


def test_directories_and_unreadable_files_raise_schema_errors(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="is a directory"):
        Problem.from_json(tmp_path)
    with pytest.raises(SchemaError, match="is a directory"):
        Problem.from_json(str(tmp_path))
    with pytest.raises(SchemaError, match="cannot read"):
        Problem.from_json(tmp_path / ("x" * 300))


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


def test_times_in_seconds_may_be_json_floats() -> None:
    doc = problem().to_json()
    doc["orders"][0]["release"] = 36000.0
    doc["orders"][0]["target"] = float("nan")
    with pytest.raises(InvalidProblemError, match=r"\$\.orders\[0\]\.target: time must be finite"):
        Problem.from_json(doc)
    del doc["orders"][0]["target"]
    assert Problem.from_json(doc).orders[0].release_s == 36000


def test_the_domain_module_imports_no_travel() -> None:
    """``model`` is the pure domain: travel enters at ``compile``/``precheck`` (issue 22)."""
    import ast
    import inspect

    import medroute.model

    tree = ast.parse(inspect.getsource(medroute.model))
    imported = {(node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.split(".")[0] in ("travel", "matrices", "precheck", "compile")}


def test_numpy_scalars_from_a_table_build_the_same_problem() -> None:
    """Numbers read from a pandas/numpy table (``df.release_s[i]``: ``np.int64``) are taken as Python's."""
    import numpy as np

    lat, lon = np.array([-8.2200, -8.2350]), np.array([114.3500, 114.3400])
    release = np.array([9 * 3600, 10 * 3600])

    def build(num: Callable[[Any], Any], num_float: Callable[[Any], Any], flag: Callable[[Any], Any]) -> Problem:
        home = Location(num_float(-8.2084), num_float(114.36617))
        return Problem(
            (Pharmacy("p", home, opening=(TimeWindow(num(0), num(17 * 3600)),), handover_s=num(240)),),
            tuple(Order(f"o{i}", "p", Location(num_float(lat[i]), num_float(lon[i])), release_s=num(release[i]),
                        target_s=num(release[i] + 3600), weight_g=num(700), priority=num(1), required=flag(True),
                        penalty=num_float(5e4), max_ride_s=num(7200)) for i in range(2)),
            (Rider("r", home, start_s=num(8 * 3600), max_work_s=num(9 * 3600), parcels=num(5),
                   coolbox=CoolBox(parcels=num(2), hold_s=num(7200)), speed_factor=num_float(1.5)),),
            objective=Objective(rupiah_per_km=num_float(2500.0)), max_trip_m=num(40_000))

    plain = build(int, float, bool)
    from_numpy = build(np.int64, np.float64, np.bool_)
    assert from_numpy.to_json() == plain.to_json()
    order = from_numpy.orders[0]
    assert type(order.release_s) is int and type(order.required) is bool and type(order.penalty) is float
    assert type(order.location.lat) is float and type(from_numpy.riders[0].speed_factor) is float
    # float32 and int columns too: taken at run time, though the fields are typed as what they hold
    assert Location(np.float32(-8.5), np.int32(114)) == Location(-8.5, 114)  # type: ignore[arg-type]
    with pytest.raises(InvalidProblemError, match=r"release_s must be an integer, got 3600\.5"):
        Order("o", "p", RSUD_BLAMBANGAN, release_s=np.float64(3600.5))  # type: ignore[arg-type]
