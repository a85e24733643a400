"""Pair scores and partner suggestions: similarity, needs→offers complementarity, reasons."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from matchmaker.reference import messages
from matchmaker.reference.lexicon import Lexicon, default_lexicon
from matchmaker.reference.text import clauses, guess_language, snippet
from matchmaker.representation.embedding import (
    HybridEncoder,
    ProfileVectors,
    nace_class,
    nace_division,
    nace_section,
    size_band,
)

MODES = ("complementary", "similar")
# Weight of the stronger direction against the soft minimum of both (reciprocity).
MAX_SHARE = 0.5
SOFTMIN_TEMPERATURE = 0.5
# Share of look-alike (profile ↔ profile) similarity in the complementary score.
PROFILE_SHARE = 0.3
# Weighted mean cosine of two firms' offers above which they count as alike (competitor test);
# alike firms are still no competitors when one's needs are met by the other more strongly
# than their offers are alike (a value chain: supplier and customer, see `_value_chain`).
COMPETITOR_COSINE = 0.48
# Display score: logistic of the combined z-like score.
SCORE_CENTER = 1.0
SCORE_SLOPE = 1.2
# Lexical cosine a need clause and an offer clause need to be quoted as a need→offer reason:
# with a concept both clauses mention, and (for a strong direction only) without one.
CONCEPT_CLAUSE_MIN_COSINE = 0.2
CLAUSE_MIN_COSINE = 0.3
# Clauses of a text looked at, and need→offer lines per direction.
MAX_CLAUSES = 12
# The sentence model's clause cosine counts as much as a lexical one this much lower.
MODEL_CLAUSE_OFFSET = 0.2
# Clause vectors kept in memory per index (explanations look at the same texts again).
CLAUSE_CACHE_SIZE = 20_000
MAX_NEED_OFFER_LINES = 2
MAX_POOL = 1_500


@dataclass
class PartnerSuggestion:
    """A suggested partner for a firm, with the score, the kind of fit and the reasons."""

    id: int
    name: str
    score: float
    type: str
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class PairScores:
    """Dense pair scores (0–1) for a pool of firms, with competitor and never-together masks."""

    ids: list[int]
    scores: np.ndarray
    competitor: np.ndarray
    never: np.ndarray


def company_profile(row: Mapping) -> dict:
    """A `companies` row as a profile dict (markets parsed, consent as bool)."""
    profile = dict(row)
    markets = profile.get("markets")
    if isinstance(markets, str):
        try:
            markets = json.loads(markets or "[]")
        except ValueError:
            markets = [m.strip() for m in markets.split(",") if m.strip()]
    profile["markets"] = list(markets or [])
    profile["consent"] = bool(profile.get("consent"))
    return profile


def _softmin(a: np.ndarray, b: np.ndarray, t: float = SOFTMIN_TEMPERATURE) -> np.ndarray:
    """Smooth minimum of two arrays (tends to min as t→0)."""
    m = np.minimum(a, b)
    return m - t * np.log(np.exp((m - a) / t) + np.exp((m - b) / t)) + t * np.log(2.0)


def display_score(z: np.ndarray | float) -> np.ndarray | float:
    """Map a combined z-like score to 0–1."""
    return 1.0 / (1.0 + np.exp(-SCORE_SLOPE * (np.asarray(z) - SCORE_CENTER)))


_PLACEHOLDER = {
    "id": 0, "name": "", "region": "", "kind": "company", "description": "virksomhed",
    "offers": "", "needs": "", "markets": [], "language": "da", "consent": True,
}  # fmt: skip


class MatchIndex:
    """In-memory vectors of the consenting firms of a store, kept current from `company_changes`."""

    def __init__(
        self,
        encoder: HybridEncoder | None = None,
        lexicon: Lexicon | None = None,
        refit_share: float = 0.25,
    ):
        self.encoder = encoder
        self.lexicon = lexicon
        self.refit_share = refit_share
        self._lock = threading.RLock()
        self.clause_vectors_: dict[str, np.ndarray] = {}

    # -- building and catching up ---------------------------------------------------------

    def fit(self, db, show_progress: bool = False) -> MatchIndex:
        """Read every consenting firm from the store and embed it (cached vectors are reused)."""
        with self._lock:
            self.last_seq_ = _last_seq(db)
            profiles = [company_profile(r) for r in db.query(_CONSENTING + " ORDER BY id")]
            self.encoder_ = copy_encoder(self.encoder)
            # An empty store still needs a fitted encoder: learn it from a placeholder firm.
            learn_from = profiles or [_PLACEHOLDER]
            vectors = self.encoder_.fit_transform(learn_from, db=db, show_progress=show_progress)
            if not profiles:
                vectors = vectors.take([])
            self.fitted_size_ = len(profiles)
            self.changes_since_fit_ = 0
            self._set(profiles, vectors)
        return self

    def refresh(self, db) -> int:
        """Apply changes logged since the last look; return how many firms changed."""
        with self._lock:
            rows = db.execute(
                "SELECT seq, company_id FROM company_changes WHERE seq > ? ORDER BY seq",
                [self.last_seq_],
            ).fetchall()
            if not rows:
                return 0
            changed = sorted({cid for _, cid in rows})
            self.last_seq_ = rows[-1][0]
            self.changes_since_fit_ += len(changed)
            if self.changes_since_fit_ > self.refit_share * max(self.fitted_size_, 20):
                self.fit(db)
                return len(changed)
            marks = ",".join("?" * len(changed))
            fresh = [
                company_profile(r)
                for r in db.query(f"{_CONSENTING} AND id IN ({marks}) ORDER BY id", changed)
            ]
            gone = set(changed)
            keep = [i for i, cid in enumerate(self.vectors_.ids) if cid not in gone]
            profiles = [self.profiles_[self.vectors_.ids[i]] for i in keep] + fresh
            parts = [self.vectors_.take(keep)]
            if fresh:
                parts.append(self.encoder_.transform(fresh, db=db))
            self._set(profiles, ProfileVectors.concat(parts))
            return len(changed)

    def _set(self, profiles: list[dict], vectors: ProfileVectors) -> None:
        self.profiles_ = {p["id"]: p for p in profiles}
        self.vectors_ = vectors
        self.row_ = {cid: i for i, cid in enumerate(vectors.ids)}
        ordered = [self.profiles_[cid] for cid in vectors.ids]
        self.region_ = np.array([p.get("region") or "" for p in ordered], dtype=object)
        self.kind_ = np.array([p.get("kind") or "" for p in ordered], dtype=object)
        self.size_ = np.array([size_band(p.get("employees")) or "" for p in ordered], dtype=object)
        self.nace_ = np.array(
            ["".join(ch for ch in (p.get("nace") or "") if ch.isdigit()) for p in ordered],
            dtype=object,
        )
        self.market_vocab_ = {}
        for p in ordered:
            for m in _markets(p):
                self.market_vocab_.setdefault(m, len(self.market_vocab_))
        self.side_ = _Side.of(vectors, ordered, self.market_vocab_)

    def __len__(self) -> int:
        return len(self.vectors_)

    def __contains__(self, company_id: int) -> bool:
        return company_id in self.row_

    def lexicon_(self) -> Lexicon:
        return self.lexicon or default_lexicon()

    def query_vectors(self, db, company_id: int) -> tuple[dict, ProfileVectors]:
        """Profile and vectors of a firm: from the index, or read and embed (e.g. no consent)."""
        row = self.row_.get(company_id)
        if row is not None:
            return self.profiles_[company_id], self.vectors_.take([row])
        if db is None:
            raise KeyError(f"company {company_id} is not in the index and no store was given")
        found = list(db.query("SELECT * FROM companies WHERE id = ?", [company_id]))
        if not found:
            raise KeyError(f"company {company_id} does not exist")
        profile = company_profile(found[0])
        return profile, self.encoder_.transform([profile], db=db)


_CONSENTING = "SELECT * FROM companies WHERE consent = 1"
_INDEXES: dict[str, MatchIndex] = {}
_INDEXES_LOCK = threading.Lock()


def copy_encoder(encoder: HybridEncoder | None) -> HybridEncoder:
    """A fresh, unfitted encoder with the same settings (the default one if None)."""
    return HybridEncoder() if encoder is None else clone(encoder)


def _last_seq(db) -> int:
    return db.execute("SELECT COALESCE(MAX(seq), 0) FROM company_changes").fetchone()[0]


def _db_key(db) -> str:
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or f"memory:{id(db)}"
    return f"memory:{id(db)}"


def match_index(db) -> MatchIndex:
    """The process-wide index of a store, built on first use and caught up on every call."""
    key = _db_key(db)
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
        if index is None:
            index = _INDEXES[key] = MatchIndex().fit(db)
            return index
    index.refresh(db)
    return index


def _resolve(index_or_db) -> tuple[MatchIndex, object]:
    if isinstance(index_or_db, MatchIndex):
        return index_or_db, None
    return match_index(index_or_db), index_or_db


def _markets(profile: Mapping) -> list[str]:
    """A profile's markets, case- and space-folded, without repeats, in order."""
    seen = {}
    for m in profile.get("markets") or []:
        if m and str(m).strip():
            seen.setdefault(" ".join(str(m).lower().split()), None)
    return list(seen)


