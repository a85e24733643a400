"""Partner and look-alike searches: the firm asked about, the filters (region, sector,
purpose, exclusions), and the suggestions ranked by score."""

from __future__ import annotations

import re

from matchmaker.chat import entities as slots
from matchmaker.chat.cards import firm_card
from matchmaker.chat.clarify import ask_firm, clarify_ambiguous
from matchmaker.chat.topics import EVERYWHERE, sector_label
from matchmaker.chat.turn import (
    FIRM_CARDS,
    Turn,
    asks_more,
    card_at,
    carry,
    firm_in_focus,
    named_excluded,
    named_subjects,
    refines,
    switches_firm,
    unread_change,
)
from matchmaker.chat.wording import join, say
from matchmaker.reference import markets as market_names
from matchmaker.reference import regions
from matchmaker.reference.validation import NotFound

DEFAULT_PARTNERS = 5
MAX_PARTNERS = 20
# Partner candidates fetched before a sector filter or a purpose re-ranking narrows them.
CANDIDATE_POOL = 50
# Weight of the purpose's relevance against the match score when re-ranking.
PURPOSE_WEIGHT = 0.5


def search_params(turn: Turn, intent: str) -> dict | None:
    """The search to run: a new one, or the last one with this message's changes."""
    found, state = turn.found, turn.state
    pending = state.get("pending")
    if pending and turn.choice is not None and pending["intent"] == intent:
        params = dict(pending.get("params") or {})
        if params.pop("exclude_choice", False):
            # "uden <a name typed in part>" → "Mente du X?" → yes: the list without X
            params["excluded"] = list(dict.fromkeys([*params.get("excluded", []),
                                                     turn.choice["id"]]))  # fmt: skip
            return params
        params["firm"] = {"id": turn.choice["id"], "name": turn.choice["name"]}
        for key in ("region", "sector", "purpose"):  # what this message asks now (a number
            if getattr(found, key) is not None:  # may be the choice itself: "2")
                params[key] = getattr(found, key)
        return params
    last = state.get("search") if state.get("task") in ("find_partners", "similar") else None
    subject = None
    excluded_now: list[int] = []
    subjects = named_subjects(turn) if found.exclude else []
    if found.exclude and subjects:
        # "partners for A, but not B", "partnere til A uden nummer to": a new search for A
        subject = subjects[0]
        excluded_now = [f["id"] for f in named_excluded(turn)]
        for n in found.ordinals:
            card = card_at(state, n)
            if card and card.get("type") == "firm" and card["id"] != subject["id"]:
                excluded_now.append(card["id"])
    elif found.exclude and last:
        excluded_now = [f["id"] for f in found.firms]
        for n in found.ordinals:
            card = card_at(state, n)
            if card and card.get("type") == "firm":
                excluded_now.append(card["id"])
    elif found.firms:
        subject = found.firms[0]
    elif found.ordinals and not found.exclude:
        card = card_at(state, found.ordinals[0])
        if card and card.get("type") in FIRM_CARDS:
            subject = {"id": card["id"], "name": card["name"]}
    if subject is None and last is None and not found.ambiguous and not found.exclude:
        subject = firm_in_focus(turn)  # "hvem ligner dem?" after a profile was shown
    if subject is None and last and not found.ambiguous:
        # Only an elliptic follow-up ("og kun i Syddanmark", "uden nummer to") changes the last
        # search; a request of its own ("find partnere til <a name not known>") starts afresh.
        more = asks_more(turn)
        everywhere = EVERYWHERE.search(turn.message) is not None
        if not (refines(found) or found.exclude or more or everywhere or turn.language_switch):
            return None
        unread = slots.mask(turn.message, [(m.start, m.end) for m in turn.mentions])
        if not turn.language_switch and slots.firm_candidates(unread, turn.gazetteer):
            return None  # "find partners for Vestjysk": a new firm, named in part
        params = dict(last)
        for key in ("count", "region", "sector", "purpose"):
            value = list_count(found) if key == "count" else getattr(found, key)
            if value is not None:
                params[key] = value
        if everywhere and found.region is None:
            params["region"] = None  # "hele landet"
        params["excluded"] = list(dict.fromkeys([*last.get("excluded", []), *excluded_now]))
        if more:  # "flere": the list goes on, by the number asked for or another five
            shown = last.get("count") or DEFAULT_PARTNERS
            params["count"] = min(MAX_PARTNERS, shown + (list_count(found) or DEFAULT_PARTNERS))
        return params
    if subject is None:
        return None
    excluded = list(dict.fromkeys(excluded_now)) if found.exclude else []
    params = {
        "firm": subject,
        "count": list_count(found),
        "region": found.region,
        "sector": found.sector,
        "purpose": found.purpose,
        "excluded": excluded,
    }
    if last and switches_firm(turn):
        # "hvad med Thy Kød i stedet?": the last search's filters, for the firm named now.
        for key in ("count", "region", "sector", "purpose"):
            if params[key] is None:
                params[key] = last.get(key)
    return params


