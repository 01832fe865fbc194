"""deploy/docker/Dockerfile, the one image recipe: hadolint clean, the rules the deployment relies
on, and every service built from it with its own package and port."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from deploy_helpers import REPO, SERVICES, tool

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
COMPOSE = REPO / "deploy" / "compose" / "compose.yaml"


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


def rule_violations(text: str) -> list[str]:
    """What our images promise: see docs/operations.md, Images."""
    problems = []
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.MULTILINE | re.IGNORECASE)
    named = {name for _, name in stages}
    if not {"builder", "cli", "service"} <= named:
        problems.append("not the builder, cli and service stages")
    elif stages[-1][1] != "service":
        problems.append("a build without --target does not give a service")
    images = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", text, re.MULTILINE)
    for image, _ in stages:
        if image in named:
            continue
        resolved = images[0] if image == "${PYTHON_IMAGE}" and images else image
        if ":" not in resolved or resolved.endswith(":latest"):
            problems.append(f"base image {resolved} is not pinned")
        elif not resolved.startswith("python:3.11"):
            problems.append(f"base image {resolved} is not python:3.11")
    for stage in re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]:
        name = stage.split()[2] if len(stage.split()) > 2 else ""
        users = re.findall(r"^USER\s+(\S+)", stage, re.MULTILINE)
        if name in ("cli", "service") and (not users or users[-1].split(":")[0] != "10001"):
            problems.append(f"stage {name} does not end as user 10001")
    sync = re.search(r"uv sync ([^\n]*)", text)
    if not sync:
        problems.append("no uv sync")
    else:
        for flag in ("--frozen", "--no-dev", '--package "${SERVICE}"'):
            if flag not in sync.group(1):
                problems.append(f"uv sync without {flag}")
    if "EXPOSE ${PORT}" not in text:
        problems.append("does not expose the service's port")
    if not re.search(
        r"HEALTHCHECK .*\n?.*127\.0\.0\.1:\{os\.environ\['TREMPLIN_PORT'\]\}/health/live", text
    ):
        problems.append("no HEALTHCHECK on /health/live")
    if 'exec uvicorn \\"${TREMPLIN_SERVICE}.main:app\\"' not in text:
        problems.append("CMD is not uvicorn on the service's app and port")
    return problems


def test_the_dockerfile_keeps_our_rules():
    assert rule_violations(DOCKERFILE.read_text()) == []


def test_the_dockerfile_passes_hadolint(hadolint: Path):
    done = lint(hadolint, DOCKERFILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_service_is_built_with_its_package_and_port():
    built = {}
    for name, service in yaml.safe_load(COMPOSE.read_text())["services"].items():
        build = service.get("build")
        if build is None or name == "topics":
            continue
        assert build["dockerfile"] == "deploy/docker/Dockerfile", name
        built[build["args"]["SERVICE"]] = int(build["args"]["PORT"])
    assert built == SERVICES
    assert not list(REPO.glob("services/*/Dockerfile")), "one recipe, not one per service"


def test_rules_and_hadolint_catch_a_bad_dockerfile(hadolint: Path, tmp_path: Path):
    good = DOCKERFILE.read_text()
    bad = (
        good.replace("python:3.11.14-slim-bookworm", "python:latest")
        .replace("USER 10001:10001\nEXPOSE", "USER root\nEXPOSE")
        .replace("--frozen ", "")
    )
    problems = rule_violations(bad)
    assert "base image python:latest is not pinned" in problems
    assert "stage service does not end as user 10001" in problems
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
