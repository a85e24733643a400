"""The facilitator chat: intent and slots merged with the session's dialogue state, answered
by the same core functions as the API (matching, networks, cohorts, exports).

`respond(db, session_id, message, user)` → {"reply", "intent", "entities", "cards"}. Cards are
plain data (firms, pairs, networks, cohorts, choices, exports) with next-step actions; the web
layer turns actions into links and buttons.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import asdict
from functools import lru_cache
from typing import Any

from matchmaker.chat import entities as slots
from matchmaker.chat import intents
from matchmaker.config import DATA_DIR
from matchmaker.grouping import cohorts, networks
from matchmaker.reference import messages
from matchmaker.reference.text import DANISH_STOPWORDS, ENGLISH_STOPWORDS
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import profiles, questionnaires

TASKS = ("find_partners", "similar", "propose_networks", "propose_cohorts")
# Cards that make a list later messages can point into ("number two", "the last one").
LIST_CARDS = ("firm", "network", "cohort")
DEFAULT_PARTNERS = 5
MAX_PARTNERS = 20
# Partner candidates fetched before a sector filter or a purpose re-ranking narrows them.
CANDIDATE_POOL = 50
# Weight of the purpose's relevance against the match score when re-ranking.
PURPOSE_WEIGHT = 0.5
MAX_CARDS_REMEMBERED = 20
DEFAULT_MIN_COHORT = 7  # the cohort API's default smallest cohort
HISTORY_TURNS = 50


def say(key: str, lang: str, **values: Any) -> str:
    """The text `key` in `lang`, filled in; `n=1` picks the singular form when there is one."""
    return messages.render(f"chat.{key}", lang, **values)


def _type_label(kind: str | None, lang: str) -> str:
    key = f"type_{kind}"
    return say(key, lang) if messages.has(f"chat.{key}") else (kind or "")


def _join(names: list[str], lang: str, word: str = "and") -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {say(word, lang)} " + names[-1]


# -- reasons from the core, in the reply's language ----------------------------------------

# Reasons (unmet constraints, refused fields) the core writes in English, and their text keys.
_REASONS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^has not consented to be proposed:\s*(?P<names>.+)$"), "r_consent_names"),
    (re.compile(r"^has not consented to be proposed$"), "r_consent"),
    (
        re.compile(r"^already in (?P<n>\d+) stored proposals \(the limit is (?P<limit>\d+)\)$"),
        "r_capped",
    ),
    (
        re.compile(
            r"^the pool holds (?P<n>\d+) firms that can be proposed; a network needs at least "
            r"(?P<min>\d+)$"
        ),
        "r_pool",
    ),
    (
        re.compile(
            r"^(?P<count>\d+) networks were asked for; the pool and the constraints allow "
            r"(?P<n>\d+)$"
        ),
        "r_count",
    ),
    (re.compile(r"^not in the best (?P<count>\d+) networks$"), "r_not_best"),
    (re.compile(r"^no network of (?P<min>\d+)\W(?P<max>\d+) firms could take it"), "r_unplaced"),
    (
        re.compile(r"^(?P<a>.+?) \(\d+\) and (?P<b>.+?) \(\d+\) are likely competitors"),
        "r_competitor",
    ),
    (
        re.compile(r"^(?P<a>.+?) \(\d+\) and (?P<b>.+?) \(\d+\) are marked 'never together'"),
        "r_never",
    ),
    (
        re.compile(
            r"^(?P<a>.+?) \(\d+\) and (?P<b>.+?) \(\d+\) were in a rejected network together"
        ),
        "r_rejected",
    ),
    (re.compile(r"^a network holds at most (?P<n>\d+) knowledge institutions$"), "r_knowledge"),
    (re.compile(r"^unknown company ids"), "r_unknown"),
    (re.compile(r"^no answers yet$"), "r_no_answers"),
    (
        re.compile(
            r"^(?P<n>\d+) respondents cannot all be placed in cohorts of (?P<min>\d+)\W"
            r"(?P<max>\d+); the cohorts hold (?P<lo>\d+)\W(?P<hi>\d+)$"
        ),
        "r_respondents",
    ),
)


def reason_key(text: str) -> str | None:
    """The text key of a known English reason from the core, or None."""
    for pattern, key in _REASONS:
        if pattern.search((text or "").strip()):
            return key
    return None


def translate_reason(text: str, lang: str, *, keep_unknown: bool = False) -> str:
    """A reason from the core (networks, cohorts) in the reply language: the known ones are
    rewritten, others become a generic phrase (or stay, with `keep_unknown`, when the core
    already wrote them in the requested language)."""
    text = (text or "").strip()
    for pattern, key in _REASONS:
        m = pattern.search(text)
        if m:
            return say(key, lang, **m.groupdict())
    return text if keep_unknown and text else say("r_generic", lang)


def _reasons_text(reasons: list[str], lang: str, *, keep_unknown: bool = False) -> str:
    shown = list(
        dict.fromkeys(translate_reason(r, lang, keep_unknown=keep_unknown) for r in reasons)
    )
    return "; ".join(shown[:3]) or say("r_generic", lang)


def _error_text(exc: Exception, lang: str) -> str:
    """The fields of a refused request (InvalidInput, Conflict) in the reply language."""
    fields = getattr(exc, "fields", None) or {}
    values = [v if isinstance(v, str) else "" for v in fields.values()]
    return _reasons_text(values or [""], lang)


def _short_names(names: list[str], lang: str, limit: int = 3) -> str:
    if len(names) > limit + 1:
        names = [*names[:limit], say("n_others", lang, n=len(names) - limit)]
    return _join(names, lang)


# -- language --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _language_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words seen only in the Danish or only in the English training utterances (twice+)."""
    counts = {"da": Counter(), "en": Counter()}
    path = DATA_DIR / "chat" / "utterances.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("lang") in counts:
                    counts[row["lang"]].update(
                        w for w in re.findall(r"[^\W\d_]+", row["text"]) if w.islower()
                    )
    da = {w for w, n in counts["da"].items() if n >= 2 and w not in counts["en"]}
    en = {w for w, n in counts["en"].items() if n >= 2 and w not in counts["da"]}
    return frozenset(da | DANISH_STOPWORDS - ENGLISH_STOPWORDS), frozenset(
        en | ENGLISH_STOPWORDS - DANISH_STOPWORDS
    )


def message_language(text: str, fallback: str = "da") -> str:
    """'da' or 'en' from the words of a chat message; `fallback` when it gives no clue."""
    da_words, en_words = _language_words()
    ws = re.findall(r"[^\W\d_]+", (text or "").lower())
    da = sum(w in da_words for w in ws) + 2 * len(re.findall(r"[æøå]", (text or "").lower()))
    en = sum(w in en_words for w in ws)
    if da == en:
        return fallback
    return "en" if en > da else "da"


