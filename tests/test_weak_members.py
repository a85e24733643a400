"""Weak members of whole-pool networks go to `unmet`, and look-alike pairs lose their fit.

Properties of `pruning.prune_weak` on synthetic problems (hypothesis), the look-alike penalty
of `pool.penalise_lookalikes`, and the API's semantics: a whole pool of `pruning.MIN_POOL` or
more firms leaves weak members out by default and says why and how to place them; a list of
firms, a small pool or `place_all: true` places everyone the constraints allow; a firm left
out can be placed by a facilitator with a locked group.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_networks import FIRMS, propose, register

from matchmaker import matching
from matchmaker.grouping import networks, pool, pruning
from matchmaker.grouping.optimiser import Problem, form_networks, group_score
from matchmaker.grouping.pool import PoolScores
from matchmaker.reference import messages


@st.composite
def groupings(draw):
    n = draw(st.integers(4, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cover = rng.random((n, n)).astype(np.float32)
    similar = rng.random((n, n)).astype(np.float32)
    similar = (similar + similar.T) / 2
    np.fill_diagonal(cover, 0.0)
    np.fill_diagonal(similar, 0.0)
    scores = PoolScores(cover, similar)
    min_size = draw(st.integers(2, 4))
    max_size = draw(st.integers(min_size, 5))
    found = form_networks(
        Problem(scores, np.zeros(n, bool), set(), np.ones(n, bool)),
        min_size=min_size, max_size=max_size, seed=draw(st.integers(0, 100)),
    )  # fmt: skip
    placed = [i for g in found.groups for i in g]
    keep = set(draw(st.lists(st.sampled_from(placed), max_size=3))) if placed else set()
    bar = draw(st.floats(0.0, 1.0))
    return found, min_size, keep, bar


@settings(max_examples=150, deadline=None)
@given(case=groupings())
def test_pruning_keeps_strong_members_sizes_and_locked_firms(case):
    found, min_size, keep, bar = case
    pruned, out = pruning.prune_weak(found, min_size, keep=keep, bar=bar)
    before = {i for g in found.groups for i in g}
    after = [i for g in pruned.groups for i in g]
    assert len(after) == len(set(after))
    assert set(after) | set(out) == before and not set(after) & set(out)
    assert keep <= set(after)  # a locked firm is never left out
    for g in pruned.groups:
        assert len(g) >= min_size or set(g) & keep
        assert any(set(g) <= set(h) for h in found.groups)  # networks only shrink
        for i in g:  # every free member that stays fits at least the bar
            assert i in keep or pruning.member_fit(found.pool, g, i) >= bar
    assert pruned.unplaced == sorted({*found.unplaced, *out})
    for i, fit in out.items():  # a weak member's fit, or None when its network was dissolved
        assert fit is None or (i not in keep and fit < bar)
    for g, value in zip(pruned.groups, pruned.scores, strict=True):
        assert value == pytest.approx(group_score(found.pool, g), abs=1e-6)
    again, out_again = pruning.prune_weak(found, min_size, keep=keep, bar=bar)
    assert again.groups == pruned.groups and out_again == out


def test_a_bar_of_zero_changes_nothing():
    rng = np.random.default_rng(3)
    cover = rng.random((12, 12)).astype(np.float32)
    scores = PoolScores(cover, (cover + cover.T) / 2)
    found = form_networks(Problem(scores, np.zeros(12, bool), set(), np.ones(12, bool)))
    pruned, out = pruning.prune_weak(found, 3, bar=0.0)
    assert pruned.groups == found.groups and out == {}
    everyone_out, out = pruning.prune_weak(found, 3, bar=1.01)
    assert everyone_out.groups == [] and set(out) == {i for g in found.groups for i in g}
    assert any(fit is None for fit in out.values())  # the last two of each network


def test_look_alike_pairs_lose_their_fit_and_others_keep_it():
    pair = np.array([[0, 0.9, 0.8], [0.9, 0, 0.7], [0.8, 0.7, 0]], dtype=np.float32)
    similar = np.array([[0, 0.95, 0.2], [0.95, 0, 0.89], [0.2, 0.89, 0]], dtype=np.float32)
    out, before = pool.penalise_lookalikes(pair, similar)
    assert before == {(0, 1): pytest.approx(0.9)}
    expected = max(0.9 - pool.LOOKALIKE_PENALTY, 0.0)
    assert out[0, 1] == out[1, 0] == pytest.approx(expected)
    assert out[0, 2] == pytest.approx(0.8) and out[1, 2] == pytest.approx(0.7)
    assert pair[0, 1] == pytest.approx(0.9)  # the input is not changed


WEAK = ("reasons.weak_fit", "reasons.weak_network", "reasons.no_close_group")


def unmet_weak(body) -> dict[int, dict]:
    return {u["company_id"]: u for u in body["unmet"]
            if u.get("message", {}).get("code") in WEAK}  # fmt: skip


def placed(body) -> set[int]:
    return {m["id"] for n in body["networks"] for m in n["members"]}


def proposed(answer) -> dict:
    """A proposal's answer; one that placed nothing is refused (422, nothing stored) and
    carries its reasons in `unmet`."""
    body = answer.get_json()
    if answer.status_code == 422:
        assert body["fields"]["networks"] and "networks" not in body
        return {"networks": [], "unmet": body["unmet"], "request": {}}
    assert answer.status_code == 201, body
    return body


def test_weak_members_are_reported_with_why_and_how_to_place_them(client, auth):
    ids = register(client)
    body = proposed(propose(client, auth, seed=0, place_all=False))
    weak = unmet_weak(body)
    assert weak, body["unmet"]  # this pool holds firms with no good partner
    assert placed(body) | {u["company_id"] for u in body["unmet"]} == set(ids)
    assert not placed(body) & set(weak)
    for u in weak.values():
        # The reason is in the request's language (Danish by default); its record renders both.
        assert u["reason"] == messages.render_record(u["message"], "da")
        english = messages.render_record(u["message"], "en")
        assert "place_all" in u["reason"] and "weak" in english
        if u["message"]["code"] == "reasons.weak_fit":
            assert float(u["message"]["fit"]) < pruning.MIN_MEMBER_FIT
    # A dense whole pool is clustered: the firms no close group took in say how close they came.
    assert any(u["message"]["code"] == "reasons.no_close_group" for u in weak.values())
    # The same firm, asked for in a locked group, is placed (a facilitator can add it).
    firm = min(weak)
    partners = sorted(placed(body))[:2]
    again = propose(client, auth, seed=0, place_all=False, locked=[[firm, *partners]])
    assert again.status_code == 201, again.get_json()
    assert firm in placed(again.get_json())


def plan(db, **body):
    """The networks a request would get, not stored (so firms are never capped here)."""
    found = networks.plan(db, networks.parse_request(body), max_per_firm=10**6)
    return {"networks": found.networks, "unmet": found.unmet}


def test_lists_small_pools_and_place_all_place_everyone(client, db, monkeypatch):
    ids = register(client)
    assert len(ids) < pruning.MIN_POOL
    default = plan(db, seed=0)
    everyone = plan(db, seed=0, place_all=True)
    listed = plan(db, seed=0, company_ids=ids)
    for body in (default, everyone, listed):
        assert not unmet_weak(body)
    assert placed(default) == placed(everyone)
    assert unmet_weak(plan(db, seed=0, place_all=False))
    # A whole pool at the size where pruning starts leaves weak members out by default,
    # exactly as `place_all: false` does; a list of the same firms still places them.
    monkeypatch.setattr(pruning, "MIN_POOL", len(ids))
    pruned = plan(db, seed=0)
    forced = plan(db, seed=0, place_all=False)
    assert unmet_weak(pruned) and set(unmet_weak(pruned)) == set(unmet_weak(forced))
    assert placed(pruned) == placed(forced)
    assert not unmet_weak(plan(db, seed=0, company_ids=ids))
    assert not unmet_weak(plan(db, seed=0, place_all=True))


def test_a_count_keeps_its_own_semantics(client, auth):
    register(client)
    body = propose(client, auth, seed=0, count=2, place_all=False).get_json()
    assert not unmet_weak(body)
    assert len(body["networks"]) <= 2


def test_place_all_must_be_a_boolean(client, auth, db):
    register(client, FIRMS[:4])
    answer = propose(client, auth, place_all="sometimes")
    assert answer.status_code == 422, answer.get_json()
    assert "place_all" in answer.get_json()["fields"]
    assert db["proposals"].count == 0


def test_no_firm_twice_and_sizes_in_bounds_after_pruning(client, auth):
    register(client)
    body = proposed(propose(client, auth, seed=2, place_all=False))
    members = [m["id"] for n in body["networks"] for m in n["members"]]
    assert len(members) == len(set(members))
    for n in body["networks"]:
        assert body["request"]["min_size"] <= len(n["members"]) <= body["request"]["max_size"]


def test_an_allowed_look_alike_pair_gets_its_full_fit_back(client, db):
    ids = register(client)
    index = matching.match_index(db)
    scores = networks.pool_scores(index, ids)
    assert scores.lookalike, "this pool holds near-identical firms"
    (i, j), fit = sorted(scores.lookalike.items())[0]
    assert scores.pair[i, j] == pytest.approx(max(fit - pool.LOOKALIKE_PENALTY, 0.0), abs=1e-6)
    other = [(k, f) for k, f in scores.lookalike.items() if k != (i, j)]
    a, b = sorted((ids[i], ids[j]))
    db["pair_rules"].insert({"a_id": a, "b_id": b, "rule": "allow"})
    networks.forbidden_pairs(db, ids, {c: k for k, c in enumerate(ids)}, scores)
    assert scores.pair[i, j] == scores.pair[j, i] == pytest.approx(fit)
    assert (i, j) not in scores.lookalike
    for (x, y), f in other:  # pairs nobody allowed keep the penalty
        assert scores.pair[x, y] == pytest.approx(max(f - pool.LOOKALIKE_PENALTY, 0.0), abs=1e-6)
