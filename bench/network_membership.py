"""Networks, issue 12 eighth pass: a firm-level membership model (does a firm have partners in
this pool?), measured leaving one set out, and put into the whole pool's grouping.

Each of the four held-out sets (dev, train, rivals, ERDF; `bench.network_loso.held_out`: the
pair scorer fitted on the other labelled sets) gets its first-stage fit as the service forms
networks on it (`clustering.network_fit`, levelled to the mean level of the labelled sets it was
not scored on). Each firm's row of that fit gives the features of `bench.membership`; a
logistic regression (standardised) fitted on the other three sets' firms (target: the firm is
in a known network) gives each held-out firm a membership probability. `--auc` prints the
held-out ROC AUC and average precision of membership per set against baselines: the best fit
alone, the in-degree alone, the shipped clustering's placed / left-out decision.

Into the grouping (every setting ranked beside the shipped code, `clustering.close_networks`
at link 0.8 and attach bar 0.6, by mean F1 over the four held-out sets − 2 × the share of
networks holding a labelled rival pair, as in the sixth and seventh passes):
- `list`: the firms predicted members are placed as a list is (`clustering.place_around_clusters`:
  close cores at `CORE_LINK` / `CORE_ATTACH`, the optimiser places the rest), the others left out;
- `around`: the shipped whole-pool networks are kept as cores, and the firms they left out
  that are predicted members are placed around them by the optimiser;
- `drop`: the shipped networks with their predicted non-members taken out (a network that
  falls under the least size is dissolved);
- `exclude`: the shipped clustering over the predicted members only (the others never placed,
  nor anyone's best match);
- `prior`: the shipped clustering over the fit with the membership probability as a prior
  (each pair's log-odds moved by `--priors` × the mean of the two firms' membership log-odds
  over the pool's mean; no threshold).
"Predicted members": probability ≥ `--taus`, or the pool's top `--shares` by probability.
The optimiser is seeded: `--seeds` runs per setting (F1 the mean, rival pairs over all runs).

Feature sets (`--kinds`): `best` the best fit alone, `fit` the fit row's features, `facts` with
the structured facts, `pooled` the fit features standardised within the pool, `placed` with
the shipped clustering's placed / left-out decision, `rescored` with each firm's best three
pair fits of the seventh pass's re-scorer (every re-scorer fitted on sets that are neither the
held-out set nor the scored one), `noisyS` the truth with noise (separation S; what a
membership signal of a given strength would give); `--cs` the logistic regression's inverse
regularisation.

Run: .venv/bin/python -m bench.network_membership --auc --kinds best fit facts pooled placed
         rescored --cs 1 0.01
     .venv/bin/python -m bench.network_membership --kinds best fit facts pooled --cs 1 0.01
         --modes list around drop exclude prior --taus 0.3 0.4 0.5 0.6 0.7 0.8
         --shares 0.5 0.6 0.7 0.8 0.85 0.9 0.925 0.95 0.975 --priors 0.1 0.25 0.5 1 2
         --seeds 5 --oracle --nested   (eighth pass, bench/README.md)
     .venv/bin/python -m bench.network_membership --kinds noisy0.75 noisy1 noisy1.5 noisy2
         noisy3 --modes list drop exclude --taus 0.5 0.6 0.7 0.8 --shares 0.6 0.7 0.8 0.9 0.95
         --seeds 3   (the strength of membership the grouping would need)
The held-out fits are kept in a pickle in the temporary directory (`--fresh` rebuilds it).
Never run on the blind set.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench import membership, neighbourhood  # noqa: E402
from bench.network_loso import (  # noqa: E402
    ALL_SETS,
    CACHE_DB,
    held_out,
    held_out_levels,
    reference_level,
    whole_pool,
)
from bench.network_rescore import measured  # noqa: E402
from bench.proposals import constrained_kmeans, random_groups  # noqa: E402
from matchmaker.grouping import clustering, fit_level  # noqa: E402
from matchmaker.grouping.optimiser import Grouping, group_score  # noqa: E402
from matchmaker.representation.embedding import SentenceEncoder, profile_texts  # noqa: E402
from matchmaker.store import db as store  # noqa: E402

PREPARED = Path(tempfile.gettempdir()) / "matchmaker-bench-membership.pickle"
SHIPPED = ("shipped", "-", "-")
# The seventh pass's candidate pairs: either firm's this many closest matches.
RESCORE_TOP = 20
RANDOM = ("random groups", "shipped sizes", "-")
KMEANS = ("size-constrained k-means", "sentence model", "shipped sizes")
# Feature sets of the model: the fit row only, with the structured facts, with the shipped
# clustering's placed / left-out decision as one more feature.
FACTS = ("knowledge", "log_employees")
# The models' inputs (`design`, `held_out_probability`).
KINDS = ("best", "fit", "facts", "placed", "pooled", "rescored")


def prepared(fresh: bool = False) -> dict[str, dict]:
    """Per held-out set: its problem, profiles, levelled fit, the pairs that may share a
    network, known and labelled rival pairs, the firms' membership labels and features, and
    the shipped whole-pool networks. Kept in a pickle (the held-out scorers take minutes)."""
    if PREPARED.exists() and not fresh:
        return pickle.loads(PREPARED.read_bytes())
    cache = store.connect(CACHE_DB)
    loaded = {name: held_out(name, cache) for name in ALL_SETS}
    levels = held_out_levels(loaded)
    out = {}
    for name, (_, scores, _, known, rivals, index) in loaded.items():
        reference = reference_level(levels, name)
        profiles = [index.profile(c) for c in index.ids()]
        texts = [profile_texts(p)["profile"] for p in profiles]
        vectors = SentenceEncoder().encode(texts, db=cache)  # for the k-means baseline
        kept = [{k: p.get(k) for k in ("kind", "employees", "language", "nace", "region")}
                for p in profiles]  # fmt: skip
        problem = whole_pool(scores, index)
        allowed = clustering.allowed_pairs(problem)
        fit = clustering.network_fit(problem, profiles, reference)
        shipped = clustering.close_networks(problem, fit)
        members = {x for p in known for x in p}
        placed = np.zeros(scores.n, bool)
        placed[[x for g in shipped.groups for x in g]] = True
        # fresh copies: a pool that was read keeps memoryviews, which do not pickle
        problem = dataclasses.replace(problem, scores=dataclasses.replace(scores))
        shipped = dataclasses.replace(shipped, pool=problem.scores)
        out[name] = {
            "problem": problem, "profiles": kept, "fit": fit, "allowed": allowed,
            "known": known, "rivals": rivals, "shipped": shipped, "placed": placed,
            "y": np.array([i in members for i in range(scores.n)]),
            "x": membership.features(fit, allowed, profiles), "vectors": vectors,
        }  # fmt: skip
    PREPARED.write_bytes(pickle.dumps(out))
    return out


def columns(kind: str) -> list[int]:
    names = list(membership.NAMES)
    if kind == "best":  # the best fit alone (a logistic fit of one feature)
        return [names.index("best_over_level")]
    if kind in ("fit", "pooled"):
        return [k for k, n in enumerate(names) if n not in FACTS]
    return list(range(len(names)))


def design(d: dict, kind: str) -> np.ndarray:
    """The model's inputs for a set's firms; `pooled`: the fit features standardised within
    the pool (each firm read against its own pool's firms), the facts as they are."""
    x = d["x"][:, columns(kind)]
    if kind == "pooled":
        fits = [k for k, n in enumerate(membership.NAMES) if n not in FACTS]
        x = x.copy()
        x[:, fits] = (x[:, fits] - x[:, fits].mean(axis=0)) / (x[:, fits].std(axis=0) + 1e-9)
    return np.column_stack([x, d["placed"]]) if kind == "placed" else x


def model(c: float = 1.0):
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))


