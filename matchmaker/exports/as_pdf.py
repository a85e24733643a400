"""PDF consortium sheets: one page per network or cohort (after an overview for a proposal),
with the participants, why each is there and the open points of the action plan."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any

from matchmaker.exports import tables
from matchmaker.exports.model import Export, Group
from matchmaker.exports.tables import label

# A Unicode TTF embedded in the PDF when present (Debian's fonts-dejavu-core, see the Makefile);
# without it the PDF falls back to the core Helvetica, which covers Danish letters (latin-1).
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
TABLE_FONT_SIZE = 8
SMALLEST_FONT_SIZE = 4.5
# Columns kept on one line (an e-mail address or CVR number broken in two cannot be copied,
# and a region is one word: "Hovedstaden" broken as "Hovedstade / n" reads as a typo).
ONE_LINE = frozenset({"contact_email", "cvr", "region"})
GROUP_COLUMNS = {"name": 38, "cvr": 18, "contact_name": 28, "contact_email": 54, "region": 20,
                 "size": 22}  # fmt: skip
COMPANY_COLUMNS = {"name": 58, "cvr": 19, "contact_name": 38, "contact_email": 62, "region": 27,
                   "size": 38, "kind": 25}  # fmt: skip


def unicode_font() -> dict[str, Path] | None:
    """The DejaVu Sans files when installed (regular and bold), else None."""
    for folder in FONT_DIRS:
        files = {style: folder / name for style, name in FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    return None


_LATIN1 = frozenset(map(chr, range(32, 256))) - frozenset(map(chr, range(127, 160)))
_FALLBACKS = {
    "–": "-", "—": "-", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"',
    "…": "...", "•": "-", "€": "EUR", "™": "(TM)", "\u00a0": " ",
}  # fmt: skip


def drawable(text: str, covers=lambda ch: ch in _LATIN1) -> str:
    """Text a PDF font can draw: characters it `covers` kept, others replaced sensibly.

    The default is the core fonts' latin-1, which keeps Danish æ, ø and å.
    """
    out = []
    for ch in text:
        if ch == "\n" or covers(ch):
            out.append(ch)
            continue
        ch = _FALLBACKS.get(ch, ch)
        if all(covers(c) for c in ch):
            out.append(ch)
            continue
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
        )
        out.append(plain if plain and all(covers(c) for c in plain) else "?")
    return "".join(out)


class Sheet:
    """A thin layer over FPDF: one font choice, text made drawable, a footer with page numbers."""

    def __init__(self, lang: str, title: str, landscape: bool = False):
        from fpdf import FPDF

        page_word = label("page", lang)
        fonts = unicode_font()

        class _PDF(FPDF):
            def footer(self):
                self.set_y(-12)
                self.set_font(self.font_family, "", 8)
                self.cell(0, 8, f"{page_word} {self.page_no()}/{{nb}}", align="C")

        self.pdf = _PDF(orientation="L" if landscape else "P", format="A4")
        self.lang = lang
        if fonts:
            for style, path in fonts.items():
                self.pdf.add_font("DejaVu", style, str(path))
            cmap = self.pdf.fonts["dejavu"].cmap
            self.family = "DejaVu"
            self.clean = functools.partial(drawable, covers=lambda ch: ord(ch) in cmap)
        else:
            self.family, self.clean = "Helvetica", drawable
        self.pdf.set_title(self.clean(title))
        self.pdf.set_creator("matchmaker")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(15, 15, 15)

    def page(self) -> None:
        self.pdf.add_page()

    def heading(self, text: str, size: int = 16) -> None:
        self.pdf.set_font(self.family, "B", size)
        self.pdf.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def paragraph(self, text: str, size: int = 10, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.multi_cell(0, 5, self.clean(text), new_x="LMARGIN", new_y="NEXT")

    def pairs(self, items: list[tuple[str, Any]]) -> None:
        shown_items = [(k, v) for k, v in items if v not in (None, "")]
        self.pdf.set_font(self.family, "B", 10)
        # The key column as wide as its longest label (a long label no longer runs into its
        # value), at least 52 mm, at most 90 mm.
        width = min(90.0, max([52.0] + [self.pdf.get_string_width(self.clean(k)) + 3
                                        for k, _ in shown_items]))  # fmt: skip
        for key, value in shown_items:
            self.pdf.set_font(self.family, "B", 10)
            self.pdf.cell(width, 6, self.clean(key))
            self.pdf.set_font(self.family, "", 10)
            shown = self.clean(tables.shown_value(value, self.lang))
            self.pdf.multi_cell(0, 6, shown, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def fitting_size(self, text: str, width: float, bold: bool = False) -> float:
        """The largest font size up to the table's at which `text` fits on one line."""
        self.pdf.set_font(self.family, "B" if bold else "", TABLE_FONT_SIZE)
        room = width - 2 * self.pdf.c_margin - 2  # the cell's padding, with a margin
        drawn = self.pdf.get_string_width(text)
        if drawn <= room:
            return TABLE_FONT_SIZE
        return max(SMALLEST_FONT_SIZE, TABLE_FONT_SIZE * room / drawn * 0.97)

    def table(self, columns: dict[str, int], headings: list[str], rows: list[dict[str, Any]]):
        """A table of `columns` (key → width in mm); cells of ONE_LINE columns shrink their
        font rather than wrap, and so does a heading whose longest word would break."""
        from fpdf.fonts import FontFace

        self.pdf.set_font(self.family, "", TABLE_FONT_SIZE)
        with self.pdf.table(
            col_widths=tuple(columns.values()),
            headings_style=FontFace(emphasis="BOLD", fill_color=(221, 231, 240)),
            line_height=4.5,
            text_align="LEFT",
        ) as table:
            row = table.row()
            for heading, width in zip(headings, columns.values(), strict=True):
                text = self.clean(heading)
                longest = max(text.split() or [""], key=self.pdf.get_string_width)
                size = self.fitting_size(longest, width, bold=True)
                row.cell(text, style=FontFace(size_pt=size) if size < TABLE_FONT_SIZE else None)
            self.pdf.set_font(self.family, "", TABLE_FONT_SIZE)
            for values in rows:
                row = table.row()
                for key, width in columns.items():
                    text = self.clean(tables.shown_value(values.get(key), self.lang))
                    style = None
                    if key in ONE_LINE and text:
                        size = self.fitting_size(text, width)
                        style = FontFace(size_pt=size) if size < TABLE_FONT_SIZE else None
                    row.cell(text, style=style)
        self.pdf.ln(3)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _size(employees: Any, lang: str) -> str:
    size = tables.size_class(employees, lang)
    return f"{employees} – {size}" if employees is not None else size


