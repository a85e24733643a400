"""One chat message in its context: what was understood (intent, slots, firms) and the state of
the conversation before it; the answer is built on it by a handler."""

from __future__ import annotations

import re
import zlib
from dataclasses import replace
from functools import lru_cache
from typing import Any

from matchmaker.chat import entities as slots
from matchmaker.chat import intents
from matchmaker.chat.language import language_asked, message_language
from matchmaker.chat.topics import EVERYWHERE, asks_for_buyers, asks_for_suppliers, find_purpose
from matchmaker.reference.validation import NotFound
from matchmaker.store import chat_log, profiles

TASKS = ("find_partners", "similar", "propose_networks", "propose_cohorts")
# Cards that make a list later messages can point into ("number two", "the last one").
LIST_CARDS = ("firm", "network", "cohort")
# Cards that stand for one firm a later message can point at ("vis nummer to").
FIRM_CARDS = ("firm", "profile")
# Cards of a group a later message can ask about ("hvem er på hold 2?").
GROUP_CARDS = ("network", "cohort")
MAX_CARDS_REMEMBERED = 20


def asks_for_firms(message: str) -> bool:
    """Does the message ask who supplies or who needs a thing it names?"""
    asked = asks_for_suppliers(message) or asks_for_buyers(message)
    return asked and find_purpose(message) is not None


class Turn:
    """One message in its context: what was understood, and the answer being built."""

    def __init__(
        self, db, session_id: str, message: str, user: Any, max_per_firm: int | None = None
    ):
        self.db = db
        self.user = user
        self.max_per_firm = max_per_firm
        self.state: dict[str, Any] = chat_log.last_state(db, session_id)
        self.gazetteer = slots.Gazetteer.from_db(db)
        # "in English please", "på dansk tak": the last answer again in that language (no
        # firm is named: "dansk" is no part of "Dansk Institut …" here).
        asked = language_asked(message)
        self.language_switch = asked is not None
        self.mentions = [] if asked else slots.find_firms(message, self.gazetteer)
        spans = [(m.start, m.end) for m in self.mentions]
        # The language of the sentence around the names ("Find partners for Limfjord Grøn
        # Energi" is English): firm names say nothing about it.
        self.lang = asked or message_language(
            slots.mask(message, spans), self.state.get("lang", "da")
        )
        self.prediction = intents.classify(message, spans)
        if self.prediction.intent in ("other", "help", "show") and asks_for_firms(message):
            # "hvem har kompost til overs?": a question for the firms that offer or need it
            self.prediction = replace(self.prediction, intent="find_partners")
        self.message = message
        self.found = slots.extract(
            message,
            self.gazetteer,
            intent=self.prediction.intent,
            language=self.lang,
            mentions=self.mentions,
            groups_listed=any(c.get("type") in GROUP_CARDS for c in self.state.get("cards") or []),
        )
        if asked:  # "på engelsk" asks for a language alone: no theme "engelsk", no other slot
            self.found = slots.Entities(language=self.lang)
        self.cards: list[dict] = []
        self.reply = ""
        self.choice: dict | None = None  # the option picked from a clarifying question
        # The answer shows a card of the last list again ("hvem er på hold 2?"): that list
        # stays the one later messages point into.
        self.list_kept = False
        self._profiles: dict[int, dict | None] = {}
        self._facts: dict[int, dict] | None = None

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "id", None)

    def profile(self, company_id: int) -> dict | None:
        """A stored profile, read once per message (None when it is gone)."""
        if company_id not in self._profiles:
            try:
                self._profiles[company_id] = profiles.get(self.db, company_id)
            except NotFound:
                self._profiles[company_id] = None
        return self._profiles[company_id]

    def names(self, ids) -> dict[int, str]:
        """Names of the given firm ids that the gazetteer knows."""
        out = {}
        for i in ids:
            firm = self.gazetteer.firm(i)
            if firm:
                out[i] = firm.name
        return out

    def example_firm(self) -> str:
        """A firm's name to show in an example: the one the conversation is about, else one of
        the region or sector asked about, else one picked by the message (not always the same
        demo firm); "" in an empty store."""
        focus = self.state.get("firm") or self.state.get("shown")
        if focus and self.gazetteer.firm(focus["id"]):
            return focus["name"]
        region, sector = self.found.region, self.found.sector
        facts = self.firm_facts()
        asked = [
            cid
            for cid, fact in facts.items()
            if (not region or fact["region"] == region)
            and (not sector or sector in fact["sectors"])
        ]
        ids = sorted(asked or facts)
        names = self.names(ids)
        if not names:
            return self.gazetteer.firms[0].name if self.gazetteer.firms else ""
        pick = zlib.crc32(self.message.encode("utf-8")) % len(names)
        return list(names.values())[pick]

    def firm_facts(self) -> dict[int, dict]:
        """Region and sectors of every consenting firm, read once per message: `sectors` those
        its name and sector field name (its description when they name none), `mentioned` also
        those its description names (a film workshop making food commercials mentions food)."""
        if self._facts is None:
            rows = self.db.execute(
                "SELECT id, name, region, sector, description FROM companies WHERE consent = 1"
            ).fetchall()
            self._facts = {
                cid: {"region": region} | sectors_named(name, sector, description)
                for cid, name, region, sector, description in rows
            }
        return self._facts


