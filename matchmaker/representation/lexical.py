"""Danish-aware lexical vectors: TF-IDF of stemmed words, lexicon concepts, in-word n-grams.

The concepts of a text are those the lexicon reads in it, adjusted by what the firm said about
them (`capabilities.ConceptChoice`): confirmed ones weigh `confirmed_weight` times as much.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

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

    def _weigh_confirmed(
        self, block: sp.csr_matrix, choices: Sequence[ConceptChoice] | None
    ) -> sp.csr_matrix:
        """The concept block with each row's confirmed concepts weighted up."""
        if choices is None or self.confirmed_weight == 1.0 or not any(choices):
            return block
        vocabulary = self.vectorizers_["concepts"].vocabulary_
        block = block.tocsr(copy=True)
        for row, choice in enumerate(choices):
            columns = {vocabulary[c] for c in choice.confirmed if c in vocabulary}
            if not columns:
                continue
            lo, hi = block.indptr[row], block.indptr[row + 1]
            for k in range(lo, hi):
                if block.indices[k] in columns:
                    block.data[k] *= self.confirmed_weight
        return block

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
        """Sparse L2-normalised rows; the dot of two rows is the weighted mean of block cosines."""
        weights = {name: w for name, w, _ in self._blocks()}
        blocks = []
        for name, vec in self.vectorizers_.items():
            if name == "concepts":
                block = self._weigh_confirmed(
                    vec.transform(self._concept_docs(texts, choices)), choices
                )
            else:
                block = vec.transform(texts)
            blocks.append(l2_normalize(block) * np.float32(np.sqrt(weights[name])))
        if not blocks:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        return l2_normalize(sp.hstack(blocks, format="csr")).astype(np.float32)

    def fit_transform(
        self, texts: Sequence[str], choices: Sequence[ConceptChoice] | None = None
    ) -> sp.csr_matrix:
        """`fit` then `transform` on the same texts."""
        return self.fit(texts, choices).transform(texts, choices)
