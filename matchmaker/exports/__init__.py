"""Consortium sheets and lists for secretariats: CSV, XLSX, JSON and PDF, every export logged.

`model` gathers a stored network or cohort group, a whole proposal or a list of firms into an
`Export`; `tables` holds the words and tables the formats share; `as_csv`, `as_xlsx`, `as_json`
and `as_pdf` render it, in Danish (default) or English. This module is the door: pick the
format, render, log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from matchmaker.exports.as_csv import DEFAULT_SEPARATOR, SEPARATORS, csv_cell, to_csv
from matchmaker.exports.as_json import to_json
from matchmaker.exports.as_pdf import drawable, to_pdf, unicode_font
from matchmaker.exports.as_xlsx import to_xlsx
from matchmaker.exports.model import (
    OBJECT_KINDS,
    Export,
    Group,
    Masterclass,
    Participant,
    companies_export,
    group_export,
    proposal_export,
)
from matchmaker.exports.tables import label, size_class
from matchmaker.reference import messages
from matchmaker.reference.clock import local_time
from matchmaker.reference.validation import InvalidInput
from matchmaker.store import export_log as log

__all__ = [
    "DEFAULT_SEPARATOR", "FORMATS", "LANGS", "MEDIA_TYPES", "OBJECT_KINDS", "SEPARATORS",
    "Export", "File", "Group", "Masterclass", "Participant", "check_options", "companies_export",
    "csv_cell", "drawable", "export_log", "filename", "group_export", "label", "local_time",
    "log_export", "object_title", "proposal_export", "render", "render_content", "size_class",
    "to_csv", "to_json", "to_pdf", "to_xlsx", "unicode_font",
]  # fmt: skip

FORMATS = ("csv", "xlsx", "json", "pdf")
LANGS = ("da", "en")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}

_FILE_STEMS = {
    "network": ("netvaerk", "network"),
    "network_proposal": ("netvaerksforslag", "network-proposal"),
    "cohort": ("hold", "cohort"),
    "cohort_proposal": ("holdforslag", "cohort-proposal"),
    "companies": ("virksomheder", "companies"),
}


def check_options(fmt: str | None, lang: str | None, sep: str | None = None) -> tuple[str, str]:
    """The format and language asked for, or InvalidInput naming what is wrong (the CSV
    separator, when given, is checked too)."""
    fmt = (fmt or "json").strip().lower()
    lang = (lang or "da").strip().lower()
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = "must be one of " + ", ".join(FORMATS)
    if lang not in LANGS:
        errors["lang"] = "must be da or en"
    if sep is not None and sep.strip().lower() not in SEPARATORS:
        errors["sep"] = "must be one of " + ", ".join(SEPARATORS)
    if errors:
        raise InvalidInput(errors, "Unknown export format or language")
    return fmt, lang


def filename(export: Export, fmt: str, lang: str = "da") -> str:
    stem = _FILE_STEMS[export.object_kind][1 if lang == "en" else 0]
    suffix = f"-{export.object_id}" if export.object_id is not None else ""
    return f"{stem}{suffix}.{fmt}"


def log_export(db: sqlite_utils.Database, export: Export, fmt: str, user_id: int | None) -> int:
    """Record who exported what, when, in the export log; returns the log row's id."""
    return log.record(
        db,
        object_kind=export.object_kind,
        object_id=export.object_id,
        fmt=fmt,
        user_id=user_id,
        created_at=export.exported_at,
    )


@dataclass(frozen=True)
class File:
    content: bytes
    media_type: str
    filename: str


def render_content(export: Export, fmt: str, lang: str = "da", sep: str | None = None) -> bytes:
    """The file's bytes in `fmt` (nothing logged)."""
    if fmt == "csv":
        return to_csv(export, lang, (sep or DEFAULT_SEPARATOR).strip().lower())
    return {"xlsx": to_xlsx, "json": to_json, "pdf": to_pdf}[fmt](export, lang)


def render(
    db: sqlite_utils.Database,
    export: Export,
    fmt: str,
    lang: str = "da",
    *,
    user_id: int | None = None,
    sep: str | None = None,
) -> File:
    """Render `export` and log it; the log row is written only once the file is made.

    `sep` picks the CSV separator: 'semicolon' (default, for Danish Excel) or 'comma'.
    """
    fmt, lang = check_options(fmt, lang, sep)
    content = render_content(export, fmt, lang, sep)
    log_export(db, export, fmt, user_id)
    return File(content, MEDIA_TYPES[fmt], filename(export, fmt, lang))


def export_log(db: sqlite_utils.Database, limit: int = 100) -> list[dict[str, Any]]:
    """The latest exports, newest first, with the exporting user's email."""
    return log.latest(db, limit)


def object_title(kind: str, lang: str) -> str:
    """What an exported object is called ('Netværksforslag'), for logs and dashboards."""
    return messages.render_known(f"exports.{kind}", lang, kind)
