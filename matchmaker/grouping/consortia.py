"""Consortia for a call: 3–5 firms whose offers together cover what a call for projects asks.

The call is split into its demands (clauses that say something, with the lexicon concepts
they name). Each consenting firm's coverage of each demand is the match index's calibrated
similarity of the demand (as a need) to the firm's offers and profile. Consortia are built
greedily: the firm adding the most uncovered coverage joins, never beside a likely competitor
or a 'never together' firm; a knowledge institution joins first when the call asks for one.
Each member's reason names the part of the call it covers; what no member covers is listed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from matchmaker import matching
from matchmaker.grouping.networks import stored_id
from matchmaker.reference import messages
from matchmaker.reference.text import clauses, content_stems, guess_language, snippet
from matchmaker.reference.validation import (
    Id,
    InvalidInput,
    NotFound,
    Strict,
    long_text,
    validate,
)
from matchmaker.representation.roles import mentions_role
from matchmaker.store import proposals

# A demand is a clause with this many content words, or one that names a lexicon concept.
MIN_DEMAND_WORDS = 4
MAX_DEMANDS = 16
MAX_CONCEPT_DEMANDS = 12  # lexicon concepts of the call, each also a demand of its own
# Coverage given to a firm whose offers or description name a concept demand's concept.
CONCEPT_Z = 1.5
DEMAND_CHARS = 160  # a demand as quoted in reasons and lists
# Calibrated (z-like) coverage a member needs for a demand to count as covered (and its
# offers must meet the demand by the matcher's need→offer judgement, `covers`).
COVER_Z = 1.0
# Weight of a firm's relevance to the whole call in its gain, beside the uncovered coverage
# it adds (summed over the demands).
RELEVANCE_SHARE = 0.25
# Marginal gain under which a consortium stops growing once it has min_size members.
MIN_GAIN = 0.05
MAX_KNOWLEDGE_INSTITUTIONS = 2  # per consortium
# Representations that compare a call with the firms: the lexical one alone (stems, character
# n-grams, bilingual lexicon concepts) found more real ERDF participants on the dev projects
# than the index's mix (bench/consortia.py); English calls meet Danish firms via the concepts.
CALL_WEIGHTS = (("model", 0.0), ("lexical", 1.0), ("structured", 0.0))
POOL = 80  # firms considered per call: the most relevant ones


@dataclass(frozen=True)
class Settings:
    """The knobs of the consortium search (a benchmark sweeps them without editing code)."""

    pool: int = POOL
    relevance_share: float = RELEVANCE_SHARE
    cover_z: float = COVER_Z
    concept_z: float = CONCEPT_Z
    min_gain: float = MIN_GAIN
    max_knowledge: int = MAX_KNOWLEDGE_INSTITUTIONS
    # Weights of the representations (model, lexical, structured) when comparing a call with
    # the firms; None: the index's own mix.
    weights: tuple[tuple[str, float], ...] | None = CALL_WEIGHTS


DEFAULT_SETTINGS = Settings()
DEFAULT_COUNT = 3
CALL_MAX_CHARS = 20_000


class ConsortiumRequestIn(Strict):
    """A call's text and how many consortia of which size to propose, from which firms."""

    call: long_text(CALL_MAX_CHARS, 20) = Field(description="The text of the call")
    count: int | None = Field(default=None, ge=1, le=10, description="Consortia; default 3")
    min_size: int = Field(default=3, ge=2, le=10)
    max_size: int = Field(default=5, ge=2, le=10)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    company_ids: list[Id] | None = Field(
        default=None, min_length=2, max_length=20_000, description="The pool; default all"
    )
    lang: Literal["da", "en"] = Field(default="da", description="Language of the reasons")

    @model_validator(mode="after")
    def _sizes(self) -> ConsortiumRequestIn:
        if self.min_size > self.max_size:
            raise InvalidInput({"min_size": f"must not be larger than max_size ({self.max_size})"})
        if self.company_ids and len(self.company_ids) != len(set(self.company_ids)):
            raise InvalidInput({"company_ids": "names a firm more than once"})
        return self


