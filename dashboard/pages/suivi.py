"""Suivi hebdomadaire: the weekly operation extracts, what changed since the last review, engagements
vs disbursements over time, the remaining to disburse, disbursement lags, and the report's figures
next to the extract's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Output, html

from .. import db, ids
from ..auth import AUTH_REQUIRED, AUTH_REQUIRED_DETAIL, OperationsAccess, operations_access
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import famille_control, filter_bar, regions_control
from ..components.kpi import KPI_COLUMN
from ..components.plain_elements import Element, PlainElements, element
from ..components.table import Table, cell, parts, table, table_row, with_id
from ..components.weekly import (
    bailleur_control,
    departements_control,
    label_control,
    missing_operations,
    radio_control,
    snapshot_control,
    zone_control,
)
from ..config import get_settings
from ..exports import register_export
from ..extracts.queries import OperationFilters
from ..extracts.spec import REGION_NAMES
from ..figures.bars import NOT_PUBLISHED, ChartContext
from ..figures.theme import empty_figure
from ..figures.weekly import (
    delta_bars,
    flows_chart,
    french_date,
    lag_boxes,
    meur,
    remaining_bars,
    report_vs_extract_bars,
    signed,
)
from ..filters import PREVIOUS_SNAPSHOT, WEEKLY_NAMES, Filters, from_query, from_store, restrict_regions
from ..formatting import format_value
from ..on_filters import control_values, filters_callback, weekly_choices_for
from ..queries.common import section_codes, source_info
from ..queries.weekly import (
    SnapshotPair,
    available,
    flows,
    lag_quantiles,
    operation_filters,
    region_deltas,
    remaining,
    report_comparison,
    snapshot_pair,
    totals,
)
from ..synthetic import synthetic_shown

DELTAS = "suivi-evolutions"
FLOWS = "suivi-flux"
REMAINING = "suivi-reste"
LAGS = "suivi-delais"
REPORT = "suivi-bilan-extraction"
PAS_OPTIONS = {"mois": "Par mois", "annee": "Par an"}
COURBE_OPTIONS = {"flux": "Flux de la période", "cumul": "Cumul"}
NO_OPERATION = "Aucune opération ne correspond à ces filtres."
SYNTHETIC_BADGE = "Données simulées"
#: Snapshots whose views each worker prepares ahead (`warm_up_views`): the weekly review's.
WARM_SNAPSHOTS = 4


# --- State shared by the callbacks -----------------------------------------------------------------


def _access(cur) -> OperationsAccess:
    """The operational data the request may see (`auth.operations_access`): applied in every query below."""
    return operations_access(cur)


def _filters(cur, source: object, *, query: bool = False) -> Filters:
    """Validated filters, their regions narrowed to the requester's (none left: all of the requester's)."""
    choices = weekly_choices_for(WEEKLY_NAMES)
    if query:
        filters = from_query(source, db.cached(section_codes), choices)  # type: ignore[arg-type]
    else:
        filters = from_store(source, db.cached(section_codes), choices)
    return restrict_regions(filters, _access(cur).regions)


def _pair(cur, filters: Filters) -> SnapshotPair | None:
    """The snapshots compared, read once per opened database files, filters and requester's regions."""
    access = _access(cur)
    if not access.allowed or not _available(cur):
        return None
    regions = "*" if access.regions is None else ",".join(access.regions)
    return db.memo(
        f"snapshot_pair:{filters.instantane}:{filters.reference}:{regions}",
        lambda: snapshot_pair(cur, filters, access.regions),
    )


def _available(cur) -> bool:
    return db.memo("weekly_available", lambda: available(cur))


def _synthetic(cur) -> bool:
    return db.memo("synthetic_shown", lambda: synthetic_shown(cur))


def weekly_context(cur, pair: SnapshotPair) -> ChartContext:
    """Source line and date of the charts drawn from the extract."""
    return ChartContext(
        f"Source : extraction hebdomadaire des prêts bonifiés (opérations et décaissements) du "
        f"{french_date(pair.current_as_of)}",
        f"Données au {french_date(pair.current_as_of)}",
        _synthetic(cur),
    )


