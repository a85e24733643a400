"""The words and tables every format shares: labels, size classes, Danish timestamps, the
columns of a participant or firm row and the key/value pairs that head a sheet."""

from __future__ import annotations

from typing import Any

from matchmaker.exports.model import Export, Group, Participant, plain_text
from matchmaker.reference import messages
from matchmaker.reference.clock import local_time
from matchmaker.reference.lexicon import default_lexicon
from matchmaker.reference.markets import labels as market_labels
from matchmaker.reference.regions import label as region_label

# What a network's action plan must settle; the words are `exports.point_<key>[_question]`.
OPEN_POINT_KEYS = (
    "core_task", "who", "why", "how", "budget", "entry_exit", "confidentiality", "competition",
    "conflict_resolution",
)  # fmt: skip

COMPANY_COLUMNS = (
    "id", "name", "cvr", "employees", "founded", "region", "city", "sector", "nace", "kind",
    "role", "description", "offers", "needs", "offer_concepts", "need_concepts", "markets",
    "language", "contact_name", "contact_email", "consent", "created_at", "updated_at",
)  # fmt: skip
TIME_COLUMNS = frozenset({"created_at", "updated_at"})


def label(key: str, lang: str) -> str:
    """The interface text `key` in `lang` ('da' or 'en')."""
    return messages.render(f"exports.{key}", lang)


def optional_label(prefix: str, value: Any, lang: str) -> str:
    """The label of a code such as a status or network type; unknown codes shown readably."""
    if value in (None, ""):
        return ""
    key = f"{prefix}_{value}"
    return label(key, lang) if messages.has(f"exports.{key}") else str(value).replace("_", " ")


def concept_label(concept: str, lang: str) -> str:
    """A capability concept's label in `lang` (its id when the lexicon no longer holds it)."""
    lexicon = default_lexicon()
    return lexicon.label(concept, lang) if concept in lexicon.concepts else concept


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


def shown_value(value: Any, lang: str) -> str:
    """A value as a reader sees it on paper: scores with two decimals (a decimal comma in
    Danish), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        return messages.decimal(value, lang)
    return str(value)


def open_points(lang: str) -> list[dict[str, str]]:
    """The points of a network's action plan, with the question each one asks."""
    return [
        {
            "key": key,
            "title": label(f"point_{key}", lang),
            "question": label(f"point_{key}_question", lang),
        }
        for key in OPEN_POINT_KEYS
    ]


def group_title(g: Group, lang: str) -> str:
    """'Netværk 2': the number the proposal page and the chat show for the same group."""
    number = g.ordinal if g.ordinal is not None else g.id
    return f"{label(g.kind, lang)} {number}"


def shown_name(p: Participant, lang: str) -> str:
    return f"{p.name} {label('profile_deleted', lang)}".strip() if p.deleted else p.name


def participant_columns(kind: str) -> tuple[str, ...]:
    base = ("name", "cvr", "contact_name", "contact_email", "region", "employees", "size", "kind")
    return (*base, "core_business", "reason") if kind == "cohort" else (*base, "reason")


def participant_values(p: Participant, lang: str) -> dict[str, Any]:
    return {
        "name": shown_name(p, lang),
        "cvr": p.cvr or "",
        "contact_name": p.contact_name or "",
        "contact_email": p.contact_email or "",
        "region": region_label(p.region, lang),
        "employees": p.employees,
        "size": size_class(p.employees, lang),
        "kind": optional_label("kind", p.kind, lang),
        "core_business": p.core_business or "",
        "reason": p.reason,
    }


def group_columns(kind: str) -> tuple[str, ...]:
    if kind == "cohort":
        return ("group_id", "no", "coherence", "themes", "status")
    return ("group_id", "no", "type", "score", "status", "purpose")


def group_values(g: Group, lang: str) -> dict[str, Any]:
    return {
        "group_id": g.id,
        "no": g.ordinal,
        "type": optional_label("type", g.type, lang),
        "score": g.score,
        "coherence": g.coherence,
        "themes": ", ".join(g.themes),
        "status": optional_label("status", g.status, lang),
        "purpose": g.purpose or "",
    }


