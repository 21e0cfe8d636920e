"""Shared fixtures: small data folders built from the real reference files."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from dashboard.config import DATA_DIR
from dashboard.sources import FACT_COLUMNS

REFERENCE_FILES = ("units", "territories", "sections", "measures", "dimensions")


def fact(fact_id: str, territory: str, measure: str, value_text: str, **fields: str) -> dict[str, str]:
    """A fact row with sensible defaults; the quote is made up and written into the fixture source."""
    value = fields.pop("value", value_text.replace(" ", "").replace(",", "."))
    row = {
        "fact_id": fact_id,
        "territory": territory,
        "measure": measure,
        "value_text": value_text,
        "value": value,
        "unit": "COUNT",
        "period": "@2024-12-31",
        "context": "key_figures",
        "section": "03-84",
        "quote": f"[{fact_id}] {value_text} ({measure})",
    }
    row.update(fields)
    return {column: row.get(column, "") for column in FACT_COLUMNS}


def write_data_dir(root: Path, facts: list[dict[str, str]], source_text: str | None = None) -> Path:
    """Write a complete data folder: real reference files, the given facts and a source text."""
    data_dir = root / "data"
    (data_dir / "reference").mkdir(parents=True, exist_ok=True)
    for name in REFERENCE_FILES:
        shutil.copy(DATA_DIR / "reference" / f"{name}.csv", data_dir / "reference" / f"{name}.csv")
    (data_dir / "reference" / "sources.csv").write_text(
        "source_id,title,publisher,published,data_as_of,text_file\n"
        "bilan_2024,Fixture,Tests,2025-06,2024-12-31,source/fixture.txt\n",
        encoding="utf-8",
    )
    (data_dir / "source").mkdir(exist_ok=True)
    text = source_text if source_text is not None else "\n".join(f["quote"] for f in facts)
    (data_dir / "source" / "fixture.txt").write_text(text, encoding="utf-8")
    facts_dir = data_dir / "facts" / "bilan_2024"
    facts_dir.mkdir(parents=True, exist_ok=True)
    with (facts_dir / "facts.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FACT_COLUMNS)
        writer.writeheader()
        writer.writerows(facts)
    return data_dir


@pytest.fixture
def data_dir_factory(tmp_path: Path) -> Callable[..., Path]:
    """Build a fixture data folder in a fresh sub-folder of tmp_path."""
    counter = iter(range(1000))

    def make(facts: list[dict[str, str]], source_text: str | None = None) -> Path:
        return write_data_dir(tmp_path / f"case{next(counter)}", facts, source_text)

    return make


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real database, built once from data/ into a temporary folder."""
    from dashboard.database import build_database

    path = tmp_path_factory.mktemp("db") / "npnru.duckdb"
    build_database(DATA_DIR, path)
    return path


#: The two weekly extracts of the `operations_db` fixture, one week apart (after the report date).
WEEKLY_AS_OF = (date(2025, 1, 7), date(2025, 1, 14))


@pytest.fixture(scope="session")
def operations_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An operations database holding two synthetic weekly snapshots (2,000 operations, fixed seed)."""
    from dashboard.extracts.generator import generate
    from dashboard.extracts.store import import_extract

    root = tmp_path_factory.mktemp("weekly")
    path = root / "operations.duckdb"
    for as_of in WEEKLY_AS_OF:
        folder = root / as_of.isoformat()
        generate(built_db, 2000, 7, folder, as_of)
        import_extract(folder / "operations.csv", folder / "disbursements.csv", as_of, path)
    return path
