"""Network proposals: sizes, hard constraints, determinism, reasons, filters and bad requests."""

from __future__ import annotations

import itertools

import pytest
from conftest import company_body, valid_cvr

from matchmaker import matching
from matchmaker.grouping import networks
from matchmaker.reference import messages

# Small fictional Danish firms: a food value chain, an automation cluster with three knowledge
# institutions, a furniture/design group, and two pairs of near-identical direct competitors.
FIRMS = [
    dict(
        name="Hedegaard Økologiske Mølle",
        nace="10.61",
        region="Midtjylland",
        sector="Mølleri",
        description="Vi maler økologisk rug og spelt fra danske landmænd til mel.",
        offers="Økologisk rugmel og speltmel i store sække til bagerier.",
        needs="Vi søger bagerier som faste kunder og bæredygtig emballage til melposer.",
        markets=["Danmark"],
    ),
    dict(
        name="Rugbrødshuset ApS",
        nace="10.71",
        region="Midtjylland",
        sector="Bageri",
        description="Industribageri der bager økologisk rugbrød til supermarkeder.",
        offers="Økologisk rugbrød i private label til supermarkedskæder.",
        needs="Vi mangler en leverandør af økologisk rugmel og vil gerne sælge til Tyskland.",
        markets=["Danmark", "Tyskland"],
    ),
    dict(
        name="GrønPap Emballage A/S",
        nace="17.21",
        region="Syddanmark",
        sector="Emballage",
        description="Producent af bæredygtig papemballage og poser til fødevarer.",
        offers="Bæredygtig emballage i pap og papir til fødevarer, mel og brød.",
        needs="Vi søger fødevareproducenter og møller der vil skifte plast ud med pap.",
        markets=["Danmark", "Tyskland"],
    ),
    dict(
        name="Nordic Food Export ApS",
        nace="46.38",
        region="Hovedstaden",
        sector="Engroshandel",
        description="Eksporthus der sælger danske økologiske fødevarer til tyske supermarkeder.",
        offers="Salg og distribution til supermarkeder i Tyskland og eksportrådgivning.",
        needs="Vi søger danske producenter af økologisk brød og bagværk.",
        markets=["Tyskland"],
    ),
    dict(
        name="RoboCelle Automation ApS",
        nace="28.99",
        region="Syddanmark",
        sector="Automation",
        description="Vi bygger robotceller der automatiserer pakkelinjer i industrien.",
        offers="Robotceller, automatisering af pakning og palletering.",
        needs="Vi har brug for software til dataopsamling og forskning i maskinlæring.",
        markets=["Danmark"],
    ),
    dict(
        name="DataVærket ApS",
        nace="62.01",
        region="Midtjylland",
        sector="Software",
        description="Softwarehus der udvikler platforme til dataopsamling fra maskiner.",
        offers="Softwareudvikling af dashboards og dataopsamling fra maskiner og robotter.",
        needs="Vi søger produktionsvirksomheder og robotintegratorer som pilotkunder.",
        markets=["Danmark"],
    ),
    dict(
        name="Kodehuset Midt ApS",
        nace="62.01",
        region="Midtjylland",
        sector="Software",
        description="Softwarehus der udvikler platforme til dataopsamling fra maskiner.",
        offers="Softwareudvikling af dashboards og dataopsamling fra maskiner og robotter.",
        needs="Vi søger produktionsvirksomheder og robotintegratorer som kunder.",
        markets=["Danmark"],
    ),
    dict(
        name="Robotlaboratoriet ved SDU",
        nace="72.19",
        region="Syddanmark",
        kind="knowledge_institution",
        sector="Forskning",
        description="Universitetslaboratorium for robotteknologi og maskinlæring.",
        offers="Forskning i maskinlæring, robotsyn og test af robotceller.",
        needs="Vi søger virksomheder til fælles forskningsprojekter om automatisering.",
        markets=["Danmark"],
    ),
    dict(
        name="Teknologisk Prøvecenter",
        nace="71.20",
        region="Hovedstaden",
        kind="knowledge_institution",
        sector="Test og certificering",
        description="Godkendt teknologisk institut for test og certificering af maskiner.",
        offers="CE-mærkning, test og certificering af maskiner og robotter.",
        needs="Vi søger producenter af maskiner der skal certificeres.",
        markets=["Danmark"],
    ),
    dict(
        name="Erhvervsakademi Trekanten",
        nace="85.41",
        region="Syddanmark",
        kind="knowledge_institution",
        sector="Uddannelse",
        description="Erhvervsakademi med uddannelser i automation og produktion.",
        offers="Studerende i praktik og efteruddannelse i automation og robotter.",
        needs="Vi søger virksomheder der vil tage praktikanter i automation.",
        markets=["Danmark"],
    ),
    dict(
        name="Aarhus Præcisionsmaskiner",
        nace="28.41",
        region="Midtjylland",
        sector="Maskinfremstilling",
        description="Maskinfabrik der fremstiller CNC-bearbejdede dele til industrien.",
        offers="CNC-bearbejdning og svejsning af maskindele i små serier.",
        needs="Vi vil automatisere vores produktion med robotter og have maskinerne CE-mærket.",
        markets=["Danmark", "Sverige"],
    ),
    dict(
        name="Møbelsnedkeriet Hald",
        nace="31.09",
        region="Midtjylland",
        sector="Møbler",
        description="Snedkeri der laver spiseborde og stole i dansk egetræ.",
        offers="Møbler i massivt egetræ efter mål.",
        needs="Vi mangler polstring og en webshop med 3D-visning af vores møbler.",
        markets=["Danmark"],
    ),
    dict(
        name="Uldværkstedet ApS",
        nace="13.92",
        region="Midtjylland",
        sector="Tekstil",
        description="Væveri der laver møbelstof og polstring af genanvendt uld.",
        offers="Polstring og møbelstof af genanvendt dansk uld.",
        needs="Vi søger møbelproducenter der vil bruge genanvendt uld.",
        markets=["Danmark", "Tyskland"],
    ),
    dict(
        name="Pixelstuen Webbureau",
        nace="62.02",
        region="Midtjylland",
        sector="Webbureau",
        description="Webbureau der bygger webshops med 3D-konfiguratorer til møbler.",
        offers="Webshops med 3D-visning og konfigurator af møbler.",
        needs="Vi søger møbelproducenter der vil sælge direkte til forbrugerne.",
        markets=["Danmark"],
    ),
    dict(
        name="Vestkystens Regnskab",
        nace="69.20",
        region="Nordjylland",
        sector="Revision",
        description="Revisionsfirma for små virksomheder i Nordjylland.",
        offers="Bogføring, regnskab og skatterådgivning.",
        needs="",
        markets=["Danmark"],
    ),
]


