"""A stored network's members changed by a facilitator: one firm swapped for another, one firm
added, one member removed. Each change is checked against every hard constraint (competitors,
'never together', knowledge institutions, consent, the per-firm cap, one network per firm in a
proposal, the proposal's sizes) and the network is described anew, inside one write."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from matchmaker.grouping import networks
from matchmaker.grouping.in_language import language_of
from matchmaker.grouping.optimiser import harmonic_mean
from matchmaker.grouping.review import (
    check_one_network,
    check_still_consenting,
    describe,
    redescribe,
    sizes_of,
    stored_network,
)
from matchmaker.reference import messages
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound, Strict, validate
from matchmaker.store import profiles, proposals


class SwapIn(Strict):
    """Replace member `out` of a network by firm `in`."""

    out: networks.CompanyId
    in_: networks.CompanyId = Field(alias="in")

    @model_validator(mode="after")
    def _different(self) -> SwapIn:
        if self.out == self.in_:
            raise InvalidInput({"in": "must differ from out"})
        return self


class AddIn(Strict):
    """Add firm `id` to a network."""

    id: networks.CompanyId


def swap(
    db, group_id: int, data: Any, *, max_per_firm: int | None = None, lang: str = "da"
) -> dict[str, Any]:
    """Swap one member for another firm. The firm swapped in is locked (a re-run keeps it in
    this network; unlocking releases it)."""
    request = validate(SwapIn, data)
    return _change(db, group_id, out=request.out, new=request.in_, max_per_firm=max_per_firm,
                   lang=lang, fields=("out", "in"))  # fmt: skip


def add(
    db, group_id: int, data: Any, *, max_per_firm: int | None = None, lang: str = "da"
) -> dict[str, Any]:
    """Add one firm to a network, up to the proposal's largest size. The firm added is locked,
    as a firm swapped in is."""
    request = validate(AddIn, data)
    return _change(db, group_id, out=None, new=request.id, max_per_firm=max_per_firm, lang=lang,
                   fields=("id", "id"))  # fmt: skip


def remove(db, group_id: int, company_id: int, *, lang: str = "da") -> dict[str, Any]:
    """Take one member out of a network, down to the proposal's smallest size. The request
    names the member, so a lock (which keeps a member through re-runs) does not stop it."""
    return _change(db, group_id, out=company_id, new=None, max_per_firm=None, lang=lang,
                   fields=("company_id", "company_id"))  # fmt: skip


def _change(db, group_id: int, *, out: int | None, new: int | None, max_per_firm: int | None,
            lang: str, fields: tuple[str, str]) -> dict[str, Any]:  # fmt: skip
    """Take `out` out of network `group_id` and/or put `new` in, after every check, in one
    write; the network's status stays (an accepted network stays accepted)."""
    from matchmaker import matching

    out_field, in_field = fields
    cap = proposals.per_firm_cap(max_per_firm)
    # The index catches up on writes (it may embed); never while holding the write lock.
    index = matching.match_index(db)
    with db.atomic():
        group = stored_network(db, group_id)
        status = group["status"]
        if status == "rejected":
            raise Conflict(
                {"status": "is rejected"},
                "A rejected network cannot be changed; accept it again first",
                codes={"status": messages.record("errors.is_rejected")},
            )
        ids = [m["id"] for m in group["members"]]
        stored = proposals.get_proposal(db, group["proposal_id"])
        if out is not None and out not in ids:
            raise _not_member(out_field, out, group_id, index)
        if new is not None and new in ids:
            name = index.profiles_[new].get("name") if new in index else str(new)
            raise InvalidInput({in_field: f"company {new} is already a member"},
                               codes={in_field: messages.record("errors.pattern.already_member",
                                                                firm=name)})  # fmt: skip
        # A swap keeps a locked member (a removal names it, so its lock gives way).
        if new is not None and any(m["id"] == out and m.get("locked") for m in group["members"]):
            raise Conflict({out_field: "is locked; unlock it first"}, "The member is locked",
                           codes={out_field: messages.record("errors.is_locked")})  # fmt: skip
        if new is not None:
            check_newcomer(db, index, stored, group_id, new, in_field, cap)
        new_ids = [c for c in ids if c != out]
        if new is not None:
            new_ids = [new if c == out else c for c in ids] if out is not None else ids + [new]
        _check_size(
            stored["request"], len(ids), len(new_ids), out_field if new is None else in_field
        )
        missing = [c for c in new_ids if c not in index]
        if missing:
            raise Conflict(
                {"members": f"no longer consenting: {missing}"},
                "A member has withdrawn consent; swap it out first",
            )
        check_still_consenting(db, new_ids)  # the index may lag a withdrawal by a moment
        # The texts in the proposal's language, whoever asks (exports read them in it).
        lang = language_of(stored)
        described = describe(db, index, new_ids, lang=lang, check=new,
                             request=stored["request"], field=in_field)  # fmt: skip
        # A firm the facilitator put in is their choice: locked, so a re-run keeps it here.
        locked = {m["id"] for m in group["members"] if m.get("locked")} | {new}
        for member in described["members"]:
            member["locked"] = member["id"] in locked
        group.update(described)
        group["status"] = status
        proposals.update_group(db, group_id, group)
        _refresh_summary(db, stored, group, out, new, index)
    return networks.get_network(db, group_id)


