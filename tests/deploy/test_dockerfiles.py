"""services/*/Dockerfile: hadolint clean, and the rules the deployment relies on."""

import re
import subprocess
from pathlib import Path

import pytest
from deploy_helpers import REPO, SERVICES, tool


@pytest.fixture(scope="session")
def hadolint() -> Path:
    return tool("hadolint.sh")


def lint(hadolint: Path, dockerfile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(hadolint), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def rule_violations(text: str, service: str, port: int) -> list[str]:
    """What our images promise: see docs/operations.md, Images."""
    problems = []
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.MULTILINE | re.IGNORECASE)
    if len(stages) < 2:
        problems.append("not multi-stage")
    images = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", text, re.MULTILINE)
    for image, _ in stages:
        resolved = images[0] if image == "${PYTHON_IMAGE}" and images else image
        if ":" not in resolved or resolved.endswith(":latest"):
            problems.append(f"base image {resolved} is not pinned")
        elif not resolved.startswith("python:3.11"):
            problems.append(f"base image {resolved} is not python:3.11")
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    if not users or users[-1].split(":")[0] not in {"10001"}:
        problems.append("does not end as user 10001")
    sync = re.search(r"uv sync ([^\n]*)", text)
    if not sync:
        problems.append("no uv sync")
    else:
        for flag in ("--frozen", "--no-dev", f"--package {service}"):
            if flag not in sync.group(1):
                problems.append(f"uv sync without {flag}")
    if f"EXPOSE {port}" not in text:
        problems.append(f"does not expose {port}")
    if not re.search(rf"HEALTHCHECK .*\n?.*127\.0\.0\.1:{port}/health/live", text):
        problems.append("no HEALTHCHECK on /health/live")
    cmd = f'CMD ["uvicorn", "{service}.main:app", "--host", "0.0.0.0", "--port", "{port}"]'
    if cmd not in text:
        problems.append("CMD is not uvicorn on the service's app and port")
    return problems


@pytest.mark.parametrize(("service", "port"), SERVICES.items())
def test_dockerfile_keeps_our_rules(service: str, port: int):
    text = (REPO / "services" / service / "Dockerfile").read_text()
    assert rule_violations(text, service, port) == []


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_passes_hadolint(hadolint: Path, service: str):
    done = lint(hadolint, REPO / "services" / service / "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_and_hadolint_catch_a_bad_dockerfile(hadolint: Path, tmp_path: Path):
    good = (REPO / "services" / "profiles" / "Dockerfile").read_text()
    bad = (
        good.replace("python:3.11.14-slim-bookworm", "python:latest")
        .replace("USER 10001:10001", "USER root")
        .replace("--frozen ", "")
    )
    problems = rule_violations(bad, "profiles", 8001)
    assert "base image python:latest is not pinned" in problems
    assert "does not end as user 10001" in problems
    assert "uv sync without --frozen" in problems
    path = tmp_path / "Dockerfile"
    path.write_text(
        bad.replace("ARG PYTHON_IMAGE=python:latest\n", "").replace(
            "${PYTHON_IMAGE}", "python:latest"
        )
    )
    done = lint(hadolint, path)
    assert done.returncode != 0
    assert "DL3007" in done.stdout  # "Using latest is prone to errors"
    assert "DL3002" in done.stdout  # "Last USER should not be root"


def test_docker_context_keeps_only_the_workspace():
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") :][:1] == ["*"]
    for kept in ("!pyproject.toml", "!uv.lock", "!libs/", "!services/"):
        assert kept in ignore
    for dropped in ("**/tests/", "**/.venv/", "**/__pycache__/"):
        assert dropped in ignore
