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
}


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
        return {"t": t, "lang": current_language()}
