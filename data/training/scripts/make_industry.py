# -*- coding: utf-8 -*-
"""Generate industry.jsonl (training data, written from general knowledge)."""
import json, os, random, sys
sys.path.insert(0, os.path.dirname(__file__))
from industry_data import L

rng = random.Random(90210)
OUT = os.path.join(os.path.dirname(__file__), "..", "industry.jsonl")
N_DA, N_EN = 18, 6  # per label

SOLO_OK = {"personal_services", "marketing_communication", "software_it", "legal_accounting_consulting",
           "telecom_media_creative", "architecture_engineering", "retail_ecommerce", "construction_installation",
           "agriculture_fishery", "cleaning_security_services", "education_research", "textiles_fashion",
           "wood_furniture", "health_medtech_pharma", "food_beverage"}
SMALL_ONLY = {"personal_services"}

SIZE_DA = {
    "solo": ["Enkeltmandsvirksomhed.", "Jeg er selvstændig og arbejder alene.", "Enkeltmandsvirksomhed – bare mig."],
    "micro": ["Vi er 3 ansatte.", "Vi er to partnere og en elev.", "Ejerledet med 6 ansatte.", "Vi er fire mand.",
              "Vi er et lille team på 5.", "Mig og min kone plus to deltidsansatte."],
    "small": ["Vi er ca. 12 medarbejdere.", "Familieejet, ca. 25 ansatte.", "Vi er 18 ansatte.",
              "Omkring 30 ansatte fordelt på to afdelinger.", "Ejerledet virksomhed med 40 ansatte."],
    "medium": ["Omkring 80 ansatte.", "Vi er ca. 120 medarbejdere.", "Ca. 230 ansatte i Danmark og et salgskontor i Sverige.",
               "Vi er 160 ansatte på tre lokationer.", "Familieejet med knap 100 ansatte."],
}
SIZE_EN = {
    "solo": ["Sole trader.", "One-person business.", "It's just me."],
    "micro": ["We are 4 people.", "Two founders and one employee.", "Owner-managed, 7 staff."],
    "small": ["About 15 employees.", "Family-owned, around 35 staff.", "We employ 22 people."],
    "medium": ["Roughly 90 employees.", "About 180 staff across two sites.", "Around 240 employees in total."],
}
EXTRA_MANUF_DA = ["Det meste laves på bestilling.", "Vi er kendt for korte leveringstider.",
                  "Vi er certificeret efter ISO 9001.", "Vi har egen produktion i Danmark."]
EXTRA_MANUF_EN = ["Most work is made to order.", "We are ISO 9001 certified."]
MANUF = {"food_beverage", "metal_machinery", "electronics_instruments", "plastics_chemicals", "wood_furniture",
         "textiles_fashion"}
NONCOMMERCIAL = {"public_sector_nonprofit"}


def extras_for(label, base, manuf):
    if label in NONCOMMERCIAL:
        return ["Vi har fokus på at gøre en forskel lokalt.", "Vi er afhængige af frivillige kræfter."] if base is EXTRA_DA \
            else ["We rely heavily on volunteers.", "Our focus is the local community."]
    return base + (manuf if label in MANUF else [])


EXTRA_DA = ["Vi lægger vægt på høj kvalitet og personlig service.",
            "Vi har gjort det i over 30 år.",
            "Vi er vokset meget de sidste tre år.", "Bæredygtighed er en stor del af vores profil.",
            "Vi har et tæt samarbejde med vores kunder.", "Virksomheden er overtaget af anden generation.",
            "Vi er netop flyttet til nye lokaler.", "Vi arbejder både med faste aftaler og enkeltopgaver."]
EXTRA_EN = ["Quality and service are what we're known for.",
            "We've been at it for over 25 years.", "We have grown quickly over the last few years.",
            "Sustainability is central to our profile.", "The second generation took over recently."]

CITIES = ["Aarhus", "Odense", "Vejle", "Herning", "Esbjerg", "Roskilde", "Aalborg", "Randers", "Svendborg",
          "Holstebro", "Næstved", "Kolding", "Viborg", "Silkeborg", "Hillerød", "Horsens", "Sønderborg", "Thisted"]
REGIONS_DA = ["på Sjælland", "på Fyn", "i Midtjylland", "i Nordjylland", "i Sønderjylland", "i hovedstadsområdet",
              "i Trekantområdet", "i Vestjylland", "på Bornholm", "i Østjylland"]
