"""The clauses of firms' needs and offers that reasons quote, analysed once per firm.

A reason compares a need clause of one firm with an offer clause of another: their lexical
cosine, the lexicon concepts each mentions, and (where those leave the verdict open) the
sentence model's cosine. `ClauseBook` holds the first two for every firm of an index snapshot,
computed in one batch when the snapshot is built, so a suggestion only multiplies small sparse
matrices. The sentence vectors of the clauses are put in the store's vector cache when a firm
is stored (`HybridEncoder.cache_sentences`), so a request reads them instead of encoding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import scipy.sparse as sp

from matchmaker.reference.lexicon import Lexicon
from matchmaker.reference.text import clauses, guess_language

# Clauses of a text a reason looks at.
MAX_CLAUSES = 12
# The parts whose clauses reasons quote.
CLAUSE_PARTS = ("needs", "offers")


def reason_clauses(text: str | None) -> list[tuple[int, int]]:
    """Spans of the clauses of `text` that reasons look at (the first MAX_CLAUSES)."""
    return clauses(text)[:MAX_CLAUSES] if text else []


def clause_texts(text: str | None) -> list[str]:
    """The texts of those clauses, as they are compared and encoded."""
    return [text[a:b] for a, b in reason_clauses(text)] if text else []


@dataclass(frozen=True)
class TextClauses:
    """One text's clauses: spans, texts, languages, the concepts each mentions (concept →
    span in the whole text, in order of first mention) and lexical rows (one per clause)."""

    text: str
    spans: list[tuple[int, int]]
    texts: list[str]
    languages: list[str]
    concepts: list[dict[str, tuple[int, int]]]
    matrix: sp.csr_matrix | None  # the rows of a batch, None when the lexical part is unfitted
    start: int  # first row of these clauses in `matrix`

    @cached_property
    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The CSR arrays (indptr, indices, data) of the clauses' lexical rows of the batch
        (`matrix`), cut without building a matrix: a reason reads only these, and scipy's
        slicing and checks cost more than the arithmetic for a few clauses."""
        m, n = self.matrix, len(self.spans)
        lo, hi = m.indptr[self.start], m.indptr[self.start + n]
        return m.indptr[self.start : self.start + n + 1] - lo, m.indices[lo:hi], m.data[lo:hi]

    @cached_property
    def _by_column(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The lexical entries grouped by column: the columns (sorted, once each), where each
        column's entries start and how many there are, and the entries' rows and values."""
        indptr, indices, _ = self._rows
        rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
        order = np.lexsort((rows, indices))
        columns = indices[order]
        unique, starts, counts = np.unique(columns, return_index=True, return_counts=True)
        return unique, starts, counts, np.column_stack([rows[order], order])

    def cosines(self, other: TextClauses) -> np.ndarray:
        """Lexical cosines of these clauses (rows) with `other`'s (columns), float32: the
        numbers of the sparse product of the two sets of lexical rows (summed in the same
        order), without its checks, which cost a few clauses many times the arithmetic."""
        a_indptr, a_indices, a_data = self._rows
        b_data = other._rows[2]
        n_a, n_b = len(self.spans), len(other.spans)
        out = np.zeros(n_a * n_b, dtype=np.float32)
        unique, starts, counts, entries = other._by_column
        if unique.size and a_indices.size:
            at = np.minimum(np.searchsorted(unique, a_indices), unique.size - 1)
            lengths = np.where(unique[at] == a_indices, counts[at], 0)
            before = np.cumsum(lengths) - lengths
            taken = np.repeat(starts[at] - before, lengths) + np.arange(int(lengths.sum()))
            a_rows = np.repeat(np.arange(n_a), np.diff(a_indptr))
            keys = np.repeat(a_rows * n_b, lengths) + entries[taken, 0]
            values = np.repeat(a_data, lengths) * b_data[entries[taken, 1]]
            np.add.at(out, keys, values.astype(np.float32, copy=False))
        return out.reshape(n_a, n_b)


def _pair_cosines(indptr, indices, data, need_start, need_count, offer_start, offer_count,
                  offsets, width, out):  # fmt: skip
    """Per pair k, the cosines of its need clauses (batch rows `need_start[k]` on) with its
    offer clauses, row-major into `out` from `offsets[k]`: each offer row scattered into a
    column of the scratch, then each need entry, in row order, times the offer values of its
    column (the sparse product's float32 sums, in its order)."""
    scratch = np.zeros((width, MAX_CLAUSES), dtype=np.float32)
    for k in range(need_start.size):
        nb = offer_count[k]
        for j in range(nb):
            r = offer_start[k] + j
            for t in range(indptr[r], indptr[r + 1]):
                scratch[indices[t], j] = data[t]
        base = offsets[k]
        for i in range(need_count[k]):
            r = need_start[k] + i
            for t in range(indptr[r], indptr[r + 1]):
                col, v = indices[t], data[t]
                for j in range(nb):
                    w = scratch[col, j]
                    if w != 0:
                        out[base + i * nb + j] += v * w
        for j in range(nb):
            r = offer_start[k] + j
            for t in range(indptr[r], indptr[r + 1]):
                scratch[indices[t], j] = 0


@cache
def _compiled():
    """`_pair_cosines` compiled by numba (imported here, when first needed: the large pools'
    path that uses it has it loaded already). No fast-math: the sums must be the product's."""
    import numba

    return numba.njit(cache=True, nogil=True)(_pair_cosines)


def pair_cosines(pairs: Sequence[tuple[TextClauses, TextClauses]]) -> list[np.ndarray]:
    """`need.cosines(offer)` of each (need, offer) pair: the pairs whose rows are of one batch
    in one compiled call (the same numbers), others pair by pair; a text without clauses (or
    unfitted) gives an empty block, as reasons skip it."""
    out: list[np.ndarray | None] = [None] * len(pairs)
    ready = []
    for k, (a, b) in enumerate(pairs):
        if not a.spans or not b.spans or a.matrix is None or b.matrix is None:
            out[k] = np.zeros((len(a.spans), len(b.spans)), dtype=np.float32)
        else:
            ready.append(k)
    batch = pairs[ready[0]][0].matrix if ready else None
    together = [k for k in ready if pairs[k][0].matrix is batch and pairs[k][1].matrix is batch]
    for k in set(ready) - set(together):
        out[k] = pairs[k][0].cosines(pairs[k][1])
    if together:
        m = batch.tocsr()
        need_start = np.array([pairs[k][0].start for k in together], dtype=np.int64)
        need_count = np.array([len(pairs[k][0].spans) for k in together], dtype=np.int64)
        offer_start = np.array([pairs[k][1].start for k in together], dtype=np.int64)
        offer_count = np.array([len(pairs[k][1].spans) for k in together], dtype=np.int64)
        offsets = np.r_[0, np.cumsum(need_count * offer_count)].astype(np.int64)
        flat = np.zeros(int(offsets[-1]), dtype=np.float32)
        _compiled()(m.indptr, m.indices, m.data, need_start, need_count, offer_start,
                    offer_count, offsets, m.shape[1], flat)  # fmt: skip
        for at, k in enumerate(together):
            block = flat[offsets[at] : offsets[at + 1]]
            out[k] = block.reshape(need_count[at], offer_count[at])
    return out


def _lexical_ready(lexical) -> bool:
    return lexical is not None and bool(getattr(lexical, "vectorizers_", None))


def analyse(texts: Sequence[str], lexical, lexicon: Lexicon) -> list[TextClauses]:
    """The clauses of `texts`, their lexical rows transformed in one batch."""
    spans = [reason_clauses(t) for t in texts]
    pieces = [t[a:b] for t, ss in zip(texts, spans, strict=True) for a, b in ss]
    matrix = None
    if _lexical_ready(lexical) and pieces:
        matrix = lexical.transform(pieces).tocsr()
    out, row = [], 0
    for text, ss in zip(texts, spans, strict=True):
        own = [text[a:b] for a, b in ss]
        found = [
            {m.concept: (a + m.start, a + m.end) for m in lexicon.find(text[a:b])} for a, b in ss
        ]
        out.append(
            TextClauses(
                text=text or "", spans=ss, texts=own, languages=[guess_language(t) for t in own],
                concepts=found, matrix=matrix, start=row,
            )
        )  # fmt: skip
        row += len(ss)
    return out


class ClauseBook:
    """Clause analysis of the needs and offers of a snapshot's firms, by firm id.

    Never changed once built: `updated` returns a new book. `of` answers for any profile: from
    the book when the firm's text is the one analysed, else analysed on the spot.
    """

    def __init__(self, lexical, lexicon: Lexicon, entries: dict | None = None):
        self.lexical = lexical
        self.lexicon = lexicon
        self.entries: dict[tuple[int, str], TextClauses] = entries or {}

    @classmethod
    def build(cls, lexical, lexicon: Lexicon, profiles: Iterable[Mapping]) -> ClauseBook:
        """The book of `profiles` (their needs and offers analysed in one batch)."""
        return cls(lexical, lexicon).updated(profiles, ())

    def updated(self, profiles: Iterable[Mapping], gone: Iterable[int]) -> ClauseBook:
        """A new book without the firms `gone` and with `profiles` (re-)analysed."""
        profiles = list(profiles)
        dropped = set(gone) | {p.get("id") for p in profiles}
        entries = {k: v for k, v in self.entries.items() if k[0] not in dropped}
        keys = [(p.get("id"), part) for p in profiles for part in CLAUSE_PARTS]
        texts = [p.get(part) or "" for p in profiles for part in CLAUSE_PARTS]
        for key, analysed in zip(keys, analyse(texts, self.lexical, self.lexicon), strict=True):
            if key[0] is not None:
                entries[key] = analysed
        return ClauseBook(self.lexical, self.lexicon, entries)

    def of(self, profile: Mapping, part: str) -> TextClauses:
        """The clauses of a profile's `part` ('needs' or 'offers')."""
        text = profile.get(part) or ""
        found = self.entries.get((profile.get("id"), part))
        if found is not None and found.text == text:
            return found
        return analyse([text], self.lexical, self.lexicon)[0]

    def __contains__(self, company_id: int) -> bool:
        return (company_id, CLAUSE_PARTS[0]) in self.entries
