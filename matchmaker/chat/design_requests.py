"""Network designs asked for in a chat message: around a lead firm's value chain ("byg et
leverandørnetværk omkring X"), one large firm with SMEs ("en stor virksomhed og SMV'er"), and
across regions ("på tværs af regioner"); the networks API's `design` values."""

from __future__ import annotations

import re

from matchmaker.chat.wording import say
from matchmaker.reference.folding import FOLD_B, fold

# Patterns over text folded with æ→ae, ø→o, å→a (written-out spellings such as "oe" allowed).
LEAD = re.compile(
    r"leverand(?:o|oe)r(?:-| )?(?:netvaerk|kaede|kreds)|v(?:ae|a)rdik(?:ae|a)de"
    r"|forsyningsk(?:ae|a)de|underleverand(?:o|oe)rer\b|leverand(?:o|oe)rer (?:til|omkring)"
    r"|supplier network|supply[- ]chain|value[- ]chain|suppliers (?:for|to|of|around)"
    r"|subcontractors (?:for|to|of|around)"
)
BIG = re.compile(
    r"\b(?:stor|store|storre|stoerre|big|large|larger)\b(?:\W+\w+)?\W+"
    r"(?:virksomhed\w*|firma\w*|company|companies|firms?|koncern\w*|aktor\w*|aktoer\w*)"
    r"|\bstorvirksomhed\w*|\bkoncern\w*|\bcorporates?\b|\banchor (?:firm|company)"
)
SMALL = re.compile(
    r"\bsm[ve]\w*|\bsmb\b|\bsma\b|\bsmaa\b|\bsmall\b|\bmindre\b|\bsmaller\b|\bmellemstore\b"
)
ACROSS = re.compile(
    r"pa(?:a)? tv(?:ae|a)rs af (?:regioner\w*|landsdel\w*|landet|de fem regioner)"
    r"|tv(?:ae|a)rregional\w*|fra (?:flere|forskellige|mindst to|to eller flere) regioner"
    r"|across (?:the )?regions|cross[- ]region\w*|inter-?regional"
    r"|from (?:several|different|two or more|at least two|multiple) regions"
)


def designs_in(message: str) -> list[str]:
    """The designs a message asks for, in the API's words (possibly none)."""
    text = fold(message, FOLD_B)
    found = []
    if LEAD.search(text):
        found.append("lead")
    if BIG.search(text) and SMALL.search(text):
        found.append("big_and_small")
    if ACROSS.search(text):
        found.append("cross_region")
    return found


def lead_missing(params: dict) -> bool:
    """A network around a lead firm asked for, but no firm named to be the lead."""
    return "lead" in (params.get("design") or []) and not params.get("firm")


def design_words(params: dict, lang: str) -> str:
    """The designs of a request in words, to follow "Her er 2 netværksforslag"."""
    out = ""
    for name in params.get("design") or []:
        if name == "lead" and params.get("firm"):
            out += say("design_lead", lang, name=params["firm"]["name"])
        elif name != "lead":
            out += say(f"design_{name}", lang)
    return out
