"""The benchmark's control changes, against the app in-process: each one is a real change, one that
redraws a chart (the browser measure times the redraw)."""

from __future__ import annotations

from benchmarks import dash_payloads as dp
from benchmarks.profile import FlaskTransport

from ..conftest import WEEKLY_AS_OF


def page_controls(app_client, page: str) -> tuple[FlaskTransport, dp.PageState, list, dict[str, dp.Control]]:
    transport = FlaskTransport(app_client)
    deps = dp.dependencies(transport)
    state, _ = dp.open_page(transport, page, deps)
    return transport, state, deps, {c.name: c for c in dp.controls(state, deps)}


def test_alternatives_of_a_control():
    options = [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}, {"label": "C", "value": "c"}]
    assert dp.alternatives({"options": options, "value": "a"}) == ["b", "c"]
    assert dp.alternatives({"options": options, "value": ["a", "b"], "multi": True}) == [["a"]]
    assert dp.alternatives({"options": options, "value": ["a"], "multi": True}) == [["a", "b"]]
    assert dp.alternatives({"options": options, "value": [], "multi": True}) == [["a"]]
    assert dp.alternatives({"options": [], "value": "a"}) == []


def test_a_value_that_draws_the_same_charts_is_passed_over(app_client):
    """On /suivi, the first other snapshot offered is the latest one by its date: the very views of
    "dernier". The benchmark changes to the older snapshot instead, which redraws the charts."""
    transport, state, deps, controls = page_controls(app_client, "/suivi")
    control = controls["instantane"]
    latest, older = (d.isoformat() for d in reversed(WEEKLY_AS_OF))
    assert (control.old, control.new, control.others) == ("dernier", latest, (older,))
    _, same = dp.change(transport, state, control, deps)
    assert not dp.redraws(state, same)
    chosen, steps = dp.real_change(transport, state, control, deps)
    assert (chosen.old, chosen.new, chosen.others) == ("dernier", older, ())
    assert dp.redraws(state, steps)


def test_a_first_value_that_redraws_is_kept(app_client):
    transport, state, deps, controls = page_controls(app_client, "/prets")
    control = controls["regions"]
    chosen, steps = dp.real_change(transport, state, control, deps)
    assert chosen.new == control.new and dp.redraws(state, steps)


def test_a_map_patch_is_a_redraw(app_client):
    transport, state, deps, controls = page_controls(app_client, "/carte")
    chosen, steps = dp.real_change(transport, state, controls["measure"], deps)
    patches = [
        props["figure"]
        for step in steps
        for props in (step.response or {}).get("response", {}).values()
        if isinstance(props.get("figure"), dict) and "__dash_patch_update" in props["figure"]
    ]
    assert patches and dp.redraws(state, steps)
    assert chosen.new == controls["measure"].new
