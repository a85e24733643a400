"""The level of a pool's fits (`grouping.fit_level`) and the fit close networks are formed on
(`clustering.network_fit`).

A pool whose learned fits all run lower or higher in log-odds (text someone else wrote) is read
at the labelled sets' level, so it gives the same networks and the same firms left out; the
rival and same-trade penalties still apply after the level is set (hypothesis properties, then
planted groups).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_clustering import feasible, planted, symmetric

from matchmaker.grouping import clustering, fit_level, pool
from matchmaker.grouping.optimiser import Problem
from matchmaker.grouping.pool import PoolScores


def scored(fit: np.ndarray, **extra) -> PoolScores:
    n = fit.shape[0]
    return PoolScores(np.zeros((n, n), np.float32), extra.pop("similar", fit * 0), set(), fit,
                      **extra)  # fmt: skip


def test_shifted_moves_every_log_odds_and_back():
    fit = np.array([[0, 0.2, 0.9], [0.2, 0, 0.5], [0.9, 0.5, 0]], dtype=np.float32)
    low = fit_level.shifted(fit, -1.5)
    upper = np.triu_indices(3, 1)
    moved = fit_level.log_odds(low)[upper] - fit_level.log_odds(fit)[upper]
    assert moved == pytest.approx(np.full(3, -1.5), abs=1e-4)
    assert np.all(np.diag(low) == 0) and low.dtype == np.float32
    assert fit_level.shifted(low, 1.5)[upper] == pytest.approx(fit[upper], abs=1e-5)
    assert fit_level.shifted(fit, 0.0) is not None and np.array_equal(
        fit_level.shifted(fit, 0.0), fit
    )


def test_the_level_reads_only_the_pairs_that_may_share_a_network():
    rng = np.random.default_rng(1)
    fit = symmetric(rng, 30)
    allowed = np.ones((30, 30), bool)
    np.fill_diagonal(allowed, False)
    upper = np.triu_indices(30, 1)
    expected = np.quantile(fit_level.log_odds(fit[upper]), fit_level.LEVEL_QUANTILE)
    assert fit_level.pool_level(fit, allowed) == pytest.approx(expected)
    # a forbidden pair with the best fit of all does not raise the level
    fit[0, 1] = fit[1, 0] = 0.9999
    allowed[0, 1] = allowed[1, 0] = False
    without = np.quantile(fit_level.log_odds(fit[allowed & np.triu(allowed, 1)]), 0.99)
    assert fit_level.pool_level(fit, allowed) == pytest.approx(without)
    shift = fit_level.level_shift(fit, allowed, level=2.0)
    assert fit_level.pool_level(fit_level.shifted(fit, shift), allowed) == pytest.approx(
        2.0, abs=1e-3
    )
    # a pool with no pair that may share a network is left as it is
    assert fit_level.pool_level(fit, np.zeros((30, 30), bool)) is None
    assert fit_level.level_shift(fit, np.zeros((30, 30), bool)) == 0.0


@st.composite
def pools(draw):
    n = draw(st.integers(3, 20))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fit = (0.05 + 0.9 * symmetric(rng, n)).astype(np.float32)
    np.fill_diagonal(fit, 0.0)
    all_pairs = list(itertools.combinations(range(n), 2))
    forbidden = set(draw(st.lists(st.sampled_from(all_pairs), max_size=len(all_pairs) // 4)))
    knowledge = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    similar = symmetric(rng, n)
    rival = symmetric(rng, n) * 0.3
    nace = [draw(st.sampled_from(["62.01", "10.11", ""])) for _ in range(n)]
    region = [draw(st.sampled_from(["Nordjylland", "Hovedstaden"])) for _ in range(n)]
    profiles = [{"nace": c, "region": r} for c, r in zip(nace, region, strict=True)]
    return fit, similar, rival, forbidden, knowledge, profiles


@settings(max_examples=120, deadline=None)
@given(case=pools(), shift=st.floats(-2.0, 2.0))
def test_network_fit_is_the_same_however_high_the_fits_run(case, shift):
    fit, similar, rival, forbidden, knowledge, profiles = case
    n = fit.shape[0]

    def problem(pair):
        scores = scored(pair, similar=similar, rival=rival)
        return Problem(scores, knowledge, forbidden, np.ones(n, bool))

    as_scored, moved = problem(fit), problem(fit_level.shifted(fit, shift))
    a = clustering.network_fit(as_scored, profiles)
    b = clustering.network_fit(moved, profiles)
    assert a == pytest.approx(b, abs=2e-3)
    assert np.allclose(a, a.T) and np.all(np.diag(a) == 0)
    # the penalties apply after the level: they only ever lower the levelled fit
    shift_used = fit_level.level_shift(fit, clustering.allowed_pairs(as_scored))
    levelled = fit_level.shifted(fit, shift_used)
    assert np.all(a <= levelled + 1e-6)
    likely = (np.maximum(similar, similar.T) >= pool.RIVAL_SIMILAR) & (rival > pool.RIVAL_FLOOR)
    kin = pool.same_class_and_region(profiles)
    untouched = ~(likely | kin)
    np.fill_diagonal(untouched, False)
    assert a[untouched] == pytest.approx(levelled[untouched], abs=1e-6)
    assert np.all(
        a[likely | kin] <= np.maximum(levelled[likely | kin] - pool.KIN_PENALTY, 0) + 1e-6
    )
    # the networks of the levelled fit hold every hard constraint
    found = clustering.close_networks(as_scored, a, min_size=3, max_size=5)
    placed = [x for g in found.groups for x in g]
    assert len(placed) == len(set(placed))
    assert set(placed) | set(found.unplaced) == set(range(n))
    assert all(3 <= len(g) <= 5 and feasible(as_scored, g, 5) for g in found.groups)


@pytest.mark.parametrize("shift", [-2.0, -1.0, 1.0])
def test_planted_networks_and_the_firms_left_out_stay_when_every_fit_runs_lower_or_higher(shift):
    fit, groups, loose = planted(n_groups=4, size=4, loose=6, seed=3)
    n = fit.shape[0]
    profiles = [{} for _ in range(n)]

    def networks(pair):
        problem = Problem(scored(pair), np.zeros(n, bool), set(), np.ones(n, bool))
        return clustering.close_networks(problem, clustering.network_fit(problem, profiles))

    found = networks(fit)
    assert all(g in found.groups for g in groups)
    assert found.unplaced and set(found.unplaced) <= set(loose)
    moved = networks(fit_level.shifted(fit, shift))
    assert moved.groups == found.groups and moved.unplaced == found.unplaced


def test_a_pool_read_at_another_level_would_cut_other_networks():
    """The level is what makes the networks the same: without it (the fits as they run), a
    pool whose fits run much lower is cut differently by the relative link."""
    rng = np.random.default_rng(5)
    fit = (0.05 + 0.9 * symmetric(rng, 40)).astype(np.float32)
    np.fill_diagonal(fit, 0.0)
    problem = Problem(scored(fit), np.zeros(40, bool), set(), np.ones(40, bool))
    low = fit_level.shifted(fit, -3.0)
    lowered = Problem(scored(low), np.zeros(40, bool), set(), np.ones(40, bool))
    plain = clustering.close_networks(problem, fit), clustering.close_networks(lowered, low)
    assert plain[0].groups != plain[1].groups
    profiles = [{} for _ in range(40)]
    levelled = [
        clustering.close_networks(p, clustering.network_fit(p, profiles))
        for p in (problem, lowered)
    ]
    assert levelled[0].groups == levelled[1].groups


def test_a_group_stops_growing_before_a_member_would_fit_the_others_weakly():
    """Two pairs whose average fit passes the link merge, unless one member would then fit the
    others under the link on average (`weakest`, as close networks ask)."""
    fit = np.array(
        [
            [0, 1.0, 0.95, 0.95],
            [1.0, 0, 0.6, 0.6],
            [0.95, 0.6, 0, 1.0],
            [0.95, 0.6, 1.0, 0],
        ],
        dtype=np.float32,
    )  # pairs {0, 1} and {2, 3} first; between them 0.775 on average; 1 fits 2 and 3 weakly
    problem = Problem(scored(fit), np.zeros(4, bool), set(), np.ones(4, bool))
    merged = clustering.cluster_networks(problem, fit, min_size=2, max_size=5, link=0.75)
    assert merged.groups == [[0, 1, 2, 3]]
    assert clustering.weakest_fit(fit.tolist(), [0, 1, 2, 3]) == pytest.approx(2.2 / 3)
    kept = clustering.cluster_networks(
        problem, fit, min_size=2, max_size=5, link=0.75, weakest=0.75
    )
    assert sorted(kept.groups) == [[0, 1], [2, 3]]
    assert all(clustering.weakest_fit(fit.tolist(), g) >= 0.75 for g in kept.groups)
