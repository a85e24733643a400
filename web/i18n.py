"""Interface texts in Danish (default) and English, chosen per visitor."""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("da", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # key: (Danish, English)
    "app_title": ("Matchmaker", "Matchmaker"),
    "tagline": (
        "Forslag til forretningsnetværk og masterclass-hold for danske virksomheder",
        "Business network and masterclass cohort proposals for Danish firms",
    ),
    "register": ("Registrér virksomhed", "Register a company"),
    "login": ("Log ind", "Log in"),
    "logout": ("Log ud", "Log out"),
    "login_failed": ("Forkert e-mail eller adgangskode.", "Wrong email or password."),
    "email": ("E-mail", "Email"),
    "password": ("Adgangskode", "Password"),
    "chat": ("Chat", "Chat"),
    "companies": ("Virksomheder", "Companies"),
    "masterclasses": ("Masterclasses", "Masterclasses"),
    "proposals": ("Forslag", "Proposals"),
    "account": ("Konto", "Account"),
    "name": ("Virksomhedens navn", "Company name"),
    "cvr": ("CVR-nummer", "CVR number"),
    "employees": ("Antal ansatte", "Employees"),
    "founded": ("Stiftet (år)", "Founded (year)"),
    "region": ("Region", "Region"),
    "city": ("By", "Town"),
    "sector": ("Branche", "Sector"),
    "nace": ("Branchekode (DB07/NACE, fx 62.01)", "Industry code (DB07/NACE, e.g. 62.01)"),
    "kind": ("Type", "Type"),
    "kind_company": ("Virksomhed", "Company"),
    "kind_knowledge_institution": ("Videninstitution", "Knowledge institution"),
    "description": ("Beskrivelse af virksomheden", "About the company"),
    "offers": ("Det kan vi tilbyde andre", "What we can offer others"),
    "needs": ("Det har vi brug for", "What we need"),
    "markets": ("Markeder (adskil med komma)", "Markets (comma-separated)"),
    "language": ("Sprog", "Language"),
    "contact_name": ("Kontaktperson", "Contact person"),
    "contact_email": ("Kontaktens e-mail", "Contact email"),
    "consent": (
        "Ja, vores profil må indgå i forslag til netværk og partnere",
        "Yes, our profile may be included in network and partner suggestions",
    ),
    "consent_short": ("Samtykke", "Consent"),
    "markets_short": ("Markeder", "Markets"),
    "partners": ("Forslag til partnere", "Suggested partners"),
    "similar_firms": ("Lignende virksomheder", "Similar firms"),
    "no_suggestions": ("Ingen forslag endnu.", "No suggestions yet."),
    "consent_yes": ("Samtykke givet", "Consent given"),
    "consent_no": ("Intet samtykke – indgår ikke i forslag", "No consent – not suggested"),
    "save": ("Gem", "Save"),
    "submit": ("Send", "Submit"),
    "fix_errors": ("Ret venligst felterne markeret nedenfor.", "Please fix the fields below."),
    "registered": (
        "Tak! Profilen er gemt. Gem dette private link – det er din eneste adgang til at se, "
        "rette, hente og slette profilen:",
        "Thank you! Your profile is stored. Keep this private link – it is your only way to "
        "view, edit, download and delete the profile:",
    ),
    "your_profile": ("Din profil", "Your profile"),
    "edit": ("Ret", "Edit"),
    "download_json": ("Hent som JSON", "Download as JSON"),
    "delete": ("Slet", "Delete"),
    "delete_confirm": (
        "Slet profilen for altid? Det kan ikke fortrydes.",
        "Delete the profile for good? This cannot be undone.",
    ),
    "deleted": ("Profilen er slettet.", "The profile has been deleted."),
    "saved": ("Ændringerne er gemt.", "Your changes are saved."),
    "token_revoked": ("Nøglen er tilbagekaldt.", "The token is revoked."),
    "token_unknown": ("Ukendt nøgle.", "Unknown token."),
    "questionnaire": ("Spørgeskema før masterclass", "Masterclass pre-questionnaire"),
    "company": ("Virksomhedens navn", "Company name"),
    "core_business": (
        "Kerneforretning og ydelser i dag",
        "Core business and services today",
    ),
    "market_now": ("Marked i dag", "Market today"),
    "technology_role": (
        "Hvordan vil teknologien få betydning for jer?",
        "How will the technology matter to you?",
    ),
    "experience": ("Jeres erfaring med teknologien", "Your experience with the technology"),
    "barriers": ("Største barrierer", "Biggest barriers"),
    "potentials": ("Største potentialer", "Biggest potentials"),
    "answer_saved": (
        "Tak for jeres svar! Vi vender tilbage med holdinddeling.",
        "Thank you for your answers! We will be in touch about cohorts.",
    ),
    "title": ("Titel", "Title"),
    "theme": ("Tema", "Theme"),
    "date": ("Dato", "Date"),
    "capacity": ("Kapacitet (virksomheder)", "Capacity (firms)"),
    "create": ("Opret", "Create"),
    "responses": ("Svar", "Answers"),
    "share_link": ("Link til spørgeskemaet", "Questionnaire link"),
    "api_tokens": ("API-nøgler", "API tokens"),
    "new_token": ("Ny API-nøgle", "New API token"),
    "token_shown_once": (
        "Kopiér nøglen nu – den vises kun denne ene gang:",
        "Copy the token now – it is shown only once:",
    ),
    "revoke": ("Tilbagekald", "Revoke"),
    "label": ("Betegnelse", "Label"),
    "not_found": ("Siden findes ikke.", "Page not found."),
    "search": ("Søg", "Search"),
    "all": ("Alle", "All"),
    "next": ("Næste", "Next"),
    "previous": ("Forrige", "Previous"),
    "total": ("I alt", "Total"),
    "network_proposals": ("Netværksforslag", "Network proposals"),
    "new_proposal": ("Nyt forslag til netværk", "New network proposal"),
    "no_proposals": ("Ingen forslag endnu.", "No proposals yet."),
    "no_networks": ("Ingen netværk i dette forslag.", "No networks in this proposal."),
    "networks": ("Netværk", "Networks"),
    "network": ("Netværk", "Network"),
    "created": ("Oprettet", "Created"),
    "count": ("Antal netværk", "Number of networks"),
    "min_size": ("Mindst", "At least"),
    "max_size": ("Højst", "At most"),
    "seed": ("Seed", "Seed"),
    "nace_filter": ("Branche (NACE-afsnit eller kode)", "Industry (NACE section or code)"),
    "theme_filter": ("Tema (tekst)", "Theme (text)"),
    "around_company": ("Omkring virksomhed (id)", "Around company (id)"),
    "company_ids": ("Kun disse virksomheder (id'er)", "Only these companies (ids)"),
    "propose": ("Foreslå netværk", "Propose networks"),
    "worst_score": ("Svageste netværk", "Weakest network"),
    "harmonic_mean": ("Harmonisk middel", "Harmonic mean"),
    "unmet": ("Ikke opfyldt", "Not met"),
    "score": ("Score", "Score"),
    "reason": ("Begrundelse", "Reason"),
    "type_vertical": ("vertikalt", "vertical"),
    "type_horizontal": ("horisontalt", "horizontal"),
    "type_complementary": ("komplementært", "complementary"),
    "type_congruent": ("kongruent", "congruent"),
    "type_None": ("–", "–"),
    "status_proposed": ("foreslået", "proposed"),
    "status_accepted": ("accepteret", "accepted"),
    "status_rejected": ("afvist", "rejected"),
    "accept": ("Acceptér", "Accept"),
    "reject": ("Afvis", "Reject"),
    "lock": ("Lås", "Lock"),
    "unlock": ("Lås op", "Unlock"),
    "swap": ("Byt", "Swap"),
    "swap_out": ("Ud", "Out"),
    "swap_in": ("Ind (virksomheds-id)", "In (company id)"),
    "rerun": ("Kør forslaget igen", "Re-run the proposal"),
    "rerun_done": (
        "Forslaget er kørt igen; beslutninger og låste medlemmer er bevaret.",
        "The proposal was re-run; decisions and locked members are kept.",
    ),
    "export": ("Eksportér", "Export"),
    "pair_rules": ("Par-regler", "Pair rules"),
    "company_a": ("Virksomhed A (id)", "Company A (id)"),
    "company_b": ("Virksomhed B (id)", "Company B (id)"),
    "never_together": ("Aldrig sammen", "Never together"),
    "rule": ("Regel", "Rule"),
    "rule_never": ("aldrig sammen", "never together"),
    "rule_allow": ("konkurrenter tilladt", "competitors allowed"),
    "rule_rejected": ("fra afvist netværk", "from a rejected network"),
    "remove": ("Fjern", "Remove"),
    "cohorts": ("Hold", "Cohorts"),
    "cohort": ("Hold", "Cohort"),
    "cohort_proposal": ("Holdinddeling", "Cohort split"),
    "form_cohorts": ("Dan hold", "Form cohorts"),
    "coherence": ("Sammenhæng", "Coherence"),
    "themes": ("Fælles temaer", "Common themes"),
    "maturity": ("Modenhed", "Maturity"),
    "invitations": ("Forslag til invitationer", "Suggested invitations"),
}


