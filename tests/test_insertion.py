"""Insertion: the full-cost inserter never leaves an order out for want of search time."""

from __future__ import annotations

from medroute import Problem
from medroute.compile import compile_problem
from medroute.insertion import Deadline, FullCostInserter, Inserter
from medroute.reasons import Reason
from tests.dispatch.town import PHARMACIES, order, rider


def test_orders_left_when_the_clock_ran_out_are_still_inserted_if_they_fit() -> None:
    inst = compile_problem(Problem(PHARMACIES, tuple(order(i) for i in range(8)), (rider(0), rider(1))))
    empty: list[list[int]] = [[], []]
    _, reasons = Inserter(inst).insert(empty, list(range(8)), Deadline(0.0))
    assert set(reasons.values()) == {Reason.SEARCH_LIMIT}
    routes, reasons = FullCostInserter(inst).insert(empty, list(range(8)), Deadline(0.0))
    assert reasons == {}
    assert sorted(inst.order_of(v) for seq in routes for v in seq if not inst.is_pickup(v)) == list(range(8))
