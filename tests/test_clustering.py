"""Whole-pool networks by clustering (`grouping.clustering`) and the likely-rival penalty
(`pool.rival_penalised_fit`).

Properties on synthetic problems (hypothesis): no forbidden pair shares a network, sizes stay in
bounds, at most two knowledge institutions, every placeable firm is placed once or reported
unplaced, every network's members fit each other at least `link` on average, no two networks
could still merge, and the same problem gives the same answer. Then planted groups are found,
a likely rival pair among look-alikes is kept apart, and the API reports the firms left out.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_networks import assert_hard_constraints, propose, register

from matchmaker.grouping import clustering, pool
from matchmaker.grouping.optimiser import MAX_KNOWLEDGE_INSTITUTIONS, Problem
from matchmaker.grouping.pool import PoolScores
from matchmaker.reference import messages


def symmetric(rng: np.random.Generator, n: int) -> np.ndarray:
    fit = rng.random((n, n)).astype(np.float32)
    fit = (fit + fit.T) / 2
    np.fill_diagonal(fit, 0.0)
    return fit


@st.composite
def problems(draw):
    n = draw(st.integers(1, 24))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fit = symmetric(rng, n)
    scores = PoolScores(rng.random((n, n)).astype(np.float32), fit.copy(), set(), fit.copy())
    all_pairs = list(itertools.combinations(range(n), 2))
    forbidden = (
        set(draw(st.lists(st.sampled_from(all_pairs), max_size=len(all_pairs) // 3)))
        if all_pairs
        else set()
    )
    knowledge = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    placeable = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    min_size = draw(st.integers(2, 4))
    max_size = draw(st.integers(min_size, 6))
    link = draw(st.floats(0.3, 0.8))
    problem = Problem(scores, knowledge, forbidden, placeable)
    return problem, fit, min_size, max_size, link


def feasible(problem: Problem, members: list[int], max_size: int) -> bool:
    if len(members) > max_size:
        return False
    if sum(bool(problem.knowledge[x]) for x in members) > MAX_KNOWLEDGE_INSTITUTIONS:
        return False
    return not any(
        tuple(sorted(p)) in problem.forbidden for p in itertools.combinations(members, 2)
    )


@settings(max_examples=200, deadline=None)
@given(case=problems(), whole=st.booleans())
def test_clusters_hold_the_constraints_fit_closely_and_are_maximal(case, whole):
    problem, fit, min_size, max_size, link = case
    weakest = link if whole else None
    found = clustering.cluster_networks(
        problem, fit, min_size=min_size, max_size=max_size, link=link, weakest=weakest
    )
    placed = [x for g in found.groups for x in g]
    assert len(placed) == len(set(placed))  # no firm twice
    assert all(problem.placeable[x] for x in placed)
    expected_out = {i for i in range(problem.scores.n) if problem.placeable[i]} - set(placed)
    assert set(found.unplaced) == expected_out
    for g in found.groups:
        assert min_size <= len(g) <= max_size
        assert feasible(problem, g, max_size)  # no forbidden pair, ≤ 2 knowledge institutions
        mean = np.mean([fit[i, j] for i, j in itertools.combinations(g, 2)])
        assert mean >= link - 1e-6
        if whole:  # every member fits the others at least the link on average
            for x in g:
                assert np.mean([fit[x, y] for y in g if y != x]) >= link - 1e-6
    for g, h in itertools.combinations(found.groups, 2):
        merged = g + h
        weak = whole and clustering.weakest_fit(fit.tolist(), merged) < link
        if feasible(problem, merged, max_size) and not weak:
            assert np.mean([fit[i, j] for i in g for j in h]) < link
    again = clustering.cluster_networks(
        problem, fit, min_size=min_size, max_size=max_size, link=link, weakest=weakest
    )
    assert again.groups == found.groups and again.unplaced == found.unplaced
    assert len(found.scores) == len(found.groups)


@settings(max_examples=120, deadline=None)
@given(case=problems(), seed=st.integers(0, 100))
def test_placing_around_clusters_keeps_them_whole_and_the_constraints(case, seed):
    problem, fit, min_size, max_size, link = case
    cores = clustering.cluster_networks(
        problem, fit, min_size=min_size, max_size=max_size, link=link
    )
    found = clustering.place_around_clusters(
        problem, fit, min_size=min_size, max_size=max_size, seed=seed, max_passes=2, cores=cores
    )
    placed = [x for g in found.groups for x in g]
    assert len(placed) == len(set(placed)) and all(problem.placeable[x] for x in placed)
    assert set(placed) | set(found.unplaced) == set(np.flatnonzero(problem.placeable).tolist())
    assert not set(placed) & set(found.unplaced)
    for g in found.groups:
        assert min_size <= len(g) <= max_size
        assert feasible(problem, g, max_size)
    for core in cores.groups:  # each close group stays whole inside one network
        assert any(set(core) <= set(g) for g in found.groups)
    again = clustering.place_around_clusters(
        problem, fit, min_size=min_size, max_size=max_size, seed=seed, max_passes=2, cores=cores
    )
    assert again.groups == found.groups
    # by default around the close networks (relative link, firms attached; the list's knobs),
    # kept whole too
    close = clustering.close_networks(
        problem, fit, min_size=min_size, max_size=max_size, link=clustering.CORE_LINK,
        bar=clustering.CORE_ATTACH, whole=False,
    )  # fmt: skip
    around = clustering.place_around_clusters(
        problem, fit, min_size=min_size, max_size=max_size, seed=seed, max_passes=2
    )
    inside = [x for g in around.groups for x in g]
    assert len(inside) == len(set(inside)) and not set(inside) & set(around.unplaced)
    assert set(inside) | set(around.unplaced) == set(np.flatnonzero(problem.placeable).tolist())
    for core in close.groups:
        assert any(set(core) <= set(g) for g in around.groups)
    for g in around.groups:
        assert min_size <= len(g) <= max_size and feasible(problem, g, max_size)


def test_locked_groups_are_refused():
    fit = np.zeros((3, 3), np.float32)
    problem = Problem(
        PoolScores(fit, fit, set(), fit), np.zeros(3, bool), set(), np.ones(3, bool), [[0, 1]]
    )
    with pytest.raises(ValueError):
        clustering.cluster_networks(problem, fit)
    with pytest.raises(ValueError):
        clustering.place_around_clusters(problem, fit)


def planted(n_groups: int = 4, size: int = 4, loose: int = 5, seed: int = 0):
    """Groups whose members fit each other well (0.85–0.95) among firms that fit nobody
    (0.1–0.5): the clustering must return exactly the planted groups."""
    rng = np.random.default_rng(seed)
    n = n_groups * size + loose
    fit = (0.1 + 0.4 * symmetric(rng, n)).astype(np.float32)
    order = rng.permutation(n)
    groups = [sorted(order[g * size : (g + 1) * size].tolist()) for g in range(n_groups)]
    for g in groups:
        for i, j in itertools.permutations(g, 2):
            fit[i, j] = 0.85 + 0.1 * ((i * 7 + j * 7) % 10) / 10
    np.fill_diagonal(fit, 0.0)
    return fit, groups, sorted(order[n_groups * size :].tolist())


def test_planted_groups_are_found_and_loose_firms_stay_out():
    fit, groups, loose = planted()
    n = fit.shape[0]
    problem = Problem(PoolScores(fit, fit, set(), fit), np.zeros(n, bool), set(), np.ones(n, bool))
    found = clustering.cluster_networks(problem, fit, min_size=3, max_size=5)
    assert sorted(found.groups) == sorted(groups)
    assert found.unplaced == loose
    assert clustering.closest_fit(fit, loose[0], range(n)) < clustering.LINK


def test_a_likely_rival_pair_of_look_alikes_is_kept_apart():
    fit, groups, _ = planted(n_groups=2, size=4, loose=0)
    n = fit.shape[0]
    a, b = groups[0][:2]
    similar = np.zeros((n, n), np.float32)
    similar[a, b] = similar[b, a] = 0.95  # they read alike
    rival = np.zeros((n, n), np.float32)
    scores = PoolScores(fit.copy(), similar, set(), fit.copy(), rival=rival)
    problem = Problem(scores, np.zeros(n, bool), set(), np.ones(n, bool))
    # Alike but not likely rivals (the competitor model gives them nothing): together.
    together = clustering.cluster_networks(problem, pool.rival_penalised_fit(scores))
    assert groups[0] in together.groups
    # Alike and the competitor model gives them some probability: never in one network.
    rival[a, b] = rival[b, a] = pool.RIVAL_FLOOR + 0.05
    apart = clustering.cluster_networks(problem, pool.rival_penalised_fit(scores))
    assert not any(a in g and b in g for g in apart.groups)


def test_look_alikes_in_two_languages_are_kept_apart_whatever_the_competitor_model_says():
    fit, groups, _ = planted(n_groups=2, size=4, loose=0)
    n = fit.shape[0]
    a, b = groups[0][:2]
    similar = np.zeros((n, n), np.float32)
    similar[a, b] = similar[b, a] = 0.9  # they read alike
    rival = np.zeros((n, n), np.float32)  # and the competitor model gives them nothing
    scores = PoolScores(fit.copy(), similar, set(), fit.copy(), rival=rival)
    problem = Problem(scores, np.zeros(n, bool), set(), np.ones(n, bool))
    profiles = [{"language": "da"} for _ in range(n)]
    together = clustering.close_networks(problem, clustering.network_fit(problem, profiles))
    assert groups[0] in together.groups  # one language: no reason to keep them apart
    profiles[b] = {"language": "en"}  # the same service described in the other language
    apart = clustering.close_networks(problem, clustering.network_fit(problem, profiles))
    assert not any(a in g and b in g for g in apart.groups)
    # a pair in two languages that does not read alike keeps its fit; unknown languages too
    fit_two = pool.rival_penalised_fit(scores, languages=[p["language"] for p in profiles])
    c = groups[0][2]
    assert fit_two[b, c] == pytest.approx(fit[b, c])
    assert fit_two[a, b] == pytest.approx(max(fit[a, b] - pool.LOOKALIKE_PENALTY, 0.0))
    unknown = pool.rival_penalised_fit(scores, languages=[None] * n)
    assert unknown[a, b] == pytest.approx(fit[a, b])


def test_other_languages_marks_pairs_of_two_known_languages():
    found = pool.other_languages(["da", "en", "da", None, ""])
    assert found[0, 1] and found[1, 0] and found[1, 2]
    assert not found[0, 2] and not found[0, 3] and not found[1, 3] and not found[3, 4]
    assert not found.diagonal().any() and found.sum() == 4
    assert pool.other_languages([]).shape == (0, 0)


def test_rival_penalised_fit_restores_look_alikes_and_penalises_only_likely_rivals():
    pair = np.array([[0, 0.9, 0.8], [0.9, 0, 0.7], [0.8, 0.7, 0]], dtype=np.float32)
    similar = np.array([[0, 0.95, 0.88], [0.95, 0, 0.2], [0.88, 0.2, 0]], dtype=np.float32)
    penalised, before = pool.penalise_lookalikes(pair, similar)  # the optimiser's penalty
    rival = np.array([[0, 0.0, 0.5], [0.0, 0, 0.9], [0.5, 0.9, 0]], dtype=np.float32)
    scores = PoolScores(pair, similar, set(), penalised, lookalike=before, rival=rival)
    fit = pool.rival_penalised_fit(scores)
    assert fit[0, 1] == fit[1, 0] == pytest.approx(0.9)  # alike, no rival: full fit back
    assert fit[0, 2] == fit[2, 0] == pytest.approx(max(0.8 - pool.LOOKALIKE_PENALTY, 0.0))
    assert fit[1, 2] == pytest.approx(0.7)  # a likely rival, but they do not read alike
    assert scores.pair[0, 1] == pytest.approx(penalised[0, 1])  # the pool is not changed


def test_a_whole_pool_is_clustered_and_the_firms_left_out_say_why(client, auth, db):
    ids = register(client)
    answer = propose(client, auth, seed=0, place_all=False)
    body = answer.get_json()
    if answer.status_code == 422:  # no group close enough: refused, nothing stored
        assert "nothing was stored" in body["error"]
        body["networks"] = []
    else:
        assert answer.status_code == 201, body
        assert_hard_constraints(db, body)
    placed = [m["id"] for n in body["networks"] for m in n["members"]]
    out = [u for u in body["unmet"] if u["message"]["code"] == "reasons.no_close_group"]
    assert out and set(placed) | {u["company_id"] for u in out} == set(ids)
    assert not set(placed) & {u["company_id"] for u in out}
    names = {n["name"] for n in body["unmet"] if "name" in n} | {
        m["name"] for n in body["networks"] for m in n["members"]
    }
    for u in out:
        # Which firm it fits best is named, in the request's language (Danish by default).
        assert u["message"]["closest"] in names - {u["name"]}
        assert u["reason"] == messages.render_record(u["message"], "da")
        assert float(u["message"]["link"]) == pytest.approx(clustering.LINK)
        assert 0.0 <= float(u["message"]["fit"]) <= 1.0
        danish = messages.render_record(u["message"], "da")
        assert "virksomheder" in danish and "place_all" in danish
        assert "firms" not in danish
        # Decimals are written the reader's way: a comma in Danish, a point in English.
        link_da, link_en = f"{clustering.LINK:.2f}".replace(".", ","), f"{clustering.LINK:.2f}"
        assert link_da in danish and link_en not in danish
        assert link_en in messages.render_record(u["message"], "en")
    # The same seed gives the same networks; another seed too (the clustering has no chance).
    again = propose(client, auth, seed=3, place_all=False).get_json()
    assert [sorted(m["id"] for m in n["members"]) for n in again.get("networks", [])] == [
        sorted(m["id"] for m in n["members"]) for n in body["networks"]
    ]


@settings(max_examples=150, deadline=None)
@given(case=problems(), scale=st.floats(0.2, 1.0))
def test_close_networks_hold_the_constraints_attach_only_mutual_matches_and_repeat(case, scale):
    problem, fit, min_size, max_size, link = case
    bar = 0.5
    relative = clustering.relative_fit(fit, clustering.allowed_pairs(problem))
    cores = clustering.cluster_networks(
        problem, relative, min_size=min_size, max_size=max_size, link=link, weakest=link
    )
    found = clustering.close_networks(
        problem, fit, min_size=min_size, max_size=max_size, link=link, bar=bar, top=2
    )
    placed = [x for g in found.groups for x in g]
    assert len(placed) == len(set(placed)) and all(problem.placeable[x] for x in placed)
    assert set(placed) | set(found.unplaced) == set(np.flatnonzero(problem.placeable).tolist())
    assert not set(placed) & set(found.unplaced)
    assert len(found.groups) == len(cores.groups) == len(found.scores)
    ranked = np.where(problem.placeable[None, :], fit, -np.inf)
    np.fill_diagonal(ranked, -np.inf)
    closest = [set(np.argsort(-row, kind="stable")[:2].tolist()) for row in ranked]
    for core, g in zip(cores.groups, found.groups, strict=True):
        assert set(core) <= set(g)  # the clusters stay whole; firms only join them
        assert min_size <= len(g) <= max_size
        assert feasible(problem, g, max_size)
        for x in set(g) - set(core):  # a joined firm is a mutual close match of a member
            assert x in cores.unplaced
            assert any(x in closest[m] and m in closest[x] for m in g if m != x)
    again = clustering.close_networks(
        problem, fit, min_size=min_size, max_size=max_size, link=link, bar=bar, top=2
    )
    assert again.groups == found.groups and again.unplaced == found.unplaced
    # The relative link reads the same pool whose fits all run lower alike: same networks.
    lower = clustering.close_networks(
        problem, fit * scale, min_size=min_size, max_size=max_size, link=link, bar=bar, top=2
    )
    assert lower.groups == found.groups


def test_relative_fit_reads_each_pair_against_the_two_firms_best_matches():
    fit = np.array(
        [[0, 0.4, 0.2, 0.1], [0.4, 0, 0.1, 0.0], [0.2, 0.1, 0, 0.9], [0.1, 0.0, 0.9, 0]],
        dtype=np.float32,
    )
    rel = clustering.relative_fit(fit)
    assert rel[0, 1] == pytest.approx(1.0)  # each other's best, however low their fit
    assert rel[2, 3] == pytest.approx(1.0)
    assert rel[0, 2] == pytest.approx(0.2 / np.sqrt(0.4 * 0.9))
    assert np.allclose(rel, rel.T) and np.all(np.diag(rel) == 0)
    # a forbidden partner does not count as a firm's best match
    allowed = np.ones((4, 4), bool)
    allowed[2, 3] = allowed[3, 2] = False
    rel = clustering.relative_fit(fit, allowed)
    assert rel[0, 2] == pytest.approx(min(0.2 / np.sqrt(0.4 * 0.2), 1.0))
    assert np.all(clustering.relative_fit(np.zeros((3, 3), np.float32)) == 0)


def test_planted_groups_are_found_when_every_fit_runs_lower():
    """Text written by someone else may score lower overall: the same close groups come out
    of a pool whose fits all run lower, where the absolute link finds none."""
    fit, groups, loose = planted()
    n = fit.shape[0]
    low = fit * 0.6
    problem = Problem(PoolScores(low, low, set(), low), np.zeros(n, bool), set(), np.ones(n, bool))
    assert clustering.cluster_networks(problem, low).groups == []
    found = clustering.close_networks(problem, low, min_size=3, max_size=5)
    assert all(g in found.groups for g in groups)
    high = Problem(PoolScores(fit, fit, set(), fit), np.zeros(n, bool), set(), np.ones(n, bool))
    same = clustering.close_networks(high, fit, min_size=3, max_size=5)
    assert found.groups == same.groups and found.unplaced == same.unplaced


def test_a_firm_left_out_joins_the_group_of_its_mutual_closest_match():
    fit, groups, loose = planted(n_groups=2, size=3, loose=3)
    n = fit.shape[0]
    x, g = loose[0], groups[0]
    fit[x, g[0]] = fit[g[0], x] = 0.8  # its best match, and among that member's closest three
    fit[x, g[1]] = fit[g[1], x] = 0.7
    fit[x, g[2]] = fit[g[2], x] = 0.6
    problem = Problem(PoolScores(fit, fit, set(), fit), np.zeros(n, bool), set(), np.ones(n, bool))
    found = clustering.close_networks(problem, fit, min_size=3, max_size=5)
    assert sorted(g + [x]) in found.groups and x not in found.unplaced
    # not when the two may not share a network, nor when the group is full
    banned = Problem(problem.scores, problem.knowledge, {(min(x, g[2]), max(x, g[2]))},
                     problem.placeable)  # fmt: skip
    assert x in clustering.close_networks(banned, fit, min_size=3, max_size=5).unplaced
    assert x in clustering.close_networks(problem, fit, min_size=3, max_size=3).unplaced


def test_same_trade_in_the_same_region_is_penalised():
    profiles = [
        {"nace": "47.29", "region": "Nordjylland"},
        {"nace": "47.29", "region": "Nordjylland"},
        {"nace": "47.29", "region": "Syddanmark"},
        {"nace": "47.21", "region": "Nordjylland"},
        {"nace": None, "region": "Nordjylland"},
        {"nace": None, "region": "Nordjylland"},
    ]
    kin = pool.same_class_and_region(profiles)
    assert kin[0, 1] and kin[1, 0]
    assert kin.sum() == 2  # other region, other class, unknown class: not the same trade
    fit = np.full((6, 6), 0.9, np.float32)
    out = pool.penalise_same_trade(fit, profiles)
    assert out[0, 1] == pytest.approx(0.9 - pool.KIN_PENALTY)
    assert out[0, 2] == pytest.approx(0.9) and fit[0, 1] == pytest.approx(0.9)


@settings(max_examples=100, deadline=None)
@given(case=problems(), top=st.integers(0, 4))
def test_closest_matches_are_the_best_placeable_others_ties_to_lower_positions(case, top):
    problem, fit, *_ = case
    fit = np.round(fit, 1)  # ties
    found = clustering.closest_matches(fit, problem.placeable, top)
    for i, row in enumerate(fit):
        others = [j for j in range(len(row)) if j != i and problem.placeable[j]]
        expected = sorted(others, key=lambda j: (-row[j], j))[:top]
        assert found[i] == set(expected)
