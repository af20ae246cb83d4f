"""The forked deadline guard shared by the OR-Tools, PyVRP and VROOM engines."""

from __future__ import annotations

import time

import pytest

from medroute.engines import deadline


def test_a_child_past_its_deadline_is_killed_and_one_that_returns_hands_its_result_back() -> None:
    notes: list[str] = []
    t0 = time.perf_counter()
    assert deadline.run_with_deadline(lambda: time.sleep(30), 0.2, engine="x", notes=notes) is None
    assert time.perf_counter() - t0 < 0.2 + deadline.kill_grace(0.2) + 0.5
    assert deadline.run_with_deadline(lambda: [[1, 2]], 5.0, engine="x", notes=notes) == [[1, 2]]
    assert notes == []


def test_where_no_child_may_start_it_runs_in_process_and_says_so_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadline, "can_fork", lambda: False)
    notes: list[str] = []
    assert deadline.run_with_deadline(lambda: 7, 0.1, engine="ortools", notes=notes) == 7
    assert deadline.run_with_deadline(lambda: 8, 0.1, engine="ortools", notes=notes) == 8
    assert len(notes) == 1 and notes[0].startswith("ortools:")


def test_a_child_runs_while_the_caller_goes_on_and_raises_its_error_back() -> None:
    def slow() -> str:
        time.sleep(0.5)
        return "done"

    t0 = time.perf_counter()
    child = deadline.Child(slow)
    assert time.perf_counter() - t0 < 0.4
    assert child.result(5.0) == "done"
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        deadline.Child(lambda: 1 / 0).result(5.0)
