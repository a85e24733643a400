"""Firms picked by name on the facilitators' forms: the choices a datalist offers and the
firm a typed name stands for. No form asks for a numeric id."""

from __future__ import annotations

import re
from collections import Counter

from flask import g

from matchmaker.reference.validation import InvalidInput
from matchmaker.store import directory
from web import get_db

UNKNOWN_FIRM = "no firm is named '{names}'; pick one from the list"
_SEPARATORS = re.compile(r"[;\n\r]+")


def choices() -> list[dict]:
    """Each firm with the label the pickers show: its name, or its name with town or CVR
    where two firms share a name. Cached for the request."""
    if "firm_choices" not in g:
        rows = directory.entries(get_db())
        clashes = Counter(r["name"].casefold() for r in rows)
        made, seen = [], Counter()
        for r in rows:
            label = r["name"]
            if clashes[r["name"].casefold()] > 1:
                extra = r["city"] or (f"CVR {r['cvr']}" if r["cvr"] else None)
                seen[r["name"].casefold()] += 1
                label = f"{r['name']} ({extra or seen[r['name'].casefold()]})"
            made.append({"id": r["id"], "label": label, "city": r["city"] or ""})
        g.firm_choices = made
    return g.firm_choices


def label_of(company_id: int | None) -> str:
    """The picker's label of a firm ('' if unknown)."""
    return next((c["label"] for c in choices() if c["id"] == company_id), "")


def resolve(value: str | None, field: str) -> int | None:
    """The id of the firm whose picker label is `value` (the forms' way; a bare id is still
    understood); None when empty; InvalidInput naming `field` when no firm answers to it."""
    typed = " ".join((value or "").split())
    if not typed:
        return None
    wanted = typed.casefold()
    by_label = [c["id"] for c in choices() if c["label"].casefold() == wanted]
    if len(by_label) == 1:
        return by_label[0]
    if typed.isdigit() and label_of(int(typed)):  # scripts that still post an id
        return int(typed)
    raise InvalidInput({field: UNKNOWN_FIRM.format(names=typed)}, f"Unknown firm: {typed}")


def resolve_many(value: str | None, field: str) -> list[int] | None:
    """Firms typed one per line (or separated by ';'); None when none is given."""
    parts = [p for p in _SEPARATORS.split(value or "") if p.strip()]
    if not parts:
        return None
    ids, unknown = [], []
    for part in parts:
        try:
            ids.append(resolve(part, field))
        except InvalidInput:
            unknown.append(part.strip())
    if unknown:
        names = "; ".join(unknown)
        raise InvalidInput({field: UNKNOWN_FIRM.format(names=names)}, f"Unknown firms: {names}")
    return ids
