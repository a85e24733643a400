"""Benchmark of representations and partner suggestions: ERDF hit@5, eval recall@5, speed.

Run: .venv/bin/python bench/representations.py [--only erdf|eval|speed]
"""

from __future__ import annotations

import argparse
import copy
import csv
import http.client
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from matchmaker.matching import (  # noqa: E402
    MatchIndex,
    kept_scores,
    pair_score_matrix,
    partner_suggestions,
    top_candidates,
)
from matchmaker.reference.lexicon import default_lexicon  # noqa: E402
from matchmaker.reference.text import clauses  # noqa: E402
from matchmaker.representation.clauses import CLAUSE_PARTS, clause_texts  # noqa: E402
from matchmaker.representation.embedding import (  # noqa: E402
    HybridEncoder,
    LexicalEncoder,
    SentenceEncoder,
    profile_texts,
)
from matchmaker.store import db as store  # noqa: E402

ERDF_CSV = REPO.parent / "shared" / "data" / "erdf-dk" / "projects.csv"
EVAL_JSON = REPO / "data" / "training" / "partners_dev.json"
CACHE_DB = Path(tempfile.gettempdir()) / "matchmaker-bench-vectors.sqlite3"
K = 5

_LEGAL = re.compile(r"\b(a/s|aps|i/s|p/s|amba|a\.m\.b\.a|smba|s\.m\.b\.a|ivs|k/s)\b")


def normalize_org(name: str) -> str:
    """Organisation name folded for comparison: case, punctuation and legal forms removed."""
    name = unicodedata.normalize("NFKC", name or "").lower().replace("&", " og ")
    name = _LEGAL.sub(" ", name)
    name = re.sub(r"[^\w]+", " ", name)
    return " ".join(name.split())


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A Markdown table with a title line."""
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        cells = [f"{c:.3f}" if isinstance(c, float) else str(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def with_weights(encoder: HybridEncoder, weights: dict) -> HybridEncoder:
    """A fitted encoder's copy that combines its representations with other weights."""
    return copy.copy(encoder).set_params(weights=weights)


# --- a. ERDF: same-lead projects ---------------------------------------------------------


def erdf_profiles() -> list[dict]:
    """ERDF projects as profiles (title + description as text; region as structure)."""
    with ERDF_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "id": r["id"],
            "lead": normalize_org(r["lead"]),
            "description": f"{r['title']}\n{r['description']}",
            "region": r["region"],
            "kind": "company",
        }
        for r in rows
    ]


def hit_at_k(scores: np.ndarray, labels: list[str], k: int = K) -> float:
    """Share of items (whose label occurs twice or more) with a same-label item in their top k."""
    labels_arr = np.asarray(labels)
    counts = {lab: labels.count(lab) for lab in set(labels)}
    scores = scores.copy()
    np.fill_diagonal(scores, -np.inf)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hits = [
        bool((labels_arr[top[i]] == labels[i]).any())
        for i in range(len(labels))
        if counts[labels[i]] >= 2
    ]
    return float(np.mean(hits))


def bench_erdf(db) -> str:
    profiles = erdf_profiles()
    labels = [p["lead"] for p in profiles]
    n_q = sum(labels.count(lab) >= 2 for lab in labels)
    full = HybridEncoder(weights={"model": 1, "lexical": 1, "structured": 1})
    vectors = full.fit_transform(profiles, db=db, show_progress=True)

    def score(encoder, vecs):
        return hit_at_k(encoder.similarity(vecs, vecs, "profile", "profile"), labels)

    rows = []
    plain = HybridEncoder(weights={"model": 1}, gloss_concepts=False, center_languages=False)
    rows.append(["model only (raw text)", score(plain, plain.fit_transform(profiles, db=db))])
    raw = HybridEncoder(weights={"model": 1}, center_languages=False)
    rows.append(["model only, lexicon gloss", score(raw, raw.fit_transform(profiles, db=db))])
    settings = [
        ("model only, gloss + language centring (default)", {"model": 1}),
        ("lexical only (words + concepts + char n-grams, default)", {"lexical": 1}),
        ("structured only (region)", {"structured": 1}),
    ]
    for name, w in settings:
        rows.append([name, score(with_weights(full, w), vectors)])
    lexical_variants = [
        ("lexical: stemmed words only", LexicalEncoder(concept_weight=0, char_weight=0)),
        ("lexical: words + concepts", LexicalEncoder(char_weight=0)),
        ("lexical: words + char n-grams", LexicalEncoder(concept_weight=0)),
    ]
    for name, lex in lexical_variants:
        enc = HybridEncoder(weights={"lexical": 1}, lexical=lex)
        rows.append([name, score(enc, enc.fit_transform(profiles))])
    for w in ERDF_WEIGHTS:
        label = "combined " + ", ".join(f"{k} {v:.2f}" for k, v in w.items())
        rows.append([label, score(with_weights(full, w), vectors)])
    return table(
        f"ERDF hit@{K} of a same-lead project ({n_q} queries among {len(profiles)} projects)",
        ["representation", f"hit@{K}"],
        rows,
    )


