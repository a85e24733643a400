"""One message catalogue: codes with parameters, rendered in Danish or English at the edge.

The core returns records such as ``{"code": "networks.capped", "n": 2, "limit": 2}``; pages,
chat, API and exports render them with :func:`render`. The words live in gettext PO files, one
per language and area (``data/messages/<lang>/<area>.po``), read with Babel.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from babel.messages.pofile import read_po

from matchmaker.config import DATA_DIR

MESSAGES_DIR = DATA_DIR / "messages"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"


@cache
def _catalogue(lang: str) -> dict[str, str]:
    """Every message id of one language, from all its PO files."""
    found: dict[str, str] = {}
    for path in sorted((MESSAGES_DIR / lang).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string:
                    found[str(message.id)] = str(message.string)
    return found


def language(lang: str | None) -> str:
    """`lang` when it is one the catalogue speaks, else the default (Danish)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def has(code: str) -> bool:
    """Whether the catalogue knows `code`."""
    return code in _catalogue(DEFAULT_LANGUAGE)


def render_known(code: str, lang: str | None, default: str) -> str:
    """The text of `code` in `lang` when the catalogue knows it, else `default` (a name the
    catalogue does not translate, shown as given)."""
    return render(code, lang) if has(code) else default


def template(code: str, lang: str | None = None) -> str:
    """The unfilled text of `code` in `lang` (Danish where English is missing)."""
    words = _catalogue(language(lang)).get(code)
    if words is None:
        words = _catalogue(DEFAULT_LANGUAGE)[code]
    return words


def render(code: str, lang: str | None = None, **params: Any) -> str:
    """The text of `code` in `lang`, filled in; `n=1` picks the singular `code_1` if present.
    A decimal number is written the reader's way ("0,88" in Danish, "0.88" in English)."""
    if params.get("n") == 1 and has(f"{code}_1"):
        code = f"{code}_1"
    written = {k: decimal(v, lang) if isinstance(v, float) else v for k, v in params.items()}
    return template(code, lang).format(**written)


def decimal(value: float, lang: str | None, places: int = 2) -> str:
    """A decimal number as the reader writes it: "0,36" in Danish, "0.36" in English."""
    text = f"{float(value or 0):.{places}f}"
    return text.replace(".", ",") if language(lang) == "da" else text


def render_record(record: Mapping[str, Any], lang: str | None = None) -> str:
    """Render a ``{"code": ..., **params}`` record."""
    params = {k: v for k, v in record.items() if k != "code"}
    return render(record["code"], lang, **params)


def record(code: str, **params: Any) -> dict[str, Any]:
    """A message record for `code` (checked against the catalogue)."""
    if not has(code):
        raise KeyError(f"unknown message code {code!r}")
    return {"code": code, **params}


def table(area: str, lang: str | None = None) -> dict[str, Any]:
    """All texts of `area` in `lang`, nested by the dots of their codes."""
    prefix = area + "."
    out: dict[str, Any] = {}
    for code in _catalogue(DEFAULT_LANGUAGE):
        if code.startswith(prefix):
            *path, leaf = code[len(prefix) :].split(".")
            node = out
            for part in path:
                node = node.setdefault(part, {})
            node[leaf] = template(code, lang)
    return out
