"""Company profiles: validated fields, normalisation, CVR check, consent, private edit links."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from typing import Any, Literal

import sqlite_utils
from pydantic import EmailStr, Field, ValidationInfo, field_validator

from matchmaker.reference import concept_lists, nace, regions
from matchmaker.reference.concept_lists import ConceptIds
from matchmaker.reference.regions import Region
from matchmaker.reference.sizes import SME_MAX_EMPLOYEES
from matchmaker.reference.text import guess_language
from matchmaker.reference.validation import (
    Conflict,
    Count,
    InvalidInput,
    NotFound,
    Strict,
    long_text,
    text,
    validate,
)
from matchmaker.store import erasure, proposals

Kind = Literal["company", "knowledge_institution"]
# A firm's place in a value chain (optional; representation.roles suggests one when empty).
Role = Literal[
    "supplier", "subcontractor", "producer", "distributor", "customer", "service_provider",
    "knowledge_partner",
]  # fmt: skip
ROLES: tuple[str, ...] = Role.__args__
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)

PUBLIC_FIELDS = (
    "name", "cvr", "employees", "founded", "region", "city", "sector", "nace", "kind", "role",
    "description", "offers", "needs", "markets", "language", "contact_name", "contact_email",
    "consent", *concept_lists.ALL_FIELDS,
)  # fmt: skip
CONTACT_FIELDS = ("contact_name", "contact_email")


def valid_cvr(cvr: str) -> bool:
    """Danish CVR: eight digits, not starting with 0, weighted sum divisible by 11."""
    if not re.fullmatch(r"[1-9]\d{7}", cvr):
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0


def _this_year() -> int:
    return dt.date.today().year


class CompanyIn(Strict):
    """A company profile as registered through the API, the web form or an import."""

    name: text(200, 1)
    cvr: str | None = Field(default=None, description="8 digits, Danish modulus-11 check")
    employees: Count | None = None
    founded: int | None = Field(default=None, ge=1800, description="Year, 1800 to this year")
    region: Region
    city: text(100) | None = None
    sector: text(200) | None = None
    nace: str | None = Field(default=None, description="NACE rev. 2 / DB07: 62.01, 6201 or 620100")
    kind: Kind
    role: Role | None = Field(default=None, description="Place in a value chain (optional)")
    description: long_text(5000, 1)
    offers: long_text(3000) = ""
    needs: long_text(3000) = ""
    markets: list[text(100, 1)] = Field(default_factory=list, max_length=30)
    language: Literal["da", "en"] | None = None
    contact_name: text(200) | None = None
    contact_email: EmailStr | None = None
    consent: bool
    # Capability concepts the firm confirmed or added / removed (None: it has not said).
    offer_concepts: ConceptIds | None = None
    offer_concepts_removed: ConceptIds | None = None
    need_concepts: ConceptIds | None = None
    need_concepts_removed: ConceptIds | None = None

    @field_validator("offer_concepts_removed", "need_concepts_removed")
    @classmethod
    def _removed(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        kept = info.data.get(info.field_name.removesuffix("_removed"))
        both = concept_lists.overlap(kept, value)
        if both:
            raise ValueError("also confirmed, so not removed: " + ", ".join(both))
        return value

    @field_validator("cvr")
    @classmethod
    def _cvr(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.replace(" ", "")
        if not valid_cvr(value):
            raise ValueError("must be 8 digits that pass the CVR modulus-11 check")
        return value

    @field_validator("founded")
    @classmethod
    def _founded(cls, value: int | None) -> int | None:
        if value is not None and value > _this_year():
            raise ValueError(f"must be between 1800 and {_this_year()}")
        return value

    @field_validator("nace")
    @classmethod
    def _nace(cls, value: str | None) -> str | None:
        return nace.normalise(value) if value else None

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        if isinstance(value, str):
            found = regions.normalise(value)
            if found is None or value.strip().lower() not in _region_spellings(found):
                raise ValueError("must be one of " + ", ".join(regions.REGIONS))
            return found
        return value


def _region_spellings(region: str) -> set[str]:
    return {region.lower(), ("region " + region).lower(), regions.fold(region)}


class CompanyPatch(Strict):
    """Fields to change on a stored profile; any subset of CompanyIn."""

    name: str | None = None
    cvr: str | None = None
    employees: int | None = None
    founded: int | None = None
    region: str | None = None
    city: str | None = None
    sector: str | None = None
    nace: str | None = None
    kind: Kind | None = None
    role: Role | None = None
    description: str | None = None
    offers: str | None = None
    needs: str | None = None
    markets: list[str] | None = None
    language: Literal["da", "en"] | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    consent: bool | None = None
    offer_concepts: list[str] | None = None
    offer_concepts_removed: list[str] | None = None
    need_concepts: list[str] | None = None
    need_concepts_removed: list[str] | None = None


def coerce_strings(data: dict[str, Any]) -> dict[str, Any]:
    """Typed values from the strings a web form or a spreadsheet gives; others pass through."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if key in ("employees", "founded"):
                value = int(value) if re.fullmatch(r"\d+", value) else (value or None)
            elif key == "consent":
                value = value.lower() in ("1", "true", "yes", "ja", "on", "y", "x")
            elif key == "markets":
                value = [m.strip() for m in re.split(r"[,;|\n]", value) if m.strip()]
            elif key in concept_lists.ALL_FIELDS:
                value = concept_lists.split(value) if value else None
            elif value == "" and key not in ("name", "description", "region", "kind"):
                value = None
        elif isinstance(value, float) and key in ("employees", "founded") and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row(profile: CompanyIn) -> dict[str, Any]:
    row = profile.model_dump()
    row["markets"] = json.dumps(row["markets"], ensure_ascii=False)
    for key in concept_lists.ALL_FIELDS:
        row[key] = None if row[key] is None else json.dumps(row[key])
    row["consent"] = int(row["consent"])
    if not row["language"]:
        row["language"] = guess_language(
            " ".join([row["description"], row["offers"], row["needs"]])
        )
    return row


