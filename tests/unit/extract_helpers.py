"""Small extract files for the tests of dashboard/extracts (written into tmp_path)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from dashboard.extracts.spec import DISBURSEMENT_COLUMNS, OPERATION_COLUMNS

OPERATION_NAMES = [c.name for c in OPERATION_COLUMNS]
DISBURSEMENT_NAMES = [c.name for c in DISBURSEMENT_COLUMNS]
AS_OF = date(2025, 1, 31)


def operation(operation_id: str = "OP-1", **fields: str) -> dict[str, str]:
    """A valid operation row as text, with overrides."""
    row = {
        "operation_id": operation_id,
        "region_code": "84",
        "departement": "69",
        "commune": "Lyon",
        "qpv_code": "QN06912M",
        "qpv_name": "Quartier test",
        "landlord_name": "Bailleur test",
        "landlord_type": "oph",
        "family": "requalification",
        "zone": "a",
        "label": "bbc",
        "engagement_date": "15/03/2024",
        "engaged_amount_eur": "1000000,00",
        "reservation_rights": "10",
    }
    row.update(fields)
    return row


def disbursement(operation_id: str = "OP-1", day: str = "01/06/2024", amount: str = "100000,00") -> dict[str, str]:
    """A valid disbursement row as text."""
    return {"operation_id": operation_id, "disbursement_date": day, "amount_eur": amount}


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    columns: list[str] | None = None,
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\n",
) -> Path:
    """Write rows as a CSV file the way a spreadsheet would (no quoting unless needed)."""
    columns = columns or list(rows[0])

    def cell(value: str) -> str:
        if sep in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [sep.join(columns)] + [sep.join(cell(row.get(c, "")) for c in columns) for row in rows]
    data = (newline.join(lines) + newline).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_operations(path: Path, rows: list[dict[str, str]], **options) -> Path:
    """An operations CSV with every column."""
    return write_csv(path, rows, OPERATION_NAMES, **options)


def write_disbursements(path: Path, rows: list[dict[str, str]], **options) -> Path:
    """A disbursements CSV."""
    return write_csv(path, rows, DISBURSEMENT_NAMES, **options)


def digest(path: Path) -> str | None:
    """SHA-256 of a file, None if it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