def report_context(cur, pair: SnapshotPair) -> ChartContext:
    """Source line of the charts that set the report next to the extract."""
    info = db.cached(source_info)
    return ChartContext(
        f"{info.source_line.replace('Source :', 'Sources :', 1)} ; extraction hebdomadaire du "
        f"{french_date(pair.current_as_of)}",
        f"Bilan : {info.data_date.lower()} · extraction au {french_date(pair.current_as_of)}",
        _synthetic(cur),
    )


def _unavailable(cur, title: str, message: str | None = None) -> go.Figure:
    info = db.cached(source_info)
    default = "Aucune extraction hebdomadaire chargée." if _access(cur).allowed else f"{AUTH_REQUIRED}."
    return empty_figure(
        message or default,
        title=title,
        source_line="Source : extractions hebdomadaires des prêts bonifiés",
        data_date=info.data_date,
        synthetic=_synthetic(cur),
    )


# --- Page pieces -------------------------------------------------------------------------------------


#: The key figures: key, label, unit.
KPI_MEASURES = (
    ("engaged", "Prêts engagés", "MEUR"),
    ("disbursed", "Prêts décaissés", "MEUR"),
    ("remaining", "Reste à décaisser (calculé)", "MEUR"),
    ("rights", "Droits de réservation", "COUNT"),
)


def _badge(synthetic: bool) -> list[Element]:
    return [element("span", SYNTHETIC_BADGE, class_name="badge bg-danger ms-2 synthetic-badge")] if synthetic else []


def header(pair: SnapshotPair | None) -> list[Element]:
    """Which snapshots are shown: dates, import time, synthetic flags (elements of `PlainElements`:
    a filter change rewrites them as one property, see `components.plain_elements`)."""
    if pair is None:
        return []
    imported = pd.Timestamp(pair.current_imported_at)
    current = element(
        "div",
        element("span", "Instantané affiché : ", class_name="text-muted"),
        element("strong", f"extraction du {french_date(pair.current_as_of)}", id="suivi-current-date"),
        element(
            "span",
            f" · {format_value(float(pair.current_operations), 'COUNT', 0)} opérations · importée le "
            f"{imported:%d/%m/%Y à %H:%M} (UTC)",
            class_name="text-muted",
        ),
        *_badge(pair.current_synthetic),
    )
    if pair.previous_as_of is None:
        previous = element(
            "div",
            "Aucune extraction antérieure : les évolutions apparaîtront après le prochain import.",
            class_name="text-muted",
        )
    else:
        days = (pair.current_as_of - pair.previous_as_of).days
        note = (
            [
                element(
                    "span",
                    " · la référence choisie n'est pas antérieure : comparaison avec l'extraction précédente.",
                    class_name="text-warning-emphasis small",
                )
            ]
            if pair.reference_ignored
            else []
        )
        previous = element(
            "div",
            element("span", "Comparé à : ", class_name="text-muted"),
            element("strong", f"extraction du {french_date(pair.previous_as_of)}", id="suivi-previous-date"),
            element("span", f" ({days} jour{'s' if days > 1 else ''} plus tôt)", class_name="text-muted"),
            *_badge(pair.previous_synthetic),
            *note,
        )
    return [current, previous]


