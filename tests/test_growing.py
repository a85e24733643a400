"""Load (issue 15): matrices that grow at their end (representation/growing.py) hold what
`np.vstack` / `sp.vstack` would, and a snapshot's rows never change after it was taken."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.representation.embedding import ProfileVectors
from matchmaker.representation.growing import Growth


def vectors(rows: int, start: int, seed: int) -> ProfileVectors:
    rng = np.random.default_rng(seed)

    def lexical() -> sp.csr_matrix:
        m = sp.random(rows, 50, density=0.2, format="csr", dtype=np.float32, random_state=rng)
        return sp.csr_matrix(m, dtype=np.float32)

    return ProfileVectors(
        ids=list(range(start, start + rows)),
        dense={p: rng.standard_normal((rows, 8)).astype(np.float32) for p in ("a", "b")},
        sparse={p: lexical() for p in ("a", "b")},
        structured=lexical()[:, :10].tocsr(),
    )


def same(x: ProfileVectors, y: ProfileVectors) -> bool:
    return (
        x.ids == y.ids
        and all(np.array_equal(x.dense[k], y.dense[k]) for k in x.dense)
        and all((x.sparse[k] != y.sparse[k]).nnz == 0 for k in x.sparse)
        and (x.structured != y.structured).nnz == 0
    )


def stacked(parts: list[ProfileVectors]) -> ProfileVectors:
    return ProfileVectors(
        ids=[i for p in parts for i in p.ids],
        dense={k: np.vstack([p.dense[k] for p in parts]) for k in parts[0].dense},
        sparse={k: sp.vstack([p.sparse[k] for p in parts], format="csr") for k in parts[0].sparse},
        structured=sp.vstack([p.structured for p in parts], format="csr"),
    )


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=2, max_size=12), seed=st.integers(0, 99))
def test_appended_rows_equal_stacked_ones_and_no_snapshot_changes(sizes, seed):
    parts = [vectors(n, sum(sizes[:i]), seed + i) for i, n in enumerate(sizes)]
    snapshots = [parts[0]]
    for part in parts[1:]:  # one batch at a time, as an index catches up
        snapshots.append(ProfileVectors.concat([snapshots[-1], part]))
    for k, snapshot in enumerate(snapshots):  # every snapshot still holds its own rows
        assert same(snapshot, stacked(parts[: k + 1]))
    assert snapshots[-1]._growth is snapshots[1]._growth  # appended, not copied, after the first
    # An older snapshot that takes in rows copies them: the newest one is left as it was.
    other = vectors(3, 10_000, seed + 100)
    branch = ProfileVectors.concat([snapshots[-2], other])
    assert branch._growth is not snapshots[-1]._growth
    assert same(branch, stacked(parts[:-1] + [other]))
    assert same(snapshots[-1], stacked(parts))


def test_rows_of_another_width_or_type_are_not_appended():
    first = vectors(4, 0, 1)
    growth = Growth(first.dense, first.sparse)
    wide = {k: np.zeros((2, 9), dtype=np.float32) for k in first.dense}
    assert growth.appended(4, wide, vectors(2, 4, 2).sparse) is None
    doubles = {k: v.astype(np.float64) for k, v in vectors(2, 4, 2).dense.items()}
    assert growth.appended(4, doubles, vectors(2, 4, 2).sparse) is None
    assert growth.appended(3, vectors(2, 4, 2).dense, vectors(2, 4, 2).sparse) is None
    assert growth.n == 4


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=2, max_size=12), seed=st.integers(0, 99),
       data=st.data())  # fmt: skip
def test_the_rows_from_a_row_on_are_the_last_row_blocks_that_hold_it(sizes, seed, data):
    parts = [vectors(n, sum(sizes[:i]), seed + i) for i, n in enumerate(sizes)]
    grown = parts[0]
    for part in parts[1:]:
        grown = ProfileVectors.concat([grown, part])
    n = len(grown)
    start = data.draw(st.integers(0, n - 1))
    tail, begin = grown.rows_from(start)
    assert begin <= start and begin < n
    assert same(tail, stacked(parts).take(np.arange(begin, n)))
    blocks = tail.row_blocks()  # the index's own blocks: their transposes are not made again
    assert sum(len(b) for b in blocks) == n - begin
    assert all(any(b is own for own in grown.row_blocks()) for b in blocks)
    query = vectors(1, -1, seed).sparse["a"]
    assert np.allclose(tail.row_dots(query, "a", (0, 50)),
                       grown.row_dots(query, "a", (0, 50))[:, begin:])  # fmt: skip
    facts = vectors(1, -1, seed).structured
    assert np.allclose(tail.structured_dots(facts), grown.structured_dots(facts)[:, begin:])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    picks=st.lists(st.integers(0, 11), max_size=15),
)
def test_taken_rows_are_the_rows_scipy_indexing_gives(rows, seed, picks):
    """`ProfileVectors.take` cuts sparse rows from the arrays (`csr_rows`): the very matrix
    scipy's fancy indexing gives, in any order, with repeats, none, or one row."""
    whole = vectors(rows, 100, seed)
    wanted = np.array([p % rows for p in picks], dtype=np.int64)
    taken = whole.take(wanted)
    assert taken.ids == [whole.ids[i] for i in wanted]
    for part, m in whole.sparse.items():
        expected = m[wanted]
        assert taken.sparse[part].shape == expected.shape
        assert np.array_equal(taken.sparse[part].indptr, expected.indptr)
        assert np.array_equal(taken.sparse[part].indices, expected.indices)
        assert np.array_equal(taken.sparse[part].data, expected.data)
    assert (taken.structured != whole.structured[wanted]).nnz == 0
    for part, m in whole.dense.items():
        assert np.array_equal(taken.dense[part], m[wanted])
