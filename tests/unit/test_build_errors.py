"""A broken source file stops the build with a precise message and leaves the database intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.database import build_database
from dashboard.sources import SourceError
from tests.conftest import fact

GOOD = [
    fact("t", "84", "droits_reservation", "100"),
    fact("rq", "84", "droits_reservation", "60", dimension="famille", member="requalification"),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def broken_rows() -> list[dict[str, str]]:
    rows = [dict(r) for r in GOOD]
    rows.append(fact("bad.territory", "99", "qpv", "12"))  # line 4
    rows.append(fact("bad.value", "84", "qpv", "douze", value="douze"))  # line 5
    rows.append(fact("t.again", "84", "droits_reservation", "100"))  # line 6: duplicate of line 2
    no_quote = fact("no.quote", "84", "menages_loges", "162", period="2018..2024")
    no_quote["quote"] = ""
    rows.append(no_quote)  # line 7
    return rows


def test_every_error_is_listed_with_file_line_column_and_reason(data_dir_factory):
    data_dir = data_dir_factory(broken_rows(), source_text="\n".join(r["quote"] for r in broken_rows()))
    with pytest.raises(SourceError) as caught:
        build_database(data_dir, data_dir / "npnru.duckdb")
    found = {(i.file, i.line, i.column) for i in caught.value.issues}
    assert found == {
        ("facts/bilan_2024/facts.csv", 4, "territory"),
        ("facts/bilan_2024/facts.csv", 5, "value"),
        ("facts/bilan_2024/facts.csv", 6, "fact_id"),
        ("facts/bilan_2024/facts.csv", 7, "quote"),
    }
    text = str(caught.value)
    assert "facts/bilan_2024/facts.csv:4: column 'territory': unknown territory '99'" in text
    assert "non-numeric value 'douze'" in text
    assert "duplicate fact" in text and "facts/bilan_2024/facts.csv:2 (t)" in text
    assert "missing quote" in text


def test_quote_must_be_in_the_source_and_contain_the_value(data_dir_factory):
    row = fact("q", "84", "qpv", "51", quote="51 quartiers inventés")
    other = fact("v", "84", "menages_loges", "162", period="2018..2024", quote="cent soixante-deux ménages")
    data_dir = data_dir_factory([row, other], source_text="cent soixante-deux ménages")
    with pytest.raises(SourceError) as caught:
        build_database(data_dir, data_dir / "npnru.duckdb")
    reasons = {(i.line, i.column): i.reason for i in caught.value.issues}
    assert reasons[(2, "quote")] == "quote not found in the source text"
    assert reasons[(3, "value_text")] == "'162' does not appear in the quote"


def test_failed_build_leaves_the_existing_database_byte_identical(data_dir_factory, tmp_path):
    db = tmp_path / "npnru.duckdb"
    build_database(data_dir_factory(GOOD), db)
    before = digest(db)
    bad = data_dir_factory(broken_rows(), source_text="\n".join(r["quote"] for r in broken_rows()))
    with pytest.raises(SourceError):
        build_database(bad, db)
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["npnru.duckdb"]  # no temporary file left


def test_cli_build_reports_errors_and_exits_non_zero(data_dir_factory, tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.duckdb"
    monkeypatch.setenv("NPNRU_DB", str(db))
    monkeypatch.setenv("NPNRU_DATA_DIR", str(data_dir_factory(GOOD)))
    assert main(["build"]) == 0
    before = digest(db)
    monkeypatch.setenv(
        "NPNRU_DATA_DIR", str(data_dir_factory(broken_rows(), "\n".join(r["quote"] for r in broken_rows())))
    )
    assert main(["build"]) == 1
    err = capsys.readouterr().err
    assert "left unchanged" in err and "4 problem(s)" in err
    assert digest(db) == before


def test_build_is_deterministic(data_dir_factory, tmp_path):
    import duckdb

    data_dir = data_dir_factory(GOOD)
    dumps = []
    for name in ("a.duckdb", "b.duckdb"):
        build_database(data_dir, tmp_path / name)
        con = duckdb.connect(str(tmp_path / name), read_only=True)
        dumps.append(
            [
                con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("facts", "quality_findings", "territories", "measures")
            ]
        )
        con.close()
    assert dumps[0] == dumps[1]
