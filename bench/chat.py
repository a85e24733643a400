"""Chat benchmark: intent accuracy and entity F1 on held-out utterances never used for training.

    .venv/bin/python -m bench.chat [--errors]
    .venv/bin/python -m bench.chat --set blind       # scores only

`--set blind` reads `bench/data/blind_chat/`: turns and a gazetteer written by a helper that saw
no code, lexicon or data of this repo (its README says how); its misses are never printed. The
same run scores two baselines on the same turns: the most frequent training intent, and a plain
word TF-IDF + linear SVM trained on the same utterances (no name masking, no calibration).

The gazetteer's firms and masterclasses are stored in a temporary SQLite store, so the real
extractor (fuzzy names against the store) is measured. The classifier is the one in
`models/intents.joblib`, trained from `data/chat/utterances.csv` only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from matchmaker.chat import entities, intents
from matchmaker.reference.regions import REGIONS
from matchmaker.store import db as store
from matchmaker.store import profiles, questionnaires

DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "heldout": (DATA / "chat_heldout.jsonl", DATA / "chat_gazetteer.json"),
    "dev": (DATA / "dev_chat" / "turns.jsonl", DATA / "dev_chat" / "gazetteer.json"),
    "blind": (DATA / "blind_chat" / "turns.jsonl", DATA / "blind_chat" / "gazetteer.json"),
}
ENTITY_TYPES = ("firms", "count", "region", "sector", "masterclass", "format")


def load_store(path: Path, gazetteer: dict):
    """A store holding the gazetteer's firms and masterclasses (minimal valid profiles)."""
    db = store.connect(path)
    for i, name in enumerate(gazetteer["firms"]):
        profiles.create(
            db,
            {
                "name": name,
                "region": REGIONS[i % len(REGIONS)],
                "kind": "company",
                "description": name,
                "consent": True,
            },
        )
    for title in gazetteer["masterclasses"]:
        questionnaires.create_masterclass(db, {"title": title, "theme": title, "capacity": 20})
    return db


def _items(kind: str, value) -> set:
    if value in (None, [], ""):
        return set()
    if kind == "firms":
        return {str(v) for v in value}
    if kind == "count" and isinstance(value, list | tuple):
        return {str(list(value))}  # a range [low, high]
    return {str(value)}


def predicted_entities(found: entities.Entities) -> dict:
    """The extractor's answer in the held-out file's shape (names and titles)."""
    firms = [f["name"] for f in found.firms]
    firms += [a["candidates"][0]["name"] for a in found.ambiguous]
    # The sets' writers label every number asked for as its count, a group size too.
    count = found.count if found.count is not None else found.size
    if count is not None and found.count_min is not None and found.count_min != count:
        count = [found.count_min, count]
    return {
        "firms": firms,
        "count": count,
        "region": found.region,
        "sector": found.sector,
        "masterclass": (found.masterclass or {}).get("title"),
        "format": found.format,
    }


def baselines(rows: list[dict]) -> dict[str, float]:
    """Intent accuracy of the most frequent training intent and of plain word TF-IDF + SVM."""
    texts, labels = intents.read_utterances()
    majority = Counter(labels).most_common(1)[0][0]
    plain = make_pipeline(TfidfVectorizer(sublinear_tf=True), LinearSVC(C=1.0))
    plain.fit(texts, labels)
    predicted = plain.predict([row["text"] for row in rows])
    return {
        "majority": sum(row["intent"] == majority for row in rows) / len(rows),
        "tfidf_svm": sum(p == row["intent"] for p, row in zip(predicted, rows, strict=True))
        / len(rows),
    }


