"""Consortium sheets and lists for secretariats: CSV, XLSX, JSON and PDF, every export logged.

A stored network or cohort group, a whole proposal, or a list of firms is first gathered into an
`Export` (participants with name, CVR, contact, region, size and the reason each is there), then
rendered in one of `FORMATS`, in Danish (default) or English.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from matchmaker.reference import messages
from matchmaker.reference.validation import InvalidInput, NotFound
from matchmaker.store import profiles, proposals, questionnaires

FORMATS = ("csv", "xlsx", "json", "pdf")
LANGS = ("da", "en")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
}
OBJECT_KINDS = ("network", "network_proposal", "cohort", "cohort_proposal", "companies")

# A Unicode TTF embedded in the PDF when present (Debian's fonts-dejavu-core, see the Makefile);
# without it the PDF falls back to the core Helvetica, which covers Danish letters (latin-1).
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# What a network's action plan must settle: (key, Danish title, Danish question, English ...).
OPEN_POINTS: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("core_task", ("Kerneopgave", "Core task"), (
        "Hvilken konkret opgave skal netværket løse i fællesskab?",
        "Which concrete task will the network solve together?")),
    ("who", ("Hvem", "Who"), (
        "Hvem bidrager med hvad – roller, ansvar og kontaktpersoner?",
        "Who contributes what – roles, responsibilities and contact persons?")),
    ("why", ("Hvorfor", "Why"), (
        "Hvad er gevinsten for hver deltager, og hvordan måles den?",
        "What does each participant gain, and how is it measured?")),
    ("how", ("Hvordan", "How"), (
        "Arbejdsform, mødeplan, milepæle og tovholder.",
        "Way of working, meeting plan, milestones and coordinator.")),
    ("budget", ("Budgetfordeling", "Budget split"), (
        "Hvordan fordeles udgifter, egenfinansiering og eventuel støtte mellem deltagerne?",
        "How are costs, own funding and any grants split between the participants?")),
    ("entry_exit", ("Ind- og udtræden", "Entry and exit"), (
        "Hvordan optages nye deltagere, og hvordan kan en deltager træde ud?",
        "How are new participants admitted, and how can a participant leave?")),
    ("confidentiality", ("Fortrolighed", "Confidentiality"), (
        "Hvilke oplysninger er fortrolige, og hvem må bruge resultaterne?",
        "Which information is confidential, and who may use the results?")),
    ("competition", ("Konkurrence", "Competition"), (
        "Hvordan håndteres overlap mellem deltagere på samme marked (konkurrenceretten)?",
        "How is overlap between participants in the same market handled (competition law)?")),
    ("conflict_resolution", ("Konfliktløsning", "Conflict resolution"), (
        "Hvordan løses uenigheder, og hvem mægler?",
        "How are disagreements resolved, and who mediates?")),
)  # fmt: skip

COMPANY_COLUMNS = (
    "id", "name", "cvr", "employees", "founded", "region", "city", "sector", "nace", "kind",
    "role", "description", "offers", "needs", "markets", "language", "contact_name",
    "contact_email", "consent", "created_at", "updated_at",
)  # fmt: skip


def label(key: str, lang: str) -> str:
    """The interface text `key` in `lang` ('da' or 'en')."""
    return messages.render(f"exports.{key}", lang)


def _optional_label(prefix: str, value: Any, lang: str) -> str:
    if value in (None, ""):
        return ""
    key = f"{prefix}_{value}"
    return label(key, lang) if messages.has(f"exports.{key}") else str(value).replace("_", " ")


def size_class(employees: int | None, lang: str) -> str:
    """EU SME size class by head count, worded for the reader."""
    if employees is None:
        return label("unknown", lang)
    if employees < 10:
        return label("size_micro", lang)
    if employees < 50:
        return label("size_small", lang)
    if employees < 250:
        return label("size_medium", lang)
    return label("size_large", lang)


def _text(value: Any) -> str:
    """A reason or note as one line of text, whatever shape the grouping stored it in."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        for key in ("text", "reason", "label", "description"):
            if key in value:
                return _text(value[key])
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _score(value: Any) -> float | None:
    try:
        return round(float(value), 3) if value is not None else None
    except (TypeError, ValueError):
        return None


