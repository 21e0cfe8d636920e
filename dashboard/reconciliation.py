"""Reconciliation checks: generic rules that confront every printed figure with the others.

Each printed figure stands for an interval of true values (its rounding step, its hedge:
see `numbers.printed_interval`). A rule computes what a figure should be from other figures,
as an interval too, and reports a finding when the two intervals do not meet. The rules read
the `facts` table and know no particular case:

- `split_sum`: a breakdown that prints every member of its dimension adds up to its total;
- `part_exceeds_whole`: a part (a member, a sub-period, a sub-area) is not larger than its whole;
- `territory_sum`: the children of a territory (regions of France, DROM of Outre-Mer) add up
  to the parent's figure for the same measure and period, or stay below it when some are missing;
- `percentage`: a printed percentage equals the one computed from the counts it relates;
- `restatement`: the same figure printed twice (key-figure block and narrative, édito and
  section...) is printed compatibly.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from .formatting import format_number, format_period, format_value
from .numbers import Interval, parse_printed_number, printed_interval, printed_step
from .sources import parse_ratio_term

RULES = ("split_sum", "territory_sum", "percentage", "restatement", "part_exceeds_whole")
SEVERITIES = ("high", "medium", "low")
ADDITIVE_KINDS = ("stock", "flow")
Breakdown = tuple[str | None, str | None, str | None, str | None]
NO_BREAKDOWN: Breakdown = (None, None, None, None)


@dataclass(frozen=True)
class Fact:
    """A fact as the rules see it: value and interval in the base unit, plus labels."""

    fact_id: str
    territory: str
    territory_name: str
    scope: str | None
    measure: str
    measure_label: str
    measure_kind: str
    breakdown: Breakdown
    breakdown_label: str | None
    period: str
    period_type: str
    period_start: date | None
    period_end: date
    qualifier: str | None
    value_text: str
    value: float
    unit: str
    unit_symbol: str
    base_unit: str
    factor: float
    context: str
    section: str
    section_title: str
    section_order: int
    quote: str

    @property
    def interval(self) -> Interval:
        whole_count = self.unit == "COUNT"
        return printed_interval(self.value, self.value_text, self.qualifier, whole_count).scaled(self.factor)

    @property
    def base_value(self) -> float:
        return self.value * self.factor

    @property
    def printed(self) -> str:
        """The figure as printed, with its hedge and unit: `plus de 2 100`, `1 414 M€`."""
        hedge = f"{self.qualifier} " if self.qualifier else ""
        numeric = parse_printed_number(self.value_text) is not None
        unit = f"\u00a0{self.unit_symbol}" if numeric and self.unit_symbol and self.unit_symbol != "nb" else ""
        return f"{hedge}{self.value_text}{unit}"

    @property
    def citation(self) -> str:
        return f"« {self.quote} » ({self.section_title})"

    def key(self, breakdown: Breakdown | None = None, territory: str | None = None) -> tuple:
        return (
            territory or self.territory,
            self.scope,
            self.measure,
            self.base_unit,
            breakdown if breakdown is not None else self.breakdown,
            self.period,
        )


@dataclass
class Finding:
    """One contradiction between printed figures."""

    rule: str
    severity: str
    territory_code: str
    measure: str
    period: str
    breakdown: str | None
    unit: str
    expected: float
    actual: float
    gap: float
    tolerance: str
    message: str
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def finding_id(self) -> str:
        """Stable across builds: derived from the rule and the facts involved."""
        digest = hashlib.sha1("|".join([self.rule, *sorted(f"{i}:{r}" for i, r in self.facts)]).encode())
        return digest.hexdigest()[:12]


def _severity(distance: float, expected: float, base_unit: str) -> str:
    """Percentages: by points of gap; other measures: by gap relative to the expected value."""
    if base_unit == "PCT":
        return "low" if distance < 1 else "medium" if distance < 5 else "high"
    relative = distance / abs(expected) if expected else math.inf
    return "low" if relative < 0.01 else "medium" if relative < 0.05 else "high"


def _fmt_interval(interval: Interval, base_unit: str) -> str:
    hi = "+∞" if math.isinf(interval.hi) else format_number(round(interval.hi, 3))
    lo = format_number(round(interval.lo, 3))
    unit = {"MEUR": " M€", "PCT": " %", "M2": " m²"}.get(base_unit, "")
    return f"[{lo} ; {hi}]{unit}"


def _tolerance(expected: Interval, actual: Interval, base_unit: str) -> str:
    return f"attendu dans {_fmt_interval(expected, base_unit)}, obtenu dans {_fmt_interval(actual, base_unit)}"


def _base_value_text(value: float, base_unit: str) -> str:
    return format_value(round(value, 3), base_unit if base_unit != "COUNT" else "COUNT")


def _within(inner: Fact, outer: Fact) -> bool:
    """Whether inner's period lies inside outer's (an as-of stock counts from the beginning)."""
    inner_start = inner.period_start or date.min
    outer_start = outer.period_start or date.min
    return outer_start <= inner_start and inner.period_end <= outer.period_end


def _coarser_or_equal(whole: Breakdown, part: Breakdown) -> bool:
    if whole in (part, NO_BREAKDOWN):
        return True
    return whole[2] is None and whole[:2] == part[:2] and part[2] is not None


class Checker:
    """Runs the rules over one set of facts."""

    def __init__(
        self,
        facts: list[Fact],
        members: dict[str, set[str]],
        children: dict[str, list[str]],
        ratio_terms: dict[str, tuple[str, str]],
    ):
        self.facts = facts
        self.members = members
        self.children = children
        self.ratio_terms = ratio_terms
        self.by_key: dict[tuple, list[Fact]] = defaultdict(list)
        for fact in facts:
            self.by_key[fact.key()].append(fact)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def pick(candidates: Iterable[Fact], like: Fact | None = None) -> Fact | None:
        """Prefer an exact figure, then one printed in the same place, then the key-figure block."""

        def rank(f: Fact) -> tuple:
            same_place = like is not None and f.section == like.section and f.context == like.context
            return (f.qualifier is not None, not same_place, f.context != "key_figures", f.section_order, f.fact_id)

        ordered = sorted(candidates, key=rank)
        return ordered[0] if ordered else None

    def counts(self, key: tuple) -> list[Fact]:
        return [f for f in self.by_key.get(key, []) if f.base_unit != "PCT"]

    def finding(
        self,
        rule: str,
        anchor: Fact,
        breakdown: str | None,
        expected: Interval,
        expected_value: float,
        actual: Interval,
        actual_value: float,
        message: str,
        facts: list[tuple[str, str]],
    ) -> Finding:
        distance = expected.distance(actual)
        return Finding(
            rule=rule,
            severity=_severity(distance, expected_value, anchor.base_unit),
            territory_code=anchor.territory,
            measure=anchor.measure,
            period=anchor.period,
            breakdown=breakdown,
            unit=anchor.base_unit,
            expected=round(expected_value, 6),
            actual=round(actual_value, 6),
            gap=round(actual_value - expected_value, 6),
            tolerance=_tolerance(expected, actual, anchor.base_unit),
            message=message,
            facts=facts,
        )

    @staticmethod
    def heading(fact: Fact, breakdown_label: str | None = None) -> str:
        label = breakdown_label if breakdown_label is not None else fact.breakdown_label
        what = f"{fact.measure_label}{f' — {label}' if label else ''}"
        scope = f" ({fact.scope})" if fact.scope else ""
        return f"{fact.territory_name}{scope} — {what}, {format_period(fact.period)}"

    # -- rules -----------------------------------------------------------------------------
    def split_sum(self) -> list[Finding]:
        groups: dict[tuple, list[Fact]] = defaultdict(list)
        for f in self.facts:
            if f.measure_kind not in ADDITIVE_KINDS or f.base_unit == "PCT" or f.breakdown[0] is None:
                continue
            if f.breakdown[2] is not None:
                parent: Breakdown = (f.breakdown[0], f.breakdown[1], None, None)
                dimension, _member = f.breakdown[2], f.breakdown[3]
            else:
                parent, dimension, _member = NO_BREAKDOWN, f.breakdown[0], f.breakdown[1]
            groups[(f.key(parent), dimension, f.section, f.context)].append(f)
        findings = []
        for (key, dimension, _, _), parts in groups.items():
            printed = {(p.breakdown[3] if p.breakdown[2] else p.breakdown[1]) for p in parts}
            if printed != self.members.get(dimension, set()) or len(printed) != len(parts):
                continue  # a partial split is only bounded by its total: see part_exceeds_whole
            total = self.pick(self.counts(key), like=parts[0])
            if total is None:
                continue
            actual = sum((p.interval for p in parts[1:]), parts[0].interval)
            if total.interval.distance(actual) == 0:
                continue
            actual_value = sum(p.base_value for p in parts)
            listing = " + ".join(f"{p.value_text} ({p.breakdown_label})" for p in parts)
            message = (
                f"{self.heading(total)} : les parts ({listing} = {_base_value_text(actual_value, total.base_unit)}) "
                f"ne font pas le total imprimé {total.printed}. Citations : "
                + " ; ".join(f.citation for f in [total, *parts])
            )
            findings.append(
                self.finding(
                    "split_sum",
                    total,
                    total.breakdown_label,
                    total.interval,
                    total.base_value,
                    actual,
                    actual_value,
                    message,
                    [(total.fact_id, "expected")] + [(p.fact_id, "part") for p in parts],
                )
            )
        return findings

    def territory_sum(self) -> list[Finding]:
        findings = []
        for parent in self.facts:
            kids = self.children.get(parent.territory)
            if not kids or parent.scope or parent.measure_kind not in ADDITIVE_KINDS or parent.base_unit == "PCT":
                continue
            chosen = [self.pick(self.counts(parent.key(territory=kid))) for kid in kids]
            present = [c for c in chosen if c is not None]
            if not present:
                continue
            actual = sum((c.interval for c in present[1:]), present[0].interval)
            complete = len(present) == len(kids)
            distance = parent.interval.distance(actual) if complete else max(0.0, actual.lo - parent.interval.hi)
            if distance == 0:
                continue
            actual_value = sum(c.base_value for c in present)
            verb = "ne correspond pas au" if complete else "dépasse le"
            coverage = f"des {len(kids)} territoires" if complete else f"de {len(present)} territoires sur {len(kids)}"
            listing = " ; ".join(f"{c.territory_name} {c.printed}" for c in present)
            message = (
                f"{self.heading(parent)} : la somme {coverage} ({_base_value_text(actual_value, parent.base_unit)}) "
                f"{verb} chiffre imprimé {parent.printed}. Citation : {parent.citation}. "
                f"Valeurs des territoires : {listing}."
            )
            findings.append(
                self.finding(
                    "territory_sum",
                    parent,
                    parent.breakdown_label,
                    parent.interval,
                    parent.base_value,
                    actual,
                    actual_value,
                    message,
                    [(parent.fact_id, "expected")] + [(c.fact_id, "part") for c in present],
                )
            )
        return findings

    def _ratio_side(self, fact: Fact, term: str) -> Fact | None:
        parsed = parse_ratio_term(term)
        if parsed is None:
            return None
        measure, dimension, member, mode = parsed
        breakdown: Breakdown = (dimension, member, None, None)
        candidates = [
            f
            for f in self.facts
            if f.territory == fact.territory
            and f.scope == fact.scope
            and f.measure == measure
            and f.breakdown == breakdown
            and f.base_unit != "PCT"
            and (
                f.period == fact.period
                if mode == "same"
                else f.period_type in ("range", "as_of") and f.period_end == fact.period_end
            )
        ]
        return self.pick(candidates, like=fact)

    def percentage(self) -> list[Finding]:
        findings = []
        for fact in self.facts:
            if fact.base_unit != "PCT":
                continue
            if fact.measure_kind == "ratio":
                numerator_term, denominator_term = self.ratio_terms[fact.measure]
                part = self._ratio_side(fact, numerator_term)
                whole = self._ratio_side(fact, denominator_term)
            elif fact.measure_kind in ADDITIVE_KINDS:
                part = self.pick(
                    (
                        f
                        for f in self.facts
                        if f.base_unit != "PCT"
                        and f.key()[:3] == fact.key()[:3]
                        and f.breakdown == fact.breakdown
                        and f.period == fact.period
                    ),
                    like=fact,
                )
                if fact.breakdown[2] is not None:
                    whole_key = fact.key((fact.breakdown[0], fact.breakdown[1], None, None))
                elif fact.breakdown[0] is not None:
                    whole_key = fact.key(NO_BREAKDOWN)
                else:
                    parent = next((p for p, kids in self.children.items() if fact.territory in kids), None)
                    if parent is None:
                        continue
                    whole_key = fact.key(territory=parent)
                whole = None
                if part is not None:
                    whole = self.pick(self.counts((*whole_key[:3], part.base_unit, *whole_key[4:])), like=fact)
            else:
                continue
            if part is None or whole is None or part.base_unit != whole.base_unit:
                continue
            computed = part.interval.ratio(whole.interval)
            if computed is None or fact.interval.distance(computed) == 0:
                continue
            computed_value = 100 * part.base_value / whole.base_value
            message = (
                f"{self.heading(fact)} : le pourcentage imprimé {fact.printed} ne correspond pas au calcul "
                f"{part.printed} / {whole.printed} = {format_value(round(computed_value, 1), 'PCT')}. Citations : "
                + " ; ".join(f.citation for f in dict.fromkeys([fact, part, whole]))
            )
            findings.append(
                self.finding(
                    "percentage",
                    fact,
                    fact.breakdown_label,
                    fact.interval,
                    fact.base_value,
                    computed,
                    computed_value,
                    message,
                    [(fact.fact_id, "expected"), (part.fact_id, "numerator"), (whole.fact_id, "denominator")],
                )
            )
        return findings

    def restatement(self) -> list[Finding]:
        findings = []
        for group in self.by_key.values():
            if len(group) < 2:
                continue

            def rank(f: Fact) -> tuple:
                step = printed_step(f.value_text)
                return (
                    f.context != "key_figures",
                    f.qualifier is not None,
                    step is None,
                    step or 0,
                    f.section_order,
                    f.fact_id,
                )

            reference = min(group, key=rank)
            for other in group:
                if other is reference or reference.interval.distance(other.interval) == 0:
                    continue
                message = (
                    f"{self.heading(reference)} : le chiffre {other.printed} ({other.section_title}) contredit "
                    f"{reference.printed} ({reference.section_title}). "
                    f"Citations : {reference.citation} ; {other.citation}"
                )
                findings.append(
                    self.finding(
                        "restatement",
                        reference,
                        reference.breakdown_label,
                        reference.interval,
                        reference.base_value,
                        other.interval,
                        other.base_value,
                        message,
                        [(reference.fact_id, "expected"), (other.fact_id, "actual")],
                    )
                )
        return findings

    def part_exceeds_whole(self) -> list[Finding]:
        findings = []
        for part in self.facts:
            if part.measure_kind not in ADDITIVE_KINDS or part.base_unit == "PCT":
                continue
            wholes: dict[tuple, list[Fact]] = defaultdict(list)
            for whole in self.facts:
                if (
                    whole is part
                    or whole.territory != part.territory
                    or whole.measure != part.measure
                    or whole.base_unit != part.base_unit
                ):
                    continue
                if whole.scope is not None and whole.scope != part.scope:
                    continue
                if not _coarser_or_equal(whole.breakdown, part.breakdown):
                    continue
                same_period = whole.period == part.period
                if not same_period and (part.measure_kind != "flow" or not _within(part, whole)):
                    continue
                if same_period and whole.breakdown == part.breakdown and whole.scope == part.scope:
                    continue  # the same figure printed twice: see restatement
                wholes[whole.key()].append(whole)
            for candidates in wholes.values():
                whole = self.pick(candidates, like=part)
                assert whole is not None
                if part.interval.lo <= whole.interval.hi:
                    continue
                message = (
                    f"{self.heading(part)} : {part.printed} dépasse le tout dont il fait partie, "
                    f"{whole.printed} ({self.heading(whole)}). Citations : {part.citation} ; {whole.citation}"
                )
                findings.append(
                    self.finding(
                        "part_exceeds_whole",
                        whole,
                        part.breakdown_label,
                        Interval(0.0, whole.interval.hi),
                        whole.base_value,
                        part.interval,
                        part.base_value,
                        message,
                        [(whole.fact_id, "expected"), (part.fact_id, "part")],
                    )
                )
        return findings

    def run(self) -> list[Finding]:
        findings = [
            *self.split_sum(),
            *self.territory_sum(),
            *self.percentage(),
            *self.restatement(),
            *self.part_exceeds_whole(),
        ]
        unique = {f.finding_id: f for f in findings}
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(
            unique.values(), key=lambda f: (order[f.severity], f.rule, f.territory_code, f.measure, f.finding_id)
        )


_FACTS_SQL = """
SELECT f.fact_id, f.territory_code, t.name, f.scope, f.measure, m.label, m.kind,
       f.dimension, f.member, f.sub_dimension, f.sub_member, dm.label, sm.label,
       f.period, f.period_type, f.period_start, f.period_end, f.qualifier, f.value_text, f.value,
       f.unit, u.symbol_fr, u.base_unit, u.factor, f.context, f.section, s.title, s.sort_order, f.quote
