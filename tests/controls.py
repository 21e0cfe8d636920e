"""Call a page's filter callback (`dashboard.on_filters.filters_callback`) outside a request, with the
callback context Dash would give it (the pattern-matching list of the page's filter controls)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import copy_context

from dash._callback_context import context_value
from dash._utils import AttributeDict

from dashboard import ids


def with_controls(function: Callable, controls: dict[str, object], *states: object) -> object:
    """`function(values, *states)` as Dash calls it when the page's controls hold `controls`."""
    entries = [
        {"id": ids.filter_control(name), "property": "value", "value": value} for name, value in controls.items()
    ]

    def run() -> object:
        context_value.set(AttributeDict(inputs_list=[entries], states_list=[], outputs_list=[], triggered_inputs=[]))
        return function([entry["value"] for entry in entries], *states)

    return copy_context().run(run)
