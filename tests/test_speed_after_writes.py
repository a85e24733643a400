"""Speed after writes (issue 15): new firms are embedded when they are stored, the index takes
them in without re-fitting on the request path, and a new firm is matchable at once."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize
from test_matching import FIRMS

from matchmaker.representation.lexical import LexicalEncoder


def sklearn_lexical(encoder: LexicalEncoder, texts: list[str]) -> sp.csr_matrix:
    """The lexical vectors as scikit-learn's own TfidfVectorizer.transform computes them."""
    weights = {
        "words": encoder.word_weight,
        "concepts": encoder.concept_weight,
        "chars": encoder.char_weight,
    }
    blocks = [
        normalize(vec.transform(texts)) * np.float32(np.sqrt(weights[name]))
        for name, vec in encoder.vectorizers_.items()
    ]
    return normalize(sp.hstack(blocks, format="csr"))


def test_lexical_transform_gives_scikit_learns_numbers():
    fitted = [f[k] for f in FIRMS for k in ("description", "offers", "needs")]
    encoder = LexicalEncoder().fit(fitted)
    texts = [*fitted, "", "qqq xyzzy", "Eksport til Tyskland, Norge og Sverige", "export"]
    ours, theirs = encoder.transform(texts), sklearn_lexical(encoder, texts)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert ours.nnz == theirs.nnz and ours[len(fitted)].nnz == 0  # the empty text stays empty
    assert abs(ours - theirs).max() < 1e-6
    assert np.allclose(sp.linalg.norm(ours[: len(fitted)], axis=1), 1.0, atol=1e-5)
