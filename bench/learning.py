"""Learning from decisions, by simulation: a facilitator's decisions on half of a labelled set,
the partner model re-fitted on them, suggestions scored on the other half, before and after.

Run: .venv/bin/python -m bench.learning [--sets dev train blind] [--seeds 5]

For each set, the "global" model is the shipped pair scorer's recipe fitted on the *other*
labelled set (dev ↔ train), so the set plays a store the global model has not seen; the blind
set uses the shipped scorer (fitted on dev + train) and only its scores are printed. Per seed:
the set's networks are split in two halves (firms outside every network too); a simulated
facilitator on half A walks through the firms in a random order and looks at each firm's
suggestion list among half A (the global model's top 5 with likely competitors left out, as
the service shows them; after every firm was seen, ranks 6–10), accepting a known network
partner and rejecting anything else (non-partners and rivals alike), and adds one known partner
the list missed, if any, as a swap or a network she builds would (without it every accepted
pair would already sit in a top 5, and no check could see a list get better). One decision is one
judged pair; the decisions of one list are held out together in the re-fit's check. After
10, 50 and 200 decisions the partner model is re-fitted (`matching.local_scorer.refit`, as
`refit-matcher` does) and half B is scored: recall@5 of known partners and the share of lists
holding a labelled rival, ranking among half B's firms, with the competitor rule unchanged.
"Forced" is the re-fit adopted whatever its check said (the floor switched off).

`--policy cross-industry` plays a facilitator whose programme builds networks across
industries: a known partner in the same NACE division is turned down too, and half B is scored
against the same rule, a preference the global model was not trained on.
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.partners import CACHE_DB, SETS, TRAIN, LabelledSet, evaluate
from bench.representations import table
from matchmaker.matching import training
from matchmaker.matching.index import default_scorer
from matchmaker.matching.local_scorer import ListViews, LocalFit, fit_delta, refit
from matchmaker.store import db as store

PATHS = {"dev": SETS["dev"], "train": TRAIN, "blind": SETS["blind"]}
OTHER = {"dev": "train", "train": "dev"}
STEPS = (10, 50, 200)
LIST = 5


def split(s: LabelledSet, rng) -> tuple[np.ndarray, np.ndarray]:
    """Firm positions of halves A and B: networks whole, the other firms at random."""
    n_nets = len(s.data["networks"])
    in_a = np.zeros(len(s.ids), dtype=bool)
    nets_a = rng.permutation(n_nets)[: n_nets // 2]
    in_a[np.isin(s.network_of, nets_a)] = True
    loose = np.flatnonzero(s.network_of < 0)
    in_a[rng.permutation(loose)[: len(loose) // 2]] = True
    return np.flatnonzero(in_a), np.flatnonzero(~in_a)


def facilitator(s: LabelledSet, z: np.ndarray, blocked: np.ndarray, half: np.ndarray, rng):
    """The decisions of a facilitator reading suggestion lists among `half`: (pairs, labels,
    the firm whose list showed the pair)."""
    order = rng.permutation(half)
    outside = np.ones(len(s.ids), dtype=bool)
    outside[half] = False
    seen: set[tuple[int, int]] = set()
    pairs, labels, lists = [], [], []
    for ranks in (slice(0, LIST), slice(LIST, 2 * LIST)):
        for q in order:
            row = z[q].astype(float).copy()
            row[q] = -np.inf
            row[outside | blocked[q]] = -np.inf
            ranked = np.argsort(-row, kind="stable")
            shown = list(ranked[ranks])
            if ranks.start == 0:  # a known partner the list missed, added as a swap adds it
                missed = [c for c in ranked[LIST:] if s.partner[q, c] and np.isfinite(row[c])]
                shown += missed[:1]
            for c in shown:
                if not np.isfinite(row[c]):
                    continue
                key = (min(q, c), max(q, c))
                if key in seen:
                    continue
                seen.add(key)
                pairs.append(key)
                labels.append(int(s.partner[q, c]))
                lists.append(int(q))
    return pairs, np.array(labels, dtype=int), np.array(lists)


def list_views(s: LabelledSet, blocked, half, pairs, lists) -> ListViews:
    """Each judged pair in the list it was judged in: its firm against the half's candidates."""
    anchors, views, number = [], [], {}
    for (a, b), q in zip(pairs, lists, strict=True):
        if q not in number:
            cands = np.array([c for c in half if c != q and not blocked[q, c]])
            number[q] = (len(anchors), {int(c): k for k, c in enumerate(cands)})
            anchors.append(s.features()[:, q, cands].T.copy())
        k, col = number[q]
        views.append([(k, col[b if a == q else a])])
    return ListViews(anchors, views)


