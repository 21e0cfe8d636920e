"""Page callbacks driven by the page's own filter controls.

A page renders its views for the filters of its address in its layout, so it is complete when it
arrives. Its update callbacks then read the filter controls directly (every `filter_control` of the
page, as a pattern-matching input) and fire on a change only, never when the page opens: no extra
round trip through the filters store before the charts are requested, and no chart drawn twice.
The filters store follows the controls in the browser (`callbacks.register_filters_store`), for the
address bar and the exports.

A page has one update callback for all its views (`update_views`), the map of /carte excepted (its
answer must stay a small `Patch`): each request, and each answer the browser applies, costs a fixed
share of the browser's time (about a fifth of a filter change on /suivi with five callbacks), while the
views themselves are cached on the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dash import ALL, Input, Output, State, callback, ctx

from . import db, ids
from .auth import operations_access
from .filters import WEEKLY_NAMES, Filters, WeeklyChoices, from_store
from .queries.common import section_codes
from .queries.weekly import weekly_choices

#: The input of every update callback: the values of all the page's filter controls.
CONTROLS = Input(ids.filter_control(ALL), "value")  # type: ignore[arg-type]


def filters_callback(*dependencies: Output | State) -> Callable:
    """`dash.callback` for a page update: the outputs, then the filter controls' values as the first
    argument of the decorated function (see `control_values`), then the states. Not fired when the
    page opens: the layout shows the address's filters already."""
    outputs = [d for d in dependencies if isinstance(d, Output)]
    states = [d for d in dependencies if isinstance(d, State)]
    if len(outputs) + len(states) != len(dependencies):
        raise TypeError("filters_callback takes Output and State dependencies only")
    return callback(*outputs, CONTROLS, *states, prevent_initial_call=True)


def control_name(item: object) -> object:
    """The filter name of an entry of the pattern-matching input list (untrusted: may be anything)."""
    identifier = item.get("id") if isinstance(item, dict) else None
    return identifier.get("name") if isinstance(identifier, dict) else None


def control_values(values: object) -> dict[str, object]:
    """The page's filter controls as {name: raw value}, in a callback whose first input is `CONTROLS`.

    Untrusted JSON: validate with `filters.from_store` (or use `page_filters`).
    """
    entries = ctx.inputs_list[0] if ctx.inputs_list and isinstance(ctx.inputs_list[0], list) else []
    listed = values if isinstance(values, list) else []
    names = [control_name(item) for item in entries]
    return {name: value for name, value in zip(names, listed, strict=False) if isinstance(name, str)}


def page_filters(values: object) -> Filters:
    """The validated filters of the page's report controls (the weekly ones need their known values:
    see `pages.suivi`)."""
    return from_store(control_values(values), db.cached(section_codes))


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
