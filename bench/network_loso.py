"""Network knobs chosen by leaving one labelled set out: fit the pair scorer on two of dev,
train and rivals, form networks over the third (its whole pool, as the API does by default)
and score them against its known networks and labelled rival pairs.

Run: .venv/bin/python -m bench.network_loso [--seeds 3]
     .venv/bin/python -m bench.network_loso --cluster --likeness 0 0.85 0.9 --floors 0 0.1
     .venv/bin/python -m bench.network_loso --cluster --likeness 0.85 --floors 0.1
         --links 0.7 0.75 0.8 --attach 0 0.6 0.7 0.8 --tops 2 3 --kin 0 0.5 --shifts 0 -1
     .venv/bin/python -m bench.network_loso --cluster --likeness 0.85 --floors 0.1 --kin 0.5
         --relative 1 --links 0.7 0.75 0.8 --attach 0.6 0.7 0.8 --tops 2 3 --shifts 0 -1 1
         --level 0 1 --whole 0 1
     .venv/bin/python -m bench.network_loso --levels     (fit_level.FIT_LEVEL)
     .venv/bin/python -m bench.network_loso --cluster --sets dev train rivals erdf
         --likeness 0.85 --floors 0.1 --kin 0.5 --relative 1 --links 0.7 0.75 0.8
         --attach 0.5 0.6 0.7 --tops 2 3 --level 1 --whole 1 --languages 0 1   (sixth pass)

`erdf` is a fourth held-out set nobody on the team wrote (`bench.network_erdf`: real ERDF
consortia; F1 and firms left out only, no labelled rivals). `--languages 1`: look-alikes in two
languages count as likely rivals (`pool.other_languages`); `--apart 1`: pairs the rival
penalties lower never share a group; `--level-sets`: the sets whose mean level a held-out set
is set to.

Knobs measured (the optimiser runs once per network threshold and seed; pruning is applied to
its result):
- the network threshold: pairs whose competitor probability is above it (and that pass the
  competitor rule's offers gate and are no value chain) are kept apart in networks as well as
  the detected competitors;
- the weak-member bar: a member whose mean learned pair fit with the others is under it leaves
  its network (to `unmet`).
With `--cluster` the whole pool is clustered instead (`grouping.clustering`, as the service
does for a whole pool): the knobs are the link (least mean pair fit between merging groups),
absolute (the third pass) or relative (`clustering.close_networks`: `--relative 1`) with the
attach bar (`--attach`, 0 for none) and mutual top (`--tops`) of firms left out, the likely-rival
penalty's likeness and competitor-probability floor (`pool.rival_penalised_fit`; likeness 1 for
none) and the same-trade penalty (`--kin`, `pool.penalise_same_trade`). `--shifts 0 -1` runs
each setting also with every fit's log-odds lowered by 1 (fits that run lower overall, as on
text someone else wrote) and ranks the settings by the mean over the shifts. The clustering is
deterministic, so it runs once per setting.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.proposals import pairs, prf  # noqa: E402
from matchmaker.grouping import clustering, fit_level, optimiser, pool, pruning  # noqa: E402
from matchmaker.matching import training  # noqa: E402
from matchmaker.matching.features import pair_features  # noqa: E402
from matchmaker.store import db as store  # noqa: E402

SETS = {
    "dev": REPO / "data" / "training" / "partners_dev.json",
    "train": REPO / "data" / "training" / "partners_train.json",
    "rivals": REPO / "data" / "training" / "partners_rivals.json",
}
# A fourth set nobody on the team wrote (`bench.network_erdf`): held-out ERDF consortia of the
# three parts of the project list, each part's pool scored by the pair scorer of the three sets
# above with a likeness model fitted on the other parts; firms of two parts never share a group.
ERDF = "erdf"
ALL_SETS = [*SETS, ERDF]
CACHE_DB = Path(tempfile.gettempdir()) / "matchmaker-bench-vectors.sqlite3"
ERDF_CACHE = Path(tempfile.gettempdir()) / "matchmaker-bench-network-erdf.pickle"


class Profiles:
    """A pool's profiles read as an index reads them (`ids`, `profile`)."""

    def __init__(self, profiles: list[dict]):
        self.profiles = profiles

    def ids(self) -> list[int]:
        return list(range(len(self.profiles)))

    def profile(self, c: int) -> dict:
        return self.profiles[c]