def kpis(deltas: pd.DataFrame, pair: SnapshotPair) -> list[Element]:
    """National (or selection) totals of the current snapshot with their change since the reference:
    the cards of `kpi_card` without a quote, as elements of `PlainElements`."""
    sums = totals(deltas)
    since = f" depuis le {french_date(pair.previous_as_of)}" if pair.previous_as_of else ""
    cards = []
    for key, label, unit in KPI_MEASURES:
        scale = meur if unit == "MEUR" else float
        decimals = 2 if unit == "MEUR" else 0
        value = format_value(scale(sums[f"{key}_current"]), unit, 1 if unit == "MEUR" else 0)
        delta = sums.get(f"{key}_delta")
        detail = f"{signed(scale(delta), unit, decimals)}{since}" if delta is not None else "pas de comparaison"
        body = element(
            "div",
            element("div", label, class_name="kpi-label"),
            element("div", value, class_name="kpi-value", id=f"suivi-kpi-{key}-value"),
            element("div", detail, class_name="kpi-detail small text-muted"),
            class_name="card-body",
        )
        card = element("div", body, class_name="card kpi-card h-100 shadow-sm")
        cards.append(element("div", card, class_name=KPI_COLUMN, id=f"suivi-kpi-{key}"))
    return cards


def delta_table(deltas: pd.DataFrame) -> Table:
    """Per section: current values and their change since the reference, with a total row."""
    measures = (
        ("operations", "Opérations", "COUNT"),
        ("engaged", "Prêts engagés", "MEUR"),
        ("disbursed", "Prêts décaissés", "MEUR"),
        ("remaining", "Reste à décaisser (calculé)", "MEUR"),
        ("rights", "Droits de réservation", "COUNT"),
    )
    head = [
        [cell("Territoire", row_span=2), *[cell(label, col_span=2) for _, label, _ in measures]],
        [cell(t, class_name="text-end") for _ in measures for t in ("Valeur", "Évolution")],
    ]

    def cells(values: dict) -> list:
        out = []
        for key, _, unit in measures:
            scale = meur if unit == "MEUR" else float
            decimals = 2 if unit == "MEUR" else 0
            delta = values[f"{key}_delta"]
            if delta is None or pd.isna(delta):  # a single snapshot: nothing to compare with
                delta = None
            out += [
                cell(format_value(scale(values[f"{key}_current"]), unit, decimals), class_name="text-end"),
                cell(
                    "—" if delta is None else signed(scale(delta), unit, decimals),
                    class_name=f"text-end fw-semibold delta-{key}"
                    + (" text-success" if delta and delta > 0 else " text-danger" if delta and delta < 0 else ""),
                ),
            ]
        return out

    body = [
        table_row([cell(values["region_name"]), *cells(values)], region=values["region_code"])
        for values in deltas.to_dict("records")
    ]
    body.append(
        table_row([cell("Ensemble de la sélection", strong=True), *cells(totals(deltas))], class_name="total-row")
    )
    return table(head, body, class_name="mb-0 weekly-table align-middle")


def report_table(df: pd.DataFrame, pair: SnapshotPair) -> Table:
    """The report's key figures next to the extract's (same periods), and the extract at its date."""
    start, end = df.attrs.get("cumul_period", (None, None))
    year = df.attrs.get("year_period", (None, None))[0]
    cumul = f"{start.year}-{end.year}" if start is not None else "cumul"
    head = [
        [
            cell("Territoire", row_span=2),
            cell(f"Prêts engagés {cumul}", col_span=3),
            cell(f"Prêts engagés en {year.year if year else ''}", col_span=2),
            cell(f"Droits de réservation au {french_date(end)}", col_span=2),
            cell(f"Extraction au {french_date(pair.current_as_of)}", col_span=2),
        ],
        [
            cell(t, class_name="text-end")
            for t in (
                "Bilan",
                "Extraction",
                "Écart (calculé)",
                "Bilan",
                "Extraction",
                "Bilan",
                "Extraction",
                "Prêts engagés",
                "Droits",
            )
        ],
    ]

    def published(value: object, unit: str) -> dict:
        if value is None or pd.isna(value):  # type: ignore[arg-type]
            return cell(NOT_PUBLISHED, class_name="text-end text-muted fst-italic")
        return cell(format_value(float(value), unit), class_name="text-end")  # type: ignore[arg-type]

    body = []
    for values in df.to_dict("records"):
        report = values["report_engaged_cumul_meur"]
        gap = None if pd.isna(report) else meur(values["engaged_cumul_eur"]) - float(report)  # type: ignore[operator]
        body.append(
            table_row(
                [
                    cell(values["region_name"]),
                    published(report, "MEUR"),
                    cell(format_value(meur(values["engaged_cumul_eur"]), "MEUR", 1), class_name="text-end"),
                    cell("—" if gap is None else signed(gap, "MEUR", 1), class_name="text-end text-muted"),
                    published(values["report_engaged_year_meur"], "MEUR"),
                    cell(format_value(meur(values["engaged_year_eur"]), "MEUR", 2), class_name="text-end"),
                    published(values["report_rights"], "COUNT"),
                    cell(format_value(float(values["rights_report_date"]), "COUNT", 0), class_name="text-end"),
                    cell(format_value(meur(values["engaged_now_eur"]), "MEUR", 1), class_name="text-end"),
                    cell(format_value(float(values["rights_now"]), "COUNT", 0), class_name="text-end"),
                ]
            )
        )
    return table(head, body, class_name="mb-0 weekly-table align-middle")


