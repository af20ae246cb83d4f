"""Problems and plans print short: repr, str and the notebook HTML stay small at any size."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import medroute
from medroute import Location
from tests.plans import small_plan

N = 300


@cache
def _big() -> tuple[medroute.Problem, medroute.Solution]:
    p, _ = small_plan()
    orders = tuple(replace(p.orders[0], id=f"rx-{k}", location=Location(-8.2 - k * 1e-4, 114.37)) for k in range(N))
    big = p.replace(orders=orders, name="<big day>")
    return big, medroute.solve(big, engine="greedy", time_limit=2)


def test_short_at_any_size() -> None:
    p, s = _big()
    assert len(repr(s.routes)) > 20_000  # the default dataclass repr would be this long
    assert len(repr(p)) < 200 and len(repr(s)) < 200
    assert repr(p).startswith("Problem(") and f"orders={N}" in repr(p)
    assert repr(s).startswith("Solution(") and f"served={s.kpis.served}/{N}" in repr(s)
    assert len(str(s)) < 600 and len(str(s).splitlines()) <= 12
    assert len(p._repr_html_()) < 1500 and len(s._repr_html_()) < 1500


def test_str_names_the_figures_and_reasons() -> None:
    _, s = small_plan()
    text = str(s)
    assert "served" in text and "3 of 4 orders" in text
    assert "beyond_trip_limit 1" in text


def test_html_is_escaped() -> None:
    p, _ = _big()
    html = p._repr_html_()
    assert "<table>" in html and "&lt;big day&gt;" in html and "<big day>" not in html
    assert f"{N} (0 cold)" in html