# -- stored conversation --------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def load_state(db, session_id: str) -> dict[str, Any]:
    """The dialogue state after the session's last answer (empty for a new session)."""
    row = db.execute(
        "SELECT data FROM conversations WHERE session_id = ? AND role = 'bot' "
        "ORDER BY id DESC LIMIT 1",
        [session_id],
    ).fetchone()
    if not row or not row[0]:
        return {}
    try:
        return json.loads(row[0]).get("state") or {}
    except ValueError:
        return {}


def history(db, session_id: str, limit: int = HISTORY_TURNS) -> list[dict[str, Any]]:
    """The session's last messages, oldest first: role, text, intent, cards, created_at."""
    rows = db.execute(
        "SELECT role, text, intent, data, created_at FROM conversations WHERE session_id = ? "
        "ORDER BY id DESC LIMIT ?",
        [session_id, limit],
    ).fetchall()
    out = []
    for role, text, intent, data, created_at in reversed(rows):
        parsed = json.loads(data or "{}")
        out.append(
            {
                "role": role,
                "text": text,
                "intent": intent,
                "cards": parsed.get("cards", []),
                "created_at": created_at,
            }
        )
    return out


def _store(db, session_id: str, message: str, answer: dict, state: dict, found: dict) -> None:
    now = _now()
    with db.atomic():
        db["conversations"].insert(
            {
                "session_id": session_id,
                "role": "user",
                "text": message,
                "intent": answer["intent"],
                "data": json.dumps({"entities": found}, ensure_ascii=False),
                "created_at": now,
            }
        )
        db["conversations"].insert(
            {
                "session_id": session_id,
                "role": "bot",
                "text": answer["reply"],
                "intent": answer["intent"],
                "data": json.dumps(
                    {"entities": answer["entities"], "cards": answer["cards"], "state": state},
                    ensure_ascii=False,
                ),
                "created_at": now,
            }
        )


# -- the turn ---------------------------------------------------------------------------------


class _Turn:
    """One message in its context: what was understood, and the answer being built."""

    def __init__(
        self, db, session_id: str, message: str, user: Any, max_per_firm: int | None = None
    ):
        self.db = db
        self.user = user
        self.max_per_firm = max_per_firm
        self.state: dict[str, Any] = load_state(db, session_id)
        self.gazetteer = slots.Gazetteer.from_db(db)
        self.mentions = slots.find_firms(message, self.gazetteer)
        spans = [(m.start, m.end) for m in self.mentions]
        # The language of the sentence around the names ("Find partners for Limfjord Grøn
        # Energi" is English): firm names say nothing about it.
        self.lang = message_language(slots._mask(message, spans), self.state.get("lang", "da"))
        self.prediction = intents.classify(message, spans)
        self.message = message
        self.found = slots.extract(
            message,
            self.gazetteer,
            intent=self.prediction.intent,
            language=self.lang,
            mentions=self.mentions,
        )
        self.cards: list[dict] = []
        self.reply = ""
        self.choice: dict | None = None  # the option picked from a clarifying question

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "id", None)


def respond(
    db, session_id: str, message: str, user: Any = None, *, max_per_firm: int | None = None
) -> dict[str, Any]:
    """Answer one chat message in the context of its session, and store both.

    `max_per_firm` caps the stored proposals a firm may be in (the app's
    MAX_PROPOSALS_PER_FIRM); None leaves the networks module's default.
    """
    turn = _Turn(db, session_id, message, user, max_per_firm)
    intent = _decide(turn)
    handler = HANDLERS[intent]
    state = handler(turn)
    state["lang"] = turn.lang
    state["turns"] = turn.state.get("turns", 0) + 1
    for card in turn.cards:
        card.setdefault("lang", turn.lang)
    answer = {
        "reply": turn.reply,
        "intent": intent,
        "entities": _public_entities(turn, intent, state),
        "cards": turn.cards,
    }
    if any(c["type"] in LIST_CARDS for c in turn.cards):
        state["cards"] = [_card_ref(c) for c in turn.cards][:MAX_CARDS_REMEMBERED]
    _store(db, session_id, message, answer, state, turn.found.as_dict())
    return answer


def _card_ref(card: dict) -> dict:
    """What the state keeps of a card so that 'number two' can point at it later."""
    keep = ("type", "id", "name", "proposal_id", "members", "title")
    ref = {k: card[k] for k in keep if k in card}
    if "members" in ref:
        ref["members"] = [{"id": m.get("id"), "name": m.get("name")} for m in ref["members"]]
    return ref


def _public_entities(turn: _Turn, intent: str, state: dict) -> dict[str, Any]:
    """The slots of this message with the dialogue context merged in."""
    if intent in ("help", "other"):
        return {}
    out: dict[str, Any] = {}
    firm = state.get("firm")
    firms = state.get("firms") or ([firm] if firm else [])
    if firm:
        out["firm"] = firm
    if firms:
        out["firms"] = firms
    for key in ("count", "region", "sector", "purpose", "masterclass", "format"):
        if state.get(key) is not None:
            out[key] = state[key]
    if state.get("excluded"):
        out["excluded"] = state["excluded"]
    size = (state.get("networks") or {}).get("size") or (state.get("cohorts") or {}).get("max_size")
    if size:
        out["size"] = size
    if intent == "propose_cohorts" and state.get("cohorts"):
        out["masterclass"] = state["cohorts"]["masterclass"]
    if turn.found.ordinals:
        out["ordinals"] = turn.found.ordinals
    # What this message said, even when the request could not be carried out.
    said = slots.for_intent(turn.found, intent)
    if said.firms and "firms" not in out:
        out["firms"] = said.firms
    for key in ("count", "region", "sector", "purpose", "masterclass", "format"):
        if key not in out and getattr(said, key) is not None:
            out[key] = getattr(said, key)
    return out


# -- deciding what the message asks for -------------------------------------------------------


def _refines(found: slots.Entities) -> bool:
    """Does the message only change the last request (region, count, sector, exclusions)?"""
    return bool(
        found.region
        or found.count
        or found.sector
        or found.size
        or (found.exclude and (found.ordinals or found.firms))
        or (found.purpose and not found.firms)
    )


_FOLLOW_UP = re.compile(
    r"^\s*(?:og|and|men|but|så|then|samme|same|also|også|now|nu|what about|hvad med|how about|"
    r"make it|gør det|lad os|let's|kun|only|just|bare|uden|without|except|exclude|drop|fjern|"
    r"remove|tag)\b|\b(?:i stedet|instead|også|as well|too|kun|only|just|bare)\b",
    re.I,
)


def _is_follow_up(turn: _Turn) -> bool:
    """Does the message read as a change to the last request ("and only in Syddanmark")?"""
    return bool(_FOLLOW_UP.search(turn.message)) or len(turn.message.split()) <= 4


