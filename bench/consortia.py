"""Benchmark of consortia for a call on real Danish ERDF projects, against TF-IDF and random.

Run: .venv/bin/python bench/consortia.py [--limit N] [--count 3]

Each project with 3–5 participants (lead + partners) whose every participant also takes part
in another project is held out in turn. Every organisation gets a profile built from the
titles and descriptions of its OTHER projects (the held-out one left out); the held-out
project's title and description are the call. `matchmaker.grouping.consortia` proposes
`--count` consortia of 3–5 from all organisations; the score is the recall of the project's
real participants among the firms of the proposed consortia (and in the best one).
Baselines in the same run pick as many organisations as the consortia hold: the top of a
TF-IDF ranking of the profiles against the call, the top of the match index's relevance to
the whole call (no coverage, no consortium rules), and random organisations.
The first 40 held-out projects (dev) choose between the search's settings (VARIANTS, run
side by side); the other 129 (test) only report. Results: bench/README.md.

Data: ../shared/data/erdf-dk/projects.csv (see its README). The lexical vocabulary and the
calibration of the index, like the TF-IDF baseline's vocabulary, are fitted once on profiles
of all projects; the organisations' vectors are those of their profiles without the held-out
project.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from representations import normalize_org  # noqa: E402

from matchmaker import matching  # noqa: E402
from matchmaker.grouping import consortia  # noqa: E402
from matchmaker.store import db as store  # noqa: E402

ERDF_CSV = REPO.parent / "shared" / "data" / "erdf-dk" / "projects.csv"
BENCH_DB = Path(tempfile.gettempdir()) / "matchmaker-bench-consortia.sqlite3"
MAX_PROFILE_CHARS = 5000
SPLITS = ("dev", "test")
DEV_PROJECTS = 40  # the first held-out projects choose the settings; the rest only report
VARIANTS = {
    "default (lexical only)": consortia.DEFAULT_SETTINGS,
    "the index's representation mix": consortia.Settings(weights=None),
    "lexical only, relevance weight 1": consortia.Settings(relevance_share=1.0),
    "model + lexical, no structure": consortia.Settings(
        weights=(("model", 0.3), ("lexical", 0.7), ("structured", 0.0))
    ),
}
DEFAULT = "default (lexical only)"
BIG_BODY_PROJECTS = 10  # organisations in this many projects or more count as big bodies
_KNOWLEDGE = re.compile(
    r"universitet|university|professionshøjskole|erhvervsakademi|university college|"
    r"teknologisk institut|forskning|institut for|videncenter|\bgts\b|\bdtu\b|\baau\b|\bsdu\b"
)


def projects(path: Path = ERDF_CSV) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        names = [r["lead"]] + [p for p in (r["partners"] or "").split(" | ") if p.strip()]
        seen: dict[str, str] = {}
        for name in names:
            key = normalize_org(name)
            if key:
                seen.setdefault(key, name.strip())
        r["participants"] = seen
    return rows


def profile_text(org: str, by_org: dict, skip: str | None) -> str:
    """An organisation's text: its projects' titles and descriptions, one left out."""
    parts = [f"{p['title']}. {p['description']}" for p in by_org[org] if p["id"] != skip]
    return "\n".join(parts)[:MAX_PROFILE_CHARS]


def region_of(org: str, by_org: dict) -> str:
    regions = Counter(p["region"] for p in by_org[org] if p["region"])
    found = regions.most_common(1)[0][0] if regions else ""
    return found if found in ("Nordjylland", "Midtjylland", "Syddanmark", "Sjælland",
                              "Hovedstaden") else "Hovedstaden"  # fmt: skip


def load_store(db, orgs: list[str], names: dict, by_org: dict) -> dict[str, int]:
    """The organisations as consenting profiles (plain inserts; vectors stay cached)."""
    with db.atomic():
        db.execute("DELETE FROM companies")
        db.execute("DELETE FROM company_changes")
        db.execute("DELETE FROM pair_rules")
        ids = {}
        for org in orgs:
            kind = "knowledge_institution" if _KNOWLEDGE.search(org) else "company"
            row = {
                "name": names[org], "region": region_of(org, by_org), "kind": kind,
                "description": profile_text(org, by_org, None), "offers": "", "needs": "",
                "markets": "[]", "language": "da", "consent": 1,
                "edit_token_hash": secrets.token_hex(16),
            }  # fmt: skip
            ids[org] = db["companies"].insert(row).last_pk
            db["company_changes"].insert({"company_id": ids[org], "op": "insert"})
    return ids


def set_texts(db, ids: dict, orgs, by_org: dict, skip: str | None) -> None:
    with db.atomic():
        for org in orgs:
            db["companies"].update(ids[org], {"description": profile_text(org, by_org, skip)})
            db["company_changes"].insert({"company_id": ids[org], "op": "update"})


def recall(real: set, picked) -> float:
    return len(real & set(picked)) / len(real)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="held-out projects (0: all)")
    parser.add_argument("--count", type=int, default=3, help="consortia per call")
    parser.add_argument("--data", default=str(ERDF_CSV), help="the ERDF projects.csv")
    parser.add_argument("--only", action="append", help="variants to run beside the default")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = projects(args.data)
    by_org: dict[str, list] = defaultdict(list)
    names: dict[str, str] = {}
    for r in rows:
        for key, name in r["participants"].items():
            by_org[key].append(r)
            names.setdefault(key, name)
    held = [r for r in rows if 3 <= len(r["participants"]) <= 5
            and all(len(by_org[o]) >= 2 for o in r["participants"])]  # fmt: skip
    if args.limit:
        held = held[: args.limit]
    orgs = sorted(by_org)
    big = {o for o in orgs if len(by_org[o]) >= BIG_BODY_PROJECTS}
    db = store.connect(BENCH_DB)
    ids = load_store(db, orgs, names, by_org)
    org_of = {v: k for k, v in ids.items()}
    started = time.perf_counter()
    index = matching.MatchIndex(refit_share=1e9).fit(db)
    print(f"index of {len(index)} organisations in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)  # fmt: skip
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.5)
    tfidf.fit([profile_text(o, by_org, None) for o in orgs])
    rng = np.random.default_rng(0)
    results: dict[str, dict[str, list[float]]] = {split: defaultdict(list) for split in SPLITS}
    sizes, seconds = [], []
    for n, project in enumerate(held, 1):
        split = "dev" if n <= DEV_PROJECTS else "test"
        res = results[split]
        real = set(project["participants"])
        small = real - big
        set_texts(db, ids, real, by_org, project["id"])
        index = index.refreshed(db)
        call = f"{project['title']}. {project['description']}"
        request = consortia.parse_request({"call": call, "count": args.count})
        covers = {}
        for settings in (consortia.Settings(weights=None), *VARIANTS.values()):
            if settings.weights not in covers:
                covers[settings.weights] = consortia.call_coverage(
                    index, call, db=db, weights=settings.weights
                )
        cover = covers[None]  # the index's own relevance, a baseline
        k = 0
        for name, settings in VARIANTS.items():
            if args.only and name not in (DEFAULT, *args.only):
                continue
            t0 = time.perf_counter()
            found = consortia.propose_for_call(index, request, db=db, settings=settings,
                                               cover_all=covers[settings.weights])  # fmt: skip
            if name == DEFAULT:
                seconds.append(time.perf_counter() - t0)
            groups = [[org_of[m["id"]] for m in c["members"]] for c in found["consortia"]]
            picked = list(dict.fromkeys(o for g in groups for o in g))
            k = k or max(len(picked), 1)  # baselines pick as many as the default proposes
            if name == DEFAULT:
                sizes.append(len(picked))
            score(res, name, real, small, picked)
            res[name + "/best"].append(max((recall(real, g) for g in groups), default=0.0))
            res[name + "/pair"].append(float(any(len(real & set(g)) >= 2 for g in groups)))
        texts = [profile_text(o, by_org, project["id"]) for o in orgs]
        sims = (tfidf.transform(texts) @ tfidf.transform([call]).T).toarray().ravel()
        score(res, "tfidf", real, small, [orgs[i] for i in np.argsort(-sims, kind="stable")[:k]])
        ranked = np.argsort(-cover.relevance, kind="stable")[:k]
        score(res, "relevance", real, small, [org_of[cover.ids[i]] for i in ranked])
        rand = [orgs[i] for i in rng.choice(len(orgs), size=k, replace=False)]
        score(res, "random", real, small, rand)
        set_texts(db, ids, real, by_org, None)
        index = index.refreshed(db)
        if n % 10 == 0:
            print(f"{n}/{len(held)} {split}: default {np.mean(res[DEFAULT]):.3f} "
                  f"tfidf {np.mean(res['tfidf']):.3f}", file=sys.stderr)  # fmt: skip
    print(
        f"### Consortia for a call: recall of the real participants (held-out ERDF projects "
        f"with 3–5 participants, {len(orgs)} organisations, {args.count} consortia of 3–5 "
        f"per call, {np.mean(sizes):.1f} distinct organisations proposed per call by the "
        "default; the baselines pick as many)\n"
    )
    run = [n for n in VARIANTS if not args.only or n in (DEFAULT, *args.only)]
    labels = {f"consortia, {name}": name for name in run} | {
        "match index, relevance to the call (top k)": "relevance",
        "TF-IDF ranking (top k)": "tfidf", "random (k)": "random"}  # fmt: skip
    for split in SPLITS:
        res = results[split]
        if not res:
            continue
        print(f"{split} ({len(res['tfidf'])} projects)\n")
        print(
            "| method | recall, all participants | recall, without big bodies | "
            "a consortium with 2+ real participants | recall of the best consortium |"
        )
        print("| --- | ---: | ---: | ---: | ---: |")
        for label, key in labels.items():
            extra = (f"{np.mean(res[key + '/pair']):.3f} | {np.mean(res[key + '/best']):.3f}"
                     if key in run else "– | –")  # fmt: skip
            print(
                f"| {label} | {np.mean(res[key]):.3f} | {np.mean(res[key + '_small']):.3f} "
                f"| {extra} |"
            )
        print()
    print(
        f"'Big bodies': organisations in {BIG_BODY_PROJECTS}+ projects ({len(big)}); the "
        "'without' column counts only the other participants. Median time per call (after "
        f"the call's coverage) {np.median(seconds):.2f} s."
    )


def score(res: dict, name: str, real: set, small: set, picked: list) -> None:
    res[name].append(recall(real, picked))
    if small:
        res[name + "_small"].append(recall(small, picked))


if __name__ == "__main__":
    main()
