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
from matchmaker.matching.scoring import BlockScores, score_block
from matchmaker.representation.embedding import ProfileVectors

# Bytes of kept rows per process (each row: BlockScores' arrays over the index's firms).
BUDGET_BYTES = 64 * 2**20


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
    key = (company_id, mode)
    kept = _kept(key, index)
    size = len(index)
    if kept is not None:
        if kept.size == size:
            return kept.scores
        scores = _joined(kept.scores, _against(index, company_id, mode, range(kept.size, size)))
    else:
        scores = _against(index, company_id, mode, None)
    _keep(key, _Kept(index.lineage_, scores, size, _nbytes(scores)))
    return scores


def scored_outside(
    index: MatchIndex, profile: dict, mode: str, vectors: Callable[[], tuple]
) -> BlockScores:
    """`scored_row` for a firm outside the index (no consent), as its `profile` reads in the
    store now: its row is kept with its vectors (`vectors()` gives them, from the store and
    the encoder, when there is no row of this very profile)."""
    key, digest = ("outside", profile["id"], mode), _digest(profile)
    kept = _kept(key, index)
    size = len(index)
    if kept is not None and kept.profile == digest:
        if kept.size == size:
            return kept.scores
        q, q_facts = kept.query
        wanted = np.arange(kept.size, size)
        s, s_facts = index.vectors_.take(wanted), index.facts_.take(wanted)
        scores = _joined(kept.scores, score_block(index, q, q_facts, s, s_facts, mode))
    else:
        q, q_facts = vectors()
        scores = score_block(index, q, q_facts, index.vectors_, index.facts_, mode)
    query_bytes = sum(m.nbytes for m in q.dense.values()) + sum(
        m.data.nbytes + m.indices.nbytes for m in q.sparse.values()
    )
    kept = _Kept(index.lineage_, scores, size, _nbytes(scores) + query_bytes, digest,
                 (q, q_facts))  # fmt: skip
    _keep(key, kept)
    return scores


def has_row(index: MatchIndex, company_id: int, mode: str) -> bool:
    """Whether an indexed firm's row of `index`'s lineage is kept (current, or extended by
    the firms appended since at the cost of scoring those)."""
    with _LOCK:
        kept = _KEPT.get((company_id, mode))
    return kept is not None and kept.lineage is index.lineage_ and kept.size <= len(index)


def _digest(profile: dict) -> str:
    text = json.dumps(profile, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _kept(key: tuple, index: MatchIndex) -> _Kept | None:
    """The kept row of `key` when it belongs to `index`'s lineage (marked as used)."""
    with _LOCK:
        kept = _KEPT.get(key)
        if kept is not None:
            _KEPT.move_to_end(key)
    if kept is None or kept.lineage is not index.lineage_ or kept.size > len(index):
        return None
    return kept


def column(scores: BlockScores, col: int) -> BlockScores:
    """The scores of one stored firm (a column) of `scores`, as a 1 × 1 block."""
    parts = {}
    for f in fields(BlockScores):
        value = getattr(scores, f.name)
        parts[f.name] = None if value is None else value[:, col : col + 1]
    return replace(scores, **parts)


def forget() -> None:
    """Drop every kept row (tests; a process that changes how pairs are scored)."""
    with _LOCK:
        _KEPT.clear()
        _USED[0] = 0


def _against(index: MatchIndex, company_id: int, mode: str, rows: range | None) -> BlockScores:
    own = [index.row_[company_id]]
    q, q_facts = index.vectors_.take(own), index.facts_.take(own)
    if rows is None:
        return score_block(index, q, q_facts, index.vectors_, index.facts_, mode)
    wanted = np.arange(rows.start, rows.stop)
    s, s_facts = index.vectors_.take(wanted), index.facts_.take(wanted)
    return score_block(index, q, q_facts, s, s_facts, mode)


def _joined(first: BlockScores, second: BlockScores) -> BlockScores:
    parts = {}
    for f in fields(BlockScores):
        a, b = getattr(first, f.name), getattr(second, f.name)
        parts[f.name] = None if a is None or b is None else np.concatenate([a, b], axis=1)
    return replace(first, **parts)


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
