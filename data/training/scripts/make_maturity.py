# -*- coding: utf-8 -*-
"""Generate maturity.jsonl (training data, written from general knowledge)."""
import json, os, random, sys
sys.path.insert(0, os.path.dirname(__file__))
from tech_data import T, IND_DA, IND_EN, PARTNERS_DA, PARTNERS_EN

rng = random.Random(4711)
OUT = os.path.join(os.path.dirname(__file__), "..", "maturity.jsonl")
N_PER_LEVEL = 225
DA_SHARE = 0.75

# --------------------------------------------------------------------------- pools (Danish)
ROLE_DA = {
    "any": [
        "Vi tror, at {ref} kan hjælpe os med at {use}.",
        "{Ref} kan forhåbentlig hjælpe os med at {use}.",
        "Vi er {ind}, og for os handler det især om at {use}.",
        "Det bliver vigtigt for at {use} – og på sigt også for at {use2}.",
        "Kunderne begynder at spørge efter det, så vi skal kunne {use}.",
        "Primært til at {use}.",
        "{Use}.",
        "{Use} og {use2}.",
        "Stor betydning. Vi skal {use}, ellers bliver vi overhalet af konkurrenterne.",
        "Vi ser {ref} som en måde at {use} på uden at ansætte flere.",
        "På kort sigt: {use}. På lang sigt: {use2}.",
        "Vi har svært ved at skaffe folk, så {ref} skal hjælpe os med at {use}.",
        "Dels et krav fra vores største kunder, dels en mulighed for at {use}.",
        "Som {ind_short} er vi under pres på marginerne – {ref} skal hjælpe os med at {use}.",
        "Det er en del af vores strategi frem mod 2030 at {use}.",
        "Vi forventer, at det får betydning for hele værdikæden, især for at {use}.",
        "mulighed for at {use}",
        "Det kan gøre os mere konkurrencedygtige, fordi vi kan {use}.",
        "Vi håber, det kan {use2_inf}.",
        "Ret stor, tror vi. Vores branche ændrer sig hurtigt.",
        "Mellem. Det er ikke vores kerne, men det kan {use2_inf}.",
    ],
    "beginner": [
        "Det ved vi ikke endnu – det er en del af grunden til, at vi deltager.",
        "Vi har en fornemmelse af, at det bliver vigtigt, men vi kan ikke sætte ord på hvordan.",
        "Måske kan det {use2_inf}? Vi er usikre.",
        "Uklart. Vi håber at blive klogere på det.",
        "Vi har svært ved at vurdere det, men alle taler om {ref}.",
        "Vi er {ind}, og vi ved ærligt talt ikke, om {ref} er relevant for os.",
        "Det er nok vigtigt, men vi ved ikke hvor meget.",
        "Vi vil gerne forstå, om det kan {use2_inf}.",
    ],
    "experimenting": [
        "Vores første forsøg viser, at {ref} kan hjælpe os med at {use}. Nu skal vi finde ud af, om det holder i stor skala.",
        "Vi tror, det bliver vigtigt – de første erfaringer peger på, at vi kan {use}.",
        "Det vi har prøvet indtil nu, tyder på, at det kan {use2_inf}.",
        "Vi har set potentialet i det små; nu skal det ud i hele forretningen.",
    ],
    "advanced": [
        "{Ref} er allerede kritisk for vores drift; fremover handler det om at {use2}.",
        "Det er en kernekompetence hos os og en del af vores konkurrencefordel.",
        "Vi bruger det allerede til at {use}, og næste skridt er at {use2}.",
        "Helt central. Det understøtter stort set alle vores processer.",
        "Det er forretningskritisk – uden det kunne vi ikke levere til tiden.",
        "Det bliver endnu vigtigere, når vi skal {use2} på tværs af alle afdelinger.",
    ],
}