def _section(title: str, text: str | None = None) -> list:
    return [html.H2(title, className="h5 mt-4"), *([html.P(text, className="text-muted small")] if text else [])]


def layout(**query: str) -> html.Div:
    cur = db.cursor()
    intro = html.P(
        "Chaque semaine, l'équipe importe l'extraction des opérations financées par des prêts bonifiés et de leurs "
        "décaissements : chaque import est un instantané daté. Cette page compare l'instantané choisi au précédent "
        "et met les chiffres publiés dans le bilan à côté de ceux de l'extraction.",
        className="text-muted",
    )
    title = html.H1("Suivi hebdomadaire des prêts", className="h3")
    if not _available(cur):
        return html.Div([title, intro, missing_operations(get_settings().operations_db_path)])
    access = _access(cur)
    if not access.allowed:
        return html.Div(
            [
                title,
                intro,
                dbc.Alert(
                    [html.Strong(f"{AUTH_REQUIRED}. "), AUTH_REQUIRED_DETAIL],
                    color="warning",
                    id=ids.SUIVI_AUTH_REQUIRED,
                ),
            ]
        )
    filters = _filters(cur, query, query=True)
    choices = weekly_choices_for(WEEKLY_NAMES)
    assert choices is not None
    regions = [
        (code, REGION_NAMES[code])
        for code in section_codes(cur)
        if code in REGION_NAMES and (access.regions is None or code in access.regions)
    ]
    head, key_figures, deltas, delta_rows = deltas_views(cur, filters)
    report, report_rows = report_views(cur, filters)
    return html.Div(
        [
            title,
            intro,
            PlainElements(head, id=ids.SUIVI_HEADER, className="region-header rounded p-3 mb-3"),
            filter_bar(
                snapshot_control("instantane", "Instantané", choices.snapshots, filters.instantane),
                snapshot_control("reference", "Comparé à", choices.snapshots, filters.reference),
                regions_control(regions, filters.regions, width=6),
                departements_control(choices.departements, filters.departements, width=6),
                famille_control(filters.famille, width=6),
                bailleur_control(filters.bailleur, width=5),
                zone_control(filters.zone, width=4),
                label_control(filters.label, width=3),
            ),
            html.P(
                "Les filtres s'appliquent à toutes les vues de la page, sauf la comparaison avec le bilan (filtrée "
                "par territoire seulement : le bilan ne détaille pas ses chiffres régionaux autrement).",
                className="text-muted small",
            ),
            PlainElements(key_figures, id=ids.SUIVI_KPIS, className="row"),
            *_section("Depuis la dernière revue"),
            chart_card(DELTAS, "suivi-evolutions-depuis-la-derniere-revue", deltas),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3("Évolution par territoire", className="h6"),
                        with_id(delta_rows, ids.SUIVI_DELTA_TABLE),
                    ]
                ),
                className="mb-4 shadow-sm chart-card",
            ),
            *_section("Engagements et décaissements dans le temps"),
            filter_bar(
                radio_control("pas", "Période", PAS_OPTIONS, filters.pas, width=4),
                radio_control("courbe", "Affichage", COURBE_OPTIONS, filters.courbe, width=5),
            ),
            chart_card(FLOWS, "suivi-engagements-decaissements", cached_view(cur, flows_view, filters)),
            *_section(
                "Reste à décaisser",
                "Montant engagé non encore décaissé (engagé − décaissé, calculé), opération par opération.",
            ),
            chart_card(REMAINING, "suivi-reste-a-decaisser", cached_view(cur, remaining_view, filters)),
            *_section(
                "Délai de décaissement",
                "Nombre de jours entre la date d'engagement d'une opération et chacun de ses décaissements.",
            ),
            chart_card(LAGS, "suivi-delai-de-decaissement", cached_view(cur, lags_view, filters)),
            *_section(
                "Bilan publié et extraction",
                "Les chiffres clés régionaux du bilan, tels que publiés, à côté des mêmes sommes calculées sur les "
                "opérations de l'extraction engagées dans la même période.",
            ),
            chart_card(REPORT, "suivi-bilan-et-extraction", report),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3("Chiffres clés régionaux : bilan et extraction", className="h6"),
                        with_id(report_rows, ids.SUIVI_REPORT_TABLE),
                    ]
                ),
                className="mb-4 shadow-sm chart-card",
            ),
        ]
    )