def held_out_probability(data: dict, held: str, kind: str, c: float = 1.0) -> np.ndarray:
    """The membership probability of `held`'s firms by a model fitted on the other sets."""
    if kind == "rescored":
        return rescored_probability(data, held, c)
    if kind.startswith("noisy"):
        return noisy_truth(data[held]["y"], float(kind.removeprefix("noisy")))
    rest = [data[k] for k in data if k != held]
    x = np.vstack([design(d, kind) for d in rest])
    y = np.concatenate([d["y"] for d in rest])
    return model(c).fit(x, y).predict_proba(design(data[held], kind))[:, 1]


def noisy_truth(y: np.ndarray, separation: float, seed: int = 0) -> np.ndarray:
    """A stand-in membership probability of a given strength, to see what strength the grouping
    would need: sigmoid(`separation` × member + standard normal noise), whose ROC AUC is about
    Φ(separation / √2) (0.76 at 1, 0.86 at 1.5, 0.92 at 2)."""
    z = separation * y + np.random.default_rng(seed).normal(size=y.size)
    return 1.0 / (1.0 + np.exp(-z))


def candidate_pairs(d: dict) -> dict:
    """The seventh pass's pair features (`bench.neighbourhood`) of a set's candidate pairs
    (either firm's `RESCORE_TOP` closest), with their labels; computed once per set."""
    if "pairs" not in d:
        found = neighbourhood.features(d["fit"], d["allowed"])
        ii, jj = np.nonzero(np.triu(d["allowed"], 1))
        near = found["rank_best"][ii, jj] < np.log1p(RESCORE_TOP)
        ii, jj = ii[near], jj[near]
        known = d["known"]
        d["pairs"] = {
            "x": neighbourhood.stacked(found, ii, jj), "ii": ii, "jj": jj,
            "y": np.array([(i, j) in known for i, j in zip(ii, jj, strict=True)]),
        }  # fmt: skip
    return d["pairs"]