@dataclass
class _Side:
    """Vectors of some firms with the arrays the competitor test compares."""

    vectors: ProfileVectors
    regions: np.ndarray
    classes: np.ndarray
    sections: np.ndarray
    markets: sp.csr_matrix

    @classmethod
    def of(cls, vectors: ProfileVectors, profiles: Sequence[Mapping], vocab: dict) -> _Side:
        rows, cols = [], []
        for i, p in enumerate(profiles):
            for m in _markets(p):
                if m in vocab:
                    rows.append(i)
                    cols.append(vocab[m])
        markets = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(profiles), max(len(vocab), 1)),
        )
        return cls(
            vectors=vectors,
            regions=np.array([p.get("region") or "" for p in profiles], dtype=object),
            classes=np.array([nace_class(p.get("nace")) or "" for p in profiles], dtype=object),
            sections=np.array([nace_section(p.get("nace")) or "" for p in profiles], dtype=object),
            markets=markets,
        )


# -- scoring ------------------------------------------------------------------------------


@dataclass
class _Scores:
    """Scores of query firms (rows) against stored firms (columns), z-like before display."""

    score: np.ndarray
    need_offer: np.ndarray  # the query's needs met by the stored firm's offers
    offer_need: np.ndarray  # the stored firm's needs met by the query's offers
    competitor: np.ndarray