COUNTRIES_DA = ["Tyskland", "Sverige", "Norge", "Holland", "Storbritannien", "USA", "Polen", "Frankrig", "Finland"]
REGIONS_EN = ["Zealand", "Funen", "Central Jutland", "North Jutland", "the Copenhagen area", "Southern Denmark"]
COUNTRIES_EN = ["Germany", "Sweden", "Norway", "the Netherlands", "the UK", "the US", "Poland", "France"]


FOREIGN = ["Tyskland", "Frankrig", "Europa", "Norden", "Asien", "Norge", "Japan", "USA", "eksport", "Chile",
           "udland", "Østafrika", "Sverige", "Baltikum", "Germany", "export", "Nordics", "German", "Dutch", "turister",
           "tourists", "travellers", "Steam", "konsol"]


def cap(s):
    return s[:1].upper() + s[1:]


def typo(s):
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if not idx:
        return s
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.5 else w[:j] + w[j + 1:]
    return " ".join(words)


def roughen(s):
    r = rng.random()
    if r < 0.03:
        return typo(s)
    if r < 0.06:
        return s[:1].lower() + s[1:]
    if r < 0.09 and s.endswith("."):
        return s[:-1]
    return s


def pick_size(label):
    if label in SMALL_ONLY:
        opts = ["solo", "micro", "micro", "small"]
    elif label in SOLO_OK:
        opts = ["solo", "micro", "small", "small", "medium"]
    else:
        opts = ["micro", "small", "small", "medium", "medium"]
    return rng.choice(opts)


def core_da(label, act, noun):
    size = pick_size(label)
    sz = rng.choice(SIZE_DA[size])
    plural_er = act.startswith("er ") and act.split(" ")[-1].endswith(("er", "e"))
    year = rng.choice(range(1948, 2023))
    frames = [
        "Vi {act}.", "Vi {act}. {sz}", "{sz} Vi {act}.", "{noun}.", "{noun} – {szl}",
        "Kerneforretningen er, at vi {act}.", "Virksomheden blev startet i {year}, og vi {act}. {sz}",
        "Vi er en ejerledet virksomhed, der {act}.", "Kort fortalt: vi {act}.", "Vi {act}. {extra}",
        "{noun}. {sz} {extra}", "Vi {act} – {extra_l}", "{sz} Vi {act}. {extra}",
        "Hos os handler det om én ting: vi {act}.", "{noun} siden {year}.",
    ]
    if size == "solo" and not plural_er and not act.startswith("er "):
        frames += ["Jeg {act}. {sz}", "{sz} Jeg {act}.", "Jeg {act} – som enkeltmandsvirksomhed."] * 2
    if size == "solo":
        frames = [f for f in frames if "Jeg" in f] or ["{noun} – {szl}", "{noun}. {sz}", "{sz} {noun}."]
    if label in NONCOMMERCIAL:
        frames = [f for f in frames if "ejerledet" not in f and "Virksomheden" not in f]
    extra = rng.choice(extras_for(label, EXTRA_DA, EXTRA_MANUF_DA))
    t = rng.choice(frames)
    return t.format(act=act, sz=sz, szl=sz[:1].lower() + sz[1:], noun=noun, year=year, extra=extra,
                    extra_l=extra[:1].lower() + extra[1:])


def core_en(label, act, noun):
    size = pick_size(label)
    sz = rng.choice(SIZE_EN[size])
    extra = rng.choice(extras_for(label, EXTRA_EN, EXTRA_MANUF_EN))
    year = rng.choice(range(1955, 2023))
    frames = ["We {act}.", "We {act}. {sz}", "{sz} We {act}.", "{noun}.", "{noun}, {szl}",
              "Founded in {year}; we {act}.", "In short, we {act}. {extra}", "{noun}. {sz} {extra}",
              "Our core business: we {act}."]
    if label in NONCOMMERCIAL:
        frames = [f for f in frames if "Founded" not in f]
    if size == "solo":
        act_i = act.replace("are ", "am ", 1) if act.startswith("are ") else act
        frames = ["I {act_i}. {sz}", "{sz} I {act_i}.", "{noun} – {szl}"]
    else:
        act_i = act
    t = rng.choice(frames)
    return t.format(act=act, act_i=act_i, sz=sz, szl=sz[:1].lower() + sz[1:], noun=noun, year=year, extra=extra)


