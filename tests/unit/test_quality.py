"""Quality queries on the real database: region and severity filters, facts behind findings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.queries.common import section_codes
from dashboard.queries.quality import (
    ROLE_LABELS,
    RULE_LABELS,
    SEVERITY_LABELS,
    by_territory,
    counts,
    finding_facts,
    findings,
    short_message,
)


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def involved(cur) -> pd.DataFrame:
    """finding_id, finding territory and the section of every fact involved (a DROM fact counts for OM)."""
    return cur.execute(
        """
        SELECT q.finding_id, q.territory_code AS finding_territory, q.severity,
               CASE WHEN t.kind = 'drom' THEN t.parent_code ELSE t.code END AS fact_section
        FROM quality_findings q
        JOIN quality_finding_facts qf USING (finding_id)
        JOIN facts f ON f.fact_id = qf.fact_id
        JOIN territories t ON t.code = f.territory_code
        """
    ).df()


def expected_ids(involved: pd.DataFrame, regions: set[str], severities: set[str] | None = None) -> set[str]:
    rows = involved[involved["finding_territory"].isin(regions) | involved["fact_section"].isin(regions)]
    if severities is not None:
        rows = rows[rows["severity"].isin(severities)]
    return set(rows["finding_id"])


def test_no_filter_returns_every_finding_most_severe_first(cur):
    data = findings(cur)
    assert len(data) == cur.execute("SELECT count(*) FROM quality_findings").fetchone()[0]
    ranks = data["severity"].map({s: i for i, s in enumerate(SEVERITY_LABELS)})
    assert ranks.is_monotonic_increasing
    assert "FR" in set(data["territory_code"])  # national findings are listed when no region is selected
    assert set(data["rule"]) <= set(RULE_LABELS)


@pytest.mark.parametrize("severity", list(SEVERITY_LABELS))
def test_severity_filter(cur, severity):
    data = findings(cur, severities=(severity,))
    expected = cur.execute("SELECT count(*) FROM quality_findings WHERE severity = ?", [severity]).fetchone()[0]
    assert len(data) == expected and set(data["severity"]) <= {severity}


def test_two_severities(cur):
    data = findings(cur, severities=("high", "low"))
    expected = cur.execute("SELECT count(*) FROM quality_findings WHERE severity <> 'medium'").fetchone()[0]
    assert len(data) == expected and "medium" not in set(data["severity"])


def test_region_filter_matches_territory_or_involved_facts(cur, involved):
    for code in section_codes(cur):
        data = findings(cur, regions=(code,))
        assert set(data["finding_id"]) == expected_ids(involved, {code}), code
        assert len(data) == data["finding_id"].nunique()


def test_national_findings_are_listed_for_a_region_only_when_they_involve_its_facts(cur, involved):
    data = findings(cur, regions=("84",))
    national = data[data["territory_code"] == "FR"]
    assert not national.empty  # e.g. the sum of the 13 sections' households does not make the national figure
    for finding_id in national["finding_id"]:
        assert "84" in set(involved.loc[involved["finding_id"] == finding_id, "fact_section"])
    not_involving = set(involved.loc[involved["finding_territory"] == "FR", "finding_id"]) - set(
        involved.loc[involved["fact_section"] == "84", "finding_id"]
    )
    assert not_involving.isdisjoint(data["finding_id"])


def test_overseas_findings_include_those_on_drom_facts(cur, involved):
    data = findings(cur, regions=("OM",))
    drom_facts = cur.execute(
        """SELECT DISTINCT qf.finding_id FROM quality_finding_facts qf JOIN facts f USING (fact_id)
           JOIN territories t ON t.code = f.territory_code WHERE t.kind = 'drom'"""
    ).fetchall()
    assert drom_facts  # the sum of the five DROM is checked against the Outre-Mer section
    assert {r[0] for r in drom_facts} <= set(data["finding_id"])


def test_regions_and_severity_combine(cur, involved):
    data = findings(cur, regions=("76", "OM"), severities=("medium", "low"))
    assert set(data["finding_id"]) == expected_ids(involved, {"76", "OM"}, {"medium", "low"})
    assert set(data["severity"]) <= {"medium", "low"}


def test_an_unknown_severity_matches_nothing(cur):
    assert findings(cur, severities=("none",)).empty


def test_finding_facts_give_each_quote_with_its_section_and_printed_value(cur):
    data = findings(cur)
    facts = finding_facts(cur, list(data["finding_id"]))
    links = cur.execute("SELECT count(*) FROM quality_finding_facts").fetchone()[0]
    assert len(facts) == links
    assert set(facts["role"]) <= set(ROLE_LABELS)
    assert facts["quote"].str.len().gt(0).all() and facts["section_title"].notna().all()
    row = facts[facts["fact_id"] == "76.kf.contreparties"].iloc[0]
    printed = cur.execute("SELECT value_text, quote FROM facts WHERE fact_id = '76.kf.contreparties'").fetchone()
    assert (row["value_text"], row["quote"]) == printed
    first = facts.groupby("finding_id", sort=False)["role"].first()
    assert (first.isin(["expected", "actual"])).all()  # the reference figure comes first
    assert finding_facts(cur, []).empty


def test_counts_and_by_territory_add_up(cur):
    data = findings(cur, regions=("OM", "52"))
    numbers = counts(data)
    assert sum(numbers["severity"].values()) == len(data) == sum(numbers["rule"].values())
    assert set(numbers["rule"]) == set(RULE_LABELS)
    table = by_territory(data)
    assert table[list(SEVERITY_LABELS)].to_numpy().sum() == len(data)
    assert list(table.columns) == ["region_code", "region_name", "high", "medium", "low"]
    assert by_territory(data.iloc[0:0]).empty


def test_short_message_drops_heading_and_quotes(cur):
    for message in findings(cur)["message"]:
        text = short_message(message)
        assert "«" not in text and " — " not in text.split(" (")[0]
        assert text[0].isupper() or text[0].isdigit()
        assert text.endswith(".")
    assert short_message("A — b, en 2024 : le chiffre 2 ne va pas. Citation : « x »") == "Le chiffre 2 ne va pas."
