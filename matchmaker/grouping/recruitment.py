"""Targeted invitations to a masterclass: consenting registered firms that have not answered
yet, ranked by fit to the masterclass theme and to the answers already given, with reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from matchmaker.reference import messages
from matchmaker.store import questionnaires

# Legal forms a firm may write after its name or leave out ("A/S", "ApS", ...), as name keys.
LEGAL_FORMS = ("a s", "aps", "i s", "k s", "p s", "ivs", "amba", "smba", "ltd", "inc", "gmbh")
THEME_WEIGHT = 0.6  # the rest goes to likeness with the firms that already answered
NEIGHBOURS = 3  # respondents a candidate is compared with (its closest ones)


@dataclass
class Invitation:
    """A firm worth inviting, with its score (0–1) and why."""

    id: int
    name: str
    score: float
    reason: str
    reasons: list[str] = field(default_factory=list)
    region: str | None = None
    sector: str | None = None


def _answered(responses: Sequence[Mapping]) -> tuple[set[int], set[str], set[str]]:
    """Who has answered: linked profiles, CVRs and firm names (as a repeat answer is known by
    its name, `questionnaires.firm_name_key`). A name leaves a firm of that name out of the
    invitations; it links no answer to a profile."""
    ids = {r["company_id"] for r in responses if r.get("company_id") is not None}
    cvrs = {r["cvr"] for r in responses if r.get("cvr")}
    names = {name_key(r.get("company")) for r in responses} - {""}
    return ids, cvrs, names


def name_key(name: str | None) -> str:
    """A firm name as `questionnaires.firm_name_key` reads it, without a legal form at its end
    ("Bølgepap Midt A/S" and "Bølgepap Midt ApS" are one name)."""
    key = questionnaires.firm_name_key(name)
    for form in LEGAL_FORMS:
        if key.endswith(f" {form}"):
            return key[: -len(form) - 1]
    return key


def invitations(
    db, masterclass_id: int, *, limit: int = 20, lang: str = "da"
) -> tuple[list[Invitation], int]:
    """The best `limit` firms to invite and how many firms could be invited at all."""
    from matchmaker import matching
    from matchmaker.grouping.networks import stored_id
    from matchmaker.reference.lexicon import default_lexicon
    from matchmaker.representation.embedding import response_text

    masterclass = questionnaires.get_masterclass(db, stored_id(masterclass_id, "masterclass"))
    responses = questionnaires.responses(db, masterclass_id)
    answered_ids, answered_cvrs, answered_names = _answered(responses)
    index = matching.match_index(db)
    candidates = [
        cid
        for cid in sorted(index.row_)
        if cid not in answered_ids
        and index.profiles_[cid].get("cvr") not in answered_cvrs
        and name_key(index.profiles_[cid].get("name")) not in answered_names
    ]
    if not candidates:
        return [], 0
    encoder = index.encoder_
    stored = index.vectors_.take([index.row_[c] for c in candidates])
    theme_text = f"{masterclass['title']}\n{masterclass['theme']}"
    theme = encoder.transform([{"id": 0, "description": theme_text, "needs": theme_text}])
    on_theme = np.maximum(
        encoder.similarity(theme, stored, "profile", "profile")[0],
        encoder.similarity(theme, stored, "needs", "needs")[0],
    )
    alike = np.zeros(len(candidates), dtype=np.float32)
    closest: np.ndarray | None = None
    if responses:
        answers = encoder.transform(
            [{"id": r["id"], "description": response_text(r)} for r in responses], db=db
        )
        sims = encoder.similarity(answers, stored, "profile", "profile")  # answers × firms
        k = min(NEIGHBOURS, len(responses))
        closest = np.argsort(-sims, axis=0, kind="stable")[:k]  # per firm its nearest answers
        alike = np.take_along_axis(sims, closest, axis=0).mean(axis=0)
        z = THEME_WEIGHT * on_theme + (1 - THEME_WEIGHT) * alike
    else:
        z = on_theme
    score = matching.display_score(z)
    order = np.lexsort((np.array(candidates), -z))[:limit]
    words = messages.table("recruitment", lang)
    lexicon = default_lexicon()
    theme_concepts = set(lexicon.concept_ids(theme_text))
    out = []
    for pos in order:
        profile = index.profiles_[candidates[pos]]
        reasons = []
        text_ = " ".join(str(profile.get(f) or "") for f in ("description", "sector", "offers"))
        shared = [c for c in lexicon.concept_ids(text_) if c in theme_concepts]
        if shared:
            labels = ", ".join(lexicon.label(c, lang) for c in shared[:3])
            reasons.append(words["theme"].format(labels=labels))
        else:
            reasons.append(words["theme_plain"].format(theme=masterclass["theme"][:80]))
        needed = [c for c in lexicon.concept_ids(profile.get("needs")) if c in theme_concepts]
        if needed:
            labels = ", ".join(lexicon.label(c, lang) for c in needed[:3])
            reasons.append(words["needs"].format(labels=labels))
        if closest is not None:  # never its own answer (a name written another way)
            own = name_key(profile.get("name"))
            names = [responses[i]["company"] for i in closest[:, pos]
                     if name_key(responses[i]["company"]) != own][:2]  # fmt: skip
            if names:
                names = f" {words['and']} ".join(dict.fromkeys(names))
                reasons.append(words["alike"].format(names=names))
        out.append(
            Invitation(
                id=profile["id"],
                name=profile.get("name") or "",
                score=round(float(score[pos]), 4),
                reason="; ".join(reasons) + ".",
                reasons=reasons,
                region=profile.get("region"),
                sector=profile.get("sector"),
            )
        )
    return out, len(candidates)


def as_dicts(items: Sequence[Invitation]) -> list[dict[str, Any]]:
    return [asdict(i) for i in items]
