"""Faults on loopback, bounded in time: rebuilds and worker restarts under load, killed builds and
imports, a missing or corrupt database."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from dashboard import ids
from dashboard.config import REPO_DIR

from ..servers import free_port, gunicorn_server

USERS = 16
RANKING = ids.chart("ranking")
RANKING_BODY = json.dumps(
    {
        "output": f"..{RANKING}.figure...{RANKING}.style..",
        "outputs": [{"id": RANKING, "property": "figure"}, {"id": RANKING, "property": "style"}],
        "inputs": [
            [
                {"id": ids.filter_control("measure"), "property": "value", "value": "prets_engages_cumul_meur"},
                {"id": ids.filter_control("regions"), "property": "value", "value": ["84", "11"]},
            ]
        ],
        "changedPropIds": [json.dumps(ids.filter_control("regions"), separators=(",", ":")) + ".value"],
    }
).encode()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=REPO_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    db_path: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids


@pytest.fixture(scope="module")
def server(built_db: Path, tmp_path_factory) -> Iterator[Server]:
    """gunicorn (2 workers x 4 threads, production settings) on a private copy of the database."""
    folder = tmp_path_factory.mktemp("faults")
    db_path = folder / "npnru.duckdb"
    shutil.copyfile(built_db, db_path)
    log_path = folder / "gunicorn.log"
    with gunicorn_server({"NPNRU_DB": str(db_path)}, log_path, probe="/_dash-layout") as (url, process):
        yield Server(url, process, db_path, log_path)


@dataclass
class Load:
    """USERS threads querying the app (a new connection per request) until stopped."""

    url: str
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _user(self) -> None:
        while not self.stop.is_set():
            for request in (
                urllib.request.Request(self.url + "/_dash-layout"),
                urllib.request.Request(
                    self.url + "/_dash-update-component",
                    data=RANKING_BODY,
                    headers={"Content-Type": "application/json"},
                ),
            ):
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        body = response.read()
                        json.loads(body)  # a complete answer
                        assert response.status == 200 and b"Traceback" not in body
                    with self.lock:
                        self.ok += 1
                except (OSError, AssertionError, ValueError) as exc:
                    with self.lock:
                        self.failures.append(f"{request.full_url}: {exc!r}")
            time.sleep(0.1)  # a user's think time: leaves some CPU to the build on a small machine

    def run_while(self, action: Callable[[], None], warmup: float = 1.0, cooldown: float = 1.0) -> None:
        threads = [threading.Thread(target=self._user, daemon=True) for _ in range(USERS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(warmup)
            action()
            time.sleep(cooldown)
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


def test_rebuilds_under_load_fail_no_request(server: Server):
    load = Load(server.url)
    identities = []

    def rebuild() -> None:
        identities.append(server.db_path.stat().st_ino)
        result = run_cli("build", env={"NPNRU_DB": str(server.db_path)})
        assert result.returncode == 0, result.stderr
        identities.append(server.db_path.stat().st_ino)

    load.run_while(rebuild)
    assert load.failures == []
    assert load.ok > 2 * USERS
    assert len(set(identities)) == 2  # the build replaced the file
    log = server.log().lower()
    assert "lock" not in log and "traceback" not in log and "error" not in log.replace("[error] ", "")


def test_worker_restarts_under_load_lose_no_request(server: Server):
    load = Load(server.url)

    def restart() -> None:
        os.kill(server.process.pid, signal.SIGHUP)  # graceful reload of every worker
        time.sleep(2.5)
        os.kill(server.workers()[0], signal.SIGTERM)  # one worker stopped; the master replaces it
        time.sleep(1.5)

    before = set(server.workers())
    load.run_while(restart)
    assert len(load.failures) <= 1, load.failures  # at most the one in flight
    assert load.ok > 2 * USERS
    after = set(server.workers())
    assert len(after) == 2 and not after & before


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def temporaries(folder: Path, name: str, pid: int) -> list[Path]:
    return list(folder.glob(f".{name}.{pid}.tmp*"))


def test_a_killed_build_leaves_the_previous_database(built_db: Path, tmp_path: Path):
    db_path = tmp_path / "npnru.duckdb"
    shutil.copyfile(built_db, db_path)
    before = sha256(db_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "build"],
        cwd=REPO_DIR,
        env={**os.environ, "NPNRU_DB": str(db_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: bool(temporaries(tmp_path, db_path.name, process.pid)), 60), "no temporary file"
        time.sleep(0.05)  # well into writing it
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert sha256(db_path) == before
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM facts").fetchone()[0] > 0
    con.close()
    # The next build cleans up and succeeds.
    for leftover in temporaries(tmp_path, db_path.name, process.pid):
        leftover.unlink()
    assert run_cli("build", env={"NPNRU_DB": str(db_path)}).returncode == 0


def test_a_killed_import_leaves_the_previous_operations_database(built_db: Path, tmp_path: Path):
    env = {"NPNRU_DB": str(built_db), "NPNRU_OPERATIONS_DB": str(tmp_path / "operations.duckdb")}
    for as_of, count in (("2024-12-31", 1000), ("2025-01-07", 20000)):
        result = run_cli(
            "demo-data",
            "--operations",
            str(count),
            "--seed",
            "3",
            "--out",
            str(tmp_path / as_of),
            "--as-of",
            as_of,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    first = tmp_path / "2024-12-31"
    result = run_cli(
        "import", str(first / "operations.csv"), str(first / "disbursements.csv"), "--as-of", "2024-12-31", env=env
    )
    assert result.returncode == 0, result.stderr
    ops_db = tmp_path / "operations.duckdb"
    before = sha256(ops_db)
    second = tmp_path / "2025-01-07"
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "import", str(second / "operations.csv"),
         str(second / "disbursements.csv"), "--as-of", "2025-01-07"],
        cwd=REPO_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: bool(temporaries(tmp_path, ops_db.name, process.pid)), 60), "no temporary copy"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert sha256(ops_db) == before
    con = duckdb.connect(str(ops_db), read_only=True)
    assert con.execute("SELECT count(*), max(as_of)::VARCHAR FROM snapshots").fetchone() == (1, "2024-12-31")
    con.close()
    # The lock died with the process: the next import goes through and removes the leftover copy.
    result = run_cli(
        "import", str(second / "operations.csv"), str(second / "disbursements.csv"), "--as-of", "2025-01-07", env=env
    )
    assert result.returncode == 0, result.stderr
    assert temporaries(tmp_path, ops_db.name, process.pid) == []


@pytest.mark.parametrize(
    ("command", "problem"), [("dashboard", "corrupt"), ("dashboard", "missing"), ("gunicorn", "corrupt")]
)
def test_a_bad_database_stops_the_start_with_a_readable_message(tmp_path: Path, command: str, problem: str):
    db_path = tmp_path / "npnru.duckdb"
    env = {**os.environ, "NPNRU_DB": str(db_path), "NPNRU_PORT": str(free_port())}
    if problem == "corrupt":
        db_path.write_bytes(b"not a database " * 1000)
    else:
        env["NPNRU_DATA_DIR"] = str(tmp_path / "no-data")  # missing, and cannot be built
    args = ["dashboard"] if command == "dashboard" else ["gunicorn", "dashboard.app:server", "--bind", "127.0.0.1:0"]
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Le tableau de bord ne peut pas démarrer." in result.stderr
    # No traceback of the app (gunicorn's arbiter may print its own when both workers fail at once).
    assert f'File "{REPO_DIR / "dashboard"}' not in result.stderr
    if command == "dashboard":
        assert "Traceback" not in result.stderr


def test_a_database_corrupted_at_run_time_gives_a_french_503(server: Server):
    """A file replaced by garbage: the workers fail to reopen it and say so (a file merely removed
    keeps being served from the connection already open)."""
    hidden = server.db_path.with_name("hidden.duckdb")
    garbage = server.db_path.with_name("garbage.duckdb")
    garbage.write_bytes(b"not a database " * 1000)
    os.link(server.db_path, hidden)
    os.replace(garbage, server.db_path)
    try:
        for path in ("/", "/prets"):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(server.url + path, timeout=10)
            assert error.value.code == 503
            page = error.value.read().decode()
            assert "momentanément indisponible" in page and "Traceback" not in page
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(
                urllib.request.Request(
                    server.url + "/_dash-update-component",
                    data=RANKING_BODY,
                    headers={"Content-Type": "application/json"},
                ),
                timeout=10,
            )
        assert error.value.code == 503
        assert "erreur" in json.loads(error.value.read())
    finally:
        os.replace(hidden, server.db_path)
    with urllib.request.urlopen(server.url + "/_dash-layout", timeout=10) as response:
        assert response.status == 200


def test_each_worker_warms_its_caches_before_serving(server: Server):
    """gunicorn's post_worker_init renders every page once (dashboard/app.py `warm_up`), so that the
    first user after a start or a worker recycling does not wait for the caches."""
    log = server.log()
    assert log.count("caches warmed in") >= 2, log[-2000:]  # both workers of gunicorn.conf.py
    assert "cache warm-up failed" not in log


def test_each_worker_warms_its_caches_again_after_a_rebuild(server: Server):
    """After an import or a rebuild replaced a database file, each worker fills its caches again in
    the background (`app.keep_warm`), so the first user after the change does not wait for them.

    The log lines name the report file's inode, so that a re-warm left over from an earlier test
    (which swapped the file for garbage and back) is not taken for this rebuild's."""
    start = len(server.log())
    result = run_cli("build", env={"NPNRU_DB": str(server.db_path)})
    assert result.returncode == 0, result.stderr
    done = f"caches re-warmed after a database change (report inode {server.db_path.stat().st_ino},"

    def workers_done() -> set[str]:
        lines = server.log()[start:].splitlines()
        return {line.split("]", 2)[1] for line in lines if done in line}  # gunicorn's "[time] [pid] ..."

    deadline = time.monotonic() + 60
    while len(workers_done()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    log = server.log()[start:]
    assert len(workers_done()) >= 2, log[-2000:]  # both workers of gunicorn.conf.py
    assert "re-warm after a database change failed" not in log
