"""Normalising and validating the extract tables in SQL, before anything is written.

`normalise` turns the text tables `raw_operations` / `raw_disbursements` into typed tables
`stage_operations` / `stage_disbursements` (NULL where a value cannot be read) and `validate`
collects every broken rule into the temporary table `_issues`, one row per problem. Both are
set-based DuckDB SQL: no Python loop over the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from .formats import RawTable, sql_string
from .issues import SHOWN_ISSUES, ExtractIssue
from .spec import (
    CODE_LISTS,
    DEPARTEMENTS,
    DROM_REGION_CODES,
    OPERATION_ID_MAX_LENGTH,
    PROGRAMME_START,
    QPV_CODE_PATTERN,
    REGION_CODES,
    TABLES,
    accepted_spellings,
)

_SPACE = r"[\s\x{00A0}\x{202F}\x{FEFF}]"
_SPACES = _SPACE + "+"
_TWO_DECIMALS = r"[-+]?\d+(\.\d{1,2})?"

MACROS = rf"""
-- Trimming only the values that need it is much faster than trimming every value.
CREATE OR REPLACE TEMP MACRO clean(x) AS nullif(CASE WHEN regexp_matches(x, '^{_SPACE}|{_SPACE}$')
    THEN trim(x, ' ' || chr(9) || chr(10) || chr(13) || chr(160) || chr(8239) || chr(65279)) ELSE x END, '');
CREATE OR REPLACE TEMP MACRO clean_text(x) AS nullif(trim(
    CASE WHEN regexp_matches(x, '\s\s|[\t\r\n\x{{00A0}}\x{{202F}}\x{{FEFF}}]')
         THEN regexp_replace(x, '{_SPACES}', ' ', 'g') ELSE x END), '');
CREATE OR REPLACE TEMP MACRO spelling_key(x) AS
    trim(regexp_replace(lower(strip_accents(x)), '[^a-z0-9]+', ' ', 'g'));
-- French or plain notation to a plain decimal text ('-1234.5'), NULL when it is not a number:
-- spaces (also no-break) and a euro sign are dropped; with a comma as decimal mark, dots group thousands;
-- without a comma, a single dot is the decimal point and several dots group thousands.
CREATE OR REPLACE TEMP MACRO compact_number(x) AS regexp_replace(x, '[\s\x{{00A0}}\x{{202F}}€]', '', 'g');
CREATE OR REPLACE TEMP MACRO number_text(x) AS CASE
    WHEN regexp_full_match(compact_number(x), '[-+]?(\d{{1,3}}(\.\d{{3}})+|\d+),\d*')
        THEN rtrim(replace(replace(compact_number(x), '.', ''), ',', '.'), '.')
    WHEN regexp_full_match(compact_number(x), '[-+]?\d{{1,3}}(\.\d{{3}}){{2,}}')
        THEN replace(compact_number(x), '.', '')
    WHEN regexp_full_match(compact_number(x), '[-+]?\d+(\.\d+)?') THEN compact_number(x)
END;
CREATE OR REPLACE TEMP MACRO parse_date(x) AS CASE
    WHEN regexp_full_match(x, '\d{{4}}-\d{{1,2}}-\d{{1,2}}([ T]00:00(:00)?)?')
        THEN try_strptime(regexp_extract(x, '^\d{{4}}-\d{{1,2}}-\d{{1,2}}'), '%Y-%m-%d')::DATE
    WHEN regexp_full_match(x, '\d{{1,2}}/\d{{1,2}}/\d{{4}}( 00:00(:00)?)?')
        THEN try_strptime(regexp_extract(x, '^\d{{1,2}}/\d{{1,2}}/\d{{4}}'), '%d/%m/%Y')::DATE
END;
CREATE OR REPLACE TEMP MACRO departement_code(x) AS
    CASE WHEN regexp_full_match(upper(x), '\d') THEN '0' || x ELSE upper(x) END;
"""


def _in_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(sql_string(v) for v in values)


def _reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Code lists as small temporary tables, joined by the normalisation."""
    con.execute("CREATE OR REPLACE TEMP TABLE _departements (code VARCHAR PRIMARY KEY, region_code VARCHAR)")
    con.executemany("INSERT INTO _departements VALUES (?, ?)", [(d.code, d.region_code) for d in DEPARTEMENTS.values()])


def _code_case(column: str, expression: str) -> str:
    """SQL mapping a coded value to its canonical code: the usual spellings first, then the spelling key."""
    spellings = [(key, code) for name, key, code in accepted_spellings() if name == column]
    quick = " ".join(f"WHEN {sql_string(key)} THEN {sql_string(code)}" for key, code in spellings if key.isalnum())
    full = " ".join(f"WHEN {sql_string(key)} THEN {sql_string(code)}" for key, code in spellings)
    return f"CASE lower({expression}) {quick} ELSE CASE spelling_key({expression}) {full} END END"


