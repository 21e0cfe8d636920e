"""Optional authentication (issue 6): off by default, required for real operational extracts, HTTP Basic
or a trusted proxy, and regional users who get only their own regions' operational data, whatever
the callback payload asks for."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dashboard import auth, ids
from dashboard.extracts import queries as ops_queries
from dashboard.extracts.spec import DEPARTEMENTS, REGION_NAMES
from dashboard.filters import Filters
from dashboard.formatting import format_value

from ..conftest import WEEKLY_AS_OF
from .test_server import CONTROLS, matches, page_layout, rendered_props, requests_for, split_output
from .test_weekly_pages import rendered_ids, text_of

SUIVI_CHARTS = ("suivi-evolutions", "suivi-flux", "suivi-reste", "suivi-delais", "suivi-bilan-extraction")
OWN, OTHER = "84", "11"
PASSWORDS = {"nat": "mot-de-passe-national", "ara": "mot-de-passe-aura"}
SECRET = "secret-partage-du-proxy-0123456789"


@pytest.fixture(scope="session")
def real_operations_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two NON-synthetic snapshots: generated extracts with the synthetic marker and `SYN-` ids removed."""
    from dashboard.extracts.generator import generate
    from dashboard.extracts.store import import_extract

    root = tmp_path_factory.mktemp("real-weekly")
    path = root / "operations.duckdb"
    for as_of in WEEKLY_AS_OF:
        generated, real = root / f"gen-{as_of}", root / f"real-{as_of}"
        generate(built_db, 1000, 11, generated, as_of)
        real.mkdir()
        for name in ("operations.csv", "disbursements.csv"):
            text = (generated / name).read_text(encoding="utf-8")
            (real / name).write_text(text.replace("SYN-", "OPR-"), encoding="utf-8")
        result = import_extract(real / "operations.csv", real / "disbursements.csv", as_of, path)
        assert not result.synthetic
    return path


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.json"
    auth.add_user(path, "nat", "national", (), PASSWORDS["nat"])
    auth.add_user(path, "ara", "regional", (OWN,), PASSWORDS["ara"])
    auth.add_user(path, "sso", "regional", (OWN,), None)
    return path


def basic(name: str, password: str | None = None) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{PASSWORDS[name] if password is None else password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def real_ops(monkeypatch, real_operations_db: Path, users_file: Path):
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(real_operations_db))
    monkeypatch.setenv("NPNRU_USERS_FILE", str(users_file))
    monkeypatch.delenv("NPNRU_AUTH", raising=False)
    return monkeypatch


@pytest.fixture
def basic_mode(real_ops):
    real_ops.setenv("NPNRU_AUTH", "basic")
    return real_ops


def region_engaged(db: Path, region: str) -> float:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT engaged_eur FROM snapshot_region_totals WHERE region_code = ? "
            "AND snapshot_id = (SELECT snapshot_id FROM latest_snapshot)",
            [region],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return float(row[0])


def forms(euros: float) -> list[str]:
    """The ways an amount can appear in a response: raw, and as French M€ with 1 or 2 decimals."""
    return [repr(euros), f"{euros:.2f}", format_value(euros / 1e6, "MEUR", 1), format_value(euros / 1e6, "MEUR", 2)]


def store_for(filters: Filters) -> dict[str, object]:
    return {**filters.to_store(), "query": "", "carry": ""}


def forged_bodies(app_client, headers: dict[str, str], filters: Filters) -> list[dict]:
    """Every server callback of /suivi, with the filters store and the filter controls set to `filters`."""
    dependencies = [d for d in app_client.get("/_dash-dependencies", headers=headers).get_json()]
    dependencies = [d for d in dependencies if not d.get("clientside_function")]
    with app_client.application.test_request_context("/suivi", headers=headers):
        assert auth.authenticate() is None
        props = rendered_props("/suivi")
    forged = store_for(filters)
    bodies = []
    for dependency in dependencies:
        outputs = split_output(dependency["output"])
        if not all(any(matches(i, cid) for cid, _ in props) for i, _ in outputs):
            continue
        for body in requests_for(dependency, props, "/suivi"):
            for entry in [*body["inputs"], *body["state"]]:
                for item in entry if isinstance(entry, list) else [entry]:
                    if item["id"] == ids.FILTERS:
                        item["value"] = forged
                    elif matches(CONTROLS, item["id"]) and item["id"]["name"] in forged:
                        item["value"] = forged[item["id"]["name"]]
            bodies.append(body)
    return bodies


