"""Why each member is in a proposed network: needs met only by offers that really meet them,
contributions only from a firm's offers, the same words in the API, the export and the chat."""

from __future__ import annotations

import csv
import io

from conftest import company_body, valid_cvr
from test_chat import ask
from test_networks import FIRMS as OTHER_FIRMS
from test_networks import register as register_others

from matchmaker.reference import messages
from matchmaker.reference.lexicon import Concept, Lexicon

# Three fictional firms: the hotel meets the school's need; nobody here sells wine or beeswax,
# and nobody needs candles or courses.
SCHOOL, CANDLES, HOTEL = "Hofmans Etiketteskole", "Lysestøberiet Kærgaard", "Hotel Klitrosen"
FIRMS = [
    dict(
        name=SCHOOL,
        nace="85.59",
        region="Hovedstaden",
        sector="Undervisning",
        description="Vi underviser hotel- og restaurantpersonale i service og god opførsel.",
        offers="Kurser i bordskik, service og værtskab for hotelpersonale og tjenere.",
        needs="Vi søger hoteller og restauranter, der vil sende nye medarbejdere på kursus.",
    ),
    dict(
        name=CANDLES,
        nace="32.99",
        region="Nordjylland",
        sector="Kunsthåndværk",
        description="Et lille støberi, der laver stearinlys i hånden.",
        offers="Håndstøbte stearinlys og bloklys i små serier til butikker.",
        needs="Vi søger en leverandør af bivoks og vægerne til vores lys.",
    ),
    dict(
        name=HOTEL,
        nace="55.10",
        region="Nordjylland",
        sector="Hotel",
        description="Familiehotel ved Vesterhavet med restaurant og konferencer.",
        offers="Hotelværelser, konferencelokaler og restaurant ved Vesterhavet.",
        needs="Vi søger en vinleverandør med økologiske vine.",
    ),
]


def register(client) -> dict[str, int]:
    """The three firms, among others of other trades (needs are judged against a store)."""
    register_others(client, OTHER_FIRMS)
    ids = {}
    for k, firm in enumerate(FIRMS):
        body = company_body(**firm, cvr=valid_cvr(700 + k), markets=["Danmark"])
        answer = client.post("/api/v1/companies", json=body)
        assert answer.status_code == 201, answer.get_json()
        ids[firm["name"]] = answer.get_json()["id"]
    return ids


def one_network(client, auth, ids, lang="da") -> tuple[dict, dict[str, str]]:
    answer = client.post(
        "/api/v1/networks/proposals",
        json={"company_ids": list(ids.values()), "min_size": 3, "max_size": 3, "lang": lang},
        headers=auth,
    )
    assert answer.status_code == 201, answer.get_json()
    (network,) = answer.get_json()["networks"]
    return network, {m["name"]: m["reason"] for m in network["members"]}


def opening(code: str, lang: str) -> str:
    """The words of a message before its first parameter."""
    return messages.template(code, lang).split("{")[0]


def test_a_need_no_member_meets_is_said_to_be_unmet(client, auth):
    ids = register(client)
    _, reasons = one_network(client, auth, ids)
    # Nobody offers wine: the hotel's need is not "met best" by whatever offer is closest.
    wine = reasons[HOTEL]
    assert wine.startswith(opening("networks.not_covered", "da")), wine
    assert "vinleverandør" in wine and opening("networks.covered_plain", "da") not in wine
    # The school's need for hotels is met by the hotel's offers.
    assert reasons[SCHOOL].startswith(opening("networks.covered", "da")), reasons[SCHOOL]
    assert HOTEL in reasons[SCHOOL].split(";")[0]
    _, english = one_network(client, auth, ids, lang="en")
    assert english[HOTEL].startswith(opening("networks.not_covered", "en")), english[HOTEL]


def test_a_member_brings_its_offers_only_to_members_that_need_them(client, auth):
    ids = register(client)
    network, reasons = one_network(client, auth, ids)
    # Nobody needs candles: the candle maker offers them, to nobody in particular.
    candles = reasons[CANDLES]
    assert candles.startswith(opening("networks.not_covered", "da")), candles
    assert opening("networks.offers_plain", "da") + FIRMS[1]["offers"][:20] in candles, candles
    assert opening("networks.brings", "da").strip() not in candles
    # The hotel brings what the school needs.
    assert opening("networks.brings", "da") in reasons[HOTEL], reasons[HOTEL]
    assert SCHOOL in reasons[HOTEL].split(";")[1]
    # The export carries the same words as the proposal.
    answer = client.get(f"/api/v1/networks/{network['id']}/export?format=csv", headers=auth)
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(text)))
    for name, reason in reasons.items():
        assert any(name in row and reason in row for row in rows), (name, rows)


def _delimiter(text: str) -> str:
    first = text.lstrip("\ufeff").splitlines()[0]
    return ";" if first.count(";") > first.count(",") else ","


def test_the_chat_preview_shows_the_same_reasons(client, auth):
    register(client)
    body = ask(client, auth, f"lav et netværk med {SCHOOL}, {CANDLES} og {HOTEL}")
    (card,) = [c for c in body["cards"] if c["type"] == "network"][:1]
    shown = {m["id"]: m["reason"] for m in card["members"]}
    assert len(shown) >= 3, body
    size = len(shown)
    answer = client.post(
        "/api/v1/networks/proposals",
        json={"company_ids": sorted(shown), "min_size": size, "max_size": size},
        headers=auth,
    )
    (network,) = answer.get_json()["networks"]
    assert shown == {m["id"]: m["reason"] for m in network["members"]}
    assert not any(r.startswith(opening("networks.covered_plain", "da")) for r in shown.values())


def lexicon(**phrases: tuple[str, ...]) -> Lexicon:
    return Lexicon(
        [Concept(c, {"da": c, "en": c}, {"da": p, "en": ()}) for c, p in phrases.items()]
    )


def test_a_compound_that_is_a_term_is_not_read_through_its_parts():
    found = lexicon(fire=("brandtest", "brandsikring"), lab=("test", "laboratorium"))
    assert found.concept_ids("Vi udfører brandtest af døre og vinduer.") == ["fire"]
    # A compound that is no term of its own is still read through its parts.
    assert found.concept_ids("Materialetest og brandsikring") == ["lab", "fire"]
    assert found.concept_ids("Test af døre i et laboratorium") == ["lab"]


def test_a_word_inside_a_longer_phrase_is_read_as_the_phrase():
    found = Lexicon(
        [
            Concept("crash", {"da": "c", "en": "c"}, {"da": (), "en": ("crash testing",)}),
            Concept("lab", {"da": "l", "en": "l"}, {"da": (), "en": ("testing", "laboratory")}),
        ]
    )
    assert found.concept_ids("Crash testing of child seats.") == ["crash"]
    assert found.concept_ids("Crash testing in our laboratory.") == ["crash", "lab"]
    assert "lab" in found.concept_ids("Testing of seats after a crash.")


def test_the_chat_says_once_why_capped_firms_are_left_out(client, auth, app):
    app.config["MAX_PROPOSALS_PER_FIRM"] = 1
    ids = register(client)
    first = one_network(client, auth, ids)[0]  # stored: these three are now at the cap
    body = ask(client, auth, f"lav et netværk med {SCHOOL} og {CANDLES}")
    hint = messages.render("chat.discard_hint", "da").strip()
    assert hint in body["reply"], body["reply"]
    assert ".." not in body["reply"].replace("…", ""), body["reply"]
    placed = {m["id"] for c in body["cards"] for m in c.get("members") or []}
    assert not placed & {m["id"] for m in first["members"]}