# --- b. Labelled Danish eval set: known network partners ----------------------------------


def load_eval() -> dict | None:
    """The labelled eval set, or None while it is not written yet."""
    if not EVAL_JSON.exists():
        return None
    return json.loads(EVAL_JSON.read_text(encoding="utf-8"))


def eval_store(data: dict, path: Path):
    """A fresh store holding the eval firms (consenting), as plain inserts; key → id."""
    if path.exists():
        path.unlink()
    db = store.connect(path)
    keys = {}
    columns = set(db["companies"].columns_dict)
    with db.atomic():
        for i, firm in enumerate(data["firms"]):
            row = {k: v for k, v in firm.items() if k in columns}
            row["markets"] = json.dumps(firm.get("markets") or [], ensure_ascii=False)
            row.update(consent=1, edit_token_hash=f"bench-{i}")
            keys[firm["key"]] = db["companies"].insert(row).last_pk
    return db, keys


def copy_cache(source, target) -> None:
    """Share the sentence vectors already computed with another store."""
    rows = source.execute("SELECT key, model, dim, vector FROM vectors").fetchall()
    with target.atomic():
        target["vectors"].upsert_all(
            [dict(zip(("key", "model", "dim", "vector"), r, strict=True)) for r in rows], pk="key"
        )


def partner_truth(data: dict, keys: dict) -> tuple[dict, set]:
    """Known network partners per firm id, and competitor pairs as id pairs."""
    partners: dict[int, set] = {}
    for net in data["networks"]:
        members = [keys[m] for m in net["members"]]
        for m in members:
            partners.setdefault(m, set()).update(x for x in members if x != m)
    competitors = {frozenset((keys[c["a"]], keys[c["b"]])) for c in data["competitors"]}
    return partners, competitors


def eval_scores(index, db, partners: dict, competitors: set, **kwargs) -> tuple[float, float]:
    """Mean recall@5 of known partners, and the share of suggestions that are competitors."""
    recalls, suggested, bad = [], 0, 0
    for cid, truth in sorted(partners.items()):
        found = [s.id for s in partner_suggestions(index, cid, limit=K, db=db, **kwargs)]
        recalls.append(len(truth & set(found)) / len(truth))
        suggested += len(found)
        bad += sum(frozenset((cid, f)) in competitors for f in found)
    return float(np.mean(recalls)), bad / max(suggested, 1)


def flagged_share(index, db, competitors: set) -> str:
    """How many known competitor pairs the index flags, and how many pairs it flags in all."""
    pool = pair_score_matrix(index, db=db)
    pos = {c: i for i, c in enumerate(pool.ids)}
    hits = sum(bool(pool.competitor[pos[a], pos[b]]) for a, b in map(tuple, competitors))
    return f"{hits}/{len(competitors)} (of {int(pool.competitor.sum()) // 2} flagged)"


