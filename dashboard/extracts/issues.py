"""Problems found in an extract, reported all at once with file, line, column, value and reason."""

from __future__ import annotations

from dataclasses import dataclass

#: How many problems an error message lists before it only counts them per rule.
SHOWN_ISSUES = 200
_VALUE_WIDTH = 60


@dataclass(frozen=True)
class ExtractIssue:
    """One problem: where it is (file, line in the file, column), the value and why it is refused."""

    file: str
    line: int
    column: str
    value: str | None
    rule: str
    reason: str

    def __str__(self) -> str:
        value = "" if self.value is None else self.value
        if len(value) > _VALUE_WIDTH:
            value = value[: _VALUE_WIDTH - 1] + "…"
        shown = f", value '{value}'" if self.value is not None else ""
        return f"{self.file}:{self.line}: column '{self.column}'{shown}: {self.reason} [{self.rule}]"


class ExtractError(Exception):
    """The extract is refused; nothing was written.

    `issues` holds the first problems (all of them when there are at most SHOWN_ISSUES),
    `total` how many there are and `counts` how many per rule.
    """

    def __init__(self, issues: list[ExtractIssue], total: int | None = None, counts: dict[str, int] | None = None):
        self.issues = issues
        self.total = len(issues) if total is None else total
        if counts is None:
            counts = {}
            for issue in issues:
                counts[issue.rule] = counts.get(issue.rule, 0) + 1
        self.counts = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        lines = [f"{self.total} problem(s) in the extract:"]
        lines += [f"  {issue}" for issue in issues]
        if self.total > len(issues):
            lines.append(f"  ... and {self.total - len(issues)} more problem(s) not listed")
        lines.append("Problems per rule: " + ", ".join(f"{rule} {count}" for rule, count in self.counts.items()))
        super().__init__("\n".join(lines))


class ImportRefused(Exception):
    """The import cannot run (snapshot already present, another import running, unreadable file...)."""