# --- CSV exports ---------------------------------------------------------------------------------


def _export_source(cur, filters: Filters) -> tuple[str, str]:
    pair = _pair(cur, filters)
    if pair is None:
        reason = "Aucune extraction chargée" if _access(cur).allowed else AUTH_REQUIRED
        return "Source : extractions hebdomadaires des prêts bonifiés", reason
    ctx = weekly_context(cur, pair)
    if pair.previous_as_of is not None:
        return ctx.source_line + f", comparée à celle du {french_date(pair.previous_as_of)}", ctx.data_date
    return ctx.source_line, ctx.data_date


def _report_source(cur, filters: Filters) -> tuple[str, str]:
    pair = _pair(cur, filters)
    if pair is None:
        return _export_source(cur, filters)
    ctx = report_context(cur, pair)
    return ctx.source_line, ctx.data_date


def _export(name: str, source: Callable = _export_source):
    """Register an export that needs a snapshot: empty (with the reason) when none is loaded."""

    def decorate(function: Callable[..., pd.DataFrame]):
        def export(cur, filters: Filters) -> pd.DataFrame:
            if not _access(cur).allowed:
                return pd.DataFrame({"message": [AUTH_REQUIRED]})
            filters = restrict_regions(filters, _access(cur).regions)
            pair = _pair(cur, filters)
            if pair is None:
                return pd.DataFrame({"message": ["Aucune extraction hebdomadaire chargée"]})
            return function(cur, filters, pair)

        register_export(name, source=source)(export)
        return function

    return decorate


@_export(DELTAS)
def deltas_data(cur, filters: Filters, pair: SnapshotPair) -> pd.DataFrame:
    df = db.cached(region_deltas, pair.current_id, pair.previous_id, operation_filters(filters), _access(cur).regions)
    columns = {"region_code": "code_territoire", "region_name": "territoire"}
    for key, label in (
        ("operations", "opérations"),
        ("engaged", "prêts engagés (€)"),
        ("disbursed", "prêts décaissés (€)"),
        ("remaining", "reste à décaisser (€, calculé)"),
        ("rights", "droits de réservation"),
    ):
        columns |= {
            f"{key}_current": f"{label} au {french_date(pair.current_as_of)}",
            f"{key}_previous": f"{label} au {french_date(pair.previous_as_of)}" if pair.previous_as_of else "",
            f"{key}_delta": f"évolution {label}",
        }
    keep = [c for c in columns if columns[c]]
    return df[keep].rename(columns=columns)


