"""Masterclass cohorts and targeted invitations: sizes, homogeneity, competitors, reasons."""

from __future__ import annotations

import collections
import re

import pytest
from conftest import company_body, valid_cvr

from matchmaker.grouping import cohorts

CHATBOT = [
    ("Friluftsgrej.dk", "Webshop med telte og vandreudstyr.",
     "En chatbot skal svare kunderne på spørgsmål om levering og returnering.",
     "Ingen erfaring.", "Færre mails til kundeservice og svar døgnet rundt."),
    ("Tandlægerne i Skive", "Tandlægeklinik med fire behandlere.",
     "Patienterne skal kunne booke tid og få svar på spørgsmål via en chatbot.",
     "Ingen.", "Færre telefonopkald og hurtigere svar til patienterne."),
    ("Boligforeningen Åhaven", "Almen boligforening med 900 lejemål.",
     "En digital assistent skal besvare beboernes spørgsmål om vaskeri og husleje.",
     "Vi har ikke prøvet noget endnu.", "Kundeservice kan svare beboerne om aftenen via chat."),
    ("Cykelhuset Nord", "Cykelforhandler med webshop og værksted.",
     "Chatbot på hjemmesiden der svarer kunderne om reservedele og værkstedstider.",
     "Ingen erfaring med automatiske svar.", "Kunderne får svar med det samme i chatten."),
    ("Revisorhuset Vest", "Revisionsfirma for små virksomheder.",
     "En sprogmodel skal svare kunderne på spørgsmål om moms og frister i chatten.",
     "Vi har prøvet ChatGPT lidt.", "Færre rutinespørgsmål til kundeservice via mail og chat."),
    ("Lampeland ApS", "Netbutik med lamper og belysning.",
     "En chatbot skal hjælpe kunderne med at vælge lamper og svare på spørgsmål om levering.",
     "Ingen.", "Kundeservice får færre mails og kunderne svar hurtigere."),
]  # fmt: skip
VISION = [
    ("Pladefabrikken Tinglev", "Vi producerer lakerede møbelplader.",
     "Kamera og billedgenkendelse finder lakfejl på alle plader på linjen.",
     "Systemet har været i drift i to år, og vi træner selv modellen.",
     "Automatisk sortering i kvaliteter ud fra billederne."),
    ("Fiskeindustrien Hanstholm", "Vi forarbejder fisk til filet.",
     "Kameraer med maskinsyn sorterer fisk efter art og kvalitet på båndet.",
     "Modellen har kørt i drift i et år, og vi annoterer billeder selv.",
     "Billedgenkendelse der finder ben og fejl i fileterne."),
    ("Svejseværket Ikast", "Vi svejser stålkonstruktioner.",
     "Maskinsyn og kameraer kontrollerer svejsesømme for fejl.",
     "Vi har trænet en model på egne billeder, og den er i brug i produktionen.",
     "Automatisk kvalitetskontrol af alle sømme med billedgenkendelse."),
    ("Grønttorvet Odense", "Pakkeri for grøntsager.",
     "Kameraer og billedgenkendelse sorterer kartofler og gulerødder efter fejl.",
     "Løsningen har været i drift i flere år med et lille datateam.",
     "Bedre sortering af grøntsager med maskinsyn og færre fejl."),
    ("Trykkeriet Aabenraa", "Offsettrykkeri for emballage.",
     "Kameraer på trykmaskinen finder farvefejl med billedgenkendelse.",
     "Vi har trænet modeller i to år og kører dem i produktionen.",
     "Maskinsyn der stopper maskinen ved fejltryk."),
    ("Plastformen Vejle", "Sprøjtestøbning af plastdele.",
     "Billedgenkendelse med kameraer finder fejl på støbte emner.",
     "Modellen er i drift og vi annoterer selv billederne.",
     "Kvalitetskontrol med maskinsyn af alle emner."),
]  # fmt: skip
FORECAST = [
    ("Bageriet Kornblomsten", "Bagerkæde med seks butikker i Aarhus.",
     "Prognoser for salget skal fortælle hvor meget brød vi skal bage hver dag.",
     "Ingen.", "Mindre madspild og bedre planlægning af bagningen."),
    ("Surdejsbagerne Aarhus", "Bagerkæde med fem butikker i Aarhus.",
     "Prognoser for efterspørgslen skal styre hvor meget brød vi bager.",
     "Ingen erfaring med data.", "Mindre spild og bedre planlægning af brød."),
    ("Kantinen Syd", "Kantineoperatør med tolv kantiner.",
     "Forudsige antal spisende hver dag ud fra data om vejr og ferier.",
     "Vi har kun standardrapporter.", "Mindre madspild og bedre indkøb."),
    ("Byggemarked Nord", "Byggemarked med tre varehuse.",
     "Prognoser for salg af varer skal styre lager og indkøb.",
     "Vi har aldrig brugt data til at se fremad.", "Mindre lager og færre udsolgte varer."),
    ("Grossisten Fyn", "Engroshandel med fødevarer til restauranter.",
     "Forudsige efterspørgslen efter varer så vi køber rigtigt ind.",
     "Ingen.", "Bedre planlægning af indkøb og mindre spild."),
    ("Blomsterhandleren Vejle", "Blomsterbutik med webshop.",
     "Prognoser for salget til mærkedage skal styre indkøb af blomster.",
     "Ingen erfaring.", "Mindre spild af blomster og bedre planlægning."),
]  # fmt: skip
FIELDS = ("company", "core_business", "technology_role", "experience", "potentials")


