"""What a proposed network is and why each member is in it: type, purpose, member reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from matchmaker.grouping.pool import PoolScores
from matchmaker.matching import MatchIndex
from matchmaker.matching.features import market_keys
from matchmaker.matching.pairwise import PairDots
from matchmaker.matching.reasons import (
    STRONG_DIRECTION,
    Explainer,
    common_market_keys,
    market_words,
)
from matchmaker.reference import messages, nace
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.markets import shared_markets
from matchmaker.reference.nace import nace_division, nace_section
from matchmaker.reference.text import clauses
from matchmaker.representation.roles import CHAIN_POSITION, role_of

NETWORK_TYPES = ("knowledge", "vertical", "horizontal", "complementary", "congruent")


def chain_positions(profiles: Sequence[Mapping], members: Sequence[int]) -> dict[int, int]:
    """Each member firm's position in a value chain, by its role (stated, else suggested)."""
    out = {}
    for i in members:
        if profiles[i].get("kind") == "knowledge_institution":
            continue
        position = CHAIN_POSITION.get(role_of(profiles[i]) or "")
        if position is not None:
            out[i] = position
    return out


def value_chain(profiles: Sequence[Mapping], members: Sequence[int]) -> bool:
    """Members at different positions of one value chain: at least two positions, and at
    least half of the firms each at a position of its own."""
    firms = [i for i in members if profiles[i].get("kind") != "knowledge_institution"]
    positions = set(chain_positions(profiles, members).values())
    return len(positions) >= max(2, -(-len(firms) // 2))


def _section(profile: Mapping) -> str | None:
    return nace_section(profile.get("nace"))


def network_type(profiles: Sequence[Mapping], scores: PoolScores, members: Sequence[int]) -> str:
    """'knowledge' (led by a research partner: a knowledge institution among firms),
    'vertical' (a value chain: members at different positions of one chain, by their roles),
    'complementary' (needs met by offers across trades), 'horizontal' (alike firms of one
    NACE section) or 'congruent' (alike firms across sections)."""
    if any(profiles[i].get("kind") == "knowledge_institution" for i in members) and any(
        profiles[i].get("kind") != "knowledge_institution" for i in members
    ):
        return "knowledge"
    if value_chain(profiles, members):
        return "vertical"
    cv, sv = scores.cover, scores.similar
    pairs = [(i, j) for a, i in enumerate(members) for j in members[a + 1 :]]
    if not pairs:
        return "complementary"
    cover = sum(max(cv[i, j], cv[j, i]) for i, j in pairs) / len(pairs)
    alike = sum(sv[i, j] for i, j in pairs) / len(pairs)
    firms = [profiles[i] for i in members if profiles[i].get("kind") != "knowledge_institution"]
    sections = [s for s in (_section(f) for f in firms) if s]
    dominant = max((sections.count(s) for s in set(sections)), default=0)
    one_trade = bool(sections) and dominant / len(sections) >= 0.6
    if cover >= alike:
        return "complementary"
    return "horizontal" if one_trade else "congruent"


class Describer:
    """Reasons in words for networks of a pool: which needs the others meet, what each brings.

    A need counts as met by another member only by the matcher's own judgement: a concept
    both texts name, in a direction the matcher finds strong (`STRONG_DIRECTION`) or in
    clauses it quotes as a need→offer reason in partner suggestions
    (`matching.reasons.Explainer`); without a shared concept, only a line it quotes. With no
    `index` (the firms' vectors) shared concepts alone count."""

    def __init__(
        self,
        profiles: Sequence[Mapping],
        scores: PoolScores,
        lang: str = "da",
        index: MatchIndex | None = None,
        db=None,
    ):
        self.profiles = profiles
        self.scores = scores
        self.lang = messages.language(lang)
        self.w = messages.table("networks", self.lang)
        self.lexicon = default_lexicon()
        self.index = index
        self.explainer = Explainer(index, self.lang, db) if index is not None else None
        self._concepts: dict[tuple[int, str], list[str]] = {}
        self._lines: dict[tuple[int, int], list[dict]] = {}
        self._strength: dict[tuple[int, int], float] = {}
        self._common: set[str] | None = None  # markets most of the pool lists

    def concepts(self, i: int, part: str) -> list[str]:
        key = (i, part)
        if key not in self._concepts:
            self._concepts[key] = self.lexicon.concept_ids(self.profiles[i].get(part) or "")
        return self._concepts[key]

    def _names(self, rows: Sequence[int]) -> str:
        names = [self.profiles[j].get("name") or f"#{self.profiles[j].get('id')}" for j in rows]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + f" {self.w['and']} " + names[-1]

    def _labels(self, concepts: Iterable[str]) -> str:
        return ", ".join(self.lexicon.label(c, self.lang) for c in concepts)

    def _strengths(self, members: Sequence[int]) -> None:
        """Calibrated need→offer strength of every ordered pair of `members` (the matcher's
        z), worked out once per pair from the index's vectors."""
        todo = [i for i in members if any((i, j) not in self._strength for j in members)]
        ids = [self.profiles[i].get("id") for i in todo]
        if self.index is None or len(todo) < 2 or any(c not in self.index for c in ids):
            return
        vectors = self.index.vectors_.take(self.index.rows(ids))
        z = self.index.encoder_.similarity(vectors, vectors, "needs", "offers")
        for a, i in enumerate(todo):
            for b, j in enumerate(todo):
                self._strength[i, j] = float(z[a, b])

    def prime(self, groups: Sequence[Sequence[int]]) -> None:
        """`_strengths` of every group at once: the ordered pairs of members (each firm with
        itself too, as `_strengths` keeps them) in one listed-pairs call (`PairDots`: the same
        cosines as a block's, without forming one per group), and the clause cosines the
        reasons quote from (`Explainer.prime`: one compiled call, not one product per pair).
        For a large pool's many networks, where a block per network costs most of the
        reasons' time."""
        if self.index is None:
            return
        pairs = [(i, j) for g in groups for i in g for j in g if (i, j) not in self._strength]
        ids = {i: self.profiles[i].get("id") for g in groups for i in g}
        if not pairs or any(c not in self.index for c in ids.values()):
            return
        encoder = self.index.encoder_
        dots = getattr(self.scores, "dots", None)  # a sparse pool's: by pool position
        if dots is not None:
            row = {i: i for i in ids}
        else:
            row = {i: self.index.row_[c] for i, c in ids.items()}
            dots = PairDots(encoder, self.index.vectors_, parallel=False)
        left = np.array([row[i] for i, _ in pairs], dtype=np.int64)
        right = np.array([row[j] for _, j in pairs], dtype=np.int64)
        found = dots(left, right)
        z = encoder.combine_similarities(
            found.similarities("needs", "offers"), "needs", "offers", (len(pairs),)
        )
        for (i, j), value in zip(pairs, z.tolist(), strict=True):
            self._strength[i, j] = value
        if self.explainer is not None:
            self.explainer.prime([[self.profiles[i] for i in g] for g in groups])

    def need_offer(self, i: int, j: int) -> list[dict]:
        """The need→offer lines the matcher quotes for i's needs met by j's offers
        (`matching.need_offer` with shared concepts, or `matching.need_offer_plain`)."""
        if (i, j) not in self._lines:
            if self.explainer is None:
                self._lines[i, j] = []
            else:
                self._strengths([i, j])
                strength = self._strength.get((i, j), float("-inf"))
                found = self.explainer.need_offer(self.profiles[i], self.profiles[j], strength)
                self._lines[i, j] = found
        return self._lines[i, j]

    def _meets(self, i: int, j: int, concept: str) -> bool:
        """Whether j's offers meet i's need for `concept`: the offer text names it, and (with
        an index) the direction is strong (`STRONG_DIRECTION`) or the matcher quotes a line
        of i's needs met by j's offers with it."""
        if concept not in self.concepts(j, "offers"):
            return False
        if self.explainer is None:
            return True
        if self._strength.get((i, j), float("-inf")) > STRONG_DIRECTION:
            return True
        label = self.lexicon.label(concept, self.lang)
        return any(
            r["code"] == "matching.need_offer" and _lists(r["label"], label)
            for r in self.need_offer(i, j)
        )

    def met(self, i: int, others: Sequence[int]) -> dict[str, list[int]]:
        """i's needed concepts that members of `others` meet, with who meets each."""
        out: dict[str, list[int]] = {}
        for c in self.concepts(i, "needs"):
            for j in others:
                if self._meets(i, j, c):
                    out.setdefault(c, []).append(j)
        return out

    def _plain(self, i: int, j: int) -> dict | None:
        """A quoted need→offer line without a shared concept (a strong direction only)."""
        return next(
            (r for r in self.need_offer(i, j) if r["code"] == "matching.need_offer_plain"), None
        )

    def member_reason(self, i: int, members: Sequence[int]) -> str:
        """Which of i's needs the others meet (and by whom), and what i brings to whom; a
        need that no member meets well enough is said to be unmet, never "met" by the best
        of weak offers."""
        others = [j for j in members if j != i]
        if not others:  # a lone locked member: nobody to cover its needs yet
            return ""
        self._strengths(members)
        cv, _ = self.scores.views()
        p = self.profiles[i]
        parts = []
        if not (p.get("needs") or "").strip():
            alike = sorted(others, key=lambda j: -self.scores.similar[i, j])[:2]
            parts.append(self.w["no_needs"].format(names=self._names(alike)))
        else:
            met = self.met(i, others)
            if met:
                by = sorted({j for js in met.values() for j in js}, key=others.index)
                parts.append(
                    self.w["covered"].format(
                        needs=self._labels(list(met)[:3]), names=self._names(by)
                    )
                )
            else:
                ranked = sorted(others, key=lambda j: -cv[i, j])
                line = next(((j, r) for j in ranked if (r := self._plain(i, j))), None)
                if line is not None:
                    j, r = line
                    parts.append(
                        self.w["covered_plain"].format(
                            need=r["need"], names=self._names([j]), offer=r["offer"]
                        )
                    )
                else:
                    need = _first_clause(p.get("needs") or "", clauses)
                    parts.append(self.w["not_covered"].format(need=need))
        parts.append(self._brings(i, others))
        return "; ".join(parts) + "."

    def _brings(self, i: int, others: Sequence[int]) -> str:
        """What i brings, from its offers only: the concepts of other members' needs it
        meets, else the offer the matcher quotes for another's needs, else its offer alone."""
        p = self.profiles[i]
        served: list[int] = []
        offers: list[str] = []
        for j in others:
            found = list(self.met(j, [i]))
            if found:
                served.append(j)
                offers += [c for c in found if c not in offers]
        if offers:
            return self.w["brings"].format(
                offers=self._labels(offers[:3]), names=self._names(served)
            )
        if p.get("kind") == "knowledge_institution":
            return self.w["knowledge"]
        plain = [(j, r) for j in others if (r := self._plain(j, i))]
        if plain:
            return self.w["brings_plain"].format(
                offer=plain[0][1]["offer"], names=self._names([j for j, _ in plain])
            )
        if (p.get("offers") or "").strip():
            return self.w["offers_plain"].format(offer=_first_clause(p["offers"], clauses))
        alike = sorted(others, key=lambda j: -self.scores.similar[i, j])[:2]
        return self.w["brings_profile"].format(names=self._names(alike))

    def network(self, members: Sequence[int], kind: str | None = None) -> dict[str, Any]:
        """Type, purpose and group-level reasons of one network; a known `kind` is kept (a
        stored network described again in another language keeps its type)."""
        if kind not in NETWORK_TYPES:
            kind = network_type(self.profiles, self.scores, members)
        if kind == "vertical":
            held = set(chain_positions(self.profiles, members).values())
            roles = [r for r, p in CHAIN_POSITION.items() if p in held]
            links = " → ".join(messages.render(f"exports.role_{r}", self.lang) for r in roles)
        else:
            links = _trade([self.profiles[i] for i in members], self.lang)
        purpose = self.w["purpose"][kind].format(sections=links)
        reasons = []
        self._strengths(members)
        met = []
        for i in members:
            found = self.met(i, [j for j in members if j != i])
            met += [c for c in found if c not in met]
        if met:
            reasons.append(self.w["concepts"].format(labels=self._labels(met[:6])))
        if self._common is None:
            self._common = common_market_keys(self.profiles)
        markets = _shared_markets([self.profiles[i] for i in members], self._common, self.lang)
        if markets:
            reasons.append(self.w["markets"].format(markets=", ".join(markets[:4])))
        return {"type": kind, "purpose": purpose, "reasons": reasons}


def _trade(profiles: Sequence[Mapping], lang: str) -> str:
    """The members' common trade in words: the NACE title of the division most of the firms
    share, else of their most common section ('' when no firm has a code)."""
    firms = [p for p in profiles if p.get("kind") != "knowledge_institution"] or list(profiles)
    for level in (nace_division, nace_section):
        codes = [c for c in (level(p.get("nace")) for p in firms) if c]
        if not codes:
            return ""
        best = max(dict.fromkeys(codes), key=codes.count)
        if level is nace_section or 2 * codes.count(best) > len(firms):
            return nace.title(best, lang)
    return ""


def _lists(labels: str, label: str) -> bool:
    """Whether `label` is one of the comma-joined `labels` of a need→offer line."""
    return (
        labels == label
        or labels.startswith(label + ", ")
        or labels.endswith(", " + label)
        or f", {label}, " in labels
    )


def _first_clause(text_: str, clauses) -> str:
    spans = clauses(text_)
    if not spans:
        return ""
    a, b = spans[0]
    words = " ".join(text_[a:b].split()).strip(" ,.;:")
    return words if len(words) <= 90 else words[:90].rsplit(" ", 1)[0] + " …"


def _shared_markets(profiles: Sequence[Mapping], common: set[str], lang: str) -> list[str]:
    """Markets at least two members sell in, whatever language they wrote them in (a group
    such as Norden holds its countries: `reference.markets`), but not those most of the pool
    lists (`common`), named in the reader's language in the order first written."""
    shared = shared_markets([market_keys(p) for p in profiles], leave_out=common)
    return market_words(shared, profiles, lang)