def erdf_held_out(cache):
    """The ERDF set (`ERDF`) as `held_out` gives a labelled set: the three parts' pools side by
    side in one pool, pairs across parts forbidden; no labelled rival pairs. Kept in a pickle
    (the likeness refits take minutes); delete it after changing the scorer or the set."""
    if ERDF_CACHE.exists():
        scores, known, profiles = pickle.loads(ERDF_CACHE.read_bytes())
        return None, scores, None, known, set(), Profiles(profiles)
    from bench import network_erdf
    from bench.erdf import read_projects
    from matchmaker.matching import coparticipation

    rows = read_projects()
    parts = []
    for split in range(coparticipation.SPLITS):
        data = network_erdf.largest_set(rows, split)
        scorer = network_erdf.scorer_for(rows, split, cache)
        index, keys = training.index_firms(data["firms"], cache, scorer)
        at = {k: i for i, k in enumerate(keys)}
        known = pairs([[at[m] for m in n["members"]] for n in data["networks"]])
        scores = pool.pool_scores(index, index.ids())
        parts.append((scores, known, [index.profile(c) for c in index.ids()]))
    scores, known, profiles = joined(parts)
    ERDF_CACHE.write_bytes(pickle.dumps((scores, known, profiles)))
    return None, scores, None, known, set(), Profiles(profiles)


def joined(parts) -> tuple:
    """Dense pools side by side: one pool whose pairs across parts are forbidden (held as
    competitor pairs), its known pairs and profiles."""
    n = sum(s.n for s, _, _ in parts)
    cover, similar, pair, rival = (np.zeros((n, n), np.float32) for _ in range(4))
    competitor, lookalike, known, profiles = set(), {}, set(), []
    start = 0
    for scores, found, here in parts:
        end = start + scores.n
        block = slice(start, end)
        cover[block, block], similar[block, block] = scores.cover, scores.similar
        pair[block, block] = scores.pair
        if scores.rival is not None:
            rival[block, block] = scores.rival
        competitor |= {(i + start, j + start) for i, j in scores.competitor}
        lookalike |= {(i + start, j + start): v for (i, j), v in scores.lookalike.items()}
        known |= {(i + start, j + start) for i, j in found}
        competitor |= {(i, j) for i in range(start, end) for j in range(end, n)}
        profiles += here
        start = end
    scores = pool.PoolScores(cover, similar, competitor, pair, lookalike=lookalike, rival=rival)
    return scores, known, profiles


def held_out(name: str, cache):
    """The held-out set scored by a scorer fitted on the two others (the ERDF set: by the
    pair scorer of all three, `erdf_held_out`)."""
    if name == ERDF:
        found = erdf_held_out(cache)
        _, scores, _, _, _, _ = found
        for (i, j), fit in scores.lookalike.items():  # the pair fit before the penalty
            scores.pair[i, j] = scores.pair[j, i] = fit
        return found
    rest = [p for k, p in SETS.items() if k != name]
    scorer = training.train(rest, vector_cache=cache)
    index, data, keys = training.load_set(SETS[name], cache, scorer)
    pos = {k: i for i, k in enumerate(keys)}
    known = pairs([[pos[m] for m in n["members"]] for n in data["networks"]])
    rivals = {tuple(sorted((pos[c["a"]], pos[c["b"]]))) for c in data["competitors"]}
    ids = index.ids()
    scores = pool.pool_scores(index, ids)
    for (i, j), fit in scores.lookalike.items():  # the pair fit before the look-alike penalty
        scores.pair[i, j] = scores.pair[j, i] = fit
    v, f = index.vectors_, index.facts_
    features = pair_features(index.encoder_, v, f, v, f, index.scale_)
    return scorer, scores, features, known, rivals, index


def likely_rivals(scorer, features, threshold: float) -> set[tuple[int, int]]:
    flagged = dataclasses.replace(scorer, competitor_threshold=threshold).competitors(features)
    flagged = flagged | flagged.T
    ii, jj = np.nonzero(np.triu(flagged, 1))
    return {(int(i), int(j)) for i, j in zip(ii, jj, strict=True)}


