"""The match index: an immutable snapshot of the consenting firms' vectors, swapped whole.

A refresh never changes a published index: it builds a new one (the old serves until the new
one is whole) and swaps one reference under a lock. A reader takes `match_index(db)` once per
request and works on that snapshot.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import fields

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from matchmaker.matching import learning, refit
from matchmaker.matching.features import FeatureScale, FirmFacts
from matchmaker.matching.scorer import PairScorer
from matchmaker.reference.lexicon import Lexicon, default_lexicon
from matchmaker.reference.nace import digits
from matchmaker.reference.sizes import size_band
from matchmaker.representation.clauses import ClauseBook
from matchmaker.representation.embedding import HybridEncoder, ProfileVectors, SentenceEncoder
from matchmaker.store import company_feed
from matchmaker.store import db as store_db

log = logging.getLogger(__name__)

# Stores whose index a process keeps (least recently used dropped first).
MAX_INDEXES = 8

_PLACEHOLDER = {
    "id": 0, "name": "", "region": "", "kind": "company", "description": "virksomhed",
    "offers": "", "needs": "", "markets": [], "language": "da", "consent": True,
}  # fmt: skip


class _Defaults:
    """What a deployment chose once at start-up (`configure`)."""

    model_name: str | None = None
    scorer: PairScorer | None = None
    learn: bool = False


def configure(
    model_name: str | None = None, scorer: PairScorer | None = None, learn: bool = False
) -> None:
    """Set the sentence model and pair scorer every new index uses (read once at start-up);
    with `learn`, a store's index ranks with the partner model re-fitted on its decisions."""
    _Defaults.model_name = model_name
    _Defaults.scorer = scorer
    _Defaults.learn = learn


def learning_enabled() -> bool:
    """Whether indexes rank with the partner model re-fitted on the store's decisions."""
    return _Defaults.learn


def default_scorer() -> PairScorer:
    """The configured pair scorer, else the one built into `models/` by `train-matcher`."""
    if _Defaults.scorer is None:
        _Defaults.scorer = PairScorer.load()
    return _Defaults.scorer


def default_encoder() -> HybridEncoder:
    """A fresh, unfitted hybrid encoder with the configured sentence model."""
    if _Defaults.model_name:
        return HybridEncoder(model=SentenceEncoder(model_name=_Defaults.model_name))
    return HybridEncoder()


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


_LINEAGES = itertools.count()


class Lineage:
    """Snapshots of an index that each hold the rows of the one before, scored alike
    (`kept_scores` extends a firm's row along it). Only the newest snapshot hands it on;
    compared by identity, and a pickled copy is a lineage of its own."""

    def __init__(self, size: int):
        self.newest = size
        self.serial = next(_LINEAGES)  # unique in this process (a pickled copy takes its own)
        self._lock = threading.Lock()

    def handed_on(self, size: int, grown: int) -> bool:
        """Whether a snapshot of `size` rows is the newest, and now one of `grown` rows is."""
        with self._lock:
            if self.newest != size:
                return False
            self.newest = grown
            return True

    def __reduce__(self):
        return Lineage, (self.newest,)