def register(client, firms=FIRMS, consent=True) -> list[int]:
    ids = []
    for k, firm in enumerate(firms):
        body = company_body(
            **{
                "kind": "company",
                "employees": 20,
                "city": None,
                "contact_name": None,
                "contact_email": None,
            }
            | firm,  # fmt: skip
            cvr=valid_cvr(100 + k + 50 * (not consent)),
            consent=consent,
        )
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids.append(answer.get_json()["id"])
    return ids


def propose(client, auth, **body):
    return client.post("/api/v1/networks/proposals", json=body, headers=auth)


def pairs_of(proposal) -> set[tuple[int, int]]:
    out = set()
    for network in proposal["networks"]:
        ids = sorted(m["id"] for m in network["members"])
        out |= set(itertools.combinations(ids, 2))
    return out


def assert_hard_constraints(db, proposal, max_per_firm=2):
    """Sizes, competitors, never/rejected pairs, knowledge institutions, proposals per firm."""
    index = matching.match_index(db)
    ids = sorted(index.row_)
    scores = networks.pool_scores(index, ids)
    competitors = {(ids[i], ids[j]) for i, j in scores.competitor}
    rules = networks.pair_rules(db)
    request = proposal["request"]
    for network in proposal["networks"]:
        members = [m["id"] for m in network["members"]]
        assert request["min_size"] <= len(members) <= request["max_size"]
        assert len(set(members)) == len(members)
        kinds = [index.profiles_[c]["kind"] for c in members]
        assert kinds.count("knowledge_institution") <= 2
        for a, b in itertools.combinations(sorted(members), 2):
            rule = rules.get((a, b), set())
            assert "never" not in rule and "rejected" not in rule
            assert (a, b) not in competitors or "allow" in rule
    seen = [m["id"] for n in proposal["networks"] for m in n["members"]]
    assert len(seen) == len(set(seen))
    from matchmaker.store import proposals

    assert max(proposals.active_memberships(db).values(), default=0) <= max_per_firm


