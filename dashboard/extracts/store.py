"""The operations database: importing an extract as one new dated snapshot, all or nothing.

The files are read and validated in a scratch in-memory DuckDB first. Only when everything is
valid is the current database copied to a temporary file in the same folder, the snapshot
inserted there, checkpointed and fsynced, and the copy moved over the database with
`os.replace`: readers (dashboard workers reopen the file when its inode or mtime changes) see
either the previous file or the new one, never a half-written one. A failed or killed import
leaves the previous file byte-identical.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from . import aggregates
from .formats import RawTable, is_xlsx, load_raw, sql_string
from .issues import SHOWN_ISSUES, ExtractError, ExtractIssue, ImportRefused
from .spec import (
    DEPARTEMENTS,
    FAMILIES,
    LABELS,
    LANDLORD_TYPES,
    OPERATION_COLUMNS,
    OPERATION_ID_MAX_LENGTH,
    PROGRAMME_START,
    QPV_CODE_PATTERN,
    REGION_CODES,
    ZONES,
)
from .validation import add_issues, collected_issues, normalise, validate

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
#: Name of the sidecar file that marks a folder of generated (synthetic) extracts.
SYNTHETIC_MARKER = "SYNTHETIC"
#: Operation ids with this prefix are generated data: an extract holding one is flagged synthetic.
SYNTHETIC_ID_PREFIX = "SYN-"
#: Alias under which the dashboard attaches the operations database to the report database.
ATTACH_NAME = "ops"
#: Memory the scratch database may use before spilling to disk.
DEFAULT_MEMORY_LIMIT = "512MB"


def schema_sql() -> str:
    """The DDL of the operations database, with the code lists of the input format."""

    def codes(values) -> str:
        return ", ".join(sql_string(v) for v in values)

    replacements = {
        "{programme_start}": PROGRAMME_START.isoformat(),
        "{operation_id_max_length}": str(OPERATION_ID_MAX_LENGTH),
        "{region_codes}": codes(REGION_CODES),
        "{departements}": codes(DEPARTEMENTS),
        "{qpv_code_pattern}": QPV_CODE_PATTERN,
        "{landlord_types}": codes(LANDLORD_TYPES),
        "{families}": codes(FAMILIES),
        "{zones}": codes(ZONES),
        "{labels}": codes(LABELS),
    }
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables and (re)create the views in the current database."""
    con.execute(schema_sql())


def attach_operations(con: duckdb.DuckDBPyConnection, path: Path, name: str = ATTACH_NAME) -> None:
    """Attach the operations database read-only under `name` (queries then take `catalog=name`)."""
    if not name.isidentifier():
        raise ValueError(f"invalid attachment name {name!r}")
    con.execute(f"ATTACH {sql_string(str(path))} AS {name} (READ_ONLY)")


@dataclass(frozen=True)
class ImportResult:
    """What an import added."""

    snapshot_id: int
    as_of: date
    operations: int
    disbursements: int
    engaged_total_eur: Decimal
    disbursed_total_eur: Decimal
    reservation_rights: int
    synthetic: bool
    replaced_snapshot_id: int | None
    seconds: float
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)


