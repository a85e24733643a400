"""Reading member lists (CSV or XLSX) into rows keyed by the profile's API field names."""

from __future__ import annotations

import csv
import io
from typing import Any

from matchmaker.reference.validation import InvalidInput

# Column headings a secretariat's spreadsheet may use, folded to lower case → API name.
HEADER_ALIASES = {
    "navn": "name", "virksomhed": "name", "firmanavn": "name", "company": "name",
    "cvr-nummer": "cvr", "cvr nr": "cvr", "cvrnr": "cvr",
    "ansatte": "employees", "medarbejdere": "employees", "antal ansatte": "employees",
    "stiftet": "founded", "etableret": "founded", "founded year": "founded",
    "by": "city", "branche": "sector", "nace-kode": "nace", "branchekode": "nace", "db07": "nace",
    "type": "kind", "beskrivelse": "description", "tilbyder": "offers", "tilbud": "offers",
    "behov": "needs", "markeder": "markets", "sprog": "language",
    "kontaktperson": "contact_name", "kontakt": "contact_name", "contact": "contact_name",
    "email": "contact_email", "e-mail": "contact_email", "mail": "contact_email",
    "samtykke": "consent",
    "rolle": "role", "værdikæde": "role", "rolle i værdikæden": "role", "value chain role": "role",
}  # fmt: skip
# Value-chain roles as a Danish (or English) spreadsheet may write them → the API's codes.
ROLE_ALIASES = {
    "leverandør": "supplier", "råvareleverandør": "supplier",
    "komponentleverandør": "supplier", "underleverandør": "subcontractor",
    "producent": "producer", "fabrikant": "producer", "distributør": "distributor",
    "forhandler": "distributor", "grossist": "distributor", "kunde": "customer",
    "slutbruger": "customer", "end user": "customer", "serviceleverandør": "service_provider",
    "tjenesteyder": "service_provider", "rådgiver": "service_provider",
    "service provider": "service_provider", "videnpartner": "knowledge_partner",
    "videninstitution": "knowledge_partner", "knowledge partner": "knowledge_partner",
}  # fmt: skip
MAX_ROWS = 5000


def _header(name: Any) -> str | None:
    if name is None:
        return None
    key = str(name).strip().lower()
    return HEADER_ALIASES.get(key, key.replace(" ", "_"))


def read_table(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Rows of a CSV (comma or semicolon, UTF-8 or Windows-1252) or the first XLSX sheet."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        rows = _xlsx_rows(content)
    elif name.endswith(".csv") or name.endswith(".txt") or not name:
        rows = _csv_rows(content)
    else:
        raise InvalidInput({"file": "must be a .csv or .xlsx file"}, "Unsupported file type")
    if not rows:
        raise InvalidInput({"file": "has no data rows under its header"}, "Empty file")
    if len(rows) > MAX_ROWS:
        raise InvalidInput({"file": f"has more than {MAX_ROWS} rows; split it"}, "File too long")
    return rows


def _csv_rows(content: bytes) -> list[dict[str, Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        table = list(csv.reader(io.StringIO(text, newline=None), dialect))
    except csv.Error as exc:
        raise InvalidInput({"file": f"is not a readable CSV file ({exc})"}) from None
    return _rows_from(table)


def _xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput({"file": f"is not a readable XLSX file ({exc})"}) from None
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    return _rows_from(table)


def _rows_from(table: list[list[Any]]) -> list[dict[str, Any]]:
    if not table:
        return []
    headers = [_header(h) for h in table[0]]
    rows = []
    for raw in table[1:]:
        if not any(cell not in (None, "") for cell in raw):
            continue
        row = {h: v for h, v in zip(headers, raw, strict=False) if h}
        if isinstance(row.get("role"), str):
            folded = row["role"].strip().lower()
            row["role"] = ROLE_ALIASES.get(folded, folded.replace(" ", "_"))
        rows.append(row)
    return rows