def normalise(con: duckdb.DuckDBPyConnection, operations: bool, disbursements: bool) -> None:
    """Create the typed staging tables from the raw text tables that were loaded."""
    for statement in MACROS.split(";\n"):
        if statement.strip():
            con.execute(statement)
    _reference_tables(con)
    if operations:
        coded = ", ".join(f"{_code_case(c, f'r.{c}_raw')} AS {c}" for c in CODE_LISTS)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE stage_operations AS
                WITH r AS (
                    SELECT line,
                           clean(operation_id) AS operation_id,
                           upper(clean(region_code)) AS region_code_raw,
                           clean(departement) AS departement_raw,
                           clean_text(commune) AS commune,
                           clean(qpv_code) AS qpv_code_raw,
                           clean_text(qpv_name) AS qpv_name,
                           clean_text(landlord_name) AS landlord_name,
                           clean(landlord_type) AS landlord_type_raw,
                           clean(family) AS family_raw,
                           clean(zone) AS zone_raw,
                           clean(label) AS label_raw,
                           clean(engagement_date) AS engagement_date_raw,
                           clean(engaged_amount_eur) AS engaged_amount_eur_raw,
                           number_text(clean(engaged_amount_eur)) AS engaged_amount_eur_text,
                           clean(reservation_rights) AS reservation_rights_raw,
                           try_cast(number_text(clean(reservation_rights)) AS DECIMAL(38, 10))
                               AS reservation_rights_number
                    FROM raw_operations)
                SELECT r.*,
                       CASE WHEN region_code_raw IN ({_in_list(REGION_CODES)}) THEN region_code_raw END AS region_code,
                       d.code AS departement,
                       d.region_code AS departement_region,
                       CASE WHEN regexp_full_match(upper(qpv_code_raw), '{QPV_CODE_PATTERN}')
                            THEN upper(qpv_code_raw) END AS qpv_code,
                       {coded},
                       parse_date(engagement_date_raw) AS engagement_date,
                       CASE WHEN regexp_full_match(engaged_amount_eur_text, '{_TWO_DECIMALS}')
                            THEN try_cast(engaged_amount_eur_text AS DECIMAL(18, 2)) END AS engaged_amount_eur,
                       CASE WHEN reservation_rights_number = trunc(reservation_rights_number)
                            THEN try_cast(reservation_rights_number AS INTEGER) END AS reservation_rights
                FROM r
                LEFT JOIN _departements d ON d.code = departement_code(r.departement_raw)"""
        )
    if disbursements:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE stage_disbursements AS
                WITH r AS (
                    SELECT line,
                           clean(operation_id) AS operation_id,
                           clean(disbursement_date) AS disbursement_date_raw,
                           clean(amount_eur) AS amount_eur_raw,
                           number_text(clean(amount_eur)) AS amount_eur_text
                    FROM raw_disbursements)
                SELECT r.*,
                       parse_date(disbursement_date_raw) AS disbursement_date,
                       CASE WHEN regexp_full_match(amount_eur_text, '{_TWO_DECIMALS}')
                            THEN try_cast(amount_eur_text AS DECIMAL(18, 2)) END AS amount_eur
                FROM r"""
        )


@dataclass(frozen=True)
class Rule:
    """A row-level check: rows of `source` where `condition` holds break `rule` at `column`."""

    table: str
    column: str
    rule: str
    condition: str
    reason: str  # SQL expression
    value: str | None = None  # SQL expression shown as the value (default: the column's text)
    source: str | None = None  # FROM clause (default: the staging table)
    line: str = "line"  # SQL expression of the line number


def _number_rules(table: str, column: str) -> list[Rule]:
    raw, text, typed = f"{column}_raw", f"{column}_text", column
    return [
        Rule(
            table,
            column,
            "invalid_number",
            f"{raw} IS NOT NULL AND {text} IS NULL",
            "'not an amount in euros (write e.g. 1234567,89 or 1 234 567,89 or 1234567.89)'",
        ),
        Rule(
            table,
            column,
            "invalid_number",
            f"{text} IS NOT NULL AND NOT regexp_full_match({text}, '{_TWO_DECIMALS}')",
            "'more than two decimal places (a dot followed by three digits is read as a decimal point: "
            "write 1234 or 1 234 for thousands)'",
        ),
        Rule(
            table,
            column,
            "invalid_number",
            f"regexp_full_match({text}, '{_TWO_DECIMALS}') AND {typed} IS NULL",
            "'amount too large'",
        ),
        Rule(table, column, "negative_amount", f"{typed} < 0", "'negative amount: amounts are positive or zero'"),
    ]