def rescored_best(data: dict, target: str, unseen: set[str]) -> np.ndarray:
    """Each firm of `target`'s three best re-scored pair log-odds (n × 3): the seventh pass's
    logistic pair re-scorer fitted on the candidate pairs of the sets neither `target` nor in
    `unseen`."""
    rest = [candidate_pairs(data[k]) for k in data if k != target and k not in unseen]
    x = np.vstack([r["x"] for r in rest])
    y = np.concatenate([r["y"] for r in rest])
    here = candidate_pairs(data[target])
    p = model().fit(x, y).predict_proba(here["x"])[:, 1]
    n = data[target]["fit"].shape[0]
    z = np.full((n, n), -20.0)
    value = fit_level.log_odds(p)
    z[here["ii"], here["jj"]] = value
    z[here["jj"], here["ii"]] = value
    return -np.sort(-z, axis=1)[:, :3]


def rescored_probability(data: dict, held: str, c: float) -> np.ndarray:
    """Membership from the firm features with the structured facts and each firm's best three
    re-scored pair fits; every set's pair re-scorer never saw `held` nor the set it scores."""
    rest = [k for k in data if k != held]
    x = np.vstack([np.column_stack([data[k]["x"], rescored_best(data, k, {held})]) for k in rest])
    y = np.concatenate([data[k]["y"] for k in rest])
    mine = np.column_stack([data[held]["x"], rescored_best(data, held, set())])
    return model(c).fit(x, y).predict_proba(mine)[:, 1]


