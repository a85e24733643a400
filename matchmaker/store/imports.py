"""Reading member lists (CSV or XLSX) into rows keyed by the profile's API field names."""

from __future__ import annotations

import csv
import io
import zipfile
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
    "kompetencer (tilbyder)": "offer_concepts", "capabilities offered": "offer_concepts",
    "kompetencer (søger)": "need_concepts", "capabilities needed": "need_concepts",
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
MAX_COLUMNS = 100
# An XLSX file is a zip: what it unpacks to is checked before anything is unpacked, since a
# small file can hold a sheet of hundreds of megabytes (a 64 KB one cost 15 s of CPU).
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 200


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


def _check_zip(content: bytes) -> None:
    """InvalidInput unless the XLSX (zip) file unpacks to a bounded size; reads only its
    directory."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InvalidInput({"file": f"is not a readable XLSX file ({exc})"}) from None
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_ZIP_MEMBERS or unpacked > MAX_UNPACKED_BYTES:
        raise InvalidInput(
            {"file": f"unpacks to {unpacked // (1024 * 1024)} MB in {len(members)} parts; at "
                     f"most {MAX_UNPACKED_BYTES // (1024 * 1024)} MB is read. Save the member "
                     "list alone, or as CSV"},
            "File too large when unpacked",
            status=413,
        )  # fmt: skip


def _xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            table.append(list(row))
            if len(table) > 2 * MAX_ROWS + 1:  # stop reading: too long (blank rows count too)
                break
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput({"file": f"is not a readable XLSX file ({exc})"}) from None
    if len(table) > 2 * MAX_ROWS + 1:
        raise InvalidInput({"file": f"has more than {MAX_ROWS} rows; split it"}, "File too long")
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
