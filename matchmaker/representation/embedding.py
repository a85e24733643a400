"""The hybrid representation of profiles: a weighted union of the sentence model, Danish-aware
lexical vectors and structured fields (its parts live in sibling modules, re-exported here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from matchmaker.reference.lexicon import Lexicon, default_lexicon
from matchmaker.reference.text import (
    LANGUAGES,
    guess_language,
)
from matchmaker.representation.capabilities import NO_CHOICE, ConceptChoice, concept_choices
from matchmaker.representation.clauses import CLAUSE_PARTS, clause_texts
from matchmaker.representation.lexical import LexicalEncoder
from matchmaker.representation.parts import (
    DEFAULT_WEIGHTS,
    PARTS,
    REPRESENTATIONS,
    profile_texts,
)
from matchmaker.representation.responses import (
    RESPONSE_FIELDS,
    ResponseVectors,
    encode_responses,
    response_text,
)
from matchmaker.representation.sentence import SentenceEncoder, cache_key, load_model, passages
from matchmaker.representation.structured import StructuredEncoder
from matchmaker.representation.vectors import ProfileVectors, row_norms

# The lexical encoder's blocks, each a range of its columns.
LEXICAL_BLOCKS = ("words", "chars", "concepts")
# Up to this many query rows, dense dots run single-threaded (see `_dense_dot`).
FEW_QUERY_ROWS = 4
# Fewer fitted texts in a language than this: centre it with the overall mean instead.
MIN_LANGUAGE_ROWS = 10
# A cosine's spread over the fitted pairs below this is no spread (profiles alike but for
# float rounding): calibrating by it would blow the rounding up into scores.
MIN_SPREAD = 1e-3


_OFFSETS: dict[str, dict[str, np.ndarray]] = {}


def language_offsets(model: SentenceEncoder, db=None) -> dict[str, np.ndarray]:
    """Per language, how the model's mean vector of lexicon labels sits off the two's middle."""
    if model.model_name not in _OFFSETS:
        lexicon = default_lexicon()
        means = {
            language: model.encode(
                [lexicon.label(c, language) for c in sorted(lexicon.concepts)], db=db
            ).mean(axis=0)
            for language in LANGUAGES
        }
        middle = np.mean(list(means.values()), axis=0)
        _OFFSETS[model.model_name] = {
            language: (m - middle).astype(np.float32) for language, m in means.items()
        }
    return _OFFSETS[model.model_name]


class HybridEncoder(BaseEstimator):
    """Weighted union of sentence-model, lexical and structured representations of profiles."""

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        model: SentenceEncoder | None = None,
        lexical: LexicalEncoder | None = None,
        structured: StructuredEncoder | None = None,
        gloss_concepts: bool = True,
        center_languages: bool = True,
        calibrate: bool = True,
    ):
        self.weights = weights
        self.model = model
        self.lexical = lexical
        self.structured = structured
        self.gloss_concepts = gloss_concepts
        self.center_languages = center_languages
        self.calibrate = calibrate

    def _weights(self) -> dict[str, float]:
        w = dict(DEFAULT_WEIGHTS if self.weights is None else self.weights)
        return {r: float(w.get(r, 0.0)) for r in REPRESENTATIONS}

    def uses_model(self) -> bool:
        """Whether the sentence model is part of this representation."""
        return self._weights()["model"] > 0

    def _model_text(self, text: str, lexicon: Lexicon, choice: ConceptChoice = NO_CHOICE) -> str:
        """Text for the (English) sentence model: the text plus English labels of its concepts
        (removed ones left out, added ones after those read)."""
        if not self.gloss_concepts or not (text or choice.confirmed):
            return text
        concepts = choice.apply(lexicon.concept_ids(text))
        labels = [lexicon.label(c, "en") for c in concepts]
        # In front, so that truncation of long texts keeps it.
        if not labels:
            return text
        return f"{'; '.join(labels)}.\n{text}" if text else f"{'; '.join(labels)}."

    def fit(self, profiles: Sequence[Mapping], db=None) -> HybridEncoder:
        """Fit the parts on `profiles` and calibrate each representation's similarity scale."""
        self.fit_transform(profiles, db=db)
        return self

    def fit_transform(
        self, profiles: Sequence[Mapping], db=None, show_progress: bool = False
    ) -> ProfileVectors:
        """Fit on `profiles` and return their vectors (each text is encoded once)."""
        weights = self._weights()
        self.model_ = self.model or SentenceEncoder()
        self.lexical_ = self.lexical or LexicalEncoder()
        self.structured_ = self.structured or StructuredEncoder()
        texts = [profile_texts(p) for p in profiles]
        choices = [concept_choices(p) for p in profiles]
        if weights["lexical"] > 0:
            said = [
                (t[part], c[part])
                for t, c in zip(texts, choices, strict=True)
                for part in PARTS
                if t[part] or c[part].confirmed
            ]
            self.lexical_.fit(
                [text for text, _ in said] or [""], [choice for _, choice in said] or None
            )
        self.structured_.fit(profiles)
        if weights["model"] > 0:
            self.model_.fit()
        self.language_means_ = {}
        vectors = self.transform(profiles, db=db, show_progress=show_progress)
        if self.center_languages and weights["model"] > 0:
            self.language_means_ = self._language_means(texts, vectors, db)
            for part in PARTS:
                languages = [guess_language(t[part]) for t in texts]
                vectors.dense[part] = self.center(vectors.dense[part], languages)
        self.calibration_ = self._calibration(vectors) if self.calibrate else {}
        return vectors

    def transform(
        self, profiles: Sequence[Mapping], db=None, show_progress: bool = False
    ) -> ProfileVectors:
        """Vectors of `profiles`; ids are the profiles' 'id' (or their position)."""
        weights = self._weights()
        texts = [profile_texts(p) for p in profiles]
        choices = [concept_choices(p) for p in profiles]
        n = len(profiles)
        dense, sparse = {}, {}
        lexicon = self.lexical_._lexicon()
        for part in PARTS:
            part_texts = [t[part] for t in texts]
            part_choices = [c[part] for c in choices]
            if weights["model"] > 0:
                raw = self.model_.encode(
                    [
                        self._model_text(t, lexicon, c)
                        for t, c in zip(part_texts, part_choices, strict=True)
                    ],
                    db=db,
                    show_progress=show_progress,
                )
                dense[part] = self.center(raw, [guess_language(t) for t in part_texts])
            else:
                dense[part] = np.zeros((n, 0), dtype=np.float32)
            if weights["lexical"] > 0:
                sparse[part] = self.lexical_.transform(part_texts, part_choices)
            else:
                sparse[part] = sp.csr_matrix((n, 0), dtype=np.float32)
        return ProfileVectors(
            ids=[p.get("id", i) for i, p in enumerate(profiles)],
            dense=dense,
            sparse=sparse,
            structured=self.structured_.transform(profiles),
        )

    def cache_sentences(self, profiles: Sequence[Mapping], db) -> None:
        """Put the sentence vectors of `profiles` in the store's vector cache (texts cached
        already are not encoded again): called when firms are stored, so that every process's
        index takes them in by reading, without running the model. The clauses of needs and
        offers that reasons may compare are cached too (`clauses.clause_texts`)."""
        if not self.uses_model():
            return
        model = getattr(self, "model_", None) or self.model or SentenceEncoder()
        lexical = getattr(self, "lexical_", None) or self.lexical
        lexicon = (lexical.lexicon if lexical is not None else None) or default_lexicon()
        texts = [self._model_text(t[part], lexicon) for t in map(profile_texts, profiles)
                 for part in PARTS]  # fmt: skip
        texts += [c for p in profiles for part in CLAUSE_PARTS for c in clause_texts(p.get(part))]
        model.encode(texts, db=db)

    def _language_means(self, texts: list[dict], vectors: ProfileVectors, db=None) -> dict:
        """Mean model vector per language of the fitted texts (overall under None).

        A language with few fitted texts gets the overall mean shifted by that language's
        offset, measured on the lexicon's parallel Danish and English phrases.
        """
        rows: dict[str, list[np.ndarray]] = {language: [] for language in LANGUAGES}
        for part in PARTS:
            for t, v in zip(texts, vectors.dense[part], strict=True):
                if t[part]:
                    rows[guess_language(t[part])].append(v)
        everything = [v for vs in rows.values() for v in vs]
        if not everything:
            return {}
        overall = np.mean(everything, axis=0).astype(np.float32)
        means: dict[str | None, np.ndarray] = {None: overall}
        for language, vs in rows.items():
            if len(vs) >= MIN_LANGUAGE_ROWS:
                means[language] = np.mean(vs, axis=0).astype(np.float32)
            else:
                means[language] = overall + language_offsets(self.model_, db)[language]
        return means

    def center(self, dense: np.ndarray, languages: Sequence[str]) -> np.ndarray:
        """Remove each language's mean direction so that Danish and English texts meet on topic."""
        means = getattr(self, "language_means_", {})
        if not means or dense.shape[1] == 0:
            return dense
        overall = means[None]
        shift = np.stack([means.get(language, overall) for language in languages])
        nonzero = np.abs(dense).sum(axis=1, keepdims=True) > 0
        centered = np.where(nonzero, dense - shift, 0.0)
        return unit_rows(centered).astype(np.float32)

    def representation_similarities(
        self, query: ProfileVectors, stored: ProfileVectors, query_part: str, stored_part: str
    ) -> dict[str, np.ndarray]:
        """Cosine matrices (queries × stored) per representation with a positive weight."""
        weights = self._weights()
        out = {}
        if weights["model"] > 0:
            out["model"] = dense_dot(query.dense[query_part], stored.dense[stored_part])
        if weights["lexical"] > 0:
            q = query.sparse[query_part]
            out["lexical"] = stored.sparse_dots(q, stored_part)
        if weights["structured"] > 0:
            out["structured"] = stored.structured_dots(query.structured)
        return out

    def lexical_block_cosine(
        self,
        query: ProfileVectors,
        stored: ProfileVectors,
        query_part: str,
        stored_part: str,
        block: str,
    ) -> np.ndarray:
        """Cosine (queries × stored) of one lexical block ('words', 'chars', 'concepts')."""
        columns = getattr(self.lexical_, "block_columns_", {}).get(block)
        if columns is None or columns[0] == columns[1]:
            return np.zeros((len(query), len(stored)), dtype=np.float32)
        q, q_norms = query.block(query_part, columns)
        s_norms = stored.block_norms(stored_part, columns)
        dots = stored.block_dots(q, stored_part, columns)
        denominator = np.outer(q_norms, s_norms)
        return np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)

    def lexical_block_cosines(
        self,
        query: ProfileVectors,
        stored: ProfileVectors,
        query_part: str,
        stored_part: str,
        blocks: Sequence[str] = LEXICAL_BLOCKS,
    ) -> dict[str, np.ndarray]:
        """`lexical_block_cosine` of each of `blocks`; for one query row in one pass over
        the stored rows (`ProfileVectors.row_dots`), the same cosines to float precision."""
        columns = getattr(self.lexical_, "block_columns_", {})
        spans = sorted((columns[b], b) for b in blocks if b in columns)
        spans = [(c, b) for c, b in spans if c[0] != c[1]]
        contiguous = all(a[0][1] == b[0][0] for a, b in zip(spans, spans[1:], strict=False))
        if len(query) != 1 or not spans or not contiguous:
            return {
                b: self.lexical_block_cosine(query, stored, query_part, stored_part, b)
                for b in blocks
            }
        bounds = [spans[0][0][0]] + [c[1] for c, _ in spans]
        q = query.sparse[query_part]
        dots = stored.row_dots(q, stored_part, bounds)
        q_norms = row_norms(q, bounds)
        out = {b: np.zeros((1, len(stored)), dtype=np.float32) for b in blocks}
        for k, (span, name) in enumerate(spans):
            denominator = np.outer(q_norms[k : k + 1], stored.block_norms(stored_part, span))
            np.divide(dots[k : k + 1], denominator, out=out[name], where=denominator > 0)
        return out

    def similarity(
        self,
        query: ProfileVectors,
        stored: ProfileVectors,
        query_part: str,
        stored_part: str,
        calibrated: bool = True,
    ) -> np.ndarray:
        """Weighted combined similarity (queries × stored) between two text parts.

        With calibration each representation's cosine is standardised by the mean and spread
        learned in fit, so parts on different scales mix fairly; the result is a z-like score.
        """
        sims = self.representation_similarities(query, stored, query_part, stored_part)
        return self.combine_similarities(
            sims, query_part, stored_part, (len(query), len(stored)), calibrated
        )

    def combine_similarities(
        self,
        sims: Mapping[str, np.ndarray],
        query_part: str,
        stored_part: str,
        shape: tuple,
        calibrated: bool = True,
    ) -> np.ndarray:
        """`similarity` from the representations' cosines (arrays of `shape`, e.g. of listed
        pairs): those of the representations with a positive weight are read."""
        weights = self._weights()
        total = sum(weights.values()) or 1.0
        result = None
        for rep, w in weights.items():
            if w <= 0:
                continue
            calibration = self.calibration_ if calibrated else {}
            mu, sd = calibration.get((rep, query_part, stored_part), (0.0, 1.0))
            term = (sims[rep] - mu) * (w / (sd * total))
            result = term if result is None else result + term
        if result is None:
            return np.zeros(shape, dtype=np.float32)
        return result.astype(np.float32, copy=False)

    def _calibration(self, vectors: ProfileVectors, sample: int = 400) -> dict:
        """Mean and spread of each representation's cosine between different profiles."""
        n = len(vectors)
        rows = np.linspace(0, n - 1, num=min(n, sample)).astype(int) if n else []
        sub = vectors.take(rows)
        out = {}
        pairs = {(a, b) for a in PARTS for b in PARTS}
        for qp, spart in sorted(pairs):
            for rep, sims in self.representation_similarities(sub, sub, qp, spart).items():
                q_ok = _nonempty(sub, qp, rep)
                s_ok = _nonempty(sub, spart, rep)
                mask = np.outer(q_ok, s_ok)
                np.fill_diagonal(mask, False)
                values = sims[mask]
                if values.size >= 10:
                    # Under MIN_SPREAD: not standardised (a floor at MIN_SPREAD would
                    # still blow rounding up a thousandfold, to 1e-5).
                    spread = float(values.std())
                    out[(rep, qp, spart)] = (
                        float(values.mean()),
                        spread if spread >= MIN_SPREAD else 1.0,
                    )
        return out


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, rows of (near) zero length left as they are: the numbers
    scikit-learn's `normalize` gives a dense float array, without its input checks (which
    cost a few rows, e.g. a reason's clauses, many times the arithmetic)."""
    x = np.array(x, dtype=x.dtype if x.dtype in (np.float32, np.float64) else np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms < 10 * np.finfo(norms.dtype).eps] = 1.0
    x /= norms[:, None]
    return x


def dense_dot(query: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """query · storedᵀ; a few query rows skip multi-threaded BLAS, which stalls on a busy CPU."""
    if query.shape[0] <= FEW_QUERY_ROWS:
        return np.einsum("ij,kj->ik", query, stored)
    return query @ stored.T


def _nonempty(vectors: ProfileVectors, part: str, rep: str) -> np.ndarray:
    if rep == "model":
        return np.abs(vectors.dense[part]).sum(axis=1) > 0
    if rep == "lexical":
        return np.diff(vectors.sparse[part].indptr) > 0
    return np.diff(vectors.structured.indptr) > 0


__all__ = [
    "DEFAULT_WEIGHTS", "PARTS", "REPRESENTATIONS", "RESPONSE_FIELDS", "HybridEncoder",
    "LexicalEncoder", "ProfileVectors", "ResponseVectors", "SentenceEncoder", "StructuredEncoder",
    "cache_key", "dense_dot", "encode_responses", "language_offsets", "load_model", "passages",
    "profile_texts", "response_text",
]  # fmt: skip
