"""Blocks of text drawn from plain data (dashboard/components/plain_elements.py,
assets/08-plain-elements.js), and the /suivi header and key figures built with them."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from dashboard.components.plain_elements import TAGS, PlainElements, element, element_text
from dashboard.config import REPO_DIR
from dashboard.queries.weekly import SnapshotPair


def test_elements_carry_only_what_is_set_and_known_tags():
    assert element("span", "12 411") == {"tag": "span", "children": ["12 411"]}
    assert element("div", element("strong", "a"), " b", class_name="x", id="y") == {
        "tag": "div",
        "className": "x",
        "id": "y",
        "children": [{"tag": "strong", "children": ["a"]}, " b"],
    }
    assert element("div") == {"tag": "div"}
    with pytest.raises(ValueError, match="unsupported tag 'script'"):
        element("script", "alert(1)")


def test_a_background_is_a_hex_colour():
    assert element("span", background="#E5E7EB") == {"tag": "span", "background": "#E5E7EB"}
    for bad in ("red", "#fff", "url(x)", "#E5E7EB; position: fixed"):
        with pytest.raises(ValueError, match="#rrggbb"):
            element("span", background=bad)


def test_links_stay_within_the_dashboard():
    assert element("a", "Qualité", href="/qualite?regions=84") == {
        "tag": "a",
        "href": "/qualite?regions=84",
        "children": ["Qualité"],
    }
    for outside in ("https://example.org/", "//example.org/x", "javascript:alert(1)", "/\\example.org", "qualite"):
        with pytest.raises(ValueError, match="within the dashboard"):
            element("a", "x", href=outside)
    with pytest.raises(ValueError, match="only a link"):
        element("span", "x", href="/qualite")
    with pytest.raises(ValueError, match="a link needs"):
        element("a", "x")


def test_the_block_is_one_component_whose_elements_are_json_text():
    hostile = '<img src=x onerror="alert(1)">'
    built = PlainElements([element("div", element("strong", hostile), " fin")], id="bloc", className="row")
    data = built.to_plotly_json()
    assert (data["namespace"], data["type"]) == ("npnru", "PlainElements")
    assert list(built._traverse()) == []  # no child component: the elements are data
    carried = json.loads(to_json_plotly(built))["props"]["elements"][0]["children"][0]
    assert carried == {"tag": "strong", "children": [hostile]}  # plain text; React escapes it when drawing
    assert built.text() == f"{hostile} fin"
    assert element_text("texte") == "texte"


def test_the_browser_side_is_an_asset_that_draws_known_tags_as_text():
    script = (REPO_DIR / "assets" / "08-plain-elements.js").read_text(encoding="utf-8")
    assert "window.npnru" in script and "PlainElements" in script
    assert "dangerouslySetInnerHTML" not in script and "innerHTML" not in script
    for tag in TAGS:
        assert f"{tag}: true" in script  # the same tags on both sides
    assert "internal(node.href)" in script  # a link's address is checked in the browser too
    assert "_dashprivate_pushstate" in script  # and opens its page as dcc.Link does


@pytest.fixture
def suivi(built_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    import dashboard.app  # noqa: F401  (creates the app: pages can only register inside it)
    from dashboard.pages import suivi

    return suivi


def pair(**changes: object) -> SnapshotPair:
    values: dict[str, object] = {
        "current_id": 2,
        "current_as_of": date(2025, 1, 14),
        "current_synthetic": True,
        "current_imported_at": datetime(2026, 11, 26, 9, 5),
        "current_operations": 12411,
        "previous_id": 1,
        "previous_as_of": date(2025, 1, 7),
        "previous_synthetic": False,
    }
    return SnapshotPair(**{**values, **changes})  # type: ignore[arg-type]


def text(elements: list) -> str:
    return "".join(element_text(e) for e in elements).replace("\u202f", " ").replace("\u00a0", " ")


def test_the_suivi_header_says_which_snapshots_are_compared(suivi):
    header = suivi.header
    shown = text(header(pair()))
    assert shown.startswith("Instantané affiché : extraction du 14/01/2025 · 12 411 opérations")
    assert "importée le 26/11/2026 à 09:05 (UTC)" in shown
    assert "Comparé à : extraction du 07/01/2025 (7 jours plus tôt)" in shown
    assert shown.count("Données simulées") == 1  # the current snapshot only
    assert "n'est pas antérieure" not in shown
    ignored = text(header(pair(previous_synthetic=True, reference_ignored=True)))
    assert ignored.count("Données simulées") == 2
    assert "la référence choisie n'est pas antérieure : comparaison avec l'extraction précédente." in ignored
    single = text(header(pair(previous_id=None, previous_as_of=None)))
    assert "Aucune extraction antérieure" in single and "Comparé à" not in single
    assert header(None) == []


def test_the_suivi_key_figures_are_cards_with_the_change_since_the_reference(suivi):
    kpis = suivi.kpis
    deltas = pd.DataFrame(
        {
            f"{key}_{part}": [value, value]
            for key, value in (("engaged", 1.5e6), ("disbursed", 5e5), ("remaining", 1e6), ("rights", 10.0))
            for part in ("current", "delta")
        }
    )
    cards = kpis(deltas, pair())
    assert [c["id"] for c in cards] == [f"suivi-kpi-{key}" for key, _, _ in suivi.KPI_MEASURES]
    assert text([cards[0]]) == "Prêts engagés3,0 M€+3,00 M€ depuis le 07/01/2025"
    assert text([cards[3]]) == "Droits de réservation20+20 depuis le 07/01/2025"