@dataclass
class Participant:
    """One firm in a consortium sheet or cohort list, as the secretariat hands it on."""

    name: str
    cvr: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    region: str | None = None
    city: str | None = None
    employees: int | None = None
    kind: str | None = None
    reason: str = ""
    company_id: int | None = None
    response_id: int | None = None
    core_business: str | None = None
    deleted: bool = False


@dataclass
class Group:
    """A stored network or cohort group with its participants gathered from the store."""

    kind: str  # 'network' | 'cohort'
    id: int
    proposal_id: int
    ordinal: int | None
    status: str
    participants: list[Participant]
    type: str | None = None
    score: float | None = None
    purpose: str | None = None
    coherence: float | None = None
    themes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Export:
    """What one export carries: its object, the groups or firms, and the proposal's summary."""

    object_kind: str  # one of OBJECT_KINDS
    object_id: int | None
    groups: list[Group] = field(default_factory=list)
    companies: list[dict[str, Any]] | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    exported_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    @property
    def group_kind(self) -> str:
        return "cohort" if self.object_kind.startswith("cohort") else "network"


# --- gathering ---------------------------------------------------------------------------


def _company_or_none(db: sqlite_utils.Database, company_id: Any) -> dict[str, Any] | None:
    if not isinstance(company_id, int):
        return None
    try:
        return profiles.get(db, company_id)
    except NotFound:
        return None


def _network_participant(db: sqlite_utils.Database, member: dict[str, Any]) -> Participant:
    company = _company_or_none(db, member.get("id", member.get("company_id")))
    if company is None:  # deleted since: its name and reason are not handed on
        return Participant(name="", deleted=True)
    return Participant(
        name=company["name"],
        cvr=company.get("cvr"),
        contact_name=company.get("contact_name"),
        contact_email=company.get("contact_email"),
        region=company.get("region"),
        city=company.get("city"),
        employees=company.get("employees"),
        kind=company.get("kind"),
        reason=_text(member.get("reason") or member.get("reasons")),
        company_id=company["id"],
    )


def _cohort_participant(db: sqlite_utils.Database, member: dict[str, Any]) -> Participant:
    response: dict[str, Any] = {}
    if isinstance(member.get("response_id"), int):
        try:
            response = questionnaires.get_response(db, member["response_id"])
        except NotFound:
            response = {}
    company = _company_or_none(db, member.get("company_id") or response.get("company_id"))
    reason = member.get("reason") or member.get("reasons") or member.get("themes")
    return Participant(
        name=str(member.get("company") or response.get("company") or (company or {}).get("name")),
        cvr=response.get("cvr") or (company or {}).get("cvr"),
        contact_name=(company or {}).get("contact_name"),
        contact_email=(company or {}).get("contact_email"),
        region=(company or {}).get("region"),
        city=(company or {}).get("city"),
        employees=response.get("employees", (company or {}).get("employees")),
        kind=(company or {}).get("kind"),
        reason=_text(reason),
        company_id=(company or {}).get("id"),
        response_id=member.get("response_id"),
        core_business=response.get("core_business"),
        deleted=not response and company is None,
    )


def _group(db: sqlite_utils.Database, stored: dict[str, Any]) -> Group:
    kind = stored["kind"]
    gather = _cohort_participant if kind == "cohort" else _network_participant
    reasons = stored.get("reasons") or []
    return Group(
        kind=kind,
        id=stored["id"],
        proposal_id=stored["proposal_id"],
        ordinal=stored.get("ordinal"),
        status=stored.get("status") or "proposed",
        participants=[gather(db, m) for m in stored.get("members") or []],
        type=stored.get("type"),
        score=_score(stored.get("score")),
        purpose=_text(stored.get("purpose")) or None,
        coherence=_score(stored.get("coherence")),
        themes=[_text(t) for t in stored.get("themes") or []],
        reasons=[_text(r) for r in reasons] if isinstance(reasons, list) else [_text(reasons)],
    )


