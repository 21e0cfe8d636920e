"""App-wide callbacks: filter controls -> validated store -> URL, and CSV downloads."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import parse_qs

from dash import ALL, MATCH, Dash, Input, Output, State, callback, ctx, dcc, html, no_update

from . import db, ids
from .auth import operations_access
from .exports import EXPORT_SOURCES, EXPORTS, to_csv
from .filters import FILTER_NAMES, MAX_VALUE_LENGTH, WEEKLY_NAMES, WeeklyChoices, from_query, from_store, validate
from .on_filters import control_name
from .queries.common import section_codes, source_info
from .queries.weekly import weekly_choices
from .synthetic import synthetic_shown

#: At most this many rejected values are listed; longer query strings are not parsed at all.
MAX_REJECTED = 10
MAX_QUERY_LENGTH = 4096


@callback(
    Output(ids.FILTERS, "data"),
    Input(ids.filter_control(ALL), "value"),  # type: ignore[arg-type]
    State("_pages_location", "search"),
    State(ids.FILTERS, "data"),
)
def store_filters(values: list[object], search: object = None, previous: object = None) -> dict[str, object]:
    """Validate every filter control of the page into the store (and the URL query string).

    The filter values a page dropped from its address are reported at the first call for that
    address and the one right after it, no later (`search` keeps the address the browser loaded,
    even after the filters rewrote it).
    """
    codes = db.cached(section_codes)
    names = [control_name(item) for item in ctx.inputs_list[0]] if ctx.inputs_list else []
    raw = {name: value for name, value in zip(names, values or [], strict=False) if isinstance(name, str)}
    filters = validate(raw, codes, weekly_choices_for(raw))
    rejected = list(filters.rejected)
    search = search[:MAX_QUERY_LENGTH] if isinstance(search, str) else ""
    new_address = not isinstance(previous, dict) or previous.get("search") != search
    # Reported at the first call for an address and, recomputed, at the call right after it (the
    # page's controls mounting): the alert's update for the first store value may be superseded.
    if new_address or (isinstance(previous, dict) and previous.get("new_address") is True):
        rejected = [*_url_rejections(search, codes), *rejected]
    return {
        **filters.to_store(),
        "rejected": rejected[:MAX_REJECTED],
        "search": search,
        "new_address": new_address,
        "query": filters.query_string([n for n in names if n in raw]),
        "carry": filters.query_string(["regions"]),
    }


def _url_rejections(search: object, codes: tuple[str, ...]) -> list[str]:
    """The filter values of the address the page dropped (other parameters are left alone)."""
    if not isinstance(search, str) or not search:
        return []
    if len(search) >= MAX_QUERY_LENGTH:
        return ["adresse trop longue : ses filtres sont ignorés"]
    query = {k: v for k, v in parse_qs(search.lstrip("?")).items() if k in FILTER_NAMES}
    return list(from_query(query, codes, weekly_choices_for(query)).rejected)


def weekly_choices_for(names: Iterable[object]) -> WeeklyChoices | None:
    """Known départements and snapshot dates when weekly filters are among `names` (else None).

    Read once per opened database files and requester's regions: an import or a rebuild refreshes them.
    Empty when the request may not see operational data.
    """
    if not WEEKLY_NAMES.intersection(n for n in names if isinstance(n, str)):
        return None
    cur = db.cursor()
    access = operations_access(cur)
    if not access.allowed:
        return WeeklyChoices()
    key = "weekly_choices" if access.regions is None else f"weekly_choices:{','.join(access.regions)}"
    return db.memo(key, lambda: weekly_choices(cur, access.regions))


@callback(
    Output(ids.FILTERS_ALERT, "children"),
    Output(ids.FILTERS_ALERT, "is_open"),
    Input(ids.FILTERS, "data"),
)
def show_rejected(store: object):
    """List the filter values that were dropped (unknown, malformed) in a dismissable alert.

    The alert stays until the user closes it, other values are rejected or a clean address is loaded.
    """
    rejected = store.get("rejected") if isinstance(store, dict) else None
    if not isinstance(rejected, list) or not rejected:
        return (None, False) if isinstance(store, dict) and store.get("new_address") is True else (no_update, no_update)
    items = [str(item)[: 2 * MAX_VALUE_LENGTH] for item in rejected[:MAX_REJECTED]]
    return [
        html.Strong("Filtres ignorés : "),
        "ces valeurs ne correspondent à aucune valeur connue et n'ont pas été appliquées.",
        html.Ul([html.Li(item) for item in items], className="mb-0"),
    ], True


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
