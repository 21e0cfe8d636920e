"""Small blocks of text (a header, key-figure cards) drawn by one React component from plain data
(`assets/08-plain-elements.js`).

A callback that returns Dash components as `children` makes Dash's renderer walk the new layout,
record its paths and look for callbacks in it, each a pass over the whole page's state; even a
string child costs a second dispatch. On /suivi the header and the key figures, rebuilt at every
filter change, took about a sixth of the browser's time of the change that way. This component
receives its elements as JSON in a plain property: the update is one state change and React
redraws the texts.

Elements hold text only (React escapes it) and a few tags; attributes are limited to classes, ids,
a background and a left border colour (`#rrggbb`: swatches, tiles) and, for links, an address
within the dashboard, which they open as `dcc.Link` does: without reloading the page.
"""

from __future__ import annotations

import re

from dash.development.base_component import Component

Element = dict[str, object]
#: The tags an element may have (the browser side draws nothing else).
TAGS = frozenset({"div", "span", "strong", "small", "p", "q", "ul", "li", "a", "h3", "table", "tbody", "tr", "td"})
#: A background colour an element may have.
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def element(
    tag: str,
    *children: Element | str,
    class_name: str | None = None,
    id: str | None = None,
    href: str | None = None,
    background: str | None = None,
    accent: str | None = None,
) -> Element:
    """One element: `tag` with text and element `children`, optional classes, DOM id, background
    colour and left border colour (`accent`), both `#rrggbb`; a link (`a`) has an `href` within the
    dashboard ("/qualite")."""
    if tag not in TAGS:
        raise ValueError(f"unsupported tag {tag!r}: one of {sorted(TAGS)}")
    if (href is not None) != (tag == "a") or (href is not None and not is_internal(href)):
        raise ValueError(f"a link needs an address within the dashboard, and only a link has one: {tag!r}, {href!r}")
    for colour in (background, accent):
        if colour is not None and not COLOR.match(colour):
            raise ValueError(f"a colour is written #rrggbb, not {colour!r}")
    values = {
        "tag": tag,
        "className": class_name,
        "id": id,
        "href": href,
        "background": background,
        "accent": accent,
        "children": list(children) or None,
    }
    return {key: value for key, value in values.items() if value is not None}


def is_internal(href: str) -> bool:
    """Whether `href` is an address within the dashboard: an absolute path, no scheme or host."""
    return href.startswith("/") and not href.startswith("//") and "\\" not in href and ":" not in href


def element_text(node: Element | str) -> str:
    """The text of an element and its descendants, in reading order."""
    if isinstance(node, str):
        return node
    return "".join(element_text(child) for child in node.get("children", []))  # type: ignore[union-attr]


class PlainElements(Component):
    """`npnru.PlainElements`: a <div> (`id`, `className`) holding `elements` (see `element`)."""

    _namespace = "npnru"
    _type = "PlainElements"

    def __init__(
        self,
        elements: list[Element | str] | None = None,
        className: str | None = None,
        id: str | dict | None = None,
        **kwargs: object,
    ):
        self._prop_names = ["id", "className", "elements"]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = list(self._prop_names)
        self.available_wildcard_properties: list[str] = []
        given = {"id": id, "className": className, "elements": elements}
        super().__init__(**{key: value for key, value in given.items() if value is not None}, **kwargs)

    def text(self) -> str:
        """Every element's text, in reading order (for tests and logs)."""
        return "".join(element_text(node) for node in getattr(self, "elements", None) or [])
