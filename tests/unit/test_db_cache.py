"""`db.cached`: query results kept per opened database files, copied for every caller."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import db
from dashboard.components.chart_card import cached_figure, sized, with_revision
from dashboard.queries.common import region_key_figures, section_codes, source_info
from dashboard.queries.region import region_header

CALLS: list[tuple] = []


def counted_figures(cur: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """`region_key_figures`, counting its calls (a module-level function: `cached` keys on its name)."""
    CALLS.append((code,))
    data = region_key_figures(cur)
    return data if code is None else data[data["region_code"] == code].reset_index(drop=True)


def counted_header(cur: duckdb.DuckDBPyConnection, code: str) -> dict[str, object] | None:
    CALLS.append(("header", code))
    return region_header(cur, code)


@pytest.fixture
def report(tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the report database, opened by `db` (no operations database)."""
    path = tmp_path / "npnru.duckdb"
    shutil.copyfile(built_db, path)
    monkeypatch.setenv("NPNRU_DB", str(path))
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(tmp_path / "none.duckdb"))
    CALLS.clear()
    return path


def test_cached_returns_what_the_function_returns_computed_once(report):
    direct = region_key_figures(duckdb.connect(str(report), read_only=True))
    first = db.cached(counted_figures)
    second = db.cached(counted_figures)
    pd.testing.assert_frame_equal(first, direct)
    pd.testing.assert_frame_equal(second, direct)
    assert CALLS == [(None,)]
    assert db.cached(section_codes) == section_codes(db.cursor())
    assert db.cached(source_info) == source_info(db.cursor())


def test_arguments_are_part_of_the_key(report):
    one = db.cached(counted_figures, "84")
    other = db.cached(counted_figures, code="OM")
    assert list(one["region_code"]) == ["84"] and list(other["region_code"]) == ["OM"]
    db.cached(counted_figures, "84")
    assert CALLS == [("84",), ("OM",)]


def test_callers_cannot_change_the_cached_frame(report):
    data = db.cached(counted_figures)
    original = data.copy(deep=True)
    data["qpv_count"] = -1
    data.loc[0, "region_name"] = "changé"
    data.iloc[1, 0] = "XX"
    with pytest.raises(ValueError):
        data["cf_total"].to_numpy()[0] = -5  # a read-only view (copy-on-write)
    del data["menages_loges"]
    pd.testing.assert_frame_equal(db.cached(counted_figures), original)
    assert CALLS == [(None,)]


def test_callers_get_their_own_copy_of_other_values(report):
    header = db.cached(counted_header, "84")
    assert header is not None and header["code"] == "84"
    header["name"] = "changé"
    assert db.cached(counted_header, "84")["name"] != "changé"  # type: ignore[index]
    assert CALLS == [("header", "84")]


def test_an_atomic_rebuild_drops_the_results(report):
    before = db.cached(counted_figures)
    staged = report.with_name(".npnru.duckdb.tmp")
    shutil.copyfile(report, staged)
    con = duckdb.connect(str(staged))
    con.execute("UPDATE territories SET name = 'Région renommée' WHERE code = '84'")
    con.close()
    os.replace(staged, report)  # as `python -m dashboard build` does
    after = db.cached(counted_figures)
    assert CALLS == [(None,), (None,)]
    assert "Région renommée" in set(after["region_name"]) and "Région renommée" not in set(before["region_name"])


def test_results_are_bounded_least_recently_used_first(report, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(db, "CACHED_RESULTS", 2)
    db.cached(counted_figures, "84")
    db.cached(counted_figures, "OM")
    db.cached(counted_figures, "84")  # used again: "OM" is now the oldest
    db.cached(counted_figures, "93")  # evicts "OM"
    db.cached(counted_figures, "84")
    db.cached(counted_figures, "OM")
    assert CALLS == [("84",), ("OM",), ("93",), ("OM",)]


def test_arguments_must_be_hashable_and_the_function_named(report):
    with pytest.raises(TypeError, match="hashable"):
        db.cached(counted_figures, ["84"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="module-level"):
        db.cached(lambda cur: 1)
    assert CALLS == []


def counted_bars(title: str) -> go.Figure:
    CALLS.append(("figure", title))
    return go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"), layout={"title": title, "height": 300})


def test_a_figure_is_built_once_per_arguments_and_given_as_json(report):
    first = cached_figure(counted_bars, "A")
    first["layout"]["title"]["text"] = "changed by a caller"
    again = cached_figure(counted_bars, "A")
    assert again["layout"]["title"]["text"] == "A" and again["layout"]["height"] == 300
    assert isinstance(again, dict) and CALLS == [("figure", "A")]
    cached_figure(counted_bars, "B")
    assert CALLS == [("figure", "A"), ("figure", "B")]
    assert sized(again)[1] == {"height": "300px"}


def test_a_figure_carries_a_revision_of_its_content(report):
    """`layout.datarevision` is a digest of the figure: the same for the same content, another for
    other data or another title. The browser redraws a chart only when it changes (assets/05-plotly.js)."""
    a, b = cached_figure(counted_bars, "A"), cached_figure(counted_bars, "B")
    assert a["layout"]["datarevision"] != b["layout"]["datarevision"]
    rebuilt = with_revision(go.Figure(a).to_plotly_json())
    assert rebuilt["layout"]["datarevision"] == a["layout"]["datarevision"]
    moved = copy.deepcopy(a)
    moved["data"][0]["x"] = [v + 1 for v in moved["data"][0]["x"]]
    assert with_revision(moved)["layout"]["datarevision"] != a["layout"]["datarevision"]
    titled = copy.deepcopy(a)
    titled["layout"]["title"]["text"] = "B"
    assert with_revision(titled)["layout"]["datarevision"] != a["layout"]["datarevision"]
