"""deploy/k8s: both overlays build, validate against their schemas, and keep the promises of
docs/operations.md (hardened pods, secrets by reference, one way in, topics = contracts)."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_helpers import (
    OVERLAYS,
    SERVICES,
    InvalidManifestError,
    Manifest,
    Validate,
    kustomize_build,
    named,
    of_kind,
)

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)


def env_of(deployment: Manifest) -> dict[str, dict[str, Any]]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item for item in container.get("env", [])}


def config_data(manifests: list[Manifest], prefix: str) -> dict[str, str]:
    found = [m for m in of_kind(manifests, "ConfigMap") if m["metadata"]["name"].startswith(prefix)]
    assert len(found) == 1, prefix
    return found[0]["data"]


def test_every_manifest_is_valid(
    overlay: str, built: dict[str, list[Manifest]], validate: Validate
):
    errors = []
    for manifest in built[overlay]:
        try:
            validate(manifest)
        except InvalidManifestError as error:
            errors.append(str(error))
    assert errors == []
    kinds = {(m["apiVersion"], m["kind"]) for m in built[overlay]}
    assert {
        ("kafka.strimzi.io/v1", "Kafka"),
        ("kafka.strimzi.io/v1", "KafkaNodePool"),
        ("kafka.strimzi.io/v1", "KafkaTopic"),
        ("kafka.strimzi.io/v1", "KafkaUser"),
        ("keda.sh/v1alpha1", "ScaledObject"),
        ("gateway.networking.k8s.io/v1", "Gateway"),
        ("gateway.networking.k8s.io/v1", "HTTPRoute"),
        ("batch/v1", "CronJob"),
        ("batch/v1", "Job"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
    } <= kinds
    assert "Ingress" not in {kind for _, kind in kinds}
    assert named(built[overlay], "CronJob", "mongodb-backup")["spec"].get("suspend") is not True


def test_no_secret_is_committed_and_secrets_are_referenced(
    overlay: str, built: dict[str, list[Manifest]]
):
    manifests = built[overlay]
    assert of_kind(manifests, "Secret") == []
    for deployment in of_kind(manifests, "Deployment"):
        for var in env_of(deployment).values():
            if any(word in var["name"] for word in ("PASSWORD", "SECRET", "TOKEN")):
                assert "secretKeyRef" in var.get("valueFrom", {}), var["name"]


def test_every_service_verifies_internal_tokens_with_the_shared_secret(
    overlay: str, built: dict[str, list[Manifest]]
):
    manifests = built[overlay]
    deployments = of_kind(manifests, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == set(SERVICES)
    for deployment in deployments:
        env = env_of(deployment)
        assert env["INTERNAL_TOKEN_SECRET"]["valueFrom"]["secretKeyRef"] == {
            "name": "tremplin-internal-auth",
            "key": "token-secret",
        }
        assert env["INTERNAL_TOKEN_ACCEPTED_SECRETS"]["valueFrom"]["secretKeyRef"] == {
            "name": "tremplin-internal-auth",
            "key": "accepted-secrets",
            "optional": True,
        }
        # A cluster is never a development run: no service falls back to the public secret.
        assert "TREMPLIN_DEVELOPMENT" not in env
    for config in of_kind(manifests, "ConfigMap"):
        assert "TREMPLIN_DEVELOPMENT" not in config.get("data", {}), config["metadata"]["name"]


def test_pods_are_hardened(overlay: str, built: dict[str, list[Manifest]]):
    for name, port in SERVICES.items():
        pod = named(built[overlay], "Deployment", name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        [container] = pod["containers"]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert set(container["resources"]) == {"requests", "limits"}
        for part in ("requests", "limits"):
            assert set(container["resources"][part]) == {"cpu", "memory"}
        tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")  # noqa: S108
        volume = next(v for v in pod["volumes"] if v["name"] == tmp["name"])
        assert "emptyDir" in volume
        assert ":" in container["image"]
        assert not container["image"].endswith(":latest")


def test_only_the_gateway_is_exposed(overlay: str, built: dict[str, list[Manifest]]):
    manifests = built[overlay]
    [gateway] = of_kind(manifests, "Gateway")
    [route] = of_kind(manifests, "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": gateway["metadata"]["name"]}]
    backends = {ref["name"] for rule in route["spec"]["rules"] for ref in rule["backendRefs"]}
    assert backends == {"gateway"}
    hosts = {listener["hostname"] for listener in gateway["spec"]["listeners"]}
    assert set(route["spec"]["hostnames"]) == hosts
    if overlay == "prod":
        assert {listener["protocol"] for listener in gateway["spec"]["listeners"]} == {"HTTPS"}
    for service in of_kind(manifests, "Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"


def test_network_policies_deny_by_default_and_allow_only_the_callers(
    overlay: str, built: dict[str, list[Manifest]]
):
    policies = of_kind(built[overlay], "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {}]
    assert len(deny) == 1
    assert "ingress" not in deny[0]["spec"]

    def callers(target: str) -> set[str]:
        names = set()
        for policy in policies:
            if (
                policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
                != target
            ):
                continue
            for rule in policy["spec"].get("ingress", []):
                for peer in rule["from"]:
                    label = peer.get("podSelector", {}).get("matchLabels", {})
                    names.add(label.get("app.kubernetes.io/name", "?"))
        return names

    assert callers("profiles") == {"gateway", "notifier"}
    assert callers("companies") == {"gateway", "notifier"}
    assert callers("offers") == {"gateway", "notifier"}
    for name in ("recommender", "notifier", "trainings"):
        assert callers(name) == {"gateway"}
    assert callers("gateway") == {"?"}  # the Gateway API proxies' namespace, no pod of ours


def test_mongodb_is_a_replica_set_written_with_majority(
    overlay: str, built: dict[str, list[Manifest]]
):
    manifests = built[overlay]
    members = 3 if overlay == "prod" else 1
    assert named(manifests, "StatefulSet", "mongodb")["spec"]["replicas"] == members
    topology = named(manifests, "ConfigMap", "mongodb-topology")["data"]
    assert topology["MONGO_MEMBERS"] == str(members)
    hosts = topology["MONGO_HOSTS"].split(",")
    assert hosts == [f"mongodb-{i}.mongodb:27017" for i in range(members)]
    args = named(manifests, "StatefulSet", "mongodb")["spec"]["template"]["spec"]["containers"][0]
    assert "--tlsMode=requireTLS" in args["args"]
    for name in SERVICES:
        url = env_of(named(manifests, "Deployment", name))["MONGO_URL"]["value"]
        assert "w=majority" in url
        assert "replicaSet=$(MONGO_REPLICA_SET)" in url
        assert "tls=true" in url


def test_gateway_authentication_per_overlay(overlay: str, built: dict[str, list[Manifest]]):
    config = config_data(built[overlay], "gateway-config")
    secret = env_of(named(built[overlay], "Deployment", "gateway"))["GATEWAY_OIDC_CLIENT_SECRET"]
    reference = secret["valueFrom"]["secretKeyRef"]
    assert (reference["name"], reference["key"]) == ("tremplin-gateway-oidc", "client-secret")
    if overlay == "prod":
        assert config["GATEWAY_MODE"] == "production"
        assert "GATEWAY_DEV_ISSUER" not in config
        assert config["GATEWAY_OIDC_ISSUER"].startswith("https://")
        assert config["GATEWAY_OIDC_JWKS_URL"].startswith("https://")
        assert config["GATEWAY_OIDC_CLIENT_ID"]
        assert config["GATEWAY_PUBLIC_URL"].startswith("https://")
        assert not reference.get("optional"), "production needs the web client's secret"
    else:
        assert config["GATEWAY_DEV_ISSUER"] == "true"
        assert config["GATEWAY_MODE"] == "development"
        assert reference.get("optional") is True
        # Its seed is public unless set: required, the gateway refuses to start without it.
        seed = env_of(named(built[overlay], "Deployment", "gateway"))["GATEWAY_DEV_ISSUER_SECRET"]
        assert seed["valueFrom"]["secretKeyRef"] == {
            "name": "tremplin-gateway-dev",
            "key": "dev-issuer-secret",
        }


def test_a_broken_deployment_fails_validation(
    overlay: str, k8s_copy, kustomize: Path, validate: Validate
):
    copy = k8s_copy()
    path = copy / "base" / "profiles" / "deployment.yaml"
    deployment = yaml.safe_load(path.read_text())
    deployment["spec"]["revisionHistoryLimit"] = "five"  # an integer field given a string
    path.write_text(yaml.safe_dump(deployment))
    broken = named(
        kustomize_build(kustomize, copy / "overlays" / overlay), "Deployment", "profiles"
    )
    with pytest.raises(InvalidManifestError, match="revisionHistoryLimit"):
        validate(broken)


def test_an_unknown_field_fails_validation(
    overlay: str, built: dict[str, list[Manifest]], validate: Validate
):
    service = dict(named(built[overlay], "Service", "gateway"))
    service["spec"] = {**service["spec"], "clusterIp": "None"}  # misspelt clusterIP
    with pytest.raises(InvalidManifestError, match="clusterIp"):
        validate(service)


def test_a_broken_custom_resource_fails_validation(
    overlay: str, built: dict[str, list[Manifest]], validate: Validate
):
    manifests = built[overlay]
    topic = of_kind(manifests, "KafkaTopic")[0]
    with pytest.raises(InvalidManifestError, match="partitions"):
        validate({**topic, "spec": {**topic["spec"], "partitions": "six"}})
    with pytest.raises(InvalidManifestError, match=r"no schema for kafka\.strimzi\.io/v1beta2"):
        validate({**topic, "apiVersion": "kafka.strimzi.io/v1beta2"})  # gone in Strimzi 1.0
    kafka = named(manifests, "Kafka", "tremplin")
    with pytest.raises(InvalidManifestError, match="listners"):
        validate({**kafka, "spec": {**kafka["spec"], "listners": []}})  # misspelt
    user = of_kind(manifests, "KafkaUser")[0]
    acl = {"resource": {"type": "topic", "name": "t"}, "operations": ["Publish"]}
    broken_user = {"type": "simple", "acls": [acl]}
    with pytest.raises(InvalidManifestError, match="Publish"):
        validate({**user, "spec": {**user["spec"], "authorization": broken_user}})
    scaled = of_kind(manifests, "ScaledObject")[0]
    with pytest.raises(InvalidManifestError, match="maxReplicaCount"):
        validate({**scaled, "spec": {**scaled["spec"], "maxReplicaCount": "six"}})
    route = of_kind(manifests, "HTTPRoute")[0]
    rule = {"matches": [{"path": {"type": "Glob", "value": "/v1/*"}}]}
    with pytest.raises(InvalidManifestError, match="Glob"):
        validate({**route, "spec": {**route["spec"], "rules": [rule]}})
