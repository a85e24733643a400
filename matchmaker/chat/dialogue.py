"""The dialogue: which task a message asks for in its context, the handler that answers it, and
the state kept for the next message.

A message that names its own object (a firm, a masterclass, a new kind of request) starts a
fresh frame; only elliptic follow-ups ("og kun i Syddanmark", "gør det til fem", "som pdf")
change the last request.
"""

from __future__ import annotations

import re
from typing import Any

from matchmaker.chat import entities as slots
from matchmaker.chat.clarify import answers_pending
from matchmaker.chat.cohort_requests import propose_cohorts
from matchmaker.chat.counts import asks_count, count_firms
from matchmaker.chat.explain import explain
from matchmaker.chat.export import export
from matchmaker.chat.group_members import asks_membership
from matchmaker.chat.invitations import asks_invitations, invite
from matchmaker.chat.masterclasses import find_masterclass
from matchmaker.chat.network_previews import propose_networks
from matchmaker.chat.partners import find_similar
from matchmaker.chat.review import review, review_action
from matchmaker.chat.rivals import asks_rivalry, rivalry
from matchmaker.chat.saving import save
from matchmaker.chat.show import asks_about_group, show
from matchmaker.chat.smalltalk import beyond_help, help_, other
from matchmaker.chat.topic_search import partners_or_firms
from matchmaker.chat.topics import EVERYWHERE, asks_for_buyers, asks_for_suppliers
from matchmaker.chat.turn import (
    ELLIPTIC,
    FOLLOW_UP,
    MAX_CARDS_REMEMBERED,
    TASKS,
    Turn,
    asks_more,
    card_ref,
    is_follow_up,
    makes_list,
    named_subjects,
    refines,
    switches_firm,
)
from matchmaker.store import chat_log

# "gem", "save it", "gem netværk 2": keep the previewed proposal.
SAVE = re.compile(
    r"^\s*(?:ja[, ]+)?(?:gem|gemme|save|keep|store|behold)\b(?!\s+(?:som|as)\b)", re.I
)

HANDLERS = {
    "find_partners": partners_or_firms,
    "similar": find_similar,
    "propose_networks": propose_networks,
    "propose_cohorts": propose_cohorts,
    "explain": explain,
    "show": show,
    "export": export,
    "save": save,
    "review": review,
    "rivalry": rivalry,
    "count": count_firms,
    "invite": invite,
    "help": help_,
    "other": other,
}


def respond(
    db, session_id: str, message: str, user: Any = None, *, max_per_firm: int | None = None
) -> dict[str, Any]:
    """Answer one chat message in the context of its session, and store both.

    `max_per_firm` caps the stored proposals a firm may be in (the app's
    MAX_PROPOSALS_PER_FIRM); None leaves the networks module's default.
    """
    turn = Turn(db, session_id, message, user, max_per_firm)
    intent = decide(turn)
    state = HANDLERS[intent](turn)
    state["lang"] = turn.lang
    state["turns"] = turn.state.get("turns", 0) + 1
    for card in turn.cards:
        card.setdefault("lang", turn.lang)
    answer = {
        "reply": turn.reply,
        "intent": intent,
        "entities": public_entities(turn, intent, state),
        "cards": turn.cards,
    }
    if any(makes_list(c) for c in turn.cards) and not turn.list_kept:
        state["cards"] = [card_ref(c) for c in turn.cards][:MAX_CARDS_REMEMBERED]
    if "networks_shown" not in state and turn.state.get("networks_shown"):
        state["networks_shown"] = turn.state["networks_shown"]  # kept whatever the handler kept
        earlier = turn.state.get("preview") or {}
        drafts = any(c.get("id") is None for c in state["networks_shown"])
        if "preview" not in state and earlier.get("kind") == "network" and drafts:
            state["preview"] = earlier  # draft networks shown earlier can still be saved
    shown = [card_ref(c) for c in turn.cards if c["type"] == "network"]
    if shown:  # "netværk 2" after an explanation or a partner list still means this one
        state["networks_shown"] = shown[:MAX_CARDS_REMEMBERED]
    chat_log.append_turn(db, session_id, message, answer, state, turn.found.as_dict())
    return answer


def history(db, session_id: str) -> list[dict[str, Any]]:
    """The messages of a session, oldest first."""
    return chat_log.history(db, session_id)


