"""A re-run keeps a facilitator's manual swaps: the firm swapped into a network is locked there,
so every re-run keeps it in that network, until the facilitator unlocks it."""

from __future__ import annotations

from test_networks import assert_hard_constraints, propose, register


def members(network) -> list[int]:
    return [m["id"] for m in network["members"]]


def test_a_rerun_keeps_the_firm_swapped_in(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    body = propose(client, auth, seed=0, count=2).get_json()
    target = body["networks"][0]
    placed = {c for n in body["networks"] for c in members(n)}
    free = [c for c in ids if c not in placed]
    out = members(target)[0]
    swapped = None
    for candidate in free:  # the first free firm the hard constraints allow
        answer = client.post(f"/api/v1/networks/{target['id']}/swap", headers=auth,
                             json={"out": out, "in": candidate})  # fmt: skip
        if answer.status_code == 200:
            swapped = candidate
            break
    assert swapped is not None, "no free firm could be swapped in"
    view = client.get(f"/api/v1/networks/{target['id']}", headers=auth).get_json()
    assert {m["id"]: m["locked"] for m in view["members"]}[swapped] is True
    assert not any(m["locked"] for m in view["members"] if m["id"] != swapped)
    for seed in (1, 4, 7, 11):
        rerun = client.post(f"/api/v1/networks/proposals/{body['id']}/rerun", headers=auth,
                            json={"seed": seed})  # fmt: skip
        assert rerun.status_code == 200, rerun.get_json()
        by_id = {n["id"]: n for n in rerun.get_json()["networks"]}
        assert target["id"] in by_id, f"seed {seed}: the swapped network is gone"
        assert swapped in members(by_id[target["id"]]), f"seed {seed}"
        others = [n for i, n in by_id.items() if i != target["id"]]
        assert all(swapped not in members(n) for n in others)
        assert_hard_constraints(db, {"networks": list(by_id.values()),
                                     "request": rerun.get_json()["request"]}, 10)  # fmt: skip
    # unlocking releases it: the facilitator's choice is undone only by the facilitator
    unlock = client.delete(f"/api/v1/networks/{target['id']}/members/{swapped}/lock", headers=auth)
    assert unlock.status_code == 200
    assert not any(m["locked"] for m in unlock.get_json()["members"])
