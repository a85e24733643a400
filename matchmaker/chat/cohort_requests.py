"""Cohorts for a masterclass in the chat: which masterclass, what sizes ("3 hold", "max 6 per
hold"), and a preview of the split, planned without storing; `saving` stores it on request."""

from __future__ import annotations

from typing import Any

from matchmaker.chat.cards import group_card
from matchmaker.chat.clarify import which_masterclass
from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import error_text, reasons_text, say
from matchmaker.grouping import cohorts
from matchmaker.reference import messages
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound, validate
from matchmaker.store import questionnaires

DEFAULT_MIN_COHORT = 7  # the cohort API's default smallest cohort


def plan_cohorts(db, masterclass_id: int, request: dict[str, Any]) -> cohorts.CohortPlan:
    """Cohorts for a request, computed and not stored (InvalidInput when it is refused)."""
    return cohorts.plan(db, masterclass_id, validate(cohorts.CohortRequestIn, request))


def propose_cohorts(turn: Turn) -> dict:
    """Preview cohorts for the masterclass named (asked for when unclear, or the last one)."""
    lang = turn.lang
    keep = carry(turn.state)
    state = turn.state
    last = state.get("cohorts") if state.get("task") == "propose_cohorts" else None
    masterclass = which_masterclass(turn, "propose_cohorts", keep, (last or {}).get("masterclass"))
    if masterclass is None:
        return keep
    request = cohort_request(turn, masterclass, last or {})
    request["lang"] = lang
    try:
        plan = plan_cohorts(turn.db, masterclass["id"], request)
    except (InvalidInput, Conflict) as exc:
        turn.reply = say("no_cohorts", lang, title=masterclass["title"], why=error_text(exc, lang))
        return keep
    except NotFound:
        why = messages.render("reasons.generic", lang)
        turn.reply = say("no_cohorts", lang, title=masterclass["title"], why=why)
        return keep
    groups = plan.cohorts
    if not groups:
        why = reasons_text([u for u in plan.unmet if isinstance(u, dict)], lang)
        turn.reply = say("no_cohorts", lang, title=masterclass["title"], why=why)
        return keep
    turn.reply = say("cohorts", lang, n=len(groups), title=masterclass["title"])
    turn.reply = turn.reply.rstrip(":") + say("preview_hint", lang)
    turn.cards = [
        group_card(turn, {**g, "kind": "cohort", "id": None}, n)
        for n, g in enumerate(groups, start=1)
    ]
    return {
        "task": "propose_cohorts",
        "cohorts": {
            "masterclass": masterclass,
            "max_size": request.get("max_size"),
            "min_size": request.get("min_size"),
        },
        "preview": {"kind": "cohort", "request": request, "masterclass": masterclass},
        "masterclass": masterclass,
    }


def cohort_request(turn: Turn, masterclass: dict, last: dict) -> dict[str, Any]:
    """Cohort sizes from "max 6 per hold" (a size) or "3 hold" (a number of cohorts)."""
    found = turn.found
    request: dict[str, Any] = {"seed": 0}
    same = (last.get("masterclass") or {}).get("id") == masterclass["id"]
    if same and last.get("max_size"):
        request["max_size"] = last["max_size"]
        request["min_size"] = last.get("min_size") or min(DEFAULT_MIN_COHORT, last["max_size"])
    if found.size or (found.count and found.count_unit == "firms"):
        size = max(1, min(found.size or found.count, questionnaires.MAX_COHORT_SIZE))
        request["max_size"] = size
        request["min_size"] = min(DEFAULT_MIN_COHORT, size)
    elif found.count:
        answers = questionnaires.get_masterclass(turn.db, masterclass["id"])["responses"]
        k = max(1, found.count)
        request["max_size"] = max(1, min(-(-answers // k), questionnaires.MAX_COHORT_SIZE))
        request["min_size"] = max(1, min(answers // k, request["max_size"]))
    return request
