"""Weekly operation-level loan extracts: input format, import into dated snapshots, demo data, queries.

The operational data live in their own DuckDB file (`Settings.operations_db_path`), separate from
the report facts database, so that `python -m dashboard build` and the weekly imports never touch
each other's file.
"""