def score_half(s: LabelledSet, z: np.ndarray, blocked: np.ndarray, half: np.ndarray) -> dict:
    """Recall@5 and lists with a rival for the firms of `half`, ranked among `half`."""
    outside = np.ones(len(s.ids), dtype=bool)
    outside[half] = False
    queries = [q for q in half if s.partner[q, half].any()]
    return evaluate(s, z, blocked | outside[None, :], queries)


def logits(s: LabelledSet, model) -> np.ndarray:
    return model.logit(s.features())


def run(s: LabelledSet, scorer, seeds: int) -> list[list]:
    f = s.features()
    z0 = scorer.partner_logit(f)
    blocked = scorer.competitors(f)
    results: dict[int, list[dict]] = {n: [] for n in STEPS}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        half_a, half_b = split(s, rng)
        pairs, labels, lists = facilitator(s, z0, blocked, half_a, rng)
        before = score_half(s, z0, blocked, half_b)
        for n in STEPS:
            if len(pairs) < n:
                continue
            x = np.array([f[:, a, b] for a, b in pairs[:n]])
            y, groups = labels[:n], lists[:n]
            views = list_views(s, blocked, half_a, pairs[:n], groups)
            fit = refit(scorer.partner_, x, y, groups=groups, lists=views)
            after = score_half(s, logits(s, fit.apply(scorer.partner_)), blocked, half_b)
            forced = after
            if not fit.adopted and fit.cv_by_strength:
                best = max(fit.cv_by_strength, key=lambda k: (fit.cv_by_strength[k], k))
                delta, d0 = fit_delta(scorer.partner_, x, y, best)
                model = LocalFit(delta, d0, True, "forced").apply(scorer.partner_)
                forced = score_half(s, logits(s, model), blocked, half_b)
            results[n].append({"before": before, "after": after, "forced": forced,
                               "adopted": fit.adopted, "positive": int(y.sum())})  # fmt: skip
    return [summary_row(n, results[n]) for n in STEPS]


def _mean_sd(v: np.ndarray) -> str:
    return f"{v.mean():.3f} ± {v.std():.3f}"


def summary_row(n: int, found: list[dict]) -> list:
    """One line of the table: means and spreads over the seeds."""
    if not found:
        return [n, "too few decisions in half A", "", "", "", "", "", ""]

    def values(key: str, metric: str) -> np.ndarray:
        return np.array([r[key][metric] for r in found])

    rb, ra, rf = (values(k, "recall") for k in ("before", "after", "forced"))
    vb, va = values("before", "rival_lists"), values("after", "rival_lists")
    gain = ra - rb
    return [
        n, f"{np.mean([r['positive'] for r in found]):.1f}",
        f"{sum(r['adopted'] for r in found)}/{len(found)}", _mean_sd(rb), _mean_sd(ra),
        f"{gain.mean():+.3f} [{gain.min():+.3f}, {gain.max():+.3f}]",
        f"{vb.mean():.3f} → {va.mean():.3f}", _mean_sd(rf),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev", "train"], choices=sorted(PATHS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--policy",
        choices=["networks", "cross-industry"],
        default="networks",
        help="what the simulated facilitator accepts (see above)",
    )
    args = parser.parse_args()
    cache = store.connect(CACHE_DB)
    for name in args.sets:
        if name in OTHER:
            scorer = training.train([PATHS[OTHER[name]]], vector_cache=cache)
            source = f"fitted on {OTHER[name]} only"
        else:
            scorer = default_scorer()
            source = "the shipped scorer (dev + train)"
        s = LabelledSet(name, cache, PATHS[name], scorer)
        if args.policy == "cross-industry":
            division = np.array([str(p.get("nace") or "")[:2] for p in s.profiles], dtype=object)
            s.partner &= division[:, None] != division[None, :]
            source += ", cross-industry facilitator"
        rows = run(s, scorer, args.seeds)
        print(
            table(
                f"{name}: global model {source}; {args.seeds} seeds; half B scored",
                ["decisions", "of them accepts", "re-fit adopted", "recall@5 before",
                 "recall@5 after", "after − before [min, max]", "lists with a rival",
                 "recall@5 forced (no floor)"],
                rows,
            ),
            flush=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
