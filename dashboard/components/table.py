"""A read-only table drawn by one React component from plain data (`assets/06-table.js`).

A table built of `html.Tr`/`html.Td` costs one Dash component per cell, and Dash re-renders every
one of them (selectors, wrappers) whenever the table or anything else on the page is updated: the
/suivi tables alone (about 300 cells) took a third of a second of the browser's time at each filter
change. This component receives the cells as JSON and renders them with plain React elements.

Cells hold text only (React escapes it): there is no way to put markup in them.
"""

from __future__ import annotations

from dash.development.base_component import Component

Cell = dict[str, object]
Row = dict[str, object]
#: Bootstrap classes of every table (as dbc.Table(size="sm", hover=True)); the box scrolls sideways.
TABLE_CLASSES = "table table-sm table-hover"


def cell(
    text: str | None = None,
    *,
    class_name: str | None = None,
    col_span: int | None = None,
    row_span: int | None = None,
    strong: bool = False,
    quote: str | None = None,
) -> Cell:
    """One cell: `text` (bold if `strong`), after a `quote` shown as <q class="quote"> if given."""
    values = {
        "text": text,
        "className": class_name,
        "colSpan": col_span,
        "rowSpan": row_span,
        "strong": True if strong else None,
        "quote": quote,
    }
    return {key: value for key, value in values.items() if value is not None}


def table_row(cells: list[Cell], *, class_name: str | None = None, region: str | None = None) -> Row:
    """One body row; `region` is written as its `data-region` attribute."""
    values = {"cells": cells, "className": class_name, "region": region}
    return {key: value for key, value in values.items() if value is not None}


class Table(Component):
    """`npnru.Table`: header rows of cells, body rows (see `cell`, `table_row`), table classes."""

    _namespace = "npnru"
    _type = "Table"

    def __init__(
        self,
        head: list[list[Cell]] | None = None,
        rows: list[Row] | None = None,
        className: str | None = None,
        id: str | dict | None = None,
        **kwargs: object,
    ):
        self._prop_names = ["id", "className", "head", "rows"]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = list(self._prop_names)
        self.available_wildcard_properties: list[str] = []
        given = {"id": id, "className": className, "head": head, "rows": rows}
        super().__init__(**{key: value for key, value in given.items() if value is not None}, **kwargs)

    def text(self) -> str:
        """Every cell's quote and text, in reading order (for tests and logs)."""
        head = getattr(self, "head", None) or []
        lines = [*head, *(r["cells"] for r in getattr(self, "rows", None) or [])]
        return " ".join(
            str(part) for cells in lines for c in cells for part in (c.get("quote"), c.get("text")) if part is not None
        )


def table(head: list[list[Cell]], rows: list[Row], *, class_name: str = "") -> Table:
    """A small, hoverable Bootstrap table; `class_name` adds classes to the <table>."""
    return Table(head=head, rows=rows, className=f"{TABLE_CLASSES} {class_name}".strip())


def with_id(built: Table | None, identifier: str) -> Table:
    """A copy of `built` (or an empty table) with the component id `identifier`, for a layout whose
    callback then updates the table's `head` and `rows` (one property change; a new table as the
    `children` of a box would make Dash walk the layout again)."""
    if built is None:
        return Table(head=[], rows=[], className=TABLE_CLASSES, id=identifier)
    return Table(head=built.head, rows=built.rows, className=built.className, id=identifier)  # type: ignore[attr-defined]


def parts(built: Table | None) -> tuple[list[list[Cell]], list[Row]]:
    """The `head` and `rows` of `built` (empty without a table), as a callback returns them."""
    if built is None:
        return [], []
    return built.head, built.rows  # type: ignore[attr-defined]
