"""The slides of a presentation export: a title slide, the key figures (as native text), then one
slide per chart of the page. Built from validated input only; rights apply in `Access`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import plotly.graph_objects as go

from ..figures.theme import SYNTHETIC_MARK, slug
from ..filters import Filters
from ..queries.common import section_codes, source_info
from ..queries.overview import findings_by_severity
from ..queries.region import region_header
from .content import (
    RANKING,
    Chart,
    KeyFigure,
    chart_context,
    national_key_figures,
    overview_charts,
    region_charts,
    region_key_figures,
    section_names,
)

#: Export formats: file extension -> MIME type.
FORMATS = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
#: The scope of the national overview.
NATIONAL = "FR"
NATIONAL_ALIASES = ("FR", "NATIONAL", "FRANCE")


class UnknownScope(LookupError):
    """The requested territory is neither a report section nor the national scope."""


class AccessDenied(PermissionError):
    """The requester may not export this territory."""


@dataclass(frozen=True)
class Access:
    """What a requester may export: the single place where export rights apply.

    `regions` None means every section and the national overview; otherwise only those section
    codes (and the national overview only if `national`). `build_deck` checks the scope and narrows
    the filters through this object, so the web callback and the CLI cannot bypass it.
    """

    regions: frozenset[str] | None = None
    national: bool = True

    def check(self, scope: str) -> None:
        if scope == NATIONAL and not self.national:
            raise AccessDenied("export national non autorisé")
        if scope != NATIONAL and self.regions is not None and scope not in self.regions:
            raise AccessDenied(f"export de la région {scope} non autorisé")

    def restrict(self, filters: Filters) -> Filters:
        if self.regions is None:
            return filters
        return replace(filters, regions=tuple(r for r in filters.regions if r in self.regions))


FULL_ACCESS = Access()


@dataclass(frozen=True)
class TitleSlide:
    eyebrow: str
    title: str
    subtitle: str
    territory: str
    source_line: str
    data_date: str
    generated: str


@dataclass(frozen=True)
class KeyFiguresSlide:
    title: str
    columns: tuple[str, str, str]
    rows: tuple[KeyFigure, ...]
    note: str


@dataclass
class ChartSlide:
    title: str
    name: str
    figure: go.Figure
    note: str = ""
    image: bytes | None = None  # PNG, filled by `render.render_deck`
    image_size: tuple[int, int] = (0, 0)  # CSS pixels the image was drawn at (before scaling)


@dataclass
class Deck:
    """Everything a writer needs; `charts` get their images from `render.render_deck`."""

    scope: str
    territory: str
    title_slide: TitleSlide
    key_figures: KeyFiguresSlide
    charts: list[ChartSlide] = field(default_factory=list)
    synthetic: bool = False
    footer: str = ""

    @property
    def slide_titles(self) -> list[str]:
        return [self.title_slide.title, self.key_figures.title, *(c.title for c in self.charts)]


def resolve_scope(cur: duckdb.DuckDBPyConnection, raw: object) -> str:
    """A validated scope: a report section code (case-insensitive) or `FR` for the national overview."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 64:
        raise UnknownScope("aucun territoire indiqué")
    text = raw.strip().upper()
    if text in NATIONAL_ALIASES:
        return NATIONAL
    codes = {c.upper(): c for c in section_codes(cur)}
    if text not in codes:
        raise UnknownScope(
            f"territoire inconnu « {raw.strip()[:64]} » : codes possibles {', '.join(codes.values())}, ou FR (national)"
        )
    return codes[text]


def _now() -> datetime:
    try:
        return datetime.now(ZoneInfo("Europe/Paris"))
    except ZoneInfoNotFoundError:  # pragma: no cover - no tz database
        return datetime.now().astimezone()


def _short_source(source_line: str) -> str:
    """`Source : Action Logement Services, Bilan 2024 ... (juin 2025)` -> `Bilan 2024 ... (juin 2025)`."""
    return source_line.partition(", ")[2] or source_line


