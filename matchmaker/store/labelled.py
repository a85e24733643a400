"""Labelled sets of firms (training and benchmarks) written into a scratch store as they are."""

from __future__ import annotations

import json


def insert_firms(db, firms: list[dict]) -> dict[int, str]:
    """Insert firms with a "key" as consenting profiles, in one transaction; id → key.

    Fields the store has no column for are left out; no validation (the sets are fixed files).
    """
    columns = set(db["companies"].columns_dict)
    key_of = {}
    with db.atomic():
        for i, firm in enumerate(firms):
            row = {k: v for k, v in firm.items() if k in columns}
            row["markets"] = json.dumps(firm.get("markets") or [], ensure_ascii=False)
            row.update(consent=1, edit_token_hash=f"labelled-{i}")
            key_of[db["companies"].insert(row).last_pk] = firm["key"]
    return key_of
