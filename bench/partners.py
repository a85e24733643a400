"""Partner suggestions on labelled firms: dev set (tuned on), blind set (reported), baselines.

Run: .venv/bin/python -m bench.partners [--sets dev blind train rivals] [--grid] [--loso]

For each set: recall@5 of known network partners in complementary mode, the share of
suggestion lists holding a labelled competitor, and the competitor flag's precision and
recall on labelled pairs; beside TF-IDF (character n-grams, words), TF-IDF needs×offers,
and random suggestions computed in the same run on the same firms. The blind set's texts are
never printed: only its scores.

`--loso` chooses the competitor settings by leaving one training set out: fit on the other
labelled sets (dev, train, rivals), judge the held-out one, and rank the settings by mean
recall@5 − 2 × the share of lists with a rival (a rival suggested costs a facilitator more
than a partner missed). Per held-out set it prints the flag's rival recall and precision and
the labelled partner pairs (firms of one network) it flags, by the model and by the rule, and
a second criterion: the share of partner pairs flagged + 2 × the share of rivals missed.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.representations import table
from matchmaker.matching import partner_suggestions, training
from matchmaker.matching.features import pair_features
from matchmaker.matching.index import default_scorer
from matchmaker.matching.scorer import PairScorer, pair_rows
from matchmaker.store import db as store

REPO = Path(__file__).resolve().parent.parent
TRAIN = REPO / "data" / "training" / "partners_train.json"
SETS = {
    "dev": REPO / "data" / "training" / "partners_dev.json",
    "blind": REPO / "bench" / "data" / "blind" / "firms.json",
    # The other training sets (optimistic: the shipped scorer was fitted on them).
    "train": TRAIN,
    "rivals": REPO / "data" / "training" / "partners_rivals.json",
}
LOSO_SETS = {name: SETS[name] for name in ("dev", "train", "rivals")}
CACHE_DB = Path(tempfile.gettempdir()) / "matchmaker-bench-vectors.sqlite3"
K = 5


class LabelledSet:
    """A labelled set loaded into a temporary store and indexed by the real MatchIndex."""

    def __init__(self, name: str, cache, path: Path | None = None, scorer=None, loaded=None):
        """`loaded`: an (index, data, keys) already built (e.g. by `bench.concepts`)."""
        self.name = name
        self.index, self.data, keys = loaded or training.load_set(
            path or SETS[name], cache, scorer or default_scorer()
        )
        self.db = None
        self.ids = self.index.ids()
        pos = {k: i for i, k in enumerate(keys)}
        self.pos = {c: i for i, c in enumerate(self.ids)}
        self.profiles = [self.index.profile(c) for c in self.ids]
        n = len(self.ids)
        self.partner = np.zeros((n, n), dtype=bool)
        self.network_of = np.full(n, -1)
        for k, net in enumerate(self.data["networks"]):
            members = [pos[m] for m in net["members"]]
            self.network_of[members] = k
            for a in members:
                self.partner[a, members] = True
                self.partner[a, a] = False
        self.competitor = np.zeros((n, n), dtype=bool)
        for c in self.data["competitors"]:
            a, b = pos[c["a"]], pos[c["b"]]
            self.competitor[a, b] = self.competitor[b, a] = True
        self.queries = [q for q in range(n) if self.partner[q].any()]
        self._features = None

    def features(self) -> np.ndarray:
        """Pair feature tensor of all firms against all, with the store's own scale."""
        if self._features is None:
            v, f = self.index.vectors_, self.index.facts_
            self._features = pair_features(self.index.encoder_, v, f, v, f, self.index.scale_)
        return self._features

    def texts(self, fields) -> list[str]:
        return ["\n".join(str(p.get(f) or "") for f in fields) for p in self.profiles]


# -- scoring a ranking ----------------------------------------------------------------------


