"""Qualité page: the findings are listed collapsed, each one's facts and quotes rendered when opened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from plotly.io.json import to_json_plotly

from dashboard import ids
from dashboard.filters import Filters
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


def details_request(client, page, finding_ids: list[str], active: object, classes: list[str] | None = None) -> dict:
    """The body the browser posts when the accordion's open items change."""
    detail_ids = [page.detail_id(f) for f in finding_ids]
    classes = classes or [page.DETAIL_CLASS] * len(finding_ids)
    return {
        "output": dependency_output(client, page),
        "outputs": [
            [{"id": i, "property": "children"} for i in detail_ids],
            [{"id": i, "property": "className"} for i in detail_ids],
        ],
        "inputs": [{"id": page.FINDINGS_ACCORDION, "property": "active_item", "value": active}],
        "state": [
            [{"id": i, "property": "className", "value": c} for i, c in zip(detail_ids, classes, strict=True)],
            {"id": ids.FILTERS, "property": "data", "value": {**Filters(regions=("OM",)).to_store()}},
        ],
        "changedPropIds": [f"{page.FINDINGS_ACCORDION}.active_item"],
    }


def dependency_output(client, page) -> str:
    """The callback's output key as the app registered it."""
    for dependency in client.get("/_dash-dependencies").get_json():
        if page.DETAIL in dependency["output"]:
            return dependency["output"]
    raise LookupError(page.DETAIL)


def test_layout_lists_every_finding_collapsed_without_their_quotes(page, cur):
    layout = page.layout()
    text = to_json_plotly(layout)
    every = findings(cur)
    assert all(json.dumps(f)[1:-1] in text for f in every["finding_id"])
    quotes = finding_facts(cur, list(every["finding_id"]))["quote"]
    assert not any(json.dumps(q, ensure_ascii=False)[1:-1] in text for q in quotes)
    assert text.count(page.LOADING_TEXT) == len(every)
    assert len(text.encode()) < 120_000  # the facts and quotes of every finding weighed ~260 KB


def test_opening_a_finding_renders_its_facts_and_quotes_only(page, client, cur):
    every = list(findings(cur)["finding_id"])
    opened = every[1]
    body = details_request(client, page, every, [opened])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert list(answer) == [json.dumps(page.detail_id(opened), separators=(",", ":"), sort_keys=True)]
    rendered = json.dumps(answer, ensure_ascii=False)
    for quote in finding_facts(cur, [opened])["quote"]:
        assert json.dumps(quote, ensure_ascii=False)[1:-1] in rendered
    assert page.DETAIL_LOADED in rendered


def test_an_opened_finding_is_rendered_once_and_unknown_ids_never(page, client, cur):
    every = list(findings(cur)["finding_id"])
    classes = [page.DETAIL_LOADED] + [page.DETAIL_CLASS] * (len(every) - 1)
    for active, detail_classes in (
        ([every[0]], classes),  # already rendered
        (["not-a-finding"], None),
        ("<script>", None),
        (None, None),
        ([{"x": 1}, 3], None),
    ):
        body = details_request(client, page, every, active, detail_classes)
        assert client.post("/_dash-update-component", json=body).status_code == 204, active


def test_a_filter_change_redraws_the_list(page):
    listed = to_json_plotly(with_controls(page.update_list, {"regions": ["OM"], "severite": ["high"]}))
    assert "Élevée" in listed and "Moyenne" not in listed
    assert page.NONE_TICKED in to_json_plotly(with_controls(page.update_list, {"regions": ["OM"], "severite": []}))