def _date_rule(table: str, column: str) -> Rule:
    return Rule(
        table,
        column,
        "invalid_date",
        f"{column}_raw IS NOT NULL AND {column} IS NULL",
        "'not a date (write JJ/MM/AAAA or AAAA-MM-JJ)'",
    )


def _required_rules(table: str) -> list[Rule]:
    rules = []
    for column in TABLES[table]:
        if not column.required:
            continue
        raw = column.name if column.name == "operation_id" else f"{column.name}_raw"
        rules.append(Rule(table, column.name, "required", f"{raw} IS NULL", "'missing value'", value="NULL"))
    return rules


def operation_rules(as_of: date) -> list[Rule]:
    """Row-level rules of the operations file."""
    t = "operations"
    as_of_sql = f"DATE '{as_of.isoformat()}'"
    rules = _required_rules(t)
    rules += [
        Rule(
            t,
            "operation_id",
            "invalid_id",
            f"length(operation_id) > {OPERATION_ID_MAX_LENGTH}",
            f"'operation id longer than {OPERATION_ID_MAX_LENGTH} characters'",
        ),
        Rule(
            t,
            "region_code",
            "invalid_code",
            "region_code_raw IS NOT NULL AND region_code IS NULL",
            f"""CASE WHEN region_code_raw IN ({_in_list(DROM_REGION_CODES)})
                     THEN 'region code of an overseas department: overseas operations use the section code OM'
                     ELSE 'unknown section code, expected one of {", ".join(REGION_CODES)}' END""",
        ),
        Rule(
            t,
            "departement",
            "invalid_code",
            "departement_raw IS NOT NULL AND departement IS NULL",
            "'unknown département code (INSEE code such as 01, 69, 2A or 971)'",
        ),
        Rule(
            t,
            "departement",
            "departement_region",
            "departement IS NOT NULL AND region_code IS NOT NULL AND departement_region <> region_code",
            "printf('département %s is in section %s, not in section %s', departement, departement_region, "
            "region_code)",
        ),
        Rule(
            t,
            "qpv_code",
            "invalid_code",
            "qpv_code_raw IS NOT NULL AND qpv_code IS NULL",
            "'not a QPV code (Q, then N or P, then six letters or digits, e.g. QN06912M)'",
        ),
    ]
    for column, codes in CODE_LISTS.items():
        rules.append(
            Rule(
                t,
                column,
                "invalid_code",
                f"{column}_raw IS NOT NULL AND {column} IS NULL",
                f"'unknown value, expected one of {', '.join(codes)} (or their labels, in any case or accents)'",
            )
        )
    rules += [
        _date_rule(t, "engagement_date"),
        Rule(
            t,
            "engagement_date",
            "date_out_of_range",
            f"engagement_date < DATE '{PROGRAMME_START.isoformat()}'",
            f"'engagement date before the start of the programme ({PROGRAMME_START:%d/%m/%Y})'",
        ),
        Rule(
            t,
            "engagement_date",
            "date_out_of_range",
            f"engagement_date > {as_of_sql}",
            f"'engagement date after the extract date (--as-of {as_of.isoformat()})'",
        ),
        *_number_rules(t, "engaged_amount_eur"),
        Rule(
            t,
            "reservation_rights",
            "invalid_integer",
            "reservation_rights_raw IS NOT NULL AND reservation_rights IS NULL",
            "'not a whole number of reservation rights'",
        ),
        Rule(
            t,
            "reservation_rights",
            "negative_amount",
            "reservation_rights < 0",
            "'negative number of reservation rights'",
        ),
        Rule(
            t,
            "operation_id",
            "duplicate_id",
            "line > first_line",
            "printf('duplicate operation id (first on line %d)', first_line)",
            value="operation_id",
            source="""(SELECT line, operation_id, min(line) OVER (PARTITION BY operation_id) AS first_line
                       FROM stage_operations WHERE operation_id IS NOT NULL)""",
        ),
    ]
    return rules