def _stored_group(db: sqlite_utils.Database, kind: str, group_id: int) -> dict[str, Any]:
    stored = proposals.get_group(db, group_id)
    if stored["kind"] != kind:
        raise NotFound(f"No {kind} with id {group_id}")
    return stored


def _stored_proposal(db: sqlite_utils.Database, kind: str, proposal_id: int) -> dict[str, Any]:
    stored = proposals.get_proposal(db, proposal_id)
    if stored["kind"] != kind:
        raise NotFound(f"No {kind} proposal with id {proposal_id}")
    return stored


SUMMARY_KEYS = ("worst_score", "harmonic_mean", "unmet", "coherence")


def group_export(db: sqlite_utils.Database, kind: str, group_id: int) -> Export:
    """One stored network (`kind='network'`) or cohort group; NotFound if it is not one."""
    stored = _stored_group(db, kind, group_id)
    return Export(object_kind=kind, object_id=group_id, groups=[_group(db, stored)])


def proposal_export(db: sqlite_utils.Database, kind: str, proposal_id: int) -> Export:
    """A whole stored network or cohort proposal with all its groups."""
    stored = _stored_proposal(db, kind, proposal_id)
    return Export(
        object_kind=f"{kind}_proposal",
        object_id=proposal_id,
        groups=[_group(db, g) for g in stored["groups"]],
        summary={k: stored[k] for k in SUMMARY_KEYS if k in stored},
        created_at=stored.get("created_at"),
    )


def companies_export(companies: list[dict[str, Any]]) -> Export:
    """A list of firms (as `profiles.listing` gives them)."""
    return Export(object_kind="companies", object_id=None, companies=list(companies))


# --- rendering: shared tables ------------------------------------------------------------


def _participant_columns(kind: str) -> tuple[str, ...]:
    base = ("name", "cvr", "contact_name", "contact_email", "region", "employees", "size", "kind")
    return (*base, "core_business", "reason") if kind == "cohort" else (*base, "reason")


def _shown_name(p: Participant, lang: str) -> str:
    return f"{p.name} {label('profile_deleted', lang)}".strip() if p.deleted else p.name


def _participant_values(p: Participant, lang: str) -> dict[str, Any]:
    return {
        "name": _shown_name(p, lang),
        "cvr": p.cvr or "",
        "contact_name": p.contact_name or "",
        "contact_email": p.contact_email or "",
        "region": p.region or "",
        "employees": p.employees,
        "size": size_class(p.employees, lang),
        "kind": _optional_label("kind", p.kind, lang),
        "core_business": p.core_business or "",
        "reason": p.reason,
    }


def _group_columns(kind: str) -> tuple[str, ...]:
    if kind == "cohort":
        return ("group_id", "no", "coherence", "themes", "status")
    return ("group_id", "no", "type", "score", "status", "purpose")


def _group_values(g: Group, lang: str) -> dict[str, Any]:
    return {
        "group_id": g.id,
        "no": g.ordinal,
        "type": _optional_label("type", g.type, lang),
        "score": g.score,
        "coherence": g.coherence,
        "themes": ", ".join(g.themes),
        "status": _optional_label("status", g.status, lang),
        "purpose": g.purpose or "",
    }


def _group_title(g: Group, lang: str) -> str:
    number = g.ordinal if g.ordinal is not None else g.id
    return f"{label(g.kind, lang)} {number}"


