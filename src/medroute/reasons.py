"""Reason codes: why an order is unassigned or flagged."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Reason(StrEnum):
    """Why an order is not served. Single-order pre-checks first, then what the search found;
    :attr:`text` (from :data:`REASON_TEXT`) says it in words."""

    NO_COOLBOX_RIDER = "no_coolbox_rider"
    OVER_CAPACITY = "over_capacity"
    BEYOND_TRIP_LIMIT = "beyond_trip_limit"
    BUDGET_SHORTER_THAN_RIDE = "budget_shorter_than_ride"
    WINDOW_UNREACHABLE = "window_unreachable"
    SHIFT = "shift"
    TIME_WINDOW = "time_window"
    CAPACITY = "capacity"
    COLD_BUDGET = "cold_budget"
    NOT_WORTH_IT = "not_worth_it"
    NO_RIDER = "no_rider"
    SEARCH_LIMIT = "search_limit"
    CANCELLED = "cancelled"

    @property
    def text(self) -> str:
        """What the code means, in a sentence."""
        return REASON_TEXT[self]


REASON_TEXT: Mapping[Reason, str] = MappingProxyType({
    Reason.NO_COOLBOX_RIDER: "A cold item, but no (eligible) rider has a cool box.",
    Reason.OVER_CAPACITY: "Heavier or bulkier than every eligible rider's box or cool box.",
    Reason.BEYOND_TRIP_LIMIT: "Pharmacy → door is longer than the courier's trip limit (Go-Send: 40 km).",
    Reason.BUDGET_SHORTER_THAN_RIDE: "The out-of-fridge budget is shorter than the direct ride.",
    Reason.WINDOW_UNREACHABLE: "No delivery window can be met even by riding straight from the pharmacy "
                               "(for an item on board, from its rider's start once free).",
    Reason.SHIFT: "No rider's shift or working time leaves room for it.",
    Reason.TIME_WINDOW: "Routed riders cannot fit it inside its windows alongside the other orders.",
    Reason.CAPACITY: "Boxes were full when it could have been picked up.",
    Reason.COLD_BUDGET: "It could only be fitted by exceeding its out-of-fridge budget.",
    Reason.NOT_WORTH_IT: "Optional order whose penalty is lower than the cost of serving it.",
    Reason.NO_RIDER: "No rider may carry it (the problem has none).",
    Reason.SEARCH_LIMIT: "The search ran out of time before it found a place for it.",
    Reason.CANCELLED: "Cancelled (live dispatch).",
})
"""Every reason code in a sentence (for reports, maps and messages)."""
