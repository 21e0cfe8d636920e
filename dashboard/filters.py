"""Filter state: validated from untrusted input (URL query string, callback payloads).

The state lives in the URL query string (`?regions=84,11&measure=droits_total`), so a copied link
reproduces the view. Every value is checked against the known values; anything else is dropped
and reported, never passed to a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from .extracts.spec import LABELS, LANDLORD_TYPES, ZONES
from .indicators import DEFAULT_INDICATOR, INDICATORS

MAX_VALUE_LENGTH = 64

FAMILLES = ("requalification", "reconstitution")
OPERATEURS = ("fonciere_logement", "esh_groupe")
SEVERITES = ("high", "medium", "low")
VUES = ("nombre", "part")
# Weekly views (Suivi hebdomadaire): the operation codes of the extracts (`famille` is shared).
BAILLEURS = tuple(LANDLORD_TYPES)
ZONES_TENSION = tuple(ZONES)
LABELS_ENERGIE = tuple(LABELS)
PAS = ("mois", "annee")  # granularity of the time series
COURBES = ("flux", "cumul")
#: Snapshot choices besides an as-of date (ISO): the latest one, the one before the current one.
LATEST_SNAPSHOT = "dernier"
PREVIOUS_SNAPSHOT = "precedent"
SINGLE_VALUED = {
    "measure": DEFAULT_INDICATOR,
    "vue": "nombre",
    "pas": "mois",
    "courbe": "flux",
    "instantane": LATEST_SNAPSHOT,
    "reference": PREVIOUS_SNAPSHOT,
}
MULTI_VALUED = ("regions", "famille", "operateur", "severite", "departements", "bailleur", "zone", "label")
#: Filters whose known values come from the operations database (`WeeklyChoices`).
WEEKLY_NAMES = frozenset({"departements", "instantane", "reference"})
FILTER_NAMES = (*MULTI_VALUED, *SINGLE_VALUED)


@dataclass(frozen=True)
class WeeklyChoices:
    """Known values of the weekly filters, read from the operations database."""

    departements: tuple[str, ...] = ()  # départements of the latest snapshot
    snapshots: tuple[str, ...] = ()  # as-of dates (ISO) of the snapshots, newest first


@dataclass(frozen=True)
class Filters:
    """Validated filter values; empty tuples mean "all"."""

    regions: tuple[str, ...] = ()
    famille: tuple[str, ...] = ()
    operateur: tuple[str, ...] = ()
    severite: tuple[str, ...] = ()
    measure: str = DEFAULT_INDICATOR
    vue: str = "nombre"
    departements: tuple[str, ...] = ()
    bailleur: tuple[str, ...] = ()
    zone: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    pas: str = "mois"
    courbe: str = "flux"
    instantane: str = LATEST_SNAPSHOT
    reference: str = PREVIOUS_SNAPSHOT
    rejected: tuple[str, ...] = field(default=(), compare=False)

    def to_store(self) -> dict[str, object]:
        """JSON-friendly form kept in the filters store."""
        return {
            "regions": list(self.regions),
            "famille": list(self.famille),
            "operateur": list(self.operateur),
            "severite": list(self.severite),
            "measure": self.measure,
            "vue": self.vue,
            "departements": list(self.departements),
            "bailleur": list(self.bailleur),
            "zone": list(self.zone),
            "label": list(self.label),
            "pas": self.pas,
            "courbe": self.courbe,
            "instantane": self.instantane,
            "reference": self.reference,
            "rejected": list(self.rejected),
        }

    def query_string(self, names: Iterable[str] | None = None) -> str:
        """`?regions=84,11&measure=...`, without default values; '' when nothing is set."""
        params = {}
        for name in names or FILTER_NAMES:
            value = getattr(self, name)
            if name in MULTI_VALUED and value:
                params[name] = ",".join(value)
            elif name in SINGLE_VALUED and value != SINGLE_VALUED[name]:
                params[name] = value
        return "?" + urlencode(params, safe=",") if params else ""


def _allowed(name: str, region_codes: Iterable[str], weekly: WeeklyChoices) -> tuple[str, ...]:
    return {
        "regions": tuple(region_codes),
        "famille": FAMILLES,
        "operateur": OPERATEURS,
        "severite": SEVERITES,
        "measure": tuple(INDICATORS),
        "vue": VUES,
        "departements": weekly.departements,
        "bailleur": BAILLEURS,
        "zone": ZONES_TENSION,
        "label": LABELS_ENERGIE,
        "pas": PAS,
        "courbe": COURBES,
        "instantane": (LATEST_SNAPSHOT, *weekly.snapshots),
        "reference": (PREVIOUS_SNAPSHOT, *weekly.snapshots),
    }[name]


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def validate(raw: Mapping[str, object], region_codes: Iterable[str], weekly: WeeklyChoices | None = None) -> Filters:
    """Keep only known values of known filters; list what was rejected (in French).

    `weekly` gives the départements and snapshot dates of the operations database; without it
    only the default snapshots are accepted and every département is rejected.
    """
    region_codes = tuple(region_codes)
    weekly = weekly or WeeklyChoices()
    values: dict[str, object] = {}
    rejected: list[str] = []
    for name, value in raw.items():
        if name not in FILTER_NAMES:
            rejected.append(f"filtre inconnu « {str(name)[:MAX_VALUE_LENGTH]} »")
            continue
        allowed = _allowed(name, region_codes, weekly)
        items = []
        for item in _as_list(value):
            if isinstance(item, str) and len(item) <= MAX_VALUE_LENGTH and item in allowed:
                if item not in items:
                    items.append(item)
            else:
                rejected.append(f"valeur ignorée pour « {name} » : {str(item)[:MAX_VALUE_LENGTH]!r}")
        if name in SINGLE_VALUED:
            values[name] = items[0] if items else SINGLE_VALUED[name]
        elif name not in ("regions", "departements") and set(items) == set(allowed):
            values[name] = ()  # every member ticked is the default "all": keeps URLs short
        else:
            values[name] = tuple(items)
    return Filters(**values, rejected=tuple(rejected))


def from_query(
    search: str | Mapping[str, object] | None, region_codes: Iterable[str], weekly: WeeklyChoices | None = None
) -> Filters:
    """Filters from a query string (or the kwargs Dash pages pass to `layout`)."""
    if not search:
        return Filters()
    if isinstance(search, str):
        parsed: dict[str, object] = {k: v for k, v in parse_qs(search.lstrip("?")).items()}
    else:
        parsed = dict(search)
    raw: dict[str, object] = {}
    for name, value in parsed.items():
        items = [part for item in _as_list(value) if isinstance(item, str) for part in item.split(",") if part]
        raw[name] = items
    return validate(raw, region_codes, weekly)


def from_store(data: object, region_codes: Iterable[str], weekly: WeeklyChoices | None = None) -> Filters:
    """Filters from the filters store (a callback input: untrusted JSON)."""
    if not isinstance(data, dict):
        return Filters()
    return validate({k: v for k, v in data.items() if k not in ("rejected", "query", "carry")}, region_codes, weekly)


def restrict_regions(filters: Filters, allowed: Iterable[str] | None) -> Filters:
    """`filters` with its regions narrowed to `allowed` (None: unchanged); no region left means all of `allowed`."""
    if allowed is None:
        return filters
    allowed = tuple(allowed)
    return replace(filters, regions=tuple(r for r in filters.regions if r in allowed))
