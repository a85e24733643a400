"""Questions about who is in which of the networks or cohorts just shown ("hvorfor er A med?",
"er A og B på samme hold?"): the members a message names and the group each is in. Members
are read by their names in the groups, so a masterclass respondent without a profile is
recognised as well as a registered firm; `explain.explain_membership` answers."""

from __future__ import annotations

import re

from matchmaker.chat import entities as slots
from matchmaker.chat.review import network_card, shown_networks
from matchmaker.chat.turn import GROUP_CARDS, Turn

# Words that ask about a place in a group ("på samme hold", "med i netværket", "…er med?").
GROUP_TALK = re.compile(
    r"\b(?:hold|holdet|holdene|samme|same|netværk\w*|netvaerk\w*|networks?|cohorts?|kohort\w*|"
    r"grupper?|gruppen|groups?|together)\b|\b(?:med|included|in|there)\s*[?.!]*\s*$",
    re.I,
)
QUESTION = re.compile(r"\?\s*$|^\s*(?:og\s+|and\s+)?(?:hvorfor|why|how come|er|is|are)\b", re.I)


def listed_groups(turn: Turn) -> list[dict]:
    """The networks or cohorts of the last list, else the networks shown last."""
    groups = [c for c in turn.state.get("cards") or [] if c.get("type") in GROUP_CARDS]
    if not groups:  # networks shown before another answer, or the stored proposal's
        groups = [network_card(g) for g in shown_networks(turn)[0]]
    return [{**g, "ordinal": g.get("ordinal") or n} for n, g in enumerate(groups, start=1)]


def named_members(turn: Turn, groups: list[dict]) -> list[tuple[dict, dict | None]]:
    """Each member the message names, in its order, with the group it is in (None for a
    registered firm named that is in none of them)."""
    entries: list[tuple[dict, dict]] = [
        (m, g) for g in groups for m in g.get("members") or [] if m.get("name")
    ]
    gazetteer = slots.Gazetteer((n, m["name"]) for n, (m, _) in enumerate(entries))
    found: list[tuple[int, dict, dict | None]] = []
    for mention in slots.find_firms(turn.message, gazetteer):
        member, group = entries[mention.matches[0]["id"]]
        found.append((mention.start, member, group))
    in_groups = {m["id"] for m, _ in entries if m.get("id") is not None}
    taken = {m.get("name") for _, m, _ in found}
    for mention in turn.mentions:
        firm = mention.matches[0]
        if not mention.ambiguous and firm["id"] not in in_groups and firm["name"] not in taken:
            found.append((mention.start, {"id": firm["id"], "name": firm["name"]}, None))
    return [(m, g) for _, m, g in sorted(found, key=lambda x: x[0])]


def asks_membership(turn: Turn) -> bool:
    """Does the message ask about the place of named members in the groups just shown, by
    words of groups ("samme hold", "med?") or by a name only the groups know?"""
    if turn.found.ordinals or not QUESTION.search(turn.message):
        return False
    groups = listed_groups(turn)
    named = named_members(turn, groups) if groups else []
    if not any(g is not None for _, g in named):
        return False
    registered = {f["id"] for f in turn.found.firms}
    only_groups_know = any(m.get("id") not in registered for m, g in named if g is not None)
    return bool(GROUP_TALK.search(turn.message)) or only_groups_know