def auc_check(data: dict, args) -> None:
    print("set | firms (members) | score | ROC AUC | average precision | non-members among "
          "the lowest 10 %")  # fmt: skip
    for name, d in data.items():
        y = d["y"]
        scored = {
            "best fit alone": d["x"][:, 0],
            "in-degree (top 5) alone": d["x"][:, list(membership.NAMES).index("in_top_5")],
            "shipped clustering placed": d["placed"].astype(float),
        }
        for kind, c in itertools.product(args.kinds, args.cs):
            scored[f"logistic ({kind}, C={c:g})"] = held_out_probability(data, name, kind, c)
        lowest = int(round(0.1 * len(y)))
        for label, s in scored.items():
            low = np.lexsort((np.arange(len(y)), s))[:lowest]
            print(f"{name} | {len(y)} ({y.sum()}) | {label} | {roc_auc_score(y, s):.3f} | "
                  f"{average_precision_score(y, s):.3f} | {1 - y[low].mean():.2f}")  # fmt: skip
        placed = d["placed"]
        print(f"{name}: the shipped clustering placed {np.sum(placed & y)} of {y.sum()} members "
              f"and {np.sum(placed & ~y)} of {np.sum(~y)} non-members")  # fmt: skip
    for kind in args.kinds:
        x = np.vstack([design(d, kind) for d in data.values()])
        y = np.concatenate([d["y"] for d in data.values()])
        fitted = model().fit(x, y)[-1]
        names = [n for k, n in enumerate(membership.NAMES) if k in columns(kind)]
        names += ["placed"] if kind == "placed" else []
        coef = sorted(zip(names, fitted.coef_[0], strict=True), key=lambda t: -abs(t[1]))
        print(f"coefficients ({kind}, all four sets, standardised): "
              + ", ".join(f"{n} {c:+.2f}" for n, c in coef))  # fmt: skip


def predicted(p: np.ndarray, rule: str, value: float) -> np.ndarray:
    """Which firms are predicted members: probability ≥ `value`, or the pool's top `value`
    share by probability (ties to the lower positions)."""
    if rule == "tau":
        return p >= value
    keep = int(round(value * p.size))
    out = np.zeros(p.size, bool)
    out[np.lexsort((np.arange(p.size), -p))[:keep]] = True
    return out


def prior_fit(fit: np.ndarray, p: np.ndarray, weight: float) -> np.ndarray:
    """The fit with the membership probabilities as a prior: each pair's log-odds moved by
    `weight` × the mean log-odds of the two firms' membership over the pool's mean."""
    z = np.log(p) - np.log1p(-p)
    z = z - z.mean()
    moved = fit_level.log_odds(fit) + weight * (z[:, None] + z[None, :]) / 2
    out = (1.0 / (1.0 + np.exp(-moved))).astype(np.float32)
    out[fit <= 0] = 0.0
    np.fill_diagonal(out, 0.0)
    return out


def grouped(
    d: dict,
    mode: str,
    members: np.ndarray,
    seed: int,
    p: np.ndarray | None = None,
    weight: float = 0.0,
) -> Grouping:
    problem, fit, shipped = d["problem"], d["fit"], d["shipped"]
    if mode == "prior":  # the shipped clustering over the fit with the membership prior
        return clustering.close_networks(problem, prior_fit(fit, p, weight))
    if mode == "drop":
        groups = [[x for x in g if members[x]] for g in shipped.groups]
        groups = [g for g in groups if len(g) >= 3]
        placed = {x for g in groups for x in g}
        left = [i for i in range(problem.scores.n) if i not in placed]
        return Grouping(groups, [group_score(problem.scores, g) for g in groups], left)
    if mode == "exclude":  # the shipped clustering over the predicted members only
        sub = dataclasses.replace(problem, placeable=members.copy())
        return clustering.close_networks(sub, fit)
    if mode == "list":
        sub = dataclasses.replace(problem, placeable=members.copy())
        return clustering.place_around_clusters(sub, fit, seed=seed)
    # around: the shipped networks kept, predicted members they left out placed around them
    placeable = members | d["placed"]
    sub = dataclasses.replace(problem, placeable=placeable)
    return clustering.place_around_clusters(sub, fit, seed=seed, cores=shipped)


