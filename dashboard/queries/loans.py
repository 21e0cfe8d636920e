"""Queries of the loans page: subsidised loans allocated, engaged and disbursed, as printed.

Every figure keeps its printed text and quote. Derived figures (rates, remainders) are computed
here from printed values and flagged as computed by the columns that carry them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ..formatting import UNIT_SYMBOLS, format_value

NATIONAL = "FR"
CUMULATIVE = "2018..2024"
YEAR = "2024"

#: Loan stages of the regional key-figure blocks: (key, measure, dimension, member, period).
LOAN_STAGES: tuple[tuple[str, str, str | None, str | None, str], ...] = (
    ("alloues", "concours_alloues", "financement", "pret", "@2024-12-31"),
    ("engages", "prets_engages", None, None, CUMULATIVE),
    ("engages_2024", "prets_engages", None, None, YEAR),
)
STAGE_MEASURES = tuple(dict.fromkeys(measure for _, measure, _, _, _ in LOAN_STAGES))
#: Every measure the loan figures are picked from: one `candidate_facts` for all of them.
PICKED_LOAN_MEASURES = (*STAGE_MEASURES, "prets_decaisses", "taux_engagement")
STAGE_LABELS = {
    "alloues": "Prêts alloués",
    "engages": "Prêts engagés 2018-2024",
    "engages_2024": "Prêts engagés en 2024",
    "decaisses": "Prêts décaissés",
}
#: Measures whose reconciliation findings concern loans.
LOAN_MEASURES = (
    "prets_engages",
    "prets_decaisses",
    "taux_engagement",
    "taux_decaissement",
    "part_annee_engagements",
)
#: A remainder smaller than this (in M€) is rounding, not an unpublished part.
REMAINDER_TOLERANCE = 0.5


def printed_text(qualifier: object, value_text: object, unit: object) -> str | None:
    """A figure as printed: `plus de 100 000`, `1,175 Md€`, `près de la moitié`; None if absent."""
    if _missing(value_text):
        return None
    text = str(value_text)
    symbol = "" if _missing(unit) else UNIT_SYMBOLS.get(str(unit), str(unit))
    # "la moitié", "un tiers", "doublement": a word carries its own unit.
    if symbol and any(ch.isdigit() for ch in text):
        text = f"{text}\u00a0{symbol}"
    return text if _missing(qualifier) else f"{qualifier} {text}"


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


#: Columns of `picked_facts`, in order.
PICKED_COLUMNS = (
    "fact_id",
    "territory_code",
    "territory_name",
    "territory_kind",
    "sort_order",
    "value",
    "qualifier",
    "value_text",
    "unit",
    "unit_symbol",
    "quote",
    "section_title",
    "context",
    "contradicted",
)


def candidate_facts(cur: duckdb.DuckDBPyConnection, measures: Sequence[str]) -> pd.DataFrame:
    """Every fact of `measures` that `picked_facts` may pick (no scope, no sub-breakdown), with what
    it picks by: one query for many `pick`s. Ordered by territory, then preference (key-figure blocks
    first, then parts 01, 02, the regional narratives, the édito), then fact id."""
    return cur.execute(
        """
        SELECT d.fact_id, d.territory_code, d.territory_name, d.territory_kind, t.sort_order,
               d.value_base AS value, d.qualifier, d.value_text, d.unit, d.unit_symbol,
               d.quote, d.section_title, d.context,
               EXISTS (SELECT 1 FROM quality_finding_facts qf
                       WHERE qf.fact_id = d.fact_id AND qf.role IN ('expected', 'actual')) AS contradicted,
               d.measure, d.period, d.dimension, d.member, dm.label AS member_label,
               dm.sort_order AS member_order,
               CASE WHEN d.context = 'key_figures' THEN 0
                    WHEN d.section = '01' THEN 1
                    WHEN d.section = '02' THEN 2
                    WHEN d.section = 'edito' THEN 9
                    ELSE 3 END AS preference
        FROM facts_detail d
        JOIN territories t ON t.code = d.territory_code
        LEFT JOIN dimension_members dm ON dm.dimension = d.dimension AND dm.member = d.member
        WHERE list_contains(?::VARCHAR[], d.measure) AND d.scope IS NULL AND d.sub_dimension IS NULL
        ORDER BY t.sort_order, preference, d.fact_id
        """,
        [list(measures)],
    ).df()


def pick(
    candidates: pd.DataFrame,
    measure: str,
    period: str,
    *,
    dimension: str | None = None,
    member: str | None = None,
    percent: bool = False,
    context: str | None = None,
    territories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """`picked_facts` from `candidate_facts` (which must hold `measure`), without a query.

    Filters on the columns' numpy arrays (a pandas operation costs ~0.1 ms even on 100 rows, and the
    pages pick dozens of figures)."""

    def column(name: str) -> np.ndarray:
        return candidates[name].to_numpy()

    keep = (column("measure") == measure) & (column("period") == period) & ((column("unit") == "PCT") == percent)
    if dimension is None:
        keep &= pd.isna(column("dimension"))
    elif member is None:
        keep &= False  # as in SQL, `member = NULL` holds for no fact
    else:
        keep &= (column("dimension") == dimension) & (column("member") == member)
    if context is not None:
        keep &= column("context") == context
    codes = column("territory_code")
    if territories is not None:
        keep &= np.isin(codes, list(territories))
    # `candidates` is in territory, preference, fact order: the first row of a territory is its pick.
    first: dict[object, int] = {}
    for position in np.flatnonzero(keep):
        first.setdefault(codes[position], int(position))
    columns = [candidates.columns.get_loc(name) for name in PICKED_COLUMNS]
    df = candidates.iloc[list(first.values()), columns].reset_index(drop=True)
    df["printed"] = [
        printed_text(q, v, u) for q, v, u in zip(df["qualifier"], df["value_text"], df["unit"], strict=True)
    ]
    return df


def picked_facts(
    cur: duckdb.DuckDBPyConnection,
    measure: str,
    period: str,
    *,
    dimension: str | None = None,
    member: str | None = None,
    percent: bool = False,
    context: str | None = None,
    territories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One printed figure per territory (key-figure blocks first, then parts 01, 02, the regional
    narratives, the édito), with `value` in the base unit, `printed`, `quote` and `contradicted`
    (the figure is the expected or actual side of a reconciliation finding)."""
    return pick(
        candidate_facts(cur, (measure,)),
        measure,
        period,
        dimension=dimension,
        member=member,
        percent=percent,
        context=context,
        territories=territories,
    )


