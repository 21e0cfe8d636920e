"""Synthetic weekly extracts, calibrated on the report's published figures (`demo-data`).

The totals of the generated files reproduce, to the euro, the figures printed in the annual
report: engaged loans per section (cumulative and for the report year), the national
disbursements (cumulative and for the year), the year's engagements by family, by landlord type
(OPH), by tension zone (tight markets) and the requalification labels (HPE, BBC), the year's
disbursements to OPH (in all and for requalification) and the reservation rights per section and
family. Outre-Mer prints no loan figures: it receives the national total minus the sum of the
sections that print one. Generation is vectorised with numpy and written by DuckDB; the same seed
gives byte-identical files. The folder is marked with a `SYNTHETIC` file and every operation id
starts with `SYN-`, so an import of these files is flagged synthetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from .formats import sql_string
from .spec import DEPARTEMENTS, FAMILIES, LABELS, LANDLORD_TYPES, REGION_CODES, REGION_NAMES, ZONES
from .store import SYNTHETIC_ID_PREFIX, SYNTHETIC_MARKER

EPOCH = date(1970, 1, 1)
#: Families, landlord types, zones, labels: positions in these tuples are the generated codes.
FAMILY_CODES = tuple(FAMILIES)  # requalification, reconstitution
TYPE_CODES = tuple(LANDLORD_TYPES)  # oph, esh, epl_sem, cooperative, autre
ZONE_CODES = tuple(ZONES)  # a_bis, a, b1, b2, c
LABEL_CODES = tuple(LABELS)  # hpe, bbc, autre, aucun

# Priors (shapes only: the published totals are then imposed exactly).
_YEAR_RAMP = 1.0  # engagements before the report year grow linearly, year k weighing k + _YEAR_RAMP
_REQUALIFICATION_SHARE = 0.73  # share of requalification before the report year (2023 figure)
_OPH_SHARE = 0.485
_OTHER_TYPES = np.array([0.75, 0.10, 0.05, 0.10])  # esh, epl_sem, cooperative, autre among non-OPH
_REQUAL_LABELS = np.array([0.055, 0.15, 0.30, 0.495])  # hpe, bbc, autre, aucun
_OTHER_LABEL_AUTRE = 0.35  # requalification without HPE/BBC: "autre" label, else none
_RECON_LABEL_AUTRE = 0.5
_TIGHT_SHARE = {"11": 0.97, "93": 0.93, "84": 0.85, "76": 0.8, "OM": 0.9, "52": 0.75, "75": 0.7, "32": 0.55}
_TIGHT_SHARE_DEFAULT = 0.5
_TIGHT_SPLIT = {"11": (0.45, 0.45, 0.10), "93": (0.0, 0.6, 0.4), "84": (0.0, 0.35, 0.65), "OM": (0.0, 0.0, 1.0)}
_TIGHT_SPLIT_DEFAULT = (0.0, 0.1, 0.9)  # a_bis, a, b1
_LOOSE_SPLIT = (0.65, 0.35)  # b2, c
_ESH_PER_DEPARTEMENT = 4
_LOGNORMAL_SIGMA = 0.9


class GeneratorError(Exception):
    """The report database lacks a figure the generator needs, or the figures cannot be met."""


@dataclass(frozen=True)
class Targets:
    """Published figures the synthetic data reproduce, in whole euros (or counts)."""

    report_as_of: date
    first_year: int
    engaged_cumul: dict[str, int]  # per section, first_year..report year
    engaged_year: dict[str, int]  # per section, report year
    filled_regions: tuple[str, ...]  # sections without published loans, given the national remainder
    disbursed_cumul: int
    disbursed_year: int
    family_year: dict[str, int]
    oph_year: int
    tight_year: int
    requalification_labels_year: dict[str, int]  # hpe, bbc within requalification
    oph_disbursed_year: int | None
    oph_requalification_disbursed_year: int | None
    rights: dict[tuple[str, str], int]  # (section, family) -> reservation rights
    qpv_counts: dict[str, int]

    @property
    def year(self) -> int:
        return self.report_as_of.year


def _euros(meur: float) -> int:
    return round(meur * 1_000_000)


def load_targets(report_db: Path) -> Targets:
    """Read the calibration figures from the report facts database (read-only)."""
    con = duckdb.connect(str(report_db), read_only=True)
    try:
        row = con.execute("SELECT data_as_of FROM sources ORDER BY source_id LIMIT 1").fetchone()
        if row is None:
            raise GeneratorError(f"{report_db} holds no source")
        as_of: date = row[0]
        year = str(as_of.year)
        ranges = con.execute(
            """SELECT DISTINCT period FROM facts
               WHERE measure = 'prets_engages' AND context = 'key_figures' AND period_type = 'range'"""
        ).fetchall()
        if len(ranges) != 1:
            raise GeneratorError(
                f"{report_db} has no regional cumulative engaged loans: rebuild it with `python -m dashboard build`"
            )
        cumul_period = ranges[0][0]
        first_year = int(cumul_period.split("..")[0])

        def national(measure: str, period: str, dimension=None, member=None, sub_dimension=None, sub_member=None):
            values = con.execute(
                """SELECT min(value_base), max(value_base), count(*) FROM facts_detail
                   WHERE territory_code = 'FR' AND scope IS NULL AND measure = ? AND period = ?
                     AND base_unit = 'MEUR' AND dimension IS NOT DISTINCT FROM ? AND member IS NOT DISTINCT FROM ?
                     AND sub_dimension IS NOT DISTINCT FROM ? AND sub_member IS NOT DISTINCT FROM ?""",
                [measure, period, dimension, member, sub_dimension, sub_member],
            ).fetchone()
            if values is None or not values[2]:
                return None
            if values[0] != values[1]:
                raise GeneratorError(f"the report prints different values for {measure} {period} {member or ''}")
            return _euros(values[1])

        def required(value: int | None, what: str) -> int:
            if value is None:
                raise GeneratorError(f"{report_db} has no national figure for {what}")
            return value

        sections = con.execute(
            """SELECT region_code, prets_engages_cumul_meur, prets_engages_2024_meur, droits_requalification,
                      droits_reconstitution, qpv_count FROM region_key_figures"""
        ).fetchall()
        by_code = {r[0]: r for r in sections}
        national_cumul = required(national("prets_engages", cumul_period), f"engaged loans {cumul_period}")
        national_year = required(national("prets_engages", year), f"engaged loans {year}")
        engaged_cumul, engaged_year = _fill_sections(by_code, national_cumul, national_year)
        families = {f: required(national("prets_engages", year, "famille", f), f"{f} {year}") for f in FAMILY_CODES}
        labels = {
            label: required(
                national("prets_engages", year, "famille", "requalification", "label", label), f"{label} {year}"
            )
            for label in ("hpe", "bbc")
        }
        rights: dict[tuple[str, str], int] = {}
        for code in REGION_CODES:
            for index, family in enumerate(FAMILY_CODES):
                value = by_code[code][3 + index] if code in by_code else None
                if value is None:
                    raise GeneratorError(f"{report_db} has no {family} reservation rights for section {code}")
                rights[(code, family)] = int(value)
        targets = Targets(
            report_as_of=as_of,
            first_year=first_year,
            engaged_cumul=engaged_cumul,
            engaged_year=engaged_year,
            filled_regions=tuple(c for c in REGION_CODES if by_code.get(c, (None, None))[1] is None),
            disbursed_cumul=required(national("prets_decaisses", cumul_period), f"disbursed loans {cumul_period}"),
            disbursed_year=required(national("prets_decaisses", year), f"disbursed loans {year}"),
            family_year=families,
            oph_year=required(national("prets_engages", year, "type_ols", "oph"), f"OPH {year}"),
            tight_year=required(national("prets_engages", year, "zone_tension", "tendue"), f"tight zones {year}"),
            requalification_labels_year=labels,
            oph_disbursed_year=national("prets_decaisses", year, "type_ols", "oph"),
            oph_requalification_disbursed_year=national(
                "prets_decaisses", year, "type_ols", "oph", "famille", "requalification"
            ),
            rights=rights,
            qpv_counts={c: int(by_code[c][5]) if by_code[c][5] else 10 for c in REGION_CODES},
        )
    finally:
        con.close()
    _check_targets(targets)
    return targets


def _fill_sections(by_code: dict, national_cumul: int, national_year: int) -> tuple[dict[str, int], dict[str, int]]:
    """Per-section engaged amounts; sections printing none share the national remainder equally."""
    cumul: dict[str, int] = {}
    year: dict[str, int] = {}
    missing = [c for c in REGION_CODES if c not in by_code or by_code[c][1] is None or by_code[c][2] is None]
    for code in REGION_CODES:
        if code not in missing:
            cumul[code] = _euros(by_code[code][1])
            year[code] = _euros(by_code[code][2])
    for values, total, what in ((cumul, national_cumul, "cumulative"), (year, national_year, "year")):
        remainder = total - sum(values.values())
        if remainder < 0 or (remainder and not missing):
            raise GeneratorError(f"the sections' {what} engaged loans do not add up to the national figure")
        for index, code in enumerate(missing):
            values[code] = remainder // len(missing) + (1 if index < remainder % len(missing) else 0)
    return cumul, year


def _check_targets(t: Targets) -> None:
    total_year = sum(t.engaged_year.values())
    if sum(t.family_year.values()) != total_year:
        raise GeneratorError("the year's engaged loans by family do not add up to the total")
    if not (t.oph_year <= total_year and t.tight_year <= total_year):
        raise GeneratorError("the year's OPH or tight-zone engaged loans exceed the total")
    if sum(t.requalification_labels_year.values()) > t.family_year["requalification"]:
        raise GeneratorError("the year's HPE and BBC requalification loans exceed requalification")
    if any(t.engaged_year[c] > t.engaged_cumul[c] for c in REGION_CODES):
        raise GeneratorError("a section engaged more in the year than in the whole period")
    if not t.disbursed_year <= t.disbursed_cumul <= sum(t.engaged_cumul.values()):
        raise GeneratorError("the disbursed totals are not compatible with the engaged totals")


# --- vectorised allocation helpers --------------------------------------------------------------------------------


def allocate_exact(totals: np.ndarray, group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each group's integer total over its items in proportion to integer weights, exactly.

    Shares are floored; each group's remainder (fewer euros than items) goes to its heaviest item.
    """
    weights = weights.astype(np.int64)
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    sums = np.bincount(group, weights=weights, minlength=len(totals)).astype(np.int64)
    if np.any((totals > 0) & (sums == 0)):
        raise GeneratorError("a group with a positive total has no item to carry it")
    shares = totals[group] * weights // np.maximum(sums[group], 1)
    remainder = totals - np.bincount(group, weights=shares, minlength=len(totals)).astype(np.int64)
    order = np.lexsort((np.arange(len(group)), weights, group))
    last = order[np.r_[np.nonzero(np.diff(group[order]))[0], len(order) - 1]]
    shares[last] += remainder[group[last]]
    return shares


