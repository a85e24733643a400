"""Networks, issue 12 seventh pass: a second-stage pair fit that reads each pair in its
neighbourhood of the first-stage fit graph, measured leaving one set out.

Each of the four held-out sets (dev, train, rivals, ERDF; `bench.network_loso.held_out`: the
pair scorer fitted on the other labelled sets) gets its first-stage fit as the service forms
networks on it (`clustering.network_fit`: levelled to the mean level of the labelled sets it was
not scored on, likely rivals and same-trade pairs penalised). A model over the neighbourhood
features of that fit (`bench.neighbourhood`: log-odds, ranks, gaps to each firm's best, shared
closest matches, shared-neighbour strength, the best triangle) is fitted on the other three
sets' pairs (target: the pair is in one known network) and re-scores the held-out set's pairs.
Its log-odds, blended with the first stage's (`--blends`, 1: the re-scored fit alone), are
brought to the fit level (`level`: the 0.99 quantile moved to the reference level, as
`fit_level` does; `affine`: the median too, to the first stage's median) or kept as
probabilities with an absolute link (`absolute`); the penalties the first stage took off a pair
are taken off again, and `clustering.close_networks` forms the networks (the absolute scale:
`cluster_networks` with the weakest-member stop, then `attach_leftovers`). Every setting is
ranked beside the shipped code (first-stage fit, link 0.8, attach 0.6) by mean F1 over the four
sets − 2 × the share of networks holding a labelled rival pair.

`--ap`: the quick first check: held-out average precision (and ROC AUC) of the known pairs
among the pairs that may share a network, per set, first stage against re-scored, over all such
pairs and over the candidate pairs (each firm's 20 closest either way), and the mean percentile
of the labelled rival pairs in each ranking.

Run: .venv/bin/python -m bench.network_rescore --ap
     .venv/bin/python -m bench.network_rescore --models lr gbm --candidates 0 20
         --blends 0.25 0.5 0.75 1 --norms level affine --links 0.8 0.85 0.9 --attach 0.5 0.6 0.7
     .venv/bin/python -m bench.network_rescore --norms absolute --absolute-links 0.2 0.3 0.4 0.5
Never run on the blind set.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench import neighbourhood  # noqa: E402
from bench.network_loso import (  # noqa: E402
    ALL_SETS,
    CACHE_DB,
    held_out,
    held_out_levels,
    reference_level,
    whole_pool,
)
from bench.proposals import pairs, prf  # noqa: E402
from matchmaker.grouping import clustering, fit_level, pool  # noqa: E402
from matchmaker.store import db as store  # noqa: E402

# The candidate pairs of `--ap`: each firm's this many closest matches, either way.
CANDIDATES = 20
SHIPPED = ("first stage (shipped)", "-", "-", "-", "-")


def prepared(loaded: dict, levels: dict[str, float]) -> dict[str, dict]:
    """Per held-out set: its problem, the pairs that may share a network (i < j), their
    neighbourhood features and labels, the first-stage fit (penalised) and what the penalties
    took off, as `clustering.network_fit` forms them at the reference level."""
    out = {}
    for name, (_, scores, _, known, rivals, index) in loaded.items():
        reference = reference_level(levels, name)
        profiles = [index.profile(c) for c in index.ids()]
        problem = whole_pool(scores, index)
        allowed = clustering.allowed_pairs(problem)
        fit = clustering.network_fit(problem, profiles, reference)
        learned = pool.learned_fit(scores)
        raw = fit_level.shifted(learned, fit_level.level_shift(learned, allowed, reference))
        found = neighbourhood.features(fit, allowed)
        ii, jj = np.nonzero(np.triu(allowed, 1))
        out[name] = {
            "problem": problem, "allowed": allowed, "fit": fit, "drop": np.maximum(raw - fit, 0),
            "raw": fit_level.log_odds(raw[ii, jj]), "ii": ii, "jj": jj, "reference": reference,
            "x": neighbourhood.stacked(found, ii, jj), "near": found["rank_best"][ii, jj],
            "y": np.array([(i, j) in known for i, j in zip(ii, jj, strict=True)]),
            "rival": np.array([(i, j) in rivals for i, j in zip(ii, jj, strict=True)]),
            "known": known, "rivals": rivals,
        }  # fmt: skip
    return out


def model(kind: str):
    if kind == "lr":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0
    )


def candidates(d: dict, top: int) -> np.ndarray:
    """The pairs among either firm's `top` closest matches (all for 0)."""
    return d["near"] < np.log1p(top) if top else np.ones(d["y"].size, bool)


