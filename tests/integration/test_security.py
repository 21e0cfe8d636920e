"""Security headers, debug off, and every callback fed hostile payloads: never a 500, never a
traceback, never a change to the database."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from pathlib import Path

import dash
import pytest

from dashboard import exports, ids, security
from dashboard.filters import FILTER_NAMES

from .test_server import PAGES, matches, rendered_props, requests_for, split_output

HUGE = "x" * 100_000
POISONS: list[object] = [
    "84' OR '1'='1'; DROP TABLE facts; --",
    HUGE,
    {"$where": "1", "nested": {"a": [1, 2]}},
    [{"a": 1}, ["b"], None, 3.5, True],
    12345678901234567890,
    None,
    "\x00\ud7ff<script>alert(1)</script>",
]
ALLOWED = (200, 204, 400)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def callback_bodies(app_client) -> list[dict]:
    """One valid request body per server-side callback (on the first page that holds it)."""
    dependencies = [d for d in app_client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]
    bodies: dict[str, dict] = {}
    registered = [p["path"] for p in dash.page_registry.values() if p.get("path_template") is None]
    for path in [*PAGES, *(p for p in registered if p not in PAGES)]:
        with app_client.application.test_request_context(path):
            props = rendered_props(path)
        for dependency in dependencies:
            if dependency["output"] in bodies:
                continue
            outputs = split_output(dependency["output"])
            if all(any(matches(i, cid) for cid, _ in props) for i, _ in outputs):
                bodies[dependency["output"]] = next(requests_for(dependency, props, path))
    # Callbacks whose outputs only render with optional data (operation extracts) are skipped here.
    assert len(bodies) >= 10 and any("csv-download" in output for output in bodies)
    return list(bodies.values())


def poisoned(body: dict, poison: object) -> dict:
    """`body` with every input and state value replaced by `poison` (the filters store: each filter)."""
    body = copy.deepcopy(body)

    def replace(entry: dict) -> None:
        if entry.get("id") == ids.FILTERS:
            entry["value"] = {**{name: poison for name in FILTER_NAMES}, "rejected": poison, "query": poison}
        else:
            entry["value"] = poison

    for key in ("inputs", "state"):
        for item in body.get(key, []):
            for entry in item if isinstance(item, list) else [item]:
                replace(entry)
    return body


def assert_safe(response) -> None:
    assert response.status_code in ALLOWED, response.data[:300]
    assert b"Traceback" not in response.data and b'File "' not in response.data


def test_every_response_carries_the_security_headers(app_client, callback_bodies):
    responses = [
        app_client.get("/"),
        app_client.get("/carte"),
        app_client.get("/_dash-layout"),
        app_client.get("/assets/02-dashboard.css"),
        app_client.post("/_dash-update-component", json=callback_bodies[0]),
        app_client.post("/_dash-update-component", data=b"{", content_type="application/json"),
    ]
    for response in responses:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]


def test_the_csp_hashes_every_inline_script_of_the_index(app_client):
    response = app_client.get("/")
    page = re.sub(r"<!--.*?-->", "", response.data.decode(), flags=re.S)  # the IE-only conditional comment
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, flags=re.S)
    executable = [code for attributes, code in inline if "application/json" not in attributes]
    assert len(executable) >= 2  # the renderer bootstrap and the clientside callbacks
    csp = response.headers["Content-Security-Policy"]
    for code in executable:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp, code[:200]


def test_debug_mode_is_off(app_client):
    page = app_client.get("/").data.decode()
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page).group(1))
    assert config["ui"] is False and config["props_check"] is False
    assert app_client.get("/_reload-hash").status_code in (404, 200)
    assert not app_client.application.debug


def test_every_callback_survives_hostile_values(app_client, callback_bodies, built_db):
    before = sha256(built_db)
    for body in callback_bodies:
        for poison in POISONS:
            response = app_client.post("/_dash-update-component", json=poisoned(body, poison))
            assert_safe(response)
    assert sha256(built_db) == before


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: {k: v for k, v in b.items() if k != "inputs"},
        lambda b: {k: v for k, v in b.items() if k != "output"},
        lambda b: {k: v for k, v in b.items() if k != "outputs"},
        lambda b: {**b, "inputs": "x"},
        lambda b: {**b, "inputs": [{"id": "x"}]},
        lambda b: {**b, "state": {"a": 1}},
        lambda b: {**b, "output": HUGE},
        lambda b: {**b, "output": "chart-nope.figure"},
        lambda b: {**b, "outputs": [{"id": {"$ne": 1}, "property": 3}]},
        lambda b: {**b, "outputs": [[{"id": {"type": "x", "finding": {"a": [1]}}, "property": "children"}]]},
        lambda b: {**b, "changedPropIds": [{"a": 1}]},
        lambda b: [b],
        lambda b: "just a string",
        lambda b: None,
    ],
)
def test_malformed_callback_requests_get_a_400(app_client, callback_bodies, built_db, mutate):
    before = sha256(built_db)
    for body in callback_bodies:
        response = app_client.post("/_dash-update-component", json=mutate(copy.deepcopy(body)))
        assert_safe(response)
        if response.status_code == 400:
            assert response.get_json() == {"erreur": "Requête de mise à jour invalide."}
    assert sha256(built_db) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"output=x", "application/x-www-form-urlencoded"),
        (b"", "text/plain"),
        (b'{"output": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    ],
)
def test_malformed_bodies_get_a_400_json_message(app_client, data, content_type):
    response = app_client.post("/_dash-update-component", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json() == {"erreur": "Requête de mise à jour invalide."}


def test_oversized_bodies_are_refused(app_client, callback_bodies):
    body = poisoned(callback_bodies[0], "x" * (security.MAX_CONTENT_LENGTH + 1))
    response = app_client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert b"Traceback" not in response.data


def page_answer(app_client, path: str, search: str) -> str:
    """The JSON the router callback answers for `path` opened with the query string `search`."""
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    response = app_client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def component(answer: str, identifier: object) -> dict | None:
    """The component of id `identifier` in a page's answer (None when the page has none)."""
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == identifier:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(answer))
    return found[0] if found else None