@contextmanager
def _import_lock(db_path: Path) -> Iterator[None]:
    """One import at a time per database (an exclusive lock on `<db>.lock`)."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ImportRefused(f"another import into {db_path} is running (lock {lock_path})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _temporary_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def _remove_stale_temporaries(db_path: Path) -> None:
    """Temporary copies left by killed imports (only the lock holder writes them)."""
    for stale in db_path.parent.glob(f".{db_path.name}.*.tmp*"):
        stale.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _install(tmp_path: Path, db_path: Path) -> None:
    """Move a finished copy over the database: fsynced, then renamed atomically."""
    _fsync(tmp_path)
    os.replace(tmp_path, db_path)
    _fsync(db_path.parent)


def existing_snapshot(db_path: Path, as_of: date) -> tuple[int, datetime] | None:
    """`(snapshot_id, imported_at)` of the snapshot as of `as_of`, if the database has one."""
    if not db_path.exists():
        return None
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise ImportRefused(f"cannot open {db_path}: {exc}") from exc
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "snapshots" not in tables:
            return None
        row = con.execute("SELECT snapshot_id, imported_at FROM snapshots WHERE as_of = ?", [as_of]).fetchone()
        return (row[0], row[1]) if row else None
    finally:
        con.close()


def _load_inputs(
    con: duckdb.DuckDBPyConnection,
    operations_path: Path,
    disbursements_path: Path | None,
    workdir: Path,
    issues: dict[str, list[ExtractIssue]],
) -> tuple[RawTable | None, RawTable | None]:
    operations = load_raw(con, operations_path, "operations", workdir, issues["operations"])
    if operations is not None and operations.rows == 0 and not issues["operations"]:
        issues["operations"].append(
            ExtractIssue(operations.display, 2, "-", None, "empty_file", "no operation below the header row")
        )
    disbursements = None
    if disbursements_path is not None:
        disbursements = load_raw(con, disbursements_path, "disbursements", workdir, issues["disbursements"])
    elif is_xlsx(operations_path) and operations is not None:
        # A workbook may hold both sheets; without a "disbursements" sheet there are no disbursements.
        sheet_issues: list[ExtractIssue] = []
        disbursements = load_raw(con, operations_path, "disbursements", workdir, sheet_issues)
        issues["disbursements"] += [i for i in sheet_issues if i.rule != "missing_sheet"]
    return operations, disbursements


def _is_synthetic(
    con: duckdb.DuckDBPyConnection, operations_path: Path, disbursements_path: Path | None, forced: bool
) -> bool:
    folders = {operations_path.parent, *([disbursements_path.parent] if disbursements_path else [])}
    if forced or any((folder / SYNTHETIC_MARKER).exists() for folder in folders):
        return True
    row = con.execute(
        "SELECT count(*) FROM stage_operations WHERE starts_with(operation_id, ?)", [SYNTHETIC_ID_PREFIX]
    ).fetchone()
    return bool(row and row[0])


def _write_snapshot(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    operations: RawTable,
    disbursements: RawTable | None,
    paths: tuple[Path, Path | None],
    as_of: date,
    synthetic: bool,
    replaced: int | None,
) -> int:
    """Insert the staged tables as a new snapshot into the database file `tmp_path`."""
    con.execute(f"ATTACH {sql_string(str(tmp_path))} AS target")
    con.execute("USE target")
    try:
        create_schema(con)
        row = con.execute("SELECT coalesce(max(snapshot_id), 0) + 1 FROM snapshots").fetchone()
        snapshot_id = int(row[0]) if row else 1  # ids are never reused, even after a replacement
        if replaced is not None:
            # Separate commits: DuckDB checks foreign keys eagerly within one transaction. The file is
            # a private copy until os.replace, so readers never see the intermediate states.
            aggregates.delete(con, replaced)
            for table in ("disbursements", "operations", "snapshots"):
                con.execute(f"DELETE FROM {table} WHERE snapshot_id = ?", [replaced])
        con.execute("BEGIN TRANSACTION")
        try:
            _insert_snapshot(con, snapshot_id, operations, disbursements, paths, as_of, synthetic)
            aggregates.build_stale(con)  # the new snapshot, and any older one written before its aggregates existed
            con.execute("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT target")
    finally:
        with suppress(duckdb.Error):  # the caller removes the temporary file on failure anyway
            con.execute("USE memory")
            con.execute("DETACH target")
    return snapshot_id


def _insert_snapshot(
    con: duckdb.DuckDBPyConnection,
    snapshot_id: int,
    operations: RawTable,
    disbursements: RawTable | None,
    paths: tuple[Path, Path | None],
    as_of: date,
    synthetic: bool,
) -> None:
    """Insert the snapshot row and the staged rows (inside the caller's transaction)."""
    has_disbursements = disbursements is not None
    con.execute(
        f"""INSERT INTO snapshots
            SELECT ?, ?, ?, ?, ?, ?, ?, ?,
                   (SELECT count(*) FROM stage_operations),
                   {"(SELECT count(*) FROM stage_disbursements)" if has_disbursements else "0"},
                   (SELECT coalesce(sum(engaged_amount_eur), 0) FROM stage_operations),
                   {"(SELECT coalesce(sum(amount_eur), 0) FROM stage_disbursements)" if has_disbursements else "0"},
                   (SELECT coalesce(sum(reservation_rights), 0) FROM stage_operations)""",
        [
            snapshot_id,
            as_of,
            datetime.now(UTC).replace(tzinfo=None),
            str(paths[0]),
            str(paths[1] if paths[1] is not None else paths[0]) if has_disbursements else None,
            operations.sha256,
            disbursements.sha256 if disbursements is not None else None,
            synthetic,
        ],
    )
    columns = [c.name for c in OPERATION_COLUMNS]
    con.execute(
        f"""INSERT INTO operations (snapshot_id, {", ".join(columns)}, line)
            SELECT ?, {", ".join(columns)}, line FROM stage_operations ORDER BY line""",
        [snapshot_id],
    )
    if has_disbursements:
        con.execute(
            """INSERT INTO disbursements (snapshot_id, operation_id, disbursement_date, amount_eur, line)
               SELECT ?, operation_id, disbursement_date, amount_eur, line FROM stage_disbursements
               ORDER BY line""",
            [snapshot_id],
        )


def import_extract(
    operations_path: Path,
    disbursements_path: Path | None,
    as_of: date,
    db_path: Path,
    *,
    replace: bool = False,
    synthetic: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> ImportResult:
    """Validate an extract and add it to `db_path` as the snapshot as of `as_of`.

    Raises ExtractError (every problem, nothing written) or ImportRefused (a snapshot already
    exists for `as_of` and `replace` is false, or another import is running).
    """
    started = time.monotonic()
    if as_of < PROGRAMME_START:
        raise ImportRefused(f"--as-of {as_of.isoformat()} is before the start of the programme")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _import_lock(db_path):
        existing = existing_snapshot(db_path, as_of)
        if existing is not None and not replace:
            raise ImportRefused(
                f"{db_path} already holds a snapshot as of {as_of.isoformat()} (snapshot {existing[0]}, imported "
                f"{existing[1]:%Y-%m-%d %H:%M} UTC); nothing imported. Use --replace to replace it."
            )
        with tempfile.TemporaryDirectory(prefix="npnru-import-") as work:
            workdir = Path(work)
            con = duckdb.connect()
            try:
                con.execute(f"SET memory_limit = {sql_string(memory_limit)}")
                con.execute(f"SET temp_directory = {sql_string(str(workdir / 'spill'))}")
                issues: dict[str, list[ExtractIssue]] = {"operations": [], "disbursements": []}
                operations, disbursements = _load_inputs(con, operations_path, disbursements_path, workdir, issues)
                normalise(con, operations is not None, disbursements is not None)
                validate(con, operations, disbursements, as_of)
                for table, found in issues.items():
                    add_issues(con, table, found)
                shown, total, counts = collected_issues(con, SHOWN_ISSUES)
                if total:
                    raise ExtractError(shown, total, counts)
                assert operations is not None
                is_synthetic = _is_synthetic(con, operations_path, disbursements_path, synthetic)
                _remove_stale_temporaries(db_path)
                tmp_path = _temporary_path(db_path)
                try:
                    if db_path.exists():
                        shutil.copyfile(db_path, tmp_path)
                    snapshot_id = _write_snapshot(
                        con,
                        tmp_path,
                        operations,
                        disbursements,
                        (operations_path, disbursements_path),
                        as_of,
                        is_synthetic,
                        existing[0] if existing else None,
                    )
                    _install(tmp_path, db_path)
                except BaseException:
                    _remove(tmp_path)
                    raise
                totals = con.execute(
                    f"""SELECT (SELECT count(*) FROM stage_operations),
                               (SELECT coalesce(sum(engaged_amount_eur), 0) FROM stage_operations),
                               (SELECT coalesce(sum(reservation_rights), 0) FROM stage_operations),
                               {"(SELECT count(*) FROM stage_disbursements)" if disbursements else "0"},
                               {
                        "(SELECT coalesce(sum(amount_eur), 0) FROM stage_disbursements)" if disbursements else "0"
                    }"""
                ).fetchone()
            finally:
                con.close()
    assert totals is not None
    return ImportResult(
        snapshot_id=snapshot_id,
        as_of=as_of,
        operations=int(totals[0]),
        engaged_total_eur=Decimal(totals[1]),
        reservation_rights=int(totals[2]),
        disbursements=int(totals[3]),
        disbursed_total_eur=Decimal(totals[4]),
        synthetic=is_synthetic,
        replaced_snapshot_id=existing[0] if existing else None,
        seconds=time.monotonic() - started,
        ignored_columns={
            raw.display: raw.ignored_columns for raw in (operations, disbursements) if raw and raw.ignored_columns
        },
    )


def refresh_aggregates(db_path: Path) -> list[int]:
    """Build the missing or outdated aggregates of `db_path` (a file written by an older version); their ids.

    Like an import: the work happens on a copy that replaces the file atomically, and a file that
    needs nothing is left untouched.
    """
    if not db_path.exists():
        raise FileNotFoundError(f"operations database not found: {db_path}")
    with _import_lock(db_path):
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            stale = aggregates.stale_snapshots(con)
        finally:
            con.close()
        if not stale:
            return []
        _remove_stale_temporaries(db_path)
        tmp_path = _temporary_path(db_path)
        try:
            shutil.copyfile(db_path, tmp_path)
            con = duckdb.connect(str(tmp_path))
            try:
                create_schema(con)
                con.execute("BEGIN TRANSACTION")
                stale = aggregates.build_stale(con)
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            finally:
                con.close()
            _install(tmp_path, db_path)
        except BaseException:
            _remove(tmp_path)
            raise
    return stale
