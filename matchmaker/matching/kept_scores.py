"""A firm's scores against every indexed firm, kept while the index only grows.

Scoring one firm against the whole index (`score_block`) is most of what a partner suggestion
costs, and it grows with the index. A pair's scores do not change while neither firm changes
and the index is not re-fitted or scored by another model: a snapshot that only appended
firms to the one before keeps its rows and its `lineage_`. So the row of a firm asked about
is kept, and in a later snapshot of the same lineage it is extended by scoring the firm
against the appended firms only. A snapshot of another lineage (a re-fit, an edited or
removed firm, another partner model) scores afresh.

Rows are kept per process, the least recently used dropped first, within `BUDGET_BYTES`.
A firm outside the index (no consent) is read from the store each time, and may have changed
there: its row is kept with the profile it was scored from, and serves only that profile.

A re-fit starts a new lineage. The rows a worker keeps of the drifted index (`hot`: the
firms asked about) are scored again by the re-fit's own process, at its lower priority and in
blocks (which cost a row a fraction of scoring it alone; `prescored`), and kept once the
re-fit is swapped in, unless a firm changed meanwhile (`keep_rows`): the firms asked about do
not all start cold after it. Rows are kept per lineage, so the requests the drifted index
still serves meanwhile keep theirs beside those instead of replacing them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np

from matchmaker.matching.features import FirmFacts
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.scoring import BlockScores, score_block, score_rows
from matchmaker.reference import stopwatch
from matchmaker.representation.embedding import ProfileVectors

# Bytes of kept rows per process (each row: BlockScores' arrays over the index's firms).
BUDGET_BYTES = 64 * 2**20
# The share of the budget the rows a re-fit scores ahead (`prescored`) may take.
PRESCORE_SHARE = 0.5
# Query rows scored at once ahead of the requests (a block costs a row far less than alone).
PRESCORE_BLOCK = 64
# Pairs a worker's warm-up scores ahead at most (`warm`): about half a second of CPU in blocks.
WARM_PAIRS = 250_000
# A kept row is extended against the index's last row blocks (their transposes kept) when
# they hold at most TAIL_SPARE times the new rows plus TAIL_ROWS: scoring a few extra rows
# costs less than taking the new ones out (fancy indexing, transposes), which does the rest.
TAIL_SPARE = 2
TAIL_ROWS = 64


@dataclass
class _Kept:
    lineage: object
    scores: BlockScores  # one query row against the lineage's first `size` rows
    size: int
    nbytes: int
    # A firm outside the index: a digest of the profile its row was scored from (not the
    # profile: nothing a firm erases lingers here), and its vectors.
    profile: str | None = None
    query: tuple[ProfileVectors, FirmFacts] | None = None


_KEPT: OrderedDict[tuple, _Kept] = OrderedDict()
_LOCK = threading.Lock()
_USED = [0]


def scored_row(index: MatchIndex, company_id: int, mode: str) -> BlockScores:
    """`score_block` of an indexed firm (one row) against every firm of `index`: the same
    numbers, from the kept row of an earlier snapshot of its lineage where there is one."""
    own = [index.row_[company_id]]

    def query() -> tuple:  # read from the index whenever the row is scored: not kept
        return index.vectors_.take(own), index.facts_.take(own)

    return _row(index, (company_id, mode), mode, None, query)


def scored_outside(
    index: MatchIndex, profile: dict, mode: str, vectors: Callable[[], tuple]
) -> BlockScores:
    """`scored_row` for a firm outside the index (no consent), as its `profile` reads in the
    store now: its row is kept with its vectors (`vectors()` gives them, from the store and
    the encoder, when there is no row of this very profile)."""
    key = ("outside", profile["id"], mode)
    return _row(index, key, mode, _digest(profile), vectors,
                lambda: index.facts_of([profile]))  # fmt: skip


def has_row(index: MatchIndex, company_id: int, mode: str) -> bool:
    """Whether an indexed firm's row of `index`'s lineage is kept (current, or extended by
    the firms appended since at the cost of scoring those)."""
    return _kept((company_id, mode), index) is not None


def _row(
    index: MatchIndex, key: tuple, mode: str, digest: str | None, query, facts=None
) -> BlockScores:
    """The row kept under `key` for `index` (of the profile `digest`, for a firm outside
    the index: kept with its vectors), extended by the firms appended since; else scored
    afresh from `query()`. An outside firm's facts are made again for an extension
    (`facts()`): in the index's market vocabulary as it is now, which firms appended since
    may have grown."""
    kept = _kept(key, index)
    size = len(index)
    if kept is not None and kept.profile == digest:
        if kept.size == size:
            return kept.scores
        if kept.size > size:  # extended for a newer snapshot of the lineage: its first rows
            return _each(lambda v: v[:, :size], kept.scores)
        with stopwatch.stage("extend"):
            q = query() if kept.query is None else (kept.query[0], facts())
            scores = _joined(kept.scores, extended(index, *q, mode, kept.size))
    else:
        with stopwatch.stage("afresh"):
            q = query()
            scores = extended(index, *q, mode, 0)
    outside = digest is not None
    nbytes = _nbytes(scores)
    if outside:
        nbytes += sum(m.nbytes for m in q[0].dense.values()) + sum(
            m.data.nbytes + m.indices.nbytes for m in q[0].sparse.values()
        )
    _keep(_keyed(key, index), _Kept(index.lineage_, scores, size, nbytes, digest,
                                   q if outside else None))  # fmt: skip
    return scores


def _digest(profile: dict) -> str:
    text = json.dumps(profile, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _keyed(key: tuple, index: MatchIndex) -> tuple:
    """`key` within `index`'s lineage: rows of two lineages (a drifted index still serving
    and its re-fit) are kept side by side, neither replacing the other."""
    return (*key, index.lineage_.serial)


def _kept(key: tuple, index: MatchIndex) -> _Kept | None:
    """The kept row of `key` when it belongs to `index`'s lineage (marked as used)."""
    key = _keyed(key, index)
    with _LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
    if kept is None or kept.lineage is not index.lineage_:
        return None
    return kept


