"""The ``matrix`` backend: travel times and distances supplied by the user.

From numpy arrays, a ``.npz`` file, square CSV files or a long-format Parquet/CSV table. Every
input is validated (square, same shapes, finite, non-negative, zero diagonal, unique ids), and a
request for a location the matrix does not hold fails naming it.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidMatrixError, MedrouteError, require
from ..geo import Location
from .base import DEFAULT_PROFILE, TravelArrays, TravelMatrix, location_points


class MatrixBackend:
    """Answers ``matrix(locations)`` by looking each location up in a supplied matrix.

    Parameters
    ----------
    durations_s
        (n, n) travel times, seconds (rounded to integers).
    distances_m
        (n, n) travel distances, metres (rounded to integers).
    locations
        The n locations, in row order; requested locations match them by exact
        coordinates. Optional when ``ids`` is given.
    ids
        The n location names, in row order; ``matrix(..., ids=...)`` matches by name.
    profile
        The one profile the matrix is for.

    Raises
    ------
    InvalidMatrixError
        Bad shape, non-finite or negative entries, non-zero diagonal, duplicate
        ids or locations, or neither ``locations`` nor ``ids``.
    """

    name = "matrix"

    def __init__(self, durations_s: ArrayLike, distances_m: ArrayLike, *,
                 locations: Sequence[Location] | None = None, ids: Sequence[str] | None = None,
                 profile: str = DEFAULT_PROFILE) -> None:
        d = _as_matrix(durations_s, "durations_s")
        m = _as_matrix(distances_m, "distances_m")
        if m.shape != d.shape:
            raise InvalidMatrixError(
                f"matrix: distances shape {m.shape} differs from durations shape {d.shape}")
        n = d.shape[0]
        if locations is None and ids is None:
            raise InvalidMatrixError("matrix: give the row locations, the row ids, or both")
        if locations is not None and len(locations) != n:
            raise InvalidMatrixError(f"matrix: {len(locations)} locations for a {n} x {n} matrix")
        if ids is not None:
            if len(ids) != n:
                raise InvalidMatrixError(f"matrix: {len(ids)} ids for a {n} x {n} matrix")
            seen: set[str] = set()
            for name_ in ids:
                if name_ in seen:
                    raise InvalidMatrixError(f"matrix: id {name_!r} appears twice")
                seen.add(name_)
        for name, arr in (("durations_s", d), ("distances_m", m)):
            diag = np.flatnonzero(np.diag(arr) != 0)
            if diag.size:
                k = int(diag[0])
                who = repr(ids[k]) if ids is not None else str(k)
                raise InvalidMatrixError(
                    f"matrix: {name} diagonal entry for {who} must be 0, got {arr[k, k]}")
        self.durations_s = np.rint(d).astype(np.int32)
        self.distances_m = np.rint(m).astype(np.int32)
        TravelMatrix(self.durations_s, self.distances_m, ids=tuple(ids) if ids is not None else None)
        self.ids = tuple(ids) if ids is not None else None
        self.locations = tuple(locations) if locations is not None else None
        self._points = location_points(self.locations) if self.locations is not None else None
        self.profile = profile
        self._by_id = {k: i for i, k in enumerate(self.ids or ())}
        self._by_xy: dict[tuple[float, float], int] = {}
        for i, p in enumerate(self.locations or ()):
            key = (float(p.lat), float(p.lon))
            if key in self._by_xy:
                raise InvalidMatrixError(f"matrix: location {i} ({p.lat}, {p.lon}) appears twice")
            self._by_xy[key] = i

    # ----------------------------------------------------------------------------- loaders
    @classmethod
    def from_npz(cls, path: str | Path, **kw: Any) -> MatrixBackend:
        """Load arrays ``durations_s``, ``distances_m`` and optionally ``ids``, ``lat``, ``lon``.

        Raises
        ------
        InvalidMatrixError
            The file is missing or not an ``.npz`` archive of those arrays (the message says
            what the file looks like and what a matrix file holds), or the arrays break a
            matrix rule.
        """
        where = f"matrix file {str(path)!r}"
        _require_npz(Path(path), where)
        try:
            with np.load(Path(path), allow_pickle=False) as z:
                for key in ("durations_s", "distances_m"):
                    if key not in z:
                        raise InvalidMatrixError(f"{where}: array {key!r} is missing")
                if "origins" in z:
                    raise InvalidMatrixError(f"{where}: holds the legs of one plan (a day planned in parts), not "
                                             "a matrix: read it with medroute.travel.matrix.read_npz")
                ids = [str(s) for s in z["ids"].ravel()] if "ids" in z else None
                locs = ([Location(float(a), float(b)) for a, b in zip(z["lat"], z["lon"], strict=True)]
                        if "lat" in z and "lon" in z else None)
                durations, distances = z["durations_s"], z["distances_m"]
        except MedrouteError:
            raise
        except FileNotFoundError:
            raise InvalidMatrixError(f"{where}: does not exist") from None
        except Exception as exc:  # numpy and zipfile raise BadZipFile, ValueError, OSError, EOFError, ...
            detail = ("an array holds Python objects, which are never loaded" if "pickle" in str(exc)
                      else f"{type(exc).__name__}: {exc}"[:300])
            raise InvalidMatrixError(f"{where}: not a readable .npz archive of numeric arrays ({detail}); "
                                     f"{NPZ_CONTENT}") from exc
        return cls(durations, distances, ids=kw.pop("ids", ids), locations=kw.pop("locations", locs), **kw)

    def to_npz(self, path: str | Path) -> None:
        """Save in the format :meth:`from_npz` reads."""
        arrays: dict[str, Any] = {"durations_s": self.durations_s, "distances_m": self.distances_m}
        if self.ids is not None:
            arrays["ids"] = np.array(self.ids, dtype=str)
        if self.locations is not None:
            arrays["lat"] = np.array([p.lat for p in self.locations])
            arrays["lon"] = np.array([p.lon for p in self.locations])
        np.savez(Path(path), **arrays)

    @classmethod
    def from_csv(cls, durations_path: str | Path, distances_path: str | Path, *,
                 locations: Sequence[Location] | Mapping[str, Location] | None = None,
                 profile: str = DEFAULT_PROFILE) -> MatrixBackend:
        """Two square CSV files, first row and first column the location ids (same order in both).

        ``locations`` gives coordinates, in id order or as a mapping id → Location.
        """
        pd: Any = require("pandas", "viz")
        dur = pd.read_csv(durations_path, index_col=0)
        dist = pd.read_csv(distances_path, index_col=0)
        ids = [str(c) for c in dur.columns]
        for name, frame in (("durations", dur), ("distances", dist)):
            rows = [str(r) for r in frame.index]
            cols = [str(c) for c in frame.columns]
            if rows != ids or cols != ids:
                raise InvalidMatrixError(
                    f"matrix csv {name}: row and column ids must equal the durations header {ids[:5]}...")
        return cls(dur.to_numpy(dtype=np.float64), dist.to_numpy(dtype=np.float64), ids=ids,
                   locations=_locations_for(ids, locations), profile=profile)

    @classmethod
    def from_table(cls, path: str | Path, *,
                   locations: Sequence[Location] | Mapping[str, Location] | None = None,
                   profile: str = DEFAULT_PROFILE) -> MatrixBackend:
        """A long table (``.parquet`` or ``.csv``) with columns ``from``, ``to``, ``duration_s``,
        ``distance_m``: one row per ordered pair, diagonal optional (taken as 0)."""
        pd: Any = require("pandas", "viz")
        p = Path(path)
        if p.suffix.lower() == ".parquet":
            require("pyarrow", "osm")
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p)
        need = {"from", "to", "duration_s", "distance_m"}
        if not need <= set(df.columns):
            missing = sorted(need - set(df.columns))
            raise InvalidMatrixError(f"matrix table {str(p)!r}: columns {missing} missing")
        src = df["from"].astype(str).to_numpy()
        dst = df["to"].astype(str).to_numpy()
        ids = list(dict.fromkeys([*src.tolist(), *dst.tolist()]))
        pos = {k: i for i, k in enumerate(ids)}
        n = len(ids)
        r = np.array([pos[s] for s in src], dtype=np.int64)
        c = np.array([pos[s] for s in dst], dtype=np.int64)
        flat = r * n + c
        uniq, counts = np.unique(flat, return_counts=True)
        if (counts > 1).any():
            k = int(uniq[counts > 1][0])
            raise InvalidMatrixError(f"matrix table: pair ({ids[k // n]!r}, {ids[k % n]!r}) appears twice")
        dur = np.full((n, n), np.nan)
        dist = np.full((n, n), np.nan)
        dur[r, c] = df["duration_s"].to_numpy(dtype=np.float64)
        dist[r, c] = df["distance_m"].to_numpy(dtype=np.float64)
        np.fill_diagonal(dur, np.where(np.isnan(np.diag(dur)), 0.0, np.diag(dur)))
        np.fill_diagonal(dist, np.where(np.isnan(np.diag(dist)), 0.0, np.diag(dist)))
        holes = np.argwhere(np.isnan(dur) | np.isnan(dist))
        if holes.size:
            i, j = (int(x) for x in holes[0])
            raise InvalidMatrixError(f"matrix table: pair ({ids[i]!r}, {ids[j]!r}) is missing "
                                     f"({len(holes)} pairs missing)")
        return cls(dur, dist, ids=ids, locations=_locations_for(ids, locations), profile=profile)

    # ----------------------------------------------------------------------------- backend
    def cache_key(self) -> str:
        h = hashlib.sha256(self.durations_s.tobytes() + self.distances_m.tobytes())
        h.update(repr((self.ids, self.locations, self.profile)).encode())
        return f"matrix:{h.hexdigest()}"

    @property
    def points(self) -> NDArray[np.float64] | None:
        """The (n, 2) latitudes and longitudes of the rows (``None`` without ``locations``)."""
        return self._points

    def has(self, loc: Location) -> int | None:
        """The row of ``loc`` (exact coordinates), ``None`` when the matrix does not hold it."""
        return self._by_xy.get((float(loc.lat), float(loc.lon)))

    def _row(self, i: int, loc: Location, ids: Sequence[str] | None) -> int:
        if ids is not None and self.ids is not None:
            k = self._by_id.get(ids[i])
            if k is None:
                raise InvalidMatrixError(f"matrix: location {i} ({ids[i]!r}) is not in the matrix", index=i)
            return k
        k2 = self._by_xy.get((float(loc.lat), float(loc.lon)))
        if k2 is None:
            hint = "" if self.locations is not None else " (the matrix has ids only: pass ids=...)"
            raise InvalidMatrixError(
                f"matrix: location {i} at ({loc.lat}, {loc.lon}) is not in the matrix{hint}", index=i)
        return k2

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE,
               ids: Sequence[str] | None = None) -> TravelMatrix:
        """The sub-matrix for ``locations`` (matched by ``ids`` when given, else by coordinates); its
        :attr:`~TravelMatrix.points` are the matrix's own locations of those rows, when it has them."""
        if profile != self.profile:
            raise InvalidMatrixError(f"matrix: supplied for profile {self.profile!r}, asked for {profile!r}")
        if ids is not None and len(ids) != len(locations):
            raise InvalidMatrixError(f"matrix: {len(ids)} ids for {len(locations)} locations")
        rows = np.array([self._row(i, p, ids) for i, p in enumerate(locations)], dtype=np.int64)
        sel = np.ix_(rows, rows)
        return TravelMatrix(self.durations_s[sel], self.distances_m[sel], np.zeros(len(rows)),
                            profile=profile, ids=tuple(ids) if ids is not None else None,
                            points=self._points[rows] if self._points is not None else None)

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """The entries from every source to every target (matched by coordinates)."""
        rs, rt = self._rows(sources, profile), self._rows(targets, profile)
        return self.durations_s[np.ix_(rs, rt)], self.distances_m[np.ix_(rs, rt)]

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location], *,
             profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """The entries from ``origins[i]`` to ``destinations[i]`` (matched by coordinates)."""
        ro, rd = self._rows(origins, profile), self._rows(destinations, profile)
        return self.durations_s[ro, rd], self.distances_m[ro, rd]

    def _rows(self, locations: Sequence[Location], profile: str) -> NDArray[np.int64]:
        if profile != self.profile:
            raise InvalidMatrixError(f"matrix: supplied for profile {self.profile!r}, asked for {profile!r}")
        return np.array([self._row(i, p, None) for i, p in enumerate(locations)], dtype=np.int64)

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """A straight segment: a supplied matrix carries no geometry."""
        return [a, b]


