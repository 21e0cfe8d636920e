"""French number, unit and period formatting shared by the CLI, the checks and the UI."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

#: Thousands separator: the narrow no-break space of French typography.
THOUSANDS = "\u202f"
#: Plotly's `layout.separators`: decimal mark then thousands separator.
PLOTLY_SEPARATORS = "," + THOUSANDS

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

UNIT_SYMBOLS = {
    "EUR": "€",
    "MEUR": "M€",
    "GEUR": "Md€",
    "COUNT": "",
    "MILLION": "millions",
    "PCT": "%",
    "M2": "m²",
    "HA": "ha",
}


def format_number(value: float | None, decimals: int | None = None) -> str:
    """`12411` -> `12 411`, `56.6` -> `56,6`; decimals default to what the value needs (max 2)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "non publié"
    if math.isinf(value):
        return "∞"
    if decimals is None:
        decimals = 0
        for candidate in (0, 1, 2, 3):
            if abs(round(value, candidate) - value) < 1e-9:
                decimals = candidate
                break
        else:
            decimals = 2
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", THOUSANDS)


def format_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """A number with its unit in French: `1 414 M€`, `76 %`, `12 411`."""
    text = format_number(value, decimals)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return text
    symbol = UNIT_SYMBOLS.get(unit, unit)
    return f"{text}\u00a0{symbol}" if symbol else text


def _absent(value: object) -> bool:
    """None, NaN or pandas' NA."""
    return value is None or bool(pd.isna(value))


def printed_fact(row: Mapping[str, object]) -> str:
    """A `facts_detail` row as the report prints it: `plus de 1 400`, `502 M€`; `non publié` when absent."""
    if _absent(row.get("value_text")):
        return "non publié"
    hedge = "" if _absent(row.get("qualifier")) else f"{row['qualifier']} "
    symbol = row.get("unit_symbol")
    unit = "" if row.get("unit") == "COUNT" or _absent(symbol) or not symbol else f"\u00a0{symbol}"
    return f"{hedge}{row['value_text']}{unit}"


def format_period(code: str) -> str:
    """`2024` -> `en 2024`, `2018..2024` -> `cumul 2018-2024`, `@2024-12-31` -> `au 31/12/2024`."""
    if code.startswith("@"):
        year, month, day = code[1:].split("-")
        return f"au {day}/{month}/{year}"
    if ".." in code:
        first, last = code.split("..")
        return f"cumul {first}-{last}"
    return f"en {code}"