def _decide(turn: _Turn) -> str:
    """The intent to act on: the classifier's, unless the context says otherwise."""
    intent = turn.prediction.intent
    found, state = turn.found, turn.state
    pending = state.get("pending")
    if pending and _answers_pending(turn, pending):
        return pending["intent"]
    task = state.get("task")
    excluding = found.exclude and (found.ordinals or found.firms) and state.get("cards")
    if task and excluding and intent not in ("explain", "show"):
        if intent in TASKS and _named_subjects(turn):
            return intent  # "find partnere til X uden nummer to": a new request, a new mode
        return task
    if task and not found.firms and not found.ambiguous and _refines(found):
        if intent in ("find_partners", "other", "help", "show", "export") or (intent == task):
            return task
        if intent in TASKS:
            return intent
    return intent


def _named_subjects(turn: _Turn) -> list[dict]:
    """The firms the message names as its subject: all of them, or those before an exclusion
    word ("partnere til A, men ikke B" → A)."""
    cut = slots.exclusion_start(turn.message) if turn.found.exclude else None
    return [
        {"id": m.matches[0]["id"], "name": m.matches[0]["name"]}
        for m in turn.mentions
        if not m.ambiguous and (cut is None or m.start < cut)
    ]


def _named_excluded(turn: _Turn) -> list[dict]:
    """The firms the message names after an exclusion word ("uden B")."""
    if not turn.found.exclude:
        return []
    subjects = {f["id"] for f in _named_subjects(turn)}
    return [f for f in turn.found.firms if f["id"] not in subjects]


def _answers_pending(turn: _Turn, pending: dict) -> bool:
    """Does this message pick one of the offered choices (or name the missing firm)?"""
    if len(turn.found.firms) + len(turn.found.ambiguous) >= 2:
        return False  # several firms named: a new request, not a pick
    choice = _pick_choice(turn, pending.get("choices") or [])
    if choice is not None:
        turn.choice = choice
        return True
    if pending.get("slot") == "firm" and len(turn.found.firms) == 1:
        mention = turn.mentions[0] if turn.mentions else None
        mostly_name = mention and (mention.end - mention.start) >= 0.5 * len(turn.message.strip())
        if turn.prediction.intent == pending["intent"] or mostly_name:
            turn.choice = turn.found.firms[0]
            return True
    return False


def _pick_choice(turn: _Turn, choices: list[dict]) -> dict | None:
    if not choices:
        return None
    ids = {c["id"] for c in choices}
    picked = [f for f in turn.found.firms if f["id"] in ids]
    for amb in turn.found.ambiguous:
        narrowed = [c for c in amb["candidates"] if c["id"] in ids]
        if len(narrowed) == 1:
            picked.append(narrowed[0])
    if len(picked) == 1:
        return next(c for c in choices if c["id"] == picked[0]["id"])
    if turn.found.ordinals and len(turn.found.ordinals) == 1:
        n = turn.found.ordinals[0]
        if 1 <= n <= len(choices) or n == -1:
            return choices[n - 1] if n > 0 else choices[-1]
    stripped = turn.message.strip().rstrip(".!?")
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        return choices[int(stripped) - 1]
    folded = slots.fold(stripped)
    for c in choices:
        label = slots.fold(c.get("name") or c.get("title") or "")
        if folded and (folded == label or (len(folded) >= 4 and folded in label)):
            return c
    return None


# -- the subject firm ------------------------------------------------------------------------


def _card_at(state: dict, n: int) -> dict | None:
    cards = state.get("cards") or []
    if n == -1 and cards:
        return cards[-1]
    if 1 <= n <= len(cards):
        return cards[n - 1]
    return None


def _ask_firm(turn: _Turn, intent: str, params: dict) -> dict:
    """No firm named: ask for one; offer the firms that share a word with the message."""
    candidates = slots.firm_candidates(turn.message, turn.gazetteer)
    state = _carry(turn.state)
    if candidates:
        names = _join([c["name"] for c in candidates], turn.lang, "or")
        turn.reply = say("did_you_mean", turn.lang, names=names)
        turn.cards = [_choice_card(c, turn.lang) for c in candidates]
        state["pending"] = {"intent": intent, "params": params, "choices": candidates}
        return state
    example = turn.gazetteer.firms[0].name if turn.gazetteer.firms else ""
    turn.reply = (
        say("ask_firm", turn.lang, example=example) if example else say("ask_firm_plain", turn.lang)
    )
    state["pending"] = {"intent": intent, "params": params, "slot": "firm"}
    return state


def _clarify_ambiguous(turn: _Turn, intent: str, params: dict, ambiguous: dict) -> dict:
    candidates = ambiguous["candidates"]
    names = _join([c["name"] for c in candidates], turn.lang, "or")
    turn.reply = say("which_firm", turn.lang, text=ambiguous["text"], names=names)
    turn.cards = [_choice_card(c, turn.lang) for c in candidates]
    state = _carry(turn.state)
    state["pending"] = {"intent": intent, "params": params, "choices": candidates}
    return state


def _choice_card(candidate: dict, lang: str) -> dict:
    label = candidate.get("name") or candidate.get("title")
    card = {"type": "choice", "id": candidate["id"], "name": label}
    card["actions"] = [{"kind": "choose", "label": say("act_choose", lang), "message": label}]
    return card


def _carry(state: dict) -> dict:
    """The state kept across a clarifying question (the last cards and request stay)."""
    return {k: v for k, v in state.items() if k != "pending"}


# -- partner search ----------------------------------------------------------------------------


def _search_params(turn: _Turn, intent: str) -> dict | None:
    """The search to run: a new one, or the last one with this message's changes."""
    found, state = turn.found, turn.state
    pending = state.get("pending")
    if pending and turn.choice is not None and pending["intent"] == intent:
        params = dict(pending.get("params") or {})
        params["firm"] = {"id": turn.choice["id"], "name": turn.choice["name"]}
        return params
    last = state.get("search") if state.get("task") in ("find_partners", "similar") else None
    subject = None
    excluded_now: list[int] = []
    subjects = _named_subjects(turn) if found.exclude else []
    if found.exclude and subjects:
        # "partners for A, but not B", "partnere til A uden nummer to": a new search for A
        subject = subjects[0]
        excluded_now = [f["id"] for f in _named_excluded(turn)]
        for n in found.ordinals:
            card = _card_at(state, n)
            if card and card.get("type") == "firm" and card["id"] != subject["id"]:
                excluded_now.append(card["id"])
    elif found.exclude and last:
        excluded_now = [f["id"] for f in found.firms]
        for n in found.ordinals:
            card = _card_at(state, n)
            if card and card.get("type") == "firm":
                excluded_now.append(card["id"])
    elif found.firms:
        subject = found.firms[0]
    elif found.ordinals and not found.exclude:
        card = _card_at(state, found.ordinals[0])
        if card and card.get("type") == "firm":
            subject = {"id": card["id"], "name": card["name"]}
    if subject is None and last and not found.ambiguous:
        if not _refines(found) and slots.firm_candidates(turn.message, turn.gazetteer):
            return None  # "find partners for Vestjysk": a new firm, named in part
        params = dict(last)
        for key in ("count", "region", "sector", "purpose"):
            value = getattr(found, key)
            if value is not None:
                params[key] = value
        params["excluded"] = list(dict.fromkeys([*last.get("excluded", []), *excluded_now]))
        return params
    if subject is None:
        return None
    excluded = list(dict.fromkeys(excluded_now)) if found.exclude else []
    return {
        "firm": subject,
        "count": found.count,
        "region": found.region,
        "sector": found.sector,
        "purpose": found.purpose,
        "excluded": excluded,
    }