def test_networks_for_the_whole_pool(client, auth, db):
    ids = register(client)
    answer = propose(client, auth, seed=1)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert answer.headers["Location"].endswith(f"/networks/proposals/{body['id']}")
    assert set(body) >= {"id", "networks", "worst_score", "harmonic_mean", "unmet"}
    assert body["networks"], body
    assert_hard_constraints(db, body)
    placed = {m["id"] for n in body["networks"] for m in n["members"]}
    unmet = {u["company_id"] for u in body["unmet"] if "company_id" in u}
    assert placed | unmet == set(ids)  # every firm is placed or said why not
    for network in body["networks"]:
        assert network["type"] in networks.NETWORK_TYPES
        assert 0 < network["score"] <= 1 and network["id"] > 0
        for member in network["members"]:
            assert member["name"] and len(member["reason"]) > 20
    scores = [n["score"] for n in body["networks"]]
    assert body["worst_score"] == pytest.approx(min(scores), abs=1e-3)
    assert min(scores) - 1e-3 <= body["harmonic_mean"] <= max(scores) + 1e-3
    stored = client.get(f"/api/v1/networks/proposals/{body['id']}", headers=auth).get_json()
    assert stored["networks"] == body["networks"]
    one = body["networks"][0]
    assert client.get(f"/api/v1/networks/{one['id']}", headers=auth).get_json() == one


def test_the_food_chain_is_found(client, auth):
    ids = register(client)
    body = propose(client, auth, company_ids=ids[:4] + ids[11:14], seed=0).get_json()
    groups = [{m["name"] for m in n["members"]} for n in body["networks"]]
    mill, bakery = "Hedegaard Økologiske Mølle", "Rugbrødshuset ApS"
    assert any({mill, bakery} <= g for g in groups), groups
    chain = next(n for n in body["networks"] if bakery in {m["name"] for m in n["members"]})
    reason = next(m["reason"] for m in chain["members"] if m["name"] == bakery)
    assert "Hedegaard" in reason or "mel" in reason.lower()


def test_same_request_and_seed_give_the_same_networks(client, auth):
    register(client)
    first = propose(client, auth, seed=7).get_json()
    second = propose(client, auth, seed=7).get_json()
    strip = lambda p: [[(m["id"], m["reason"]) for m in n["members"]] for n in p["networks"]]  # noqa: E731
    assert strip(first) == strip(second)
    assert first["worst_score"] == second["worst_score"]