def _company_values(c: dict[str, Any], lang: str) -> dict[str, Any]:
    values = {k: c.get(k) for k in COMPANY_COLUMNS}
    values["markets"] = ", ".join(c.get("markets") or [])
    values["kind"] = _optional_label("kind", c.get("kind"), lang)
    values["role"] = _optional_label("role", c.get("role"), lang)
    values["consent"] = label("yes" if c.get("consent") else "no_", lang)
    return {k: ("" if v is None else v) for k, v in values.items()}


def _rows(export: Export, lang: str) -> tuple[list[str], list[list[Any]]]:
    """The flat table every tabular format shares: headings and one row per firm."""
    if export.companies is not None:
        headings = [label(f"col_{k}", lang) for k in COMPANY_COLUMNS]
        rows = [[_company_values(c, lang)[k] for k in COMPANY_COLUMNS] for c in export.companies]
        return headings, rows
    kind = export.group_kind
    group_cols, part_cols = _group_columns(kind), _participant_columns(kind)
    headings = [label(kind if k == "group_id" else k, lang) for k in group_cols]
    headings += [label(k, lang) for k in part_cols]
    rows = []
    for g in export.groups:
        gv = _group_values(g, lang)
        for p in g.participants:
            pv = _participant_values(p, lang)
            rows.append([gv[k] for k in group_cols] + [pv[k] for k in part_cols])
    return headings, rows


# --- CSV -----------------------------------------------------------------------------------


_FORMULA = re.compile(r"^(?:[=+@\t\r]|-[^\s])")


