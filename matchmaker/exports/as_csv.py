"""CSV that opens right in Danish Excel on a double-click: UTF-8 with a byte-order mark,
semicolons between cells and decimal commas; the comma variant for other tools."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from matchmaker.exports import tables
from matchmaker.exports.model import Export

SEPARATORS = {"semicolon": ";", "comma": ","}
DEFAULT_SEPARATOR = "semicolon"
BOM = "\ufeff"

# A cell a spreadsheet would evaluate: it starts (perhaps after blanks) with one of = + - @,
# their full-width forms, a tab, a carriage return or a line feed (OWASP's CSV injection).
_FORMULA = re.compile(r"^[ \u00a0\u3000]*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]")


def csv_cell(value: Any, decimal: str = ".") -> Any:
    """A cell value a spreadsheet will not run as a formula; numbers written with `decimal`."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", decimal) if decimal != "." else value
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def to_csv(export: Export, lang: str = "da", sep: str = DEFAULT_SEPARATOR) -> bytes:
    """One row per firm under a heading row. `sep='semicolon'` (the default) is what Danish
    Excel expects, with decimal commas; `sep='comma'` gives plain comma-separated values."""
    delimiter = SEPARATORS[sep]
    decimal = "," if delimiter == ";" else "."
    headings, rows = tables.rows(export, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in headings])
    for row in rows:
        writer.writerow([csv_cell(v, decimal) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")
