"""Settings read from the environment, with defaults for a fresh clone."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = REPO_DIR / "data"
DEFAULT_DB_PATH = DATA_DIR / "npnru.duckdb"
DEFAULT_OPERATIONS_DB_PATH = DATA_DIR / "operations.duckdb"


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the CLI and the web app."""

    db_path: Path
    data_dir: Path
    debug: bool
    host: str
    port: int
    operations_db_path: Path = DEFAULT_OPERATIONS_DB_PATH


def get_settings() -> Settings:
    """Read the settings from the environment (`NPNRU_DB`, `NPNRU_OPERATIONS_DB`, `NPNRU_DATA_DIR`, ...)."""
    return Settings(
        db_path=Path(os.environ.get("NPNRU_DB") or DEFAULT_DB_PATH),
        data_dir=Path(os.environ.get("NPNRU_DATA_DIR") or DATA_DIR),
        debug=os.environ.get("DASH_DEBUG") == "1",
        host=os.environ.get("NPNRU_HOST", "127.0.0.1"),
        port=int(os.environ.get("NPNRU_PORT", "8050")),
        operations_db_path=Path(os.environ.get("NPNRU_OPERATIONS_DB") or DEFAULT_OPERATIONS_DB_PATH),
    )