def csv_download(app_client, chart: str, filters: Filters, headers: dict[str, str]) -> str:
    button = {"chart": chart, "type": "csv-button"}
    output = next(
        d["output"]
        for d in app_client.get("/_dash-dependencies", headers=headers).get_json()
        if d["output"].endswith('"csv-download"}.data')
    )
    body = {
        "output": output,
        "outputs": {"id": {"chart": chart, "type": "csv-download"}, "property": "data"},
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.FILTERS, "property": "data", "value": store_for(filters)}],
        "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"],
    }
    response = app_client.post("/_dash-update-component", json=body, headers=headers)
    assert response.status_code == 200, response.data[:300]
    (result,) = response.get_json()["response"].values()
    return result["data"]["content"]


def response_text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


# --- Off by default, required for real extracts -------------------------------------------------------


def test_auth_is_off_by_default_and_synthetic_extracts_stay_viewable(app_client, monkeypatch):
    monkeypatch.delenv("NPNRU_AUTH", raising=False)
    assert auth.auth_config().mode == "off"
    assert app_client.get("/suivi").status_code == 200
    content = csv_download(app_client, "suivi-evolutions", Filters(), {})
    assert auth.AUTH_REQUIRED not in content and "Données simulées" in content


def test_real_extracts_without_auth_show_a_french_message_and_query_nothing(app_client, real_ops, real_operations_db):
    for name in ("region_deltas", "flows", "remaining", "lag_quantiles", "report_comparison", "snapshot_pair"):
        real_ops.setattr(f"dashboard.pages.suivi.{name}", _forbidden_query)
    real_ops.setattr("dashboard.pages.overview.changes_since_last_review", _forbidden_query)
    assert app_client.get("/suivi").status_code == 200
    with app_client.application.test_request_context("/suivi"):
        tree = page_layout("/suivi")
        assert ids.SUIVI_AUTH_REQUIRED in rendered_ids(tree)
        assert auth.AUTH_REQUIRED in text_of(tree)
        assert ids.chart("suivi-evolutions") not in rendered_ids(tree)
        overview = page_layout("/")
        assert ids.OVERVIEW_AUTH_REQUIRED in rendered_ids(overview)
        assert ids.OVERVIEW_CHANGES not in rendered_ids(overview)
    engaged = region_engaged(real_operations_db, OWN)
    for chart in SUIVI_CHARTS:
        content = csv_download(app_client, chart, Filters(), {})
        assert auth.AUTH_REQUIRED in content
        assert not any(form in content for form in forms(engaged))
    # The chart callbacks answer with the message, without an error.
    for body in forged_bodies(app_client, {}, Filters()):
        response = app_client.post("/_dash-update-component", json=body)
        assert response.status_code in (200, 204)
        if response.status_code == 200:
            text = response_text(response)
            assert "Une erreur est survenue" not in text
            if '"figure"' in text:
                assert auth.AUTH_REQUIRED in text


def _forbidden_query(*args, **kwargs):
    raise AssertionError("an operational query ran without authentication")


def test_the_start_up_log_says_authentication_is_required(real_ops, real_operations_db, operations_db):
    message = auth.startup_report(real_operations_db)
    assert "ATTENTION" in message and "requise" in message
    assert "ATTENTION" not in auth.startup_report(operations_db)
    real_ops.setenv("NPNRU_AUTH", "basic")
    assert "activée" in auth.startup_report(real_operations_db)
    real_ops.setenv("NPNRU_USERS_FILE", "/nonexistent/users.json")
    with pytest.raises(auth.AuthError):
        auth.startup_report(real_operations_db)
    real_ops.setenv("NPNRU_AUTH", "proxy")
    with pytest.raises(auth.AuthError, match="NPNRU_PROXY_SECRET"):
        auth.startup_report(real_operations_db)


# --- HTTP Basic ------------------------------------------------------------------------------------