EXP_DA = {
    "beginner": [
        "Ingen.", "Ingen erfaring endnu.", "Ingen erfaring overhovedet.",
        "Vi har ikke rigtig arbejdet med {ref} endnu.",
        "Meget lidt – vi har læst lidt om det og været til et enkelt webinar.",
        "Nul. Derfor er vi her.",
        "Vi har snakket om det på ledermøderne et par gange, men aldrig gjort noget konkret.",
        "En enkelt medarbejder har prøvet {tool} derhjemme, men det bruges ikke i firmaet.",
        "Vi har fået tilbud fra to leverandører, men har ikke turdet gå videre.",
        "Kun det, vi har hørt fra andre virksomheder i vores netværk.",
        "Vi så en demo på en messe sidste år. Ellers intet.",
        "Jeg har selv læst lidt om emnet, men vi er helt på bar bund i virksomheden.",
        "Vi er helt nye på området.",
        "Ingen. Vores største kunde er dog begyndt at spørge ind til det.",
        "Næsten ingen – vi ved ikke, hvor vi skal starte.",
        "Har kun hørt om det i medierne.",
        "For nogle år siden fik vi lavet en lille screening, men der kom ikke noget ud af det.",
        "Begrænset. Vi bruger det vist ikke.",
        "Vi har ikke nogen, der har forstand på det.",
        "Vi var til et morgenmøde om {ref} i erhvervsrådet, og det var der, interessen blev vakt.",
        "Mest nysgerrighed indtil videre.",
        "Ingen praktisk erfaring, kun lidt teori.",
        "Vi er på bar bund, helt ærligt.",
        "Vi har læst en rapport fra brancheforeningen om {ref}, men ikke gjort noget selv.",
        "Vores IT-leverandør har nævnt det, men vi har ikke taget stilling til noget.",
        "Nej, ingen.",
        "Meget lidt. Vi har haft besøg af en konsulent, som fortalte om mulighederne.",
        "Der er ingen i virksomheden, der har arbejdet med det før.",
        "Vi har ikke prøvet noget endnu, men vi er nysgerrige.",
        "Vi har kigget lidt på, hvad konkurrenterne gør, men vi er ikke selv startet.",
        "Ikke nogen at tale om.",
        "Vi kender begrebet, men det stopper også der.",
        "Det er helt nyt for os.",
        "Min søn har vist mig lidt, men i firmaet har vi ingen erfaring.",
        "Ingen – vi er en traditionel virksomhed, hvor det meste stadig foregår på papir.",
        "Vi har aldrig haft budget til at prøve det.",
        "Lidt snak med revisoren, ellers intet konkret.",
    ],
    "experimenting": [
        "Vi har {trial}. Det ser lovende ud, men det kører ikke i drift endnu.",
        "Indtil videre har vi {trial}.",
        "Vi har {trial}, men vi er ikke kommet videre derfra.",
        "Vi lavede et proof of concept med {partner} sidste år; teknisk virkede det, men det er ikke implementeret.",
        "Et par af medarbejderne bruger {tool} på egen hånd, men der er ingen fælles linje.",
        "Vi bruger {tool} lidt – mest til enkeltstående opgaver.",
        "Vi har testet to forskellige løsninger og er ved at vælge den ene.",
        "Vi er midt i et forløb med {partner}, hvor vi afprøver {ref} i én afdeling.",
        "Vi har et forsøg kørende i en enkelt afdeling.",
        "Vi gik i gang for {months} måneder siden med et mindre projekt, og de første resultater er ok.",
        "Lidt. Vi har prøvet os frem – nogle ting virker, andet gør ikke.",
        "Vi har taget de første skridt: {trial}.",
        "Vi har købt en løsning, men den bruges kun af én person.",
        "Vi har lavet en prototype, som vi har vist til et par kunder.",
        "En testperiode på et halvt år er lige afsluttet.",
        "Begyndende. Vi har {trial}, og nu skal vi finde ud af, om det kan betale sig.",
        "Vi har haft en studerende fra {uni}, der har testet {ref} hos os.",
        "Vi har haft det kørende på prøve i {months} måneder.",
        "Små skridt: en enkelt løsning i brug, resten står på tegnebrættet.",
        "Vi har fået tilskud til et første projekt, som er i gang nu.",
        "Vi er i gang, men det er stadig meget manuelt og ad hoc.",
        "Vi har {trial}. Det gav gode erfaringer, men også en del bøvl.",
        "Vi er kommet i gang med {ref} i det små.",
        "Sidste efterår {trial_past}. Det virkede sådan set, men vi har ikke fået det udbredt.",
        "Vi har {trial} – det er første gang, vi prøver noget i den retning.",
        "Vi startede op med {partner} og {trial_past_short} som et første eksperiment.",
        "Noget. {Tool} bruges i et par afdelinger, men det er ikke sat i system.",
        "Vi har lavet et par mindre afprøvninger og har en idé om, hvad der virker.",
    ],
    "advanced": [
        "Hos os er det sådan, at {ops}. Det har kørt stabilt i flere år.",
        "{Ops}, og vi arbejder løbende på at optimere det.",
        "Vi har et internt team på {n} personer, der arbejder med {ref} på fuld tid.",
        "Vi har arbejdet med {ref} siden {year}, og det er integreret med både ERP og vores øvrige systemer.",
        "Det er en fast del af driften. {Ops}.",
        "Vi har løsninger i drift på alle vores lokationer.",
        "Meget erfaring – vi er nu i gang med at finjustere og skalere til nye forretningsområder.",
        "Vi har egne specialister og en fast leverandør, som vi har samarbejdet med i mange år.",
        "Vi udvikler selv løsninger og sælger dem også videre til kunder.",
        "Lang erfaring. Det er svært at forestille sig hverdagen uden.",
        "Stor. {Ops}. Vi måler løbende på effekten.",
        "Vi var blandt de første i branchen og har haft det i drift siden {year}.",
        "{Ops}. Data derfra bruges dagligt af ledelsen.",
        "Vi har rullet det ud i hele organisationen og er nu på anden generation af løsningen.",
        "Modent. Vi har dedikerede ressourcer, faste processer og KPI'er.",
        "Vi har {n} medarbejdere med specialviden og et tæt samarbejde med {partner} om videreudvikling.",
        "Det er kernen i vores forretningsmodel – {ops}.",
        "Omfattende: {ops}, og vi har netop integreret det med vores leverandørers systemer.",
        "Vi har mere end {yrs} års erfaring og betragter det som en del af vores DNA.",
        "Vi er dem, andre i branchen ringer til, når de skal i gang. {Ops}.",
    ],
}
EXP_EXTRA_DA = {
    "beginner": ["Vi er nysgerrige.", "Det er derfor, vi er med.", "Vi har brug for et skub.",
                 "Vi ved, at vi er bagud.", "Vi vil gerne i gang, men hvordan?"],
    "experimenting": ["Nu skal vi beslutte, om vi går videre.", "Resultaterne er blandede.",
                      "Det er ikke forankret i organisationen endnu.", "Næste skridt er at skalere.",
                      "Vi mangler at få det ud i den daglige drift."],
    "advanced": ["Vi måler løbende på effekten.", "Næste skridt er at koble endnu flere data på.",
                 "Vi deler gerne vores erfaringer.", "Vi har flere udviklingsprojekter i gang oven på det.",
                 "Fokus er nu på optimering frem for nye projekter."],
}