def bench_eval(cache_db) -> str:
    data = load_eval()
    if data is None:
        return f"(eval set {EVAL_JSON.relative_to(REPO)} not there yet)"
    tmp = Path(tempfile.mkdtemp()) / "eval.sqlite3"
    db, keys = eval_store(data, tmp)
    copy_cache(cache_db, db)
    partners, competitors = partner_truth(data, keys)
    no_lexicon = LexicalEncoder(concept_weight=0)
    settings = [
        ("model only", dict(weights={"model": 1})),
        ("lexical only", dict(weights={"lexical": 1})),
        ("structured only", dict(weights={"structured": 1})),
        ("model only, no lexicon gloss", dict(weights={"model": 1}, gloss_concepts=False)),
        ("lexical only, no lexicon concepts", dict(weights={"lexical": 1}, lexical=no_lexicon)),
        ("combined (default weights)", {}),
        (
            "combined, no lexicon",
            dict(gloss_concepts=False, lexical=LexicalEncoder(concept_weight=0)),
        ),
    ]
    for w in EXTRA_WEIGHTS:
        label = "combined " + ", ".join(f"{k} {v:.2f}" for k, v in w.items())
        settings.append((label, dict(weights=w)))
    rows = []
    for name, params in settings:
        index = MatchIndex(encoder=HybridEncoder(**params)).fit(db)
        recall, share = eval_scores(index, db, partners, competitors)
        rows.append([name, recall, share, flagged_share(index, db, competitors)])
        if name.startswith("combined (default"):
            recall, share = eval_scores(index, db, partners, competitors, include_competitors=True)
            rows.append([name + ", include_competitors", recall, share, rows[-1][-1]])
    copy_cache(db, cache_db)
    return table(
        f"Eval set: recall@{K} of known network partners, complementary mode "
        f"({len(partners)} firms in {len(data['networks'])} networks, {len(data['firms'])} firms)",
        ["representation", f"recall@{K}", "competitor share", "known competitors flagged"],
        rows,
    )


EXTRA_WEIGHTS = [
    {"model": 0.5, "lexical": 0.5},
    {"model": 0.35, "lexical": 0.55, "structured": 0.10},
    {"model": 0.4, "lexical": 0.4, "structured": 0.2},
]


# --- c. Speed: embedding throughput, suggestion latency, memory ---------------------------


def sentence_pools(data: dict | None) -> dict[str, list[str]]:
    """Sentences to recombine into synthetic firms: per field, from the eval set and ERDF."""
    pools: dict[str, list[str]] = {"description": [], "offers": [], "needs": []}
    for firm in (data or {}).get("firms", []):
        for f in pools:
            text = firm.get(f) or ""
            pools[f] += [text[a:b].strip() for a, b in clauses(text) if b - a > 20]
    erdf = [
        p["description"][a:b].strip()
        for p in erdf_profiles()
        for a, b in clauses(p["description"])
        if 30 < b - a < 300
    ]
    pools["description"] += erdf[::5][:ERDF_SENTENCES]
    return pools


def synthetic_firms(n: int, data: dict | None, seed: int = 0) -> tuple[list[dict], dict]:
    """`n` firms recombining real sentences and structured fields, and each part's sentences."""
    rng = random.Random(seed)
    pools = sentence_pools(data)
    templates = (data or {}).get("firms") or [
        {"region": "Midtjylland", "nace": "62.01", "employees": 10, "kind": "company"}
    ]
    firms, sentences = [], {}
    for i in range(n):
        t = rng.choice(templates)
        description = rng.sample(pools["description"], 2)
        offers = rng.sample(pools["offers"] or pools["description"], 2)
        needs = [rng.choice(pools["needs"] or pools["description"])]
        firms.append(
            {
                "name": f"Syntetisk firma {i}",
                "employees": rng.choice(templates).get("employees") or 10,
                "region": t.get("region") or "Midtjylland",
                "city": t.get("city"),
                "sector": rng.choice(templates).get("sector"),
                "nace": t.get("nace"),
                "kind": t.get("kind") or "company",
                "description": " ".join(description),
                "offers": " ".join(offers),
                "needs": needs[0],
                "markets": rng.choice(templates).get("markets") or [],
                "language": "da",
            }
        )
        sector = [firms[-1]["sector"]] if firms[-1]["sector"] else []
        sentences[i] = {"profile": description + sector + offers, "offers": offers, "needs": needs}
    return firms, sentences


