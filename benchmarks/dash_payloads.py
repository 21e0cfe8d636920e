"""Emulate the Dash renderer to find every callback a page fires and the exact bodies it POSTs.

Nothing here knows the dashboard: the pages are found from the links of the app shell, the
callbacks from `/_dash-dependencies`, the page layouts from the pages router callback, and the
request bodies are built like the browser builds them from the rendered component props. A new
page (such as `/suivi`) and its callbacks are therefore benchmarked as soon as they exist.

Scenarios per page:
- `load`: the callbacks fired when the page is opened (after the router callback renders it),
  in dependency order (a callback after those whose outputs it reads);
- `change:<control>`: the callbacks fired when one control (any component with `options` and
  `value` that feeds a server callback) takes another value, again in dependency order.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

UPDATE_PATH = "/_dash-update-component"
ROUTER_OUTPUT = "_pages_content"
WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


class Transport(Protocol):
    """How requests reach the app: HTTP on loopback, or Flask's test client in-process."""

    def get_json(self, path: str) -> object: ...

    def post_json(self, path: str, payload: object) -> tuple[int, object]: ...


def id_key(identifier: object) -> str:
    """The string Dash uses for a component id (dict ids: compact JSON with sorted keys)."""
    if isinstance(identifier, dict):
        return json.dumps(identifier, sort_keys=True, separators=(",", ":"))
    return str(identifier)


def parse_id(text: str) -> object:
    return json.loads(text) if text.startswith("{") else text


def is_pattern(identifier: object) -> bool:
    return isinstance(identifier, dict) and any(v in WILDCARDS for v in identifier.values())


def matches(pattern: object, candidate: object) -> bool:
    """Whether a concrete id matches an id or a wildcard id pattern."""
    if not isinstance(pattern, dict) or not isinstance(candidate, dict):
        return pattern == candidate
    if set(pattern) != set(candidate):
        return False
    return all(v in WILDCARDS or candidate[k] == v for k, v in pattern.items())


