"""The list of findings of /qualite, drawn by one React component from plain data (`assets/07-findings.js`).

Built of `dbc.Accordion` items, the list cost about ten Dash components per finding, and Dash
re-rendered each of them (with its wrapper) whenever anything on the page changed: a third of a
second of the browser's time at each filter change on /qualite. This component receives the findings
as JSON: `items` (collapsed), `details` of the opened ones (filled by a callback, see
`pages.qualite.show_details`), `active_item` (the opened ids), `pending` (the opened ones whose
details the browser asks for) and `highlight` (the territory codes whose facts stand out in the
details: the selected territories). The details do not depend on the filters, so a filter change
sets `items`, `active_item` and `highlight` and the details already sent stay. Text only: React
escapes it.
"""

from __future__ import annotations

from dash.development.base_component import Component

Item = dict[str, str]
Detail = dict[str, object]


def finding_entry(
    finding_id: str,
    *,
    badge: str,
    background: str,
    color: str,
    territory: str,
    measure: str,
    period: str,
    rule: str,
    values: str,
) -> Item:
    """One collapsed finding: its severity badge (text and colours) and its heading's parts."""
    return {
        "id": finding_id,
        "badge": badge,
        "background": background,
        "color": color,
        "territory": territory,
        "measure": measure,
        "period": period,
        "rule": rule,
        "values": values,
    }


def fact_row(role: str, territory: str, value: str, quote: str, section: str, *, code: str) -> Detail:
    """One fact behind a finding: its role, territory (name, and `code` for `highlight`), printed
    value, quote and report section."""
    return {"role": role, "territory": territory, "code": code, "value": value, "quote": quote, "section": section}


def finding_detail(stats: list[tuple[str, str]], message: str, description: str, facts: list[Detail]) -> Detail:
    """The body of an opened finding: labelled figures, the message, the rule's description, the facts."""
    return {"stats": [list(s) for s in stats], "message": message, "description": description, "facts": facts}


class FindingsList(Component):
    """`npnru.Findings`: findings as an accordion (see the module docstring for its props)."""

    _namespace = "npnru"
    _type = "Findings"

    def __init__(
        self,
        items: list[Item] | None = None,
        details: dict[str, Detail] | None = None,
        active_item: list[str] | None = None,
        pending: list[str] | None = None,
        highlight: list[str] | None = None,
        loading_text: str | None = None,
        empty_text: str | None = None,
        className: str | None = None,
        id: str | dict | None = None,
        **kwargs: object,
    ):
        self._prop_names = [
            "id",
            "className",
            "items",
            "details",
            "active_item",
            "pending",
            "highlight",
            "loading_text",
            "empty_text",
        ]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = list(self._prop_names)
        self.available_wildcard_properties: list[str] = []
        given = {
            "id": id,
            "className": className,
            "items": items,
            "details": details,
            "active_item": active_item,
            "pending": pending,
            "highlight": highlight,
            "loading_text": loading_text,
            "empty_text": empty_text,
        }
        super().__init__(**{key: value for key, value in given.items() if value is not None}, **kwargs)

    def text(self) -> str:
        """Every finding's heading, in order (for tests and logs)."""
        parts = ("badge", "territory", "measure", "period", "rule", "values")
        return " ".join(" ".join(item[p] for p in parts) for item in getattr(self, "items", None) or [])
