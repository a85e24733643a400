"""Benchmark of the value-chain role suggestion: accuracy on a hand-labelled dev set.

Run: .venv/bin/python bench/roles.py

`bench/data/roles_dev.json` labels the first 60 firms of `data/training/partners_dev.json`
with a role (by the
engineer who wrote the rules: a dev set, not blind). Compared in the same run: the full rules
(cues + NACE prior), the NACE prior alone, and always the most common role.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from matchmaker.representation.roles import nace_prior, suggest_role  # noqa: E402

DATA = REPO / "bench" / "data"


def main() -> None:
    source = REPO / "data" / "training" / "partners_dev.json"
    firms = {f["key"]: f for f in json.loads(source.read_text())["firms"]}
    gold = json.loads((DATA / "roles_dev.json").read_text())["roles"]
    majority = Counter(g["role"] for g in gold.values()).most_common(1)[0][0]
    methods = {
        "rules (cues + NACE prior)": lambda f: getattr(suggest_role(f), "role", None),
        "NACE prior alone": lambda f: (
            "knowledge_partner"
            if f.get("kind") == "knowledge_institution"
            else nace_prior(f.get("nace"))
        ),
        f"always '{majority}'": lambda f: majority,
    }
    print(f"Value-chain role on {len(gold)} hand-labelled firms\n")
    print("| method | accuracy | no suggestion |")
    print("| --- | ---: | ---: |")
    for name, method in methods.items():
        guesses = {k: method(firms[k]) for k in gold}
        right = sum(guesses[k] == g["role"] for k, g in gold.items())
        none = sum(v is None for v in guesses.values())
        print(f"| {name} | {right / len(gold):.2f} ({right}/{len(gold)}) | {none} |")
    wrong = [
        (g["name"], g["role"], getattr(suggest_role(firms[k]), "role", None))
        for k, g in gold.items()
        if getattr(suggest_role(firms[k]), "role", None) != g["role"]
    ]
    if "-v" in sys.argv:
        for row in wrong:
            print(*row, sep=" | ")


if __name__ == "__main__":
    main()