def precompute_vectors(db, firms: list[dict], sentences: dict, cache_db) -> None:
    """Store sentence vectors for the firms' text parts, each the mean of its sentences'.

    Encoding 30,000 new texts would take the CPU most of an hour; the index then reads these
    from the cache exactly as it reads vectors of stored profiles.
    """
    encoder = HybridEncoder()
    model = SentenceEncoder().fit()
    lexicon = default_lexicon()
    unique = sorted({t for parts in sentences.values() for ts in parts.values() for t in ts})
    vectors = dict(zip(unique, model.encode(unique, db=cache_db, show_progress=True), strict=True))
    rows = []
    for i, firm in enumerate(firms):
        texts = profile_texts(firm)
        for part, pieces in sentences[i].items():
            if not texts[part]:
                continue
            mean = np.mean([vectors[t] for t in pieces], axis=0)
            mean = (mean / np.linalg.norm(mean)).astype(np.float32)
            key = model._key(encoder._model_text(texts[part], lexicon))
            rows.append({"key": key, "model": model.model_name, "dim": model.dim_,
                         "vector": mean.tobytes()})  # fmt: skip
    # The clauses reasons compare, cached as `embed_stored` caches them when a firm is stored.
    pieces = sorted({c for f in firms for part in CLAUSE_PARTS for c in clause_texts(f[part])})
    found = model.encode(pieces, db=cache_db, show_progress=True)
    rows += [{"key": model._key(t), "model": model.model_name, "dim": model.dim_,
              "vector": v.tobytes()} for t, v in zip(pieces, found, strict=True)]  # fmt: skip
    with db.atomic():
        db["vectors"].upsert_all(rows, pk="key")


def insert_synthetic(db, firms: list[dict]) -> list[int]:
    with db.atomic():
        return [
            db["companies"]
            .insert(
                {
                    **f,
                    "markets": json.dumps(f["markets"], ensure_ascii=False),
                    "consent": 1,
                    "edit_token_hash": f"syn-{i}",
                }
            )
            .last_pk
            for i, f in enumerate(firms)
        ]


