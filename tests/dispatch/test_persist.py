"""Saving and restoring: bad state files are refused with the JSON path, saves are atomic with
several writers and durable, and saving from another thread is safe."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from medroute.dispatch import Dispatcher
from medroute.errors import SchemaError
from medroute.events import OrderCreated, PickedUp, TravelDelay
from tests.dispatch.town import H, dispatcher, do_committed, order, replan


def busy_dispatcher(**kw: Any) -> Dispatcher:
    d = dispatcher(3, commit_within_s=24 * H, engine="greedy", **kw)
    for i in range(6):
        d.apply(OrderCreated(8 * H, order(i, cold=i == 1, release_s=8 * H), released=i < 4))
    replan(d, 8 * H)
    t = 8 * H
    for rid in sorted(d.riders):
        t = do_committed(d, rid, t) or t
    d.apply(TravelDelay(t, "r0", 300))
    replan(d, t)
    return d


def test_truncated_files_are_refused_with_a_schema_error(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    busy_dispatcher().save(path)
    text = path.read_text()
    for cut in range(0, len(text), max(1, len(text) // 40)):
        path.write_text(text[:cut])
        with pytest.raises(SchemaError):
            Dispatcher.from_json(path)


@pytest.mark.parametrize("routes", [3.5, 1, "r0", [["r0"]], True])
def test_routes_that_are_not_an_object_are_refused_with_a_schema_error(tmp_path: Path, routes: Any) -> None:
    path = tmp_path / "state.json"
    busy_dispatcher().save(path)
    doc = json.loads(path.read_text())
    doc["routes"] = routes
    path.write_text(json.dumps(doc))
    with pytest.raises(SchemaError, match=r"\$\.routes"):
        Dispatcher.from_json(path)


@pytest.mark.parametrize(("setting", "value"), [("travel_quantile", 0.7), ("stability_rp", -5.0)])
def test_settings_out_of_range_are_refused_naming_the_setting(setting: str, value: float) -> None:
    doc = busy_dispatcher().to_json()
    doc["config"][setting] = value
    with pytest.raises(SchemaError, match=f"{setting}: must be a finite number"):
        Dispatcher.from_json(doc)


def _mutations(doc: dict[str, Any]) -> list[tuple[list[str | int], Any]]:
    """(path, value) pairs: every leaf of ``doc``, for a mutation to replace."""
    out: list[tuple[list[str | int], Any]] = []

    def walk(x: Any, path: list[str | int]) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, [*path, k])
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, [*path, i])
        out.append((path, x))

    walk(doc, [])
    return out


def _child(x: Any, key: Any) -> Any:
    if isinstance(x, dict):
        return x.get(key)
    if isinstance(x, list) and isinstance(key, int) and key < len(x):
        return x[key]
    return None


BASE = busy_dispatcher().to_json()
LEAVES = _mutations(BASE)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                   st.text(max_size=5), st.just([]), st.just({}), st.just(["pickup", "o0"]), st.just([1, 2]))


@settings(max_examples=150, deadline=None)
@given(picks=st.lists(st.tuples(st.integers(0, len(LEAVES) - 1), VALUES), min_size=1, max_size=3),
       drop=st.booleans())
@example(picks=[(22, 0)], drop=False).via("found: a committed pickup the box cannot take any more")
@example(picks=[(51, 0)], drop=False).via("found: a committed pickup the box cannot take any more")
@example(picks=[(132, [1, 2])], drop=False).via("found: a committed pickup the box cannot take any more")
def test_mutated_states_load_and_plan_or_are_refused(picks: list[tuple[int, Any]], drop: bool) -> None:
    doc = copy.deepcopy(BASE)
    for i, value in picks:
        leaf: list[Any] = LEAVES[i][0] or [None]
        *up, last = leaf
        parent: Any = doc
        for key in up:  # an earlier mutation may have replaced a container on the way
            parent = _child(parent, key)
        if isinstance(parent, dict) and drop:
            parent.pop(last, None)
        elif _child(parent, last) is not None or isinstance(parent, dict):
            parent[last] = value
    try:
        d = Dispatcher.from_json(doc)
    except SchemaError:
        return
    replan(d, d.now_s + 60)


def test_restored_state_is_identical_and_plans_the_same(tmp_path: Path) -> None:
    d = busy_dispatcher()
    path = tmp_path / "state.json"
    d.save(path)
    e = Dispatcher.from_json(path)
    assert json.loads(path.read_text()) == e.to_json() == d.to_json()
    a, b = d.replan(d.now_s + 60, time_budget=0.3), e.replan(d.now_s + 60, time_budget=0.3)
    assert [r.orders for r in a.solution.routes] == [r.orders for r in b.solution.routes]


def test_an_order_saved_with_a_release_after_its_pickup_is_restored_released_by_the_pickup() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(PickedUp(8 * H + 600, "o0", "r0"))
    doc = d.to_json()
    (saved,) = doc["orders"]
    saved["released_s"] = 9 * H  # as an import that kept a release later than the pickup saved it
    e = Dispatcher.from_json(doc)
    assert e.orders["o0"].released_s == 8 * H + 600
    assert e.log[-1] == (f"{8 * H + 600}: order 'o0': saved as picked up at {8 * H + 600} s, before its release at "
                         f"{9 * H} s; released at {8 * H + 600} s (the pickup shows the medicine was ready)")
    replan(e, 8 * H + 660)


def test_concurrent_savers_never_leave_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    ds = [busy_dispatcher() for _ in range(3)]
    ds[0].save(path)
    bad: list[str] = []
    stop = threading.Event()

    def save(d: Dispatcher) -> None:
        for _ in range(40):
            d.save(path)

    def read() -> None:
        while not stop.is_set():
            try:
                Dispatcher.from_json(path)
            except (SchemaError, OSError) as exc:
                bad.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=save, args=(d,)) for d in ds]
    for th in readers + writers:
        th.start()
    for th in writers:
        th.join()
    stop.set()
    for th in readers:
        th.join()
    assert bad == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"], "no temporary file is left behind"


def test_save_is_flushed_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    busy_dispatcher().save(tmp_path / "state.json")
    assert len(synced) >= 2, "the file and its directory"


def test_saving_from_another_thread_while_events_arrive() -> None:
    d = dispatcher(4, engine=None)
    errors: list[BaseException] = []
    done = threading.Event()

    def saver() -> None:
        while not done.is_set():
            try:
                json.dumps(d.to_json())
            except BaseException as exc:  # any failure is the finding
                errors.append(exc)

    th = threading.Thread(target=saver)
    th.start()
    try:
        for i in range(300):
            d.apply(OrderCreated(8 * H + i, order(i, release_s=8 * H), released=True))
            if i % 3 == 0:
                d.apply(PickedUp(8 * H + i, f"o{i}", f"r{i % 4}"))
    finally:
        done.set()
        th.join()
    assert errors == []


def test_a_committed_pickup_moved_out_of_reach_is_released_and_the_rest_still_served() -> None:
    doc = copy.deepcopy(BASE)
    rider = next(r for r in doc["riders"] if r["committed"] and r["committed"][0] == "pickup")
    moved = rider["committed"][1]
    (entry,) = [o for o in doc["orders"] if o["order"]["id"] == moved]
    entry["order"]["location"] = [0.0, entry["order"]["location"][1]]  # far beyond the trip limit
    d = Dispatcher.from_json(doc)
    plan = replan(d, d.now_s + 60)
    assert [u.order for u in plan.solution.unassigned] == [moved]
