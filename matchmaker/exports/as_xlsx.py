"""Excel workbooks: an overview sheet, then one sheet per network or cohort (or the firm list).

Numbers are numbers (scores with three decimals), text is never a formula, every table's
heading row stays in view when scrolling and carries filter buttons.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from matchmaker.exports import tables
from matchmaker.exports.model import Export, Group
from matchmaker.exports.tables import label
from matchmaker.reference import clock

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SCORE_FORMAT = "0.000"
TIME_FORMAT = "dd.mm.yyyy hh:mm"
SCORE_KEYS = ("score", "coherence", "worst_score", "harmonic_mean")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("-", title)[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _put(ws, row: int, column: int, value: Any, number_format: str | None = None):
    """Write a cell; text stays text, never a formula (a firm may name itself '=HYPERLINK(...)')."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, float):
        cell.number_format = number_format or SCORE_FORMAT
    elif isinstance(value, dt.datetime):
        cell.number_format = TIME_FORMAT
    return cell


def _table(ws, row: int, headings: list[str], rows: list[list[Any]], *, main: bool = False) -> int:
    """A table with a shaded heading row; the `main` table of a sheet keeps its heading row in
    view (frozen) and gets filter buttons. Returns the first row after the table."""
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    for col, heading in enumerate(headings, start=1):
        cell = _put(ws, row, col, heading)
        cell.font, cell.fill = bold, fill
    for r, values in enumerate(rows, start=row + 1):
        for col, value in enumerate(values, start=1):
            _put(ws, r, col, value)
    last = row + len(rows)
    if main and headings:
        ws.freeze_panes = ws.cell(row=row + 1, column=1).coordinate
        corner = ws.cell(row=last, column=len(headings)).coordinate
        ws.auto_filter.ref = f"A{row}:{corner}"
    return last + 1


def _widths(ws) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                shown = cell.value if isinstance(cell.value, str) else "0000000000000000"
                length = max(len(line) for line in str(shown).splitlines() or [""])
                widths[cell.column] = max(widths.get(cell.column, 0), min(length, 60))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(width + 2, 8)


def _key_values(ws, row: int, pairs: list[tuple[str, Any]]) -> int:
    from openpyxl.styles import Font

    for key, value in pairs:
        _put(ws, row, 1, key).font = Font(bold=True)
        _put(ws, row, 2, value)
        row += 1
    return row


def _group_sheet(ws, export: Export, g: Group, lang: str) -> None:
    from openpyxl.styles import Font

    ws.cell(row=1, column=1, value=tables.group_title(g, lang)).font = Font(bold=True, size=14)
    pairs = tables.masterclass_pairs(export, lang) + tables.group_pairs(g, lang)
    row = _key_values(ws, 3, pairs) + 1
    ws.cell(row=row, column=1, value=label("participants", lang)).font = Font(bold=True)
    cols = tables.participant_columns(g.kind)
    rows = [[tables.participant_values(p, lang)[k] for k in cols] for p in g.participants]
    row = _table(ws, row + 1, [label(k, lang) for k in cols], rows, main=True) + 1
    if g.reasons:
        ws.cell(row=row, column=1, value=label("reasons", lang)).font = Font(bold=True)
        for reason in g.reasons:
            row += 1
            _put(ws, row, 1, reason)
        row += 2
    if g.kind == "network":
        ws.cell(row=row, column=1, value=label("open_points", lang)).font = Font(bold=True)
        points = [[p["title"], p["question"], ""] for p in tables.open_points(lang)]
        heads = [label("topic", lang), label("question", lang), label("agreement", lang)]
        _table(ws, row + 1, heads, points)
    _widths(ws)


def _company_rows(export: Export, lang: str) -> tuple[list[str], list[list[Any]]]:
    """The firm list with its ids, head counts and years as numbers, its times as dates."""
    headings, rows = tables.rows(export, lang)
    columns = tables.COMPANY_COLUMNS
    for row, company in zip(rows, export.companies or [], strict=True):
        for key in tables.TIME_COLUMNS:
            moment = clock.local(company.get(key))
            if moment is not None:
                row[columns.index(key)] = moment.replace(tzinfo=None)
    return headings, rows


def to_xlsx(export: Export, lang: str = "da") -> bytes:
    """A workbook: an overview sheet, then one sheet per network or cohort (or the firm list)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    taken: set[str] = set()
    if export.companies is not None:
        ws.title = _sheet_title(label("companies", lang), taken)
        headings, rows = _company_rows(export, lang)
        _table(ws, 1, headings, rows, main=True)
        _widths(ws)
        return _save(wb)
    ws.title = _sheet_title(label("overview", lang), taken)
    ws.cell(row=1, column=1, value=tables.title(export, lang)).font = Font(bold=True, size=14)
    row = _key_values(ws, 3, tables.overview_pairs(export, lang)) + 1
    kind = export.group_kind
    cols = tables.group_columns(kind)
    headings = [label(kind if k == "group_id" else k, lang) for k in cols]
    headings += [label("participant_count", lang), label("participants", lang)]
    rows = [
        [tables.group_values(g, lang)[k] for k in cols]
        + [len(g.participants), ", ".join(tables.shown_name(p, lang) for p in g.participants)]
        for g in export.groups
    ]
    _table(ws, row, headings, rows, main=True)
    _widths(ws)
    for g in export.groups:
        sheet = wb.create_sheet(_sheet_title(tables.group_title(g, lang), taken))
        _group_sheet(sheet, export, g, lang)
    return _save(wb)


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
