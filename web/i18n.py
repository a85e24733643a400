"""Interface texts in Danish (default) and English, chosen per visitor."""

from __future__ import annotations

import re

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
    # Pair types and flags of partner suggestions and networks (codes from the core)
    "pair_complementary": ("komplementær", "complementary"),
    "pair_vertical": ("vertikal", "vertical"),
    "pair_congruent": ("kongruent", "congruent"),
    "pair_horizontal": ("horisontal", "horizontal"),
    "pair_None": ("–", "–"),
    "flag_rejected_before": ("afvist før", "rejected before"),
    "flag_competitor": ("mulig konkurrent", "possible competitor"),
    "flag_never_together": ("aldrig sammen", "never together"),
    "accept_again": ("Acceptér alligevel", "Accept after all"),
    "decision_changed": (
        "Beslutningen er ændret fra {old} til {new}.",
        "The decision was changed from {old} to {new}.",
    ),
    "discard_proposal": ("Kassér forslaget", "Discard the proposal"),
    "discard_confirm": (
        "Kassér forslaget og alle dets netværk? Virksomhederne bliver frie til nye forslag; "
        "par-reglerne bevares.",
        "Discard the proposal and all its networks? Its firms become free for new proposals; "
        "the pair rules stay.",
    ),
    "proposal_discarded": (
        "Forslaget er kasseret; virksomhederne kan indgå i nye forslag.",
        "The proposal is discarded; its firms can be proposed again.",
    ),
    # Maturity levels of masterclass cohorts (stored as codes or Danish/English labels)
    "maturity_beginner": ("begynder", "beginner"),
    "maturity_experimenting": ("afprøvende", "experimenting"),
    "maturity_experienced": ("erfaren", "experienced"),
    "cohort_reason": (
        "Tema: {themes}; erfaring: {maturity}",
        "Theme: {themes}; experience: {maturity}",
    ),
    # Error pages
    "error_title": ("Fejl", "Error"),
    "error_404": ("Siden findes ikke.", "Page not found."),
    "error_404_help": (
        "Adressen er forkert, eller siden er slettet.",
        "The address is wrong, or the page has been removed.",
    ),
    "error_405": ("Handlingen er ikke tilladt her.", "This action is not allowed here."),
    "error_405_help": (
        "Siden kan ikke bruges på denne måde. Gå tilbage og prøv igen.",
        "The page cannot be used this way. Go back and try again.",
    ),
    "error_413": ("Indsendelsen er for stor.", "The submission is too large."),
    "error_413_help": (
        "Gør teksten eller filen mindre, og prøv igen.",
        "Make the text or file smaller and try again.",
    ),
    "error_500": ("Der skete en fejl hos os.", "Something went wrong on our side."),
    "error_500_help": (
        "Prøv igen om lidt. Fortsætter fejlen, så kontakt os.",
        "Please try again shortly. If it persists, contact us.",
    ),
    "error_other": ("Forespørgslen kunne ikke gennemføres.", "The request could not be completed."),
    "error_other_help": ("Gå tilbage og prøv igen.", "Go back and try again."),
    "back_home": ("Til forsiden", "To the front page"),
    "field_body": ("Formularen", "The form"),
    "field_in": ("Ind", "In"),
    "field_out": ("Ud", "Out"),
    "field_locked": ("Låste grupper", "Locked groups"),
    "field_members": ("Medlemmer", "Members"),
    "field_status": ("Status", "Status"),
    "field_responses": ("Svar", "Answers"),
    "field_competitors": ("Konkurrenter", "Competitors"),
}


def pair_type(code) -> str:
    """A pair or network type code (complementary, vertical, …) in the visitor's language."""
    return t(f"pair_{code}") if f"pair_{code}" in TEXTS else str(code or "–")


def flag_text(code: str) -> str:
    """A suggestion flag code (competitor, rejected_before, …) in the visitor's language."""
    return t(f"flag_{code}") if f"flag_{code}" in TEXTS else str(code)


_MATURITY_CODES = {
    "beginner": "beginner", "begynder": "beginner",
    "experimenting": "experimenting", "afprøvende": "experimenting",
    "experienced": "experienced", "erfaren": "experienced",
}  # fmt: skip


def maturity_text(value) -> str:
    """A cohort maturity (a code, or a label stored in either language) in the visitor's
    language; anything unknown is shown as stored."""
    code = _MATURITY_CODES.get(str(value or "").strip().lower())
    return t(f"maturity_{code}") if code else str(value or "–")


def nace_title(code) -> str:
    """The DB07/NACE title of a code in the visitor's language ('' when unknown)."""
    from matchmaker import nace

    try:
        found = nace.lookup(nace.normalise(str(code))) if code else None
    except ValueError:
        found = None
    if found is None:
        return ""
    return found.title_en if current_language() == "en" else found.title_da


