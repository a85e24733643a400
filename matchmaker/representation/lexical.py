"""Danish-aware lexical vectors: TF-IDF of stemmed words, lexicon concepts, in-word n-grams."""

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
    ):
        self.word_weight = word_weight
        self.concept_weight = concept_weight
        self.char_weight = char_weight
        self.char_sizes = char_sizes
        self.min_df = min_df
        self.lexicon = lexicon

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

    def _concepts(self, text: str) -> list[str]:
        return self._lexicon().concept_ids(text)

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

    def fit(self, texts: Sequence[str]) -> LexicalEncoder:
        """Learn vocabulary and idf per block from `texts`."""
        self.vectorizers_ = {}
        for name, _, analyzer in self._blocks():
            vec = TfidfVectorizer(
                analyzer=analyzer,
                min_df=self.min_df if name != "concepts" else 1,
                sublinear_tf=True,
                dtype=np.float32,
            )
            try:
                vec.fit(texts)
            except ValueError:  # no features at all in this block (e.g. no concepts found)
                continue
            self.vectorizers_[name] = vec
        self.block_columns_ = {}
        start = 0
        for name, vec in self.vectorizers_.items():
            self.block_columns_[name] = (start, start + len(vec.vocabulary_))
            start += len(vec.vocabulary_)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse L2-normalised rows; the dot of two rows is the weighted mean of block cosines."""
        weights = {name: w for name, w, _ in self._blocks()}
        blocks = [
            l2_normalize(vec.transform(texts)) * np.float32(np.sqrt(weights[name]))
            for name, vec in self.vectorizers_.items()
        ]
        if not blocks:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        return l2_normalize(sp.hstack(blocks, format="csr")).astype(np.float32)

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """`fit` then `transform` on the same texts."""
        return self.fit(texts).transform(texts)
