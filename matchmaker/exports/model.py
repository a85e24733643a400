"""What an export carries, gathered from the store: groups of participants or a list of firms.

A stored network or cohort group, a whole proposal, or a list of firms becomes an `Export`
(participants with name, CVR, contact, region, size and the reason each is there); every
renderer reads only this model. Asked for in another language than the proposal was made in,
its reasons, purposes and themes are written again in that language
(`grouping.in_language`); the store is only read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from matchmaker.grouping import in_language
from matchmaker.reference.validation import NotFound
from matchmaker.store import profiles, proposals, questionnaires

OBJECT_KINDS = ("network", "network_proposal", "cohort", "cohort_proposal", "companies")
SUMMARY_KEYS = ("worst_score", "harmonic_mean", "unmet", "coherence")


@dataclass
class Participant:
    """One firm in a consortium sheet or cohort list, as the secretariat hands it on."""

    name: str
    cvr: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    region: str | None = None
    city: str | None = None
    employees: int | None = None
    kind: str | None = None
    reason: str = ""
    company_id: int | None = None
    response_id: int | None = None
    core_business: str | None = None
    deleted: bool = False


@dataclass
class Group:
    """A stored network or cohort group with its participants gathered from the store."""

    kind: str  # 'network' | 'cohort'
    id: int
    proposal_id: int
    ordinal: int | None
    status: str
    participants: list[Participant]
    type: str | None = None
    score: float | None = None
    purpose: str | None = None
    coherence: float | None = None
    themes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Masterclass:
    """The masterclass a cohort export belongs to, named on every sheet."""

    id: int
    title: str
    date: str | None = None


@dataclass
class Export:
    """What one export carries: its object, the groups or firms, and the proposal's summary."""

    object_kind: str  # one of OBJECT_KINDS
    object_id: int | None
    groups: list[Group] = field(default_factory=list)
    companies: list[dict[str, Any]] | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    masterclass: Masterclass | None = None
    exported_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    @property
    def group_kind(self) -> str:
        return "cohort" if self.object_kind.startswith("cohort") else "network"


def plain_text(value: Any) -> str:
    """A reason or note as one line of text, whatever shape the grouping stored it in."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "; ".join(t for t in (plain_text(v) for v in value) if t)
    if isinstance(value, dict):
        for key in ("text", "reason", "label", "description"):
            if key in value:
                return plain_text(value[key])
        return "; ".join(f"{k}: {plain_text(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _score(value: Any) -> float | None:
    try:
        return round(float(value), 3) if value is not None else None
    except (TypeError, ValueError):
        return None


def _company_or_none(db: sqlite_utils.Database, company_id: Any) -> dict[str, Any] | None:
    if not isinstance(company_id, int):
        return None
    try:
        return profiles.get(db, company_id)
    except NotFound:
        return None


def _network_participant(db: sqlite_utils.Database, member: dict[str, Any]) -> Participant:
    company = _company_or_none(db, member.get("id", member.get("company_id")))
    if company is None:  # deleted since: its name and reason are not handed on
        return Participant(name="", deleted=True)
    return Participant(
        name=company["name"],
        cvr=company.get("cvr"),
        **profiles.shared_contact(company),
        region=company.get("region"),
        city=company.get("city"),
        employees=company.get("employees"),
        kind=company.get("kind"),
        reason=plain_text(member.get("reason") or member.get("reasons")),
        company_id=company["id"],
    )


def _cohort_participant(db: sqlite_utils.Database, member: dict[str, Any]) -> Participant:
    response: dict[str, Any] = {}
    if isinstance(member.get("response_id"), int):
        try:
            response = questionnaires.get_response(db, member["response_id"])
        except NotFound:
            response = {}
    company = _company_or_none(db, member.get("company_id") or response.get("company_id")) or {}
    reason = member.get("reason") or member.get("reasons") or member.get("themes")
    return Participant(
        name=str(member.get("company") or response.get("company") or company.get("name")),
        cvr=response.get("cvr") or company.get("cvr"),
        **profiles.shared_contact(company),
        region=company.get("region"),
        city=company.get("city"),
        employees=response.get("employees", company.get("employees")),
        kind=company.get("kind"),
        reason=plain_text(reason),
        company_id=company.get("id"),
        response_id=member.get("response_id"),
        core_business=response.get("core_business"),
        deleted=not response and not company,
    )


def _group(db: sqlite_utils.Database, stored: dict[str, Any]) -> Group:
    kind = stored["kind"]
    gather = _cohort_participant if kind == "cohort" else _network_participant
    reasons = stored.get("reasons") or []
    return Group(
        kind=kind,
        id=stored["id"],
        proposal_id=stored["proposal_id"],
        ordinal=stored.get("ordinal"),
        status=stored.get("status") or "proposed",
        participants=[gather(db, m) for m in stored.get("members") or []],
        type=stored.get("type"),
        score=_score(stored.get("score")),
        purpose=plain_text(stored.get("purpose")) or None,
        coherence=_score(stored.get("coherence")),
        themes=[plain_text(t) for t in stored.get("themes") or []],
        reasons=[plain_text(r) for r in reasons]
        if isinstance(reasons, list)
        else [plain_text(reasons)],
    )


def _masterclass(db: sqlite_utils.Database, masterclass_id: Any) -> Masterclass | None:
    if not isinstance(masterclass_id, int):
        return None
    try:
        found = questionnaires.get_masterclass(db, masterclass_id)
    except NotFound:
        return None
    return Masterclass(id=found["id"], title=found["title"], date=found.get("date"))


def _stored_proposal(db: sqlite_utils.Database, kind: str, proposal_id: int) -> dict[str, Any]:
    stored = proposals.get_proposal(db, proposal_id)
    if stored["kind"] != kind:
        raise NotFound(f"No {kind} proposal with id {proposal_id}")
    return stored


def group_export(
    db: sqlite_utils.Database, kind: str, group_id: int, lang: str | None = None
) -> Export:
    """One stored network (`kind='network'`) or cohort group, its texts in `lang` (default:
    as stored); NotFound if it is not one."""
    stored = proposals.get_group(db, group_id)
    if stored["kind"] != kind:
        raise NotFound(f"No {kind} with id {group_id}")
    if lang is not None:
        stored = in_language.group_in(db, stored, lang)
    masterclass = None
    if kind == "cohort":
        proposal = proposals.get_proposal(db, stored["proposal_id"])
        masterclass = _masterclass(db, proposal.get("masterclass_id"))
    return Export(
        object_kind=kind,
        object_id=group_id,
        groups=[_group(db, stored)],
        masterclass=masterclass,
    )


def proposal_export(
    db: sqlite_utils.Database, kind: str, proposal_id: int, lang: str | None = None
) -> Export:
    """A whole stored network or cohort proposal with all its groups, its texts in `lang`
    (default: as stored)."""
    stored = _stored_proposal(db, kind, proposal_id)
    if lang is not None:
        stored = in_language.proposal_in(db, stored, lang)
    return Export(
        object_kind=f"{kind}_proposal",
        object_id=proposal_id,
        groups=[_group(db, g) for g in stored["groups"]],
        summary={k: stored[k] for k in SUMMARY_KEYS if k in stored},
        created_at=stored.get("created_at"),
        masterclass=_masterclass(db, stored.get("masterclass_id")) if kind == "cohort" else None,
    )


def companies_export(companies: list[dict[str, Any]]) -> Export:
    """A list of firms (as `profiles.listing` gives them)."""
    return Export(object_kind="companies", object_id=None, companies=list(companies))
