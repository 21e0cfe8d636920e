"""Each reconciliation rule catches a planted error and stays silent on consistent data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard.database import build_database
from tests.conftest import fact

SECTIONS = ("84", "27", "53", "24", "44", "32", "11", "28", "75", "76", "OM", "52", "93")


def findings_of(data_dir: Path, tmp_path: Path) -> list[tuple]:
    db = tmp_path / f"{data_dir.parent.name}.duckdb"
    build_database(data_dir, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT rule, severity, territory_code, measure, expected, actual, message FROM quality_findings"
        ).fetchall()
    finally:
        con.close()


def droits_split(requal: str, recon: str, total: str = "100") -> list[dict[str, str]]:
    return [
        fact("t", "84", "droits_reservation", total),
        fact("rq", "84", "droits_reservation", requal, dimension="famille", member="requalification"),
        fact("rc", "84", "droits_reservation", recon, dimension="famille", member="reconstitution"),
    ]


def pct(printed: str) -> dict[str, str]:
    return fact(
        "rq.pct", "84", "droits_reservation", printed, unit="PCT", dimension="famille", member="requalification"
    )


def test_split_sum_silent_when_parts_add_up(data_dir_factory, tmp_path):
    assert findings_of(data_dir_factory(droits_split("60", "40")), tmp_path) == []


def test_split_sum_catches_parts_that_do_not_add_up(data_dir_factory, tmp_path):
    findings = findings_of(data_dir_factory(droits_split("60", "30")), tmp_path)
    assert [(f[0], f[2], f[4], f[5]) for f in findings] == [("split_sum", "84", 100.0, 90.0)]
    assert "[rq] 60" in findings[0][6] and "[t] 100" in findings[0][6]  # the message cites the quotes


def test_split_sum_ignores_partial_splits(data_dir_factory, tmp_path):
    rows = [
        fact("t", "FR", "prets_engages", "600", unit="MEUR", period="2024", section="01", context="narrative"),
        fact(
            "oph",
            "FR",
            "prets_engages",
            "291",
            unit="MEUR",
            period="2024",
            section="01",
            context="narrative",
            dimension="type_ols",
            member="oph",
        ),
    ]
    assert findings_of(data_dir_factory(rows), tmp_path) == []


def test_percentage_silent_within_rounding(data_dir_factory, tmp_path):
    rows = [*droits_split("9398", "3013", "12411"), pct("76")]
    assert findings_of(data_dir_factory(rows), tmp_path) == []


def test_percentage_catches_a_wrong_printed_share(data_dir_factory, tmp_path):
    rows = [*droits_split("1440", "786", "2226"), pct("60")]
    findings = findings_of(data_dir_factory(rows), tmp_path)
    assert [(f[0], f[1]) for f in findings] == [("percentage", "medium")]
    assert findings[0][5] == pytest.approx(100 * 1440 / 2226, abs=1e-3)


def test_percentage_of_a_ratio_measure(data_dir_factory, tmp_path):
    def rows(printed: str) -> list[dict[str, str]]:
        return [
            fact("eng", "27", "prets_engages", "57", unit="MEUR", period="2018..2024"),
            fact("all", "27", "concours_alloues", "81", unit="MEUR", dimension="financement", member="pret"),
            fact("taux", "27", "taux_engagement", printed, unit="PCT", context="narrative", section="03-27"),
        ]

    assert findings_of(data_dir_factory(rows("71")), tmp_path) == []
    findings = findings_of(data_dir_factory(rows("80")), tmp_path)
    assert [f[0] for f in findings] == ["percentage"]


def test_percentage_without_breakdown_is_a_share_of_the_parent(data_dir_factory, tmp_path):
    def rows(printed: str) -> list[dict[str, str]]:
        common = {"unit": "MEUR", "period": "2024", "section": "01", "context": "narrative"}
        return [
            fact("fr", "FR", "prets_engages", "600", **common),
            fact("idf", "11", "prets_engages", "180", **common),
            fact("idf.pct", "11", "prets_engages", printed, **{**common, "unit": "PCT"}),
        ]

    assert findings_of(data_dir_factory(rows("30")), tmp_path) == []
    assert [f[0] for f in findings_of(data_dir_factory(rows("40")), tmp_path)] == ["percentage"]


def qpv_rows(national: str, qualifier: str = "") -> list[dict[str, str]]:
    rows = [fact(f"r{code.lower()}", code, "qpv", "10", section="03-84") for code in SECTIONS]
    rows.append(fact("fr", "FR", "qpv", national, qualifier=qualifier, context="narrative", section="01"))
    return rows


def test_territory_sum_silent_when_regions_add_up(data_dir_factory, tmp_path):
    assert findings_of(data_dir_factory(qpv_rows("130")), tmp_path) == []


def test_territory_sum_catches_a_national_figure_that_differs(data_dir_factory, tmp_path):
    findings = findings_of(data_dir_factory(qpv_rows("131")), tmp_path)
    assert [(f[0], f[2], f[4], f[5]) for f in findings] == [("territory_sum", "FR", 131.0, 130.0)]


@pytest.mark.parametrize(
    ("qualifier", "printed", "contradicted"),
    [
        ("plus de", "120", False),  # 130 is more than 120
        ("plus de", "140", True),  # "plus de 2 100" contradicted by a sum of 1 881
        ("environ", "135", False),  # within the stated ±5 %
        ("environ", "140", True),  # 130 is 7 % below 140
        ("près de", "125", False),
        ("moins de", "120", True),
    ],
)
def test_territory_sum_takes_the_qualifier_into_account(data_dir_factory, tmp_path, qualifier, printed, contradicted):
    findings = findings_of(data_dir_factory(qpv_rows(printed, qualifier)), tmp_path)
    assert bool(findings) is contradicted


def test_territory_sum_overseas_territories_vs_outre_mer(data_dir_factory, tmp_path):
    def rows(total: str) -> list[dict[str, str]]:
        drom = [
            fact(f"d{c}", c, "concours_alloues", v, unit="MEUR", context="narrative", section="03-OM")
            for c, v in (("04", "153"), ("01", "127"), ("03", "111"), ("06", "72"), ("02", "53"))
        ]
        return [*drom, fact("om", "OM", "concours_alloues", total, unit="MEUR", section="03-OM")]

    assert findings_of(data_dir_factory(rows("516")), tmp_path) == []
    findings = findings_of(data_dir_factory(rows("502")), tmp_path)
    assert [(f[0], f[2], f[5]) for f in findings] == [("territory_sum", "OM", 516.0)]


def test_restatement_catches_a_narrative_figure_that_contradicts_the_block(data_dir_factory, tmp_path):
    def rows(narrative: str, qualifier: str = "") -> list[dict[str, str]]:
        return [
            fact("kf", "24", "contreparties_foncieres", "391", section="03-24"),
            fact(
                "nar",
                "24",
                "contreparties_foncieres",
                narrative,
                qualifier=qualifier,
                context="narrative",
                section="03-24",
            ),
        ]

    assert findings_of(data_dir_factory(rows("391")), tmp_path) == []
    assert findings_of(data_dir_factory(rows("400", "près de")), tmp_path) == []
    findings = findings_of(data_dir_factory(rows("392")), tmp_path)
    assert [(f[0], f[4], f[5]) for f in findings] == [("restatement", 391.0, 392.0)]


def test_restatement_compares_across_units(data_dir_factory, tmp_path):
    def rows(hectares: str) -> list[dict[str, str]]:
        common = {"context": "narrative", "section": "01"}
        return [
            fact("m2", "FR", "foncier_economise", "745 000", unit="M2", qualifier="environ", **common),
            fact("ha", "FR", "foncier_economise", hectares, unit="HA", qualifier="près de", **common),
        ]

    assert findings_of(data_dir_factory(rows("75")), tmp_path) == []
    assert [f[0] for f in findings_of(data_dir_factory(rows("95")), tmp_path)] == ["restatement"]


def test_part_exceeds_whole_across_periods_and_breakdowns(data_dir_factory, tmp_path):
    def rows(part: str) -> list[dict[str, str]]:
        return [
            fact("total", "27", "menages_loges", "77", period="2018..2024", section="03-27"),
            fact(
                "plus",
                "27",
                "menages_loges",
                part,
                period="2024",
                dimension="produit",
                member="plus",
                context="narrative",
                section="03-27",
            ),
        ]

    assert findings_of(data_dir_factory(rows("50")), tmp_path) == []
    findings = findings_of(data_dir_factory(rows("120")), tmp_path)
    assert [(f[0], f[4], f[5]) for f in findings] == [("part_exceeds_whole", 77.0, 120.0)]


def test_scoped_figures_are_bounded_by_the_whole_territory(data_dir_factory, tmp_path):
    def rows(part: str) -> list[dict[str, str]]:
        return [
            fact("total", "52", "droits_reservation", "6 218", section="03-52"),
            fact(
                "nantes",
                "52",
                "droits_reservation",
                part,
                scope="Nantes Métropole",
                context="narrative",
                section="03-52",
            ),
        ]

    assert findings_of(data_dir_factory(rows("6 215")), tmp_path) == []
    assert [f[0] for f in findings_of(data_dir_factory(rows("7 000")), tmp_path)] == ["part_exceeds_whole"]
