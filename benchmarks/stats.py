"""Percentiles and summaries of timing samples (milliseconds)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def summary(values: Sequence[float], prefix: str = "", unit: str = "_ms") -> dict[str, float | int | None]:
    """`{prefix}p50{unit}`, p95, p99, mean, max and the sample count, rounded to 0.01."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        f"{prefix}p50{unit}": rounded(percentile(values, 50)),
        f"{prefix}p95{unit}": rounded(percentile(values, 95)),
        f"{prefix}p99{unit}": rounded(percentile(values, 99)),
        f"{prefix}mean{unit}": rounded(sum(values) / len(values)) if values else None,
        f"{prefix}max{unit}": rounded(max(values)) if values else None,
        f"{prefix}n": len(values),
    }


def ratio(numerator: float | None, denominator: float | None, digits: int = 2) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return round(numerator / denominator, digits)
