"""JSON for machines: stable English keys, with readable labels in the reader's language."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from matchmaker.exports import tables
from matchmaker.exports.model import Export
from matchmaker.reference.regions import label as region_label
from matchmaker.store import profiles


def to_json(export: Export, lang: str = "da") -> bytes:
    """Stable English keys for machines, with the readable labels in `lang` beside them."""
    doc: dict[str, Any] = {
        "export": {
            "kind": export.object_kind,
            "id": export.object_id,
            "lang": lang,
            "title": tables.label(export.object_kind, lang),
            "exported_at": export.exported_at,
        }
    }
    if export.companies is not None:
        doc["items"] = [profiles.public(c) for c in export.companies]
        doc["total"] = len(export.companies)
        return _dump(doc)
    if export.masterclass is not None:
        doc["masterclass"] = asdict(export.masterclass)
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
            item["type_label"] = tables.optional_label("type", g.type, lang)
            item["purpose"] = g.purpose
        else:
            for key in ("type", "score", "purpose"):
                item.pop(key)
        item["status_label"] = tables.optional_label("status", g.status, lang)
        item["title"] = tables.group_title(g, lang)
        item["participants"] = [
            asdict(p)
            | {
                "size": tables.size_class(p.employees, lang),
                "region_label": region_label(p.region, lang) if p.region else None,
            }
            for p in g.participants
        ]
        if g.kind == "network":
            item["open_points"] = tables.open_points(lang)
        groups.append(item)
    doc["cohorts" if export.group_kind == "cohort" else "networks"] = groups
    return _dump(doc)


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
