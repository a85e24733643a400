"""The ERDF network set (`bench.network_erdf`) is fair: on a synthetic project list, no profile
holds the text of its own consortium, no two organisations of a pool hold the text of one
project, consortia do not overlap and have 3–5 members, and the organisations in no consortium
share no project with any other organisation of the pool."""

from __future__ import annotations

import itertools
import random

import pytest

from bench.network_erdf import largest_set, network_set
from matchmaker.matching import coparticipation


def projects(n_projects: int = 120, n_orgs: int = 90, seed: int = 0) -> list[dict]:
    """Projects of 2–6 organisations drawn from a few, each with a marker text of its own."""
    rng = random.Random(seed)
    out = []
    for k in range(n_projects):
        orgs = rng.sample(range(n_orgs), rng.randint(2, 6))
        keys = [f"org{o}" for o in orgs]
        out.append({
            "id": f"p{k}", "title": f"Projekt {k}", "description": f"tekstmærke-{k} om noget",
            "region": "Midtjylland", "orgs": keys, "names": {x: x.upper() for x in keys},
        })  # fmt: skip
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_erdf_network_set_keeps_each_consortium_text_and_shared_texts_out(seed):
    rows = projects(seed=seed)
    text_of = {r["id"]: f"tekstmærke-{r['id'][1:]} " for r in rows}
    formed = 0
    for split in range(coparticipation.SPLITS):
        data = network_set(rows, split, seed)
        firms = {f["key"]: f for f in data["firms"]}
        held = [r for r in rows if r["id"] in set(data["projects"])]
        members = [o for n in data["networks"] for o in n["members"]]
        assert len(members) == len(set(members)), "consortia overlap"
        assert all(3 <= len(n["members"]) <= 5 for n in data["networks"])
        assert all(coparticipation.evaluation_split(r["id"]) == split for r in held)
        assert sorted(sorted(r["orgs"]) for r in held) == sorted(
            sorted(n["members"]) for n in data["networks"]
        )  # the truth is the held projects' consortia
        for r in held:
            assert not any(text_of[r["id"]] in f["description"] for f in firms.values())
        for r in rows:  # no project's text in two profiles of the pool
            holding = [k for k, f in firms.items() if text_of[r["id"]] in f["description"]]
            assert len(holding) <= 1, (r["id"], holding)
        outside = set(firms) - set(members)
        for o in outside:
            others = set(firms) - {o}
            assert not any(o in r["orgs"] and others.intersection(r["orgs"]) for r in rows)
        assert all(f["description"] for f in firms.values())
        formed += bool(data["networks"]) and bool(outside)
    assert formed  # the synthetic list gives pools with consortia and firms in none


def test_the_largest_set_is_the_seed_that_keeps_most_consortia_and_repeats():
    rows = projects(seed=4)
    found = largest_set(rows, 0)
    counts = [len(network_set(rows, 0, seed)["networks"]) for seed in range(12)]
    assert len(found["networks"]) == max(counts)
    assert found == largest_set(rows, 0)
    pairs = {
        tuple(sorted(p)) for n in found["networks"] for p in itertools.combinations(n["members"], 2)
    }
    assert len(pairs) == sum(len(n["members"]) * (len(n["members"]) - 1) // 2
                             for n in found["networks"])  # fmt: skip
