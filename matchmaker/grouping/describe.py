"""What a proposed network is and why each member is in it: type, purpose, member reasons."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matchmaker.grouping.pool import PoolScores
from matchmaker.matching.reasons import common_market_keys
from matchmaker.reference import messages, nace
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.nace import nace_division, nace_section
from matchmaker.reference.text import clauses
from matchmaker.representation.roles import role_of

NETWORK_TYPES = ("knowledge", "vertical", "horizontal", "complementary", "congruent")

# Positions along one value chain by a firm's role (service providers and knowledge partners
# serve a chain from beside it).
CHAIN_POSITION = {"supplier": 0, "subcontractor": 1, "producer": 2, "distributor": 3, "customer": 4}


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
    """Reasons in words for networks of a pool: which needs the others meet, what each brings."""

    def __init__(self, profiles: Sequence[Mapping], scores: PoolScores, lang: str = "da"):
        self.profiles = profiles
        self.scores = scores
        self.lang = messages.language(lang)
        self.w = messages.table("networks", self.lang)
        self.lexicon = default_lexicon()
        self._concepts: dict[tuple[int, str], list[str]] = {}
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

    def member_reason(self, i: int, members: Sequence[int]) -> str:
        """Which of i's needs the others cover (and by whom), and what i brings to whom."""
        cv, _ = self.scores.views()
        others = [j for j in members if j != i]
        if not others:  # a lone locked member: nobody to cover its needs yet
            return ""
        p = self.profiles[i]
        parts = []
        needs = self.concepts(i, "needs")
        if not (p.get("needs") or "").strip():
            alike = sorted(others, key=lambda j: -self.scores.similar[i, j])[:2]
            parts.append(self.w["no_needs"].format(names=self._names(alike)))
        else:
            met: dict[str, list[int]] = {}
            for j in others:
                for c in self.concepts(j, "offers"):
                    if c in needs:
                        met.setdefault(c, []).append(j)
            if met:
                by = sorted({j for js in met.values() for j in js}, key=others.index)
                parts.append(
                    self.w["covered"].format(
                        needs=self._labels(list(met)[:3]), names=self._names(by)
                    )
                )
            else:
                best = max(others, key=lambda j: cv[i, j])
                need = _first_clause(p.get("needs") or "", clauses)
                offer = _first_clause(self.profiles[best].get("offers") or "", clauses)
                parts.append(
                    self.w["covered_plain"].format(
                        need=need, names=self._names([best]), offer=offer
                    )
                )
        # What i brings: the members whose needs i's offers meet best.
        served = [j for j in others if cv[j, i] >= 0.5] or [max(others, key=lambda j: cv[j, i])]
        offers = [c for c in self.concepts(i, "offers") if any(c in self.concepts(j, "needs")
                                                               for j in served)]  # fmt: skip
        if p.get("kind") == "knowledge_institution" and not offers:
            brings = self.w["knowledge"]
        elif offers:
            brings = self.w["brings"].format(
                offers=self._labels(offers[:3]), names=self._names(served)
            )
        elif (p.get("offers") or "").strip():
            offer = _first_clause(p.get("offers") or "", clauses)
            brings = self.w["brings_plain"].format(offer=offer, names=self._names(served))
        else:
            brings = self.w["brings_profile"].format(names=self._names(served))
        return "; ".join(parts + [brings]) + "."

    def network(self, members: Sequence[int]) -> dict[str, Any]:
        """Type, purpose and group-level reasons of one network."""
        kind = network_type(self.profiles, self.scores, members)
        if kind == "vertical":
            held = set(chain_positions(self.profiles, members).values())
            roles = [r for r, p in CHAIN_POSITION.items() if p in held]
            links = " → ".join(messages.render(f"exports.role_{r}", self.lang) for r in roles)
        else:
            links = _trade([self.profiles[i] for i in members], self.lang)
        purpose = self.w["purpose"][kind].format(sections=links)
        reasons = []
        met = []
        for i in members:
            offered = {c for j in members if j != i for c in self.concepts(j, "offers")}
            met += [c for c in self.concepts(i, "needs") if c in offered and c not in met]
        if met:
            reasons.append(self.w["concepts"].format(labels=self._labels(met[:6])))
        if self._common is None:
            self._common = common_market_keys(self.profiles)
        markets = _shared_markets([self.profiles[i] for i in members], self._common)
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


def _first_clause(text_: str, clauses) -> str:
    spans = clauses(text_)
    if not spans:
        return ""
    a, b = spans[0]
    words = " ".join(text_[a:b].split()).strip(" ,.;:")
    return words if len(words) <= 90 else words[:90].rsplit(" ", 1)[0] + " …"


def _shared_markets(profiles: Sequence[Mapping], common: set[str]) -> list[str]:
    """Markets named by at least two members, but not by most of the pool (`common`), in
    first-seen spelling."""
    seen: dict[str, list] = {}
    for p in profiles:
        for m in {" ".join(str(x).lower().split()): x for x in p.get("markets") or []}.items():
            seen.setdefault(m[0], [m[1], 0])[1] += 1
    return [name for key, (name, n) in seen.items() if n >= 2 and key not in common]
