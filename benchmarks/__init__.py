"""Benchmarks of the dashboard: `python -m benchmarks` (see the README, section Benchmarks)."""