@dataclass
class Demand:
    """One thing a call asks for: its text, where it stands in the call, its concepts."""

    text: str
    start: int
    end: int
    concepts: list[str] = field(default_factory=list)
    concept: str | None = None  # a demand that is one lexicon concept of the call
    quote: str = ""  # the words of the call a reason quotes for it

    def __post_init__(self) -> None:
        self.quote = self.quote or self.text

    def view(self, lexicon, lang: str) -> dict[str, Any]:
        text = lexicon.label(self.concept, lang) if self.concept else self.text
        return {
            "demand": text,
            "kind": "concept" if self.concept else "clause",
            "concepts": [lexicon.label(c, lang) for c in self.concepts],
        }


def call_demands(call: str, lexicon) -> list[Demand]:
    """The demands of a call: its clauses with enough content or a lexicon concept, the
    richest `MAX_DEMANDS` of them, in the call's order."""
    found = []
    for start, end in clauses(call):
        part = call[start:end].strip()
        concepts = lexicon.concept_ids(part)
        words = len(content_stems(part))
        if words >= MIN_DEMAND_WORDS or concepts:
            text = snippet(call, start, end, DEMAND_CHARS) if len(part) > DEMAND_CHARS else part
            found.append((len(concepts), words, Demand(text, start, end, concepts)))
    if len(found) > MAX_DEMANDS:
        keep = sorted(range(len(found)), key=lambda i: (-found[i][0], -found[i][1], i))
        found = [found[i] for i in sorted(keep[:MAX_DEMANDS])]
    demands = [d for _, _, d in found]
    language = guess_language(call)
    for match in lexicon.find(call)[:MAX_CONCEPT_DEMANDS]:
        label = lexicon.label(match.concept, language)
        quote = snippet(call, match.start, match.end, DEMAND_CHARS)
        demands.append(Demand(label, match.start, match.end, [match.concept], match.concept, quote))
    return demands


def requires_knowledge_institution(call: str) -> bool:
    """Whether the call asks for a knowledge institution (university, GTS, research body)."""
    return bool(mentions_role(call, "knowledge_partner"))


@dataclass
class CallCoverage:
    """Coverage (demands × firms, z-like) of a call by the firms of an index, and relevance."""

    demands: list[Demand]
    ids: list[int]
    coverage: np.ndarray
    relevance: np.ndarray


def _query(text: str, key: int) -> dict[str, Any]:
    return {"id": key, "name": "", "region": "", "kind": "company", "description": text,
            "offers": "", "needs": text, "markets": [], "language": None}  # fmt: skip


def call_coverage(index: matching.MatchIndex, call: str, ids: Sequence[int] | None = None,
                  db=None, weights: Iterable[tuple[str, float]] | None = None,
                  ) -> CallCoverage:  # fmt: skip
    """How well each indexed firm (or each of `ids`) covers each demand of the call."""
    lexicon = index.lexicon_()
    demands = call_demands(call, lexicon) or [Demand(call[:DEMAND_CHARS], 0, len(call))]
    encoder = index.encoder_
    if weights is not None:  # the fitted encoder, its representations weighed otherwise
        encoder = copy.copy(encoder).set_params(weights=dict(weights))
    queries = [_query(d.text, -i - 1) for i, d in enumerate(demands)] + [_query(call, 0)]
    q = encoder.transform(queries, db=db)
    stored = index.vectors_
    if ids is not None:
        rows = [index.row_[i] for i in ids]
        stored = stored.take(rows)
    offers = encoder.similarity(q, stored, "needs", "offers")
    profile = encoder.similarity(q, stored, "needs", "profile")
    scores = np.maximum(offers, profile)
    return CallCoverage(
        demands=demands,
        ids=list(stored.ids),
        coverage=scores[:-1],
        relevance=scores[-1],
    )


