"""Queries of the reservation-rights page: rights per section and family, national figures as printed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from ..filters import FAMILLES
from .loans import NATIONAL, attach_facts, candidate_facts, pick, sections

AS_OF = "@2024-12-31"
MEASURE = "droits_reservation"
ENGAGED = "droits_reservation_engages"
RIGHTS_MEASURES = (MEASURE, ENGAGED, "droits_reservation_variation")


def rights_by_section(
    cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = (), *, candidates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per section (report order), from the key-figure blocks: the total (`total*`), and for each
    family the printed count (`<famille>*`), the printed percentage (`<famille>_pct*`, whose
    `_contradicted` says a reconciliation finding disputes it) and the `<famille>_share` computed
    from the two counts (they add up to 100 per section). NaN where not published.
    `candidates` (from `candidate_facts`, holding these measures) saves the query for them."""
    codes = list(regions) or None
    if candidates is None:
        candidates = candidate_facts(cur, (MEASURE,))
    df = sections(cur, regions)
    df = attach_facts(df, pick(candidates, MEASURE, AS_OF, context="key_figures", territories=codes), "total")
    for famille in FAMILLES:
        counts = pick(
            candidates, MEASURE, AS_OF, dimension="famille", member=famille, context="key_figures", territories=codes
        )
        shares = pick(
            candidates,
            MEASURE,
            AS_OF,
            dimension="famille",
            member=famille,
            percent=True,
            context="key_figures",
            territories=codes,
        )
        df = attach_facts(df, counts, famille)
        df = attach_facts(df, shares, f"{famille}_pct")
    counted = df[list(FAMILLES)].sum(axis=1, min_count=len(FAMILLES))
    for famille in FAMILLES:
        df[f"{famille}_share"] = 100.0 * df[famille] / counted.where(counted > 0)
    return df


@dataclass(frozen=True)
class RightsFigure:
    """A national reservation-rights figure: which fact, and which section figures add up to it."""

    key: str
    label: str
    group: str  # "contractualises" | "engages"
    measure: str
    period: str
    member: str | None = None
    summable: bool = False  # the 13 sections publish the same figure


NATIONAL_RIGHTS: tuple[RightsFigure, ...] = (
    RightsFigure("total", "Droits contractualisés", "contractualises", MEASURE, AS_OF, None, True),
    RightsFigure("requalification", "dont requalification", "contractualises", MEASURE, AS_OF, "requalification", True),
    RightsFigure(
        "reconstitution", "dont reconstitution de l'offre", "contractualises", MEASURE, AS_OF, "reconstitution", True
    ),
    RightsFigure("variation", "Hausse sur l'année 2024", "contractualises", "droits_reservation_variation", "2024"),
    RightsFigure("engages_2024", "Droits engagés en 2024", "engages", ENGAGED, "2024"),
    RightsFigure("engages_2024_requalification", "dont requalification", "engages", ENGAGED, "2024", "requalification"),
    RightsFigure(
        "engages_2024_reconstitution", "dont reconstitution de l'offre", "engages", ENGAGED, "2024", "reconstitution"
    ),
    RightsFigure("engages_cumul", "Droits engagés 2018-2024", "engages", ENGAGED, "2018..2024"),
)


def national_rights(cur: duckdb.DuckDBPyConnection, *, candidates: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per national figure of `NATIONAL_RIGHTS`: `key, label, group, value, printed, quote,
    section_title`, the sum of the sections where they publish it (`regions_sum`, `regions_count`,
    `regions_total`), and `finding_ids`: the reconciliation findings that dispute a national print
    of that figure (any part of the report), comma-separated ('' if none). `candidates` (from
    `candidate_facts`, holding `RIGHTS_MEASURES`) saves the query for them."""
    all_sections = sections(cur)
    if candidates is None:
        candidates = candidate_facts(cur, RIGHTS_MEASURES)
    disputes = _disputes(cur)
    rows = []
    for spec in NATIONAL_RIGHTS:
        dimension = None if spec.member is None else "famille"
        facts = pick(candidates, spec.measure, spec.period, dimension=dimension, member=spec.member)
        national = facts[facts["territory_code"] == NATIONAL]
        fact = national.iloc[0] if not national.empty else None
        parts = facts[(facts["territory_kind"] == "section") & (facts["context"] == "key_figures")]
        findings = _disputing_findings(disputes, spec.measure, spec.period, dimension, spec.member)
        rows.append(
            {
                "key": spec.key,
                "label": spec.label,
                "group": spec.group,
                "value": math.nan if fact is None else float(fact["value"]),
                "printed": None if fact is None else fact["printed"],
                "quote": None if fact is None else fact["quote"],
                "section_title": None if fact is None else fact["section_title"],
                "regions_sum": float(parts["value"].sum()) if spec.summable and len(parts) else math.nan,
                "regions_count": len(parts) if spec.summable else 0,
                "regions_total": len(all_sections),
                "finding_ids": ",".join(findings),
            }
        )
    return pd.DataFrame(rows)


def _disputes(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The reconciliation findings disputing a national print (not a percentage) of a rights measure."""
    return cur.execute(
        """
        SELECT DISTINCT qf.finding_id, f.measure, f.period, f.dimension, f.member
        FROM quality_finding_facts qf JOIN facts f ON f.fact_id = qf.fact_id
        WHERE f.territory_code = ? AND list_contains(?::VARCHAR[], f.measure) AND f.unit <> 'PCT'
          AND qf.role IN ('expected', 'actual') AND f.scope IS NULL AND f.sub_dimension IS NULL
        """,
        [NATIONAL, list(RIGHTS_MEASURES)],
    ).df()


def _disputing_findings(
    disputes: pd.DataFrame, measure: str, period: str, dimension: str | None, member: str | None
) -> list[str]:
    keep = (disputes["measure"] == measure) & (disputes["period"] == period)
    if dimension is None:
        keep &= disputes["dimension"].isna()
    else:
        keep &= (disputes["dimension"] == dimension) & (disputes["member"] == member)
    return sorted(set(disputes.loc[keep, "finding_id"]))


def rights_findings(
    cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = (), *, national_only: bool = False
) -> pd.DataFrame:
    """Reconciliation findings about reservation rights, most severe first: all of them, those of
    France entière and the selected sections (`regions`), or France entière only."""
    codes = [NATIONAL] if national_only else ([NATIONAL, *regions] if regions else None)
    return cur.execute(
        """
        SELECT q.finding_id, q.severity, q.rule, q.territory_code, t.name AS territory_name, q.measure,
               q.breakdown, q.message
        FROM quality_findings q JOIN territories t ON t.code = q.territory_code
        WHERE list_contains(?::VARCHAR[], q.measure)
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], q.territory_code))
        ORDER BY CASE q.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, t.sort_order, q.finding_id
        """,
        [list(RIGHTS_MEASURES), codes, codes],
    ).df()