def run(show_errors: bool = False, which: str = "heldout") -> dict:
    turns, gazetteer_path = SETS[which]
    rows = [json.loads(line) for line in turns.read_text(encoding="utf-8").splitlines() if line]
    gazetteer = json.loads(gazetteer_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        db = load_store(Path(tmp) / "bench.sqlite3", gazetteer)
        gaz = entities.Gazetteer.from_db(db)
        model = intents.load()
        started = time.perf_counter()
        predictions, extracted = [], []
        for row in rows:
            # As the chat does it: firm names first, masked for the classifier.
            mentions = entities.find_firms(row["text"], gaz)
            pred = intents.classify(row["text"], [(m.start, m.end) for m in mentions])
            found = entities.extract(row["text"], gaz, intent=pred.intent, mentions=mentions)
            predictions.append(pred)
            extracted.append(predicted_entities(entities.for_intent(found, pred.intent)))
        elapsed = time.perf_counter() - started
        db.close()
    del model
    per_intent, totals = Counter(), Counter()
    tp, fp, fn = Counter(), Counter(), Counter()
    errors = []
    for row, pred, ents in zip(rows, predictions, extracted, strict=True):
        totals[row["intent"]] += 1
        if pred.intent == row["intent"]:
            per_intent[row["intent"]] += 1
        else:
            errors.append(f"intent {row['intent']} → {pred.intent}: {row['text']}")
        gold = row.get("entities", {})
        for kind in ENTITY_TYPES:
            want, got = _items(kind, gold.get(kind)), _items(kind, ents.get(kind))
            tp[kind] += len(want & got)
            fp[kind] += len(got - want)
            fn[kind] += len(want - got)
            if want != got:
                errors.append(f"{kind}: want {sorted(want)} got {sorted(got)}: {row['text']}")
    report = {
        "set": which,
        "baselines": baselines(rows),
        "utterances": len(rows),
        "intent_accuracy": sum(per_intent.values()) / len(rows),
        "per_intent": {
            k: (per_intent[k] / totals[k], totals[k]) for k in intents.INTENTS if totals[k]
        },
        "entity_f1": {},
        "ms_per_message": 1000 * elapsed / len(rows),
    }
    for kind in (*ENTITY_TYPES, "all"):
        t, p_, n = (
            (sum(tp.values()), sum(fp.values()), sum(fn.values()))
            if kind == "all"
            else (tp[kind], fp[kind], fn[kind])
        )
        precision = t / (t + p_) if t + p_ else 1.0
        recall = t / (t + n) if t + n else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report["entity_f1"][kind] = (precision, recall, f1, t + n)
    report["errors"] = errors
    _print(report, show_errors)
    return report


def _print(report: dict, show_errors: bool) -> None:
    print(f"Chat benchmark: {report['utterances']} utterances of the {report['set']} set")
    print(f"\nIntent accuracy: {report['intent_accuracy']:.3f}", end="  ")
    shown = ", ".join(f"{k} {v:.3f}" for k, v in report["baselines"].items())
    print(f"(baselines: {shown})\n")
    print(f"| {'intent':<17}| accuracy | n   |")
    print(f"|{'-' * 18}|----------|-----|")
    for intent, (acc, n) in report["per_intent"].items():
        print(f"| {intent:<17}| {acc:8.3f} | {n:3d} |")
    print(f"\n| {'entity':<12}| precision | recall | F1    | gold |")
    print(f"|{'-' * 13}|-----------|--------|-------|------|")
    for kind, (p, r, f1, n) in report["entity_f1"].items():
        print(f"| {kind:<12}| {p:9.3f} | {r:6.3f} | {f1:.3f} | {n:4d} |")
    print(f"\n{report['ms_per_message']:.1f} ms per message (intent + entities)")
    if show_errors:
        print("\nErrors:")
        for line in report["errors"]:
            print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss")
    parser.add_argument("--set", choices=sorted(SETS), default="heldout", dest="which")
    args = parser.parse_args(argv)
    if args.errors and args.which == "blind":
        parser.error("the blind set is read as scores only: --errors is refused")
    run(show_errors=args.errors, which=args.which)
    return 0


if __name__ == "__main__":
    sys.exit(main())