def answers(rows, market="Kunder i Danmark.") -> list[dict]:
    return [dict(zip(FIELDS, row, strict=True)) | {"market_now": market} for row in rows]


ALL = answers(CHATBOT) + answers(VISION) + answers(FORECAST)
THEME_OF = {a["company"]: t for t, rows in (("chat", CHATBOT), ("vision", VISION),
            ("forecast", FORECAST)) for a in answers(rows)}  # fmt: skip


def masterclass(client, auth, capacity=8, answers_=ALL) -> int:
    body = {"title": "AI i praksis", "theme": "Kunstig intelligens i små virksomheder",
            "capacity": capacity}  # fmt: skip
    created = client.post("/api/v1/masterclasses", json=body, headers=auth).get_json()
    for answer in answers_:
        stored = client.post(f"/api/v1/masterclasses/{created['id']}/responses", json=answer)
        assert stored.status_code == 201, stored.get_json()
    return created["id"]


def form(client, auth, masterclass_id, **body):
    return client.post(f"/api/v1/masterclasses/{masterclass_id}/cohorts", json=body, headers=auth)


def test_cohorts_are_bounded_homogeneous_and_explained(client, auth):
    mc = masterclass(client, auth, capacity=8)
    answer = form(client, auth, mc, min_size=5, max_size=6)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert set(body) >= {"id", "cohorts", "unmet"}
    sizes = [len(c["members"]) for c in body["cohorts"]]
    assert sum(sizes) == len(ALL) and all(5 <= s <= 6 for s in sizes)
    seen = [m["response_id"] for c in body["cohorts"] for m in c["members"]]
    assert len(seen) == len(set(seen))
    for cohort in body["cohorts"]:
        assert cohort["themes"] and all(isinstance(t, str) and t for t in cohort["themes"])
        assert 0.0 <= cohort["coherence"] <= 1.0
        assert all(m["company"] and m["reason"] for m in cohort["members"])
    # The firms in operation with their vision models (the only experienced ones) are a cohort.
    vision = {a["company"] for a in answers(VISION)}
    assert vision in [{m["company"] for m in c["members"]} for c in body["cohorts"]]
    stored = client.get(f"/api/v1/cohorts/proposals/{body['id']}", headers=auth).get_json()
    assert stored["cohorts"] == body["cohorts"]
    one = body["cohorts"][0]
    assert client.get(f"/api/v1/cohorts/{one['id']}", headers=auth).get_json() == one
    listed = client.get(f"/api/v1/masterclasses/{mc}/cohorts", headers=auth).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]


def test_experienced_and_beginners_are_apart(client, auth):
    forecast = FORECAST[:1] + FORECAST[2:]  # without the bakery that competes with the first
    mc = masterclass(client, auth, answers_=answers(VISION) + answers(forecast), capacity=10)
    body = form(client, auth, mc, min_size=5, max_size=6).get_json()
    groups = [{THEME_OF[m["company"]] for m in c["members"]} for c in body["cohorts"]]
    assert sorted(map(sorted, groups)) == [["forecast"], ["vision"]]
    assert {c["maturity"] for c in body["cohorts"]} == {"begynder", "erfaren"}