def test_competitors_never_share_a_network_unless_allowed(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    datavaerket, kodehuset = ids[5], ids[6]
    index = matching.match_index(db)
    scores = networks.pool_scores(index, [datavaerket, kodehuset])
    assert scores.competitor == {(0, 1)}  # near-identical offers, same region and trade
    for seed in range(3):
        body = propose(client, auth, company_ids=ids[4:11], seed=seed, max_size=4).get_json()
        assert body["networks"] and (datavaerket, kodehuset) not in pairs_of(body)
        assert_hard_constraints(db, body, max_per_firm=10)
    # Too few places for everyone: competitors stay apart, the rest is reported.
    answer = propose(client, auth, company_ids=[datavaerket, kodehuset, ids[4]])
    assert answer.status_code == 422 and answer.get_json()["fields"]["networks"]


def test_at_most_two_knowledge_institutions_per_network(client, auth, db):
    ids = register(client)
    body = propose(client, auth, company_ids=ids[4:11], max_size=5, min_size=3).get_json()
    assert_hard_constraints(db, body)
    knowledge = {ids[7], ids[8], ids[9]}
    for network in body["networks"]:
        assert len(knowledge & {m["id"] for m in network["members"]}) <= 2


def test_a_firm_is_in_at_most_n_proposals(client, auth, db, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    register(client, FIRMS[:4])
    first = propose(client, auth, min_size=3, max_size=4).get_json()
    assert len(first["networks"]) == 1
    second = propose(client, auth, lang="en")
    # Nothing could be placed: refused with every firm's reason, and nothing stored.
    assert second.status_code == 409, second.get_json()
    reasons = second.get_json()["fields"]["networks"]
    placed = {m["id"]: m["name"] for m in first["networks"][0]["members"]}
    assert all(f"{name}: already in 1 stored proposals (the limit is 1)" in reasons
               for name in placed.values())  # fmt: skip
    listed = client.get("/api/v1/networks/proposals", headers=auth).get_json()
    assert listed["total"] == 1
    # A Danish request (the default) is told why in Danish.
    danish = propose(client, auth)
    assert danish.status_code == 409
    unmet = danish.get_json()["unmet"]
    capped = [u for u in unmet if u.get("message", {}).get("code") == "reasons.capped"]
    assert {u["company_id"] for u in capped} == set(placed)
    assert all(u["reason"] == messages.render_record(u["message"], "da") for u in capped)
    assert not any("stored proposals" in u["reason"] for u in capped)
    assert_hard_constraints(db, first, max_per_firm=1)
    # A rejected network frees its members again (its pairs stay apart).
    client.post(f"/api/v1/networks/{first['networks'][0]['id']}/reject", headers=auth)
    third = propose(client, auth, lang="en")
    if third.status_code == 201:
        body = third.get_json()
        assert not any("limit is 1" in u["reason"] for u in body["unmet"]), body["unmet"]
        assert not pairs_of(body) & pairs_of(first)
    else:  # the rejected pairs leave no network of three: refused, but not for the cap
        assert third.status_code == 422, third.get_json()
        assert "limit is 1" not in third.get_json()["fields"]["networks"]


def test_filters_shape_the_pool(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    body = propose(client, auth, region="Midtjylland").get_json()
    members = {m["id"] for n in body["networks"] for m in n["members"]}
    midt = {ids[k] for k, f in enumerate(FIRMS) if f["region"] == "Midtjylland"}
    assert members and members <= midt
    body = propose(client, auth, kind="company", nace="C").get_json()
    members = {m["name"] for n in body["networks"] for m in n["members"]}
    assert members and "DataVærket ApS" not in members and "Teknologisk Prøvecenter" not in members
    body = propose(client, auth, theme="økologisk brød, mel og fødevarer", count=1).get_json()
    names = {m["name"] for m in body["networks"][0]["members"]}
    assert {"Rugbrødshuset ApS", "Hedegaard Økologiske Mølle"} & names


def test_around_one_firm_and_locked_groups(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 10
    ids = register(client)
    body = propose(client, auth, around_company_id=ids[11]).get_json()
    assert len(body["networks"]) == 1
    assert ids[11] in {m["id"] for m in body["networks"][0]["members"]}
    body = propose(client, auth, locked=[[ids[0], ids[12]]], seed=3).get_json()
    together = [n for n in body["networks"] if {ids[0], ids[12]} <= {m["id"] for m in n["members"]}]
    assert len(together) == 1
    assert all(m["locked"] for m in together[0]["members"] if m["id"] in (ids[0], ids[12]))


def test_only_consenting_firms_are_proposed(client, auth):
    ids = register(client, FIRMS[:4])
    silent = register(client, FIRMS[4:6], consent=False)
    body = propose(client, auth).get_json()
    members = {m["id"] for n in body["networks"] for m in n["members"]}
    assert not members & set(silent) and members <= set(ids)
    body = propose(client, auth, company_ids=ids + silent, lang="en").get_json()
    reasons = {u["company_id"]: u["reason"] for u in body["unmet"] if "company_id" in u}
    assert set(silent) <= set(reasons) and "consent" in reasons[silent[0]]
    answer = propose(client, auth, around_company_id=silent[0])
    assert (
        answer.status_code == 422 and "consent" in answer.get_json()["fields"]["around_company_id"]
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"min_size": 5, "max_size": 3}, "min_size"),
        ({"min_size": 0}, "min_size"),
        ({"max_size": 50}, "max_size"),
        ({"count": 0}, "count"),
        ({"count": "3"}, "count"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"colour": "blue"}, "colour"),
        ({"company_ids": "1,2"}, "company_ids"),
        ({"company_ids": [1, "x"]}, "company_ids.1"),
        ({"region": "Atlantis"}, "region"),
        ({"nace": "99.99"}, "nace"),
        ({"kind": "ngo"}, "kind"),
        ({"locked": [[1, 2, 3, 4, 5, 6]]}, "locked"),
        ({"locked": [[1], [1]]}, "locked"),
        ({"company_ids": [1, 1, 1]}, "company_ids"),
        ({"min_size": True}, "min_size"),
    ],
)
def test_bad_requests_answer_422_and_store_nothing(client, auth, db, body, field):
    register(client, FIRMS[:3])
    answer = propose(client, auth, **body)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["fields"], answer.get_json()
    assert db["proposals"].count == 0


def test_unknown_company_ids_are_named(client, auth, db):
    ids = register(client, FIRMS[:3])
    answer = propose(client, auth, company_ids=[ids[0], 9991, 9992])
    assert answer.status_code == 422
    message = answer.get_json()["fields"]["company_ids"]
    assert message == "unknown company ids: 9991, 9992"
    answer = propose(client, auth, locked=[[ids[0], 9993]])
    assert answer.status_code == 422 and "9993" in answer.get_json()["fields"]["locked"]
    assert db["proposals"].count == 0


def test_proposals_need_a_facilitator(client, auth):
    register(client, FIRMS[:3])
    assert propose(client, {}).status_code == 401
    assert client.post("/api/v1/networks/proposals", data="x", headers=auth).status_code == 415
    assert client.get("/api/v1/networks/proposals/999", headers=auth).status_code == 404
    assert client.get("/api/v1/networks/999", headers=auth).status_code == 404


