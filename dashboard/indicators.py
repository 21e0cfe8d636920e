"""The regional indicators offered by the measure selectors (ranking, map), with their SQL.

Each expression reads the `region_key_figures` view. The SQL is fixed here: a user only picks
a key of `INDICATORS`, which is validated before use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """A measure of the regional key figures, or a ratio derived from them."""

    code: str
    label: str
    unit: str  # unit code of formatting.UNIT_SYMBOLS
    expression: str
    derived: bool = False
    decimals: int | None = None


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("qpv_count", "Quartiers prioritaires (QPV)", "COUNT", "qpv_count"),
        Indicator("concours_alloues_meur", "Concours financiers alloués", "MEUR", "concours_alloues_meur"),
        Indicator("prets_alloues_meur", "Prêts alloués", "MEUR", "prets_alloues_meur"),
        Indicator("prets_engages_cumul_meur", "Prêts engagés (cumul 2018-2024)", "MEUR", "prets_engages_cumul_meur"),
        Indicator("prets_engages_2024_meur", "Prêts engagés en 2024", "MEUR", "prets_engages_2024_meur"),
        Indicator("droits_total", "Droits de réservation", "COUNT", "droits_total"),
        Indicator(
            "droits_requalification", "Droits de réservation : requalification", "COUNT", "droits_requalification"
        ),
        Indicator(
            "droits_reconstitution",
            "Droits de réservation : reconstitution de l'offre",
            "COUNT",
            "droits_reconstitution",
        ),
        Indicator("cf_total", "Contreparties foncières (logements)", "COUNT", "cf_total"),
        Indicator(
            "cf_fonciere_logement", "Contreparties foncières : Foncière Logement", "COUNT", "cf_fonciere_logement"
        ),
        Indicator("cf_esh_groupe", "Contreparties foncières : ESH du Groupe", "COUNT", "cf_esh_groupe"),
        Indicator("menages_loges", "Ménages salariés logés", "COUNT", "menages_loges"),
        Indicator(
            "taux_engagement",
            "Taux d'engagement des prêts (engagés / alloués)",
            "PCT",
            "100.0 * prets_engages_cumul_meur / nullif(prets_alloues_meur, 0)",
            derived=True,
            decimals=1,
        ),
        Indicator(
            "reste_a_engager_meur",
            "Prêts restant à engager (alloués - engagés)",
            "MEUR",
            "prets_alloues_meur - prets_engages_cumul_meur",
            derived=True,
            decimals=1,
        ),
        Indicator(
            "part_2024_engagements",
            "Part de 2024 dans les prêts engagés",
            "PCT",
            "100.0 * prets_engages_2024_meur / nullif(prets_engages_cumul_meur, 0)",
            derived=True,
            decimals=1,
        ),
        Indicator(
            "droits_par_qpv",
            "Droits de réservation par QPV",
            "COUNT",
            "droits_total / nullif(qpv_count, 0)",
            derived=True,
            decimals=0,
        ),
        Indicator(
            "part_reconstitution",
            "Part de la reconstitution dans les droits",
            "PCT",
            "100.0 * droits_reconstitution / nullif(droits_total, 0)",
            derived=True,
            decimals=1,
        ),
        Indicator(
            "concours_par_qpv_meur",
            "Concours alloués par QPV",
            "MEUR",
            "concours_alloues_meur / nullif(qpv_count, 0)",
            derived=True,
            decimals=1,
        ),
        Indicator(
            "cf_par_qpv",
            "Contreparties foncières par QPV",
            "COUNT",
            "cf_total / nullif(qpv_count, 0)",
            derived=True,
            decimals=0,
        ),
    )
}
DEFAULT_INDICATOR = "prets_engages_cumul_meur"

#: One ranking query per indicator, built once from the constants above.
RANKING_SQL: dict[str, str] = {
    code: (
        "SELECT region_code, region_name, CAST(" + indicator.expression + " AS DOUBLE) AS value "
        "FROM region_key_figures ORDER BY region_code"
    )
    for code, indicator in INDICATORS.items()
}


def indicator_options() -> list[dict[str, str]]:
    """Options of a measure dropdown: published measures, then derived ratios."""
    published = [{"label": i.label, "value": i.code} for i in INDICATORS.values() if not i.derived]
    derived = [{"label": f"{i.label} (calculé)", "value": i.code} for i in INDICATORS.values() if i.derived]
    return published + derived
