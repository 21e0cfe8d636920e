"""Queries of the land-counterparts page (contreparties foncières), values as printed.

The report prints the counterparts of each section as a total plus a split by operator, with
percentages; overseas, it splits by five local operators and also gives figures per territory.
These printed parts do not always add up to the printed totals: the queries return both, so the
page can show the gap instead of hiding it.
"""

from __future__ import annotations

import duckdb
import pandas as pd

CF = "contreparties_foncieres"
#: Measures printed per overseas territory, in the order the page shows them.
DROM_MEASURES = ("qpv", "concours_alloues", CF)


def section_counterparts(cur: duckdb.DuckDBPyConnection, regions: tuple[str, ...] = ()) -> pd.DataFrame:
    """Metropolitan sections with their printed total and split by operator (`region_key_figures`).

    One row per section (all when `regions` is empty), largest printed total first: `region_code,
    region_name, cf_total, cf_fonciere_logement, cf_esh_groupe`, the printed texts and
    percentages (`*_text`, `*_pct_text`, NULL where not printed), the quotes, `parts_sum` (the two
    operators added up, computed) and `gap` (`parts_sum - cf_total`, computed).
    """
    return cur.execute(
        """
        WITH kf AS (
            SELECT territory_code, member, unit, value_text, qualifier, quote
            FROM facts
            WHERE context = 'key_figures' AND measure = 'contreparties_foncieres' AND scope IS NULL
              AND sub_dimension IS NULL AND (dimension IS NULL OR dimension = 'operateur')
        ),
        printed AS (
            SELECT territory_code,
                   any_value(concat_ws(' ', qualifier, value_text)) FILTER (WHERE member IS NULL) AS total_text,
                   any_value(quote) FILTER (WHERE member IS NULL) AS total_quote,
                   any_value(concat_ws(' ', qualifier, value_text))
                       FILTER (WHERE member = 'fonciere_logement' AND unit <> 'PCT') AS fl_text,
                   any_value(concat_ws(' ', qualifier, value_text))
                       FILTER (WHERE member = 'fonciere_logement' AND unit = 'PCT') AS fl_pct_text,
                   any_value(concat_ws(' ', qualifier, value_text))
                       FILTER (WHERE member = 'esh_groupe' AND unit <> 'PCT') AS esh_text,
                   any_value(concat_ws(' ', qualifier, value_text))
                       FILTER (WHERE member = 'esh_groupe' AND unit = 'PCT') AS esh_pct_text,
                   any_value(quote) FILTER (WHERE member IS NOT NULL) AS split_quote
            FROM kf
            GROUP BY territory_code
        )
        SELECT r.region_code, r.region_name, r.cf_total, r.cf_fonciere_logement, r.cf_esh_groupe,
               p.total_text, p.fl_text, p.fl_pct_text, p.esh_text, p.esh_pct_text, p.total_quote, p.split_quote,
               r.cf_fonciere_logement + r.cf_esh_groupe AS parts_sum,
               r.cf_fonciere_logement + r.cf_esh_groupe - r.cf_total AS gap
        FROM region_key_figures r
        LEFT JOIN printed p ON p.territory_code = r.region_code
        WHERE r.region_code <> 'OM'
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], r.region_code))
        ORDER BY r.cf_total DESC NULLS LAST, r.region_name
        """,
        [list(regions), list(regions)],
    ).df()


