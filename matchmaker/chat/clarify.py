"""Clarifying questions: which firm or masterclass is meant ("Mente du …?", a list of choices),
and whether the next message answers the question."""

from __future__ import annotations

import re

from matchmaker.chat import entities as slots
from matchmaker.chat.names import suggest_firm
from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import join, say
from matchmaker.store import questionnaires

# A yes to "did you mean …?".
YES = re.compile(
    r"^\s*(?:ja|jo|jep|jeps|yes|yep|yeah|ok|okay|korrekt|præcis|netop|rigtigt|det er den|"
    r"den|that one|correct|right|sure|gerne)\b[\s!.,]*(?:tak|please|thanks|den|det)?[\s!.]*$",
    re.I,
)


def answers_pending(turn: Turn, pending: dict) -> bool:
    """Does this message pick one of the offered choices (or name the missing firm)?"""
    if len(turn.found.firms) + len(turn.found.ambiguous) >= 2:
        return False  # several firms named: a new request, not a pick
    choices = pending.get("choices") or []
    if len(choices) == 1 and YES.match(turn.message):
        turn.choice = choices[0]
        return True
    choice = pick_choice(turn, choices)
    if choice is not None:
        turn.choice = choice
        return True
    if pending.get("slot") == "firm" and len(turn.found.firms) == 1:
        mention = turn.mentions[0] if turn.mentions else None
        mostly_name = mention and (mention.end - mention.start) >= 0.5 * len(turn.message.strip())
        if turn.prediction.intent == pending["intent"] or mostly_name:
            turn.choice = turn.found.firms[0]
            return True
    return False


# A firm's name as written after "til"/"for": capitalised words, or any words before a
# company form ("ApS", "A/S").
_NAME_AFTER = re.compile(
    r"\b(?:til|for)\s+((?:[A-ZÆØÅ][\w&'.-]*)(?:\s+(?:[A-ZÆØÅ&][\w&'./-]*|og|and|&))*)"
)
_COMPANY_FORM = re.compile(r"\b(?:ApS|A/S|I/S|IVS|K/S|P/S|AMBA|A\.m\.b\.a\.)$")


def unknown_name(message: str) -> str | None:
    """The name of a firm a message asks about when it reads as one (two capitalised words
    or more, or a company form) and is no region's; else None."""
    from matchmaker.reference.regions import is_region_name

    for m in _NAME_AFTER.finditer(message):
        name = m.group(1).strip(" .,&")
        if (len(name.split()) >= 2 or _COMPANY_FORM.search(name)) and not is_region_name(name):
            return name
    return None


def pick_choice(turn: Turn, choices: list[dict]) -> dict | None:
    """The offered choice this message names, points at ("nummer to") or types."""
    if not choices:
        return None
    ids = {c["id"] for c in choices}
    picked = [f for f in turn.found.firms if f["id"] in ids]
    for amb in turn.found.ambiguous:
        narrowed = [c for c in amb["candidates"] if c["id"] in ids]
        if len(narrowed) == 1:
            picked.append(narrowed[0])
    if len(picked) == 1:
        return next(c for c in choices if c["id"] == picked[0]["id"])
    if turn.found.ordinals and len(turn.found.ordinals) == 1:
        n = turn.found.ordinals[0]
        if 1 <= n <= len(choices) or n == -1:
            return choices[n - 1] if n > 0 else choices[-1]
    stripped = turn.message.strip().rstrip(".!?")
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        return choices[int(stripped) - 1]
    folded = slots.fold(stripped)
    for c in choices:
        label = slots.fold(c.get("name") or c.get("title") or "")
        if folded and (folded == label or (len(folded) >= 4 and folded in label)):
            return c
    return None


