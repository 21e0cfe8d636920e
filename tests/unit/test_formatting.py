"""French formatting of figures as printed by the report."""

from __future__ import annotations

import pandas as pd

from dashboard.formatting import printed_fact


def test_printed_fact_keeps_the_qualifier_and_the_unit_symbol():
    assert printed_fact({"value_text": "502", "qualifier": None, "unit": "MEUR", "unit_symbol": "M€"}) == "502\u00a0M€"
    row = pd.Series({"value_text": "2 100", "qualifier": "plus de", "unit": "COUNT", "unit_symbol": pd.NA})
    assert printed_fact(row) == "plus de 2 100"


def test_printed_fact_never_shows_an_absent_figure_as_a_number():
    for missing in (None, pd.NA, float("nan")):
        assert printed_fact({"value_text": missing, "qualifier": None, "unit": "COUNT"}) == "non publié"
    assert printed_fact({"value_text": "76", "qualifier": float("nan"), "unit": "PCT", "unit_symbol": None}) == "76"
