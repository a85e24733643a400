"""Learning from decisions: stored decisions become labelled pairs, the partner model is
re-fitted on them with the global model as its floor, by a command, an endpoint and a page
button, and the service ranks with it only under the setting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import add_user
from test_networks import propose, register

from matchmaker import matching
from matchmaker.cli import main as cli
from matchmaker.config import Settings
from matchmaker.matching import learning
from matchmaker.matching.local_scorer import MIN_PAIRS, ListViews, fit_delta, list_shares, refit
from matchmaker.matching.scorer import LinearModel
from matchmaker.store import learned_scorers, profiles


def members(network) -> list[int]:
    return sorted(m["id"] for m in network["members"])


def pairs(ids) -> set[tuple[int, int]]:
    return set(itertools.combinations(sorted(ids), 2))


@pytest.fixture
def decided(client, auth, app):
    """A proposal of networks: the first accepted (then a member swapped and the outcome 'not
    formed' recorded), the second rejected, the third accepted; one 'never together' pair."""
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    found = propose(client, auth, seed=0).get_json()["networks"]
    assert len(found) >= 3
    first, second, third = found[:3]
    for network in (first, third):
        assert (
            client.post(f"/api/v1/networks/{network['id']}/accept", headers=auth).status_code == 200
        )
    assert client.post(f"/api/v1/networks/{second['id']}/reject", headers=auth).status_code == 200
    # Swap in a firm from outside the accepted networks; one the constraints refuse is no
    # decision, so try the next until one is allowed.
    taken = set(members(first)) | set(members(third))
    out = members(first)[0]
    for outsider in (c for c in ids if c not in taken):
        swapped = client.post(f"/api/v1/networks/{first['id']}/swap",
                              json={"out": out, "in": outsider}, headers=auth)  # fmt: skip
        if swapped.status_code == 200:
            break
    assert swapped.status_code == 200, swapped.get_json()
    first = swapped.get_json()
    answer = client.post(f"/api/v1/networks/{third['id']}/outcomes", json={"formed": False},
                         headers=auth)  # fmt: skip
    assert answer.status_code == 201
    never = sorted(members(third)[:2])
    assert client.post("/api/v1/pairs/never", json={"a": never[0], "b": never[1]},
                       headers=auth).status_code == 201  # fmt: skip
    return {"first": first, "second": second, "third": third, "out": out, "in": outsider,
            "never": tuple(never)}  # fmt: skip


def test_decisions_become_labelled_pairs(db, decided):
    found = learning.decision_pairs(db)
    label = dict(zip(found.pairs, found.labels.tolist(), strict=True))
    kind = dict(zip(found.pairs, found.kinds, strict=True))
    first, second, third = (members(decided[k]) for k in ("first", "second", "third"))
    kept = [c for c in first if c != decided["in"]]
    for pair in pairs(first):  # accepted (with the firm swapped in): positive
        assert label[pair] == 1 and kind[pair] == "accepted"
    for other in kept:  # the firm swapped out, with those that stayed: negative
        pair = tuple(sorted((decided["out"], other)))
        assert label[pair] == 0 and kind[pair] == "swapped_out"
    for pair in pairs(second):  # rejected network: negative
        assert label[pair] == 0 and kind[pair] == "rejected"
    for pair in pairs(third):  # accepted, but it did not form; one pair is 'never together'
        assert label[pair] == 0
        assert kind[pair] == ("never" if pair == decided["never"] else "not_formed")
    assert found.positive == len(pairs(first))
    assert len(found.pairs) == len(set(found.pairs))
    status = learning.status(db, matching.default_scorer(), enabled=False)
    assert status["decisions"] == {"accepted_networks": 2, "rejected_networks": 1, "swaps": 1,
                                   "never_pairs": 1, "outcomes": 1}  # fmt: skip
    assert status["pairs"]["positive"] == found.positive and status["last_refit"] is None


def test_an_erased_firm_leaves_the_swap_log(client, db, decided):
    assert db["swaps"].count == 1
    profiles.delete(db, decided["in"])
    assert db["swaps"].count == 0 and db["swap_kept"].count == 0
    assert all(decided["in"] not in p for p in learning.decision_pairs(db).pairs)


def _pairs_from(weights: np.ndarray, n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(weights)))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ weights)))).astype(int)
    return x, y