def _check_cvr_free(db: sqlite_utils.Database, cvr: str | None, own_id: int | None = None) -> None:
    if cvr is None:
        return
    hit = db.execute("SELECT id FROM companies WHERE cvr = ?", [cvr]).fetchone()
    if hit and hit[0] != own_id:
        raise Conflict({"cvr": "is already registered"}, "A company with this CVR is registered")


def _check_not_twice(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """A firm without a CVR registering again (the same name, case and spacing aside, and the
    same contact e-mail) is refused, as a CVR already registered is: one firm, one profile."""
    if row["cvr"] is not None or not row.get("contact_email"):
        return
    name = " ".join((row["name"] or "").casefold().split())
    for (other_name,) in db.execute(
        "SELECT name FROM companies WHERE lower(contact_email) = lower(?)", [row["contact_email"]]
    ):
        if " ".join((other_name or "").casefold().split()) == name:
            raise Conflict({"name": "is already registered with this contact e-mail"},
                           "This firm is registered already")  # fmt: skip


def _log_change(db: sqlite_utils.Database, company_id: int, op: str) -> None:
    db["company_changes"].insert({"company_id": company_id, "op": op, "created_at": _now()})


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the core passes it around (markets a list, consent a bool)."""
    company = dict(row)
    company["markets"] = json.loads(company.get("markets") or "[]")
    for key in concept_lists.ALL_FIELDS:
        company[key] = json.loads(company[key]) if company.get(key) else None
    company["consent"] = bool(company["consent"])
    company.pop("edit_token_hash", None)
    company["sme"] = company.get("kind") == "company" and (
        company.get("employees") is None or company["employees"] <= SME_MAX_EMPLOYEES
    )
    return company


def public(company: dict[str, Any], *, with_contact: bool = True) -> dict[str, Any]:
    """The API view of a company; contact data only for those allowed to see it."""
    keys = ("id", *PUBLIC_FIELDS, "sme", "created_at", "updated_at")
    view = {k: company.get(k) for k in keys}
    if not with_contact:
        for key in CONTACT_FIELDS:
            view.pop(key)
    return view


def shared_contact(company: dict[str, Any]) -> dict[str, Any]:
    """The contact fields that may be handed on (exports, introductions): none once the firm
    has withdrawn its consent."""
    if not company.get("consent"):
        return dict.fromkeys(CONTACT_FIELDS)
    return {key: company.get(key) for key in CONTACT_FIELDS}


def create(db: sqlite_utils.Database, data: Any) -> tuple[dict[str, Any], str]:
    """Store a new profile; returns it with the secret token of its private edit link."""
    profile = validate(CompanyIn, data)
    token = secrets.token_urlsafe(24)
    row = _row(profile) | {"edit_token_hash": hash_token(token), "created_at": _now()}
    row["updated_at"] = row["created_at"]
    with db.atomic():
        _check_cvr_free(db, row["cvr"])
        _check_not_twice(db, row)
        company_id = db["companies"].insert(row).last_pk
        _log_change(db, company_id, "insert")
    return get(db, company_id), token


def get(db: sqlite_utils.Database, company_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM companies WHERE id = ?", [company_id]))
    if not rows:
        raise NotFound(f"No company with id {company_id}")
    return decode(rows[0])


def ids_by_cvr(db: sqlite_utils.Database, cvrs: Iterable[str | None]) -> dict[str, int]:
    """The profile registered under each of these CVR numbers (those registered only)."""
    wanted = sorted({c for c in cvrs if c})
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = db.execute(f"SELECT cvr, id FROM companies WHERE cvr IN ({marks})", wanted)
    return {cvr: company_id for cvr, company_id in rows}


def by_token(db: sqlite_utils.Database, token: str) -> dict[str, Any]:
    """The company whose private edit link carries `token`."""
    rows = list(db.query("SELECT * FROM companies WHERE edit_token_hash = ?", [hash_token(token)]))
    if not rows:
        raise NotFound("This private link is not valid (the profile may have been deleted)")
    return decode(rows[0])


def rotate_token(db: sqlite_utils.Database, company_id: int) -> str:
    """A new secret for the firm's private link; the old link stops working at once."""
    token = secrets.token_urlsafe(24)
    with db.atomic():
        get(db, company_id)
        db["companies"].update(company_id, {"edit_token_hash": hash_token(token)})
    return token


def update(db: sqlite_utils.Database, company_id: int, changes: Any) -> dict[str, Any]:
    """Apply a partial change; the whole result is validated before anything is written."""
    validate(CompanyPatch, changes)  # unknown fields and gross type errors, field by field
    with db.atomic():
        current = get(db, company_id)
        merged = {k: current[k] for k in PUBLIC_FIELDS} | changes
        if "language" not in changes and any(
            k in changes for k in ("description", "offers", "needs")
        ):
            merged["language"] = None  # guess again from the new text
        profile = validate(CompanyIn, merged)
        row = _row(profile) | {"updated_at": _now()}
        _check_cvr_free(db, row["cvr"], company_id)
        db["companies"].update(company_id, row)
        _log_change(db, company_id, "update")
    return get(db, company_id)


def delete(db: sqlite_utils.Database, company_id: int) -> list[int]:
    """Erase a profile and every trace of it, by reference, in one transaction: its row, its
    questionnaire answers (anonymised), its place and the texts written about it in stored
    proposals, the chat exchanges that point at it, pair rules. The change log keeps only the
    bare id, which is never given to another firm. Returns the ids of the stored groups it was
    taken out of (their reasons can then be written anew without it)."""
    with db.atomic():
        company = get(db, company_id)
        answers = erasure.forget_in_answers(db, company_id, company.get("cvr"))
        groups = proposals.forget_company(db, company_id, answers)
        erasure.forget_in_conversations(db, company_id)
        db.execute("DELETE FROM pair_rules WHERE a_id = ? OR b_id = ?", [company_id, company_id])
        db.execute("DELETE FROM companies WHERE id = ?", [company_id])
        _log_change(db, company_id, "delete")
    return groups


def listing(
    db: sqlite_utils.Database,
    *,
    region: str | None = None,
    nace_code: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    consent: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Profiles matching the filters, newest id last, and the total count before paging."""
    where, params = [], []
    if region:
        where.append("region = ?")
        params.append(region)
    if nace_code:
        where.append("(nace = ? OR nace LIKE ?)")
        params += [nace_code, nace_code + "%"]
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if consent is not None:
        where.append("consent = ?")
        params.append(int(consent))
    if q:
        where.append(
            "(name LIKE ? OR description LIKE ? OR offers LIKE ? OR needs LIKE ? OR sector LIKE ?)"
        )
        params += [f"%{q}%"] * 5
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = db.execute(f"SELECT count(*) FROM companies{clause}", params).fetchone()[0]
    rows = db.query(
        f"SELECT * FROM companies{clause} ORDER BY id LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [decode(r) for r in rows], total


def import_rows(
    db: sqlite_utils.Database, rows: list[dict[str, Any]], *, valid_only: bool = False
) -> dict[str, Any]:
    """Validate every row; store all of them (one transaction) only if none fails, or else
    the valid ones when asked to."""
    report, accepted = [], []
    seen_cvr: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        data = coerce_strings({k: v for k, v in raw.items() if k is not None})
        data = {
            k: v for k, v in data.items() if not (v is None and k not in CompanyIn.model_fields)
        }
        try:
            profile = validate(CompanyIn, data)
            cvr = profile.cvr
            if cvr and cvr in seen_cvr:
                raise InvalidInput({"cvr": f"repeats the CVR of row {seen_cvr[cvr]}"})
            _check_cvr_free(db, cvr)
        except (InvalidInput, Conflict) as exc:
            report.append({"row": number, "status": "refused", "errors": exc.fields})
            continue
        if profile.cvr:
            seen_cvr[profile.cvr] = number
        accepted.append((number, profile))
        report.append({"row": number, "status": "accepted", "name": profile.name})
    refused = sum(1 for r in report if r["status"] == "refused")
    write = accepted and (refused == 0 or valid_only)
    if write:
        with db.atomic():
            for number, profile in accepted:
                row = _row(profile) | {"edit_token_hash": hash_token(secrets.token_urlsafe(24))}
                row["created_at"] = row["updated_at"] = _now()
                company_id = db["companies"].insert(row).last_pk
                _log_change(db, company_id, "insert")
                next(r for r in report if r["row"] == number)["id"] = company_id
    return {
        "imported": len(accepted) if write else 0,
        "refused": refused,
        "written": bool(write),
        "rows": report,
    }
