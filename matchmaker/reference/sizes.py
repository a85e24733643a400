"""Size bands of firms by employees (the EU SME bands)."""

from __future__ import annotations

SIZE_BANDS = ((10, "micro"), (50, "small"), (250, "medium"))
SIZES = ("micro", "small", "medium", "large")
SME_MAX_EMPLOYEES = 250


def size_band(employees: int | None) -> str | None:
    """'micro' (<10), 'small' (<50), 'medium' (<250) or 'large' employees; None if unknown."""
    if employees is None:
        return None
    return next((band for limit, band in SIZE_BANDS if employees < limit), "large")