def build_deck(
    cur: duckdb.DuckDBPyConnection,
    scope: str,
    filters: Filters | None = None,
    *,
    access: Access = FULL_ACCESS,
    generated: datetime | None = None,
) -> Deck:
    """The slides of a region page (`scope` = section code) or of the overview (`FR`).

    `scope` must come from `resolve_scope`; `filters` from `filters.from_store`/`from_query`
    (the overview ranks `filters.measure` and highlights `filters.regions`).
    """
    access.check(scope)
    filters = access.restrict(filters or Filters())
    info = source_info(cur)
    ctx = chart_context(cur)
    when = (generated or _now()).strftime("%d/%m/%Y à %H:%M")
    names = section_names(cur)
    if scope == NATIONAL:
        territory = "France entière"
        counts = findings_by_severity(cur)
        title = TitleSlide(
            eyebrow="NPNRU · Action Logement",
            title="Vue d'ensemble du programme",
            subtitle=info.title,
            territory="France entière · chiffres nationaux et classement des 13 sections régionales",
            source_line=info.source_line,
            data_date=info.data_date,
            generated=f"Document généré le {when}",
        )
        key_figures = KeyFiguresSlide(
            title="Chiffres clés nationaux",
            columns=("Indicateur", "Valeur publiée", "Somme des sections (calculé)"),
            rows=tuple(national_key_figures(cur)),
            note=(
                "Chiffres nationaux tels que publiés dans le bilan 2024, comparés à la somme des 13 sections "
                f"régionales. {sum(counts.values())} incohérences relevées entre les chiffres publiés "
                f"({counts.get('high', 0)} élevées, {counts.get('medium', 0)} moyennes, "
                f"{counts.get('low', 0)} faibles) : voir « Qualité des données »."
            ),
        )
        charts: list[Chart] = overview_charts(cur, filters, ctx)
        highlighted = ", ".join(names[c] for c in filters.regions if c in names)
        note = f"Territoires mis en évidence : {highlighted}" if highlighted else ""
    else:
        header = region_header(cur, scope)
        if header is None:  # resolve_scope guarantees a section; the database could still change under us
            raise UnknownScope(f"territoire inconnu « {scope} »")
        territory = str(header["name"])
        page = header.get("page")
        pages = f" · pages {page}-{int(page) + 1} du rapport" if page else ""  # type: ignore[call-overload]
        title = TitleSlide(
            eyebrow="NPNRU · Action Logement",
            title=territory,
            subtitle=info.title,
            territory=f"Région · double page du bilan 2024{pages}",
            source_line=info.source_line,
            data_date=info.data_date,
            generated=f"Document généré le {when}",
        )
        key_figures = KeyFiguresSlide(
            title="Chiffres clés",
            columns=("Indicateur", "Valeur publiée", "Rang et part parmi les sections"),
            rows=tuple(region_key_figures(cur, scope)),
            note=(
                "Valeurs du bloc « chiffres clés » de la double page, telles que publiées. Rang et part sont "
                "calculés sur les 13 sections du rapport (somme des sections, pas le total national publié)."
            ),
        )
        charts = region_charts(cur, scope, ctx)
        note = ""
    slides = [ChartSlide(c.headline, c.name, c.figure, note if c.name == RANKING else "") for c in charts]
    footer = f"NPNRU · {territory} · {_short_source(info.source_line)} · {info.data_date}"
    if ctx.synthetic:
        footer += f" · {SYNTHETIC_MARK}"
    return Deck(scope, territory, title, key_figures, slides, ctx.synthetic, footer)


def deck_filename(deck: Deck, fmt: str, generated: datetime | None = None) -> str:
    """`npnru-auvergne-rhone-alpes-2026-11-26.pptx`."""
    day = (generated or _now()).strftime("%Y-%m-%d")
    name = "vue-d-ensemble" if deck.scope == NATIONAL else slug(deck.territory)
    return f"npnru-{name}-{day}.{fmt}"


def write_deck(deck: Deck, fmt: str) -> bytes:
    """The deck as `.pptx` or `.pdf` bytes; renders the charts first if they have no image yet."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if any(c.image is None for c in deck.charts):
        from .render import render_deck

        render_deck(deck)
    if fmt == "pptx":
        from .pptx_writer import deck_to_pptx

        return deck_to_pptx(deck)
    from .pdf_writer import deck_to_pdf

    return deck_to_pdf(deck)
