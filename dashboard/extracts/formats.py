"""Reading extract files into DuckDB as text, whatever tool produced them.

CSV: UTF-8 with or without BOM, Windows-1252 (or UTF-16 with BOM), transcoded to UTF-8 in
streaming chunks when needed; `;`, `,` or tab separator sniffed from the header line. XLSX: the
sheet is streamed with openpyxl (read-only) into a temporary CSV. DuckDB then reads every column
as VARCHAR; each row keeps its line number in the file (the sheet row for XLSX) for the messages.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb

from .issues import ExtractIssue
from .spec import TABLES, header_aliases, spelling_key

CHUNK_SIZE = 4 * 1024 * 1024
SEPARATORS = (";", ",", "\t")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Sheet names accepted for each table (compared with `spelling_key`).
SHEET_NAMES = {"operations": ("operations", "operation"), "disbursements": ("disbursements", "decaissements")}
_LINE_DELIMITER = "chr(31) || chr(30) || chr(29)"  # never found in text: one physical line per row


@dataclass
class RawTable:
    """An input file loaded as text into the DuckDB temporary table `name` (`line` + known columns)."""

    table: str  # "operations" | "disbursements"
    name: str
    display: str  # file name used in messages, e.g. "ops.csv" or "extract.xlsx[operations]"
    path: Path
    sha256: str
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def sql_string(value: str) -> str:
    """A SQL string literal (for table-function arguments, which take no `?` parameters)."""
    return "'" + value.replace("'", "''") + "'"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def is_xlsx(path: Path) -> bool:
    """True for Excel workbooks (by extension)."""
    return path.suffix.lower() in XLSX_SUFFIXES


@dataclass
class _Utf8File:
    path: Path
    sha256: str
    lines: int  # physical lines
    encoding: str


def _scan_utf8(path: Path) -> _Utf8File | None:
    """Check that the file is UTF-8 (BOM or not) while hashing it and counting its lines; None if it is not."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return None
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return _Utf8File(path, digest.hexdigest(), lines, "utf-8")


def _transcode(path: Path, encoding: str, target: Path, display: str, issues: list[ExtractIssue]) -> _Utf8File | None:
    """Transcode `path` to UTF-8 in `target`, chunk by chunk; report an undecodable byte with its line."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    last = ""
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = newlines + chunk.count(b"\n", 0, exc.start) + 1
                issues.append(
                    ExtractIssue(
                        display,
                        line,
                        "-",
                        None,
                        "encoding",
                        f"byte 0x{chunk[exc.start]:02x} is neither UTF-8 nor {encoding}: save the file as CSV UTF-8",
                    )
                )
                return None
            newlines += text.count("\n")
            if text:
                last = text[-1]
            out.write(text)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            issues.append(
                ExtractIssue(
                    display,
                    newlines + 1,
                    "-",
                    None,
                    "encoding",
                    f"the file ends in the middle of a {encoding} character (truncated?): save it again as CSV UTF-8",
                )
            )
            return None
    lines = newlines + (1 if last not in ("", "\n") else 0)
    return _Utf8File(target, digest.hexdigest(), lines, encoding)


def _as_utf8(path: Path, workdir: Path, display: str, issues: list[ExtractIssue]) -> _Utf8File | None:
    """The file itself if it is UTF-8, else a UTF-8 copy (UTF-16 with BOM, or Windows-1252)."""
    with path.open("rb") as handle:
        start = handle.read(4)
    target = workdir / f"{path.stem}.{len(list(workdir.iterdir()))}.utf8.csv"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _transcode(path, "utf-16", target, display, issues)
    scanned = _scan_utf8(path)
    if scanned is not None:
        return scanned
    return _transcode(path, "cp1252", target, display, issues)


def _header_line(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return handle.readline().rstrip("\r\n")


def sniff_separator(header: str) -> str:
    """The separator that occurs most in the header line (`;` wins ties, `,` if there is none)."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _map_header(
    header: list[str], table: str, display: str, issues: list[ExtractIssue]
) -> tuple[dict[str, int], list[str]] | None:
    """Column name -> position in the file, and the ignored headers; None if a required column is missing."""
    aliases = header_aliases(TABLES[table])
    positions: dict[str, int] = {}
    ignored: list[str] = []
    ok = True
    for index, raw in enumerate(header):
        name = aliases.get(spelling_key(raw or ""))
        if name is None:
            if (raw or "").strip():
                ignored.append(raw.strip())
            continue
        if name in positions:
            issues.append(
                ExtractIssue(
                    display,
                    1,
                    name,
                    raw,
                    "duplicate_column",
                    f"column given twice (columns {positions[name] + 1} and {index + 1})",
                )
            )
            ok = False
            continue
        positions[name] = index
    for column in TABLES[table]:
        if column.required and column.name not in positions:
            issues.append(
                ExtractIssue(
                    display,
                    1,
                    column.name,
                    None,
                    "missing_column",
                    f"required column missing from the header (also accepted: '{column.title}')",
                )
            )
            ok = False
    return (positions, ignored) if ok else None


