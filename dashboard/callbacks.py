"""App-wide callbacks: filter controls -> validated store -> URL, and CSV downloads."""

from __future__ import annotations

import json

from dash import ALL, MATCH, Dash, Input, Output, State, callback, ctx, dcc, no_update

from . import db, ids
from .exports import EXPORTS, to_csv
from .filters import from_store, validate
from .queries.common import section_codes, source_info
from .synthetic import synthetic_shown


@callback(
    Output(ids.FILTERS, "data"),
    Input(ids.filter_control(ALL), "value"),  # type: ignore[arg-type]
)
def store_filters(values: list[object]) -> dict[str, object]:
    """Validate every filter control of the page into the store (and the URL query string)."""
    cur = db.cursor()
    names = [item["id"]["name"] for item in ctx.inputs_list[0]] if ctx.inputs_list else []
    raw = {name: value for name, value in zip(names, values or [], strict=False) if isinstance(name, str)}
    filters = validate(raw, section_codes(cur))
    return {
        **filters.to_store(),
        "query": filters.query_string([n for n in names if n in raw]),
        "carry": filters.query_string(["regions"]),
    }


_URL_SYNC_JS = """
function (data) {
    var paths = %s;
    var skip = window.dash_clientside.no_update;
    if (!data) { return [skip].concat(paths.map(function () { return skip; })); }
    window.__npnruPath = window.location.pathname;
    var target = window.location.pathname + (data.query || "");
    if (window.location.pathname + window.location.search !== target) {
        window.history.pushState({}, "", target);
    }
    return [target].concat(paths.map(function (p) { return p + (data.carry || ""); }));
}
"""


def register_url_sync(app: Dash, nav_pages: dict[str, str]) -> None:
    """Mirror the filters into the address bar without a reload, and let the navigation links
    carry the selected regions to the other views. Back/forward re-render the page from the URL.

    `nav_pages` maps a navigation link id to its page path.
    """
    app.clientside_callback(
        _URL_SYNC_JS % json.dumps(list(nav_pages.values())),
        Output(ids.URL_SYNC, "data"),
        *[Output(link_id, "href") for link_id in nav_pages],
        Input(ids.FILTERS, "data"),
    )


@callback(
    Output(ids.csv_download(MATCH), "data"),  # type: ignore[arg-type]
    Input(ids.csv_button(MATCH), "n_clicks"),  # type: ignore[arg-type]
    State(ids.FILTERS, "data"),
    prevent_initial_call=True,
)
def download_csv(n_clicks: int | None, store: object) -> object:
    """The data behind a chart, as a CSV file honouring the current filters."""
    name = ctx.triggered_id["chart"] if isinstance(ctx.triggered_id, dict) else None
    if not n_clicks or name not in EXPORTS:
        return no_update
    cur = db.cursor()
    filters = from_store(store, section_codes(cur))
    info = source_info(cur)
    content = to_csv(
        EXPORTS[name](cur, filters),
        source_line=info.source_line,
        data_date=info.data_date,
        synthetic=synthetic_shown(cur),
    )
    return dcc.send_string(content, filename=f"npnru-{name}.csv", type="text/csv")
