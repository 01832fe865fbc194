"""A routine configuration change applies cleanly: render before and after, diff the objects.

It may roll the services (their Deployments read hashed ConfigMaps) and change the CronJobs (which
`kubectl apply` can update), never touch the database, Kafka, or a Job (a Job's template cannot
change: `kubectl apply` would fail on it)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_helpers import OVERLAYS, Manifest, kustomize_build

MAY_CHANGE = {"Deployment", "CronJob", "ScaledObject"}


def by_identity(manifests: list[Manifest]) -> dict[tuple[str, str], Manifest]:
    return {(m["kind"], m["metadata"]["name"]): m for m in manifests}


def diff(before: list[Manifest], after: list[Manifest]) -> tuple[set, set, set]:
    old, new = by_identity(before), by_identity(after)
    changed = {key for key in old.keys() & new.keys() if old[key] != new[key]}
    return changed, set(new) - set(old), set(old) - set(new)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("platform.env", "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.monitoring:4318"),
        ("recommender/config.env", "RECOMMENDER_TOP_K=30"),
        ("notifier/config.env", "NOTIFIER_WEBHOOK_TIMEOUT_S=5"),
    ],
)
def test_a_configuration_change_rolls_the_services_and_nothing_else(
    overlay: str, file: str, line: str, kustomize: Path, k8s_copy: Callable[[], Path]
):
    copy = k8s_copy()
    before = kustomize_build(kustomize, copy / "overlays" / overlay)
    with (copy / "base" / file).open("a") as env:
        env.write(line + "\n")
    after = kustomize_build(kustomize, copy / "overlays" / overlay)
    changed, added, removed = diff(before, after)
    assert {kind for kind, _ in added | removed} == {"ConfigMap"}
    assert {kind for kind, _ in changed} <= MAY_CHANGE, sorted(changed)
    assert any(kind == "Deployment" for kind, _ in changed), "the services must roll"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_scaling_mongodb_neither_rolls_it_nor_the_services(
    overlay: str, kustomize: Path, k8s_copy: Callable[[], Path]
):
    copy = k8s_copy()
    before = kustomize_build(kustomize, copy / "overlays" / overlay)
    kustomization = copy / "base" / "kustomization.yaml"
    text = kustomization.read_text()
    kustomization.write_text(text.replace("MONGO_MEMBERS=1", "MONGO_MEMBERS=2"))
    after = kustomize_build(kustomize, copy / "overlays" / overlay)
    changed, added, removed = diff(before, after)
    if overlay == "dev":  # prod sets its own member count
        assert changed == {("ConfigMap", "mongodb-topology")}
    assert added == removed == set()


def test_the_diff_sees_a_change_to_the_database(kustomize: Path, k8s_copy: Callable[[], Path]):
    copy = k8s_copy()
    before = kustomize_build(kustomize, copy / "overlays" / "dev")
    statefulset = copy / "base" / "mongodb" / "statefulset.yaml"
    text = statefulset.read_text()
    statefulset.write_text(text.replace("--wiredTigerCacheSizeGB=0.5", "--wiredTigerCacheSizeGB=1"))
    changed, _, _ = diff(before, kustomize_build(kustomize, copy / "overlays" / "dev"))
    assert changed == {("StatefulSet", "mongodb")}
