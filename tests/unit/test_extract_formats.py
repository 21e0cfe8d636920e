"""What French users' tools produce is read the same: encodings, separators, numbers, dates, spellings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from openpyxl import Workbook

from dashboard.extracts.formats import sniff_separator
from dashboard.extracts.spec import accepted_spellings, spelling_key
from dashboard.extracts.store import import_extract
from tests.unit.extract_helpers import (
    AS_OF,
    DISBURSEMENT_NAMES,
    OPERATION_NAMES,
    disbursement,
    operation,
    write_csv,
    write_disbursements,
    write_operations,
)


def imported(db, column: str = "*", table: str = "operations") -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT {column} FROM {table} ORDER BY line").fetchall()
    finally:
        con.close()


ACCENTED = operation(commune="Vénissieux", landlord_name="Société d'HLM « Œuvre »", landlord_type="Coopérative")


@pytest.mark.parametrize(
    ("encoding", "bom", "sep", "newline"),
    [
        ("utf-8", False, ";", "\n"),
        ("utf-8", True, ";", "\r\n"),
        ("utf-8", True, ",", "\n"),
        ("cp1252", False, ";", "\r\n"),
        ("cp1252", False, ",", "\n"),
        ("utf-16", False, "\t", "\r\n"),
    ],
)
def test_encodings_separators_and_line_ends(tmp_path, encoding, bom, sep, newline):
    ops = write_operations(tmp_path / "ops.csv", [ACCENTED], sep=sep, encoding=encoding, bom=bom, newline=newline)
    dis = write_disbursements(tmp_path / "dis.csv", [disbursement()], sep=sep, encoding=encoding, newline=newline)
    db = tmp_path / "ops.duckdb"
    import_extract(ops, dis, AS_OF, db)
    assert imported(db, "commune, landlord_name, landlord_type") == [
        ("Vénissieux", "Société d'HLM « Œuvre »", "cooperative")
    ]
    assert imported(db, "amount_eur", "disbursements") == [(Decimal("100000.00"),)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234567,89", "1234567.89"),
        ("1 234 567,89", "1234567.89"),
        ("1\u00a0234\u00a0567,89", "1234567.89"),
        ("1\u202f234\u202f567,89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1234567.89", "1234567.89"),
        ("1.234.567", "1234567"),
        ("1 234 567", "1234567"),
        ("1234567,5 €", "1234567.5"),
        ("1234567,", "1234567"),
        ("0", "0"),
    ],
)
def test_amount_notations(tmp_path, text, expected):
    ops = write_operations(tmp_path / "ops.csv", [operation(engaged_amount_eur=text)])
    db = tmp_path / "ops.duckdb"
    import_extract(ops, None, AS_OF, db)
    assert imported(db, "engaged_amount_eur") == [(Decimal(expected),)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2024", date(2024, 3, 15)),
        ("5/3/2024", date(2024, 3, 5)),
        ("2024-03-15", date(2024, 3, 15)),
        ("2024-03-15 00:00:00", date(2024, 3, 15)),
        ("15/03/2024 00:00", date(2024, 3, 15)),
    ],
)
def test_date_notations(tmp_path, text, expected):
    ops = write_operations(tmp_path / "ops.csv", [operation(engagement_date=text)])
    db = tmp_path / "ops.duckdb"
    import_extract(ops, None, AS_OF, db)
    assert imported(db, "engagement_date") == [(expected,)]


def test_codes_in_any_case_or_accents(tmp_path):
    spellings = [
        ("OPH", "Requalification", "A bis", "BBC", "oph", "requalification", "a_bis", "bbc"),
        (" oph ", "REQUALIFICATION", "abis", "Hpe", "oph", "requalification", "a_bis", "hpe"),
        (
            "Coopérative",
            "Reconstitution de l'offre",
            "Zone B1",
            "Sans label",
            "cooperative",
            "reconstitution",
            "b1",
            "aucun",
        ),
        ("COOPERATIVE", "reconstitution", "b2", "aucun", "cooperative", "reconstitution", "b2", "aucun"),
        ("EPL/SEM", "requalification", "C", "Autre", "epl_sem", "requalification", "c", "autre"),
        ("sem", "requalification", "a", "autre label", "epl_sem", "requalification", "a", "autre"),
        ("ESH", "requalification", "A", "aucun", "esh", "requalification", "a", "aucun"),
        ("Autre", "requalification", "a_bis", "aucun", "autre", "requalification", "a_bis", "aucun"),
    ]
    rows = [
        operation(f"OP-{i}", landlord_type=s[0], family=s[1], zone=s[2], label=s[3]) for i, s in enumerate(spellings)
    ]
    db = tmp_path / "ops.duckdb"
    import_extract(write_operations(tmp_path / "ops.csv", rows), None, AS_OF, db)
    assert imported(db, "landlord_type, family, zone, label") == [s[4:] for s in spellings]


def test_region_and_departement_codes(tmp_path):
    rows = [
        operation("OP-1", region_code="om", departement="971", qpv_code="qn97101m"),
        operation("OP-2", region_code="84", departement="1", qpv_code="QN00101M"),
        operation("OP-3", region_code="93", departement="2a", qpv_code="QN02A01M"),
    ]
    db = tmp_path / "ops.duckdb"
    import_extract(write_operations(tmp_path / "ops.csv", rows), None, AS_OF, db)
    assert imported(db, "region_code, departement, qpv_code") == [
        ("OM", "971", "QN97101M"),
        ("84", "01", "QN00101M"),
        ("93", "2A", "QN02A01M"),
    ]


def test_french_headers_any_order_and_unknown_columns_ignored(tmp_path):
    row = operation()
    titles = {
        "operation_id": "Identifiant de l'opération",
        "engaged_amount_eur": "MONTANT ENGAGÉ (€)",
        "engagement_date": "date d'engagement",
    }
    columns = [*reversed(OPERATION_NAMES), "Commentaire"]
    renamed = {titles.get(c, c): v for c, v in row.items()} | {"Commentaire": "à revoir"}
    path = write_csv(tmp_path / "ops.csv", [renamed], [titles.get(c, c) for c in columns])
    db = tmp_path / "ops.duckdb"
    result = import_extract(path, None, AS_OF, db)
    assert result.ignored_columns == {"ops.csv": ["Commentaire"]}
    assert imported(db, "operation_id, engaged_amount_eur, engagement_date") == [
        ("OP-1", Decimal("1000000.00"), date(2024, 3, 15))
    ]


def test_optional_columns_may_be_absent(tmp_path):
    columns = [c for c in OPERATION_NAMES if c not in ("commune", "qpv_name", "landlord_name")]
    db = tmp_path / "ops.duckdb"
    import_extract(write_csv(tmp_path / "ops.csv", [operation()], columns), None, AS_OF, db)
    assert imported(db, "commune, qpv_name, landlord_name") == [(None, None, None)]


def test_quoted_cells_with_separators_and_line_breaks_keep_line_numbers(tmp_path):
    rows = [operation("OP-1", commune="Saint-Denis; La Plaine"), operation("OP-2", qpv_name="Cité\n« Les Bosquets »")]
    path = write_operations(tmp_path / "ops.csv", rows)
    with path.open("a", encoding="utf-8") as handle:  # a blank line then a third operation
        handle.write("\n" + ";".join(operation("OP-3").values()) + "\n")
    db = tmp_path / "ops.duckdb"
    import_extract(path, None, AS_OF, db)
    assert imported(db, "operation_id, line, commune, qpv_name") == [
        ("OP-1", 2, "Saint-Denis; La Plaine", "Quartier test"),
        ("OP-2", 3, "Lyon", "Cité « Les Bosquets »"),
        ("OP-3", 6, "Lyon", "Quartier test"),
    ]


def test_xlsx_typed_cells(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Opérations"
    sheet.append(OPERATION_NAMES)
    values = operation() | {
        "departement": 1,
        "region_code": 84,
        "engagement_date": datetime(2024, 3, 15),
        "engaged_amount_eur": 1250000.5,
        "reservation_rights": 12,
        "qpv_code": "QN00101M",
    }
    sheet.append([values[c] for c in OPERATION_NAMES])
    sheet.append([])  # an empty row is skipped, the line numbers stay the sheet's
    sheet.append([values[c] if c != "operation_id" else "OP-2" for c in OPERATION_NAMES])
    disbursements = workbook.create_sheet("Décaissements")
    disbursements.append(DISBURSEMENT_NAMES)
    disbursements.append(["OP-2", datetime(2024, 4, 1), 1000])
    path = tmp_path / "extract.xlsx"
    workbook.save(path)
    db = tmp_path / "ops.duckdb"
    import_extract(path, None, AS_OF, db)
    assert imported(db, "operation_id, line, region_code, departement, engagement_date, engaged_amount_eur") == [
        ("OP-1", 2, "84", "01", date(2024, 3, 15), Decimal("1250000.50")),
        ("OP-2", 4, "84", "01", date(2024, 3, 15), Decimal("1250000.50")),
    ]
    assert imported(db, "operation_id, disbursement_date, amount_eur", "disbursements") == [
        ("OP-2", date(2024, 4, 1), Decimal("1000.00"))
    ]


def test_separator_sniffing():
    assert sniff_separator("a;b;c") == ";"
    assert sniff_separator("a,b,c") == ","
    assert sniff_separator("a\tb\tc") == "\t"
    assert sniff_separator("montant, en €;date;id") == ";"


def test_python_and_sql_spelling_keys_agree():
    con = duckdb.connect()
    keys = [spelling for _, spelling, _ in accepted_spellings()]
    samples = ["Coopérative", "EPL/SEM", "Reconstitution de l'offre", "  A   bis ", "Société d'économie mixte"]
    for text in samples:
        sql = con.execute(
            "SELECT trim(regexp_replace(lower(strip_accents(?)), '[^a-z0-9]+', ' ', 'g'))", [text]
        ).fetchone()
        assert sql is not None and sql[0] == spelling_key(text)
    assert "cooperative" in keys and "epl sem" in keys and "a bis" in keys
