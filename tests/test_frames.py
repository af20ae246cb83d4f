"""Solution → DataFrames."""

from __future__ import annotations

import pytest

from medroute.frames import to_dataframes
from tests.plans import small_plan

pytest.importorskip("pandas")


def test_tables() -> None:
    p, s = small_plan()
    t = to_dataframes(p, s)
    assert set(t) == {"stops", "routes", "orders", "kpis"}
    stops = t["stops"]
    assert len(stops) == sum(len(r.stops) for r in s.routes)
    rx2 = stops[(stops.kind == "delivery") & (stops.order == "rx-2")].iloc[0]
    assert rx2.rider == "ani" and rx2.cold_on_board == 1 and rx2.max_cold_exposure_s > 0
    assert (rx2.lat, rx2.lon) == (p.order["rx-2"].location.lat, p.order["rx-2"].location.lon)
    assert stops.arrival.str.match(r"^\d\d:\d\d").all()
    routes = t["routes"].set_index("rider")
    assert routes.loc["ani", "orders"] == 2 and routes.loc["budi", "orders"] == 1
    assert routes.distance_m.sum() == s.kpis.distance_m
    orders = t["orders"].set_index("order")
    assert list(orders.status) == ["served", "served", "served", "unassigned"]
    assert orders.loc["rx-4", "reason"] == "beyond_trip_limit"
    assert orders.loc["rx-2", "cold_exposure_s"] <= orders.loc["rx-2", "cold_budget_s"]
    assert orders.on_time.sum() / len(orders) == pytest.approx(s.kpis.on_time_share)
    kpis = t["kpis"].set_index("kpi")
    assert kpis.loc["served", "value"] == 3 and kpis.loc["distance_m", "unit"] == "m"
