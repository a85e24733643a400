"""Interface texts in Danish (default) and English, chosen per visitor."""

from __future__ import annotations

import re

from flask import Flask, request, session

from matchmaker.reference import messages

LANGUAGES = ("da", "en")


def pair_type(code) -> str:
    """A pair or network type code (complementary, vertical, …) in the visitor's language."""
    return t(f"pair_{code}") if messages.has(f"web.pair_{code}") else str(code or "–")


def flag_text(code: str) -> str:
    """A suggestion flag code (competitor, rejected_before, …) in the visitor's language."""
    return t(f"flag_{code}") if messages.has(f"web.flag_{code}") else str(code)


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
    from matchmaker.reference import nace

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
    label = (
        t(_FIELD_KEYS[base])
        if base in _FIELD_KEYS
        else (t(base) if messages.has(f"web.{base}") else base)
    )
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
    code = f"web.{key}"
    return messages.template(code, current_language()) if messages.has(code) else key


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