THROUGHPUT_FIRMS = 100
ERDF_SENTENCES = 1500


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def http_latency(path: Path, ids: list[int], queries: int) -> tuple[float, float]:
    """p50 and p95 (ms) of `GET /api/v1/companies/<id>/partners?limit=5` as a facilitator
    asks it: gunicorn (one sync worker) on loopback over the store at `path`, one client,
    one keep-alive connection, after a warm-up that builds the worker's index."""
    env = os.environ | {"MATCHMAKER_DB": str(path), "HF_HUB_OFFLINE": "1",
                        "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(REPO)}  # fmt: skip
    python = sys.executable
    added = subprocess.run(
        [python, "-m", "matchmaker", "users", "add", "--email", "speed@example.dk"],
        env=env, cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    token = added.stdout.strip().splitlines()[-1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gunicorn = [str(Path(python).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--timeout", "900", "wsgi:app"]  # fmt: skip
    log = path.with_suffix(".gunicorn.log")
    with open(log, "w") as out:
        server = subprocess.Popen(gunicorn, env=env, cwd=REPO, stdout=out, stderr=out)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    headers = {"Authorization": f"Bearer {token}"}

    def get(cid: int) -> float:
        started = time.perf_counter()
        conn.request("GET", f"/api/v1/companies/{cid}/partners?limit=5", headers=headers)
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 200 or not json.loads(body)["partners"]:
            raise SystemExit(f"partners of {cid}: HTTP {answer.status} {body[:200]!r}")
        return (time.perf_counter() - started) * 1000

    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                get(ids[0])
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"gunicorn did not come up; see {log}") from None
                time.sleep(1)
        picks = random.Random(2).sample(ids, min(queries, len(ids)))
        for cid in picks[:5]:
            get(cid)
        return percentiles([get(cid) for cid in picks])
    finally:
        conn.close()
        server.terminate()
        server.wait(timeout=60)


def suggestion_latency(db, path: Path, label: str, queries: int, http: bool) -> list[list]:
    """Index build and suggestion latency (p50/p95, ms) of one store, in-process and, with
    `http`, over HTTP."""
    ids = [r[0] for r in db.execute("SELECT id FROM companies WHERE consent = 1")]
    start = time.perf_counter()
    index = MatchIndex().fit(db)
    build = time.perf_counter() - start
    picks = random.Random(1).sample(ids, min(queries, len(ids)))
    for cid in picks[:5]:  # warm-up
        partner_suggestions(index, cid, db=db)
    kept_scores.forget()  # every firm measured is scored afresh, the warm-up ones too
    core, full, reasons = [], [], []
    for cid in picks:
        _, vectors, _ = index.query(db, cid)
        t0 = time.perf_counter()
        index.encoder_.similarity(vectors, index.vectors_, "needs", "offers")
        core.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        top_candidates(index, 5, ids=[cid], db=db)
        full.append((time.perf_counter() - t0) * 1000)
    for cid in picks:
        t0 = time.perf_counter()
        partner_suggestions(index, cid, db=db)
        reasons.append((time.perf_counter() - t0) * 1000)
    rows = [[f"{label}: index build, all vectors cached", f"{build:.1f} s"]]
    for what, values in (
        ("combined needs→offers similarity, one query", core),
        ("top-5 partners, no reasons", full),
        ("partner_suggestions with reasons, in-process", reasons),
    ):
        p50, p95 = percentiles(values)
        rows.append([f"{label}: {what}", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"])
    if http:
        p50, p95 = http_latency(path, ids, queries)
        rows.append(
            [f"{label}: GET …/partners?limit=5 over HTTP", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"]
        )
    return rows


def demo_store() -> tuple[object, Path]:
    """A temporary store with the bundled demo firms (as `python -m matchmaker demo` loads)."""
    path = Path(tempfile.mkdtemp()) / "demo.sqlite3"
    env = os.environ | {"MATCHMAKER_DB": str(path), "HF_HUB_OFFLINE": "1",
                        "PYTHONPATH": str(REPO)}  # fmt: skip
    subprocess.run([sys.executable, "-m", "matchmaker", "demo"], env=env, cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return store.connect(path), path


def bench_speed(
    cache_db, sizes=(1_000, 10_000), queries: int = 50, http: bool = True, demo: bool = True
) -> str:
    data = load_eval()
    rows = []
    # Throughput on texts nobody has cached yet: a fresh store, new firms.
    fresh = store.connect(Path(tempfile.mkdtemp()) / "fresh.sqlite3")
    sample, _ = synthetic_firms(THROUGHPUT_FIRMS, data, seed=99)
    encoder = HybridEncoder().fit(sample[:50], db=cache_db)
    for label in ("uncached", "all cached"):
        start = time.perf_counter()
        encoder.transform(sample, db=fresh)
        rate = THROUGHPUT_FIRMS / (time.perf_counter() - start)
        rows.append(
            [f"embedding throughput, {label} (3 text parts each)", f"{rate:.1f} profiles/s"]
        )
    if demo:
        db, path = demo_store()
        n = db["companies"].count
        rows += suggestion_latency(db, path, f"demo store ({n} firms)", queries, http)
    for n in sizes:
        path = Path(tempfile.mkdtemp()) / f"speed{n}.sqlite3"
        db = store.connect(path)
        firms, sentences = synthetic_firms(n, data, seed=n)
        insert_synthetic(db, firms)
        precompute_vectors(db, firms, sentences, cache_db)
        rows += suggestion_latency(db, path, f"{n:,} firms", queries, http)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(["peak RSS of the benchmark process", f"{peak:.0f} MB"])
    load = os.getloadavg()
    title = (f"Speed ({os.cpu_count()} CPU threads, CPU only; load average at the end "
             f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})")  # fmt: skip
    return table(title, ["measure", "value"], rows)


ERDF_WEIGHTS = [
    {"model": 0.5, "lexical": 0.5},
    {"model": 0.35, "lexical": 0.65},
    {"model": 0.25, "lexical": 0.75},
    {"model": 0.35, "lexical": 0.55, "structured": 0.10},
    {"model": 0.30, "lexical": 0.50, "structured": 0.20},
    {"model": 0.40, "lexical": 0.40, "structured": 0.20},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["erdf", "eval", "speed"], action="append")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000])
    parser.add_argument("--no-http", action="store_true", help="in-process latency only")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo store")
    args = parser.parse_args()
    only = set(args.only or ["erdf", "eval", "speed"])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    db = store.connect(CACHE_DB)
    SentenceEncoder().fit()
    if "erdf" in only:
        print(bench_erdf(db), flush=True)
    if "eval" in only:
        print(bench_eval(db), flush=True)
    if "speed" in only:
        print(
            bench_speed(db, sizes=args.sizes, http=not args.no_http, demo=not args.no_demo),
            flush=True,
        )


if __name__ == "__main__":
    main()
