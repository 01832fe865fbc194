"""Helpers of the tests only (never in a service's image): isolated topics and databases on the
real Kafka and FerretDB (`testkit.stack`), tiny synthetic reference files (`testkit.reference`).
pytest finds this package through `pythonpath` in pyproject.toml."""