def _refresh_summary(db, stored: dict, group: dict, out: int | None, new: int | None,
                     index) -> None:  # fmt: skip
    """The proposal's scores and unmet firms after one network changed: the firm put in is no
    longer unmet, the firm taken out is (taken out by the facilitator)."""
    scores = [group["score"] if g["id"] == group["id"] else g.get("score") or 0.0
              for g in stored["groups"]]  # fmt: skip
    lang = language_of(stored)
    unmet = [u for u in stored.get("unmet") or [] if u.get("company_id") not in (out, new)]
    if out is not None and out in index:
        profile = index.profiles_[out]
        why = networks.unmet_reason("taken_out", lang, n=group.get("ordinal"))
        unmet.append({"company_id": out, "name": profile.get("name"), **why})
    proposals.update_summary(db, stored["id"], {
        "worst_score": round(min(scores), 4) if scores else 0.0,
        "harmonic_mean": round(harmonic_mean(scores), 4),
        "unmet": unmet,
    })  # fmt: skip


def _not_member(field: str, company_id: int, group_id: int, index) -> Exception:
    if field == "company_id":  # the path names it: no such member to remove
        return NotFound(f"Company {company_id} is not a member of network {group_id}")
    name = index.profiles_[company_id].get("name") if company_id in index else str(company_id)
    record = messages.record("errors.pattern.not_member", firm=name)
    return InvalidInput({field: f"company {company_id} is not a member of this network"},
                        codes={field: record})  # fmt: skip


def check_newcomer(db, index, stored: dict, group_id: int, new: int, field: str,
                   cap: int | None) -> None:  # fmt: skip
    """InvalidInput or Conflict naming why firm `new` cannot join network `group_id` of the
    `stored` proposal: unknown, not consenting, in another open network of the proposal, or
    (with a `cap`) in too many proposals."""
    networks.check_known(db, field, [new])
    if new not in index:
        raise InvalidInput({field: "has not consented to be proposed"},
                           codes={field: messages.record("errors.no_consent")})  # fmt: skip
    check_one_network(stored, group_id, [new], field)
    active = proposals.active_memberships(db).get(new, 0)
    if cap is not None and active >= cap:
        raise Conflict(
            {field: f"is already in {active} stored proposals (the limit is {cap})"},
            "The firm is in too many proposals",
            codes={field: messages.record("errors.pattern.capped", n=active, limit=cap)},
        )


def _check_size(request: dict, before: int, after: int, field: str) -> None:
    """Conflict when a member more or less takes the network out of the proposal's sizes (a
    network already outside them may still move towards them)."""
    low, high = sizes_of(request)
    if after < before and after < low:
        raise Conflict(
            {field: f"a network of this proposal holds at least {low} firms; swap it instead"},
            "The network would be too small",
            codes={field: messages.record("errors.pattern.network_at_least", n=low)},
        )
    if after > before and after > high:
        raise Conflict(
            {field: f"a network of this proposal holds at most {high} firms; swap one instead"},
            "The network would be too large",
            codes={field: messages.record("errors.pattern.network_at_most", n=high)},
        )


def erase_firm(db, company_id: int) -> list[int]:
    """Erase a firm and every trace of it (`profiles.delete`), then describe the stored networks
    it left anew without it: their reasons, purpose and score (the erasure dropped every text
    that could name it). Returns the groups it left."""
    left = profiles.delete(db, company_id)
    redescribe(db, left)
    return left


def update_firm(db, company_id: int, changes: Any) -> dict[str, Any]:
    """A firm's profile changed (`profiles.update`); when its consent changed, the stored
    networks it sits in are described anew: a member that withdrew consent is named in a
    warning and gets no reasons, one that gave it back is described again. Call it after the
    match index has taken the change in (`matching.embed_stored`) or let it: it reads the index."""
    before = profiles.get(db, company_id)["consent"]
    company = profiles.update(db, company_id, changes)
    if company["consent"] != before:
        from matchmaker import matching

        matching.embed_stored(db, [company_id])
        redescribe(db, proposals.network_groups_of(db, company_id))
    return company