def hot(index: MatchIndex, mode: str = "complementary") -> list[int]:
    """The indexed firms whose row of `index`'s lineage is kept, the most recently used
    first, as many as `PRESCORE_SHARE` of the budget holds: the firms requests ask about."""
    serial = index.lineage_.serial
    with _LOCK:
        found = [(key[0], kept) for key, kept in reversed(_KEPT.items())
                 if key[-2:] == (mode, serial) and isinstance(key[0], int)]  # fmt: skip
    if not found:
        return []
    first = found[0][1]
    row_bytes = max(1, first.nbytes * len(index) // max(1, first.size))
    fits = int(PRESCORE_SHARE * BUDGET_BYTES // row_bytes)
    return [cid for cid, _ in found[:fits] if cid in index]


def prescored(index: MatchIndex, ids: list[int], mode: str = "complementary") -> BlockScores:
    """The rows of the indexed firms `ids` against every indexed firm (`score_block`, in
    blocks of `PRESCORE_BLOCK` query rows: a row in a block costs a fraction of one alone)."""
    rows = np.array([index.row_[cid] for cid in ids], dtype=int)
    blocks = [score_rows(index, rows[k : k + PRESCORE_BLOCK], None, mode)
              for k in range(0, len(rows), PRESCORE_BLOCK)]  # fmt: skip
    return _each(lambda *parts: np.concatenate(parts, axis=0), *blocks)


def warm(index: MatchIndex, mode: str = "complementary", pairs: int = WARM_PAIRS) -> list[int]:
    """Score ahead, and keep, the rows of the firms a fresh worker will be asked about first,
    as far as `PRESCORE_SHARE` of the budget and `pairs` pairs allow: every indexed firm of
    a store that small, else the most recently registered ones (`prescored` blocks). Until a
    firm is asked about, nothing else tells which rows matter; after that, the rows asked
    about are what a re-fit scores ahead (`hot`). Returns the firms scored."""
    n = len(index)
    if n == 0:
        return []
    row_bytes = 4 * n * len(fields(BlockScores))  # float32 columns, at most one per field
    fits = min(int(PRESCORE_SHARE * BUDGET_BYTES // row_bytes), pairs // n, n)
    ids = [cid for cid in index.vectors_.ids[n - fits :] if not has_row(index, cid, mode)]
    if ids:
        keep_rows(index, ids[::-1], prescored(index, ids[::-1], mode), mode)
    return ids


def keep_rows(index: MatchIndex, ids: list[int], rows: BlockScores, mode: str = "complementary"):
    """Keep the row of each firm of `ids` (`prescored(index, ids, mode)`; the most wanted
    first, as `hot` lists them, and so kept last: dropped last) as `scored_row` would."""
    size = len(index)
    for k in reversed(range(len(ids))):
        scores = _each(lambda v, k=k: v[k : k + 1].copy(), rows)
        kept = _Kept(index.lineage_, scores, size, _nbytes(scores))
        _keep(_keyed((ids[k], mode), index), kept)


def column(scores: BlockScores, col: int) -> BlockScores:
    """The scores of one stored firm (a column) of `scores`, as a 1 × 1 block."""
    return _each(lambda v: v[:, col : col + 1], scores)


def forget() -> None:
    """Drop every kept row (tests; a process that changes how pairs are scored)."""
    with _LOCK:
        _KEPT.clear()
        _USED[0] = 0


def extended(index: MatchIndex, q, q_facts, mode: str, start: int) -> BlockScores:
    """The query against the indexed firms from row `start` on (all of them for 0; else
    what a row kept at `start` firms lacks): against the index's last row blocks that hold
    them (`ProfileVectors.rows_from`) when those are not many more rows, else against the
    rows taken out."""
    if start == 0:
        return score_block(index, q, q_facts, index.vectors_, index.facts_, mode)
    n = len(index)
    tail, begin = index.vectors_.rows_from(start)
    if n - begin <= TAIL_SPARE * (n - start) + TAIL_ROWS:
        found = score_block(index, q, q_facts, tail, index.facts_.take(slice(begin, n)), mode)
        return found if begin == start else _each(lambda v: v[:, start - begin :], found)
    wanted = np.arange(start, n)
    return score_block(
        index, q, q_facts, index.vectors_.take(wanted), index.facts_.take(wanted), mode
    )


def _each(fn, first: BlockScores, *others: BlockScores) -> BlockScores:
    """`fn` of each field's arrays (of `first` and `others`), None where one is None."""
    parts = {}
    for f in fields(BlockScores):
        values = [getattr(b, f.name) for b in (first, *others)]
        parts[f.name] = None if any(v is None for v in values) else fn(*values)
    return replace(first, **parts)


def _joined(first: BlockScores, second: BlockScores) -> BlockScores:
    return _each(lambda a, b: np.concatenate([a, b], axis=1), first, second)


def _nbytes(scores: BlockScores) -> int:
    return sum(getattr(scores, f.name).nbytes for f in fields(BlockScores)
               if getattr(scores, f.name) is not None)  # fmt: skip


def _keep(key: tuple, kept: _Kept) -> None:
    for f in fields(BlockScores):  # shared by the requests that read it: never written to
        value = getattr(kept.scores, f.name)
        if value is not None:
            value.setflags(write=False)
    with _LOCK:
        old = _KEPT.pop(key, None)
        if old is not None:
            _USED[0] -= old.nbytes
        if kept.nbytes > BUDGET_BYTES:
            return
        _KEPT[key] = kept
        _USED[0] += kept.nbytes
        while _USED[0] > BUDGET_BYTES:
            _, dropped = _KEPT.popitem(last=False)
            _USED[0] -= dropped.nbytes
