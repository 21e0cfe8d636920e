"""Queries of the region page: the report's regional double page (key figures, splits, narrative
facts, reconciliation findings) for one validated section code."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class KeyFigure:
    """A key figure of a regional block: the fact to show and its `region_key_figures` column."""

    key: str
    label: str
    column: str
    measure: str
    period_type: str
    member: tuple[str, str] | None = None
    unit: str = "COUNT"


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("qpv", "Quartiers prioritaires (QPV)", "qpv_count", "qpv", "as_of"),
    KeyFigure(
        "concours", "Concours financiers alloués", "concours_alloues_meur", "concours_alloues", "as_of", None, "MEUR"
    ),
    KeyFigure(
        "prets_alloues",
        "dont prêts alloués",
        "prets_alloues_meur",
        "concours_alloues",
        "as_of",
        ("financement", "pret"),
        "MEUR",
    ),
    KeyFigure(
        "engages_cumul", "Prêts engagés 2018-2024", "prets_engages_cumul_meur", "prets_engages", "range", None, "MEUR"
    ),
    KeyFigure("engages_2024", "dont engagés en 2024", "prets_engages_2024_meur", "prets_engages", "year", None, "MEUR"),
    KeyFigure("droits", "Droits de réservation", "droits_total", "droits_reservation", "as_of"),
    KeyFigure("cf", "Contreparties foncières (logements)", "cf_total", "contreparties_foncieres", "as_of"),
    KeyFigure("menages", "Ménages salariés logés 2018-2024", "menages_loges", "menages_loges", "range"),
)

#: The splits drawn on the page: measure, dimension of the metropolitan block, dimension for Outre-Mer.
SPLITS = {
    "droits": ("droits_reservation", "famille", "famille"),
    "contreparties": ("contreparties_foncieres", "operateur", "operateur_om"),
}

_RANK_COLUMNS = tuple(k.column for k in KEY_FIGURES)
#: Built once from the constant column names above (identifiers, never user input).
_RANKS_SQL = (
    "WITH wide AS (SELECT region_code, region_name, "
    + ", ".join(f"CAST({c} AS DOUBLE) AS {c}" for c in _RANK_COLUMNS)
    + " FROM region_key_figures),\n"
    + "long AS (UNPIVOT wide ON "
    + ", ".join(_RANK_COLUMNS)
    + " INTO NAME indicator VALUE value),\n"
    + """ranked AS (
    SELECT region_code, region_name, indicator, value,
           CAST(rank() OVER (PARTITION BY indicator ORDER BY value DESC) AS INTEGER) AS rank,
           CAST(count(*) OVER (PARTITION BY indicator) AS INTEGER) AS published,
           (SELECT CAST(count(*) AS INTEGER) FROM region_key_figures) AS sections,
           sum(value) OVER (PARTITION BY indicator) AS total,
           100.0 * value / nullif(sum(value) OVER (PARTITION BY indicator), 0) AS share
    FROM long
)
SELECT * FROM ranked
WHERE ?::VARCHAR IS NULL OR region_code = ?
ORDER BY indicator, rank, region_code"""
)


def region_ranks(cur: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """Rank and share of each section on each key figure, from `region_key_figures` (window functions).

    One row per section and published figure: `region_code, region_name, indicator, value, rank`
    (1 = largest; ties share a rank), `published` (sections that print it), `sections` (13),
    `total` (sum of the sections, computed) and `share` (percent of that sum, computed).
    A section that does not print a figure has no row for it. `code` narrows to one section.
    """
    return cur.execute(
        _RANKS_SQL,
        [code, code],
    ).df()


def region_header(cur: duckdb.DuckDBPyConnection, code: str) -> dict[str, object] | None:
    """Name of a section and the title and page of its double page in the report; None if unknown."""
    row = cur.execute(
        """
        SELECT t.code, t.name, s.title, s.page
        FROM territories t LEFT JOIN sections s ON s.code = '03-' || t.code
        WHERE t.kind = 'section' AND t.code = ?
        """,
        [code],
    ).fetchone()
    if row is None:
        return None
    return {"code": row[0], "name": row[1], "section_title": row[2], "page": row[3]}


def region_key_facts(cur: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """The printed facts of a section's key-figure block (counts and amounts, no percentages), with
    their quotes: the same selection as the `region_key_figures` view."""
    return cur.execute(
        """
        SELECT d.fact_id, d.measure, d.dimension, d.member, d.period, d.period_type, d.qualifier, d.value_text,
               d.value, d.unit, d.unit_symbol, d.quote, d.section_title
        FROM facts_detail d
        WHERE d.territory_code = ? AND d.context = 'key_figures' AND d.scope IS NULL AND d.sub_dimension IS NULL
          AND d.unit <> 'PCT'
        ORDER BY d.fact_id
        """,
        [code],
    ).df()


def key_figure_cards(cur: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """One row per `KEY_FIGURES` entry for a section: the printed fact (NULLs if not printed), its
    quote, and the section's rank and share among the sections (computed)."""
    facts = region_key_facts(cur, code)
    ranks = region_ranks(cur, code).set_index("indicator")
    sections = int(cur.execute("SELECT count(*) FROM region_key_figures").fetchone()[0])  # type: ignore[index]
    rows = []
    for spec in KEY_FIGURES:
        dimension, member = spec.member or (None, None)
        match = facts[
            (facts["measure"] == spec.measure)
            & (facts["period_type"] == spec.period_type)
            & (facts["dimension"].isna() if dimension is None else facts["dimension"] == dimension)
            & (facts["member"].isna() if member is None else facts["member"] == member)
        ]
        if spec.unit == "MEUR":
            match = match[match["unit"] == "MEUR"]
        fact = match.iloc[0] if not match.empty else None
        rank = ranks.loc[spec.column] if spec.column in ranks.index else None
        rows.append(
            {
                "key": spec.key,
                "label": spec.label,
                "column": spec.column,
                "unit": spec.unit,
                "qualifier": None if fact is None else fact["qualifier"],
                "value_text": None if fact is None else fact["value_text"],
                "value": None if fact is None else fact["value"],
                "quote": None if fact is None else fact["quote"],
                "section_title": None if fact is None else fact["section_title"],
                "rank": None if rank is None else int(rank["rank"]),
                "published": None if rank is None else int(rank["published"]),
                "sections": sections,
                "share": None if rank is None else float(rank["share"]),
            }
        )
    return pd.DataFrame(rows)