BAR_DA = {
    "beginner": [
        "Manglende viden.", "Vi ved ikke, hvor vi skal starte.", "Tid og penge – og vi har ingen IT-afdeling.",
        "Usikkerhed om, hvad det reelt kan give os.",
        "Det virker uoverskueligt, og der er mange leverandører, der gerne vil sælge noget.",
        "Vi er få ansatte, og driften fylder det hele.", "Frygt for at investere i det forkerte.", "Kompetencer.",
        "Ved ikke helt.", "Vi mangler nogen internt, der kan drive det.",
        "Økonomien – vi kan ikke se business casen endnu.",
        "Vi forstår ikke teknologien godt nok til at stille de rigtige spørgsmål.",
        "Medarbejderne er lidt skeptiske, og ledelsen har ikke prioriteret det.", "Vi aner ikke, hvad det koster.",
        "Manglende overblik over mulighederne.", "Det er meget teknisk, og vi mangler sproget for det.",
        "Vi kender ingen i vores branche, der har gjort det.", "Ingen tid til at sætte sig ind i det.",
        "Vi er bange for, at det er for stort et skridt for en virksomhed af vores størrelse.",
        "Hvor skal vi overhovedet begynde?", "Alderen på medarbejderne og manglende digitale kompetencer.",
        "At finde ud af, om {ref} overhovedet giver mening for os.",
    ],
    "experimenting": [
        "At komme fra test til rigtig drift.", "Datakvaliteten er ikke god nok til at skalere.",
        "Integrationen med vores eksisterende systemer.",
        "Efter første forsøg er nogle medarbejdere blevet skeptiske.",
        "Business casen holder i det små, men vi er usikre på, om den holder i stor skala.",
        "Det er svært at få løsningen ud i flere afdelinger.",
        "Når konsulenten går, er der ingen, der driver det videre.", "Vi mangler en intern tovholder.",
        "Ressourcer til at gå fra forsøg til fuld udrulning.",
        "Leverandøren kunne ikke levere det, vi havde forventet.", "Investeringen til næste trin er stor.",
        "Vi har svært ved at måle effekten af det, vi har prøvet.",
        "Driftssikkerheden – i testen gik det ned et par gange.",
        "Prioritering i hverdagen; projektet går i stå, når der er travlt.",
        "Vi har flere små løsninger, der ikke taler sammen.",
        "At få de ældre medarbejdere med, nu hvor det skal bruges af alle.",
        "Det kræver, at vi ændrer vores arbejdsgange, og det er sværere end selve teknologien.",
        "Vi ved ikke, om vi skal bygge videre på den løsning, vi har testet, eller starte forfra.",
    ],
    "advanced": [
        "Rekruttering af specialister.", "Gamle systemer, der skal spille sammen med de nye.",
        "Governance og datasikkerhed, nu hvor det er skaleret op.", "Vedligehold af mange løsninger på én gang.",
        "At presse de sidste procenter ud – de lavthængende frugter er plukket.",
        "Standardisering på tværs af fabrikker og lande.", "Stigende licens- og cloudomkostninger.",
        "Afhængighed af få nøglepersoner.", "Kompleksiteten stiger i takt med, at vi integrerer flere systemer.",
        "Regulatoriske krav, fx NIS2 og AI-forordningen.",
        "At holde trit med udviklingen, så vores løsning ikke bliver forældet.",
        "Forandringsledelse i de sidste afdelinger.", "Cybersikkerhed, når alt er koblet sammen.",
        "Ingen egentlige barrierer – mest prioritering mellem mange gode projekter.",
        "Datamængderne vokser hurtigere end vores infrastruktur.",
        "At dokumentere effekten over for bestyrelsen, nu hvor det er blevet en stor post.",
    ],
}

POT_DA = {
    "beginner": [
        "At finde ud af, om det overhovedet er noget for os.", "Spare tid, håber vi.", "Måske at {use}.",
        "Få overblik over mulighederne og et konkret første skridt.",
        "Blive mere effektive, men vi ved ikke helt hvordan.", "Ikke at blive hægtet af.",
        "At lære af andre virksomheder i samme situation.", "Bedre service over for kunderne.",
        "Vi håber at kunne {use}.", "Ved ikke endnu.", "Det skal masterclassen hjælpe os med at finde ud af.",
        "Hvis vi kunne {use}, ville det være en stor gevinst.", "Vi forestiller os, at vi kan {use}.",
        "Lettere hverdag for medarbejderne.",
    ],
    "experimenting": [
        "At rulle forsøget ud i hele virksomheden.", "Gå fra test til fast drift og {use}.",
        "Hvis det holder, kan vi {use} på alle ordrer.", "Få løsningen koblet sammen med ERP, så den ikke er en ø.",
        "Vi så {pct} % besparelse i testen – det vil vi gerne have i hele huset.",
        "At gøre det til en fast del af hverdagen i stedet for et sideprojekt.",
        "Skalere til flere afdelinger og {use2}.", "Bruge erfaringerne fra testen til at {use}.",
        "At få fuld effekt af det, vi allerede har betalt for.",
        "Næste skridt: {use} i fuld skala.",
    ],
    "advanced": [
        "Optimere yderligere og {use2}.", "Nye forretningsmodeller – fx at sælge data eller services baseret på {ref}.",
        "At skalere løsningen til nye markeder.",
        "Finjustere og reducere omkostningerne med yderligere et par procent.",
        "Koble data på tværs af hele værdikæden.", "Bruge vores erfaring til at hjælpe kunder og leverandører.",
        "Fuld automatisering af de sidste manuelle trin.", "Realtidsstyring på tværs af alle lokationer.",
        "At gå fra reaktiv til prædiktiv styring overalt.", "At gøre vores egne løsninger til et produkt, vi kan sælge.",
    ],
}
SHORT_DA = ["Tid.", "Penge.", "Økonomi", "Viden", "Ressourcer.", "?", "-", "Svært at sige.", "Mange."]

