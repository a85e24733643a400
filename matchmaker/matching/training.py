"""Fitting the pair scorer on labelled sets of firms (known networks and competitor pairs).

A labelled set is a JSON file with "firms" (profiles with a "key"), "networks" (groups of
keys) and "competitors" (pairs of keys); optional "not_competitors" are look-alike pairs known
not to be rivals. Each set is loaded into a temporary store and indexed by the real
`MatchIndex`, so its features are computed exactly as in service, standardised on that set's
own pairs. `python -m matchmaker train-matcher` runs `train` and writes `models/`.

The likeness model (partners of firms that wrote neither needs nor offers) is fitted on real
co-participation (`coparticipation_folds`): the training projects fall into folds; for each
fold the organisations are profiled from the *other* folds' projects only and indexed, and
each participant of a fold's project is paired with its co-participants (positives) and with
organisations sampled from the rest (negatives). Its settings (regularisation, pairs with or
without big players, blend with the encoder likeness) are chosen by leave-one-fold-out
recall@10 of every participant's co-participants, as the service is judged: in the pool of all
organisations and in the pool without the big players, each against the best keyword-search
baseline on the same fold profiles, by the worse of the two gains (`choose_likeness`).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matchmaker.config import DATA_DIR
from matchmaker.matching import coparticipation
from matchmaker.matching.features import FeatureScale, pair_features
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.scorer import (
    LinearModel,
    PairScorer,
    blend_with_encoder,
    likeness_rows,
    pair_rows,
)
from matchmaker.store import db as store
from matchmaker.store import labelled
from matchmaker.store import vectors as cached_vectors

TRAINING_SETS = (
    DATA_DIR / "training" / "partners_dev.json",
    DATA_DIR / "training" / "partners_train.json",
    DATA_DIR / "training" / "partners_rivals.json",
)
# Real co-participation (ERDF projects outside the evaluated part) for the likeness model.
COPARTICIPATION = DATA_DIR / "training" / "coparticipation_erdf.json"
LIKENESS_FOLDS = 6
NEGATIVES = 100  # organisations sampled per participant as non-partners
LIKENESS_CS = (0.01, 0.1, 1.0, 10.0)
# Share of the encoder likeness in a blend with the learned model (0: the learned model alone,
# 1: the encoder likeness alone; see `PairScorer.fit_likeness`).
LIKENESS_BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)
TOP_K = 10
# An organisation in more training projects than this is a big player (a university, a
# region): recall is also judged without them, and a model must do well both ways.
BIG_PLAYER = 5
# Projects of this many participants with a profile teach the likeness model.
MIN_MEMBERS, MAX_MEMBERS = 2, 8


@dataclass
class LabelledPairs:
    """Every pair of one labelled set: feature rows and labels, with the set's firm keys."""

    name: str
    scale: FeatureScale
    keys: list[str]
    pairs: list[tuple[int, int]]
    x: np.ndarray
    partner: np.ndarray
    competitor: np.ndarray
    look_alike: np.ndarray