class MatchIndex:
    """Vectors, facts and feature scale of the consenting firms of a store at one moment,
    and the analysed clauses of their needs and offers (`clauses_`, which reasons quote).

    Construct with settings, then `fit(db)` once; afterwards the object is never changed:
    `refreshed(db)` returns a new index with the logged changes applied.
    """

    def __init__(
        self,
        encoder: HybridEncoder | None = None,
        lexicon: Lexicon | None = None,
        scorer: PairScorer | None = None,
        refit_share: float = 0.25,
    ):
        self.encoder = encoder
        self.lexicon = lexicon
        self.scorer = scorer
        self.refit_share = refit_share

    def fit(self, db, show_progress: bool = False) -> MatchIndex:
        """Read every consenting firm from the store and embed it (cached vectors are reused)."""
        last_seq = company_feed.last_change(db)
        profiles = [company_profile(r) for r in company_feed.consenting(db)]
        encoder = default_encoder() if self.encoder is None else clone(self.encoder)
        # An empty store still needs a fitted encoder: learn it from a placeholder firm.
        vectors = encoder.fit_transform(
            profiles or [_PLACEHOLDER], db=db, show_progress=show_progress
        )
        if not profiles:
            vectors = vectors.take([])
        self.encoder_ = encoder
        self.scorer_ = self.scorer or default_scorer()
        self.learned_id_ = None
        self.market_vocab_: dict[str, int] = {}
        facts = FirmFacts.of(profiles, self.market_vocab_)
        self.clauses_ = ClauseBook.build(encoder.lexical_, self.lexicon_(), profiles)
        self.lineage_ = Lineage(len(vectors))
        self._publish(profiles, vectors, facts, last_seq, len(profiles), 0)
        reference = getattr(self.scorer_, "reference_scale_", None)
        self.scale_ = FeatureScale.fit(encoder, vectors, self.facts_, reference=reference)
        return self

    def refreshed(self, db) -> MatchIndex:
        """This index with the changes logged since it was built; itself when there are none.

        New and changed firms are transformed with the fitted encoder (their sentence vectors
        are read from the store's cache, put there when they were stored) and appended; the
        encoder is never re-fitted here. `drifted()` tells when a re-fit is due.
        """
        rows = company_feed.changes_since(db, self.last_seq_)
        if not rows:
            return self
        changed = sorted({cid for _, cid in rows})
        fresh = [company_profile(r) for r in company_feed.consenting(db, changed)]
        gone = set(changed)
        keep = [i for i, cid in enumerate(self.vectors_.ids) if cid not in gone]
        kept = len(keep) == len(self)  # only new firms: the rows stay as they are
        vectors = self.vectors_ if kept else self.vectors_.take(keep)
        facts = self.facts_ if kept else self.facts_.take(keep)
        profiles = [] if kept else [self.profiles_[cid] for cid in vectors.ids]
        new = MatchIndex(self.encoder, self.lexicon, self.scorer, self.refit_share)
        new.encoder_, new.scorer_, new.scale_ = self.encoder_, self.scorer_, self.scale_
        new.learned_id_ = self.learned_id_
        new.market_vocab_ = dict(self.market_vocab_)
        new.clauses_ = self.clauses_.updated(fresh, gone)
        if fresh:
            vectors = ProfileVectors.concat([vectors, self.encoder_.transform(fresh, db=db)])
            facts = joined(facts, FirmFacts.of(fresh, new.market_vocab_))
            profiles += fresh
        # Snapshots of one lineage hold the rows of the ones before them, scored alike: only
        # the newest snapshot of a lineage hands it on (two refreshed from one would differ).
        grows = kept and self.lineage_.handed_on(len(self), len(vectors))
        new.lineage_ = self.lineage_ if grows else Lineage(len(vectors))
        changes = self.changes_since_fit_ + len(changed)
        new._publish(profiles, vectors, facts, rows[-1][0], self.fitted_size_, changes,
                     after=self if kept else None)  # fmt: skip
        return new

    def warmed(self) -> MatchIndex:
        """Itself, with the transposes every query's dots read computed now (by the thread
        that built or caught up the index, before it is published), not by a request."""
        lexical = getattr(self.encoder_, "lexical_", None)
        columns = getattr(lexical, "block_columns_", None) or {}
        self.vectors_.warm([c for c in columns.values() if c[0] != c[1]])
        return self

    def drifted(self) -> bool:
        """Whether more firms changed since the fit than `refit_share` of the fitted ones
        (new words and a shifted calibration then call for a re-fit)."""
        return self.changes_since_fit_ > self.refit_share * max(self.fitted_size_, 20)

    def refitted(self, db) -> MatchIndex:
        """A new index with these settings, fitted on the store as it is now."""
        return MatchIndex(self.encoder, self.lexicon, self.scorer, self.refit_share).fit(db)

    def _publish(self, profiles, vectors, facts, last_seq, fitted_size, changes, after=None):
        """Set the fitted state (only while this object is being built). With `after` (an
        index whose rows `vectors` starts with), `profiles` are only the rows appended to it,
        and what is worked out per row is taken over from it instead of worked out again."""
        self.last_seq_ = last_seq
        self.fitted_size_ = fitted_size
        self.changes_since_fit_ = changes
        self.vectors_ = vectors
        self.facts_ = facts
        self.region_ = facts.regions
        start = 0 if after is None else len(after)
        self.profiles_ = {} if after is None else dict(after.profiles_)
        self.profiles_.update((p["id"], p) for p in profiles)
        self.row_ = {} if after is None else dict(after.row_)
        self.row_.update((cid, start + i) for i, cid in enumerate(vectors.ids[start:]))
        added = [self.profiles_[cid] for cid in vectors.ids[start:]]
        for name, value in (("kind_", lambda p: p.get("kind") or ""),
                            ("size_", lambda p: size_band(p.get("employees")) or ""),
                            ("nace_", lambda p: digits(p.get("nace")))):  # fmt: skip
            column = np.array([value(p) for p in added], dtype=object)
            setattr(
                self,
                name,
                column if after is None else np.concatenate([getattr(after, name), column]),
            )

    def with_scorer(self, scorer: PairScorer, learned_id: int | None) -> MatchIndex:
        """This snapshot scored by another pair scorer (the re-fit `learned_id` of the
        store's decisions, or None for the global one); vectors and facts are shared."""
        new = copy.copy(self)
        new.scorer_, new.learned_id_ = scorer, learned_id
        new.lineage_ = Lineage(len(self))  # the same rows, scored otherwise
        return new

    # -- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.vectors_)

    def __contains__(self, company_id: int) -> bool:
        return company_id in self.row_

    def ids(self) -> list[int]:
        """Indexed firm ids in row order."""
        return list(self.vectors_.ids)

    def profile(self, company_id: int) -> dict:
        """The indexed profile of a firm (KeyError if it is not indexed)."""
        return self.profiles_[company_id]

    def rows(self, ids: Sequence[int] | None) -> np.ndarray:
        """Row positions of `ids` (all rows for None); KeyError names ids not indexed."""
        if ids is None:
            return np.arange(len(self))
        missing = [i for i in ids if i not in self.row_]
        if missing:
            raise KeyError(f"not in the index (unknown or without consent): {missing[:10]}")
        return np.array([self.row_[i] for i in ids], dtype=np.int64)

    def lexicon_(self) -> Lexicon:
        return self.lexicon or default_lexicon()

    def query(self, db, company_id: int) -> tuple[dict, ProfileVectors, FirmFacts]:
        """Profile, vectors and facts of a firm: from the index, or read and embed it (e.g. a
        firm without consent asking for its own partners)."""
        row = self.row_.get(company_id)
        if row is not None:
            return self.profiles_[company_id], self.vectors_.take([row]), self.facts_.take([row])
        if db is None:
            raise KeyError(f"company {company_id} is not in the index and no store was given")
        profile = self.outside_profile(db, company_id)
        return profile, *self.vectors_of(db, profile)

    def outside_profile(self, db, company_id: int) -> dict:
        """A firm's profile as the store holds it now (KeyError when there is none)."""
        found = company_feed.by_id(db, company_id)
        if found is None:
            raise KeyError(f"company {company_id} does not exist")
        return company_profile(found)

    def vectors_of(self, db, profile: Mapping) -> tuple[ProfileVectors, FirmFacts]:
        """Vectors and facts of a profile the index does not hold (its sentence vectors read
        from the store's cache where they are)."""
        return self.encoder_.transform([profile], db=db), self.facts_of([profile])

    def facts_of(self, profiles: Sequence[Mapping]) -> FirmFacts:
        """Facts of profiles outside the index, in this index's market vocabulary."""
        return FirmFacts.of(profiles, dict(self.market_vocab_))