def test_sizes_never_exceed_capacity_or_ten(client, auth):
    mc = masterclass(client, auth, capacity=4)
    body = form(client, auth, mc).get_json()  # defaults 7–10, capacity 4
    assert all(len(c["members"]) <= 4 for c in body["cohorts"])
    assert any(u["constraint"] == "max_size" for u in body["unmet"])
    mc = masterclass(client, auth, capacity=50)
    body = form(client, auth, mc).get_json()
    assert all(7 <= len(c["members"]) <= 10 for c in body["cohorts"])
    assert sum(len(c["members"]) for c in body["cohorts"]) == len(ALL)


def test_direct_competitors_are_kept_apart(client, auth):
    mc = masterclass(client, auth, capacity=10)
    body = form(client, auth, mc, min_size=3, max_size=6).get_json()
    where = {m["company"]: c["id"] for c in body["cohorts"] for m in c["members"]}
    from matchmaker.store import db as store

    # The two Aarhus bakery chains are near-identical: the detector flags them.
    responses = [{"core_business": a["core_business"], "market_now": a["market_now"]}
                 for a in ALL]  # fmt: skip
    flagged = cohorts.likely_competitors(responses)
    names = {(ALL[i]["company"], ALL[j]["company"]) for i, j in flagged}
    assert ("Bageriet Kornblomsten", "Surdejsbagerne Aarhus") in names
    for a, b in names:
        assert where[a] != where[b]
    assert store  # the store is not needed for the text test above


def test_same_seed_same_cohorts(client, auth):
    mc = masterclass(client, auth)
    first = form(client, auth, mc, seed=3, min_size=5, max_size=6).get_json()
    second = form(client, auth, mc, seed=3, min_size=5, max_size=6).get_json()
    key = lambda p: [[m["response_id"] for m in c["members"]] for c in p["cohorts"]]  # noqa: E731
    assert key(first) == key(second)


def test_few_answers_and_no_answers(client, auth):
    mc = masterclass(client, auth, answers_=answers(CHATBOT[:3]))
    body = form(client, auth, mc).get_json()
    assert len(body["cohorts"]) == 1 and len(body["cohorts"][0]["members"]) == 3
    assert any(u["constraint"] == "min_size" for u in body["unmet"])
    empty = masterclass(client, auth, answers_=[])
    answer = form(client, auth, empty)
    assert answer.status_code == 422 and "no answers yet" in answer.get_json()["fields"]["cohorts"]
    assert client.get(f"/api/v1/masterclasses/{empty}/cohorts", headers=auth).get_json()[
        "total"] == 0  # fmt: skip


@pytest.mark.parametrize(
    "body, field",
    [
        ({"min_size": 8, "max_size": 5}, "min_size"),
        ({"max_size": 11}, "max_size"),
        ({"min_size": 0}, "min_size"),
        ({"max_size": "10"}, "max_size"),
        ({"seed": -2}, "seed"),
        ({"size": 5}, "size"),
        ({"focus": "branche"}, "focus"),
        ({"focus": 1}, "focus"),
    ],
)
def test_bad_cohort_requests(client, auth, db, body, field):
    mc = masterclass(client, auth, answers_=answers(CHATBOT[:2]))
    answer = form(client, auth, mc, **body)
    assert answer.status_code == 422 and field in answer.get_json()["fields"]
    assert db["proposals"].count == 0


def test_cohort_errors_and_access(client, auth, db):
    assert form(client, auth, 999).status_code == 404
    assert client.get("/api/v1/cohorts/999", headers=auth).status_code == 404
    mc = masterclass(client, auth, answers_=answers(CHATBOT[:2]))
    assert client.post(f"/api/v1/masterclasses/{mc}/cohorts", json={}).status_code == 401
    assert db["proposals"].count == 0


AI_FIRM = dict(name="Sprogteknologi Nord ApS", nace="62.01", sector="Software",
               description="Vi udvikler chatbots og kunstig intelligens til kundeservice.",
               offers="Chatbots, sprogmodeller og AI-rådgivning.",
               needs="Vi søger kunder der vil automatisere kundeservice med AI.")  # fmt: skip
PLUMBER = dict(name="VVS-Montøren Thy", nace="43.22", sector="VVS",
               description="Vi installerer varmepumper og badeværelser i private hjem.",
               offers="VVS-arbejde og service af varmepumper.",
               needs="Flere lærlinge.")  # fmt: skip