def load_set(
    path: Path, vector_cache=None, scorer: PairScorer | None = None
) -> tuple[MatchIndex, dict, list[str]]:
    """A labelled set in a temporary store: its fitted index, the data, keys in index order.

    With no `scorer` the index carries an unfitted one (for training: features only)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    index, keys = index_firms(data["firms"], vector_cache, scorer)
    return index, data, keys


def index_firms(
    firms: list[dict], vector_cache=None, scorer: PairScorer | None = None
) -> tuple[MatchIndex, list[str]]:
    """Firms (profiles with a "key") in a temporary store, indexed; keys in index order."""
    db = store.connect(Path(tempfile.mkdtemp()) / "labelled.sqlite3")
    if vector_cache is not None:
        cached_vectors.copy_all(vector_cache, db)
    key_of = labelled.insert_firms(db, firms)
    index = MatchIndex(scorer=scorer or PairScorer()).fit(db)
    if vector_cache is not None:
        cached_vectors.copy_all(db, vector_cache)
    return index, [key_of[c] for c in index.ids()]


def labelled_pairs(path: Path, vector_cache=None) -> LabelledPairs:
    """All pairs (i < j) of a labelled set with partner and competitor labels."""
    index, data, keys = load_set(path, vector_cache)
    pos = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    partner = np.zeros((n, n), dtype=bool)
    for net in data.get("networks", []):
        members = [pos[m] for m in net["members"]]
        for a in members:
            for b in members:
                partner[a, b] = a != b
    competitor = np.zeros((n, n), dtype=bool)
    for c in data.get("competitors", []):
        competitor[pos[c["a"]], pos[c["b"]]] = competitor[pos[c["b"]], pos[c["a"]]] = True
    look_alike = np.zeros((n, n), dtype=bool)
    for c in data.get("not_competitors", []):
        look_alike[pos[c["a"]], pos[c["b"]]] = look_alike[pos[c["b"]], pos[c["a"]]] = True
    v, f = index.vectors_, index.facts_
    tensor = pair_features(index.encoder_, v, f, v, f, index.scale_)
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    return LabelledPairs(
        name=Path(path).stem,
        scale=index.scale_,
        keys=keys,
        pairs=pairs,
        x=pair_rows(tensor, pairs),
        partner=np.array([partner[a, b] for a, b in pairs], dtype=int),
        competitor=np.array([competitor[a, b] for a, b in pairs], dtype=int),
        look_alike=np.array([look_alike[a, b] for a, b in pairs], dtype=bool),
    )


def train(
    paths: Sequence[Path] | None = None, scorer: PairScorer | None = None, vector_cache=None
) -> PairScorer:
    """Fit a pair scorer on every labelled set that exists among `paths`; with the default
    sets (no `paths`), its likeness model too, on the co-participation file if it exists."""
    default = paths is None
    sets = [labelled_pairs(p, vector_cache) for p in (paths or TRAINING_SETS) if Path(p).exists()]
    if not sets:
        raise FileNotFoundError("no labelled training set found")
    x = np.vstack([s.x for s in sets])
    partner = np.concatenate([s.partner for s in sets])
    competitor = np.concatenate([s.competitor for s in sets])
    look_alike = np.concatenate([s.look_alike for s in sets])
    trained_on = {
        s.name: {"pairs": len(s.pairs), "partner": int(s.partner.sum()),
                 "competitor": int(s.competitor.sum())}
        for s in sets
    }  # fmt: skip
    reference = FeatureScale(
        np.mean([s.scale.mean for s in sets], axis=0),
        np.mean([s.scale.scale for s in sets], axis=0),
    )
    fitted = (scorer or PairScorer()).fit(
        x, partner, competitor, trained_on=trained_on, reference_scale=reference,
        look_alike=look_alike,
    )  # fmt: skip
    if default and COPARTICIPATION.exists():
        fit_likeness(fitted, load_coparticipation(), vector_cache)
    return fitted


@dataclass
class CoparticipationFold:
    """One fold's pairs: sampled training rows (pairs × likeness inputs, 0/1 labels) and, for
    each of its projects, every participant's rows against all organisations (the queries
    that judge a model: each participant asks for partners, its co-participants are the
    truth), with the keyword-search baselines' cosines for the same queries."""

    x: np.ndarray
    y: np.ndarray
    queries: list[tuple[np.ndarray, np.ndarray]]  # per project: inputs × members × orgs, rows
    big: np.ndarray  # per organisation: in many projects (a big player)
    with_big: np.ndarray  # per training row: a big player is one of the pair
    # per project: baseline name → members × orgs cosines (TF-IDF on the fold's profiles)
    baselines: list[dict[str, np.ndarray]] = field(default_factory=list)