def list_count(found: slots.Entities) -> int | None:
    """How many firms a list should hold: the count, or "max 4" (read as a group size)."""
    return found.count if found.count is not None else found.size


def filters_text(params: dict, lang: str, names: dict[int, str] | None = None) -> str:
    """The filters of a request in words (" i Syddanmark med fokus på …")."""
    out = ""
    if params.get("region"):
        out += say("in_region", lang, region=regions.label(params["region"], lang))
    if params.get("sector"):
        out += say("in_sector", lang, sector=sector_label(params["sector"], lang))
    if params.get("purpose"):
        out += say("for_purpose", lang, purpose=params["purpose"])
    if params.get("excluded") and names:
        shown = [names[i] for i in params["excluded"] if i in names]
        if shown:
            out += say("excluding", lang, names=join(shown, lang))
    return out


def find_similar(turn: Turn) -> dict:
    """Firms like the one named."""
    return find_partners(turn, "similar")


def find_partners(turn: Turn, intent: str | None = None) -> dict:
    """Partner suggestions for the firm named (or the last one), best first."""
    intent = intent or "find_partners"
    params = search_params(turn, intent)
    if params is None:
        last = turn.state.get("search") if turn.state.get("task") == intent else None
        asked = excluding_params(turn, intent)
        if last and asked is None and unread_change(turn):
            # "og i Jylland?": a change to the last search this chat cannot read
            names = join([regions.label(r, turn.lang) for r in regions.REGIONS], turn.lang, "or")
            turn.reply = say("change_unclear", turn.lang, firm=last["firm"]["name"], regions=names)
            return carry(turn.state)
        asked = asked or new_params(turn)
        if turn.found.ambiguous:
            return clarify_ambiguous(turn, intent, asked, turn.found.ambiguous[0])
        return ask_firm(turn, intent, asked)
    from matchmaker import matching

    firm = params["firm"]
    mode = "similar" if intent == "similar" else "complementary"
    count = max(1, min(params.get("count") or DEFAULT_PARTNERS, MAX_PARTNERS))
    excluded = set(params.get("excluded") or [])
    try:
        if params.get("sector") or params.get("purpose") or excluded:
            suggestions, served = narrowed_suggestions(turn, firm["id"], mode, params, count)
        else:
            served = None
            suggestions = matching.partner_suggestions(
                turn.db, firm["id"], limit=count, mode=mode, region=params.get("region"),
                lang=turn.lang,
            )  # fmt: skip
            suggestions = sorted(suggestions, key=lambda s: (-s.score, s.id))
    except (KeyError, NotFound):
        turn.reply = say("unknown_firm", turn.lang)
        return carry(turn.state)
    filters = filters_text(params, turn.lang, turn.names(excluded))
    if not suggestions:
        turn.reply = say("no_partners", turn.lang, firm=firm["name"], filters=filters)
    else:
        key = "similar" if intent == "similar" else "partners"
        turn.reply = say(key, turn.lang, n=len(suggestions), firm=firm["name"], filters=filters)
        if len(suggestions) < count:
            turn.reply = turn.reply.rstrip(":") + say("fewer", turn.lang, n=len(suggestions)) + ":"
        if served is not None and served < len(suggestions):
            key = "purpose_few" if served else "purpose_none"
            note = say(key, turn.lang, n=served, purpose=params["purpose"])
            turn.reply = turn.reply.rstrip(":") + ". " + note + ":"
    turn.cards = [firm_card(turn, s, firm, n) for n, s in enumerate(suggestions, start=1)]
    state = {
        "task": intent,
        "search": {**params, "count": params.get("count")},
        "firm": firm,
        "count": count,
        "region": params.get("region"),
        "sector": params.get("sector"),
        "purpose": params.get("purpose"),
        "excluded": sorted(excluded),
    }
    if turn.state.get("proposal"):
        # The proposal saved in this conversation stays its "netværk 1" (a draft does not).
        state["proposal"] = turn.state["proposal"]
    return state