def joined(first: FirmFacts, second: FirmFacts) -> FirmFacts:
    """The facts of two consecutive row sets (the second's market vocabulary extends the
    first's) as one."""
    width = max(first.markets.shape[1], second.markets.shape[1])
    first, second = first.resized(width), second.resized(width)
    parts = {}
    for f in fields(FirmFacts):
        a, b = getattr(first, f.name), getattr(second, f.name)
        both = sp.vstack([a, b], format="csr") if sp.issparse(a) else np.concatenate([a, b])
        parts[f.name] = both
    return FirmFacts(**parts)


_INDEXES: OrderedDict[str, MatchIndex] = OrderedDict()
_INDEXES_LOCK = threading.Lock()
_BUILD_LOCKS: dict[str, threading.Lock] = {}


def match_index(db) -> MatchIndex:
    """The process-wide index of a store, built on first use and caught up on every call.

    Only one thread builds or refreshes an index at a time; others keep reading the snapshot
    that is published, which never changes under them. Catching up only appends the changed
    firms; when they have drifted too far from the fit, a re-fit runs in a process of its own
    (`refit`) and is swapped in when whole (a store in memory re-fits at once).
    """
    key = company_feed.store_key(db)
    with _INDEXES_LOCK:
        index = _INDEXES.get(key)
        lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    if index is not None and not company_feed.changed_since(db, index.last_seq_):
        if _learned_current(db, index):
            return index
    with lock:
        with _INDEXES_LOCK:
            index = _INDEXES.get(key)
        index = MatchIndex().fit(db) if index is None else index.refreshed(db)
        if index.drifted() and key.startswith("memory:"):
            index = index.refitted(db)
        index = ranked_as_asked(db, index).warmed()
        _publish(key, index)
    if index.drifted():
        _refit_in_background(key, index)
    return index