def coparticipation_folds(
    projects: Sequence[dict], vector_cache=None, n_folds: int = LIKENESS_FOLDS, seed: int = 0
) -> list[CoparticipationFold]:
    """Pairs from co-participation in `projects` (training projects only), fold by fold, each
    fold's organisations profiled from the other folds' projects (see the module docstring)."""
    rng = np.random.default_rng(seed)
    rows_of = likeness_rows()
    count = Counter(o for p in projects for o in p["orgs"])
    out = []
    for part in coparticipation.folds(projects, n_folds):
        hidden = {p["id"] for p in part}
        firms = coparticipation.organisation_profiles(projects, hidden)
        index, keys = index_firms(list(firms.values()), vector_cache)
        lexical = coparticipation.lexical_baselines([firms[k]["description"] for k in keys])
        pos = {k: i for i, k in enumerate(keys)}
        v, f = index.vectors_, index.facts_
        big = np.array([count[k] > BIG_PLAYER for k in keys])
        xs, ys, queries, with_big, baselines = [], [], [], [], []
        for p in part:
            members = [pos[o] for o in p["orgs"] if o in pos]
            if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
                continue
            sel = np.array(members)
            tensor = pair_features(index.encoder_, v.take(sel), f.take(sel), v, f, index.scale_)
            similar = index.encoder_.similarity(v.take(sel), v, "profile", "profile")
            # likeness inputs × members × organisations
            tensor = np.concatenate([tensor[rows_of], similar[None]])
            others = np.setdiff1d(np.arange(len(keys)), sel)
            for k, a in enumerate(members):
                mates = [b for b in members if b != a]
                negatives = rng.choice(others, size=min(NEGATIVES, others.size), replace=False)
                cols = np.concatenate([mates, negatives])
                xs.append(tensor[:, k, cols].T)
                ys.append(np.r_[np.ones(len(mates)), np.zeros(negatives.size)])
                with_big.append(big[cols] | big[a])
            queries.append((tensor, sel))
            baselines.append(
                {name: (m[sel] @ m.T).toarray().astype(np.float32) for name, m in lexical.items()}
            )
        if not xs:  # a fold without a project to learn or judge from
            continue
        y = np.concatenate(ys).astype(int)
        out.append(
            CoparticipationFold(np.vstack(xs), y, queries, big, np.concatenate(with_big), baselines)
        )
    return out


def ranked_recall(
    scores: Sequence[np.ndarray], fold: CoparticipationFold, k: int = TOP_K, small: bool = False
) -> list[float]:
    """Recall@k of each participant's co-participants among all organisations of a fold,
    ranked by `scores` (per project: members × organisations); with `small`, among the
    organisations that are no big player, for queries and co-participants that are none."""
    recalls = []
    for (_, members), block in zip(fold.queries, scores, strict=True):
        for row, own in enumerate(members):
            truth = members[members != own]
            score = block[row].astype(np.float64)
            score[own] = -np.inf
            if small:
                truth = truth[~fold.big[truth]]
                if fold.big[own] or not truth.size:
                    continue
                score[fold.big] = -np.inf
            top = np.argpartition(-score, min(k, score.size - 1))[:k]
            recalls.append(float(np.isin(truth, top).mean()))
    return recalls


def query_recall(
    weights: np.ndarray, fold: CoparticipationFold, k: int = TOP_K, small: bool = False
) -> list[float]:
    """`ranked_recall` of the ranking by `weights` over `LIKENESS_INPUTS`."""
    scores = [np.tensordot(weights, tensor, axes=(0, 0)) for tensor, _ in fold.queries]
    return ranked_recall(scores, fold, k, small)


def baseline_recall(
    name: str, fold: CoparticipationFold, k: int = TOP_K, small: bool = False
) -> list[float]:
    """`ranked_recall` of a keyword-search baseline ("chars" or "words")."""
    return ranked_recall([b[name] for b in fold.baselines], fold, k, small)


def pair_rows_of(folds: Sequence[CoparticipationFold], without_big: bool):
    """Training rows and labels of `folds`, with or without the pairs of a big player."""
    x = np.vstack([f.x[~f.with_big] if without_big else f.x for f in folds])
    y = np.concatenate([f.y[~f.with_big] if without_big else f.y for f in folds])
    return x, y


