"""examples/coldchain.py: PyVRP alone breaks the insulin budgets, auto keeps every rule."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.examples import load_example


def load() -> ModuleType:
    return load_example("coldchain.py")


@pytest.mark.slow
def test_pyvrp_breaks_cold_budgets_auto_does_not(capsys: pytest.CaptureFixture[str]) -> None:
    example = load()
    problem = example.build_problem()
    assert len(problem.orders) == 30 and sum(o.is_cold for o in problem.orders) == 6
    pyvrp_out, auto_out = example.solve_both(problem, time_limit=3.0)
    assert pyvrp_out.cold_violations > 0
    assert len(auto_out.violations) == 0
    assert auto_out.solution.kpis.served == 30
    assert example.main(time_limit=2.0) == 0
    out = capsys.readouterr().out
    assert "pyvrp:" in out and "auto: 0 violations" in out
