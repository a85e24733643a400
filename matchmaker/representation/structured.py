"""Structured fields as one-hot vectors: NACE section and division, region, size band, kind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize as l2_normalize

from matchmaker.reference.nace import nace_division, nace_section
from matchmaker.reference.sizes import size_band


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