def evaluate(s: LabelledSet, score: np.ndarray, blocked: np.ndarray, queries=None) -> dict:
    """Recall@K, lists with a labelled competitor, for a score matrix (higher is better)."""
    queries = s.queries if queries is None else queries
    recalls, with_rival = [], 0
    for q in queries:
        z = score[q].astype(float).copy()
        z[q] = -np.inf
        z[blocked[q]] = -np.inf
        top = np.argsort(-z, kind="stable")[:K]
        truth = np.flatnonzero(s.partner[q])
        recalls.append(len(set(top) & set(truth)) / len(truth))
        with_rival += bool(s.competitor[q, top].any())
    return {"recall": float(np.mean(recalls)), "rival_lists": with_rival / len(queries)}


def flag_quality(s: LabelledSet, flagged: np.ndarray) -> tuple[float, float, int]:
    """Precision and recall of a competitor flag on the labelled pairs (upper triangle)."""
    iu = np.triu_indices(len(s.ids), 1)
    f, t = flagged[iu], s.competitor[iu]
    hits = int((f & t).sum())
    return hits / max(int(f.sum()), 1), hits / max(int(t.sum()), 1), int(f.sum())


def tfidf_scores(s: LabelledSet, fields, analyzer="char_wb", ngram=(3, 5)) -> np.ndarray:
    vec = TfidfVectorizer(analyzer=analyzer, ngram_range=ngram, sublinear_tf=True)
    m = vec.fit_transform(s.texts(fields))
    return (m @ m.T).toarray()


def needs_offers_scores(s: LabelledSet) -> np.ndarray:
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vec.fit(s.texts(["description", "offers", "needs"]))
    needs, offers = vec.transform(s.texts(["needs"])), vec.transform(s.texts(["offers"]))
    forward = (needs @ offers.T).toarray()
    return forward + forward.T


def baselines(s: LabelledSet) -> list[list]:
    none = np.zeros((len(s.ids), len(s.ids)), dtype=bool)
    rng = np.random.default_rng(0)
    whole = ["description", "sector", "offers", "needs"]
    rows = []
    for name, score in [
        ("TF-IDF char 3-5, whole profile", tfidf_scores(s, whole)),
        ("TF-IDF words, whole profile", tfidf_scores(s, whole, "word", (1, 1))),
        ("TF-IDF needs x offers", needs_offers_scores(s)),
        ("random", rng.random((len(s.ids), len(s.ids)))),
    ]:
        r = evaluate(s, score, none)
        rows.append([name, r["recall"], r["rival_lists"], "–"])
    return rows


def service_row(s: LabelledSet) -> list:
    """The service as it answers the API (partner_suggestions, complementary, limit 5), with
    the pair scorer built into models/ by `train-matcher`."""
    recalls, with_rival = [], 0
    for q in s.queries:
        cid = s.ids[q]
        found = [s.pos[x.id] for x in partner_suggestions(s.index, cid, limit=K)]
        truth = np.flatnonzero(s.partner[q])
        recalls.append(len(set(found) & set(truth)) / len(truth))
        with_rival += bool(s.competitor[q, found].any())
    p, r, n = flag_quality(s, scorer_scores(s.index.scorer_, s)[1])
    return ["service (partner_suggestions)", float(np.mean(recalls)), with_rival / len(s.queries),
            f"{p:.2f} / {r:.2f} ({n} flagged)"]  # fmt: skip


# -- the learned scorer -----------------------------------------------------------------------


def training_pairs(s: LabelledSet, rows: np.ndarray | None = None):
    """All pairs (i < j) among `rows` (default all) with partner and competitor labels."""
    n = len(s.ids)
    rows = np.arange(n) if rows is None else np.asarray(rows)
    pairs = [(int(a), int(b)) for k, a in enumerate(rows) for b in rows[k + 1 :]]
    x = pair_rows(s.features(), pairs)
    partner = np.array([s.partner[a, b] for a, b in pairs], dtype=int)
    competitor = np.array([s.competitor[a, b] for a, b in pairs], dtype=int)
    return x, partner, competitor


def scorer_scores(scorer: PairScorer, s: LabelledSet) -> tuple[np.ndarray, np.ndarray]:
    """Partner log-odds and competitor flags as the service judges them."""
    f = s.features()
    return scorer.partner_logit(f), scorer.competitors(f)


