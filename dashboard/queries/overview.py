"""Queries of the overview page: national key figures as printed, next to the sum of the sections."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class KpiSpec:
    """A national key figure: which fact to show and which regional column adds up to it."""

    key: str
    label: str
    measure: str
    period: str
    member: tuple[str, str] | None = None
    region_column: str | None = None


NATIONAL_KPIS: tuple[KpiSpec, ...] = (
    KpiSpec("qpv", "Quartiers prioritaires (QPV)", "qpv", "@2024-12-31", None, "qpv_count"),
    KpiSpec(
        "concours", "Concours financiers alloués", "concours_alloues", "@2024-12-31", None, "concours_alloues_meur"
    ),
    KpiSpec(
        "prets_alloues",
        "dont prêts alloués",
        "concours_alloues",
        "@2024-12-31",
        ("financement", "pret"),
        "prets_alloues_meur",
    ),
    KpiSpec(
        "engages_cumul", "Prêts engagés 2018-2024", "prets_engages", "2018..2024", None, "prets_engages_cumul_meur"
    ),
    KpiSpec("engages_2024", "Prêts engagés en 2024", "prets_engages", "2024", None, "prets_engages_2024_meur"),
    KpiSpec("decaisses_cumul", "Prêts décaissés 2018-2024", "prets_decaisses", "2018..2024"),
    KpiSpec("decaisses_2024", "Prêts décaissés en 2024", "prets_decaisses", "2024"),
    KpiSpec("logements_2024", "Logements sociaux financés en 2024", "logements_finances", "2024"),
    KpiSpec(
        "droits", "Droits de réservation contractualisés", "droits_reservation", "@2024-12-31", None, "droits_total"
    ),
    KpiSpec("droits_engages", "Droits de réservation engagés 2018-2024", "droits_reservation_engages", "2018..2024"),
    KpiSpec("cf", "Contreparties foncières (logements)", "contreparties_foncieres", "@2024-12-31", None, "cf_total"),
    KpiSpec("menages", "Ménages salariés logés", "menages_loges", "2018..2024", None, "menages_loges"),
)


def national_kpis(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per KPI: the national fact as printed (part 01 first, then 02, then the édito),
    its quote, the sum of the 13 sections where they publish the measure, and whether a
    reconciliation finding contradicts the national figure."""
    facts = cur.execute(
        """
        SELECT d.fact_id, d.measure, d.dimension, d.member, d.period, d.qualifier, d.value_text, d.value,
               d.unit, d.unit_symbol, d.quote, d.section_title,
               CASE d.section WHEN '01' THEN 0 WHEN '02' THEN 1 ELSE 2 END AS preference,
               EXISTS (SELECT 1 FROM quality_finding_facts qf JOIN quality_findings q USING (finding_id)
                       WHERE qf.fact_id = d.fact_id AND q.rule = 'territory_sum') AS contradicted
        FROM facts_detail d
        WHERE d.territory_code = 'FR' AND d.scope IS NULL AND d.sub_dimension IS NULL AND d.unit <> 'PCT'
        ORDER BY preference, d.fact_id
        """
    ).df()
    sums = cur.execute("SELECT * FROM region_key_figures").df()
    rows = []
    for spec in NATIONAL_KPIS:
        dimension, member = spec.member or (None, None)
        match = facts[
            (facts["measure"] == spec.measure)
            & (facts["period"] == spec.period)
            & (facts["dimension"].isna() if dimension is None else facts["dimension"] == dimension)
            & (facts["member"].isna() if member is None else facts["member"] == member)
        ]
        fact = match.iloc[0] if not match.empty else None
        column = spec.region_column
        published = sums[column].dropna() if column else pd.Series(dtype=float)
        rows.append(
            {
                "key": spec.key,
                "label": spec.label,
                "fact_id": None if fact is None else fact["fact_id"],
                "qualifier": None if fact is None else fact["qualifier"],
                "value_text": None if fact is None else fact["value_text"],
                "value": None if fact is None else fact["value"],
                "unit": None if fact is None else fact["unit"],
                "unit_symbol": None if fact is None else fact["unit_symbol"],
                "quote": None if fact is None else fact["quote"],
                "section_title": None if fact is None else fact["section_title"],
                "contradicted": bool(fact is not None and fact["contradicted"]),
                "regions_sum": float(published.sum()) if len(published) else None,
                "regions_count": len(published),
                "regions_total": len(sums),
            }
        )
    return pd.DataFrame(rows)


def findings_by_severity(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Number of reconciliation findings per severity."""
    return dict(cur.execute("SELECT severity, count(*) FROM quality_findings GROUP BY severity").fetchall())
