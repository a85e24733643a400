"""The text parts of a profile and the representations combined over them."""

from __future__ import annotations

from collections.abc import Mapping

PARTS = ("profile", "offers", "needs")


REPRESENTATIONS = ("model", "lexical", "structured")


DEFAULT_WEIGHTS = {"model": 0.30, "lexical": 0.50, "structured": 0.20}


def profile_texts(profile: Mapping) -> dict[str, str]:
    """Text parts: name-free "profile" (description, sector, offers), "offers" and "needs"."""
    description = (profile.get("description") or "").strip()
    sector = (profile.get("sector") or "").strip()
    offers = (profile.get("offers") or "").strip()
    needs = (profile.get("needs") or "").strip()
    whole = "\n".join(t for t in (description, sector, offers) if t)
    return {"profile": whole, "offers": offers, "needs": needs}
