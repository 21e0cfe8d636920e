"""The templates and schemas shipped under `data/templates/`, generated from `spec.py`.

Regenerate them after changing the format: `python -m dashboard.extracts.templates`.
The CSV templates are written the way French Excel saves "CSV UTF-8 (délimité par des
points-virgules)": BOM, `;`, decimal comma, dates JJ/MM/AAAA.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ..config import DATA_DIR
from .spec import (
    DISBURSEMENT_COLUMNS,
    OPERATION_COLUMNS,
    TABLE_TITLES,
    TABLES,
    Column,
)

TEMPLATES_DIR = DATA_DIR / "templates"
XLSX_NAME = "extract_template.xlsx"
#: The example rows of the templates, as they read once imported.
EXAMPLE_OPERATIONS: list[dict[str, object]] = [
    {
        "operation_id": "EX-2024-0001",
        "region_code": "84",
        "departement": "69",
        "commune": "Vaulx-en-Velin",
        "qpv_code": "QN06905M",
        "qpv_name": "Quartier exemple A",
        "landlord_name": "Bailleur exemple Rhône",
        "landlord_type": "oph",
        "family": "requalification",
        "zone": "a",
        "label": "bbc",
        "engagement_date": date(2024, 3, 15),
        "engaged_amount_eur": Decimal("1250000.00"),
        "reservation_rights": 12,
    },
    {
        "operation_id": "EX-2024-0002",
        "region_code": "11",
        "departement": "93",
        "commune": "Clichy-sous-Bois",
        "qpv_code": "QN09302M",
        "qpv_name": "Quartier exemple B",
        "landlord_name": "ESH exemple Île-de-France",
        "landlord_type": "esh",
        "family": "reconstitution",
        "zone": "a",
        "label": "aucun",
        "engagement_date": date(2024, 6, 3),
        "engaged_amount_eur": Decimal("2480500.50"),
        "reservation_rights": 18,
    },
    {
        "operation_id": "EX-2024-0003",
        "region_code": "OM",
        "departement": "974",
        "commune": "Saint-Denis",
        "qpv_code": "QN97401M",
        "qpv_name": "Quartier exemple C",
        "landlord_name": "SEM exemple La Réunion",
        "landlord_type": "epl_sem",
        "family": "requalification",
        "zone": "b1",
        "label": "hpe",
        "engagement_date": date(2024, 9, 30),
        "engaged_amount_eur": Decimal("640000.00"),
        "reservation_rights": 4,
    },
]
EXAMPLE_DISBURSEMENTS: list[dict[str, object]] = [
    {"operation_id": "EX-2024-0001", "disbursement_date": date(2024, 5, 2), "amount_eur": Decimal("400000.00")},
    {"operation_id": "EX-2024-0001", "disbursement_date": date(2024, 11, 20), "amount_eur": Decimal("350000.00")},
    {"operation_id": "EX-2024-0002", "disbursement_date": date(2024, 12, 16), "amount_eur": Decimal("992200.20")},
]
EXAMPLES = {"operations": EXAMPLE_OPERATIONS, "disbursements": EXAMPLE_DISBURSEMENTS}


def french_text(value: object) -> str:
    """A value as French Excel writes it in a CSV file."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def csv_template(table: str) -> bytes:
    """The CSV template of a table: UTF-8 with BOM, `;`, header and the example rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    columns = [c.name for c in TABLES[table]]
    writer.writerow(columns)
    for row in EXAMPLES[table]:
        writer.writerow([french_text(row[c]) for c in columns])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _field(column: Column) -> dict[str, object]:
    field: dict[str, object] = {
        "name": column.name,
        "title": column.title,
        "description": column.description,
        "type": column.type,
    }
    if column.type == "date":
        field["format"] = "any"
    if column.type == "number":
        field.update({"decimalChar": ",", "groupChar": " ", "bareNumber": False})
    constraints: dict[str, object] = {"required": column.required}
    if column.unique:
        constraints["unique"] = True
    if column.enum is not None:
        constraints["enum"] = list(column.enum)
    if column.pattern is not None:
        constraints["pattern"] = column.pattern
    if column.minimum is not None:
        constraints["minimum"] = column.minimum
    if column.max_length is not None:
        constraints["maxLength"] = column.max_length
    field["constraints"] = constraints
    return field


_DIALECT = (
    "Fichier CSV en UTF-8 (avec ou sans BOM) ou Windows-1252, séparateur « ; » ou « , » (reconnu sur la ligne "
    "d'en-tête), ou feuille « {table} » d'un classeur .xlsx. La première ligne donne les noms des colonnes "
    "(name ou title, sans tenir compte de la casse ni des accents), dans n'importe quel ordre ; les colonnes "
    "inconnues sont ignorées. Nombres : virgule ou point décimal, espaces (y compris insécables) comme séparateurs "
    "de milliers. Dates : JJ/MM/AAAA ou AAAA-MM-JJ."
)


def table_schema(table: str) -> dict[str, object]:
    """The Frictionless-style Table Schema of a table."""
    schema: dict[str, object] = {
        "name": table,
        "title": TABLE_TITLES[table],
        "description": _DIALECT.format(table=table),
        "fields": [_field(c) for c in TABLES[table]],
        "missingValues": [""],
    }
    if table == "operations":
        schema["primaryKey"] = ["operation_id"]
    else:
        schema["foreignKeys"] = [
            {"fields": ["operation_id"], "reference": {"resource": "operations", "fields": ["operation_id"]}}
        ]
    return schema


def schema_text(table: str) -> str:
    """The JSON text of a table schema, as shipped."""
    return json.dumps(table_schema(table), ensure_ascii=False, indent=2) + "\n"


def write_xlsx(path: Path) -> None:
    """The Excel template: one sheet per table, header with the French title as a comment, typed example cells."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table, columns in (("operations", OPERATION_COLUMNS), ("disbursements", DISBURSEMENT_COLUMNS)):
        sheet = workbook.create_sheet(table)
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.name)
            cell.font = Font(bold=True)
            cell.comment = Comment(f"{column.title} : {column.description}", "NPNRU", width=320, height=160)
            sheet.column_dimensions[cell.column_letter].width = max(14, len(column.name) + 4)
        for row_number, row in enumerate(EXAMPLES[table], start=2):
            for index, column in enumerate(columns, start=1):
                value = row[column.name]
                cell = sheet.cell(row=row_number, column=index)
                if isinstance(value, date):
                    cell.value = value
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(value, Decimal):
                    cell.value = float(value)
                    cell.number_format = "#,##0.00"
                else:
                    cell.value = value
                    if isinstance(value, str):
                        cell.number_format = "@"  # text: keeps "01", "2A", "974" as typed
        sheet.freeze_panes = "A2"
    workbook.properties.creator = "NPNRU dashboard"
    workbook.properties.created = workbook.properties.modified = datetime(2025, 1, 1)
    workbook.save(path)


def write_templates(folder: Path = TEMPLATES_DIR) -> list[Path]:
    """Write every template and schema into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        path = folder / f"{table}.csv"
        path.write_bytes(csv_template(table))
        written.append(path)
        path = folder / f"{table}.schema.json"
        path.write_text(schema_text(table), encoding="utf-8")
        written.append(path)
    path = folder / XLSX_NAME
    write_xlsx(path)
    written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_templates():
        print(written_path)
