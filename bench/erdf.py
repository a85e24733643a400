"""Real consortia: recover held-out ERDF projects' partners from the organisations' other work.

Run: .venv/bin/python -m bench.erdf [--projects 80] [--seed 0] [--splits 0 1 2] [--save F.json]
     .venv/bin/python -m bench.erdf --pool A.json B.json   # pool the splits of earlier runs
     .venv/bin/python -m bench.erdf --write-training   # data/training/coparticipation_erdf.json

Protocol (real Danish text nobody on the team wrote, ../shared/data/erdf-dk/projects.csv, or
the file named by MATCHMAKER_ERDF_CSV): the projects fall into three parts by a hash of their
id (`matching.coparticipation.evaluation_split`); part 0 is evaluated, the others are the
training file of the shipped likeness model. From the evaluated part, hold out up to N projects
of 3–5 participants whose every participant also takes part in another project; give each
organisation a profile built from the title and description of its *other* projects only
(held-out projects are left out of every profile, cut at 5,000 characters as the API's
description field is); ask for the lead's partners (limit 10) among all organisations; score
recall@10 of the project's real partners. Baselines in the same run on the same profiles:
TF-IDF over character 3–5-grams and over stemmed words, popularity (most projects first) and
random. Reported with and without the organisations in more than 8 projects, with the paired
difference service − best TF-IDF and its bootstrap 95 % interval.

With `--splits 1 2` the evaluated part rotates: the likeness model is re-fitted on the other
parts (the shipped partner and competitor models are kept) and the split's own projects are
judged, so over 0, 1 and 2 every eligible project is judged once by a model that never saw it;
the paired differences are then pooled over the splits.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from bench.representations import normalize_org, table
from matchmaker.matching import coparticipation, partner_suggestions, training
from matchmaker.matching.index import default_scorer
from matchmaker.store import db as store

REPO = Path(__file__).resolve().parent.parent
ERDF_CSV = Path(
    os.environ.get("MATCHMAKER_ERDF_CSV")
    or REPO.parent / "shared" / "data" / "erdf-dk" / "projects.csv"
)
CACHE_DB = Path(tempfile.gettempdir()) / "matchmaker-bench-vectors.sqlite3"
K = 10
BIG = 8


def read_projects() -> list[dict]:
    with ERDF_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        names = [r["lead"]] + [p for p in (r["partners"] or "").split(" | ") if p.strip()]
        seen = {}
        for name in names:
            seen.setdefault(normalize_org(name), name.strip())
        r["orgs"] = [k for k in seen if k]
        r["names"] = seen
    return rows


def held_out(rows: list[dict], n: int, seed: int, split: int) -> list[dict]:
    """Up to n projects of the evaluated part `split` with 3–5 participants, each of whom
    takes part in another project."""
    count = Counter(o for r in rows for o in r["orgs"])
    eligible = [
        r
        for r in rows
        if coparticipation.evaluation_split(r["id"]) == split
        and 3 <= len(r["orgs"]) <= 5
        and all(count[o] >= 2 for o in r["orgs"])
    ]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(eligible), size=min(n, len(eligible)), replace=False)
    return [eligible[i] for i in sorted(pick)]


def profiles(rows: list[dict], hidden: set[str]) -> dict[str, dict]:
    """Per organisation a profile from its projects outside `hidden`."""
    return coparticipation.organisation_profiles(rows, hidden)


def scorer_for(rows: list[dict], split: int, cache):
    """The shipped scorer for the shipped split; for another, its likeness model re-fitted
    on the projects outside that split (the same code as `train-matcher`)."""
    scorer = default_scorer()
    if split == coparticipation.EVALUATED:
        return scorer
    scorer = copy.deepcopy(scorer)
    train = [strip(r) for r in coparticipation.training_projects(rows, split)]
    return training.fit_likeness(scorer, train, cache)


def strip(r: dict) -> dict:
    """A project as the co-participation file holds it."""
    keys = ("id", "title", "description", "region", "orgs", "names")
    return {k: r[k] for k in keys}


def write_training(rows: list[dict]) -> Path:
    """The shipped split's training projects (never the evaluated part) as a data file."""
    train = [strip(r) for r in coparticipation.training_projects(rows)]
    data = {
        "about": (
            "ERDF projects in Denmark (public list of beneficiaries, Danish Business Authority) "
            "outside the evaluated part (matching.coparticipation.evaluation_split != "
            f"{coparticipation.EVALUATED}); organisation keys are folded names."
        ),
        "projects": train,
    }
    path = training.COPARTICIPATION
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return path


def recall(found: list[str], truth: set[str]) -> float:
    return len(set(found[:K]) & truth) / len(truth)