@lru_cache(maxsize=65_536)
def sectors_named(
    name: str, sector: str | None, description: str | None
) -> dict[str, frozenset[str]]:
    """A firm's `sectors` (those its name and sector field name, else its description's) and
    `mentioned` (its description's), worked out once per text in a process: every message
    that reads them would otherwise run the sector patterns over every firm again."""
    mentioned = slots.sectors_of(description or "")
    return {"sectors": slots.sectors_of(f"{name} {sector or ''}") or mentioned,
            "mentioned": mentioned}  # fmt: skip


def card_ref(card: dict) -> dict:
    """What the state keeps of a card so that 'number two' can point at it later."""
    if card["type"] == "pair" and card.get("b"):
        # A numbered pair of the subject's list ("hvorfor dem?") stands for its other firm, so
        # "vis nummer 2" still points at the second firm of the list.
        return {"type": "firm", "id": card["b"]["id"], "name": card["b"]["name"],
                "ordinal": card.get("ordinal")}  # fmt: skip
    keep = ("type", "id", "name", "proposal_id", "members", "title", "ordinal", "themes",
            "status", "match_type", "score", "coherence", "purpose")  # fmt: skip
    ref = {k: card[k] for k in keep if k in card}
    if "members" in ref:
        ref["members"] = [
            {k: m.get(k) for k in ("id", "name", "reason", "response_id") if k in m}
            for m in ref["members"]
        ]
    return ref


def makes_list(card: dict) -> bool:
    """Whether a card belongs to a list later messages can point into: partner, network and
    cohort cards, and any card numbered in its answer (the firms of a topic search)."""
    return card["type"] in LIST_CARDS or card.get("ordinal") is not None


# "netværk 5", "network no. 2": a network of the conversation by its number.
NETWORK_N = re.compile(r"\b(?:netværk|netvaerk|network)\s+(?:nr\.?\s*|nummer\s+|no\.?\s*)?\d", re.I)


def card_at(state: dict, n: int) -> dict | None:
    """The n-th card of the last list (1-based; -1 the last one), or None."""
    cards = state.get("cards") or []
    if n == -1 and cards:
        return cards[-1]
    if 1 <= n <= len(cards):
        return cards[n - 1]
    return None


def carry(state: dict) -> dict:
    """The state kept across a clarifying question (the last cards and request stay)."""
    return {k: v for k, v in state.items() if k not in ("pending", "suggested")}


def refines(found: slots.Entities) -> bool:
    """Does the message only change the last request (region, count, sector, exclusions)?"""
    return bool(
        found.region
        or found.count
        or found.sector
        or found.size
        or (found.exclude and (found.ordinals or found.firms))
        or (found.purpose and not found.firms)
    )


