"""Why two firms fit: deterministic reasons as message records (`matching.*` codes).

Each reason is ``{"code": "matching.need_offer", "a": ..., "b": ..., ...}``; the edge renders
it with `messages.render_record` in the reader's language. Concept labels inside a record are
already in the language asked for; quotes are the firms' own words.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from matchmaker.matching.features import market_keys
from matchmaker.matching.index import MatchIndex
from matchmaker.reference import messages
from matchmaker.reference.nace import nace_division, nace_section
from matchmaker.reference.text import clauses, guess_language, snippet

# Lexical cosine a need clause and an offer clause need to be quoted as a need→offer reason:
# with a concept both clauses mention, and (for a strong direction only) without one.
CONCEPT_CLAUSE_MIN_COSINE = 0.2
CLAUSE_MIN_COSINE = 0.3
# Clauses of a text looked at, and need→offer lines per direction.
MAX_CLAUSES = 12
MAX_NEED_OFFER_LINES = 2
# The sentence model's clause cosine counts as much as a lexical one this much lower.
MODEL_CLAUSE_OFFSET = 0.2
# A direction this strong (calibrated z) may be quoted without a shared concept.
STRONG_DIRECTION = 1.0
# Clause vectors kept in memory (explanations look at the same texts again).
CLAUSE_CACHE_SIZE = 20_000


class _ClauseCache:
    """Sentence vectors of clauses, bounded, shared by threads (never written to the store)."""

    def __init__(self, size: int):
        self.size = size
        self.vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get_many(self, model, texts: list[str]) -> np.ndarray:
        name = model.model_name
        with self.lock:
            missing = list(dict.fromkeys(t for t in texts if (name, t) not in self.vectors))
        if missing:
            fresh = np.asarray(model.encode(missing), dtype=np.float32)
            with self.lock:
                for t, v in zip(missing, fresh, strict=True):
                    self.vectors[(name, t)] = v
                while len(self.vectors) > self.size:
                    self.vectors.popitem(last=False)
        with self.lock:
            return np.stack([self.vectors.get((name, t)) for t in texts])


_CLAUSES = _ClauseCache(CLAUSE_CACHE_SIZE)


def name_of(profile: Mapping) -> str:
    return profile.get("name") or f"#{profile.get('id')}"


class Explainer:
    """Reasons for pairs of firms of one index, in one language."""

    def __init__(self, index: MatchIndex, lang: str):
        if lang not in messages.LANGUAGES:
            raise ValueError(f"lang must be one of {list(messages.LANGUAGES)}, not {lang!r}")
        self.index = index
        self.lang = lang
        self.lexicon = index.lexicon_()

    def need_offer(self, needer: Mapping, offerer: Mapping, strength: float) -> list[dict]:
        """Which need clauses of `needer` meet which offer clauses of `offerer`, quoted.

        A clause pair is quoted when it really matches: with the concepts it shares when its
        clause similarity (lexical cosine, or the sentence model's less an offset) is at least
        CONCEPT_CLAUSE_MIN_COSINE or the offer clause has every concept of the need clause;
        without a concept (only for a strong direction) at CLAUSE_MIN_COSINE or more.
        The sentence model is asked only about the clauses whose verdict the lexical cosine
        leaves open, so most explanations encode nothing at request time.
        """
        need_text, offer_text = needer.get("needs") or "", offerer.get("offers") or ""
        needs = clauses(need_text)[:MAX_CLAUSES] if need_text else []
        offers = clauses(offer_text)[:MAX_CLAUSES] if offer_text else []
        if not needs or not offers:
            return []
        need_clauses = [need_text[a:b] for a, b in needs]
        offer_clauses = [offer_text[a:b] for a, b in offers]
        cos = self._lexical_cosines(need_clauses, offer_clauses)
        if cos is None:
            return []
        need_found = [self._clause_concepts(need_text, span) for span in needs]
        offer_found = [self._clause_concepts(offer_text, span) for span in offers]
        shared = {
            (i, j): [c for c in need_found[i] if c in offer_found[j]]
            for i, j in np.ndindex(*cos.shape)
        }
        undecided = [
            (i, j)
            for (i, j), found in shared.items()
            if found and len(found) < len(need_found[i]) and cos[i, j] < CONCEPT_CLAUSE_MIN_COSINE
        ]
        if undecided:
            cos = self._with_model(cos, need_clauses, offer_clauses, undecided)
        a, b = name_of(needer), name_of(offerer)
        candidates = []
        for (i, j), found in shared.items():
            covered = bool(found) and len(found) == len(need_found[i])
            if found and (covered or cos[i, j] >= CONCEPT_CLAUSE_MIN_COSINE):
                candidates.append((-cos[i, j], i, j, found))
        lines: list[dict] = []
        used_needs: set[int] = set()
        used_offers: set[int] = set()
        for _, i, j, found in sorted(candidates, key=lambda c: c[:3]):
            if len(lines) >= MAX_NEED_OFFER_LINES:
                break
            if i in used_needs or j in used_offers:
                continue
            first = found[0]
            lines.append(
                messages.record(
                    "matching.need_offer", a=a, b=b,
                    need=snippet(need_text, *need_found[i][first]),
                    offer=snippet(offer_text, *offer_found[j][first]),
                    label=", ".join(self.lexicon.label(c, self.lang) for c in found),
                )
            )  # fmt: skip
            used_needs.add(i)
            used_offers.add(j)
        if not lines and strength > STRONG_DIRECTION:
            if cos.max() < CLAUSE_MIN_COSINE:
                cos = self._with_model(
                    cos, need_clauses, offer_clauses, list(np.ndindex(*cos.shape))
                )
            i, j = np.unravel_index(int(np.argmax(cos)), cos.shape)
            if cos[i, j] >= CLAUSE_MIN_COSINE:
                lines.append(
                    messages.record(
                        "matching.need_offer_plain", a=a, b=b,
                        need=snippet(need_text, needs[i][0], needs[i][0]),
                        offer=snippet(offer_text, offers[j][0], offers[j][0]),
                    )
                )  # fmt: skip
        return lines

    def _lexical_cosines(self, need_clauses, offer_clauses) -> np.ndarray | None:
        """Lexical cosine of every need clause with every offer clause (None: not fitted)."""
        lexical = self.index.encoder_.lexical_
        if not getattr(lexical, "vectorizers_", None):
            return None
        return (lexical.transform(need_clauses) @ lexical.transform(offer_clauses).T).toarray()

    def _with_model(self, cos, need_clauses, offer_clauses, pairs) -> np.ndarray:
        """`cos` raised, at `pairs`, to the sentence model's cosine less an offset where it
        says more (e.g. a Danish need, an English offer); only those clauses are encoded."""
        encoder = self.index.encoder_
        model = getattr(encoder, "model_", None)
        if model is None or not encoder.uses_model():
            return cos
        rows = sorted({i for i, _ in pairs})
        cols = sorted({j for _, j in pairs})
        texts = [need_clauses[i] for i in rows] + [offer_clauses[j] for j in cols]
        try:
            raw = _CLAUSES.get_many(model, texts)
        except Exception:  # no model available: lexical evidence only
            return cos
        vectors = encoder.center(raw, [guess_language(t) for t in texts])
        model_cos = vectors[: len(rows)] @ vectors[len(rows) :].T
        out = cos.copy()
        at_row = {i: k for k, i in enumerate(rows)}
        at_col = {j: k for k, j in enumerate(cols)}
        for i, j in pairs:
            out[i, j] = max(out[i, j], model_cos[at_row[i], at_col[j]] - MODEL_CLAUSE_OFFSET)
        return out

    def _clause_concepts(self, text: str, span: tuple[int, int]) -> dict[str, tuple[int, int]]:
        a, b = span
        return {m.concept: (a + m.start, a + m.end) for m in self.lexicon.find(text[a:b])}

    def shared_capabilities(self, a: Mapping, b: Mapping) -> list[dict]:
        """Concepts both firms' profiles mention (for look-alike partners)."""
        texts = [" ".join(filter(None, (p.get("description"), p.get("offers")))) for p in (a, b)]
        cb = set(self.lexicon.concept_ids(texts[1]))
        ids = [c for c in self.lexicon.concept_ids(texts[0]) if c in cb][:4]
        found = [self.lexicon.label(c, self.lang) for c in ids]
        return [messages.record("matching.shared", labels=", ".join(found))] if found else []

    def context(self, a: Mapping, b: Mapping) -> list[dict]:
        """Shared markets, value chain from NACE, and regions."""
        out = []
        mb = set(market_keys(b))
        original = {" ".join(str(m).lower().split()): str(m) for m in a.get("markets") or []}
        shared = [original[m] for m in market_keys(a) if m in mb]
        if shared:
            out.append(messages.record("matching.markets", markets=", ".join(shared)))
        da, db_ = nace_division(a.get("nace")), nace_division(b.get("nace"))
        sa, sb = nace_section(a.get("nace")), nace_section(b.get("nace"))
        if da and db_:
            if da == db_:
                out.append(messages.record("matching.same_division", division=da))
            elif sa == sb:
                out.append(messages.record("matching.same_section", section=sa, a=da, b=db_))
            else:
                out.append(messages.record("matching.chain", a=f"{sa} {da}", b=f"{sb} {db_}"))
        ra, rb = a.get("region"), b.get("region")
        if ra and rb:
            if ra == rb:
                out.append(messages.record("matching.same_region", region=ra))
            else:
                out.append(messages.record("matching.regions", a=ra, b=rb))
        return out