# What may stand before the exclusion word of a message that only excludes ("og uden X").
LEAD_IN = re.compile(r"\s*(?:(?:og|and|men|but|så|then|also|også)\b[\s,]*)?", re.I)


def excluding_params(turn: Turn, intent: str) -> dict | None:
    """The last search, to leave out the firm a clarifying question settles, when the message
    only excludes a firm from it ("uden Koldng Karton"); None for any other message."""
    last = turn.state.get("search") if turn.state.get("task") == intent else None
    cut = slots.exclusion_start(turn.message)
    if not last or cut is None or not LEAD_IN.fullmatch(turn.message[:cut]):
        return None
    if named_subjects(turn):
        return None
    return {**last, "excluded": list(last.get("excluded") or []), "exclude_choice": True}


def new_params(turn: Turn) -> dict:
    """The slots of this message as a fresh request's parameters."""
    f = turn.found
    return {
        "count": f.count,
        "region": f.region,
        "sector": f.sector,
        "purpose": f.purpose,
        "excluded": [],
        "masterclass": f.masterclass,
        "size": f.size,
        "count_unit": f.count_unit,
    }


def narrowed_suggestions(
    turn: Turn, firm_id: int, mode: str, params: dict, count: int
) -> tuple[list, int | None]:
    """Partner suggestions narrowed by sector and exclusions and ranked for a purpose, and how
    many of them show the purpose (those come first; None without a purpose the lexicon knows).

    The ranked candidates come from `matching.top_candidates` (scores only, cheap); the reasons
    are computed with `matching.pair_score` for the few shown.
    """
    from matchmaker import matching

    excluded = set(params.get("excluded") or []) | {firm_id}
    try:
        ranked = matching.top_candidates(
            turn.db, k=len(matching.match_index(turn.db)), ids=[firm_id], mode=mode
        )[firm_id]
    except KeyError:  # a firm without consent is not indexed: the direct route
        found = matching.partner_suggestions(
            turn.db, firm_id, limit=CANDIDATE_POOL, mode=mode, region=params.get("region"),
            lang=turn.lang,
        )  # fmt: skip
        ranked = [(s.id, s.score) for s in found]
    facts = turn.firm_facts()
    region, sector = params.get("region"), params.get("sector")
    ranked = [
        (cid, score)
        for cid, score in ranked
        if cid not in excluded
        and cid in facts
        and (not region or facts[cid]["region"] == region)
        and (not sector or sector in facts[cid]["sectors"])
    ]
    evidence: dict[int, str] = {}
    relevance: dict[int, float] = {}
    if params.get("purpose"):
        ranked, evidence, relevance = rank_by_purpose(
            turn, ranked[:CANDIDATE_POOL], params["purpose"], shortlist=max(3 * count, 12)
        )
    suggestions, served = [], 0
    for cid, _ in ranked[:count]:
        pair = matching.pair_score(turn.db, firm_id, cid, mode=mode, lang=turn.lang)
        # The score shown is the one the list is ranked by: with a purpose, the match mixed
        # with how well the firm serves the purpose.
        if cid in relevance:
            pair.score = round(purpose_score(pair.score, relevance[cid]), 4)
        if evidence.get(cid):
            served += 1
            reason = say(
                "purpose_reason", turn.lang, purpose=params["purpose"], evidence=evidence[cid]
            )
            pair.reasons = [reason, *pair.reasons]
        suggestions.append(pair)
    if not params.get("purpose"):
        return suggestions, None
    from matchmaker.reference.lexicon import default_lexicon

    # A purpose neither the lexicon nor the markets know cannot be looked for: say nothing.
    purpose = params["purpose"]
    known = default_lexicon().concept_ids(purpose) or market_names.find_markets(purpose)
    return suggestions, served if known else None


def purpose_score(match: float, relevance: float) -> float:
    """A 0–1 score for a facilitator who stated a purpose: the match mixed with the purpose."""
    return (1.0 - PURPOSE_WEIGHT) * match + PURPOSE_WEIGHT * relevance


