"""Firms for a topic: a partner search that names no firm ("who can help with export to
Germany?", "which firms work with robots?") lists the firms whose offers meet the topic; a
question for who needs something ("hvem har brug for overskudsvarme?") lists the firms whose
needs the topic meets, as an offer.

The topic is read as the needs of a firm not named yet, and the consenting firms are ranked
by the match index's needs→offers similarity to it (the same calibrated similarity partner
suggestions use), within the region asked for. A firm is listed when its offers meet the
topic as strongly as a pair's needs and offers must to count as complementary
(`RECIPROCAL_Z`). A sector named without a purpose is the topic itself and narrows the list
to that sector (every firm of it may be listed, those closest to the message first); beside
a purpose it describes the firm asking, and is left out (a sector asked for after the list
filters it). Each card is the firm's profile with the clause of its offers that names the
purpose. Naming a firm next turns the request into a partner search for that firm with the
same filters (the request waits for it, as when the chat asks which firm is meant); a
follow-up without a firm changes the list (`continued_topic`).
"""

from __future__ import annotations

import re

from matchmaker.chat import entities as slots
from matchmaker.chat.cards import profile_card
from matchmaker.chat.partners import (
    DEFAULT_PARTNERS,
    MAX_PARTNERS,
    filters_text,
    find_partners,
    list_count,
    new_params,
    purpose_evidence,
    search_params,
)
from matchmaker.chat.topics import EVERYWHERE, asks_for_buyers, asks_for_suppliers
from matchmaker.chat.turn import Turn, asks_more, carry, refines
from matchmaker.chat.wording import say
from matchmaker.matching.suggestions import RECIPROCAL_Z


def partners_or_firms(turn: Turn) -> dict:
    """A partner search (`find_partners`), or the firms for its topic when it names no firm
    (nor a word of a firm's name) but a purpose or a sector, and continues no search (a
    question for who needs a thing never continues one); or the last topic's firms again,
    as the message changes that request (`continued_topic`)."""
    found = turn.found
    continued = continued_topic(turn)
    if continued is not None:
        return topic_search(turn, "find_partners", continued)
    if (
        (found.purpose or found.sector)
        and not found.ambiguous
        # who needs a thing is asked of no firm, also right after a firm's partners
        and (asks_for_buyers(turn.message) or search_params(turn, "find_partners") is None)
        and not slots.firm_candidates(outside_topic(turn.message, found.purpose), turn.gazetteer)
    ):
        return topic_search(turn, "find_partners", new_params(turn))
    return find_partners(turn)


def continued_topic(turn: Turn) -> dict | None:
    """The last topic list's request as this message changes it, when it names no firm and
    no topic of its own but changes the region ("kun i Hovedstaden", "hele landet"), the
    count, the sector, the side ("og hvem har brug for det?" after who supplies it, "and who
    offers that?" after who needs it), the language, or asks for more; else None."""
    topic, found = turn.state.get("topic"), turn.found
    if not topic or turn.state.get("task") != "find_partners":
        return None
    if topic.get("turn") != turn.state.get("turns"):
        return None  # the list is not the last answer (a firm was asked for since, say)
    if found.firms or found.ambiguous or found.purpose:
        return None  # a firm's partners, or a topic of its own: a new request
    message = turn.message
    everywhere = EVERYWHERE.search(message) is not None
    buyers, suppliers = asks_for_buyers(message), asks_for_suppliers(message)
    more = asks_more(turn)
    if not (refines(found) or everywhere or buyers or suppliers or more or turn.language_switch):
        return None
    if not turn.language_switch and slots.firm_candidates(message, turn.gazetteer):
        return None  # a firm named in part ("og Vestjysk?")
    params = dict(topic)
    if found.region is not None:
        params["region"] = found.region
    elif everywhere:
        params["region"] = None
    if found.sector is not None:  # asked after the list: a filter, beside a purpose too
        params["sector"], params["sector_filter"] = found.sector, True
    count = list_count(found)
    if more:
        shown = topic.get("count") or DEFAULT_PARTNERS
        params["count"] = min(MAX_PARTNERS, shown + (count or DEFAULT_PARTNERS))
    elif count is not None:
        params["count"] = count
    if buyers or suppliers:
        params["buyers"] = buyers
    return params


def outside_topic(message: str, purpose: str | None) -> str:
    """The message without the topic's words where they are written in lower case: "hvem kan
    levere uldstof til polstring?" asks for a thing, and a firm called "… Polstring" is not
    meant (a capitalised word there may still be part of a name)."""
    message = _SPARE_WORDS.sub(" ", message)  # "til overs" names no firm ("Oversætterhuset")
    if not purpose or not purpose.islower():
        return message
    return message.replace(purpose, " ")