def test_a_handful_of_decisions_cannot_make_the_global_model_worse():
    k = 12
    base = LinearModel(np.r_[np.ones(3), np.zeros(k - 3)].astype(np.float32), 0.0)
    # Too few pairs: the global model stays without trying.
    x, y = _pairs_from(base.weights.astype(float), MIN_PAIRS - 1, 0)
    small = refit(base, x, y)
    assert not small.adopted and small.reason == "learning.reason_too_few"
    assert small.apply(base) is base
    # A handful of decisions that agree with the global model, or are noise: never adopted
    # unless the held-out check says the change ranks better; the change is then applied.
    for seed in range(6):
        x, y = _pairs_from(base.weights.astype(float), 16, seed)
        y_noise = np.random.default_rng(seed).permutation(y)
        for labels in (y, y_noise):
            fit = refit(base, x, labels)
            if fit.adopted:
                assert fit.cv_local >= fit.cv_global + 0.01
            else:
                assert fit.apply(base) is base and not fit.delta.any()
    # Many decisions that a different model explains: adopted, and the held-out check says why.
    other = np.r_[np.zeros(6), -2 * np.ones(3), np.zeros(k - 9)]
    x, y = _pairs_from(other, 300, 7)
    fit = refit(base, x, y)
    assert fit.adopted and fit.cv_local > fit.cv_global + 0.1
    changed = fit.apply(base)
    assert np.corrcoef(x @ changed.weights, x @ other)[0, 1] > 0.8


def test_the_pull_toward_the_global_model_grows_with_its_strength():
    base = LinearModel(np.ones(5, dtype=np.float32), 0.0)
    x, y = _pairs_from(-np.ones(5), 60, 1)
    sizes = [np.abs(fit_delta(base, x, y, s)[0]).sum() for s in (1.0, 30.0, 1e6)]
    assert sizes[0] > sizes[1] > sizes[2] and sizes[2] < 1e-3


def test_the_command_refits_and_the_setting_makes_the_service_use_it(
    app, db, decided, runner, monkeypatch
):
    result = runner.invoke(cli, ["refit-matcher"])
    assert result.exit_code == 0, result.output
    stored = learned_scorers.latest(db, with_model=True)
    assert f"Re-fit {stored['id']} on {stored['pairs']} labelled pairs" in result.output
    assert stored["pairs"] == len(learning.decision_pairs(db).pairs)
    assert stored["seconds"] < 30
    # Whatever this re-fit said, a store with an adopted re-fit is ranked with it only when
    # learning is on: write one whose change is unmistakable.
    base = matching.default_scorer()
    names = base.names_
    delta = np.zeros(len(names))
    delta[names.index("same_region")] = -50.0  # firms in the same region: never partners
    learned_scorers.save(db, {"adopted": True, "base": learning.fingerprint(base), "pairs": 9,
                              "reason": "learning.reason_adopted",
                              "model": {"features": names, "delta": delta.tolist(),
                                        "delta_intercept": 0.0}})  # fmt: skip
    asker = decided["first"]["members"][0]["id"]
    region = matching.match_index(db).profile(asker)["region"]

    def regions_suggested(learn: bool) -> list[str]:
        matching.configure(model_name=app.config["MODEL_NAME"], learn=learn)
        index = matching.match_index(db)
        found = matching.partner_suggestions(db, asker, limit=5)
        return [index.profile(s.id)["region"] for s in found]

    try:
        assert region in regions_suggested(False)  # the fixture's firms share regions
        assert region not in regions_suggested(True)
        assert matching.match_index(db).scorer_.trained_on_["decisions"]["pairs"] == 9
        assert region in regions_suggested(False)  # turning it off restores the global model
    finally:
        matching.configure(model_name=app.config["MODEL_NAME"])
    monkeypatch.setenv("MATCHMAKER_LEARN", "1")
    assert Settings.from_env().learn
    monkeypatch.setenv("MATCHMAKER_LEARN", "0")
    assert not Settings.from_env().learn


def test_a_refit_made_on_another_global_model_is_not_used(db, decided):
    base = matching.default_scorer()
    learned_scorers.save(db, {"adopted": True, "base": "0" * 16, "pairs": 9,
                              "reason": "learning.reason_adopted",
                              "model": {"features": base.names_,
                                        "delta": [5.0] * len(base.names_),
                                        "delta_intercept": 0.0}})  # fmt: skip
    assert learning.service_scorer(db, base) is base
    assert learning.status(db, base, enabled=True)["base_changed"]


