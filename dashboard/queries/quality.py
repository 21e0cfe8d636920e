"""Queries of the data-quality page: reconciliation findings and the printed facts they involve."""

from __future__ import annotations

import duckdb
import pandas as pd

RULE_LABELS = {
    "split_sum": "Somme des parts",
    "territory_sum": "Somme des territoires",
    "percentage": "Pourcentage imprimé",
    "restatement": "Chiffre repris",
    "part_exceeds_whole": "Partie supérieure au tout",
}
RULE_DESCRIPTIONS = {
    "split_sum": "Les parts d'une répartition ne font pas le total imprimé.",
    "territory_sum": "La somme des territoires ne fait pas le chiffre de l'ensemble.",
    "percentage": "Un pourcentage imprimé ne correspond pas au rapport des chiffres.",
    "restatement": "Un même chiffre est repris avec une autre valeur ailleurs dans le rapport.",
    "part_exceeds_whole": "Une partie dépasse le tout dont elle fait partie.",
}
SEVERITY_LABELS = {"high": "Élevée", "medium": "Moyenne", "low": "Faible"}
SEVERITY_ORDER = tuple(SEVERITY_LABELS)
ROLE_LABELS = {
    "expected": "Chiffre de référence",
    "actual": "Chiffre comparé",
    "part": "Partie",
    "numerator": "Numérateur",
    "denominator": "Dénominateur",
}
_ROLE_ORDER = "CASE qf.role WHEN 'expected' THEN 0 WHEN 'actual' THEN 1 WHEN 'numerator' THEN 2 "
_ROLE_ORDER += "WHEN 'denominator' THEN 3 ELSE 4 END"

# A finding matches the selected sections when it is about one of them (or about one of their
# DROM), or when one of the facts it involves is published for one of them (or their DROM).
_FINDINGS_SQL = """
SELECT q.finding_id, q.rule, q.severity, q.territory_code, t.name AS territory_name, t.kind AS territory_kind,
       t.sort_order AS territory_order, q.measure, m.label AS measure_label, q.period, q.breakdown, q.unit,
       q.expected, q.actual, q.gap, q.tolerance, q.message
FROM quality_findings q
JOIN territories t ON t.code = q.territory_code
JOIN measures m ON m.code = q.measure
WHERE (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], q.severity))
  AND (
    len(?::VARCHAR[]) = 0
    OR list_contains(?::VARCHAR[], q.territory_code)
    OR list_contains(?::VARCHAR[], t.parent_code) AND t.kind = 'drom'
    OR EXISTS (
        SELECT 1
        FROM quality_finding_facts qf
        JOIN facts f ON f.fact_id = qf.fact_id
        JOIN territories ft ON ft.code = f.territory_code
        WHERE qf.finding_id = q.finding_id
          AND (list_contains(?::VARCHAR[], f.territory_code)
               OR (ft.kind = 'drom' AND list_contains(?::VARCHAR[], ft.parent_code)))
    )
  )
ORDER BY CASE q.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, t.sort_order, q.rule, q.measure,
         q.finding_id
"""


