"""The chat's intent classifier: TF-IDF over words and character n-grams, calibrated SVM."""

from __future__ import annotations

import csv
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from matchmaker.config import DATA_DIR, MODELS_DIR
from matchmaker.reference import regions
from matchmaker.reference.folding import fold

INTENTS = (
    "find_partners", "similar", "propose_networks", "propose_cohorts", "explain", "show",
    "export", "save", "help", "other",
)  # fmt: skip
UTTERANCES = DATA_DIR / "chat" / "utterances.csv"
MODEL_PATH = MODELS_DIR / "intents.joblib"
# Below this calibrated probability the chat treats the message as unclear ("other").
MIN_CONFIDENCE = 0.30
RANDOM_STATE = 0
logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d+")


_NAME = re.compile(
    r"(?<!^)(?<![.!?]\s)\b([A-ZÆØÅ][\wæøåÆØÅ'.&-]*"
    r"(?:\s+(?:&\s+|og\s+|and\s+)?[A-ZÆØÅ][\wæøåÆØÅ'.&/-]*)*)"
)
NAME_TOKEN = " firmanavn "


def _keep_name(name: str) -> bool:
    """Capitalised words that are not a firm: acronyms (AI, PDF), Excel, regions, 'I'."""
    first = name.split()[0]
    return (
        (first.isupper() and len(first) <= 5)
        or first in ("Excel", "I", "Region")
        or regions.normalise(name) is not None
    )


def mask_names(text: str, spans: Sequence[tuple[int, int]] | None = None) -> str:
    """`text` with firm names as one placeholder: the known `spans` when given (the chat
    knows the store's names), else runs of capitalised words (the training utterances).

    The classifier then learns "find partners for <name>" rather than the names themselves.
    """
    if spans is not None:
        for a, b in sorted(spans, reverse=True):
            text = text[:a] + NAME_TOKEN + text[b:]
        return text
    return _NAME.sub(lambda m: m.group(1) if _keep_name(m.group(1)) else NAME_TOKEN, text)


def normalise(text: str) -> str:
    """Lower-case, æøå folded to ae/oe/aa (so 'Sjaelland' and 'Sjælland' agree), digits as 0."""
    text = fold(text)
    text = _NUMBER.sub("0", text)
    return " ".join(re.sub(r"[^\w\s?]", " ", text).split())


@dataclass(frozen=True)
class Prediction:
    """The most likely intent, its calibrated probability, and every intent's probability."""

    intent: str
    confidence: float
    probabilities: dict[str, float]

    @property
    def confident(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE


class IntentClassifier:
    """A fitted pipeline with `predict(text) -> Prediction`; persisted with joblib."""

    def __init__(self, random_state: int = RANDOM_STATE):
        self.random_state = random_state

    def _pipeline(self, n_folds: int) -> Pipeline:
        features = FeatureUnion(
            [
                (
                    "words",
                    TfidfVectorizer(
                        preprocessor=normalise, ngram_range=(1, 2), sublinear_tf=True, min_df=1
                    ),
                ),
                (
                    "chars",
                    TfidfVectorizer(
                        preprocessor=normalise,
                        analyzer="char_wb",
                        ngram_range=(2, 5),
                        sublinear_tf=True,
                        min_df=1,
                    ),
                ),
            ]
        )
        svm = LinearSVC(C=0.5, class_weight="balanced", random_state=self.random_state)
        return Pipeline([("features", features), ("svm", CalibratedClassifierCV(svm, cv=n_folds))])

    def fit(self, texts: list[str], labels: list[str]) -> IntentClassifier:
        smallest = min(labels.count(label) for label in set(labels))
        self.pipeline_ = self._pipeline(max(2, min(5, smallest)))
        self.pipeline_.fit([mask_names(t) for t in texts], labels)
        self.classes_ = list(self.pipeline_.classes_)
        return self

    def predict(self, text: str, spans: Sequence[tuple[int, int]] | None = None) -> Prediction:
        """The intent of `text`; `spans` are where known firm names sit in it."""
        probs = self.probabilities([mask_names(text, spans)])[0]
        table = {c: float(p) for c, p in zip(self.classes_, probs, strict=True)}
        best = max(table, key=table.get)
        return Prediction(best, table[best], table)

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        out = []
        for probs in self.probabilities([mask_names(t) for t in texts]):
            table = {c: float(p) for c, p in zip(self.classes_, probs, strict=True)}
            best = max(table, key=table.get)
            out.append(Prediction(best, table[best], table))
        return out

    def probabilities(self, masked: list[str]) -> np.ndarray:
        """The pipeline's calibrated probabilities (texts × classes) of masked texts: the
        same numbers as its `predict_proba`, computed with one sparse product for every
        fold's SVM and calibrator instead of scikit-learn's fifty validated calls (~9 ms of a
        chat turn's CPU)."""
        direct = self.__dict__.get("direct_")
        if direct is None:
            direct = self.__dict__["direct_"] = CalibratedLinear.of(self.pipeline_)
        if direct is False:
            return self.pipeline_.predict_proba(masked)
        return direct.predict_proba(self.pipeline_.named_steps["features"].transform(masked))

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "direct_"}


