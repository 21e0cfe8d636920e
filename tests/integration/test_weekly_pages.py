"""The weekly views in the app: the synthetic banner and marks, the CSV exports, and the pages when
no operations database is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import dash
import pytest

from dashboard import ids
from dashboard.filters import Filters

from ..conftest import WEEKLY_AS_OF
from .test_server import components, components_in, page_layout


def rendered_ids(tree: object) -> set[object]:
    found = (getattr(c, "id", None) for c in components(tree))
    return {json.dumps(i, sort_keys=True) if isinstance(i, dict) else i for i in found if i}


def text_of(tree: object) -> str:
    parts = []
    for component in components(tree):
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, str):
                parts.append(child)
    return " ".join(parts)


def shell():
    from dashboard.app import _shell

    return _shell()


def download(app_client, chart: str, filters: Filters | None = None) -> str:
    """The CSV behind a chart, through the app's download callback."""
    dependency = next(
        d for d in app_client.get("/_dash-dependencies").get_json() if d["output"].endswith('"csv-download"}.data')
    )
    button = {"chart": chart, "type": "csv-button"}
    body = {
        "output": dependency["output"],
        "outputs": {"id": {"chart": chart, "type": "csv-download"}, "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.FILTERS, "property": "data", "value": (filters or Filters()).to_store()}],
        "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"],
    }
    response = app_client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    (output,) = response.get_json()["response"].values()
    return output["data"]["content"]


def test_synthetic_data_put_the_banner_on_every_page(app_client):
    with app_client.application.test_request_context("/"):
        assert ids.SYNTHETIC_BANNER in rendered_ids(shell())
    overview = page_layout("/")
    assert ids.OVERVIEW_CHANGES in rendered_ids(overview)
    assert "Plus fortes évolutions depuis la dernière revue" in text_of(overview)


@pytest.mark.parametrize("chart", ["suivi-evolutions", "suivi-flux", "suivi-bilan-extraction", "ranking"])
def test_every_csv_export_says_the_data_are_simulated(app_client, chart):
    content = download(app_client, chart)
    lines = content.lstrip("\ufeff").splitlines()
    assert "# Données simulées" in lines[:3]
    if chart.startswith("suivi"):
        assert "extraction hebdomadaire" in lines[0]


def test_the_export_follows_the_weekly_filters(app_client):
    content = download(app_client, "suivi-evolutions", Filters(regions=("84", "11"), bailleur=("oph",)))
    rows = [line.split(";") for line in content.lstrip("\ufeff").splitlines() if not line.startswith("#")]
    assert [r[0] for r in rows[1:]] == ["84", "11"]


def test_without_operations_database_the_pages_say_what_to_run(app_client, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(tmp_path / "absent.duckdb"))
    suivi = page_layout("/suivi")
    assert ids.SUIVI_MISSING in rendered_ids(suivi)
    assert "python -m dashboard import" in text_of(suivi)
    assert not any(isinstance(i, str) and i.startswith("chart-") for i in rendered_ids(suivi))
    overview = page_layout("/")
    assert "aucune extraction importée" in text_of(overview)
    with app_client.application.test_request_context("/"):
        assert ids.SYNTHETIC_BANNER not in rendered_ids(shell())
    assert app_client.get("/suivi").status_code == 200
    assert dash.page_registry["dashboard.pages.suivi"]["order"] == 5


def test_the_delta_table_reads_without_a_previous_snapshot(app_client):
    """With a single snapshot there is nothing to compare with: the changes read "—", no error."""
    from dashboard import db
    from dashboard.pages import suivi
    from dashboard.queries import weekly

    with app_client.application.test_request_context("/suivi"):
        cur = db.cursor()
        pair = weekly.snapshot_pair(cur, Filters())
        deltas = weekly.region_deltas(cur, pair.current_id, None)
    single = deltas.assign(**{c: None for c in deltas.columns if c.endswith(("_delta", "_previous"))})
    table = suivi.delta_table(single).text()
    assert "—" in table
    assert "Ensemble de la sélection" in table