@_export(FLOWS)
def flows_data(cur, filters: Filters, pair: SnapshotPair) -> pd.DataFrame:
    df = db.cached(flows, pair, filters, _access(cur).regions)
    grain = "annee" if filters.pas == "annee" else "mois"
    return df.assign(period=df["period"].astype(str)).rename(
        columns={
            "period": f"période ({grain}, premier jour)",
            "engaged_eur": "prêts engagés dans la période (€)",
            "disbursed_eur": "prêts décaissés dans la période (€)",
            "engaged_cumul_eur": "prêts engagés cumulés (€)",
            "disbursed_cumul_eur": "prêts décaissés cumulés (€)",
        }
    )


@_export(REMAINING)
def remaining_data(cur, filters: Filters, pair: SnapshotPair) -> pd.DataFrame:
    df = db.cached(remaining, pair, filters, _access(cur).regions)
    return (
        df[["region_code", "region_name", "operation_count", "engaged_eur", "disbursed_eur", "remaining_eur"]]
        .assign(disbursement_rate=(100 * df["disbursement_rate"]).round(1))
        .rename(
            columns={
                "region_code": "code_territoire",
                "region_name": "territoire",
                "operation_count": "opérations",
                "engaged_eur": "prêts engagés (€)",
                "disbursed_eur": "prêts décaissés (€)",
                "remaining_eur": "reste à décaisser (€, calculé)",
                "disbursement_rate": "part décaissée (%, calculé)",
            }
        )
    )


@_export(LAGS)
def lags_data(cur, filters: Filters, pair: SnapshotPair) -> pd.DataFrame:
    df = db.cached(lag_quantiles, pair, filters, _access(cur).regions)
    return df[
        ["region_code", "region_name", "disbursement_count", "mean_days", "p10", "p25", "p50", "p75", "p90"]
    ].rename(
        columns={
            "region_code": "code_territoire",
            "region_name": "territoire",
            "disbursement_count": "décaissements",
            "mean_days": "délai moyen (jours)",
            "p10": "10e centile (jours)",
            "p25": "1er quartile (jours)",
            "p50": "médiane (jours)",
            "p75": "3e quartile (jours)",
            "p90": "90e centile (jours)",
        }
    )


@_export(REPORT, source=_report_source)
def report_data(cur, filters: Filters, pair: SnapshotPair) -> pd.DataFrame:
    df = db.cached(report_comparison, pair, filters.regions, _access(cur).regions)
    return df[
        [
            "region_code",
            "region_name",
            "report_engaged_cumul_meur",
            "engaged_cumul_eur",
            "report_engaged_year_meur",
            "engaged_year_eur",
            "report_rights",
            "rights_report_date",
            "engaged_now_eur",
            "rights_now",
        ]
    ].rename(
        columns={
            "region_code": "code_territoire",
            "region_name": "territoire",
            "report_engaged_cumul_meur": "bilan : prêts engagés cumulés (M€, publié)",
            "engaged_cumul_eur": "extraction : prêts engagés dans la même période (€, calculé)",
            "report_engaged_year_meur": "bilan : prêts engagés dans l'année (M€, publié)",
            "engaged_year_eur": "extraction : prêts engagés dans l'année (€, calculé)",
            "report_rights": "bilan : droits de réservation (publié)",
            "rights_report_date": "extraction : droits des opérations engagées à la date du bilan (calculé)",
            "engaged_now_eur": f"extraction : prêts engagés au {french_date(pair.current_as_of)} (€)",
            "rights_now": f"extraction : droits de réservation au {french_date(pair.current_as_of)}",
        }
    )


# --- Callbacks -------------------------------------------------------------------------------------


def deltas_figure(cur, filters: Filters) -> go.Figure:
    """The changes since the last review, by territory."""
    pair = _pair(cur, filters)
    title = "Évolution depuis la dernière revue, par territoire"
    if pair is None:
        return _unavailable(cur, title)
    if pair.previous_id is None or pair.previous_as_of is None:
        return _unavailable(cur, title, "Une seule extraction importée : pas encore d'évolution à montrer.")
    deltas = db.cached(
        region_deltas, pair.current_id, pair.previous_id, operation_filters(filters), _access(cur).regions
    )
    return delta_bars(deltas, weekly_context(cur, pair), current=pair.current_as_of, previous=pair.previous_as_of)