FOLLOW_UP = re.compile(
    r"^\s*(?:og|and|men|but|så|then|samme|same|also|også|now|nu|what about|hvad med|how about|"
    r"make it|gør det|gør dem|lad os|let's|kun|only|just|bare|uden|without|except|exclude|drop|"
    r"fjern|remove|tag|kan vi|can we|could we|kunne vi|hvad hvis|what if)\b|"
    r"\b(?:i stedet|instead|også|as well|too|kun|only|just|bare|dem|them|those|de samme|"
    # "gør netværkene større": the groups just shown
    r"netværkene|netvaerkene|holdene|grupperne|the networks|the groups|the cohorts)\b",
    re.I,
)


# A follow-up of a few words that leans on the last request ("og i Jylland?", "hvad med
# Fyn?"): it names no task of its own.
ELLIPTIC = re.compile(
    r"^\s*(?:og|and|men|but|hvad med|hvad så med|what about|how about|også|also)\b[^.?!]{0,30}"
    r"[.?!]*\s*$",
    re.I,
)


def unread_change(turn: Turn) -> bool:
    """A short follow-up ("og i Jylland?") in which nothing the last request takes was read:
    no firm, region, count, sector, size, purpose, exclusion, language or "hele landet"."""
    found = turn.found
    return bool(
        ELLIPTIC.match(turn.message)
        and not (refines(found) or found.firms or found.ambiguous or found.theme)
        and not (turn.language_switch or asks_more(turn))
    ) and not EVERYWHERE.search(turn.message)


def is_follow_up(turn: Turn) -> bool:
    """Does the message read as a change to the last request ("and only in Syddanmark")?"""
    return bool(FOLLOW_UP.search(turn.message)) or len(turn.message.split()) <= 4


# "flere", "vis flere", "more please": the next firms of the last list.
MORE = re.compile(
    r"^\s*(?:(?:vis|giv mig|show|give me|find)\s+)?(?:(?:nogle|endnu|some|a few)\s+)?"
    r"(?:flere|mere|more)\b(?:\s+(?:forslag|partnere|suggestions|partners|please|tak))*[\s!.?]*$",
    re.I,
)


def asks_more(turn: Turn) -> bool:
    """Does the message ask for more of the last list ("flere")?"""
    return bool(MORE.match(turn.message))


# "hvad med Thy Kød i stedet?": the same request for another firm.
SWITCH = re.compile(
    r"\b(?:hvad med|hvad så med|what about|how about|i stedet|instead|og for|and for|"
    r"samme for|same for|også for|also for)\b",
    re.I,
)


def switches_firm(turn: Turn) -> bool:
    """Does the message ask the last request again for the firm it names?"""
    return bool(turn.found.firms) and bool(SWITCH.search(turn.message))


# Words that point back at the firm just shown or talked about ("hvem ligner dem?").
POINTS_BACK = re.compile(
    r"\b(?:dem|de|den|det|dens|dets|deres|them|they|it|its|their|this firm|that firm|"
    r"virksomheden|firmaet|denne virksomhed|dette firma|the firm|the company)\b",
    re.I,
)


def firm_in_focus(turn: Turn) -> dict | None:
    """The firm a message without a name points back at ("find partnere til dem"): the one
    shown or searched for last, when the message has such a word."""
    if not POINTS_BACK.search(turn.message):
        return None
    return turn.state.get("firm") or turn.state.get("shown")


def named_subjects(turn: Turn) -> list[dict]:
    """The firms the message names as its subject: all of them, or those before an exclusion
    word ("partnere til A, men ikke B" → A)."""
    cut = slots.exclusion_start(turn.message) if turn.found.exclude else None
    return [
        {"id": m.matches[0]["id"], "name": m.matches[0]["name"]}
        for m in turn.mentions
        if not m.ambiguous and (cut is None or m.start < cut)
    ]


def named_excluded(turn: Turn) -> list[dict]:
    """The firms the message names after an exclusion word ("uden B")."""
    if not turn.found.exclude:
        return []
    subjects = {f["id"] for f in named_subjects(turn)}
    return [f for f in turn.found.firms if f["id"] not in subjects]
