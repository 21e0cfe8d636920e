"""The app's connection: the operations database attached read-only as `ops`, seen without restart
when an import replaces it, and its absence handled."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from dashboard import db
from dashboard.synthetic import synthetic_shown


@pytest.fixture
def files(tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    report = tmp_path / "npnru.duckdb"
    shutil.copyfile(built_db, report)
    operations = tmp_path / "operations.duckdb"
    monkeypatch.setenv("NPNRU_DB", str(report))
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(operations))
    return report, operations


def snapshot_dates(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [str(r[0]) for r in cur.execute("SELECT as_of FROM ops.snapshots ORDER BY as_of").fetchall()]


def test_missing_operations_database_leaves_the_report_readable(files):
    cur = db.cursor()
    assert cur.execute("SELECT count(*) FROM region_key_figures").fetchone() == (13,)
    assert not db.operations_attached()
    assert not synthetic_shown(cur)


def test_an_import_is_seen_without_restart_and_in_every_thread(files, operations_db: Path):
    _, operations = files
    assert not db.operations_attached()
    # An import moves a complete new file over the database (os.replace): simulate it.
    staged = operations.with_name(".operations.duckdb.tmp")
    shutil.copyfile(operations_db, staged)
    con = duckdb.connect(str(staged))
    con.execute("DELETE FROM disbursements WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)")
    con.execute("DELETE FROM operations WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)")
    con.execute("DELETE FROM snapshots WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)")
    con.close()
    os.replace(staged, operations)
    cur = db.cursor()
    assert db.operations_attached() and synthetic_shown(cur)
    assert snapshot_dates(cur) == ["2025-01-07"]
    assert db.memo("dates", lambda: snapshot_dates(cur)) == ["2025-01-07"]

    shutil.copyfile(operations_db, staged)
    os.replace(staged, operations)  # the next weekly import
    seen: dict[str, list[str]] = {}

    def other_thread() -> None:
        seen["thread"] = snapshot_dates(db.cursor())

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    cur = db.cursor()
    assert snapshot_dates(cur) == seen["thread"] == ["2025-01-07", "2025-01-14"]
    assert db.memo("dates", lambda: snapshot_dates(cur)) == ["2025-01-07", "2025-01-14"]  # cache dropped
    # The report stays the default catalog of every cursor, read-only.
    assert cur.execute("SELECT count(*) FROM facts").fetchone()[0] > 0  # type: ignore[index]
    with pytest.raises(duckdb.Error):
        cur.execute("CREATE TABLE ops.x (a INTEGER)")

    operations.unlink()
    assert not db.operations_attached()


def test_an_unreadable_operations_file_does_not_break_the_report(files):
    _, operations = files
    operations.write_bytes(b"not a duckdb file")
    cur = db.cursor()
    assert not db.operations_attached()
    assert cur.execute("SELECT count(*) FROM region_key_figures").fetchone() == (13,)


def test_a_missing_report_database_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NPNRU_DB", str(tmp_path / "none.duckdb"))
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(tmp_path / "none-ops.duckdb"))
    monkeypatch.setattr(db, "_handle", None)
    with pytest.raises(db.DatabaseUnavailable):
        db.cursor()