class CalibratedLinear:
    """A `CalibratedClassifierCV` of linear SVMs with sigmoid calibrators, as arrays: every
    fold's decision function in one product, its calibrators' sigmoids, each fold's
    probabilities normalised as scikit-learn does, and their mean."""

    def __init__(self, coef, intercept, a, b, columns, n_folds: int, n_classes: int):
        self.coef, self.intercept, self.a, self.b = coef, intercept, a, b
        self.columns, self.n_folds, self.n_classes = columns, n_folds, n_classes

    @classmethod
    def of(cls, pipeline: Pipeline) -> CalibratedLinear | bool:
        """The arrays of the pipeline's last step, or False when it is of another kind."""
        step = pipeline.steps[-1][1]
        folds = getattr(step, "calibrated_classifiers_", None)
        classes = getattr(step, "classes_", None)
        if not folds or classes is None or len(classes) < 3:
            return False
        coefs, intercepts, a, b, columns = [], [], [], [], []
        for k, folded in enumerate(folds):
            svm = folded.estimator
            if folded.method != "sigmoid" or not isinstance(svm, LinearSVC):
                return False
            if list(folded.classes) != list(classes) or len(svm.classes_) != len(
                folded.calibrators
            ):
                return False
            coefs.append(svm.coef_)
            intercepts.append(svm.intercept_)
            a += [c.a_ for c in folded.calibrators]
            b += [c.b_ for c in folded.calibrators]
            columns += [k * len(classes) + int(np.searchsorted(classes, c)) for c in svm.classes_]
        return cls(
            np.vstack(coefs).T, np.concatenate(intercepts), np.array(a, dtype=np.float64),
            np.array(b, dtype=np.float64), np.array(columns), len(folds), len(classes),
        )  # fmt: skip

    def predict_proba(self, features) -> np.ndarray:
        decision = np.asarray(features @ self.coef) + self.intercept
        n = decision.shape[0]
        proba = np.zeros((n, self.n_folds * self.n_classes))
        proba[:, self.columns] = expit(-(self.a * decision + self.b))
        proba = proba.reshape(n, self.n_folds, self.n_classes)
        denominator = proba.sum(axis=2, keepdims=True)
        uniform = np.full_like(proba, 1 / self.n_classes)
        proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba.sum(axis=1) / self.n_folds


def read_utterances(path: str | Path = UTTERANCES) -> tuple[list[str], list[str]]:
    """Training texts and their intents from the CSV (columns text, intent, lang)."""
    texts, labels = [], []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["text"].strip() and row["intent"] in INTENTS:
                texts.append(row["text"].strip())
                labels.append(row["intent"])
    return texts, labels


def train(
    path: str | Path | None = None, *, evaluate: bool = True
) -> tuple[IntentClassifier, dict]:
    """Fit on every utterance; `evaluate` adds a 5-fold cross-validated accuracy to the report."""
    texts, labels = read_utterances(path or UTTERANCES)
    report: dict = {"utterances": len(texts)}
    if evaluate:
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=RANDOM_STATE)
        masked = [mask_names(t) for t in texts]
        predicted = cross_val_predict(IntentClassifier()._pipeline(3), masked, labels, cv=folds)
        accuracy = sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)
        report["cv_accuracy"] = round(accuracy, 3)
    return IntentClassifier().fit(texts, labels), report


def train_and_save(
    path: str | Path | None = None, data: str | Path | None = None, *, evaluate: bool = True
) -> tuple[Path, dict]:
    """Train from `data/chat/utterances.csv` and write the artefact to `models/`."""
    model, report = train(data, evaluate=evaluate)
    path = Path(path or MODEL_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(model, tmp)
    tmp.replace(path)  # atomic, so a concurrent `load()` never sees half a file
    return path, report


class IntentModelMissing(RuntimeError):
    """The intent model has not been built (`python -m matchmaker train-intents`)."""


def is_stale(path: str | Path | None = None, data: str | Path | None = None) -> bool:
    """Whether the model file is missing or older than its training data."""
    path, data = Path(path or MODEL_PATH), Path(data or UTTERANCES)
    return not path.exists() or path.stat().st_mtime < data.stat().st_mtime


def ensure_trained(path: str | Path | None = None, data: str | Path | None = None) -> Path:
    """Build the model when it is missing or older than the data (a command's or a test
    session's job, never a request's)."""
    path = Path(path or MODEL_PATH)
    if is_stale(path, data):
        train_and_save(path, data, evaluate=False)
    return path


_LOADED: dict[str, tuple[float, IntentClassifier]] = {}
_LOCK = threading.Lock()


def load(path: str | Path | None = None) -> IntentClassifier:
    """The classifier from `models/`, read once per process (again when the file changes).

    Nothing is trained here: a missing or unreadable file raises IntentModelMissing; a file
    older than the training data is used as it is, with a warning.
    """
    path = Path(path or MODEL_PATH)
    with _LOCK:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            raise IntentModelMissing(
                "The chat's intent model is missing: run `python -m matchmaker train-intents`."
            ) from None
        cached = _LOADED.get(str(path))
        if cached is None or cached[0] != mtime:
            try:
                model = joblib.load(path)
            except Exception as exc:  # another scikit-learn version, a damaged file
                raise IntentModelMissing(
                    "The chat's intent model cannot be read: run "
                    "`python -m matchmaker train-intents`."
                ) from exc
            if path == MODEL_PATH and is_stale(path):
                logger.warning("The intent model is older than its training data; retrain it.")
            cached = _LOADED[str(path)] = (mtime, model)
        return cached[1]


def classify(text: str, spans: Sequence[tuple[int, int]] | None = None) -> Prediction:
    """The intent of one message (`spans`: known firm names in it); unclear ones are 'other'."""
    prediction = load().predict(text, spans)
    if not prediction.confident:
        return Prediction("other", prediction.confidence, prediction.probabilities)
    return prediction