# --------------------------------------------------------------------------- pools (English)
ROLE_EN = {
    "any": [
        "We think {ref} can help us {use}.", "Mainly to {use}.", "{Use}.", "{Use} and {use2}.",
        "We are {ind}, so for us it's about being able to {use}.",
        "Customers are starting to ask for it, so we need to {use}.",
        "Short term: {use}. Long term: {use2}.", "A way to {use} with the people we already have.",
        "It will matter a lot – we need to {use} to stay competitive.",
        "Partly a customer requirement, partly a chance to {use}.", "Fairly important. Our sector is changing fast.",
        "It's in our strategy to {use} by 2027.",
    ],
    "beginner": [
        "We don't really know yet, which is why we signed up.", "Unclear – we hope to find out.",
        "Everybody talks about {ref}, but we are not sure how it applies to us.",
        "Maybe it could help us {use}? Not sure.",
    ],
    "experimenting": [
        "Our first trial suggests {ref} can help us {use}; the question is whether it works at scale.",
        "Early results say we can {use}. Now we need to make it part of daily work.",
    ],
    "advanced": [
        "{Ref} is already critical to our operations; next it's about {use2_ing}.",
        "It is a core competence and part of our competitive edge.",
        "We already use it to {use}, and next we want to {use2}.",
        "Central. It underpins almost every process we have.",
    ],
}
EXP_EN = {
    "beginner": [
        "None.", "No experience yet.", "Hardly any – we've read a bit and attended one webinar.",
        "We have not really worked with {ref} at all.", "Zero. That's why we're here.",
        "We've discussed it in management meetings but never done anything concrete.",
        "One employee has played with {tool} at home, but we don't use it in the company.",
        "Only what we've heard from other companies in our network.",
        "We saw a demo at a trade fair. That's it.", "Completely new to us.",
        "None, although our largest customer has started asking about it.",
        "Almost none – we don't know where to begin.", "Got a couple of quotes from vendors but didn't go ahead.",
        "We know the buzzwords, not much more.", "Nobody here has worked with it before.",
        "Very limited. A consultant visited and talked about the possibilities.",
    ],
    "experimenting": [
        "We have {trial}. Looks promising, but it isn't in daily operation.",
        "So far we have {trial}.", "We have {trial}, but haven't moved beyond that.",
        "We did a proof of concept with {partner} last year; it worked technically but was never rolled out.",
        "A few people use {tool} on their own, without any common approach.",
        "We're testing two solutions and are about to choose one.",
        "We started a small project {months} months ago and the first results are okay.",
        "Some. We've tried a few things – some worked, some didn't.",
        "We have a trial running in one department.", "Early days: {trial}.",
        "We bought a licence but only one person really uses it.",
        "We're halfway through a programme with {partner} testing {ref} on one line.",
    ],
    "advanced": [
        "{Ops}. It has been running smoothly for years.", "{Ops}, and we keep optimising it.",
        "We have an in-house team of {n} working on {ref} full time.",
        "We've worked with {ref} since {year}; it is integrated with ERP and our other systems.",
        "It's part of daily operations. {Ops}.", "Extensive – we're now fine-tuning and scaling to new business areas.",
        "We develop our own solutions and also sell them to customers.", "Long experience; we can't imagine working without it.",
        "Mature: dedicated people, fixed processes and KPIs.", "We were early adopters and have been live since {year}.",
        "{Ops}. Management uses the data every day.",
    ],
}
EXP_EXTRA_EN = {
    "beginner": ["We're curious.", "We need a push.", "We know we're behind."],
    "experimenting": ["Now we need to decide whether to continue.", "Results are mixed.", "Next step is scaling."],
    "advanced": ["We track the impact continuously.", "Focus is now on optimisation.", "Happy to share our experience."],
}
BAR_EN = {
    "beginner": [
        "Lack of knowledge.", "We don't know where to start.", "Time and money, and no IT department.",
        "Unsure what the real value is.", "It feels overwhelming and vendors all want to sell us something.",
        "Small team, busy with day-to-day work.", "Fear of investing in the wrong thing.", "Skills.",
        "We don't understand the technology well enough to ask the right questions.", "No idea what it costs.",
        "Not sure {ref} makes sense for a company our size.",
    ],
    "experimenting": [
        "Going from test to real operation.", "Data quality is not good enough to scale.",
        "Integration with our existing systems.", "Some staff became sceptical after the first trial.",
        "The business case works small-scale, but we're unsure it holds at scale.",
        "When the consultant leaves, nobody drives it.", "The next investment step is big.",
        "Hard to measure the effect of what we've tried.", "Keeping momentum when we're busy.",
        "Changing our workflows is harder than the technology itself.",
    ],
    "advanced": [
        "Recruiting specialists.", "Legacy systems that must work with the new ones.",
        "Governance and data security at scale.", "Squeezing out the last few percent.",
        "Standardising across sites and countries.", "Rising licence and cloud costs.",
        "Dependence on a few key people.", "Regulation such as NIS2 and the AI Act.",
        "Keeping up so our solution doesn't become outdated.", "No real barriers – mostly prioritising between good projects.",
    ],
}
POT_EN = {
    "beginner": [
        "Finding out if it's for us at all.", "Saving time, hopefully.", "Maybe to {use}.",
        "An overview and a concrete first step.", "Not falling behind.", "Learning from companies like us.",
        "We hope to {use}.", "Don't know yet.",
    ],
    "experimenting": [
        "Rolling the trial out across the company.", "Moving from test to operation and {use_ing}.",
        "If it holds up, we can {use} on every order.", "Connecting it to ERP so it's not an island.",
        "We saw {pct}% savings in the test – we want that everywhere.", "Making it part of daily work rather than a side project.",
    ],
    "advanced": [
        "Optimise further and {use2}.", "New business models, e.g. selling services based on {ref}.",
        "Scaling to new markets.", "Fine-tuning to cut costs by another few percent.",
        "Connecting data across the whole value chain.", "Full automation of the last manual steps.",
        "Turning our in-house solutions into a product.",
    ],
}
SHORT_EN = ["Time.", "Money.", "Budget", "Skills", "?", "-", "Hard to say."]