def deltas_views(cur, filters: Filters) -> tuple[list[Element], list[Element], dict, Table | None]:
    """The snapshots header, the key figures (elements of `PlainElements`), the chart (plotly JSON)
    and the table of the changes since the last review."""
    pair = _pair(cur, filters)
    figure = cached_view(cur, deltas_figure, filters)
    if pair is None:
        return [], [], figure, None
    key_figures, table = db.cached(_delta_parts, pair, operation_filters(filters), _access(cur).regions)
    return header(pair), key_figures, figure, table


def _delta_parts(
    _cur, pair: SnapshotPair, operation_filter: OperationFilters, regions: tuple[str, ...] | None
) -> tuple[list[Element], Table]:
    """The key figures and the table of the changes (read and built once per opened database files,
    snapshots, filters and requester's regions: building them costs ~6 ms)."""
    deltas = db.cached(region_deltas, pair.current_id, pair.previous_id, operation_filter, regions)
    return kpis(deltas, pair), delta_table(deltas)


def cached_view(cur, view: Callable[..., go.Figure], filters: Filters) -> dict:
    """`view(cur, filters)` as plotly JSON, cached per snapshots compared, other filters and requester's
    access (`cached_figure`)."""
    return cached_figure(_view_figure, view, view_filters(cur, filters), _access(cur))


def view_filters(cur, filters: Filters) -> Filters:
    """The filters with the snapshots named by their dates: "dernier" and the latest snapshot's date
    (or "précédent" and the previous one's) draw the same views, so they share their cache entries."""
    pair = _pair(cur, filters)
    if pair is None:
        return filters
    reference = PREVIOUS_SNAPSHOT if pair.previous_as_of is None else pair.previous_as_of.isoformat()
    return replace(filters, instantane=pair.current_as_of.isoformat(), reference=reference)


def _view_figure(view: Callable[..., go.Figure], filters: Filters, _access_key: OperationsAccess) -> go.Figure:
    return view(db.cursor(), filters)


def flows_view(cur, filters: Filters) -> go.Figure:
    """Loans engaged and disbursed over time."""
    pair = _pair(cur, filters)
    title = "Prêts engagés et décaissés"
    if pair is None:
        return _unavailable(cur, title)
    data = db.cached(flows, pair, filters, _access(cur).regions)
    if data.empty:
        return _unavailable(cur, title, NO_OPERATION)
    grain = "year" if filters.pas == "annee" else "month"
    return flows_chart(data, weekly_context(cur, pair), grain=grain, mode=filters.courbe, as_of=pair.current_as_of)


def remaining_view(cur, filters: Filters) -> go.Figure:
    """Engaged loans not yet disbursed, by territory."""
    pair = _pair(cur, filters)
    title = "Reste à décaisser par territoire"
    if pair is None:
        return _unavailable(cur, title)
    data = db.cached(remaining, pair, filters, _access(cur).regions)
    if data.empty:
        return _unavailable(cur, title, NO_OPERATION)
    return remaining_bars(data, weekly_context(cur, pair), as_of=pair.current_as_of)


def lags_view(cur, filters: Filters) -> go.Figure:
    """Days from engagement to each disbursement, by territory."""
    pair = _pair(cur, filters)
    title = "Délai entre l'engagement et chaque décaissement"
    if pair is None:
        return _unavailable(cur, title)
    data = db.cached(lag_quantiles, pair, filters, _access(cur).regions)
    if data.empty:
        return _unavailable(cur, title, "Aucun décaissement ne correspond à ces filtres.")
    return lag_boxes(data, weekly_context(cur, pair), as_of=pair.current_as_of)


