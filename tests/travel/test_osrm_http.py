"""The HTTP OSRM backend against a misbehaving server on 127.0.0.1 (issue 18 #15): every bad
answer raises OsrmError or UnreachableLocationError, within the deadline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from medroute.errors import InvalidProblemError, MedrouteError, UnreachableLocationError
from medroute.geo import Location
from medroute.travel.osrm import OsrmHttpBackend
from tests.fuzz.faulty_osrm import FAULTS, Fault, _Server, faulty_osrm, url_of
from tests.fuzz.services import osrm_fault

POINTS = [Location(-8.0, 114.0), Location(-8.0, 114.01), Location(-8.01, 114.0)]
TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    with faulty_osrm() as s:
        yield s


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("service", ["table", "route"])
def test_every_bad_answer_raises_a_medroute_error_in_time(server: _Server, fault: Fault, service: str) -> None:
    """The fault's expected error (or a good matrix / path), within the whole-request deadline."""
    outcome = osrm_fault(fault, service, server, timeout_s=TIMEOUT_S)
    assert outcome.kind == ("accepted" if fault.expect is None else "refused"), outcome.what


def test_unreachable_is_not_swallowed(server: _Server) -> None:
    """A NoSegment answer (HTTP 400) was raised inside ``suppress(ValueError)`` and lost."""
    server.fault = next(f for f in FAULTS if f.name == "NoSegment with HTTP 400")
    with pytest.raises(UnreachableLocationError, match="too far from any road"):
        OsrmHttpBackend(url_of(server)).matrix(POINTS)


def test_an_answer_over_the_cap_is_refused(server: _Server) -> None:
    server.fault = FAULTS[0]
    with pytest.raises(MedrouteError, match="cap"):
        OsrmHttpBackend(url_of(server), max_body_bytes=100).matrix(POINTS)
    assert OsrmHttpBackend(url_of(server), max_body_bytes=10_000).matrix(POINTS).size == 3


@pytest.mark.parametrize(("kw", "match"), [
    ({"base_url": "localhost:5000"}, "http://"),
    ({"base_url": "http://"}, "names no host"),
    ({"base_url": "http://x", "timeout_s": float("inf")}, "timeout_s"),
    ({"base_url": "http://x", "timeout_s": 0}, "timeout_s"),
    ({"base_url": "http://x", "max_body_bytes": -1}, "max_body_bytes"),
])
def test_bad_settings_are_refused(kw: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidProblemError, match=match):
        OsrmHttpBackend(**kw)  # type: ignore[arg-type]