def own_object(turn: Turn) -> bool:
    """Does the message name what it is about (a firm, or a masterclass outside cohorts)?"""
    found, task = turn.found, turn.state.get("task")
    return bool(found.firms or found.ambiguous or (found.masterclass and task != "propose_cohorts"))


# Requests a language switch ("på dansk tak") answers again in the language asked for.
RELANGUAGED = ("find_partners", "similar", "propose_networks", "propose_cohorts")
# Requests that form groups of the firms: a question for suppliers after one is a firm search.
GROUP_TASKS = ("propose_networks", "propose_cohorts")


def decide(turn: Turn) -> str:
    """The intent to act on: the classifier's, unless the context says otherwise."""
    intent = turn.prediction.intent
    found, state = turn.found, turn.state
    if review_action(turn.message):
        return "review"  # "byt A ud med B", "godkend netværk 1": a decision, never a new request
    if asks_rivalry(turn):
        return "rivalry"  # "er A og B konkurrenter?": a yes or no, not two profiles
    if asks_count(turn):
        return "count"  # "hvor mange virksomheder …?": a number, not a partner search
    if (
        state.get("task") in RELANGUAGED
        and EVERYWHERE.search(turn.message)
        and not (found.firms or found.purpose or _names_other_task(turn, state["task"]))
        and (intent == state["task"] or len(turn.message.split()) <= 5)
    ):
        return state["task"]  # "hele landet": the last request without its region
    if turn.language_switch and state.get("task") in RELANGUAGED:
        return state["task"]  # "in English please": the last request again, in English
    pending = state.get("pending")
    if pending and answers_pending(turn, pending):
        return pending["intent"]
    if asks_membership(turn):
        return "explain"  # "hvorfor er A med?" after networks: A's place, not A's partners
    if asks_invitations(turn):
        return "invite"  # "hvem skal vi invitere til masterclassen?": firms, not cohorts
    if found.format and (intent == "save" or SAVE.match(turn.message)):
        return "export"  # "gem listen som csv": a file, not a stored proposal
    if intent == "save" or (state.get("preview") and SAVE.match(turn.message)):
        return "save"  # ("tilføj A til netværket" is no save: `review_action` read it first)
    if intent not in ("explain", "export", "save") and asks_about_group(turn):
        return "show"  # "hvem er på hold 2?": that group of the last list, not a new split
    task = state.get("task")
    if task in ("find_partners", "similar") and asks_more(turn) and state.get("search"):
        return task  # "flere": more of the last list
    if task == "propose_networks" and asks_more(turn) and state.get("networks"):
        return task  # "vis flere" after networks: more networks, not a firm's partners
    excluding = found.exclude and (found.ordinals or found.firms) and state.get("cards")
    if task and excluding and intent not in ("explain", "show"):
        if intent in TASKS and named_subjects(turn):
            return intent  # "find partnere til X uden nummer to": a new request, a new mode
        return task
    switch = intent in (*TASKS, "show", "other") and switches_firm(turn)
    if task in ("find_partners", "similar") and switch and not _names_task(turn):
        return task  # "hvad med Thy Kød i stedet?" after a look-alike search
    if intent == "help" and beyond_help(turn):
        return "other"  # a question the help does not answer ("what does X cost?")
    pair = state.get("pair") or {}
    if (
        pair.get("turn") == state.get("turns")
        and len(found.firms) == 2
        and AND_THESE.match(turn.message)
        and intent in ("explain", "show", "other")
        and not _names_other_task(turn, "explain")
    ):
        return "explain"  # "og A og B?" right after "hvorfor passer C og D sammen?"
    if task == "propose_networks" and intent == "propose_cohorts" and groups_of_networks(turn):
        return task  # "make them groups of five" after networks: networks are groups too
    if own_object(turn):
        return intent
    if found.format and intent == "export":
        return "export"  # "eksportér til pdf": not a purpose ("eksport") of the last search
    if found.format and intent not in TASKS and (state.get("export") or state.get("cards")):
        return "export"  # "og som excel" right after an export, "xlsx" after a list
    if task and intent in TASKS and intent != task and not _names_task(turn):
        if ELLIPTIC.match(turn.message) and not (found.purpose or found.masterclass):
            return task  # "og i Jylland?" after partners: not a new kind of request
    if task and refines(found):
        if intent == "explain" and WHY.match(turn.message):
            return intent  # "hvorfor de to første?": why, not the last request again
        if intent in TASKS and intent != task and _names_task(turn):
            return intent  # "find partnere til dem i Midtjylland" after a look-alike search
        buyers = asks_for_buyers(turn.message)
        asks_firms = (asks_for_suppliers(turn.message) or buyers) and not FOLLOW_UP.search(
            turn.message
        )
        if intent == "find_partners" and asks_firms and (task in GROUP_TASKS or buyers):
            # "hvem kan levere emballage?" after draft networks: firms; "hvem har brug for
            # kompost?" never asks for the last firm's partners
            return intent
        if intent == task or intent in ("find_partners", "help", "show", "export"):
            return task
        if intent == "other":
            # Off-topic ("the weather in Aarhus") stays off-topic unless it reads as a follow-up.
            return task if is_follow_up(turn) else intent
        if task == "propose_cohorts" and (found.count or found.size):
            return task  # "kan vi få tre hold i stedet?"
        # Another task is taken when the message names it ("netværk"), else it is a follow-up.
        return intent if _names_task(turn) else task
    return intent