def baseline(d: dict, kind: str, seed: int) -> Grouping:
    """Random groups or size-constrained k-means on the sentence vectors, of the shipped
    networks' sizes (the firms the shipped code left out: random, or one more k-means cluster
    that is dropped), as `bench/proposals.py` forms them."""
    n = d["fit"].shape[0]
    sizes = [len(g) for g in d["shipped"].groups]
    if kind == "random":
        groups = random_groups(list(range(n)), sizes, seed)
    else:
        rest = [n - sum(sizes)] if n > sum(sizes) else []
        label = constrained_kmeans(d["vectors"], sizes + rest, seed)
        groups = [np.flatnonzero(label == c).tolist() for c in range(len(sizes))]
    placed = {x for g in groups for x in g}
    return Grouping(groups, [0.0] * len(groups), [i for i in range(n) if i not in placed])


def sweep(data: dict, args) -> None:
    rows: dict = {}
    for name, d in data.items():
        rows.setdefault(SHIPPED, {})[name] = [measured(d, d["shipped"])]
        rows.setdefault(RANDOM, {})[name] = [
            measured(d, baseline(d, "random", seed)) for seed in range(args.seeds)
        ]
        rows.setdefault(KMEANS, {})[name] = [
            measured(d, baseline(d, "kmeans", seed)) for seed in range(args.seeds)
        ]
        for kind, c in itertools.product(args.kinds, args.cs):
            p = held_out_probability(data, name, kind, c)
            rules = [("tau", t) for t in args.taus] + [("share", s) for s in args.shares]
            for weight in args.priors if "prior" in args.modes else []:
                key = (f"{kind} C={c:g}", "prior", f"weight {weight:g}")
                rows.setdefault(key, {})[name] = [
                    measured(d, grouped(d, "prior", d["y"], 0, p, weight))
                ]
            for mode, (rule, value) in itertools.product(args.modes, rules):
                if mode == "prior":
                    continue
                members = predicted(p, rule, value)
                seeds = [0] if mode in ("drop", "exclude") else range(args.seeds)
                key = (f"{kind} C={c:g}", mode, f"{rule} {value:g}")
                rows.setdefault(key, {})[name] = [
                    measured(d, grouped(d, mode, members, seed)) for seed in seeds
                ]
            if args.oracle and kind == args.kinds[0] and c == args.cs[0]:
                for mode in [m for m in args.modes if m != "prior"]:
                    seeds = [0] if mode in ("drop", "exclude") else range(args.seeds)
                    rows.setdefault(("oracle", mode, "known members"), {})[name] = [
                        measured(d, grouped(d, mode, d["y"], seed)) for seed in seeds
                    ]
        print(f"{name}: {d['fit'].shape[0]} firms, {int(d['y'].sum())} in known networks, "
              f"{len(d['known'])} known pairs, {len(d['rivals'])} labelled rival pairs",
              flush=True)  # fmt: skip
    ranked = []
    for key, per in rows.items():
        if len(per) < len(data):
            continue
        share = sum(v[4] for runs in per.values() for v in runs) / max(
            sum(v[5] for runs in per.values() for v in runs), 1
        )
        mean = {k: np.mean(np.array(runs, dtype=float), axis=0) for k, runs in per.items()}
        together = {k: sum(v[3] for v in runs) for k, runs in per.items()}
        f1 = float(np.mean([m[0] for m in mean.values()]))
        ranked.append((f1 - 2 * share, key, mean, together, f1))
    ranked.sort(key=lambda r: -r[0])
    print(
        "\nmodel | mode | members | F1 per set | precision, recall per set | rival pairs "
        "together per set (all seeds) | firms left out per set | F1 mean | criterion"
    )
    extra = [r for r in ranked if r[1] in (SHIPPED, RANDOM, KMEANS)]
    shown = ranked[: args.rows] + [r for r in extra if r not in ranked[: args.rows]]
    for crit, key, mean, together, f1 in shown:
        print(row(key, [mean[k] for k in data], [together[k] for k in data], f1, crit))
    print("\nThe best setting of each mode and feature set:")
    best: dict = {}
    for r in ranked:
        best.setdefault((r[1][0], r[1][1]), r)
    for crit, key, mean, together, f1 in best.values():
        print(row(key, [mean[k] for k in data], [together[k] for k in data], f1, crit))
    if args.nested:
        nested(data, rows, args)
    print(f"(sets: {', '.join(data)}; {len(ranked)} settings; seeds 0–{args.seeds - 1})")