def run(n_projects: int, seed: int, split: int = coparticipation.EVALUATED):
    """The tables of one split, and per scope the per-project recalls."""
    rows = read_projects()
    test = held_out(rows, n_projects, seed, split)
    firms = profiles(rows, {r["id"] for r in test})
    cache = store.connect(CACHE_DB)
    scorer = scorer_for(rows, split, cache)
    index, keys = training.index_firms(list(firms.values()), cache, scorer)
    key_of = dict(zip(index.ids(), keys, strict=True))
    id_of = {k: c for c, k in key_of.items()}
    count = Counter(o for r in rows for o in r["orgs"])
    popularity = sorted(keys, key=lambda o: (-count[o], o))
    pos = {k: i for i, k in enumerate(keys)}
    mats = coparticipation.lexical_baselines([firms[k]["description"] for k in keys])
    rng = np.random.default_rng(seed)
    results: dict[str, dict[str, list[float]]] = {
        "all": defaultdict(list),
        "small": defaultdict(list),
    }
    for r in test:
        lead = r["orgs"][0]
        if lead not in pos:
            continue
        for scope in ("all", "small"):
            allowed = {k for k in keys if scope == "all" or count[k] <= BIG}
            truth = {o for o in r["orgs"][1:] if o in pos and o in allowed}
            if not truth or (scope == "small" and count[lead] > BIG):
                continue

            def top(order, allowed=allowed, lead=lead):
                return [o for o in order if o != lead and o in allowed][:K]

            res = results[scope]
            for mode in ("similar", "complementary"):
                found = partner_suggestions(index, id_of[lead], limit=K + 60, mode=mode)
                res[f"service ({mode})"].append(recall(top([key_of[s.id] for s in found]), truth))
            for name, m in mats.items():
                sims = (m[pos[lead]] @ m.T).toarray()[0]
                order = [keys[i] for i in np.argsort(-sims, kind="stable")]
                res[f"TF-IDF {name}"].append(recall(top(order), truth))
            res["popularity"].append(recall(top(popularity), truth))
            res["random"].append(recall(top(list(rng.permutation(keys))), truth))
    out = []
    n_big = sum(c > BIG for c in count.values())
    for scope, res in results.items():
        rows_ = [[name, float(np.mean(v)), len(v)] for name, v in res.items()]
        rows_ += difference_rows(res, rng)
        label = (
            "all organisations" if scope == "all" else f"without the {n_big} in > {BIG} projects"
        )
        title = (
            f"ERDF consortium recovery, split {split}, recall@{K} ({label}; "
            f"{len(firms)} organisations)"
        )
        out.append(table(title, ["method", f"recall@{K}", "projects"], rows_))
    return "\n\n".join(out), results


def difference_rows(res: dict[str, list[float]], rng) -> list[list]:
    """Paired difference service − best TF-IDF (by mean) per mode, with a bootstrap 95 %
    interval over projects."""
    best = max(("TF-IDF chars", "TF-IDF words"), key=lambda n: np.mean(res[n]))
    out = []
    for mode in ("similar", "complementary"):
        diff = np.array(res[f"service ({mode})"]) - np.array(res[best])
        boots = [rng.choice(diff, size=diff.size).mean() for _ in range(2000)]
        lo, hi = np.percentile(boots, [2.5, 97.5])
        out.append([f"paired difference service ({mode}) − {best}",
                    f"{diff.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]", len(diff)])  # fmt: skip
    return out


def pooled(per_split: list[dict], seed: int) -> str:
    """Recalls and paired differences pooled over the splits (each project judged once)."""
    rng = np.random.default_rng(seed)
    out = []
    for scope in ("all", "small"):
        res: dict[str, list[float]] = defaultdict(list)
        for results in per_split:
            for name, v in results[scope].items():
                res[name] += v
        rows_ = [[name, float(np.mean(v)), len(v)] for name, v in res.items()]
        rows_ += difference_rows(res, rng)
        label = "all organisations" if scope == "all" else f"without those in > {BIG} projects"
        title = f"ERDF consortium recovery, pooled over the splits, recall@{K} ({label})"
        out.append(table(title, ["method", f"recall@{K}", "projects"], rows_))
    return "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=80)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", type=int, nargs="+", default=[coparticipation.EVALUATED])
    parser.add_argument("--write-training", action="store_true", help="write the training file")
    parser.add_argument("--save", type=Path, help="also write the per-project recalls (JSON)")
    parser.add_argument(
        "--pool", type=Path, nargs="+", help="pool the recalls saved by earlier runs, run none"
    )
    args = parser.parse_args()
    if args.write_training:
        print(f"written: {write_training(read_projects())}", flush=True)
        return
    if args.pool:
        saved = [s for path in args.pool for s in json.loads(path.read_text(encoding="utf-8"))]
        print(pooled(saved, args.seed), flush=True)
        return
    per_split = []
    for split in args.splits:
        text, results = run(args.projects, args.seed, split)
        print(text + "\n", flush=True)
        per_split.append(results)
    if args.save:
        args.save.write_text(json.dumps(per_split), encoding="utf-8")
    if len(per_split) > 1:
        print(pooled(per_split, args.seed), flush=True)


if __name__ == "__main__":
    main()
