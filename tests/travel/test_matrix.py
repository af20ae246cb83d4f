from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medroute.errors import InvalidMatrixError
from medroute.geo import Location
from medroute.travel import backend
from medroute.travel.matrix import LegTable, MatrixBackend, read_npz

PTS = [Location(-8.20, 114.36), Location(-8.21, 114.37), Location(-8.22, 114.35)]
DUR = np.array([[0, 60, 90], [70, 0, 40], [95, 45, 0]])
DIST = np.array([[0, 600, 900], [700, 0, 400], [950, 450, 0]])
IDS = ["a", "b", "c"]


def make() -> MatrixBackend:
    return MatrixBackend(DUR, DIST, locations=PTS, ids=IDS)


def test_lookup_by_coordinates_in_any_order() -> None:
    m = make().matrix([PTS[2], PTS[0]])
    assert m.durations_s.tolist() == [[0, 95], [90, 0]]
    assert m.distances_m.tolist() == [[0, 950], [900, 0]]


def test_lookup_by_id() -> None:
    m = MatrixBackend(DUR, DIST, ids=IDS).matrix([Location(0, 0), Location(1, 1)], ids=["b", "c"])
    assert m.durations_s.tolist() == [[0, 40], [45, 0]]
    assert m.ids == ("b", "c")


def test_points_are_the_matrix_locations_of_the_rows() -> None:
    m = make().matrix([PTS[2], PTS[0]])
    assert m.points is not None and m.points.tolist() == [[-8.22, 114.35], [-8.20, 114.36]]
    by_id = make().matrix([Location(0, 0), Location(1, 1)], ids=["b", "c"])  # the rows' own places
    assert by_id.points is not None and by_id.points.tolist() == [[-8.21, 114.37], [-8.22, 114.35]]
    assert MatrixBackend(DUR, DIST, ids=IDS).matrix(PTS[:2], ids=["b", "c"]).points is None  # ids only


def test_missing_location_named() -> None:
    with pytest.raises(InvalidMatrixError, match=r"location 1 at \(-8\.5, 114\.0\) is not in the matrix"):
        make().matrix([PTS[0], Location(-8.5, 114.0)])
    with pytest.raises(InvalidMatrixError, match="location 0 \\('zz'\\)"):
        make().matrix([PTS[0]], ids=["zz"])


@pytest.mark.parametrize(("dur", "dist", "kw", "match"), [
    (np.zeros((2, 3)), np.zeros((2, 3)), {"ids": ["a", "b"]}, "square"),
    (np.zeros((2, 2)), np.zeros((3, 3)), {"ids": ["a", "b"]}, "differs"),
    ([[0, -1], [1, 0]], np.zeros((2, 2)), {"ids": ["a", "b"]}, "negative"),
    ([[0, np.nan], [1, 0]], np.zeros((2, 2)), {"ids": ["a", "b"]}, "not finite"),
    ([[5, 1], [1, 0]], np.zeros((2, 2)), {"ids": ["a", "b"]}, "diagonal entry for 'a'"),
    (np.zeros((2, 2)), np.zeros((2, 2)), {"ids": ["a", "a"]}, "appears twice"),
    (np.zeros((2, 2)), np.zeros((2, 2)), {"ids": ["a"]}, "1 ids"),
    (np.zeros((2, 2)), np.zeros((2, 2)), {}, "locations, the row ids"),
    (np.zeros((2, 2)), np.zeros((2, 2)), {"locations": [PTS[0], PTS[0]]}, "appears twice"),
    ([["x", 1], [1, 0]], np.zeros((2, 2)), {"ids": ["a", "b"]}, "not numeric"),
])
def test_invalid_inputs(dur: object, dist: object, kw: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidMatrixError, match=match):
        MatrixBackend(dur, dist, **kw)  # type: ignore[arg-type]


def test_wrong_profile() -> None:
    with pytest.raises(InvalidMatrixError, match="profile"):
        make().matrix(PTS, profile="car")


def test_npz_round_trip(tmp_path: Path) -> None:
    make().to_npz(tmp_path / "m.npz")
    back = MatrixBackend.from_npz(tmp_path / "m.npz")
    assert back.ids == tuple(IDS) and back.locations == tuple(PTS)
    assert np.array_equal(back.matrix(PTS).durations_s, DUR)
    assert np.array_equal(back.matrix(PTS).points, [(p.lat, p.lon) for p in PTS])
    np.savez(tmp_path / "bad.npz", durations_s=DUR)
    with pytest.raises(InvalidMatrixError, match="distances_m"):
        MatrixBackend.from_npz(tmp_path / "bad.npz")


