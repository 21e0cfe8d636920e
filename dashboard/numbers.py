"""Printed numbers: parsing French notation and the interval a printed figure stands for."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Thousands separators seen in print: space, no-break space, narrow no-break space.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER = re.compile(r"^\d+(,\d+)?$")

#: Relative tolerance of the approximate hedges ("environ", "près de").
APPROXIMATE_TOLERANCE = 0.05

QUALIFIERS = ("plus de", "moins de", "au moins", "près de", "environ")


def collapse_spaces(text: str) -> str:
    """Collapse every run of white space (incl. no-break spaces) into one plain space."""
    return _SPACES.sub(" ", text).strip()


def parse_printed_number(text: str) -> float | None:
    """Parse a number printed in French notation (`1 414`, `56,6`); None if it is not one."""
    compact = _SPACES.sub("", text)
    if not _NUMBER.match(compact):
        return None
    return float(compact.replace(",", "."))


def printed_step(text: str) -> float | None:
    """The rounding step of a printed number: 1 for `1 414`, 0.1 for `56,6`; None for words."""
    compact = _SPACES.sub("", text)
    if not _NUMBER.match(compact):
        return None
    decimals = len(compact.split(",")[1]) if "," in compact else 0
    return 10.0**-decimals


@dataclass(frozen=True)
class Interval:
    """A closed interval of plausible true values; `hi` may be infinite."""

    lo: float
    hi: float

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def scaled(self, factor: float) -> Interval:
        return Interval(self.lo * factor, self.hi * factor)

    def ratio(self, denominator: Interval) -> Interval | None:
        """Interval of self / denominator in percent; None when the denominator may be zero."""
        if denominator.lo <= 0:
            return None
        hi = math.inf if math.isinf(self.hi) else self.hi / denominator.lo
        lo = 0.0 if math.isinf(denominator.hi) else self.lo / denominator.hi
        return Interval(lo * 100, hi * 100)

    def distance(self, other: Interval) -> float:
        """0 when the intervals overlap, else the gap between them."""
        if self.hi < other.lo:
            return other.lo - self.hi
        if other.hi < self.lo:
            return self.lo - other.hi
        return 0.0

    @property
    def midpoint(self) -> float:
        return self.lo if math.isinf(self.hi) else (self.lo + self.hi) / 2


def printed_interval(value: float, value_text: str, qualifier: str | None, whole_count: bool = False) -> Interval:
    """The interval of true values compatible with a printed figure and its hedge.

    An exact figure covers its rounding step (`56,6` is 56.55 to 56.65), except a whole count
    (`whole_count`: 12 411 rights are 12 411, not 12 410.5 to 12 411.5). "plus de" / "au moins"
    give a lower bound, "moins de" an upper bound, "environ" / "près de" ±5 %. A figure printed in
    words ("la moitié") is read as approximate.
    """
    step = printed_step(value_text)
    half = 0.0 if step is None or (whole_count and step == 1) else step / 2
    if qualifier in ("plus de", "au moins"):
        return Interval(value, math.inf)
    if qualifier == "moins de":
        return Interval(0.0, value)
    if qualifier in ("près de", "environ") or step is None:
        spread = abs(value) * APPROXIMATE_TOLERANCE
        return Interval(value - spread - half, value + spread + half)
    return Interval(value - half, value + half)
