"""What changed between two consecutive plans, per rider."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RiderDiff:
    """What changed for one rider: orders added to or removed from the route, and whether the
    orders kept are visited in another sequence."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    resequenced: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything changed."""
        return bool(self.added or self.removed or self.resequenced)


@dataclass(frozen=True)
class PlanDiff:
    """Differences between two consecutive plans (only riders with a change are listed)."""

    riders: Mapping[str, RiderDiff] = field(default_factory=dict)
    moved: tuple[str, ...] = ()
    """Orders that changed rider."""
    unassigned: tuple[str, ...] = ()
    """Orders the new plan leaves out."""

    @property
    def changed(self) -> bool:
        """Whether any rider's route changed."""
        return bool(self.riders)


def diff(old: Mapping[str, Sequence[tuple[str, str]]], new: Mapping[str, Sequence[tuple[str, str]]],
         unassigned: tuple[str, ...]) -> PlanDiff:
    """Per rider: orders added, removed, and whether the common stops changed sequence.

    ``old`` and ``new`` map rider ids to ``(kind, order id)`` stops in order.
    """
    riders: dict[str, RiderDiff] = {}
    owner_old = {oid: rid for rid, vs in old.items() for _, oid in vs}
    owner_new = {oid: rid for rid, vs in new.items() for _, oid in vs}
    for rid in sorted(set(old) | set(new)):
        a, b = list(old.get(rid, ())), list(new.get(rid, ()))
        ao, bo = list(dict.fromkeys(o for _, o in a)), list(dict.fromkeys(o for _, o in b))
        added = tuple(o for o in bo if o not in set(ao))
        removed = tuple(o for o in ao if o not in set(bo))
        common = set(ao) & set(bo)
        reseq = [v for v in a if v[1] in common] != [v for v in b if v[1] in common]
        d = RiderDiff(added, removed, reseq)
        if d.changed:
            riders[rid] = d
    moved = tuple(sorted(o for o, r in owner_new.items() if o in owner_old and owner_old[o] != r))
    return PlanDiff(riders, moved, unassigned)
