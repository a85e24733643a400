"""Benchmark of network proposals and masterclass cohorts: quality against the labelled Danish
evaluation sets, two baselines, hard-constraint misses, and runtime/memory at scale.

Run: .venv/bin/python bench/proposals.py [--only networks|cohorts|speed] [--sizes 1000 10000]

Quality
- networks: pairwise precision/recall/F1 of proposed networks against the known networks of
  data/training/partners_dev.json, over the whole set (126 firms, 45 of them in no known network)
  and
  over the firms of the known networks only;
- cohorts: purity of the cohorts against the labels of bench/data/eval_cohorts.json;
- both against random groups of the same sizes and size-constrained k-means on the sentence
  embeddings alone; misses of hard constraints (labelled and detected competitors together,
  more than two knowledge institutions) are counted for every method.

Speed: proposing networks over 1,000 and 10,000 synthetic firms (eval texts recombined: each
firm keeps the description and offers of one eval firm and takes the needs of another, so the
sentence vectors come from the cache after the first run) with a warm match index, and cohorts
for 200 synthetic respondents. Seconds are of an untraced run; peak memory is the tracemalloc
peak of a second, traced run (numpy arrays included) and the process's maximum resident set
size.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker import matching  # noqa: E402
from matchmaker.grouping import clustering, cohorts, networks, optimiser  # noqa: E402
from matchmaker.grouping import pool as grouping_pool  # noqa: E402
from matchmaker.matching import pairwise, scoring  # noqa: E402
from matchmaker.representation.embedding import SentenceEncoder, profile_texts, response_text  # noqa: E402
from matchmaker.store import db as store  # noqa: E402
from matchmaker.store import profiles, questionnaires  # noqa: E402

EVAL_FIRMS = REPO / "data" / "training" / "partners_dev.json"
FIRM_SETS = {
    "dev": EVAL_FIRMS,
    "train": REPO / "data" / "training" / "partners_train.json",
    "rivals": REPO / "data" / "training" / "partners_rivals.json",
    "blind": REPO / "bench" / "data" / "blind" / "firms.json",
}
# Held-out ERDF consortia nobody on the team wrote (`bench.network_erdf`): the part the shipped
# likeness model was not fitted on, so the service's own scorer may judge it.
ERDF_SET = "erdf"
EVAL_COHORTS = REPO / "bench" / "data" / "eval_cohorts.json"
WORK = Path(tempfile.gettempdir()) / "matchmaker-bench-proposals"
SEEDS = range(5)
REGIONS = ("Nordjylland", "Midtjylland", "Syddanmark", "Sjælland", "Hovedstaden")


def table(title: str, header: list[str], rows: list[list]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]  # fmt: skip
    for row in rows:
        cells = [f"{c:.3f}" if isinstance(c, float) else str(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- stores --------------------------------------------------------------------------------

FIRM_FIELDS = ("name", "employees", "region", "city", "sector", "nace", "kind", "description",
               "offers", "needs", "markets", "language")  # fmt: skip


def firm_store(firms: list[dict], name: str):
    """A store holding `firms` (consenting), reused between runs when the firms are the same;
    the sentence vectors stay cached in it."""
    digest = hashlib.sha256(json.dumps(firms, sort_keys=True).encode()).hexdigest()[:12]
    path = WORK / f"{name}-{digest}.sqlite3"
    fresh = not path.exists()
    db = store.connect(path)
    if fresh:
        rows = [{k: f[k] for k in FIRM_FIELDS if f.get(k) is not None} | {"consent": True}
                for f in firms]  # fmt: skip
        report = profiles.import_rows(db, rows)
        assert report["written"], [r for r in report["rows"] if r["status"] != "accepted"][:3]
    return db


def synthetic_firms(n: int, seed: int = 0) -> list[dict]:
    """n firms recombined from the eval firms: description and offers of one, needs of another."""
    base = json.loads(EVAL_FIRMS.read_text(encoding="utf-8"))["firms"]
    rng = random.Random(seed)
    out = []
    for k in range(n):
        firm = dict(base[k % len(base)])
        if k >= len(base):
            firm["needs"] = base[rng.randrange(len(base))]["needs"]
            firm["region"] = rng.choice(REGIONS)
            firm["employees"] = rng.randint(1, 240)
        firm["name"] = f"{firm['name']} #{k}"
        out.append(firm)
    return out


# --- networks ------------------------------------------------------------------------------


def pairs(groups) -> set[tuple]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}


def prf(proposed: set, known: set) -> tuple[float, float, float]:
    hit = len(proposed & known)
    p = hit / len(proposed) if proposed else 0.0
    r = hit / len(known) if known else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def random_groups(ids: list, sizes: list[int], seed: int) -> list[list]:
    rng = random.Random(seed)
    pool = list(ids)
    rng.shuffle(pool)
    out, start = [], 0
    for s in sizes:
        out.append(pool[start : start + s])
        start += s
    return out


def constrained_kmeans(x: np.ndarray, sizes: list[int], seed: int, iters: int = 20) -> np.ndarray:
    """k-means whose assignment step fills clusters of exactly `sizes` (Hungarian on slots)."""
    k, n = len(sizes), x.shape[0]
    centres = KMeans(k, n_init=4, random_state=seed).fit(x).cluster_centers_
    slots = np.repeat(np.arange(k), sizes)
    label = np.zeros(n, dtype=int)
    for _ in range(iters):
        cost = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)[:, slots]
        rows, cols = linear_sum_assignment(cost)
        new = np.empty(n, dtype=int)
        new[rows] = slots[cols]
        if (new == label).all():
            break
        label = new
        centres = np.vstack([x[label == c].mean(axis=0) for c in range(k)])
    return label


def network_misses(groups, known_competitors, index, db) -> dict[str, int]:
    """Hard-constraint misses of a grouping (ids): labelled and detected competitors together,
    more than two knowledge institutions, a firm twice."""
    ids = sorted(index.row_)
    scores = networks.pool_scores(index, ids)
    detected = {(ids[i], ids[j]) for i, j in scores.competitor}
    together = pairs(groups)
    kinds = {c: index.profiles_[c]["kind"] for c in ids}
    flat = [c for g in groups for c in g]
    return {
        "labelled competitors": len(together & known_competitors),
        "detected competitors": len(together & detected),
        "> 2 knowledge inst.": sum(
            sum(kinds[c] == "knowledge_institution" for c in g) > 2 for g in groups
        ),
        "firm twice": len(flat) - len(set(flat)),
    }


def third_pass(db, index, ids: list, whole: bool, seed: int) -> list[list]:
    """The networks of the third pass of issue 12, for comparison in the same run: the pool
    clustered at the absolute link (no relative fit, no firm attached, no same-trade penalty);
    a list of firms placed around those clusters."""
    scores = grouping_pool.pool_scores(index, ids)
    pos = {c: i for i, c in enumerate(ids)}
    forbidden, _ = grouping_pool.forbidden_pairs(db, ids, pos, scores)
    knowledge = np.array([index.profiles_[c].get("kind") == "knowledge_institution" for c in ids])
    problem = optimiser.Problem(scores, knowledge, forbidden, np.ones(len(ids), bool))
    fit = grouping_pool.rival_penalised_fit(scores)
    cores = clustering.cluster_networks(problem, fit, link=0.75)  # the third pass's link
    if not whole:
        cores = clustering.place_around_clusters(problem, fit, seed=seed, cores=cores)
    return [[ids[i] for i in g] for g in cores.groups]


def bench_networks(set_name: str = "dev") -> str:
    """Networks on a labelled set: `dev`, `train`, `rivals` (the shipped scorer was fitted on
    them, so these are in-sample; `bench/network_loso.py` leaves each out), `erdf` (held-out
    ERDF consortia, `bench.network_erdf`; out of sample) or `blind` (scores only, never its
    texts)."""
    data = firm_set(set_name)
    firms = data["firms"]
    db = firm_store(firms, f"{set_name}-firms")
    index = matching.match_index(db)
    by_name = {p["name"]: cid for cid, p in index.profiles_.items()}
    assert len(by_name) == len(firms), "eval firm names must be unique"
    id_of = {f["key"]: by_name[f["name"]] for f in firms}
    known = pairs([[id_of[k] for k in n["members"]] for n in data["networks"]])
    competitors = {tuple(sorted((id_of[c["a"]], id_of[c["b"]]))) for c in data["competitors"]}
    in_known = sorted({id_of[k] for n in data["networks"] for k in n["members"]})
    texts = [profile_texts(index.profiles_[c])["profile"] for c in sorted(index.row_)]
    model = SentenceEncoder().encode(texts, db=db)
    row = {c: i for i, c in enumerate(sorted(index.row_))}
    out = []
    everyone = f"all {len(firms)} firms"
    for label, pool in ((everyone, sorted(index.row_)), ("known-network firms", in_known)):
        known_here = {p for p in known if p[0] in pool and p[1] in pool}
        results: dict[str, list] = {"proposed (this service)": [],
                                    "ablation: greedy construction only": [],
                                    "ablation: optimiser alone (whole pool: + pruning)": [],
                                    "before: third pass (absolute link)": [],
                                    "random groups": [],
                                    "size-constrained k-means (sentence model)": []}  # fmt: skip
        misses: dict[str, Counter] = {name: Counter() for name in results}
        objective: dict[str, list] = {name: [] for name in results}
        scores = networks.pool_scores(index, pool)
        pos = {c: i for i, c in enumerate(pool)}
        elapsed = []
        whole = label == everyone
        unplaced = []
        for seed in SEEDS:
            # The whole store is asked for as the API's default does (weak members may stay
            # out); the known-network firms as an explicit list (every firm placed).
            body = {"seed": seed} if whole else {"company_ids": pool, "seed": seed}
            request = networks.parse_request(body)
            t0 = time.perf_counter()
            plan = networks.plan(db, request, max_per_firm=10**6)
            elapsed.append(time.perf_counter() - t0)
            groups = [[m["id"] for m in n["members"]] for n in plan.networks]
            unplaced.append(len(pool) - sum(len(g) for g in groups))
            sizes = [len(g) for g in groups]
            base_r = random_groups(pool, sizes, seed)
            # k-means fills the same sizes; firms the service left out fill one more cluster,
            # which is dropped (so it leaves out as many firms)
            rest = [len(pool) - sum(sizes)] if len(pool) > sum(sizes) else []
            label_k = constrained_kmeans(model[[row[c] for c in pool]], sizes + rest, seed)
            base_k = [[pool[i] for i in np.flatnonzero(label_k == c)] for c in range(len(sizes))]
            greedy = networks.plan(db, request, max_per_firm=10**6, max_passes=0, cluster=False)
            base_g = [[m["id"] for m in n["members"]] for n in greedy.networks]
            # a whole pool is clustered; before that, the optimiser's partition was pruned
            optimised = networks.plan(db, request, max_per_firm=10**6, cluster=False)
            base_o = [[m["id"] for m in n["members"]] for n in optimised.networks]
            base_t = third_pass(db, index, pool, whole, seed)
            methods = (groups, base_g, base_o, base_t, base_r, base_k)
            for name, gs in zip(results, methods, strict=True):
                results[name].append(prf(pairs(gs), known_here))
                values = [networks.group_score(scores, [pos[c] for c in g]) for g in gs]
                objective[name].append((min(values), networks.harmonic_mean(values)))
                misses[name].update(network_misses(gs, competitors, index, db))
        rows = []
        for name, values in results.items():
            p, r, f = np.mean(values, axis=0)
            m = misses[name]
            worst, hm = np.mean(objective[name], axis=0)
            rows.append([name, float(p), float(r), float(f), float(worst), float(hm),
                         m["detected competitors"],
                         m["labelled competitors"], m["> 2 knowledge inst."],
                         m["firm twice"]])  # fmt: skip
        out.append(
            table(
                f"Networks on the {set_name} set, {label} ({len(pool)} firms, "
                f"{len(known_here)} known "
                f"pairs; mean of seeds {SEEDS.start}–{SEEDS.stop - 1}; proposing took "
                f"{np.mean(elapsed):.2f} s; the service left {np.mean(unplaced):.1f} firms "
                f"out per run)",
                [
                    "method",
                    "pair precision",
                    "pair recall",
                    "F1",
                    "worst network score",
                    "harmonic mean",
                    "detected competitor pairs",
                    "labelled competitor pairs",
                    "networks with > 2 knowledge inst.",
                    "firm placed twice",
                ],
                rows,
            )  # fmt: skip
        )
    detected = network_misses([sorted(index.row_)], competitors, index, db)
    out.append(
        f"Competitor detection: {detected['labelled competitors']} labelled pairs in the pool, "
        f"{len(competitors & _detected(index))} of them detected by the matching engine's rule."
    )
    return "\n\n".join(out)


def firm_set(set_name: str) -> dict:
    """A labelled set's data: a file of `FIRM_SETS`, or the ERDF set of the evaluated part."""
    if set_name != ERDF_SET:
        return json.loads(FIRM_SETS[set_name].read_text(encoding="utf-8"))
    from bench.erdf import read_projects
    from bench.network_erdf import largest_set
    from matchmaker.matching import coparticipation

    return largest_set(read_projects(), coparticipation.EVALUATED)


