"""Pair features: how two firms relate, per text part and representation, plus structured facts.

Every feature is symmetric in the two firms (a directed one, such as A's needs met by B's
offers, enters as the max and the min of both directions), so a score built on them is the
same for (A, B) and (B, A). Cosines are standardised by the mean and spread measured on the
store's own pairs (`FeatureScale`), so a scorer fitted on one store applies to another whose
texts are longer, shorter or in another style.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matchmaker.reference import markets as market_names
from matchmaker.reference.nace import nace_class, nace_division, nace_group, nace_section
from matchmaker.reference.sizes import size_band
from matchmaker.representation.embedding import HybridEncoder, ProfileVectors, dense_dot
from matchmaker.representation.roles import nace_chain_position

# (query part, stored part) pairs compared; "needs"→"offers" is A's needs met by B's offers.
SYMMETRIC_PARTS = (("profile", "profile"), ("offers", "offers"), ("needs", "needs"))
DIRECTED_PARTS = (("needs", "offers"), ("needs", "profile"))
REPRESENTATIONS = ("model", "words", "chars", "concepts")
STRUCTURED = (
    "same_class", "same_group", "same_division", "same_section", "same_region", "same_size",
    "shared_market", "both_knowledge", "one_knowledge", "chain_step",
)  # fmt: skip
MISSING = ("needs_missing", "offers_missing")
# Offers alike *and* the same industry: what makes rivals (products of the two facts).
INTERACTIONS = tuple(
    (f"{rep}:offers-offers", same)
    for rep in REPRESENTATIONS
    for same in ("same_group", "same_division")
)


def feature_names() -> list[str]:
    """Names of the feature rows `pair_features` returns, in order."""
    names = []
    for rep in REPRESENTATIONS:
        names += [f"{rep}:{a}-{b}" for a, b in SYMMETRIC_PARTS]
        for a, b in DIRECTED_PARTS:
            names += [f"{rep}:{a}-{b}:max", f"{rep}:{a}-{b}:min"]
    names += list(STRUCTURED) + list(MISSING)
    return names + [f"{a}×{b}" for a, b in INTERACTIONS]


def market_keys(profile: Mapping) -> list[str]:
    """A profile's markets as canonical keys ("Tyskland", "Germany", "DE" → "DE"; see
    `reference.markets`), without repeats, in the order written."""
    return market_names.market_keys(profile.get("markets"))


def market_columns(profile: Mapping) -> list[str]:
    """The markets a profile's markets cover (a group's members too: "Norden" covers "SE"), so
    that two firms share a market when their columns meet."""
    return list(dict.fromkeys(m for k in market_keys(profile) for m in market_names.covers(k)))


@dataclass
class FirmFacts:
    """Per-firm arrays the structured features compare (one entry per firm, in order)."""

    classes: np.ndarray
    groups: np.ndarray
    divisions: np.ndarray
    sections: np.ndarray
    regions: np.ndarray
    sizes: np.ndarray
    knowledge: np.ndarray
    has_needs: np.ndarray
    has_offers: np.ndarray
    markets: sp.csr_matrix
    # value-chain position by NACE code (`roles.nace_chain_position`), -1 where none
    positions: np.ndarray

    @classmethod
    def of(cls, profiles: Sequence[Mapping], market_vocab: dict[str, int]) -> FirmFacts:
        """Facts of `profiles`; markets not in `market_vocab` are added to it."""
        rows, cols = [], []
        for i, p in enumerate(profiles):
            for m in market_columns(p):
                rows.append(i)
                cols.append(market_vocab.setdefault(m, len(market_vocab)))
        markets = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(profiles), max(len(market_vocab), 1)),
        )

        def column(fn) -> np.ndarray:
            return np.array([fn(p) or "" for p in profiles], dtype=object)

        return cls(
            classes=column(lambda p: nace_class(p.get("nace"))),
            groups=column(lambda p: nace_group(p.get("nace"))),
            divisions=column(lambda p: nace_division(p.get("nace"))),
            sections=column(lambda p: nace_section(p.get("nace"))),
            regions=column(lambda p: p.get("region")),
            sizes=column(lambda p: size_band(p.get("employees"))),
            knowledge=np.array(
                [p.get("kind") == "knowledge_institution" for p in profiles], dtype=bool
            ),
            has_needs=np.array(
                [bool((p.get("needs") or "").strip()) for p in profiles], dtype=bool
            ),
            has_offers=np.array(
                [bool((p.get("offers") or "").strip()) for p in profiles], dtype=bool
            ),
            markets=markets,
            positions=np.array(
                [_position(nace_chain_position(p)) for p in profiles], dtype=np.int8
            ),
        )

    def take(self, rows) -> FirmFacts:
        """The facts of the given row positions."""
        return FirmFacts(**{k: v[rows] for k, v in self.__dict__.items()})

    def resized(self, n_markets: int) -> FirmFacts:
        """The same facts with the market matrix widened to `n_markets` columns."""
        m = self.markets
        if m.shape[1] >= n_markets:
            return self
        wider = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_markets))
        return FirmFacts(**{**self.__dict__, "markets": wider})


def _position(found: int | None) -> int:
    return -1 if found is None else found


def chain_step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 where two firms sit at different known positions of a value chain (by NACE)."""
    return ((a != b) & (a >= 0) & (b >= 0)).astype(np.float32)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a == b) & (a != "")).astype(np.float32)


