"""Whether two firms compete ("er A og B konkurrenter?"): the matcher's competitor flag for
the pair (as `GET /companies/<a>/match/<b>` gives it) answered yes or no, with its reason."""

from __future__ import annotations

import re

from matchmaker import matching
from matchmaker.chat.cards import pair_card
from matchmaker.chat.turn import Turn, carry
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


def asks_rivalry(turn: Turn) -> bool:
    """A question whether named firms compete (two named, or one beside the firm in focus)."""
    message = turn.message
    return bool(RIVALRY.search(message) and QUESTION.search(message)) and len(_pair(turn)) == 2


def _pair(turn: Turn) -> list[dict]:
    firms = list({f["id"]: f for f in turn.found.firms}.values())
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