def _detected(index) -> set:
    ids = sorted(index.row_)
    scores = networks.pool_scores(index, ids)
    return {(ids[i], ids[j]) for i, j in scores.competitor}


# --- cohorts -------------------------------------------------------------------------------


def cohort_store(masterclass: dict, responses: list[dict], name: str):
    digest = hashlib.sha256(json.dumps([masterclass, responses], sort_keys=True).encode())
    path = WORK / f"{name}-{digest.hexdigest()[:12]}.sqlite3"
    fresh = not path.exists()
    db = store.connect(path)
    if fresh:
        keep = ("title", "theme", "capacity", "date")
        created = questionnaires.create_masterclass(db, {k: v for k, v in masterclass.items()
                                                         if k in keep})  # fmt: skip
        for r in responses:
            fields = {k: v for k, v in r.items() if k not in ("key", "label")}
            questionnaires.add_response(db, created["id"], fields)
    return db


def purity(groups: list[list[int]], labels: dict) -> float:
    n = sum(len(g) for g in groups)
    return sum(Counter(labels[i] for i in g).most_common(1)[0][1] for g in groups if g) / n


def bench_cohorts() -> str:
    data = json.loads(EVAL_COHORTS.read_text(encoding="utf-8"))
    db = cohort_store(data["masterclass"], data["responses"], "eval-cohorts")
    stored = questionnaires.responses(db, 1)
    key_of = {r["id"]: src["key"] for r, src in zip(stored, data["responses"], strict=True)}
    labels = {r["id"]: src["label"] for r, src in zip(stored, data["responses"], strict=True)}
    by_key = {v: k for k, v in key_of.items()}
    competitors = {tuple(sorted((by_key[a], by_key[b]))) for a, b in data["competitors"]}
    model = SentenceEncoder().encode([response_text(r) for r in stored], db=db)
    ids = [r["id"] for r in stored]
    results: dict[str, list] = {"proposed (this service)": [], "random groups": [],
                                "size-constrained k-means (sentence model)": []}  # fmt: skip
    together: dict[str, int] = Counter()
    oversize: dict[str, int] = Counter()
    capacity = int(data["masterclass"]["capacity"])
    elapsed = []
    for seed in SEEDS:
        request = cohorts.CohortRequestIn(seed=seed)
        t0 = time.perf_counter()
        plan = cohorts.plan(db, 1, request)
        elapsed.append(time.perf_counter() - t0)
        groups = [[m["response_id"] for m in c["members"]] for c in plan.cohorts]
        sizes = [len(g) for g in groups]
        base_r = random_groups(ids, sizes, seed)
        label_k = constrained_kmeans(model, sizes, seed)
        base_k = [[ids[i] for i in np.flatnonzero(label_k == c)] for c in range(len(sizes))]
        for name, gs in zip(results, (groups, base_r, base_k), strict=True):
            results[name].append(purity(gs, labels))
            together[name] += len(pairs(gs) & competitors)
            oversize[name] += sum(len(g) > min(capacity, 10) for g in gs)
    rows = [
        [name, float(np.mean(v)), float(np.min(v)), together[name], oversize[name]]
        for name, v in results.items()
    ]
    return table(
        f"Cohorts on the eval set ({len(ids)} answers, {len(set(labels.values()))} labels, "
        f"capacity {capacity}, sizes 7–10; mean of seeds {SEEDS.start}–{SEEDS.stop - 1}; "
        f"forming took {np.mean(elapsed):.2f} s)",
        ["method", "purity (mean)", "purity (worst seed)", "labelled competitor pairs together",
         "cohorts over capacity or 10"],
        rows,
    )  # fmt: skip