def region_split(cur: duckdb.DuckDBPyConnection, code: str, split: str) -> pd.DataFrame:
    """A split of a section's key-figure block (`split` in `SPLITS`): one row per member, in
    dimension order, with the printed count and the printed percentage (NULL where not printed).

    Columns `member, label, value, value_text, qualifier, pct_text, pct_value, quote, total,
    total_text` (`total*` is the printed total of the block). Outre-Mer uses its own dimension
    (the five overseas operators for the land counterparts).
    """
    measure, dimension, overseas_dimension = SPLITS[split]
    dimension = overseas_dimension if code == "OM" else dimension
    return cur.execute(
        """
        WITH kf AS (
            SELECT * FROM facts
            WHERE territory_code = ? AND measure = ? AND context = 'key_figures' AND scope IS NULL
              AND sub_dimension IS NULL
        ),
        total AS (SELECT any_value(value) AS total, any_value(concat_ws(' ', qualifier, value_text)) AS total_text
                  FROM kf WHERE dimension IS NULL AND unit <> 'PCT')
        SELECT dm.member, dm.label,
               c.value, c.value_text, c.qualifier,
               concat_ws(' ', p.qualifier, p.value_text) AS pct_text, p.value AS pct_value,
               coalesce(c.quote, p.quote) AS quote,
               total.total, total.total_text
        FROM dimension_members dm
        CROSS JOIN total
        LEFT JOIN kf c ON c.dimension = dm.dimension AND c.member = dm.member AND c.unit <> 'PCT'
        LEFT JOIN kf p ON p.dimension = dm.dimension AND p.member = dm.member AND p.unit = 'PCT'
        WHERE dm.dimension = ?
        ORDER BY dm.sort_order
        """,
        [code, measure, dimension],
    ).df()


def _region_territories(cur: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    """The section and its sub-territories (the DROM for Outre-Mer)."""
    return [code] + [
        r[0]
        for r in cur.execute("SELECT code FROM territories WHERE parent_code = ? AND kind = 'drom'", [code]).fetchall()
    ]


def region_narrative(cur: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """The narrative facts of a section: its territory (and, for Outre-Mer, the DROM), or printed in
    its double page; in report order, with labels and quotes."""
    return cur.execute(
        """
        SELECT d.fact_id, d.territory_code, d.territory_name, d.scope, d.measure, d.measure_label,
               d.dimension, d.member, d.member_label, d.sub_member_label, d.period, d.qualifier, d.value_text,
               d.value, d.unit, d.unit_symbol, d.quote, d.section, d.section_title, f.source_line
        FROM facts_detail d
        JOIN facts f USING (fact_id)
        JOIN sections s ON s.code = d.section
        WHERE d.context = 'narrative'
          AND (list_contains(?::VARCHAR[], d.territory_code) OR d.section = '03-' || ?)
        ORDER BY s.sort_order, f.source_line
        """,
        [_region_territories(cur, code), code],
    ).df()


def region_findings(cur: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """Reconciliation findings involving a section: about it, or linked to one of its facts
    (e.g. a national sum that includes it). Most severe first."""
    territories = _region_territories(cur, code)
    return cur.execute(
        """
        WITH linked AS (
            SELECT DISTINCT qf.finding_id
            FROM quality_finding_facts qf JOIN facts f USING (fact_id)
            WHERE list_contains(?::VARCHAR[], f.territory_code)
        )
        SELECT q.finding_id, q.rule, q.severity, q.territory_code, t.name AS territory_name, q.measure,
               m.label AS measure_label, q.period, q.breakdown, q.unit, q.expected, q.actual, q.gap, q.message,
               q.territory_code = ? AS direct
        FROM quality_findings q
        JOIN territories t ON t.code = q.territory_code
        JOIN measures m ON m.code = q.measure
        WHERE list_contains(?::VARCHAR[], q.territory_code) OR q.finding_id IN (SELECT finding_id FROM linked)
        ORDER BY CASE q.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, direct DESC, q.measure,
                 q.finding_id
        """,
        [territories, code, territories],
    ).df()
