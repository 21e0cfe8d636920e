"""Every page and every server-side callback answers, with the payloads the browser sends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import dash
import pytest
from dash.development.base_component import Component
from plotly.io.json import to_json_plotly

from dashboard import ids
from dashboard.filters import Filters

PAGES = ["/", "/prets", "/droits", "/contreparties", "/carte", "/suivi", "/region/84", "/region/OM", "/qualite"]


def components(tree: object) -> Iterator[Component]:
    if isinstance(tree, Component):
        yield tree
        yield from tree._traverse()
    elif isinstance(tree, (list, tuple)):
        for item in tree:
            yield from components(item)


def page_layout(path: str, **query: str) -> object:
    for page in dash.page_registry.values():
        if page.get("path") == path:
            return page["layout"](**query)
        template = page.get("path_template")
        if template and path.startswith(template.split("<")[0]):
            return page["layout"](code=path.rsplit("/", 1)[1])
    raise LookupError(path)


def parse_id(text: str) -> object:
    return json.loads(text) if text.startswith("{") else text


def matches(pattern: object, candidate: object) -> bool:
    if isinstance(pattern, str) or isinstance(candidate, str):
        return pattern == candidate
    if set(pattern) != set(candidate):
        return False
    return all(isinstance(v, list) or candidate[k] == v for k, v in pattern.items())


def split_output(output: str) -> list[tuple[object, str]]:
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    result = []
    for part in parts:
        identifier, _, prop = part.rpartition(".")
        result.append((parse_id(identifier), prop))
    return result


def store_value() -> dict[str, object]:
    return {**Filters().to_store(), "query": "", "carry": ""}


Props = list[tuple[object, dict]]


def lookup(props: Props, identifier: object) -> dict:
    return next((p for cid, p in props if cid == identifier), {})


def requests_for(dependency: dict, props: Props, path: str) -> Iterator[dict]:
    """Concrete request bodies for one dependency, given the (id, props) of the rendered page."""
    outputs = split_output(dependency["output"])
    match_values: list[object] = [None]
    for identifier, _ in outputs:
        if isinstance(identifier, dict) and ["MATCH"] in identifier.values():
            key = next(k for k, v in identifier.items() if v == ["MATCH"])
            match_values = [cid[key] for cid, _ in props if matches(identifier, cid)]

    for match in match_values:

        def concrete(identifier: object, match: object = match) -> object:
            if isinstance(identifier, dict):
                return {k: (match if v == ["MATCH"] else v) for k, v in identifier.items()}
            return identifier

        def value_of(identifier: object, prop: str) -> object:
            if identifier == ids.FILTERS:
                return store_value()
            if identifier == "_pages_location":
                return {"pathname": path, "search": "", "hash": "", "href": f"http://localhost{path}"}.get(prop)
            if prop == "n_clicks":
                return 1
            return lookup(props, identifier).get(prop)

        def entries(items: list[dict], concrete=concrete, value_of=value_of) -> list[object]:
            result: list[object] = []
            for item in items:
                identifier = concrete(parse_id(item["id"]))
                if isinstance(identifier, dict) and ["ALL"] in identifier.values():
                    result.append(
                        [
                            {"id": cid, "property": item["property"], "value": value_of(cid, item["property"])}
                            for cid, _ in props
                            if matches(identifier, cid)
                        ]
                    )
                else:
                    value = value_of(identifier, item["property"])
                    result.append({"id": identifier, "property": item["property"], "value": value})
            return result

        inputs = entries(dependency["inputs"])
        first = inputs[0][0] if isinstance(inputs[0], list) and inputs[0] else inputs[0]
        changed = []
        if isinstance(first, dict):
            name = json.dumps(first["id"], separators=(",", ":")) if isinstance(first["id"], dict) else first["id"]
            changed = [f"{name}.{first['property']}"]
        concrete_outputs = [{"id": concrete(i), "property": p} for i, p in outputs]
        yield {
            "output": dependency["output"],
            "outputs": concrete_outputs if len(concrete_outputs) > 1 else concrete_outputs[0],
            "inputs": inputs,
            "state": entries(dependency.get("state", [])),
            "changedPropIds": changed,
        }


def rendered_props(path: str, **query: str) -> Props:
    from dashboard.app import _shell

    return [
        (component.id, component.to_plotly_json()["props"])
        for component in components([_shell(), page_layout(path, **query)])
        if getattr(component, "id", None) is not None
    ]


def test_callbacks_are_served_synchronously(app_client, monkeypatch):
    """Dash turns its endpoints async whenever `asgiref` happens to be installed: every request then
    starts an event loop and a thread (~2 ms each, a callback's whole budget). The app asks for the
    plain synchronous endpoints; no callback may need an event loop."""
    assert dash.get_app()._use_async is False
    monkeypatch.setattr(asyncio.events, "new_event_loop", lambda: pytest.fail("an event loop was started"))
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/prets"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    assert app_client.post("/_dash-update-component", json=body).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers(app_client, path):
    response = app_client.get(path)
    assert response.status_code == 200
    assert b"_dash-renderer" in response.data or b"DashRenderer" in response.data
    assert app_client.get("/_dash-layout").status_code == 200


def test_every_server_callback_answers_on_the_pages_that_hold_it(app_client):
    dependencies = [d for d in app_client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]
    exercised: set[str] = set()
    for path in PAGES:
        with app_client.application.test_request_context(path):
            props = rendered_props(path)
        for dependency in dependencies:
            outputs = split_output(dependency["output"])
            if not all(any(matches(i, cid) for cid, _ in props) for i, _ in outputs):
                continue
            for body in requests_for(dependency, props, path):
                response = app_client.post("/_dash-update-component", json=body)
                assert response.status_code in (200, 204), (path, dependency["output"], response.data[:500])
                exercised.add(dependency["output"])
    assert exercised == {d["output"] for d in dependencies}


#: Addresses with filters, one per page whose views follow its filter controls.
FILTERED = [
    "/?measure=droits_requalification&regions=84,11",
    "/prets?regions=84,OM",
    "/droits?regions=84,93&famille=reconstitution&vue=part",
    "/contreparties?regions=76,84&operateur=esh_groupe",
    "/carte?measure=prets_engages_cumul_meur&regions=84",
    "/suivi?regions=84&pas=annee&courbe=cumul&famille=requalification",
    "/qualite?regions=OM&severite=high,medium",
]
CONTROLS = {**ids.filter_control("any"), "name": ["ALL"]}  # as /_dash-dependencies writes the pattern


def plain(value: object) -> object:
    """A prop value as the browser receives it (figures and components as JSON)."""
    return json.loads(to_json_plotly(value))


def components_in(value: object) -> int:
    """How many Dash components (JSON objects with a namespace and a type) a callback answer holds."""
    if isinstance(value, dict):
        found = int("namespace" in value and "type" in value)
        return found + sum(components_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(components_in(v) for v in value)
    return 0


@pytest.mark.parametrize("address", FILTERED)
def test_a_page_opens_with_the_views_its_filter_callbacks_give(app_client, address):
    """The layout already shows the address's filters: the filter callbacks do not fire when the page
    opens, and for the same control values they answer exactly what the layout holds (as properties
    only, no new component)."""
    path, _, query = address.partition("?")
    arguments = {name: values[0] for name, values in parse_qs(query).items()}
    with app_client.application.test_request_context(address):
        props = rendered_props(path, **arguments)
    controls = {cid["name"]: p["value"] for cid, p in props if matches(CONTROLS, cid)}
    assert set(arguments) <= set(controls)
    dependencies = [
        d
        for d in app_client.get("/_dash-dependencies").get_json()
        if parse_id(d["inputs"][0]["id"]) == CONTROLS and not d.get("clientside_function")
    ]
    compared = 0
    for dependency in dependencies:
        outputs = split_output(dependency["output"])
        if not all(any(matches(i, cid) for cid, _ in props) for i, _ in outputs):
            continue
        assert dependency["prevent_initial_call"], dependency["output"]
        (body,) = requests_for(dependency, props, path)
        response = app_client.post("/_dash-update-component", json=body)
        assert response.status_code in (200, 204), (address, dependency["output"], response.data[:300])
        if response.status_code == 204:  # nothing to change (the map already shows these filters)
            continue
        answer = response.get_json()["response"]
        # Properties only, no new Dash component (for each, Dash's renderer walks the whole page's
        # state again: see README "Speed, by design").
        assert components_in(answer) == 0, (address, dependency["output"])
        for key, changed in answer.items():
            held = lookup(props, parse_id(key))
            for prop, value in changed.items():
                assert value == plain(held.get(prop)), (address, key, prop)
                compared += 1
    assert compared >= 1
