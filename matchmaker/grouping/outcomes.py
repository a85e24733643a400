"""Outcomes of accepted networks: who may report them, and the rates per programme and type
beside the figures evaluations of Danish regional network programmes report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from matchmaker.reference.validation import NotFound
from matchmaker.store import outcomes as store

# Shares of networks with each result, as an evaluation of a regional network programme
# reported them (issue 14); shown beside this store's own rates, never mixed into them.
REFERENCE_RATES = {"innovation_project": 0.18, "new_product": 0.17, "export": 0.10}
YES_NO = store.INDICATORS
EXPORT_COLUMNS = (
    "id", "network_id", "network_type", "network_status", "programme", "formed", "meetings",
    "satisfaction", "innovation_project", "new_product", "export", "note", "recorded_by",
    "created_at",
)  # fmt: skip


def record(
    db, group_id: int, data: Any, *, user_id: int | None = None, company_id: int | None = None
) -> dict[str, Any]:
    """Store a report from a facilitator (`user_id`) or from a member firm (`company_id`);
    a firm that is not a member of the network does not see it (NotFound)."""
    if company_id is not None and user_id is None:
        if company_id not in store.member_ids(db, group_id):
            raise NotFound(f"No network with id {group_id} among this firm's networks")
        by = f"member:{company_id}"
    else:
        by = f"facilitator:{user_id}" if user_id is not None else "facilitator"
    return store.record(db, group_id, data, recorded_by=by)


def history(db, group_id: int, *, company_id: int | None = None) -> list[dict[str, Any]]:
    """The reports on one network, oldest first (a member sees only its own networks)."""
    if company_id is not None and company_id not in store.member_ids(db, group_id):
        raise NotFound(f"No network with id {group_id} among this firm's networks")
    return store.history(db, group_id)


def rates(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per yes/no indicator the share of networks answering yes among those that answered,
    and the mean satisfaction (1–5) and number of meetings."""
    reports = list(reports)
    out: dict[str, Any] = {"networks": len(reports)}
    for key in YES_NO:
        answered = [r[key] for r in reports if r.get(key) is not None]
        yes = sum(1 for v in answered if v)
        out[key] = {
            "rate": round(yes / len(answered), 4) if answered else None,
            "yes": yes,
            "answered": len(answered),
        }
    for key in ("satisfaction", "meetings"):
        values = [r[key] for r in reports if r.get(key) is not None]
        out[key] = {
            "mean": round(sum(values) / len(values), 2) if values else None,
            "answered": len(values),
        }
    return out


def _grouped(reports: list[dict[str, Any]], key: str, label: str) -> list[dict[str, Any]]:
    groups: dict[Any, list[dict[str, Any]]] = {}
    for r in reports:
        groups.setdefault(r.get(key), []).append(r)
    ordered = sorted(groups, key=lambda k: (k is None, str(k or "")))
    return [{label: k, **rates(groups[k])} for k in ordered]


def summary(db) -> dict[str, Any]:
    """Rates over the newest report of each accepted network: overall, per programme and
    per network type, with the reference figures."""
    reports = store.latest_per_network(db)
    return {
        "overall": rates(reports),
        "by_programme": _grouped(reports, "programme", "programme"),
        "by_type": _grouped(reports, "network_type", "type"),
        "reference": dict(REFERENCE_RATES),
    }


def export_rows(db) -> list[list[Any]]:
    """Every report as a row of `EXPORT_COLUMNS` (yes/no as 1/0, missing as None)."""
    rows = []
    for report in store.all_reports(db):
        row = [report.get(c) for c in EXPORT_COLUMNS]
        rows.append([int(v) if isinstance(v, bool) else v for v in row])
    return rows
