"""Every validation rule refuses the extract, lists each problem, and leaves the database byte-identical."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from dashboard.cli import main
from dashboard.extracts.issues import SHOWN_ISSUES, ExtractError, ImportRefused
from dashboard.extracts.store import import_extract
from dashboard.extracts.templates import TEMPLATES_DIR
from tests.unit.extract_helpers import (
    AS_OF,
    OPERATION_NAMES,
    digest,
    disbursement,
    operation,
    write_csv,
    write_disbursements,
    write_operations,
)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """An operations database holding one snapshot (the templates, as of 2025-01-01)."""
    path = tmp_path_factory.mktemp("template") / "operations.duckdb"
    import_extract(TEMPLATES_DIR / "operations.csv", TEMPLATES_DIR / "disbursements.csv", date(2025, 1, 1), path)
    return path


@pytest.fixture
def db(template_db, tmp_path):
    """A private copy of the template database."""
    path = tmp_path / "db" / "operations.duckdb"
    path.parent.mkdir()
    shutil.copyfile(template_db, path)
    return path


def refused(db, operations, disbursements=None, as_of=AS_OF) -> ExtractError:
    """Import, expect a refusal, check that nothing changed; return the error."""
    before = digest(db)
    with pytest.raises(ExtractError) as caught:
        import_extract(operations, disbursements, as_of, db)
    assert digest(db) == before
    # nothing but the database and its import lock: no temporary copy left behind
    assert {p.name for p in db.parent.iterdir()} <= {db.name, db.name + ".lock"}
    return caught.value


def found(error: ExtractError) -> set[tuple[str, int, str, str]]:
    return {(i.file, i.line, i.column, i.rule) for i in error.issues}


OPERATION_CASES = [
    ("required", {"engagement_date": ""}, "engagement_date", "missing value"),
    ("required", {"region_code": " "}, "region_code", "missing value"),
    ("invalid_id", {"operation_id": "X" * 65}, "operation_id", "longer than 64"),
    ("invalid_code", {"region_code": "99"}, "region_code", "unknown section code"),
    ("invalid_code", {"region_code": "04", "departement": "974"}, "region_code", "use the section code OM"),
    ("invalid_code", {"departement": "ZZ"}, "departement", "unknown département"),
    ("invalid_code", {"qpv_code": "QX123"}, "qpv_code", "not a QPV code"),
    ("invalid_code", {"landlord_type": "banque"}, "landlord_type", "expected one of oph, esh"),
    ("invalid_code", {"family": "démolition"}, "family", "expected one of requalification"),
    ("invalid_code", {"zone": "D"}, "zone", "expected one of a_bis"),
    ("invalid_code", {"label": "HQE"}, "label", "expected one of hpe"),
    ("departement_region", {"departement": "75"}, "departement", "département 75 is in section 11, not in section 84"),
    ("invalid_date", {"engagement_date": "31/02/2024"}, "engagement_date", "not a date"),
    ("invalid_date", {"engagement_date": "03-15-2024"}, "engagement_date", "not a date"),
    ("date_out_of_range", {"engagement_date": "31/12/2013"}, "engagement_date", "before the start of the programme"),
    ("date_out_of_range", {"engagement_date": "01/02/2025"}, "engagement_date", "after the extract date"),
    ("invalid_number", {"engaged_amount_eur": "12 k€"}, "engaged_amount_eur", "not an amount"),
    ("invalid_number", {"engaged_amount_eur": "1.234"}, "engaged_amount_eur", "more than two decimal places"),
    ("invalid_number", {"engaged_amount_eur": "1,234,567.00"}, "engaged_amount_eur", "not an amount"),
    ("invalid_number", {"engaged_amount_eur": "1" * 20}, "engaged_amount_eur", "too large"),
    ("negative_amount", {"engaged_amount_eur": "-5,00"}, "engaged_amount_eur", "negative amount"),
    ("invalid_integer", {"reservation_rights": "2,5"}, "reservation_rights", "not a whole number"),
    ("negative_amount", {"reservation_rights": "-1"}, "reservation_rights", "negative number"),
]


@pytest.mark.parametrize(("rule", "fields", "column", "reason"), OPERATION_CASES)
def test_each_operation_rule(db, tmp_path, rule, fields, column, reason):
    rows = [operation("OP-1"), operation("OP-2") | fields]
    error = refused(db, write_operations(tmp_path / "ops.csv", rows))
    assert found(error) == {("ops.csv", 3, column, rule)}
    assert reason in error.issues[0].reason
    assert f"ops.csv:3: column '{column}'" in str(error)


def test_duplicate_operation_ids(db, tmp_path):
    rows = [operation("OP-1"), operation("OP-2"), operation("OP-1"), operation("OP-1")]
    error = refused(db, write_operations(tmp_path / "ops.csv", rows))
    assert found(error) == {
        ("ops.csv", 4, "operation_id", "duplicate_id"),
        ("ops.csv", 5, "operation_id", "duplicate_id"),
    }
    assert "first on line 2" in error.issues[0].reason


DISBURSEMENT_CASES = [
    ("required", disbursement(amount=""), "amount_eur"),
    ("invalid_date", disbursement(day="2024-13-01"), "disbursement_date"),
    ("invalid_number", disbursement(amount="cent"), "amount_eur"),
    ("negative_amount", disbursement(amount="-1"), "amount_eur"),
    ("unknown_operation", disbursement("OP-404"), "operation_id"),
    ("disbursement_before_engagement", disbursement(day="14/03/2024"), "disbursement_date"),
    ("date_out_of_range", disbursement(day="01/02/2025"), "disbursement_date"),
]


@pytest.mark.parametrize(("rule", "row", "column"), DISBURSEMENT_CASES)
def test_each_disbursement_rule(db, tmp_path, rule, row, column):
    ops = write_operations(tmp_path / "ops.csv", [operation("OP-1")])
    dis = write_disbursements(tmp_path / "dis.csv", [disbursement(), row])
    error = refused(db, ops, dis)
    assert found(error) == {("dis.csv", 3, column, rule)}


def test_cumulative_disbursements_cannot_exceed_the_engaged_amount(db, tmp_path):
    ops = write_operations(tmp_path / "ops.csv", [operation("OP-1"), operation("OP-2")])
    rows = [
        disbursement("OP-1", "01/12/2024", "500000"),
        disbursement("OP-1", "01/06/2024", "400000"),
        disbursement("OP-2", "01/06/2024", "1000000"),  # exactly the engaged amount: fine
        disbursement("OP-1", "01/09/2024", "200000"),  # 400 000 + 200 000 + 500 000 > 1 000 000 from here
    ]
    error = refused(db, ops, write_disbursements(tmp_path / "dis.csv", rows))
    assert found(error) == {("dis.csv", 2, "amount_eur", "over_disbursed")}
    assert "1100000.00 EUR in all" in error.issues[0].reason and "ops.csv line 2" in error.issues[0].reason


def test_header_problems(db, tmp_path):
    missing = write_csv(tmp_path / "missing.csv", [operation()], [c for c in OPERATION_NAMES if c != "zone"])
    error = refused(db, missing)
    assert found(error) == {("missing.csv", 1, "zone", "missing_column")}
    twice = write_csv(tmp_path / "twice.csv", [operation()], [*OPERATION_NAMES, "Zone"])
    assert found(refused(db, twice)) == {("twice.csv", 1, "zone", "duplicate_column")}
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert found(refused(db, empty)) == {("empty.csv", 1, "-", "empty_file")}
    header_only = write_csv(tmp_path / "header.csv", [], OPERATION_NAMES)
    assert found(refused(db, header_only)) == {("header.csv", 2, "-", "empty_file")}


def test_file_problems(db, tmp_path):
    assert {i.rule for i in refused(db, tmp_path / "absent.csv").issues} == {"missing_file"}
    garbled = write_operations(tmp_path / "garbled.csv", [operation(commune="Vénissieux")], encoding="cp1252")
    garbled.write_bytes(garbled.read_bytes().replace(b"\xe9", b"\x81"))  # 0x81: neither UTF-8 nor Windows-1252
    assert found(refused(db, garbled)) == {("garbled.csv", 2, "-", "encoding")}


def test_malformed_rows_are_listed_with_the_other_problems(db, tmp_path):
    path = write_operations(tmp_path / "ops.csv", [operation("OP-1"), operation("OP-2", zone="Z")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("OP-3;84;69\n")
        handle.write(";".join(operation("OP-4", family="x").values()) + ";extra\n")
        handle.write(";".join(operation("OP-5", label="x").values()) + "\n")
    error = refused(db, path)
    assert found(error) == {
        ("ops.csv", 3, "zone", "invalid_code"),
        ("ops.csv", 4, "-", "malformed_row"),
        ("ops.csv", 5, "-", "malformed_row"),
        ("ops.csv", 6, "label", "invalid_code"),
    }
    assert [i.line for i in error.issues] == [3, 4, 5, 6]  # in file order


def test_every_problem_of_both_files_at_once(db, tmp_path):
    ops = write_operations(
        tmp_path / "ops.csv",
        [operation("OP-1", zone="?"), operation("OP-2", engaged_amount_eur="-1", landlord_type="?")],
    )
    dis = write_disbursements(tmp_path / "dis.csv", [disbursement("OP-9"), disbursement(day="hier")])
    error = refused(db, ops, dis)
    assert found(error) == {
        ("ops.csv", 2, "zone", "invalid_code"),
        ("ops.csv", 3, "landlord_type", "invalid_code"),
        ("ops.csv", 3, "engaged_amount_eur", "negative_amount"),
        ("dis.csv", 2, "operation_id", "unknown_operation"),
        ("dis.csv", 3, "disbursement_date", "invalid_date"),
    }
    assert error.total == 5


def test_thousands_of_problems_show_the_first_ones_and_a_count_per_rule(db, tmp_path):
    rows = [operation(f"OP-{i}", zone="Z", label="Z") for i in range(300)] + [operation("OP-0")]
    error = refused(db, write_operations(tmp_path / "ops.csv", rows))
    assert error.total == 601
    assert len(error.issues) == SHOWN_ISSUES
    assert error.counts == {"invalid_code": 600, "duplicate_id": 1}
    text = str(error)
    assert "601 problem(s)" in text and "401 more problem(s) not listed" in text
    assert "Problems per rule: invalid_code 600, duplicate_id 1" in text


def test_an_existing_as_of_date_is_refused_unless_replaced(db, tmp_path):
    ops = write_operations(tmp_path / "ops.csv", [operation()])
    before = digest(db)
    with pytest.raises(ImportRefused, match="already holds a snapshot as of 2025-01-01"):
        import_extract(ops, None, date(2025, 1, 1), db)
    assert digest(db) == before


def test_a_new_database_is_not_created_by_a_refused_import(tmp_path):
    path = tmp_path / "fresh.duckdb"
    with pytest.raises(ExtractError):
        import_extract(write_operations(tmp_path / "ops.csv", [operation(zone="Z")]), None, AS_OF, path)
    assert not path.exists()


def test_cli_prints_every_problem_and_exits_non_zero(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(db))
    before = digest(db)
    ops = write_operations(tmp_path / "ops.csv", [operation(zone="Z", label="Z")])
    assert main(["import", str(ops), "--as-of", "2025-01-31"]) == 1
    err = capsys.readouterr().err
    assert "Import refused" in err and "left unchanged" in err
    assert "ops.csv:2: column 'zone', value 'Z'" in err and "ops.csv:2: column 'label', value 'Z'" in err
    assert digest(db) == before
    assert main(["import", str(TEMPLATES_DIR / "operations.csv"), "--as-of", "2025-01-01"]) == 1
    assert "--replace" in capsys.readouterr().err


def test_line_numbers_after_blank_lines_and_multi_line_cells(db, tmp_path):
    rows = [operation("OP-1", qpv_name="Cité\nnord"), operation("OP-2")]
    path = write_operations(tmp_path / "ops.csv", rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n")  # line 5: blank
        handle.write("OP-3;84\n")  # line 6: too few fields
        handle.write(";".join(operation("OP-4", zone="Z").values()) + "\n")  # line 7
        handle.write('OP-5;84;69;"Lyon\n')  # line 8: unterminated quote
    error = refused(db, path)
    assert found(error) == {
        ("ops.csv", 6, "-", "malformed_row"),
        ("ops.csv", 7, "zone", "invalid_code"),
        ("ops.csv", 8, "-", "malformed_row"),
    }