def catch_up(db) -> None:
    """Bring this process's published index of the store up to the store's last change now
    (call it after a write has committed): the next request then finds it current instead of
    catching it up itself. Nothing when the process has no index of the store yet; best
    effort (a failure leaves the catching up to the next request, as before)."""
    if db.conn.in_transaction:
        raise RuntimeError("catch up after the write transaction, not inside it")
    try:
        if published(db) is not None:
            match_index(db)
    except Exception:  # the write stands; the next request catches up
        log.warning("the match index did not catch up after a write", exc_info=True)


# Seconds between two looks at the change log of the stores a process keeps an index of.
WATCH_SECONDS = 0.2


def keep_current(seconds: float = WATCH_SECONDS) -> threading.Thread:
    """Start (once per process) a thread that catches up the process's indexes when other
    processes change their stores, so that a request seldom finds its index behind.

    Requests keep catching up themselves when they find a change the thread has not taken
    in yet: a firm registered is suggestible by the next request, in any process."""
    global _WATCHER
    with _INDEXES_LOCK:
        if _WATCHER is not None and _WATCHER.is_alive():
            return _WATCHER
        stop = threading.Event()
        _WATCHER = threading.Thread(
            target=_watch, args=(seconds, stop), name="match-index-watch", daemon=True
        )
        _WATCHER.stop = stop  # type: ignore[attr-defined]
        _WATCHER.start()
        return _WATCHER


def stop_keeping_current() -> None:
    """Stop the thread `keep_current` started (and wait for it)."""
    global _WATCHER
    with _INDEXES_LOCK:
        watcher, _WATCHER = _WATCHER, None
    if watcher is not None:
        watcher.stop.set()  # type: ignore[attr-defined]
        watcher.join()


_WATCHER: threading.Thread | None = None


def _watch(seconds: float, stop: threading.Event) -> None:
    connections: dict[str, object] = {}
    try:
        while not stop.wait(seconds):
            with _INDEXES_LOCK:
                current = {
                    k: i.last_seq_ for k, i in _INDEXES.items() if not k.startswith("memory:")
                }
            for key in set(connections) - set(current):
                connections.pop(key).close()
            for key, seq in current.items():
                _look(connections, key, seq)
    finally:
        for conn in connections.values():
            conn.close()


def _look(connections: dict, key: str, seq: int) -> None:
    """Catch up the index of the store at `key` if it changed after `seq`."""
    try:
        if key not in connections:
            if not os.path.exists(key):  # a store removed: nothing to watch
                return
            connections[key] = store_db.connect(key, migrate=False)
        if company_feed.changed_since(connections[key], seq):
            catch_up(connections[key])
    except Exception:  # a busy or vanished store: looked at again next time
        log.debug("watching the store %s failed", key, exc_info=True)
        stale = connections.pop(key, None)
        if stale is not None:
            stale.close()


def embed_stored(db, company_ids: Sequence[int]) -> None:
    """Put the sentence vectors of firms just stored into the store's vector cache, so that
    every process's index takes them in by reading. Firms without consent too: they stay out
    of the index, but their own partners are asked for (`MatchIndex.query`), and a request
    then reads their vectors instead of running the model. Call it after the write has
    committed (never inside a write transaction). Best effort: a store too busy to take the
    vectors now leaves them to the index, which embeds what it does not find."""
    if db.conn.in_transaction:
        raise RuntimeError("embed after the write transaction, not inside it")
    rows = company_feed.stored(db, company_ids)
    _cache_sentences(db, [company_profile(r) for r in rows], company_ids)


def embed_ahead(db, profiles: Sequence[Mapping]) -> None:
    """Put the sentence vectors of firms about to be stored (validated profiles, no id yet,
    with consent or not, as `embed_stored`) into the store's vector cache before their
    write, so that no index, in any process, meets the new firm before its vectors: catching
    up then only reads them. Never inside a write transaction; best effort like
    `embed_stored` (which stays the check afterwards)."""
    if db.conn.in_transaction:
        raise RuntimeError("embed before the write transaction, not inside it")
    wanted = [company_profile(p) for p in profiles]
    _cache_sentences(db, wanted, "about to be stored")