def test_a_suivi_filter_change_answers_with_data_only(app_client):
    """A /suivi filter change rewrites properties of the page's components (the header's and key
    figures' texts, the tables' rows, the figures) and sends no new Dash component: Dash's renderer
    walks the whole page for each one (about a sixth of the browser's time of a change). The answer
    follows the chosen snapshot."""
    from dashboard.components.plain_elements import element_text

    from .test_auth import forged_bodies

    older = WEEKLY_AS_OF[0].isoformat()
    filters = Filters(instantane=older)
    (body,) = [b for b in forged_bodies(app_client, {}, filters) if f"{ids.SUIVI_HEADER}.elements" in b["output"]]
    response = app_client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    answer = response.get_json()["response"]
    assert components_in(answer) == 0
    header = "".join(element_text(e) for e in answer[ids.SUIVI_HEADER]["elements"])
    assert f"extraction du {WEEKLY_AS_OF[0]:%d/%m/%Y}" in header
    assert "Aucune extraction antérieure" in header  # the older snapshot has none before it
    key_figures = "".join(element_text(e) for e in answer[ids.SUIVI_KPIS]["elements"])
    assert key_figures.count("pas de comparaison") == 4  # nothing to compare the older snapshot with
    assert answer[ids.SUIVI_DELTA_TABLE]["rows"] and answer[ids.SUIVI_REPORT_TABLE]["head"]


def count_weekly_queries(monkeypatch) -> list[str]:
    """The names of the weekly query functions the /suivi views call from now on."""
    from dashboard.pages import suivi

    calls: list[str] = []
    for name in ("flows", "remaining", "lag_quantiles", "region_deltas", "report_comparison"):
        original = getattr(suivi, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        counted.__qualname__, counted.__module__ = original.__qualname__, original.__module__  # same cache keys
        monkeypatch.setattr(suivi, name, counted)
    return calls


def drop_caches() -> None:
    from dashboard import db

    handle = db._handle_for_thread()
    handle.cache.clear()
    handle.results.clear()


def test_the_latest_snapshot_by_its_date_shares_the_views_of_dernier(app_client, monkeypatch):
    """Picking the latest snapshot by its date (or the previous one as reference by its date) draws
    the views of "dernier" / "précédent": the same cache entries, not computed again."""
    from dashboard import db
    from dashboard.pages import suivi

    latest, previous = WEEKLY_AS_OF[1].isoformat(), WEEKLY_AS_OF[0].isoformat()
    with app_client.application.test_request_context("/suivi"):
        cur = db.cursor()
        drop_caches()
        calls = count_weekly_queries(monkeypatch)
        default = suivi.cached_view(cur, suivi.flows_view, Filters())
        assert calls == ["flows"]
        assert suivi.cached_view(cur, suivi.flows_view, Filters(instantane=latest)) == default
        assert suivi.cached_view(cur, suivi.flows_view, Filters(reference=previous)) == default
        assert calls == ["flows"]
        assert suivi.view_filters(cur, Filters()) == Filters(instantane=latest, reference=previous)
        older = suivi.view_filters(cur, Filters(instantane=previous))
        assert (older.instantane, older.reference) == (previous, "precedent")  # nothing before it
        assert suivi.cached_view(cur, suivi.flows_view, Filters(instantane=previous)) != default
        assert calls == ["flows", "flows"]


def test_the_warm_up_prepares_the_views_of_the_recent_snapshots(app_client, monkeypatch):
    """`app.warm_up` computes the /suivi views of the latest snapshots too: the weekly review's first
    pick of one of them is answered from the caches, without a query."""
    from dashboard import app as app_module
    from dashboard import db
    from dashboard.pages import suivi

    with app_client.application.test_request_context("/suivi"):
        drop_caches()
    app_module.warm_up(app_client.application)
    calls = count_weekly_queries(monkeypatch)
    with app_client.application.test_request_context("/suivi"):
        for as_of in WEEKLY_AS_OF:
            suivi.views(db.cursor(), Filters(instantane=as_of.isoformat()))
        assert calls == []
        suivi.views(db.cursor(), Filters(instantane=WEEKLY_AS_OF[0].isoformat(), pas="annee"))
        assert "flows" in calls  # a combination not prepared ahead is computed
        assert suivi.warm_up_views(1) == [WEEKLY_AS_OF[1].isoformat()]
