"""Valid starting points the mutations work on: small Banyuwangi-like problems (with the edge
values the model allows: cold orders without parcels, items already on board, locks, speed
factors 0.1 and 10, loads and times at the bounds), and plans for them."""

from __future__ import annotations

from medroute import CoolBox, Location, Objective, Order, Pharmacy, Problem, Rider, TimeWindow
from medroute.model import MAX_AMOUNT, MAX_TIME_S
from tests.fuzz.pick import Picker

H = 3600


def location(pick: Picker) -> Location:
    """A point in Banyuwangi town (about 10 × 10 km)."""
    return Location(-8.20 - pick.int(0, 900) / 10_000, 114.30 + pick.int(0, 900) / 10_000)


def _windows(pick: Picker, start: int) -> tuple[TimeWindow, ...]:
    kind = pick.int(0, 5)
    if kind == 0:
        return (TimeWindow(0, 24 * H),)
    if kind == 1:
        return (TimeWindow(start, start + pick.int(1, 4) * H), TimeWindow(start + 6 * H, start + 8 * H))
    if kind == 2:
        return (TimeWindow(start, MAX_TIME_S),)
    return (TimeWindow(start, start + pick.int(1, 12) * H),)


def _order(pick: Picker, k: int, pharmacies: list[Pharmacy], riders: list[Rider]) -> Order:
    release = pick.choice([0, 8 * H, 9 * H + pick.int(0, 3 * H), 1000 * H])
    cold = pick.chance(0.3)
    kw: dict[str, object] = {
        "release_s": release, "windows": _windows(pick, release),
        "temperature": pick.choice(["cool", "refrigerated", "frozen"]) if cold else "ambient",
        "weight_g": pick.choice([0, 300, 500, 2_000, 25_000, MAX_AMOUNT]),
        "volume_ml": pick.choice([0, 500, 1_000, 13_000, MAX_AMOUNT]),
        "parcels": pick.choice([0, 1, 1, 2, 5]), "priority": pick.choice([0, 0, 1, 100]),
        "service_s": pick.choice([0, 60, 180, 600]),
    }
    if pick.chance(0.3):
        kw["target_s"] = release + pick.int(0, 3 * H)
    if pick.chance(0.2):
        kw["max_ride_s"] = pick.choice([0, 600, 3600, MAX_TIME_S])
    if pick.chance(0.2):
        kw["required"] = False
        kw["penalty"] = pick.choice([0.0, 5_000.0, 1e9])
    if riders and pick.chance(0.15):
        kw["rider"] = pick.choice(riders).id
    if riders and pick.chance(0.1):
        carrier = pick.choice(riders)
        kw.update(rider=None, picked_up_by=carrier.id, picked_up_s=max(0, carrier.start_s - pick.int(0, 2 * H)))
    return Order(f"o{k}", pick.choice(pharmacies).id, location(pick), **kw)  # type: ignore[arg-type]


def _rider(pick: Picker, i: int) -> Rider:
    start = pick.choice([0, 7 * H, 8 * H, 12 * H])
    return Rider(
        f"r{i}", location(pick), start_s=start,
        end=location(pick) if pick.chance(0.3) else None,
        shift=pick.choice([TimeWindow(0, 24 * H), TimeWindow(start, start + 8 * H), TimeWindow(0, MAX_TIME_S)]),
        max_work_s=pick.choice([None, None, 4 * H]),
        weight_g=pick.choice([20_000, 1_000, MAX_AMOUNT]), parcels=pick.choice([20, 2, 0]),
        coolbox=CoolBox(parcels=pick.choice([4, 1, 0]), hold_s=pick.choice([4 * H, 600])) if pick.chance(0.6) else None,
        speed_factor=pick.choice([1.0, 1.0, 1.25, 0.1, 10.0]),
    )


def problem(pick: Picker, *, max_orders: int = 8, max_riders: int = 3, min_riders: int = 0) -> Problem:
    """A valid problem of up to ``max_orders`` orders (no rider at all now and then, unless
    ``min_riders`` says otherwise)."""
    pharmacies = [Pharmacy(f"ph{i}", location(pick), handover_s=pick.choice([0, 240, 600]),
                           opening=pick.choice([(TimeWindow(0, 24 * H),), (TimeWindow(7 * H, 20 * H),),
                                                (TimeWindow(7 * H, 11 * H), TimeWindow(13 * H, 17 * H))]))
                  for i in range(pick.int(1, 3))]
    riders = [_rider(pick, i) for i in range(pick.int(min_riders if pick.chance(0.05) else 1, max_riders))]
    orders = [_order(pick, k, pharmacies, riders) for k in range(pick.int(0, max_orders))]
    objective = Objective() if pick.chance(0.8) else Objective(
        rupiah_per_km=pick.choice([0.0, 2_500.0, 1e6]), rupiah_per_hour=pick.choice([0.0, 20_000.0, 1e7]),
        rupiah_per_rider=pick.choice([0.0, 1e8]))
    return Problem(pharmacies=tuple(pharmacies), orders=tuple(orders), riders=tuple(riders),
                   objective=objective, max_trip_m=pick.choice([40_000, None, 1_000]), name="fuzz")


def day(pick: Picker, *, max_orders: int = 10, max_riders: int = 4) -> Problem:
    """A plausible day for the simulator: riders on shifts of 30 min to 10 h, pharmacies that
    close between 09:00 and 20:00 (some with a lunch break), orders released through the day,
    some cold, some with tight windows, places up to 30 km apart: shifts and opening hours end
    while riders are on the road."""

    def place() -> Location:
        return Location(-8.10 - pick.int(0, 2700) / 10_000, 114.10 + pick.int(0, 2700) / 10_000)

    pharmacies = []
    for i in range(pick.int(1, 3)):
        close = pick.int(9 * H, 20 * H)
        opening = ((TimeWindow(7 * H, 11 * H), TimeWindow(13 * H, max(close, 14 * H))) if pick.chance(0.2)
                   else (TimeWindow(7 * H, close),))
        pharmacies.append(Pharmacy(f"ph{i}", place(), handover_s=pick.choice([0, 240, 600]), opening=opening))
    riders = []
    for i in range(pick.int(1, max_riders)):
        start = pick.int(7 * H, 12 * H)
        riders.append(Rider(f"r{i}", place(), start_s=start,
                            shift=TimeWindow(start, start + pick.int(H // 2, 10 * H)),
                            coolbox=CoolBox(hold_s=pick.choice([4 * H, 3600])) if pick.chance(0.6) else None))
    orders = []
    for k in range(pick.int(1, max_orders)):
        release = pick.int(7 * H, 17 * H)
        cold = pick.chance(0.3)
        orders.append(Order(f"o{k}", pick.choice(pharmacies).id, place(), release_s=release,
                            windows=_windows(pick, release) if pick.chance(0.5) else (TimeWindow(0, 24 * H),),
                            temperature=pick.choice(["refrigerated", "frozen"]) if cold else "ambient",
                            service_s=pick.choice([60, 180]),
                            target_s=release + pick.int(H // 2, 3 * H) if pick.chance(0.5) else None))
    return Problem(pharmacies=tuple(pharmacies), orders=tuple(orders), riders=tuple(riders), name="fuzz day")
