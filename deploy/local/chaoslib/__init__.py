"""The chaos harness's parts: workload design, sinks, faults, Kafka tools and the checker.

`design` and `checker` are pure (no I/O): unit tests in tests/chaos cover them.
"""
