"""A partner model re-fitted on one store's decisions, with the global model as its floor.

The local model is the global partner model plus a change `delta` to its weights and
intercept, fitted by logistic regression with an L2 pull of strength `strength` (counted in
pairs: the prior weighs as much as that many decisions) toward no change, so a few decisions
move it a little and many move it more. The strength is chosen by cross-validation over the
decisions themselves (one decision's pairs held out together), and the change is adopted only
if, on the held-out decisions, the suggestion lists it makes show more accepted pairs in their
firm's top 5 than the global model's lists (ranked among all candidate firms, not only the
judged ones) by a margin and three standard errors, and no more turned-down pairs. Otherwise the
re-fit keeps the global model (a zero change).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from matchmaker.matching.scorer import LinearModel

# Below these, a re-fit keeps the global model without trying.
MIN_PAIRS = 8
MIN_PER_CLASS = 3
STRENGTHS = (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
NEWTON_STEPS = 50


@dataclass
class LocalFit:
    """The outcome of a re-fit: the change adopted (zeros when the global model stays)."""

    delta: np.ndarray
    delta_intercept: float
    adopted: bool
    reason: str  # a message code: learning.reason_*
    strength: float | None = None
    cv_global: float | None = None
    cv_local: float | None = None
    cv_by_strength: dict[float, float] = field(default_factory=dict)

    def apply(self, base: LinearModel) -> LinearModel:
        """The global partner model with this change."""
        if not self.adopted:
            return base
        weights = (base.weights + self.delta).astype(np.float32)
        return LinearModel(weights, float(base.intercept + self.delta_intercept))


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Per-pair weights giving both labels equal total weight (the global model's setting),
    scaled so that they sum to the number of pairs."""
    y = np.asarray(y).astype(int)
    n, pos = len(y), int(y.sum())
    if pos in (0, n):
        return np.ones(n)
    return np.where(y == 1, n / (2 * pos), n / (2 * (n - pos)))


def fit_delta(
    base: LinearModel, x: np.ndarray, y: np.ndarray, strength: float
) -> tuple[np.ndarray, float]:
    """The change to `base` that minimises the weighted log-loss of pairs `x` (pairs ×
    features) with 0/1 labels `y`, plus strength/2 · |change|²."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    weight = balanced_weights(y)
    offset = x @ base.weights.astype(np.float64) + base.intercept
    design = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(design.shape[1])

    def objective(t: np.ndarray) -> float:
        z = offset + design @ t
        return float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)) + 0.5 * strength * t @ t)

    # Newton's method: the objective is smooth and strongly convex (the L2 term), and with a
    # few dozen weights each step is one small linear solve; halving keeps every step downhill.
    current = objective(theta)
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-(offset + design @ theta)))
        grad = design.T @ (weight * (p - y)) + strength * theta
        hess = (design * (weight * p * (1 - p))[:, None]).T @ design
        hess[np.diag_indices_from(hess)] += strength
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-4:
            trial = theta - size * step
            value = objective(trial)
            if value <= current:
                break
            size /= 2
        else:
            break
        theta, previous, current = trial, current, value
        if previous - current < 1e-9 * max(1.0, abs(current)):
            break
    return theta[:-1], float(theta[-1])


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score))


@dataclass
class ListViews:
    """Judged pairs as suggestion lists show them. For each anchor firm, its pair features
    against the candidates its list ranks (likely competitors left out); for each judged pair,
    the views (anchor number, column of the other firm) it is seen in."""

    anchors: list[np.ndarray]
    views: list[list[tuple[int, int]]]
    k: int = 5

    def hits(self, model: LinearModel, pairs: np.ndarray) -> np.ndarray:
        """Per pair of `pairs`: the share of its views that show the other firm in the top k."""
        needed = {a for p in pairs for a, _ in self.views[p]}
        logit = {a: self.anchors[a] @ model.weights + model.intercept for a in needed}
        return np.array(
            [np.mean([(logit[a] > logit[a][c]).sum() < self.k for a, c in self.views[p]])
             for p in pairs]
        )  # fmt: skip


def list_shares(hits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The shares of accepted and of turned-down pairs that their lists show in the top k."""
    return float(hits[y == 1].mean()), float(hits[y == 0].mean())