def rank_by_purpose(
    turn: Turn, ranked: list[tuple[int, float]], purpose: str, shortlist: int = 12
) -> tuple[list[tuple[int, float]], dict[int, str], dict[int, float]]:
    """Re-rank (id, score) candidates by how well each firm serves the purpose.

    A firm whose offers, description or markets name a concept of the purpose (lexicon,
    Danish/English; a market in either language, however the firm wrote it), or that sells
    in a market the purpose names (`reference.markets`: "export to Germany" and a firm in
    "Tyskland", "DE" or "DACH"), shows evidence; the candidates judged are those with
    evidence among all of `ranked` plus the `shortlist` best matches. Firms with evidence
    come first, the others after them (a facilitator who asks for help with export to
    Germany gets the firms that offer it first); within each, the order is `purpose_score`:
    the match mixed with the relevance (share of the purpose's concepts and markets shown,
    and the sentence model's cosine).
    Returns the new order and, per firm judged, its evidence in its own words ("" for none)
    and its relevance (0–1)."""
    if not ranked:
        return ranked, {}, {}
    from matchmaker.reference.lexicon import default_lexicon
    from matchmaker.representation.embedding import SentenceEncoder

    lexicon = default_lexicon()
    wanted = set(lexicon.concept_ids(purpose))
    places = market_names.find_markets(purpose)
    offers, shared, shown = {}, {}, {}
    for cid, _ in ranked:
        p = turn.profile(cid) or {}
        markets = ", ".join(_markets_in_both_languages(p.get("markets")))
        offer = " ".join(str(p.get(k) or "") for k in ("offers", "description")) + " " + markets
        offers[cid] = offer.strip()
        sells_there = bool(places) and bool(_sold_in(p, places))
        shared[cid] = len(wanted & set(lexicon.concept_ids(offer))) + sells_there
        shown[cid] = purpose_evidence(lexicon, wanted, p, turn.lang, places) if shared[cid] else ""
    judged = [(cid, s) for n, (cid, s) in enumerate(ranked) if n < shortlist or shared[cid]]
    try:
        texts = [offers[cid] for cid, _ in judged]
        vectors = SentenceEncoder().encode([purpose, *texts], db=turn.db)
        cosines = [float(vectors[0] @ v) for v in vectors[1:]]
    except Exception:  # no sentence model available: the lexicon alone decides
        cosines = [0.0] * len(judged)
    rescored, relevance = [], {}
    for (cid, score), cos in zip(judged, cosines, strict=True):
        asked = len(wanted) + bool(places)
        lexical = shared[cid] / asked if asked else 0.0
        relevance[cid] = 0.5 * lexical + 0.5 * max(cos, 0.0)
        rescored.append((cid, purpose_score(score, relevance[cid])))
    rescored.sort(key=lambda pair: (not shared[pair[0]], -pair[1], pair[0]))
    return rescored, {cid: shown[cid] for cid, _ in judged}, relevance


def purpose_evidence(
    lexicon, wanted: set[str], profile: dict, lang: str, places: list[str] | None = None
) -> str:
    """Where a firm shows the purpose: the clause of its offers or description that names a
    concept of it (quoted, in its own words), else the markets it sells in that serve it (a
    market the purpose names, `places`, or one whose name holds a concept of it), named in the
    reader's language."""
    from matchmaker.matching.reasons import market_words
    from matchmaker.reference.text import snippet

    for key in ("offers", "description"):
        text = str(profile.get(key) or "")
        hit = next((m for m in lexicon.find(text) if m.concept in wanted), None)
        if hit is not None:
            return f"'{snippet(text, hit.start, hit.end)}'"
    keys = market_names.market_keys(profile.get("markets"))
    serving = set(_sold_in(profile, places or []))
    serving |= {k for k in keys if wanted & set(lexicon.concept_ids(" ".join(_words(k))))}
    shown = [k for k in keys if k in serving] or keys
    return say("purpose_markets", lang, markets=join(market_words(shown, [profile], lang), lang))


def _words(key: str) -> list[str]:
    """A market key's names in both languages (for the lexicon)."""
    return [market_names.market_label(key, lang) for lang in ("da", "en")]


def _markets_in_both_languages(markets) -> list[str]:
    """A firm's markets as written and, for a known market, by its Danish and English names
    (so that the lexicon sees "Germany" in a firm that wrote "DE")."""
    out = [str(m) for m in markets or []]
    for key in market_names.market_keys(markets):
        if market_names.is_known(key):
            out += _words(key)
    return list(dict.fromkeys(out))


def _sold_in(profile: dict, places: list[str]) -> list[str]:
    """The firm's market keys that meet a market of `places` (a group holds its countries)."""
    keys = market_names.market_keys(profile.get("markets"))
    return [k for k in keys if market_names.shared_markets([[k], places])]
