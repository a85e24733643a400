"""The chat's words: texts from the catalogue (`chat.*`), lists of names, and the core's reason
records (`reasons.*`) rendered in the reply's language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from matchmaker.reference import messages

GENERIC_REASON = "reasons.generic"


def say(key: str, lang: str, **values: Any) -> str:
    """The text `key` in `lang`, filled in; `n=1` picks the singular form when there is one."""
    return messages.render(f"chat.{key}", lang, **values)


def type_label(kind: str | None, lang: str) -> str:
    """A match or network type ('vertical') in words ('value chain')."""
    key = f"type_{kind}"
    return say(key, lang) if messages.has(f"chat.{key}") else (kind or "")


def join(names: list[str], lang: str, word: str = "and") -> str:
    """'A, B and C' in the reply language (`word` 'or' for a question)."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {say(word, lang)} " + names[-1]


def short_names(names: list[str], lang: str, limit: int = 3) -> str:
    """At most `limit` names, then 'N others'."""
    if len(names) > limit + 1:
        names = [*names[:limit], say("n_others", lang, n=len(names) - limit)]
    return join(names, lang)


def reason_text(item: Mapping[str, Any] | None, lang: str) -> str:
    """One reason from the core in `lang`: its message record when it has one (`message`, or the
    record itself), its text in `lang` (`reason_by_lang`), else the generic phrase."""
    item = item or {}
    record = item.get("message") if isinstance(item.get("message"), Mapping) else None
    if record is None and "code" in item:
        record = item
    if record is not None:
        try:
            return messages.render_record(record, lang)
        except (KeyError, IndexError, ValueError):
            return messages.render(GENERIC_REASON, lang)
    by_lang = item.get("reason_by_lang")
    if isinstance(by_lang, Mapping) and by_lang.get(lang):
        return str(by_lang[lang])
    return messages.render(GENERIC_REASON, lang)


def reasons_text(items: Iterable[Mapping[str, Any]], lang: str, limit: int = 3) -> str:
    """Several reasons, each once, joined with semicolons (the generic phrase when none)."""
    shown = list(dict.fromkeys(reason_text(item, lang) for item in items))
    return "; ".join(shown[:limit]) or messages.render(GENERIC_REASON, lang)


def error_text(exc: Exception, lang: str) -> str:
    """Why the core refused a request (InvalidInput, Conflict): its field codes in `lang`."""
    codes = getattr(exc, "codes", None) or {}
    return reasons_text(list(codes.values()) or [{}], lang)


def has_code(item: Mapping[str, Any], code: str) -> bool:
    """Whether an unmet constraint carries the reason `reasons.<code>`."""
    record = item.get("message")
    return isinstance(record, Mapping) and record.get("code") == f"reasons.{code}"
