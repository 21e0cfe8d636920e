"""Building the DuckDB programme-facts database from the source files, atomically."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import duckdb

from .reconciliation import run_checks
from .sources import SourceData, load_sources

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
_UNIT_CODE = re.compile(r"^[A-Z0-9_]+$")


def _schema_sql(units: list[dict[str, str]]) -> str:
    codes = [u["code"] for u in units]
    if not all(_UNIT_CODE.match(code) for code in codes):  # codes are embedded in a CHECK
        raise ValueError("unit codes must be upper-case letters, digits or '_'")
    return SCHEMA_PATH.read_text(encoding="utf-8").replace("{unit_codes}", ", ".join(f"'{c}'" for c in codes))


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        placeholders = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _territories_parents_first(territories: list[dict[str, str]]) -> list[dict[str, str]]:
    """Order territories so that each parent is inserted before its children."""
    ordered: list[dict[str, str]] = []
    placed: set[str] = set()
    pending = list(territories)
    while pending:
        ready = [t for t in pending if not t["parent_code"] or t["parent_code"] in placed]
        if not ready:
            raise ValueError("cycle in territories.parent_code")
        for t in ready:
            ordered.append(t)
            placed.add(t["code"])
        pending = [t for t in pending if t["code"] not in placed]
    return ordered


def populate(con: duckdb.DuckDBPyConnection, data: SourceData, data_dir: Path) -> None:
    """Create the schema in an empty database and load the validated source data."""
    con.execute(_schema_sql(data.units))
    _insert(
        con,
        "sources",
        ("source_id", "title", "publisher", "published", "data_as_of", "text_file", "text_sha256"),
        [
            (
                s["source_id"],
                s["title"],
                s["publisher"],
                s["published"],
                s["data_as_of"],
                s["text_file"],
                hashlib.sha256((data_dir / s["text_file"]).read_bytes()).hexdigest(),
            )
            for s in data.sources
        ],
    )
    _insert(
        con,
        "units",
        ("code", "symbol_fr", "base_unit", "factor", "description"),
        [(u["code"], u["symbol_fr"], u["base_unit"], float(u["factor"]), u["description"] or None) for u in data.units],
    )
    for t in _territories_parents_first(data.territories):
        _insert(
            con,
            "territories",
            ("code", "name", "kind", "parent_code", "insee_codes", "sort_order"),
            [
                (
                    t["code"],
                    t["name"],
                    t["kind"],
                    t["parent_code"] or None,
                    t["insee_codes"] or None,
                    int(t["sort_order"]),
                )
            ],
        )
    _insert(
        con,
        "sections",
        ("code", "title", "page", "sort_order"),
        [(s["code"], s["title"], int(s["page"]) if s["page"] else None, int(s["sort_order"])) for s in data.sections],
    )
    _insert(
        con,
        "measures",
        ("code", "label", "kind", "numerator", "denominator", "description"),
        [
            (
                m["code"],
                m["label"],
                m["kind"],
                m["numerator"] or None,
                m["denominator"] or None,
                m["description"] or None,
            )
            for m in data.measures
        ],
    )
    _insert(
        con,
        "dimension_members",
        ("dimension", "member", "label", "sort_order"),
        [(d["dimension"], d["member"], d["label"], int(d["sort_order"])) for d in data.dimensions],
    )
    columns = (
        "fact_id",
        "source_id",
        "territory_code",
        "scope",
        "measure",
        "dimension",
        "member",
        "sub_dimension",
        "sub_member",
        "period",
        "period_type",
        "period_start",
        "period_end",
        "qualifier",
        "value_text",
        "value",
        "unit",
        "context",
        "section",
        "quote",
        "note",
        "source_file",
        "source_line",
    )
    _insert(con, "facts", columns, [tuple(f[c] for c in columns) for f in data.facts])
    findings = run_checks(con)
    _insert(
        con,
        "quality_findings",
        (
            "finding_id",
            "rule",
            "severity",
            "territory_code",
            "measure",
            "period",
            "breakdown",
            "unit",
            "expected",
            "actual",
            "gap",
            "tolerance",
            "message",
        ),
        [
            (
                f.finding_id,
                f.rule,
                f.severity,
                f.territory_code,
                f.measure,
                f.period,
                f.breakdown,
                f.unit,
                f.expected,
                f.actual,
                f.gap,
                f.tolerance,
                f.message,
            )
            for f in findings
        ],
    )
    _insert(
        con,
        "quality_finding_facts",
        ("finding_id", "fact_id", "role"),
        [(f.finding_id, fact_id, role) for f in findings for fact_id, role in f.facts],
    )


def build_database(data_dir: Path, db_path: Path) -> int:
    """Build the database into a temporary file, then move it over `db_path` atomically.

    The source files are fully validated first (SourceError lists every problem). If anything
    fails, the temporary file is removed and an existing database is left byte-identical.
    Returns the number of facts loaded.
    """
    data = load_sources(data_dir)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    _remove(tmp_path)
    try:
        con = duckdb.connect(str(tmp_path))
        try:
            populate(con, data, data_dir)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with tmp_path.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, db_path)
        _fsync_dir(db_path.parent)
    except BaseException:
        _remove(tmp_path)
        raise
    return len(data.facts)


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
