"""The fuzz campaign's document slice, bounded for the suite: mutated problem and plan JSON.

``benchmarks/fuzz.py`` runs the same trials on tens of thousands of seeded inputs and every
engine; here hypothesis draws the choices (so a failure shrinks) and the engines are the two
without an open defect (greedy, ortools) on problems with at least one rider — the campaign's
report lists what the others still raise (issue 18 #1, #2 and the notices to engines).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.pick import DataPicker
from tests.fuzz.trials import plan_trial, problem_trial


@settings(max_examples=80)
@given(st.data())
def test_a_mutated_problem_is_refused_clearly_or_planned_soundly(data: st.DataObject) -> None:
    outcome = problem_trial(DataPicker(data), engines=("greedy", "ortools", "pyvrp", "auto"), time_limit=0.3)
    assert outcome.kind != "defect", outcome.what


@settings(max_examples=80)
@given(st.data())
def test_a_mutated_plan_is_refused_clearly_or_checked(data: st.DataObject) -> None:
    outcome = plan_trial(DataPicker(data))
    assert outcome.kind != "defect", outcome.what