UNIS = ["SDU", "AAU", "DTU", "Aarhus Universitet", "erhvervsakademiet", "CBS"]
MONTHS = ["tre", "fire", "seks", "otte", "ni", "12"]
MONTHS_EN = ["three", "four", "six", "eight", "nine", "12"]


def cap(s):
    return s[:1].upper() + s[1:] if s else s


def ing(v):
    """crude English gerund for the first word of a verb phrase"""
    w, _, rest = v.partition(" ")
    irregular = {"get": "getting", "cut": "cutting", "run": "running", "plan": "planning", "spot": "spotting",
                 "make": "making", "use": "using", "manage": "managing", "free": "freeing", "see": "seeing",
                 "write": "writing", "share": "sharing", "scale": "scaling", "take": "taking", "reduce": "reducing",
                 "optimise": "optimising", "predict": "predicting", "move": "moving", "access": "accessing",
                 "tackle": "tackling", "palletise": "palletising", "handle": "handling", "relieve": "relieving",
                 "tend": "tending", "make": "making", "remove": "removing", "answer": "answering",
                 "translate": "translating", "generate": "generating", "build": "building", "recruit": "recruiting",
                 "protect": "protecting", "meet": "meeting", "keep": "keeping", "win": "winning",
                 "enter": "entering", "grow": "growing", "spread": "spreading", "find": "finding",
                 "improve": "improving", "inspect": "inspecting", "survey": "surveying", "monitor": "monitoring",
                 "shoot": "shooting", "train": "training", "show": "showing", "do": "doing", "create": "creating",
                 "spend": "spending", "comply": "complying", "avoid": "avoiding", "follow": "following",
                 "track": "tracking", "understand": "understanding", "print": "printing", "offer": "offering",
                 "forecast": "forecasting", "speed": "speeding", "weld": "welding", "search": "searching",
                 "reach": "reaching", "sell": "selling", "work": "working", "test": "testing", "weld": "welding"}
    g = irregular.get(w, w + "ing")
    out = g + (" " + rest if rest else "")
    extra = {"resell": "reselling", "reduce": "reducing", "scale": "scaling", "train": "training"}
    for k, v in extra.items():
        out = out.replace(" and " + k + " ", " and " + v + " ")
    return out


# Typos -------------------------------------------------------------------------------------
def typo(s):
    if len(s) < 12:
        return s
    kind = rng.random()
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not idx:
        return s
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    if kind < 0.35:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]          # swap
    elif kind < 0.65:
        w = w[:j] + w[j + 1:]                             # drop
    elif kind < 0.85:
        w = w[:j] + w[j] + w[j:]                          # double
    else:
        w = w.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    words[i] = w
    return " ".join(words)


def roughen(s):
    r = rng.random()
    if r < 0.03:
        s = typo(s)
    elif r < 0.07:
        s = s[:1].lower() + s[1:]
    elif r < 0.12 and s.endswith("."):
        s = s[:-1]
    return s


def pick_tech_for(lang):
    return rng.choice(list(T.keys()))


def industry_for(tech, lang):
    pool = IND_DA if lang == "da" else IND_EN
    allowed = T[tech]["ind"]
    cands = [d for k, d in pool if allowed is None or k in allowed]
    return rng.choice(cands)


def slots(tech, lang):
    t = T[tech]
    L = lang
    uses = t["use_" + L]
    u1, u2 = rng.sample(uses, 2)
    ref = rng.choice(t["ref_" + L])
    trial = rng.choice(t["trial_" + L])
    ops = rng.choice(t["ops_" + L])
    ind = industry_for(tech, L)
    ind_short = ind.split(" ", 1)[1] if " " in ind else ind
    s = dict(ref=ref, Ref=cap(ref), use=u1, Use=cap(u1), use2=u2, tool=rng.choice(t["tool"]),
             Tool=cap(rng.choice(t["tool"])), trial=trial, ops=ops, Ops=cap(ops),
             partner=rng.choice(PARTNERS_DA if L == "da" else PARTNERS_EN),
             n=rng.choice([2, 3, 4, 5, 6, 8, 12]), year=rng.choice(range(2008, 2021)),
             yrs=rng.choice([5, 7, 10, 12, 15, 20]),
             months=rng.choice(MONTHS if L == "da" else MONTHS_EN), uni=rng.choice(UNIS), ind=ind,
             ind_short=ind_short, pct=rng.choice([5, 8, 10, 12, 15, 20, 25]))
    if L == "da":
        s["use2_inf"] = "hjælpe os med at " + u2
        # past-tense variants of the trial phrase ("testet" -> "testede vi")
        s["trial_past"] = _past_da(trial, inverted=True)
        s["trial_past_short"] = _past_da(trial, inverted=False)
    else:
        s["use2_inf"] = "help us " + u2
        s["use_ing"] = ing(u1)
        s["use2_ing"] = ing(u2)
    return s


