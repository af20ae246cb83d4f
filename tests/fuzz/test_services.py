"""The fuzz campaign's outside-world slice, bounded for the suite: the HTTP OSRM client against a
misbehaving server (mutated answers and every fast fault), and the ``medroute`` command as a
subprocess on hostile files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.faulty_osrm import _Server, faulty_osrm
from tests.fuzz.pick import DataPicker
from tests.fuzz.services import cli_trial, osrm_trial


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    with faulty_osrm() as s:
        yield s


@settings(max_examples=100)
@given(st.data())
def test_a_bad_osrm_answer_never_crashes_or_hangs(server: _Server, data: st.DataObject) -> None:
    outcome = osrm_trial(DataPicker(data), server, slow=False)
    assert outcome.kind != "defect", outcome.what


@settings(max_examples=4)
@given(st.data())
def test_the_command_line_exits_with_a_documented_code(data: st.DataObject) -> None:
    outcome = cli_trial(DataPicker(data))
    assert outcome.kind != "defect", outcome.what