_SPARE_WORDS = re.compile(r"\b(?:til overs|i overskud|to spare|left over)\b", re.I)


def topic_search(turn: Turn, intent: str, params: dict) -> dict:
    """The firms whose offers best meet the message's topic (or, asked who needs it, whose
    needs it best meets), best first (`params`: the request's slots, kept for the firm the
    next message may name)."""
    from matchmaker import matching
    from matchmaker.reference.lexicon import default_lexicon

    if params.get("purpose") and not params.get("sector_filter"):
        # "a carpenter who wants to export": the sector is the asker's, not the topic
        params = {**params, "sector": None}
    purpose, sector, region = params.get("purpose"), params.get("sector"), params.get("region")
    # a list without a purpose is ranked by the words of the message that asked for it (a
    # follow-up, "vis flere", keeps that order)
    topic = purpose or params.get("text") or turn.message
    # "hvem har brug for X?": X is an offer, and the firms whose needs it meets are listed.
    buyers = params.get("buyers")
    if buyers is None:
        buyers = asks_for_buyers(turn.message)
    index = matching.match_index(turn.db)
    asked = {"id": 0, "name": "", "description": "", "needs": "" if buyers else topic,
             "offers": topic if buyers else "", "markets": [], "region": None,
             "kind": "company", "nace": None}  # fmt: skip
    query = index.encoder_.transform([asked], db=turn.db)
    parts = ("offers", "needs") if buyers else ("needs", "offers")
    fit = index.encoder_.similarity(query, index.vectors_, *parts)[0]
    facts = turn.firm_facts()
    rows = [
        r for r, cid in enumerate(index.vectors_.ids)
        if cid in facts and (not region or facts[cid]["region"] == region)
        and (not sector or sector in facts[cid]["sectors"])
    ]  # fmt: skip
    count = max(1, min(params.get("count") or DEFAULT_PARTNERS, MAX_PARTNERS))
    if purpose:  # offers that meet the need; a sector alone lists its firms, closest first
        rows = [r for r in rows if fit[r] >= RECIPROCAL_Z]
    best = sorted(rows, key=lambda r: (-float(fit[r]), r))[:count]
    filters = filters_text(params, turn.lang)
    # The list is the last request: a follow-up changes it (`continued_topic`), a firm named
    # next gets partners with its filters (`pending`); no earlier firm's search goes on.
    state = {k: v for k, v in carry(turn.state).items() if k not in ("search", "firm")}
    state["task"] = "find_partners"
    state["topic"] = {**{k: v for k, v in params.items() if k != "why"}, "buyers": buyers,
                      "text": topic, "turn": turn.state.get("turns", 0) + 1}  # fmt: skip
    state.update({key: params.get(key) for key in ("count", "region", "sector", "purpose")})
    state["pending"] = {"intent": intent, "params": params, "slot": "firm"}
    kind = "topic_buyers" if buyers else "topic"
    if not best:
        turn.reply = say(f"{kind}_none", turn.lang, filters=filters)
        return state
    lexicon = default_lexicon()
    concepts = set(lexicon.concept_ids(purpose)) if purpose else set()
    for r in best:
        company = turn.profile(index.vectors_.ids[r])
        if company is None:
            continue
        card = profile_card(company, turn.lang)
        card["ordinal"] = len(turn.cards) + 1  # "vis nummer to", "find partnere til nummer 2"
        if not concepts:
            evidence = ""
        elif buyers:
            evidence = need_evidence(lexicon, concepts, company)
        else:
            evidence = purpose_evidence(lexicon, concepts, company, turn.lang)
        if evidence:
            card["reason"] = evidence
        turn.cards.append(card)
    shown = f"{kind}_why" if params.get("why") else f"{kind}_firms"
    turn.reply = say(shown, turn.lang, n=len(turn.cards), filters=filters)
    state["firms"] = [{"id": c["id"], "name": c["name"]} for c in turn.cards]
    return state


def need_evidence(lexicon, wanted: set[str], profile: dict) -> str:
    """The clause of a firm's needs that names a concept of the topic, quoted in its own words
    (empty when its needs name none: it is listed for how close they are)."""
    from matchmaker.reference.text import snippet

    text = str(profile.get("needs") or "")
    hit = next((m for m in lexicon.find(text) if m.concept in wanted), None)
    return f"'{snippet(text, hit.start, hit.end)}'" if hit is not None else ""
