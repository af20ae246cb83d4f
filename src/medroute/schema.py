"""JSON Schemas (draft 2020-12) of the problem and solution documents.

``docs/schema/*.schema.json`` are written from here by ``python -m medroute.schema docs/schema``;
a test keeps them identical and checks the readers and writers against them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .reasons import Reason
from .solution import Kpis, StopKind

_TIME = {
    "description": "'HH:MM', 'HH:MM:SS' (hours may pass 23 for the next day), ISO 8601, or seconds",
    "anyOf": [
        {"type": "string", "pattern": r"^\d{1,3}:[0-5]\d(:[0-5]\d)?$"},
        {"type": "string", "format": "date-time"},
        {"type": "integer"},
    ],
}
_LOC = {"description": "[lat, lon], WGS84 degrees", "type": "array",
        "prefixItems": [{"type": "number", "minimum": -90, "maximum": 90},
                        {"type": "number", "minimum": -180, "maximum": 180}],
        "minItems": 2, "maxItems": 2}
_WINDOW = {"type": "array", "prefixItems": [{"$ref": "#/$defs/time"}, {"$ref": "#/$defs/time"}],
           "minItems": 2, "maxItems": 2}
_WINDOWS = {"type": "array", "items": {"$ref": "#/$defs/window"}, "minItems": 1}
_ID = {"type": "string", "minLength": 1}
_NN = {"type": "integer", "minimum": 0}
_NUM = {"type": "number", "minimum": 0}


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def problem_schema() -> dict[str, Any]:
    """The schema of :meth:`medroute.Problem.to_json` / :meth:`~medroute.Problem.from_json`."""
    pharmacy = _obj({"id": _ID, "name": {"type": "string"}, "location": {"$ref": "#/$defs/location"},
                     "opening": {"$ref": "#/$defs/windows"},
                     "handover_s": {**_NN, "description": "seconds per order"}}, ["id", "location"])
    order = _obj({
        "id": _ID, "pharmacy": _ID, "location": {"$ref": "#/$defs/location"},
        "release": {"$ref": "#/$defs/time"}, "windows": {"$ref": "#/$defs/windows"},
        "latest": {"$ref": "#/$defs/time"}, "target": {"$ref": "#/$defs/time"},
        "weight_g": _NN, "volume_ml": _NN, "parcels": _NN,
        "temperature": {"enum": ["ambient", "cool", "refrigerated", "frozen"]},
        "max_ride_s": {**_NN, "description": "out-of-fridge budget, seconds"},
        "priority": _NN, "required": {"type": "boolean"}, "penalty": {**_NUM, "description": "Rupiah"},
        "service_s": _NN, "picked_up_by": _ID, "picked_up_at": {"$ref": "#/$defs/time"}, "rider": _ID,
    }, ["id", "pharmacy", "location"])
    rider = _obj({
        "id": _ID, "start": {"$ref": "#/$defs/location"}, "available": {"$ref": "#/$defs/time"},
        "end": {"$ref": "#/$defs/location"}, "shift": {"$ref": "#/$defs/window"}, "max_work_s": _NN,
        "weight_g": _NN, "volume_ml": _NN, "parcels": _NN,
        "coolbox": _obj({"parcels": _NN, "volume_ml": _NN, "hold_s": _NN}, []),
        "profile": _ID, "speed_factor": {"type": "number", "exclusiveMinimum": 0},
    }, ["id", "start"])
    objective = _obj({k: {**_NUM, "description": "Rupiah"} for k in (
        "rupiah_per_km", "rupiah_per_hour", "rupiah_per_late_minute", "rupiah_unassigned",
        "rupiah_per_rider", "rupiah_per_lead_minute", "rupiah_per_wait_hour")}, [])
    doc = _obj({
        "medroute": {"const": "problem/1"}, "name": {"type": "string"},
        "day": {"type": "string", "format": "date"}, "timezone": {"type": "string"},
        "max_trip_m": {"oneOf": [_NN, {"type": "null"}]}, "objective": objective,
        "pharmacies": {"type": "array", "items": pharmacy},
        "orders": {"type": "array", "items": order},
        "riders": {"type": "array", "items": rider},
    }, ["pharmacies", "orders", "riders"])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://medroute.readthedocs.io/schema/problem.schema.json",
            "title": "medroute problem", **doc,
            "$defs": {"time": _TIME, "location": _LOC, "window": _WINDOW, "windows": _WINDOWS}}


def solution_schema() -> dict[str, Any]:
    """The schema of :meth:`medroute.Solution.to_json` / :meth:`~medroute.Solution.from_json`."""
    stop = _obj({
        "kind": {"enum": [k.value for k in StopKind]}, "order": {"oneOf": [_ID, {"type": "null"}]},
        "arrival_s": {"type": "integer"}, "start_s": {"type": "integer"}, "departure_s": {"type": "integer"},
        "travel_s": _NN, "distance_m": _NN,
        "load": {"description": "[weight_g, volume_ml, parcels, cold_parcels, cold_volume_ml]",
                 "type": "array", "items": {"type": "integer"}, "minItems": 5, "maxItems": 5},
        "cold": {"description": "[order, seconds out of the fridge] per cold item on board",
                 "type": "array", "items": {"type": "array", "prefixItems": [_ID, {"type": "integer"}],
                                            "minItems": 2, "maxItems": 2}},
    }, ["kind", "arrival_s", "start_s", "departure_s"])
    kpis = _obj({k: ({"type": "integer"} if f.type in ("int", int) else {"type": "number"})
                 for k, f in Kpis.__dataclass_fields__.items()}, [])
    doc = _obj({
        "medroute": {"const": "solution/1"}, "engine": {"type": "string"}, "seed": {"type": "integer"},
        "solve_time_s": _NUM, "notes": {"type": "array", "items": {"type": "string"}}, "kpis": kpis,
        "routes": {"type": "array", "items": _obj({"rider": _ID, "stops": {"type": "array", "items": stop}},
                                                  ["rider", "stops"])},
        "unassigned": {"type": "array", "items": _obj(
            {"order": _ID, "reason": {"enum": [r.value for r in Reason]}, "detail": {"type": "string"}},
            ["order", "reason"])},
        "travel": {"description": "the travel the plan was made with: backend name and matrix digest",
                   **_obj({"backend": {"type": "string"}, "digest": {"type": "string"}}, [])},
    }, ["routes"])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://medroute.readthedocs.io/schema/solution.schema.json",
            "title": "medroute solution", **doc}


def write_schemas(directory: Path) -> list[Path]:
    """Write both schemas into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, schema in (("problem", problem_schema()), ("solution", solution_schema())):
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover - exercised by the docs build
    for p in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema")):
        print(p)