def _pdf_group(sheet: Sheet, export: Export, g: Group, lang: str) -> None:
    sheet.page()
    title = f"{label('consortium_sheet', lang)} – {tables.group_title(g, lang)}"
    sheet.heading(title if g.kind == "network" else tables.group_title(g, lang))
    sheet.pairs(tables.masterclass_pairs(export, lang) + tables.group_pairs(g, lang)[1:])
    sheet.paragraph(label("participants", lang), 12, bold=True)
    rows = []
    for p in g.participants:
        values = tables.participant_values(p, lang)
        rows.append(values | {"size": _size(p.employees, lang)})
    sheet.table(GROUP_COLUMNS, [label(k, lang) for k in GROUP_COLUMNS], rows)
    sheet.paragraph(label("reasons", lang), 12, bold=True)
    for p in g.participants:
        if p.reason or p.core_business:
            sheet.paragraph(f"{tables.shown_name(p, lang)}: {p.reason or p.core_business}", 9)
    for reason in g.reasons:
        sheet.paragraph(f"• {reason}", 9)
    sheet.pdf.ln(3)
    if g.kind == "network":
        sheet.paragraph(label("open_points", lang), 12, bold=True)
        for point in tables.open_points(lang):
            sheet.paragraph(point["title"], 10, bold=True)
            sheet.paragraph(point["question"], 9)
            sheet.paragraph(f"{label('agreement', lang)}: " + "_" * 60, 9)
            sheet.pdf.ln(1)


def _companies(export: Export, lang: str) -> bytes:
    sheet = Sheet(lang, label("companies", lang), landscape=True)
    sheet.page()
    sheet.heading(label("companies", lang))
    exported = tables.local_time(export.exported_at, lang)
    sheet.paragraph(f"{label('exported_at', lang)}: {exported}", 9)
    sheet.pdf.ln(2)
    rows = [
        c
        | {
            "size": _size(c.get("employees"), lang),
            "kind": tables.optional_label("kind", c.get("kind"), lang),
        }
        for c in export.companies or []
    ]
    sheet.table(COMPANY_COLUMNS, [label(k, lang) for k in COMPANY_COLUMNS], rows)
    return sheet.output()


def to_pdf(export: Export, lang: str = "da") -> bytes:
    """Consortium sheets, one per network or cohort (after an overview for a proposal)."""
    if export.companies is not None:
        return _companies(export, lang)
    heading = tables.title(export, lang)
    sheet = Sheet(lang, heading)
    if export.object_kind.endswith("_proposal"):
        sheet.page()
        sheet.heading(heading)
        sheet.pairs(tables.overview_pairs(export, lang)[1:])
        kind = export.group_kind
        keys = [c for c in tables.group_columns(kind) if c != "purpose"] + ["participants"]
        widths = (20, 12, 30, 16, 22, 80) if kind == "network" else (20, 12, 26, 50, 22, 50)
        columns = dict(zip(keys, widths, strict=True))
        heads = [label(kind if k == "group_id" else k, lang) for k in keys]
        rows = [
            tables.group_values(g, lang)
            | {"participants": ", ".join(tables.shown_name(p, lang) for p in g.participants)}
            for g in export.groups
        ]
        sheet.table(columns, heads, rows)
    for g in export.groups:
        _pdf_group(sheet, export, g, lang)
    if not export.groups:
        sheet.page()
        sheet.heading(heading)
    return sheet.output()
