"""Masterclass cohorts: respondents split into groups of bounded size that a course leader
would form, alike in industry and in maturity with the technology, with direct competitors
kept apart where the sizes allow.

Each answer is read twice (`matchmaker.representation.answer_readers`): an industry
distribution from the core business and market, and a maturity level (the expected value of
beginner < experimenting < advanced) from the experience with the technology. Pair affinity is
a weighted sum of standardised similarities: industry (the readers' distributions and the
answers' own core business and market), level, and the use the technology is wanted for; the
request's `focus` weighs industry against level. The split is `cohort_split.split`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from matchmaker.grouping.cohort_competitors import cohort_rivals, likely_competitors
from matchmaker.grouping.cohort_split import CohortProblem, combined, plan_sizes, split
from matchmaker.grouping.cohort_themes import response_concepts, theme_view, themes_in_words
from matchmaker.grouping.networks import stored_id
from matchmaker.grouping.refusals import nothing_placed, unmet_reason
from matchmaker.reference import messages
from matchmaker.reference.validation import InvalidInput, NotFound, Strict, validate
from matchmaker.store import proposals, questionnaires

__all__ = ["CohortRequestIn", "likely_competitors", "plan", "propose"]

MAX_COHORT_SIZE = questionnaires.MAX_COHORT_SIZE
# Weights of the pair similarities per focus: industry (the reader's distributions), business
# (the answers' core business and market read directly), level (maturity), use (what the
# technology should do, a weaker sign a course leader also reads).
FOCUS_WEIGHTS: dict[str, dict[str, float]] = {
    "balanced": {"industry": 1.0, "business": 0.5, "level": 1.5, "use": 0.5},
    "industry": {"industry": 1.5, "business": 0.75, "level": 0.5, "use": 0.25},
    "level": {"industry": 0.5, "business": 0.25, "level": 1.5, "use": 0.25},
}
# A member half a standard deviation less alike to its cohort than the average pair of the
# masterclass fits no cohort well; so does one merely less alike than the average pair (a
# negative fit) whose industry or maturity, as the readers read it, is not its cohort's.
POOR_FIT = -0.5
MATURITY_CODES = ("beginner", "experimenting", "experienced")


class CohortRequestIn(Strict):
    """How to split a masterclass's respondents into cohorts."""

    min_size: int = Field(default=7, ge=1, le=MAX_COHORT_SIZE)
    max_size: int = Field(default=10, ge=1, le=MAX_COHORT_SIZE)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    focus: Literal["balanced", "industry", "level"] = Field(
        default="balanced",
        description="What the cohorts share first: 'industry' (samme branche), 'level' "
        "(samme niveau) or both ('balanced')",
    )
    lang: Literal["da", "en"] = Field(default="da", description="Language of themes and notes")

    @model_validator(mode="after")
    def _sizes(self) -> CohortRequestIn:
        if self.min_size > self.max_size:
            raise InvalidInput(
                {"min_size": f"must not be larger than max_size ({self.max_size})"},
                "min_size is larger than max_size",
            )
        return self


# --------------------------------------------------------------------------------------------
# The two readings of an answer


def maturity(answer: Mapping) -> float:
    """The maturity level in [0, 2] (0 beginner, 1 experimenting, 2 advanced) of one answer."""
    return float(maturity_levels([answer])[0])


def maturity_levels(answers: Sequence[Mapping]) -> np.ndarray:
    from matchmaker.representation import answer_readers

    return answer_readers.load().maturity_levels(answers)


def maturity_code(value: float) -> str:
    """The language-free maturity ('beginner', 'experimenting', 'experienced')."""
    return MATURITY_CODES[0 if value < 0.67 else 1 if value < 1.34 else 2]


def maturity_label(value: float, lang: str = "da") -> str:
    return maturity_words(maturity_code(value), lang)


def maturity_words(code: str, lang: str = "da") -> str:
    """A maturity code ('beginner', ...) in words."""
    return messages.render(f"cohorts.maturity.{code}", lang)


def industry_label(code: str, lang: str = "da") -> str:
    return messages.render(f"cohorts.industry.{code}", lang)


