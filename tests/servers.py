"""Start the app under gunicorn on a free loopback port, for the browser and fault tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.config import REPO_DIR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn_server(env: dict[str, str], log_path: Path, *, probe: str = "/") -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with the production settings (gunicorn.conf.py) and `env` added to the environment;
    yields (base URL, process) once `probe` answers 200, and stops it afterwards."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "dashboard.app:server", "--bind", f"127.0.0.1:{port}"],
            cwd=REPO_DIR,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + probe, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(f"gunicorn did not start: {log_path.read_text()[-2000:]}") from None
                time.sleep(0.3)
        try:
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