def test_a_pool_too_small_is_reported(client, auth):
    register(client, FIRMS[:2])
    answer = propose(client, auth, lang="en")
    assert answer.status_code == 422
    assert "a network needs at least 3" in answer.get_json()["fields"]["networks"]
    danish = propose(client, auth).get_json()["fields"]["networks"]  # the request's language
    assert "et netværk kræver mindst 3" in danish
    assert client.get("/api/v1/networks/proposals", headers=auth).get_json()["total"] == 0


def test_the_network_type_follows_the_members_relations():
    import numpy as np

    def scores(cover, similar):
        cover, similar = np.array(cover, np.float32), np.array(similar, np.float32)
        return networks.PoolScores(cover, similar)

    firm = lambda nace, kind="company": {"nace": nace, "kind": kind}  # noqa: E731
    chain = [firm("01.11"), firm("10.71"), firm("46.38")]  # farm → bakery → wholesale
    needs_met = scores(
        [[0, 0.9, 0.1], [0.8, 0, 0.9], [0.1, 0.9, 0]], [[0, 0.2, 0.2], [0.2, 0, 0.2], [0.2, 0.2, 0]]
    )
    assert networks.network_type(chain, needs_met, [0, 1, 2]) == "vertical"
    peers = [firm("16.23"), firm("16.23"), firm("16.24")]  # joineries pooling capacity
    alike = scores(
        [[0, 0.2, 0.2], [0.2, 0, 0.2], [0.2, 0.2, 0]], [[0, 0.9, 0.9], [0.9, 0, 0.9], [0.9, 0.9, 0]]
    )
    assert networks.network_type(peers, alike, [0, 1, 2]) == "horizontal"
    led = [firm("85.42", "knowledge_institution"), firm("28.99"), firm("62.01")]
    assert networks.network_type(led, needs_met, [0, 1, 2]) == "knowledge"
    assert set(networks.NETWORK_TYPES) >= {"knowledge", "vertical", "horizontal", "congruent"}


def test_a_horizontal_network_names_its_trade_in_words():
    import numpy as np

    from matchmaker.grouping.describe import Describer

    firm = lambda nace: {"nace": nace, "kind": "company", "name": nace}  # noqa: E731
    peers = [firm("16.23"), firm("16.23"), firm("16.24"), firm("31.01")]
    cover = np.full((4, 4), 0.2, np.float32)
    similar = np.full((4, 4), 0.9, np.float32)
    scores = networks.PoolScores(cover, similar)
    assert networks.network_type(peers, scores, [0, 1, 2, 3]) == "horizontal"
    danish = Describer(peers, scores, "da").network([0, 1, 2, 3])["purpose"]
    english = Describer(peers, scores, "en").network([0, 1, 2, 3])["purpose"]
    # Three of four firms share division 16 (wood products): its title, not a section letter.
    assert "Fremstilling af træ" in danish and "(C)" not in danish
    assert "wood" in english.lower() and "(C)" not in english


def test_strengths_of_many_networks_at_once_are_those_of_each_network(client, db):
    """A large pool's networks have their members' need→offer strengths worked out in one
    listed-pairs call (`Describer.prime`); they are the numbers each network's own block
    gives, so the member reasons read the same."""
    from matchmaker.grouping.pool import pool_scores

    ids = register(client)
    index = matching.match_index(db)
    pool = [i for i in ids if i in index]
    profiles = [index.profile(i) for i in pool]
    scores = pool_scores(index, pool)
    groups = [list(range(k, min(k + 4, len(pool)))) for k in range(0, len(pool), 4)]
    groups = [g for g in groups if len(g) > 1]
    assert len(groups) >= 3
    assert_primed_as_each(profiles, scores, index, groups)


def assert_primed_as_each(profiles, scores, index, groups) -> None:
    """`Describer.prime` over all `groups` gives each group's own need→offer strengths (to
    1e-4) and the same member reasons as describing the groups one by one."""
    from matchmaker.grouping.describe import Describer

    each = Describer(profiles, scores, "da", index)
    together = Describer(profiles, scores, "da", index)
    for g in groups:
        each._strengths(g)
    together.prime(groups)
    assert set(together._strength) == set(each._strength)
    for key, value in each._strength.items():
        assert together._strength[key] == pytest.approx(value, abs=1e-4), key
    for g in groups:
        for i in g:
            assert together.member_reason(i, g) == each.member_reason(i, g)
