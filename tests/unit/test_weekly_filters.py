"""Filters of the weekly views: validated against the known values, single store, carried by the URL."""

from __future__ import annotations

from dashboard.filters import (
    LATEST_SNAPSHOT,
    PREVIOUS_SNAPSHOT,
    Filters,
    WeeklyChoices,
    from_query,
    from_store,
    validate,
)
from dashboard.queries.weekly import operation_filters

REGIONS = ("84", "11", "OM")
CHOICES = WeeklyChoices(departements=("69", "75", "971"), snapshots=("2025-01-14", "2025-01-07"))


def test_departements_and_snapshots_are_checked_against_the_operations_database():
    filters = validate(
        {
            "departements": ["69", "2A", "69", "'; DROP TABLE ops.operations; --"],
            "instantane": "2025-01-14",
            "reference": "2024-06-30",
        },
        REGIONS,
        CHOICES,
    )
    assert filters.departements == ("69",)
    assert filters.instantane == "2025-01-14"
    assert filters.reference == PREVIOUS_SNAPSHOT
    assert len(filters.rejected) == 3


def test_without_known_values_only_the_default_snapshots_pass():
    filters = validate({"departements": ["69"], "instantane": "2025-01-14", "reference": PREVIOUS_SNAPSHOT}, REGIONS)
    assert filters.departements == ()
    assert filters.instantane == LATEST_SNAPSHOT and filters.reference == PREVIOUS_SNAPSHOT
    assert len(filters.rejected) == 2


def test_code_lists_granularity_and_mode():
    filters = validate(
        {"bailleur": ["oph", "hlm"], "zone": ["a_bis", "b1"], "label": ["bbc"], "pas": "annee", "courbe": "cumul"},
        REGIONS,
        CHOICES,
    )
    assert (filters.bailleur, filters.zone, filters.label) == (("oph",), ("a_bis", "b1"), ("bbc",))
    assert (filters.pas, filters.courbe) == ("annee", "cumul")
    assert validate({"pas": "semaine", "courbe": "x"}, REGIONS, CHOICES).pas == "mois"
    # Every box ticked is "all", and stays out of the URL.
    ticked = validate({"zone": ["a_bis", "a", "b1", "b2", "c"]}, REGIONS, CHOICES)
    assert ticked.zone == () and ticked.query_string() == ""


def test_weekly_filters_round_trip_through_the_url_and_the_store():
    filters = Filters(
        regions=("84",),
        departements=("69", "971"),
        bailleur=("oph",),
        famille=("requalification",),
        zone=("a",),
        label=("hpe", "bbc"),
        pas="annee",
        courbe="cumul",
        instantane="2025-01-14",
        reference="2025-01-07",
    )
    query = filters.query_string()
    assert "departements=69,971" in query and "instantane=2025-01-14" in query and "pas=annee" in query
    assert from_query(query, REGIONS, CHOICES) == filters
    assert from_store({**filters.to_store(), "query": query, "carry": ""}, REGIONS, CHOICES) == filters
    assert from_store({**filters.to_store(), "query": query}, REGIONS, CHOICES).rejected == ()
    assert Filters().query_string() == ""


def test_operation_filters_map_empty_selections_to_all():
    empty = operation_filters(Filters())
    assert all(getattr(empty, name) is None for name in ("regions", "departements", "landlord_types", "zones"))
    chosen = operation_filters(Filters(regions=("84",), departements=("69",), bailleur=("oph",), label=("bbc",)))
    assert chosen.regions == ("84",) and chosen.departements == ("69",)
    assert chosen.landlord_types == ("oph",) and chosen.labels == ("bbc",)
    where, params = chosen.where("o")
    assert "?" in where and ["84"] in params
