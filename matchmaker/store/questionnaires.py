"""Masterclasses and the answers to their pre-questionnaire."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlite_utils
from pydantic import Field, field_validator

from matchmaker.reference.text import guess_language
from matchmaker.reference.validation import Count, NotFound, Strict, long_text, text, validate
from matchmaker.store.profiles import valid_cvr

MAX_COHORT_SIZE = 10


class MasterclassIn(Strict):
    """A masterclass a facilitator runs; `capacity` bounds how many firms take part."""

    title: text(200, 1)
    theme: long_text(1000, 1)
    date: dt.date | None = None
    capacity: int = Field(ge=1, le=1000)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError("must be a date written YYYY-MM-DD") from None
        return value


class ResponseIn(Strict):
    """One firm's answers to the masterclass pre-questionnaire."""

    company: text(200, 1)
    cvr: str | None = None
    employees: Count | None = None
    core_business: long_text(3000, 1)
    market_now: long_text(3000) = ""
    technology_role: long_text(3000) = ""
    experience: long_text(3000) = ""
    barriers: long_text(3000) = ""
    potentials: long_text(3000) = ""
    language: Literal["da", "en"] | None = None

    @field_validator("cvr")
    @classmethod
    def _cvr(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.replace(" ", "")
        if not valid_cvr(value):
            raise ValueError("must be 8 digits that pass the CVR modulus-11 check")
        return value


ANSWER_FIELDS = (
    "core_business", "market_now", "technology_role", "experience", "barriers", "potentials",
)  # fmt: skip


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def create_masterclass(db: sqlite_utils.Database, data: Any) -> dict[str, Any]:
    masterclass = validate(MasterclassIn, data)
    row = masterclass.model_dump(mode="json") | {"created_at": _now()}
    with db.atomic():
        masterclass_id = db["masterclasses"].insert(row).last_pk
    return get_masterclass(db, masterclass_id)


def get_masterclass(db: sqlite_utils.Database, masterclass_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM masterclasses WHERE id = ?", [masterclass_id]))
    if not rows:
        raise NotFound(f"No masterclass with id {masterclass_id}")
    masterclass = rows[0]
    masterclass["responses"] = db.execute(
        "SELECT count(*) FROM responses WHERE masterclass_id = ?", [masterclass_id]
    ).fetchone()[0]
    return masterclass


def list_masterclasses(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return [get_masterclass(db, row["id"]) for row in db.query("SELECT id FROM masterclasses")]


def add_response(
    db: sqlite_utils.Database,
    masterclass_id: int,
    data: Any,
    *,
    company_id: int | None = None,
    link_by_cvr: bool = False,
) -> dict[str, Any]:
    """Store an answer. It is linked to a profile only when the caller proved who it is: the
    firm's own edit token (`company_id`), or a facilitator (`link_by_cvr`, who may see every
    profile anyway). An anonymous answer is never linked by its CVR, so that its reply cannot
    tell anyone whether a CVR is registered."""
    response = validate(ResponseIn, data)
    row = response.model_dump() | {"masterclass_id": masterclass_id, "created_at": _now()}
    if not row["language"]:
        row["language"] = guess_language(" ".join(row[f] for f in ANSWER_FIELDS))
    with db.atomic():
        get_masterclass(db, masterclass_id)
        row["company_id"] = company_id
        if company_id is None and link_by_cvr and row["cvr"]:
            hit = db.execute("SELECT id FROM companies WHERE cvr = ?", [row["cvr"]]).fetchone()
            row["company_id"] = hit[0] if hit else None
        response_id = db["responses"].insert(row).last_pk
    return get_response(db, response_id)


def get_response(db: sqlite_utils.Database, response_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM responses WHERE id = ?", [response_id]))
    if not rows:
        raise NotFound(f"No response with id {response_id}")
    return rows[0]


def responses(db: sqlite_utils.Database, masterclass_id: int) -> list[dict[str, Any]]:
    get_masterclass(db, masterclass_id)
    return list(
        db.query("SELECT * FROM responses WHERE masterclass_id = ? ORDER BY id", [masterclass_id])
    )
