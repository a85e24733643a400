"""A firm's place in a value chain, suggested from its text and NACE code when it gave none.

A small rule set: cue phrases (Danish and English) in the description, offers and sector
vote for a role, the NACE division adds a weaker prior, and a knowledge institution is a
knowledge partner. Measured on a hand-labelled dev set by `bench/roles.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from matchmaker.reference.text import normalize
from matchmaker.store.profiles import ROLES

# Cue phrases per role; each is matched at a word start (so Danish compounds such as
# "komponentleverandør" need their own cue), a trailing "*" allows any ending.
CUES: dict[str, tuple[str, ...]] = {
    "knowledge_partner": (
        "universitet*", "university", "forskningsinstitut*", "forskningsenhed*",
        "forsknings- og*", "research institute", "research centre", "research center",
        "videninstitution*", "knowledge institution", "erhvervsakademi*",
        "professionshøjskole*", "teknologisk institut", "teknologisk center",
        "gts-institut*", "forsøgscenter*", "university college", "research institution*",
        "research organisation*", "research organization*",
    ),
    "subcontractor": (
        "underleverandør*", "subcontract*", "sub-supplier*", "lønarbejde*", "lønproduktion*",
        "contract manufactur*", "build-to-print", "efter kundens tegning*",
        "efter kundens specifikation*", "to customer drawings", "overfladebehandling*",
        "laserskær*", "cnc-bearbejd*", "sprøjtestøb*", "syr for", "svejser for", "pulverlak*",
    ),
    "supplier": (
        "leverandør af råvare*", "leverandør af komponent*", "leverer komponent*",
        "leverer råvare*", "råvare*", "komponentleverandør*", "komponenter til",
        "component supplier*", "components for", "components to", "raw material*",
        "supplier of", "savsmuld", "halvfabrikat*", "emballage til", "packaging for",
        "proteinmel", "foder til",
    ),
    "producer": (
        "producerer", "producent*", "fremstiller", "fremstilling*", "produktion*", "fabrik*",
        "vi laver", "vi bygger", "we make", "we build", "manufactur*", "producer of",
        "producing", "brygger*", "bageri*", "ristes", "rister", "opdrætter", "dyrker",
        "udvikler en", "developing", "making", "væver", "vi presser",
    ),
    "distributor": (
        "grossist*", "engros*", "distribut*", "forhandler*", "importør*", "importerer",
        "wholesale*", "reseller*", "webshop*", "detailhandel*", "retail*", "butik*",
        "sælger dem videre", "sells on", "videresalg*",
    ),
    "service_provider": (
        "rådgivning*", "rådgiver*", "konsulent*", "consult*", "advisory", "software*",
        "it-løsning*", "saas", "serviceydelse*", "bureau*", "agency", "logistik*",
        "transport*", "budfirma*", "revision*", "advokat*", "laboratori*", "inspection",
        "inspektion*", "rengøring*", "studie", "studio", "klinik*", "praksis", "drift af",
        "certificer*", "integration",
    ),
    "customer": (
        "slutbruger*", "end user*", "end-user*", "kommune ", "hospital ", "plejehjem*",
        "hotel*", "restaurant*", "kantine*", "indkøber*", "vi køber ind", "we buy",
        "søger leverandør*", "looking for suppliers", "looking for a supplier",
    ),
}  # fmt: skip

# Prior by NACE division (two digits); ranges are inclusive.
NACE_PRIOR: tuple[tuple[int, int, str], ...] = (
    (1, 9, "supplier"), (10, 33, "producer"), (35, 39, "service_provider"),
    (41, 43, "subcontractor"), (45, 47, "distributor"), (49, 53, "service_provider"),
    (55, 56, "customer"), (58, 71, "service_provider"), (72, 72, "knowledge_partner"),
    (73, 82, "service_provider"), (84, 84, "customer"), (85, 85, "knowledge_partner"),
    (86, 88, "customer"), (90, 99, "service_provider"),
)  # fmt: skip
# Positions along one value chain by a firm's role (service providers and knowledge partners
# serve a chain from beside it).
CHAIN_POSITION = {"supplier": 0, "subcontractor": 1, "producer": 2, "distributor": 3, "customer": 4}
# A cue found in the text counts this much; the NACE prior counts NACE_WEIGHT once.
CUE_WEIGHT = 1.0
NACE_WEIGHT = 0.8
# Cues in the offers speak more of the firm's role than cues in its description of needs.
FIELD_WEIGHTS = {"description": 1.0, "offers": 1.0, "sector": 1.0}
# Suggestions remembered per distinct text (describing a large pool's networks asks for each
# member's role many times).
REMEMBERED = 32_768
# Ties are broken by this order (the more specific role first).
TIE_ORDER = ("knowledge_partner", "subcontractor", "supplier", "distributor", "customer",
             "service_provider", "producer")  # fmt: skip


def _pattern(cue: str) -> str:
    if cue.endswith("*"):
        return r"(?<![\w])" + re.escape(cue[:-1]) + r"[\w-]*"
    return r"(?<![\w])" + re.escape(cue.rstrip()) + (r"(?![\w])" if not cue.endswith(" ") else "")


_COMPILED = {role: re.compile("|".join(_pattern(c) for c in cues)) for role, cues in CUES.items()}


@dataclass(frozen=True)
class RoleSuggestion:
    """A suggested role, how strongly the evidence points to it, and the cue words found."""

    role: str
    score: float
    cues: tuple[str, ...]


def nace_prior(nace: str | None) -> str | None:
    """The role a NACE code's division suggests, if any."""
    digits = "".join(ch for ch in (nace or "") if ch.isdigit())
    if len(digits) < 2:
        return None
    division = int(digits[:2])
    for low, high, role in NACE_PRIOR:
        if low <= division <= high:
            return role
    return None