# --- speed ---------------------------------------------------------------------------------


def _measure(fn):
    """Result, wall seconds (with CPU seconds and the 1-minute load beside them: on a shared
    machine wall seconds mean little) of a plain run, and the tracemalloc peak (MiB) of a
    second, traced run (tracing slows Python down several times, so it does not time)."""
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    seconds = f"{time.perf_counter() - t0:.2f} (CPU {time.process_time() - c0:.1f}, load "
    seconds += f"{os.getloadavg()[0]:.1f})"
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def _rss() -> float:
    """The process's resident set now (MiB)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def detected_together(index, groups) -> int:
    """Pairs inside the groups the learned scorer judges competitors (every pair of every
    group judged, as the dense pool would; a large pool's graph judges only some pairs)."""
    ids = sorted(index.row_)
    pos = {c: i for i, c in enumerate(ids)}
    inside = np.array([(pos[a], pos[b]) for a, b in pairs(groups)], dtype=np.intp)
    if not inside.size:
        return 0
    rows = index.rows(ids)
    vectors, facts = index.vectors_.take(rows), index.facts_.take(rows)
    dots = pairwise.PairDots(index.encoder_, vectors)
    found = scoring.score_pairs(index, dots, facts, inside[:, 0], inside[:, 1])
    return int(found.competitor.sum())


def bench_speed(sizes: list[int]) -> str:
    rows = []
    for n in sizes:
        db = firm_store(synthetic_firms(n), f"synthetic-{n}")
        t0 = time.perf_counter()
        index = matching.match_index(db)
        warm = time.perf_counter() - t0
        request = networks.parse_request({"seed": 0})
        before = _rss()
        plan, seconds, peak = _measure(
            lambda db=db, request=request: networks.plan(db, request, max_per_firm=10**6)
        )
        groups = [[m["id"] for m in net["members"]] for net in plan.networks]
        misses = (network_misses(groups, set(), index, db) if n <= 2000
                  else {"detected competitors": detected_together(index, groups)})  # fmt: skip
        rows.append([
            f"networks, {n:,} firms", seconds, f"{peak:,.0f}",
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} "
            f"({before:,.0f} before the proposal)",
            f"{len(plan.networks)} networks, worst {plan.worst_score:.3f}, harmonic mean "
            f"{plan.harmonic_mean:.3f}, {len(plan.unmet)} unmet"
            + (f", detected competitor pairs together {misses['detected competitors']}"
               if misses else ""),
            f"{warm:.1f}",
        ])  # fmt: skip
        del index, db
    data = json.loads(EVAL_COHORTS.read_text(encoding="utf-8"))
    rng = random.Random(0)
    responses = []
    for k in range(200):
        r = dict(data["responses"][k % len(data["responses"])])
        r["company"] = f"{r['company']} #{k}"
        r["potentials"] = data["responses"][rng.randrange(len(data["responses"]))]["potentials"]
        responses.append(r)
    masterclass = dict(data["masterclass"], capacity=200)
    db = cohort_store(masterclass, responses, "synthetic-cohorts-200")
    cohorts.plan(db, 1, cohorts.CohortRequestIn())  # warm: vectors cached
    plan, seconds, peak = _measure(lambda: cohorts.plan(db, 1, cohorts.CohortRequestIn()))
    rows.append([
        "cohorts, 200 answers", seconds, f"{peak:,.0f}",
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f}",
        f"{len(plan.cohorts)} cohorts of {min(len(c['members']) for c in plan.cohorts)}–"
        f"{max(len(c['members']) for c in plan.cohorts)}", "–",
    ])  # fmt: skip
    return table(
        "Runtime and memory (warm match index, cached sentence vectors)",
        ["task", "wall seconds (CPU s, load)", "peak traced MiB", "process max RSS MiB", "result",
         "index warm-up s"],
        rows,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["networks", "cohorts", "speed"], action="append")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--sets", nargs="+", default=["dev", "blind"], choices=sorted([*FIRM_SETS, ERDF_SET])
    )
    args = parser.parse_args()
    only = set(args.only or ["networks", "cohorts", "speed"])
    WORK.mkdir(parents=True, exist_ok=True)
    if "networks" in only:
        for name in args.sets:
            print(bench_networks(name), "\n", flush=True)
    if "cohorts" in only:
        print(bench_cohorts(), "\n", flush=True)
    if "speed" in only:
        print(bench_speed(args.sizes), "\n", flush=True)


if __name__ == "__main__":
    main()
