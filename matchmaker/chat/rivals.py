"""Whether two firms compete ("er A og B konkurrenter?"): the matcher's competitor flag for
the pair (as `GET /companies/<a>/match/<b>` gives it) answered yes or no, with its reason."""

from __future__ import annotations

import re

from matchmaker import matching
from matchmaker.chat.cards import pair_card
from matchmaker.chat.numbers import find_ordinals
from matchmaker.chat.turn import FIRM_CARDS, POINTS_BACK, Turn, card_at, carry
from matchmaker.chat.wording import say, type_label
from matchmaker.reference import messages
from matchmaker.reference.validation import NotFound

RIVALRY = re.compile(
    r"\b(?:konkurrent\w*|konkurrer\w*|competitors?|compet(?:e|es|ing)|rivals?)\b", re.I
)


# A question, not a request that mentions competitors ("partnere, der ikke er konkurrenter").
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:er|is|are|do|does|konkurrerer|compete|competes|kan|could|can)\b", re.I
)


_TWO_NUMBERS = re.compile(
    r"\b(?:nummer|nr\.?|number|no\.?|#)\s*(\d{1,2})\s*(?:og|and|&)\s*(?:nummer|nr\.?|number|"
    r"no\.?|#)?\s*(\d{1,2})\b",
    re.I,
)


def asks_rivalry(turn: Turn) -> bool:
    """A question whether named firms compete (two named, or one beside the firm in focus)."""
    message = turn.message
    return bool(RIVALRY.search(message) and QUESTION.search(message)) and len(_pair(turn)) == 2


def _pair(turn: Turn) -> list[dict]:
    """The two firms asked about: named; one named beside the firm in focus; those of the
    last list pointed at ("er nummer 1 og 3 konkurrenter?"), or both of a list of two ("er
    de konkurrenter?")."""
    firms = list({f["id"]: f for f in turn.found.firms}.values())
    if not firms:
        state = turn.state
        both = _TWO_NUMBERS.search(turn.message)  # "nummer 1 og 2"
        ordinals = [int(both[1]), int(both[2])] if both else find_ordinals(turn.message)[0]
        if ordinals:
            cards = [card_at(state, n) for n in ordinals]
        elif POINTS_BACK.search(turn.message):
            cards = state.get("cards") or []
            if sum(c.get("type") in FIRM_CARDS for c in cards) != 2:
                cards = []
        else:
            cards = []
        firms = [{"id": c["id"], "name": c["name"]} for c in cards
                 if c and c.get("type") in FIRM_CARDS]  # fmt: skip
    if len(firms) == 1:
        focus = turn.state.get("shown") or turn.state.get("firm")
        if focus and focus["id"] != firms[0]["id"]:
            firms.insert(0, focus)
    return firms[:2]


def rivalry(turn: Turn) -> dict:
    """Yes (possibly) with the reason when the matcher flags the pair as competitors, else no
    with what kind of match they are."""
    lang, keep = turn.lang, carry(turn.state)
    a, b = _pair(turn)
    try:
        pair = matching.pair_score(turn.db, a["id"], b["id"], lang=lang)
    except (KeyError, NotFound):
        turn.reply = say("unknown_firm", lang)
        return keep
    if "competitor" in pair.flags:
        why = messages.render("matching.competitor", lang)
        turn.reply = say("rivals_yes", lang, a=a["name"], b=b["name"], why=why)
    else:
        kind = type_label(pair.type, lang)
        turn.reply = say("rivals_no", lang, a=a["name"], b=b["name"], type=kind,
                         score=float(pair.score))  # fmt: skip
    turn.cards = [pair_card(a, b, pair, lang)]
    keep["firms"] = [a, b]
    return keep