def member_words(industry: str, maturity: str, lang: str = "da") -> dict[str, str]:
    """A respondent's industry and maturity (codes) in words, as its reason names them."""
    return {
        "maturity": maturity_words(maturity, lang),
        "industry": industry_label(industry, lang),
    }


def member_reason(words: Mapping[str, str], lang: str = "da") -> str:
    """Why a respondent is in its cohort, from its `member_words` in `lang`."""
    return messages.render("cohorts.member", lang, **words)


@dataclass
class Readings:
    """What a course leader reads in each answer: industry distribution and maturity level."""

    industries: list[str]  # the columns of `industry`
    industry: np.ndarray  # n × industries, rows sum to 1
    level: np.ndarray  # n, in [0, 2]

    def industry_of(self, members: Sequence[int]) -> str:
        return self.industries[int(np.argmax(self.industry[list(members)].sum(axis=0)))]


def read_answers(responses: Sequence[Mapping]) -> Readings:
    from matchmaker.representation import answer_readers

    readers = answer_readers.load()
    return Readings(
        readers.industries,
        readers.industry_distributions(responses),
        readers.maturity_levels(responses),
    )


def pair_similarities(responses: Sequence[Mapping], readings: Readings, db=None) -> dict:
    """The pair similarities the affinity weighs (each n × n, higher is more alike)."""
    from matchmaker.representation.embedding import encode_responses

    business = [
        {"core_business": r.get("core_business") or "", "market_now": r.get("market_now") or ""}
        for r in responses
    ]
    return {
        "industry": readings.industry @ readings.industry.T,
        "business": encode_responses(business, db=db).similarity(),
        "level": -np.abs(readings.level[:, None] - readings.level[None, :]),
        "use": encode_responses([theme_view(r) for r in responses], db=db).similarity(),
    }


def member_fit(affinity: np.ndarray, members: Sequence[int]) -> dict[int, float]:
    """Each member's mean affinity to the others of its cohort (standard scores)."""
    if len(members) < 2:
        return {i: 0.0 for i in members}
    block = affinity[np.ix_(members, members)]
    return {i: float((block[k].sum() - block[k, k]) / (len(members) - 1))
            for k, i in enumerate(members)}  # fmt: skip


def poor_fit(fit: float, own: tuple[str, str], cohort: tuple[str, str]) -> bool:
    """Whether a member fits its cohort poorly: a fit under POOR_FIT, or a negative fit (less
    alike to its cohort than the masterclass's average pair) where the readers put the member
    in another industry or at another maturity (`own` and `cohort`: industry, maturity code)."""
    return fit < POOR_FIT or (fit < 0 and own != cohort)


def coherence(readings: Readings, members: Sequence[int], weights: Mapping[str, float]) -> float:
    """How alike a cohort is, in [0, 1]: the mean over pairs of the chance that both are in
    the same industry and of the level agreement (1 - level distance / 2), weighted as the
    request's focus weighs industry against level."""
    if len(members) < 2:
        return 1.0
    m = list(members)
    pairs = ~np.eye(len(m), dtype=bool)
    same_industry = (readings.industry[m] @ readings.industry[m].T)[pairs].mean()
    level = (1 - np.abs(readings.level[m][:, None] - readings.level[m][None, :]) / 2)[pairs].mean()
    w_ind = weights["industry"] + weights["business"]
    return float((w_ind * same_industry + weights["level"] * level) / (w_ind + weights["level"]))


# --------------------------------------------------------------------------------------------
# From the store to a stored proposal


def _note(lang: str, constraint: str, key: str, **values) -> dict[str, Any]:
    """An unmet constraint in the request's language, with the text in every language so a
    page can show it in its own."""
    return {
        "constraint": constraint,
        "reason": messages.render(f"cohorts.{key}", lang, **values),
        "reason_by_lang": {
            code: messages.render(f"cohorts.{key}", code, **values) for code in messages.LANGUAGES
        },
    }


def _in_language(note: dict[str, Any], lang: str) -> dict[str, Any]:
    """A note of `refusals.unmet_reason` with its reason in `lang` and in every language."""
    by_lang = {code: messages.render_record(note["message"], code) for code in messages.LANGUAGES}
    return note | {"reason": by_lang[lang], "reason_by_lang": by_lang}


