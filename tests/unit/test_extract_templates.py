"""The shipped templates import as they read, and stay in step with the format definition."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dashboard.extracts import templates
from dashboard.extracts.spec import DISBURSEMENT_COLUMNS, OPERATION_COLUMNS, TABLES
from dashboard.extracts.store import import_extract

AS_OF = date(2025, 1, 31)
SHIPPED = templates.TEMPLATES_DIR


def read_back(db: Path, snapshot_id: int) -> tuple[list[dict], list[dict]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [c.name for c in OPERATION_COLUMNS]
        operations = [
            dict(zip(names, row, strict=True))
            for row in con.execute(
                f"SELECT {', '.join(names)} FROM operations WHERE snapshot_id = ? ORDER BY line", [snapshot_id]
            ).fetchall()
        ]
        names = [c.name for c in DISBURSEMENT_COLUMNS]
        disbursements = [
            dict(zip(names, row, strict=True))
            for row in con.execute(
                f"SELECT {', '.join(names)} FROM disbursements WHERE snapshot_id = ? ORDER BY line", [snapshot_id]
            ).fetchall()
        ]
    finally:
        con.close()
    return operations, disbursements


def test_csv_templates_round_trip(tmp_path):
    db = tmp_path / "operations.duckdb"
    result = import_extract(SHIPPED / "operations.csv", SHIPPED / "disbursements.csv", AS_OF, db)
    operations, disbursements = read_back(db, result.snapshot_id)
    assert operations == templates.EXAMPLE_OPERATIONS
    assert disbursements == templates.EXAMPLE_DISBURSEMENTS
    assert result.engaged_total_eur == sum(r["engaged_amount_eur"] for r in templates.EXAMPLE_OPERATIONS)
    assert not result.synthetic


def test_xlsx_template_round_trip_from_one_workbook(tmp_path):
    db = tmp_path / "operations.duckdb"
    result = import_extract(SHIPPED / templates.XLSX_NAME, None, AS_OF, db)
    operations, disbursements = read_back(db, result.snapshot_id)
    assert operations == templates.EXAMPLE_OPERATIONS
    assert disbursements == templates.EXAMPLE_DISBURSEMENTS


def test_xlsx_sheets_given_as_two_files(tmp_path):
    db = tmp_path / "operations.duckdb"
    workbook = SHIPPED / templates.XLSX_NAME
    result = import_extract(workbook, workbook, AS_OF, db)
    assert read_back(db, result.snapshot_id) == (templates.EXAMPLE_OPERATIONS, templates.EXAMPLE_DISBURSEMENTS)


@pytest.mark.parametrize("table", list(TABLES))
def test_shipped_csv_and_schemas_match_the_format_definition(table):
    assert (SHIPPED / f"{table}.csv").read_bytes() == templates.csv_template(table)
    shipped = json.loads((SHIPPED / f"{table}.schema.json").read_text(encoding="utf-8"))
    assert shipped == templates.table_schema(table)
    assert [f["name"] for f in shipped["fields"]] == [c.name for c in TABLES[table]]
    assert all(f["title"] and f["description"] for f in shipped["fields"])


def test_schemas_declare_keys_and_constraints():
    operations = json.loads((SHIPPED / "operations.schema.json").read_text(encoding="utf-8"))
    disbursements = json.loads((SHIPPED / "disbursements.schema.json").read_text(encoding="utf-8"))
    assert operations["primaryKey"] == ["operation_id"]
    fields = {f["name"]: f for f in operations["fields"]}
    assert fields["operation_id"]["constraints"]["unique"] is True
    assert fields["landlord_type"]["constraints"]["enum"] == ["oph", "esh", "epl_sem", "cooperative", "autre"]
    assert fields["region_code"]["constraints"]["enum"][-3:] == ["OM", "52", "93"]
    assert fields["engaged_amount_eur"]["constraints"]["minimum"] == 0
    assert fields["reservation_rights"]["type"] == "integer"
    assert disbursements["foreignKeys"] == [
        {"fields": ["operation_id"], "reference": {"resource": "operations", "fields": ["operation_id"]}}
    ]


def test_shipped_workbook_has_both_sheets_with_the_example_rows():
    workbook = load_workbook(SHIPPED / templates.XLSX_NAME, read_only=True)
    try:
        assert workbook.sheetnames == ["operations", "disbursements"]
        for table, columns in (("operations", OPERATION_COLUMNS), ("disbursements", DISBURSEMENT_COLUMNS)):
            rows = list(workbook[table].iter_rows(values_only=True))
            assert list(rows[0]) == [c.name for c in columns]
            assert len(rows) == 1 + len(templates.EXAMPLES[table])
            for values, example in zip(rows[1:], templates.EXAMPLES[table], strict=True):
                for value, column in zip(values, columns, strict=True):
                    expected = example[column.name]
                    if isinstance(expected, Decimal):
                        assert Decimal(str(value)).quantize(Decimal("0.01")) == expected
                    elif isinstance(expected, date):
                        assert value.date() == expected
                    else:
                        assert value == expected
    finally:
        workbook.close()
