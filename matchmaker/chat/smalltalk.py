"""Help, thanks, and a polite refusal of what the chat is not for (the weather, jokes)."""

from __future__ import annotations

import re

from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import say

THANKS = re.compile(r"\b(tak|thanks?|thank you|thx|ty|mange tak)\b", re.I)


def _example(turn: Turn) -> str:
    return turn.gazetteer.firms[0].name if turn.gazetteer.firms else "<firma>"


def help_(turn: Turn) -> dict:
    """What the chat can do, with examples (or "you're welcome" to a thank-you)."""
    thanks = THANKS.search(turn.message) and len(turn.message.split()) <= 6
    turn.reply = say("thanks" if thanks else "help", turn.lang, firm=_example(turn))
    return carry(turn.state)


def other(turn: Turn) -> dict:
    """Off-topic: a polite refusal with examples of what to ask, in the user's language."""
    turn.reply = say("other", turn.lang, firm=_example(turn))
    return carry(turn.state)
