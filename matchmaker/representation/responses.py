"""Vectors of masterclass questionnaire answers (for cohorts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matchmaker.representation.lexical import LexicalEncoder
from matchmaker.representation.parts import DEFAULT_WEIGHTS
from matchmaker.representation.sentence import SentenceEncoder

RESPONSE_FIELDS = (
    "core_business",
    "market_now",
    "technology_role",
    "experience",
    "barriers",
    "potentials",
)


def response_text(response: Mapping) -> str:
    """One text from the free-text answers of a questionnaire response."""
    return "\n".join(str(response.get(f) or "").strip() for f in RESPONSE_FIELDS).strip()


@dataclass
class ResponseVectors:
    """Vectors of questionnaire responses (sentence model, lexical) and their similarity."""

    ids: list
    texts: list[str]
    dense: np.ndarray
    sparse: sp.csr_matrix
    weights: dict[str, float]

    def similarity(self) -> np.ndarray:
        """Weighted cosine similarity between every pair of responses."""
        total = (self.weights["model"] + self.weights["lexical"]) or 1.0
        sims = self.dense @ self.dense.T * (self.weights["model"] / total)
        lexical = (self.sparse @ self.sparse.T).toarray()
        return sims + lexical * (self.weights["lexical"] / total)


def encode_responses(
    responses: Sequence[Mapping],
    db=None,
    weights: Mapping[str, float] | None = None,
    model: SentenceEncoder | None = None,
    lexical: LexicalEncoder | None = None,
) -> ResponseVectors:
    """Vectors of questionnaire answers (for cohorts), the lexical part fitted on them."""
    w = dict(DEFAULT_WEIGHTS if weights is None else weights)
    w = {"model": float(w.get("model", 0.0)), "lexical": float(w.get("lexical", 0.0))}
    texts = [response_text(r) for r in responses]
    model = model or SentenceEncoder()
    dense = (
        model.encode(texts, db=db)
        if w["model"] > 0
        else np.zeros((len(texts), 0), dtype=np.float32)
    )
    lexical = lexical or LexicalEncoder()
    sparse = (
        lexical.fit_transform([t or " " for t in texts])
        if w["lexical"] > 0
        else sp.csr_matrix((len(texts), 0), dtype=np.float32)
    )
    return ResponseVectors(
        ids=[r.get("id", i) for i, r in enumerate(responses)],
        texts=texts,
        dense=dense,
        sparse=sparse,
        weights=w,
    )
