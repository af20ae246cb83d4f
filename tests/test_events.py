"""Events: JSON round trips are exact, bad documents raise rule-stating errors."""

from __future__ import annotations

import json

import pytest

from medroute import CoolBox, Location, Order, Rider, TimeWindow
from medroute.errors import SchemaError
from medroute.events import (
    EVENT_TYPES,
    Delivered,
    DeliveryFailed,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderReleased,
    PickedUp,
    PickupFailed,
    RiderOffline,
    RiderOnline,
    RiderPosition,
    TravelDelay,
    event_from_json,
    event_to_json,
)

LOC = Location(-8.2192, 114.3691)
ORDER = Order("rx-1", "blambangan", Location(-8.25, 114.35), release_s=33_000, temperature="refrigerated",
              windows=(TimeWindow(36_000, 40_000), TimeWindow(50_000, 60_000)), latest_s=55_000, target_s=38_000,
              priority=2, penalty=12_345.5, rider="r1")
RIDER = Rider("r9", LOC, start_s=30_000, end=LOC, shift=TimeWindow(28_800, 61_200), max_work_s=20_000,
              coolbox=CoolBox(3, 9_000, 7_200), speed_factor=1.2)

ALL: list[Event] = [
    OrderCreated(30_000, ORDER), OrderCreated(30_001, ORDER, released=True), OrderReleased(33_000, "rx-1"),
    OrderCancelled(33_001, "rx-1"), RiderOnline(29_000, "r9", spec=RIDER), RiderOnline(29_000, "r1", location=LOC),
    RiderOnline(29_000, "r1"), RiderOffline(60_000, "r1"), RiderPosition(34_000, "r1", LOC),
    PickedUp(35_000, "rx-1", "r1"), PickupFailed(35_000, "rx-1", "r1"),
    PickupFailed(35_000, "rx-1", "r1", reason="the pharmacy had closed"), Delivered(36_500, "rx-1"),
    DeliveryFailed(36_500, "rx-1"),
    DeliveryFailed(36_500, "rx-1", retry=TimeWindow(50_000, 54_000)), TravelDelay(35_500, "r1", 420),
]


@pytest.mark.parametrize("event", ALL, ids=lambda e: type(e).__name__)
def test_round_trip_through_json_text(event: Event) -> None:
    text = json.dumps(event_to_json(event))
    assert event_from_json(json.loads(text)) == event


def test_every_event_type_is_covered() -> None:
    assert {type(e) for e in ALL} == set(EVENT_TYPES.values())


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(SchemaError, match=r"unknown kind 'teleported'.*picked_up"):
        event_from_json({"event": "teleported", "t_s": 0})


def test_missing_field_is_named() -> None:
    with pytest.raises(SchemaError, match="'rider'"):
        event_from_json({"event": "picked_up", "t_s": 0, "order": "rx-1"})


@pytest.mark.parametrize("kind", [["picked_up"], {"picked_up": 1}, 7, None])
def test_a_kind_that_is_not_a_string_is_a_schema_error_at_its_path(kind: object) -> None:
    # a list or an object as the kind raised TypeError (unhashable) from the lookup of known kinds
    with pytest.raises(SchemaError, match=r"^event\.event: expected a non-empty string"):
        event_from_json({"event": kind, "t_s": 0, "order": "rx-1", "rider": "r1"})
