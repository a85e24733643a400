"""Help, and small talk: greetings, thanks, goodbyes, and a polite refusal of what the chat is
not for (the weather, jokes)."""

from __future__ import annotations

import re

from matchmaker.chat.turn import Turn, carry
from matchmaker.chat.wording import say

THANKS = re.compile(
    r"\b(tak|thanks?|thank you|thx|ty|cheers|godt arbejde|good job|great work|nice|super)\b", re.I
)
GREETING = re.compile(
    r"^\W*(hej\w*|halløj|hallo|goddag|godmorgen|godaften|morn|hi|hello|hey|"
    r"good (?:morning|afternoon|evening))\b",
    re.I,
)
GOODBYE = re.compile(r"\b(farvel|vi ses|ses|godnat|bye|goodbye|see you|good night)\b", re.I)
# What makes a question one about using the chat ("hvordan gemmer jeg …?", "hvad kan du?") or
# about what its words mean ("hvad er forskellen på …?", "what is a cohort?").
USAGE = re.compile(
    r"\b(?:hvordan|how|kan jeg|kan man|can i|can you|kan du|could you|gør jeg|do i|hjælp\w*|"
    r"help|vejledning|guide|eksempl\w*|examples?|funktion\w*|features?|kommando\w*|commands?|"
    r"forskel\w*|difference|betyder|betyde|means?|hvad er (?:en|et)|what is an?|what are)\b",
    re.I,
)
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:hvad|hvem|hvor|hvornår|hvorfor|hvilke\w*|what|who|where|when|why|which)\b",
    re.I,
)


def beyond_help(turn: Turn) -> bool:
    """A question the help text does not answer: not about using the chat, nor small talk
    (the price of something, a date): it gets "I cannot answer that" and what the chat does."""
    message = turn.message
    return bool(QUESTION.search(message) and not USAGE.search(message) and not _small_talk(message))


# Small talk is short: a longer message that merely contains "tak" is something else.
SMALL_WORDS = 6


def _example(turn: Turn) -> str:
    return turn.example_firm() or "<firma>"


def _small_talk(message: str) -> str | None:
    """Which kind of small talk a short message is ('thanks', 'bye', 'greeting'), if any."""
    if len(message.split()) > SMALL_WORDS:
        return None
    if GOODBYE.search(message):
        return "bye"
    if THANKS.search(message):
        return "thanks"
    if GREETING.search(message):
        return "greeting"
    return None


def help_(turn: Turn) -> dict:
    """What the chat can do, with examples (or "you're welcome" to a thank-you)."""
    thanks = _small_talk(turn.message) in ("thanks", "bye")
    turn.reply = say("thanks" if thanks else "help", turn.lang, firm=_example(turn))
    return carry(turn.state)


def other(turn: Turn) -> dict:
    """Small talk gets its answer (a greeting the help, thanks "you're welcome", a goodbye a
    goodbye); anything else off-topic a polite refusal with examples, in the user's language."""
    kind = _small_talk(turn.message)
    key = {"greeting": "help", "thanks": "thanks", "bye": "bye"}.get(kind or "", "other")
    turn.reply = say(key, turn.lang, firm=_example(turn))
    return carry(turn.state)
