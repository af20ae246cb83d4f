"""The campaign's own harness (``benchmarks/fuzz.py``): its trials must reach their targets."""

from __future__ import annotations

from benchmarks import fuzz


def test_the_osrm_section_keeps_its_fault_server_listening_between_trials() -> None:
    # Seeds 0 and 1 serve the well-formed answer to /table and /route: both must be accepted, on
    # the first trial of the process and on the ones after it.
    for seed in (0, 1, 0):
        outcome = fuzz._osrm(seed)
        assert outcome.kind == "accepted", outcome.what
