"""Networks by design: around a lead firm's value chain, one large firm with SMEs, across
regions; and warnings beside a network that is too uniform or has no member for a stated need.

`networks.plan` hands the request to a `Design`, which shapes the pool (who may join, who is
locked in, how many networks), the optimiser's problem (pairs that must not meet, a nudge
towards mixed regions) and the optimiser's answer (a network still in one region is repaired
by a swap, or left out and reported). The hard constraints stay the optimiser's: competitors,
never-pair rules, consent and the per-firm cap hold in every design. `Warnings` judge each
proposed network, designed or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from matchmaker import matching
from matchmaker.grouping.optimiser import (
    MAX_KNOWLEDGE_INSTITUTIONS,
    Grouping,
    Problem,
    group_score,
)
from matchmaker.grouping.pool import PoolScores
from matchmaker.reference import messages
from matchmaker.reference.sizes import SME_MAX_EMPLOYEES, size_band
from matchmaker.reference.validation import SQLITE_MAX_INT, InvalidInput, Strict, text
from matchmaker.representation.roles import role_of

DesignName = Literal["lead", "big_and_small", "cross_region"]
DESIGNS = ("lead", "big_and_small", "cross_region")

LEAD_POOL = 60  # candidates kept around a lead firm, those that meet its needs best
SAME_REGION_WEIGHT = 0.8  # pair scores of two firms of one region when regions should mix
# A firm meets a stated need at this calibrated (z-like) coverage or more, when the matcher
# would also quote its offers as meeting the need (`Warnings.meets`).
NEED_Z = 1.25
REPAIR_OPTIONS = 40  # firms of other regions tried when a network sits in one region


# --------------------------------------------------------------------------------------------
# Request fields


class DesignFields(Strict):
    """The request fields of a designed network (all optional; none keeps the plain request)."""

    design: list[DesignName] | None = Field(
        default=None,
        description="'lead' (complete a lead firm's value chain), 'big_and_small' (one large "
        "firm with SMEs), 'cross_region' (members from at least two regions); one or a list",
    )
    lead_id: Annotated[int, Field(ge=1, le=SQLITE_MAX_INT)] | None = Field(
        default=None, description="The lead firm of the design 'lead' (implies it)"
    )
    need: text(500, 1) | None = Field(
        default=None, description="A stated need: a network none of whose members meets it "
        "is flagged, with the firm that would",
    )  # fmt: skip

    @field_validator("design", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in DESIGNS:
                raise ValueError("must be one of " + ", ".join(DESIGNS) + " (or a list of them)")
            return [value]
        return value

    @model_validator(mode="after")
    def _design_rules(self) -> DesignFields:
        designs = list(dict.fromkeys(self.design or []))
        if self.lead_id is not None and "lead" not in designs:
            designs.insert(0, "lead")
        if not designs:
            self.design = None
            return self
        self.design = designs
        if "lead" in designs:
            if self.lead_id is None:
                refuse("lead_id", "lead_required", "is required for the design 'lead'")
            if getattr(self, "around_company_id", None) is not None:
                refuse("around_company_id", "lead_or_around",
                       "give either lead_id or around_company_id, not both")  # fmt: skip
            if (getattr(self, "count", None) or 1) > 1:
                refuse("count", "lead_count", "a network around a lead firm is one network (1)")
            if getattr(self, "locked", None):
                refuse("locked", "lead_locked", "cannot be combined with the design 'lead'")
        if "big_and_small" in designs and getattr(self, "around_company_id", None) is not None:
            refuse("around_company_id", "big_around",
                   "use lead_id to name the large firm of 'big_and_small'")  # fmt: skip
        if "cross_region" in designs and getattr(self, "region", None) is not None:
            refuse("region", "cross_region",
                   "the design 'cross_region' mixes regions; leave region out")  # fmt: skip
        return self


def refuse(field: str, code: str, english: str) -> None:
    """Refuse a request whose design contradicts itself: the English words for the API, the
    catalogue's `design.error_<code>` for the pages."""
    raise InvalidInput({field: english}, "The network design cannot be planned",
                       codes={field: messages.record(f"design.error_{code}")})  # fmt: skip


