"""Masterclasses and the answers to their pre-questionnaire: one answer per firm per
masterclass (a repeat updates it, when its sender shows it may), and questions that name the
masterclass's technology."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Literal

import sqlite_utils
from pydantic import Field, field_validator

from matchmaker.reference.folding import fold
from matchmaker.reference.text import guess_language, words
from matchmaker.reference.validation import (
    Conflict,
    Count,
    NotFound,
    Strict,
    long_text,
    text,
    validate,
)
from matchmaker.store import proposals
from matchmaker.store.profiles import hash_token, valid_cvr

MAX_COHORT_SIZE = 10


class MasterclassIn(Strict):
    """A masterclass a facilitator runs; `capacity` bounds how many firms take part."""

    title: text(200, 1)
    theme: long_text(1000, 1)
    technology: text(100) | None = Field(
        default=None,
        description="The technology or theme the questionnaire asks about, as it reads inside a "
        "sentence ('kunstig intelligens'); without one the questions say 'the technology'",
    )
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
    edit_token: text(100) | None = Field(
        default=None,
        description="The private token the firm's first answer returned: with it a repeat "
        "replaces that answer (a facilitator, or the firm's own profile token, may too)",
    )

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
# The questions that name the masterclass's technology ("how will <technology> matter").
TECHNOLOGY_FIELDS = ("technology_role", "experience")
QUESTION_FIELDS = ("company", "cvr", "employees", *ANSWER_FIELDS)
REQUIRED_FIELDS = ("company", "core_business")


def questions(masterclass: dict[str, Any]) -> list[dict[str, Any]]:
    """The questionnaire as message records (`questionnaire.<field>`), in the order asked; the
    technology questions name the masterclass's technology when it has one."""
    technology = (masterclass.get("technology") or "").strip()
    out = []
    for field in QUESTION_FIELDS:
        code, params = f"web.{field}", {}
        if field in TECHNOLOGY_FIELDS and technology:
            code, params = f"questionnaire.{field}", {"technology": technology}
        out.append({"field": field, "required": field in REQUIRED_FIELDS, "code": code, **params})
    return out


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


def firm_name_key(name: str | None) -> str:
    """A firm name as a repeat is recognised: case, Danish letters and punctuation aside."""
    return " ".join(words(fold(name or "")))


