"""Every component id of the app, shared by the pages, the callbacks and the tests."""

from __future__ import annotations

# Shell
NAVBAR = "navbar"
FOOTER = "footer"
FILTERS = "filters-store"
SYNTHETIC_BANNER = "synthetic-banner"
PRESENTATION_TOGGLE = "presentation-toggle"


def nav_link(page: str) -> str:
    """Id of the navigation link of a page (its href follows the filters)."""
    return f"nav-{page}"


def filter_control(name: str) -> dict[str, str]:
    """A filter control; its value is mirrored into the URL query string under `name`."""
    return {"type": "filter", "name": name}


def chart(name: str) -> str:
    """The dcc.Graph of a chart."""
    return f"chart-{name}"


def csv_button(name: str) -> dict[str, str]:
    return {"type": "csv-button", "chart": name}


def csv_download(name: str) -> dict[str, str]:
    return {"type": "csv-download", "chart": name}


# Overview
KPI_GRID = "overview-kpis"

# Map
MAP_SELECTION = "map-selection"

# Region page
REGION_CONTENT = "region-content"

# Quality page
FINDINGS_TABLE = "findings-table"
FINDINGS_COUNT = "findings-count"

# Loans page (prêts)
LOANS_FINDINGS = "prets-findings"
LOANS_DISBURSED_TABLE = "prets-decaisses-table"

# Reservation-rights page (droits)
RIGHTS_FINDINGS = "droits-findings"
RIGHTS_SECTION_FINDINGS = "droits-section-findings"

# Map page (carte)
MAP_RENDERED = "map-rendered"

# Quality page (qualite)
FINDINGS_SUMMARY = "findings-summary"
FINDINGS_CHART = "findings-territories"
FINDINGS_RULES = "findings-rules"

# Region page (région)
REGION_NAME = "region-name"
REGION_SWITCH = "region-switch"
REGION_LINKS = "region-links"
REGION_KPIS = "region-kpis"
REGION_NARRATIVE = "region-narrative"
REGION_FINDINGS = "region-findings"
REGION_DROM_TABLE = "region-drom-table"
REGION_UNKNOWN = "region-unknown"

# Alerts (security): the filter values an address carried that a page dropped (in the page), callback errors (shell)
FILTERS_ALERT = "filters-rejected-alert"
ERROR_ALERT = "callback-error-alert"

# Weekly follow-up page (suivi) and the overview's changes since the last review
SUIVI_HEADER = "suivi-header"
SUIVI_KPIS = "suivi-kpis"
SUIVI_DELTA_TABLE = "suivi-delta-table"
SUIVI_REPORT_TABLE = "suivi-report-table"
SUIVI_MISSING = "suivi-missing"
OVERVIEW_CHANGES = "overview-changes"

# Presentation exports (PowerPoint / PDF of a page) and the presentation mode
DECK_MENU = "deck-export-menu"
DECK_SCOPE = "deck-export-scope"
DECK_DOWNLOAD = "deck-export-download"
DECK_STATUS = "deck-export-status"
PRESENTATION_MODE = "presentation-mode"


def deck_button(fmt: str) -> str:
    """The menu item exporting the page in format `fmt` (`pptx` or `pdf`)."""
    return f"deck-export-{fmt}"


# --- Authentication (issue 6) ---
SUIVI_AUTH_REQUIRED = "suivi-auth-required"
OVERVIEW_AUTH_REQUIRED = "overview-auth-required"