@dataclass
class LikenessChoice:
    """The likeness model's settings chosen by cross-validation, and what each scored."""

    c: float = PairScorer.likeness_c
    without_big: bool = False
    blend: float = 0.0
    # setting → [recall all, recall small, gain all, gain small]; baselines → recalls
    scores: dict = field(default_factory=dict)


def choose_likeness(
    folds: Sequence[CoparticipationFold],
    cs: Sequence[float] = LIKENESS_CS,
    blends: Sequence[float] = LIKENESS_BLENDS,
) -> LikenessChoice:
    """The regularisation, whether to learn from pairs without big players only, and the
    blend with the encoder likeness, judged as the service is judged: leave-one-fold-out
    recall@10 of the participants' co-participants in both pools (all organisations, and
    without the big players), each minus the best keyword-search baseline (TF-IDF chars or
    words) on the same fold profiles and queries; the setting whose worse gain is highest
    wins; ties go to the strongest regularisation, then the smallest blend. With fewer than
    two folds, the defaults on all pairs."""
    if len(folds) < 2:
        return LikenessChoice()
    recalls: dict[tuple, list[list[float]]] = {}
    for without_big in (False, True):
        for c in cs:
            for g, held in enumerate(folds):
                rest = [f for h, f in enumerate(folds) if h != g]
                x, y = pair_rows_of(rest, without_big)
                scorer = PairScorer(likeness_c=c).fit_likeness(x, y)
                fitted = LinearModel(scorer.likeness_weights(), scorer.likeness_.intercept)
                for blend in blends:
                    weights = blend_with_encoder(fitted, x, blend).weights
                    found = recalls.setdefault((c, without_big, blend), [[], []])
                    found[0] += query_recall(weights, held)
                    found[1] += query_recall(weights, held, small=True)
    base = {
        name: [
            float(np.mean([r for f in folds for r in baseline_recall(name, f, small=small)]))
            if any(f.baselines for f in folds)
            else 0.0
            for small in (False, True)
        ]
        for name in ("chars", "words")
    }
    best_base = [max(b[k] for b in base.values()) for k in (0, 1)]
    means = {}
    for key, v in recalls.items():
        recall = [float(np.mean(r)) if r else 0.0 for r in v]
        means[key] = recall + [recall[k] - best_base[k] for k in (0, 1)]
    best = max(means, key=lambda key: (round(min(means[key][2:]), 4), -key[0], -key[2]))
    scores = {
        f"C={c}, blend={b}{', without big players' if w else ''}": [round(v, 4) for v in m]
        for (c, w, b), m in means.items()
    }
    scores.update({f"TF-IDF {name}": [round(v, 4) for v in r] for name, r in base.items()})
    return LikenessChoice(best[0], best[1], best[2], scores)


def fit_likeness(
    scorer: PairScorer, projects: Sequence[dict], vector_cache=None, name: str = "coparticipation"
) -> PairScorer:
    """Fit `scorer`'s likeness model on co-participation in `projects` (training projects
    only), its settings chosen by cross-validation over the folds (`choose_likeness`)."""
    folds = coparticipation_folds(projects, vector_cache)
    if not folds:
        raise ValueError("no co-participation to learn from: too few projects share members")
    choice = choose_likeness(folds)
    scorer.likeness_c, scorer.likeness_blend = choice.c, choice.blend
    x, y = pair_rows_of(folds, choice.without_big)
    trained_on = {
        name: {"projects": len(projects), "folds": len(folds), "pairs": len(y),
               "partner": int(y.sum()), "without_big_players": choice.without_big,
               "cv_recall@10_all_small_gain_all_gain_small": choice.scores}
    }  # fmt: skip
    return scorer.fit_likeness(x, y, trained_on)


def load_coparticipation(path: Path = COPARTICIPATION) -> list[dict]:
    """The training projects of a co-participation file (see data/training/README.md)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["projects"]
