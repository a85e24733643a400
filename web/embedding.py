"""A firm's sentence vectors are made before its registration is written: once the write
commits, every worker's match index takes the firm in by reading them, so no suggestion or
chat request that catches up runs the model for it."""

from __future__ import annotations

from typing import Any

from matchmaker import matching
from matchmaker.reference.validation import InvalidInput, validate
from matchmaker.store import profiles
from web import get_db


def embed_registration(data: Any) -> None:
    """Cache the vectors of the firm `data` registers (before `profiles.create`); invalid
    input is left to `profiles.create` to refuse with its fields."""
    try:
        profile = validate(profiles.CompanyIn, data)
    except InvalidInput:
        return
    matching.embed_ahead(get_db(), [profile.model_dump()])
