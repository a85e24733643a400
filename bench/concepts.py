"""Firms help the matcher (issue 11, item 4): what confirmed, removed and added capability
concepts do to partner suggestions, simulated on the labelled sets.

Run: .venv/bin/python -m bench.concepts [--sets dev train] [--weights 1 2 3]

No labelled firm ever confirmed anything, so what firms would say is simulated. For each set the
service's recall@5 (complementary, ranked as `bench.partners` measures it, with the scorer in
`models/`) is printed when
- nobody says anything (free text alone: must equal `bench.partners`' figure);
- every firm confirms exactly the concepts read in its offers and needs;
- every firm also adds, as an offer, the first concept read in its own description or sector
  that its offers text does not name (no labels used: a capability the firm's own profile
  states elsewhere);
- every firm of a known network also adds, as a need, a concept read in the offers of one of
  its known partners that its needs do not name (an oracle: it uses the labels, so it is an
  upper bound of what one well-chosen added need can do, not an expected gain);
- the same with a concept drawn at random instead (a control: one wrong concept);
- every firm of a known network removes the need concepts read in its text that none of its
  known partners' offers or profile name (an oracle for removing).
The blind set is not used: choosing concepts means reading its texts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.partners import SETS, TRAIN, K, LabelledSet
from bench.representations import table
from matchmaker.matching import top_candidates
from matchmaker.matching.index import MatchIndex, default_scorer
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.representation.embedding import HybridEncoder, LexicalEncoder
from matchmaker.store import db as store
from matchmaker.store import labelled
from matchmaker.store import vectors as cached_vectors

CACHE_DB = Path(tempfile.gettempdir()) / "matchmaker-bench-vectors.sqlite3"
PATHS = {"dev": SETS["dev"], "train": TRAIN}


def index_firms(firms: list[dict], cache, confirmed_weight: float) -> tuple[MatchIndex, list]:
    """The firms in a scratch store, indexed with a given weight of confirmed concepts."""
    db = store.connect(Path(tempfile.mkdtemp()) / "concepts.sqlite3")
    cached_vectors.copy_all(cache, db)
    key_of = labelled.insert_firms(db, firms)
    encoder = HybridEncoder(lexical=LexicalEncoder(confirmed_weight=confirmed_weight))
    index = MatchIndex(encoder=encoder, scorer=default_scorer()).fit(db)
    cached_vectors.copy_all(db, cache)
    return index, [key_of[c] for c in index.ids()]


def _read(firm: dict, field: str) -> list[str]:
    return default_lexicon().concept_ids(firm.get(field) or "")


def partners_of(data: dict) -> dict[str, list[str]]:
    """Each firm's known network partners, by key."""
    out: dict[str, list[str]] = {}
    for net in data["networks"]:
        for key in net["members"]:
            out.setdefault(key, []).extend(m for m in net["members"] if m != key)
    return out


def confirmed(firm: dict) -> dict:
    """The firm confirming exactly what was read in its offers and needs."""
    return firm | {"offer_concepts": _read(firm, "offers"), "need_concepts": _read(firm, "needs")}


def own_offer(firm, by_key, partners, rng):
    """Add, as an offer, a concept the firm's own description or sector names."""
    offers = _read(firm, "offers")
    own = _read(firm, "description") + _read(firm, "sector")
    extra = next((c for c in own if c not in offers), None)
    if extra is None:
        return None
    said = confirmed(firm)
    return said | {"offer_concepts": said["offer_concepts"] + [extra]}


def partner_need(firm, by_key, partners, rng):
    """Add, as a need, a concept a known partner's offers name (oracle)."""
    needs = _read(firm, "needs")
    for other in partners.get(firm["key"], []):
        extra = next((c for c in _read(by_key[other], "offers") if c not in needs), None)
        if extra is not None:
            said = confirmed(firm)
            return said | {"need_concepts": said["need_concepts"] + [extra]}
    return None


def random_need(firm, by_key, partners, rng):
    """Add, as a need, a concept drawn at random (control)."""
    if firm["key"] not in partners:
        return None
    needs = _read(firm, "needs")
    choices = sorted(c for c in default_lexicon().concepts if c not in needs)
    said = confirmed(firm)
    return said | {"need_concepts": said["need_concepts"] + [str(rng.choice(choices))]}


def remove_unshared_needs(firm, by_key, partners, rng):
    """Remove the need concepts no known partner's offers or profile name (oracle)."""
    if firm["key"] not in partners:
        return None
    theirs = set()
    for other in partners[firm["key"]]:
        for field in ("offers", "description", "sector"):
            theirs.update(_read(by_key[other], field))
    needs = _read(firm, "needs")
    gone = [c for c in needs if c not in theirs]
    if not gone:
        return None
    said = confirmed(firm)
    kept = [c for c in needs if c in theirs]
    return said | {"need_concepts": kept, "need_concepts_removed": gone}


# (name, change): a firm as it would state its concepts (None: it says nothing).
Change = Callable[[dict, dict, dict, np.random.Generator], dict | None]
VARIANTS: list[tuple[str, Change]] = [
    ("free text alone (nobody says anything)", lambda f, b, p, r: None),
    ("every firm confirms what was read", lambda f, b, p, r: confirmed(f)),
    ("+ an offer its own description names", own_offer),
    ("+ a need a known partner offers (oracle)", partner_need),
    ("+ a random need (control)", random_need),
    ("removes needs no known partner offers (oracle)", remove_unshared_needs),
]


def run(name: str, cache, weight: float, variants) -> list[list]:
    data = json.loads(PATHS[name].read_text(encoding="utf-8"))
    by_key = {f["key"]: f for f in data["firms"]}
    partners = partners_of(data)
    rows = []
    for label, change in variants:
        firms, changed = [], 0
        rng = np.random.default_rng(0)
        for firm in data["firms"]:
            said = change(firm, by_key, partners, rng)
            changed += said is not None and said != firm
            firms.append(firm if said is None else said)
        index, keys = index_firms(firms, cache, weight)
        recall, rivals = suggested(LabelledSet(name, cache, loaded=(index, data, keys)))
        rows.append([label, weight, changed, recall, rivals])
        print(f"{name} w={weight} {label}: recall@5 {recall:.3f}", flush=True)
    return rows


def suggested(s: LabelledSet) -> tuple[float, float]:
    """Recall@5 and lists with a labelled rival of the service's ranking: `top_candidates`
    ranks exactly as `partner_suggestions` (complementary, competitors left out) without
    writing the reasons, which the scores do not depend on."""
    ids = [s.ids[q] for q in s.queries]
    found = top_candidates(s.index, K, ids=ids)
    recalls, with_rival = [], 0
    for q, cid in zip(s.queries, ids, strict=True):
        top = [s.pos[other] for other, _ in found[cid]]
        truth = np.flatnonzero(s.partner[q])
        recalls.append(len(set(top) & set(truth)) / len(truth))
        with_rival += bool(s.competitor[q, top].any())
    return float(np.mean(recalls)), with_rival / len(s.queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev", "train"], choices=sorted(PATHS))
    parser.add_argument("--weights", nargs="+", type=float, default=[2.0])
    args = parser.parse_args()
    cache = store.connect(CACHE_DB)
    for name in args.sets:
        rows = []
        for weight in args.weights:
            rows += run(name, cache, weight, VARIANTS)
        print(
            table(
                f"{name}: recall@5 (complementary) when firms state their concepts",
                ["simulation", "confirmed weight", "firms changed", "recall@5",
                 "lists with a rival"],
                rows,
            ),
            flush=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