def _filters_text(params: dict, lang: str, names: dict[int, str] | None = None) -> str:
    out = ""
    if params.get("region"):
        out += say("in_region", lang, region=params["region"])
    if params.get("sector"):
        out += say("in_sector", lang, sector=params["sector"])
    if params.get("purpose"):
        out += say("for_purpose", lang, purpose=params["purpose"])
    if params.get("excluded") and names:
        shown = [names[i] for i in params["excluded"] if i in names]
        if shown:
            out += say("excluding", lang, names=_join(shown, lang))
    return out


def _find_partners(turn: _Turn, intent: str | None = None) -> dict:
    intent = intent or "find_partners"
    params = _search_params(turn, intent)
    if params is None:
        if turn.found.ambiguous:
            return _clarify_ambiguous(turn, intent, _new_params(turn), turn.found.ambiguous[0])
        return _ask_firm(turn, intent, _new_params(turn))
    from matchmaker import matching

    firm = params["firm"]
    mode = "similar" if intent == "similar" else "complementary"
    count = max(1, min(params.get("count") or DEFAULT_PARTNERS, MAX_PARTNERS))
    excluded = set(params.get("excluded") or [])
    try:
        if params.get("sector") or params.get("purpose") or excluded:
            suggestions = _narrowed_suggestions(turn, firm["id"], mode, params, count)
        else:
            suggestions = matching.partner_suggestions(
                turn.db, firm["id"], limit=count, mode=mode, region=params.get("region"),
                lang=turn.lang,
            )  # fmt: skip
    except (KeyError, NotFound):
        turn.reply = say("unknown_firm", turn.lang)
        return _carry(turn.state)
    names = _names(turn, excluded)
    filters = _filters_text(params, turn.lang, names)
    if not suggestions:
        turn.reply = say("no_partners", turn.lang, firm=firm["name"], filters=filters)
    else:
        key = "similar" if intent == "similar" else "partners"
        turn.reply = say(key, turn.lang, n=len(suggestions), firm=firm["name"], filters=filters)
        if len(suggestions) < count:
            turn.reply = turn.reply.rstrip(":") + say("fewer", turn.lang, n=len(suggestions)) + ":"
    turn.cards = [_firm_card(turn, s, firm, n) for n, s in enumerate(suggestions, start=1)]
    state = {
        "task": intent,
        "search": {**params, "count": params.get("count")},
        "firm": firm,
        "count": count,
        "region": params.get("region"),
        "sector": params.get("sector"),
        "purpose": params.get("purpose"),
        "excluded": sorted(excluded),
    }
    return state


def _new_params(turn: _Turn) -> dict:
    f = turn.found
    return {
        "count": f.count,
        "region": f.region,
        "sector": f.sector,
        "purpose": f.purpose,
        "excluded": [],
        "masterclass": f.masterclass,
        "size": f.size,
        "count_unit": f.count_unit,
    }


def _names(turn: _Turn, ids) -> dict[int, str]:
    out = {}
    for i in ids:
        firm = turn.gazetteer.firm(i)
        if firm:
            out[i] = firm.name
    return out


def _profile(turn: _Turn, company_id: int) -> dict | None:
    cache = turn.__dict__.setdefault("_profiles", {})
    if company_id not in cache:
        try:
            cache[company_id] = profiles.get(turn.db, company_id)
        except NotFound:
            cache[company_id] = None
    return cache[company_id]


def _firm_sectors(turn: _Turn, company_id: int) -> set[str]:
    p = _profile(turn, company_id) or {}
    return slots.sectors_of(
        " ".join(str(p.get(k) or "") for k in ("name", "sector", "description"))
    )


def _narrowed_suggestions(turn: _Turn, firm_id: int, mode: str, params: dict, count: int) -> list:
    """Partner suggestions narrowed by sector and exclusions and ranked for a purpose.

    The ranked candidates come from `matching.top_candidates` (scores only, cheap); the reasons
    are computed with `matching.pair_score` for the few shown.
    """
    from matchmaker import matching

    excluded = set(params.get("excluded") or []) | {firm_id}
    try:
        ranked = matching.top_candidates(
            turn.db, k=len(matching.match_index(turn.db)), ids=[firm_id], mode=mode
        )[firm_id]
    except KeyError:  # a firm without consent is not indexed: the direct route
        found = matching.partner_suggestions(
            turn.db, firm_id, limit=CANDIDATE_POOL, mode=mode, region=params.get("region"),
            lang=turn.lang,
        )  # fmt: skip
        ranked = [(s.id, s.score) for s in found]
    facts = _firm_facts(turn)
    region, sector = params.get("region"), params.get("sector")
    ranked = [
        (cid, score)
        for cid, score in ranked
        if cid not in excluded
        and cid in facts
        and (not region or facts[cid]["region"] == region)
        and (not sector or sector in facts[cid]["sectors"])
    ]
    evidence: dict[int, list[str]] = {}
    if params.get("purpose"):
        ranked, evidence = _rank_by_purpose(turn, ranked[: max(3 * count, 12)], params["purpose"])
    suggestions = []
    for cid, _ in ranked[:count]:
        pair = matching.pair_score(turn.db, firm_id, cid, mode=mode, lang=turn.lang)
        if evidence.get(cid):
            reason = say(
                "purpose_reason",
                turn.lang,
                purpose=params["purpose"],
                evidence=", ".join(evidence[cid]),
            )
            pair.reasons = [reason, *pair.reasons]
        suggestions.append(pair)
    return suggestions


def _firm_facts(turn: _Turn) -> dict[int, dict]:
    """Region and sectors of every consenting firm, read once per message."""
    if not hasattr(turn, "_facts"):
        rows = turn.db.execute(
            "SELECT id, name, region, sector, description FROM companies WHERE consent = 1"
        ).fetchall()
        turn._facts = {
            cid: {
                "region": region,
                "sectors": slots.sectors_of(f"{name} {sector or ''} {description or ''}"),
            }
            for cid, name, region, sector, description in rows
        }
    return turn._facts


