"""Benchmark of masterclass cohorts: purity against known groups, with baselines in the same run.

Run: .venv/bin/python bench/cohorts.py [--set dev|blind] [--seeds 5]

- dev (default): bench/data/eval_cohorts.json, one masterclass whose responses carry a "label".
  Prints a table per method (mean and worst purity over the seeds, labelled competitor pairs put
  together, cohorts over capacity or 10, respondents flagged as fitting no cohort well) and the
  cross-validated accuracy of the two answer readers on their training data.
- blind: bench/data/blind/cohorts.json, masterclasses under "masterclasses", each with
  "responses" carrying a "group" label and "competitors" (pairs of response keys). The set is
  frozen and written by someone else: this mode prints purity numbers only, never a text.

Methods: the service (`cohorts.plan`, each focus), random groups of the same sizes,
size-constrained k-means on the sentence vectors of the answers, and size-constrained k-means
on TF-IDF of the answers. Requests are the outside evaluation's: min_size 7, max_size 10.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench import proposals as proposals_bench  # noqa: E402
from matchmaker.grouping import cohorts  # noqa: E402
from matchmaker.representation import answer_readers  # noqa: E402
from matchmaker.representation.embedding import SentenceEncoder, response_text  # noqa: E402
from matchmaker.store import db as store  # noqa: E402
from matchmaker.store import questionnaires  # noqa: E402

SETS = {
    "dev": REPO / "bench" / "data" / "eval_cohorts.json",
    "blind": REPO / "bench" / "data" / "blind" / "cohorts.json",
}
WORK = Path(tempfile.gettempdir()) / "matchmaker-bench-cohorts"
ANSWER_FIELDS = ("company", "cvr", "employees", "core_business", "market_now",
                 "technology_role", "experience", "barriers", "potentials", "language")  # fmt: skip
MIN_SIZE, MAX_SIZE = 7, 10
FOCUSES = ("balanced", "industry", "level")
DETECTOR: list[dict] = []  # per masterclass: the competitor pairs the service keeps apart


def masterclasses(which: str) -> list[dict]:
    """[{"masterclass": {...}, "responses": [...], "labels": [...], "competitors": [...]}]."""
    data = json.loads(SETS[which].read_text(encoding="utf-8"))
    if "masterclasses" in data:
        found = []
        for k, mc in enumerate(data["masterclasses"]):
            meta = mc.get("masterclass") or {
                key: mc[key] for key in ("title", "theme", "capacity") if key in mc
            }
            meta = {"title": f"Masterclass {k + 1}", "capacity": MAX_SIZE} | meta
            found.append(_one(meta, mc["responses"], mc.get("competitors", []), "group"))
        return found
    return [_one(data["masterclass"], data["responses"], data.get("competitors", []), "label")]


def _one(meta: dict, responses: list[dict], competitors: list, label_key: str) -> dict:
    keys = [str(r.get("key") or r.get("id") or k) for k, r in enumerate(responses)]
    pos = {key: k for k, key in enumerate(keys)}
    pairs_ = {tuple(sorted((pos[str(a)], pos[str(b)]))) for a, b in competitors
              if str(a) in pos and str(b) in pos}  # fmt: skip
    return {"masterclass": meta, "responses": responses,
            "labels": [r.get(label_key) for r in responses], "competitors": pairs_}  # fmt: skip


def build_store(mc: dict, name: str):
    """A store holding one masterclass and its answers (cached by content); positions of the
    stored responses follow the input."""
    digest = hashlib.sha256(json.dumps([mc["masterclass"], mc["responses"]], sort_keys=True,
                                       default=str).encode())  # fmt: skip
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{name}-{digest.hexdigest()[:12]}.sqlite3"
    fresh = not path.exists()
    db = store.connect(path)
    if fresh:
        keep = ("title", "theme", "capacity", "date")
        created = questionnaires.create_masterclass(
            db, {k: v for k, v in mc["masterclass"].items() if k in keep}
        )
        for r in mc["responses"]:
            fields = {k: r[k] for k in ANSWER_FIELDS if r.get(k) not in (None, "")}
            fields.setdefault("company", "Respondent")
            questionnaires.add_response(db, created["id"], fields)
    masterclass_id = db.execute("SELECT min(id) FROM masterclasses").fetchone()[0]
    return db, masterclass_id


def purity(groups: list[list[int]], labels: list) -> float:
    n = sum(len(g) for g in groups)
    return sum(Counter(labels[i] for i in g).most_common(1)[0][1] for g in groups if g) / n


def random_groups(n: int, sizes: list[int], seed: int) -> list[list[int]]:
    pool = list(range(n))
    random.Random(seed).shuffle(pool)
    starts = np.cumsum([0, *sizes])
    return [pool[a:b] for a, b in itertools.pairwise(starts)]


def constrained_kmeans(x: np.ndarray, sizes: list[int], seed: int, iters: int = 20):
    """Size-constrained k-means (the networks benchmark's), as lists of row positions."""
    label = proposals_bench.constrained_kmeans(x, sizes, seed, iters)
    return [list(np.flatnonzero(label == c)) for c in range(len(sizes))]


def tfidf_vectors(texts: list[str]) -> np.ndarray:
    x = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    dims = min(50, x.shape[1] - 1, x.shape[0] - 1)
    return TruncatedSVD(dims, random_state=0).fit_transform(x) if dims > 1 else x.toarray()


def run(mc: dict, name: str, seeds: range) -> dict[str, dict]:
    """Per method: purities over the seeds, competitor pairs together, oversize cohorts, flags."""
    db, masterclass_id = build_store(mc, name)
    stored = questionnaires.responses(db, masterclass_id)
    position = {r["id"]: k for k, r in enumerate(stored)}
    texts = [response_text(r) for r in stored]
    sentence = SentenceEncoder().encode(texts, db=db)
    tfidf = tfidf_vectors(texts)
    capacity = min(int(mc["masterclass"].get("capacity") or MAX_SIZE), MAX_SIZE)
    out: dict[str, dict] = {}
    kept_apart = cohorts.likely_competitors(stored, db=db)
    DETECTOR.append({"pairs": len(stored) * (len(stored) - 1) // 2, "flagged": len(kept_apart),
                     "labelled": len(mc["competitors"]),
                     "found": len(kept_apart & mc["competitors"])})  # fmt: skip

    def record(method: str, groups: list[list[int]], flagged: int = 0) -> None:
        row = out.setdefault(method, {"purity": [], "together": 0, "oversize": 0, "flagged": 0})
        row["purity"].append(purity(groups, mc["labels"]))
        inside = {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}
        row["together"] += len(inside & mc["competitors"])
        row["oversize"] += sum(len(g) > capacity for g in groups)
        row["flagged"] += flagged

    for seed in seeds:
        sizes = None
        for focus in FOCUSES:
            request = cohorts.CohortRequestIn(min_size=MIN_SIZE, max_size=MAX_SIZE, seed=seed,
                                              focus=focus)  # fmt: skip
            plan = cohorts.plan(db, masterclass_id, request)
            groups = [[position[m["response_id"]] for m in c["members"]] for c in plan.cohorts]
            flagged = sum(m["poor_fit"] for c in plan.cohorts for m in c["members"])
            record(f"service, focus {focus}", groups, flagged)
            sizes = sizes or [len(g) for g in groups]
        record("random groups", random_groups(len(stored), sizes, seed))
        record("size-constrained k-means, sentence vectors",
               constrained_kmeans(sentence, sizes, seed))  # fmt: skip
        record("size-constrained k-means, TF-IDF", constrained_kmeans(tfidf, sizes, seed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    seeds = range(args.seeds)
    sets = masterclasses(args.set)
    results = [run(mc, f"{args.set}-{k}", seeds) for k, mc in enumerate(sets)]
    methods = list(results[0])
    print(f"### Cohort purity, {args.set} set ({len(sets)} masterclass(es); min_size {MIN_SIZE}, "
          f"max_size {MAX_SIZE}; seeds 0–{args.seeds - 1})\n")  # fmt: skip
    per_mc = " | ".join(f"mc {k + 1}" for k in range(len(sets)))
    if args.set == "blind":  # purity only
        print(f"| method | mean purity | worst seed | {per_mc} |")
        print("|---|---|---|" + "---|" * len(sets))
        for method in methods:
            means = [float(np.mean(r[method]["purity"])) for r in results]
            worst = min(min(r[method]["purity"]) for r in results)
            cells = " | ".join(f"{m:.3f}" for m in means)
            print(f"| {method} | {np.mean(means):.3f} | {worst:.3f} | {cells} |")
        return
    print(f"| method | mean purity | worst seed | {per_mc} | competitor pairs together | "
          "cohorts over capacity | respondents flagged |")  # fmt: skip
    print("|---|---|---|" + "---|" * len(sets) + "---|---|---|")
    for method in methods:
        means = [float(np.mean(r[method]["purity"])) for r in results]
        worst = min(min(r[method]["purity"]) for r in results)
        cells = " | ".join(f"{m:.3f}" for m in means)
        together = sum(r[method]["together"] for r in results)
        oversize = sum(r[method]["oversize"] for r in results)
        flagged = sum(r[method]["flagged"] for r in results)
        print(f"| {method} | {np.mean(means):.3f} | {worst:.3f} | {cells} | {together} | "
              f"{oversize} | {flagged} |")  # fmt: skip
    flagged = sum(d["flagged"] for d in DETECTOR)
    print(
        f"\nCompetitor pairs the service keeps apart: {flagged} of "
        f"{sum(d['pairs'] for d in DETECTOR)} pairs, {sum(d['found'] for d in DETECTOR)} of the "
        f"{sum(d['labelled'] for d in DETECTOR)} labelled competitor pairs among them."
    )
    readers = answer_readers.load()
    print("\nAnswer readers, cross-validated on their training data:", readers.report)


if __name__ == "__main__":
    main()