def _select_columns(table: str, positions: dict[str, int], prefix: str = "") -> str:
    return ", ".join(
        f"{prefix}c{positions[c.name]} AS {c.name}" if c.name in positions else f"NULL::VARCHAR AS {c.name}"
        for c in TABLES[table]
    )


def _read_options(path: Path, delimiter: str, width: int, extra: str = "") -> str:
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"{sql_string(str(path))}, delim={sql_string(delimiter)}, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={{{extra}{columns}}}, encoding='utf-8'"
    )


def _load_csv(
    con: duckdb.DuckDBPyConnection, raw: RawTable, workdir: Path, issues: list[ExtractIssue]
) -> RawTable | None:
    utf8 = _as_utf8(raw.path, workdir, raw.display, issues)
    if utf8 is None:
        return None
    raw.sha256 = utf8.sha256
    header_text = _header_line(utf8.path)
    if not header_text.strip():
        issues.append(ExtractIssue(raw.display, 1, "-", None, "empty_file", "empty file, a header row is expected"))
        return None
    separator = sniff_separator(header_text)
    header = next(csv.reader([header_text], delimiter=separator))
    mapped = _map_header(header, raw.table, raw.display, issues)
    if mapped is None:
        return None
    positions, raw.ignored_columns = mapped
    read = f"_read_{raw.table}"
    rejects = f"_rejects_{raw.table}"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {read} AS SELECT * FROM read_csv("
            f"{_read_options(utf8.path, separator, len(header))}, store_rejects=true, "
            f"rejects_table='{rejects}', rejects_scan='_scans_{raw.table}')"
        )
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        issues.append(ExtractIssue(raw.display, 0, "-", None, "malformed_file", f"unreadable CSV: {reason}"))
        return None
    count = con.execute(f"SELECT count(*) FROM {read}").fetchone()
    records = count[0] if count else 0
    rejected = con.execute(f"SELECT count(*) FROM {rejects}").fetchone()
    if not (rejected and rejected[0]) and utf8.lines == records + 1:
        # One physical line per record: the usual case, no need to look at the lines themselves.
        columns = _select_columns(raw.table, positions)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {raw.name} AS SELECT rowid + 2 AS line, {columns} FROM {read}")
    else:
        try:
            _map_lines(con, raw, utf8.path, read, rejects, _select_columns(raw.table, positions, prefix="r."))
        except duckdb.Error:
            # Lines that even a one-column read cannot split (e.g. mixed line endings): number the
            # records in order instead; rejected rows are still reported, without a line number.
            columns = _select_columns(raw.table, positions)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {raw.name} AS SELECT rowid + 2 AS line, {columns} FROM {read}")
            con.execute("CREATE OR REPLACE TEMP TABLE _items AS SELECT NULL::BIGINT AS item, NULL::BIGINT AS line")
        for line, message, text in con.execute(
            f"""SELECT i.line, r.message, r.text
                FROM (SELECT line AS item, arg_min(error_message, column_idx) AS message,
                             arg_min(csv_line, column_idx) AS text FROM {rejects} GROUP BY line) r
                LEFT JOIN _items i ON i.item = r.item ORDER BY r.item"""
        ).fetchall():
            issues.append(
                ExtractIssue(
                    raw.display,
                    int(line) if line is not None else 0,
                    "-",
                    (text or "").strip("\r\n"),
                    "malformed_row",
                    f"malformed row: {message} (separator '{separator}')",
                )
            )
        con.execute("DROP TABLE IF EXISTS _items")
    con.execute(f"DROP TABLE {read}")
    raw.rows = records
    return raw


