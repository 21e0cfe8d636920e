"""Reading and validating the source CSV files under `data/`.

Every problem is collected with its file, line, column and reason, so that one run lists them
all; nothing is written anywhere until the whole set is valid.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .numbers import QUALIFIERS, collapse_spaces, parse_printed_number

FACT_COLUMNS = (
    "fact_id",
    "territory",
    "scope",
    "measure",
    "dimension",
    "member",
    "sub_dimension",
    "sub_member",
    "period",
    "qualifier",
    "value_text",
    "value",
    "unit",
    "context",
    "section",
    "quote",
    "note",
)
REFERENCE_COLUMNS = {
    "sources": ("source_id", "title", "publisher", "published", "data_as_of", "text_file"),
    "units": ("code", "symbol_fr", "base_unit", "factor", "description"),
    "territories": ("code", "name", "kind", "parent_code", "insee_codes", "sort_order"),
    "sections": ("code", "title", "page", "sort_order"),
    "measures": ("code", "label", "kind", "numerator", "denominator", "description"),
    "dimensions": ("dimension", "member", "label", "sort_order"),
}
TERRITORY_KINDS = ("national", "section", "drom")
MEASURE_KINDS = ("stock", "flow", "ratio", "indicator")
CONTEXTS = ("key_figures", "narrative")
NATURAL_KEY = (
    "territory",
    "scope",
    "measure",
    "dimension",
    "member",
    "sub_dimension",
    "sub_member",
    "period",
    "unit",
    "context",
    "section",
)
_FACT_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4})\.\.(\d{4})$")
_AS_OF = re.compile(r"^@(\d{4}-\d{2}-\d{2})$")
_RATIO_TERM = re.compile(r"^([a-z0-9_]+)(?:\[([a-z0-9_]+)=([a-z0-9_]+)\])?@(same|cumul)$")


@dataclass(frozen=True)
class SourceIssue:
    """One problem in a source file."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: column '{self.column}': {self.reason}"


class SourceError(Exception):
    """The source files are invalid; `issues` lists every problem found."""

    def __init__(self, issues: list[SourceIssue]):
        self.issues = issues
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{len(issues)} problem(s) in the source files:\n{lines}")


@dataclass(frozen=True)
class Period:
    """A year, a cumulative range of years, or a stock as of a date."""

    code: str
    kind: str  # "year" | "range" | "as_of"
    start: date | None
    end: date


def parse_period(code: str) -> Period | None:
    """Parse `2024`, `2018..2024` or `@2024-12-31`; None if the code is not one of them."""
    if m := _YEAR.match(code):
        year = int(m.group(1))
        return Period(code, "year", date(year, 1, 1), date(year, 12, 31))
    if m := _RANGE.match(code):
        first, last = int(m.group(1)), int(m.group(2))
        if first > last:
            return None
        return Period(code, "range", date(first, 1, 1), date(last, 12, 31))
    if m := _AS_OF.match(code):
        try:
            return Period(code, "as_of", None, date.fromisoformat(m.group(1)))
        except ValueError:
            return None
    return None


def parse_ratio_term(term: str) -> tuple[str, str | None, str | None, str] | None:
    """Parse a ratio term `measure[dimension=member]@same|cumul`."""
    m = _RATIO_TERM.match(term)
    return (m.group(1), m.group(2), m.group(3), m.group(4)) if m else None


@dataclass
class SourceData:
    """Validated content of the data folder, ready to load."""

    sources: list[dict[str, str]]
    units: list[dict[str, str]]
    territories: list[dict[str, str]]
    sections: list[dict[str, str]]
    measures: list[dict[str, str]]
    dimensions: list[dict[str, str]]
    facts: list[dict[str, object]] = field(default_factory=list)


