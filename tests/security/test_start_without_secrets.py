"""Outside development mode, a service given no secret exits non-zero at start, naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from servicekit.settings import EXIT_BAD_SETTINGS

SERVICES = ["profiles", "offers", "recommender", "notifier", "gateway", "trainings", "companies"]
UVICORN = Path(sys.executable).with_name("uvicorn")


def start(service: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The service as a cluster starts it, with what a cluster would not give it left out."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name != "TREMPLIN_DEVELOPMENT" and not name.startswith(("INTERNAL_", "GATEWAY_"))
    }
    return subprocess.run(  # noqa: S603 (the service under test, fixed arguments)
        [str(UVICORN), f"{service}.main:app", "--host", "127.0.0.1", "--port", "0"],
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_a_service_without_the_internal_secret_exits_naming_it(service: str) -> None:
    started = start(service)

    assert started.returncode == EXIT_BAD_SETTINGS, started.stderr
    assert f"{service} cannot start: " in started.stderr
    assert "INTERNAL_TOKEN_SECRET is not set" in started.stderr


@pytest.mark.slow
def test_the_gateway_with_its_development_issuer_needs_a_seed_of_its_own() -> None:
    started = start(
        "gateway", GATEWAY_DEV_ISSUER="true", INTERNAL_TOKEN_SECRET="a-cluster-secret-" + "0" * 32
    )

    assert started.returncode == EXIT_BAD_SETTINGS, started.stderr
    assert "GATEWAY_DEV_ISSUER_SECRET is not set" in started.stderr
