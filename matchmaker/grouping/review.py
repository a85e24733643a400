"""A facilitator's review of stored network proposals: accept, reject, lock, re-run, and pair
rules ('never together', 'allow' for competitors) that later runs respect. A member more, less
or swapped: `members`."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from pydantic import Field, model_validator

from matchmaker.grouping import networks
from matchmaker.grouping.design import Warnings, stated_need
from matchmaker.reference import messages
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound, Strict, validate
from matchmaker.store import proposals

RULES = ("never", "allow")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def stored_network(db, group_id: int) -> dict[str, Any]:
    group = proposals.get_group(db, networks.stored_id(group_id, "network"))
    if group["kind"] != "network":
        raise NotFound(f"No network with id {group_id}")
    return group


def _pairs(ids) -> list[tuple[int, int]]:
    return [(min(a, b), max(a, b)) for a, b in itertools.combinations(sorted(set(ids)), 2)]


# --------------------------------------------------------------------------------------------
# Status


DECISION_NOTES = {
    ("accepted", "rejected"): "The decision was changed: the accepted network is now rejected; "
    "its pairs are recorded as rejected",
    ("rejected", "accepted"): "The decision was changed: the rejected network is now accepted; "
    "its pairs are no longer recorded as rejected",
}


def _decided(db, group_id: int, previous: str) -> dict[str, Any]:
    """The network after a decision, saying whether an earlier decision was changed."""
    found = networks.get_network(db, group_id)
    changed = (previous, found["status"]) in DECISION_NOTES
    found["decision"] = {
        "previous_status": previous,
        "changed": changed,
        "note": DECISION_NOTES.get((previous, found["status"])),
    }
    return found


def accept(db, group_id: int, *, max_per_firm: int | None = None) -> dict[str, Any]:
    """Mark a network accepted. A decision can be changed both ways: accepting a rejected
    network lifts the 'rejected' records of its pairs, provided its members are still free
    (the per-firm proposal limit) and no pair is 'never together'; otherwise 409."""
    from matchmaker import matching

    index = matching.match_index(db)  # never built inside the write transaction
    with db.atomic():
        group = stored_network(db, group_id)
        previous = group["status"]
        check_still_consenting(db, [m.get("id") for m in group["members"]])
        held = [m["id"] for m in group["members"] if m.get("id") is not None]
        check_no_rivals(db, index, [c for c in held if c in index])
        if previous == "rejected":
            ids = [m["id"] for m in group["members"] if m.get("id") is not None]
            # a member may have joined another network of the proposal since
            stored = proposals.get_proposal(db, group["proposal_id"])
            check_one_network(stored, group_id, ids, "members")
            limit = proposals.per_firm_cap(max_per_firm)
            active = proposals.active_memberships(db)
            full = [c for c in ids if active.get(c, 0) >= limit]
            if full:
                raise Conflict(
                    {"members": f"already in {limit} stored proposals (the limit): {full}"},
                    "A member is in too many proposals to accept this network again",
                )
            for a, b in _pairs(ids):  # ('never together' pairs were refused above)
                db.execute(
                    "DELETE FROM pair_rules WHERE a_id = ? AND b_id = ? AND rule = 'rejected'",
                    [a, b],
                )
        group["status"] = "accepted"
        proposals.update_group(db, group_id, group)
    return _decided(db, group_id, previous)


def check_one_network(stored: dict, group_id: int, ids, field: str) -> None:
    """Conflict when one of `ids` sits in another network of the `stored` proposal that is not
    rejected: a firm is in one network of a proposal."""
    for g in stored["groups"]:
        if g["id"] == group_id or g.get("status") == "rejected":
            continue
        held = {m.get("id") for m in g.get("members") or []}
        if any(c in held for c in ids):
            n = g.get("ordinal")
            raise Conflict(
                {field: f"is already in network {n} of this proposal; take it out there first"},
                "The firm is in another network of this proposal",
                codes={field: messages.record("errors.pattern.in_other_network", n=n)},
            )


def check_still_consenting(db, ids) -> None:
    """Conflict if a member has withdrawn consent (or is gone) since the network was proposed."""
    ids = [c for c in ids if c is not None]
    marks = ",".join("?" * len(ids)) or "NULL"
    consenting = {
        r[0]
        for r in db.execute(f"SELECT id FROM companies WHERE consent = 1 AND id IN ({marks})", ids)
    }
    withdrawn = [c for c in ids if c not in consenting]
    if withdrawn:
        raise Conflict(
            {"members": f"no longer consenting: {withdrawn}"},
            "A member has withdrawn consent; swap it out first",
        )


def reject(db, group_id: int, *, created_by: int | None = None) -> dict[str, Any]:
    """Mark a network rejected and record its pairs so that no later run proposes them again.
    An accepted network can be rejected too (the response says the decision changed)."""
    with db.atomic():
        group = stored_network(db, group_id)
        previous = group["status"]
        group["status"] = "rejected"
        proposals.update_group(db, group_id, group)
        ids = [m["id"] for m in group["members"] if m.get("id") is not None]
        db["pair_rules"].upsert_all(
            (
                {
                    "a_id": a,
                    "b_id": b,
                    "rule": "rejected",
                    "created_by": created_by,
                    "created_at": _now(),
                }
                for a, b in _pairs(ids)
            ),  # fmt: skip
            pk=("a_id", "b_id", "rule"),
        )
    return _decided(db, group_id, previous)


def set_locked(db, group_id: int, company_id: int, locked: bool) -> dict[str, Any]:
    """Lock (or unlock) a member: a locked member stays in its network when the proposal is
    re-run."""
    with db.atomic():
        group = stored_network(db, group_id)
        if group["status"] == "rejected":
            raise Conflict({"status": "is rejected"},
                           "A rejected network cannot be changed; accept it again first",
                           codes={"status": messages.record("errors.is_rejected")})  # fmt: skip
        member = next((m for m in group["members"] if m.get("id") == company_id), None)
        if member is None:
            raise NotFound(f"Company {company_id} is not a member of network {group_id}")
        member["locked"] = bool(locked)
        proposals.update_group(db, group_id, group)
    return networks.get_network(db, group_id)


def redescribe(db, group_ids) -> int:
    """Write the reasons of networks anew after a member was erased (its erasure dropped every
    text that could name it); the index work happens before each short write. Returns how many
    networks were described again."""
    from matchmaker import matching

    index = matching.match_index(db)
    done = 0
    for group_id in group_ids:
        try:
            group = stored_network(db, group_id)
        except NotFound:
            continue  # a cohort, or gone meanwhile
        ids = [m["id"] for m in group["members"] if m.get("id") is not None]
        request = proposals.get_proposal(db, group["proposal_id"])["request"]
        lang = request.get("lang") or "da"
        inside = [c for c in ids if c in index]  # the others withdrew consent (or are gone)
        outside = [m for m in group["members"] if m.get("id") is not None and m["id"] not in index]
        warnings = [w for w in (size_warning(request, len(ids), lang), _no_consent(outside, lang))
                    if w]  # fmt: skip
        described = {"warnings": warnings}
        if len(inside) >= 2:
            described = describe(db, index, inside, lang=lang, request=request)
            kept = [w for w in described["warnings"] if w.get("code") != "networks.too_small"]
            described["warnings"] = kept + warnings
            absent = messages.render("reasons.no_consent", lang)
            reasons = {m["id"]: m for m in described["members"]}
            described["members"] = [
                reasons.get(m["id"]) or {**m, "reason": absent}
                for m in group["members"]
                if m.get("id") is not None
            ]
        with db.atomic():
            current = stored_network(db, group_id)
            if [m.get("id") for m in current["members"]] != ids:
                continue  # changed meanwhile; its own writer described it
            locked = {m["id"] for m in current["members"] if m.get("locked")}
            for member in described.get("members", []):
                member["locked"] = member["id"] in locked
            current.update(described)
            if "members" in described:
                current.pop("texts_erased", None)
            proposals.update_group(db, group_id, current)
        done += 1
    return done


def _no_consent(members: list[dict], lang: str) -> dict | None:
    """The warning of a stored network whose members include firms that withdrew consent."""
    if not members:
        return None
    names = ", ".join(m.get("name") or str(m["id"]) for m in members)
    return {"code": "networks.no_consent", "params": {"names": names},
            "text": messages.render("networks.no_consent", lang, names=names),
            "fix": messages.render("networks.no_consent_fix", lang)}  # fmt: skip


def describe(db, index, ids: list[int], *, lang: str = "da", check: int | None = None,
             request: dict | None = None, field: str = "in",
             network_type: str | None = None) -> dict:  # fmt: skip
    """Score, type, purpose, member reasons and warnings (by the stored `request`'s need) of
    one network of stored firms; with `check` (the firm that came in), Conflict on `field` if
    it breaks a hard constraint. A known `network_type` is kept (the stored one, when a network
    is read in another language)."""
    scores = networks.pool_scores(index, ids)
    pos = {c: k for k, c in enumerate(ids)}
    profiles = [index.profiles_[c] for c in ids]
    forbidden, why = networks.forbidden_pairs(db, ids, pos, scores)
    if check is not None:
        # Only the newcomer's pairs: a pair already in the network (allowed once, the allowance
        # withdrawn since) is the network's own problem, which accepting it reports.
        _refuse_pairs(why, profiles, field, {pos[check]}, ("competitor", "never", "rejected"))
        knowledge = sum(p.get("kind") == "knowledge_institution" for p in profiles)
        if knowledge > networks.MAX_KNOWLEDGE_INSTITUTIONS:
            found = networks.unmet_reason("knowledge", n=networks.MAX_KNOWLEDGE_INSTITUTIONS)
            raise Conflict({field: found["reason"]}, "The change breaks a hard constraint",
                           codes={field: found["message"]})  # fmt: skip
    rows = list(range(len(ids)))
    describer = networks.Describer(profiles, scores, lang, index, db)
    out = describer.network(rows, network_type)
    out["score"] = round(networks.group_score(scores, rows), 4)
    need, need_of = stated_need(request or {}, ids, profiles)
    out["warnings"] = Warnings(index, ids, profiles, scores, forbidden, lang, need, need_of).of(
        rows
    )
    small = size_warning(request or {}, len(ids), lang)
    if small:  # a member erased since: fewer than the proposal's smallest size
        out["warnings"].append(small)
    out["members"] = [
        {"id": ids[i], "name": profiles[i].get("name"), "reason": describer.member_reason(i, rows)}
        for i in rows
    ]
    return out


def sizes_of(request: dict) -> tuple[int, int]:
    """The smallest and largest network a stored proposal's request asked for (3 and 5 when
    it named none)."""
    return int(request.get("min_size") or 3), int(request.get("max_size") or 5)


def size_warning(request: dict, n: int, lang: str) -> dict | None:
    """The warning of a network left with fewer members than its proposal's smallest size."""
    low = sizes_of(request)[0]
    if n >= low:
        return None
    return {"code": "networks.too_small", "params": {"n": n, "min": low},
            "text": messages.render("networks.too_small", lang, n=n, min=low),
            "fix": messages.render("networks.too_small_fix", lang)}  # fmt: skip


