"""Explanations: why two firms match, what each firm of a list or a network brings and needs,
and the network's pairs one by one (scores and reasons) – something new, not the same bullets."""

from __future__ import annotations

from itertools import combinations

from matchmaker import matching
from matchmaker.chat.cards import pair_card
from matchmaker.chat.clarify import clarify_ambiguous
from matchmaker.chat.group_members import asks_membership, listed_groups, named_members
from matchmaker.chat.review import group_at, shown_networks
from matchmaker.chat.turn import NETWORK_N, Turn, carry
from matchmaker.chat.wording import say, type_label
from matchmaker.reference.text import clauses
from matchmaker.reference.validation import NotFound

# Networks explained pair by pair when no number is given.
MAX_GROUPS_EXPLAINED = 3
MAX_PAIR_REASONS = 2
# Longest excerpt of what a firm offers or needs.
EXCERPT = 140


def explain(turn: Turn) -> dict:
    """Why: a named pair, a numbered network or cohort, or the last list pair by pair."""
    state, found, lang = turn.state, turn.found, turn.lang
    keep = carry(state)
    if not turn.choice and asks_membership(turn):
        return explain_membership(turn, keep)  # "hvorfor er A med?", "er A og B på samme hold?"
    firms = list(found.firms)
    if turn.choice:
        firms = [*(state.get("pending") or {}).get("params", {}).get("firms", []), turn.choice]
    for n in found.ordinals:
        card = group_at(turn, n)  # "hvorfor er A i netværk 5?" after another list too
        if card is None and NETWORK_N.search(turn.message):
            turn.reply = say("no_network_n", lang, n=n, count=len(shown_networks(turn)[0]))
            return keep
        if card is None:
            turn.reply = say("no_such_card", lang, n=len(state.get("cards") or []))
            return keep
        if card.get("type") == "network" and firms:
            return explain_member(turn, card, firms[0], keep)
        if card.get("type") in ("network", "cohort"):
            return explain_groups(turn, [card], keep)
        firms.append({"id": card["id"], "name": card["name"]})
    if found.ambiguous and len(firms) < 2:
        return clarify_ambiguous(turn, "explain", {"firms": firms}, found.ambiguous[0])
    subject = state.get("firm") if state.get("task") in ("find_partners", "similar") else None
    # "hvorfor passer den med B?" right after a profile was shown: the shown firm and B.
    subject = state.get("shown") or subject if len(firms) == 1 else subject
    pair = state.get("pair") or {}
    if len(firms) == 1 and pair.get("turn") == state.get("turns"):
        # "hvorfor ikke B?" right after "hvorfor A og B?": A beside B (or beside the new firm).
        others = [f for f in pair["firms"] if f["id"] != firms[0]["id"]]
        subject = others[0] if others else subject
    if len(firms) == 1 and subject and firms[0]["id"] != subject["id"]:
        firms.insert(0, subject)
    if len(firms) >= 2:
        a, b = firms[0], firms[1]
        mode = "similar" if state.get("task") == "similar" else "complementary"
        try:
            pair = matching.pair_score(turn.db, a["id"], b["id"], mode=mode, lang=lang)
        except (KeyError, NotFound):
            turn.reply = say("unknown_firm", lang)
            return keep
        turn.reply = say(
            "explain_pair",
            lang,
            a=a["name"],
            b=b["name"],
            score=f"{pair.score:.2f}",
            type=type_label(pair.type, lang),
        )
        card = pair_card(a, b, pair, lang, brings=brings(turn, [a, b]), actions=[
            {"kind": "show", "label": f"{say('act_show', lang)}: {a['name']}",
             "company_id": a["id"]},
            {"kind": "show", "label": f"{say('act_show', lang)}: {b['name']}",
             "company_id": b["id"]},
        ])  # fmt: skip
        turn.cards = [card]
        keep["firms"] = [a, b]
        keep["pair"] = {"firms": [a, b], "turn": state.get("turns", 0) + 1}
        return keep
    cards = state.get("cards") or []
    groups = [c for c in cards if c.get("type") in ("network", "cohort")]
    if groups:
        return explain_groups(turn, groups, keep)
    firm_cards = [c for c in cards if c.get("type") == "firm"]
    if subject and firm_cards:
        return explain_list(turn, subject, firm_cards, keep)
    topic = state.get("topic")
    if topic and not firms and state.get("task") == "find_partners":
        from matchmaker.chat.topic_search import topic_search

        # "hvorfor dem?" after the firms for a topic: what each writes that meets it
        return topic_search(turn, "find_partners", {**topic, "why": True})
    if len(firms) == 1:
        turn.reply = say("explain_what", lang, a=firms[0]["name"], b="…")
    else:
        turn.reply = say("explain_what_plain", lang)
    return keep


def excerpt(text: str | None) -> str:
    """The first clause of a text, cut at a word near EXCERPT characters."""
    text = " ".join((text or "").split())
    spans = clauses(text)
    first = text[spans[0][0] : spans[0][1]] if spans else text
    if len(first) > EXCERPT:
        first = first[:EXCERPT].rsplit(" ", 1)[0] + " …"
    return first.strip()


def brings(turn: Turn, firms: list[dict]) -> list[dict]:
    """What each firm offers and needs, from its profile: [{"id", "name", "offers", "needs"}]."""
    out = []
    for firm in firms:
        p = turn.profile(firm["id"]) or {}
        out.append(
            {
                "id": firm["id"],
                "name": firm.get("name") or p.get("name"),
                "offers": excerpt(p.get("offers") or p.get("description")),
                "needs": excerpt(p.get("needs")),
            }
        )
    return out