def fitted(data: dict, held: str, kind: str, top: int, rival_weight: float):
    """The re-scorer fitted on every set but `held` (their candidate pairs; labelled rival
    pairs weighted `rival_weight` as negatives)."""
    rest = [data[k] for k in data if k != held]
    x = np.vstack([d["x"][candidates(d, top)] for d in rest])
    y = np.concatenate([d["y"][candidates(d, top)] for d in rest])
    weight = np.concatenate([np.where(d["rival"], rival_weight, 1.0)[candidates(d, top)]
                             for d in rest])  # fmt: skip
    found = model(kind)
    if kind == "lr":
        return found.fit(x, y, logisticregression__sample_weight=weight)
    return found.fit(x, y, sample_weight=weight)


def rescored(d: dict, p: np.ndarray, blend: float, norm: str) -> np.ndarray:
    """The n × n fit the clustering reads: the re-scored log-odds blended with the first
    stage's, scaled (`norm`), the first stage's penalties taken off again."""
    z = blend * fit_level.log_odds(p) + (1 - blend) * d["raw"]
    top = np.quantile(z, fit_level.LEVEL_QUANTILE)
    if norm == "level":
        z = z + d["reference"] - top
    elif norm == "affine":
        base, mid = np.median(d["raw"]), np.median(z)
        z = (z - mid) * (d["reference"] - base) / max(top - mid, 1e-6) + base
    value = 1.0 / (1.0 + np.exp(-z))
    out = np.zeros_like(d["fit"])
    out[d["ii"], d["jj"]] = value
    out[d["jj"], d["ii"]] = value
    out = np.maximum(out - d["drop"], 0.0).astype(np.float32)
    np.fill_diagonal(out, 0.0)
    return out


def clustered(d: dict, fit: np.ndarray, norm: str, link: float, bar: float, apart=False):
    """Networks over `fit`; with `apart`, the pairs the first stage's rival and same-trade
    penalties lowered may not share one (a hard constraint instead of a lower fit)."""
    problem = d["problem"]
    if apart:
        lowered = np.triu(d["drop"] > 1e-6, 1)
        problem = dataclasses.replace(problem, forbidden=set(problem.forbidden) | set(
            zip(*(a.tolist() for a in np.nonzero(lowered)), strict=True)))  # fmt: skip
    if norm == "absolute":
        found = clustering.cluster_networks(problem, fit, link=link, weakest=link)
        relative = clustering.relative_fit(fit, d["allowed"])
        return clustering.attach_leftovers(problem, fit, relative, found, bar=bar)
    return clustering.close_networks(problem, fit, link=link, bar=bar)


def measured(d: dict, grouping) -> tuple:
    found = pairs(grouping.groups)
    p, r, f = prf(found, d["known"])
    with_rival = sum(bool(pairs([g]) & d["rivals"]) for g in grouping.groups)
    left = 1 - sum(len(g) for g in grouping.groups) / d["fit"].shape[0]  # firms in no group
    return f, p, r, len(found & d["rivals"]), with_rival, len(grouping.groups), left


def percentile(score: np.ndarray, mask: np.ndarray) -> float:
    """The mean percentile (0 lowest, 1 highest) of the pairs `mask` in `score`."""
    if not mask.any():
        return float("nan")
    return float((score.argsort().argsort() / max(score.size - 1, 1))[mask].mean())


def ap_check(data: dict, args) -> None:
    """Held-out ranking of the known pairs: the first-stage fit against the re-scored fit
    (levelled, the first stage's penalties taken off again, as the clustering reads it), over
    every pair that may share a network (the re-scorer fitted on every such pair) and over the
    candidate pairs (fitted on the candidate pairs)."""
    print("model | set | pairs | AP first stage → re-scored | ROC AUC | labelled rival pairs' "
          "mean percentile")  # fmt: skip
    for kind, name in itertools.product(args.models, data):
        d = data[name]
        first = d["fit"][d["ii"], d["jj"]]
        for label, top in (("all", 0), ("candidates", CANDIDATES)):
            mask = candidates(d, top)
            p = fitted(data, name, kind, top, 1.0).predict_proba(d["x"])[:, 1]
            again = rescored(d, p, 1.0, "level")[d["ii"], d["jj"]]
            y, a, b, rival = d["y"][mask], first[mask], again[mask], d["rival"][mask]
            print(f"{kind} | {name} | {label} ({mask.sum()}, {y.sum()} known) | "
                  f"{average_precision_score(y, a):.3f} → {average_precision_score(y, b):.3f} | "
                  f"{roc_auc_score(y, a):.3f} → {roc_auc_score(y, b):.3f} | "
                  f"{percentile(a, rival):.2f} → {percentile(b, rival):.2f}",
                  flush=True)  # fmt: skip