def _refuse_pairs(why, profiles, field: str, rows: set[int] | None, rules: tuple[str, ...]) -> None:
    """Conflict on `field` naming the first forbidden pair (of `rows`, or any) by one of
    `rules`, in the catalogue's words."""
    for (i, j), rule in sorted(why.items()):
        if rule in rules and (rows is None or i in rows or j in rows):
            found = networks.unmet_reason(rule, a=profiles[i]["name"], b=profiles[j]["name"])
            raise Conflict({field: found["reason"]}, "The change breaks a hard constraint",
                           codes={field: found["message"]})  # fmt: skip


def check_no_rivals(db, index, ids: list[int]) -> None:
    """Conflict when two members are likely competitors no facilitator allowed (an allowance
    withdrawn since they were grouped) or are marked 'never together'."""
    scores = networks.pool_scores(index, ids)
    pos = {c: k for k, c in enumerate(ids)}
    _, why = networks.forbidden_pairs(db, ids, pos, scores)
    _refuse_pairs(why, [index.profiles_[c] for c in ids], "members", None, ("competitor", "never"))


# How often a review step reads again when another writer changed the proposals meanwhile.
ATTEMPTS = 6


def propose(db, data: Any, *, created_by: int | None = None,
            max_per_firm: int | None = None) -> dict[str, Any]:  # fmt: skip
    """`networks.propose`, computed again when another run took firms meanwhile (the store
    checks the per-firm cap inside its write transaction)."""
    request = data if isinstance(data, networks.NetworkProposalIn) else networks.parse_request(data)
    for attempt in range(ATTEMPTS):
        try:
            return networks.propose(db, request, created_by=created_by, max_per_firm=max_per_firm)
        except proposals.ProposalsChanged:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------