def lookalike_pool(scores, likeness: float | None, penalty: float):
    """The pool with look-alike pairs (likeness ≥ `likeness`) penalised; itself for None."""
    if likeness is None:
        return pool.PoolScores(scores.cover, scores.similar, scores.competitor, scores.pair)
    pair, _ = pool.penalise_lookalikes(scores.pair, scores.similar, likeness, penalty)
    return pool.PoolScores(scores.cover, scores.similar, scores.competitor, pair)


def knowledge_mask(index) -> np.ndarray:
    """Which firms of the index (in its order) are knowledge institutions."""
    return np.array([index.profile(c).get("kind") == "knowledge_institution" for c in index.ids()])


def shifted(fit: np.ndarray, shift: float) -> np.ndarray:
    """`fit` with every pair's log-odds moved by `shift` (0: unchanged): fits that run lower
    (or higher) overall, as text written by someone else may score."""
    return fit_level.shifted(fit, shift)


def clustered(problem, fit, relative: bool, link: float, bar: float, top: int, whole=False):
    """The whole pool's networks: absolute link (the third pass) or relative link with firms
    left out attached (`bar` 0: none); `whole`: every member fits the others at least the link
    (`clustering.close_networks`)."""
    if not relative:
        return clustering.cluster_networks(problem, fit, link=link)
    return clustering.close_networks(problem, fit, link=link, bar=bar or 2.0, top=top, whole=whole)


def whole_pool(scores, index) -> optimiser.Problem:
    """A held-out set's whole pool as a grouping problem: every firm placeable, the detected
    competitors kept apart."""
    return optimiser.Problem(
        scores, knowledge_mask(index), set(scores.competitor), np.ones(scores.n, bool)
    )


def reference_level(levels: dict[str, float], name: str) -> float:
    """The level a held-out set's fit is moved to: the mean of the labelled sets' levels
    (`held_out_levels`) other than its own."""
    return float(np.mean([v for k, v in levels.items() if k != name and k in SETS]))


def held_out_levels(loaded: dict) -> dict[str, float]:
    """Each held-out set's fit level (`fit_level.pool_level` of the learned fit, scored by a
    scorer fitted on the two others, over the pairs that may share a network)."""
    out = {}
    for name, (_, scores, _, _, _, index) in loaded.items():
        allowed = clustering.allowed_pairs(whole_pool(scores, index))
        out[name] = fit_level.pool_level(pool.learned_fit(scores), allowed)
    return out


