"""Reading VROOM-style documents, on small hand-made documents."""

from __future__ import annotations

import json

import pytest

import medroute
from medroute.errors import SchemaError
from medroute.io.vroom import read_vroom

DEPOT = [114.3579, -8.2136]


def _doc() -> dict[str, object]:
    return {
        "vehicles": [{"id": 1, "start": DEPOT, "capacity": [5], "time_window": [28800, 61200]},
                     {"id": 2, "start": DEPOT, "end": DEPOT, "capacity": [5], "speed_factor": 1.2}],
        "jobs": [{"id": 10, "location": [114.37, -8.205], "service": 120, "delivery": [1],
                  "time_windows": [[32400, 36000]]}],
        "shipments": [{"amount": [2], "priority": 3,
                       "pickup": {"id": 20, "location": [114.365, -8.23], "service": 240,
                                  "time_windows": [[30000, 40000]], "description": "Puskesmas"},
                       "delivery": {"id": 21, "location": [114.355, -8.24], "service": 180}}],
    }


def test_read_jobs_shipments_vehicles() -> None:
    p = read_vroom(_doc())
    assert [r.id for r in p.riders] == ["1", "2"]
    assert p.riders[0].parcels == 5
    assert p.riders[0].shift == medroute.TimeWindow(28800, 61200)
    assert p.riders[1].speed_factor == 1.2
    assert p.riders[1].end == medroute.Location(-8.2136, 114.3579)
    job = p.order["10"]
    assert p.pharmacy[job.pharmacy].location == p.riders[0].start  # loaded at the depot
    assert job.windows == (medroute.TimeWindow(32400, 36000),)
    assert (job.service_s, job.parcels) == (120, 1)
    ship = p.order["21"]
    assert ship.release_s == 30000
    assert ship.parcels == 2 and ship.priority == 3
    ph = p.pharmacy[ship.pharmacy]
    assert (ph.handover_s, ph.name) == (240, "Puskesmas")
    assert len(p.pharmacies) == 2


def test_read_from_string_and_solve() -> None:
    p = read_vroom(json.dumps(_doc()), dims=("parcels",))
    sol = medroute.solve(p, engine="greedy", time_limit=2)
    assert medroute.check(p, sol) == []


def test_dims_map_to_capacity_fields() -> None:
    doc = _doc()
    doc["vehicles"] = [{"id": 1, "start": DEPOT, "capacity": [10_000, 7]}]
    doc["jobs"] = [{"id": 1, "location": [114.37, -8.205], "delivery": [800, 1]}]
    doc.pop("shipments")
    p = read_vroom(doc, dims=("weight_g", "parcels"))
    assert (p.riders[0].weight_g, p.riders[0].parcels) == (10_000, 7)
    assert (p.orders[0].weight_g, p.orders[0].parcels) == (800, 1)


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda d: d["vehicles"][0].__setitem__("skills", [1]), "$.vehicles[0].skills"),
    (lambda d: d["jobs"][0].__setitem__("location", [114.0]), "$.jobs[0].location"),
    (lambda d: d["jobs"][0].__setitem__("delivery", [1, 2]), "$.jobs[0].delivery"),
    (lambda d: d["shipments"][0]["pickup"].pop("location"), "$.shipments[0].pickup"),
    (lambda d: d.__setitem__("matrices", {"car": {}}), "$.matrices"),
    (lambda d: d["vehicles"][1].__setitem__("start", [114.0, -8.0]), "$.jobs[0]"),
    (lambda d: d["vehicles"][0].__setitem__("time_window", [1, 2, 3]), "$.vehicles[0].time_window"),
])
def test_errors_name_the_path(mutate: object, path: str) -> None:
    doc = _doc()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(SchemaError) as err:
        read_vroom(doc)
    assert path in str(err.value)


def test_unknown_dim() -> None:
    with pytest.raises(SchemaError, match="dims"):
        read_vroom(_doc(), dims=("kilos",))
