"""Strict request validation with pydantic, and errors that name each field and how to fix it."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

M = TypeVar("M", bound=BaseModel)


class InvalidInput(Exception):
    """Input that cannot be stored; `fields` maps each field to what is wrong with it, and
    `codes` (where the core knows them) each field to a message record of the catalogue;
    `unmet` (a request that placed nothing) the structured reasons, answered beside them."""

    def __init__(
        self,
        fields: dict[str, str],
        message: str = "Invalid input",
        status: int = 422,
        codes: dict[str, dict] | None = None,
        unmet: list[dict] | None = None,
    ):
        super().__init__(message)
        self.fields = fields
        self.message = message
        self.status = status
        self.codes = codes or {}
        self.unmet = unmet


class NotFound(Exception):
    """A referenced object does not exist (or is not visible to the caller)."""


class Conflict(Exception):
    """The input clashes with what is stored (e.g. a CVR number already registered); `codes`
    as for InvalidInput."""

    def __init__(
        self,
        fields: dict[str, str],
        message: str = "Conflict",
        codes: dict[str, dict] | None = None,
    ):
        super().__init__(message)
        self.fields = fields
        self.message = message
        self.codes = codes or {}


class Strict(BaseModel):
    """Base for input schemas: typed strictly, unknown fields refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


# SQLite stores integers up to 2**63 - 1; anything larger must be refused, not crash the write.
SQLITE_MAX_INT = 2**63 - 1
Count = Annotated[int, Field(ge=0, le=SQLITE_MAX_INT)]
"""A non-negative whole number that the store can hold (employees, sizes)."""
Id = Annotated[int, Field(ge=1, le=SQLITE_MAX_INT)]
"""A stored object's id."""


# Characters pasted from Word and web pages that carry no text: removed.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d"
        "\u202e\u2066\u2067\u2068\u2069\u180e"),
    None,
)  # fmt: skip


def clean(value: Any, multiline: bool = False) -> Any:
    """Pasted text made plain: invisible characters (soft hyphens, zero-width spaces, direction
    marks, byte-order marks) removed, every kind of space (no-break, narrow, figure, em …) a
    plain space, line and paragraph separators a line break (or a space on one line), and
    no line ending in spaces."""
    if not isinstance(value, str):
        return value
    value = value.translate(_INVISIBLE)
    out = []
    for ch in value:
        if ch in "\u2028\u2029\u0085":
            out.append("\n" if multiline else " ")
        elif ch in "\r\n\t":
            out.append(ch if multiline else " ")
        elif unicodedata.category(ch) == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    value = "".join(out)
    return "\n".join(line.rstrip(" ") for line in value.split("\n")) if multiline else value


def _clean_line(value: Any) -> Any:
    return clean(value, multiline=False)


def _clean_lines(value: Any) -> Any:
    return clean(value, multiline=True)


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must contain printable characters only (no control characters)")
    return value


def text(max_length: int, min_length: int = 0):
    """A trimmed, printable string type of bounded length."""
    return Annotated[
        str,
        BeforeValidator(_clean_line),
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_printable),
    ]


def long_text(max_length: int, min_length: int = 0):
    """A trimmed free text (line breaks allowed) of bounded length."""

    def no_controls(value: str) -> str:
        if any(not (c.isprintable() or c in "\n\r\t") for c in value):
            raise ValueError("must not contain control characters")
        return value

    return Annotated[
        str,
        BeforeValidator(_clean_lines),
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(no_controls),
    ]


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field; remove it",
    "string_too_short": "must not be empty",
}


def _length(error: dict) -> str | None:
    """What is wrong with a text or list of the wrong length, in its own unit."""
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind not in ("too_short", "too_long", "string_too_long"):
        return None
    if isinstance(given, str):
        if kind == "too_short" and ctx.get("min_length", 1) <= 1:
            return "must not be empty"
        if kind == "too_short":
            return f"must be at least {ctx['min_length']} characters long (got {len(given)})"
        return f"must be at most {ctx['max_length']} characters long (got {len(given)})"
    if kind == "too_short":
        return f"must hold at least {ctx['min_length']} items (got {ctx.get('actual_length')})"
    return f"must hold at most {ctx['max_length']} items (got {ctx.get('actual_length')})"


def _bound(error: dict) -> str | None:
    """A number over what the store can hold said in words, not as 2**63 - 1."""
    ctx = error.get("ctx") or {}
    if error["type"] == "less_than_equal" and ctx.get("le") == SQLITE_MAX_INT:
        return "is too large"
    return None


def _message(error: dict) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    worded = _length(error) or _bound(error)
    if worded:
        return worded
    msg = error["msg"]
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validate(model: type[M], data: Any) -> M:
    """`model` filled from `data`, or InvalidInput with one message per field."""
    if not isinstance(data, dict):
        raise InvalidInput({"body": "must be a JSON object"}, "Request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "body"
            fields.setdefault(name, _message(error))
        raise InvalidInput(fields) from None