def sections(cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = ()) -> pd.DataFrame:
    """`region_code, region_name, sort_order` of the report sections (all if `regions` is empty)."""
    return cur.execute(
        """
        SELECT code AS region_code, name AS region_name, sort_order
        FROM territories
        WHERE kind = 'section' AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], code))
        ORDER BY sort_order
        """,
        [list(regions) or None, list(regions) or None],
    ).df()


def attach_facts(base: pd.DataFrame, facts: pd.DataFrame, key: str) -> pd.DataFrame:
    """Add `key`, `key_printed`, `key_quote`, `key_contradicted` from `facts` (by territory) to `base`."""
    part = facts[["territory_code", "value", "printed", "quote", "contradicted"]].rename(
        columns={
            "territory_code": "region_code",
            "value": key,
            "printed": f"{key}_printed",
            "quote": f"{key}_quote",
            "contradicted": f"{key}_contradicted",
        }
    )
    merged = base.merge(part, on="region_code", how="left")
    merged[f"{key}_contradicted"] = merged[f"{key}_contradicted"].fillna(False).astype(bool)
    return merged


def loan_stages(
    cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = (), *, candidates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per section (report order): allocated, engaged 2018-2024 and engaged in 2024, in M€, from
    the key-figure blocks, with `<stage>_printed` and `<stage>_quote`; NaN where not published.

    `candidates` (from `candidate_facts`, holding these measures) saves the query for them."""
    candidates = candidate_facts(cur, STAGE_MEASURES) if candidates is None else candidates
    return _loan_stages(sections(cur, regions), candidates, regions)


def _loan_stages(df: pd.DataFrame, candidates: pd.DataFrame, regions: Sequence[str]) -> pd.DataFrame:
    codes = list(regions) or None
    for key, measure, dimension, member, period in LOAN_STAGES:
        facts = pick(
            candidates, measure, period, dimension=dimension, member=member, context="key_figures", territories=codes
        )
        df = attach_facts(df, facts[facts["territory_kind"] == "section"], key)
    return df


def engagement_rates(
    cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = (), *, candidates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per section: allocated and engaged (cumulative) loans as printed, the engagement `rate` (%)
    and the amount `remaining` to engage (M€), both computed (NaN where a term is unpublished), and
    the rate printed in the regional narrative where there is one (`printed_rate*` columns).
    `candidates` (from `candidate_facts`, holding these measures) saves the query for them."""
    columns = [f"{stage}{suffix}" for stage in ("alloues", "engages") for suffix in _SUFFIXES]
    if candidates is None:
        candidates = candidate_facts(cur, (*STAGE_MEASURES, "taux_engagement"))
    df = _loan_stages(sections(cur, regions), candidates, regions)[
        ["region_code", "region_name", "sort_order", *columns]
    ]
    df = df.assign(
        rate=100.0 * df["engages"] / df["alloues"].where(df["alloues"] > 0),
        remaining=df["alloues"] - df["engages"],
    )
    printed = pick(candidates, "taux_engagement", "@2024-12-31", percent=True, territories=list(regions) or None)
    return attach_facts(df, printed, "printed_rate")


_SUFFIXES = ("", "_printed", "_quote", "_contradicted")


def disbursements(
    cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = (), *, candidates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Engaged vs disbursed loans where printed: France entière (2024 and 2018-2024) then every
    selected section (2018-2024; disbursements come from the regional narratives, NaN elsewhere).

    Columns: territory_code, territory_name, scope ('national' | 'section'), period, period_label,
    engages, engages_printed, engages_quote, decaisses, decaisses_printed, decaisses_quote,
    decaisses_section, share (disbursed / engaged, computed, %). `candidates` (from
    `candidate_facts`, holding these measures) saves the query for them.
    """
    rows = []
    if candidates is None:
        candidates = candidate_facts(cur, ("prets_engages", "prets_decaisses"))
    for period, label in ((YEAR, "en 2024"), (CUMULATIVE, "cumul 2018-2024")):
        engaged = pick(candidates, "prets_engages", period, territories=[NATIONAL])
        disbursed = pick(candidates, "prets_decaisses", period, territories=[NATIONAL])
        rows.append(_disbursement_row(NATIONAL, "France entière", "national", period, label, engaged, disbursed))
    codes = list(regions) or None
    engaged = pick(candidates, "prets_engages", CUMULATIVE, context="key_figures", territories=codes)
    disbursed = pick(candidates, "prets_decaisses", CUMULATIVE, territories=codes)
    for section in sections(cur, regions).itertuples():
        rows.append(
            _disbursement_row(
                section.region_code,
                section.region_name,
                "section",
                CUMULATIVE,
                "cumul 2018-2024",
                engaged[engaged["territory_code"] == section.region_code],
                disbursed[disbursed["territory_code"] == section.region_code],
            )
        )
    df = pd.DataFrame(rows)
    # Only a cumulative ratio is a disbursement rate: a year's disbursements pay earlier engagements too.
    cumulative = df["period"] == CUMULATIVE
    df["share"] = (100.0 * df["decaisses"] / df["engages"].where(df["engages"] > 0)).where(cumulative)
    return df


def _disbursement_row(
    code: str, name: str, scope: str, period: str, label: str, engaged: pd.DataFrame, disbursed: pd.DataFrame
) -> dict[str, object]:
    e = engaged.iloc[0] if not engaged.empty else None
    d = disbursed.iloc[0] if not disbursed.empty else None
    return {
        "territory_code": code,
        "territory_name": name,
        "scope": scope,
        "period": period,
        "period_label": label,
        "engages": math.nan if e is None else float(e["value"]),
        "engages_printed": None if e is None else e["printed"],
        "engages_quote": None if e is None else e["quote"],
        "decaisses": math.nan if d is None else float(d["value"]),
        "decaisses_printed": None if d is None else d["printed"],
        "decaisses_quote": None if d is None else d["quote"],
        "decaisses_section": None if d is None else d["section_title"],
    }


@dataclass(frozen=True)
class LoanKpi:
    """A national loan figure shown as a key-figure card."""

    key: str
    label: str
    measure: str
    period: str


NATIONAL_LOAN_KPIS: tuple[LoanKpi, ...] = (
    LoanKpi("engages_2024", "Prêts engagés en 2024", "prets_engages", YEAR),
    LoanKpi("engages_cumul", "Prêts engagés 2018-2024", "prets_engages", CUMULATIVE),
    LoanKpi("decaisses_2024", "Prêts décaissés en 2024", "prets_decaisses", YEAR),
    LoanKpi("decaisses_cumul", "Prêts décaissés 2018-2024", "prets_decaisses", CUMULATIVE),
)


def national_loan_kpis(cur: duckdb.DuckDBPyConnection, *, candidates: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per national loan KPI: `key, label, value (M€), printed, quote, section_title`.
    `candidates` (from `candidate_facts`, holding these measures) saves the query for them."""
    rows = []
    if candidates is None:
        candidates = candidate_facts(cur, tuple(dict.fromkeys(kpi.measure for kpi in NATIONAL_LOAN_KPIS)))
    for kpi in NATIONAL_LOAN_KPIS:
        facts = pick(candidates, kpi.measure, kpi.period, territories=[NATIONAL])
        fact = facts.iloc[0] if not facts.empty else None
        rows.append(
            {
                "key": kpi.key,
                "label": kpi.label,
                "value": math.nan if fact is None else float(fact["value"]),
                "printed": None if fact is None else fact["printed"],
                "quote": None if fact is None else fact["quote"],
                "section_title": None if fact is None else fact["section_title"],
            }
        )
    return pd.DataFrame(rows)


def national_breakdown(
    cur: duckdb.DuckDBPyConnection, dimension: str, *, candidates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """National loans engaged in 2024 split by `dimension` (famille, type_ols, zone_tension).

    Rows `key, label, value, printed, computed, quote` for the printed parts (their printed share
    appended to `printed` where the report gives one), then, if the parts fall short of the
    national total, a computed `autres` remainder = total − printed parts. `total` and
    `total_printed` repeat the national figure on every row. `candidates` (from `candidate_facts`,
    holding these measures) saves the query for them.
    """
    if candidates is None:
        candidates = candidate_facts(cur, ("prets_engages",))
    total = pick(candidates, "prets_engages", YEAR, territories=[NATIONAL])
    if total.empty:
        return pd.DataFrame(columns=["key", "label", "value", "printed", "computed", "quote", "total", "total_printed"])
    total_value = float(total.iloc[0]["value"])
    national = candidates[
        (candidates["measure"] == "prets_engages")
        & (candidates["territory_code"] == NATIONAL)
        & (candidates["period"] == YEAR)
        & (candidates["dimension"] == dimension)
        & candidates["member_label"].notna()
    ]
    members = national.drop_duplicates("member").sort_values("member_order", kind="stable")
    rows = []
    for member, label in zip(members["member"], members["member_label"], strict=True):
        amount = pick(candidates, "prets_engages", YEAR, dimension=dimension, member=member, territories=[NATIONAL])
        if amount.empty:
            continue  # only a percentage is printed: not drawable as an amount
        share = pick(
            candidates, "prets_engages", YEAR, dimension=dimension, member=member, percent=True, territories=[NATIONAL]
        )
        printed = amount.iloc[0]["printed"]
        if not share.empty:
            printed = f"{printed} ({share.iloc[0]['printed']})"
        else:
            computed_share = format_value(100 * float(amount.iloc[0]["value"]) / total_value, "PCT", 1)
            printed = f"{printed} ({computed_share}, calculé)"
        rows.append(
            {
                "key": member,
                "label": label,
                "value": float(amount.iloc[0]["value"]),
                "printed": printed,
                "computed": False,
                "quote": amount.iloc[0]["quote"],
            }
        )
    remainder = total_value - sum(r["value"] for r in rows)
    if remainder > REMAINDER_TOLERANCE:
        rows.append(
            {
                "key": "autres",
                "label": "Autres",
                "value": remainder,
                "printed": f"{format_value(round(remainder, 2), 'MEUR')} "
                f"({format_value(100 * remainder / total_value, 'PCT', 1)}, calculé)",
                "computed": True,
                "quote": None,
            }
        )
    df = pd.DataFrame(rows, columns=["key", "label", "value", "printed", "computed", "quote"])
    return df.assign(total=total_value, total_printed=total.iloc[0]["printed"], total_quote=total.iloc[0]["quote"])


def loan_findings(cur: duckdb.DuckDBPyConnection, regions: Sequence[str] = ()) -> pd.DataFrame:
    """Reconciliation findings about loans (engaged, disbursed, allocated loans, their ratios), most
    severe first; with `regions`, only those of the selected sections and of France entière."""
    codes = [NATIONAL, *regions] if regions else None
    return cur.execute(
        """
        SELECT q.finding_id, q.severity, q.rule, q.territory_code, t.name AS territory_name, q.measure, q.message
        FROM quality_findings q JOIN territories t ON t.code = q.territory_code
        WHERE (list_contains(?::VARCHAR[], q.measure) OR (q.measure = 'concours_alloues' AND q.breakdown = ?))
          AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], q.territory_code))
        ORDER BY CASE q.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, t.sort_order, q.finding_id
        """,
        [list(LOAN_MEASURES), "Prêt", codes, codes],
    ).df()
