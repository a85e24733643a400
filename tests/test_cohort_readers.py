"""The answer readers of cohorts (industry, maturity) and the pure cohort split."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.grouping import cohorts
from matchmaker.grouping.cohort_split import CohortProblem, combined, plan_sizes, split
from matchmaker.representation import answer_readers


@pytest.fixture(scope="module")
def readers():
    return answer_readers.load()


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"experience": "Ingen som helst. Vi har aldrig rørt ved det.",
          "technology_role": "Vi ved ikke, hvad det kan bruges til.",
          "barriers": "Vi forstår ikke teknologien."}, "beginner"),
        ({"experience": "None so far, we have only read about it.",
          "technology_role": "Not sure yet.", "barriers": "We lack basic knowledge."},
         "beginner"),
        ({"experience": "Vi kører et lille pilotprojekt på én maskine i år.",
          "technology_role": "Vi er ved at teste, om det giver mening.",
          "barriers": "Svært at skalere fra testen."}, "experimenting"),
        ({"experience": "Løsningen har kørt i fuld drift på alle linjer i fem år, og et fast "
                        "team vedligeholder den.",
          "technology_role": "Helt central for vores forretning.",
          "barriers": "At finde folk til at videreudvikle den."}, "experienced"),
        ({"experience": "Fully rolled out across all sites for years, with our own data team.",
          "technology_role": "Core to how we run the business.",
          "barriers": "Keeping the models up to date."}, "experienced"),
    ],
)  # fmt: skip
def test_maturity_reads_the_level_of_an_answer(readers, answer, code):
    assert cohorts.maturity_code(cohorts.maturity(answer)) == code


def test_maturity_is_ordinal_and_bounded(readers):
    rows = [{"experience": "Ingen erfaring."},
            {"experience": "Vi har testet det i en pilot."},
            {"experience": "I drift i mange år på alle fabrikker."}]  # fmt: skip
    levels = readers.maturity_levels(rows)
    assert np.all((levels >= 0) & (levels <= 2))
    assert levels[0] < levels[1] < levels[2]
    probabilities = readers.maturity_probabilities(rows)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("answer", "industry"),
    [
        ({"core_business": "Vi er et mejeri, der laver ost og smør.",
          "market_now": "Supermarkeder i Danmark."}, "food_beverage"),
        ({"core_business": "Vi udvikler software og apps til kunder.",
          "market_now": "Virksomheder i hele landet."}, "software_it"),
        ({"core_business": "Vognmand med 30 lastbiler, der kører gods.",
          "market_now": "Fragt mellem Danmark og Tyskland."}, "transport_logistics"),
    ],
)  # fmt: skip
def test_industry_reader_names_the_industry(readers, answer, industry):
    distribution = readers.industry_distributions([answer])[0]
    assert math.isclose(distribution.sum(), 1.0, rel_tol=1e-6)
    top3 = [readers.industries[k] for k in np.argsort(-distribution)[:3]]
    assert industry in top3


def test_every_industry_has_words_in_both_languages(readers):
    for code in readers.industries:
        da, en = cohorts.industry_label(code, "da"), cohorts.industry_label(code, "en")
        assert da and en and code not in (da, en)


def test_readers_load_once_and_train_from_a_folder(tmp_path, readers):
    assert answer_readers.load() is readers
    assert readers.report["maturity"]["cv_accuracy"] > 0.8
    levels = {"beginner": "Ingen erfaring overhovedet", "experimenting": "En pilot er i gang",
              "advanced": "Kørt i drift i mange år"}  # fmt: skip
    industries = {"food_beverage": "Bageri og mejeri", "software_it": "Software og apps"}
    with (tmp_path / "maturity.jsonl").open("w", encoding="utf-8") as f:
        for level, text in levels.items():
            for k in range(6):
                f.write(json.dumps({"experience": f"{text} {k}", "level": level}) + "\n")
    with (tmp_path / "industry.jsonl").open("w", encoding="utf-8") as f:
        for industry, text in industries.items():
            for k in range(6):
                f.write(json.dumps({"core_business": f"{text} {k}", "industry": industry}) + "\n")
    path = tmp_path / "readers.joblib"
    trained = answer_readers.train_and_save(path, tmp_path)
    assert path.exists() and answer_readers.load(path).industries == sorted(industries)
    assert trained.report["industry"]["rows"] == 12
    with pytest.raises(FileNotFoundError, match="train-cohorts"):
        answer_readers.load(tmp_path / "missing.joblib")


# --- the pure split ---------------------------------------------------------------------------


@st.composite
def problems(draw):
    n = draw(st.integers(min_value=2, max_value=24))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    affinity = x @ x.T  # cosines, as the service's standardised similarities are of order 1
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=min(6, len(pairs)), unique=True))
    max_size = draw(st.integers(min_value=2, max_value=10))
    min_size = draw(st.integers(min_value=1, max_value=max_size))
    return CohortProblem(affinity, set(chosen)), min_size, max_size


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(min_value=0, max_value=1000))
def test_split_sizes_in_bounds_competitors_apart_and_seeded(case, seed):
    problem, min_size, max_size = case
    sizes, notes = plan_sizes(problem.n, min_size, max_size)
    if problem.n < min_size:  # one smaller cohort, said so
        assert sizes == [problem.n] and notes
    else:  # within the bounds; when not everyone fits, as many full cohorts as fit
        assert min_size <= min(sizes) and max(sizes) <= max_size
        assert max(sizes) - min(sizes) <= 1 and sum(sizes) <= problem.n
        assert bool(notes) == (sum(sizes) < problem.n)
        if notes:
            assert sizes == [max_size] * (problem.n // min_size)
    label = split(problem, sizes, seed=seed)
    placed = label[label >= 0]
    assert sorted(np.bincount(placed, minlength=len(sizes)).tolist()) == sorted(sizes)
    assert int((label < 0).sum()) == problem.n - sum(sizes)
    # Competitor pairs are apart whenever a split with them apart exists: with at most six
    # pairs and at least two cohorts of two or more, a greedy colouring shows one does when
    # every respondent has fewer rivals than there are cohorts.
    rivals = np.zeros(problem.n, dtype=int)
    for i, j in problem.competitors:
        rivals[i] += 1
        rivals[j] += 1
    if len(sizes) > 1 and rivals.max(initial=0) < len(sizes) and min(sizes) >= 2:
        assert all(label[i] != label[j] or label[i] < 0 for i, j in problem.competitors)
    assert np.array_equal(label, split(problem, sizes, seed=seed))


def test_split_keeps_alike_together():
    # Three tight clusters of four: the split recovers them whatever the seed.
    centres = np.eye(3) * 5
    x = np.repeat(centres, 4, axis=0) + np.random.default_rng(1).normal(scale=0.1, size=(12, 3))
    problem = CohortProblem(x @ x.T)
    for seed in range(5):
        label = split(problem, [4, 4, 4], seed=seed)
        assert all(len(set(label[k * 4 : k * 4 + 4])) == 1 for k in range(3))


def test_focus_weighs_industry_against_level():
    # Two industries crossed with two levels: the focus decides which one the cohorts share.
    industry = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1])
    level = np.array([0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2])
    parts = {
        "industry": (industry[:, None] == industry[None, :]).astype(float),
        "business": (industry[:, None] == industry[None, :]).astype(float),
        "level": -np.abs(level[:, None] - level[None, :]).astype(float),
        "use": np.zeros((12, 12)),
    }
    for focus, key in (("industry", industry), ("level", level)):
        affinity = combined(parts, cohorts.FOCUS_WEIGHTS[focus])
        label = split(CohortProblem(affinity), [6, 6], seed=0)
        assert all(len(set(key[label == c])) == 1 for c in range(2)), focus