def explain_list(turn: Turn, subject: dict, firm_cards: list[dict], keep: dict) -> dict:
    """The last list of suggestions: what the subject and each suggested firm bring and need,
    with the score, best first."""
    lang = turn.lang
    mode = "similar" if turn.state.get("task") == "similar" else "complementary"
    turn.reply = say("explain_list", lang, firm=subject["name"])
    pairs = []
    for card in firm_cards[:5]:
        try:
            pair = matching.pair_score(turn.db, subject["id"], card["id"], mode=mode, lang=lang)
        except (KeyError, NotFound):
            continue
        pairs.append((pair, {"id": card["id"], "name": card["name"]}))
    pairs.sort(key=lambda p: (-p[0].score, p[1]["id"]))
    for n, (pair, other) in enumerate(pairs, start=1):
        turn.cards.append(
            pair_card(
                subject,
                other,
                pair,
                lang,
                ordinal=n,
                reasons=pair.reasons[:MAX_PAIR_REASONS],
                brings=brings(turn, [other]),
                actions=[
                    {"kind": "show", "label": say("act_show", lang), "company_id": other["id"]}
                ],
            )  # fmt: skip
        )
    return keep


def explain_member(turn: Turn, card: dict, firm: dict, keep: dict) -> dict:
    """ "hvorfor er A med i netværk 2?": A's reason there and the network pair by pair, or that
    A is not in it (and which shown network holds it)."""
    n, lang = card.get("ordinal"), turn.lang
    member = next((m for m in card.get("members") or [] if m.get("id") == firm["id"]), None)
    if member is None:
        shown, _ = shown_networks(turn)
        elsewhere = [k for k, g in enumerate(shown, start=1)
                     if firm["id"] in {m.get("id") for m in g.get("members") or []}]  # fmt: skip
        key = "not_in_network_elsewhere" if elsewhere else "not_in_network"
        turn.reply = say(key, lang, name=firm["name"], n=n, m=elsewhere[0] if elsewhere else "")
        return keep
    keep = explain_groups(turn, [card], keep)
    turn.reply = say("member_in_network", lang, name=firm["name"], n=n,
                     reason=member.get("reason") or say("explain_networks", lang))  # fmt: skip
    return keep


def explain_membership(turn: Turn, keep: dict) -> dict:
    """Where the named members of the groups shown are and why: one member's group and its
    reason there; two members together in one group (explained) or apart (each one's group)."""
    lang = turn.lang
    turn.list_kept = True  # the groups stay the list "hold 2", "why is B in it?" point into
    named = named_members(turn, listed_groups(turn))[:2]
    placed = [(m, g) for m, g in named if g is not None]
    kind = placed[0][1]["type"]
    if len(placed) == 2:
        (a, ga), (b, gb) = placed
        together = ga["ordinal"] == gb["ordinal"]
        keep = explain_groups(turn, [ga] if together else [ga, gb], keep)
        reason = ", ".join(ga.get("themes") or []) or a.get("reason") or ""
        key = f"same_{kind}" if together else f"apart_{kind}"
        turn.reply = say(key, lang, a=a["name"], b=b["name"], n=ga["ordinal"], m=gb["ordinal"],
                         reason=reason)  # fmt: skip
        return keep
    member, group = placed[0]
    keep = explain_groups(turn, [group], keep)
    reason = member.get("reason") or ", ".join(group.get("themes") or [])
    turn.reply = say(f"member_in_{kind}", lang, name=member["name"], n=group["ordinal"],
                     reason=reason)  # fmt: skip
    for firm, _ in (x for x in named if x[1] is None):
        turn.reply += " " + say(f"not_in_groups_{kind}", lang, name=firm["name"])
    return keep


def explain_groups(turn: Turn, groups: list[dict], keep: dict) -> dict:
    """Networks pair by pair (what each member brings, each pair's score and reasons, best
    first); cohorts with each member's themes and maturity."""
    lang = turn.lang
    kind = groups[0]["type"]
    turn.reply = say("explain_networks" if kind == "network" else "explain_cohorts", lang)
    for ref in groups[:MAX_GROUPS_EXPLAINED]:
        members = [m for m in ref.get("members") or [] if m.get("id") is not None]
        card = {
            "type": "explanation",
            "kind": kind,
            "title": ref.get("title") or ref.get("name") or "",
            "ordinal": ref.get("ordinal"),
            "members": [
                {"id": m.get("id"), "name": m.get("name"), "reason": m.get("reason")}
                for m in ref.get("members") or []
            ],
            "pairs": [],
            "actions": [],
        }
        if kind == "network":
            card["brings"] = brings(turn, members)
            card["pairs"] = network_pairs(turn, members)
        turn.cards.append(card)
    return keep


def network_pairs(turn: Turn, members: list[dict]) -> list[dict]:
    """Every pair of a network with its score and best reasons, best first."""
    out = []
    for a, b in combinations(members, 2):
        try:
            pair = matching.pair_score(turn.db, a["id"], b["id"], lang=turn.lang)
        except (KeyError, NotFound):
            continue
        out.append(
            {
                "a": {"id": a["id"], "name": a["name"]},
                "b": {"id": b["id"], "name": b["name"]},
                "score": pair.score,
                "type_label": type_label(pair.type, turn.lang),
                "reasons": pair.reasons[:MAX_PAIR_REASONS],
                "flags": pair.flags,
            }
        )
    out.sort(key=lambda p: -p["score"])
    return out
