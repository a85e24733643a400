"""Does the sparse candidate graph propose the networks the dense pool does? On the labelled
training sets (data/training/partners_{dev,train,rivals}.json), networks over the whole set
with the dense pool scores, with the sparse path forced (`matching.MAX_POOL` set to 0; the
sets are larger than the surrogate's shortlist, so both stages run) and with the sparse path
judging every pair (no shortlist: what the graph and the optimiser's estimates alone change):
pairwise F1 against the
known networks, labelled and detected competitor pairs together, worst and harmonic-mean fit.

Run: .venv/bin/python bench/sparse_pool.py [--sets dev train rivals] [--seeds 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proposals import REPO, WORK, firm_store, pairs, prf, table  # noqa: E402

from matchmaker import matching  # noqa: E402
from matchmaker.grouping import networks  # noqa: E402
from matchmaker.matching import candidates  # noqa: E402

SETS = {name: REPO / "data" / "training" / f"partners_{name}.json"
        for name in ("dev", "train", "rivals")}  # fmt: skip


def run(name: str, seeds: int) -> list[list]:
    data = json.loads(SETS[name].read_text(encoding="utf-8"))
    db = firm_store(data["firms"], f"{name}-firms")
    index = matching.match_index(db)
    by_name = {p["name"]: cid for cid, p in index.profiles_.items()}
    id_of = {f["key"]: by_name[f["name"]] for f in data["firms"]}
    known = pairs([[id_of[k] for k in n["members"]] for n in data["networks"]])
    labelled = {tuple(sorted((id_of[c["a"]], id_of[c["b"]]))) for c in data["competitors"]}
    pool = sorted(index.row_)
    dense_scores = networks.pool_scores(index, pool)  # the dense judgement of every pair
    detected = {(pool[i], pool[j]) for i, j in dense_scores.competitor}
    rows = []
    limit = matching.MAX_POOL
    shortlist = candidates.SHORTLIST
    for path in ("dense", "sparse (forced)", "sparse, every pair judged"):
        matching.MAX_POOL = 0 if path.startswith("sparse") else limit
        candidates.SHORTLIST = len(pool) if path.endswith("judged") else shortlist
        found, together, seconds, fit = [], [0, 0], [], []
        for seed in range(seeds):
            request = networks.parse_request({"company_ids": pool, "seed": seed})
            t0 = time.process_time()
            plan = networks.plan(db, request, max_per_firm=10**6)
            seconds.append(time.process_time() - t0)
            groups = [[m["id"] for m in n["members"]] for n in plan.networks]
            inside = pairs(groups)
            found.append(prf(inside, known))
            together[0] += len(inside & labelled)
            together[1] += len(inside & detected)
            fit.append((plan.worst_score, plan.harmonic_mean))
        matching.MAX_POOL, candidates.SHORTLIST = limit, shortlist
        p, r, f = np.mean(found, axis=0)
        worst, hm = np.mean(fit, axis=0)
        rows.append([f"{name} ({len(pool)} firms)", path, float(p), float(r), float(f),
                     together[0], together[1], float(worst), float(hm),
                     f"{np.mean(seconds):.2f}"])  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    rows = list(itertools.chain.from_iterable(run(name, args.seeds) for name in args.sets))
    print(table(
        f"Dense pool against the forced sparse graph (whole set, seeds 0–{args.seeds - 1})",
        ["set", "path", "pair precision", "pair recall", "F1", "labelled competitor pairs "
         "together", "detected competitor pairs together", "worst network", "harmonic mean",
         "CPU s per proposal"],
        rows,
    ))  # fmt: skip


if __name__ == "__main__":
    main()