def capped_allocate(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Integer amounts summing to `total`, each at most its cap, as proportional to `weights` as the caps allow."""
    caps = caps.astype(np.int64)
    result = np.zeros(len(caps), dtype=np.int64)
    if total <= 0:
        return result
    if int(caps.sum()) < total:
        raise GeneratorError("not enough engaged amount left to disburse the published total")
    w = np.where(caps > 0, weights, 0.0) + caps * 1e-12
    usable = w > 0
    low, high = 0.0, float(np.max(caps[usable] / w[usable]))
    for _ in range(200):
        middle = (low + high) / 2
        if np.minimum(caps, middle * w).sum() >= total:
            high = middle
        else:
            low = middle
    exact = np.minimum(caps.astype(np.float64), high * w)
    result = np.floor(exact).astype(np.int64)
    result = np.minimum(result, caps)
    gap = total - int(result.sum())
    fraction = exact - result
    if gap > 0:
        candidates = np.nonzero(result < caps)[0]
        chosen = candidates[np.argsort(-fraction[candidates], kind="stable")[:gap]]
        result[chosen] += 1
    elif gap < 0:
        candidates = np.nonzero(result > 0)[0]
        chosen = candidates[np.argsort(fraction[candidates], kind="stable")[:-gap]]
        result[chosen] -= 1
    if int(result.sum()) != total:
        raise GeneratorError("could not allocate the disbursements exactly")
    return result


def _counts(n: int, amounts: np.ndarray) -> np.ndarray:
    """Items per group in proportion to amounts (largest remainder), at least one per positive amount."""
    positive = amounts > 0
    if n < int(positive.sum()):
        raise GeneratorError(f"too few operations ({n}) for the {int(positive.sum())} groups to fill")
    quota = n * amounts / amounts.sum()
    counts = np.where(positive, np.maximum(1, np.floor(quota)), 0).astype(np.int64)
    gap = n - int(counts.sum())
    if gap > 0:
        order = np.argsort(-(quota - np.floor(quota)), kind="stable")
        order = order[positive[order]]
        counts[np.resize(order, gap)] += 1
    while gap < 0:
        largest = int(np.argmax(counts))
        take = min(-gap, int(counts[largest]) - 1)
        counts[largest] -= take
        gap += take
    return counts


def _weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Integer lognormal weights (operation sizes vary a lot)."""
    w = rng.lognormal(0.0, _LOGNORMAL_SIGMA, n)
    return 1 + np.floor(w / w.max() * 1_000_000).astype(np.int64) if n else np.zeros(0, dtype=np.int64)


def _days(d: date) -> int:
    return (d - EPOCH).days


def _uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A day in [low, high] for each item."""
    return low + np.floor(rng.random(len(low)) * (high - low + 1)).astype(np.int64)


# --- operations ---------------------------------------------------------------------------------------------------


@dataclass
class _Operations:
    region: np.ndarray
    family: np.ndarray
    landlord: np.ndarray  # index in TYPE_CODES
    zone: np.ndarray
    label: np.ndarray
    day: np.ndarray  # engagement date, days since 1970-01-01
    amount: np.ndarray  # euros
    rights: np.ndarray
    place: np.ndarray  # in [0, 1): which of the section's QPVs
    landlord_k: np.ndarray  # which of the département's ESH

    def __len__(self) -> int:
        return len(self.region)


def _year_table(t: Targets) -> np.ndarray:
    """Integer euros per (section, family-label group, OPH or not, tight or not) meeting every published margin.

    Family-label groups: requalification HPE, requalification BBC, other requalification, reconstitution.
    """
    regions = np.array([t.engaged_year[c] for c in REGION_CODES], dtype=np.float64)
    hpe, bbc = t.requalification_labels_year["hpe"], t.requalification_labels_year["bbc"]
    groups = np.array(
        [hpe, bbc, t.family_year["requalification"] - hpe - bbc, t.family_year["reconstitution"]], dtype=np.float64
    )
    total = regions.sum()
    types = np.array([t.oph_year, total - t.oph_year])
    zones = np.array([t.tight_year, total - t.tight_year])
    tight = np.array([_TIGHT_SHARE.get(c, _TIGHT_SHARE_DEFAULT) for c in REGION_CODES])
    table = (
        regions[:, None, None, None]
        * (groups / total)[None, :, None, None]
        * np.array([_OPH_SHARE, 1 - _OPH_SHARE])[None, None, :, None]
        * np.stack([tight, 1 - tight], axis=1)[:, None, None, :]
    )
    margins = ((0, regions), (1, groups), (2, types), (3, zones))
    for _ in range(500):  # iterative proportional fitting
        for axis, target in margins:
            current = table.sum(axis=tuple(a for a in range(4) if a != axis))
            factor = np.divide(target, current, out=np.zeros_like(current), where=current > 0)
            shape = [1, 1, 1, 1]
            shape[axis] = -1
            table = table * factor.reshape(shape)
    result = np.floor(table).astype(np.int64)
    residuals = [
        np.rint(target).astype(np.int64) - result.sum(axis=tuple(a for a in range(4) if a != axis))
        for axis, target in margins
    ]
    while residuals[0].sum() > 0:  # at most a few hundred euros, one per cell floored
        index = tuple(int(np.argmax(r)) for r in residuals)
        result[index] += 1
        for axis, r in enumerate(residuals):
            r[index[axis]] -= 1
    if any(np.any(r != 0) for r in residuals) or np.any(result < 0):
        raise GeneratorError("the published splits of the year's engagements are not compatible")
    return result


def _attributes(rng: np.random.Generator, region: np.ndarray, requalification: np.ndarray) -> dict[str, np.ndarray]:
    """Landlord type, zone and label drawn from the priors (before any calibration)."""
    n = len(region)
    tight_share = np.array([_TIGHT_SHARE.get(c, _TIGHT_SHARE_DEFAULT) for c in REGION_CODES])[region]
    oph = rng.random(n) < _OPH_SHARE
    tight = rng.random(n) < tight_share
    labels = np.where(
        requalification,
        rng.choice(4, n, p=_REQUAL_LABELS),
        np.where(rng.random(n) < _RECON_LABEL_AUTRE, 2, 3),
    )
    return {"oph": oph, "tight": tight, "label": labels}


def _landlord_and_zone(
    rng: np.random.Generator, region: np.ndarray, oph: np.ndarray, tight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(region)
    landlord = np.where(oph, 0, 1 + rng.choice(4, n, p=_OTHER_TYPES))
    split = np.array([_TIGHT_SPLIT.get(c, _TIGHT_SPLIT_DEFAULT) for c in REGION_CODES])[region]
    u = rng.random(n)
    tight_zone = (u[:, None] > np.cumsum(split, axis=1)[:, :-1]).sum(axis=1)
    loose_zone = 3 + (rng.random(n) >= _LOOSE_SPLIT[0])
    return landlord, np.where(tight, tight_zone, loose_zone)


def _base_operations(rng: np.random.Generator, n: int, t: Targets) -> _Operations:
    """Operations engaged from the first year to the report date, meeting the published totals."""
    cumul = np.array([t.engaged_cumul[c] for c in REGION_CODES], dtype=np.int64)
    year = np.array([t.engaged_year[c] for c in REGION_CODES], dtype=np.int64)
    before = cumul - year
    n_year = round(n * year.sum() / cumul.sum())
    # Report year: one group per cell of the calibrated table.
    table = _year_table(t)
    cell_amounts = table.reshape(-1)
    cells = int((cell_amounts > 0).sum())
    if n_year < cells or n - n_year < int((before > 0).sum()):
        smallest = math.ceil(cells * cumul.sum() / year.sum()) + len(REGION_CODES)
        raise GeneratorError(f"--operations {n} is too small to meet every published split: use at least {smallest}")
    cell_ops = _counts(n_year, cell_amounts.astype(np.float64))
    cell = np.repeat(np.arange(len(cell_amounts)), cell_ops)
    r_y, group_y, oph_y, loose_y = np.unravel_index(cell, table.shape)
    amount_y = allocate_exact(cell_amounts, cell, _weights(rng, len(cell)))
    year_start, year_end = _days(date(t.year, 1, 1)), _days(t.report_as_of)
    day_y = _uniform_days(rng, np.full(len(cell), year_start), np.full(len(cell), year_end))
    other_label = np.where(rng.random(len(cell)) < _OTHER_LABEL_AUTRE, 2, 3)
    recon_label = np.where(rng.random(len(cell)) < _RECON_LABEL_AUTRE, 2, 3)
    label_y = np.choose(group_y, [np.zeros_like(cell), np.ones_like(cell), other_label, recon_label])
    family_y = (group_y == 3).astype(np.int64)
    landlord_y, zone_y = _landlord_and_zone(rng, r_y, oph_y == 0, loose_y == 0)
    # Earlier years: per section totals only.
    region_ops = _counts(n - n_year, before.astype(np.float64))
    r_b = np.repeat(np.arange(len(REGION_CODES)), region_ops)
    amount_b = allocate_exact(before, r_b, _weights(rng, len(r_b)))
    years = np.arange(t.first_year, t.year)
    ramp = np.arange(len(years)) + _YEAR_RAMP
    chosen = rng.choice(len(years), len(r_b), p=ramp / ramp.sum())
    starts = np.array([_days(date(int(y), 1, 1)) for y in years])
    ends = np.array([_days(date(int(y), 12, 31)) for y in years])
    day_b = _uniform_days(rng, starts[chosen], ends[chosen])
    requal_b = rng.random(len(r_b)) < _REQUALIFICATION_SHARE
    attributes = _attributes(rng, r_b, requal_b)
    landlord_b, zone_b = _landlord_and_zone(rng, r_b, attributes["oph"], attributes["tight"])
    ops = _Operations(
        region=np.concatenate([r_b, r_y]).astype(np.int64),
        family=np.concatenate([(~requal_b).astype(np.int64), family_y]),
        landlord=np.concatenate([landlord_b, landlord_y]).astype(np.int64),
        zone=np.concatenate([zone_b, zone_y]).astype(np.int64),
        label=np.concatenate([attributes["label"], label_y]).astype(np.int64),
        day=np.concatenate([day_b, day_y]).astype(np.int64),
        amount=np.concatenate([amount_b, amount_y]).astype(np.int64),
        rights=np.zeros(n, dtype=np.int64),
        place=rng.random(n),
        landlord_k=rng.integers(1, _ESH_PER_DEPARTEMENT + 1, n),
    )
    groups = ops.region * 2 + ops.family
    targets = np.array([t.rights[(c, f)] for c in REGION_CODES for f in FAMILY_CODES], dtype=np.int64)
    ops.rights = allocate_exact(targets, groups, ops.amount + 1)
    return ops


def _later_operations(rng: np.random.Generator, n: int, t: Targets, rights_per_euro: float) -> _Operations:
    """Operations engaged in the year after the report, at the report year's pace (not calibrated)."""
    year = np.array([t.engaged_year[c] for c in REGION_CODES], dtype=np.int64)
    region = np.repeat(np.arange(len(REGION_CODES)), _counts(n, year.astype(np.float64)))
    amount = allocate_exact(year, region, _weights(rng, len(region)))
    requal = rng.random(len(region)) < t.family_year["requalification"] / year.sum()
    attributes = _attributes(rng, region, requal)
    landlord, zone = _landlord_and_zone(rng, region, attributes["oph"], attributes["tight"])
    start = _days(date(t.year + 1, 1, 1))
    end = _days(date(t.year + 1, 12, 31))
    return _Operations(
        region=region.astype(np.int64),
        family=(~requal).astype(np.int64),
        landlord=landlord.astype(np.int64),
        zone=zone.astype(np.int64),
        label=attributes["label"].astype(np.int64),
        day=_uniform_days(rng, np.full(len(region), start), np.full(len(region), end)),
        amount=amount.astype(np.int64),
        rights=np.floor(amount * rights_per_euro).astype(np.int64),
        place=rng.random(len(region)),
        landlord_k=rng.integers(1, _ESH_PER_DEPARTEMENT + 1, len(region)),
    )


# --- disbursements ------------------------------------------------------------------------------------------------


def _lines(
    rng: np.random.Generator, amounts: np.ndarray, first: np.ndarray, last: np.ndarray, extra_lines: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each operation's amount into 1 + Poisson(extra_lines) payments dated in [first, last].

    Returns (operation position, day, amount) of the payment lines, zero amounts dropped.
    """
    ops = np.nonzero(amounts > 0)[0]
    per_op = 1 + np.minimum(rng.poisson(extra_lines, len(ops)), 4)
    op = np.repeat(ops, per_op)
    group = np.repeat(np.arange(len(ops)), per_op)
    split = allocate_exact(amounts[ops], group, 1 + np.floor(rng.random(len(op)) * 1000).astype(np.int64))
    day = _uniform_days(rng, first[op], last[op])
    keep = split > 0
    return op[keep], day[keep], split[keep]


def _disburse(total: int, weights: np.ndarray, caps: np.ndarray, groups: list[tuple[np.ndarray, int | None]]):
    """Capped allocation of `total`, with some groups of operations given their own published total."""
    result = np.zeros(len(caps), dtype=np.int64)
    rest = np.ones(len(caps), dtype=bool)
    remaining = total
    for mask, amount in groups:
        if amount is None or int(caps[mask & rest].sum()) < amount:
            continue  # figure not printed, or not reachable with these operations: no separate target
        chosen = mask & rest
        result[chosen] = capped_allocate(amount, weights[chosen], caps[chosen])
        rest &= ~chosen
        remaining -= amount
    result[rest] = capped_allocate(remaining, weights[rest], caps[rest])
    return result


@dataclass(frozen=True)
class DemoData:
    """What `generate` wrote."""

    operations: int
    disbursements: int
    as_of: date
    folder: Path


def generate(report_db: Path, n: int, seed: int, out: Path, as_of: date | None = None) -> DemoData:
    """Write `operations.csv`, `disbursements.csv` and the `SYNTHETIC` marker into `out`.

    `n` operations are engaged up to the report date, with the published totals. A later `as_of`
    (at most one year after the report date) adds the operations and disbursements of the
    following weeks at the report year's pace, the same for every `as_of` with the same seed, so
    successive extracts differ like successive weeks.
    """
    t = load_targets(report_db)
    as_of = as_of or t.report_as_of
    horizon = date(t.year + 1, 12, 31)
    if not t.report_as_of <= as_of <= horizon:
        raise GeneratorError(f"--as-of must be between {t.report_as_of} and {horizon}")
    if n < 1:
        raise GeneratorError("--operations must be positive")
    base_rng = np.random.default_rng([seed, 0])
    base = _base_operations(base_rng, n, t)
    previous_end = _days(date(t.year - 1, 12, 31))
    year_start, year_end = _days(date(t.year, 1, 1)), _days(t.report_as_of)
    before = base.day <= previous_end
    # Disbursed before the report year: older operations are further along.
    age = np.maximum(previous_end - base.day, 0)
    before_amount = np.where(before, base.amount, 0)
    paid_before = capped_allocate(
        t.disbursed_cumul - t.disbursed_year, before_amount * (1 - np.exp(-age / 500.0)), before_amount
    )
    # Disbursed during the report year, with the OPH figures when printed.
    caps = base.amount - paid_before
    age = year_end - base.day
    weights = caps * (1 - np.exp(-(age + 30) / 400.0))
    oph = base.landlord == 0
    requal = base.family == 0
    paid_year = _disburse(
        t.disbursed_year,
        weights,
        caps,
        [(oph & requal, t.oph_requalification_disbursed_year)]
        + (
            [(oph & ~requal, t.oph_disbursed_year - t.oph_requalification_disbursed_year)]
            if t.oph_disbursed_year is not None and t.oph_requalification_disbursed_year is not None
            else []
        ),
    )
    lines = [
        _lines(base_rng, paid_before, base.day, np.full(n, previous_end), 0.8),
        _lines(base_rng, paid_year, np.maximum(base.day, year_start), np.full(n, year_end), 0.4),
    ]
    ops = base
    n_later = round(n * sum(t.engaged_year.values()) / sum(t.engaged_cumul.values()))
    if as_of > t.report_as_of:
        later_rng = np.random.default_rng([seed, 1])
        rights_per_euro = base.rights.sum() / max(int(base.amount.sum()), 1)
        later = _later_operations(later_rng, n_later, t, rights_per_euro)
        ops = _Operations(
            *(np.concatenate([getattr(base, name), getattr(later, name)]) for name in _Operations.__dataclass_fields__)
        )
        next_start, next_end = _days(date(t.year + 1, 1, 1)), _days(horizon)
        caps = np.concatenate([caps - paid_year, later.amount])
        age = next_end - ops.day
        paid_next = capped_allocate(t.disbursed_year, caps * (1 - np.exp(-(age + 30) / 400.0)), caps)
        lines.append(_lines(later_rng, paid_next, np.maximum(ops.day, next_start), np.full(len(ops), next_end), 0.4))
    return _write(ops, lines, t, seed, n, as_of, out, id_width=max(7, len(str(n + n_later))))


def _write(
    ops: _Operations,
    lines: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    t: Targets,
    seed: int,
    n: int,
    as_of: date,
    out: Path,
    id_width: int,
) -> DemoData:
    """Number the operations in engagement order and write the CSV files with DuckDB."""
    out.mkdir(parents=True, exist_ok=True)
    as_of_day = _days(as_of)
    qpvs = _qpv_catalogue(np.random.default_rng([seed, 2]), t)
    base_n = n
    # Ids in engagement order, base operations first, so that later extracts keep the same ids.
    position = np.arange(len(ops))
    order = np.lexsort((position, ops.day, position >= base_n))
    number = np.empty(len(ops), dtype=np.int64)
    number[order] = np.arange(1, len(ops) + 1)
    offsets = np.concatenate([[0], np.cumsum([qpvs["count"][c] for c in REGION_CODES])])
    counts = np.array([qpvs["count"][c] for c in REGION_CODES])
    qpv = offsets[ops.region] + np.floor(ops.place * counts[ops.region]).astype(np.int64)
    keep = ops.day <= as_of_day
    operations = pd.DataFrame(
        {
            "number": number[keep],
            "region": ops.region[keep],
            "qpv": qpv[keep],
            "landlord": ops.landlord[keep],
            "landlord_k": ops.landlord_k[keep],
            "family": ops.family[keep],
            "zone": ops.zone[keep],
            "label": ops.label[keep],
            "day": ops.day[keep].astype(np.int32),
            "amount": ops.amount[keep],
            "rights": ops.rights[keep],
        }
    )
    op = np.concatenate([x[0] for x in lines])
    day = np.concatenate([x[1] for x in lines])
    amount = np.concatenate([x[2] for x in lines])
    keep_lines = day <= as_of_day
    disbursements = pd.DataFrame(
        {"number": number[op[keep_lines]], "day": day[keep_lines].astype(np.int32), "amount": amount[keep_lines]}
    )
    con = duckdb.connect()
    try:
        con.register("gen_operations", operations)
        con.register("gen_disbursements", disbursements)
        con.register("gen_qpvs", qpvs["table"])
        _lookup_tables(con)
        width = id_width
        con.execute(
            f"""COPY (
                SELECT printf('{SYNTHETIC_ID_PREFIX}%0{width}d', o.number) AS operation_id,
                       r.code AS region_code, q.departement, d.prefecture AS commune, q.code AS qpv_code,
                       q.name AS qpv_name,
                       CASE l.code WHEN 'esh' THEN printf('ESH %s %d', d.name, o.landlord_k)
                                   WHEN 'autre' THEN 'Bailleur ' || d.name
                                   ELSE printf('%s %s', l.label, d.name) END AS landlord_name,
                       l.code AS landlord_type, f.code AS family, z.code AS zone, b.code AS label,
                       CAST(DATE '1970-01-01' + o.day AS VARCHAR) AS engagement_date,
                       o.amount AS engaged_amount_eur, o.rights AS reservation_rights
                FROM gen_operations o
                JOIN gen_regions r ON r.i = o.region
                JOIN gen_qpvs q ON q.i = o.qpv
                JOIN gen_departements d ON d.code = q.departement
                JOIN gen_landlords l ON l.i = o.landlord
                JOIN gen_families f ON f.i = o.family
                JOIN gen_zones z ON z.i = o.zone
                JOIN gen_labels b ON b.i = o.label
                ORDER BY o.number
            ) TO {sql_string(str(out / "operations.csv"))} (FORMAT csv, HEADER true, DELIMITER ',')"""
        )
        con.execute(
            f"""COPY (
                SELECT printf('{SYNTHETIC_ID_PREFIX}%0{width}d', number) AS operation_id,
                       CAST(DATE '1970-01-01' + day AS VARCHAR) AS disbursement_date, amount AS amount_eur
                FROM gen_disbursements ORDER BY number, day, amount
            ) TO {sql_string(str(out / "disbursements.csv"))} (FORMAT csv, HEADER true, DELIMITER ',')"""
        )
    finally:
        con.close()
    (out / SYNTHETIC_MARKER).write_text(
        "Données synthétiques générées par `python -m dashboard demo-data` : ni réelles ni publiées.\n"
        "Synthetic data written by `python -m dashboard demo-data`; an import of this folder is flagged synthetic.\n"
        f"seed={seed}\noperations={n}\nas_of={as_of.isoformat()}\n",
        encoding="utf-8",
    )
    return DemoData(len(operations), len(disbursements), as_of, out)


def _qpv_catalogue(rng: np.random.Generator, t: Targets) -> dict:
    """Synthetic QPVs: the published count per section, spread over the section's départements."""
    rows = []
    for code in REGION_CODES:
        departements = [d for d in DEPARTEMENTS.values() if d.region_code == code]
        picks = np.sort(rng.integers(0, len(departements), t.qpv_counts[code]))
        for index in picks:
            d = departements[index]
            rank = sum(1 for row in rows if row["departement"] == d.code) + 1
            rows.append(
                {
                    "code": f"QN{d.code.zfill(3)}{rank:02d}S",
                    "name": f"Quartier synthétique {rank} ({d.prefecture})",
                    "departement": d.code,
                }
            )
    table = pd.DataFrame(rows)
    table.insert(0, "i", np.arange(len(rows), dtype=np.int64))
    return {"table": table, "count": t.qpv_counts}


def _lookup_tables(con: duckdb.DuckDBPyConnection) -> None:
    def values(name: str, rows: list[tuple]) -> None:
        columns = ["i", "code", "label"][: len(rows[0])]
        con.register(name, pd.DataFrame(rows, columns=columns))

    values("gen_regions", [(i, c, REGION_NAMES[c]) for i, c in enumerate(REGION_CODES)])
    values("gen_landlords", [(i, c, LANDLORD_TYPES[c]) for i, c in enumerate(TYPE_CODES)])
    values("gen_families", [(i, c) for i, c in enumerate(FAMILY_CODES)])
    values("gen_zones", [(i, c) for i, c in enumerate(ZONE_CODES)])
    values("gen_labels", [(i, c) for i, c in enumerate(LABEL_CODES)])
    con.register(
        "gen_departements",
        pd.DataFrame(
            [(d.code, d.name, d.prefecture) for d in DEPARTEMENTS.values()], columns=["code", "name", "prefecture"]
        ),
    )
