"""Filter state: validated from untrusted input (URL query string, callback payloads).

The state lives in the URL query string (`?regions=84,11&measure=droits_total`), so a copied link
reproduces the view. Every value is checked against the known values; anything else is dropped
and reported, never passed to a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

from .indicators import DEFAULT_INDICATOR, INDICATORS

MAX_VALUE_LENGTH = 64

FAMILLES = ("requalification", "reconstitution")
OPERATEURS = ("fonciere_logement", "esh_groupe")
SEVERITES = ("high", "medium", "low")
VUES = ("nombre", "part")
SINGLE_VALUED = {"measure": DEFAULT_INDICATOR, "vue": "nombre"}
MULTI_VALUED = ("regions", "famille", "operateur", "severite")
FILTER_NAMES = (*MULTI_VALUED, *SINGLE_VALUED)


@dataclass(frozen=True)
class Filters:
    """Validated filter values; empty tuples mean "all"."""

    regions: tuple[str, ...] = ()
    famille: tuple[str, ...] = ()
    operateur: tuple[str, ...] = ()
    severite: tuple[str, ...] = ()
    measure: str = DEFAULT_INDICATOR
    vue: str = "nombre"
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


def _allowed(name: str, region_codes: Iterable[str]) -> tuple[str, ...]:
    return {
        "regions": tuple(region_codes),
        "famille": FAMILLES,
        "operateur": OPERATEURS,
        "severite": SEVERITES,
        "measure": tuple(INDICATORS),
        "vue": VUES,
    }[name]


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def validate(raw: Mapping[str, object], region_codes: Iterable[str]) -> Filters:
    """Keep only known values of known filters; list what was rejected (in French)."""
    region_codes = tuple(region_codes)
    values: dict[str, object] = {}
    rejected: list[str] = []
    for name, value in raw.items():
        if name not in FILTER_NAMES:
            rejected.append(f"filtre inconnu « {str(name)[:MAX_VALUE_LENGTH]} »")
            continue
        allowed = _allowed(name, region_codes)
        items = []
        for item in _as_list(value):
            if isinstance(item, str) and len(item) <= MAX_VALUE_LENGTH and item in allowed:
                if item not in items:
                    items.append(item)
            else:
                rejected.append(f"valeur ignorée pour « {name} » : {str(item)[:MAX_VALUE_LENGTH]!r}")
        if name in SINGLE_VALUED:
            values[name] = items[0] if items else SINGLE_VALUED[name]
        elif name != "regions" and set(items) == set(allowed):
            values[name] = ()  # every member ticked is the default "all": keeps URLs short
        else:
            values[name] = tuple(items)
    return Filters(**values, rejected=tuple(rejected))


def from_query(search: str | Mapping[str, object] | None, region_codes: Iterable[str]) -> Filters:
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
    return validate(raw, region_codes)


def from_store(data: object, region_codes: Iterable[str]) -> Filters:
    """Filters from the filters store (a callback input: untrusted JSON)."""
    if not isinstance(data, dict):
        return Filters()
    return validate({k: v for k, v in data.items() if k != "rejected"}, region_codes)
