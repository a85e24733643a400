"""Interface texts in Danish (default) and English, chosen per visitor."""

from __future__ import annotations

import re

from flask import Flask, request, session

from matchmaker.reference import clock, messages
from matchmaker.store import questionnaires

LANGUAGES = ("da", "en")


def pair_type(code) -> str:
    """A pair or network type code (complementary, vertical, …) in the visitor's language."""
    for key in (f"pair_{code}", f"type_{code}"):  # a pair's type, or a network's ("knowledge")
        if messages.has(f"web.{key}"):
            return t(key)
    return str(code or "–")


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


def cohort_member_text(member) -> str:
    """Why a member is in its cohort (its own industry and maturity, as the answer readers
    read them) in the visitor's language; a member without those codes shows its stored
    reason."""
    from matchmaker.grouping import cohorts

    industry, maturity = member.get("industry"), member.get("maturity_code")
    if not (industry and maturity):
        return str(member.get("reason") or "")
    lang = current_language()
    return cohorts.member_reason(cohorts.member_words(industry, maturity, lang), lang)


def nace_title(code) -> str:
    """The DB07/NACE title of a code in the visitor's language ('' when unknown)."""
    from matchmaker.reference import nace

    return nace.title(code, current_language())


# Form fields by the names the core uses in its messages.
_FIELD_KEYS = {
    "company_ids": "company_ids", "around_company_id": "around_company", "nace": "nace_filter",
    "theme": "theme_filter", "min_size": "min_size", "max_size": "max_size", "count": "count",
    "seed": "seed", "region": "region", "kind": "kind", "in": "field_in", "out": "field_out",
    "locked": "field_locked", "members": "field_members", "status": "field_status",
    "responses": "field_responses", "competitors": "field_competitors",
    "competitors_allowed": "field_competitors",
    "body": "field_body", "a": "company_a", "b": "company_b", "capacity": "capacity",
    "title": "title", "date": "date", "text": "note_text", "id": "field_firm",
    "company_id": "field_firm",
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
        label += " " + messages.render("web.item_number", current_language(), n=int(rest) + 1)
    return label


def field_error(name: str, message: str, record: dict | None = None) -> str:
    """'Label: message' in the visitor's language (from the message's record when the core
    gave one)."""
    return f"{field_label(name)}: {record_text(record, message)}"


def record_text(record, fallback: str) -> str:
    """A message record of the core (`{"code": ..., **params}`) in the visitor's language;
    without one, the core's English `fallback` worded from the catalogue."""
    if isinstance(record, dict) and messages.has(str(record.get("code"))):
        try:
            return messages.render_record(record, current_language())
        except (KeyError, IndexError, ValueError):
            pass
    return error_text(fallback or "")


# The core's validation messages are English sentences. These tables read them; the words
# shown in their place live in the catalogue (data/messages/<lang>/errors.po).
ERROR_CODES = {
    "is required": "required",
    "must not be empty": "not_empty",
    "is not a known field; remove it": "unknown_field",
    "must be 8 digits that pass the CVR modulus-11 check": "cvr_check",
    "is already registered": "already_registered",
    "is already registered with this contact e-mail": "already_registered_email",
    "Input should be greater than or equal to 1800": "founded_min",
    "Input should be a valid list": "valid_list",
    "Input should be a valid string": "valid_string",
    "Input should be a valid boolean": "valid_boolean",
    "Input should be 'company' or 'knowledge_institution'": "kind_choice",
    "Input should be 'da' or 'en'": "lang_choice",
    "names a firm more than once": "firm_twice",
    "a firm appears in more than one locked group": "locked_twice",
    "must be a JSON object": "json_object",
    "must differ from out": "differ_from_out",
    "must differ from a": "differ_from_a",
    "is rejected": "is_rejected",
    "is locked; unlock it first": "is_locked",
    "has not consented to be proposed": "no_consent",
    "must be a date written YYYY-MM-DD": "date_format",
    "a network holds at most two knowledge institutions": "two_knowledge",
}

# (pattern, code): the first pattern that matches the whole message names its text; the
# pattern's named groups fill the text's parameters. Groups named firm/firms/a/b hold
# company ids, shown as the firms' names.
ERROR_PATTERNS = [
    (re.compile(p), code)
    for p, code in (
        (r"Input should be greater than or equal to (?P<n>-?\d+)", "ge"),
        (r"Input should be greater than (?P<n>-?\d+)", "gt"),
        (r"Input should be less than or equal to (?P<n>-?\d+)", "le"),
        (r"Input should be less than (?P<n>-?\d+)", "lt"),
        (r"Input should be a valid integer.*", "integer"),
        (r"must be between (?P<low>-?\d+) and (?P<high>-?\d+)", "between"),
        (r"value is not a valid email address.*", "email"),
        (r"String should have at most (?P<n>\d+) characters?", "str_max"),
        (r"String should have at least (?P<n>\d+) characters?", "str_min"),
        (r"List should have at least (?P<n>\d+) items?.*", "list_min"),
        (r"List should have at most (?P<n>\d+) items?.*", "list_max"),
        (r"must not be larger than max_size \((?P<n>\d+)\)", "above_max_size"),
        (r"must be one of (?P<choices>.+)", "one_of"),
        (r"unknown company ids: (?P<ids>.*)", "unknown_ids"),
        (r"company (?P<firm>\d+) is not a member of this network", "not_member"),
        (r"company (?P<firm>\d+) is already a member", "already_member"),
        (r"is already in network (?P<n>\d+) of this proposal; take it out there first",
         "in_other_network"),
        (r"a network of this proposal holds at least (?P<n>\d+) firms; swap it instead",
         "network_at_least"),
        (r"a network of this proposal holds at most (?P<n>\d+) firms; swap one instead",
         "network_at_most"),
        (r"is already in (?P<n>\d+) stored proposals \(the limit is (?P<limit>\d+)\)", "capped"),
        (r"already in (?P<n>\d+) stored proposals \(the limit is (?P<limit>\d+)\)",
         "capped_unmet"),
        (r"already in (?P<limit>\d+) stored proposals \(the limit\): (?P<firms>.*)",
         "capped_members"),
        (r"never together: (?P<firms>.*)", "never_members"),
        (r"no longer consenting: (?P<firms>.*)", "no_longer_consenting"),
        (r"(?P<names>.+); they cannot share a network", "cannot_share"),
        (r"(?P<names>.+) are likely competitors(?P<rest>.*)", "competitors"),
        (r"(?P<names>.+) are marked 'never together'(?P<rest>.*)", "never_pair"),
        (r"(?P<names>.+) were in a rejected network together(?P<rest>.*)", "rejected_pair"),
        (r"not in the best (?P<n>\d+) networks", "not_in_best"),
        (r"no network of (?P<min>\d+)–(?P<max>\d+) firms could take it without a likely "
         r"competitor, a 'never together' or rejected pair, or a third knowledge institution",
         "unplaced"),
        (r"(?P<count>\d+) networks were asked for; the pool and the constraints allow (?P<n>\d+)",
         "fewer_networks"),
        (r"the pool holds (?P<n>\d+) firms that can be proposed; a network needs at least "
         r"(?P<min>\d+)", "small_pool"),
        (r"No company with id (?P<firm>\d+)", "no_company"),
        (r"no firm is named '(?P<names>.*)'; pick one from the list", "unknown_firm"),
        (r"No '(?P<rule>\w+)' rule for companies (?P<a>\d+) and (?P<b>\d+)", "no_rule"),
        (r"unknown concepts: (?P<names>.*)", "unknown_concepts"),
        (r"also confirmed, so not removed: (?P<names>.*)", "concepts_overlap"),
    )
]  # fmt: skip

# Parts of a message replaced wherever they occur (the NACE messages quote the value).
ERROR_FRAGMENTS = ("nace_format_full", "nace_format", "nace_section", "nace_unknown")
_ID_GROUPS = frozenset({"firm", "firms", "a", "b", "ids"})


def _with_names(text: str) -> str:
    """Company ids in a message part as the firms' names (ids of unknown firms stay)."""
    from matchmaker.store import directory
    from web import get_db

    names = directory.names_by_id(get_db(), [int(i) for i in re.findall(r"\d+", text)])
    return re.sub(r"\d+", lambda m: names.get(int(m.group()), m.group()), text).strip("[]")


def _compose(code: str, lang: str, found: re.Match) -> str:
    params = {k: (_with_names(v) if k in _ID_GROUPS else v) for k, v in found.groupdict().items()}
    return messages.render(f"errors.pattern.{code}", lang, **params)


def error_text(message: str) -> str:
    """A validation message of the core in the visitor's language, firms named by name.

    The core words its messages in English; the catalogue holds what the pages show instead.
    """
    lang = current_language()
    if message in ERROR_CODES:
        return messages.render(f"errors.{ERROR_CODES[message]}", lang)
    for pattern, code in ERROR_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return _compose(code, lang, found)
    for code in ERROR_FRAGMENTS:
        english = messages.render(f"errors.fragment.{code}", "en")
        message = message.replace(english, messages.render(f"errors.fragment.{code}", lang))
    return message


def questions(masterclass: dict, lang: str | None = None) -> list[dict]:
    """The masterclass questionnaire's questions with their texts in `lang` (the visitor's by
    default): `{"field", "required", "text"}`, the technology questions naming its theme."""
    lang = lang or current_language()
    return [
        {"field": q["field"], "required": q["required"], "text": messages.render_record(
            {k: v for k, v in q.items() if k not in ("field", "required")}, lang)}
        for q in questionnaires.questions(masterclass)
    ]  # fmt: skip


def decimal(value, places: int = 2) -> str:
    """A score as the visitor writes numbers: 0,36 in Danish, 0.36 in English."""
    return messages.decimal(value, current_language(), places)


def when(stamp, date_only: bool = False) -> str:
    """A stored timestamp on the Danish clock, written the visitor's way (29.11.2026 10:15)."""
    return clock.local_time(stamp, current_language(), date_only=date_only)


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
            "cohort_member_text": cohort_member_text,
            "field_error": field_error,
            "record_text": record_text,
            "nace_title": nace_title,
            "field_label": field_label,
            "when": when,
            "decimal": decimal,
        }
