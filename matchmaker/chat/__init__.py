"""The facilitator chat: intent and slots merged with the session's dialogue state, answered
by the same core functions as the API (matching, networks, cohorts, exports).

`respond(db, session_id, message, user)` → {"reply", "intent", "entities", "cards"}. Cards are
plain data (firms, pairs, networks, cohorts, choices, exports) with next-step actions; the web
layer turns actions into links and buttons.

Modules: `intents` (classifier), `entities` with `names`, `numbers`, `topics` and
`masterclasses` (slots), `turn` (a message in context), `dialogue` (which task, state),
`clarify`, one module per task (`partners`, `network_requests`/`network_previews`,
`cohort_requests`, `saving`, `review`, `explain`, `rivals`, `counts`, `show`, `export`,
`smalltalk`), `cards`, `wording` and `language`.
"""

from __future__ import annotations

from matchmaker.chat.dialogue import history, respond
from matchmaker.chat.intents import IntentModelMissing
from matchmaker.chat.language import message_language
from matchmaker.chat.wording import say

__all__ = ["IntentModelMissing", "history", "message_language", "respond", "say"]