def _score(encoder: HybridEncoder, query: _Side, stored: _Side, mode: str) -> _Scores:
    """One vectorised pass of every query firm against every stored firm."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    q, s = query.vectors, stored.vectors
    if mode == "similar":
        score = encoder.similarity(q, s, "profile", "profile")
        need_offer = offer_need = np.zeros_like(score)
    else:
        need_offer = encoder.similarity(q, s, "needs", "offers")
        offer_need = encoder.similarity(q, s, "offers", "needs")
        strongest = np.maximum(need_offer, offer_need)
        score = MAX_SHARE * strongest + (1 - MAX_SHARE) * _softmin(need_offer, offer_need)
        if PROFILE_SHARE:
            profile = encoder.similarity(q, s, "profile", "profile")
            score = (1 - PROFILE_SHARE) * score + PROFILE_SHARE * profile
    # Uncalibrated (weighted mean cosine), so the test does not depend on the store's size.
    alike = encoder.similarity(q, s, "offers", "offers", calibrated=False) > COMPETITOR_COSINE
    if alike.any():
        alike &= ~_value_chain(encoder, q, s, mode, need_offer, offer_need)
    overlap = (query.markets @ stored.markets.T).toarray() > 0
    same_region = (query.regions[:, None] == stored.regions[None, :]) & (
        query.regions[:, None] != ""
    )
    same_class = (query.classes[:, None] == stored.classes[None, :]) & (
        query.classes[:, None] != ""
    )
    competitor = alike & (overlap | same_region | same_class)
    return _Scores(score, need_offer, offer_need, competitor)


def _value_chain(
    encoder: HybridEncoder,
    q: ProfileVectors,
    s: ProfileVectors,
    mode: str,
    need_offer: np.ndarray,
    offer_need: np.ndarray,
) -> np.ndarray:
    """Pairs where one firm's needs are met by the other (its offers, or the kind of firm it
    is, e.g. wanted customers) more strongly than their offers are alike: supplier and
    customer, not competitors. All calibrated z-like scores, so they compare on one scale."""
    if mode != "complementary":
        need_offer = encoder.similarity(q, s, "needs", "offers")
        offer_need = encoder.similarity(q, s, "offers", "needs")
    met = np.maximum(need_offer, offer_need)
    met = np.maximum(met, encoder.similarity(q, s, "needs", "profile"))
    met = np.maximum(met, encoder.similarity(q, s, "profile", "needs"))
    return met > encoder.similarity(q, s, "offers", "offers")


# -- pair rules ---------------------------------------------------------------------------


def _rules(db, ids: Iterable[int] | None = None) -> dict[tuple[int, int], set[str]]:
    """Facilitator rules per ordered pair (a < b), for pairs touching `ids` (all if None)."""
    if db is None:
        return {}
    if ids is None:
        rows = db.execute("SELECT a_id, b_id, rule FROM pair_rules").fetchall()
    else:
        ids = sorted(set(ids))
        rows = []
        for s in range(0, len(ids), 400):
            chunk = ids[s : s + 400]
            marks = ",".join("?" * len(chunk))
            rows += db.execute(
                f"SELECT a_id, b_id, rule FROM pair_rules WHERE a_id IN ({marks}) "
                f"OR b_id IN ({marks})",
                chunk + chunk,
            ).fetchall()
    out: dict[tuple[int, int], set[str]] = {}
    for a, b, rule in rows:
        out.setdefault((min(a, b), max(a, b)), set()).add(rule)
    return out


def _pair_rules(rules: Mapping, a: int, b: int) -> set[str]:
    return rules.get((min(a, b), max(a, b)), set())


# -- reasons ------------------------------------------------------------------------------


def _name(profile: Mapping) -> str:
    return profile.get("name") or f"#{profile.get('id')}"


class _Explainer:
    """Human-readable, deterministic reasons for a pair of firms."""

    def __init__(self, index: MatchIndex, db, lang: str):
        if lang not in messages.LANGUAGES:
            raise ValueError(f"lang must be one of {list(messages.LANGUAGES)}, not {lang!r}")
        self.index = index
        self.db = db
        self.lang = lang
        self.t = messages.table("matching", lang)
        self.lexicon = index.lexicon_()

    def need_offer(self, needer: Mapping, offerer: Mapping, strength: float) -> list[str]:
        """Which need clauses of `needer` meet which offer clauses of `offerer`, quoted.

        A clause pair is quoted only when it really matches: with the concepts it shares when
        its clause similarity (lexical cosine, or the sentence model's less an offset) is at
        least CONCEPT_CLAUSE_MIN_COSINE or the offer clause has every concept of the need
        clause; without a concept (only for a strong direction) when the similarity is at
        least CLAUSE_MIN_COSINE. One line per clause pair, naming every concept it shares, each
        clause quoted at most once; none when no pair qualifies.
        """
        need_text, offer_text = needer.get("needs") or "", offerer.get("offers") or ""
        if not need_text or not offer_text:
            return []
        needs = clauses(need_text)[:MAX_CLAUSES]
        offers = clauses(offer_text)[:MAX_CLAUSES]
        found = self._clause_cosines(need_text, needs, offer_text, offers)
        if found is None:
            return []
        lexical, model = found
        # Lexical cosine, or the model's when it says more (e.g. Danish need, English offer).
        cos = lexical if model is None else np.maximum(lexical, model - MODEL_CLAUSE_OFFSET)
        need_found = [self._clause_concepts(need_text, span) for span in needs]
        offer_found = [self._clause_concepts(offer_text, span) for span in offers]
        a, b = _name(needer), _name(offerer)
        lines: list[tuple[float, str]] = []
        used_needs: set[int] = set()
        used_offers: set[int] = set()
        candidates = []
        for i, j in np.ndindex(*cos.shape):
            shared = [c for c in need_found[i] if c in offer_found[j]]
            # Every concept of the need clause offered: the clauses are about the same thing
            # even when their words differ (a Danish need, an English offer).
            covered = bool(shared) and len(shared) == len(need_found[i])
            if shared and (covered or cos[i, j] >= CONCEPT_CLAUSE_MIN_COSINE):
                candidates.append((-cos[i, j], i, j, shared))
        for _, i, j, shared in sorted(candidates, key=lambda c: c[:3]):
            if len(lines) >= MAX_NEED_OFFER_LINES:
                break
            if i in used_needs or j in used_offers:
                continue
            first = shared[0]
            need = snippet(need_text, *need_found[i][first])
            offer = snippet(offer_text, *offer_found[j][first])
            label = ", ".join(self.lexicon.label(c, self.lang) for c in shared)
            line = self.t["need_offer"].format(a=a, b=b, need=need, offer=offer, label=label)
            lines.append((cos[i, j], line))
            used_needs.add(i)
            used_offers.add(j)
        if not lines and strength > RECIPROCAL_Z:
            i, j = np.unravel_index(int(np.argmax(cos)), cos.shape)
            if cos[i, j] >= CLAUSE_MIN_COSINE:
                need = snippet(need_text, needs[i][0], needs[i][0])
                offer = snippet(offer_text, offers[j][0], offers[j][0])
                plain = self.t["need_offer_plain"].format(a=a, b=b, need=need, offer=offer)
                lines.append((cos[i, j], plain))
        return [line for _, line in lines]

    def _clause_cosines(
        self,
        need_text: str,
        needs: list[tuple[int, int]],
        offer_text: str,
        offers: list[tuple[int, int]],
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Lexical and sentence-model cosines of every need clause with every offer clause."""
        if not needs or not offers:
            return None
        lexical = self.index.encoder_.lexical_
        if not getattr(lexical, "vectorizers_", None):
            return None
        need_clauses = [need_text[a:b] for a, b in needs]
        offer_clauses = [offer_text[a:b] for a, b in offers]
        n = lexical.transform(need_clauses)
        o = lexical.transform(offer_clauses)
        return (n @ o.T).toarray(), self._model_cosines(need_clauses, offer_clauses)

    def _model_cosines(self, needs: list[str], offers: list[str]) -> np.ndarray | None:
        """Sentence-model cosine of the clauses (language-centred, without concept gloss, so
        that a shared concept alone does not make two clauses alike); None without a model."""
        encoder = self.index.encoder_
        model = getattr(encoder, "model_", None)
        if model is None or encoder._weights().get("model", 0) <= 0:
            return None
        texts = needs + offers
        cache = self.index.clause_vectors_
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            try:
                # Not written to the store's vector cache: explaining must not write.
                fresh = model.encode(missing)
            except Exception:  # no model available: lexical evidence only
                return None
            if len(cache) + len(missing) > CLAUSE_CACHE_SIZE:
                cache.clear()
            cache.update(zip(missing, np.asarray(fresh, dtype=np.float32), strict=True))
        vectors = encoder._center(
            np.stack([cache[t] for t in texts]), [guess_language(t) for t in texts]
        )
        return vectors[: len(needs)] @ vectors[len(needs) :].T

    def _clause_concepts(self, text: str, span: tuple[int, int]) -> dict[str, tuple[int, int]]:
        """Concepts found in one clause of `text`, with their spans in `text`."""
        a, b = span
        return {m.concept: (a + m.start, a + m.end) for m in self.lexicon.find(text[a:b])}

    def shared_capabilities(self, a: Mapping, b: Mapping) -> list[str]:
        """Concepts both firms' profiles mention (for look-alike partners)."""
        texts = [" ".join(filter(None, (p.get("description"), p.get("offers")))) for p in (a, b)]
        ca = self.lexicon.concept_ids(texts[0])
        cb = set(self.lexicon.concept_ids(texts[1]))
        shared = [self.lexicon.label(c, self.lang) for c in ca if c in cb][:4]
        return [self.t["shared"].format(labels=", ".join(shared))] if shared else []

    def context(self, a: Mapping, b: Mapping) -> list[str]:
        """Shared markets, value chain from NACE, and regions."""
        out = []
        mb = set(_markets(b))
        original = {" ".join(str(m).lower().split()): str(m) for m in a.get("markets") or []}
        shared = [original[m] for m in _markets(a) if m in mb]
        if shared:
            out.append(self.t["markets"].format(markets=", ".join(shared)))
        da, db_ = nace_division(a.get("nace")), nace_division(b.get("nace"))
        sa, sb = nace_section(a.get("nace")), nace_section(b.get("nace"))
        if da and db_:
            if da == db_:
                out.append(self.t["same_division"].format(division=da))
            elif sa == sb:
                out.append(self.t["same_section"].format(section=sa, a=da, b=db_))
            else:
                out.append(self.t["chain"].format(a=f"{sa} {da}", b=f"{sb} {db_}"))
        ra, rb = a.get("region"), b.get("region")
        if ra and rb:
            if ra == rb:
                out.append(self.t["same_region"].format(region=ra))
            else:
                out.append(self.t["regions"].format(a=ra, b=rb))
        return out


def _pair_type(mode: str, a: Mapping, b: Mapping, need_offer: float, offer_need: float) -> str:
    """'congruent' (look-alike), 'horizontal' (same NACE division), else 'complementary'
    when needs are met both ways, 'vertical' when one way."""
    if mode == "similar":
        return "congruent"
    da, db_ = nace_division(a.get("nace")), nace_division(b.get("nace"))
    if da and da == db_:
        return "horizontal"
    return "complementary" if min(need_offer, offer_need) > RECIPROCAL_Z else "vertical"


RECIPROCAL_Z = 1.0


def _suggestion(
    explainer: _Explainer,
    mode: str,
    a: Mapping,
    b: Mapping,
    z: float,
    need_offer: float,
    offer_need: float,
    flags: list[str],
) -> PartnerSuggestion:
    """A scored pair with its type, reasons and flags."""
    t = explainer.t
    reasons: list[str] = []
    if mode == "complementary":
        reasons += explainer.need_offer(a, b, need_offer)
        reasons += explainer.need_offer(b, a, offer_need)
    else:
        reasons += explainer.shared_capabilities(a, b)
    reasons += explainer.context(a, b)
    if "competitor" in flags:
        reasons.append(t["competitor"])
    if "never_together" in flags:
        reasons.append(t["never"])
    if "rejected_before" in flags:
        reasons.append(t["rejected"])
    return PartnerSuggestion(
        id=b["id"],
        name=_name(b),
        score=round(float(display_score(z)), 4),
        type=_pair_type(mode, a, b, need_offer, offer_need),
        reasons=reasons,
        flags=flags,
    )


# -- public functions ---------------------------------------------------------------------


def partner_suggestions(
    index_or_db,
    company_id: int,
    *,
    limit: int = 5,
    mode: str = "complementary",
    region: str | Sequence[str] | None = None,
    nace: str | None = None,
    kind: str | None = None,
    size: str | None = None,
    include_competitors: bool = False,
    lang: str = "da",
    db=None,
) -> list[PartnerSuggestion]:
    """The best partners for a firm among the consenting firms, with reasons and flags.

    Pass a store (sqlite_utils.Database) to use its process-wide index, kept current, or a
    `MatchIndex` (then `db`, if given, supplies pair rules and the vector cache).
    """
    index, store = _resolve(index_or_db)
    db = store if db is None else db
    profile, vectors = index.query_vectors(db, company_id)
    query = _Side.of(vectors, [profile], index.market_vocab_)
    scores = _score(index.encoder_, query, index.side_, mode)
    z = scores.score[0].copy()
    keep = _filter_mask(index, region=region, nace=nace, kind=kind, size=size)
    own = index.row_.get(company_id)
    if own is not None:
        keep[own] = False
    rules = _rules(db, [company_id])
    for (x, y), kinds in rules.items():
        other = y if x == company_id else x
        row = index.row_.get(other)
        if row is not None and "never" in kinds:
            keep[row] = False
    competitor = scores.competitor[0]
    allowed = {(y if x == company_id else x) for (x, y), kinds in rules.items() if "allow" in kinds}
    if mode == "complementary" and not include_competitors:
        allowed_rows = [index.row_[c] for c in allowed if c in index.row_]
        blocked = competitor.copy()
        blocked[allowed_rows] = False
        keep &= ~blocked
    candidates = np.flatnonzero(keep)
    if candidates.size == 0:
        return []
    order = candidates[np.lexsort((candidates, -z[candidates]))][:limit]
    explainer = _Explainer(index, db, lang)
    out = []
    for row in order:
        other_id = index.vectors_.ids[row]
        flags = []
        if competitor[row] and other_id not in allowed:
            flags.append("competitor")
        if "rejected" in _pair_rules(rules, company_id, other_id):
            flags.append("rejected_before")
        out.append(
            _suggestion(
                explainer,
                mode,
                profile,
                index.profiles_[other_id],
                float(z[row]),
                float(scores.need_offer[0, row]),
                float(scores.offer_need[0, row]),
                flags,
            )
        )
    return out


def _filter_mask(
    index: MatchIndex,
    *,
    region: str | Sequence[str] | None,
    nace: str | None,
    kind: str | None,
    size: str | None,
) -> np.ndarray:
    """Indexed firms that pass the filters (NACE: a section letter or a code prefix)."""
    keep = np.ones(len(index), dtype=bool)
    if region:
        regions = {region} if isinstance(region, str) else set(region)
        keep &= np.isin(index.region_, list(regions))
    if kind:
        keep &= index.kind_ == kind
    if size:
        keep &= index.size_ == size
    if nace:
        code = nace.strip().upper()
        if code.isalpha():
            keep &= index.side_.sections == code
        else:
            digits = "".join(ch for ch in code if ch.isdigit())
            keep &= np.array([n.startswith(digits) for n in index.nace_], dtype=bool)
    return keep


def pair_score(
    index_or_db,
    a_id: int,
    b_id: int,
    *,
    mode: str = "complementary",
    lang: str = "da",
    db=None,
) -> PartnerSuggestion:
    """Score, type, reasons and flags of one pair ("why X and Y?"), B seen as A's partner."""
    index, store = _resolve(index_or_db)
    db = store if db is None else db
    pa, va = index.query_vectors(db, a_id)
    pb, vb = index.query_vectors(db, b_id)
    vocab: dict[str, int] = {}
    for p in (pa, pb):
        for m in _markets(p):
            vocab.setdefault(m, len(vocab))
    scores = _score(index.encoder_, _Side.of(va, [pa], vocab), _Side.of(vb, [pb], vocab), mode)
    kinds = _pair_rules(_rules(db, [a_id]), a_id, b_id)
    flags = []
    if scores.competitor[0, 0] and "allow" not in kinds:
        flags.append("competitor")
    if "never" in kinds:
        flags.append("never_together")
    if "rejected" in kinds:
        flags.append("rejected_before")
    return _suggestion(
        _Explainer(index, db, lang),
        mode,
        pa,
        pb,
        float(scores.score[0, 0]),
        float(scores.need_offer[0, 0]),
        float(scores.offer_need[0, 0]),
        flags,
    )


def _rows(index: MatchIndex, ids: Sequence[int] | None) -> np.ndarray:
    if ids is None:
        return np.arange(len(index))
    missing = [i for i in ids if i not in index.row_]
    if missing:
        raise KeyError(f"not in the index (unknown or without consent): {missing[:10]}")
    return np.array([index.row_[i] for i in ids], dtype=np.int64)


def _sub_side(index: MatchIndex, rows: np.ndarray) -> _Side:
    side = index.side_
    return _Side(
        vectors=index.vectors_.take(rows),
        regions=side.regions[rows],
        classes=side.classes[rows],
        sections=side.sections[rows],
        markets=side.markets[rows],
    )


def _never_mask(
    db, q_ids: Sequence[int], s_pos: Mapping[int, int], n_stored: int
) -> tuple[np.ndarray, set]:
    """Never-together mask (queries × stored, stored by position) and the 'allow' pairs."""
    rules = _rules(db)
    never = np.zeros((len(q_ids), n_stored), dtype=bool)
    q_pos = {c: i for i, c in enumerate(q_ids)}
    allow = set()
    for (a, b), kinds in rules.items():
        if "allow" in kinds:
            allow.add((a, b))
        if "never" not in kinds:
            continue
        for x, y in ((a, b), (b, a)):
            if x in q_pos and y in s_pos:
                never[q_pos[x], s_pos[y]] = True
    return never, allow


def pair_score_matrix(
    index_or_db, ids: Sequence[int] | None = None, *, mode: str = "complementary", db=None
) -> PairScores:
    """Dense 0–1 scores between all firms of a pool (at most 1,500), symmetric, zero diagonal."""
    index, store = _resolve(index_or_db)
    db = store if db is None else db
    rows = _rows(index, ids)
    if rows.size > MAX_POOL:
        raise ValueError(f"a pool of {rows.size} firms is over {MAX_POOL}; use top_candidates")
    side = _sub_side(index, rows)
    scores = _score(index.encoder_, side, side, mode)
    pool_ids = [index.vectors_.ids[r] for r in rows]
    z = (scores.score + scores.score.T) / 2
    dense = display_score(z).astype(np.float32)
    np.fill_diagonal(dense, 0.0)
    competitor = scores.competitor | scores.competitor.T
    pos = {c: i for i, c in enumerate(pool_ids)}
    never, allow = _never_mask(db, pool_ids, pos, len(pool_ids))
    for a, b in allow:
        if a in pos and b in pos:
            competitor[pos[a], pos[b]] = competitor[pos[b], pos[a]] = False
    np.fill_diagonal(competitor, False)
    return PairScores(ids=pool_ids, scores=dense, competitor=competitor, never=never)


def top_candidates(
    index_or_db,
    k: int = 20,
    *,
    ids: Sequence[int] | None = None,
    mode: str = "complementary",
    include_competitors: bool = False,
    block: int = 256,
    db=None,
) -> dict[int, list[tuple[int, float]]]:
    """For each firm (all indexed, or `ids`), its k best partners as (id, 0–1 score), best first."""
    index, store = _resolve(index_or_db)
    db = store if db is None else db
    rows = _rows(index, ids)
    all_ids = index.vectors_.ids
    out: dict[int, list[tuple[int, float]]] = {}
    kk = min(k, len(index) - 1)
    if kk <= 0:
        return {all_ids[r]: [] for r in rows}
    for s in range(0, rows.size, block):
        chunk = rows[s : s + block]
        scores = _score(index.encoder_, _sub_side(index, chunk), index.side_, mode)
        z = scores.score
        q_ids = [all_ids[r] for r in chunk]
        never, allow = _never_mask(db, q_ids, index.row_, len(all_ids))
        blocked = never.copy()
        blocked[np.arange(chunk.size), chunk] = True
        if mode == "complementary" and not include_competitors:
            competitor = scores.competitor.copy()
            for a, b in allow:
                for x, y in ((a, b), (b, a)):
                    if x in q_ids and y in index.row_:
                        competitor[q_ids.index(x), index.row_[y]] = False
            blocked |= competitor
        z = np.where(blocked, -np.inf, z)
        top = np.argpartition(-z, kk - 1, axis=1)[:, :kk]
        for i, cid in enumerate(q_ids):
            cols = top[i][np.isfinite(z[i, top[i]])]
            cols = cols[np.lexsort((cols, -z[i, cols]))]
            out[cid] = [(all_ids[c], float(display_score(z[i, c]))) for c in cols]
    return out