def overseas_operators(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The five overseas operators (dimension `operateur_om` of the Outre-Mer block), in report order.

    Columns `member, label, value, value_text, qualifier, quote`; an operator the report does not
    print keeps a row with NULL values.
    """
    return cur.execute(
        """
        SELECT dm.member, dm.label, f.value, f.value_text, f.qualifier, f.quote
        FROM dimension_members dm
        LEFT JOIN facts f
          ON f.dimension = dm.dimension AND f.member = dm.member AND f.territory_code = 'OM'
         AND f.measure = 'contreparties_foncieres' AND f.context = 'key_figures' AND f.unit <> 'PCT'
         AND f.scope IS NULL AND f.sub_dimension IS NULL
        WHERE dm.dimension = 'operateur_om'
        ORDER BY dm.sort_order
        """
    ).df()


def overseas_printed_totals(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The printed Outre-Mer totals of the per-territory measures (key-figure block of the section).

    Columns `measure, measure_label, value, value_text, qualifier, unit, quote`, one row per measure
    of `DROM_MEASURES` (NULL values where the block does not print it).
    """
    return cur.execute(
        """
        SELECT m.code AS measure, m.label AS measure_label, f.value, f.value_text, f.qualifier,
               coalesce(f.unit, CASE m.code WHEN 'concours_alloues' THEN 'MEUR' ELSE 'COUNT' END) AS unit, f.quote
        FROM unnest(?::VARCHAR[]) WITH ORDINALITY AS wanted(code, position)
        JOIN measures m ON m.code = wanted.code
        LEFT JOIN facts f
          ON f.measure = m.code AND f.territory_code = 'OM' AND f.context = 'key_figures' AND f.dimension IS NULL
         AND f.scope IS NULL AND f.unit <> 'PCT' AND f.period = '@2024-12-31'
        ORDER BY wanted.position
        """,
        [list(DROM_MEASURES)],
    ).df()


def drom_details(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The figures printed per overseas territory (children of `OM`), long format, in report order.

    Columns `territory_code, territory_name, measure, measure_label, value, value_text, qualifier,
    unit, quote`; one row per territory and measure of `DROM_MEASURES` (NULL where not printed).
    """
    return cur.execute(
        """
        SELECT t.code AS territory_code, t.name AS territory_name, m.code AS measure, m.label AS measure_label,
               f.value, f.value_text, f.qualifier,
               coalesce(f.unit, CASE m.code WHEN 'concours_alloues' THEN 'MEUR' ELSE 'COUNT' END) AS unit, f.quote
        FROM territories t
        CROSS JOIN unnest(?::VARCHAR[]) WITH ORDINALITY AS wanted(code, position)
        JOIN measures m ON m.code = wanted.code
        LEFT JOIN facts f
          ON f.territory_code = t.code AND f.measure = m.code AND f.dimension IS NULL AND f.scope IS NULL
         AND f.unit <> 'PCT' AND f.period = '@2024-12-31'
        WHERE t.parent_code = 'OM'
        ORDER BY wanted.position, t.sort_order
        """,
        [list(DROM_MEASURES)],
    ).df()


def drom_reconciliation(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per measure of `DROM_MEASURES`: the sum of the territories (computed) against the printed
    Outre-Mer total. Columns `measure, measure_label, unit, territories_sum, territories_count,
    printed_value, printed_text, gap` (`gap = territories_sum - printed_value`)."""
    return reconcile(drom_details(cur), overseas_printed_totals(cur))


def reconcile(details: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """`drom_reconciliation` from `drom_details` and `overseas_printed_totals`."""
    rows = []
    for total in totals.itertuples(index=False):
        parts = details[details["measure"] == total.measure]["value"].dropna()
        territories_sum = float(parts.sum()) if len(parts) else None
        printed = None if pd.isna(total.value) else float(total.value)
        rows.append(
            {
                "measure": total.measure,
                "measure_label": total.measure_label,
                "unit": total.unit,
                "territories_sum": territories_sum,
                "territories_count": len(parts),
                "printed_value": printed,
                "printed_text": None
                if pd.isna(total.value_text)
                else " ".join(str(p) for p in (total.qualifier, total.value_text) if not pd.isna(p)),
                "gap": None if territories_sum is None or printed is None else territories_sum - printed,
            }
        )
    return pd.DataFrame(rows)


def national_counterparts(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The national totals printed for France entière (territory `FR`), with the sum of the 13 sections.

    One row per printed national fact: `fact_id, section, section_title, qualifier, value_text,
    value, quote`, plus `sections_sum` and `sections_count` (computed from `region_key_figures`).
    """
    return cur.execute(
        """
        WITH s AS (SELECT sum(cf_total) AS sections_sum, count(cf_total) AS sections_count FROM region_key_figures)
        SELECT d.fact_id, d.section, d.section_title, d.qualifier, d.value_text, d.value, d.quote,
               CAST(s.sections_sum AS DOUBLE) AS sections_sum, s.sections_count
        FROM facts_detail d
        JOIN sections sec ON sec.code = d.section
        CROSS JOIN s
        WHERE d.territory_code = 'FR' AND d.measure = 'contreparties_foncieres' AND d.dimension IS NULL
          AND d.scope IS NULL AND d.unit <> 'PCT' AND d.period = '@2024-12-31'
        ORDER BY (d.qualifier IS NOT NULL), sec.sort_order, d.fact_id
        """
    ).df()