class LegTable:
    """Travel for chosen legs only: the legs one plan rides and :func:`medroute.check` reads.

    What :func:`medroute.outputs.write_outputs` writes as ``travel.npz`` for a day planned in parts
    (its plan has no travel digest): not a square matrix over the day's places (two 11,000 ×
    11,000 arrays at 10,000 orders), but what re-checking the plan needs. ``medroute check`` reads
    it back (:func:`read_npz`) and checks the plan leg by leg; travel between two places it does not
    hold is refused (:class:`~medroute.errors.InvalidMatrixError`), so it re-checks that plan only.

    Parameters
    ----------
    points
        (k, 2) latitudes and longitudes (degrees) of the places the legs join.
    origins, destinations
        (m,) rows of ``points``: leg ``i`` goes from ``origins[i]`` to ``destinations[i]``.
    durations_s, distances_m
        (m,) seconds and metres of each leg.
    profile
        The one travel profile the legs are for.
    backend
        The name of the backend that computed the legs (``""``: not known).

    Raises
    ------
    InvalidMatrixError
        Arrays of other shapes or lengths, rows outside ``points``, negative or non-integer-range
        entries, or a place twice.
    """

    name = "matrix"
    """As :class:`MatrixBackend`: travel supplied, of whichever backend computed it (:attr:`backend`)."""

    def __init__(self, points: ArrayLike, origins: ArrayLike, destinations: ArrayLike, durations_s: ArrayLike,
                 distances_m: ArrayLike, *, profile: str = DEFAULT_PROFILE, backend: str = "") -> None:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        rows = [np.asarray(a, dtype=np.int64).ravel() for a in (origins, destinations)]
        values = [np.rint(_as_legs(a, name)).astype(np.int64)
                  for a, name in ((durations_s, "durations_s"), (distances_m, "distances_m"))]
        if len({len(a) for a in (*rows, *values)}) != 1:
            raise InvalidMatrixError(f"legs: origins, destinations, durations_s and distances_m must be as long, "
                                     f"got {[len(a) for a in (*rows, *values)]}")
        ends = np.concatenate(rows)
        if ends.size and (int(np.min(ends)) < 0 or int(np.max(ends)) >= len(pts)):
            raise InvalidMatrixError(f"legs: origins and destinations must be rows of the {len(pts)} points")
        self.points = pts
        self.profile = profile
        self.backend = backend
        self._at = {(float(a), float(b)): i for i, (a, b) in enumerate(pts.tolist())}
        if len(self._at) != len(pts):
            raise InvalidMatrixError("legs: a place appears twice among the points")
        self._legs = dict(zip(zip(rows[0].tolist(), rows[1].tolist(), strict=True),
                              zip(values[0].tolist(), values[1].tolist(), strict=True), strict=True))

    @classmethod
    def of(cls, pairs: Sequence[tuple[Location, Location]], durations_s: ArrayLike, distances_m: ArrayLike, *,
           profile: str = DEFAULT_PROFILE, backend: str = "") -> LegTable:
        """The legs ``pairs`` (origin, destination) with their seconds and metres, computed by the
        backend named ``backend``."""
        places = list(dict.fromkeys(p for pair in pairs for p in pair))
        at = {p: i for i, p in enumerate(places)}
        return cls(location_points(places), [at[a] for a, _ in pairs], [at[b] for _, b in pairs], durations_s,
                   distances_m, profile=profile, backend=backend)

    @property
    def held(self) -> int:
        """Number of legs held."""
        return len(self._legs)

    def holds(self, pairs: Iterable[tuple[Location, Location]]) -> bool:
        """Whether every leg (origin, destination) of ``pairs`` is held (a place to itself always is)."""
        at = self._at
        for a, b in pairs:
            if a == b:
                continue
            ra, rb = at.get((float(a.lat), float(a.lon))), at.get((float(b.lat), float(b.lon)))
            if ra is None or rb is None or (ra, rb) not in self._legs:
                return False
        return True

    @classmethod
    def from_npz(cls, path: str | Path) -> LegTable:
        """Read what :meth:`to_npz` wrote (see :func:`read_npz` for any ``travel.npz``); a file
        without ``backend`` (written before it was kept) gives ``backend=""``."""
        with np.load(Path(path), allow_pickle=False) as z:
            return cls(np.stack([z["lat"], z["lon"]], axis=1), z["origins"], z["destinations"], z["durations_s"],
                       z["distances_m"], profile=str(z["profile"]),
                       backend=str(z["backend"]) if "backend" in z.files else "")

    def to_npz(self, path: str | Path) -> None:
        """Save, compressed: ``lat``, ``lon`` (the places), ``origins``, ``destinations`` (their rows),
        ``durations_s``, ``distances_m`` (one per leg), ``profile`` and ``backend``."""
        (o, d), (dur, dist) = (np.array(list(self._legs), dtype=np.int32).reshape(-1, 2).T,
                               np.array(list(self._legs.values()), dtype=np.int32).reshape(-1, 2).T)
        np.savez_compressed(Path(path), lat=self.points[:, 0], lon=self.points[:, 1], origins=o, destinations=d,
                            durations_s=dur, distances_m=dist, profile=np.array(self.profile),
                            backend=np.array(self.backend))

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location], *,
             profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Seconds and metres from ``origins[i]`` to ``destinations[i]`` (0 from a place to itself).

        Raises
        ------
        InvalidMatrixError
            Another profile, or a leg the table does not hold.
        """
        if profile != self.profile:
            raise InvalidMatrixError(f"legs: supplied for profile {self.profile!r}, asked for {profile!r}")
        if len(origins) != len(destinations):
            raise ValueError(f"legs: {len(origins)} origins for {len(destinations)} destinations")
        out = np.zeros((2, len(origins)), dtype=np.int32)
        for i, (a, b) in enumerate(zip(origins, destinations, strict=True)):
            if a != b:
                out[:, i] = self._leg(a, b)
        return out[0], out[1]

    def _leg(self, a: Location, b: Location) -> tuple[int, int]:
        ra, rb = self._at.get((float(a.lat), float(a.lon))), self._at.get((float(b.lat), float(b.lon)))
        leg = self._legs.get((ra, rb)) if ra is not None and rb is not None else None
        if leg is None:
            raise InvalidMatrixError(
                f"legs: travel from ({a.lat:.6f}, {a.lon:.6f}) to ({b.lat:.6f}, {b.lon:.6f}) is not held: this "
                f"travel holds only the {self.held:,} legs of the plan it was written with (a day planned in "
                "parts): was the plan changed since? Check it with the travel backend it was made with")
        return leg

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Every source to every target, when the table holds all those legs (see :meth:`legs`)."""
        pairs = [(a, b) for a in sources for b in targets]
        dur, dist = self.legs([a for a, _ in pairs], [b for _, b in pairs], profile=profile)
        return dur.reshape(len(sources), len(targets)), dist.reshape(len(sources), len(targets))

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        """The square matrix over ``locations``, when the table holds all those legs (see :meth:`legs`)."""
        dur, dist = self.table(locations, locations, profile=profile)
        return TravelMatrix(dur, dist, profile=profile, backend=self.name, points=location_points(locations))

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """A straight segment: supplied travel carries no geometry."""
        return [a, b]