def gain_error(local: np.ndarray, base: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """The standard error of the accepted pairs' share gain of one set of hits over another
    on the same pairs, clustered by decision (pairs of one list or network move together)."""
    positive = y == 1
    diff = np.where(positive, local - base, 0.0)
    per_group = np.bincount(groups, weights=diff)
    per_group = per_group[np.bincount(groups, weights=positive.astype(float)) > 0]
    n = len(per_group)
    if n < 2:
        return float("inf")
    spread = n / (n - 1) * np.sum((per_group - per_group.mean()) ** 2)
    return float(np.sqrt(spread) / positive.sum())


def _splits(x, y, codes, grouped: bool, folds: int, random_state: int) -> list:
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    n_splits = min(folds, pos, neg)
    if not grouped:
        splitter = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        return list(splitter.split(x, y))
    n_splits = min(n_splits, len(set(codes)))
    if n_splits < 2:
        return []
    splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state)
    return [(tr, te) for tr, te in splitter.split(x, y, codes) if len(set(y[tr])) == 2]


def refit(
    base: LinearModel,
    x: np.ndarray,
    y: np.ndarray,
    *,
    groups=None,
    lists: ListViews | None = None,
    strengths: tuple[float, ...] = STRENGTHS,
    folds: int = 5,
    margin: float = 0.01,
    errors: float = 3.0,
    random_state: int = 0,
) -> LocalFit:
    """Re-fit `base` on labelled pairs; adopted only if it does better on held-out pairs.
    Pairs with the same `groups` entry (one decision's pairs) are held out together.

    With `lists`, "better" is what suggestion lists show: more held-out accepted pairs in
    their firm's top k, ranked among all candidates, not only the judged ones (by `margin` and
    `errors` standard errors, clustered by decision), and no more turned-down pairs there;
    without, the held-out pairs' ranking among themselves (AUC)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y).astype(int)
    zero = np.zeros(x.shape[1] if x.ndim == 2 else len(base.weights))
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if len(y) < MIN_PAIRS or min(pos, neg) < MIN_PER_CLASS:
        return LocalFit(zero, 0.0, False, "learning.reason_too_few")
    if groups is None:
        codes = np.arange(len(y))
    else:
        codes = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)[1]
    splits = _splits(x, y, codes, groups is not None, folds, random_state)
    if not splits:  # every held-out part would leave the rest with one kind of pair only
        return LocalFit(zero, 0.0, False, "learning.reason_too_few_decisions")
    everything = np.arange(len(y))
    global_score = x @ base.weights.astype(np.float64) + base.intercept
    if lists is None:
        cv_global, negative_global = _auc(y, global_score), 0.0
    else:
        global_hits = lists.hits(base, everything)
        cv_global, negative_global = list_shares(global_hits, y)
    by_strength: dict[float, float] = {}
    needed: dict[float, float] = {}
    for strength in strengths:
        held_out = np.empty(len(y))
        for train, test in splits:
            delta, d0 = fit_delta(base, x[train], y[train], strength)
            if lists is None:
                held_out[test] = global_score[test] + x[test] @ delta + d0
            else:
                local = LocalFit(delta, d0, True, "").apply(base)
                held_out[test] = lists.hits(local, test)
        if lists is None:
            by_strength[strength], needed[strength] = _auc(y, held_out), margin
            continue
        by_strength[strength], negative = list_shares(held_out, y)
        # A gain within noise is no gain: it must clear `margin` and `errors` standard errors,
        # and no more turned-down pairs may reach the top k.
        error = gain_error(held_out, global_hits, y, codes)
        needed[strength] = max(margin, errors * error) if negative <= negative_global else np.inf
    # The best strength; among equals the strongest pull (the closest to the global model).
    best = max(strengths, key=lambda s: (round(by_strength[s], 6), s))
    cv_local = by_strength[best]
    if cv_local < cv_global + needed[best]:
        return LocalFit(zero, 0.0, False, "learning.reason_global_wins", None, cv_global,
                        cv_local, by_strength)  # fmt: skip
    delta, d0 = fit_delta(base, x, y, best)
    return LocalFit(delta, d0, True, "learning.reason_adopted", best, cv_global, cv_local,
                    by_strength)  # fmt: skip