def structured_features(q: FirmFacts, s: FirmFacts, paired: bool = False) -> list[np.ndarray]:
    """The STRUCTURED and MISSING feature matrices (queries × stored), or with `paired` the
    features of the pairs (q[k], s[k]) as vectors."""
    width = max(q.markets.shape[1], s.markets.shape[1])
    q, s = q.resized(width), s.resized(width)
    if paired:
        shared = np.asarray(q.markets.multiply(s.markets).sum(axis=1)).ravel() > 0

        def a(x):
            return x

        b = a
    else:
        shared = (q.markets @ s.markets.T).toarray() > 0

        def a(x):
            return x[:, None]

        def b(x):
            return x[None, :]

    kq, ks = a(q.knowledge), b(s.knowledge)
    return [
        _same(a(q.classes), b(s.classes)),
        _same(a(q.groups), b(s.groups)),
        _same(a(q.divisions), b(s.divisions)),
        _same(a(q.sections), b(s.sections)),
        _same(a(q.regions), b(s.regions)),
        _same(a(q.sizes), b(s.sizes)),
        shared.astype(np.float32),
        (kq & ks).astype(np.float32),
        (kq ^ ks).astype(np.float32),
        chain_step(a(q.positions), b(s.positions)),
        (~a(q.has_needs)).astype(np.float32) / 2 + (~b(s.has_needs)) / 2,
        (~a(q.has_offers)).astype(np.float32) / 2 + (~b(s.has_offers)) / 2,
    ]


def _rep_cosines(
    encoder: HybridEncoder, q: ProfileVectors, s: ProfileVectors, qp: str, sp_: str
) -> dict[str, np.ndarray]:
    """Raw cosine matrices of two text parts per representation."""
    out = {}
    if q.dense[qp].shape[1]:
        out["model"] = dense_dot(q.dense[qp], s.dense[sp_])
    out.update(encoder.lexical_block_cosines(q, s, qp, sp_))
    return out