@dataclass
class CohortPlan:
    request: dict[str, Any]
    cohorts: list[dict[str, Any]]
    unmet: list[dict[str, Any]]


def plan(
    db, masterclass_id: int, request: CohortRequestIn, responses: Sequence[Mapping] | None = None
) -> CohortPlan:
    """Compute cohorts for a masterclass's respondents without storing them."""
    masterclass = questionnaires.get_masterclass(db, stored_id(masterclass_id, "masterclass"))
    if responses is None:
        responses = questionnaires.responses(db, masterclass_id)
    lang = request.lang
    unmet: list[dict[str, Any]] = []
    capacity = int(masterclass["capacity"])
    max_size = min(request.max_size, capacity, MAX_COHORT_SIZE)
    min_size = min(request.min_size, max_size)
    if max_size < request.max_size:
        unmet.append(_note(lang, "max_size", "capacity", capacity=capacity))
    n = len(responses)
    request_json = request.model_dump(mode="json")
    if n == 0:
        unmet.append({"constraint": "responses", **unmet_reason("no_answers")})
        return CohortPlan(request_json, [], unmet)
    sizes, notes = plan_sizes(n, min_size, max_size)
    unmet += [{"constraint": "min_size", **_in_language(note, lang)} for note in notes]
    readings = read_answers(responses)
    weights = FOCUS_WEIGHTS[request.focus]
    affinity = combined(pair_similarities(responses, readings, db=db), weights)
    rivals = cohort_rivals(responses, db=db)
    competitors = rivals.apart
    label = split(CohortProblem(affinity, competitors), sizes, seed=request.seed)
    concepts = response_concepts(responses)
    groups = [[int(i) for i in np.flatnonzero(label == c)] for c in range(len(sizes))]
    groups = [g for g in groups if g]
    for i in np.flatnonzero(label < 0):
        note = _note(lang, "unplaced", "left_out", company=responses[i].get("company"),
                     size=max_size)  # fmt: skip
        unmet.append({**note, "response_id": responses[i].get("id")})
    # A stable order: the cohort of beginners first, then by first respondent.
    groups.sort(key=lambda m: (round(float(np.mean(readings.level[m])), 1), min(m)))
    cohorts = []
    for members in groups:
        industry = readings.industry_of(members)
        level = float(np.mean(readings.level[members]))
        themes_by_lang = {
            code: [industry_label(industry, code)]
            + themes_in_words(members, concepts, code, limit=3)
            for code in messages.LANGUAGES
        }
        cohort_unmet = []
        for pairs, key in ((competitors, "competitors"), (rivals.allowed, "competitors_allowed")):
            together = sorted((i, j) for i, j in pairs if i in members and j in members)
            if together:
                names = "; ".join(
                    f"{responses[i]['company']} & {responses[j]['company']}" for i, j in together
                )
                cohort_unmet.append(_note(lang, key, key, names=names))
        if len(members) < min_size:
            cohort_unmet.append(_note(lang, "min_size", "few", n=len(members), min_size=min_size))
        fits = member_fit(affinity, members)
        member_rows = []
        for i in members:
            own = readings.industries[int(np.argmax(readings.industry[i]))]
            own_maturity = maturity_code(float(readings.level[i]))
            words_by_lang = {
                code: member_words(own, own_maturity, code) for code in messages.LANGUAGES
            }
            words = words_by_lang[lang]
            poor = poor_fit(
                fits[i], (own, own_maturity),
                (industry, maturity_code(level)),
            ) and len(members) > 1  # fmt: skip
            if poor:
                company = responses[i].get("company")
                by_lang = {
                    code: messages.render("cohorts.poor_fit", code, company=company, **w)
                    for code, w in words_by_lang.items()
                }
                cohort_unmet.append(
                    {
                        "constraint": "fit",
                        "response_id": responses[i].get("id"),
                        "reason": by_lang[lang],
                        "reason_by_lang": by_lang,
                    }  # fmt: skip
                )
            member_rows.append(
                {
                    "response_id": responses[i].get("id"),
                    "company": responses[i].get("company"),
                    "company_id": responses[i].get("company_id"),
                    "maturity": words["maturity"],
                    "maturity_code": own_maturity,
                    "maturity_level": round(float(readings.level[i]), 2),
                    "industry": own,
                    "industry_label": words["industry"],
                    "fit": round(fits[i], 3),
                    "poor_fit": bool(poor),
                    "reason": member_reason(words, lang),
                }
            )
        cohorts.append(
            {
                "coherence": round(coherence(readings, members, weights), 4),
                "themes": themes_by_lang[lang],
                "themes_by_lang": themes_by_lang,
                "industry": industry,
                "industry_label": industry_label(industry, lang),
                "maturity": maturity_label(level, lang),
                "maturity_code": maturity_code(level),
                "maturity_level": round(level, 2),
                "unmet": cohort_unmet,
                "members": member_rows,
            }
        )
        unmet += [dict(u, cohort=len(cohorts)) for u in cohort_unmet]
    return CohortPlan(request_json, cohorts, unmet)