def same_firm(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two answers come from one firm: the same CVR, else the same profile, else the
    same name (when one of them gives neither). Two different CVRs are two firms."""
    if a.get("cvr") and b.get("cvr"):
        return a["cvr"] == b["cvr"]
    if a.get("company_id") and b.get("company_id"):
        return a["company_id"] == b["company_id"]
    return bool(firm_name_key(a.get("company"))) and (
        firm_name_key(a.get("company")) == firm_name_key(b.get("company"))
    )


def _earlier_answer(db, masterclass_id: int, row: dict[str, Any]) -> dict[str, Any] | None:
    rows = db.query(
        "SELECT * FROM responses WHERE masterclass_id = ? ORDER BY id DESC", [masterclass_id]
    )
    return next((r for r in rows if same_firm(r, row)), None)


def add_response(
    db: sqlite_utils.Database,
    masterclass_id: int,
    data: Any,
    *,
    company_id: int | None = None,
    link_by_cvr: bool = False,
) -> dict[str, Any]:
    """Store an answer; a firm that has answered this masterclass before (same profile, CVR or
    name) has its answer replaced, under the same id, so it stays one respondent in one cohort
    (`updated` says which happened). It is linked to a profile only when the caller proved who
    it is: the firm's own edit token (`company_id`), or a facilitator (`link_by_cvr`, who may
    see every profile anyway). An anonymous answer is never linked by its CVR, so that its
    reply cannot tell anyone whether a CVR is registered."""
    response = validate(ResponseIn, data)
    row = response.model_dump(exclude={"edit_token"}) | {"masterclass_id": masterclass_id}
    if not row["language"]:
        row["language"] = guess_language(" ".join(row[f] for f in ANSWER_FIELDS))
    with db.atomic():
        get_masterclass(db, masterclass_id)
        row["company_id"] = company_id
        if company_id is None and link_by_cvr and row["cvr"]:
            hit = db.execute("SELECT id FROM companies WHERE cvr = ?", [row["cvr"]]).fetchone()
            row["company_id"] = hit[0] if hit else None
        earlier = _earlier_answer(db, masterclass_id, row)
        token = None
        if earlier is None:
            token = secrets.token_urlsafe(24)
            row["created_at"] = row["updated_at"] = _now()
            row["edit_token_hash"] = hash_token(token)
            response_id = db["responses"].insert(row).last_pk
        else:
            own_cvr = None
            if company_id is not None:
                hit = db.execute("SELECT cvr FROM companies WHERE id = ?", [company_id]).fetchone()
                own_cvr = hit[0] if hit else None
            _check_may_replace(
                earlier, response.edit_token, row["cvr"], company_id, own_cvr, link_by_cvr
            )
            response_id = earlier["id"]
            # What the repeat leaves out is kept (its identity, and answers it leaves empty).
            for key in ("cvr", "company_id", "employees", *ANSWER_FIELDS):
                if row[key] in (None, ""):
                    row[key] = earlier[key]
            db["responses"].update(response_id, row | {"updated_at": _now()})
    out = get_response(db, response_id) | {"updated": earlier is not None}
    return out | ({"edit_token": token} if token else {})


def _check_may_replace(
    earlier: dict[str, Any],
    token: str | None,
    cvr: str | None,
    company_id: int | None,
    own_cvr: str | None,
    facilitator: bool,
) -> None:
    """Conflict unless the sender of a repeat identifies the firm as its earlier answer did: the
    same CVR, the private token of that answer, the firm's own profile token (of the profile the
    answer is linked to, or whose CVR an unlinked answer gives), or a facilitator. A name
    alone, which anyone can type, replaces nothing."""
    if facilitator or (token and hash_token(token) == earlier.get("edit_token_hash")):
        return
    if cvr and earlier.get("cvr") == cvr:
        return
    if company_id is not None and earlier.get("company_id") == company_id:
        return
    if company_id is not None and earlier.get("company_id") is None and own_cvr:
        if earlier.get("cvr") == own_cvr:
            return
    raise Conflict(
        {"company": "this firm has already answered this masterclass: change that answer with "
                    "its CVR number or the private link (edit_token) its first answer gave, or "
                    "ask the facilitator"},
        "This firm has already answered; a repeat needs that answer's CVR or private token",
        codes={"company": {"code": "errors.answer_taken"}},
    )  # fmt: skip


def by_token(db: sqlite_utils.Database, masterclass_id: int, token: str) -> dict[str, Any]:
    """The answer to `masterclass_id` whose private link carries `token`."""
    rows = list(db.query(
        "SELECT * FROM responses WHERE masterclass_id = ? AND edit_token_hash = ?",
        [masterclass_id, hash_token(token)],
    ))  # fmt: skip
    if not rows:
        raise NotFound("No answer with that private link")
    return _public(rows[0])


def _public(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("edit_token_hash", None)
    return row


def merge_repeated_answers(db: sqlite_utils.Database) -> int:
    """One answer per firm per masterclass in a store written before repeats were merged: of
    each firm's answers the newest stays, keeping the older ones' CVR and profile link when it
    has none; stored cohorts that held an older answer hold the newest instead (or lose the
    older entry when the newest is in the same run already). Returns how many answers went."""
    gone = 0
    for (masterclass_id,) in db.execute("SELECT id FROM masterclasses").fetchall():
        kept: list[dict[str, Any]] = []
        for answer in db.query(
            "SELECT * FROM responses WHERE masterclass_id = ? ORDER BY id DESC", [masterclass_id]
        ):
            newest = next((k for k in kept if same_firm(k, answer)), None)
            if newest is None:
                kept.append(answer)
                continue
            for key in ("cvr", "company_id", "employees"):
                if newest[key] is None and answer[key] is not None:
                    newest[key] = answer[key]
                    db["responses"].update(newest["id"], {key: answer[key]})
            proposals.replace_response(db, answer["id"], newest["id"])
            db.execute("DELETE FROM responses WHERE id = ?", [answer["id"]])
            gone += 1
    return gone


def get_response(db: sqlite_utils.Database, response_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM responses WHERE id = ?", [response_id]))
    if not rows:
        raise NotFound(f"No response with id {response_id}")
    return _public(rows[0])


def responses(db: sqlite_utils.Database, masterclass_id: int) -> list[dict[str, Any]]:
    get_masterclass(db, masterclass_id)
    return [
        _public(r)
        for r in db.query(
            "SELECT * FROM responses WHERE masterclass_id = ? ORDER BY id", [masterclass_id]
        )
    ]