def _rank_by_purpose(
    turn: _Turn, ranked: list[tuple[int, float]], purpose: str
) -> tuple[list[tuple[int, float]], dict[int, list[str]]]:
    """Re-rank (id, score) candidates by how well each firm's offers serve the purpose: shared
    lexicon concepts (Danish/English) and the sentence model's cosine (vectors cached by text).
    Returns the new order and, per firm, the concept labels it shares with the purpose."""
    if not ranked:
        return ranked, {}
    from matchmaker.reference.lexicon import default_lexicon
    from matchmaker.representation.embedding import SentenceEncoder

    lexicon = default_lexicon()
    wanted = set(lexicon.concept_ids(purpose))
    texts, evidence = [], {}
    for cid, _ in ranked:
        p = _profile(turn, cid) or {}
        markets = ", ".join(p.get("markets") or [])
        offer = " ".join(str(p.get(k) or "") for k in ("offers", "description")) + " " + markets
        texts.append(offer.strip())
        shared = wanted & set(lexicon.concept_ids(offer))
        evidence[cid] = sorted(lexicon.label(c, turn.lang) for c in shared)
    try:
        vectors = SentenceEncoder().encode([purpose, *texts], db=turn.db)
        cosines = [float(vectors[0] @ v) for v in vectors[1:]]
    except Exception:  # no sentence model available: the lexicon alone decides
        cosines = [0.0] * len(texts)
    rescored = []
    for (cid, score), cos in zip(ranked, cosines, strict=True):
        lexical = len(evidence[cid]) / len(wanted) if wanted else 0.0
        relevance = 0.5 * lexical + 0.5 * max(cos, 0.0)
        rescored.append((cid, score + PURPOSE_WEIGHT * relevance))
    rescored.sort(key=lambda pair: (-pair[1], pair[0]))
    return rescored, evidence


def _firm_card(turn: _Turn, suggestion, subject: dict, n: int) -> dict:
    p = _profile(turn, suggestion.id) or {}
    lang = turn.lang
    card = asdict(suggestion)
    card["match_type"] = card.pop("type")
    card["type"] = "firm"
    card["ordinal"] = n
    card["type_label"] = _type_label(card["match_type"], lang)
    card.update({k: p.get(k) for k in ("region", "city", "sector")})
    card["actions"] = [
        {
            "kind": "explain",
            "label": say("act_explain", lang),
            "message": say("msg_explain_pair", lang, a=subject["name"], b=suggestion.name),
        },
        {"kind": "show", "label": say("act_show", lang), "company_id": suggestion.id},
        {
            "kind": "exclude",
            "label": say("act_exclude", lang),
            "message": say("msg_exclude_n", lang, n=n),
        },
    ]
    return card


# -- explanations ------------------------------------------------------------------------------


def _explain(turn: _Turn) -> dict:
    from matchmaker import matching

    state, found, lang = turn.state, turn.found, turn.lang
    keep = _carry(state)
    firms = list(found.firms)
    if turn.choice:
        firms = [*(state.get("pending") or {}).get("params", {}).get("firms", []), turn.choice]
    for n in found.ordinals:
        card = _card_at(state, n)
        if card is None:
            turn.reply = say("no_such_card", lang, n=len(state.get("cards") or []))
            return keep
        if card.get("type") in ("network", "cohort"):
            return _explain_groups(turn, [card], keep)
        firms.append({"id": card["id"], "name": card["name"]})
    if found.ambiguous and len(firms) < 2:
        return _clarify_ambiguous(turn, "explain", {"firms": firms}, found.ambiguous[0])
    subject = state.get("firm") if state.get("task") in ("find_partners", "similar") else None
    if len(firms) == 1 and subject and firms[0]["id"] != subject["id"]:
        firms.insert(0, subject)
    if len(firms) >= 2:
        a, b = firms[0], firms[1]
        mode = "similar" if state.get("task") == "similar" else "complementary"
        try:
            pair = matching.pair_score(turn.db, a["id"], b["id"], mode=mode, lang=lang)
        except (KeyError, NotFound):
            turn.reply = say("unknown_firm", lang)
            return keep
        turn.reply = say(
            "explain_pair",
            lang,
            a=a["name"],
            b=b["name"],
            score=f"{pair.score:.2f}",
            type=_type_label(pair.type, lang),
        )
        card = {
            "type": "pair",
            "a": a,
            "b": b,
            "score": pair.score,
            "match_type": pair.type,
            "type_label": _type_label(pair.type, lang),
            "reasons": pair.reasons,
            "flags": pair.flags,
            "actions": [
                {"kind": "show", "label": f"{say('act_show', lang)}: {a['name']}",
                 "company_id": a["id"]},
                {"kind": "show", "label": f"{say('act_show', lang)}: {b['name']}",
                 "company_id": b["id"]},
            ],
        }  # fmt: skip
        turn.cards = [card]
        keep["firms"] = [a, b]
        return keep
    cards = state.get("cards") or []
    groups = [c for c in cards if c.get("type") in ("network", "cohort")]
    if groups:
        return _explain_groups(turn, groups, keep)
    firm_cards = [c for c in cards if c.get("type") == "firm"]
    if subject and firm_cards:
        return _explain_list(turn, subject, firm_cards, keep)
    if len(firms) == 1:
        turn.reply = say("explain_what", lang, a=firms[0]["name"], b="…")
    else:
        turn.reply = say("explain_what_plain", lang)
    return keep


def _explain_list(turn: _Turn, subject: dict, firm_cards: list[dict], keep: dict) -> dict:
    from matchmaker import matching

    lang = turn.lang
    mode = "similar" if turn.state.get("task") == "similar" else "complementary"
    turn.reply = say("explain_list", lang, firm=subject["name"])
    for n, card in enumerate(firm_cards[:5], start=1):
        try:
            pair = matching.pair_score(turn.db, subject["id"], card["id"], mode=mode, lang=lang)
        except (KeyError, NotFound):
            continue
        turn.cards.append(
            {
                "type": "pair",
                "ordinal": n,
                "a": subject,
                "b": {"id": card["id"], "name": card["name"]},
                "score": pair.score,
                "match_type": pair.type,
                "type_label": _type_label(pair.type, lang),
                "reasons": pair.reasons,
                "flags": pair.flags,
                "actions": [
                    {"kind": "show", "label": say("act_show", lang), "company_id": card["id"]}
                ],
            }
        )
    return keep


def _explain_groups(turn: _Turn, groups: list[dict], keep: dict) -> dict:
    lang = turn.lang
    kind = groups[0]["type"]
    turn.reply = say("explain_networks" if kind == "network" else "explain_cohorts", lang)
    for ref in groups:
        try:
            group = _load_group(turn.db, ref)
        except NotFound:
            continue
        turn.cards.append(_group_card(turn, group, ref.get("ordinal") or 0, explain=True))
    return keep


def _load_group(db, ref: dict) -> dict:
    from matchmaker.store import proposals

    return proposals.get_group(db, ref["id"])


# -- showing a firm ------------------------------------------------------------------------------


