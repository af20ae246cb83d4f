"""The fuzz campaign's live-dispatch slice, bounded for the suite: event streams (plausible and
hostile) with replans and save/restore, mutated state files, and saving beside the owner."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.live import concurrent_saves, day_trial, dispatch_trial, live_state, state_file_trial, threaded_saves
from tests.fuzz.pick import DataPicker, RandomPicker


@settings(max_examples=25)
@given(st.data(), st.booleans())
def test_an_event_stream_never_crashes_or_loses_an_order(data: st.DataObject, hostile: bool) -> None:
    outcome = dispatch_trial(DataPicker(data), events=20, engines=(None,), hostile=hostile)
    assert outcome.kind != "defect", outcome.what


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_a_simulated_day_ends_with_every_order_accounted_for(data: st.DataObject) -> None:
    outcome = day_trial(DataPicker(data))
    assert outcome.kind != "defect", outcome.what


@pytest.mark.parametrize("seed", [99, 201])
def test_the_days_that_found_the_shift_end_defect_are_accepted(seed: int) -> None:
    # a rider whose shift ended on the way to a pickup still handed it over: the dispatcher,
    # which had the rider offline, refused the simulator's own PickedUp and the day ended
    outcome = day_trial(RandomPicker(seed))
    assert outcome.kind == "accepted", outcome.what


@functools.cache
def _saved_state() -> dict[str, Any]:
    """One saved state per process: a replan's plan may vary with the clock, and hypothesis needs
    every example of a test to damage the same file."""
    return live_state(RandomPicker(0))


@settings(max_examples=60)
@given(st.data())
def test_a_damaged_state_file_is_refused_clearly_or_replans(data: st.DataObject) -> None:
    outcome = state_file_trial(DataPicker(data), _saved_state())
    assert outcome.kind != "defect", outcome.what


def test_concurrent_savers_never_leave_a_corrupt_or_missing_file() -> None:
    counts = concurrent_saves(live_state(RandomPicker(1)), writers=3, seconds=2.0)
    assert counts["reads"] > 0 and counts["saves"] > 0
    assert (counts["corrupt"], counts["missing"], counts["failed_saves"]) == (0, 0, 0), counts


def test_saving_from_another_thread_never_fails() -> None:
    counts = threaded_saves(RandomPicker(2), events=100)
    assert counts["saves"] > 0 and counts["failed"] == 0, counts


def test_the_states_trial_that_found_the_horizon_defect_is_accepted_or_refused() -> None:
    # `python -m benchmarks.fuzz --repro states 5972`: an order on board whose door service is the
    # longest the model allows made every replan raise (no plan can end it by MAX_TIME_S).
    outcome = state_file_trial(RandomPicker(5972))
    assert outcome.kind != "defect", outcome.what


@pytest.mark.parametrize("seed", [5008696, 5014397])
def test_the_states_trials_that_found_the_quantile_and_far_end_defects_are_accepted_or_refused(seed: int) -> None:
    # `python -m benchmarks.fuzz --repro states SEED`: a travel quantile below 1 moved a target past
    # the latest time a plan may hold; a rider's end no route could reach by then with the item on
    # board kept its committed delivery, and every replan raised.
    outcome = state_file_trial(RandomPicker(seed))
    assert outcome.kind != "defect", outcome.what