def market_da(scope, custs):
    c1 = rng.choice(custs)
    rest = [c for c in custs if c != c1]
    c2 = rng.choice(rest) if rest else None
    city, region, country = rng.choice(CITIES), rng.choice(REGIONS_DA), rng.choice(COUNTRIES_DA)
    pct = rng.choice([10, 20, 30, 40, 60, 70, 80])
    single = ["{C1}.", "Primært {c1}.", "Vores kunder er {c1}.", "Mest {c1}."]
    double = ["Primært {c1}, men også {c2}.", "Vores kunder er {c1} og {c2}.",
              "{C1} står for størstedelen af omsætningen; resten er {c2}.",
              "Ca. {pct} % af omsætningen kommer fra {c1}, resten fra {c2}.", "{C1} og {c2}."]
    by_scope = {
        "local": ["{C1} i {city} og omegn.", "Lokalt – {c1} inden for ca. {km} km.", "{C1}, næsten udelukkende {region}.",
                  "Vi arbejder primært i {city}-området for {c1}."],
        "tourism": ["{C1}; mange kommer fra Tyskland og Norge.", "Vores gæster er især {c1}, mest i højsæsonen.",
                    "{C1}. Sæsonen er primært maj til september.", "{C1} fra hele landet og fra udlandet."],
        "national": ["{C1} i hele Danmark.", "{C1}, primært {region}.", "Hele landet, men med tyngde {region}: {c1}.",
                     "{C1} i Danmark – lidt i {country}."],
        "export": ["{C1} i Danmark og {country}.", "Ca. {pct} % eksport, især til {country}; herhjemme sælger vi til {c1}.",
                   "{C1} i Norden. Vi vil gerne vokse i {country}.", "Primært hjemmemarkedet: {c1}. Eksporten er lille, men voksende."],
    }
    pool = single + by_scope[scope] * 2 + (double * 2 if c2 else [])
    if any(m in c1 for m in FOREIGN):
        pool = single + (double if c2 else [])
    t = rng.choice(pool)
    txt = t.format(c1=c1, C1=cap(c1), c2=c2, city=city, region=region, country=country, pct=pct,
                   km=rng.choice([20, 30, 50]))
    if rng.random() < 0.15:
        txt += " " + rng.choice(["Vi vil gerne have flere erhvervskunder.", "Vi ønsker at vokse uden for landsdelen.",
                                 "Vi kigger på nye markeder.", "Det offentlige er et marked, vi gerne vil ind på.",
                                 "Markedet er stabilt, men konkurrencen er hård."])
    return txt


def market_en(scope, custs):
    c1 = rng.choice(custs)
    rest = [c for c in custs if c != c1]
    c2 = rng.choice(rest) if rest else None
    region, country = rng.choice(REGIONS_EN), rng.choice(COUNTRIES_EN)
    single = ["{C1}.", "Mainly {c1}.", "Our customers are {c1}."]
    double = ["Mainly {c1}, but also {c2}.", "{C1} and {c2}.", "Mostly {c1}; the rest is {c2}."]
    by_scope = {
        "local": ["{C1} in and around {city}.", "Local {c1}, mostly in {region}."],
        "tourism": ["{C1}, many from Germany and Norway.", "{C1}, mainly in the summer season."],
        "national": ["{C1} across Denmark.", "{C1}, mostly in {region}."],
        "export": ["{C1} in Denmark and {country}.", "About {pct}% exports, mostly to {country}.",
                   "{C1} in the Nordics; we want to grow in {country}."],
    }
    pool = single + by_scope[scope] * 2 + (double * 2 if c2 else [])
    if any(m in c1 for m in FOREIGN):
        pool = single + (double if c2 else [])
    return rng.choice(pool).format(c1=c1, C1=cap(c1), c2=c2, region=region, country=country,
                                   city=rng.choice(CITIES), pct=rng.choice([20, 40, 60, 75]))


def main():
    rows = []
    for label, d in L.items():
        for lang, n, niches, cf, mf in (("da", N_DA, d["da"], core_da, market_da),
                                        ("en", N_EN, d["en"], core_en, market_en)):
            seen, made, tries = set(), 0, 0
            order = []
            while made < n and tries < 5000:
                tries += 1
                if not order:
                    order = list(niches)
                    rng.shuffle(order)
                act, noun, custs = order.pop()
                core = roughen(cf(label, act, noun))
                market = roughen(mf(d["scope"], custs))
                if core in seen:
                    continue
                seen.add(core)
                rows.append({"language": lang, "core_business": core, "market_now": market, "industry": label})
                made += 1
            assert made == n, (label, lang, made)
    rng.shuffle(rows)
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote", len(rows), os.path.abspath(OUT))


if __name__ == "__main__":
    main()