def report_figure(cur, filters: Filters) -> go.Figure:
    """The report's regional key figures next to the same sums over the extract."""
    pair = _pair(cur, filters)
    title = "Prêts engagés : bilan publié et extraction"
    if pair is None:
        return _unavailable(cur, title)
    data = db.cached(report_comparison, pair, filters.regions, _access(cur).regions)
    start, end = data.attrs["cumul_period"]
    return report_vs_extract_bars(
        data,
        report_context(cur, pair),
        period_label=f"{start.year}-{end.year}",
        report_label=f"Bilan {end.year}",
    )


def report_views(cur, filters: Filters) -> tuple[dict, Table | None]:
    """The report next to the extract: chart (plotly JSON) and table."""
    pair = _pair(cur, filters)
    figure = cached_view(cur, report_figure, filters)
    if pair is None:
        return figure, None
    return figure, report_table(db.cached(report_comparison, pair, filters.regions, _access(cur).regions), pair)


def _control_filters(cur, values: object) -> Filters:
    return _filters(cur, control_values(values))


@filters_callback(
    Output(ids.SUIVI_HEADER, "elements"),
    Output(ids.SUIVI_KPIS, "elements"),
    Output(ids.chart(DELTAS), "figure"),
    Output(ids.chart(DELTAS), "style"),
    Output(ids.SUIVI_DELTA_TABLE, "head"),
    Output(ids.SUIVI_DELTA_TABLE, "rows"),
    Output(ids.chart(FLOWS), "figure"),
    Output(ids.chart(FLOWS), "style"),
    Output(ids.chart(REMAINING), "figure"),
    Output(ids.chart(REMAINING), "style"),
    Output(ids.chart(LAGS), "figure"),
    Output(ids.chart(LAGS), "style"),
    Output(ids.chart(REPORT), "figure"),
    Output(ids.chart(REPORT), "style"),
    Output(ids.SUIVI_REPORT_TABLE, "head"),
    Output(ids.SUIVI_REPORT_TABLE, "rows"),
)
def update_views(values: object):
    """Every view of the page for the new filters, in one request: the views are cached, and one
    answer is applied in one pass by the browser where five cost it a fifth more time. Every output is
    a property of a component of the layout (the header and key figures are data of `PlainElements`,
    the tables' head and rows data of `Table`): no new Dash component, so Dash does not walk the layout."""
    cur = db.cursor()
    return views(cur, _control_filters(cur, values))


def views(cur, filters: Filters) -> tuple:
    """The outputs of `update_views` for validated filters."""
    head, key_figures, deltas, delta_tab = deltas_views(cur, filters)
    report, report_tab = report_views(cur, filters)
    return (
        head,
        key_figures,
        *sized(deltas),
        *parts(delta_tab),
        *sized(cached_view(cur, flows_view, filters)),
        *sized(cached_view(cur, remaining_view, filters)),
        *sized(cached_view(cur, lags_view, filters)),
        *sized(report),
        *parts(report_tab),
    )


def warm_up_views(count: int = WARM_SNAPSHOTS) -> list[str]:
    """Compute the page's views for each of the `count` latest snapshots (each against the one before
    it, the other filters as the page opens), so that the weekly review's first pick of a recent
    snapshot is answered from the caches: its views cost a quarter of a second at a million
    operations. Runs within a request context (`app.warm_up`); the dates warmed, newest first."""
    cur = db.cursor()
    if not _available(cur) or not _access(cur).allowed:
        return []
    base = _filters(cur, {}, query=True)
    dates = snapshot_dates()[:count]
    for as_of in dates:
        views(cur, replace(base, instantane=as_of))
    return dates


def snapshot_dates() -> list[str]:
    """The as-of dates (ISO) of the snapshots the requester may see, newest first."""
    choices = weekly_choices_for(WEEKLY_NAMES)
    return [] if choices is None else list(choices.snapshots)


dash.register_page(
    __name__, path="/suivi", name="Suivi hebdomadaire", order=5, title="Suivi hebdomadaire · NPNRU", layout=layout
)
