"""The published JSON Schemas match the code: docs copies are current, documents validate."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given

from medroute import Problem, Solution
from medroute.schema import problem_schema, solution_schema
from tests.strategies import problems, solved

DOCS = Path(__file__).resolve().parents[1] / "docs" / "schema"


@pytest.mark.parametrize(("name", "schema"), [("problem", problem_schema()), ("solution", solution_schema())])
def test_published_schema_is_current(name: str, schema: dict[str, object]) -> None:
    published = json.loads((DOCS / f"{name}.schema.json").read_text())
    assert published == schema, "run: python -m medroute.schema docs/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@given(problems())
def test_problem_documents_validate(p: Problem) -> None:
    jsonschema.validate(p.to_json(), problem_schema())


@given(solved())
def test_solution_documents_validate(case: tuple[Problem, Solution]) -> None:
    jsonschema.validate(case[1].to_json(), solution_schema())


@pytest.mark.parametrize("mutate", [
    lambda d: d["orders"][0].update(weight_g=-1),
    lambda d: d["orders"][0].update(extra=1),
    lambda d: d.pop("riders"),
    lambda d: d["riders"][0].update(start=[1]),
    lambda d: d["orders"][0].update(temperature="warm"),
])
def test_schema_and_reader_reject_the_same_documents(mutate: object) -> None:
    p = Problem.from_json(json.dumps({
        "pharmacies": [{"id": "a", "location": [-8.2, 114.3]}],
        "orders": [{"id": "o", "pharmacy": "a", "location": [-8.21, 114.31]}],
        "riders": [{"id": "r", "start": [-8.2, 114.3]}],
    }))
    doc = p.to_json()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, problem_schema())
    with pytest.raises(ValueError, match=r"\$|order|rider"):
        Problem.from_json(doc)