SHOP = dict(name="Havemøbler Online ApS", nace="47.91", sector="Webhandel",
            description="Webshop med havemøbler; kunderne skriver mange mails om levering.",
            offers="Havemøbler.",
            needs="En chatbot der kan svare kunderne om levering.")  # fmt: skip


def test_invitations_rank_fitting_firms_without_respondents(client, auth):
    ids = {}
    for k, firm in enumerate((AI_FIRM, PLUMBER, SHOP)):
        body = company_body(**firm, cvr=valid_cvr(300 + k), contact_email=None)
        ids[firm["name"]] = client.post("/api/v1/companies", json=body).get_json()["id"]
    hidden = company_body(**AI_FIRM | {"name": "Hemmelig AI ApS"}, cvr=valid_cvr(310),
                          consent=False)  # fmt: skip
    client.post("/api/v1/companies", json=hidden)
    answered = company_body(**SHOP | {"name": "Lampeland ApS"}, cvr=valid_cvr(311))
    ids["Lampeland ApS"] = client.post("/api/v1/companies", json=answered).get_json()["id"]
    rows = answers(CHATBOT)
    rows[5]["cvr"] = valid_cvr(311)  # Lampeland answered and is linked by its CVR
    mc = masterclass(client, auth, answers_=rows)
    answer = client.get(f"/api/v1/masterclasses/{mc}/invitations?limit=20", headers=auth)
    assert answer.status_code == 200
    body = answer.get_json()
    names = [i["name"] for i in body["items"]]
    assert "Hemmelig AI ApS" not in names and "Lampeland ApS" not in names
    assert body["total"] == 3 and len(names) == 3
    assert names[-1] == "VVS-Montøren Thy"
    for item in body["items"]:
        assert item["reason"] and item["reasons"] and 0 <= item["score"] <= 1
    assert body["items"][0]["score"] >= body["items"][-1]["score"]
    limited = client.get(f"/api/v1/masterclasses/{mc}/invitations?limit=1", headers=auth)
    assert len(limited.get_json()["items"]) == 1
    bad = client.get(f"/api/v1/masterclasses/{mc}/invitations?limit=0", headers=auth)
    assert bad.status_code == 422 and "limit" in bad.get_json()["fields"]
    assert client.get("/api/v1/masterclasses/999/invitations", headers=auth).status_code == 404


def test_themes_are_labels_in_the_reader_language(client, auth):
    # Words of the answers ('kasser', 'højere') are no theme; capabilities are, in the
    # language asked for, in the API, the page and an export.
    rows = [
        {"company": f"Firma {i}", "core_business": core, "market_now": "Danmark.",
         "technology_role": f"Robotter skal pakke kasser og give højere {topic}.",
         "potentials": f"Højere kapacitet og {topic}.", "experience": "Ingen."}
        for i, (core, topic) in enumerate(
            [(core, "automatisering") for core in ("Vi producerer marmelade.", "Et mejeri.",
                                                   "Vi støber plastdele.", "Et savværk.")]
            + [(core, "kunstig intelligens og chatbots") for core in (
                "Vi laver software.", "Et revisionsfirma.", "En tandlægeklinik.", "En webshop.")])
    ]  # fmt: skip
    mc = masterclass(client, auth, capacity=8, answers_=rows)
    body = form(client, auth, mc, min_size=4, max_size=4, lang="en").get_json()
    for cohort in body["cohorts"]:
        en, da = cohort["themes_by_lang"]["en"], cohort["themes_by_lang"]["da"]
        assert cohort["themes"] == en and len(en) == len(da)
        words = " ".join(en + da).lower()
        assert not {"kasser", "højere", "kapacitet", "pakke"} & set(words.split()), en
    assert any(len(c["themes"]) > 1 for c in body["cohorts"])  # a capability, not only trade
    csv = client.get(f"/api/v1/cohorts/proposals/{body['id']}/export?format=csv&lang=en",
                     headers=auth).get_data(as_text=True)  # fmt: skip
    assert "kasser" not in csv and "højere" not in csv.lower()


