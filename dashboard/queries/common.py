"""Queries shared by several pages: source, territories, regional key figures, published facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from ..formatting import MONTHS
from ..indicators import INDICATORS, RANKING_SQL


@dataclass(frozen=True)
class SourceInfo:
    """The publication behind the figures, for footers and chart source lines."""

    title: str
    publisher: str
    published: str
    data_as_of: str  # ISO date

    @property
    def source_line(self) -> str:
        year, month = self.published.split("-")[:2]
        return f"Source : {self.publisher}, {self.title} ({MONTHS[int(month) - 1]} {year})"

    @property
    def data_date(self) -> str:
        year, month, day = self.data_as_of.split("-")
        return f"Données au {day}/{month}/{year}"


def source_info(cur: duckdb.DuckDBPyConnection) -> SourceInfo:
    """The first source of the database (the annual report)."""
    row = cur.execute(
        "SELECT title, publisher, published, CAST(data_as_of AS VARCHAR) FROM sources ORDER BY source_id LIMIT 1"
    ).fetchone()
    if row is None:
        raise LookupError("the database holds no source")
    return SourceInfo(*row)


def section_codes(cur: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Codes of the 13 report sections, in report order."""
    return tuple(
        r[0] for r in cur.execute("SELECT code FROM territories WHERE kind = 'section' ORDER BY sort_order").fetchall()
    )


def territories(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All territories with their kind and parent, in report order."""
    return cur.execute("SELECT code, name, kind, parent_code, sort_order FROM territories ORDER BY sort_order").df()


def region_key_figures(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The `region_key_figures` view: one row per report section, in report order."""
    return cur.execute("SELECT * FROM region_key_figures").df()


def indicator_values(cur: duckdb.DuckDBPyConnection, indicator: str) -> pd.DataFrame:
    """`region_code, region_name, value` of one indicator for the 13 sections (NULL if unpublished)."""
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}")
    return cur.execute(RANKING_SQL[indicator]).df()


def published_facts(
    cur: duckdb.DuckDBPyConnection,
    *,
    territory: str | None = None,
    measure: str | None = None,
    period: str | None = None,
    context: str | None = None,
    territories: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Facts with labels (`facts_detail`), optionally narrowed; in report order."""
    return cur.execute(
        """
        SELECT d.*, s.sort_order AS section_order, t.sort_order AS territory_order
        FROM facts_detail d
        JOIN sections s ON s.code = d.section
        JOIN territories t ON t.code = d.territory_code
        WHERE (?::VARCHAR IS NULL OR d.territory_code = ?)
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], d.territory_code))
          AND (?::VARCHAR IS NULL OR d.measure = ?)
          AND (?::VARCHAR IS NULL OR d.period = ?)
          AND (?::VARCHAR IS NULL OR d.context = ?)
        ORDER BY t.sort_order, s.sort_order, d.fact_id
        """,
        [
            territory,
            territory,
            list(territories) if territories is not None else None,
            list(territories) if territories is not None else None,
            measure,
            measure,
            period,
            period,
            context,
            context,
        ],
    ).df()


def for_regions(
    df: pd.DataFrame, regions: Sequence[str], *, column: str = "region_code", keep: Sequence[str] = ()
) -> pd.DataFrame:
    """The rows of `df` whose `column` is one of `regions` or of `keep`, in their order (all rows
    when `regions` is empty): a per-section query answered from its all-sections result."""
    if not regions:
        return df
    return df[df[column].isin([*keep, *regions])].reset_index(drop=True)