FROM facts f
JOIN territories t ON t.code = f.territory_code
JOIN measures m ON m.code = f.measure
JOIN units u ON u.code = f.unit
JOIN sections s ON s.code = f.section
LEFT JOIN dimension_members dm ON dm.dimension = f.dimension AND dm.member = f.member
LEFT JOIN dimension_members sm ON sm.dimension = f.sub_dimension AND sm.member = f.sub_member
ORDER BY f.fact_id
"""


def load_checker(con: duckdb.DuckDBPyConnection) -> Checker:
    """Read facts and reference tables from a database into a Checker."""
    facts = []
    for row in con.execute(_FACTS_SQL).fetchall():
        (
            fact_id,
            territory,
            territory_name,
            scope,
            measure,
            measure_label,
            measure_kind,
            dimension,
            member,
            sub_dimension,
            sub_member,
            member_label,
            sub_member_label,
            period,
            period_type,
            period_start,
            period_end,
            qualifier,
            value_text,
            value,
            unit,
            unit_symbol,
            base_unit,
            factor,
            context,
            section,
            section_title,
            section_order,
            quote,
        ) = row
        labels = [label for label in (member_label, sub_member_label) if label]
        facts.append(
            Fact(
                fact_id=fact_id,
                territory=territory,
                territory_name=territory_name,
                scope=scope,
                measure=measure,
                measure_label=measure_label,
                measure_kind=measure_kind,
                breakdown=(dimension, member, sub_dimension, sub_member),
                breakdown_label=" / ".join(labels) or None,
                period=period,
                period_type=period_type,
                period_start=period_start,
                period_end=period_end,
                qualifier=qualifier,
                value_text=value_text,
                value=value,
                unit=unit,
                unit_symbol=unit_symbol,
                base_unit=base_unit,
                factor=factor,
                context=context,
                section=section,
                section_title=section_title,
                section_order=section_order,
                quote=quote,
            )
        )
    members: dict[str, set[str]] = defaultdict(set)
    for dimension, member in con.execute("SELECT dimension, member FROM dimension_members").fetchall():
        members[dimension].add(member)
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in con.execute(
        "SELECT code, parent_code FROM territories WHERE parent_code IS NOT NULL ORDER BY sort_order"
    ).fetchall():
        children[parent].append(code)
    ratio_terms = {
        code: (numerator, denominator)
        for code, numerator, denominator in con.execute(
            "SELECT code, numerator, denominator FROM measures WHERE kind = 'ratio'"
        ).fetchall()
    }
    return Checker(facts, dict(members), dict(children), ratio_terms)


def run_checks(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Run every rule over the facts of a database; findings are sorted by severity."""
    return load_checker(con).run()
