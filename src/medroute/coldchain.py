"""Temperature classes and their default out-of-fridge budgets.

Each default rests on a row of ``design/domain.md`` (Cold chain); **P** = published,
**E** = estimate, as labelled there.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from .errors import InvalidProblemError


@dataclass(frozen=True, slots=True)
class TemperatureClass:
    """A storage class.

    Attributes
    ----------
    name
        Identifier used in problems (``"ambient"``, ``"refrigerated"``, ...).
    min_c, max_c
        Storage range, °C.
    needs_coolbox
        Whether the item may only travel in a rider's cool box.
    budget_s
        Default maximum time out of the fridge, pickup handover → door, seconds;
        ``None`` means no limit beyond the delivery deadline.
    source
        The domain.md row the default rests on.
    """

    name: str
    min_c: float
    max_c: float
    needs_coolbox: bool
    budget_s: int | None
    source: str


AMBIENT = TemperatureClass(
    "ambient", 15.0, 30.0, False, None,
    "USP <1079> controlled room temperature 20-25 °C, excursions 15-30 °C (P); same-day delivery "
    "target for ambient parcels (E)",
)
COOL = TemperatureClass(
    "cool", 8.0, 15.0, True, 4 * 3600,
    "USP <1079> cool 8-15 °C (P); cool items <= 4 h door to door in a pre-conditioned bag, the "
    "upper end of the practical 2-4 h target (E)",
)
REFRIGERATED = TemperatureClass(
    "refrigerated", 2.0, 8.0, True, 2 * 3600,
    "USP <1079> refrigerated 2-8 °C; insulin and most vaccines 2-8 °C (P); refrigerated items "
    "<= 2-4 h door to door, the lower, safe end (E)",
)
FROZEN = TemperatureClass(
    "frozen", -25.0, -10.0, True, 3600,
    "USP <1079> freezer -25 to -10 °C (P); simple insulated boxes do not hold a freezer range, so "
    "1 h (E)",
)

CLASSES = MappingProxyType({c.name: c for c in (AMBIENT, COOL, REFRIGERATED, FROZEN)})
"""Every known temperature class by name."""

DEFAULT_COOLBOX_HOLD_S = 4 * 3600
"""Default hold time of a pre-conditioned cool box, seconds: opening it on multi-stop routes
shortens its hold well below the ~12 h limit of simple insulated boxes (P, BMC Vet Res 13:140),
so 4 h (E)."""


def temperature_class(name: str, *, where: str = "temperature") -> TemperatureClass:
    """The class called ``name``; unknown names raise naming ``where`` and the known classes."""
    try:
        return CLASSES[name]
    except KeyError:
        raise InvalidProblemError(
            f"{where}: unknown temperature class {name!r}; known: {', '.join(CLASSES)}"
        ) from None
