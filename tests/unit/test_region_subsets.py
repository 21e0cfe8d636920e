"""Per-section results answered from the all-sections result (what the pages cache) equal the
per-section queries, for every section alone and for combinations."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.queries import land, loans, quality, rights
from dashboard.queries.common import for_regions, section_codes


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def subsets(cur) -> list[tuple[str, ...]]:
    codes = section_codes(cur)
    return [(code,) for code in codes] + [("84", "OM"), ("93", "11", "76"), tuple(reversed(codes[:6])), codes]


Query = Callable[[duckdb.DuckDBPyConnection, tuple[str, ...]], pd.DataFrame]
#: (query, keyword arguments of `for_regions` that answer it from the all-sections result)
QUERIES: dict[str, tuple[Query, dict[str, object]]] = {
    "loan_stages": (loans.loan_stages, {}),
    "engagement_rates": (loans.engagement_rates, {}),
    "disbursements": (loans.disbursements, {"column": "territory_code", "keep": (loans.NATIONAL,)}),
    "loan_findings": (loans.loan_findings, {"column": "territory_code", "keep": (loans.NATIONAL,)}),
    "rights_by_section": (rights.rights_by_section, {}),
    "rights_findings": (rights.rights_findings, {"column": "territory_code", "keep": (loans.NATIONAL,)}),
    "section_counterparts": (land.section_counterparts, {}),
}


def assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same columns, rows and values; a missing value may be None or NaN (an all-NULL column of a
    narrower result comes out of DuckDB as `object`, the same column of a wider one as `str`)."""

    def plain(df: pd.DataFrame) -> pd.DataFrame:
        return df.astype(object).where(df.notna(), None)

    pd.testing.assert_frame_equal(plain(got), plain(expected))


@pytest.mark.parametrize("name", list(QUERIES))
def test_for_regions_equals_the_per_section_query(cur, subsets, name):
    query, how = QUERIES[name]
    everything = query(cur, ())
    pd.testing.assert_frame_equal(for_regions(everything, ()), everything)
    for regions in subsets:
        assert_same_rows(for_regions(everything, regions, **how), query(cur, regions))  # type: ignore[arg-type]


def test_for_regions_keeps_the_order_of_the_frame():
    df = pd.DataFrame({"region_code": ["93", "84", "FR", "11"], "value": [1, 2, 3, 4]})
    assert list(for_regions(df, ("11", "93"))["region_code"]) == ["93", "11"]
    assert list(for_regions(df, ("11",), keep=("FR",))["value"]) == [3, 4]


def test_select_findings_equals_the_filtered_query(cur, subsets):
    everything = quality.findings(cur)
    involved = quality.finding_territories(cur)
    severities = [(), ("high",), ("medium", "low"), ("none",)]
    for regions, wanted in itertools.product([(), *subsets], severities):
        expected = quality.findings(cur, regions=regions, severities=wanted)
        got = quality.select_findings(everything, involved, regions=regions, severities=wanted)
        assert_same_rows(got, expected)


def test_finding_territories_name_the_sections_of_drom_facts(cur):
    involved = quality.finding_territories(cur)
    drom = cur.execute("SELECT code FROM territories WHERE kind = 'drom'").fetchall()
    with_drom = set(involved.loc[involved["territory_code"].isin([c for (c,) in drom]), "finding_id"])
    assert with_drom  # the sum of the five DROM is checked against the Outre-Mer section
    assert with_drom <= set(involved.loc[involved["territory_code"] == "OM", "finding_id"])
    assert not involved.duplicated().any()


# --- one query for many picked figures -------------------------------------------------------------

#: `picked_facts` as one query per figure (its former SQL): the behaviour `pick` keeps.
PICKED_SQL = """
SELECT d.fact_id, d.territory_code, d.territory_name, d.territory_kind, t.sort_order,
       d.value_base AS value, d.qualifier, d.value_text, d.unit, d.unit_symbol,
       d.quote, d.section_title, d.context,
       EXISTS (SELECT 1 FROM quality_finding_facts qf
               WHERE qf.fact_id = d.fact_id AND qf.role IN ('expected', 'actual')) AS contradicted
FROM facts_detail d
JOIN territories t ON t.code = d.territory_code
WHERE d.measure = ? AND d.period = ? AND d.scope IS NULL AND d.sub_dimension IS NULL
  AND ((?::VARCHAR IS NULL AND d.dimension IS NULL) OR (d.dimension = ? AND d.member = ?))
  AND ((d.unit = 'PCT') = ?)
  AND (?::VARCHAR IS NULL OR d.context = ?)
  AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], d.territory_code))
QUALIFY row_number() OVER (
    PARTITION BY d.territory_code
    ORDER BY CASE WHEN d.context = 'key_figures' THEN 0 WHEN d.section = '01' THEN 1 WHEN d.section = '02' THEN 2
                  WHEN d.section = 'edito' THEN 9 ELSE 3 END,
             d.fact_id) = 1
ORDER BY t.sort_order
"""


def test_pick_from_one_query_equals_a_query_per_figure(cur):
    figures = cur.execute(
        """SELECT DISTINCT measure, period, dimension, member, unit = 'PCT' FROM facts
           WHERE scope IS NULL AND sub_dimension IS NULL ORDER BY ALL"""
    ).fetchall()
    candidates = loans.candidate_facts(cur, sorted({f[0] for f in figures}))
    for (measure, period, dimension, member, percent), context, territories in itertools.product(
        figures, (None, "key_figures", "narrative"), (None, ("FR",), ("84", "OM", "FR"))
    ):
        codes = None if territories is None else list(territories)
        params = [measure, period, dimension, dimension, member, percent, context, context, codes, codes]
        expected = cur.execute(PICKED_SQL, params).df()
        got = loans.pick(
            candidates,
            measure,
            period,
            dimension=dimension,
            member=member,
            percent=percent,
            context=context,
            territories=territories,
        )
        assert_same_rows(got.drop(columns="printed"), expected)
        assert list(got["printed"]) == [
            loans.printed_text(q, v, u)
            for q, v, u in zip(expected["qualifier"], expected["value_text"], expected["unit"], strict=True)
        ]


SHARED = {
    "loan_stages": (loans.loan_stages, loans.PICKED_LOAN_MEASURES),
    "engagement_rates": (loans.engagement_rates, loans.PICKED_LOAN_MEASURES),
    "disbursements": (loans.disbursements, loans.PICKED_LOAN_MEASURES),
    "national_loan_kpis": (loans.national_loan_kpis, loans.PICKED_LOAN_MEASURES),
    "rights_by_section": (rights.rights_by_section, rights.RIGHTS_MEASURES),
    "national_rights": (rights.national_rights, rights.RIGHTS_MEASURES),
}


@pytest.mark.parametrize("name", list(SHARED))
def test_facts_shared_between_figures_change_nothing(cur, name):
    query, measures = SHARED[name]
    shared = loans.candidate_facts(cur, measures)
    pd.testing.assert_frame_equal(query(cur, candidates=shared), query(cur))


@pytest.mark.parametrize("dimension", ["famille", "type_ols", "zone_tension", "inconnue"])
def test_breakdowns_from_shared_facts_change_nothing(cur, dimension):
    shared = loans.candidate_facts(cur, loans.PICKED_LOAN_MEASURES)  # prets_decaisses too has a type_ols split
    pd.testing.assert_frame_equal(
        loans.national_breakdown(cur, dimension, candidates=shared), loans.national_breakdown(cur, dimension)
    )