def _show(turn: _Turn) -> dict:
    state, found, lang = turn.state, turn.found, turn.lang
    keep = _carry(state)
    firms = [turn.choice] if turn.choice else list(found.firms)
    for n in found.ordinals:
        card = _card_at(state, n)
        if card and card.get("type") in ("firm", "choice"):
            firms.append({"id": card["id"], "name": card["name"]})
        elif card is None:
            turn.reply = say("no_such_card", lang, n=len(state.get("cards") or []))
            return keep
    if not firms:
        if found.ambiguous:
            return _clarify_ambiguous(turn, "show", {}, found.ambiguous[0])
        return _ask_firm(turn, "show", {})
    for firm in firms[:3]:
        company = _profile(turn, firm["id"])
        if company is None:
            continue
        turn.cards.append(_profile_card(company, lang))
    if not turn.cards:
        turn.reply = say("unknown_firm", lang)
        return keep
    turn.reply = say("show", lang, firm=_join([c["name"] for c in turn.cards], lang))
    keep["firms"] = [{"id": c["id"], "name": c["name"]} for c in turn.cards]
    return keep


def _profile_card(company: dict, lang: str) -> dict:
    view = profiles.public(company)
    card = {
        "type": "profile",
        **{k: view.get(k) for k in (
            "id", "name", "region", "city", "sector", "nace", "kind", "employees", "founded",
            "description", "offers", "needs", "markets", "contact_name", "contact_email",
        )},
    }  # fmt: skip
    card["actions"] = [
        {"kind": "show", "label": say("act_show", lang), "company_id": company["id"]}
    ]
    return card


# -- networks -------------------------------------------------------------------------------------


def _network_params(turn: _Turn) -> dict:
    found, state = turn.found, turn.state
    last = state.get("networks") if state.get("task") == "propose_networks" else None
    named = bool(_named_subjects(turn) or found.ambiguous)  # "uden B" alone refines
    fresh = not last or named or not (_refines(found) and _is_follow_up(turn))
    params = (
        {"region": None, "sector": None, "purpose": None, "count": None, "size": None,
         "firm": None, "firms": [], "excluded": []}
        if fresh else {"firms": [], **last}
    )  # fmt: skip
    pending = state.get("pending")
    if pending and turn.choice and pending["intent"] == "propose_networks":
        params.update(pending.get("params") or {})
        chosen = {"id": turn.choice["id"], "name": turn.choice.get("name")}
        _set_named(params, [*_named_in(params), chosen])
    for key in ("region", "sector", "purpose"):
        if getattr(found, key) is not None:
            params[key] = getattr(found, key)
    subjects = _named_subjects(turn)
    if subjects and not turn.choice:
        # The firms named now replace those of the last request.
        _set_named(params, subjects)
    if found.exclude:
        ids = [f["id"] for f in _named_excluded(turn)]
        for n in found.ordinals:
            card = _card_at(state, n)
            if card and card.get("type") == "firm":
                ids.append(card["id"])
        params["excluded"] = list(dict.fromkeys([*params.get("excluded", []), *ids]))
    number = found.count or found.size
    if number:
        unit = found.count_unit
        if found.size or unit == "firms" or (unit is None and params.get("size") and 2 <= number):
            params["size"] = max(2, min(number, 10))
        else:
            params["count"] = number
    return params


def _partly_named(turn: _Turn) -> dict | None:
    """In a list of named firms, a further name that matches stored firms only in part
    ("Ikast" for Ikast Software and Ikast Smedie): {"text", "candidates"}, or None."""
    if not turn.found.firms or turn.found.exclude:
        return None
    rest = slots._mask(turn.message, [(m.start, m.end) for m in turn.mentions])
    named = {f["id"] for f in turn.found.firms}
    candidates = [c for c in slots.firm_candidates(rest, turn.gazetteer) if c["id"] not in named]
    if not candidates:
        return None
    words = {w for c in candidates for w in slots.fold(c["name"]).split()}
    text = " ".join(w for w in rest.split() if slots.fold(w).strip(",.;:!?") in words)
    return {"text": text or rest.strip(), "candidates": candidates}


def _named_in(params: dict) -> list[dict]:
    """The firms a network request is built on: one (`firm`) or several (`firms`)."""
    return list(params.get("firms") or ([params["firm"]] if params.get("firm") else []))


def _set_named(params: dict, firms: list[dict]) -> None:
    unique = list({f["id"]: f for f in firms}.values())
    params["firm"] = unique[0] if len(unique) == 1 else None
    params["firms"] = unique if len(unique) >= 2 else []


DEFAULT_NETWORK_SIZE = 5  # the networks API's default largest network
MAX_NETWORK_SIZE = 10  # the largest network the API allows


def _network_request(params: dict, lang: str, fields: dict) -> dict[str, Any]:
    """The networks.propose request for the chat's parameters."""
    request: dict[str, Any] = {"seed": 0}
    if params.get("size"):
        request["max_size"] = params["size"]
        request["min_size"] = min(3, params["size"])
    if params.get("count"):
        request["count"] = params["count"]
    if params.get("region"):
        request["region"] = params["region"]
    if params.get("purpose"):
        request["theme"] = params["purpose"]
    named = [f["id"] for f in params.get("firms") or []]
    if len(named) >= 2:
        size = params.get("size") or DEFAULT_NETWORK_SIZE
        if len(named) <= size or (not params.get("size") and len(named) <= MAX_NETWORK_SIZE):
            # One network built on the named firms, filled up from the pool.
            request["max_size"] = max(size, len(named))
            request["min_size"] = min(3, request["max_size"])
            request["locked"] = [named]
            request["count"] = params.get("count") or 1
        else:
            # More firms than one network holds: they are the pool, split into networks.
            request["company_ids"] = sorted(named)
            request["min_size"] = min(request.get("min_size", 3), size)
            request["max_size"] = size
            request.pop("count", None)
            request.pop("region", None)
            request.pop("theme", None)
    elif params.get("firm"):
        request["around_company_id"] = params["firm"]["id"]
    if "lang" in fields:
        request["lang"] = lang
    return request