def _map_lines(
    con: duckdb.DuckDBPyConnection, raw: RawTable, path: Path, read: str, rejects: str, columns: str
) -> None:
    """Line numbers when some records span several lines, blank lines occur or rows were rejected.

    DuckDB numbers rejected rows by "item" (the header, each record and each blank line count one);
    the physical lines are read again, one per row, and a running count of quote characters tells
    which lines start an item.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _lines AS SELECT l FROM read_csv({sql_string(str(path))},
            delim={_LINE_DELIMITER}, header=false, auto_detect=false, columns={{'l': 'VARCHAR'}}, quote='', escape='',
            encoding='utf-8')"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _items AS
           WITH p AS (
               SELECT rowid + 1 AS line, l IS NULL AS blank,
                      (length(coalesce(l, '')) - length(replace(coalesce(l, ''), '"', ''))) % 2 AS odd
               FROM _lines),
           q AS (
               SELECT *, coalesce(sum(odd) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                         % 2 AS inside
               FROM p)
           SELECT line, blank, row_number() OVER (ORDER BY line) AS item FROM q WHERE inside = 0"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw.name} AS
            WITH rec AS (
                SELECT line, row_number() OVER (ORDER BY line) - 1 AS rid FROM _items
                WHERE NOT blank AND item > 1 AND item NOT IN (SELECT line FROM {rejects}))
            SELECT coalesce(rec.line, r.rowid + 2) AS line, {columns}
            FROM {read} r LEFT JOIN rec ON rec.rid = r.rowid"""
    )
    con.execute("DROP TABLE _lines")


def _cell_text(value: object) -> str:
    """Text of an Excel cell as a user would have typed it (ISO dates, no spurious `.0`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _find_sheet(workbook, table: str):
    wanted = SHEET_NAMES[table]
    for sheet in workbook.worksheets:
        if spelling_key(sheet.title) in wanted:
            return sheet
    return workbook.worksheets[0] if table == "operations" else None


def _load_xlsx(
    con: duckdb.DuckDBPyConnection, raw: RawTable, workdir: Path, issues: list[ExtractIssue]
) -> RawTable | None:
    from openpyxl import load_workbook  # imported on demand: only imports of .xlsx files need it

    try:
        workbook = load_workbook(raw.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        issues.append(ExtractIssue(raw.display, 0, "-", None, "malformed_file", f"unreadable workbook: {exc}"))
        return None
    try:
        sheet = _find_sheet(workbook, raw.table)
        if sheet is None:
            issues.append(
                ExtractIssue(
                    raw.display, 0, "-", None, "missing_sheet", f"no sheet named '{raw.table}' in the workbook"
                )
            )
            return None
        raw.display = f"{raw.path.name}[{sheet.title}]"
        rows = sheet.iter_rows(min_row=1, values_only=True)
        first = next(rows, None)
        header = [_cell_text(v) for v in first] if first else []
        if not any(h.strip() for h in header):
            issues.append(
                ExtractIssue(raw.display, 1, "-", None, "empty_file", "empty sheet, a header row is expected")
            )
            return None
        mapped = _map_header(header, raw.table, raw.display, issues)
        if mapped is None:
            return None
        positions, raw.ignored_columns = mapped
        width = len(header)
        target = workdir / f"{raw.table}.xlsx.csv"
        count = 0
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["line", *(f"c{i}" for i in range(width))])
            for number, values in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in values[:width]]
                if any(cell.strip() for cell in cells):
                    writer.writerow([number, *cells, *([""] * (width - len(cells)))])
                    count += 1
    finally:
        workbook.close()
    raw.sha256 = file_sha256(raw.path)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw.name} AS
            SELECT line, {_select_columns(raw.table, positions)}
            FROM read_csv({_read_options(target, ",", width, extra="'line': 'BIGINT', ")})"""
    )
    raw.rows = count
    return raw


def load_raw(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, workdir: Path, issues: list[ExtractIssue]
) -> RawTable | None:
    """Load one input file as text into the temporary table `raw_<table>`; None (issues recorded) if unusable."""
    raw = RawTable(table=table, name=f"raw_{table}", display=path.name, path=path, sha256="")
    if not path.is_file():
        issues.append(ExtractIssue(str(path), 0, "-", None, "missing_file", "file not found"))
        return None
    if is_xlsx(path):
        return _load_xlsx(con, raw, workdir, issues)
    return _load_csv(con, raw, workdir, issues)
