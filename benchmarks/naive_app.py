"""The naive baseline: the dashboard's pages and callbacks implemented "the obvious way".

Served by gunicorn exactly like the real app (`gunicorn benchmarks.naive_app:server -c
gunicorn.conf.py`), with the same pages, component ids and callback wiring, so that the benchmark
sends it the very same request bodies. What differs:

- a new DuckDB connection per request (opened on first use in the request, closed at its end),
  instead of one read-only connection per worker and a cursor per thread;
- the chart callbacks build their figures with `plotly.express` straight from the same query
  functions (default template, no shared theme), instead of the hand-built `graph_objects` figures;
- a change of map measure or selection resends the whole map figure (geometry included) instead
  of a `dash.Patch` of colours and texts.

Callbacks without a naive version here (lists, tables, and any page added later,
such as `/suivi`) run their real code, with the per-request connection. The layouts are the real
ones. This module must be imported before `dashboard.app`: it swaps `dash.callback` so that the
pages register the naive functions in place of the real ones.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
import duckdb
import flask
import pandas as pd
import plotly.express as px

#: Naive implementations, by the `module.qualname` of the real callback they replace.
NAIVE: dict[str, Callable[..., object]] = {}


def naive(name: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    def register(function: Callable[..., object]) -> Callable[..., object]:
        NAIVE[name] = function
        return function

    return register


def connect() -> duckdb.DuckDBPyConnection:
    """A new read-only connection to the report database, with the operations database attached as `ops`."""
    from dashboard.config import get_settings
    from dashboard.extracts.store import attach_operations

    settings = get_settings()
    con = duckdb.connect(str(settings.db_path), read_only=True)
    if settings.operations_db_path.exists():
        attach_operations(con, settings.operations_db_path)
    return con


def per_request_cursor() -> duckdb.DuckDBPyConnection:
    """The connection of the current request, opened on first use (a fresh one outside a request)."""
    if not flask.has_app_context():
        return connect()
    con = flask.g.get("naive_connection")
    if con is None:
        con = flask.g.naive_connection = connect()
    return con


def _filters(cur: duckdb.DuckDBPyConnection, values: object):
    """The filters of the page's controls (the first input of every filter callback)."""
    from dashboard.filters import from_store
    from dashboard.on_filters import control_values
    from dashboard.queries.common import section_codes

    return from_store(control_values(values), section_codes(cur))


def _sized(figure) -> tuple[object, dict[str, str]]:
    return figure, {"height": f"{figure.layout.height or 450}px"}


@naive("pages.overview.update_ranking")
def ranking(values: object):
    from dashboard.indicators import INDICATORS
    from dashboard.queries.common import indicator_values

    cur = per_request_cursor()
    filters = _filters(cur, values)
    data = indicator_values(cur, filters.measure).sort_values("value")
    data["selected"] = data["region_code"].isin(filters.regions)
    return _sized(
        px.bar(
            data, x="value", y="region_name", color="selected", orientation="h", title=INDICATORS[filters.measure].label
        )
    )


def _long(data: pd.DataFrame, name: str, columns: list[str]) -> pd.DataFrame:
    return data.melt(id_vars=[name], value_vars=columns, var_name="série", value_name="valeur")


def stages(values: object):
    from dashboard.queries.loans import loan_stages

    cur = per_request_cursor()
    data = loan_stages(cur, _filters(cur, values).regions)
    long = _long(data, "region_name", ["alloues", "engages", "engages_2024"])
    return _sized(
        px.bar(long, x="valeur", y="region_name", color="série", barmode="group", orientation="h", height=600)
    )


def rates(values: object):
    from dashboard.queries.loans import engagement_rates

    cur = per_request_cursor()
    data = engagement_rates(cur, _filters(cur, values).regions)
    return _sized(px.bar(data, x="rate", y="region_name", orientation="h", height=520))


def disbursed(values: object):
    from dashboard.components.table import parts
    from dashboard.pages.prets import disbursement_table
    from dashboard.queries.loans import disbursements

    cur = per_request_cursor()
    data = disbursements(cur, _filters(cur, values).regions)
    long = _long(data.assign(nom=data["territory_name"] + " " + data["period_label"]), "nom", ["engages", "decaisses"])
    figure = px.bar(long, x="valeur", y="nom", color="série", barmode="group", orientation="h", height=600)
    return *_sized(figure), *parts(disbursement_table(data))


