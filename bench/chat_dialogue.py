"""Chat conversations end to end: what the chat does with each turn in its context.

    .venv/bin/python -m bench.chat_dialogue --set dev [--errors]
    .venv/bin/python -m bench.chat_dialogue --set blind          # scores only

Each set (`bench/data/conv_<set>/`) holds invented firms with profiles and conversations of
3–7 turns, written by a helper that saw no code or data of this repo (its README says how). The
firms are stored in a temporary SQLite store and embedded, and every conversation is sent turn
by turn to `POST /api/v1/chat` of the real Flask app in its own session. Scored per turn: the
intent the chat acted on (after the dialogue resolved follow-ups), and each slot the writer kept
in mind after the turn (`firm`, `firms`, `region`, `sector`, `count`, `masterclass`, `format`)
against the answer's `entities`: a slot is right when the chat holds the same value, missed
when it holds none or another, spurious when it holds one the writer did not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SLOTS = ("firm", "firms", "region", "sector", "count", "masterclass", "format")
# Slots a user must state (a count has a default): a value the writer did not keep is
# spurious, e.g. from a wrong carry-over.
CHECKED_SPURIOUS = ("region", "sector", "format")


def _store(path: Path, firms: dict) -> str:
    """A store with the set's firms (embedded) and masterclasses; a facilitator's token."""
    from matchmaker import matching
    from matchmaker.store import accounts, profiles, questionnaires
    from matchmaker.store import db as store

    db = store.connect(path)
    for firm in firms["firms"]:
        body = {k: firm[k] for k in ("name", "region", "sector", "description", "offers", "needs")}
        body |= {"employees": int(firm.get("employees") or 10), "consent": True}
        body["kind"] = "knowledge_institution" if firm.get("kind") == "knowledge" else "company"
        profiles.create(db, body)
    stored = db.execute("SELECT id, name FROM companies ORDER BY id").fetchall()
    for mc in firms.get("masterclasses", []):
        created = questionnaires.create_masterclass(
            db, {"title": mc["title"], "theme": mc.get("theme") or mc["title"], "capacity": 60}
        )
        # Every firm answers (its profile texts as answers), so cohort requests can be formed;
        # the dialogue is measured here, not the cohorts.
        for (company_id, name), firm in zip(stored, firms["firms"], strict=True):
            answer = {
                "company": name,
                "employees": int(firm.get("employees") or 10),
                "core_business": firm["description"],
                "market_now": firm["region"],
                "technology_role": firm["needs"],
                "potentials": firm["offers"],
            }
            questionnaires.add_response(db, created["id"], answer, company_id=company_id)
    ids = [r[0] for r in db.execute("SELECT id FROM companies")]
    matching.embed_stored(db, ids)
    user = accounts.add_user(db, "bench@example.dk", "facilitator")
    _, token = accounts.issue_token(db, user.id, "bench")
    db.close()
    return token


def _value(slot: str, entities: dict):
    """The answer's value of `slot` in the sets' shape (names, titles, [low, high])."""
    value = entities.get(slot)
    if value is None:
        return None
    if slot == "firm":
        return value.get("name") if isinstance(value, dict) else value
    if slot == "firms":
        return sorted(f.get("name") if isinstance(f, dict) else f for f in value)
    if slot == "masterclass":
        return value.get("title") if isinstance(value, dict) else value
    if slot == "count" and entities.get("count_min") not in (None, value):
        return [entities["count_min"], value]
    if slot == "count" and value is None and entities.get("size") is not None:
        return entities["size"]
    return value


def _gold(slot: str, entities: dict):
    value = entities.get(slot)
    if slot == "firms" and value is not None:
        return sorted(value)
    return value


def run(which: str, show_errors: bool = False) -> dict:
    folder = DATA / f"conv_{which}"
    firms = json.loads((folder / "firms.json").read_text(encoding="utf-8"))
    conversations = [
        json.loads(line)
        for line in (folder / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        os.environ["MATCHMAKER_DB"] = str(path)
        token = _store(path, firms)
        from web import create_app

        app = create_app(
            {
                "TESTING": True,
                "DATABASE": str(path),
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
            }  # fmt: skip
        )
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        right, missed, spurious, totals = Counter(), Counter(), Counter(), 0
        per_intent, per_intent_right = Counter(), Counter()
        errors: list[str] = []
        started = time.perf_counter()
        for conversation in conversations:
            session = f"bench-{conversation['id']}"
            for turn in conversation["turns"]:
                answer = client.post(
                    "/api/v1/chat", json={"session_id": session, "message": turn["text"]},
                    headers=headers,
                )  # fmt: skip
                body = answer.get_json() or {}
                totals += 1
                per_intent[turn["intent"]] += 1
                if answer.status_code != 200:
                    errors.append(f"{conversation['id']} HTTP {answer.status_code}: {turn['text']}")
                    continue
                if body.get("intent") == turn["intent"]:
                    per_intent_right[turn["intent"]] += 1
                else:
                    errors.append(
                        f"{conversation['id']} intent {turn['intent']} → {body.get('intent')}: "
                        f"{turn['text']}"
                    )
                got_entities = body.get("entities") or {}
                for slot in SLOTS:
                    want, got = _gold(slot, turn["entities"]), _value(slot, got_entities)
                    if want is not None:
                        if got == want:
                            right[slot] += 1
                        else:
                            missed[slot] += 1
                            errors.append(
                                f"{conversation['id']} {slot}: want {want} got {got}: "
                                f"{turn['text']}"
                            )
                    elif got is not None and slot in CHECKED_SPURIOUS:
                        spurious[slot] += 1
                        errors.append(
                            f"{conversation['id']} {slot}: want none got {got}: {turn['text']}"
                        )
        elapsed = time.perf_counter() - started
    intents = per_intent_right
    report = {
        "set": which,
        "conversations": len(conversations),
        "turns": totals,
        "intent_accuracy": sum(intents.values()) / max(totals, 1),
        "per_intent": {k: (intents[k] / n, n) for k, n in sorted(per_intent.items())},
        "slots": {
            s: (right[s], missed[s], spurious[s])
            for s in SLOTS
            if right[s] + missed[s] + spurious[s]
        },
        "ms_per_turn": 1000 * elapsed / max(totals, 1),
        "errors": errors,
    }
    _print(report, show_errors)
    return report


def _print(report: dict, show_errors: bool) -> None:
    print(
        f"Chat conversations ({report['set']}): {report['conversations']} conversations, "
        f"{report['turns']} turns"
    )
    print(f"\nIntent acted on: {report['intent_accuracy']:.3f}\n")
    print("| intent | accuracy | n |\n|---|---:|---:|")
    for intent, (acc, n) in report["per_intent"].items():
        print(f"| {intent} | {acc:.3f} | {n} |")
    print(
        "\n| slot after the turn | right | missed | spurious | recall |\n|---|---:|---:|---:|---:|"
    )
    all_right = all_missed = all_spurious = 0
    for slot, (r, m, s) in report["slots"].items():
        all_right, all_missed, all_spurious = all_right + r, all_missed + m, all_spurious + s
        print(f"| {slot} | {r} | {m} | {s} | {r / max(r + m, 1):.3f} |")
    print(
        f"| all | {all_right} | {all_missed} | {all_spurious} | "
        f"{all_right / max(all_right + all_missed, 1):.3f} |"
    )
    print(f"\n{report['ms_per_turn']:.0f} ms per turn (the whole request, with matching)")
    if show_errors:
        print("\nErrors:")
        for line in report["errors"]:
            print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("dev", "blind"), default="dev", dest="which")
    parser.add_argument("--errors", action="store_true", help="list every miss (dev only)")
    args = parser.parse_args(argv)
    if args.errors and args.which == "blind":
        parser.error("the blind set is read as scores only: --errors is refused")
    run(args.which, show_errors=args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