def _cache_sentences(db, profiles: list[dict], which) -> None:
    """Encode what the vector cache lacks of `profiles` and store it there."""
    if not profiles:
        return
    index = published(db)
    encoder = default_encoder() if index is None else index.encoder_
    try:
        encoder.cache_sentences(profiles, db)
    except sqlite3.DatabaseError as exc:
        log.warning("sentence vectors of firms %s left to the index: %s", which, exc)


def published(db) -> MatchIndex | None:
    """The index this process has published for a store, as it is (None before the first)."""
    with _INDEXES_LOCK:
        return _INDEXES.get(company_feed.store_key(db))


def _publish(key: str, index: MatchIndex) -> None:
    with _INDEXES_LOCK:
        _INDEXES[key] = index
        _INDEXES.move_to_end(key)
        while len(_INDEXES) > MAX_INDEXES:
            dropped, _ = _INDEXES.popitem(last=False)
            _BUILD_LOCKS.pop(dropped, None)


_REFITTING: set[str] = set()
# When a store's last re-fit failed (monotonic seconds): the next waits RETRY_REFIT seconds,
# so that a re-fit that keeps failing is not started again on every write.
_REFIT_FAILED: dict[str, float] = {}
RETRY_REFIT = 300.0


def _refit_in_background(key: str, drifted: MatchIndex) -> None:
    """Fit a new index of the store at `key` in a process of its own, at a lower priority
    (`refit`), waited on by a thread that then catches it up and swaps it in, under the lock
    requests wait on and at their priority."""
    with _INDEXES_LOCK:
        failed = _REFIT_FAILED.get(key)
        if key in _REFITTING or (failed is not None and time.monotonic() - failed < RETRY_REFIT):
            return
        _REFITTING.add(key)

    recipe = refit.Recipe(
        store=key, encoder=drifted.encoder, lexicon=drifted.lexicon, scorer=drifted.scorer,
        refit_share=drifted.refit_share, model_name=_Defaults.model_name,
        default_scorer=_Defaults.scorer, learn=_Defaults.learn,
    )  # fmt: skip

    def refit_elsewhere() -> None:
        from matchmaker.matching import kept_scores  # it scores with this module's index

        try:
            recipe.hot = tuple(kept_scores.hot(drifted))
            fitted, ids, rows = refit.fitted_elsewhere(recipe)  # this thread only waits
            with _INDEXES_LOCK:
                lock = _BUILD_LOCKS.get(key)
            if lock is None:  # the store's index was dropped meanwhile
                return
            conn = store_db.connect(key, migrate=False)
            try:  # under the lock requests wait on: at their priority, the last few changes
                with lock:
                    swapped = fitted.refreshed(conn).warmed()
                    _publish(key, swapped)
                    # The rows asked about, scored by the re-fit's process: of use unless a
                    # firm changed meanwhile (the swapped index is then a lineage of its own).
                    if rows is not None and swapped.lineage_ is fitted.lineage_:
                        kept_scores.keep_rows(fitted, ids, rows)
            finally:
                conn.close()
            _REFIT_FAILED.pop(key, None)
        except Exception:  # a store gone or busy: the drifted index keeps serving
            log.warning("re-fit of the match index of %s failed", key, exc_info=True)
            _REFIT_FAILED[key] = time.monotonic()
        finally:
            with _INDEXES_LOCK:
                _REFITTING.discard(key)

    threading.Thread(target=refit_elsewhere, name=REFIT_THREAD, daemon=True).start()


# The name of the thread that waits on a re-fit and swaps it in (`web.timing` looks for it).
REFIT_THREAD = "match-index-refit"


def _wanted_refit(db) -> int | None:
    """The re-fit the store's index should rank with: the newest, when learning is on."""
    if not _Defaults.learn:
        return None
    return learning.latest_refit_id(db)


def _learned_current(db, index: MatchIndex) -> bool:
    return index.learned_id_ == _wanted_refit(db)


def ranked_as_asked(db, index: MatchIndex) -> MatchIndex:
    """The index scored by the partner model learning asks for (a new snapshot if it changed)."""
    wanted = _wanted_refit(db)
    if wanted == index.learned_id_:
        return index
    if wanted is None:
        return index.with_scorer(default_scorer(), None)
    return index.with_scorer(learning.service_scorer(db, default_scorer()), wanted)


def resolve(index_or_db) -> tuple[MatchIndex, object]:
    """An index and its store (None when an index was given)."""
    if isinstance(index_or_db, MatchIndex):
        return index_or_db, None
    return match_index(index_or_db), index_or_db