PAST_DA = {"testet": "testede", "prøvet": "prøvede", "lavet": "lavede", "købt": "købte", "lejet": "lejede",
           "fået": "fik", "haft": "havde", "sat": "satte", "monteret": "monterede", "åbnet": "åbnede",
           "kørt": "kørte", "indført": "indførte", "bygget": "byggede", "trukket": "trak", "givet": "gav",
           "lige": "tog", "startet": "startede", "automatiseret": "automatiserede", "flyttet": "flyttede",
           "lånt": "lånte", "solgt": "solgte", "deltaget": "deltog", "været": "var", "oprettet": "oprettede",
           "koblet": "koblede", "besvaret": "besvarede"}


def _past_da(trial, inverted):
    w, _, rest = trial.partition(" ")
    if w == "lige":  # "lige taget X i brug"
        rest = rest.replace("taget ", "", 1)
        verb = "tog"
    else:
        verb = PAST_DA.get(w, w)
    return f"{verb} vi {rest}" if inverted else f"{verb} {rest}"


def fill(tpl, s):
    return tpl.format(**s)


def compose(pool_main, extra, s, p_extra):
    txt = fill(rng.choice(pool_main), s)
    if extra and rng.random() < p_extra:
        txt = txt.rstrip() + " " + rng.choice(extra)
    return txt


def make_row(level, lang):
    tech = pick_tech_for(lang)
    t = T[tech]
    s = slots(tech, lang)
    D = lang == "da"
    ROLE, EXP, EXX, BAR, POT, SHORT = ((ROLE_DA, EXP_DA, EXP_EXTRA_DA, BAR_DA, POT_DA, SHORT_DA) if D else
                                       (ROLE_EN, EXP_EN, EXP_EXTRA_EN, BAR_EN, POT_EN, SHORT_EN))
    # technology role
    if rng.random() < 0.3:
        role = fill(rng.choice(ROLE[level]), s)
    else:
        role = fill(rng.choice(ROLE["any"]), s)
    if rng.random() < 0.15:
        role = role + " " + fill(rng.choice(ROLE["any"][:6]), {**s, "use": s["use2"], "Use": cap(s["use2"]),
                                                                "use2": s["use"]})
    # experience
    exp_pool = list(EXP[level])
    if level == "beginner":
        exp_pool += t["beg_" + lang] * 3
    exp = compose(exp_pool, EXX[level], s, 0.25)
    # barriers / potentials
    bar = fill(rng.choice(BAR[level]), s)
    if rng.random() < 0.2:
        other = fill(rng.choice(BAR[level]), s)
        if other != bar:
            bar = bar + " " + other
    if rng.random() < 0.06:
        bar = rng.choice(SHORT)
    pot = fill(rng.choice(POT[level]), s)
    if rng.random() < 0.15:
        other = fill(rng.choice(POT[level]), s)
        if other != pot:
            pot = pot + " " + other
    if rng.random() < 0.05:
        pot = rng.choice(SHORT[-3:])
    tech_name = rng.choice(t["names_" + lang])
    if D and rng.random() < 0.08:
        tech_name = rng.choice(t["names_en"])  # Danish firms sometimes use the English term
    return {"technology": tech_name, "language": lang, "technology_role": roughen(role),
            "experience": roughen(exp), "barriers": roughen(bar), "potentials": roughen(pot), "level": level}