def findings(
    cur: duckdb.DuckDBPyConnection, *, regions: tuple[str, ...] = (), severities: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Findings, most severe first, optionally narrowed to sections and severities (empty = all).

    `regions` and `severities` must be validated codes (see `filters.validate`).
    """
    regions_list, severities_list = list(regions), list(severities)
    return cur.execute(
        _FINDINGS_SQL,
        [severities_list, severities_list, *([regions_list] * 5)],
    ).df()


def finding_territories(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """`finding_id, territory_code`: every territory a finding is about or involves a fact of, and
    the section of each DROM among them; the pairs behind the section filter of `findings`."""
    return cur.execute(
        """
        WITH involved AS (
            SELECT finding_id, territory_code FROM quality_findings
            UNION
            SELECT qf.finding_id, f.territory_code
            FROM quality_finding_facts qf JOIN facts f ON f.fact_id = qf.fact_id
        )
        SELECT DISTINCT i.finding_id, t.code AS territory_code
        FROM involved i JOIN territories t ON t.code = i.territory_code
        UNION
        SELECT DISTINCT i.finding_id, t.parent_code
        FROM involved i JOIN territories t ON t.code = i.territory_code
        WHERE t.kind = 'drom'
        ORDER BY finding_id, territory_code
        """
    ).df()


def select_findings(
    all_findings: pd.DataFrame,
    territories: pd.DataFrame,
    *,
    regions: tuple[str, ...] = (),
    severities: tuple[str, ...] = (),
) -> pd.DataFrame:
    """`findings(cur, regions=..., severities=...)` from `findings(cur)` and `finding_territories(cur)`:
    no query per filter change."""
    keep = pd.Series(True, index=all_findings.index)
    if severities:
        keep &= all_findings["severity"].isin(severities)
    if regions:
        involved = territories.loc[territories["territory_code"].isin(regions), "finding_id"]
        keep &= all_findings["finding_id"].isin(set(involved))
    return all_findings[keep].reset_index(drop=True)


def finding_facts(cur: duckdb.DuckDBPyConnection, finding_ids: list[str]) -> pd.DataFrame:
    """The printed facts behind findings: role, territory, printed value, quote and section title."""
    return cur.execute(
        f"""
        SELECT qf.finding_id, qf.role, d.fact_id, d.territory_code, d.territory_name, d.measure_label,
               d.member_label, d.period, d.qualifier, d.value_text, d.unit, d.unit_symbol, d.quote,
               d.section_title, d.context
        FROM quality_finding_facts qf
        JOIN facts_detail d ON d.fact_id = qf.fact_id
        JOIN territories t ON t.code = d.territory_code
        WHERE list_contains(?::VARCHAR[], qf.finding_id)
        ORDER BY qf.finding_id, {_ROLE_ORDER}, t.sort_order, d.fact_id
        """,
        [list(finding_ids)],
    ).df()


def counts(findings_df: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Number of findings by severity and by rule (every severity and rule listed, zeros included)."""
    by_severity = findings_df["severity"].value_counts() if not findings_df.empty else pd.Series(dtype=int)
    by_rule = findings_df["rule"].value_counts() if not findings_df.empty else pd.Series(dtype=int)
    return {
        "severity": {s: int(by_severity.get(s, 0)) for s in SEVERITY_LABELS},
        "rule": {r: int(by_rule.get(r, 0)) for r in RULE_LABELS},
    }


def by_territory(findings_df: pd.DataFrame) -> pd.DataFrame:
    """One row per territory with findings (report order): `region_code, region_name, high, medium, low`."""
    if findings_df.empty:
        return pd.DataFrame(columns=["region_code", "region_name", *SEVERITY_ORDER])
    table = (
        findings_df.pivot_table(
            index=["territory_order", "territory_code", "territory_name"],
            columns="severity",
            values="finding_id",
            aggfunc="count",
            fill_value=0,
        )
        .reindex(columns=list(SEVERITY_ORDER), fill_value=0)
        .reset_index()
        .sort_values("territory_order")
    )
    table.columns.name = None
    return table.rename(columns={"territory_code": "region_code", "territory_name": "region_name"})[
        ["region_code", "region_name", *SEVERITY_ORDER]
    ].reset_index(drop=True)


def short_message(message: str) -> str:
    """The explanation of a finding's message, without its heading and its quotes.

    `Occitanie — … , au 31/12/2024 : le pourcentage imprimé … = 49,7 %. Citations : « … »`
    -> `Le pourcentage imprimé … = 49,7 %.`
    """
    text = message.split(" : ", 1)[1] if " : " in message else message
    for marker in (". Citations : ", ". Citation : "):
        if marker in text:
            text = text.split(marker, 1)[0] + "."
            break
    return text[:1].upper() + text[1:]