def split_output(output: str) -> list[tuple[object, str]]:
    """`id.prop` or `..id1.prop1...id2.prop2..` into (id, prop) pairs (prop may carry `@hash`)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    result = []
    for part in parts:
        identifier, _, prop = part.rpartition(".")
        result.append((parse_id(identifier), prop))
    return result


def base_prop(prop: str) -> str:
    """A property without the `@hash` suffix of `allow_duplicate` outputs."""
    return prop.split("@", 1)[0]


@dataclass(frozen=True)
class Dependency:
    """One callback as `/_dash-dependencies` describes it."""

    output: str
    outputs: tuple[tuple[object, str], ...]
    inputs: tuple[tuple[object, str], ...]
    state: tuple[tuple[object, str], ...]
    prevent_initial_call: bool
    clientside: bool

    @classmethod
    def from_json(cls, item: dict) -> Dependency:
        def pairs(entries: list[dict]) -> tuple[tuple[object, str], ...]:
            return tuple((parse_id(e["id"]), e["property"]) for e in entries)

        return cls(
            output=item["output"],
            outputs=tuple(split_output(item["output"])),
            inputs=pairs(item.get("inputs", [])),
            state=pairs(item.get("state", [])),
            prevent_initial_call=bool(item.get("prevent_initial_call")),
            clientside=bool(item.get("clientside_function")),
        )

    @property
    def is_router(self) -> bool:
        return any(identifier == ROUTER_OUTPUT for identifier, _ in self.outputs)

    def reads(self, identifier: object, prop: str) -> bool:
        """Whether a change of (identifier, prop) triggers this callback."""
        return any(p == prop and matches(i, identifier) for i, p in self.inputs)


def dependencies(transport: Transport) -> list[Dependency]:
    return [Dependency.from_json(d) for d in transport.get_json("/_dash-dependencies")]  # type: ignore[union-attr]


def components(tree: object) -> Iterator[dict]:
    """Every component (a dict with `type` and `props`) of a layout in its JSON form."""
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
            for value in tree["props"].values():
                yield from components(value)
        else:
            for value in tree.values():
                yield from components(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from components(item)


@dataclass
class PageState:
    """The props of the components of one rendered page (shell + page), as the browser holds them."""

    path: str
    items: list[tuple[object, dict]] = field(default_factory=list)
    layouts: list[object] = field(default_factory=list)

    @property
    def pathname(self) -> str:
        return self.path.split("?", 1)[0]

    @property
    def search(self) -> str:
        return "?" + self.path.split("?", 1)[1] if "?" in self.path else ""

    def add_layout(self, layout: object) -> None:
        self.layouts.append(layout)
        for component in components(layout):
            identifier = component["props"].get("id")
            if identifier is None:
                continue
            props = dict(component["props"])
            if component["type"] == "Location":  # set by the browser from the address bar
                props.update(pathname=self.pathname, search=self.search, hash="", href="http://localhost" + self.path)
            self.items = [(i, p) for i, p in self.items if id_key(i) != id_key(identifier)]
            self.items.append((identifier, props))

    def find(self, pattern: object) -> list[tuple[object, dict]]:
        return [(i, p) for i, p in self.items if matches(pattern, i)]

    def has(self, identifier: object) -> bool:
        return bool(self.find(identifier))

    def value(self, identifier: object, prop: str) -> object:
        found = self.find(identifier)
        return found[0][1].get(base_prop(prop)) if found else None

    def set(self, identifier: object, prop: str, value: object) -> None:
        for i, props in self.items:
            if id_key(i) == id_key(identifier):
                props[base_prop(prop)] = value

    def copy(self) -> PageState:
        return copy.deepcopy(self)


def applicable(dep: Dependency, state: PageState) -> bool:
    """Whether the page holds the callback: its plain outputs and inputs exist (patterns may match none)."""
    for identifier, _ in (*dep.outputs, *dep.inputs):
        if not is_pattern(identifier) and not state.has(identifier):
            return False
    return any(state.has(i) for i, _ in dep.outputs)


def bodies(dep: Dependency, state: PageState, changed: list[str]) -> Iterator[dict]:
    """The request bodies of a callback on a page (one per MATCH value, else one)."""
    match_values: list[object] = [None]
    for identifier, _ in dep.outputs:
        if isinstance(identifier, dict) and ["MATCH"] in identifier.values():
            key = next(k for k, v in identifier.items() if v == ["MATCH"])
            match_values = [cid[key] for cid, _ in state.find(identifier)]
    for match in match_values:

        def concrete(identifier: object, match: object = match) -> object:
            if isinstance(identifier, dict):
                return {k: (match if v == ["MATCH"] else v) for k, v in identifier.items()}
            return identifier

        def entries(pairs: tuple[tuple[object, str], ...], with_values: bool, concrete=concrete) -> list[object]:
            result: list[object] = []
            for identifier, prop in pairs:
                identifier = concrete(identifier)
                if is_pattern(identifier):
                    result.append(
                        [
                            {"id": cid, "property": prop, **({"value": state.value(cid, prop)} if with_values else {})}
                            for cid, _ in state.find(identifier)
                        ]
                    )
                else:
                    entry = {"id": identifier, "property": prop}
                    if with_values:
                        entry["value"] = state.value(identifier, prop)
                    result.append(entry)
            return result

        outputs = entries(dep.outputs, with_values=False)
        yield {
            "output": dep.output,
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": entries(dep.inputs, with_values=True),
            "state": entries(dep.state, with_values=True),
            "changedPropIds": changed,
        }


def apply_response(state: PageState, response: object) -> list[tuple[object, str]]:
    """Store the returned props in the page state; the (id, prop) that changed. Patches are not applied."""
    changed: list[tuple[object, str]] = []
    if not isinstance(response, dict):
        return changed
    for key, props in (response.get("response") or {}).items():
        identifier = parse_id(key)
        for prop, value in (props or {}).items():
            if not (isinstance(value, dict) and "__dash_patch_update" in value):
                state.set(identifier, prop, value)
            changed.append((identifier, prop))
    return changed


@dataclass
class Step:
    """One POST of a scenario: which callback, the body, and what the app answered."""

    page: str
    scenario: str
    output: str
    body: dict
    status: int
    response: object
    wave: int = 0

    @property
    def label(self) -> str:
        return short_output(self.output)


def short_output(output: str) -> str:
    """A readable name of a callback from its outputs: `chart-map.figure+map-rendered.data`."""
    names = []
    for identifier, prop in split_output(output):
        ident = identifier if isinstance(identifier, str) else ",".join(f"{k}={v}" for k, v in identifier.items())
        names.append(f"{ident}.{base_prop(prop)}")
    return "+".join(names)


def _outputs_feed(upstream: Dependency, downstream: Dependency) -> bool:
    return any(
        base_prop(prop) == p and (matches(i, identifier) or matches(identifier, i))
        for identifier, prop in upstream.outputs
        for i, p in (*downstream.inputs, *downstream.state)
    )


def _run(
    transport: Transport,
    state: PageState,
    page: str,
    scenario: str,
    pending: list[Dependency],
    triggered: Callable[[Dependency, list[tuple[object, str]]], bool],
    changed: list[tuple[object, str]],
    server_deps: list[Dependency],
    first_wave: int = 0,
) -> list[Step]:
    """Fire callbacks in waves, as the renderer does: one waits for any pending callback feeding it."""
    steps: list[Step] = []
    done: set[str] = set()
    wave = first_wave
    while pending:
        ready = [d for d in pending if not any(_outputs_feed(p, d) for p in pending if p is not d)] or pending[:1]
        pending = [d for d in pending if d not in ready]
        new_changes: list[tuple[object, str]] = []
        for dep in ready:
            done.add(dep.output)
            names = [f"{id_key(i)}.{p}" for i, p in changed if dep.reads(i, p)]
            for body in bodies(dep, state, names):
                status, answer = transport.post_json(UPDATE_PATH, body)
                steps.append(Step(page, scenario, dep.output, body, status, answer, wave))
                if status == 200:
                    new_changes += apply_response(state, answer)
        changed = new_changes
        wave += 1
        for dep in server_deps:
            if dep.output not in done and dep not in pending and triggered(dep, changed) and applicable(dep, state):
                pending.append(dep)
    return steps


def open_page(transport: Transport, path: str, deps: list[Dependency]) -> tuple[PageState, list[Step]]:
    """Render a page as the browser does (shell, router callback, initial callbacks); its state and steps."""
    state = PageState(path)
    state.add_layout(transport.get_json("/_dash-layout"))
    router = next((d for d in deps if d.is_router), None)
    steps: list[Step] = []
    if router is not None:
        body = next(bodies(router, state, [f"{id_key(router.inputs[0][0])}.{router.inputs[0][1]}"]))
        status, answer = transport.post_json(UPDATE_PATH, body)
        steps.append(Step(path, "load", router.output, body, status, answer))
        if status != 200:
            raise RuntimeError(f"page {path} did not render: HTTP {status}")
        content = (answer.get("response") or {}).get(ROUTER_OUTPUT, {}).get("children")  # type: ignore[union-attr]
        state.add_layout(content)
    server = [d for d in deps if not d.clientside and not d.is_router]
    initial = [d for d in server if not d.prevent_initial_call and applicable(d, state)]

    def fed(dep: Dependency, changed: list[tuple[object, str]]) -> bool:
        return any(dep.reads(i, p) for i, p in changed) and not dep.prevent_initial_call

    steps += _run(transport, state, path, "load", initial, fed, [], server, first_wave=len(steps))
    return state, steps


@dataclass(frozen=True)
class Control:
    """A user control of a page and the other value a user could pick."""

    identifier: object
    prop: str
    name: str
    old: object
    new: object
    others: tuple = ()  # further values, tried in order when `new` redraws no chart (`real_change`)


def alternatives(props: dict) -> list[object]:
    """Other valid values of a control with options, in the order a user meets them: for a multi-valued
    control one (one more or one fewer ticked), for a single-valued one every other option."""
    options = [o.get("value") if isinstance(o, dict) else o for o in props.get("options") or []]
    options = [o for o in options if o is not None]
    value = props.get("value")
    if not options:
        return []
    if isinstance(value, list) or props.get("multi"):
        current = list(value or [])
        if not current:
            return [[options[0]]]
        if len(current) > 1:
            return [current[:-1]]
        return [[*current, next((o for o in options if o not in current), options[0])]] if len(options) > 1 else []
    return [o for o in options if o != value]


def controls(state: PageState, deps: list[Dependency]) -> list[Control]:
    """Components with `options` and `value` that feed a server callback, and another value for each."""
    found = []
    for identifier, props in state.items:
        if "options" not in props or "value" not in props:
            continue
        if not any(dep.reads(identifier, "value") for dep in deps if not dep.clientside and not dep.is_router):
            continue
        others = [o for o in alternatives(props) if o != props.get("value")]
        if not others:
            continue
        name = identifier.get("name", id_key(identifier)) if isinstance(identifier, dict) else str(identifier)
        found.append(Control(identifier, "value", str(name), props.get("value"), others[0], tuple(others[1:])))
    return found


def redraws(loaded: PageState, steps: list[Step]) -> bool:
    """Whether the answers of a change give a chart of the page another figure (or patch one)."""
    for step in steps:
        if step.status != 200 or not isinstance(step.response, dict):
            continue
        for key, props in (step.response.get("response") or {}).items():
            figure = (props or {}).get("figure")
            if figure is not None and figure != loaded.value(parse_id(key), "figure"):
                return True
    return False


def real_change(
    transport: Transport, loaded: PageState, control: Control, deps: list[Dependency], tries: int = 4
) -> tuple[Control, list[Step]]:
    """The control with its first other value that redraws a chart, and that change's steps.

    A value can give the very charts the page already shows (the latest snapshot picked by its
    date instead of "latest"): measuring it would time no redraw. On a page with charts, up to
    `tries` values are tried in order; if none redraws, the first is kept.
    """
    first = change(transport, loaded, control, deps)[1]
    if any(p.get("figure") is not None for _, p in loaded.items):
        for value in (control.new, *control.others)[:tries]:
            candidate = replace(control, new=value, others=())
            steps = first if value == control.new else change(transport, loaded, candidate, deps)[1]
            if redraws(loaded, steps):
                return candidate, steps
    return replace(control, others=()), first


def change(
    transport: Transport, loaded: PageState, control: Control, deps: list[Dependency], value: object = None
) -> tuple[PageState, list[Step]]:
    """The callbacks fired by one control change on a freshly loaded page, answered in dependency order."""
    state = loaded.copy()
    state.set(control.identifier, control.prop, control.new if value is None else value)
    server = [d for d in deps if not d.clientside and not d.is_router]
    changed = [(control.identifier, control.prop)]
    first = [d for d in server if d.reads(control.identifier, control.prop) and applicable(d, state)]

    def fed(dep: Dependency, changed: list[tuple[object, str]]) -> bool:
        return any(dep.reads(i, p) for i, p in changed)

    steps = _run(transport, state, loaded.path, f"change:{control.name}", first, fed, changed, server)
    return state, steps


def internal_links(layout: object) -> list[str]:
    """The `href`s of a layout that point to a page of the app (not assets, not Dash routes)."""
    links = []
    for component in components(layout):
        href = component["props"].get("href")
        if isinstance(href, str) and href.startswith("/") and not href.startswith(("/_", "/assets")):
            path = href.split("?", 1)[0].split("#", 1)[0]
            if path not in links:
                links.append(path)
    return links


def discover_pages(transport: Transport, deps: list[Dependency], per_template: int = 2) -> list[str]:
    """Every page linked from the app shell or from those pages.

    Paths of one segment (`/`, `/carte`) are all kept; deeper paths are instances of a path
    template (`/region/<code>`): of each template, the first and the last linked are kept
    (`per_template` = 2), the first only (1), or none (0).
    """
    links = internal_links(transport.get_json("/_dash-layout"))
    for path in [p for p in links if p.count("/") <= 1]:
        try:
            state, _ = open_page(transport, path, deps)
        except RuntimeError:
            continue
        links += [link for link in internal_links(state.layouts[1:]) if link not in links]
    pages = [p for p in links if p.strip("/").count("/") == 0]
    templates: dict[str, list[str]] = {}
    for path in links:
        if path.strip("/").count("/") > 0:
            templates.setdefault(path.strip("/").split("/")[0], []).append(path)
    for group in templates.values():
        pages += [group[0], group[-1]][:per_template] if len(group) > 1 else group[:per_template]
    return pages
