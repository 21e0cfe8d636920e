"""A description of the machine and software a benchmark ran on."""

from __future__ import annotations

import os
import platform
import runpy
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from dashboard.config import REPO_DIR

PACKAGES = ("dash", "plotly", "pandas", "duckdb", "gunicorn", "flask", "selenium")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def _command(*args: str) -> str | None:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=20, cwd=REPO_DIR).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def gunicorn_settings() -> dict[str, object]:
    """The production settings read from ./gunicorn.conf.py."""
    settings = runpy.run_path(str(REPO_DIR / "gunicorn.conf.py"))
    return {k: settings.get(k) for k in ("workers", "worker_class", "threads", "timeout", "keepalive", "max_requests")}


def describe() -> dict[str, object]:
    """CPU, memory, OS, versions, git commit and load average at the start."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    status = _command("git", "status", "--porcelain")
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "chromium": _command("/usr/bin/chromium", "--version"),
        "git_commit": _command("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(status),
        "load_average_start": load_average(),
        "gunicorn": gunicorn_settings(),
    }