def read_npz(path: str | Path, **kw: Any) -> MatrixBackend | LegTable:
    """A travel ``.npz``: a :class:`MatrixBackend` (``kw`` as :meth:`MatrixBackend.from_npz`), or
    the :class:`LegTable` of one plan (a file with ``origins``), as
    :func:`medroute.outputs.write_outputs` writes for a day planned in parts.

    Raises
    ------
    InvalidMatrixError
        As :meth:`MatrixBackend.from_npz`; a legs file that is not readable, or given ``kw``.
    """
    where = f"matrix file {str(path)!r}"
    _require_npz(Path(path), where)
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            legs = "origins" in z.files
    except Exception:  # a damaged archive: MatrixBackend.from_npz says what it is
        legs = False
    if not legs:
        return MatrixBackend.from_npz(path, **kw)
    if kw:
        raise InvalidMatrixError(f"{where}: holds the legs of one plan, which take no {sorted(kw)}")
    try:
        return LegTable.from_npz(path)
    except MedrouteError:
        raise
    except Exception as exc:  # an array missing, arrays of other shapes
        raise InvalidMatrixError(f"{where}: not a readable legs file ({type(exc).__name__}: {exc}"[:300] + "); "
                                 "a legs file holds lat, lon, origins, destinations, durations_s, distances_m "
                                 "and profile") from exc


