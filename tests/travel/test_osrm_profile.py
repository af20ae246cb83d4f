"""The OSRM Lua profile is built from validated speed tables only (issue 18 #16: Lua injection)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from medroute.errors import InvalidProblemError
from medroute.travel.graph import compile_graph
from medroute.travel.osrm import build_dataset, render_profile

INJECTION = 'x"] = 1, ["y"] = (function() os.execute("touch PWNED") end)(), ["z'


@pytest.mark.parametrize(("speeds", "match"), [
    ({INJECTION: 20.0}, "must be a lower-case word"),
    ({"Residential": 20.0}, "must be a lower-case word"),
    ({"": 20.0}, "must be a lower-case word"),
    ({"residential\n": 20.0}, "must be a lower-case word"),
    ({"residential": float("inf")}, "at most 200 km/h"),
    ({"residential": float("nan")}, "must be > 0"),
    ({"residential": "20"}, "must be > 0"),
    ({"residential": True}, "must be > 0"),
])
def test_unsafe_speed_tables_are_refused(speeds: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidProblemError, match=match):
        render_profile(speeds)  # type: ignore[arg-type]
    with pytest.raises(InvalidProblemError, match=match):
        compile_graph(nx.MultiDiGraph(), speeds_kmh=speeds)  # type: ignore[arg-type]


def test_an_injected_class_never_reaches_osrm_extract(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node(1, x=114.0, y=-8.0)
    g.add_node(2, x=114.01, y=-8.0)
    g.add_edge(1, 2, length=1100.0, highway="residential")
    with pytest.raises(InvalidProblemError, match="must be a lower-case word"):
        build_dataset(g, cache_dir=tmp_path, speeds_kmh={INJECTION: 20.0})
    assert not list(tmp_path.rglob("PWNED")) and not list(tmp_path.rglob("*.lua"))


def test_the_rendered_table_holds_exactly_the_classes() -> None:
    text = render_profile({"residential": 22, "gang_kecil": 8.5}, unknown_kmh=12)
    table = text.splitlines()[0]
    assert '["gang_kecil"] = 8.5' in table and '["residential"] = 22.0' in table
    assert table.count("=") == table.count("[") + 1
    assert text.splitlines()[1] == "MEDROUTE_UNKNOWN_SPEED = 12.0"
