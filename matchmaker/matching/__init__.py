"""Matching: pair scores, competitors, partner suggestions and their reasons.

The public seam other stages use; the modules behind it are
`index` (the immutable snapshot of the consenting firms), `features` (how two firms relate),
`scorer` (the learned partner and competitor models), `scoring` (scores of firms against
firms), `candidates` (the candidate graph of a large pool), `reasons` (why a pair fits, as
message records) and `suggestions`.
"""

from matchmaker.matching import learning
from matchmaker.matching.candidates import CandidateGraph, candidate_graph
from matchmaker.matching.index import (
    MatchIndex,
    catch_up,
    company_profile,
    configure,
    default_encoder,
    default_scorer,
    embed_ahead,
    embed_stored,
    keep_current,
    learning_enabled,
    match_index,
    published,
    stop_keeping_current,
)
from matchmaker.matching.kept_scores import warm
from matchmaker.matching.reasons import Explainer
from matchmaker.matching.scorer import PairScorer
from matchmaker.matching.scoring import (
    MAX_POOL,
    MODES,
    BlockScores,
    PairScores,
    display_score,
    pair_score_matrix,
    score_rows,
    top_candidates,
)
from matchmaker.matching.suggestions import (
    PartnerSuggestion,
    filter_mask,
    pair_score,
    pair_type,
    partner_suggestions,
)

__all__ = [
    "MAX_POOL", "MODES", "BlockScores", "CandidateGraph", "Explainer", "MatchIndex", "PairScorer",
    "PairScores", "PartnerSuggestion", "candidate_graph", "catch_up", "company_profile",
    "configure", "default_encoder", "default_scorer", "display_score", "embed_ahead",
    "embed_stored",
    "filter_mask", "keep_current", "learning", "learning_enabled", "match_index", "pair_score",
    "pair_score_matrix", "pair_type", "partner_suggestions", "published", "score_rows",
    "stop_keeping_current", "top_candidates", "warm",
]  # fmt: skip