def test_the_cohort_page_speaks_the_page_language(client, auth, runner):
    from conftest import add_user

    mc = masterclass(client, auth, capacity=8)
    assert form(client, auth, mc, min_size=5, max_size=6, lang="da").status_code == 201
    for i in range(2):  # registered firms for the invitations (an empty registry is not tested)
        client.post("/api/v1/companies", json=company_body(cvr=valid_cvr(300 + i),
                                                           name=f"Firma {i} ApS"))  # fmt: skip
    add_user(runner, "kursus@example.dk", password="et-langt-kodeord-42")
    client.post("/login", data={"email": "kursus@example.dk", "password": "et-langt-kodeord-42"})
    english = client.get(f"/masterclasses/{mc}/cohorts?lang=en").get_data(as_text=True)
    # Each member's line says why it is there: its own maturity and industry.
    assert re.search(r"– (beginner|experimenting|experienced) · [a-z]", english)
    assert "Tema:" not in english and "Theme:" not in english
    for danish in ("begynder", "afprøvende", "erfaren"):
        assert f"Maturity: {danish}" not in english and f"– {danish} ·" not in english
    assert re.search(r"Maturity: (beginner|experimenting|experienced)", english)
    danish = client.get(f"/masterclasses/{mc}/cohorts?lang=da").get_data(as_text=True)
    assert re.search(r"– (begynder|afprøvende|erfaren) · [a-zæøå]", danish)
    assert re.search(r"Modenhed: (begynder|afprøvende|erfaren)", danish)
    assert "Theme:" not in danish and "Tema:" not in danish
    # Cohorts formed in English read in Danish on a Danish page too.
    assert form(client, auth, mc, min_size=5, max_size=6, lang="en").status_code == 201
    danish = client.get(f"/masterclasses/{mc}/cohorts?lang=da").get_data(as_text=True)
    assert not re.search(r"Modenhed: (beginner|experienced)", danish)
    assert not re.search(r"– (beginner|experimenting|experienced) ·", danish)


SHOPS = [
    ("Teltbutikken", "Webshop med telte og vandreudstyr.", "Spejdere i hele landet."),
    ("Lys & Lamper", "Netbutik med lamper og belysning.", "Boligejere på Sjælland."),
    ("Legeland", "Butik og webshop med legetøj.", "Børnefamilier i Aarhus."),
    ("Skohjørnet", "Vi sælger sko i tre butikker og online.", "Kunder i Trekantområdet."),
    ("Gryder.dk", "Webshop med køkkenudstyr.", "Madentusiaster i Norden."),
]  # fmt: skip
SHOPS_II = [
    ("Cykelkælderen", "Detailbutik med cykler og reservedele.", "Pendlere i Odense."),
    ("Babytøj Online", "Vi driver en netbutik med babytøj.", "Nybagte forældre i Danmark."),
    ("Bogcafeen", "Boghandel med webshop.", "Læsere i Aalborg."),
    ("Vitaminhuset", "Webshop med kosttilskud.", "Motionister i Sverige."),
    ("Stue & Stil", "Møbelbutik med showroom og webshop.", "Boligkøbere i Nordjylland."),
]  # fmt: skip
SOFTWARE = [
    ("Kodehuset ApS", "Vi udvikler software og apps til kunder.", "Kommuner i Region Sjælland."),
    ("Lønkoden", "Vi udvikler software til lønsystemer.", "Advokatkontorer i Aarhus."),
    ("Webkoderne", "Vi programmerer software til webshops.", "Detailhandlen i Nordjylland."),
    ("Appværket", "Softwarevirksomhed, der udvikler apps.", "Producenter i Thy."),
    ("Skyhuset", "Softwarehus med cloudløsninger.", "Grossister i Sverige."),
]  # fmt: skip
SOFTWARE_II = [
    ("Sikkerhedskoden", "Vi udvikler software til it-sikkerhed.", "Banker i Norden."),
    ("Spiludvikleren", "Vi udvikler computerspil og software.", "Forlag i Tyskland."),
    ("Datalogerne", "Softwarehus, der laver systemer til lagerstyring.", "Lagre i Jylland."),
    ("Bookingkoden", "Vi udvikler bookingsoftware til klinikker.", "Fysioterapeuter."),
    ("Regnskabskoden", "Vi udvikler software til regnskab.", "Revisorer på Fyn."),
]  # fmt: skip
NEW = ("Ingen erfaring. Vi har aldrig prøvet det.", "Vi ved ikke rigtig, hvad det kan.",
       "Vi mangler viden om det helt basale.")  # fmt: skip