def concept_coverage(demands: Sequence[Demand], coverage: np.ndarray,
                     profiles: Sequence[Mapping], lexicon,
                     concept_z: float = CONCEPT_Z) -> np.ndarray:  # fmt: skip
    """`coverage` with each concept demand raised to `CONCEPT_Z` for the firms whose offers
    or description name that concept, and each demand asking for a knowledge institution
    raised so for the knowledge institutions."""
    rows = [i for i, d in enumerate(demands) if d.concept]
    out = coverage.copy()
    asks_knowledge = [
        i for i, d in enumerate(demands) if mentions_role(d.text, "knowledge_partner")
    ]
    for j, p in enumerate(profiles):
        if p.get("kind") == "knowledge_institution":
            out[asks_knowledge, j] = np.maximum(out[asks_knowledge, j], concept_z)
        named = set(lexicon.concept_ids(f"{p.get('offers') or ''}\n{p.get('description') or ''}"))
        for i in rows:
            if demands[i].concept in named:
                out[i, j] = max(out[i, j], concept_z)
    return out


@dataclass
class Consortium:
    members: list[int]  # positions in the pool
    covered_by: dict[int, list[int]]  # demand index → member positions covering it
    score: float


def _gain(cov: np.ndarray, best: np.ndarray, rel: np.ndarray, settings: Settings) -> np.ndarray:
    """Each pool firm's marginal coverage of the demands beyond what the members give."""
    capped = np.minimum(cov, settings.concept_z)  # a demand well covered gains nothing more
    extra = np.clip(capped - np.maximum(best, 0.0)[:, None], 0.0, None).sum(axis=0)
    return extra + settings.relevance_share * np.clip(rel, 0.0, None)


def build_consortia(
    cover: CallCoverage,
    knowledge: np.ndarray,
    blocked: np.ndarray,
    *,
    count: int,
    min_size: int,
    max_size: int,
    needs_knowledge: bool,
    seed: int = 0,
    settings: Settings = DEFAULT_SETTINGS,
    meets: Callable[[int, int], bool] | None = None,
) -> list[Consortium]:
    """Greedy consortia over a pool. `knowledge[i]`: firm i is a knowledge institution;
    `blocked[i, j]`: i and j must not sit together. Companies join one consortium only; a
    knowledge institution may serve several. A member covers a demand at `cover_z` or more
    and, given `meets(demand, member)`, only where that judges so too."""
    n_demands, n = cover.coverage.shape
    jitter = np.random.default_rng(seed).random(n) * 1e-6  # ties only
    used = np.zeros(n, dtype=bool)
    out: list[Consortium] = []
    for _ in range(count):
        members: list[int] = []
        best = np.full(n_demands, -np.inf)
        free = ~used | knowledge
        while len(members) < max_size:
            allowed = free.copy()
            allowed[members] = False
            for m in members:
                allowed &= ~blocked[m]
            n_knowledge = sum(1 for m in members if knowledge[m])
            if needs_knowledge and not members:
                allowed &= knowledge
            elif n_knowledge >= settings.max_knowledge:
                allowed &= ~knowledge
            if not allowed.any():
                break
            gain = _gain(cover.coverage, best, cover.relevance, settings) + jitter
            gain = np.where(allowed, gain, -np.inf)
            pick = int(np.argmax(gain))
            if len(members) >= min_size and gain[pick] < settings.min_gain:
                break
            members.append(pick)
            best = np.maximum(best, cover.coverage[:, pick])
        if len(members) < min_size:
            break
        used[members] = True
        covered_by = {
            d: [m for m in members if cover.coverage[d, m] >= settings.cover_z
                and (meets is None or meets(d, m))]
            for d in range(n_demands)
        }  # fmt: skip
        covered_by = {d: ms for d, ms in covered_by.items() if ms}
        share = len(covered_by) / max(n_demands, 1)
        depth = float(np.mean(np.clip(best / (2 * settings.cover_z), 0.0, 1.0)))
        out.append(Consortium(members, covered_by, round(0.8 * share + 0.2 * depth, 4)))
    return out