# ------------------------------------------------------------------ hand-written borderline cases
HARD = [
    # beginner cases that mention words associated with higher levels
    ("Kunstig intelligens", "da", "Vi har hørt meget om det, men ved ikke, hvad det kan betyde for et vognmandsfirma.",
     "Vi har aldrig lavet noget pilotprojekt eller lignende. Et par chauffører bruger ChatGPT privat.",
     "Vi ved ikke, hvad vi skal spørge om.", "Måske ruteplanlægning?", "beginner"),
    ("Robotter", "da", "Vi skal nok på et tidspunkt automatisere pakningen.",
     "Vi har fået en robotleverandør ud og se på det, men vi har ikke testet noget. Det hele er stadig manuelt.",
     "Prisen. Og vi ved ikke, om vores emner er for forskellige.", "Aflaste medarbejderne.", "beginner"),
    ("ERP", "da", "Vi vokser og kan ikke blive ved med regneark.",
     "Vi har et gammelt lagerprogram fra 90'erne og ellers Excel. Intet egentligt ERP.",
     "Vi ved ikke, hvilket system der passer til os, og frygter en dyr implementering.",
     "Overblik.", "beginner"),
    ("Cybersikkerhed", "da", "Vi er blevet bedt om at dokumentere vores IT-sikkerhed af en stor kunde.",
     "Det har nevøen sat op engang. Vi har backup på en USB-disk.",
     "Vi ved ikke, hvad vi ikke ved.", "Ro i maven.", "beginner"),
    ("Digital markedsføring", "da", "Vi er en lille tømrer, så mund-til-mund har været nok indtil nu.",
     "Min kone lægger et billede på Facebook en gang imellem.", "Tid, og vi synes det er lidt pinligt.",
     "Flere opgaver i sommerhusområdet.", "beginner"),
    ("Generative AI", "en", "Not sure – we're a law-adjacent consultancy and worry about confidentiality.",
     "We blocked ChatGPT on company laptops last year and haven't revisited it.",
     "Confidentiality and not knowing the rules.", "Maybe faster first drafts, if it can be done safely.", "beginner"),
    ("IoT", "en", "Probably important for monitoring our cold stores one day.",
     "We read temperatures manually twice a day and write them on a sheet.",
     "Don't know which sensors or suppliers to pick.", "Fewer manual checks.", "beginner"),
    ("Eksport", "da", "Vi har fået henvendelser fra Norge, men ved ikke, om vi skal tage imod dem.",
     "Vi har solgt til én nordmand, der selv kom og hentede varerne. Det er det.",
     "Told, moms og sprog – vi har ingen erfaring.", "Nye kunder, hvis det ikke er for besværligt.", "beginner"),
    ("CO2-regnskab", "da", "Banken spørger ind til det ved næste lånegennemgang.",
     "Vi har ikke beregnet noget. Vi ved ikke engang, hvad scope 3 er.",
     "Vi forstår ikke begreberne.", "At kunne svare banken.", "beginner"),
    ("3D-print", "da", "Kunne måske bruges til reservedele til vores gamle maskiner.",
     "Vi har set, at en kollega i netværket har en printer stående. Vi har ikke selv prøvet.",
     "Ved ikke hvilke materialer der holder.", "Hurtigere reparationer.", "beginner"),
    ("Dataanalyse og BI", "da", "Vi har masser af data i systemerne, men kigger aldrig på dem.",
     "Regnskabet ser vi en gang om året, når revisoren kommer. Ellers er det mavefornemmelse.",
     "Vi ved ikke, hvordan man får data ud.", "Bedre beslutninger.", "beginner"),
    # experimenting cases that sound either very modest or quite confident
    ("Generativ AI", "da", "Vi tror, det kan spare tid i kundeservice.",
     "Vi bruger ChatGPT hver dag på kontoret til mails, men det er op til den enkelte, og der er ingen politik.",
     "Vi mangler retningslinjer og en fælles løsning.", "Få det ind i vores kundesystem.", "experimenting"),
    ("Cobots", "da", "Skal løse mangel på faglærte.",
     "Vi købte en cobot for to år siden. Den står ved én maskine og bruges kun til de største serier – resten af tiden står den stille.",
     "At få den brugt mere, og operatørerne synes omstillingen er besværlig.",
     "At få den i gang på flere maskiner.", "experimenting"),
    ("Machine learning", "da", "Prædiktivt vedligehold er det store mål.",
     "Vores første model gik i vasken, fordi data var for dårlige. Nu prøver vi igen med nye sensorer på tre pumper.",
     "Datakvalitet og tålmodighed hos ledelsen.", "Færre uplanlagte stop.", "experimenting"),
    ("E-handel", "da", "Vi skal sælge mere online.",
     "Vi har en Shopify-butik, som kører ved siden af den fysiske butik. Den sælger lidt, men vi har ikke styr på lageret mellem de to.",
     "Lagerstyring og tid til at lave produktbilleder.", "Koble butik og webshop sammen.", "experimenting"),
    ("Drones", "en", "Inspections of roofs without scaffolding.",
     "We own one drone and have used it on maybe ten jobs. The footage is nice, but we don't really process the data.",
     "Turning pictures into useful reports.", "Make it a standard part of every roof inspection.", "experimenting"),
    ("Energieffektivisering", "da", "Vores kunder kræver klimadata, og energien er dyr.",
     "Vi har fået en energiscreening og udskiftet kompressoren. Vi har ikke fulgt op på, hvad det reelt har sparet.",
     "Målinger og opfølgning.", "Tage næste skridt med overskudsvarme.", "experimenting"),
    ("LEAN", "da", "Skal give kortere leveringstider.",
     "Vi har haft en konsulent på i et år og indført tavlemøder i produktionen. Kontoret er ikke med endnu, og det går lidt i stå, når der er travlt.",
     "At holde fast i det.", "LEAN i hele virksomheden.", "experimenting"),
    ("Cloud", "en", "Remote work and less hardware.",
     "Email and files moved to Microsoft 365 last spring. The ERP still runs on a server in the back office.",
     "Our ERP vendor doesn't offer a cloud version yet.", "Fully cloud-based within two years.", "experimenting"),
    ("VR/AR", "da", "Oplæring af nye medarbejdere.",
     "Vi har lavet ét oplæringsmodul i VR sammen med en studerende. Det er brugt på fire nye medarbejdere indtil nu.",
     "Det er dyrt at lave flere moduler.", "Alle nyansatte igennem VR-oplæring.", "experimenting"),
    ("CRM", "da", "Vores sælgere har kunderne i hovedet, det er en risiko.",
     "Vi har et CRM, men kun halvdelen af sælgerne bruger det, og data er ufuldstændige.",
     "Adfærd – folk gider ikke taste.", "Fuldt overblik over pipeline.", "experimenting"),
    ("Cirkulær økonomi", "da", "Kunderne spørger efter genbrugte materialer.",
     "Vi har lavet en lille serie stole af genbrugstræ, som solgte godt. Vi ved ikke, om vi kan skaffe materialer nok til at gøre det fast.",
     "Forsyning af genbrugsmaterialer.", "En fast cirkulær produktlinje.", "experimenting"),
    ("Automation", "en", "More output with the same team.",
     "We automated invoice approval with Power Automate in finance. It works, but nothing else is automated yet.",
     "Finding time to map other processes.", "Automate order handling next.", "experimenting"),
    # advanced cases phrased modestly or with problems
    ("ERP", "da", "Det er rygraden.",
     "Vi har kørt samme ERP i 12 år, alt fra ordre til faktura går igennem det. Vi er ikke eksperter, men det virker.",
     "Det er tilpasset meget, så opgraderinger er tunge.", "Flytte til cloud uden at miste tilpasningerne.", "advanced"),
    ("Robotter", "da", "Uden robotterne kunne vi ikke konkurrere med udlandet.",
     "Vi har haft robotter i svejsningen siden 2009 og har i dag 11 celler. Vores egne teknikere programmerer dem.",
     "At finde robotteknikere.", "Offline-programmering, så omstillingen går hurtigere.", "advanced"),
    ("Kunstig intelligens", "da", "Vi sælger AI-baserede løsninger til landbruget.",
     "Det er vores produkt – vi har syv udviklere og modeller i drift hos over 300 landmænd.",
     "Skalering og support.", "Flere afgrødetyper og eksport.", "advanced"),
    ("IoT og sensorer", "da", "Central for vores servicemodel.",
     "Alle pumper vi har solgt siden 2016 er online, og serviceteknikerne planlægger ud fra data. Men vi bruger kun en brøkdel af data.",
     "At få mere værdi ud af de data, vi allerede har.", "Prædiktiv service som abonnement.", "advanced"),
    ("Cybersecurity", "en", "Critical – we host data for health clients.",
     "ISO 27001 certified for six years, dedicated security team of three, yearly pen tests.",
     "Keeping up with new threats and regulation.", "Automate more of the compliance work.", "advanced"),
    ("Digital markedsføring", "da", "Alt vores salg kommer online fra.",
     "Vi har været en ren online-forretning i ti år og har fire i marketingteamet. Vi tester annoncer hver uge.",
     "Stigende annoncepriser.", "Mindre afhængighed af Meta og Google.", "advanced"),
    ("Data analytics", "en", "Decisions are made on data.",
     "Our BI platform has been live for five years and every department has its own dashboards. Data quality is still a fight sometimes.",
     "Master data governance.", "Predictive analytics on top of what we have.", "advanced"),
    ("Eksport", "da", "Vi er afhængige af eksport.",
     "Eksport udgør to tredjedele af omsætningen, og vi har egne sælgere i Tyskland og Sverige. USA er nyt for os.",
     "Regler og certificeringer i USA.", "USA og Canada.", "advanced"),
    ("Automatisering af bogføring", "da", "Vi er et bogføringsbureau, så det er vores forretning.",
     "Vi har automatiseret bilagshåndtering for alle 400 kunder og har egne integrationer til de store systemer.",
     "Kunder med meget rodede data.", "Tilbyde løbende rådgivning i stedet for ren bogføring.", "advanced"),
    ("Digital twins", "en", "We sell plants with a digital twin as standard.",
     "Every line we have delivered since 2019 has a twin used for virtual commissioning and operator training.",
     "Keeping the twins in sync after customers modify the plant.", "Sell twin-based optimisation as a service.",
     "advanced"),
    ("3D-print", "da", "Det er en stor del af vores forretning.",
     "Vi har printet slutemner i titanium til medicokunder i seks år. Alt er valideret og dokumenteret.",
     "Certificering tager lang tid.", "Flere kunder i luftfart.", "advanced"),
    ("Generativ AI", "da", "Vi bruger det på tværs af hele huset.",
     "Alle 45 medarbejdere har en intern AI-assistent, der kender vores sager. Den blev bygget i 2023 og er nu på version tre.",
     "Styring af datakvalitet og adgangsrettigheder.", "Automatisk udkast til hele rapporter.", "advanced"),
    ("Fleet electrification", "en", "Customers demand fossil-free transport.",
     "Forty percent of our 60 trucks are electric, with depot charging and route planning built around range.",
     "Grid capacity at the depot.", "Full electric fleet by 2030.", "advanced"),
    # short and vague
    ("AI", "da", "?", "Ingen", "Viden", "Ved ikke", "beginner"),
    ("Cobots", "da", "Stor", "En enkelt på prøve.", "Tid", "Flere", "experimenting"),
    ("ERP", "da", "Alt", "Kører i hele huset siden 2011.", "Opgradering", "Optimering", "advanced"),
    ("Cloud", "en", "Big", "Nothing yet", "Don't know", "?", "beginner"),
    ("Robotics", "en", "Important", "One robot on trial at the packing line.", "Cost", "More lines", "experimenting"),
    ("IoT", "en", "Core", "Thousands of sensors live for years.", "Scale", "New services", "advanced"),
]


def main():
    rows, seen = [], set()

    def key(r):
        return (r["experience"], r["barriers"], r["potentials"], r["technology_role"])

    for (tech, lang, role, exp, bar, pot, lvl) in HARD:
        r = {"technology": tech, "language": lang, "technology_role": role, "experience": exp,
             "barriers": bar, "potentials": pot, "level": lvl}
        rows.append(r)
        seen.add(key(r))
    counts = {l: sum(1 for r in rows if r["level"] == l) for l in ("beginner", "experimenting", "advanced")}
    da_counts = {l: sum(1 for r in rows if r["level"] == l and r["language"] == "da") for l in counts}
    for level in ("beginner", "experimenting", "advanced"):
        target_da = round(N_PER_LEVEL * DA_SHARE)
        while counts[level] < N_PER_LEVEL:
            lang = "da" if da_counts[level] < target_da else "en"
            r = make_row(level, lang)
            if key(r) in seen:
                continue
            seen.add(key(r))
            rows.append(r)
            counts[level] += 1
            if lang == "da":
                da_counts[level] += 1
    rng.shuffle(rows)
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote", len(rows), os.path.abspath(OUT))


if __name__ == "__main__":
    main()