def cross_validate(s: LabelledSet, extra=None, folds: int = 5, **params) -> dict:
    """Recall over folds of networks: fit on the other networks' firms (plus the `extra`
    labelled pairs of the training set), rank among all firms."""
    n_nets = len(s.data["networks"])
    fold_of_net = np.arange(n_nets) % folds
    rng = np.random.default_rng(0)
    fold = np.where(
        s.network_of >= 0, fold_of_net[s.network_of], rng.integers(0, folds, len(s.ids))
    )
    recalls, rivals, n = 0.0, 0.0, 0
    flags = np.zeros_like(s.competitor)
    for k in range(folds):
        train = np.flatnonzero(fold != k)
        x, partner, competitor = training_pairs(s, train)
        look_alike = np.zeros(len(x), dtype=bool)
        if extra is not None:
            x = np.vstack([x, extra.x])
            partner = np.concatenate([partner, extra.partner])
            competitor = np.concatenate([competitor, extra.competitor])
            look_alike = np.concatenate([look_alike, extra.look_alike])
        scorer = PairScorer(**params).fit(x, partner, competitor, look_alike=look_alike)
        score, blocked = scorer_scores(scorer, s)
        test_q = [q for q in s.queries if fold[q] == k]
        r = evaluate(s, score, blocked, test_q)
        recalls += r["recall"] * len(test_q)
        rivals += r["rival_lists"] * len(test_q)
        n += len(test_q)
        test = fold == k
        flags[test] = blocked[test]
        flags[:, test] = blocked[:, test]
    return {"recall": recalls / n, "rival_lists": rivals / n, "flags": flags}


def choose(dev: LabelledSet, grid: bool, extra=None) -> dict:
    """Settings chosen by cross-validation on the dev set (partner C by recall, then the
    competitor C and threshold by the flag's F2: a missed rival costs more than a false flag)."""
    partner_cs = [0.01, 0.03, 0.1, 0.3] if grid else [PairScorer.partner_c]
    best = max(partner_cs, key=lambda c: cross_validate(dev, extra, partner_c=c)["recall"])
    competitor = (
        [(c, t) for c in (0.1, 0.3, 1.0, 3.0) for t in (0.3, 0.5, 0.7)]
        if grid
        else [(PairScorer.competitor_c, PairScorer.competitor_threshold)]
    )
    scored = []
    for c, t in competitor:
        r = cross_validate(dev, extra, partner_c=best, competitor_c=c, competitor_threshold=t)
        p, rc, nf = flag_quality(dev, r["flags"])
        f2 = 5 * p * rc / max(4 * p + rc, 1e-9)
        print(f"dev CV partner C={best} competitor C={c} t={t}: recall@5 {r['recall']:.3f}, "
              f"rival lists {r['rival_lists']:.3f}, flag P {p:.2f} R {rc:.2f} F2 {f2:.2f}",
              flush=True)  # fmt: skip
        scored.append((f2, -c, t, r))
    f2, c, t, r = max(scored, key=lambda x: x[:3])
    return {"partner_c": best, "competitor_c": -c, "competitor_threshold": t, "cv": r}


def held_out_flags(s: LabelledSet, scorer: PairScorer, features: np.ndarray) -> dict:
    """How a scorer's competitor flag does on a held-out set: rival recall and precision,
    labelled partner pairs (one network) flagged, by the model and by the facilitator's rule,
    and recall@5 and lists with a rival of its suggestions."""
    by_model, by_rule = scorer.flag_branches(features)
    flagged = by_model | by_rule
    r = evaluate(s, scorer.partner_logit(features), flagged)
    iu = np.triu_indices(len(s.ids), 1)
    partner = s.partner[iu]
    precision, recall, n = flag_quality(s, flagged)
    return {
        **r, "rival_recall": recall, "rival_precision": precision, "flagged": n,
        "partners": int(partner.sum()), "partners_flagged": int((flagged[iu] & partner).sum()),
        "by_model": int((by_model[iu] & partner).sum()),
        "by_rule": int((by_rule[iu] & partner).sum()),
    }  # fmt: skip