# Re-run


class RerunIn(Strict):
    """Optionally a new seed; everything else comes from the stored request."""

    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


def rerun(
    db, proposal_id: int, data: Any = None, *, max_per_firm: int | None = None
) -> dict[str, Any]:
    """Propose the open networks of a proposal anew, keeping every decision: accepted networks
    stay as they are, rejected ones stay on record (their pairs are never proposed again),
    locked members stay in their network, and 'never together' rules hold. A re-run that
    another writer overtook (an accept, a swap, another re-run) reads again and starts over."""
    options = validate(RerunIn, data if data is not None else {})
    for attempt in range(ATTEMPTS):
        try:
            return _rerun_once(db, proposal_id, options, proposals.per_firm_cap(max_per_firm))
        except proposals.ProposalsChanged:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _rerun_once(db, proposal_id: int, options: RerunIn, max_per_firm: int) -> dict[str, Any]:
    """One attempt: read, plan (outside any write transaction), then write only if nothing
    changed since the read (the proposals' version), else ProposalsChanged."""
    from matchmaker import matching

    seen = proposals.version(db)
    stored = proposals.get_proposal(db, networks.stored_id(proposal_id, "proposal"))
    if stored["kind"] != "network":
        raise NotFound(f"No network proposal with id {proposal_id}")
    request_data = dict(stored["request"])
    if options.seed is not None:
        request_data["seed"] = options.seed
    request = networks.parse_request(request_data)
    index = matching.match_index(db)
    open_groups = [g for g in stored["groups"] if g["status"] == "proposed"]
    accepted = [g for g in stored["groups"] if g["status"] == "accepted"]
    unmet: list[dict[str, Any]] = []
    keep_groups, locked = [], []
    for g in open_groups:
        members = [m["id"] for m in g["members"] if m.get("locked") and m.get("id") is not None]
        present = [c for c in members if c in index]
        for c in members:
            if c not in index:
                unmet.append({"company_id": c, "reason": "locked, but no longer consenting"})
        if present:
            keep_groups.append(g)
            locked.append(present)
    released: dict[int, int] = {}
    for g in open_groups:
        for m in g["members"]:
            if m.get("id") is not None:
                released[m["id"]] = released.get(m["id"], 0) + 1
    exclude = {m["id"] for g in accepted for m in g["members"] if m.get("id") is not None}
    request.count = max(request.count - len(accepted), 1) if request.count else None
    # The stored request's own locked groups are part of the stored groups by now.
    request.locked = []
    result = networks.plan(
        db,
        request,
        max_per_firm=max_per_firm,
        locked=locked,
        exclude=exclude,
        released=released,
    )
    by_locked = {}
    for network in result.networks:
        ids = {m["id"] for m in network["members"]}
        for g, lock in zip(keep_groups, locked, strict=True):
            if set(lock) <= ids and g["id"] not in by_locked.values():
                by_locked[id(network)] = g["id"]
                break
    with db.atomic():
        if proposals.version(db) != seen:
            raise proposals.ProposalsChanged()
        for g in open_groups:
            if g["id"] not in by_locked.values():
                db.execute("DELETE FROM group_members WHERE group_id = ?", [g["id"]])
                db.execute("DELETE FROM proposal_groups WHERE id = ?", [g["id"]])
        next_ordinal = 1 + max((g["ordinal"] for g in stored["groups"]), default=0)
        for network in result.networks:
            group_id = by_locked.get(id(network))
            if group_id is not None:
                proposals.update_group(db, group_id, network | {"status": "proposed"})
            else:
                proposals.insert_group(db, proposal_id, next_ordinal, network)
                next_ordinal += 1
        summary = result.summary()
        summary["unmet"] = unmet + summary["unmet"]
        scores = [g["score"] for g in accepted] + [n["score"] for n in result.networks]
        summary["worst_score"] = round(min(scores), 4) if scores else 0.0
        summary["harmonic_mean"] = round(networks.harmonic_mean(scores), 4) if scores else 0.0
        summary["reruns"] = stored.get("reruns", 0) + 1
        db["proposals"].update(
            proposal_id,
            {
                "summary": _json(summary),
                "request": _json(stored["request"] | {"seed": request.seed}),
            },
        )
        placed = {m["id"] for n in result.networks for m in n["members"]}
        proposals.check_per_firm_cap(db, placed, max_per_firm)
    return networks.get_proposal(db, proposal_id)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# Pair rules


