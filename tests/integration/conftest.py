"""Integration fixtures: the Flask test client of the app on the real database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def app_client(built_db: Path, operations_db: Path):
    """A test client of `dashboard.app:server`, reading the session's freshly built database and
    two synthetic weekly snapshots."""
    os.environ["NPNRU_DB"] = str(built_db)
    os.environ["NPNRU_OPERATIONS_DB"] = str(operations_db)
    from dashboard.app import server

    return server.test_client()
