"""Serve an app under gunicorn with the production settings (./gunicorn.conf.py) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dashboard.config import REPO_DIR

GUNICORN_CONFIG = REPO_DIR / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc/<pid>/status."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def children(pid: int) -> list[int]:
    """The direct child processes of `pid` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


class Gunicorn:
    """`python -m gunicorn APP -c gunicorn.conf.py`, bound to 127.0.0.1:<free port>, log to a file."""

    def __init__(self, app: str, env: dict[str, str], log: Path):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "NPNRU_HOST": "127.0.0.1", "NPNRU_PORT": str(self.port)}
        self.env.pop("PORT", None)
        self.log_path = log
        self.process: subprocess.Popen | None = None
        self.worker_pids: set[int] = set()

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 90) -> None:
        self._log = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", self.app, "-c", str(GUNICORN_CONFIG)],
            cwd=REPO_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        workers = int(self.env.get("WEB_CONCURRENCY", "2"))
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited, see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200 and len(children(self.process.pid)) >= workers:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn {self.app} did not answer within {timeout} s, see {self.log_path}")
            time.sleep(0.3)
        self.worker_pids.update(children(self.process.pid))

    def memory(self) -> dict[str, object]:
        """Resident memory of the master and of each live worker (current and peak), in MB."""
        assert self.process is not None
        workers = children(self.process.pid)
        self.worker_pids.update(workers)
        per_worker = []
        for pid in workers:
            status = _status(pid)
            per_worker.append(
                {
                    "pid": pid,
                    "rss_mb": round(status.get("VmRSS", 0) / 1024, 1),
                    "peak_rss_mb": round(status.get("VmHWM", 0) / 1024, 1),
                }
            )
        master = _status(self.process.pid)
        return {
            "master_rss_mb": round(master.get("VmRSS", 0) / 1024, 1),
            "workers": per_worker,
            "worker_rss_mb_max": max((w["rss_mb"] for w in per_worker), default=None),
            "worker_peak_rss_mb_max": max((w["peak_rss_mb"] for w in per_worker), default=None),
            "workers_started": len(self.worker_pids),
        }

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self.process = None


def repo_env() -> dict[str, str]:
    """The current environment with the repository on PYTHONPATH (for `benchmarks.naive_app`)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH", "")]))
    return env
