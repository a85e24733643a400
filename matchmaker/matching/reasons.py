"""Why two firms fit: deterministic reasons as message records (`matching.*` codes).

Each reason is ``{"code": "matching.need_offer", "a": ..., "b": ..., ...}``; the edge renders
it with `messages.render_record` in the reader's language. Concept labels inside a record are
already in the language asked for; quotes are the firms' own words.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np

from matchmaker.matching.features import market_columns, market_keys
from matchmaker.matching.index import MatchIndex
from matchmaker.reference import markets as market_names
from matchmaker.reference import messages, nace, regions
from matchmaker.reference.nace import nace_division, nace_section
from matchmaker.reference.text import snippet
from matchmaker.representation.clauses import TextClauses, pair_cosines

# Lexical cosine a need clause and an offer clause need to be quoted as a need→offer reason:
# with a concept both clauses mention, and (for a strong direction only) without one.
CONCEPT_CLAUSE_MIN_COSINE = 0.2
CLAUSE_MIN_COSINE = 0.3
# Need→offer lines per direction (the clauses looked at: `clauses.MAX_CLAUSES`).
MAX_NEED_OFFER_LINES = 2
# The sentence model's clause cosine counts as much as a lexical one this much lower.
MODEL_CLAUSE_OFFSET = 0.2
# A direction this strong (calibrated z) may be quoted without a shared concept.
STRONG_DIRECTION = 1.0
# Clause vectors kept in memory (explanations look at the same texts again).
CLAUSE_CACHE_SIZE = 20_000
# Need→offer explanations kept per fitted encoder (`EXPLANATIONS`): most pairs of firms are
# explained again (a firm's suggestions looked at again, partners that recur).
EXPLANATION_CACHE_SIZE = 20_000
# A market that more than this share of the firms list says nothing about a pair (a Danish
# store's home market): reasons leave it out.
COMMON_MARKET_SHARE = 0.5


class _ClauseCache:
    """Sentence vectors of clauses, bounded, shared by threads: read from the store's vector
    cache when given one, else encoded (a request never writes them to the store)."""

    def __init__(self, size: int):
        self.size = size
        self.vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get_many(self, model, texts: list[str], db=None) -> np.ndarray:
        name = model.model_name
        with self.lock:
            missing = list(dict.fromkeys(t for t in texts if (name, t) not in self.vectors))
        if missing:
            fresh = np.asarray(model.encode(missing, db=db, write_cache=False), np.float32)
            with self.lock:
                for t, v in zip(missing, fresh, strict=True):
                    self.vectors[(name, t)] = v
                while len(self.vectors) > self.size:
                    self.vectors.popitem(last=False)
        with self.lock:
            return np.stack([self.vectors.get((name, t)) for t in texts])


_CLAUSES = _ClauseCache(CLAUSE_CACHE_SIZE)


class _Explanations:
    """Need→offer reasons already worked out, per fitted encoder (a re-fit starts afresh),
    keyed by everything they are made of: both firms' names and texts, the language and
    whether the direction is strong. An edited firm's texts or name make a new key, so
    nothing stale is ever read. Bounded; shared by threads."""

    def __init__(self, size: int):
        self.size = size
        self.by_encoder: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def get(self, encoder, key: tuple) -> list[dict] | None:
        with self.lock:
            found = self.by_encoder.get(encoder, {}).get(key)
        return None if found is None else [dict(r) for r in found]

    def put(self, encoder, key: tuple, records: list[dict]) -> None:
        with self.lock:
            kept = self.by_encoder.setdefault(encoder, OrderedDict())
            kept[key] = tuple(dict(r) for r in records)
            while len(kept) > self.size:
                kept.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.by_encoder.clear()


EXPLANATIONS = _Explanations(EXPLANATION_CACHE_SIZE)
# Markets most firms of an index list, per index snapshot (worked out once per snapshot).
_WIDESPREAD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WIDESPREAD_LOCK = threading.Lock()


def common_markets(counts: Mapping[str, int], n: int) -> set[str]:
    """Market keys that more than COMMON_MARKET_SHARE of `n` firms list (`counts`: how many
    firms list each key)."""
    return {key for key, count in counts.items() if n and count / n > COMMON_MARKET_SHARE}


def common_market_keys(profiles: Sequence[Mapping]) -> set[str]:
    """The common markets of a list of profiles (a pool): market keys, a group's members
    counted for a firm that lists the group (`features.market_columns`)."""
    return common_markets(Counter(k for p in profiles for k in market_columns(p)), len(profiles))


def market_words(keys: Sequence[str], profiles: Sequence[Mapping], lang: str) -> list[str]:
    """Market keys named in the reader's language; a market the reference does not know, as
    the first of `profiles` wrote it."""
    written: dict[str, str] = {}
    for p in profiles:
        for m in p.get("markets") or []:
            key = market_names.market_key(str(m))
            if key:
                written.setdefault(key, str(m).strip())
    return [market_names.market_label(k, lang, written.get(k)) for k in keys]


def name_of(profile: Mapping) -> str:
    return profile.get("name") or f"#{profile.get('id')}"


class Explainer:
    """Reasons for pairs of firms of one index, in one language."""

    def __init__(self, index: MatchIndex, lang: str, db=None):
        if lang not in messages.LANGUAGES:
            raise ValueError(f"lang must be one of {list(messages.LANGUAGES)}, not {lang!r}")
        self.index = index
        self.lang = lang
        self.lexicon = index.lexicon_()
        self.book = index.clauses_
        self.db = db
        self._analysed: dict[tuple, TextClauses] = {}
        # Clause cosines worked out ahead (`prime`): (id need, id offer) → (need, offer, cos).
        self._primed: dict[tuple[int, int], tuple[TextClauses, TextClauses, np.ndarray]] = {}

    def prime(self, groups: Sequence[Sequence[Mapping]]) -> None:
        """Work out the clause cosines of every ordered pair of firms within each group (one
        firm's needs, another's offers) in one compiled call (`pair_cosines`: the same
        numbers), for a large pool's many networks, whose reasons compare every pair of
        members; numba is loaded on that path already."""
        pairs = [
            (self.clauses(a, "needs"), self.clauses(b, "offers"))
            for firms in groups for a in firms for b in firms if a is not b
        ]  # fmt: skip
        pairs = list({(id(n), id(o)): (n, o) for n, o in pairs}.values())
        for (need, offer), cos in zip(pairs, pair_cosines(pairs), strict=True):
            self._primed[id(need), id(offer)] = (need, offer, cos)

    def _cosines(self, need: TextClauses, offer: TextClauses) -> np.ndarray:
        """`need.cosines(offer)`, worked out ahead where `prime` did."""
        found = self._primed.get((id(need), id(offer)))
        if found is not None and found[0] is need and found[1] is offer:
            return found[2]
        return need.cosines(offer)

    def clauses(self, profile: Mapping, part: str) -> TextClauses:
        """The clauses of a profile's part, from the index's book; a firm outside it (no
        consent, asking for its own partners) is analysed once per explainer, not per pair."""
        key = (profile.get("id"), part, profile.get(part) or "")
        if key not in self._analysed:
            self._analysed[key] = self.book.of(profile, part)
        return self._analysed[key]

    def widespread_markets(self) -> frozenset[str]:
        """Markets most of the index's firms list (no reason for any pair), worked out once
        per index snapshot."""
        with _WIDESPREAD_LOCK:
            found = _WIDESPREAD.get(self.index)
        if found is None:
            listed = self.index.facts_.markets
            counts = np.asarray((listed > 0).sum(axis=0)).ravel()
            found = frozenset(
                common_markets(
                    {k: int(counts[c]) for k, c in self.index.market_vocab_.items()
                     if c < len(counts)},
                    listed.shape[0],
                )
            )  # fmt: skip
            with _WIDESPREAD_LOCK:
                _WIDESPREAD[self.index] = found
        return found

    def need_offer(self, needer: Mapping, offerer: Mapping, strength: float) -> list[dict]:
        """`explain_need_offer`, kept (`EXPLANATIONS`): the same records for the same names,
        texts, language and strength, until the index's encoder is re-fitted."""
        encoder = self.index.encoder_
        key = (
            name_of(needer), needer.get("needs") or "", name_of(offerer),
            offerer.get("offers") or "", strength > STRONG_DIRECTION, self.lang,
        )  # fmt: skip
        found = EXPLANATIONS.get(encoder, key)
        if found is None:
            found = self.explain_need_offer(needer, offerer, strength)
            EXPLANATIONS.put(encoder, key, found)
        return found

    def meets(self, need: str, offerer: Mapping, strength: float) -> bool:
        """Whether `offerer`'s offers meet `need` (a text, e.g. a demand of a call) by the
        matcher's own judgement: a need→offer reason would be quoted for it at this `strength`
        (calibrated, like a pair's needs-met-by-offers score)."""
        needer = {"id": None, "name": "", "needs": need}
        return bool(self.explain_need_offer(needer, offerer, strength))

    def explain_need_offer(self, needer: Mapping, offerer: Mapping, strength: float) -> list[dict]:
        """Which need clauses of `needer` meet which offer clauses of `offerer`, quoted.

        A clause pair is quoted when it really matches: with the concepts it shares when its
        clause similarity (lexical cosine, or the sentence model's less an offset) is at least
        CONCEPT_CLAUSE_MIN_COSINE or the offer clause has every concept of the need clause;
        without a concept (only for a strong direction) at CLAUSE_MIN_COSINE or more.
        The sentence model is asked only about the clauses whose verdict the lexical cosine
        leaves open, so most explanations encode nothing at request time.
        """
        need = self.clauses(needer, "needs")
        offer = self.clauses(offerer, "offers")
        need_text, offer_text = need.text, offer.text
        needs, offers = need.spans, offer.spans
        if not needs or not offers or need.matrix is None or offer.matrix is None:
            return []
        cos = self._cosines(need, offer)
        need_found, offer_found = need.concepts, offer.concepts
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
            cos = self._with_model(cos, need, offer, undecided)
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
                cos = self._with_model(cos, need, offer, list(np.ndindex(*cos.shape)))
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

    def _with_model(self, cos, need: TextClauses, offer: TextClauses, pairs) -> np.ndarray:
        """`cos` raised, at `pairs`, to the sentence model's cosine less an offset where it
        says more (e.g. a Danish need, an English offer); only those clauses' vectors are
        looked up (in the store's cache, where they were put when the firms were stored)."""
        encoder = self.index.encoder_
        model = getattr(encoder, "model_", None)
        if model is None or not encoder.uses_model():
            return cos
        rows = sorted({i for i, _ in pairs})
        cols = sorted({j for _, j in pairs})
        texts = [need.texts[i] for i in rows] + [offer.texts[j] for j in cols]
        languages = [need.languages[i] for i in rows] + [offer.languages[j] for j in cols]
        try:
            raw = _CLAUSES.get_many(model, texts, self.db)
        except Exception:  # no model available: lexical evidence only
            return cos
        vectors = encoder.center(raw, languages)
        model_cos = vectors[: len(rows)] @ vectors[len(rows) :].T
        out = cos.copy()
        at_row = {i: k for k, i in enumerate(rows)}
        at_col = {j: k for k, j in enumerate(cols)}
        for i, j in pairs:
            out[i, j] = max(out[i, j], model_cos[at_row[i], at_col[j]] - MODEL_CLAUSE_OFFSET)
        return out

    def shared_capabilities(self, a: Mapping, b: Mapping) -> list[dict]:
        """Concepts both firms' profiles mention (for look-alike partners)."""
        texts = [" ".join(filter(None, (p.get("description"), p.get("offers")))) for p in (a, b)]
        cb = set(self.lexicon.concept_ids(texts[1]))
        ids = [c for c in self.lexicon.concept_ids(texts[0]) if c in cb][:4]
        found = [self.lexicon.label(c, self.lang) for c in ids]
        return [messages.record("matching.shared", labels=", ".join(found))] if found else []

    def trade(self, code: str) -> str:
        """A NACE division or section named by its title in the reader's language."""
        return nace.title(code, self.lang) or code

    def context(self, a: Mapping, b: Mapping) -> list[dict]:
        """Shared markets (one market in any language or group: `reference.markets`; but those
        most firms list), value chain from NACE, and regions."""
        out = []
        shared = market_names.shared_markets(
            [market_keys(a), market_keys(b)], leave_out=self.widespread_markets()
        )
        if shared:
            words = market_words(shared, (a, b), self.lang)
            out.append(messages.record("matching.markets", markets=", ".join(words)))
        da, db_ = nace_division(a.get("nace")), nace_division(b.get("nace"))
        sa, sb = nace_section(a.get("nace")), nace_section(b.get("nace"))
        if da and db_:
            if da == db_:
                out.append(messages.record("matching.same_division", division=self.trade(da)))
            elif sa == sb:
                out.append(
                    messages.record(
                        "matching.same_section",
                        section=self.trade(sa),
                        a=self.trade(da),
                        b=self.trade(db_),
                    )
                )
            else:
                out.append(messages.record("matching.chain", a=self.trade(da), b=self.trade(db_)))
        ra, rb = a.get("region"), b.get("region")
        if ra and rb:
            if ra == rb:
                out.append(
                    messages.record("matching.same_region", region=regions.label(ra, self.lang))
                )
            else:
                a_, b_ = regions.label(ra, self.lang), regions.label(rb, self.lang)
                out.append(messages.record("matching.regions", a=a_, b=b_))
        return out