def nace_chain_position(profile: Mapping) -> int | None:
    """The firm's value-chain position by its NACE code alone (None for a knowledge
    institution, a service trade or no code): a structural fact the words cannot blur."""
    if profile.get("kind") == "knowledge_institution":
        return None
    return CHAIN_POSITION.get(nace_prior(profile.get("nace")) or "")


def role_votes(profile: Mapping) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Votes per role from cue phrases and the NACE prior, with the cue words found."""
    votes = dict.fromkeys(ROLES, 0.0)
    found: dict[str, list[str]] = {r: [] for r in ROLES}
    for field_name, weight in FIELD_WEIGHTS.items():
        text = normalize(profile.get(field_name) or "")
        if not text:
            continue
        for role, pattern in _COMPILED.items():
            hits = {m.group(0).strip() for m in pattern.finditer(text + " ")}
            if hits:
                votes[role] += weight * CUE_WEIGHT * min(len(hits), 2)
                found[role] += sorted(hits - set(found[role]))
    prior = nace_prior(profile.get("nace"))
    if prior:
        votes[prior] += NACE_WEIGHT
    return votes, found


def suggest_role(profile: Mapping) -> RoleSuggestion | None:
    """The most likely value-chain role of a profile, or None when nothing points to one."""
    if profile.get("kind") == "knowledge_institution":
        return RoleSuggestion("knowledge_partner", 1.0, ())
    texts = tuple(str(profile.get(name) or "") for name in FIELD_WEIGHTS)
    return _suggestion(texts, str(profile.get("nace") or ""))


@lru_cache(maxsize=REMEMBERED)
def _suggestion(texts: tuple[str, ...], nace: str) -> RoleSuggestion | None:
    votes, found = role_votes(dict(zip(FIELD_WEIGHTS, texts, strict=True), nace=nace))
    best = max(ROLES, key=lambda r: (votes[r], -TIE_ORDER.index(r)))
    if votes[best] <= 0:
        return None
    total = sum(votes.values())
    return RoleSuggestion(best, round(votes[best] / total, 3), tuple(found[best][:3]))


def role_of(profile: Mapping) -> str | None:
    """The role a profile states, else the suggested one (None when neither)."""
    if profile.get("role"):
        return str(profile["role"])
    found = suggest_role(profile)
    return found.role if found else None


def mentions_role(text: str | None, role: str) -> list[str]:
    """The cue phrases of `role` that `text` contains (e.g. a call asking for a university)."""
    found = _COMPILED[role].finditer(normalize(text or "") + " ")
    return sorted({m.group(0).strip() for m in found})