def _propose_networks(turn: _Turn) -> dict:
    lang = turn.lang
    keep = _carry(turn.state)
    found = turn.found
    if found.ambiguous and not turn.choice and (not found.firms or not found.exclude):
        return _clarify_ambiguous(
            turn, "propose_networks", _network_params(turn), found.ambiguous[0]
        )
    partial = _partly_named(turn) if not turn.choice else None
    if partial:
        # "med Ikast, Vejen Mejeri og …": a firm named in part is asked about, not dropped.
        return _clarify_ambiguous(turn, "propose_networks", _network_params(turn), partial)
    params = _network_params(turn)
    fields = getattr(getattr(networks, "NetworkProposalIn", None), "model_fields", {})
    request = _network_request(params, lang, fields)
    named = _named_in(params)
    filters = _filters_text(params, lang)
    if named and len(named) >= 2:
        filters += say("with_firms", lang, names=_short_names([f["name"] for f in named], lang))
    if (params.get("sector") or params.get("excluded")) and "company_ids" not in request:
        facts = _firm_facts(turn)
        pool = [
            cid
            for cid, fact in facts.items()
            if (not params.get("region") or fact["region"] == params["region"])
            and (not params.get("sector") or params["sector"] in fact["sectors"])
        ]
        pool = [i for i in pool if i not in set(params.get("excluded") or [])]
        for firm in named:
            if firm["id"] not in pool:
                pool.append(firm["id"])
        if len(pool) < request.get("min_size", 3):
            turn.reply = say(
                "no_networks", lang, filters=filters, why=say("too_few", lang, n=len(pool))
            )
            return keep
        request["company_ids"] = sorted(pool)
    prefix = ""
    try:
        proposal = _call_propose(turn, networks, request)
    except (InvalidInput, Conflict) as exc:
        fallback = request.get("locked") and "locked" in (getattr(exc, "fields", None) or {})
        if not fallback:
            turn.reply = say("no_networks", lang, filters=filters, why=_error_text(exc, lang))
            return keep
        # The named firms cannot all share one network (competitors, "never together"):
        # spread them over networks of their own instead.
        prefix = say("not_together", lang, why=_error_text(exc, lang)) + " "
        request = {
            k: v for k, v in request.items() if k not in ("locked", "count", "region", "theme")
        }
        request["company_ids"] = sorted(f["id"] for f in named)
        request["min_size"] = 2
        try:
            proposal = _call_propose(turn, networks, request)
        except (InvalidInput, Conflict) as again:
            turn.reply = say("no_networks", lang, filters=filters, why=_error_text(again, lang))
            return keep
    groups = proposal.get("networks", [])
    unmet = [u for u in proposal.get("unmet", []) if isinstance(u, dict)]
    capped = any(reason_key(u.get("reason", "")) == "r_capped" for u in unmet)
    if not groups:
        turn.reply = prefix + say(
            "no_networks", lang, filters=filters, why=_unmet_text(unmet, lang, named)
        )
        if capped:
            turn.reply += "." + say("discard_hint", lang)
            turn.cards = [_discard_card(lang)]
        return keep
    # The network holding the named firms first.
    named_ids = {f["id"] for f in named}
    order = sorted(
        range(len(groups)),
        key=lambda i: -len(named_ids & {m.get("id") for m in groups[i].get("members", [])}),
    )
    groups = [groups[i] for i in order]
    turn.reply = prefix + say("networks", lang, n=len(groups), filters=filters)
    placed = {m.get("id") for g in groups for m in g.get("members", [])}
    missing = [f for f in named if f["id"] not in placed]
    if missing:
        turn.reply = (
            turn.reply.rstrip(":")
            + "."
            + say(
                "not_placed",
                lang,
                names=_short_names([f["name"] for f in missing], lang),
                why=_unmet_text(unmet, lang, missing, with_names=len(missing) > 1),
            )
        )
    if capped:
        turn.reply = turn.reply.rstrip(":") + ("" if turn.reply.endswith(".") else ".")
        turn.reply += say("discard_hint", lang)
    turn.cards = [
        _group_card(turn, {**g, "kind": "network", "proposal_id": proposal["id"]}, n)
        for n, g in enumerate(groups, start=1)
    ]
    if capped:
        turn.cards.append(_discard_card(lang))
    return {
        "task": "propose_networks",
        "networks": params,
        "proposal": {"kind": "network", "id": proposal["id"]},
        "count": params.get("count"),
        "region": params.get("region"),
        "sector": params.get("sector"),
        "purpose": params.get("purpose"),
        "firm": params.get("firm"),
        "firms": params.get("firms") or [],
        "excluded": params.get("excluded") or [],
    }


def _call_propose(turn: _Turn, networks, request: dict) -> dict:
    kwargs: dict[str, Any] = {"created_by": turn.user_id}
    if turn.max_per_firm is not None:
        kwargs["max_per_firm"] = turn.max_per_firm
    return networks.propose(turn.db, request, **kwargs)


def _unmet_text(
    unmet: list[dict], lang: str, firms: list[dict] | None = None, *, with_names: bool = True
) -> str:
    """Why networks or firms were left out, in the reply language: the reasons of the given
    firms when there are any, else the reasons of the whole request (firms grouped by reason)."""
    ids = {f["id"] for f in firms or []}
    rows = [u for u in unmet if u.get("company_id") in ids] if ids else []
    if not rows:
        # Firms left out first (grouped by reason), then what held the whole request back.
        rows = sorted(unmet, key=lambda u: "company_id" not in u)
    by_reason: dict[str, list[str]] = {}
    for u in rows:
        text = translate_reason(u.get("reason", ""), lang)
        by_reason.setdefault(text, [])
        if u.get("name") and with_names:
            by_reason[text].append(u["name"])
    parts = []
    for text, names in list(by_reason.items())[:3]:
        parts.append(f"{_short_names(names, lang)} – {text}" if names else text)
    return "; ".join(parts) or say("r_generic", lang)


def _discard_card(lang: str) -> dict:
    """A pointer to the proposals page, where an old proposal can be discarded."""
    return {
        "type": "notice",
        "name": say("discard_title", lang),
        "actions": [{"kind": "proposals", "label": say("act_proposals", lang)}],
    }


def _group_card(turn: _Turn, group: dict, n: int, *, explain: bool = False) -> dict:
    lang = turn.lang
    kind = group.get("kind", "network")
    card: dict[str, Any] = {
        "type": kind,
        "id": group["id"],
        "proposal_id": group.get("proposal_id"),
        "ordinal": n or group.get("ordinal"),
        "status": group.get("status", "proposed"),
    }
    if kind == "network":
        card["title"] = say("network_n", lang, n=card["ordinal"])
        card.update(
            match_type=group.get("type"),
            type_label=_type_label(group.get("type"), lang),
            score=group.get("score"),
            purpose=group.get("purpose"),
            reasons=group.get("reasons", []),
            members=[
                {"id": m.get("id"), "name": m.get("name"), "reason": m.get("reason")}
                for m in group.get("members", [])
            ],
        )
        card["actions"] = [
            {"kind": "explain", "label": say("act_explain", lang),
             "message": say("msg_explain_n", lang, n=card["ordinal"])},
            {"kind": "accept", "label": say("act_accept", lang), "group_id": group["id"]},
            {"kind": "reject", "label": say("act_reject", lang), "group_id": group["id"]},
            {"kind": "export", "label": say("act_export", lang), "target": "network",
             "group_id": group["id"]},
        ]  # fmt: skip
    else:
        card["title"] = say("cohort_n", lang, n=card["ordinal"])
        card.update(
            coherence=group.get("coherence"),
            themes=group.get("themes", []),
            members=[
                {
                    "id": m.get("company_id"),
                    "response_id": m.get("response_id"),
                    "name": m.get("company") or m.get("name"),
                    "reason": m.get("reason"),
                }
                for m in group.get("members", [])
            ],
        )
        card["actions"] = [
            {"kind": "explain", "label": say("act_explain", lang),
             "message": say("msg_explain_n", lang, n=card["ordinal"])},
            {"kind": "export", "label": say("act_export", lang), "target": "cohort",
             "group_id": group["id"]},
        ]  # fmt: skip
    if explain:
        card["actions"] = [a for a in card["actions"] if a["kind"] != "explain"]
    return card


