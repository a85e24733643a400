"""Fitting the pair scorer on labelled sets of firms (known networks and competitor pairs).

A labelled set is a JSON file with "firms" (profiles with a "key"), "networks" (groups of
keys) and "competitors" (pairs of keys); optional "not_competitors" are look-alike pairs known
not to be rivals. Each set is loaded into a temporary store and indexed by the real
`MatchIndex`, so its features are computed exactly as in service, standardised on that set's
own pairs. `python -m matchmaker train-matcher` runs `train` and writes `models/`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matchmaker.config import DATA_DIR
from matchmaker.matching.features import FeatureScale, pair_features
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.scorer import PairScorer, pair_rows
from matchmaker.store import db as store
from matchmaker.store import labelled
from matchmaker.store import vectors as cached_vectors

TRAINING_SETS = (
    DATA_DIR / "training" / "partners_dev.json",
    DATA_DIR / "training" / "partners_train.json",
    DATA_DIR / "training" / "partners_rivals.json",
)


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
    """Fit a pair scorer on every labelled set that exists among `paths`."""
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
    return (scorer or PairScorer()).fit(
        x, partner, competitor, trained_on=trained_on, reference_scale=reference,
        look_alike=look_alike,
    )  # fmt: skip
