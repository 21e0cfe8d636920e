"""App-wide callbacks: filter controls -> filters store, URL and navigation links (in the browser),
and CSV downloads."""

from __future__ import annotations

import json

from dash import ALL, MATCH, Dash, Input, Output, State, callback, ctx, dcc, no_update

from . import db, ids
from .exports import EXPORT_SOURCES, EXPORTS, to_csv
from .filters import FILTER_NAMES, MULTI_VALUED, SINGLE_VALUED, from_store
from .on_filters import weekly_choices_for
from .queries.common import section_codes, source_info
from .synthetic import synthetic_shown

_FILTERS_JS = """
function (values, options) {
    var config = %s;
    var items = (window.dash_clientside.callback_context.inputs_list || [])[0] || [];
    var store = {}, params = [], carry = "";
    var encode = function (text) {
        return encodeURIComponent(String(text)).replace(/%%2C/gi, ",").replace(/%%20/g, "+");
    };
    items.forEach(function (item, index) {
        var name = item && item.id ? item.id.name : null;
        if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(config.known, name)) { return; }
        var value = values[index];
        store[name] = value;
        var text = null;
        if (config.multi.indexOf(name) >= 0) {
            var list = (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value])
                .map(String).filter(function (v, i, all) { return v && all.indexOf(v) === i; });
            var known = (options && Array.isArray(options[index]) ? options[index] : [])
                .map(function (o) { return String(o && typeof o === "object" ? o.value : o); });
            var every = known.length > 0 && known.length === list.length
                && known.every(function (v) { return list.indexOf(v) >= 0; });
            if (list.length && !(every && config.all_is_default.indexOf(name) >= 0)) { text = list.join(","); }
        } else if (value !== null && value !== undefined && String(value) !== config.single[name]) {
            text = String(value);
        }
        if (text !== null) {
            var param = encode(name) + "=" + encode(text);
            params.push(param);
            if (name === "regions") { carry = "?" + param; }
        }
    });
    var query = params.length ? "?" + params.join("&") : "";
    store.query = query;
    store.carry = carry;
    window.__npnruPath = window.location.pathname;
    var target = window.location.pathname + query;
    if (window.location.pathname + window.location.search !== target) {
        window.history.pushState({}, "", target);
    }
    return [store].concat(config.paths.map(function (p) { return p + carry; }));
}
"""


def register_filters_store(app: Dash, nav_pages: dict[str, str]) -> None:
    """In the browser, at each change of a filter control: keep the control values in the filters
    store (read by the exports), mirror them into the address bar without a reload, and let the
    navigation links carry the selected regions. Back/forward re-render the page from the URL.

    No request: the views validate the control values themselves, and the values an address
    carried that the page dropped are listed by the page's layout (`components/rejected_alert.py`).
    The query string follows `Filters.query_string`: values in control order, defaults left out
    (every box of a checklist ticked, other than regions and départements, is the default "all").
    `nav_pages` maps a navigation link id to its page path.
    """
    config = {
        "known": {name: True for name in FILTER_NAMES},
        "multi": list(MULTI_VALUED),
        "single": SINGLE_VALUED,
        "all_is_default": [name for name in MULTI_VALUED if name not in ("regions", "departements")],
        "paths": list(nav_pages.values()),
    }
    app.clientside_callback(
        _FILTERS_JS % json.dumps(config),
        Output(ids.FILTERS, "data"),
        *[Output(link_id, "href") for link_id in nav_pages],
        Input(ids.filter_control(ALL), "value"),  # type: ignore[arg-type]
        State(ids.filter_control(ALL), "options"),  # type: ignore[arg-type]
    )


@callback(
    Output(ids.csv_download(MATCH), "data"),  # type: ignore[arg-type]
    Input(ids.csv_button(MATCH), "n_clicks"),  # type: ignore[arg-type]
    State(ids.FILTERS, "data"),
    prevent_initial_call=True,
)
def download_csv(n_clicks: int | None, store: object) -> object:
    """The data behind a chart, as a CSV file honouring the current filters."""
    name = ctx.triggered_id.get("chart") if isinstance(ctx.triggered_id, dict) else None
    if not n_clicks or not isinstance(name, str) or name not in EXPORTS:
        return no_update
    cur = db.cursor()
    filters = from_store(store, db.cached(section_codes), weekly_choices_for(store if isinstance(store, dict) else ()))
    if name in EXPORT_SOURCES:
        source_line, data_date = EXPORT_SOURCES[name](cur, filters)
    else:
        info = db.cached(source_info)
        source_line, data_date = info.source_line, info.data_date
    content = to_csv(
        EXPORTS[name](cur, filters),
        source_line=source_line,
        data_date=data_date,
        synthetic=synthetic_shown(cur),
    )
    return dcc.send_string(content, filename=f"npnru-{name}.csv", type="text/csv")
