"""The alert that lists the filter values of a page's address that the page dropped.

Rendered by the page's layout itself (every registered page is wrapped by `with_rejected_alert`),
from the query parameters Dash pages pass to it: no callback, no request. Values set through the
controls are always known ones; the callbacks that use them validate them again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import html

from .. import db, ids
from ..filters import FILTER_NAMES, MAX_VALUE_LENGTH, from_query
from ..on_filters import weekly_choices_for
from ..queries.common import section_codes

#: At most this many rejected values are listed; longer query strings are not parsed at all.
MAX_REJECTED = 10
MAX_QUERY_LENGTH = 4096

Layout = Callable[..., object]


def address_rejections(query: Mapping[str, object]) -> list[str]:
    """The filter values of the address (`query`: its parameters) that the page drops, in French.

    Other parameters (a page's path variables, anything else) are left alone.
    """
    filters = {name: value for name, value in query.items() if name in FILTER_NAMES}
    if not filters:
        return []
    if len(urlencode(filters, doseq=True)) >= MAX_QUERY_LENGTH:
        return ["adresse trop longue : ses filtres sont ignorés"]
    return list(from_query(filters, db.cached(section_codes), weekly_choices_for(filters)).rejected)


def rejected_alert(rejected: list[str]) -> dbc.Alert:
    """A dismissable warning listing the `rejected` values (at most MAX_REJECTED, each shortened)."""
    items = [str(item)[: 2 * MAX_VALUE_LENGTH] for item in rejected[:MAX_REJECTED]]
    return dbc.Alert(
        [
            html.Strong("Filtres ignorés : "),
            "ces valeurs ne correspondent à aucune valeur connue et n'ont pas été appliquées.",
            html.Ul([html.Li(item) for item in items], className="mb-0"),
        ],
        id=ids.FILTERS_ALERT,
        color="warning",
        dismissable=True,
        className="small",
    )


def with_rejected_alert(layout: Layout) -> Layout:
    """`layout`, preceded by the alert of its address's rejected filter values when there are any."""

    def alerted(**query: object) -> object:
        content = layout(**query)
        rejected = address_rejections(query)
        return [rejected_alert(rejected), content] if rejected else content

    alerted.__doc__ = layout.__doc__
    alerted.__wrapped__ = layout  # type: ignore[attr-defined]
    return alerted