def ask_firm(turn: Turn, intent: str, params: dict) -> dict:
    """No firm named: suggest the one a mistyped name most likely means ("Mente du …?"), offer
    the firms that share a word with the message, or ask for one."""
    candidates = slots.firm_candidates(turn.message, turn.gazetteer)
    state = carry(turn.state)
    guess = candidates[0] if len(candidates) == 1 else None
    if guess is None and not candidates:
        guess = suggest_firm(turn.message, turn.gazetteer)
    if guess is not None:
        turn.reply = say("did_you_mean_one", turn.lang, name=guess["name"])
        card = choice_card(guess, turn.lang)
        card["actions"][0]["label"] = say("act_yes", turn.lang)
        turn.cards = [card]
        state["pending"] = {"intent": intent, "params": params, "choices": [guess],
                            "confirm": True}  # fmt: skip
        return state
    if candidates:
        names = join([c["name"] for c in candidates], turn.lang, "or")
        turn.reply = say("did_you_mean", turn.lang, names=names)
        turn.cards = [choice_card(c, turn.lang) for c in candidates]
        state["pending"] = {"intent": intent, "params": params, "choices": candidates}
        return state
    example = turn.example_firm()
    named = unknown_name(turn.message)
    if named and example:  # "find partnere til Solsikke Blomster ApS": not among the firms
        turn.reply = say("unknown_named_firm", turn.lang, name=named, example=example)
    elif example:
        turn.reply = say("ask_firm", turn.lang, example=example)
    else:
        turn.reply = say("ask_firm_plain", turn.lang)
    state["pending"] = {"intent": intent, "params": params, "slot": "firm"}
    return state


def clarify_ambiguous(turn: Turn, intent: str, params: dict, ambiguous: dict) -> dict:
    """Several firms match a name: ask which one, with a choice card for each."""
    candidates = ambiguous["candidates"]
    state = carry(turn.state)
    if len(candidates) == 1:  # one firm fits: "did you mean …?", not "several firms …"
        turn.reply = say("did_you_mean_one", turn.lang, name=candidates[0]["name"])
        card = choice_card(candidates[0], turn.lang)
        card["actions"][0]["label"] = say("act_yes", turn.lang)
        turn.cards = [card]
        state["pending"] = {"intent": intent, "params": params, "choices": candidates,
                            "confirm": True}  # fmt: skip
        return state
    names = join([c["name"] for c in candidates], turn.lang, "or")
    turn.reply = say("which_firm", turn.lang, text=ambiguous["text"], names=names)
    turn.cards = [choice_card(c, turn.lang) for c in candidates]
    state["pending"] = {"intent": intent, "params": params, "choices": candidates}
    return state


def choice_card(candidate: dict, lang: str) -> dict:
    """A firm or masterclass to pick; its button sends the name."""
    label = candidate.get("name") or candidate.get("title")
    card = {"type": "choice", "id": candidate["id"], "name": label}
    card["actions"] = [{"kind": "choose", "label": say("act_choose", lang), "message": label}]
    return card


def which_masterclass(turn: Turn, intent: str, keep: dict, last: dict | None = None) -> dict | None:
    """The masterclass a request is about: the option picked, the one named, the `last` one of
    the conversation, or the only one; None when the chat asks which (or there is none), the
    question written to `turn` and `keep`."""
    pending = turn.state.get("pending")
    if pending and turn.choice and pending["intent"] == intent:
        return {"id": turn.choice["id"], "title": turn.choice.get("title")}
    if turn.found.masterclass is not None:
        return turn.found.masterclass
    if last:
        return last
    classes = questionnaires.list_masterclasses(turn.db)
    if not classes:
        turn.reply = say("no_masterclass", turn.lang)
        return None
    if len(classes) == 1:
        return {"id": classes[0]["id"], "title": classes[0]["title"]}
    choices = [{"id": m["id"], "title": m["title"], "name": m["title"]} for m in classes]
    names = join([m["title"] for m in classes], turn.lang, "or")
    turn.reply = say("which_masterclass", turn.lang, names=names)
    turn.cards = [choice_card(c, turn.lang) for c in choices[:10]]
    keep["pending"] = {"intent": intent, "params": {}, "choices": choices}
    return None