def rights_sections(values: object):
    from dashboard.queries.rights import rights_by_section

    cur = per_request_cursor()
    filters = _filters(cur, values)
    data = rights_by_section(cur, filters.regions)
    columns = list(filters.famille or ("requalification", "reconstitution"))
    if filters.vue == "part":
        columns = [f"{c}_share" for c in columns]
    return _sized(px.bar(_long(data, "region_name", columns), x="valeur", y="region_name", color="série", height=560))


@naive("pages.prets.update_views")
def loans(values: object):
    """The page's three charts the naive way, then its findings (real code)."""
    from dashboard.pages.prets import findings_view

    cur = per_request_cursor()
    return (*stages(values), *rates(values), *disbursed(values), findings_view(_filters(cur, values)))


@naive("pages.droits.update_views")
def rights(values: object):
    """The chart of the territories the naive way, then their findings (real code)."""
    from dashboard.pages.droits import section_findings_view

    cur = per_request_cursor()
    return (*rights_sections(values), section_findings_view(_filters(cur, values)))


@naive("pages.contreparties.update_sections")
def land_sections(values: object):
    from dashboard.queries.land import section_counterparts

    cur = per_request_cursor()
    filters = _filters(cur, values)
    data = section_counterparts(cur, filters.regions)
    columns = [
        c
        for c, operator in (("cf_fonciere_logement", "fonciere_logement"), ("cf_esh_groupe", "esh_groupe"))
        if not filters.operateur or operator in filters.operateur
    ]
    return _sized(
        px.bar(_long(data, "region_name", columns), x="valeur", y="region_name", color="série", orientation="h")
    )


@naive("pages.carte.restyle_map")
def full_map(values: object, rendered: object):
    """The whole figure, geometry included, at every change (no `dash.Patch`)."""
    from dashboard.figures.map import choropleth, map_style, with_selection
    from dashboard.geometry import load_geometry
    from dashboard.indicators import INDICATORS
    from dashboard.pages.carte import _drom_lines, _rendered
    from dashboard.pages.overview import context_of
    from dashboard.queries.common import indicator_values

    cur = per_request_cursor()
    filters = _filters(cur, values)
    geometry = load_geometry()
    style = map_style(
        indicator_values(cur, filters.measure), INDICATORS[filters.measure], geometry, drom_facts=_drom_lines(cur)
    )
    style = with_selection(style, geometry, filters.regions)
    return choropleth(geometry, style, context_of(cur)), _rendered(filters)


_real_callback = dash.callback
#: The callbacks the app registered, by `module.qualname`.
_REGISTERED: set[str] = set()


def _naive_callback(*args: object, **kwargs: object) -> Callable[[Callable[..., object]], object]:
    """`dash.callback` that registers the naive version of a callback when there is one."""
    register = _real_callback(*args, **kwargs)

    def decorator(function: Callable[..., object]) -> object:
        name = f"{function.__module__.removeprefix('dashboard.')}.{function.__qualname__}"
        _REGISTERED.add(name)
        return register(NAIVE.get(name, function))

    return decorator


dash.callback = _naive_callback  # type: ignore[assignment]

from dashboard import db  # noqa: E402  (after the swap of dash.callback)

db.cursor = per_request_cursor  # type: ignore[assignment]

from dashboard.app import server  # noqa: E402

if set(NAIVE) - _REGISTERED:  # a real callback renamed or merged: its naive version would never run
    raise RuntimeError(f"naive versions of callbacks the app no longer has: {sorted(set(NAIVE) - _REGISTERED)}")


def _close_connection(_exc: BaseException | None) -> None:
    con = flask.g.pop("naive_connection", None)
    if con is not None:
        con.close()


# The app already answered a request (dashboard.app renders "/" once), so Flask refuses the
# decorator: register the teardown function directly.
server.teardown_appcontext_funcs.append(_close_connection)


__all__ = ["NAIVE", "server"]