def note(code: str, **params: Any) -> dict[str, Any]:
    """An unmet constraint of a design: its record (`reasons.<code>`) and the English text."""
    record = messages.record(f"reasons.{code}", **params)
    return {"constraint": "design", "reason": messages.render_record(record, "en"),
            "message": record}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Profiles


def employees(profile: Mapping) -> int | None:
    value = profile.get("employees")
    return value if isinstance(value, int) else None


def is_large(profile: Mapping) -> bool:
    """Over the SME limit (`reference.sizes`), and a company."""
    n = employees(profile)
    return (
        profile.get("kind") != "knowledge_institution" and n is not None and (n > SME_MAX_EMPLOYEES)
    )


def is_sme(profile: Mapping) -> bool:
    n = employees(profile)
    return n is not None and n <= SME_MAX_EMPLOYEES


# --------------------------------------------------------------------------------------------
# The design of one request


@dataclass
class Design:
    """What a request asks of its networks, and the steps `networks.plan` takes for it."""

    designs: tuple[str, ...]
    lead: int | None
    min_size: int
    anchors: tuple[int, ...] = ()  # the large firm of each network (big_and_small)

    @classmethod
    def of(cls, request) -> Design | None:
        if not getattr(request, "design", None):
            return None
        return cls(tuple(request.design), request.lead_id, request.min_size)

    def has(self, name: str) -> bool:
        return name in self.designs

    # -- the pool --------------------------------------------------------------------------

    def pool(
        self,
        index,
        ids: list[int],
        locked: list[list[int]],
        count: int | None,
        *,
        exclude: set[int],
        busy: Callable[[int], bool],
        unmet: list[dict[str, Any]],
    ) -> tuple[list[int], list[list[int]], int | None]:
        """The pool, locked groups and count this design plans with."""
        profile = index.profiles_.__getitem__
        if self.has("lead"):
            lead = self.lead
            if lead in exclude:
                unmet.append(note("design_lead_taken", name=profile(lead).get("name")))
                return [], [], 1
            ids = self._chain_of(index, lead, [i for i in ids if i != lead and not busy(i)])
            if not ids:
                unmet.append(note("design_no_chain", name=profile(lead).get("name")))
            if not any(lead in g for g in locked):
                locked = [[lead], *locked]
            ids = [lead, *ids]
            count = 1
        if self.has("big_and_small"):
            ids, locked, count = self._big_and_small(profile, ids, locked, count, busy, unmet)
        return sorted(set(ids) | {c for g in locked for c in g}), locked, count

    def _chain_of(self, index, lead: int, others: list[int]) -> list[int]:
        """The firms at another position of a value chain than the lead, best meeting the
        lead's needs (by the matching stage's needs-met-by-offers), likely competitors out."""
        if not others:
            return []
        found = matching.score_rows(index, index.rows([lead]), index.rows(others), "complementary")
        has_needs = bool((index.profile(lead).get("needs") or "").strip())
        value = found.need_offer[0] if has_needs else found.score[0]
        value = np.where(found.competitor[0], -np.inf, value)
        lead_role = role_of(index.profile(lead))
        keep = []
        for k in np.argsort(-value, kind="stable"):
            if not np.isfinite(value[k]):
                break
            role = role_of(index.profile(others[k]))
            if role is not None and role != lead_role:
                keep.append(others[k])
                if len(keep) >= LEAD_POOL:
                    break
        return keep

    def _big_and_small(self, profile, ids, locked, count, busy, unmet):
        """One large firm per network (the lead, else the largest firms over the SME limit,
        else the largest firm), the other members SMEs smaller than it."""
        firms = [i for i in ids if employees(profile(i)) is not None]
        unknown = len(ids) - len(firms)
        if unknown:
            unmet.append(note("design_unknown_size", n=unknown))
        anchored = [a for g in locked for a in g if is_large(profile(a)) or a == self.lead]
        if self.lead is not None:
            anchors = [self.lead]
        else:
            companies = [i for i in firms if profile(i).get("kind") != "knowledge_institution"]
            by_size = sorted(
                (i for i in companies if not busy(i)), key=lambda i: (-employees(profile(i)), i)
            )
            large = [i for i in by_size if is_large(profile(i))]
            if not large and by_size and not anchored:
                top = by_size[0]
                name, n = profile(top).get("name"), employees(profile(top))
                unmet.append(note("design_no_large", limit=SME_MAX_EMPLOYEES, name=name, n=n))
                large = [top]
            smes = sum(1 for i in firms if is_sme(profile(i)) and i not in large)
            want = count or max(1, min(len(large), smes // max(1, self.min_size - 1)))
            anchors = [a for a in [*anchored, *large] if a not in anchored][
                : max(0, want - len(anchored))
            ]
            anchors = anchored + anchors
        smallest = min((employees(profile(a)) or 0 for a in anchors), default=0)
        members = [i for i in firms if is_sme(profile(i)) and i not in anchors and (
            employees(profile(i)) < smallest or smallest > SME_MAX_EMPLOYEES)]  # fmt: skip
        if not members:
            unmet.append(note("design_no_sme", limit=SME_MAX_EMPLOYEES))
        locked = locked + [[a] for a in anchors if not any(a in g for g in locked)]
        self.anchors = tuple(anchors)
        if count and count > len(anchors):
            unmet.append(note("design_few_large", n=len(anchors), count=count))
        count = len(anchors) or None
        return [*anchors, *members], locked, count

    # -- the problem -----------------------------------------------------------------------

    def problem(self, problem: Problem, ids: Sequence[int], profiles: Sequence[Mapping]) -> Problem:
        """The optimiser's problem for this design: no two anchors (large firms) together and
        no member larger than its anchor; same-region pairs scored lower to mix regions."""
        forbidden = set(problem.forbidden)
        if self.anchors:
            pos = {c: k for k, c in enumerate(ids)}
            rows = [pos[a] for a in self.anchors if a in pos]
            for a in rows:
                size = employees(profiles[a]) or 0
                for x in range(len(ids)):
                    if x != a and (x in rows or (employees(profiles[x]) or 0) >= size):
                        forbidden.add((min(a, x), max(a, x)))
        scores = problem.scores
        if self.has("cross_region") and scores.n:
            _, region = np.unique([p.get("region") or "" for p in profiles], return_inverse=True)
            weight = np.where(region[:, None] == region[None, :], SAME_REGION_WEIGHT, 1.0)
            weight = weight.astype(np.float32)
            scores = PoolScores(scores.cover * weight, scores.similar * weight,
                                set(scores.competitor), scores.pair * weight)  # fmt: skip
        return replace(problem, scores=scores, forbidden=forbidden)

    # -- the answer ------------------------------------------------------------------------

    def finish(
        self,
        problem: Problem,
        grouping: Grouping,
        scores: PoolScores,
        profiles: Sequence[Mapping],
        unmet: list[dict[str, Any]],
    ) -> Grouping:
        """Networks that keep the design: a network in one region takes a member of another
        region by a swap (or is left out), a locked firm left without enough members is
        reported; scores are the pool's own, not the steered ones."""
        groups = [list(g) for g in grouping.groups]
        locked = {x for g in problem.locked for x in g}
        if self.has("cross_region"):
            region = [p.get("region") for p in profiles]
            for g in range(len(groups)):
                if len({region[m] for m in groups[g]}) < 2:
                    _repair_region(problem, scores, groups, g, region, locked)
            kept = []
            for members in groups:
                if len({region[m] for m in members}) >= 2:
                    kept.append(members)
                else:
                    unmet.append(note("design_one_region", names=_names(profiles, members)))
            groups = kept
        kept = []
        for members in groups:
            if len(members) >= self.min_size:
                kept.append(members)
            else:
                heads = [m for m in members if m in locked] or members
                unmet.append(note("design_too_small", name=_names(profiles, heads),
                                  min=self.min_size))  # fmt: skip
        placed = {x for g in kept for x in g}
        unplaced = [i for i in range(scores.n) if i not in placed and problem.placeable[i]]
        return Grouping(kept, [group_score(scores, g) for g in kept], unplaced)


def _names(profiles: Sequence[Mapping], members: Sequence[int]) -> str:
    return ", ".join(str(profiles[m].get("name")) for m in members)


def _fits(problem: Problem, x: int, members: Sequence[int]) -> bool:
    """x may sit with these members: no forbidden pair, at most two knowledge institutions."""
    if any((min(x, m), max(x, m)) in problem.forbidden for m in members):
        return False
    if problem.knowledge[x]:
        return sum(bool(problem.knowledge[m]) for m in members) < MAX_KNOWLEDGE_INSTITUTIONS
    return True


def _repair_region(problem, scores, groups, g, region, locked) -> None:
    """Swap one free member of network g for a firm of another region (unplaced, or from a
    network that stays mixed), the swap that costs the pair scores least."""
    members = groups[g]
    group_of = {x: h for h, ms in enumerate(groups) for x in ms}
    here = region[members[0]]
    options = [
        x for x in range(scores.n)
        if region[x] != here and x not in locked
        and (x in group_of or problem.placeable[x])
    ]  # fmt: skip
    fit = scores.pair[np.ix_(options, members)].sum(axis=1) if options else np.zeros(0)
    options = [options[k] for k in np.argsort(-fit, kind="stable")[:REPAIR_OPTIONS]]
    best, best_value = None, -np.inf
    for m in members:
        if m in locked:
            continue
        rest = [y for y in members if y != m]
        for x in options:
            if not _fits(problem, x, rest):
                continue
            h = group_of.get(x)
            value = group_score(scores, [*rest, x])
            if h is not None:
                other = [y for y in groups[h] if y != x]
                if not _fits(problem, m, other) or len({region[y] for y in [*other, m]}) < 2:
                    continue
                value += group_score(scores, [*other, m]) - group_score(scores, groups[h])
            if value > best_value:
                best, best_value = (m, x, h), value
    if best is None:
        return
    m, x, h = best
    groups[g] = [x if y == m else y for y in members]
    if h is not None:
        groups[h] = [m if y == x else y for y in groups[h]]


# --------------------------------------------------------------------------------------------
# Warnings beside a network


@dataclass
class Warnings:
    """Judges networks of one pool: too uniform (every member of the same role, NACE class
    and size band), or no member meeting the stated need; each warning says what would fix
    it, naming a firm of the pool where one fits."""

    index: Any
    ids: Sequence[int]
    profiles: Sequence[Mapping]
    scores: PoolScores
    forbidden: set[tuple[int, int]]
    lang: str = "da"
    need: str | None = None
    need_of: int | None = None  # the pool position whose needs are the stated need

    def __post_init__(self) -> None:
        self.lang = messages.language(self.lang)
        self._roles: dict[int, str | None] = {}
        self._met: np.ndarray | None = None
        self._meets: dict[int, bool] = {}
        self._explainer: matching.Explainer | None = None

    def role(self, i: int) -> str | None:
        """The role of pool firm i, stated or suggested (suggested only when asked for)."""
        if i not in self._roles:
            self._roles[i] = role_of(self.profiles[i])
        return self._roles[i]

    @property
    def met_(self) -> np.ndarray | None:
        if self.need and self._met is None:
            self._met = self._coverage()
        return self._met

    def _coverage(self) -> np.ndarray:
        """Per pool firm, how well it meets the stated need as a whole (z-like): the need read
        as one text against its offers and profile, or every lexicon concept of the need
        named by the firm's offers or description."""
        # consortia reads networks, which reads this module: imported when first needed
        from matchmaker.grouping.consortia import call_coverage, concept_coverage

        if not self.ids:
            return np.zeros(0)
        found = call_coverage(self.index, self.need, list(self.ids))
        raised = concept_coverage(found.demands, found.coverage, self.profiles,
                                  self.index.lexicon_())  # fmt: skip
        concepts = [k for k, d in enumerate(found.demands) if d.concept]
        every = raised[concepts].min(axis=0) if concepts else found.relevance
        return np.maximum(found.relevance, every)

    def meets(self, i: int) -> bool:
        """Whether pool firm i meets the stated need: close enough to it (NEED_Z), and its
        offers meet it by the matcher's need→offer judgement (as a call's demand is covered),
        so a firm that merely sells where the need points, or shares words, does not."""
        if i not in self._meets:
            strength = float(self.met_[i])
            if strength >= NEED_Z and self._explainer is None:
                self._explainer = matching.Explainer(self.index, "en")
            self._meets[i] = strength >= NEED_Z and self._explainer.meets(
                str(self.need), self.profiles[i], strength
            )
        return self._meets[i]

    def of(self, members: Sequence[int]) -> list[dict[str, Any]]:
        """The warnings of one network (pool positions), as records with their texts."""
        out = []
        uniform = self._uniform(members)
        if uniform:
            out.append(uniform)
        if self.met_ is not None:
            unmet = self._unmet_need(members)
            if unmet:
                out.append(unmet)
        return out

    def _facets(self, i: int) -> tuple[str | None, str | None, str | None]:
        p = self.profiles[i]
        return self.role(i), p.get("nace") or None, size_band(employees(p))

    def _uniform(self, members: Sequence[int]) -> dict[str, Any] | None:
        if len(members) < 2:
            return None
        facets = list(zip(*(self._facets(i) for i in members), strict=True))
        known = [values for values in facets if all(v is not None for v in values)]
        if len(known) < 2 or any(len(set(values)) > 1 for values in known):
            return None
        role, nace, size = (values[0] if all(v is not None for v in values) else None
                            for values in facets)  # fmt: skip
        what = []
        if role:
            what.append(messages.render(f"exports.role_{role}", self.lang))
        if nace:
            what.append(messages.render("design.nace", self.lang, nace=nace))
        if size:
            what.append(messages.render(f"exports.size_{size}", self.lang))
        params = {"role": role, "nace": nace, "size": size}
        other = self._best(members, lambda x: self._facets(x) != (role, nace, size) and (
            self.role(x) != role or (self.profiles[x].get("nace") or None) != nace))  # fmt: skip
        if other is None:
            fix = self._text("design.uniform_fix")
        else:
            fix = self._text("design.uniform_fix_named", name=self.profiles[other].get("name"),
                             role=self._role_label(other))  # fmt: skip
            params["suggestion"] = self.ids[other]
        return self._warning("design.uniform", fix, params, what=", ".join(what))

    def _unmet_need(self, members: Sequence[int]) -> dict[str, Any] | None:
        judged = [m for m in members if m != self.need_of]
        if not judged or any(self.meets(m) for m in judged):
            return None
        need = _short(self.need)
        params: dict[str, Any] = {"need": need}
        other = self._best(members, self.meets, by=self.met_)
        if other is None:
            fix = self._text("design.need_fix")
        else:
            fix = self._text("design.need_fix_named", name=self.profiles[other].get("name"))
            params["suggestion"] = self.ids[other]
        return self._warning("design.need", fix, params, need=need)

    def _best(self, members, wanted, by: np.ndarray | None = None) -> int | None:
        """The firm of the pool outside the network that fits every member but one (it would
        replace that one), has what `wanted` asks, and scores best."""
        inside = set(members)
        value = by if by is not None else self.scores.pair[:, list(members)].sum(axis=1)
        for x in np.argsort(-np.asarray(value), kind="stable").tolist():
            if x in inside or x == self.need_of or not wanted(x):
                continue
            clashes = sum((min(x, m), max(x, m)) in self.forbidden for m in members)
            if clashes <= 1:
                return x
        return None

    def _role_label(self, i: int) -> str:
        role = self.role(i)
        return messages.render(f"exports.role_{role}", self.lang) if role else "–"

    def _text(self, code: str, **params: Any) -> str:
        return messages.render(code, self.lang, **params)

    def _warning(self, code: str, fix: str, params: dict, **words: Any) -> dict[str, Any]:
        return {"code": code, "text": self._text(code, **words), "fix": fix,
                "params": {k: v for k, v in params.items() if v is not None}}  # fmt: skip


def _short(text_: str, limit: int = 90) -> str:
    words = " ".join(text_.split()).strip(" ,.;:")
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + " …"


def stated_need(
    request, ids: Sequence[int], profiles: Sequence[Mapping]
) -> tuple[str | None, int | None]:
    """The need a request (validated, or as stored) states, and the pool position of its lead
    firm (the lead's own needs are the need in the design 'lead' when the request names none)."""

    def get(key: str) -> Any:
        return request.get(key) if isinstance(request, Mapping) else getattr(request, key, None)

    need, lead = get("need"), get("lead_id")
    k = list(ids).index(lead) if lead is not None and lead in ids else None
    if not need and k is not None:
        need = (profiles[k].get("needs") or "").strip() or None
    return need, k
