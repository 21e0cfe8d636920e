"""The read-only table component (dashboard/components/table.py, assets/06-table.js)."""

from __future__ import annotations

import json

from plotly.io.json import to_json_plotly

from dashboard.components.table import TABLE_CLASSES, Table, cell, table, table_row
from dashboard.config import REPO_DIR


def test_cells_and_rows_carry_only_what_is_set():
    assert cell("12 411") == {"text": "12 411"}
    assert cell("x", class_name="text-end", col_span=2, strong=True) == {
        "text": "x",
        "className": "text-end",
        "colSpan": 2,
        "strong": True,
    }
    assert cell(" (01)", quote="Sur ces 278 M€") == {"text": " (01)", "quote": "Sur ces 278 M€"}
    assert table_row([cell("a")], region="84") == {"cells": [{"text": "a"}], "region": "84"}


def test_the_table_is_one_component_whose_cells_are_json_text():
    hostile = '<img src=x onerror="alert(1)">'
    built = table([[cell("Territoire")]], [table_row([cell(hostile, quote="« cité »")], class_name="total-row")])
    assert isinstance(built, Table)
    data = built.to_plotly_json()
    assert (data["namespace"], data["type"]) == ("npnru", "Table")
    assert data["props"]["className"] == TABLE_CLASSES
    assert list(built._traverse()) == []  # no child component: the cells are data
    carried = json.loads(to_json_plotly(built))["props"]["rows"][0]["cells"][0]
    assert carried == {"text": hostile, "quote": "« cité »"}  # plain text; React escapes it when rendering
    assert built.text() == f"Territoire « cité » {hostile}"


def test_the_browser_side_is_an_asset_and_renders_text_only():
    script = (REPO_DIR / "assets" / "06-table.js").read_text(encoding="utf-8")
    assert "window.npnru" in script and "Table" in script
    assert "dangerouslySetInnerHTML" not in script and "innerHTML" not in script