def test_the_api_shows_decisions_and_refits(client, auth, db, decided):
    assert client.get("/api/v1/learning").status_code == 401
    before = client.get("/api/v1/learning", headers=auth).get_json()
    assert before["decisions"]["swaps"] == 1 and before["last_refit"] is None
    assert before["enabled"] is False and before["in_use"] is False
    bad = client.post("/api/v1/learning/refit", json={"strength": 3}, headers=auth)
    assert bad.status_code == 422 and "strength" in bad.get_json()["fields"]
    assert db["learned_scorers"].count == 0
    answer = client.post("/api/v1/learning/refit", headers=auth)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["pairs"] == before["pairs"]["total"] and body["reason_text"]
    assert body["adopted"] == (body["reason"] == "learning.reason_adopted")
    if body["adopted"]:
        assert body["cv_local"] >= body["cv_global"] + 0.01
    after = client.get("/api/v1/learning", headers=auth).get_json()
    assert after["last_refit"]["id"] == body["id"] and len(after["history"]) == 1
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/learning/refit" in spec["paths"] and "/learning" in spec["paths"]


def test_the_page_shows_decisions_and_refits_on_a_button(client, app, runner, decided):
    add_user(runner, "fac@example.dk", password="a long password")
    client.post("/login", data={"email": "fac@example.dk", "password": "a long password"})
    page = client.get("/learning")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Læring fra jeres beslutninger" in text and "Byttede deltagere" in text
    assert "endnu ikke tilpasset" in text and "slået fra" in text
    answer = client.post("/learning/refit", follow_redirects=True)
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Tilpasset" in text and ("taget i brug" in text or "fælles model beholdt" in text)
    english = client.get("/learning?lang=en").get_data(as_text=True)
    assert "Learning from your decisions" in english and "Re-fit the model now" in english


def _judged_lists(base: LinearModel, truth: np.ndarray, anchors: int, seed: int):
    """Synthetic suggestion lists: per anchor, the base model's top 10 of 60 candidates judged
    by another model (accepted when it ranks the candidate in its own top 5)."""
    rng = np.random.default_rng(seed)
    k = len(base.weights)
    mats, views, x, y, groups = [], [], [], [], []
    for a in range(anchors):
        m = rng.normal(size=(60, k)).astype(np.float32)
        mats.append(m)
        good = set(np.argsort(-(m @ truth))[:5])
        for c in np.argsort(-(m @ base.weights))[:10]:
            views.append([(a, int(c))])
            x.append(m[c])
            y.append(int(c in good))
            groups.append(a)
    return np.array(x), np.array(y), groups, ListViews(mats, views)


def test_the_list_check_keeps_the_global_model_unless_lists_get_better():
    k = 12
    base = LinearModel(np.r_[np.ones(3), np.zeros(k - 3)].astype(np.float32), 0.0)
    # A facilitator who agrees with the global model: nothing to gain, the global model stays.
    # One who judges at random: kept unless the held-out lists really got better.
    for seed in range(4):
        x, y, groups, views = _judged_lists(base, base.weights.astype(float), 2, seed)
        fit = refit(base, x, y, groups=groups, lists=views)
        assert not fit.adopted and fit.apply(base) is base and fit.cv_global == 1.0
        noise = (np.random.default_rng(seed).random(len(y)) < 0.4).astype(int)
        fit = refit(base, x, noise, groups=groups, lists=views)
        assert fit.apply(base) is base if not fit.adopted else fit.cv_local >= fit.cv_global + 0.01
    # A facilitator who wants something else, over many lists: adopted, and the lists it makes
    # hold more of what the facilitator accepts.
    truth = np.r_[np.ones(3), 3 * np.ones(3), np.zeros(k - 6)]
    x, y, groups, views = _judged_lists(base, truth, 30, 9)
    fit = refit(base, x, y, groups=groups, lists=views)
    assert fit.adopted and fit.cv_local > fit.cv_global
    everything = np.arange(len(y))
    assert (
        list_shares(views.hits(fit.apply(base), everything), y)[0]
        > list_shares(views.hits(base, everything), y)[0]
    )