def csv_cell(value: Any) -> Any:
    """A cell value a spreadsheet will not run as a formula (OWASP's CSV-injection advice)."""
    if value is None:
        return ""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def to_csv(export: Export, lang: str = "da") -> bytes:
    """One row per firm under a heading row (comma-separated, UTF-8)."""
    headings, rows = _rows(export, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


# --- JSON ----------------------------------------------------------------------------------


def _open_points(lang: str) -> list[dict[str, str]]:
    i = 1 if lang == "en" else 0
    return [{"key": k, "title": title[i], "question": q[i]} for k, title, q in OPEN_POINTS]


def to_json(export: Export, lang: str = "da") -> bytes:
    """Stable English keys for machines, with the readable labels in `lang` beside them."""
    doc: dict[str, Any] = {
        "export": {
            "kind": export.object_kind,
            "id": export.object_id,
            "lang": lang,
            "title": label(export.object_kind, lang),
            "exported_at": export.exported_at,
        }
    }
    if export.companies is not None:
        doc["items"] = [profiles.public(c) for c in export.companies]
        doc["total"] = len(export.companies)
        return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
    if export.object_kind.endswith("_proposal"):
        doc["proposal"] = {"id": export.object_id, "created_at": export.created_at}
        doc["proposal"] |= export.summary
    groups = []
    for g in export.groups:
        item = asdict(g)
        item.pop("participants")
        if g.kind == "network":
            for key in ("coherence", "themes"):
                item.pop(key)
            item["type_label"] = _optional_label("type", g.type, lang)
            item["purpose"] = g.purpose
        else:
            for key in ("type", "score", "purpose"):
                item.pop(key)
        item["status_label"] = _optional_label("status", g.status, lang)
        item["title"] = _group_title(g, lang)
        item["participants"] = [
            asdict(p) | {"size": size_class(p.employees, lang)} for p in g.participants
        ]
        if g.kind == "network":
            item["open_points"] = _open_points(lang)
        groups.append(item)
    doc["cohorts" if export.group_kind == "cohort" else "networks"] = groups
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


# --- XLSX ----------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("-", title)[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _put(ws, row: int, column: int, value: Any):
    """Write a cell; text stays text, never a formula (a firm may name itself '=HYPERLINK(...)')."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _table(ws, row: int, headings: list[str], rows: list[list[Any]]) -> int:
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    for col, heading in enumerate(headings, start=1):
        cell = _put(ws, row, col, heading)
        cell.font, cell.fill = bold, fill
    for r, values in enumerate(rows, start=row + 1):
        for col, value in enumerate(values, start=1):
            _put(ws, r, col, value)
    return row + len(rows) + 1


def _widths(ws) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                length = max(len(line) for line in str(cell.value).splitlines() or [""])
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


def _group_pairs(g: Group, lang: str) -> list[tuple[str, Any]]:
    if g.kind == "cohort":
        return [
            (label("cohort", lang), _group_title(g, lang)),
            (label("group_id", lang), g.id),
            (label("coherence", lang), g.coherence),
            (label("themes", lang), ", ".join(g.themes)),
            (label("status", lang), _optional_label("status", g.status, lang)),
        ]
    return [
        (label("network", lang), _group_title(g, lang)),
        (label("group_id", lang), g.id),
        (label("purpose", lang), g.purpose or label("purpose_missing", lang)),
        (label("type", lang), _optional_label("type", g.type, lang)),
        (label("score", lang), g.score),
        (label("status", lang), _optional_label("status", g.status, lang)),
    ]


def _group_sheet(ws, g: Group, lang: str) -> None:
    from openpyxl.styles import Font

    ws.cell(row=1, column=1, value=_group_title(g, lang)).font = Font(bold=True, size=14)
    row = _key_values(ws, 3, _group_pairs(g, lang)) + 1
    ws.cell(row=row, column=1, value=label("participants", lang)).font = Font(bold=True)
    cols = _participant_columns(g.kind)
    rows = [[_participant_values(p, lang)[k] for k in cols] for p in g.participants]
    row = _table(ws, row + 1, [label(k, lang) for k in cols], rows) + 1
    if g.reasons:
        ws.cell(row=row, column=1, value=label("reasons", lang)).font = Font(bold=True)
        for reason in g.reasons:
            row += 1
            _put(ws, row, 1, reason)
        row += 2
    if g.kind == "network":
        ws.cell(row=row, column=1, value=label("open_points", lang)).font = Font(bold=True)
        points = [[p["title"], p["question"], ""] for p in _open_points(lang)]
        heads = [label("topic", lang), label("question", lang), label("agreement", lang)]
        _table(ws, row + 1, heads, points)
    _widths(ws)


def to_xlsx(export: Export, lang: str = "da") -> bytes:
    """A workbook: an overview sheet, then one sheet per network or cohort (or the firm list)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    taken: set[str] = set()
    if export.companies is not None:
        ws.title = _sheet_title(label("companies", lang), taken)
        headings, rows = _rows(export, lang)
        last = _table(ws, 1, headings, rows)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{ws.cell(row=max(last - 1, 1), column=len(headings)).coordinate}"
        _widths(ws)
        return _save(wb)
    ws.title = _sheet_title(label("overview", lang), taken)
    ws.cell(row=1, column=1, value=label(export.object_kind, lang)).font = Font(bold=True, size=14)
    pairs = [(label("group_id", lang), export.object_id)]
    if export.created_at:
        pairs.append((label("created_at", lang), export.created_at))
    pairs.append((label("exported_at", lang), export.exported_at))
    for key, value in export.summary.items():
        shown = ", ".join(_text(v) for v in value) if isinstance(value, list) else value
        pairs.append((label(key, lang) if messages.has(f"exports.{key}") else key, _text(shown)))
    row = _key_values(ws, 3, pairs) + 1
    kind = export.group_kind
    cols = _group_columns(kind)
    headings = [label(kind if k == "group_id" else k, lang) for k in cols]
    headings += [label("participant_count", lang), label("participants", lang)]
    rows = [
        [_group_values(g, lang)[k] for k in cols]
        + [len(g.participants), ", ".join(_shown_name(p, lang) for p in g.participants)]
        for g in export.groups
    ]
    _table(ws, row, headings, rows)
    _widths(ws)
    for g in export.groups:
        _group_sheet(wb.create_sheet(_sheet_title(_group_title(g, lang), taken)), g, lang)
    return _save(wb)


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------------


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


class _Sheet:
    """A thin layer over FPDF: one font choice, text made drawable, a footer with page numbers."""

    def __init__(self, lang: str, title: str, landscape: bool = False):
        from fpdf import FPDF

        lang_ = lang
        fonts = unicode_font()

        class _PDF(FPDF):
            def footer(self):
                self.set_y(-12)
                self.set_font(self.font_family, "", 8)
                self.cell(0, 8, f"{label('page', lang_)} {self.page_no()}/{{nb}}", align="C")

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
        for key, value in items:
            if value in (None, ""):
                continue
            self.pdf.set_font(self.family, "B", 10)
            self.pdf.cell(52, 6, self.clean(key))
            self.pdf.set_font(self.family, "", 10)
            self.pdf.multi_cell(0, 6, self.clean(str(value)), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def table(self, headings: list[str], rows: list[list[Any]], widths: tuple[int, ...]) -> None:
        from fpdf.fonts import FontFace

        self.pdf.set_font(self.family, "", 8)
        with self.pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=(221, 231, 240)),
            line_height=4.5,
            text_align="LEFT",
        ) as table:
            row = table.row()
            for heading in headings:
                row.cell(self.clean(heading))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean("" if value is None else str(value)))
        self.pdf.ln(3)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _pdf_group(sheet: _Sheet, g: Group, lang: str) -> None:
    sheet.page()
    title = f"{label('consortium_sheet', lang)} – {_group_title(g, lang)}"
    sheet.heading(title if g.kind == "network" else _group_title(g, lang))
    sheet.pairs(_group_pairs(g, lang)[1:])
    sheet.paragraph(label("participants", lang), 12, bold=True)
    rows = []
    for p in g.participants:
        v = _participant_values(p, lang)
        contact = "\n".join(x for x in (v["contact_name"], v["contact_email"]) if x)
        size = f"{v['employees']} – {v['size']}" if v["employees"] is not None else v["size"]
        rows.append([v["name"], v["cvr"], contact, v["region"], size])
    heads = [label(k, lang) for k in ("name", "cvr", "contact", "region", "size")]
    sheet.table(heads, rows, (50, 20, 52, 25, 33))
    sheet.paragraph(label("reasons", lang), 12, bold=True)
    for p in g.participants:
        if p.reason or p.core_business:
            sheet.paragraph(f"{_shown_name(p, lang)}: {p.reason or p.core_business}", 9)
    for reason in g.reasons:
        sheet.paragraph(f"• {reason}", 9)
    sheet.pdf.ln(3)
    if g.kind == "network":
        sheet.paragraph(label("open_points", lang), 12, bold=True)
        for point in _open_points(lang):
            sheet.paragraph(point["title"], 10, bold=True)
            sheet.paragraph(point["question"], 9)
            sheet.paragraph(f"{label('agreement', lang)}: " + "_" * 60, 9)
            sheet.pdf.ln(1)