def sweep(data: dict, args) -> None:
    rows: dict = {}
    for name, d in data.items():
        for bar, apart in itertools.product(args.attach, args.apart):
            rows.setdefault((*SHIPPED, 0.8, bar, apart), {})[name] = measured(
                d, clustered(d, d["fit"], "level", 0.8, bar, bool(apart))
            )
        settings = itertools.product(args.models, args.candidates, args.rival_weights)
        for kind, top, weight in settings:
            p = fitted(data, name, kind, top, weight).predict_proba(d["x"])[:, 1]
            for blend, norm in itertools.product(args.blends, args.norms):
                fit = rescored(d, p, blend, norm)
                links = args.absolute_links if norm == "absolute" else args.links
                for link, bar, apart in itertools.product(links, args.attach, args.apart):
                    key = (kind, top or "all", weight, blend, norm, link, bar, apart)
                    rows.setdefault(key, {})[name] = measured(
                        d, clustered(d, fit, norm, link, bar, bool(apart))
                    )
        print(f"{name}: {d['fit'].shape[0]} firms, {len(d['known'])} known pairs, "
              f"{len(d['rivals'])} labelled rival pairs", flush=True)  # fmt: skip
    ranked = []
    for key, per in rows.items():
        share = sum(v[4] for v in per.values()) / max(sum(v[5] for v in per.values()), 1)
        ranked.append((float(np.mean([v[0] for v in per.values()])) - 2 * share, key, per))
    print("\nmodel | training pairs | rival weight | blend | scale | link | attach bar | apart"
          " | F1 per set | precision, recall per set | rival pairs together per set"
          " | firms left out per set | F1 mean | criterion")  # fmt: skip
    ranked.sort(key=lambda r: -r[0])
    for crit, key, per in ranked[: args.rows]:
        print(row(key, [per[k] for k in data], crit))
    print("\nThe best setting of each model and scale (and of the highest F1 mean):")
    best: dict = {}
    for crit, key, per in ranked:
        best.setdefault((key[0], key[4]), (crit, key, per))
    top = max(ranked, key=lambda r: float(np.mean([v[0] for v in r[2].values()])))
    for crit, key, per in [*best.values(), top]:
        print(row(key, [per[k] for k in data], crit))
    print(f"(sets: {', '.join(data)}; {len(ranked)} settings)")


def row(key: tuple, v: list[tuple], crit: float) -> str:
    return (" | ".join(str(k) for k in key) + " | "
            + " / ".join(f"{x[0]:.3f}" for x in v) + " | "
            + " / ".join(f"{x[1]:.2f}, {x[2]:.2f}" for x in v) + " | "
            + " / ".join(str(x[3]) for x in v) + " | "
            + " / ".join(f"{x[6]:.0%}" for x in v) + " | "
            + f"{np.mean([x[0] for x in v]):.3f} | {crit:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ap", action="store_true", help="held-out average precision only")
    parser.add_argument("--sets", nargs="+", default=ALL_SETS, choices=ALL_SETS)
    parser.add_argument("--models", nargs="+", default=["lr", "gbm"], choices=["lr", "gbm"])
    parser.add_argument("--candidates", type=int, nargs="+", default=[0, 20],
                        help="train on either firm's N closest (0: every pair)")  # fmt: skip
    parser.add_argument("--rival-weights", type=float, nargs="+", default=[1.0])
    parser.add_argument("--blends", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--norms", nargs="+", default=["level", "affine"],
                        choices=["level", "affine", "absolute"])  # fmt: skip
    parser.add_argument("--links", type=float, nargs="+", default=[0.8, 0.85, 0.9])
    parser.add_argument("--absolute-links", type=float, nargs="+", default=[0.2, 0.3, 0.4, 0.5])
    parser.add_argument("--attach", type=float, nargs="+", default=[0.6])
    parser.add_argument("--rows", type=int, default=30, help="best settings printed")
    parser.add_argument("--apart", type=int, nargs="+", default=[0],
                        help="1: the pairs the penalties lowered kept apart")  # fmt: skip
    args = parser.parse_args()
    cache = store.connect(CACHE_DB)
    loaded = {name: held_out(name, cache) for name in ALL_SETS}
    levels = held_out_levels(loaded)
    data = prepared({k: v for k, v in loaded.items() if k in args.sets}, levels)
    if args.ap:
        ap_check(data, args)
    else:
        sweep(data, args)


if __name__ == "__main__":
    main()
