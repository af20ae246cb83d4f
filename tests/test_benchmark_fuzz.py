"""The campaign's own harness (``benchmarks/fuzz.py``): its trials must reach their targets."""

from __future__ import annotations

import pytest
from benchmarks import fuzz

from tests.fuzz.trials import Outcome


def test_the_osrm_section_keeps_its_fault_server_listening_between_trials() -> None:
    # Seeds 0 and 1 serve the well-formed answer to /table and /route: both must be accepted, on
    # the first trial of the process and on the ones after it.
    for seed in (0, 1, 0):
        outcome = fuzz._osrm(seed)
        assert outcome.kind == "accepted", outcome.what


def _dies_on_seed_3(seed: int) -> Outcome:
    if seed == 3:
        raise OverflowError("a trial that escapes its own guard")
    return Outcome("accepted", "", 1)


def test_a_worker_that_dies_inside_a_trial_is_a_defect_and_its_block_goes_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(fuzz.TRIALS, "dying", (_dies_on_seed_3, 10))
    tally = fuzz.run_trials("dying", 10, base=0, jobs=1)
    assert tally.kinds["defect"] == 1 and tally.kinds["accepted"] >= 9
    [(seed, what)] = tally.examples.values()
    assert seed == 3 and "worker died" in what