def _read_csv(
    path: Path, columns: tuple[str, ...], issues: list[SourceIssue], base: Path
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a CSV file whose header must hold `columns`."""
    name = path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        issues.append(SourceIssue(name, 0, "-", f"cannot read the file: {exc.strerror}"))
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            issues.append(SourceIssue(name, 1, "-", "empty file, a header row is expected"))
            return
        except UnicodeDecodeError:
            issues.append(SourceIssue(name, 1, "-", "not valid UTF-8"))
            return
        missing = [c for c in columns if c not in header]
        if missing:
            issues.append(SourceIssue(name, 1, ",".join(missing), "missing column(s) in the header"))
            return
        try:
            for record in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(header):
                    issues.append(
                        SourceIssue(name, line, "-", f"{len(record)} fields where the header has {len(header)}")
                    )
                    continue
                yield line, {key: value.strip() for key, value in zip(header, record, strict=True)}
        except UnicodeDecodeError:
            issues.append(SourceIssue(name, reader.line_num + 1, "-", "not valid UTF-8"))
        except csv.Error as exc:
            issues.append(SourceIssue(name, reader.line_num, "-", f"malformed CSV: {exc}"))


def _load_reference(data_dir: Path, issues: list[SourceIssue]) -> dict[str, list[dict[str, str]]]:
    tables: dict[str, list[dict[str, str]]] = {}
    for table, columns in REFERENCE_COLUMNS.items():
        path = data_dir / "reference" / f"{table}.csv"
        rows = []
        keys: dict[tuple[str, ...], int] = {}
        key_columns = ("dimension", "member") if table == "dimensions" else (columns[0],)
        for line, row in _read_csv(path, columns, issues, data_dir):
            key = tuple(row[c] for c in key_columns)
            name = f"reference/{table}.csv"
            if not all(key):
                issues.append(SourceIssue(name, line, key_columns[0], "empty key"))
                continue
            if key in keys:
                issues.append(
                    SourceIssue(
                        name, line, key_columns[-1], f"duplicate key {'/'.join(key)} (first on line {keys[key]})"
                    )
                )
                continue
            keys[key] = line
            row["_line"] = str(line)
            rows.append(row)
        tables[table] = rows
    _check_reference(tables, issues)
    return tables


def _check_reference(tables: dict[str, list[dict[str, str]]], issues: list[SourceIssue]) -> None:
    """Cross-checks inside the reference files."""
    territory_codes = {t["code"] for t in tables["territories"]}
    unit_codes = {u["code"] for u in tables["units"]}
    measure_codes = {m["code"] for m in tables["measures"]}
    members = {(d["dimension"], d["member"]) for d in tables["dimensions"]}
    for t in tables["territories"]:
        where = ("reference/territories.csv", int(t["_line"]))
        if t["kind"] not in TERRITORY_KINDS:
            issues.append(
                SourceIssue(*where, "kind", f"unknown kind '{t['kind']}', expected one of {', '.join(TERRITORY_KINDS)}")
            )
        if t["parent_code"] and t["parent_code"] not in territory_codes:
            issues.append(SourceIssue(*where, "parent_code", f"unknown territory '{t['parent_code']}'"))
        if not t["sort_order"].isdigit():
            issues.append(SourceIssue(*where, "sort_order", f"not a whole number: '{t['sort_order']}'"))
    for u in tables["units"]:
        where = ("reference/units.csv", int(u["_line"]))
        if u["base_unit"] not in unit_codes:
            issues.append(SourceIssue(*where, "base_unit", f"unknown unit '{u['base_unit']}'"))
        try:
            if float(u["factor"]) <= 0:
                raise ValueError
        except ValueError:
            issues.append(SourceIssue(*where, "factor", f"not a positive number: '{u['factor']}'"))
    for m in tables["measures"]:
        where = ("reference/measures.csv", int(m["_line"]))
        if m["kind"] not in MEASURE_KINDS:
            issues.append(
                SourceIssue(*where, "kind", f"unknown kind '{m['kind']}', expected one of {', '.join(MEASURE_KINDS)}")
            )
        for column in ("numerator", "denominator"):
            term = m[column]
            if m["kind"] != "ratio":
                if term:
                    issues.append(SourceIssue(*where, column, "only ratio measures have a numerator and a denominator"))
                continue
            parsed = parse_ratio_term(term)
            if parsed is None:
                issues.append(
                    SourceIssue(*where, column, f"'{term}' is not of the form measure[dimension=member]@same|cumul")
                )
            elif parsed[0] not in measure_codes:
                issues.append(SourceIssue(*where, column, f"unknown measure '{parsed[0]}'"))
            elif parsed[1] and (parsed[1], parsed[2]) not in members:
                issues.append(SourceIssue(*where, column, f"unknown dimension member '{parsed[1]}={parsed[2]}'"))
    for s in tables["sections"]:
        where = ("reference/sections.csv", int(s["_line"]))
        if not s["sort_order"].isdigit():
            issues.append(SourceIssue(*where, "sort_order", f"not a whole number: '{s['sort_order']}'"))
    for d in tables["dimensions"]:
        if not d["sort_order"].isdigit():
            issues.append(
                SourceIssue(
                    "reference/dimensions.csv",
                    int(d["_line"]),
                    "sort_order",
                    f"not a whole number: '{d['sort_order']}'",
                )
            )
    for s in tables["sources"]:
        try:
            date.fromisoformat(s["data_as_of"])
        except ValueError:
            issues.append(
                SourceIssue(
                    "reference/sources.csv", int(s["_line"]), "data_as_of", f"not an ISO date: '{s['data_as_of']}'"
                )
            )


def _validate_fact(
    row: dict[str, str],
    where: tuple[str, int],
    ref: dict[str, set],
    source_text: str,
    issues: list[SourceIssue],
) -> dict[str, object] | None:
    """Check one fact row; return the typed fact, or None (with issues recorded) if invalid."""
    found: list[SourceIssue] = []

    def bad(column: str, reason: str) -> None:
        found.append(SourceIssue(*where, column, reason))

    if not _FACT_ID.match(row["fact_id"]):
        bad("fact_id", f"'{row['fact_id']}' is not a valid id (lowercase letters, digits, '_', '.', '-')")
    if row["territory"] not in ref["territories"]:
        bad("territory", f"unknown territory '{row['territory']}'")
    if row["measure"] not in ref["measures"]:
        bad("measure", f"unknown measure '{row['measure']}'")
    for dim_col, member_col in (("dimension", "member"), ("sub_dimension", "sub_member")):
        dim, member = row[dim_col], row[member_col]
        if bool(dim) != bool(member):
            bad(dim_col if not dim else member_col, f"'{dim_col}' and '{member_col}' go together")
        elif dim and (dim, member) not in ref["members"]:
            bad(member_col, f"unknown member '{member}' of dimension '{dim}'")
    if row["sub_dimension"] and not row["dimension"]:
        bad("sub_dimension", "a sub-breakdown needs a breakdown")
    period = parse_period(row["period"])
    if period is None:
        bad("period", f"'{row['period']}' is not a year (2024), a range (2018..2024) or a date (@2024-12-31)")
    if row["qualifier"] and row["qualifier"] not in QUALIFIERS:
        bad("qualifier", f"unknown qualifier '{row['qualifier']}', expected one of {', '.join(QUALIFIERS)}")
    value: float | None = None
    if not row["value_text"]:
        bad("value_text", "missing printed value")
    try:
        value = float(row["value"])
    except ValueError:
        bad("value", f"non-numeric value '{row['value']}' (use a plain decimal such as 56.6)")
    if value is not None:
        if value != value or value in (float("inf"), float("-inf")):
            bad("value", f"non-numeric value '{row['value']}'")
        elif value < 0:
            bad("value", f"negative value {row['value']}")
        else:
            printed = parse_printed_number(row["value_text"])
            if printed is not None and abs(printed - value) > 1e-9 * max(1.0, abs(value)):
                bad("value", f"{row['value']} does not match the printed value '{row['value_text']}'")
    if row["unit"] not in ref["units"]:
        bad("unit", f"unknown unit '{row['unit']}'")
    if row["context"] not in CONTEXTS:
        bad("context", f"unknown context '{row['context']}', expected one of {', '.join(CONTEXTS)}")
    if row["section"] not in ref["sections"]:
        bad("section", f"unknown section '{row['section']}'")
    quote = collapse_spaces(row["quote"])
    if not quote:
        bad("quote", "missing quote")
    else:
        if quote not in source_text:
            bad("quote", "quote not found in the source text")
        if row["value_text"] and collapse_spaces(row["value_text"]) not in quote:
            bad("value_text", f"'{row['value_text']}' does not appear in the quote")
    if found:
        issues.extend(found)
        return None
    assert period is not None and value is not None
    return {
        "fact_id": row["fact_id"],
        "territory_code": row["territory"],
        "scope": row["scope"] or None,
        "measure": row["measure"],
        "dimension": row["dimension"] or None,
        "member": row["member"] or None,
        "sub_dimension": row["sub_dimension"] or None,
        "sub_member": row["sub_member"] or None,
        "period": period.code,
        "period_type": period.kind,
        "period_start": period.start,
        "period_end": period.end,
        "qualifier": row["qualifier"] or None,
        "value_text": row["value_text"],
        "value": value,
        "unit": row["unit"],
        "context": row["context"],
        "section": row["section"],
        "quote": quote,
        "note": row["note"] or None,
        "source_file": where[0],
        "source_line": where[1],
    }


def load_sources(data_dir: Path) -> SourceData:
    """Read and validate every source file; raise SourceError listing all problems."""
    issues: list[SourceIssue] = []
    tables = _load_reference(data_dir, issues)
    ref = {
        "territories": {t["code"] for t in tables["territories"]},
        "measures": {m["code"] for m in tables["measures"]},
        "members": {(d["dimension"], d["member"]) for d in tables["dimensions"]},
        "units": {u["code"] for u in tables["units"]},
        "sections": {s["code"] for s in tables["sections"]},
    }
    facts: list[dict[str, object]] = []
    ids: dict[str, str] = {}
    keys: dict[tuple, str] = {}
    for source in tables["sources"]:
        text_path = data_dir / source["text_file"]
        try:
            source_text = collapse_spaces(text_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            issues.append(
                SourceIssue(
                    "reference/sources.csv",
                    int(source["_line"]),
                    "text_file",
                    f"cannot read '{source['text_file']}': {exc}",
                )
            )
            continue
        fact_files = sorted((data_dir / "facts" / source["source_id"]).glob("*.csv"))
        if not fact_files:
            issues.append(
                SourceIssue(
                    "reference/sources.csv",
                    int(source["_line"]),
                    "source_id",
                    f"no fact file in facts/{source['source_id']}/",
                )
            )
        for path in fact_files:
            name = path.relative_to(data_dir).as_posix()
            for line, row in _read_csv(path, FACT_COLUMNS, issues, data_dir):
                where = (name, line)
                fact = _validate_fact(row, where, ref, source_text, issues)
                if row["fact_id"] in ids:
                    issues.append(
                        SourceIssue(
                            *where, "fact_id", f"duplicate fact id '{row['fact_id']}' (first at {ids[row['fact_id']]})"
                        )
                    )
                    continue
                ids[row["fact_id"]] = f"{name}:{line}"
                if fact is None:
                    continue
                key = tuple(row[c] for c in NATURAL_KEY)
                if key in keys:
                    issues.append(
                        SourceIssue(
                            *where,
                            "fact_id",
                            "duplicate fact: same territory, measure, breakdown, period, unit, context and section"
                            f" as {keys[key]}",
                        )
                    )
                    continue
                keys[key] = f"{name}:{line} ({row['fact_id']})"
                fact["source_id"] = source["source_id"]
                facts.append(fact)
    if issues:
        raise SourceError(issues)
    for rows in tables.values():
        for row in rows:
            row.pop("_line", None)
    return SourceData(facts=facts, **tables)