def to_pdf(export: Export, lang: str = "da") -> bytes:
    """Consortium sheets, one per network or cohort (after an overview for a proposal)."""
    if export.companies is not None:
        sheet = _Sheet(lang, label("companies", lang), landscape=True)
        sheet.page()
        sheet.heading(label("companies", lang))
        sheet.paragraph(f"{label('exported_at', lang)}: {export.exported_at}", 9)
        sheet.pdf.ln(2)
        rows = []
        for c in export.companies:
            contact = "\n".join(x for x in (c.get("contact_name"), c.get("contact_email")) if x)
            size = size_class(c.get("employees"), lang)
            if c.get("employees") is not None:
                size = f"{c['employees']} – {size}"
            kind = _optional_label("kind", c.get("kind"), lang)
            rows.append([c.get("name"), c.get("cvr"), contact, c.get("region"), size, kind])
        heads = [label(k, lang) for k in ("name", "cvr", "contact", "region", "size", "kind")]
        sheet.table(heads, rows, (70, 22, 70, 30, 45, 30))
        return sheet.output()
    title = label(export.object_kind, lang)
    sheet = _Sheet(lang, f"{title} {export.object_id}")
    if export.object_kind.endswith("_proposal"):
        sheet.page()
        sheet.heading(f"{title} {export.object_id}")
        pairs = [(label("created_at", lang), export.created_at)]
        pairs.append((label("exported_at", lang), export.exported_at))
        for key, value in export.summary.items():
            shown = ", ".join(_text(v) for v in value) if isinstance(value, list) else value
            pairs.append(
                (label(key, lang) if messages.has(f"exports.{key}") else key, _text(shown))
            )
        sheet.pairs(pairs)
        kind = export.group_kind
        cols = [c for c in _group_columns(kind) if c != "purpose"]
        heads = [label(kind if k == "group_id" else k, lang) for k in cols]
        heads.append(label("participants", lang))
        rows = [
            [_group_values(g, lang)[k] for k in cols]
            + [", ".join(_shown_name(p, lang) for p in g.participants)]
            for g in export.groups
        ]
        widths = (20, 12, 30, 16, 22, 80) if kind == "network" else (20, 12, 26, 50, 22, 50)
        sheet.table(heads, rows, widths[: len(heads)])
    for g in export.groups:
        _pdf_group(sheet, g, lang)
    if not export.groups:
        sheet.page()
        sheet.heading(f"{title} {export.object_id}")
    return sheet.output()


