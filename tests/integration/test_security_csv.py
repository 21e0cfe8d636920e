"""CSV formula injection: text cells that a spreadsheet would run as a formula are neutralised,
numbers stay numbers."""

from __future__ import annotations

import base64
import csv
import io
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dashboard import exports, ids
from dashboard.exports import to_csv


def rows_of(content: str) -> list[list[str]]:
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 1 23", "'+33 1 23"),
        ("-12", "'-12"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Île-de-France", "Île-de-France"),
        ("plus de 2 100", "plus de 2 100"),
    ],
)
def test_text_cells_starting_a_formula_are_quoted(text, expected):
    content = to_csv(pd.DataFrame({"citation": [text]}), source_line="Source", data_date="Données au 31/12/2024")
    assert rows_of(content)[-1] == [expected]


def test_numbers_stay_numbers_even_negative():
    frame = pd.DataFrame(
        {
            "float": [-1.5, 2.25, np.nan],
            "int": [-3, 0, 7],
            "decimal": [Decimal("-1234.50"), Decimal("2"), None],
            "numpy": [np.int64(-7), np.float64(-0.5), pd.NA],
        }
    )
    rows = rows_of(to_csv(frame, source_line="S", data_date="D"))
    assert rows[-3:] == [["-1,5", "-3", "-1234,50", "-7"], ["2,25", "0", "2", "-0,5"], ["", "7", "", ""]]


def test_headers_and_source_lines_are_neutralised_too():
    rows = rows_of(to_csv(pd.DataFrame({"=cmd": [1]}), source_line="=evil", data_date="@x"))
    assert rows[0] == ["'# =evil"] or rows[0][0].startswith("#")  # "# " prefix already defuses it
    assert rows[2] == ["'=cmd"]


def test_a_downloaded_export_of_printed_values_starting_with_a_sign(app_client, monkeypatch, built_db):
    """End to end through the download callback: the report prints evolutions such as "+14"."""

    def printed_signs(cur, filters):
        return cur.execute(
            """SELECT fact_id AS "fait", value_text AS "valeur publiée", -value AS "opposé",
                      '-' || quote AS "citation"
               FROM facts WHERE regexp_matches(value_text, '^[-+=@]') ORDER BY fact_id"""
        ).df()

    dependencies = app_client.get("/_dash-dependencies").get_json()
    output = next(d["output"] for d in dependencies if "csv-download" in d["output"])
    name = next(iter(exports.EXPORTS))
    monkeypatch.setitem(exports.EXPORTS, name, printed_signs)
    button = json.dumps(ids.csv_button(name), separators=(",", ":"))
    response = app_client.post(
        "/_dash-update-component",
        json={
            "output": output,
            "outputs": {"id": ids.csv_download(name), "property": "data"},
            "inputs": [{"id": ids.csv_button(name), "property": "n_clicks", "value": 1}],
            "state": [{"id": ids.FILTERS, "property": "data", "value": None}],
            "changedPropIds": [f"{button}.n_clicks"],
        },
    )
    assert response.status_code == 200
    (data,) = (props["data"] for props in response.get_json()["response"].values())
    content = base64.b64decode(data["content"]).decode("utf-8") if data.get("base64") else data["content"]
    rows = rows_of(content)
    header = rows.index(["fait", "valeur publiée", "opposé", "citation"])
    body = rows[header + 1 :]
    assert len(body) >= 1
    for _fact, printed, opposite, quote in body:
        assert printed.startswith("'") and printed[1] in "-+=@"
        assert quote.startswith("'-")
        assert opposite.startswith("-") and float(opposite.replace(",", ".")) < 0  # a number, not quoted