def covers(index, demands: Sequence[Demand], profiles: Sequence[Mapping],
           coverage: np.ndarray, db=None) -> Callable[[int, int], bool]:  # fmt: skip
    """`meets(d, j)`: whether pool firm j really answers demand d: a knowledge institution a
    demand asking for one; any firm, when the matcher would quote its offers as meeting the
    demand (`matching.Explainer.meets`, at its coverage as the strength), so that a firm
    whose text is merely near a demand (a market it sells to, a word it shares) does not."""
    explainer = matching.Explainer(index, "en", db)
    asks_knowledge = {
        i for i, d in enumerate(demands) if mentions_role(d.text, "knowledge_partner")
    }
    judged: dict[tuple[int, int], bool] = {}

    def meets(d: int, j: int) -> bool:
        if (d, j) not in judged:
            if d in asks_knowledge and profiles[j].get("kind") == "knowledge_institution":
                judged[d, j] = True
            else:
                strength = float(coverage[d, j])
                judged[d, j] = explainer.meets(demands[d].text, profiles[j], strength)
        return judged[d, j]

    return meets


def _reason(member: int, consortium: Consortium, cover: CallCoverage, profile: Mapping,
            lexicon, lang: str) -> str:  # fmt: skip
    """Which part of the call this member answers (its best-covered demand)."""
    mine = [d for d, ms in consortium.covered_by.items() if member in ms]
    if profile.get("kind") == "knowledge_institution" and not mine:
        return messages.render("consortia.reason_knowledge", lang)
    if not mine:
        d = int(np.argmax(cover.coverage[:, member]))
        return messages.render("consortia.reason_closest", lang, demand=cover.demands[d].quote)
    mine.sort(key=lambda d: (cover.demands[d].concept is not None, -cover.coverage[d, member]))
    demand = cover.demands[mine[0]]
    offered = set(lexicon.concept_ids(" ".join([profile.get("offers") or "",
                                                profile.get("description") or ""])))  # fmt: skip
    shared = [lexicon.label(c, lang) for c in demand.concepts if c in offered]
    params = {"demand": demand.quote, "n": len(mine)}
    if shared:
        text = messages.render("consortia.reason_covers_concepts", lang,
                               concepts=", ".join(shared), **params)  # fmt: skip
    else:
        text = messages.render("consortia.reason_covers", lang, **params)
    if profile.get("kind") == "knowledge_institution":
        text += " " + messages.render("consortia.reason_knowledge", lang)
    return text