SEASONED = ("Det har kørt i drift i flere år, og vi har et fast team på det.",
            "Det er helt centralt for os.", "At holde løsningen opdateret.")  # fmt: skip


def crossed(firms, level):
    experience, role, barriers = level
    return [{"company": name, "core_business": core, "market_now": market,
             "experience": experience, "technology_role": role, "barriers": barriers,
             "potentials": "Bedre planlægning og færre fejl."}
            for name, core, market in firms]  # fmt: skip


def test_focus_chooses_industry_or_level_and_members_are_explained(client, auth):
    rows = (crossed(SHOPS, NEW) + crossed(SHOPS_II, SEASONED) + crossed(SOFTWARE, NEW)
            + crossed(SOFTWARE_II, SEASONED))  # fmt: skip
    shops = {r["company"] for r in crossed(SHOPS, NEW) + crossed(SHOPS_II, SEASONED)}
    new = {r["company"] for r in crossed(SHOPS, NEW) + crossed(SOFTWARE, NEW)}
    mc = masterclass(client, auth, capacity=10, answers_=rows)
    by = {}
    for focus in ("industry", "level"):
        answer = form(client, auth, mc, min_size=10, max_size=10, focus=focus)
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        assert body["request"]["focus"] == focus
        by[focus] = [{m["company"] for m in c["members"]} for c in body["cohorts"]]
    assert all(g <= shops or not g & shops for g in by["industry"])
    assert all(g <= new or not g & new for g in by["level"])
    body = form(client, auth, mc, min_size=10, max_size=10, focus="level").get_json()
    for cohort in body["cohorts"]:
        assert cohort["maturity_code"] in ("beginner", "experienced")
        assert cohort["themes"][0] == cohort["industry_label"]
        for m in cohort["members"]:
            maturity = "begynder" if m["company"] in new else "erfaren"
            assert m["maturity"] == maturity
            assert m["reason"] == f"{maturity} · {m['industry_label']}"
    read = collections.Counter(m["industry"] for c in body["cohorts"] for m in c["members"]
                               if m["company"] in shops)  # fmt: skip
    assert read["retail_ecommerce"] >= 8
    default = form(client, auth, mc, min_size=10, max_size=10).get_json()
    assert default["request"]["focus"] == "balanced"


def test_a_respondent_who_fits_no_cohort_is_flagged(client, auth):
    odd = crossed(SOFTWARE[:1], SEASONED)
    rows = crossed(SHOPS, NEW) + crossed(SHOPS_II[:4], NEW) + odd
    mc = masterclass(client, auth, capacity=10, answers_=rows)
    body = form(client, auth, mc, min_size=10, max_size=10, lang="en").get_json()
    (cohort,) = body["cohorts"]
    flagged = [m["company"] for m in cohort["members"] if m["poor_fit"]]
    assert odd[0]["company"] in flagged
    assert all(m["fit"] < 0 for m in cohort["members"] if m["poor_fit"])
    notes = [u for u in body["unmet"] if u["constraint"] == "fit"]
    assert len(notes) == len(flagged)
    (note,) = [u for u in notes if odd[0]["company"] in u["reason"]]
    assert "fits no cohort well" in note["reason"]
    assert "passer ikke godt" in note["reason_by_lang"]["da"]
    assert cohort["industry"] == "retail_ecommerce" and cohort["maturity_code"] == "beginner"


# Two chimney sweeps the matcher flags as competitors (one trade, one market, alike offers),
# whose questionnaire answers read differently (another market named): only their profiles
# tell that they compete.
SWEEPS = [
    {"name": "Skorstensfejer Hansen ApS", "nace": "81.22", "region": "Nordjylland",
     "sector": "Skorstensfejning", "markets": ["Danmark"],
     "description": "Skorstensfejning og eftersyn af brændeovne hos private i Nordjylland.",
     "offers": "Fejning af skorstene, eftersyn af brændeovne og røgtætte aftræk.",
     "needs": "Flere kunder blandt boligforeninger."},
    {"name": "Nordjysk Skorstensservice ApS", "nace": "81.22", "region": "Nordjylland",
     "sector": "Skorstensfejning", "markets": ["Danmark"],
     "description": "Vi fejer skorstene og efterser brændeovne for husejere i Nordjylland.",
     "offers": "Skorstensfejning, eftersyn af brændeovne og aftræk.",
     "needs": "Nye kunder blandt boligforeninger."},
]  # fmt: skip
SWEEP_ANSWERS = [
    ("Skorstensfejer Hansen ApS", "Skorstensfejning hos husejere.",
     "Ruteplanlægning der samler besøgene, så vi kører færre kilometer.",
     "Ingen erfaring.", "Færre kørte kilometer og mere tid hos kunderne."),
    ("Nordjysk Skorstensservice ApS", "Fejning af skorstene og eftersyn af ovne.",
     "Planlægning af ruter og besøg, så bilerne kører kortere.",
     "Ingen.", "Mindre kørsel og flere besøg om dagen."),
]  # fmt: skip


