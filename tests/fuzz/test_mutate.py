"""The fuzzer's own mutations: trials stay reproducible and their documents serialisable."""

from __future__ import annotations

import json

from tests.fuzz import mutate
from tests.fuzz.live import live_state
from tests.fuzz.mutate import mutate_doc
from tests.fuzz.pick import RandomPicker


def test_mutations_never_change_the_hostile_values_or_nest_a_value_in_itself() -> None:
    # Before HOSTILE's containers were copied, a mutation changed one in place (later trials in
    # the worker saw another constant) and could put it inside itself: the states campaign's
    # worker died on seed 5037140 serialising a circular document.
    before = repr(mutate.HOSTILE)
    doc = live_state(RandomPicker(0))
    for seed in range(500):
        json.dumps(mutate_doc(doc, RandomPicker(seed), steps=8))
    assert repr(mutate.HOSTILE) == before