class PairIn(Strict):
    """Two different firms."""

    a: networks.CompanyId
    b: networks.CompanyId

    @model_validator(mode="after")
    def _different(self) -> PairIn:
        if self.a == self.b:
            raise InvalidInput({"b": "must differ from a"})
        return self


def add_rule(db, rule: str, data: Any, *, created_by: int | None = None) -> dict[str, Any]:
    """Store a facilitator's rule for a pair ('never' together, or 'allow' likely competitors)."""
    assert rule in RULES
    pair = validate(PairIn, data)
    a, b = sorted((pair.a, pair.b))
    with db.atomic():
        networks.check_known(db, "a" if a == pair.a else "b", [a])
        networks.check_known(db, "b" if b == pair.b else "a", [b])
        db["pair_rules"].upsert(
            {"a_id": a, "b_id": b, "rule": rule, "created_by": created_by, "created_at": _now()},
            pk=("a_id", "b_id", "rule"),
        )
    return {"a": a, "b": b, "rule": rule}


def remove_rule(db, rule: str, data: Any) -> None:
    """Drop a facilitator's rule for a pair; NotFound if there is none."""
    assert rule in RULES
    pair = validate(PairIn, data)
    a, b = sorted((pair.a, pair.b))
    with db.atomic():
        found = db.execute(
            "SELECT 1 FROM pair_rules WHERE a_id = ? AND b_id = ? AND rule = ?", [a, b, rule]
        ).fetchone()
        if not found:
            raise NotFound(f"No '{rule}' rule for companies {a} and {b}")
        db.execute("DELETE FROM pair_rules WHERE a_id = ? AND b_id = ? AND rule = ?", [a, b, rule])


def list_rules(db, rule: str | None = None) -> list[dict[str, Any]]:
    """Stored pair rules with the firms' names, newest first."""
    where = "WHERE r.rule = ?" if rule else ""
    rows = db.query(
        "SELECT r.a_id, r.b_id, r.rule, r.created_at, a.name AS a_name, b.name AS b_name "
        "FROM pair_rules r LEFT JOIN companies a ON a.id = r.a_id "
        f"LEFT JOIN companies b ON b.id = r.b_id {where} ORDER BY r.created_at DESC, r.a_id",
        [rule] if rule else [],
    )
    return [
        {"a": r["a_id"], "b": r["b_id"], "rule": r["rule"], "a_name": r["a_name"],
         "b_name": r["b_name"], "created_at": r["created_at"]}
        for r in rows
    ]  # fmt: skip
