"""Which roads a motorbike uses and how fast it rides them, per OSM ``highway`` class.

osmnx ships no motorbike network. A courier motorbike in an Indonesian town also uses service
roads, tracks, living streets and alleys ("gang") that cars cannot (domain.md, Couriers: "Motorbikes
use roads cars cannot", P), but not toll motorways (jalan tol are closed to two-wheelers in
Indonesia) nor footway-only, steps, cycleway or construction ways.

Speeds are *running* speeds on a road of that class, km/h. They rest on domain.md:

* Couriers, "Speed limits: 30 km/h residential, 50 km/h urban, 80 km/h intercity (PM 111/2015)"
  (P) -- the caps no class exceeds;
* Couriers, "Measured motorbike averages in Jakarta: 19–32 km/h. In Banyuwangi: ~25–35 km/h in
  town, 35–45 km/h on trunk roads" (P for Jakarta / E for Banyuwangi).

Each class below says which row it uses and whether it is P or E.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

MOTORBIKE_SPEEDS_KMH: Mapping[str, float] = {
    # trunk: "35–45 km/h on trunk roads" (E), the top of that range; below the 80 km/h
    # intercity limit (P).
    "trunk": 45.0,
    "trunk_link": 35.0,
    # primary: between the trunk range and the town range (E); below the 50 km/h urban limit (P).
    "primary": 40.0,
    "primary_link": 30.0,
    # secondary: top of "~25–35 km/h in town" (E).
    "secondary": 35.0,
    "secondary_link": 30.0,
    # tertiary / unclassified: middle of the town range, 30 km/h (E), at the residential limit (P).
    "tertiary": 30.0,
    "tertiary_link": 25.0,
    "unclassified": 30.0,
    "road": 25.0,
    # residential: the 30 km/h residential limit (P) less junction slowing; the lower-middle of
    # the Jakarta 19–32 km/h measurements (P) -> 25 (E).
    "residential": 25.0,
    # living streets, service roads, alleys ("gang"), tracks: narrow or unpaved, walking-pace
    # crowds; 15 km/h (E), below the 19 km/h bottom of the measured averages (P).
    "living_street": 15.0,
    "service": 15.0,
    "track": 15.0,
    "busway": 25.0,
}
"""Default motorbike running speed per OSM ``highway`` class, km/h (see the module docstring)."""

UNKNOWN_CLASS_KMH = 30.0
"""Speed for a road with no class (e.g. attribute-less GeoJSON lines), km/h: the middle of
domain.md's "~25–35 km/h in town" (E). Equal to ``unclassified``. An OSM way without a ``highway``
tag is no road (a building outline, a river bank): it is not ridden, unless it is a route of
:data:`ROUTE_SPEEDS_KMH`."""

ROUTE_SPEEDS_KMH: Mapping[str, float] = {"ferry": 5.0, "shuttle_train": 10.0}
"""Speed on an OSM way with one of these ``route`` values, km/h, with or without a ``highway`` tag:
the OSRM profile's ``route_speeds`` (a ferry, a car train), capped by ``maxspeed`` as a road is.
The profile takes a ferry's ``duration`` tag, when it has one, as the time of the whole way; the
``osm`` backend does not read it."""

EXCLUDED_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "footway", "pedestrian", "steps", "cycleway", "bridleway",
    "path", "corridor", "elevator", "escalator", "platform", "proposed", "construction",
    "abandoned", "raceway", "bus_guideway", "via_ferrata", "disused", "razed",
})
"""OSM ``highway`` classes a motorbike does not ride (toll motorways, foot/cycle-only ways, ...)."""

EXCLUDED_ACCESS = frozenset({"no", "private", "emergency"})
"""Access values that close a way, or a node (a barrier), to couriers."""

OPEN_ACCESS = frozenset({
    "yes", "motorcycle", "motor_vehicle", "vehicle", "permissive", "designated", "destination",
    "customers", "delivery",
})
"""Access values that keep a way open; in a ``;`` list they win over :data:`EXCLUDED_ACCESS`."""

ACCESS_KEYS = ("motorcycle", "motor_vehicle", "vehicle", "access")
"""OSM access keys a motorbike obeys, most specific first: the first one present decides."""

CLOSED_WAY_TAGS: Mapping[str, frozenset[str]] = {
    "area": frozenset({"yes"}),
    "service": frozenset({"emergency_access"}),
    "oneway": frozenset({"reversible"}),
    "impassable": frozenset({"yes"}),
    "status": frozenset({"impassable"}),
    "railway": frozenset({"construction"}),
}
"""Way tags that close a way whatever its access tags: an area (the outline of a square or a yard,
not a road), an emergency-access service road, a reversible one-way (its direction changes during
the day), an impassable way and a road on a railway under construction. The OSRM profile's
``avoid`` ``area``, ``reversible``, ``impassable`` and ``construction``, and its
``service_tag_forbidden``; the download filter leaves such ways out."""

OPEN_CONSTRUCTION = frozenset({"no", "widening", "minor"})
"""``construction`` values that leave a way open; any other value (``yes``, a highway class, ...)
closes it, as the OSRM profile's ``construction_whitelist`` does."""