@dataclass
class FeatureScale:
    """Mean and spread of each raw text feature on a store's pairs (fitted, then fixed).

    A small store says little about its spread: `fit` shrinks its own estimate towards a
    reference scale (the training sets') with the weight of `prior_pairs` pairs.
    """

    mean: np.ndarray
    scale: np.ndarray
    pairs: int = 0

    @classmethod
    def fit(
        cls,
        encoder: HybridEncoder,
        vectors: ProfileVectors,
        facts: FirmFacts,
        sample: int = 300,
        reference: FeatureScale | None = None,
        prior_pairs: int = 2_000,
    ) -> FeatureScale:
        own = cls._measure(encoder, vectors, facts, sample)
        if reference is None or own is None:
            return own or reference or cls._identity()
        w = own.pairs / (own.pairs + prior_pairs)
        mean = w * own.mean + (1 - w) * reference.mean
        scale = w * own.scale + (1 - w) * reference.scale
        return cls(mean.astype(np.float32), scale.astype(np.float32), own.pairs)

    @classmethod
    def _identity(cls) -> FeatureScale:
        k = len(feature_names())
        return cls(np.zeros(k, np.float32), np.ones(k, np.float32))

    @classmethod
    def _measure(cls, encoder, vectors, facts, sample) -> FeatureScale | None:
        n = len(vectors)
        if n < 3:
            return None
        rows = np.unique(np.linspace(0, n - 1, num=min(n, sample)).astype(int))
        sub, sub_facts = vectors.take(rows), facts.take(rows)
        raw = pair_features(encoder, sub, sub_facts, sub, sub_facts, scale=None)
        off = ~np.eye(len(rows), dtype=bool)
        values = raw[:, off]
        mean = values.mean(axis=1)
        scale = values.std(axis=1)
        n_text = len(feature_names()) - len(STRUCTURED) - len(MISSING) - len(INTERACTIONS)
        mean[n_text:], scale[n_text:] = 0.0, 1.0  # structured facts stay 0/1
        scale[scale < 1e-6] = 1.0
        return cls(mean.astype(np.float32), scale.astype(np.float32), int(off.sum()))


def pair_features(
    encoder: HybridEncoder,
    q: ProfileVectors,
    q_facts: FirmFacts,
    s: ProfileVectors,
    s_facts: FirmFacts,
    scale: FeatureScale | None,
) -> np.ndarray:
    """Feature tensor (features × queries × stored), standardised with `scale` when given."""
    return features_of(
        lambda a, b: _rep_cosines(encoder, q, s, a, b),
        structured_features(q_facts, s_facts),
        (len(q), len(s)),
        scale,
    )


def features_of(
    cosines: Callable[[str, str], Mapping[str, np.ndarray]],
    structured: list[np.ndarray],
    shape: tuple,
    scale: FeatureScale | None,
) -> np.ndarray:
    """The feature tensor (features × `shape`) from the raw cosines of two text parts per
    representation (`cosines(query part, stored part)`; a missing one reads as zeros) and the
    `structured_features`, standardised with `scale` when given."""
    per_rep: dict[str, list[np.ndarray]] = {rep: [] for rep in REPRESENTATIONS}
    for a, b in SYMMETRIC_PARTS:
        cos = cosines(a, b)
        for rep in REPRESENTATIONS:
            per_rep[rep].append(cos.get(rep, np.zeros(shape, np.float32)))
    for a, b in DIRECTED_PARTS:
        forward = cosines(a, b)
        # The stored firm's `a` against the query's `b`, computed query-first (a cosine is
        # symmetric), which keeps a single query row on the fast path.
        backward = cosines(b, a)
        for rep in REPRESENTATIONS:
            f = forward.get(rep, np.zeros(shape, np.float32))
            g = backward.get(rep, np.zeros(shape, np.float32))
            per_rep[rep] += [np.maximum(f, g), np.minimum(f, g)]
    mats = [m for rep in REPRESENTATIONS for m in per_rep[rep]]
    mats += structured
    names = feature_names()
    n_base = len(mats)
    out = np.empty((len(names), *shape), dtype=np.float32)
    for k, m in enumerate(mats):
        out[k] = m
    scale_shape = (slice(None),) + (None,) * len(shape)
    if scale is not None:
        out[:n_base] -= scale.mean[:n_base][scale_shape]
        out[:n_base] /= scale.scale[:n_base][scale_shape]
    at = {name: k for k, name in enumerate(names)}
    for k, (a, b) in enumerate(INTERACTIONS):
        np.multiply(out[at[a]], out[at[b]], out=out[n_base + k])
    return out