def test_square_csv(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pd.DataFrame(DUR, index=IDS, columns=IDS).to_csv(tmp_path / "d.csv")
    pd.DataFrame(DIST, index=IDS, columns=IDS).to_csv(tmp_path / "m.csv")
    b = MatrixBackend.from_csv(tmp_path / "d.csv", tmp_path / "m.csv", locations=dict(zip(IDS, PTS, strict=True)))
    assert np.array_equal(b.matrix(PTS).distances_m, DIST)
    pd.DataFrame(DIST, index=["a", "c", "b"], columns=IDS).to_csv(tmp_path / "m2.csv")
    with pytest.raises(InvalidMatrixError, match="row and column ids"):
        MatrixBackend.from_csv(tmp_path / "d.csv", tmp_path / "m2.csv")


def _long(drop: int | None = None, dup: bool = False) -> object:
    pd = pytest.importorskip("pandas")
    rows = [(IDS[i], IDS[j], DUR[i, j], DIST[i, j]) for i in range(3) for j in range(3) if i != j]
    if drop is not None:
        rows.pop(drop)
    if dup:
        rows.append(rows[0])
    return pd.DataFrame(rows, columns=["from", "to", "duration_s", "distance_m"])


def test_parquet_long_table(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    _long().to_parquet(tmp_path / "t.parquet")  # type: ignore[attr-defined]
    b = MatrixBackend.from_table(tmp_path / "t.parquet", locations=PTS)
    assert np.array_equal(b.matrix(PTS).durations_s, DUR)
    _long(drop=0).to_parquet(tmp_path / "hole.parquet")  # type: ignore[attr-defined]
    with pytest.raises(InvalidMatrixError, match=r"pair \('a', 'b'\) is missing"):
        MatrixBackend.from_table(tmp_path / "hole.parquet")
    _long(dup=True).to_csv(tmp_path / "dup.csv", index=False)  # type: ignore[attr-defined]
    with pytest.raises(InvalidMatrixError, match="appears twice"):
        MatrixBackend.from_table(tmp_path / "dup.csv")


def test_path_is_a_straight_segment() -> None:
    assert make().path(PTS[0], PTS[1]) == [PTS[0], PTS[1]]


@pytest.mark.parametrize(("content", "match"), [
    (b"", r"not an \.npz travel matrix \(it is neither a zip archive nor numpy data\)"),
    (b"PK\x03\x04garbage", r"not an \.npz travel matrix \(it is a truncated or damaged zip archive\)"),
    (bytes(range(256)) * 4, r"not an \.npz travel matrix"),
    (b'{"medroute": "problem/1"}', r"not an \.npz travel matrix \(it is JSON text\); .* holds durations_s and "
                                  r"distances_m"),
])
def test_garbage_npz_is_refused_clearly(tmp_path: Path, content: bytes, match: str) -> None:
    """Issue 18 #12: garbage .npz files raised BadZipFile, OSError, EOFError or ValueError."""
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(InvalidMatrixError, match=match):
        MatrixBackend.from_npz(path)
    with pytest.raises(InvalidMatrixError, match="does not exist"):
        MatrixBackend.from_npz(tmp_path / "none.npz")


def test_npz_with_pickled_or_mismatched_arrays_is_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "obj.npz", durations_s=np.array([[0, {}], [1, 0]], dtype=object),
             distances_m=np.zeros((2, 2)))
    with pytest.raises(InvalidMatrixError, match=r"holds Python objects, which are never loaded") as refused:
        MatrixBackend.from_npz(tmp_path / "obj.npz")
    assert "allow_pickle" not in str(refused.value)
    np.savez(tmp_path / "lat.npz", durations_s=np.zeros((2, 2)), distances_m=np.zeros((2, 2)),
             lat=np.zeros(2), lon=np.zeros(3))
    with pytest.raises(InvalidMatrixError, match=r"not a readable \.npz archive"):
        MatrixBackend.from_npz(tmp_path / "lat.npz")


def test_a_leg_table_answers_its_legs_only_and_reads_back(tmp_path: Path) -> None:
    """The legs of one plan (what write_outputs keeps of a day planned in parts): read back from its
    file by read_npz and backend("matrix", path=...), any other leg refused by name."""
    legs = LegTable.of([(PTS[0], PTS[1]), (PTS[1], PTS[2])], [60, 40], [600, 400])
    legs.to_npz(tmp_path / "legs.npz")
    for back in (read_npz(tmp_path / "legs.npz"), backend("matrix", path=tmp_path / "legs.npz")):
        assert isinstance(back, LegTable) and back.held == 2
        dur, dist = back.legs([PTS[1], PTS[0], PTS[2]], [PTS[2], PTS[1], PTS[2]])
        assert dur.tolist() == [40, 60, 0] and dist.tolist() == [400, 600, 0]
        with pytest.raises(InvalidMatrixError, match=r"travel from \(-8.210000, 114.370000\) to \(-8.200000, "
                                                     r"114.360000\) is not held: .* only the 2 legs"):
            back.matrix(PTS[:2])
    with pytest.raises(InvalidMatrixError, match=r"holds the legs of one plan.*read_npz"):
        MatrixBackend.from_npz(tmp_path / "legs.npz")
    MatrixBackend(DUR, DIST, locations=PTS).to_npz(tmp_path / "full.npz")
    assert isinstance(read_npz(tmp_path / "full.npz"), MatrixBackend)
    with pytest.raises(InvalidMatrixError, match="must be as long"):
        LegTable([[-8.2, 114.3]], [0], [0], [1, 2], [3])
