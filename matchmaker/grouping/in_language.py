"""A stored proposal read in another language than it was made in (an English export of a
Danish proposal): its generated texts are written again in that language, nothing stored
changes.

A network is described again by the service's own path (`review.describe`, as a swap or an
erasure does), keeping its members, ids, order, locks, status, score and type as stored; a
network that cannot be described again (a member no longer consents, or its texts were erased
and wait to be written anew) keeps what is stored, so a member erased since never comes back by
name or reason. A cohort's texts are rendered again from the codes it keeps (industry and
maturity of each member, themes and notes in every language). Unmet notes are rendered from
their message records. Text that people typed is left as it is.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from matchmaker import matching
from matchmaker.grouping import cohorts, review
from matchmaker.reference import messages
from matchmaker.store import proposals

# What a network's description writes; everything else of a stored network is kept.
NETWORK_TEXTS = ("purpose", "reasons", "warnings")


def language_of(stored: Mapping[str, Any]) -> str:
    """The language a stored proposal's texts were made in (its request's; Danish before
    requests named one)."""
    return messages.language((stored.get("request") or {}).get("lang"))


def proposal_in(db, stored: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A copy of the stored proposal (as `proposals.get_proposal` gives it) with its texts in
    `lang`; an unchanged copy when it was made in `lang`."""
    out = copy.deepcopy(dict(stored))
    lang = messages.language(lang)
    if language_of(stored) == lang:
        return out
    index = matching.match_index(db) if out["kind"] == "network" else None
    out["groups"] = [_group_in(db, index, g, out["request"], lang) for g in out["groups"]]
    if isinstance(out.get("unmet"), list):
        out["unmet"] = [_note_in(u, lang) for u in out["unmet"]]
    return out


def group_in(db, group: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A copy of one stored group (as `proposals.get_group` gives it) with its texts in
    `lang`, by its proposal's language and request."""
    out = copy.deepcopy(dict(group))
    lang = messages.language(lang)
    proposal = proposals.get_proposal(db, out["proposal_id"])
    if language_of(proposal) == lang:
        return out
    index = matching.match_index(db) if out["kind"] == "network" else None
    return _group_in(db, index, out, proposal["request"], lang)


def _group_in(db, index, group: dict[str, Any], request: Mapping, lang: str) -> dict[str, Any]:
    if group["kind"] == "network":
        return _network_in(db, index, group, request, lang)
    if group["kind"] == "cohort":
        return _cohort_in(group, lang)
    return group


def _network_in(db, index, group: dict[str, Any], request: Mapping, lang: str) -> dict:
    """The network's purpose, reasons, warnings and member reasons described again in
    `lang`, or the network as stored when that cannot be done."""
    members = group.get("members") or []
    ids = [m.get("id") for m in members]
    if group.get("texts_erased") or len(ids) < 2 or any(c is None or c not in index for c in ids):
        return group
    described = review.describe(
        db, index, ids, lang=lang, request=dict(request), network_type=group.get("type")
    )
    for key in NETWORK_TEXTS:
        group[key] = described[key]
    reasons = {m["id"]: m["reason"] for m in described["members"]}
    for member in members:
        member["reason"] = reasons[member["id"]]
    return group


def _cohort_in(group: dict[str, Any], lang: str) -> dict[str, Any]:
    """The cohort's themes, labels, member reasons and notes in `lang`, from the codes and
    per-language texts it keeps; a text without them stays as stored."""
    themes = (group.get("themes_by_lang") or {}).get(lang)
    if isinstance(themes, list):
        group["themes"] = themes
    if group.get("industry"):
        group["industry_label"] = cohorts.industry_label(group["industry"], lang)
    if group.get("maturity_code"):
        group["maturity"] = cohorts.maturity_words(group["maturity_code"], lang)
    for member in group.get("members") or []:
        if member.get("erased") or not (member.get("industry") and member.get("maturity_code")):
            continue
        words = cohorts.member_words(member["industry"], member["maturity_code"], lang)
        member["maturity"] = words["maturity"]
        member["industry_label"] = words["industry"]
        member["reason"] = cohorts.member_reason(words, lang)
    if isinstance(group.get("unmet"), list):
        group["unmet"] = [_note_in(u, lang) for u in group["unmet"]]
    return group


def _note_in(note: Any, lang: str) -> Any:
    """An unmet note with its `reason` in `lang`: from its texts in every language, else its
    message record; else as stored."""
    if not isinstance(note, dict):
        return note
    by_lang = note.get("reason_by_lang")
    if isinstance(by_lang, dict) and isinstance(by_lang.get(lang), str):
        return note | {"reason": by_lang[lang]}
    record = note.get("message")
    if isinstance(record, dict) and messages.has(str(record.get("code"))):
        return note | {"reason": messages.render_record(record, lang)}
    return note
