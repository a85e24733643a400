"""Danish-aware lexical vectors: TF-IDF of stemmed words, lexicon concepts, in-word n-grams.

The concepts of a text are those the lexicon reads in it, adjusted by what the firm said about
them (`capabilities.ConceptChoice`): confirmed ones weigh `confirmed_weight` times as much.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.reference.lexicon import Lexicon, default_lexicon
from matchmaker.reference.text import (
    char_ngrams,
    guess_language,
    is_stopword,
    stem,
    word_parts,
    words,
)
from matchmaker.representation.capabilities import ConceptChoice


class LexicalEncoder(BaseEstimator):
    """TF-IDF over stemmed words, lexicon concepts and in-word character n-grams, weighted."""

    def __init__(
        self,
        word_weight: float = 1.0,
        concept_weight: float = 0.2,
        char_weight: float = 0.5,
        char_sizes: tuple[int, int] = (3, 5),
        min_df: int = 1,
        lexicon: Lexicon | None = None,
        confirmed_weight: float = 2.0,
    ):
        self.word_weight = word_weight
        self.concept_weight = concept_weight
        self.char_weight = char_weight
        self.char_sizes = char_sizes
        self.min_df = min_df
        self.lexicon = lexicon
        self.confirmed_weight = confirmed_weight

    def _lexicon(self) -> Lexicon:
        return self.lexicon or default_lexicon()

    def _words(self, text: str) -> list[str]:
        language = guess_language(text)
        return [
            stem(part, language)
            for w in words(text)
            if not is_stopword(w)
            for part in word_parts(w)
            if not is_stopword(part)
        ]

    def _concepts(self, doc: str | list[str]) -> list[str]:
        """Concepts read in a text, or a list of concepts already read and adjusted."""
        return list(doc) if isinstance(doc, list) else self._lexicon().concept_ids(doc)

    def _concept_docs(
        self, texts: Sequence[str], choices: Sequence[ConceptChoice] | None
    ) -> list[str | list[str]]:
        """The concept block's documents: the texts, or their concepts as the firms said."""
        if choices is None or not any(choices):
            return list(texts)
        return [
            choice.apply(self._lexicon().concept_ids(text)) if choice else text
            for text, choice in zip(texts, choices, strict=True)
        ]

    def _chars(self, text: str) -> list[str]:
        return [
            g for w in words(text) if not is_stopword(w) for g in char_ngrams(w, self.char_sizes)
        ]

    def _blocks(self) -> list[tuple[str, float, object]]:
        blocks = [
            ("words", self.word_weight, self._words),
            ("concepts", self.concept_weight, self._concepts),
            ("chars", self.char_weight, self._chars),
        ]
        return [(name, w, analyzer) for name, w, analyzer in blocks if w > 0]

    def fit(
        self, texts: Sequence[str], choices: Sequence[ConceptChoice] | None = None
    ) -> LexicalEncoder:
        """Learn vocabulary and idf per block from `texts` (and what each firm said about the
        concepts of its text, `choices`, one per text)."""
        self.vectorizers_ = {}
        concept_docs = self._concept_docs(texts, choices)
        for name, _, analyzer in self._blocks():
            vec = TfidfVectorizer(
                analyzer=analyzer,
                min_df=self.min_df if name != "concepts" else 1,
                sublinear_tf=True,
                dtype=np.float32,
            )
            try:
                vec.fit(concept_docs if name == "concepts" else texts)
            except ValueError:  # no features at all in this block (e.g. no concepts found)
                continue
            self.vectorizers_[name] = vec
        self.block_columns_ = {}
        start = 0
        for name, vec in self.vectorizers_.items():
            self.block_columns_[name] = (start, start + len(vec.vocabulary_))
            start += len(vec.vocabulary_)
        return self

    def transform(
        self, texts: Sequence[str], choices: Sequence[ConceptChoice] | None = None
    ) -> sp.csr_matrix:
        """Sparse L2-normalised rows; the dot of two rows is the weighted mean of block cosines.

        The same numbers as each block's `TfidfVectorizer.transform` (then the confirmed
        concepts weighed up), computed from its fitted `vocabulary_` and `idf_` directly: the
        request path transforms a few short texts at a time (a firm just stored, the clauses
        of a reason), where scikit-learn's input checks cost many times the arithmetic.
        """
        n = len(texts)
        analyzers = {name: (w, analyzer) for name, w, analyzer in self._blocks()}
        rows, columns, values = [], [], []
        offset = 0
        for name, vec in self.vectorizers_.items():
            weight, analyzer = analyzers[name]
            docs = self._concept_docs(texts, choices) if name == "concepts" else texts
            indptr, indices, counts = term_counts(docs, analyzer, vec.vocabulary_)
            np.log(counts, out=counts)  # sublinear tf, then idf, as TfidfVectorizer does
            counts += np.float32(1.0)
            counts *= vec.idf_[indices].astype(np.float32)
            if name == "concepts":
                self._weigh_confirmed_counts(counts, indptr, indices, choices)
            rows.append(np.repeat(np.arange(n), np.diff(indptr)))
            columns.append(indices + offset)
            values.append(unit_segments(counts, indptr) * np.float32(np.sqrt(weight)))
            offset += len(vec.vocabulary_)
        if not values:
            return sp.csr_matrix((n, 0), dtype=np.float32)
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")  # row by row, each row's blocks in order
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))])
        data = unit_segments(np.concatenate(values)[order], indptr)
        return sp.csr_matrix(
            (data, np.concatenate(columns)[order].astype(np.int32), indptr.astype(np.int32)),
            shape=(n, offset),
        )

    def _weigh_confirmed_counts(self, counts, indptr, indices, choices) -> None:
        """Weigh each row's confirmed concepts up, in place (before the row is normalised)."""
        if choices is None or self.confirmed_weight == 1.0 or not any(choices):
            return
        vocabulary = self.vectorizers_["concepts"].vocabulary_
        for row, choice in enumerate(choices):
            wanted = {vocabulary[c] for c in choice.confirmed if c in vocabulary} if choice else ()
            for k in range(indptr[row], indptr[row + 1]):
                if indices[k] in wanted:
                    counts[k] *= self.confirmed_weight

    def fit_transform(
        self, texts: Sequence[str], choices: Sequence[ConceptChoice] | None = None
    ) -> sp.csr_matrix:
        """`fit` then `transform` on the same texts."""
        return self.fit(texts, choices).transform(texts, choices)


def term_counts(
    texts: Sequence, analyzer, vocabulary: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Term counts over a fitted vocabulary as CSR arrays (indptr, sorted columns, float32
    counts); terms outside the vocabulary are left out."""
    indptr, indices, values = [0], [], []
    for text in texts:
        counts: dict[int, int] = {}
        for term in analyzer(text):
            column = vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        for column in sorted(counts):
            indices.append(column)
            values.append(counts[column])
        indptr.append(len(indices))
    return (
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(values, dtype=np.float32),
    )


def unit_segments(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """`values` with each row's segment (CSR `indptr`) scaled to unit length; float32."""
    lengths = np.diff(indptr)
    filled = lengths > 0
    norms = np.ones(len(lengths), dtype=np.float32)
    if values.size:
        norms[filled] = np.sqrt(np.add.reduceat(values * values, indptr[:-1][filled]))
    return (values / np.repeat(norms, lengths)).astype(np.float32, copy=False)
