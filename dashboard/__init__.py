"""NPNRU programme dashboard: facts database, reconciliation checks and Dash app."""
