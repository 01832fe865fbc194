"""Shared by tests/deploy: paths, the tools of deploy/tools, kustomize builds, manifest lookups."""

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
TOOLS = REPO / "deploy" / "tools"
OVERLAYS = ("dev", "prod")
SERVICES = {
    "gateway": 8000,
    "profiles": 8001,
    "offers": 8002,
    "recommender": 8003,
    "notifier": 8004,
    "companies": 8005,
    "trainings": 8006,
}

KUBERNETES_VERSION = "1.33.0"
CUSTOM_GROUPS = (
    "kafka.strimzi.io/",
    "keda.sh/",
    "monitoring.coreos.com/",
    "gateway.networking.k8s.io/",
)

Manifest = dict[str, Any]
Validate = Callable[[Manifest], None]


class InvalidManifestError(Exception):
    pass


def tool(script: str) -> Path:
    """Runs a deploy/tools script (idempotent, cached) and returns the path it prints."""
    done = subprocess.run(  # noqa: S603
        ["bash", str(TOOLS / script)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stderr[-3000:]}"
    return Path(done.stdout.strip().splitlines()[-1])


def kustomize_build(kustomize: Path, folder: Path) -> list[Manifest]:
    done = subprocess.run(  # noqa: S603
        [str(kustomize), "build", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"kustomize build {folder} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]