NPZ_CONTENT = ("an .npz travel matrix (a zip archive of numpy arrays, as np.savez writes) holds durations_s "
               "and distances_m, (n, n) seconds and metres, and ids or lat/lon naming the n rows: e.g. the "
               "travel.npz that medroute solve and demo write beside plan.json")
"""What a matrix file must hold, for error messages."""


def _require_npz(path: Path, where: str) -> None:
    """Refuse a file that is not a zip archive before numpy reads it (numpy would try a pickle or a
    single ``.npy`` array and answer with its own advice)."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise InvalidMatrixError(f"{where}: does not exist") from None
    except OSError as exc:
        raise InvalidMatrixError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if head.startswith(b"PK") and zipfile.is_zipfile(path):
        return
    if head.startswith(b"\x93NUMPY"):
        kind = "a single .npy array"
    elif head.lstrip()[:1] in (b"{", b"["):
        kind = "JSON text"
    elif head.startswith(b"PK"):
        kind = "a truncated or damaged zip archive"
    else:
        kind = "neither a zip archive nor numpy data"
    raise InvalidMatrixError(f"{where}: not an .npz travel matrix (it is {kind}); {NPZ_CONTENT}")


def _as_matrix(values: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidMatrixError(f"matrix: {name} is not numeric ({exc})") from exc
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InvalidMatrixError(f"matrix: {name} must be square, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        i, j = np.argwhere(~np.isfinite(arr))[0]
        raise InvalidMatrixError(f"matrix: {name} entry ({i}, {j}) is not finite")
    if arr.size and float(np.min(arr)) < 0:
        i, j = np.unravel_index(int(np.argmin(arr)), arr.shape)
        raise InvalidMatrixError(f"matrix: {name} must not be negative, entry ({i}, {j}) is {arr[i, j]}")
    return arr


def _as_legs(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)) or (arr.size and float(np.min(arr)) < 0):
        raise InvalidMatrixError(f"legs: {name} must be finite and not negative")
    if arr.size and float(np.max(arr)) > np.iinfo(np.int32).max:
        raise InvalidMatrixError(f"legs: {name} exceeds the int32 range")
    return arr


def _locations_for(ids: list[str], locations: Sequence[Location] | Mapping[str, Location] | None
                   ) -> list[Location] | None:
    if locations is None:
        return None
    if isinstance(locations, Mapping):
        missing = [k for k in ids if k not in locations]
        if missing:
            raise InvalidMatrixError(f"matrix: no location given for id {missing[0]!r}")
        return [locations[k] for k in ids]
    return list(locations)