# -- cohorts --------------------------------------------------------------------------------------


def _propose_cohorts(turn: _Turn) -> dict:
    lang = turn.lang
    keep = _carry(turn.state)
    found, state = turn.found, turn.state
    masterclass = found.masterclass
    pending = state.get("pending")
    if pending and turn.choice and pending["intent"] == "propose_cohorts":
        masterclass = {"id": turn.choice["id"], "title": turn.choice.get("title")}
    last = state.get("cohorts") if state.get("task") == "propose_cohorts" else None
    if masterclass is None and last:
        masterclass = last.get("masterclass")
    if masterclass is None:
        classes = questionnaires.list_masterclasses(turn.db)
        if not classes:
            turn.reply = say("no_masterclass", lang)
            return keep
        if len(classes) > 1:
            choices = [{"id": m["id"], "title": m["title"], "name": m["title"]} for m in classes]
            turn.reply = say(
                "which_masterclass", lang, names=_join([m["title"] for m in classes], lang, "or")
            )
            turn.cards = [_choice_card(c, lang) for c in choices[:10]]
            keep["pending"] = {"intent": "propose_cohorts", "params": {}, "choices": choices}
            return keep
        masterclass = {"id": classes[0]["id"], "title": classes[0]["title"]}
    request = _cohort_request(turn, masterclass, last or {})
    fields = getattr(getattr(cohorts, "CohortRequestIn", None), "model_fields", {})
    if "lang" in fields:
        request["lang"] = lang
    try:
        proposal = cohorts.propose(turn.db, masterclass["id"], request, created_by=turn.user_id)
    except (InvalidInput, Conflict) as exc:
        turn.reply = say("no_cohorts", lang, title=masterclass["title"], why=_error_text(exc, lang))
        return keep
    except NotFound:
        turn.reply = say("no_cohorts", lang, title=masterclass["title"], why=say("r_generic", lang))
        return keep
    groups = proposal.get("cohorts", [])
    if not groups:
        reasons = [u.get("reason", "") for u in proposal.get("unmet", []) if isinstance(u, dict)]
        # The cohort notes are written in the requested language already; the rest is mapped.
        why = _reasons_text(reasons, lang, keep_unknown="lang" in fields)
        turn.reply = say("no_cohorts", lang, title=masterclass["title"], why=why)
        return keep
    turn.reply = say("cohorts", lang, n=len(groups), title=masterclass["title"])
    turn.cards = [
        _group_card(turn, {**g, "kind": "cohort", "proposal_id": proposal["id"]}, n)
        for n, g in enumerate(groups, start=1)
    ]
    return {
        "task": "propose_cohorts",
        "cohorts": {
            "masterclass": masterclass,
            "max_size": request.get("max_size"),
            "min_size": request.get("min_size"),
        },
        "proposal": {"kind": "cohort", "id": proposal["id"]},
        "masterclass": masterclass,
    }


def _cohort_request(turn: _Turn, masterclass: dict, last: dict) -> dict[str, Any]:
    """Cohort sizes from "max 6 per hold" (a size) or "3 hold" (a number of cohorts)."""
    found = turn.found
    request: dict[str, Any] = {"seed": 0}
    same = (last.get("masterclass") or {}).get("id") == masterclass["id"]
    if same and last.get("max_size"):
        request["max_size"] = last["max_size"]
        request["min_size"] = last.get("min_size") or min(DEFAULT_MIN_COHORT, last["max_size"])
    if found.size or (found.count and found.count_unit == "firms"):
        size = max(1, min(found.size or found.count, questionnaires.MAX_COHORT_SIZE))
        request["max_size"] = size
        request["min_size"] = min(DEFAULT_MIN_COHORT, size)
    elif found.count:
        answers = questionnaires.get_masterclass(turn.db, masterclass["id"])["responses"]
        k = max(1, found.count)
        request["max_size"] = max(1, min(-(-answers // k), questionnaires.MAX_COHORT_SIZE))
        request["min_size"] = max(1, min(answers // k, request["max_size"]))
    return request


# -- exports --------------------------------------------------------------------------------------


def _export(turn: _Turn) -> dict:
    state, found, lang = turn.state, turn.found, turn.lang
    keep = _carry(state)
    fmt = found.format
    if fmt:
        keep["format"] = fmt
    target: dict[str, Any] | None = None
    cards = state.get("cards") or []
    if found.ordinals:
        card = _card_at(state, found.ordinals[0])
        if card and card.get("type") in ("network", "cohort"):
            target = {"kind": card["type"], "id": card["id"]}
    if target is None and found.firms and state.get("task") not in ("find_partners", "similar"):
        target = {"kind": "firms", "ids": [f["id"] for f in found.firms]}
    if (
        target is None
        and state.get("proposal")
        and any(c.get("type") in ("network", "cohort") for c in cards)
    ):
        proposal = state["proposal"]
        target = {"kind": f"{proposal['kind']}_proposal", "id": proposal["id"]}
    if target is None:
        ids = [c["id"] for c in cards if c.get("type") in ("firm", "profile")]
        if ids:
            target = {"kind": "firms", "ids": ids}
    if target is None:
        turn.reply = say("export_nothing", lang)
        return keep
    turn.reply = say("export", lang, what=say(f"what_{target['kind']}", lang))
    turn.cards = [
        {
            "type": "export",
            "target": target,
            "format": fmt,
            "lang": lang,
            "actions": [
                {"kind": "download", "label": f.upper(), "format": f, "target": target}
                for f in (_FORMAT_ORDER if fmt is None else (fmt,))
            ],
        }
    ]
    return keep


_FORMAT_ORDER = ("pdf", "xlsx", "csv", "json")


# -- help and small talk ----------------------------------------------------------------------


_THANKS = re.compile(r"\b(tak|thanks?|thank you|thx|ty|mange tak)\b", re.I)


def _help(turn: _Turn) -> dict:
    words = turn.message.split()
    thanks = _THANKS.search(turn.message) and len(words) <= 6
    example = turn.gazetteer.firms[0].name if turn.gazetteer.firms else "<firma>"
    turn.reply = say("thanks" if thanks else "help", turn.lang, firm=example)
    return _carry(turn.state)


def _other(turn: _Turn) -> dict:
    turn.reply = say("other", turn.lang)
    return _carry(turn.state)


HANDLERS = {
    "find_partners": _find_partners,
    "similar": lambda turn: _find_partners(turn, "similar"),
    "propose_networks": _propose_networks,
    "propose_cohorts": _propose_cohorts,
    "explain": _explain,
    "show": _show,
    "export": _export,
    "help": _help,
    "other": _other,
}
