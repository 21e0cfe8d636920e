"""Région page: rank/share query, key figures, splits, narrative facts, findings, layout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import ids
from dashboard.figures.bars import ChartContext
from dashboard.figures.region import split_figure
from dashboard.figures.theme import CATEGORY_COLORS
from dashboard.filters import Filters
from dashboard.queries import region as rq

CTX = ChartContext("Source : test", "Données au 31/12/2024")


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture
def page(built_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    import dashboard.app  # noqa: F401  (creates the app: pages can only register inside it)
    from dashboard.pages import region

    return region


def walk(component) -> Iterator[object]:
    """Every component of a layout tree."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk(child)
    elif children is not None and not isinstance(children, (str, int, float)):
        yield from walk(children)


def texts(component) -> str:
    parts = []
    for c in walk(component):
        children = getattr(c, "children", None)
        if isinstance(children, str):
            parts.append(children)
        elif isinstance(c, str):
            parts.append(c)
        elif isinstance(children, (list, tuple)):
            parts.extend(x for x in children if isinstance(x, str))
    return " ".join(parts)


def ids_of(component) -> set[str]:
    return {c.id for c in walk(component) if isinstance(getattr(c, "id", None), str)}


# --- rank and share -------------------------------------------------------------------------------


def test_ranks_and_shares_match_region_key_figures(cur):
    ranks = rq.region_ranks(cur)
    view = cur.execute("SELECT * FROM region_key_figures").df()
    for spec in rq.KEY_FIGURES:
        values = view[["region_code", spec.column]].dropna()
        values = values.assign(value=values[spec.column].astype(float))
        expected_rank = values["value"].rank(method="min", ascending=False).astype(int)
        got = ranks[ranks["indicator"] == spec.column].set_index("region_code")
        assert len(got) == len(values)
        total = values["value"].sum()
        for code, value, rank in zip(values["region_code"], values["value"], expected_rank, strict=True):
            assert got.loc[code, "value"] == value
            assert got.loc[code, "rank"] == rank
            assert got.loc[code, "published"] == len(values)
            assert got.loc[code, "sections"] == len(view)
            assert got.loc[code, "share"] == pytest.approx(100 * value / total)
        assert got["share"].sum() == pytest.approx(100)


def test_ranks_for_one_region_and_unpublished_figures(cur):
    ranks = rq.region_ranks(cur, "OM")
    assert set(ranks["region_code"]) == {"OM"}
    # Outre-Mer prints no loans in its block: no rank, and the other sections rank among 12.
    assert "prets_alloues_meur" not in set(ranks["indicator"])
    loans = rq.region_ranks(cur)
    assert (loans[loans["indicator"] == "prets_alloues_meur"]["published"] == 12).all()


def test_rank_text(page):
    row = pd.Series({"rank": 3, "published": 13, "sections": 13, "share": 12.4789})
    assert page.rank_text(row) == "3e sur 13 · 12,5\u00a0% du total (calculé)"
    row = pd.Series({"rank": 1, "published": 12, "sections": 13, "share": 30})
    assert page.rank_text(row).startswith("1er sur 12 publiées")
    assert page.rank_text(pd.Series({"rank": None, "published": None, "sections": 13, "share": None})) is None


# --- key figures, splits ---------------------------------------------------------------------------


def test_key_figure_cards_are_the_printed_facts(cur):
    cards = rq.key_figure_cards(cur, "84").set_index("key")
    assert len(cards) == len(rq.KEY_FIGURES)
    view = cur.execute("SELECT * FROM region_key_figures WHERE region_code = '84'").df().iloc[0]
    for spec in rq.KEY_FIGURES:
        assert cards.loc[spec.key, "value"] == pytest.approx(float(view[spec.column]))
        assert cards.loc[spec.key, "quote"]
    qpv_text = cur.execute(
        "SELECT value_text FROM facts WHERE territory_code = '84' AND measure = 'qpv' AND context = 'key_figures'"
    ).fetchone()[0]
    assert cards.loc["qpv", "value_text"] == qpv_text


def test_key_figure_cards_outre_mer_unpublished_loans(cur):
    cards = rq.key_figure_cards(cur, "OM").set_index("key")
    for key in ("prets_alloues", "engages_cumul", "engages_2024"):
        assert pd.isna(cards.loc[key, "value_text"]) and pd.isna(cards.loc[key, "rank"])
    assert (
        cards.loc["cf", "value"]
        == cur.execute("SELECT cf_total FROM region_key_figures WHERE region_code = 'OM'").fetchone()[0]
    )


def test_operator_split_uses_operateur_om_for_outre_mer(cur):
    om = rq.region_split(cur, "OM", "contreparties")
    om_members = [
        r[0]
        for r in cur.execute(
            "SELECT member FROM dimension_members WHERE dimension = 'operateur_om' ORDER BY sort_order"
        ).fetchall()
    ]
    assert list(om["member"]) == om_members
    assert om["value"].notna().all()
    metro = rq.region_split(cur, "84", "contreparties")
    assert list(metro["member"]) == ["fonciere_logement", "esh_groupe"]
    view = cur.execute("SELECT * FROM region_key_figures WHERE region_code = '84'").df().iloc[0]
    assert list(metro["value"]) == [view["cf_fonciere_logement"], view["cf_esh_groupe"]]
    assert (metro["total"] == view["cf_total"]).all()
    pct = cur.execute(
        "SELECT value_text FROM facts WHERE territory_code = '84' AND measure = 'contreparties_foncieres' "
        "AND context = 'key_figures' AND unit = 'PCT' AND member = 'fonciere_logement'"
    ).fetchone()[0]
    assert metro["pct_text"].iloc[0] == pct


