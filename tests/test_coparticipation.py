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
        # The keyword-search baselines are judged on the same fold profiles and queries.
        assert len(fold.baselines) == len(fold.queries)
        for (tensor, _), base in zip(fold.queries, fold.baselines, strict=True):
            assert set(base) == {"chars", "words"}
            assert base["words"].shape == tensor.shape[1:]
        assert np.mean(training.baseline_recall("words", fold)) > 0.5
    cv = scorer.trained_on_["coparticipation"]["cv_recall@10_all_small_gain_all_gain_small"]
    assert {"TF-IDF chars", "TF-IDF words"} <= set(cv)


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


def test_the_blend_moves_from_the_learned_model_to_the_encoder_likeness_and_is_saved(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, len(LIKENESS_INPUTS)))
    y = (x[:, 1] > 0.5).astype(int)
    alone = PairScorer().fit_likeness(x, y)
    encoder = PairScorer(likeness_blend=1.0).fit_likeness(x, y)
    half = PairScorer(likeness_blend=0.5).fit_likeness(x, y)
    # Blend 1 ranks by the encoder likeness alone; blend 0.5 is halfway in units of spread.
    assert np.count_nonzero(encoder.likeness_weights()[:-1]) == 0
    assert encoder.likeness_weights()[-1] > 0
    learned, enc = x @ alone.likeness_weights(), x[:, -1]
    expected = 0.5 * learned / learned.std() + 0.5 * enc / enc.std()
    got = x @ half.likeness_weights()
    assert np.corrcoef(expected, got)[0, 1] > 0.9999
    # The blend stays a log-odds of the learned model's range and centre.
    logit = got + half.likeness_.intercept
    assert logit.mean() == pytest.approx((learned + alone.likeness_.intercept).mean(), abs=1e-3)
    half.partner_ = LinearModel(np.zeros(len(half.names_), np.float32), 0.0)
    half.save(tmp_path / "scorer.json")
    again = PairScorer.load(tmp_path / "scorer.json")
    assert again.likeness_blend == 0.5
    assert again.likeness_profile_ == pytest.approx(half.likeness_profile_)
    np.testing.assert_allclose(again.likeness_weights(), half.likeness_weights(), rtol=1e-6)


def synthetic_fold(
    rng, marks: int, n: int = 60, big: np.ndarray | None = None, small_marks: int | None = None
) -> training.CoparticipationFold:
    """Training pairs labelled by the first input; queries whose co-participants stand out
    in input `marks` only (or, for projects of no big player, in `small_marks`); baselines
    that find nobody."""
    d = len(LIKENESS_INPUTS)
    x = rng.normal(size=(400, d))
    y = (x[:, 0] > 1.0).astype(int)
    big = np.zeros(n, bool) if big is None else big
    queries, baselines = [], []
    for q in range(6):
        pool = np.flatnonzero(~big) if q % 2 and small_marks is not None else np.arange(n)
        members = rng.choice(pool, size=3, replace=False)
        tensor = rng.normal(size=(d, 3, n)).astype(np.float32)
        mark = small_marks if not big[members].any() and small_marks is not None else marks
        for row in range(3):
            tensor[mark, row, members] += 6.0
        queries.append((tensor, members))
        baselines.append({name: np.zeros((3, n), np.float32) for name in ("chars", "words")})
    return training.CoparticipationFold(x, y, queries, big, np.zeros(400, bool), baselines)


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


def test_the_choice_is_the_best_worse_gain_over_tf_idf_in_both_pools():
    rng = np.random.default_rng(4)
    big = np.arange(60) < 30
    # Projects with a big player are found by the learned input, the others by the encoder
    # likeness only: the pool without big players needs the encoder, the whole pool both.
    folds = [synthetic_fold(rng, 0, big=big, small_marks=-1) for _ in range(3)]
    for fold in folds:  # a baseline that finds the co-participants of one project
        tensor, members = fold.queries[0]
        fold.baselines[0]["words"][:, members] = 1.0
    choice = training.choose_likeness(folds)
    base = {
        name: [np.mean([r for f in folds for r in training.baseline_recall(name, f, small=s)])
               for s in (False, True)]
        for name in ("chars", "words")
    }  # fmt: skip
    assert choice.scores["TF-IDF words"] == pytest.approx(base["words"], abs=1e-4)
    best = [max(base["words"][k], base["chars"][k]) for k in (0, 1)]
    assert base["words"][0] > base["chars"][0]
    settings = {k: v for k, v in choice.scores.items() if k.startswith("C=")}
    for recall_all, recall_small, gain_all, gain_small in settings.values():
        assert gain_all == pytest.approx(recall_all - best[0], abs=2e-4)
        assert gain_small == pytest.approx(recall_small - best[1], abs=2e-4)
    key = f"C={choice.c}, blend={choice.blend}" + (
        ", without big players" if choice.without_big else ""
    )
    assert min(settings[key][2:]) == max(min(v[2:]) for v in settings.values())
    # Neither the learned model alone nor the encoder alone: each loses one of the pools.
    assert 0 < choice.blend < 1
    assert min(settings[key][2:]) > min(settings[f"C={choice.c}, blend=0.0"][2:])
    assert min(settings[key][2:]) > min(settings[f"C={choice.c}, blend=1.0"][2:])
