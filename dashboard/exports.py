"""CSV exports of the data behind each chart: a registry filled by the pages."""

from __future__ import annotations

import csv
import io
import numbers
from collections.abc import Callable
from decimal import Decimal

import duckdb
import pandas as pd

from .filters import Filters

Export = Callable[[duckdb.DuckDBPyConnection, Filters], pd.DataFrame]
#: `(source line, data date)` of an export whose data do not come from the report (weekly extracts).
ExportSource = Callable[[duckdb.DuckDBPyConnection, Filters], tuple[str, str]]
EXPORTS: dict[str, Export] = {}
EXPORT_SOURCES: dict[str, ExportSource] = {}
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def register_export(name: str, *, source: ExportSource | None = None) -> Callable[[Export], Export]:
    """Decorator: declare the DataFrame behind chart `name` (and, if it is not the report, its `source`)."""

    def decorate(function: Export) -> Export:
        EXPORTS[name] = function
        if source is not None:
            EXPORT_SOURCES[name] = source
        return function

    return decorate


def _safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(df: pd.DataFrame, *, source_line: str, data_date: str, synthetic: bool = False) -> str:
    """CSV for French spreadsheets: `;` separator, decimal comma, UTF-8 with BOM, source lines first."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_safe_cell(f"# {source_line}")])
    writer.writerow([_safe_cell(f"# {data_date}")])
    if synthetic:
        writer.writerow(["# Données simulées"])
    writer.writerow([_safe_cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append("" if value != value else format(value, ".12g").replace(".", ","))
            elif value is None or value is pd.NA:
                cells.append("")
            elif isinstance(value, (numbers.Integral, Decimal)) and not isinstance(value, bool):
                cells.append(str(value).replace(".", ","))  # a number stays a number, even negative
            else:
                cells.append(_safe_cell(value if isinstance(value, str) else str(value)))
        writer.writerow(cells)
    return buffer.getvalue()