# --- the whole export --------------------------------------------------------------------

RENDERERS = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json, "pdf": to_pdf}

_FILE_STEMS = {
    "network": ("netvaerk", "network"),
    "network_proposal": ("netvaerksforslag", "network-proposal"),
    "cohort": ("hold", "cohort"),
    "cohort_proposal": ("holdforslag", "cohort-proposal"),
    "companies": ("virksomheder", "companies"),
}


def check_options(fmt: str | None, lang: str | None) -> tuple[str, str]:
    """The format and language asked for, or InvalidInput naming what is wrong."""
    fmt = (fmt or "json").strip().lower()
    lang = (lang or "da").strip().lower()
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = "must be one of " + ", ".join(FORMATS)
    if lang not in LANGS:
        errors["lang"] = "must be da or en"
    if errors:
        raise InvalidInput(errors, "Unknown export format or language")
    return fmt, lang


def filename(export: Export, fmt: str, lang: str = "da") -> str:
    stem = _FILE_STEMS[export.object_kind][1 if lang == "en" else 0]
    suffix = f"-{export.object_id}" if export.object_id is not None else ""
    return f"{stem}{suffix}.{fmt}"


def log_export(db: sqlite_utils.Database, export: Export, fmt: str, user_id: int | None) -> int:
    """Record who exported what, when, in `export_log`; returns the log row's id."""
    with db.atomic():
        return (
            db["export_log"]
            .insert(
                {
                    "user_id": user_id,
                    "object_kind": export.object_kind,
                    "object_id": export.object_id,
                    "format": fmt,
                    "created_at": export.exported_at,
                }
            )
            .last_pk
        )


@dataclass(frozen=True)
class File:
    content: bytes
    media_type: str
    filename: str


def render(
    db: sqlite_utils.Database,
    export: Export,
    fmt: str,
    lang: str = "da",
    *,
    user_id: int | None = None,
) -> File:
    """Render `export` and log it; the log row is written only once the file is made."""
    fmt, lang = check_options(fmt, lang)
    content = RENDERERS[fmt](export, lang)
    log_export(db, export, fmt, user_id)
    return File(content, MEDIA_TYPES[fmt], filename(export, fmt, lang))


def export_log(db: sqlite_utils.Database, limit: int = 100) -> list[dict[str, Any]]:
    """The latest exports, newest first, with the exporting user's email."""
    return list(
        db.query(
            "SELECT l.*, u.email FROM export_log l LEFT JOIN users u ON u.id = l.user_id "
            "ORDER BY l.id DESC LIMIT ?",
            [limit],
        )
    )