def test_registered_competitors_answering_by_cvr_are_kept_apart_or_reported(client, auth):
    ids = []
    for k, firm in enumerate(SWEEPS):
        body = company_body(**firm, cvr=valid_cvr(420 + k), contact_email=None)
        ids.append(client.post("/api/v1/companies", json=body).get_json()["id"])
    match = client.get(f"/api/v1/companies/{ids[0]}/match/{ids[1]}", headers=auth).get_json()
    assert "competitor" in match["flags"]
    sweeps = answers(SWEEP_ANSWERS, market="Husejere i Vendsyssel.")
    sweeps[1]["market_now"] = "Private omkring Aalborg."
    for k, row in enumerate(sweeps):
        row["cvr"] = valid_cvr(420 + k)  # anonymous answers: not linked, but carrying the CVR
    assert not cohorts.likely_competitors(sweeps)  # the answers alone do not tell
    rows = sweeps + answers(CHATBOT[:4])
    mc = masterclass(client, auth, capacity=10, answers_=rows)
    body = form(client, auth, mc, min_size=3, max_size=3).get_json()
    where = {m["company"]: c["id"] for c in body["cohorts"] for m in c["members"]}
    assert where[SWEEPS[0]["name"]] != where[SWEEPS[1]["name"]], body["cohorts"]
    # One cohort for all: they must share it, and the note says so.
    body = form(client, auth, mc, min_size=6, max_size=6, lang="en").get_json()
    (note,) = [u for u in body["unmet"] if u["constraint"] == "competitors"]
    assert SWEEPS[0]["name"] in note["reason"] and SWEEPS[1]["name"] in note["reason"]
    # A facilitator allows them together: they may share a cohort, and it is reported.
    client.post("/api/v1/pairs/allow", json={"a": ids[0], "b": ids[1]}, headers=auth)
    body = form(client, auth, mc, min_size=6, max_size=6, lang="en").get_json()
    assert not [u for u in body["unmet"] if u["constraint"] == "competitors"]
    (note,) = [u for u in body["unmet"] if u["constraint"] == "competitors_allowed"]
    assert SWEEPS[0]["name"] in note["reason"] and "allowed" in note["reason"]
    assert "tilladt" in note["reason_by_lang"]["da"]


def test_a_respondent_less_alike_than_average_and_read_apart_is_flagged(client, auth):
    # Nine shops and a software house, all new to the technology: apart in trade only.
    odd = crossed(SOFTWARE[:1], NEW)
    rows = crossed(SHOPS, NEW) + crossed(SHOPS_II[:4], NEW) + odd
    mc = masterclass(client, auth, capacity=10, answers_=rows)
    body = form(client, auth, mc, min_size=10, max_size=10, lang="en").get_json()
    (cohort,) = body["cohorts"]
    members = {m["company"]: m for m in cohort["members"]}
    flagged = members[odd[0]["company"]]
    assert cohorts.POOR_FIT < flagged["fit"] < 0 and flagged["poor_fit"], members
    assert flagged["industry"] != cohort["industry"]
    notes = [u for u in body["unmet"] if u["constraint"] == "fit"]
    assert any(odd[0]["company"] in u["reason"] for u in notes)
    # Whoever is flagged fits below the average pair; a negative fit where the readers put the
    # member with its cohort (trade and maturity) is not flagged.
    for m in members.values():
        read_apart = (m["industry"], m["maturity_code"]) != (
            cohort["industry"], cohort["maturity_code"])  # fmt: skip
        assert m["poor_fit"] == (m["fit"] < cohorts.POOR_FIT or (m["fit"] < 0 and read_apart))
    assert any(m["fit"] < 0 and not m["poor_fit"] for m in members.values()), members
