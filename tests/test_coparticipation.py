"""The likeness model: learned from real co-participation, used for firms without needs/offers."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from matchmaker.matching import coparticipation, partner_suggestions, top_candidates, training
from matchmaker.matching.index import default_scorer
from matchmaker.matching.scorer import LIKENESS_INPUTS, LinearModel, PairScorer


def project(pid: str, orgs: list[str], text: str, region: str = "Midtjylland") -> dict:
    return {
        "id": pid,
        "title": text.split(".")[0],
        "description": text,
        "region": region,
        "orgs": orgs,
        "names": {o: o.title() for o in orgs},
    }


def test_the_split_is_fixed_by_the_project_id_and_covers_every_part():
    ids = [f"P{i}" for i in range(300)]
    parts = [coparticipation.evaluation_split(i) for i in ids]
    assert parts == [coparticipation.evaluation_split(i) for i in ids]  # stable
    assert set(parts) == set(range(coparticipation.SPLITS))
    projects = [{"id": i} for i in ids]
    train = coparticipation.training_projects(projects)
    assert 0 < len(train) < len(projects)
    evaluated = coparticipation.EVALUATED
    assert all(coparticipation.evaluation_split(p["id"]) != evaluated for p in train)


def test_the_shipped_training_file_holds_no_evaluated_project():
    projects = training.load_coparticipation()
    assert len(projects) > 100
    assert {coparticipation.evaluation_split(p["id"]) for p in projects}.isdisjoint(
        {coparticipation.EVALUATED}
    )
    for p in projects:
        assert p["orgs"] and set(p["orgs"]) <= set(p["names"])


def test_profiles_leave_hidden_projects_out():
    projects = [
        project("A", ["alpha", "beta"], "Robotter til svejsning i metalindustrien."),
        project("B", ["alpha", "gamma"], "Turisme og oplevelser ved Vesterhavet.", "Nordjylland"),
        project("C", ["alpha", "aarhus universitet"], "Turisme og kystkultur.", "Nordjylland"),
    ]
    firms = coparticipation.organisation_profiles(projects, hidden={"A"})
    assert "beta" not in firms  # its only project is hidden
    assert "Robotter" not in firms["alpha"]["description"]
    assert "Turisme" in firms["alpha"]["description"]
    assert firms["alpha"]["region"] == "Nordjylland"
    assert firms["aarhus universitet"]["kind"] == "knowledge_institution"
    assert firms["gamma"]["kind"] == "company"


SILENT = [
    {"key": "query", "name": "Query", "region": "Nordjylland",
     "description": "Vi bygger robotter til svejsning og automatisering i metalindustrien."},
    {"key": "twin", "name": "Twin", "region": "Hovedstaden",
     "description": "Robotter til svejsning og automatisering af metalindustriens produktion."},
    {"key": "neighbour", "name": "Neighbour", "region": "Nordjylland",
     "description": "Vi driver et hotel og en restaurant ved havnen med lokale råvarer."},
    {"key": "other", "name": "Other", "region": "Syddanmark",
     "description": "Revision og bogføring for små virksomheder og foreninger."},
]  # fmt: skip


def region_only(scorer: PairScorer) -> PairScorer:
    """A copy whose likeness model reads nothing but a shared region."""
    out = copy.deepcopy(scorer)
    weights = np.zeros(len(out.names_), dtype=np.float32)
    weights[out.names_.index("same_region")] = 5.0
    out.likeness_ = LinearModel(weights, 0.0)
    out.likeness_profile_ = 0.0
    return out


@pytest.fixture(scope="module")
def silent_world():
    plain = copy.deepcopy(default_scorer())
    plain.likeness_ = None
    firms = [{**f, "kind": "company", "markets": []} for f in SILENT]
    fallback, keys = training.index_firms(firms, None, plain)
    learned, keys2 = training.index_firms(firms, None, region_only(plain))
    assert keys == keys2
    return fallback, learned, keys


def test_a_firm_without_needs_or_offers_is_ranked_by_the_likeness_model(silent_world):
    fallback, learned, keys = silent_world
    ids = dict(zip(keys, fallback.ids(), strict=True))
    name = {c: k for k, c in ids.items()}
    # Without a likeness model: the profile most alike in text comes first.
    first = partner_suggestions(fallback, ids["query"], limit=3, mode="complementary")
    assert name[first[0].id] == "twin"
    # With one that weighs only a shared region: the neighbour in the same region wins.
    ids2 = dict(zip(keys, learned.ids(), strict=True))
    name2 = {c: k for k, c in ids2.items()}
    second = partner_suggestions(learned, ids2["query"], limit=3, mode="complementary")
    assert name2[second[0].id] == "neighbour"
    # Similar mode stays profile likeness (look-alikes), whatever the likeness model says.
    similar = partner_suggestions(learned, ids2["query"], limit=3, mode="similar")
    assert name2[similar[0].id] == "twin"
    # Candidate lists judge the pair the same way as the suggestions.
    top = top_candidates(learned, k=3, ids=[ids2["query"]])[ids2["query"]]
    assert [c for c, _ in top] == [s.id for s in second]


def test_likeness_model_survives_a_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(LIKENESS_INPUTS)))
    y = (x[:, 1] - x[:, -1] + 0.3 * rng.normal(size=200) > 0.5).astype(int)
    scorer = PairScorer(likeness_c=0.1).fit_likeness(x, y, {"co": {"pairs": 200}})
    w = scorer.likeness_.weights
    assert scorer.likeness_weights()[1] > 0 and scorer.likeness_profile_ < 0
    assert np.count_nonzero(w) <= len(LIKENESS_INPUTS) - 1
    path = tmp_path / "scorer.json"
    scorer.partner_ = LinearModel(np.zeros(len(scorer.names_), np.float32), 0.0)
    scorer.save(path)
    again = PairScorer.load(path)
    assert again.likeness_c == 0.1
    np.testing.assert_allclose(again.likeness_.weights, w, rtol=1e-6)
    assert again.likeness_profile_ == pytest.approx(scorer.likeness_profile_)
    assert json.loads(path.read_text())["trained_on"]["co"] == {"pairs": 200}
    with pytest.raises(ValueError):
        scorer.fit_likeness(x[:, :3], y)


def test_without_a_likeness_model_the_encoder_likeness_is_kept():
    scorer = PairScorer()
    fallback = np.arange(6, dtype=np.float32).reshape(2, 3)
    features = np.ones((len(scorer.names_), 2, 3), dtype=np.float32)
    assert scorer.silent_logit(features, fallback + 1, fallback) is fallback


def test_fitting_on_projects_learns_from_other_projects_only(tmp_path):
    themes = [
        "Robotter og automatisering i metalindustrien",
        "Turisme og oplevelser ved kysten",
        "Energi fra biogas og varmepumper",
        "Fødevarer og økologisk landbrug",
    ]
    projects = []
    for t, theme in enumerate(themes):
        members = [f"{t}-{m}" for m in range(4)]
        for k in range(4):  # four projects per theme, each with three of its four members
            orgs = [members[(k + j) % 4] for j in range(3)]
            projects.append(project(f"T{t}P{k}", orgs, f"{theme}. Projekt {k} om {theme}."))
    folds = training.coparticipation_folds(projects, None, n_folds=2)
    assert len(folds) == 2 and all(f.y.sum() > 0 and (f.y == 0).sum() > 0 for f in folds)
    scorer = training.fit_likeness(copy.deepcopy(default_scorer()), projects)
    assert scorer.likeness_c in training.LIKENESS_CS
    assert "without_big_players" in scorer.trained_on_["coparticipation"]
    assert scorer.trained_on_["coparticipation"]["projects"] == len(projects)
    # Co-participants share a theme: the learned model weighs profile likeness up.
    weights = dict(zip(LIKENESS_INPUTS, scorer.likeness_weights(), strict=True))
    assert weights["words:profile-profile"] + weights["profile_likeness"] > 0
    for fold in folds:
        recalls = training.query_recall(scorer.likeness_weights(), fold)
        assert len(recalls) == sum(len(members) for _, members in fold.queries)
        assert np.mean(recalls) > 0.5


def test_the_likeness_fit_does_not_depend_on_an_input_s_units():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, len(LIKENESS_INPUTS)))
    y = (x[:, 0] + x[:, 2] + 0.5 * rng.normal(size=300) > 1.0).astype(int)
    stretched = x.copy()
    stretched[:, 2] *= 1000.0  # the same input in other units
    a = PairScorer(likeness_c=0.01).fit_likeness(x, y)
    b = PairScorer(likeness_c=0.01).fit_likeness(stretched, y)
    np.testing.assert_allclose(x @ a.likeness_weights(), stretched @ b.likeness_weights(),
                               rtol=1e-3, atol=1e-3)  # fmt: skip


def test_the_blend_raises_the_encoder_likeness_weight_and_is_saved(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, len(LIKENESS_INPUTS)))
    y = (x[:, 1] > 0.5).astype(int)
    alone = PairScorer().fit_likeness(x, y)
    blended = PairScorer(likeness_blend=2.0).fit_likeness(x, y)
    step = blended.likeness_weights() - alone.likeness_weights()
    np.testing.assert_allclose(step, np.eye(len(LIKENESS_INPUTS))[-1] * 2.0, atol=1e-5)
    blended.partner_ = LinearModel(np.zeros(len(blended.names_), np.float32), 0.0)
    blended.save(tmp_path / "scorer.json")
    again = PairScorer.load(tmp_path / "scorer.json")
    assert again.likeness_blend == 2.0
    assert again.likeness_profile_ == pytest.approx(blended.likeness_profile_)


def synthetic_fold(rng, marks: int, n: int = 60) -> training.CoparticipationFold:
    """Training pairs labelled by the first input; queries whose co-participants stand out
    in input `marks` only."""
    d = len(LIKENESS_INPUTS)
    x = rng.normal(size=(400, d))
    y = (x[:, 0] > 1.0).astype(int)
    queries = []
    for _ in range(6):
        members = rng.choice(n, size=3, replace=False)
        tensor = rng.normal(size=(d, 3, n)).astype(np.float32)
        for row in range(3):
            tensor[marks, row, members] += 6.0
        queries.append((tensor, members))
    return training.CoparticipationFold(x, y, queries, np.zeros(n, bool), np.zeros(400, bool))


def test_the_blend_is_chosen_by_held_out_recall():
    rng = np.random.default_rng(3)
    # Co-participants told apart by what the pairs taught: the learned model alone.
    learned = training.choose_likeness([synthetic_fold(rng, 0) for _ in range(3)])
    assert learned.blend == 0.0
    assert learned.scores[f"C={learned.c}, blend=0.0"][0] > 0.9
    # Told apart only by the encoder likeness (the last input): a blend, for recall.
    encoder = training.choose_likeness([synthetic_fold(rng, -1) for _ in range(3)])
    assert encoder.blend > 0
    chosen = encoder.scores[f"C={encoder.c}, blend={encoder.blend}"][0]
    assert chosen > encoder.scores[f"C={encoder.c}, blend=0.0"][0] + 0.3
    assert chosen == max(v[0] for v in encoder.scores.values())