def nested(data: dict, rows: dict, args) -> None:
    """Each set's setting chosen by the criterion over the three other sets only; that set's
    F1 and rival pairs at it (a stricter reading of 'chosen leaving one set out')."""
    print("\nEach set scored at the setting the three other sets choose:")
    for name in data:
        best = None
        for key, per in rows.items():
            if key in (RANDOM, KMEANS) or key[0] == "oracle" or len(per) < len(data):
                continue
            others = [k for k in data if k != name]
            share = sum(v[4] for k in others for v in per[k]) / max(
                sum(v[5] for k in others for v in per[k]), 1
            )
            crit = np.mean([np.mean([v[0] for v in per[k]]) for k in others]) - 2 * share
            if best is None or crit > best[0]:
                best = (crit, key)
        runs = rows[best[1]][name]
        base = rows[SHIPPED][name][0]
        print(f"{name}: chosen {' | '.join(best[1])} (others' criterion {best[0]:.3f}): F1 "
              f"{np.mean([v[0] for v in runs]):.3f} against shipped {base[0]:.3f}; rival pairs "
              f"{sum(v[3] for v in runs)} over {len(runs)} runs (shipped {base[3]})")  # fmt: skip


def row(key: tuple, v: list, together: list, f1: float, crit: float) -> str:
    return (" | ".join(str(k) for k in key) + " | "
            + " / ".join(f"{x[0]:.3f}" for x in v) + " | "
            + " / ".join(f"{x[1]:.2f}, {x[2]:.2f}" for x in v) + " | "
            + " / ".join(str(t) for t in together) + " | "
            + " / ".join(f"{x[6]:.0%}" for x in v) + " | "
            + f"{f1:.3f} | {crit:.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--auc", action="store_true", help="held-out membership AUC only")
    parser.add_argument("--fresh", action="store_true", help="rebuild the prepared pickle")
    parser.add_argument("--sets", nargs="+", default=ALL_SETS, choices=ALL_SETS)
    parser.add_argument("--kinds", nargs="+", default=["fit", "facts"],
                        help=f"{', '.join(KINDS)}, or noisyS: the truth with noise (separation "
                        "S), to see what strength of membership the grouping needs")  # fmt: skip
    parser.add_argument("--cs", type=float, nargs="+", default=[1.0])
    parser.add_argument("--modes", nargs="+", default=["list", "around", "drop"],
                        choices=["list", "around", "drop", "exclude", "prior"])  # fmt: skip
    parser.add_argument("--taus", type=float, nargs="+", default=[0.4, 0.5, 0.6])
    parser.add_argument("--shares", type=float, nargs="+", default=[])
    parser.add_argument("--priors", type=float, nargs="+", default=[0.25, 0.5, 1.0],
                        help="weights of the membership prior (mode prior)")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=25)
    parser.add_argument("--oracle", action="store_true", help="also the known members")
    parser.add_argument("--nested", action="store_true",
                        help="each set at the setting the three others choose")  # fmt: skip
    args = parser.parse_args()
    for kind in args.kinds:
        if kind not in KINDS and not kind.startswith("noisy"):
            parser.error(f"unknown kind {kind}")
    data = {k: v for k, v in prepared(args.fresh).items() if k in args.sets}
    if args.auc:
        auc_check(data, args)
    else:
        sweep(data, args)


if __name__ == "__main__":
    main()