OSM_ONEWAY = "osm_oneway"
"""Edge attribute holding the way's own OSM ``oneway`` tag: osmnx replaces ``oneway`` by a bool."""

ONEWAY_KEYS = ("oneway:motorcycle", "oneway:motor_vehicle", "oneway:vehicle", "oneway")
"""OSM one-way keys a motorbike obeys, most specific first: the first one present decides."""


def _other_than(words: frozenset[str]) -> str:
    """A POSIX extended regular expression that finds every value except these ``words`` (plain
    lower-case words): each way of leaving their letter tree -- ending before a word ends, taking
    another letter, going on after a word's end. Overpass QL has no look-ahead to negate a list."""
    prefixes = sorted({word[:i] for word in words for i in range(len(word) + 1)})
    alternatives: list[str] = []
    for prefix in prefixes:
        after = sorted({w[len(prefix)] for w in words if w.startswith(prefix) and len(w) > len(prefix)})
        if prefix not in words:
            alternatives.append(prefix + "$")
        alternatives.append(prefix + (f"[^{''.join(after)}]" if after else "."))
    return "^(" + "|".join(alternatives) + ")"


_MOTORBIKE_HIGHWAYS = (
    '["highway"]'
    '["highway"!~"abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|'
    'escalator|footway|motorway|motorway_link|path|pedestrian|planned|platform|proposed|raceway|'
    'razed|steps|via_ferrata"]'
    + "".join(f'["{key}"!~"^({"|".join(sorted(values))})$"]' for key, values in CLOSED_WAY_TAGS.items())
    + f'["construction"!~"{_other_than(OPEN_CONSTRUCTION)}"]'
)
_CLOSED = "^(" + "|".join(sorted(EXCLUDED_ACCESS)) + ")$"
_MORE_SPECIFIC = "^(" + "|".join(ACCESS_KEYS[:-1]) + ")$"

MOTORBIKE_CUSTOM_FILTER = (
    f'{_MOTORBIKE_HIGHWAYS}["access"!~"{_CLOSED}"]',
    f'{_MOTORBIKE_HIGHWAYS}["access"~"{_CLOSED}"][~"{_MORE_SPECIFIC}"~"."]',
)
"""Overpass QL way filters for ``osmnx`` downloads (``custom_filter=list(...)``, one query each):
the ways :func:`motorbike_access` may open. The first takes every way whose ``access`` does not
close it; the second a way that ``access`` closes but a more specific key (``motorcycle``,
``motor_vehicle``, ``vehicle``) may open. Excluded classes (footways, toll motorways, ...) and
ways :func:`closed_way` closes, which no tag opens, are never downloaded; whether a downloaded way
is open is left to the rules."""

MAX_SPEED_KMH = 200.0
"""Fastest running speed a speed table may give, km/h (anything above is a typo, not a road)."""

_CLASS_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def checked_speeds(speeds_kmh: Mapping[str, float], unknown_kmh: float, *, where: str) -> dict[str, float]:
    """The speed table as plain floats, refused unless every class name is an OSM-style word
    (lower-case letters, digits, ``_``) and every speed a number in ``(0, MAX_SPEED_KMH]`` km/h.

    The names and numbers end up in the OSRM Lua profile as source text: nothing else may pass.
    """
    from ..errors import InvalidProblemError

    out: dict[str, float] = {}
    for name, value in [*speeds_kmh.items(), ("unknown_kmh", unknown_kmh)]:
        if not isinstance(name, str) or not _CLASS_NAME.fullmatch(name):
            raise InvalidProblemError(f"{where}: highway class {name!r} must be a lower-case word of letters, "
                                      "digits and '_' (an OSM highway value)"[:300])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SPEED_KMH:
            raise InvalidProblemError(f"{where}: speed for highway class {name!r} must be > 0 and at most "
                                      f"{MAX_SPEED_KMH:g} km/h, got {value!r}"[:300])
        out[name] = float(value)
    del out["unknown_kmh"]
    return out


def speed_changes(speeds_kmh: Mapping[str, float] | None, unknown_kmh: float) -> list[str]:
    """The speeds of a table (overrides of :data:`MOTORBIKE_SPEEDS_KMH`) and of unknown classes that
    differ from the sourced defaults, as ``"<class>_kmh=<speed>"``: what a backend's name records."""
    changed = [f"{k}_kmh={float(v)!r}" for k, v in sorted((speeds_kmh or {}).items())
               if MOTORBIKE_SPEEDS_KMH.get(k) != v]
    return changed + ([f"unknown_kmh={float(unknown_kmh)!r}"] if unknown_kmh != UNKNOWN_CLASS_KMH else [])


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed_kmh(value: object) -> float | None:
    """An OSM ``maxspeed`` tag as km/h, or ``None`` when absent/unparsable.

    Lists (osmnx merges parallel ways) give their minimum; ``"mph"`` is converted.
    """
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        parsed = [p for p in (parse_maxspeed_kmh(v) for v in value) if p is not None]
        return min(parsed) if parsed else None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) and value > 0 else None
    text = str(value).split(";")[0]
    m = _NUMBER.match(text)
    if not m:
        return None
    speed = float(m.group(1))
    if m.group(2) == "mph":
        speed *= 1.609344
    return speed if speed > 0 else None