# "og A og B?", "what about A and B?": the same question of other firms.
AND_THESE = re.compile(r"^\s*(?:og|and|hvad med|hvad så med|what about|how about)\b", re.I)
WHY = re.compile(r"^\s*(?:og\s+|and\s+|men\s+|but\s+)?(?:hvorfor|why|how come)\b", re.I)


def groups_of_networks(turn: Turn) -> bool:
    """After networks, does a cohort-like change ("grupper på fem") mean the networks: it names
    no cohort, masterclass (by its title) or firm?"""
    return (
        refines(turn.found)
        and not turn.found.firms
        and not COHORT_WORDS.search(turn.message)
        and find_masterclass(turn.message, turn.gazetteer) is None
    )


# Words only a cohort request uses ("grupper" may be networks too).
COHORT_WORDS = re.compile(r"\bhold\b|holdene|cohort|kohort|masterclass|kursus", re.I)

_TASK_WORDS = {
    "propose_networks": re.compile(r"netværk|netvaerk|network", re.I),
    "propose_cohorts": re.compile(r"\bhold\b|holdene|cohort|kohort|grupper|groups", re.I),
    "similar": re.compile(r"ligner|lignende|minder om|similar|like\b|look-?alike", re.I),
    "find_partners": re.compile(r"partner|samarbejd|match", re.I),
}


def _names_other_task(turn: Turn, task: str) -> bool:
    """Does the message name a kind of request other than `task` ("foreslå netværk …")?"""
    return any(p.search(turn.message) for t, p in _TASK_WORDS.items() if t != task)


def _names_task(turn: Turn) -> bool:
    """Does the message name the kind of request the classifier read ("netværk", "hold")?"""
    pattern = _TASK_WORDS.get(turn.prediction.intent)
    return bool(pattern and pattern.search(turn.message))


def public_entities(turn: Turn, intent: str, state: dict) -> dict[str, Any]:
    """The slots of this message with the dialogue context merged in."""
    if intent in ("help", "other"):
        return {}
    out: dict[str, Any] = {}
    firm = state.get("firm")
    firms = state.get("firms") or ([firm] if firm else [])
    if firm:
        out["firm"] = firm
    if firms:
        out["firms"] = firms
    for key in ("count", "region", "sector", "purpose", "theme", "masterclass", "format"):
        if state.get(key) is not None:
            out[key] = state[key]
    if state.get("excluded"):
        out["excluded"] = state["excluded"]
    if intent == "propose_networks" and (state.get("networks") or {}).get("design"):
        out["design"] = state["networks"]["design"]
    size = (state.get("networks") or {}).get("size") or (state.get("cohorts") or {}).get("max_size")
    if size:
        out["size"] = size
    if intent == "propose_cohorts" and state.get("cohorts"):
        out["masterclass"] = state["cohorts"]["masterclass"]
    if turn.found.ordinals:
        out["ordinals"] = turn.found.ordinals
    # What this message said, even when the request could not be carried out.
    said = slots.for_intent(turn.found, intent)
    if said.firms and "firms" not in out:
        out["firms"] = said.firms
    for key in ("count", "region", "sector", "purpose", "theme", "masterclass", "format"):
        if key not in out and getattr(said, key) is not None:
            out[key] = getattr(said, key)
    return out
