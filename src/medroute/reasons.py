"""Reason codes: why an order is unassigned or flagged."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why an order is not served. Single-order pre-checks first, then what the search found."""

    NO_COOLBOX_RIDER = "no_coolbox_rider"
    """A cold item, but no (eligible) rider has a cool box."""
    OVER_CAPACITY = "over_capacity"
    """Heavier or bulkier than every eligible rider's box or cool box."""
    BEYOND_TRIP_LIMIT = "beyond_trip_limit"
    """Pharmacy → door is longer than the courier's trip limit (Go-Send: 40 km)."""
    BUDGET_SHORTER_THAN_RIDE = "budget_shorter_than_ride"
    """The out-of-fridge budget is shorter than the direct ride."""
    WINDOW_UNREACHABLE = "window_unreachable"
    """No delivery window can be met even by riding straight from the pharmacy."""
    SHIFT = "shift"
    """No rider's shift or working time leaves room for it."""
    TIME_WINDOW = "time_window"
    """Routed riders cannot fit it inside its windows alongside the other orders."""
    CAPACITY = "capacity"
    """Boxes were full when it could have been picked up."""
    COLD_BUDGET = "cold_budget"
    """It could only be fitted by exceeding its out-of-fridge budget."""
    NOT_WORTH_IT = "not_worth_it"
    """Optional order whose penalty is lower than the cost of serving it."""
    NO_RIDER = "no_rider"
    """The problem has no rider (or its locked rider is unavailable)."""
    SEARCH_LIMIT = "search_limit"
    """The search ran out of time before it found a place for it."""
    CANCELLED = "cancelled"
    """Cancelled (live dispatch)."""
