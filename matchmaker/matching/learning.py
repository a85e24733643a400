"""Learning from decisions: a store's decisions as labelled pairs, the partner model re-fitted
on them (with the global model as the floor), and the scorer the service uses.

What counts as what (one label per pair; the first kind that judged a pair decides, in this
order): a 'never together' rule → negative; the newest outcome report of an accepted network →
its member pairs positive if it formed, negative if not; an accepted network → its member pairs
positive; a swap → the firm that joined positive with the members that stayed, the firm that
left negative with them; a rejected network → its pairs negative (a rejection judges the group,
so any other word on a pair outranks it). 'Allow' rules speak of rivals, not of fit: unused.
Only pairs of firms in the match index (consenting, still stored) are learned from.

The competitor model is not re-fitted; decisions say how well firms fit, not whether they
compete. `python -m matchmaker refit-matcher`, `POST /api/v1/learning/refit` and the button on
`/learning` re-fit; nothing else does. With `MATCHMAKER_LEARN=1` the service ranks with the
newest re-fit when it was adopted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass

import numpy as np

from matchmaker.matching.features import feature_names, pair_features
from matchmaker.matching.local_scorer import ListViews, LocalFit, refit
from matchmaker.matching.scorer import LinearModel, PairScorer
from matchmaker.store import decisions as decision_store
from matchmaker.store import learned_scorers

LABELS = {
    "never": 0, "formed": 1, "not_formed": 0, "accepted": 1, "swapped_in": 1, "swapped_out": 0,
    "rejected": 0,
}  # fmt: skip
# Which kind decides a pair judged by several: the earlier in this tuple.
PRECEDENCE = ("never", "formed", "not_formed", "accepted", "swapped_in", "swapped_out", "rejected")
# Firms whose features are computed at once; firms a judged pair is ranked among, at most.
BLOCK = 64
CANDIDATES = 500


@dataclass
class DecisionPairs:
    """Labelled pairs from a store's decisions: (a, b) ids, 0/1 labels, the deciding kinds and
    the decisions they came from."""

    pairs: list[tuple[int, int]]
    labels: np.ndarray
    kinds: list[str]
    sources: list[str]

    @property
    def positive(self) -> int:
        return int(self.labels.sum())

    @property
    def negative(self) -> int:
        return int(len(self.labels) - self.labels.sum())


def decision_pairs(db, indexed=None) -> DecisionPairs:
    """One label per judged pair (see the module's note); with `indexed` (a set of ids or an
    index), only pairs of firms in it."""
    rank = {kind: k for k, kind in enumerate(PRECEDENCE)}
    chosen: dict[tuple[int, int], decision_store.PairDecision] = {}
    for d in decision_store.pair_decisions(db):
        if indexed is not None and (d.a not in indexed or d.b not in indexed):
            continue
        key = (d.a, d.b)
        if key not in chosen or rank[d.kind] < rank[chosen[key].kind]:
            chosen[key] = d
    pairs = sorted(chosen)
    kinds = [chosen[p].kind for p in pairs]
    labels = np.array([LABELS[k] for k in kinds], dtype=int)
    return DecisionPairs(pairs, labels, kinds, [chosen[p].source for p in pairs])


def decision_views(
    index, pairs: list[tuple[int, int]], base: PairScorer, candidates: int = CANDIDATES
) -> tuple[np.ndarray, ListViews]:
    """Feature rows (pairs × features) of judged pairs of indexed firms, computed as the
    service computes them (the index's encoder and feature scale), and each pair as the lists
    of its two firms show it: ranked among the indexed firms (at most `candidates` of them, a
    fixed sample, plus the judged ones), likely competitors left out as lists leave them out."""
    x = np.zeros((len(pairs), len(feature_names())), dtype=np.float32)
    if not pairs:
        return x, ListViews([], [])
    judged = sorted({c for p in pairs for c in p})
    others = [c for c in index.ids() if c not in set(judged)]
    if len(others) > candidates:
        pick = np.random.default_rng(0).choice(len(others), candidates, replace=False)
        others = [others[k] for k in sorted(pick)]
    pool = judged + others
    s_rows = index.rows(pool)
    s_vectors, s_facts = index.vectors_.take(s_rows), index.facts_.take(s_rows)
    where = {c: k for k, c in enumerate(pool)}
    anchors, columns = [], {}
    for start in range(0, len(judged), BLOCK):
        chunk = judged[start : start + BLOCK]
        q_rows = index.rows(chunk)
        tensor = pair_features(
            index.encoder_, index.vectors_.take(q_rows), index.facts_.take(q_rows),
            s_vectors, s_facts, index.scale_,
        )  # fmt: skip
        rival = base.competitors(tensor)
        for i, a in enumerate(chunk):
            keep = ~rival[i]
            keep[where[a]] = False
            for p in pairs:  # a judged partner stays in its list, whatever the rival rule says
                if a in p:
                    keep[where[p[1] if p[0] == a else p[0]]] = True
            cols = np.flatnonzero(keep)
            columns[a] = (len(anchors), {pool[c]: k for k, c in enumerate(cols)})
            anchors.append(np.ascontiguousarray(tensor[:, i, cols].T))
    views = []
    for k, (a, b) in enumerate(pairs):
        n_a, col_a = columns[a]
        n_b, col_b = columns[b]
        x[k] = anchors[n_a][col_a[b]]
        views.append([(n_a, col_a[b]), (n_b, col_b[a])])
    return x, ListViews(anchors, views)


def fingerprint(scorer: PairScorer) -> str:
    """A short hash of the global partner model a re-fit was made on top of."""
    model = scorer.partner_
    data = json.dumps([[round(float(w), 6) for w in model.weights], round(model.intercept, 6),
                       scorer.names_])  # fmt: skip
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def refit_store(db, index, base: PairScorer, *, created_by: int | None = None) -> dict:
    """Re-fit the partner model on the store's decisions and keep the result in the store
    (adopted or not); returns the stored record. `index` is the store's match index, `base`
    the global scorer."""
    started = time.perf_counter()
    found = decision_pairs(db, set(index.ids()))
    x, views = decision_views(index, found.pairs, base)
    fit = refit(base.partner_, x, found.labels, groups=found.sources, lists=views)
    record = {
        "created_by": created_by,
        "adopted": fit.adopted,
        "base": fingerprint(base),
        "pairs": len(found.pairs),
        "positive": found.positive,
        "negative": found.negative,
        "strength": fit.strength,
        "cv_global": fit.cv_global,
        "cv_local": fit.cv_local,
        "seconds": round(time.perf_counter() - started, 3),
        "decisions": decision_store.counts(db),
        "reason": fit.reason,
        "model": {
            "features": feature_names(),
            "delta": [float(v) for v in fit.delta],
            "delta_intercept": fit.delta_intercept,
        }
        if fit.adopted
        else None,
    }
    return learned_scorers.save(db, record)


def latest_refit_id(db) -> int | None:
    """The newest re-fit's id (None before the first)."""
    return learned_scorers.latest_id(db)


def service_scorer(db, base: PairScorer) -> PairScorer:
    """The scorer the service uses with learning on: the global one with the newest re-fit's
    change when that was adopted on top of this same global model; else the global one."""
    found = learned_scorers.latest(db, with_model=True)
    if not found or not found["adopted"] or found["base"] != fingerprint(base):
        return base
    model = found["model"]
    if model["features"] != base.names_:
        return base
    fit = LocalFit(np.array(model["delta"], dtype=np.float32), model["delta_intercept"], True,
                   found["reason"])  # fmt: skip
    partner: LinearModel = fit.apply(base.partner_)
    trained_on = dict(base.trained_on_) | {"decisions": {"refit": found["id"],
                                                          "pairs": found["pairs"]}}  # fmt: skip
    return dataclasses.replace(base, partner_=partner, trained_on_=trained_on)


def status(db, base: PairScorer, enabled: bool) -> dict:
    """What a facilitator sees: decisions per kind, the labelled pairs they give, the newest
    re-fit and whether the service ranks with it."""
    found = decision_pairs(db)
    last = learned_scorers.latest(db)
    current = bool(last) and last["base"] == fingerprint(base)
    return {
        "enabled": enabled,
        "decisions": decision_store.counts(db),
        "pairs": {
            "total": len(found.pairs),
            "positive": found.positive,
            "negative": found.negative,
        },  # fmt: skip
        "last_refit": last,
        "in_use": bool(enabled and last and last["adopted"] and current),
        "base_changed": bool(last) and not current,
        "history": learned_scorers.history(db),
    }
