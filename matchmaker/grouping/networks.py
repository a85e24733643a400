"""Proposals of 3–5-firm business networks under hard constraints, optimised as a whole.

The pipeline: a pool of consenting firms (filtered, listed or around one firm) → pair scores
(needs met by offers, profile similarity, likely competitors) → seeded greedy construction from
each firm's top-k compatible partners → local search (moves and swaps) that maximises a mix of
the weakest network's score and the harmonic mean of all network scores → a type and a reason
in words for every member → stored with `proposals.save`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from matchmaker import matching
from matchmaker.config import Settings
from matchmaker.grouping import clustering, pruning
from matchmaker.grouping.describe import NETWORK_TYPES, Describer, network_type
from matchmaker.grouping.design import Design, DesignFields, Warnings, stated_need
from matchmaker.grouping.optimiser import (
    MAX_KNOWLEDGE_INSTITUTIONS,
    Grouping,
    Problem,
    form_networks,
    group_score,
    harmonic_mean,
)
from matchmaker.grouping.pool import (
    PoolScores,
    forbidden_pairs,
    pair_rules,
    partners_of,
    pool_scores,
)
from matchmaker.grouping.refusals import invalid, nothing_placed, unmet_reason
from matchmaker.reference import nace as nace_codes
from matchmaker.reference import regions
from matchmaker.reference.regions import Region
from matchmaker.reference.validation import InvalidInput, NotFound, Strict, text, validate
from matchmaker.store import proposals
from matchmaker.store.profiles import decode

Kind = Literal["company", "knowledge_institution"]

MAX_ID = 2**63 - 1  # SQLite's largest integer
CompanyId = Annotated[int, Field(ge=1, le=MAX_ID)]
AROUND_POOL = 60  # pool size when proposing around one firm


# --------------------------------------------------------------------------------------------
# Request


class NetworkProposalIn(DesignFields, Strict):
    """What a facilitator asks for: a pool, how many networks, their size, and a seed; and
    optionally a design (`DesignFields`)."""

    company_ids: list[CompanyId] | None = Field(
        default=None, min_length=1, max_length=20_000, description="The pool; default all"
    )
    count: int | None = Field(
        default=None, ge=1, le=5_000, description="Networks to propose; default as many as fit"
    )
    min_size: int = Field(default=3, ge=2, le=10)
    max_size: int = Field(default=5, ge=2, le=10)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    region: Region | None = None
    nace: str | None = Field(default=None, description="Section letter or NACE prefix (62, 62.01)")
    kind: Kind | None = None
    theme: text(500, 1) | None = Field(default=None, description="Only firms close to this text")
    around_company_id: CompanyId | None = None
    locked: list[list[CompanyId]] = Field(
        default_factory=list, max_length=1_000, description="Groups of firms kept together"
    )
    lang: Literal["da", "en"] = Field(default="da", description="Language of the reasons")
    place_all: bool | None = Field(
        default=None,
        description="true: place every firm the constraints allow; false: leave weak members "
        "out (to unmet); default: leave them out of a whole pool of 40 or more firms",
    )

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        if isinstance(value, str):
            found = regions.normalise(value)
            if found is None:
                raise ValueError("must be one of " + ", ".join(regions.REGIONS))
            return found
        return value

    @field_validator("nace")
    @classmethod
    def _nace(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if len(value) == 1 and value.upper().isalpha():
            if value.upper() not in {c.section for c in nace_codes.codes().values()}:
                raise ValueError(f"'{value}' is not a NACE section (A–U)")
            return value.upper()
        return nace_codes.normalise(value)

    @model_validator(mode="after")
    def _sizes(self) -> NetworkProposalIn:
        if self.min_size > self.max_size:
            raise InvalidInput(
                {"min_size": f"must not be larger than max_size ({self.max_size})"},
                "min_size is larger than max_size",
            )
        for group in self.locked:
            if not 1 <= len(group) <= self.max_size:
                raise InvalidInput(
                    {"locked": f"each locked group holds 1 to max_size ({self.max_size}) firms"}
                )
        if self.company_ids and len(self.company_ids) != len(set(self.company_ids)):
            raise InvalidInput({"company_ids": "names a firm more than once"})
        flat = [c for group in self.locked for c in group]
        if len(flat) != len(set(flat)):
            raise InvalidInput({"locked": "a firm appears in more than one locked group"})
        return self


def parse_request(data: Any) -> NetworkProposalIn:
    """A validated request, or InvalidInput naming each wrong field."""
    return validate(NetworkProposalIn, data)


# --------------------------------------------------------------------------------------------
# Pair scores over a pool


# --------------------------------------------------------------------------------------------
# The optimiser (pure: indexes into a pool, no store)


# --------------------------------------------------------------------------------------------
# Types and reasons in words


# --------------------------------------------------------------------------------------------
# From the store to a stored proposal

THEME_Z = 1.0  # combined z-like similarity to the theme text a firm needs to join the pool


@dataclass
class Plan:
    """A computed proposal before it is stored: networks with members and reasons, summary."""

    request: dict[str, Any]
    networks: list[dict[str, Any]]
    worst_score: float
    harmonic_mean: float
    unmet: list[dict[str, Any]]
    pool_size: int

    def summary(self) -> dict[str, Any]:
        return {
            "worst_score": self.worst_score,
            "harmonic_mean": self.harmonic_mean,
            "unmet": self.unmet,
            "pool_size": self.pool_size,
        }


def _unmet_firm(profile: Mapping, code: str, lang: str = "en", **params: Any) -> dict[str, Any]:
    return {
        "company_id": profile["id"],
        "name": profile.get("name"),
        **unmet_reason(code, lang, **params),
    }


def _existing(db, ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(set(ids))
    found: dict[int, dict] = {}
    for s in range(0, len(ids), 500):
        chunk = ids[s : s + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT * FROM companies WHERE id IN ({marks})", chunk):
            found[row["id"]] = decode(row)
    return found


def check_known(db, field_name: str, ids: Iterable[int]) -> dict[int, dict]:
    ids = list(ids)
    found = _existing(db, ids)
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        listed = ", ".join(str(i) for i in missing[:20]) + (" …" if len(missing) > 20 else "")
        raise invalid(field_name, "unknown_ids", "Unknown company ids", ids=listed)
    return found


def _check_consenting(db, index, field_name: str, ids: list[int]) -> None:
    """Named firms must exist and have consented, or the request is refused."""
    if not ids:
        return
    known = check_known(db, field_name, ids)
    refused = [c for c in dict.fromkeys(ids) if c not in index]
    if refused:
        names = ", ".join(f"{known[c]['name']} ({c})" for c in refused)
        raise invalid(
            field_name, "no_consent_names", "Firms without consent cannot be proposed", names=names
        )


def _theme_filter(index, ids: list[int], theme: str) -> list[int]:
    """Firms whose profile reads close to the theme text (at least the best few)."""
    if not ids:
        return ids
    encoder = index.encoder_
    query = encoder.transform([{"id": 0, "description": theme}])
    rows = [index.row_[i] for i in ids]
    stored = index.vectors_.take(rows)
    z = encoder.similarity(query, stored, "profile", "profile")[0]
    keep = [i for i, v in zip(ids, z, strict=True) if v >= THEME_Z]
    if len(keep) < 10:
        order = np.argsort(-z, kind="stable")[:10]
        keep = [ids[k] for k in sorted(order) if z[k] > 0]
    return keep


def _around(index, focal: int, ids: list[int], size: int) -> list[int]:
    """The focal firm and the firms that fit it best among `ids`."""
    others = [i for i in ids if i != focal]
    if len(others) <= size:
        return sorted({focal, *others})
    scores = matching.score_rows(index, index.rows([focal]), index.rows(others), "complementary")
    z = np.where(scores.competitor[0], -np.inf, scores.score[0])
    best = np.argsort(-z, kind="stable")[:size]
    return sorted({focal, *(others[k] for k in best)})


def plan(
    db,
    request: NetworkProposalIn,
    *,
    max_per_firm: int | None = None,
    locked: Sequence[Sequence[int]] = (),
    exclude: Iterable[int] = (),
    released: Mapping[int, int] | None = None,
    max_passes: int = 8,
    cluster: bool = True,
) -> Plan:
    """Compute networks for a validated request without storing them.

    `locked` adds groups kept together (a re-run's locked members), `exclude` keeps firms out
    (members of accepted networks), `released` gives back memberships that are about to be
    replaced (the re-run proposal's own groups); `max_passes` bounds the local search (0: the
    greedy construction alone). A whole pool whose weak firms may stay out is clustered
    (`clustering`), and a pool whose firms are all placed is placed around its clusters;
    `cluster=False` gives both the optimiser alone (and a whole pool weak-member pruning).
    """
    max_per_firm = (
        Settings.from_env().max_proposals_per_firm if max_per_firm is None else (max_per_firm)
    )
    index = matching.match_index(db)
    unmet: list[dict[str, Any]] = []
    exclude = set(exclude)
    locked_groups = [list(g) for g in request.locked] + [list(g) for g in locked if g]
    if request.company_ids is not None:
        known = check_known(db, "company_ids", request.company_ids)
        for cid in dict.fromkeys(request.company_ids):
            if cid not in index:
                unmet.append(_unmet_firm(known[cid], "no_consent", request.lang))
        ids = sorted({i for i in request.company_ids if i in index})
    else:
        ids = sorted(index.row_)
    if request.around_company_id is not None:
        _check_consenting(db, index, "around_company_id", [request.around_company_id])
    if request.lead_id is not None:
        _check_consenting(db, index, "lead_id", [request.lead_id])
    _check_consenting(db, index, "locked", [c for g in locked_groups for c in g])
    profiles_by_id = index.profiles_
    ids = [i for i in ids if _passes(profiles_by_id[i], request)]
    if request.theme:
        ids = _theme_filter(index, ids, request.theme)
    count = request.count
    if request.around_company_id is not None:
        focal = request.around_company_id
        ids = _around(index, focal, ids, AROUND_POOL * (count or 1))
        if not any(focal in g for g in locked_groups):
            locked_groups.insert(0, [focal])
        count = count or 1
    ids = sorted((set(ids) | {c for g in locked_groups for c in g}) - exclude)
    locked_groups = [[c for c in g if c not in exclude] for g in locked_groups]
    locked_groups = [g for g in locked_groups if g]
    # Each firm in at most `max_per_firm` stored proposals that are not rejected.
    active = dict(proposals.active_memberships(db))
    for cid, n in (released or {}).items():
        active[cid] = active.get(cid, 0) - n
    design = Design.of(request)
    lead = request.lead_id
    if lead is not None and active.get(lead, 0) >= max_per_firm:
        # A design built around its lead firm means nothing without it.
        raise invalid(
            "lead_id", "design_lead_capped", "The lead firm cannot join another proposal",
            status=409, name=profiles_by_id[lead].get("name"), n=active[lead],
            limit=max_per_firm,
        )  # fmt: skip
    if design is not None:
        ids, locked_groups, count = design.pool(
            index, ids, locked_groups, count, exclude=exclude, unmet=unmet,
            busy=lambda c: active.get(c, 0) >= max_per_firm,
        )  # fmt: skip
    full = {i for i in ids if active.get(i, 0) >= max_per_firm}
    for cid in sorted(full):
        unmet.append(
            _unmet_firm(
                profiles_by_id[cid], "capped", request.lang, n=active[cid], limit=max_per_firm
            )
        )
    locked_groups = [[c for c in g if c not in full] for g in locked_groups]
    locked_groups = [g for g in locked_groups if g]
    profiles = [profiles_by_id[i] for i in ids]
    pos = {cid: k for k, cid in enumerate(ids)}
    scores = pool_scores(index, ids) if ids else PoolScores(
        np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32))  # fmt: skip
    forbidden, why = forbidden_pairs(db, ids, pos, scores)
    knowledge = np.array([p.get("kind") == "knowledge_institution" for p in profiles], dtype=bool)
    placeable = np.array([i not in full for i in ids], dtype=bool)
    locked_pos = [_check_locked(g, pos, forbidden, why, knowledge, profiles) for g in locked_groups]
    problem = Problem(scores, knowledge, forbidden, placeable, locked_pos)
    if design is not None:
        problem = design.problem(problem, ids, profiles)
    n_free = int(placeable.sum())
    if n_free < request.min_size and not locked_pos:
        unmet.append(
            {
                "constraint": "min_size",
                **unmet_reason("pool", request.lang, n=n_free, min=request.min_size),
            }
        )
        return Plan(_request_json(request), [], 0.0, 0.0, unmet, len(ids))
    weak: dict[int, float | None] = {}
    apart: dict[int, tuple[float, int]] = {}  # firms no close group took in: closest fit, firm
    prunes = _prunes(request, count, design, n_free)
    clustered = cluster and prunes and not scores.sparse and not locked_pos
    if clustered:
        fit = clustering.network_fit(problem, profiles)
        grouping = clustering.close_networks(
            problem, fit, min_size=request.min_size, max_size=request.max_size
        )
        free = np.flatnonzero(placeable)
        banned = partners_of(forbidden, len(ids)) if grouping.unplaced else []
        for k in grouping.unplaced:
            allowed = free[(free != k) & ~np.isin(free, list(banned[k]))]
            if allowed.size:  # the closest firm it may join (the first of equals)
                closest = int(allowed[np.argmax(fit[k, allowed])])
                apart[k] = (clustering.closest_fit(fit, k, [closest]), closest)
    elif cluster and count is None and design is None and not scores.sparse and not locked_pos:
        grouping = clustering.place_around_clusters(
            problem, clustering.network_fit(problem, profiles, level=None),
            min_size=request.min_size,
            max_size=request.max_size, seed=request.seed, max_passes=max_passes,
        )  # fmt: skip
    else:
        grouping = form_networks(
            problem, count=count, min_size=request.min_size, max_size=request.max_size,
            seed=request.seed,
            max_passes=max_passes,
        )  # fmt: skip
    if design is not None:
        grouping = design.finish(problem, grouping, scores, profiles, unmet)
    if prunes and not clustered:
        held = {pos[c] for g in locked_groups for c in g if c in pos}
        grouping, weak = pruning.prune_weak(grouping, request.min_size, keep=held)
    # A locked group the pool could not fill up to the smallest size is no network: its firms
    # are reported (a facilitator's locked pair among firms at their proposal cap, say).
    small = [g for g in grouping.groups if len(g) < request.min_size]
    if small:
        kept = [k for k, g in enumerate(grouping.groups) if len(g) >= request.min_size]
        grouping = replace(
            grouping,
            groups=[grouping.groups[k] for k in kept],
            scores=[grouping.scores[k] for k in kept],
        )
        for group in small:
            for k in group:
                unmet.append(_unmet_firm(profiles[k], "locked_small", request.lang,
                                         n=len(group), min=request.min_size))  # fmt: skip
    if count is not None and len(grouping.groups) < count:
        unmet.append(
            {
                "constraint": "count",
                **unmet_reason("count", request.lang, count=count, n=len(grouping.groups)),
            }
        )
    explicit = request.company_ids is not None
    for k in grouping.unplaced:
        if k in apart:
            closest_fit, closest = apart[k]
            unmet.append(
                _unmet_firm(
                    profiles[k],
                    "no_close_group",
                    request.lang,
                    fit=round(float(closest_fit), 2),
                    closest=profiles[closest].get("name") or f"#{profiles[closest]['id']}",
                    link=float(clustering.LINK),
                    min=request.min_size,
                )  # fmt: skip
            )
        elif k in weak and weak[k] is None:
            unmet.append(
                _unmet_firm(profiles[k], "weak_network", request.lang, min=request.min_size)
            )
        elif k in weak:
            unmet.append(
                _unmet_firm(
                    profiles[k],
                    "weak_fit",
                    request.lang,
                    fit=round(float(weak[k]), 2),
                    bar=float(pruning.MIN_MEMBER_FIT),
                )
            )
        elif count is None:
            unmet.append(
                _unmet_firm(
                    profiles[k],
                    "unplaced",
                    request.lang,
                    min=request.min_size,
                    max=request.max_size,
                )
            )
        elif explicit:
            unmet.append(_unmet_firm(profiles[k], "not_best", request.lang, count=count))
    describer = Describer(profiles, grouping.pool or scores, request.lang, index, db)
    if scores.sparse:  # a large pool's many networks: their strengths in one call
        describer.prime(grouping.groups)
    need, need_of = stated_need(request, ids, profiles)
    warnings = Warnings(index, ids, profiles, scores, forbidden, request.lang, need, need_of)
    locked_set = {c for g in locked_groups for c in g}
    networks = []
    for members, score in zip(grouping.groups, grouping.scores, strict=True):
        network = describer.network(members)
        network["score"] = round(score, 4)
        network["warnings"] = warnings.of(members)
        network["members"] = [
            {
                "id": ids[i],
                "name": profiles[i].get("name"),
                "reason": describer.member_reason(i, members),
                "locked": ids[i] in locked_set,
            }
            for i in members
        ]
        networks.append(network)
    return Plan(
        _request_json(request),
        networks,
        round(grouping.worst, 4),
        round(grouping.harmonic_mean, 4),
        unmet,
        len(ids),
    )


def _prunes(request: NetworkProposalIn, count: int | None, design, n_free: int) -> bool:
    """Whether weak members leave their networks (`pruning`): never with a count, a design or
    `place_all: true`; always otherwise with `place_all: false`; by default for a whole pool
    (no list of firms, not around one firm) of at least `MIN_POOL` placeable firms."""
    if count is not None or design is not None or request.place_all:
        return False
    if request.place_all is False:
        return True
    whole = request.company_ids is None and request.around_company_id is None
    return whole and n_free >= pruning.MIN_POOL


def _passes(profile: Mapping, request: NetworkProposalIn) -> bool:
    if request.region and profile.get("region") != request.region:
        return False
    if request.kind and profile.get("kind") != request.kind:
        return False
    if request.nace:
        return nace_codes.has_prefix(profile.get("nace"), request.nace)
    return True


def _request_json(request: NetworkProposalIn) -> dict[str, Any]:
    return request.model_dump(mode="json", exclude_defaults=False)


def _check_locked(group, pos, forbidden, why, knowledge, profiles) -> list[int]:
    rows = [pos[c] for c in group]
    for a, i in enumerate(rows):
        for j in rows[a + 1 :]:
            pair = (min(i, j), max(i, j))
            if pair in forbidden:
                raise invalid(
                    "locked", why[pair], "A locked group breaks a hard constraint",
                    a=f"{profiles[i]['name']} ({profiles[i]['id']})",
                    b=f"{profiles[j]['name']} ({profiles[j]['id']})",
                )  # fmt: skip
    if sum(bool(knowledge[i]) for i in rows) > MAX_KNOWLEDGE_INSTITUTIONS:
        raise invalid(
            "locked", "knowledge", "A locked group breaks a hard constraint",
            n=MAX_KNOWLEDGE_INSTITUTIONS,
        )  # fmt: skip
    return rows


def propose(
    db,
    data: Any,
    *,
    created_by: int | None = None,
    max_per_firm: int | None = None,
) -> dict[str, Any]:
    """Validate a request, compute the networks and store them; returns the API view."""
    request = data if isinstance(data, NetworkProposalIn) else parse_request(data)
    result = plan(db, request, max_per_firm=max_per_firm)
    if not result.networks:
        raise nothing_placed("networks", result.unmet)
    stored = proposals.save(
        db, "network", result.request, result.summary(), result.networks, created_by=created_by
    )
    return view(stored)


def view(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored network proposal in the API's shape."""
    if stored.get("kind") != "network":
        raise NotFound(f"No network proposal with id {stored.get('id')}")
    return {
        "id": stored["id"],
        "networks": [network_view(g) for g in stored["groups"]],
        "worst_score": stored.get("worst_score"),
        "harmonic_mean": stored.get("harmonic_mean"),
        "unmet": stored.get("unmet", []),
        "request": stored.get("request"),
        "created_at": stored.get("created_at"),
    }


def network_view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A stored network group in the API's shape."""
    return {
        "id": group["id"],
        "proposal_id": group.get("proposal_id"),
        "status": group.get("status", "proposed"),
        "type": group.get("type"),
        "score": group.get("score"),
        "purpose": group.get("purpose"),
        "reasons": group.get("reasons", []),
        "warnings": group.get("warnings", []),
        "members": [
            {
                "id": m.get("id"),
                "name": m.get("name"),
                "reason": m.get("reason"),
                "locked": bool(m.get("locked")),
            }
            for m in group.get("members", [])
        ],
    }


def stored_id(value: int, what: str) -> int:
    """`value` if it can be a stored id, else NotFound (SQLite integers stop at 2**63 - 1)."""
    if not 0 <= value <= MAX_ID:
        raise NotFound(f"No {what} with id {value}")
    return value


def get_proposal(db, proposal_id: int) -> dict[str, Any]:
    """A stored network proposal (API view), or NotFound."""
    return view(proposals.get_proposal(db, stored_id(proposal_id, "proposal")))


def get_network(db, group_id: int) -> dict[str, Any]:
    """A stored network (API view), or NotFound."""
    group = proposals.get_group(db, stored_id(group_id, "network"))
    if group["kind"] != "network":
        raise NotFound(f"No network with id {group_id}")
    return network_view(group)


__all__ = [
    "CompanyId", "MAX_KNOWLEDGE_INSTITUTIONS", "NETWORK_TYPES", "Describer", "Grouping",
    "NetworkProposalIn",
    "Plan", "PoolScores", "Problem", "check_known", "forbidden_pairs", "form_networks",
    "get_network", "get_proposal", "group_score", "harmonic_mean", "invalid", "network_type",
    "network_view", "pair_rules", "parse_request", "plan", "pool_scores", "propose",
    "stored_id", "unmet_reason", "view",
]  # fmt: skip
