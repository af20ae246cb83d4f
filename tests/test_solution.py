"""Solution JSON: hostile values are refused naming their JSON path."""

from __future__ import annotations

from typing import Any

import pytest

from medroute import SchemaError, Solution
from tests.plans import small_plan


def plan_doc() -> dict[str, Any]:
    return small_plan()[1].to_json()


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["unassigned"][0].update(detail=5), r"\$\.unassigned\[0\]\.detail: expected a string, got int 5"),
    (lambda d: d["unassigned"][0].update(order="rx-\ud800"), r"\$\.unassigned\[0\]\.order: .* lone surrogate"),
    (lambda d: d["routes"][0].update(rider="\udc00"), r"\$\.routes\[0\]\.rider: .* lone surrogate"),
    (lambda d: d.update(engine=["x"]), r"\$\.engine: expected a string"),
    (lambda d: d["routes"][0]["stops"][1].update(arrival_s=1e400), r"arrival_s: expected an integer"),
])
def test_hostile_values_name_the_path(mutate: Any, message: str) -> None:
    """Issue 18 #17: non-string details and lone-surrogate ids were accepted."""
    doc = plan_doc()
    mutate(doc)
    with pytest.raises(SchemaError, match=message):
        Solution.from_json(doc)


def test_round_trip() -> None:
    doc = plan_doc()
    assert Solution.from_json(doc).to_json() == doc
