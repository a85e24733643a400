"""Unmet constraints and refused requests of a grouping, as message records of the catalogue
(`reasons.<code>`) with their text in the request's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matchmaker.reference import messages
from matchmaker.reference.validation import InvalidInput


def unmet_reason(code: str, lang: str = "en", **params: Any) -> dict[str, Any]:
    """An unmet constraint: its message record (`reasons.<code>`) and its text in `lang` (a
    proposal's unmet firms in the language of its request; a refusal's field in English)."""
    record = messages.record(f"reasons.{code}", **params)
    return {"reason": messages.render_record(record, lang), "message": record}


def invalid(
    field_name: str, code: str, summary: str, *, status: int = 422, **params: Any
) -> InvalidInput:
    """A refused request whose field message is the catalogue's `reasons.<code>`."""
    found = unmet_reason(code, **params)
    return InvalidInput(
        {field_name: found["reason"]}, summary, status, codes={field_name: found["message"]}
    )


def nothing_placed(field_name: str, unmet: Sequence[Mapping[str, Any]]) -> InvalidInput:
    """A request that placed nothing, refused so that nothing is stored: the field says why
    (every unmet reason, a firm's name before its own), its record is the first reason's, and
    the answer carries the `unmet` records as a stored proposal would.
    409 when a firm is held by stored proposals (the per-firm cap), else 422."""
    reasons = [
        f"{u['name']}: {u['reason']}" if u.get("name") else str(u["reason"])
        for u in unmet
        if u.get("reason")
    ]
    records = [u["message"] for u in unmet if isinstance(u.get("message"), dict)]
    capped = any(r.get("code") == "reasons.capped" for r in records)
    return InvalidInput(
        {field_name: "; ".join(reasons) or "nothing could be placed"},
        f"No {field_name} could be formed; nothing was stored",
        409 if capped else 422,
        codes={field_name: records[0] if records else messages.record("reasons.generic")},
        unmet=list(unmet),
    )