# Form fields by the names the core uses in its messages.
_FIELD_KEYS = {
    "company_ids": "company_ids", "around_company_id": "around_company", "nace": "nace_filter",
    "theme": "theme_filter", "min_size": "min_size", "max_size": "max_size", "count": "count",
    "seed": "seed", "region": "region", "kind": "kind", "in": "field_in", "out": "field_out",
    "locked": "field_locked", "members": "field_members", "status": "field_status",
    "responses": "field_responses", "competitors": "field_competitors",
    "body": "field_body", "a": "company_a", "b": "company_b", "capacity": "capacity",
    "title": "title", "date": "date",
}  # fmt: skip


def field_label(name: str) -> str:
    """A field name of a validation message ('company_ids.0') as a label on the page."""
    base, _, rest = name.partition(".")
    label = t(_FIELD_KEYS[base]) if base in _FIELD_KEYS else (t(base) if base in TEXTS else base)
    if rest.isdigit():
        number = int(rest) + 1
        label += f" (nr. {number})" if current_language() == "da" else f" (no. {number})"
    return label


def field_error(name: str, message: str) -> str:
    """'Label: message' in the visitor's language."""
    return f"{field_label(name)}: {error_text(message)}"


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
    "Input should be a valid integer, unable to parse string as an integer": (
        "skal være et helt tal"
    ),
    "Input should be a valid list": "skal være en liste",
    "Input should be a valid string": "skal være tekst",
    "Input should be a valid boolean": "skal være ja eller nej",
    "Input should be 'company' or 'knowledge_institution'": (
        "skal være virksomhed eller videninstitution"
    ),
    "Input should be 'da' or 'en'": "skal være da eller en",
    "names a firm more than once": "nævner en virksomhed mere end én gang",
    "a firm appears in more than one locked group": "en virksomhed står i mere end én låst gruppe",
    "must be a JSON object": "skal være et JSON-objekt",
    "must differ from out": "skal være en anden end den, der skiftes ud",
    "is rejected": "er afvist",
    "is locked; unlock it first": "er låst; lås den op først",
    "has not consented to be proposed": "har ikke givet samtykke til at indgå i forslag",
    "must be a date written YYYY-MM-DD": "skal være en dato skrevet ÅÅÅÅ-MM-DD",
}


NACE_DA = (
    (
        "is not a NACE code: write it as 62.01, 6201 or the six-digit DB07 620100",
        "er ikke en NACE-kode: skriv den som 62.01, 6201 eller den sekscifrede DB07-kode 620100",
    ),
    ("is not a NACE code: write it as", "er ikke en NACE-kode: skriv den som"),
    ("is not a NACE section (A–U)", "er ikke et NACE-afsnit (A–U)"),
    ("is not in the NACE rev. 2 / DB07 code list", "findes ikke i NACE rev. 2 / DB07-listen"),
)


def error_text(message: str) -> str:
    """A validation message in the visitor's language (the API always answers in English)."""
    if current_language() == "da":
        if message in ERRORS_DA:
            return ERRORS_DA[message]
        if message.startswith("value is not a valid email address"):
            return "er ikke en gyldig e-mailadresse"
        for pattern, danish in PATTERNS_DA:
            found = pattern.fullmatch(message)
            if found:
                return danish.format(*found.groups())
        for english, danish in NACE_DA:
            message = message.replace(english, danish)
    return message


PATTERNS_DA = [
    (re.compile(p), da)
    for p, da in (
        (r"Input should be greater than or equal to (-?\d+)", "skal være {0} eller derover"),
        (r"Input should be greater than (-?\d+)", "skal være større end {0}"),
        (r"Input should be less than or equal to (-?\d+)", "må højst være {0}"),
        (r"Input should be less than (-?\d+)", "skal være mindre end {0}"),
        (r"Input should be a valid integer.*", "skal være et helt tal"),
        (r"String should have at most (\d+) characters?", "må højst være {0} tegn"),
        (r"String should have at least (\d+) characters?", "skal være mindst {0} tegn"),
        (r"List should have at least (\d+) items? .*", "skal have mindst {0}"),
        (r"List should have at most (\d+) items? .*", "må højst have {0}"),
        (r"must not be larger than max_size \((\d+)\)", "må ikke være større end Højst ({0})"),
        (r"unknown company ids: (.*)", "ukendte virksomheds-id'er: {0}"),
        (
            r"company (\d+) is not a member of this network",
            "virksomhed {0} er ikke med i netværket",
        ),
        (r"company (\d+) is already a member", "virksomhed {0} er allerede med"),
        (
            r"is already in (\d+) stored proposals \(the limit is (\d+)\)",
            "indgår allerede i {0} gemte forslag (grænsen er {1})",
        ),
    )
]


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
        return {
            "t": t,
            "lang": current_language(),
            "error_text": error_text,
            "pair_type": pair_type,
            "flag_text": flag_text,
            "maturity_text": maturity_text,
            "field_error": field_error,
            "nace_title": nace_title,
            "field_label": field_label,
        }
