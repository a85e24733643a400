"""Learned pair scores: logistic regressions over pair features, for partners and competitors.

`PairScorer` holds two linear models over `features.feature_names()`: how likely two firms
belong in one network (partner), and how likely they are direct competitors. Both are fitted
on labelled pairs (`fit`), saved as plain JSON in `models/` by a command, and applied with a
few matrix products, so scoring every stored firm for a query stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from matchmaker.config import MODELS_DIR
from matchmaker.matching.features import REPRESENTATIONS, FeatureScale, feature_names

SCORER_PATH = MODELS_DIR / "pair_scorer.json"
# How much a labelled look-alike pair (not rivals) weighs in the competitor model.
LOOK_ALIKE_WEIGHT = 5.0
# What the likeness model reads: how alike two whole profiles are per representation, and the
# facts a profile without needs or offers still has (region, knowledge institution).
LIKENESS_FEATURES = (
    *(f"{rep}:profile-profile" for rep in REPRESENTATIONS),
    "same_region", "both_knowledge", "one_knowledge",
)  # fmt: skip
# Facts the competitor judgement reads but neither linear model learns: whether two firms sit
# at different value-chain positions by NACE. Fitted, its weight changed sign with the labelled
# set left out (producer and wholesaler of one product are rivals in one set) and moved
# nothing (bench.partners --loso); as a veto on the model's flag it keeps links of one chain
# apart.
RULE_FACTS = ("chain_step",)
# The likeness model's inputs: those features and the encoder's combined profile likeness.
PROFILE_LIKENESS = "profile_likeness"
LIKENESS_INPUTS = (*LIKENESS_FEATURES, PROFILE_LIKENESS)


@dataclass
class LinearModel:
    """Weights and intercept of one logistic regression over the pair features."""

    weights: np.ndarray
    intercept: float

    def logit(self, features: np.ndarray) -> np.ndarray:
        """Log-odds for a feature tensor (features × …)."""
        return np.tensordot(self.weights, features, axes=(0, 0)) + self.intercept


def _fit_linear(
    x: np.ndarray, y: np.ndarray, c: float, seed: int, weight=None, standardise: bool = False
) -> LinearModel:
    """A balanced logistic regression; with `standardise` fitted on inputs scaled to unit
    spread (so that C regularises every input alike), its weights returned in the raw units."""
    mean = x.mean(axis=0) if standardise else np.zeros(x.shape[1])
    spread = x.std(axis=0) if standardise else np.ones(x.shape[1])
    spread = np.where(spread > 1e-9, spread, 1.0)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
    model.fit((x - mean) / spread, y, sample_weight=weight)
    weights = model.coef_[0] / spread
    intercept = float(model.intercept_[0] - weights @ mean)
    return LinearModel(weights.astype(np.float32), intercept)


@dataclass
class PairScorer:
    """Partner and competitor models with the settings they were fitted with.

    `partner_c` and `competitor_c` are the inverse regularisation strengths; the competitor
    threshold is a probability above which a pair counts as competitors, unless it is a value
    chain: one firm's needs met by the other more strongly (by `chain_margin`, calibrated) than
    their offers are alike. The facilitator's rule (same NACE group, overlapping market) yields
    only to a clear value chain (`rule_chain_margin`). Firms at different value-chain positions
    by NACE (`chain_step`: a grower and the press that buys its fruit) are flagged by the model
    only above `chain_step_threshold` (strong evidence; 0.97–0.999 tie leaving one labelled
    set out, 1.0 costs train 0.002 recall@5, and the highest tied flags the fewest such pairs).

    The likeness model ranks the partners of a firm that wrote neither needs nor offers: a
    logistic regression over `LIKENESS_INPUTS` (standardised) fitted on real co-participation
    (who worked together in projects), with inverse regularisation strength `likeness_c`, then
    blended with the previous ranking by the encoder's profile likeness alone: `likeness_blend`
    is that ranking's share (0 … 1, `blend_with_encoder`). Without it such firms are ranked by the
    encoder's combined profile likeness.
    """

    partner_c: float = 0.03  # chosen by cross-validation on the dev set (bench/partners.py)
    # Competitor C and the rule's "unless" (a value chain must be clear) were chosen leaving one
    # labelled set out (`bench.partners --loso`); the threshold too: 0.9–0.97 tie there, and
    # the highest flags the fewest partners.
    competitor_c: float = 1.0
    competitor_threshold: float = 0.97
    chain_margin: float = 0.0
    rule_chain_margin: float = 3.0
    chain_step_threshold: float = 0.999
    offers_quantile: float = 0.05
    likeness_c: float = 1.0
    likeness_blend: float = 0.0
    random_state: int = 0
    names_: list[str] = field(default_factory=feature_names)
    partner_: LinearModel | None = None
    competitor_: LinearModel | None = None
    likeness_: LinearModel | None = None
    likeness_profile_: float = 0.0  # the likeness model's weight of the encoder's likeness
    trained_on_: dict = field(default_factory=dict)
    reference_scale_: FeatureScale | None = None
    offers_gate_: float = float("-inf")

    def fit(
        self,
        x: np.ndarray,
        partner: np.ndarray,
        competitor: np.ndarray | None = None,
        trained_on: dict | None = None,
        reference_scale: FeatureScale | None = None,
        look_alike: np.ndarray | None = None,
    ) -> PairScorer:
        """Fit on pair rows `x` (pairs × features) with 0/1 partner and competitor labels;
        `reference_scale` is the feature scale of the training stores, kept so that a small
        store's own scale can lean on it; `look_alike` marks pairs known to look alike without
        being rivals (supplier and customer), weighted up as the competitor model's hard cases."""
        self.names_ = feature_names()
        if x.shape[1] != len(self.names_):
            raise ValueError(f"expected {len(self.names_)} features, got {x.shape[1]}")
        x = x.copy()
        x[:, [self.names_.index(name) for name in RULE_FACTS]] = 0.0  # not learned: weight 0
        self.partner_ = _fit_linear(x, partner, self.partner_c, self.random_state)
        if competitor is not None and competitor.any():
            keep = partner == 0  # co-members are not competitors by definition; learn the rest
            weight = np.ones(len(x))
            if look_alike is not None:
                weight[look_alike.astype(bool)] = LOOK_ALIKE_WEIGHT
            self.competitor_ = _fit_linear(
                x[keep], competitor[keep], self.competitor_c, self.random_state, weight[keep]
            )
            # Rivals offer the same kind of thing: the gate lets through all but the
            # `offers_quantile` least alike of the known rival pairs.
            alike = offers_alike(x.T)[competitor.astype(bool)]
            self.offers_gate_ = float(np.quantile(alike, self.offers_quantile))
        self.trained_on_ = dict(trained_on or {})
        self.reference_scale_ = reference_scale
        return self

    def fit_likeness(self, x: np.ndarray, partner: np.ndarray, trained_on: dict | None = None):
        """Fit the likeness model on pair rows `x` (pairs × `LIKENESS_INPUTS`) with 0/1
        co-participation labels, then blend it with the encoder likeness by `likeness_blend`
        (`blend_with_encoder`)."""
        if x.shape[1] != len(LIKENESS_INPUTS):
            raise ValueError(f"expected {len(LIKENESS_INPUTS)} features, got {x.shape[1]}")
        small = _fit_linear(x, partner, self.likeness_c, self.random_state, standardise=True)
        small = blend_with_encoder(small, x, self.likeness_blend)
        weights = np.zeros(len(self.names_), dtype=np.float32)
        weights[likeness_rows()] = small.weights[:-1]
        self.likeness_ = LinearModel(weights, small.intercept)
        self.likeness_profile_ = float(small.weights[-1])
        self.trained_on_ = {**self.trained_on_, **(trained_on or {})}
        return self

    def silent_logit(
        self, features: np.ndarray, similar: np.ndarray, fallback: np.ndarray
    ) -> np.ndarray:
        """Log-odds for pairs whose query firm wrote neither needs nor offers: the likeness
        model's over the pair `features` and the encoder's calibrated profile likeness
        `similar`, or `fallback` when none was fitted."""
        if self.likeness_ is None:
            return fallback
        return self.likeness_.logit(features) + self.likeness_profile_ * similar

    def likeness_weights(self) -> np.ndarray:
        """The likeness model's weights over `LIKENESS_INPUTS`."""
        return np.r_[self.likeness_.weights[likeness_rows()], self.likeness_profile_]

    def partner_logit(self, features: np.ndarray) -> np.ndarray:
        """Partner log-odds for a feature tensor (features × …)."""
        return self.partner_.logit(features)

    def competitor_probability(self, features: np.ndarray) -> np.ndarray:
        """Probability that pairs are direct competitors (0 where no model was fitted)."""
        if self.competitor_ is None:
            return np.zeros(features.shape[1:], dtype=np.float32)
        return 1.0 / (1.0 + np.exp(-self.competitor_.logit(features)))

    def competitors(self, features: np.ndarray) -> np.ndarray:
        """Boolean: pairs judged direct competitors. Rivals offer alike (the gate); then either
        the model finds them likely and they are no value chain (one firm's needs met by the
        other more strongly, by `chain_margin`, than their offers are alike: supplier and
        customer), or they meet the facilitator's rule: same NACE group and an overlapping
        market (region or a shared market), unless they clearly form a value chain
        (`rule_chain_margin`). Firms at different chain positions by NACE are flagged by the
        model only above `chain_step_threshold`."""
        by_model, by_rule = self.flag_branches(features)
        return by_model | by_rule

    def flag_branches(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The two ways a pair is judged competitors (see `competitors`): by the model, by the
        facilitator's rule; a pair may meet both."""
        names = self.names_
        probability = self.competitor_probability(features)
        step = features[names.index("chain_step")] > 0
        likely = (probability > self.competitor_threshold) & (
            ~step | (probability > self.chain_step_threshold)
        )
        same_group = features[names.index("same_group")] > 0
        overlap = (features[names.index("same_region")] > 0) | (
            features[names.index("shared_market")] > 0
        )
        chain = needs_met(features) - offers_alike(features, mean=True)
        alike = offers_alike(features) >= self.offers_gate_
        by_model = likely & (chain <= self.chain_margin)
        by_rule = same_group & overlap & (chain <= self.rule_chain_margin)
        return alike & by_model, alike & by_rule

    # -- persistence ----------------------------------------------------------------------

    def to_json(self) -> dict:
        def model(m: LinearModel | None) -> dict | None:
            if m is None:
                return None
            weights = dict(zip(self.names_, map(float, m.weights), strict=True))
            return {"weights": weights, "intercept": m.intercept}

        return {
            "settings": {
                "partner_c": self.partner_c,
                "competitor_c": self.competitor_c,
                "competitor_threshold": self.competitor_threshold,
                "chain_margin": self.chain_margin,
                "rule_chain_margin": self.rule_chain_margin,
                "chain_step_threshold": self.chain_step_threshold,
                "offers_quantile": self.offers_quantile,
                "likeness_c": self.likeness_c,
                "likeness_blend": self.likeness_blend,
                "random_state": self.random_state,
            },
            "features": self.names_,
            "partner": model(self.partner_),
            "competitor": model(self.competitor_),
            "likeness": None
            if self.likeness_ is None
            else {**model(self.likeness_), PROFILE_LIKENESS: self.likeness_profile_},
            "trained_on": self.trained_on_,
            "offers_gate": self.offers_gate_,
            "reference_scale": None
            if self.reference_scale_ is None
            else {
                "mean": [float(v) for v in self.reference_scale_.mean],
                "scale": [float(v) for v in self.reference_scale_.scale],
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> PairScorer:
        names = feature_names()
        if data["features"] != names:
            raise ValueError("the saved pair scorer was fitted on other features; retrain it")

        def model(d: dict | None) -> LinearModel | None:
            if d is None:
                return None
            weights = np.array([d["weights"][n] for n in names], dtype=np.float32)
            return LinearModel(weights, float(d["intercept"]))

        scorer = cls(**data["settings"])
        scorer.names_ = names
        scorer.partner_ = model(data["partner"])
        scorer.competitor_ = model(data["competitor"])
        scorer.likeness_ = model(data.get("likeness"))
        scorer.likeness_profile_ = float((data.get("likeness") or {}).get(PROFILE_LIKENESS, 0.0))
        scorer.trained_on_ = data.get("trained_on", {})
        scorer.offers_gate_ = float(data.get("offers_gate", float("-inf")))
        ref = data.get("reference_scale")
        if ref:
            scorer.reference_scale_ = FeatureScale(
                np.array(ref["mean"], dtype=np.float32), np.array(ref["scale"], dtype=np.float32)
            )
        return scorer

    def save(self, path: Path = SCORER_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False, sort_keys=False)
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = SCORER_PATH) -> PairScorer:
        if not path.exists():
            raise FileNotFoundError(
                f"no pair scorer at {path}: build it with `python -m matchmaker train-matcher`"
            )
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def blend_with_encoder(model: LinearModel, x: np.ndarray, blend: float) -> LinearModel:
    """A model over `LIKENESS_INPUTS` blended with the encoder likeness (the last input):
    (1 − blend) × the model + blend × the encoder likeness, the encoder likeness first scaled
    to the model's spread over the rows `x`, and the blend centred where the model is, so
    that it stays a log-odds of the same range (blend 1 ranks by the encoder alone)."""
    if blend <= 0:
        return model
    learned = x @ model.weights + model.intercept
    spread = float(np.std(x[:, -1]))
    weights = (1 - blend) * model.weights.astype(np.float64)
    weights[-1] += blend * float(np.std(learned)) / (spread if spread > 1e-9 else 1.0)
    intercept = float(np.mean(learned) - np.mean(x @ weights))
    return LinearModel(weights.astype(np.float32), intercept)


def likeness_rows() -> list[int]:
    """Positions of `LIKENESS_FEATURES` among the pair features."""
    names = feature_names()
    return [names.index(name) for name in LIKENESS_FEATURES]


def offers_alike(features: np.ndarray, mean: bool = False) -> np.ndarray:
    """How alike two firms' offers are: the strongest representation's standardised cosine
    (or, with `mean`, the representations' mean)."""
    rows = [k for k, name in enumerate(feature_names()) if name.endswith(":offers-offers")]
    return features[rows].mean(axis=0) if mean else features[rows].max(axis=0)


def needs_met(features: np.ndarray) -> np.ndarray:
    """How strongly one firm's needs are met by the other's offers or profile (either way):
    per representation the stronger of the two, averaged over the representations."""
    names = feature_names()
    per_rep = []
    for rep in dict.fromkeys(name.split(":")[0] for name in names if ":" in name):
        rows = [names.index(f"{rep}:needs-offers:max"), names.index(f"{rep}:needs-profile:max")]
        per_rep.append(features[rows].max(axis=0))
    return np.mean(per_rep, axis=0)


def pair_rows(tensor: np.ndarray, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Rows (pairs × features) of a square feature tensor at the given (i, j) positions."""
    i = np.fromiter((a for a, _ in pairs), dtype=np.int64)
    j = np.fromiter((b for _, b in pairs), dtype=np.int64)
    return tensor[:, i, j].T