# Validation messages of the core (English) as the Danish interface shows them.
ERRORS_DA = {
    "is required": "skal udfyldes",
    "must not be empty": "må ikke være tom",
    "is not a known field; remove it": "er ikke et kendt felt",
    "must be 8 digits that pass the CVR modulus-11 check": (
        "skal være 8 cifre, der består CVR-nummerets kontrol (modulus 11)"
    ),
    "is already registered": "er allerede registreret",
    "must be one of Nordjylland, Midtjylland, Syddanmark, Sjælland, Hovedstaden": (
        "skal være en af Nordjylland, Midtjylland, Syddanmark, Sjælland, Hovedstaden"
    ),
    "Input should be greater than or equal to 0": "skal være 0 eller derover",
    "Input should be greater than or equal to 1": "skal være 1 eller derover",
    "Input should be greater than or equal to 1800": "skal være 1800 eller senere",
    "Input should be a valid integer": "skal være et helt tal",
    "must be a date written YYYY-MM-DD": "skal være en dato skrevet ÅÅÅÅ-MM-DD",
}


NACE_DA = (
    ("is not a NACE code: write it as", "er ikke en NACE-kode: skriv den som"),
    ("is not in the NACE rev. 2 / DB07 code list", "findes ikke i NACE rev. 2 / DB07-listen"),
)


def error_text(message: str) -> str:
    """A validation message in the visitor's language (the API always answers in English)."""
    if current_language() == "da":
        if message in ERRORS_DA:
            return ERRORS_DA[message]
        if message.startswith("value is not a valid email address"):
            return "er ikke en gyldig e-mailadresse"
        for english, danish in NACE_DA:
            message = message.replace(english, danish)
    return message


def current_language() -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    return session.get("lang", "da")


def t(key: str) -> str:
    """The interface text `key` in the visitor's language."""
    da, en = TEXTS.get(key, (key, key))
    return en if current_language() == "en" else da


def init_app(app: Flask) -> None:
    @app.context_processor
    def _inject():
        return {"t": t, "lang": current_language(), "error_text": error_text}