def test_droits_split(cur):
    data = rq.region_split(cur, "76", "droits")
    assert list(data["member"]) == ["requalification", "reconstitution"]
    view = cur.execute("SELECT * FROM region_key_figures WHERE region_code = '76'").df().iloc[0]
    assert list(data["value"]) == [view["droits_requalification"], view["droits_reconstitution"]]


def test_split_figure_colours_flags_and_unpublished(cur):
    fig = split_figure(rq.region_split(cur, "OM", "contreparties"), CTX, title="t", unit_text="u")
    bar = fig.data[0]
    assert list(bar.marker.color) == [CATEGORY_COLORS[m] for m in ("sikoa", "shlmr", "alma", "sifag", "ozanam")]
    # Occitanie: 587 / 1180 = 49,7 % printed as 41 %; parts add up to 1 280, not 1 180.
    fig = split_figure(rq.region_split(cur, "76", "contreparties"), CTX, title="t", unit_text="u")
    note = next(a.text for a in fig.layout.annotations if "Total publié" in a.text)
    assert "⚠" in note and "41" in note
    assert fig.data[0].text[1].endswith("⚠")
    missing = pd.DataFrame(
        {
            "member": ["requalification", "reconstitution"],
            "label": ["Requalification", "Reconstitution de l'offre"],
            "value": [10.0, None],
            "value_text": ["10", None],
            "qualifier": [None, None],
            "pct_text": [None, None],
            "pct_value": [None, None],
            "quote": ["q", None],
            "total": [None, None],
            "total_text": [None, None],
        }
    )
    fig = split_figure(missing, CTX, title="t", unit_text="u")
    assert "non publié" in fig.data[0].text[1]


# --- narrative, findings ----------------------------------------------------------------------------


def test_narrative_includes_quotes_and_only_narrative_facts(cur):
    data = rq.region_narrative(cur, "84")
    expected = cur.execute(
        "SELECT fact_id, quote FROM facts WHERE context = 'narrative' AND (territory_code = '84' OR section = '03-84')"
    ).df()
    assert set(data["fact_id"]) == set(expected["fact_id"])
    assert dict(zip(data["fact_id"], data["quote"], strict=True)) == dict(
        zip(expected["fact_id"], expected["quote"], strict=True)
    )


def test_narrative_outre_mer_includes_drom(cur):
    data = rq.region_narrative(cur, "OM")
    droms = {r[0] for r in cur.execute("SELECT code FROM territories WHERE parent_code = 'OM'").fetchall()}
    assert droms <= set(data["territory_code"])


def test_findings_direct_or_linked(cur):
    data = rq.region_findings(cur, "76")
    direct = {
        r[0] for r in cur.execute("SELECT finding_id FROM quality_findings WHERE territory_code = '76'").fetchall()
    }
    linked = {
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT finding_id FROM quality_finding_facts JOIN facts USING (fact_id) "
            "WHERE territory_code = '76'"
        ).fetchall()
    }
    assert set(data["finding_id"]) == direct | linked
    assert set(data[data["direct"]]["finding_id"]) == direct
    order = {"high": 0, "medium": 1, "low": 2}
    ranks = [order[s] for s in data["severity"]]
    assert ranks == sorted(ranks)


# --- layout and exports -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["zz", "<script>", "x" * 500, None])
def test_unknown_code_gives_french_message_and_13_links(page, code):
    layout = page.layout(code=code)
    text = texts(layout)
    assert "Région introuvable" in text
    links = [c.href for c in walk(layout) if getattr(c, "href", None)]
    assert len(links) == 13 and all(h.startswith("/region/") for h in links)


def test_unknown_code_http_200(page):
    from dashboard.app import server

    response = server.test_client().get("/region/inconnue")
    assert response.status_code == 200


def test_layout_outre_mer_shows_drom_details(page):
    layout = page.layout(code="OM")
    found = ids_of(layout)
    assert ids.REGION_DROM_TABLE in found and ids.chart("cf-om-territoires") in found
    text = texts(layout)
    for name in ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"):
        assert name in text
    assert "non publié" in text  # loans are not printed for Outre-Mer


def test_layout_metropolitan_region(page, cur):
    layout = page.layout(code="84")
    found = ids_of(layout)
    assert ids.REGION_DROM_TABLE not in found
    assert {ids.chart(page.DROITS), ids.chart(page.CONTREPARTIES), ids.REGION_KPIS, ids.REGION_NARRATIVE} <= found
    text = texts(layout)
    assert "Auvergne-Rhône-Alpes" in text
    quote = cur.execute("SELECT quote FROM facts WHERE fact_id = '84.nar.prets_decaisses'").fetchone()[0]
    assert quote in text
    hrefs = {c.href for c in walk(layout) if getattr(c, "href", None)}
    assert "/prets?regions=84" in hrefs and "/region/76" in hrefs
    # Case-insensitive code.
    assert "Outre-Mer" in texts(page.layout(code="om"))


def test_split_exports_follow_the_region_filter(page, cur):
    data = page.contreparties_split_data(cur, Filters(regions=("OM",)))
    assert list(data["part"]) == ["SIKOA", "SHLMR", "ALMA", "SIFAG", "OZANAM"]
    data = page.droits_split_data(cur, Filters(regions=("84",)))
    assert list(data["part"]) == ["Requalification", "Reconstitution de l'offre"]
    printed = cur.execute(
        "SELECT member, value FROM facts WHERE territory_code = '84' AND measure = 'droits_reservation' "
        "AND context = 'key_figures' AND unit = 'PCT'"
    ).fetchall()
    assert list(data["% publié"]) == [dict(printed)["requalification"], dict(printed)["reconstitution"]]