def highway_class(value: object) -> str | None:
    """The first OSM ``highway`` value (osmnx may give a list), or ``None``."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else None
    return str(value)


def edge_speed_kmh(highway: object, maxspeed: object, speeds_kmh: Mapping[str, float], *,
                   unknown_kmh: float = UNKNOWN_CLASS_KMH, access: object = None, route: object = None,
                   osm_way: bool = False) -> float | None:
    """Speed on an edge, km/h: its class speed (its route's, :data:`ROUTE_SPEEDS_KMH`, on a ferry)
    capped by its ``maxspeed`` tag.

    ``None`` means the edge is not part of the motorbike network (excluded class, an ``access``
    value -- the one :func:`motorbike_access` finds -- that closes it, or, on an ``osm_way``, no
    ``highway`` tag and no route of :data:`ROUTE_SPEEDS_KMH`). A class missing from
    ``speeds_kmh`` (or no class at all, on an edge that is not an ``osm_way``) rides at
    ``unknown_kmh``.
    """
    cls = highway_class(highway) or None
    if cls in EXCLUDED_HIGHWAYS:
        return None
    if highway_class(access) in EXCLUDED_ACCESS:
        return None
    speed = ROUTE_SPEEDS_KMH.get(highway_class(route) or "")
    if speed is None:
        if cls is None and osm_way:
            return None
        speed = unknown_kmh if cls is None else speeds_kmh.get(cls, unknown_kmh)
    cap = parse_maxspeed_kmh(maxspeed)
    return min(speed, cap) if cap is not None else speed


def from_osm_way(edge: Mapping[str, object]) -> bool:
    """Whether a graph edge with these attributes comes from an OSM way: osmnx gives it the way's
    ``osmid`` (a GeoJSON road line has none)."""
    return edge.get("osmid") is not None


def way_tag(tags: Mapping[str, object], key: str) -> str | None:
    """A way's OSM tag ``key`` (the first value of a list), or ``None``; its ``oneway`` from
    :data:`OSM_ONEWAY` where a loader kept it there (on graph edges ``oneway`` is osmnx's bool)."""
    if key == "oneway" and tags.get(OSM_ONEWAY) is not None:
        return highway_class(tags[OSM_ONEWAY])
    return highway_class(tags.get(key))


def closed_way(tags: Mapping[str, object]) -> bool:
    """Whether a way with these ``tags`` (OSM tags or a graph edge's attributes, see
    :func:`way_tag`) is closed to every vehicle, as the OSRM profile closes it: by
    :data:`CLOSED_WAY_TAGS` (``area=yes``, ``oneway=reversible``, ``impassable=yes``, ...) or by a
    ``construction`` value not in :data:`OPEN_CONSTRUCTION`."""
    construction = way_tag(tags, "construction")
    return (any(way_tag(tags, key) in values for key, values in CLOSED_WAY_TAGS.items())
            or (construction is not None and construction not in OPEN_CONSTRUCTION))


def motorbike_access(tags: Mapping[str, object]) -> str | None:
    """The access value that applies to a motorbike on a way or node with these ``tags``.

    The first of :data:`ACCESS_KEYS` present decides (``motorcycle=yes`` opens a way with
    ``access=no``; ``motor_vehicle=private`` closes one with no other tag). A ``;`` list gives its
    first open value, else its first closing value, else its first value. ``None`` when no key is
    present. These are the rules of the OSRM profile (``profiles/motorbike.lua``).
    """
    for key in ACCESS_KEYS:
        value = highway_class(tags.get(key))
        if value is None:
            continue
        if ";" not in value:
            return value
        parts = [part.strip() for part in value.split(";")]
        return next((p for p in parts if p in OPEN_ACCESS),
                    next((p for p in parts if p in EXCLUDED_ACCESS), parts[0]))
    return None


def motorbike_oneway(tags: Mapping[str, object]) -> str:
    """Which way a motorbike may ride an OSM way with these ``tags``: ``"yes"`` (along its nodes
    only), ``"-1"`` (against them only) or ``"no"`` (both).

    The first of :data:`ONEWAY_KEYS` present decides (``oneway:motorcycle=no`` opens a one-way
    street both ways): ``yes``, ``1`` and ``true`` are one-way, ``-1`` reversed, anything else
    two-way; a roundabout (``junction=roundabout`` or ``circular``) is one-way unless that value is
    ``no``. These are the rules of the OSRM profile (``profiles/motorbike.lua``).
    """
    value = next((str(tags[k]) for k in ONEWAY_KEYS if tags.get(k) is not None), None)
    if value == "-1":
        return "-1"
    if value in ("yes", "1", "true"):
        return "yes"
    if value != "no" and (tags.get("junction") in ("roundabout", "circular") or tags.get("highway") == "motorway"):
        return "yes"
    return "no"
