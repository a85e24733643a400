"""Network proposals over the API: propose, read, review (accept, reject, lock, swap, add or
remove a member, re-run) and the facilitator's pair rules."""

from __future__ import annotations

from flask import current_app, g, jsonify, url_for

from matchmaker.grouping import members, networks, review
from matchmaker.store import proposals
from web import get_db, learning
from web.api import bp, json_body
from web.api.openapi import documented
from web.auth import facilitator_required


def _max_per_firm() -> int:
    return int(current_app.config["MAX_PROPOSALS_PER_FIRM"])


def _user_id() -> int | None:
    user = g.get("user")
    return getattr(user, "id", None)


@bp.post("/networks/proposals")
@documented("/networks/proposals", "post", "Propose 3–5-firm networks under constraints",
            body=networks.NetworkProposalIn, status=201, errors=(409,))  # fmt: skip
@facilitator_required
def propose_networks():
    request = networks.parse_request(json_body())
    proposal = review.propose(
        get_db(), request, created_by=_user_id(), max_per_firm=_max_per_firm()
    )
    location = url_for("api.get_network_proposal", proposal_id=proposal["id"])
    return jsonify(proposal), 201, {"Location": location}


@bp.get("/networks/proposals")
@documented("/networks/proposals", "get", "List stored network proposals")
@facilitator_required
def list_network_proposals():
    items = [networks.view(p) for p in proposals.list_proposals(get_db(), "network")]
    return jsonify(items=items, total=len(items))


@bp.get("/networks/proposals/<int:proposal_id>")
@documented("/networks/proposals/{proposal_id}", "get", "Read a stored network proposal")
@facilitator_required
def get_network_proposal(proposal_id: int):
    return jsonify(networks.get_proposal(get_db(), proposal_id))


@bp.delete("/networks/proposals/<int:proposal_id>")
@documented("/networks/proposals/{proposal_id}", "delete",
            "Discard a proposal, freeing its firms (pair rules stay)", status=204)  # fmt: skip
@facilitator_required
def delete_network_proposal(proposal_id: int):
    proposals.delete_proposal(get_db(), proposal_id, "network")
    return "", 204


@bp.post("/networks/proposals/<int:proposal_id>/rerun")
@documented("/networks/proposals/{proposal_id}/rerun", "post",
            "Propose the open networks anew, keeping accepted, rejected and locked decisions",
            body=review.RerunIn)  # fmt: skip
@facilitator_required
def rerun_network_proposal(proposal_id: int):
    data = json_body() if _has_body() else {}
    return jsonify(review.rerun(get_db(), proposal_id, data, max_per_firm=_max_per_firm()))


def _has_body() -> bool:
    from flask import request

    return bool(request.get_data(cache=True))


@bp.get("/networks/<int:group_id>")
@documented("/networks/{group_id}", "get", "Read one proposed network")
@facilitator_required
def get_network(group_id: int):
    return jsonify(networks.get_network(get_db(), group_id))


@bp.post("/networks/<int:group_id>/accept")
@documented("/networks/{group_id}/accept", "post", "Accept a network", errors=(409,))
@facilitator_required
def accept_network(group_id: int):
    return jsonify(review.accept(get_db(), group_id, max_per_firm=_max_per_firm()))


@bp.post("/networks/<int:group_id>/reject")
@documented("/networks/{group_id}/reject", "post",
            "Reject a network; its pairs are not proposed again")  # fmt: skip
@facilitator_required
def reject_network(group_id: int):
    return jsonify(review.reject(get_db(), group_id, created_by=_user_id()))


@bp.post("/networks/<int:group_id>/members/<int:company_id>/lock")
@documented("/networks/{group_id}/members/{company_id}/lock", "post",
            "Lock a member: it stays in this network when the proposal is re-run")  # fmt: skip
@facilitator_required
def lock_member(group_id: int, company_id: int):
    return jsonify(review.set_locked(get_db(), group_id, company_id, True))


@bp.delete("/networks/<int:group_id>/members/<int:company_id>/lock")
@documented("/networks/{group_id}/members/{company_id}/lock", "delete", "Unlock a member")
@facilitator_required
def unlock_member(group_id: int, company_id: int):
    return jsonify(review.set_locked(get_db(), group_id, company_id, False))


@bp.post("/networks/<int:group_id>/members/<int:company_id>/unlock")
@facilitator_required
def unlock_member_post(group_id: int, company_id: int):
    return jsonify(review.set_locked(get_db(), group_id, company_id, False))


@bp.post("/networks/<int:group_id>/swap")
@documented("/networks/{group_id}/swap", "post",
            "Swap a member for another firm, checked against the hard constraints",
            body=members.SwapIn, errors=(409,))  # fmt: skip
@facilitator_required
def swap_member(group_id: int):
    data = json_body()
    swapped = members.swap(get_db(), group_id, data, max_per_firm=_max_per_firm())
    learning.record_swap(get_db(), swapped, data)  # a decision the matcher learns from
    return jsonify(swapped)


@bp.post("/networks/<int:group_id>/members")
@documented("/networks/{group_id}/members", "post",
            "Add a firm to a network, checked against the hard constraints and the sizes",
            body=members.AddIn, errors=(409,))  # fmt: skip
@facilitator_required
def add_member(group_id: int):
    return jsonify(members.add(get_db(), group_id, json_body(), max_per_firm=_max_per_firm()))


@bp.delete("/networks/<int:group_id>/members/<int:company_id>")
@documented("/networks/{group_id}/members/{company_id}", "delete",
            "Take a member out of a network, down to the proposal's smallest size",
            errors=(409,))  # fmt: skip
@facilitator_required
def remove_member(group_id: int, company_id: int):
    return jsonify(members.remove(get_db(), group_id, company_id))


@bp.get("/pairs")
@documented("/pairs", "get", "List the facilitators' pair rules")
@facilitator_required
def list_pair_rules():
    items = review.list_rules(get_db())
    return jsonify(items=items, total=len(items))


def _rule_routes(rule: str, summary: str) -> None:
    path = f"/pairs/{rule}"

    @facilitator_required
    def add():
        stored = review.add_rule(get_db(), rule, json_body(), created_by=_user_id())
        return jsonify(stored), 201

    @facilitator_required
    def remove():
        review.remove_rule(get_db(), rule, json_body())
        return "", 204

    add.__name__, remove.__name__ = f"add_{rule}_pair", f"remove_{rule}_pair"
    bp.add_url_rule(path, view_func=add, methods=["POST"])
    bp.add_url_rule(path, view_func=remove, methods=["DELETE"])
    documented(path, "post", summary, body=review.PairIn, status=201)(add)
    documented(path, "delete", f"Remove: {summary.lower()}", body=review.PairIn, status=204)(remove)


_rule_routes("never", "Mark two firms as never to be proposed together")
_rule_routes("allow", "Allow two likely competitors in one network")
