"""Solution → DataFrames."""

from __future__ import annotations

import pytest

from medroute.outputs.frames import to_dataframes
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


def test_one_time_format_per_column_and_aware_datetimes() -> None:
    pd = pytest.importorskip("pandas")
    p, s = small_plan()
    t = to_dataframes(p, s)
    for name, cols in (("stops", ("arrival", "start", "departure")), ("routes", ("start", "end")),
                       ("orders", ("release", "pickup", "delivery", "target"))):
        frame = t[name]
        for col in cols:
            text = frame[col][frame[col] != ""]
            assert text.str.fullmatch(r"\d\d:\d\d:\d\d").all(), (name, col, list(text))
            at = frame[f"{col}_at"]
            assert str(at.dt.tz) == "Asia/Jakarta"
            known = frame[f"{col}_s"].notna()
            midnight = pd.Timestamp(p.day).tz_localize("Asia/Jakarta")
            seconds = (at[known] - midnight).dt.total_seconds()
            assert (seconds == frame.loc[known, f"{col}_s"].astype(float)).all()
            assert at[~known].isna().all()
    stops = t["stops"]
    assert stops.arrival.str.endswith(":00").any() and not stops.arrival.str.endswith(":00").all()
    windows = t["orders"].windows.str.split(", ").explode()
    assert windows.str.fullmatch(r"\d\d:\d\d:\d\d–\d\d:\d\d:\d\d").all(), list(windows)


def test_datetimes_in_another_timezone() -> None:
    p, s = small_plan()
    stops = to_dataframes(p, s, tz="UTC")["stops"]
    first = stops.iloc[0]
    assert str(first.start_at.tz) == "UTC"
    assert first.start_at.hour == (first.start_s // 3600 - 7) % 24  # WIB is UTC+7


def test_order_seconds_keep_one_integer_dtype_whatever_the_plan_serves() -> None:
    """A sweep concatenates the tables of plans that serve all, some or none of the orders."""
    import dataclasses

    pd = pytest.importorskip("pandas")
    p, some = small_plan()  # rx-4 unassigned
    served = p.replace(orders=p.orders[:3])
    none = dataclasses.replace(some, routes=())
    tables = [to_dataframes(p, some)["orders"], to_dataframes(served, some)["orders"],
              to_dataframes(p, none)["orders"]]
    seconds = ["pickup_s", "delivery_s", "target_s", "lead_s", "cold_exposure_s", "cold_budget_s"]
    for frame in tables:
        assert {str(frame[c].dtype) for c in seconds} == {"Int64"}, frame[seconds].dtypes
    both = pd.concat(tables)
    assert {str(both[c].dtype) for c in seconds} == {"Int64"}
    assert both.groupby("status").lead_s.mean().loc["served"] > 0
    csv = tables[0].to_csv(index=False)
    assert ".0," not in csv  # whole seconds, not 41220.0
