"""The map: committed geometry, the choropleth figure, its restyle patch and click validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import plotly.colors as pc
import plotly.io.json as pio_json
import pytest

from dashboard.figures.bars import ChartContext
from dashboard.figures.map import (
    MISSING_FILL,
    choropleth,
    clicked_section,
    drom_lines,
    label_color,
    map_patch,
    map_style,
    restyled,
    trace_indices,
    with_selection,
)
from dashboard.figures.theme import SEQUENTIAL_SCALE
from dashboard.formatting import format_value
from dashboard.geometry import GEOJSON_PATH, load_geometry
from dashboard.indicators import INDICATORS
from dashboard.queries.common import indicator_values, published_facts, section_codes

CTX = ChartContext("Source : test", "Données au 31/12/2024")
DROM = ("01", "02", "03", "04", "06")


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def drom_facts(cur) -> dict[str, list[str]]:
    return drom_lines(published_facts(cur, territories=DROM), "@2024-12-31")


def style_of(cur, measure: str, drom_facts, selected: tuple[str, ...] = ()):
    return map_style(
        indicator_values(cur, measure), INDICATORS[measure], load_geometry(), selected=selected, drom_facts=drom_facts
    )


# Geometry ---------------------------------------------------------------------------------


def test_geometry_has_every_section_drom_and_inset_frame(cur):
    geometry = load_geometry()
    territories = cur.execute("SELECT code, name, kind, parent_code FROM territories").df()
    sections = territories[(territories["kind"] == "section") & (territories["code"] != "OM")]
    droms = territories[territories["kind"] == "drom"]
    assert len(geometry.areas) == 17 and len(geometry.frames) == 5
    assert {a.code for a in geometry.areas if a.kind == "section"} == set(sections["code"])
    assert {a.code for a in geometry.areas if a.kind == "drom"} == set(droms["code"])
    names = dict(zip(territories["code"], territories["name"], strict=True))
    assert all(a.name == names[a.code] for a in geometry.areas)
    assert all(a.parent == "OM" and a.section == "OM" for a in geometry.areas if a.kind == "drom")
    assert {f.parent for f in geometry.frames} == set(droms["code"])
    assert len(json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))["features"]) == 22


def test_geometry_is_loaded_once_and_rings_are_separated():
    geometry = load_geometry()
    assert load_geometry() is geometry
    brittany = geometry.area("53")  # a MultiPolygon: mainland and islands, one path with breaks
    assert brittany.x.count(None) >= 1 and len(brittany.x) == len(brittany.y)
    assert [i for i, v in enumerate(brittany.x) if v is None] == [i for i, v in enumerate(brittany.y) if v is None]


def test_geometry_is_a_km_plane_with_each_drom_inside_its_frame():
    geometry = load_geometry()
    paris = (652.0, 6862.0)  # Lambert-93 km
    idf = geometry.area("11")
    xs = [v for v in idf.x if v is not None]
    ys = [v for v in idf.y if v is not None]
    assert min(xs) < paris[0] < max(xs) and min(ys) < paris[1] < max(ys)
    for frame in geometry.frames:
        x0, y0, x1, y1 = frame.bounds
        drom = geometry.area(frame.parent)
        assert all(x0 <= v <= x1 for v in drom.x if v is not None)
        assert all(y0 <= v <= y1 for v in drom.y if v is not None)


# Figure -----------------------------------------------------------------------------------


def test_map_has_one_fill_trace_per_area_on_equal_scale_cartesian_axes(cur, drom_facts):
    geometry = load_geometry()
    fig = choropleth(geometry, style_of(cur, "droits_total", drom_facts), CTX)
    fills = [t for t in fig.data if t.fill == "toself" and t.x[0] is not None]
    assert len(fills) == len(geometry.areas)
    assert [t.name for t in fills] == [a.name for a in geometry.areas]
    assert all(t.type == "scatter" for t in fig.data)  # no geo / choropleth / map trace: works offline
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert "Droits de réservation" in fig.layout.title.text
    assert any("Données au 31/12/2024" in a.text for a in fig.layout.annotations)


def test_colours_follow_the_sequential_scale_and_hover_is_french(cur, drom_facts):
    geometry = load_geometry()
    values = indicator_values(cur, "droits_total").set_index("region_code")["value"]
    style = style_of(cur, "droits_total", drom_facts)
    scale = pc.get_colorscale(SEQUENTIAL_SCALE)
    largest, smallest = values.idxmax(), values.idxmin()
    by_code = {a.code: s for a, s in zip(geometry.areas, style.areas, strict=True)}
    assert by_code[largest].fillcolor.lower() == scale[-1][1].lower()
    assert by_code[smallest if smallest != "OM" else "01"].fillcolor.lower() == scale[0][1].lower()
    assert by_code["84"].hover == f"Auvergne-Rhône-Alpes : {format_value(values['84'], 'COUNT')}"
    assert "\u202f" in by_code["84"].hover  # narrow no-break space as thousands separator
    assert (style.cmin, style.cmax) == (values.min(), values.max())


def test_unpublished_sections_are_grey_hatched_and_labelled_not_zero(cur, drom_facts):
    geometry = load_geometry()
    values = indicator_values(cur, "prets_engages_cumul_meur").set_index("region_code")["value"]
    assert values.isna()["OM"]  # the report publishes no loan figure for Outre-Mer
    style = style_of(cur, "prets_engages_cumul_meur", drom_facts)
    fig = choropleth(geometry, style, CTX)
    for index, area in enumerate(geometry.areas):
        trace = fig.data[index]
        if area.section == "OM":
            assert trace.fillcolor == MISSING_FILL and trace.fillpattern.shape == "/"
            assert "non publié" in trace.text and "0\u00a0M€" not in trace.text
        else:
            assert trace.fillcolor != MISSING_FILL and not trace.fillpattern.shape
    legend = fig.data[trace_indices(geometry)["missing"]]
    assert legend.visible is True and legend.name.lower().startswith("non publié")
    assert style.labels[-1] == "<b>Outre-Mer</b> : non publié"
    assert style.cmin == values.min() and style.cmax == values.max()  # the scale ignores missing values


def test_drom_hover_gives_the_section_value_and_the_territorys_own_figures(cur, drom_facts):
    geometry = load_geometry()
    style = style_of(cur, "qpv_count", drom_facts)
    om_qpv = indicator_values(cur, "qpv_count").set_index("region_code")["value"]["OM"]
    own = cur.execute(
        "SELECT value_text FROM facts WHERE territory_code = '04' AND measure = 'concours_alloues' "
        "AND dimension IS NULL"
    ).fetchone()[0]
    reunion = style.areas[geometry.codes.index("04")]
    assert f"valeur de la section Outre-Mer : {format_value(om_qpv, 'COUNT')}" in reunion.hover
    assert f"{own}\u00a0M€ de concours alloués" in reunion.hover


def test_selection_is_outlined_and_a_drom_click_selects_overseas(cur, drom_facts):
    geometry = load_geometry()
    style = style_of(cur, "droits_total", drom_facts, selected=("11", "OM"))
    selected = {a.code for a, s in zip(geometry.areas, style.areas, strict=True) if s.selected}
    assert selected == {"11", "01", "02", "03", "04", "06"}
    fig = choropleth(geometry, style, CTX)
    assert fig.data[geometry.codes.index("11")].line.width > fig.data[geometry.codes.index("84")].line.width


def test_value_labels_contrast_with_their_fill(cur, drom_facts):
    assert label_color("#00224e") == "white"  # dark end of cividis
    assert label_color("#fee838") != "white"  # light end
    style = style_of(cur, "droits_total", drom_facts)
    geometry = load_geometry()
    fills = {a.code: s.fillcolor for a, s in zip(geometry.areas, style.areas, strict=True)}
    metro = [a.code for a in geometry.areas if a.kind != "drom"]
    assert list(style.label_colors[: len(metro)]) == [label_color(fills[c]) for c in metro]


# Patch ------------------------------------------------------------------------------------


def _keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_measure_change_patch_is_small_and_holds_no_coordinates(cur, drom_facts):
    geometry = load_geometry()
    codes = section_codes(cur)
    before = style_of(cur, "prets_engages_cumul_meur", drom_facts, selected=("11",))
    for measure in INDICATORS:
        after = style_of(cur, measure, drom_facts, selected=("11",))
        patch = map_patch(after, geometry, before).to_plotly_json()
        wire = pio_json.to_json_plotly(patch)  # what Dash sends
        assert len(wire.encode()) < 5000, (measure, len(wire.encode()))
        operations = patch["operations"]
        assert not {"x", "y"} & set(_keys([op["params"] for op in operations]))
        assert all("x" not in op["location"] and "y" not in op["location"] for op in operations)
        assert all(op["location"][0] in ("data", "layout") for op in operations)
    assert len(codes) == 13


def test_full_patch_restyles_every_area_without_coordinates(cur, drom_facts):
    geometry = load_geometry()
    style = style_of(cur, "cf_total", drom_facts, selected=("OM",))
    patch = map_patch(style, geometry).to_plotly_json()
    assert len(pio_json.to_json_plotly(patch).encode()) < 8000
    merged = {op["location"][1]: op["params"]["value"] for op in patch["operations"] if op["operation"] == "Merge"}
    for index, area_style in enumerate(style.areas):
        assert merged[index]["fillcolor"] == area_style.fillcolor
        assert merged[index]["text"] == area_style.hover
    assert not {"x", "y"} & set(_keys([op["params"] for op in patch["operations"]]))
    title = next(op for op in patch["operations"] if op["location"] == ["layout", "title", "text"])
    assert "Contreparties foncières" in title["params"]["value"]


def test_selection_only_patch_changes_outlines_only(cur, drom_facts):
    geometry = load_geometry()
    before = style_of(cur, "droits_total", drom_facts)
    after = style_of(cur, "droits_total", drom_facts, selected=("53",))
    operations = map_patch(after, geometry, before).to_plotly_json()["operations"]
    area_ops = [op for op in operations if op["operation"] == "Merge"]
    assert [op["location"] for op in area_ops] == [["data", geometry.codes.index("53")]]
    assert set(area_ops[0]["params"]["value"]) == {"line"}


# Click validation -------------------------------------------------------------------------


def test_click_maps_an_area_trace_to_its_section(cur):
    geometry = load_geometry()
    codes = section_codes(cur)
    assert clicked_section({"points": [{"curveNumber": geometry.codes.index("11")}]}, geometry, codes) == "11"
    assert clicked_section({"points": [{"curveNumber": geometry.codes.index("06")}]}, geometry, codes) == "OM"


@pytest.mark.parametrize(
    "click",
    [
        None,
        "11",
        [],
        {},
        {"points": []},
        {"points": "11"},
        {"points": [None]},
        {"points": [{"curveNumber": "6"}]},
        {"points": [{"curveNumber": True}]},
        {"points": [{"curveNumber": -1}]},
        {"points": [{"curveNumber": 6.0}]},
        {"points": [{"curveNumber": 10**9}]},
        {"points": [{"customdata": "11"}]},
    ],
)
def test_click_rejects_malformed_or_unknown_payloads(cur, click):
    assert clicked_section(click, load_geometry(), section_codes(cur)) is None


def test_click_rejects_non_area_traces_and_unknown_sections(cur):
    geometry = load_geometry()
    labels = trace_indices(geometry)["labels"]
    assert clicked_section({"points": [{"curveNumber": labels}]}, geometry, section_codes(cur)) is None
    idf = geometry.codes.index("11")
    assert clicked_section({"points": [{"curveNumber": idf}]}, geometry, ("84", "OM")) is None


def test_restyled_base_map_equals_the_map_built_for_the_style(cur, drom_facts):
    geometry = load_geometry()
    base = choropleth(geometry, style_of(cur, "droits_total", drom_facts, ("84",)), CTX).to_plotly_json()
    before = pio_json.to_json_plotly(base)
    for measure, selected in (("qpv_count", ()), ("taux_engagement", ("OM", "93")), ("cf_esh_groupe", ("84",))):
        style = style_of(cur, measure, drom_facts, selected)
        expected = json.loads(pio_json.to_json_plotly(choropleth(geometry, style, CTX)))
        assert json.loads(pio_json.to_json_plotly(restyled(base, style, geometry))) == expected
    assert pio_json.to_json_plotly(base) == before  # the cached base map is left as it was


def test_with_selection_equals_a_style_computed_for_the_selection(cur, drom_facts):
    geometry = load_geometry()
    plain = style_of(cur, "prets_alloues_meur", drom_facts)
    for selected in ((), ("84",), ("OM", "11", "93")):
        assert with_selection(plain, geometry, selected) == style_of(cur, "prets_alloues_meur", drom_facts, selected)