def alert_of(answer: str) -> dict | None:
    """The rejected-values alert in a page's answer."""
    return component(answer, ids.FILTERS_ALERT)


def test_rejected_address_values_are_listed_in_french_by_the_page(app_client):
    search = "?" + "&".join(
        [
            "regions=84,ZZ,%27%3B%20DROP%20TABLE%20facts%3B%20--",
            f"measure={'y' * 500}",
            "famille=requalification",
            "utm_source=mail",
        ]
    )
    answer = page_answer(app_client, "/droits", search)
    alert = alert_of(answer)
    assert alert is not None and alert["props"]["color"] == "warning" and alert["props"]["dismissable"] is True
    text = json.dumps(alert, ensure_ascii=False)
    assert "Filtres ignorés" in text
    assert "valeur ignorée pour « regions » : 'ZZ'" in text and "DROP TABLE" in text and "« measure »" in text
    assert "utm_source" not in text and "requalification" not in text  # other parameters, valid values
    items = [li["props"]["children"] for li in alert["props"]["children"][2]["props"]["children"]]
    assert len(items) == 3 and all(len(item) < 200 for item in items)
    # The page keeps the valid values.
    assert component(answer, ids.filter_control("regions"))["props"]["value"] == ["84"]
    assert component(answer, ids.filter_control("famille"))["props"]["value"] == ["requalification"]


def test_a_clean_address_shows_no_alert_and_a_long_one_is_not_parsed(app_client):
    assert alert_of(page_answer(app_client, "/droits", "?regions=84")) is None
    assert alert_of(page_answer(app_client, "/droits", "?utm_source=mail")) is None
    many = "?regions=" + ",".join(f"R{i:04d}" for i in range(1000))
    text = json.dumps(alert_of(page_answer(app_client, "/prets", many)), ensure_ascii=False)
    assert "adresse trop longue" in text and "R0001" not in text


def test_a_failing_callback_shows_a_french_alert_and_no_traceback(app_client, callback_bodies, monkeypatch):
    def broken(cur, filters):
        raise RuntimeError("boom: secret detail")

    body = next(b for b in callback_bodies if "csv-download" in b["output"])
    name = body["inputs"][0]["id"]["chart"]
    monkeypatch.setitem(exports.EXPORTS, name, broken)
    response = app_client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204)
    text = response.data.decode()
    assert "boom" not in text and "Traceback" not in text
    assert (
        ids.ERROR_ALERT in text
        and "Une erreur est survenue" in json.loads(text)["sideUpdate"][ids.ERROR_ALERT]["children"]
    )
