"""Offline checks of the deployment files: no cluster, no Docker; tools cached under .local."""

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # deploy_helpers, under importlib mode

from crd_schemas import schemas_of_crds
from deploy_helpers import (
    CUSTOM_GROUPS,
    K8S,
    KUBERNETES_VERSION,
    OVERLAYS,
    InvalidManifestError,
    Manifest,
    Validate,
    kustomize_build,
    tool,
)


@pytest.fixture(scope="session")
def kustomize() -> Path:
    return tool("kustomize.sh")


@pytest.fixture(scope="session")
def built(kustomize: Path) -> dict[str, list[Manifest]]:
    return {overlay: kustomize_build(kustomize, K8S / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def crd_schemas() -> dict[tuple[str, str], Any]:
    """The released CRDs of the operator versions pinned in deploy/versions.env."""
    return schemas_of_crds(tool("crds.sh"))


@pytest.fixture(scope="session")
def validate(crd_schemas: dict[tuple[str, str], Any]) -> Validate:
    """Core kinds against the Kubernetes schemas (kubernetes-validate, strict: an unknown field
    is an error); custom resources against their operators' released CRDs.

    Raises InvalidManifestError.
    """

    def check(manifest: Manifest) -> None:
        kind, api = manifest.get("kind"), manifest.get("apiVersion", "")
        where = f"{kind} {manifest.get('metadata', {}).get('name')}"
        if api.startswith(CUSTOM_GROUPS):
            schema = crd_schemas.get((api, kind))
            if schema is None:
                raise InvalidManifestError(f"{where}: no schema for {api} {kind}")
            errors = list(jsonschema.Draft4Validator(schema).iter_errors(manifest))
            if errors:
                raise InvalidManifestError(
                    f"{where}: "
                    + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
                )
            return
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            raise InvalidManifestError(f"{where}: {list(error.path)}: {error.message}") from error
        except kubernetes_validate.SchemaNotFoundError as error:
            raise InvalidManifestError(
                f"{where}: unknown to Kubernetes {KUBERNETES_VERSION}"
            ) from error

    return check


@pytest.fixture
def k8s_copy(tmp_path: Path) -> Callable[[], Path]:
    """A private copy of deploy/k8s, to break on purpose."""

    def make() -> Path:
        target = tmp_path / "k8s"
        shutil.copytree(K8S, target)
        return target

    return make