def disbursement_rules(as_of: date, operations_display: str | None) -> list[Rule]:
    """Row-level rules of the disbursements file, including those against the operations file."""
    t = "disbursements"
    rules = [*_required_rules(t), _date_rule(t, "disbursement_date"), *_number_rules(t, "amount_eur")]
    rules.append(
        Rule(
            t,
            "disbursement_date",
            "date_out_of_range",
            f"disbursement_date > DATE '{as_of.isoformat()}'",
            f"'disbursement date after the extract date (--as-of {as_of.isoformat()})'",
        )
    )
    if operations_display is None:
        return rules
    ops_file = operations_display.replace("'", "''")
    rules += [
        Rule(
            t,
            "operation_id",
            "unknown_operation",
            "d.operation_id IS NOT NULL AND o.operation_id IS NULL",
            f"'no operation with this id in {ops_file}'",
            value="d.operation_id",
            source="stage_disbursements d LEFT JOIN _operation_ref o USING (operation_id)",
            line="d.line",
        ),
        Rule(
            t,
            "disbursement_date",
            "disbursement_before_engagement",
            "o.n = 1 AND d.disbursement_date < o.engagement_date",
            f"printf('disbursement before the engagement date %s of operation %s ({ops_file} line %d)', "
            "strftime(o.engagement_date, '%d/%m/%Y'), d.operation_id, o.line)",
            value="d.disbursement_date_raw",
            source="stage_disbursements d JOIN _operation_ref o USING (operation_id)",
            line="d.line",
        ),
        Rule(
            t,
            "amount_eur",
            "over_disbursed",
            "TRUE",
            f"printf('cumulative disbursements of operation %s reach %s EUR here (%s EUR in all), more than the %s "
            f"EUR engaged ({ops_file} line %d)', operation_id, cumulative::VARCHAR, total::VARCHAR, "
            "engaged_amount_eur::VARCHAR, op_line)",
            value="amount_eur_raw",
            source="""(SELECT * FROM (
                          SELECT d.line, d.operation_id, d.disbursement_date, d.amount_eur_raw, o.engaged_amount_eur,
                                 o.line AS op_line,
                                 sum(d.amount_eur) OVER (PARTITION BY d.operation_id
                                     ORDER BY d.disbursement_date NULLS LAST, d.line
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative,
                                 sum(d.amount_eur) OVER (PARTITION BY d.operation_id) AS total
                          FROM stage_disbursements d JOIN _operation_ref o USING (operation_id)
                          WHERE o.n = 1 AND d.amount_eur >= 0 AND o.engaged_amount_eur IS NOT NULL)
                       WHERE cumulative > engaged_amount_eur
                       QUALIFY row_number() OVER (PARTITION BY operation_id
                                                  ORDER BY disbursement_date NULLS LAST, line) = 1)""",
        ),
    ]
    return rules


def validate(
    con: duckdb.DuckDBPyConnection,
    operations: RawTable | None,
    disbursements: RawTable | None,
    as_of: date,
) -> None:
    """Fill the temporary table `_issues` with every broken rule of the loaded tables."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _issues (file_order INTEGER, file VARCHAR, line BIGINT, column_order INTEGER,
           "column" VARCHAR, value VARCHAR, rule VARCHAR, reason VARCHAR)"""
    )
    rules: list[Rule] = []
    if operations is not None:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _operation_ref AS
               SELECT operation_id, count(*) AS n, min(line) AS line, any_value(engagement_date) AS engagement_date,
                      any_value(engaged_amount_eur) AS engaged_amount_eur
               FROM stage_operations WHERE operation_id IS NOT NULL GROUP BY operation_id"""
        )
        rules += operation_rules(as_of)
    if disbursements is not None:
        rules += disbursement_rules(as_of, operations.display if operations is not None else None)
    displays = {"operations": operations, "disbursements": disbursements}
    for rule in rules:
        raw = displays[rule.table]
        assert raw is not None
        columns = [c.name for c in TABLES[rule.table]]
        value = rule.value or (rule.column if rule.column == "operation_id" else f"{rule.column}_raw")
        source = rule.source or f"stage_{rule.table}"
        con.execute(
            f"""INSERT INTO _issues
                SELECT {0 if rule.table == "operations" else 1}, {sql_string(raw.display)}, {rule.line},
                       {columns.index(rule.column)}, '{rule.column}', CAST({value} AS VARCHAR), '{rule.rule}',
                       {rule.reason}
                FROM {source} WHERE {rule.condition}"""
        )


def add_issues(con: duckdb.DuckDBPyConnection, table: str, issues: list[ExtractIssue]) -> None:
    """Add problems found while reading a file (header, encoding, malformed rows) to `_issues`."""
    if not issues:
        return
    columns = [c.name for c in TABLES[table]]
    con.executemany(
        "INSERT INTO _issues VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                0 if table == "operations" else 1,
                i.file,
                i.line,
                columns.index(i.column) if i.column in columns else -1,
                i.column,
                i.value,
                i.rule,
                i.reason,
            )
            for i in issues
        ],
    )


def collected_issues(con: duckdb.DuckDBPyConnection, limit: int = SHOWN_ISSUES) -> tuple[list[ExtractIssue], int, dict]:
    """The first `limit` problems in file order, the total and the count per rule."""
    rows = con.execute(
        """SELECT file, line, "column", value, rule, reason FROM _issues
           ORDER BY file_order, line, column_order, rule LIMIT ?""",
        [limit],
    ).fetchall()
    counts = dict(con.execute("SELECT rule, count(*) FROM _issues GROUP BY rule").fetchall())
    return [ExtractIssue(*row) for row in rows], sum(counts.values()), counts
