"""Filter validation: untrusted values are dropped, defaults stay out of the URL."""

from __future__ import annotations

from dashboard.filters import Filters, from_query, from_store, validate

REGIONS = ("84", "11", "OM")


def test_known_values_are_kept_and_unknown_ones_reported():
    filters = validate({"regions": ["84", "99", "11; DROP TABLE facts", "84"], "measure": "droits_total"}, REGIONS)
    assert filters.regions == ("84",)
    assert filters.measure == "droits_total"
    assert len(filters.rejected) == 2


def test_wrong_types_and_huge_strings_are_rejected():
    filters = validate({"regions": [{"x": 1}, 12, "8" * 10_000], "vue": ["part", "nombre"], "evil": "1"}, REGIONS)
    assert filters.regions == ()
    assert filters.vue == "part"
    assert any("filtre inconnu" in r for r in filters.rejected)


def test_every_member_ticked_means_all_and_stays_out_of_the_url():
    filters = validate({"operateur": ["esh_groupe", "fonciere_logement"], "famille": ["reconstitution"]}, REGIONS)
    assert filters.operateur == ()
    assert filters.query_string() == "?famille=reconstitution"


def test_query_string_round_trip():
    filters = Filters(regions=("84", "11"), measure="menages_loges", vue="part")
    assert from_query(filters.query_string(), REGIONS) == filters
    assert from_store(filters.to_store(), REGIONS) == filters
    assert from_query({"regions": "84,11", "measure": "menages_loges", "vue": "part"}, REGIONS) == filters


def test_garbage_store_gives_defaults():
    assert from_store("not a dict", REGIONS) == Filters()
    assert from_store(None, REGIONS) == Filters()