def propose(db, masterclass_id: int, data: Any, *, created_by: int | None = None) -> dict:
    """Validate, compute and store cohorts for a masterclass; returns the API view."""
    request = data if isinstance(data, CohortRequestIn) else validate(CohortRequestIn, data)
    result = plan(db, masterclass_id, request)
    if not result.cohorts:
        raise nothing_placed("cohorts", result.unmet)
    summary = {"unmet": result.unmet, "respondents": sum(len(c["members"]) for c in result.cohorts)}
    stored = proposals.save(
        db,
        "cohort",
        result.request,
        summary,
        result.cohorts,
        created_by=created_by,
        masterclass_id=masterclass_id,
    )
    return view(stored)


def view(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored cohort proposal in the API's shape."""
    if stored.get("kind") != "cohort":
        raise NotFound(f"No cohort proposal with id {stored.get('id')}")
    return {
        "id": stored["id"],
        "masterclass_id": stored.get("masterclass_id"),
        "cohorts": [cohort_view(g) for g in stored["groups"]],
        "unmet": stored.get("unmet", []),
        "request": stored.get("request"),
        "created_at": stored.get("created_at"),
    }


def cohort_view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A stored cohort in the API's shape."""
    return {
        "id": group["id"],
        "proposal_id": group.get("proposal_id"),
        "status": group.get("status", "proposed"),
        "coherence": group.get("coherence"),
        "themes": group.get("themes", []),
        "themes_by_lang": group.get("themes_by_lang"),
        "industry": group.get("industry"),
        "industry_label": group.get("industry_label"),
        "maturity": group.get("maturity"),
        "maturity_code": group.get("maturity_code"),
        "maturity_level": group.get("maturity_level"),
        "unmet": group.get("unmet", []),
        "members": [
            {
                "response_id": m.get("response_id"),
                "company": m.get("company"),
                "company_id": m.get("company_id"),
                "maturity": m.get("maturity"),
                "maturity_code": m.get("maturity_code"),
                "maturity_level": m.get("maturity_level"),
                "industry": m.get("industry"),
                "industry_label": m.get("industry_label"),
                "fit": m.get("fit"),
                "poor_fit": m.get("poor_fit", False),
                "reason": m.get("reason"),
            }
            for m in group.get("members", [])
        ],
    }


def get_proposal(db, proposal_id: int) -> dict[str, Any]:
    stored = proposals.get_proposal(db, stored_id(proposal_id, "cohort proposal"))
    if stored["kind"] != "cohort":
        raise NotFound(f"No cohort proposal with id {proposal_id}")
    return view(stored)


def get_cohort(db, group_id: int) -> dict[str, Any]:
    group = proposals.get_group(db, stored_id(group_id, "cohort"))
    if group["kind"] != "cohort":
        raise NotFound(f"No cohort with id {group_id}")
    return cohort_view(group)


def for_masterclass(db, masterclass_id: int) -> list[dict[str, Any]]:
    """Stored cohort proposals of a masterclass, newest first."""
    questionnaires.get_masterclass(db, stored_id(masterclass_id, "masterclass"))
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM proposals WHERE kind = 'cohort' AND masterclass_id = ? "
            "ORDER BY id DESC",
            [masterclass_id],
        )
    ]
    return [get_proposal(db, i) for i in ids]