def group_pairs(g: Group, lang: str) -> list[tuple[str, Any]]:
    """The key facts that head a group's sheet (its title first)."""
    if g.kind == "cohort":
        return [
            (label("cohort", lang), group_title(g, lang)),
            (label("group_id", lang), g.id),
            (label("coherence", lang), g.coherence),
            (label("themes", lang), ", ".join(g.themes)),
            (label("status", lang), optional_label("status", g.status, lang)),
        ]
    return [
        (label("network", lang), group_title(g, lang)),
        (label("group_id", lang), g.id),
        (label("purpose", lang), g.purpose or label("purpose_missing", lang)),
        (label("type", lang), optional_label("type", g.type, lang)),
        (label("score", lang), g.score),
        (label("status", lang), optional_label("status", g.status, lang)),
    ]


def masterclass_pairs(export: Export, lang: str) -> list[tuple[str, Any]]:
    """'Masterclass: <title> (<date>)' for cohort exports; nothing for the others."""
    if export.masterclass is None:
        return []
    mc = export.masterclass
    return [(label("masterclass", lang), f"{mc.title} ({mc.date})" if mc.date else mc.title)]


def summary_value(value: Any, lang: str) -> Any:
    """A summary figure as it is (numbers stay numbers); lists and records as one line, a
    record with a catalogue message (an unmet constraint or firm) in the export's language."""
    if isinstance(value, list):
        return "; ".join(summary_item(v, lang) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return summary_item(value, lang)


def summary_item(value: Any, lang: str) -> str:
    """One summary entry as text: a record carrying a catalogue `message` rendered in `lang`
    (after the firm's name when it names one), anything else as plain text."""
    record = value.get("message") if isinstance(value, dict) else None
    if not isinstance(record, dict) or "code" not in record:
        return plain_text(value)
    text = messages.render_record(record, lang)
    return f"{value['name']}: {text}" if value.get("name") else text


def overview_pairs(export: Export, lang: str) -> list[tuple[str, Any]]:
    """What heads a proposal's overview: id, masterclass, when made and exported, summary."""
    pairs: list[tuple[str, Any]] = [(label("group_id", lang), export.object_id)]
    pairs += masterclass_pairs(export, lang)
    if export.created_at:
        pairs.append((label("created_at", lang), local_time(export.created_at, lang)))
    pairs.append((label("exported_at", lang), local_time(export.exported_at, lang)))
    for key, value in export.summary.items():
        name = label(key, lang) if messages.has(f"exports.{key}") else key
        pairs.append((name, summary_value(value, lang)))
    return pairs


def company_values(c: dict[str, Any], lang: str) -> dict[str, Any]:
    values = {k: c.get(k) for k in COMPANY_COLUMNS}
    values["markets"] = ", ".join(market_labels(c.get("markets"), lang))
    values["region"] = region_label(c.get("region"), lang)
    values["kind"] = optional_label("kind", c.get("kind"), lang)
    values["role"] = optional_label("role", c.get("role"), lang)
    for key in ("offer_concepts", "need_concepts"):
        values[key] = ", ".join(concept_label(cid, lang) for cid in c.get(key) or [])
    values["consent"] = label("yes" if c.get("consent") else "no_", lang)
    for key in TIME_COLUMNS:
        values[key] = local_time(values[key], lang)
    return {k: ("" if v is None else v) for k, v in values.items()}


def rows(export: Export, lang: str) -> tuple[list[str], list[list[Any]]]:
    """The flat table every tabular format shares: headings and one row per firm.

    Cohort rows start with the masterclass they belong to.
    """
    if export.companies is not None:
        headings = [label(f"col_{k}", lang) for k in COMPANY_COLUMNS]
        table = [[company_values(c, lang)[k] for k in COMPANY_COLUMNS] for c in export.companies]
        return headings, table
    kind = export.group_kind
    group_cols, part_cols = group_columns(kind), participant_columns(kind)
    lead = [label("masterclass", lang)] if export.masterclass else []
    lead_values = [export.masterclass.title] if export.masterclass else []
    headings = lead + [label(kind if k == "group_id" else k, lang) for k in group_cols]
    headings += [label(k, lang) for k in part_cols]
    table = []
    for g in export.groups:
        gv = group_values(g, lang)
        for p in g.participants:
            pv = participant_values(p, lang)
            table.append(lead_values + [gv[k] for k in group_cols] + [pv[k] for k in part_cols])
    return headings, table


def title(export: Export, lang: str) -> str:
    """The export's heading: 'Netværksforslag 3', or the masterclass a cohort list is for."""
    if export.companies is not None:
        return label("companies", lang)
    heading = f"{label(export.object_kind, lang)} {export.object_id}"
    if export.masterclass is not None:
        heading += f" – {export.masterclass.title}"
    return heading