def test_basic_mode_challenges_unauthenticated_and_wrong_passwords(app_client, basic_mode):
    for path in ("/", "/suivi", "/_dash-layout"):
        response = app_client.get(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="NPNRU"')
    assert app_client.get("/", headers=basic("nat", "wrong")).status_code == 401
    assert app_client.get("/", headers=basic("nobody", "x")).status_code == 401
    assert app_client.get("/", headers=basic("sso", "")).status_code == 401  # no password: proxy users only
    response = app_client.post("/_dash-update-component", json={})
    assert response.status_code == 401 and "erreur" in response.get_json()
    assert app_client.get("/", headers=basic("nat")).status_code == 200
    assert app_client.get("/suivi", headers=basic("ara")).status_code == 200
    # Static files hold no data: public.
    assert app_client.get("/assets/01-bootstrap-5.3.9.min.css").status_code == 200


def test_a_national_user_sees_every_region(app_client, basic_mode, real_operations_db):
    content = csv_download(app_client, "suivi-evolutions", Filters(), basic("nat"))
    assert auth.AUTH_REQUIRED not in content
    assert REGION_NAMES[OTHER] in content and REGION_NAMES[OWN] in content


# --- Regional users: forged payloads ----------------------------------------------------------------


def test_forged_callbacks_give_a_regional_user_nothing_of_another_region(app_client, basic_mode, real_operations_db):
    headers = basic("ara")
    other = forms(region_engaged(real_operations_db, OTHER))
    own = format_value(region_engaged(real_operations_db, OWN) / 1e6, "MEUR", 1)
    bodies = forged_bodies(app_client, headers, Filters(regions=(OTHER,)))
    outputs = {b["output"] for b in bodies}
    assert all(any(f"{ids.chart(chart)}.figure" in o for o in outputs) for chart in SUIVI_CHARTS)
    seen_own_total = False
    for body in bodies:
        response = app_client.post("/_dash-update-component", json=body, headers=headers)
        assert response.status_code in (200, 204), (body["output"], response.data[:300])
        if response.status_code == 204:
            continue
        text = response_text(response)
        assert "Une erreur est survenue" not in text, body["output"]
        assert REGION_NAMES[OTHER] not in text, body["output"]
        assert not any(form in text for form in other), body["output"]
        seen_own_total = seen_own_total or own in text
    assert seen_own_total  # the engaged KPI totals the user's region only


def test_forged_csv_downloads_give_a_regional_user_only_its_regions(app_client, basic_mode, real_operations_db):
    headers = basic("ara")
    other = forms(region_engaged(real_operations_db, OTHER))
    for filters in (Filters(regions=(OTHER,)), Filters(), Filters(regions=(OTHER, OWN))):
        for chart in SUIVI_CHARTS:
            content = csv_download(app_client, chart, filters, headers)
            assert REGION_NAMES[OTHER] not in content, chart
            assert not any(form in content for form in other), chart
            rows = [line.split(";") for line in content.splitlines() if not line.startswith(("\ufeff#", "#"))]
            header, *data = rows
            if "code_territoire" in header:
                column = header.index("code_territoire")
                assert {row[column] for row in data} == {OWN}, chart
    content = csv_download(app_client, "suivi-evolutions", Filters(regions=(OTHER,)), headers)
    header, *data = [line.split(";") for line in content.splitlines() if not line.startswith(("\ufeff#", "#"))]
    engaged_column = next(i for i, name in enumerate(header) if name.startswith("prêts engagés (€) au"))
    (row,) = data
    assert float(row[engaged_column].replace(",", ".")) == pytest.approx(region_engaged(real_operations_db, OWN))


def test_the_overview_changes_and_the_deck_access_follow_the_user(app_client, basic_mode):
    from dashboard import db
    from dashboard.pages.overview import _changes
    from dashboard.presentation.deck import FULL_ACCESS, AccessDenied
    from dashboard.presentation.ui import current_access
    from dashboard.queries.weekly import changes_since_last_review

    with app_client.application.test_request_context("/", headers=basic("ara")):
        assert auth.authenticate() is None
        cur = db.cursor()
        changes = changes_since_last_review(cur, allowed_regions=(OWN,))
        assert changes is not None and changes.by_measure
        for df in changes.by_measure.values():
            assert not df.empty and set(df["region_code"]) == {OWN}
        panel = _changes(cur)
        assert ids.OVERVIEW_CHANGES in rendered_ids(panel)
        text = text_of(panel)
        others = {d.name for d in DEPARTEMENTS.values() if d.region_code != OWN}
        assert not any(f"{name} (" in text for name in others)
        assert REGION_NAMES[OTHER] not in text
        access = current_access()
        assert access.regions == frozenset({OWN}) and access.national
        with pytest.raises(AccessDenied):
            access.check(OTHER)
    with app_client.application.test_request_context("/", headers=basic("nat")):
        assert auth.authenticate() is None
        assert current_access() == FULL_ACCESS


# --- Proxy mode ------------------------------------------------------------------------------------


def test_proxy_mode_requires_the_shared_secret_and_a_listed_user(app_client, real_ops):
    real_ops.setenv("NPNRU_AUTH", "proxy")
    real_ops.setenv("NPNRU_PROXY_SECRET", SECRET)
    assert app_client.get("/", headers={"X-Forwarded-User": "nat"}).status_code == 403
    assert app_client.get("/", headers={"X-Forwarded-User": "nat", "X-Proxy-Secret": "wrong"}).status_code == 403
    assert app_client.get("/", headers={"X-Proxy-Secret": SECRET}).status_code == 401
    assert app_client.get("/", headers={"X-Proxy-Secret": SECRET, "X-Forwarded-User": "intrus"}).status_code == 403
    headers = {"X-Proxy-Secret": SECRET, "X-Forwarded-User": "sso"}
    assert app_client.get("/suivi", headers=headers).status_code == 200
    content = csv_download(app_client, "suivi-reste", Filters(regions=(OTHER,)), headers)
    assert REGION_NAMES[OWN] in content and REGION_NAMES[OTHER] not in content
    real_ops.setenv("NPNRU_AUTH_HEADER", "X-Remote-User")
    assert app_client.get("/", headers={"X-Proxy-Secret": SECRET, "X-Remote-User": "nat"}).status_code == 200
    real_ops.delenv("NPNRU_PROXY_SECRET")  # misconfigured: nothing is served
    assert app_client.get("/", headers={"X-Proxy-Secret": SECRET, "X-Remote-User": "nat"}).status_code == 403


# --- Queries ---------------------------------------------------------------------------------------


def test_every_operational_query_applies_allowed_regions(real_operations_db):
    con = duckdb.connect(str(real_operations_db), read_only=True)
    allowed = (OWN,)
    try:
        assert set(ops_queries.region_deltas(con, allowed_regions=allowed)["region_code"]) == {OWN}
        for level in ops_queries.LEVELS:
            df = ops_queries.largest_changes(con, level=level, n=50, allowed_regions=allowed)
            assert not df.empty and set(df["region_code"]) == {OWN}
        assert set(ops_queries.remaining_to_disburse(con, allowed_regions=allowed)["key"]) == {OWN}
        assert set(ops_queries.disbursement_lag_quantiles(con, allowed_regions=allowed)["region_code"]) == {OWN}
        assert set(ops_queries.disbursement_lag_sample(con, allowed_regions=allowed)["region_code"]) == {OWN}
        everything = ops_queries.remaining_to_disburse(con)
        own = everything[everything["key"] == OWN]
        flows = ops_queries.flows(con, "year", allowed_regions=allowed)
        assert flows["engaged_eur"].sum() == pytest.approx(float(own["engaged_eur"].iloc[0]))
        national = ops_queries.remaining_to_disburse(con, by=None, allowed_regions=allowed)
        assert float(national["engaged_eur"].iloc[0]) == pytest.approx(float(own["engaged_eur"].iloc[0]))
        snapshots = ops_queries.snapshots(con, allowed_regions=allowed)
        assert int(snapshots["operation_count"].iloc[0]) == int(own["operation_count"].iloc[0])
        pair = ops_queries.current_and_previous(con, allowed_regions=allowed)
        assert float(pair["engaged_total_eur"].iloc[0]) == pytest.approx(float(own["engaged_eur"].iloc[0]))
        # The filters cannot widen the restriction.
        other = ops_queries.OperationFilters(regions=(OTHER,))
        assert ops_queries.remaining_to_disburse(con, filters=other, allowed_regions=allowed).empty
        with pytest.raises(ValueError):
            ops_queries.allowed_clause("84")
        with pytest.raises(ValueError):
            ops_queries.allowed_clause(("84; DROP TABLE operations",))
    finally:
        con.close()


# --- Warm-up -------------------------------------------------------------------------------------------


def suivi_queries_as(app_client, name: str) -> None:
    """The /suivi views of every snapshot, as user `name`."""
    from dashboard import db
    from dashboard.pages import suivi

    with app_client.application.test_request_context("/suivi", headers=basic(name)):
        assert auth.authenticate() is None
        for as_of in WEEKLY_AS_OF:
            suivi.views(db.cursor(), Filters(instantane=as_of.isoformat()))


def test_the_warm_up_prepares_the_views_of_each_access(app_client, basic_mode):
    """With authentication on, an anonymous warm-up sees no operational data: the workers warm up as
    one user of each access too (national before serving, the regional ones in the background), and
    every user's first /suivi views are answered from the caches."""
    from dashboard import app as app_module

    from .test_weekly_pages import count_weekly_queries, drop_caches

    now, later = app_module.warm_up_plan()
    assert now[0] is None and [u.name for u in now[1:]] == ["nat"]
    assert [u.name for u in later] == ["ara"]  # "sso" has the same access
    with app_client.application.test_request_context("/suivi"):
        drop_caches()
    app_module.warm_up(app_client.application, [None])
    calls = count_weekly_queries(basic_mode)
    suivi_queries_as(app_client, "nat")
    assert "flows" in calls  # the anonymous warm-up prepared nothing a user sees
    with app_client.application.test_request_context("/suivi"):
        drop_caches()
    app_module.warm_up(app_client.application)  # everyone, as `keep_warm` after a rebuild
    calls.clear()
    for name in ("nat", "ara"):
        suivi_queries_as(app_client, name)
    assert calls == []


def test_the_regional_accesses_are_warmed_in_the_background(app_client, basic_mode):
    from dashboard import app as app_module

    from .test_weekly_pages import count_weekly_queries, drop_caches

    class Log:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def info(self, msg: str, *args: object) -> None:
            self.lines.append(msg % args)

        def exception(self, msg: str, *args: object) -> None:
            self.lines.append("failed: " + msg % args)

    with app_client.application.test_request_context("/suivi"):
        drop_caches()
    _, later = app_module.warm_up_plan()
    log = Log()
    thread = app_module.keep_warm(app_client.application, log, interval=3600, first=later)
    deadline = time.monotonic() + 60
    while not log.lines and time.monotonic() < deadline:
        time.sleep(0.05)
    assert thread.is_alive()
    assert log.lines and log.lines[0].startswith("caches warmed for 1 more access(es) in"), log.lines
    calls = count_weekly_queries(basic_mode)
    suivi_queries_as(app_client, "ara")
    assert calls == []


def test_gunicorn_workers_warm_up_as_each_access(built_db: Path, real_operations_db: Path, users_file: Path, tmp_path):
    """gunicorn.conf.py with authentication on: each worker warms up as the national access before it
    serves, then as the regional one in the background, and logs both."""
    from ..servers import gunicorn_server

    log_path = tmp_path / "gunicorn.log"
    env = {
        "NPNRU_DB": str(built_db),
        "NPNRU_OPERATIONS_DB": str(real_operations_db),
        "NPNRU_USERS_FILE": str(users_file),
        "NPNRU_AUTH": "basic",
    }
    with gunicorn_server(env, log_path, probe="/assets/02-dashboard.css") as (url, _):
        deadline = time.monotonic() + 60
        while log_path.read_text().count("caches warmed for 1 more access(es)") < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        log = log_path.read_text()
        request = urllib.request.Request(url + "/_dash-layout", headers=basic("ara"))
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    assert log.count("caches warmed in") >= 2, log[-2000:]  # both workers, before serving
    assert log.count("caches warmed for 1 more access(es)") >= 2, log[-2000:]  # then "ara"'s access
    assert "warm-up failed" not in log