def cluster_sweep(args, cache) -> None:
    """Clustering knobs leaving one set out: F1, rival pairs together, firms left out, the
    known pairs the rival penalties touch; optionally with the fits shifted (`--shifts`, every
    learned fit's log-odds before the penalties) and set to the level of the two other sets
    (`--level 1`, as `clustering.network_fit` sets them to `fit_level.FIT_LEVEL`)."""
    keyed: dict = {}
    loaded = {name: held_out(name, cache) for name in ALL_SETS if name in SETS or name in args.sets}
    levels = held_out_levels(loaded)
    by = args.level_sets or list(SETS)  # the sets whose levels a held-out set is set to
    print("held-out levels: " + ", ".join(f"{k} {v:.2f}" for k, v in levels.items()))
    for name in args.sets:
        _, scores, _, known, rivals, index = loaded[name]
        reference = float(np.mean([v for k, v in levels.items() if k != name and k in by]))
        n = scores.n
        knowledge = knowledge_mask(index)
        profiles = [index.profile(c) for c in index.ids()]
        problem = optimiser.Problem(scores, knowledge, set(scores.competitor), np.ones(n, bool))
        allowed = clustering.allowed_pairs(problem)
        raw = pool.learned_fit(scores)
        languages = [p.get("language") for p in profiles]
        for like, floor, kp, shift, lv, tongue in itertools.product(
            args.likeness, args.floors, args.kin, args.shifts, args.level, args.languages
        ):
            total = shift
            if lv:
                total += fit_level.level_shift(shifted(raw, shift), allowed, reference)
            base = pool.penalise_same_trade(
                pool.rival_penalised_fit(scores, likeness=like or 2.0, floor=floor, shift=total,
                                         languages=languages if tongue else None),
                profiles, kp,
            )  # fmt: skip
            unpenalised = shifted(raw, total)
            cost = sum(base[i, j] < unpenalised[i, j] - 1e-6 for i, j in known)
            lowered = np.triu(base < unpenalised - 1e-6, 1)
            kept_apart = dataclasses.replace(
                problem,
                forbidden=set(problem.forbidden)
                | set(zip(*(a.tolist() for a in np.nonzero(lowered)), strict=True)),
            )
            for rel, link, bar, top, whole, apart in itertools.product(
                args.relative, args.links, args.attach, args.tops, args.whole, args.apart
            ):
                if not rel and (bar or top != args.tops[0] or whole):
                    continue  # the absolute link attaches nobody
                here = kept_apart if apart else problem
                found = clustered(here, base, rel, link, bar, top, bool(whole))
                groups = found.groups
                p, r, f = prf(pairs(groups), known)
                together = len(pairs(groups) & rivals)
                with_rival = sum(bool(pairs([g]) & rivals) for g in groups)
                kind = ("relative" if rel else "absolute") + (" levelled" if lv else "")
                kind += " whole" if whole else ""
                kind += " apart" if apart else ""
                kind += " languages" if tongue else ""
                key = (shift, kind, like, floor, kp, link, bar, top)
                keyed.setdefault(key, {})[name] = (
                    p, r, f, together, with_rival, len(groups), len(found.unplaced), cost, n
                )  # fmt: skip
        print(f"{name}: {n} firms, {len(known)} known pairs, {len(rivals)} rival pairs", flush=True)
    print("\nshift | link kind | likeness | probability floor | kin penalty | link | attach bar | "
          "mutual top | F1 mean | F1 per set | rival pairs together per set | share of networks "
          "with a rival | firms left out per set (share) | known pairs penalised | "
          "F1 − 2 × share")  # fmt: skip
    rows = []
    for key, per in keyed.items():
        f1s = [v[2] for v in per.values()]
        share = sum(v[4] for v in per.values()) / max(sum(v[5] for v in per.values()), 1)
        rows.append((key[0], float(np.mean(f1s)) - 2 * share, key, per, f1s, share))
    for _, crit, key, per, f1s, share in sorted(rows, key=lambda r: (r[0], -r[1])):
        cells = [" / ".join(f"{x:.3f}" for x in f1s),
                 " / ".join(str(v[3]) for v in per.values()),
                 f"{share:.3f}", " / ".join(f"{v[6]} ({v[6] / v[8]:.0%})" for v in per.values()),
                 " / ".join(str(v[7]) for v in per.values())]  # fmt: skip
        print(" | ".join(str(k) for k in key) + f" | {np.mean(f1s):.3f} | " + " | ".join(cells)
              + f" | {crit:.3f}")  # fmt: skip
    if len(args.shifts) > 1:
        print("\nOver the shifts (" + ", ".join(str(x) for x in args.shifts) + "): link kind | "
              "likeness | probability floor | kin penalty | link | attach bar | mutual top | "
              "F1 mean per shift | F1 − 2 × share per shift | mean")  # fmt: skip
        over: dict = {}
        for shift, crit, key, _, f1s, _ in rows:
            over.setdefault(key[1:], {})[shift] = (float(np.mean(f1s)), crit)
        ranked = sorted(over.items(), key=lambda kv: -np.mean([c for _, c in kv[1].values()]))
        for key, per in ranked:
            print(" | ".join(str(k) for k in key) + " | "
                  + " / ".join(f"{f:.3f}" for f, _ in per.values()) + " | "
                  + " / ".join(f"{c:.3f}" for _, c in per.values())
                  + f" | {np.mean([c for _, c in per.values()]):.3f}")  # fmt: skip
    print(f"(sets: {', '.join(args.sets)})")


