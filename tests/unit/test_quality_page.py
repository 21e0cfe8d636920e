"""Qualité page: the findings are listed collapsed, each one's facts and quotes rendered when opened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from plotly.io.json import to_json_plotly

from dashboard.queries.common import territories
from dashboard.queries.quality import finding_facts, findings

from ..controls import with_controls


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture
def page(built_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    import dashboard.app  # noqa: F401  (creates the app: pages can only register inside it)
    from dashboard.pages import qualite

    return qualite


@pytest.fixture
def client(page):
    from dashboard.app import server

    return server.test_client()


def details_request(client, page, pending: object) -> dict:
    """The body the browser posts when findings without details are opened (`pending`)."""
    return {
        "output": f"{page.FINDINGS_LIST}.details",
        "outputs": {"id": page.FINDINGS_LIST, "property": "details"},
        "inputs": [{"id": page.FINDINGS_LIST, "property": "pending", "value": pending}],
        "changedPropIds": [f"{page.FINDINGS_LIST}.pending"],
    }


def added_details(response) -> dict[str, dict]:
    """The details a `Patch` answer adds to the list, by finding id."""
    assert response.status_code == 200
    patch = response.get_json()["response"]
    operations = patch[next(iter(patch))]["details"]["operations"]
    assert all(op["operation"] == "Assign" and len(op["location"]) == 1 for op in operations)
    return {op["location"][0]: op["params"]["value"] for op in operations}


def test_layout_lists_every_finding_collapsed_without_their_quotes(page, cur):
    layout = page.layout()
    text = to_json_plotly(layout)
    every = findings(cur)
    listed = next(c for c in layout._traverse() if getattr(c, "id", None) == page.FINDINGS_LIST)
    assert [item["id"] for item in listed.items] == list(every["finding_id"])
    assert listed.active_item == [] and listed.details == {}
    quotes = finding_facts(cur, list(every["finding_id"]))["quote"]
    assert not any(json.dumps(q, ensure_ascii=False)[1:-1] in text for q in quotes)
    assert len(text.encode()) < 80_000  # the facts and quotes of every finding weighed ~260 KB


def test_opening_a_finding_sends_its_facts_and_quotes_only(page, client, cur):
    every = list(findings(cur)["finding_id"])
    opened = every[1]
    added = added_details(client.post("/_dash-update-component", json=details_request(client, page, [opened])))
    assert list(added) == [opened]
    rendered = json.dumps(added, ensure_ascii=False)
    facts = finding_facts(cur, [opened])
    for quote in facts["quote"]:
        assert json.dumps(quote, ensure_ascii=False)[1:-1] in rendered
    assert len(added[opened]["facts"]) == len(facts)
    assert [label for label, _ in added[opened]["stats"]] == ["Attendu", "Obtenu", "Écart", "Règle"]


def test_the_facts_of_the_selected_territories_stand_out(page, client, cur):
    """The details give each fact its territory's code, the same whatever the filters; the list's
    `highlight` (the selected sections and their DROM) makes those facts stand out in the browser."""
    every = findings(cur)
    facts = finding_facts(cur, list(every["finding_id"]))
    finding_id = facts.loc[facts["territory_code"] == "OM", "finding_id"].iloc[0]
    added = added_details(client.post("/_dash-update-component", json=details_request(client, page, [finding_id])))
    expected = list(facts.loc[facts["finding_id"] == finding_id, "territory_code"])
    assert [f["code"] for f in added[finding_id]["facts"]] == expected
    highlight = list_props(page, {"regions": ["OM"]})["highlight"]
    drom = territories(cur).query("kind == 'drom' and parent_code == 'OM'")["code"]
    assert highlight[0] == "OM" and sorted(highlight[1:]) == sorted(drom) and len(drom) == 5
    assert list_props(page, {"regions": []})["highlight"] == []


def test_only_known_findings_are_rendered_and_at_most_max_pending(page, client, cur):
    every = list(findings(cur)["finding_id"])
    for pending in (["not-a-finding"], "<script>", None, [{"x": 1}, 3], []):
        body = details_request(client, page, pending)
        assert client.post("/_dash-update-component", json=body).status_code == 204, pending
    many = [every[0], "not-a-finding", every[0], *every] * 10
    added = added_details(client.post("/_dash-update-component", json=details_request(client, page, many)))
    assert list(added) == list(dict.fromkeys(every))[: page.MAX_PENDING]


def list_props(page, controls: dict[str, object]) -> dict[str, object]:
    """What a filter change sets on the list of findings (the last outputs of `update_views`)."""
    answer = with_controls(page.update_views, controls)
    return dict(zip(page.LIST_PROPS, answer[-len(page.LIST_PROPS) :], strict=True))


def test_a_filter_change_redraws_the_list_collapsed_keeping_the_details(page):
    """A filter change sets the items (collapsed) and the highlighted territories only: the details
    already sent stay, and `pending` is left alone (setting it fired a request for nothing)."""
    listed = list_props(page, {"regions": ["OM"], "severite": ["high"]})
    badges = {item["badge"] for item in listed["items"]}
    assert badges == {"Élevée"}
    assert listed["active_item"] == [] and set(listed) == {"items", "active_item", "highlight", "empty_text"}
    none = list_props(page, {"regions": ["OM"], "severite": []})
    assert none["items"] == [] and none["empty_text"] == page.NONE_TICKED


def test_the_summary_tiles_rules_and_count_are_elements(page):
    from dashboard.components.plain_elements import element_text

    tiles, _figure, _style, rules, count, *_ = with_controls(
        page.update_views, {"regions": ["OM"], "severite": ["high"]}
    )
    assert [tile["children"][0]["accent"] for tile in tiles[1:]] == list(page.SEVERITY_COLORS.values())
    assert "Gravité élevée" in element_text(tiles[1])
    assert "Par règle de contrôle" in element_text(rules[0])
    assert count[0].startswith(str(len(list_props(page, {"regions": ["OM"], "severite": ["high"]})["items"])))
