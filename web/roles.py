"""The value-chain role on the pages: the choices of the profile form and the suggestion."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from matchmaker.representation.roles import suggest_role
from matchmaker.store.profiles import ROLES


def suggested_role_of(values: Mapping) -> str | None:
    """The role a profile's (or a filled-in form's) text suggests, when it states none."""
    if not values or values.get("role"):
        return None
    found = suggest_role(values)
    return found.role if found else None


def init_app(app: Flask) -> None:
    @app.context_processor
    def _inject():
        return {"roles": ROLES, "suggested_role_of": suggested_role_of}