def _pool(index, cover_all: CallCoverage, size: int) -> list[int]:
    """Positions (in `cover_all`) of the firms worth considering: the most relevant ones by
    their best demand coverage and their relevance to the whole call, knowledge
    institutions kept in proportion."""
    strength = np.maximum(cover_all.coverage.max(axis=0), cover_all.relevance)
    order = np.lexsort((np.arange(len(strength)), -strength))
    kinds = [index.profiles_[cover_all.ids[i]].get("kind") for i in order]
    top = [int(i) for i in order[:size]]
    chosen = set(top)
    extra = [int(i) for i, k in zip(order, kinds, strict=True)
             if k == "knowledge_institution" and int(i) not in chosen]  # fmt: skip
    extra = extra[: max(size // 8, 2)]
    return top + extra


def propose_for_call(
    index: matching.MatchIndex,
    request: ConsortiumRequestIn,
    db=None,
    *,
    settings: Settings = DEFAULT_SETTINGS,
    cover_all: CallCoverage | None = None,
) -> dict[str, Any]:
    """Consortia for a call over an index (nothing stored): the API's shape, without ids.
    `cover_all` (from `call_coverage` for the same call and pool) saves computing it again."""
    lexicon = index.lexicon_()
    ids = request.company_ids
    if ids is not None:
        missing = [i for i in ids if i not in index]
        if missing:
            raise InvalidInput({"company_ids": f"unknown or without consent: {missing[:20]}"})
    if cover_all is None:
        cover_all = call_coverage(index, request.call, ids, db=db, weights=settings.weights)
    pool = _pool(index, cover_all, settings.pool)
    pool_ids = [cover_all.ids[i] for i in pool]
    profiles = [index.profiles_[i] for i in pool_ids]
    cover = CallCoverage(cover_all.demands, pool_ids,
                         concept_coverage(cover_all.demands, cover_all.coverage[:, pool],
                                          profiles, lexicon, settings.concept_z),
                         cover_all.relevance[pool])  # fmt: skip
    knowledge = np.array([p.get("kind") == "knowledge_institution" for p in profiles], dtype=bool)
    built: list[Consortium] = []
    if len(pool_ids) >= request.min_size:
        pairs = matching.pair_score_matrix(index, pool_ids, db=db)
        companies = ~knowledge
        blocked = pairs.never | pairs.never.T | (pairs.competitor & np.outer(companies, companies))
        needs_knowledge = requires_knowledge_institution(request.call) and bool(knowledge.any())
        built = build_consortia(
            cover, knowledge, blocked, count=request.count or DEFAULT_COUNT,
            min_size=request.min_size, max_size=request.max_size,
            needs_knowledge=needs_knowledge, seed=request.seed, settings=settings,
            meets=covers(index, cover.demands, profiles, cover.coverage, db),
        )  # fmt: skip
    lang = request.lang
    consortia = []
    for c in built:
        members = [
            {"id": pool_ids[m], "name": profiles[m].get("name"),
             "kind": profiles[m].get("kind"),
             "reason": _reason(m, c, cover, profiles[m], lexicon, lang)}
            for m in c.members
        ]  # fmt: skip
        covered = [cover.demands[d].view(lexicon, lang) | {"by": [pool_ids[m] for m in ms]}
                   for d, ms in sorted(c.covered_by.items())]  # fmt: skip
        uncovered = [cover.demands[d].view(lexicon, lang)
                     for d in range(len(cover.demands)) if d not in c.covered_by]  # fmt: skip
        consortia.append({"type": "consortium", "score": c.score, "members": members,
                          "covered": covered, "uncovered": uncovered})  # fmt: skip
    return {
        "consortia": consortia,
        "demands": [d.view(lexicon, lang) for d in cover.demands],
        "requires_knowledge_institution": requires_knowledge_institution(request.call),
    }


def parse_request(data: Any) -> ConsortiumRequestIn:
    return validate(ConsortiumRequestIn, data)


def propose(db, data: Any, *, created_by: int | None = None) -> dict[str, Any]:
    """Validate a request, propose consortia over the store's index and store them."""
    request = parse_request(data)
    found = propose_for_call(matching.match_index(db), request, db=db)
    summary = {k: v for k, v in found.items() if k != "consortia"}
    stored = proposals.save(db, "consortium", request.model_dump(), summary, found["consortia"],
                            created_by=created_by)  # fmt: skip
    return view(stored)


def view(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored consortium proposal in the API's shape."""
    if stored.get("kind") != "consortium":
        raise NotFound(f"No consortium proposal with id {stored.get('id')}")
    return {
        "id": stored["id"],
        "call": stored["request"].get("call"),
        "consortia": [
            {
                "id": g["id"],
                "members": g.get("members", []),
                "covered": g.get("covered", []),
                "uncovered": g.get("uncovered", []),
                "score": g.get("score"),
            }
            for g in stored["groups"]
        ],  # fmt: skip
        "demands": stored.get("demands", []),
        "requires_knowledge_institution": stored.get("requires_knowledge_institution", False),
        "created_at": stored.get("created_at"),
    }


def get(db, proposal_id: int) -> dict[str, Any]:
    """A stored consortium proposal (API view), or NotFound."""
    return view(proposals.get_proposal(db, stored_id(proposal_id, "consortium proposal")))


def listing(db) -> list[dict[str, Any]]:
    return [view(p) for p in proposals.list_proposals(db, "consortium")]
