"""Partner suggestions for a firm, and the explanation of one pair ("why X and Y?")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matchmaker.matching import kept_scores
from matchmaker.matching.index import MatchIndex, resolve
from matchmaker.matching.reasons import Explainer, name_of
from matchmaker.matching.scoring import display_score, score_block
from matchmaker.reference import messages, stopwatch
from matchmaker.reference.nace import has_prefix, nace_division
from matchmaker.store import pair_rules

# Calibrated needs→offers strength both ways above which a pair is 'complementary' (mutual).
RECIPROCAL_Z = 1.0


@dataclass
class PartnerSuggestion:
    """A suggested partner: score in [0, 1], pair type, reasons and flags.

    `reason_codes` are the message records; `reasons` the same rendered in the asked language.
    """

    id: int
    name: str
    score: float
    type: str
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reason_codes: list[dict] = field(default_factory=list)


def pair_type(mode: str, a: Mapping, b: Mapping, need_offer: float, offer_need: float) -> str:
    """'congruent' (look-alike), 'horizontal' (same NACE division), else 'complementary'
    when needs are met both ways, 'vertical' when one way."""
    if mode == "similar":
        return "congruent"
    da, db_ = nace_division(a.get("nace")), nace_division(b.get("nace"))
    if da and da == db_:
        return "horizontal"
    return "complementary" if min(need_offer, offer_need) > RECIPROCAL_Z else "vertical"


def _suggestion(explainer: Explainer, mode: str, a, b, logit, need_offer, offer_need, flags):
    records: list[dict] = []
    if mode == "complementary":
        records += explainer.need_offer(a, b, need_offer)
        records += explainer.need_offer(b, a, offer_need)
    else:
        records += explainer.shared_capabilities(a, b)
    records += explainer.context(a, b)
    for flag, code in (
        ("competitor", "matching.competitor"),
        ("never_together", "matching.never"),
        ("rejected_before", "matching.rejected"),
    ):
        if flag in flags:
            records.append(messages.record(code))
    return PartnerSuggestion(
        id=b["id"],
        name=name_of(b),
        score=round(float(display_score(logit)), 4),
        type=pair_type(mode, a, b, need_offer, offer_need),
        reasons=[messages.render_record(r, explainer.lang) for r in records],
        flags=flags,
        reason_codes=records,
    )


def filter_mask(
    index: MatchIndex,
    *,
    region: str | Sequence[str] | None = None,
    nace: str | None = None,
    kind: str | None = None,
    size: str | None = None,
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
        keep &= np.array([has_prefix(n, nace) for n in index.nace_], dtype=bool)
    return keep


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
    with stopwatch.stage("index"):
        index, store = resolve(index_or_db)
    db = store if db is None else db
    with stopwatch.stage("query"):  # its scores may be kept from an earlier request
        inside = company_id in index
        if inside:
            profile = index.profile(company_id)
        elif db is None:
            raise KeyError(f"company {company_id} is not in the index and no store was given")
        else:
            profile = index.outside_profile(db, company_id)
    with stopwatch.stage("score"):
        if inside:
            found = kept_scores.scored_row(index, company_id, mode)
        else:
            found = kept_scores.scored_outside(
                index, profile, mode, lambda: index.vectors_of(db, profile)
            )
    z = found.score[0]
    keep = filter_mask(index, region=region, nace=nace, kind=kind, size=size)
    own = index.row_.get(company_id)
    if own is not None:
        keep[own] = False
    with stopwatch.stage("rules"):
        rules = pair_rules.rules(db, [company_id])
    allowed = set()
    for (x, y), kinds in rules.items():
        other = y if x == company_id else x
        row = index.row_.get(other)
        if row is not None and "never" in kinds:
            keep[row] = False
        if "allow" in kinds:
            allowed.add(other)
    competitor = found.competitor[0].copy()
    for other in allowed:
        if other in index.row_:
            competitor[index.row_[other]] = False
    if mode == "complementary" and not include_competitors:
        keep &= ~competitor
    candidates = np.flatnonzero(keep)
    if candidates.size == 0:
        return []
    order = candidates[np.lexsort((candidates, -z[candidates]))][:limit]
    explainer = Explainer(index, lang, db)
    out = []
    with stopwatch.stage("reasons"):
        for row in order:
            other_id = index.vectors_.ids[row]
            flags = ["competitor"] if competitor[row] else []
            if "rejected" in pair_rules.of_pair(rules, company_id, other_id):
                flags.append("rejected_before")
            out.append(
                _suggestion(
                    explainer, mode, profile, index.profiles_[other_id], float(z[row]),
                    float(found.need_offer[0, row]), float(found.offer_need[0, row]), flags,
                )
            )  # fmt: skip
    return out


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
    index, store = resolve(index_or_db)
    db = store if db is None else db
    if b_id in index and kept_scores.has_row(index, a_id, mode):  # as A's list showed it
        pa, pb = index.profile(a_id), index.profile(b_id)
        found = kept_scores.column(kept_scores.scored_row(index, a_id, mode), index.row_[b_id])
    else:
        pa, va, fa = index.query(db, a_id)
        pb, vb, fb = index.query(db, b_id)
        found = score_block(index, va, fa, vb, fb, mode)
    kinds = pair_rules.of_pair(pair_rules.rules(db, [a_id]), a_id, b_id)
    flags = []
    if found.competitor[0, 0] and "allow" not in kinds:
        flags.append("competitor")
    if "never" in kinds:
        flags.append("never_together")
    if "rejected" in kinds:
        flags.append("rejected_before")
    return _suggestion(
        Explainer(index, lang, db), mode, pa, pb, float(found.score[0, 0]),
        float(found.need_offer[0, 0]), float(found.offer_need[0, 0]), flags,
    )  # fmt: skip