def place_all_compare(args, cache) -> None:
    """Every firm placed (a list of firms, a small pool, `place_all`), leaving one set out:
    the optimiser alone against the optimiser around the third pass's absolute clusters and
    around the close networks (`clustering.network_fit` at the two other sets' level, relative
    link, firms attached), over the whole set and over the firms of its known networks."""
    print("set | pool | method | F1 (mean of seeds) | rival pairs together (all seeds) | "
          "networks with a rival (all seeds)")  # fmt: skip
    loaded = {name: held_out(name, cache) for name in SETS}
    levels = held_out_levels(loaded)
    for name in args.sets:
        _, scores, _, known, rivals, index = loaded[name]
        reference = float(np.mean([v for k, v in levels.items() if k != name]))
        pair, _ = pool.penalise_lookalikes(scores.pair, scores.similar)  # the shipped fit
        knowledge = knowledge_mask(index)
        profiles = [index.profile(c) for c in index.ids()]
        in_known = sorted({x for p in known for x in p})
        for label, firms in (("all firms", list(range(scores.n))), ("known-network", in_known)):
            at = np.ix_(firms, firms)
            where = {x: k for k, x in enumerate(firms)}

            def local(found: set, where=where) -> set:
                return {(where[i], where[j]) for i, j in found if i in where and j in where}

            sub = pool.PoolScores(
                scores.cover[at], scores.similar[at], local(scores.competitor), pair[at],
                lookalike={(where[i], where[j]): v for (i, j), v in scores.lookalike.items()
                           if i in where and j in where},
                rival=scores.rival[at],
            )  # fmt: skip
            problem = optimiser.Problem(
                sub, knowledge[firms], set(sub.competitor), np.ones(len(firms), bool)
            )
            fit = pool.rival_penalised_fit(sub)
            here = [profiles[x] for x in firms]
            close = clustering.network_fit(problem, here, level=None)  # as shipped for a list
            levelled = clustering.network_fit(problem, here, reference)  # as for a whole pool
            absolute = clustering.cluster_networks(problem, fit, link=0.75)  # third pass's cores
            whole = clustering.close_networks(problem, levelled)  # the whole pool's networks
            for method in ("optimiser alone", "around absolute clusters", "around close networks",
                           "around the whole pool's networks (levelled)"):  # fmt: skip
                f1s, together, nets = [], 0, 0
                for seed in range(args.seeds):
                    if method == "optimiser alone":
                        found = optimiser.form_networks(problem, seed=seed)
                    elif method == "around absolute clusters":
                        found = clustering.place_around_clusters(
                            problem, fit, seed=seed, cores=absolute
                        )
                    elif method == "around close networks":
                        found = clustering.place_around_clusters(problem, close, seed=seed)
                    else:
                        found = clustering.place_around_clusters(
                            problem, levelled, seed=seed, cores=whole
                        )
                    f1s.append(prf(pairs(found.groups), local(known))[2])
                    together += len(pairs(found.groups) & local(rivals))
                    nets += sum(bool(pairs([g]) & local(rivals)) for g in found.groups)
                print(f"{name} | {label} | {method} | {np.mean(f1s):.3f} | {together} | {nets}",
                      flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=ALL_SETS)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[1.0])
    parser.add_argument("--likeness", type=float, nargs="+", default=[0.0, 0.85, 0.9, 0.95],
                        help="look-alike likeness (0: no penalty)")  # fmt: skip
    parser.add_argument("--penalty", type=float, default=1.0)
    parser.add_argument("--bars", type=float, nargs="+", default=[0.0, 0.65, 0.7, 0.75, 0.8])
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="cluster the whole pool (sweeps --links, --likeness, --floors)",
    )
    parser.add_argument(
        "--place-all",
        action="store_true",
        help="every firm placed: the optimiser alone vs around the clusters",
    )
    parser.add_argument("--links", type=float, nargs="+", default=[0.7, 0.75, 0.8])
    parser.add_argument("--floors", type=float, nargs="+", default=[0.0, 0.1, 0.5])
    parser.add_argument("--relative", type=int, nargs="+", default=[0, 1],
                        help="1: relative link (close_networks), 0: absolute")  # fmt: skip
    parser.add_argument("--attach", dest="attach", type=float, nargs="+", default=[0.0, 0.7],
                        help="attach bar of firms left out (0: none)")  # fmt: skip
    parser.add_argument("--tops", type=int, nargs="+", default=[3])
    parser.add_argument("--kin", type=float, nargs="+", default=[0.0, 0.5],
                        help="penalty of same NACE class + same region pairs")  # fmt: skip
    parser.add_argument("--whole", type=int, nargs="+", default=[0],
                        help="1: every member fits the others at least the link")  # fmt: skip
    parser.add_argument("--languages", type=int, nargs="+", default=[0],
                        help="1: look-alikes in two languages are likely rivals")  # fmt: skip
    parser.add_argument("--apart", type=int, nargs="+", default=[0],
                        help="1: pairs the rival penalties lower never share a group")  # fmt: skip
    parser.add_argument("--level", type=int, nargs="+", default=[0],
                        help="1: fits set to the two other sets' level (fit_level)")  # fmt: skip
    parser.add_argument("--level-sets", nargs="+", choices=ALL_SETS,
                        help="the sets whose mean level a held-out set is set to (default: "
                        "the three labelled sets, as FIT_LEVEL)")  # fmt: skip
    parser.add_argument("--levels", action="store_true",
                        help="each held-out set's fit level (fit_level.FIT_LEVEL)")  # fmt: skip
    parser.add_argument("--shifts", type=float, nargs="+", default=[0.0],
                        help="log-odds shift of every fit (simulates lower fits)")  # fmt: skip
    args = parser.parse_args()
    cache = store.connect(CACHE_DB)
    if args.levels:
        levels = held_out_levels({name: held_out(name, cache) for name in SETS})
        print(", ".join(f"{k} {v:.3f}" for k, v in levels.items())
              + f"; mean {np.mean(list(levels.values())):.3f}")  # fmt: skip
        return
    if args.cluster:
        cluster_sweep(args, cache)
        return
    if args.place_all:
        place_all_compare(args, cache)
        return
    keyed: dict = {}
    for name in args.sets:
        scorer, scores, features, known, rivals, index = held_out(name, cache)
        n = scores.n
        knowledge = knowledge_mask(index)
        detected = set(scores.competitor)
        print(f"{name}: {n} firms, {len(known)} known pairs, {len(rivals)} rival pairs, "
              f"{len(rivals & detected)} detected", flush=True)  # fmt: skip
        alike = np.maximum(scores.similar, scores.similar.T)
        for t, like in itertools.product(args.thresholds, args.likeness):
            extra = likely_rivals(scorer, features, t) if t < 1.0 else set()
            forbidden = detected | extra
            penalised = lookalike_pool(scores, like or None, args.penalty)
            cost = len(known & (extra - detected))
            cost += sum(alike[i, j] >= like for i, j in known) if like else 0
            for seed in range(args.seeds):
                problem = optimiser.Problem(penalised, knowledge, forbidden, np.ones(n, bool))
                grouping = optimiser.form_networks(problem, seed=seed)
                for bar in args.bars:
                    kept = pruning.prune_weak(grouping, 3, bar=bar)[0] if bar else grouping
                    groups = kept.groups
                    placed = sum(len(g) for g in groups)
                    p, r, f = prf(pairs(groups), known)
                    together = len(pairs(groups) & rivals)
                    keyed.setdefault((t, like, bar), {}).setdefault(name, []).append(
                        (p, r, f, together, n - placed, len(groups), cost)
                    )
    print("\nthreshold | look-alike likeness | bar | F1 mean | F1 per set | rival pairs together "
          "(all seeds) | share of networks with a rival | unplaced per run | known pairs "
          "forbidden or penalised | F1 − 2 × rival-network share")  # fmt: skip
    rows = []
    for key, per in keyed.items():
        v = {k: np.array(x, dtype=float) for k, x in per.items()}
        f1s = [x[:, 2].mean() for x in v.values()]
        riv = sum(x[:, 3].sum() for x in v.values())
        nets = sum(x[:, 5].sum() for x in v.values())
        unplaced = np.mean([x[:, 4].mean() for x in v.values()])
        cost = sum(x[0, 6] for x in v.values())
        share = riv / max(nets, 1)
        rows.append((float(np.mean(f1s)) - 2 * share, key, f1s, riv, share, unplaced, cost))
    for crit, key, f1s, riv, share, unplaced, cost in sorted(rows, reverse=True):
        per = " / ".join(f"{x:.3f}" for x in f1s)
        print(f"{key[0]} | {key[1]} | {key[2]} | {np.mean(f1s):.3f} | {per} | {riv:.0f} | "
              f"{share:.3f} | {unplaced:.1f} | {cost:.0f} | {crit:.3f}")  # fmt: skip
    print(f"(sets: {', '.join(args.sets)}; seeds 0–{args.seeds - 1})")


if __name__ == "__main__":
    main()