def flag_cost(found: list[dict]) -> float:
    """Mean over held-out sets of the share of labelled partner pairs flagged plus twice the
    share of labelled rivals missed (a rival grouped costs more than a partner pair lost)."""
    costs = [f["partners_flagged"] / f["partners"] + 2 * (1 - f["rival_recall"]) for f in found]
    return float(np.mean(costs))


def leave_one_set_out(cache) -> str:
    """Competitor settings judged on each labelled set by a scorer fitted on the others (the
    rule's margin and the chain-step threshold only judge: one fit per competitor C)."""
    sets = {}
    for name, path in LOSO_SETS.items():
        SETS.setdefault(name, path)
        sets[name] = (LabelledSet(name, cache), training.labelled_pairs(path, cache))
    judged = [
        {"rule_chain_margin": m, "chain_step_threshold": t}
        for m in (0.0, 1.0, 3.0, float("inf"))
        for t in (PairScorer.competitor_threshold, 0.99, 0.999, 1.0)
    ]
    grid = [(c, j) for c in (0.1, 1.0) for j in judged]
    found: dict[int, list] = {k: [] for k in range(len(grid))}
    for held, (s, _) in sets.items():
        rest = [p for name, (_, p) in sets.items() if name != held]
        x = np.vstack([p.x for p in rest])
        partner = np.concatenate([p.partner for p in rest])
        competitor = np.concatenate([p.competitor for p in rest])
        look_alike = np.concatenate([p.look_alike for p in rest])
        fitted = {
            c: PairScorer(competitor_c=c).fit(x, partner, competitor, look_alike=look_alike)
            for c in (0.1, 1.0)
        }
        for k, (c, params) in enumerate(grid):
            scorer = replace(fitted[c], **params)
            found[k].append(held_out_flags(s, scorer, s.features()))
    rows = []
    for k, (c, params) in enumerate(grid):
        v = found[k]
        rows.append([
            f"C={c}, rule chain margin {params['rule_chain_margin']}, chain step threshold "
            f"{params['chain_step_threshold']}",
            *[f"{f['recall']:.3f} / {f['rival_lists']:.3f} / {f['rival_recall']:.2f} / "
              f"{f['rival_precision']:.2f} / {f['partners_flagged']} ({f['by_model']}+"
              f"{f['by_rule']})" for f in v],
            float(np.mean([f["recall"] for f in v]) - 2 * np.mean([f["rival_lists"] for f in v])),
            flag_cost(v),
        ])  # fmt: skip
    rows.sort(key=lambda r: (-r[-2], r[-1]))
    partners = ", ".join(f"{n} {found[0][i]['partners']}" for i, n in enumerate(sets))
    return table(
        "Competitor settings, leave one labelled set out (recall@5 / lists with a rival / rival "
        "recall / rival precision / labelled partner pairs flagged (by the model + by the rule); "
        f"partner pairs: {partners})",
        ["settings", *[f"held out: {n}" for n in sets], "mean recall − 2 × rival lists",
         "partners flagged + 2 × rivals missed"],
        rows,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev", "blind"], choices=sorted(SETS))
    parser.add_argument("--grid", action="store_true", help="choose settings by CV on dev")
    parser.add_argument("--loso", action="store_true", help="competitor settings, one set out")
    args = parser.parse_args()
    cache = store.connect(CACHE_DB)
    if args.loso:
        print(leave_one_set_out(cache), flush=True)
    dev = LabelledSet("dev", cache)
    extra = training.labelled_pairs(TRAIN, cache) if TRAIN.exists() and args.grid else None
    if args.grid:
        chosen = choose(dev, True, extra)
        cv = chosen.pop("cv")
        print(f"chosen on dev by CV: {chosen}; dev CV recall@5 {cv['recall']:.3f}", flush=True)
    for name in args.sets:
        s = dev if name == "dev" else LabelledSet(name, cache)
        rows = [service_row(s), *baselines(s)]
        print(
            table(
                f"{name}: recall@{K}, complementary ({len(s.queries)} queries, {len(s.ids)} firms)",
                ["method", f"recall@{K}", "lists with a rival", "competitor flag P / R"],
                rows,
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
