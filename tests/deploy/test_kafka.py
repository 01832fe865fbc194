"""deploy/k8s Kafka: topics = contracts, Strimzi's v1 API at the pinned Kafka version, one
KafkaUser per client with ACLs to exactly its topics and groups, KEDA on the groups the code uses.
The consumer groups are read from the services' own subscriptions, not written down here."""

import importlib
import inspect
import re
from typing import Any
from unittest.mock import Mock

import pytest
from deploy_helpers import OVERLAYS, REPO, Manifest, named, of_kind

import contracts
from servicekit.broker import make_broker
from servicekit.settings import KafkaSettings
from servicekit.topics import topic_configs

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)

CONSUMERS = ("recommender", "notifier", "gateway", "companies", "profiles", "trainings", "offers")
SCALED = ("recommender", "notifier")  # KEDA; the gateway, companies, profiles, trainings and
# offers (a trickle of erasures and profile changes) scale by their HTTP load
# What each service writes (outbox relays, dead letters), and reads outside consumer groups.
WRITES = {
    "profiles": {contracts.PROFILE_UPDATED, contracts.PROFILE_DELETED, contracts.DEAD_LETTER},
    "offers": {
        contracts.OFFER_PUBLISHED,
        contracts.OFFER_CLOSED,
        contracts.OFFER_APPLICATION_SUBMITTED,
        contracts.DEAD_LETTER,
    },
    "recommender": {
        contracts.MATCH_FOUND,
        contracts.MATCH_WITHDRAWN,
        contracts.FEEDBACK_RECORDED,
        contracts.DEAD_LETTER,
    },
    "notifier": {contracts.INBOX_UPDATED, contracts.DEAD_LETTER},
    "gateway": {contracts.DEAD_LETTER},
    "companies": {contracts.APPLICATION_SUBMITTED, contracts.DEAD_LETTER},
    "trainings": {
        contracts.TRAINING_PUBLISHED,
        contracts.TRAINING_CLOSED,
        contracts.TRAINING_RECOMMENDED,
        contracts.DEAD_LETTER,
    },
}
READS_WITHOUT_GROUP = {
    "profiles": {contracts.DEAD_LETTER},  # an erased seeker's dead letters, tombstoned
    "recommender": {contracts.FEEDBACK_RECORDED},  # python -m recommender.rebuild
    "notifier": {contracts.INBOX_UPDATED},  # live updates shared between replicas
}


def versions() -> dict[str, str]:
    lines = (REPO / "deploy" / "versions.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def subscriptions(service: str, group_id: str, replica_id: str) -> set[tuple[str, str]]:
    """(topic, consumer group) of every subscription the service's own `subscribe` makes, called
    as its main.py does: arguments matched by name, its collaborators stand-ins never called."""
    broker = make_broker(KafkaSettings(), service)
    subscribe = importlib.import_module(
        f"{service}.consumers" if service == "recommender" else f"{service}.handlers"
    ).subscribe
    settings = importlib.import_module(f"{service}.config").Settings()
    known = {
        "broker": broker,
        "group_id": group_id,
        "replica_id": replica_id,
        "suffix": "",
        "topic_suffix": "",
        "batches": getattr(settings, "batches", None),
    }
    arguments = {
        name: known[name] if name in known else Mock(name=name)
        for name, parameter in inspect.signature(subscribe).parameters.items()
        if name in known or parameter.default is inspect.Parameter.empty
    }
    subscribe(**arguments)
    return {(topic, sub.group_id) for sub in broker.subscribers for topic in sub.topic_names}


def shared_subscriptions(service: str, manifests: list[Manifest]) -> set[tuple[str, str]]:
    """Those whose group all replicas share: the same whatever the pod's name."""
    config = config_of(manifests, service)
    group_id = config.get("RECOMMENDER_GROUP_ID", "recommender")
    return subscriptions(service, group_id, "recommender-7d9f8-abcde") & subscriptions(
        service, group_id, "recommender-5c6b4-fghij"
    )


def config_of(manifests: list[Manifest], service: str) -> dict[str, str]:
    [config] = [
        m["data"]
        for m in of_kind(manifests, "ConfigMap")
        if m["metadata"]["name"].startswith(f"{service}-config")
    ]
    return config  # type: ignore[no-any-return]


def allowed(acls: list[dict[str, Any]], kind: str, name: str, operation: str) -> bool:
    for acl in acls:
        resource = acl["resource"]
        if resource["type"] != kind or operation not in acl["operations"]:
            continue
        if resource.get("patternType", "literal") == "prefix":
            if name.startswith(resource["name"]):
                return True
        elif resource["name"] in (name, "*"):
            return True
    return False


def acls_of(manifests: list[Manifest], user: str) -> list[dict[str, Any]]:
    spec = named(manifests, "KafkaUser", user)["spec"]
    assert spec["authentication"] == {"type": "scram-sha-512"}
    return spec["authorization"]["acls"]  # type: ignore[no-any-return]


def test_topics_are_those_of_the_contracts(overlay: str, built: dict[str, list[Manifest]]):
    topics = {t["metadata"]["name"]: t["spec"] for t in of_kind(built[overlay], "KafkaTopic")}
    assert sorted(topics) == sorted(contracts.ALL_TOPICS)
    replicas = 3 if overlay == "prod" else 1
    for name, spec in topics.items():
        assert spec["partitions"] == 6
        assert spec["replicas"] == replicas
        assert spec["config"]["retention.ms"] >= 24 * 3600 * 1000
        assert spec["config"]["min.insync.replicas"] <= spec["replicas"]
        # The configuration servicekit.topics gives local topics, with the production defaults.
        expected = topic_configs(name, KafkaSettings())
        assert {k: str(v) for k, v in spec["config"].items() if k in expected} == expected, name
        assert set(expected) <= set(spec["config"]), name


def test_kafka_runs_the_pinned_version_with_authentication(
    overlay: str, built: dict[str, list[Manifest]]
):
    kafka = named(built[overlay], "Kafka", "tremplin")
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1"
    assert kafka["spec"]["kafka"]["version"] == versions()["KAFKA_VERSION"]
    pom = (REPO / "deploy" / "local" / "kafka" / "pom.xml").read_text()
    local = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert local is not None
    assert local.group(1) == versions()["KAFKA_VERSION"], "the local broker runs another Kafka"
    [listener] = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert listener["authentication"] == {"type": "scram-sha-512"}
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert kafka["spec"]["kafka"]["metricsConfig"]["type"] == "jmxPrometheusExporter"
    [pool] = of_kind(built[overlay], "KafkaNodePool")
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["spec"]["replicas"] == (3 if overlay == "prod" else 1)


def test_each_service_connects_as_its_own_user_over_tls(
    overlay: str, built: dict[str, list[Manifest]]
):
    manifests = built[overlay]
    platform = next(
        m["data"]
        for m in of_kind(manifests, "ConfigMap")
        if m["metadata"]["name"].startswith("tremplin-platform")
    )
    assert platform["KAFKA_BOOTSTRAP_SERVERS"] == "tremplin-kafka-bootstrap:9093"
    for service in WRITES:
        user = config_of(manifests, service)["KAFKA_SASL_USERNAME"]
        assert user == f"kafka-{service}"
        pod = named(manifests, "Deployment", service)["spec"]["template"]["spec"]
        env = {e["name"]: e for e in pod["containers"][0]["env"]}
        secret = env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert secret == {"name": user, "key": "password"}
        acls_of(manifests, user)
        ca_dir = env["KAFKA_SSL_CAFILE"]["value"].rsplit("/", 1)[0]
        mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == ca_dir)
        volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
        assert volume["secret"]["secretName"] == "tremplin-cluster-ca-cert"


def test_acls_give_each_service_exactly_its_topics_and_groups(
    overlay: str, built: dict[str, list[Manifest]]
):
    manifests = built[overlay]
    for service, writes in WRITES.items():
        acls = acls_of(manifests, f"kafka-{service}")
        reads = READS_WITHOUT_GROUP.get(service, set())
        if service in CONSUMERS:
            group_id = config_of(manifests, service).get("RECOMMENDER_GROUP_ID", service)
            for topic, group in subscriptions(service, group_id, f"{service}-7d9f8-abcde"):
                assert allowed(acls, "group", group, "Read"), (service, group)
                reads = reads | {topic}
        for topic in contracts.ALL_TOPICS:
            assert allowed(acls, "topic", topic, "Read") == (topic in reads), (service, topic)
            assert allowed(acls, "topic", topic, "Write") == (topic in writes), (service, topic)
        assert not allowed(acls, "group", "someone-else", "Read"), service


def test_keda_watches_the_groups_the_code_shares(overlay: str, built: dict[str, list[Manifest]]):
    manifests = built[overlay]
    partitions = {
        t["metadata"]["name"]: t["spec"]["partitions"] for t in of_kind(manifests, "KafkaTopic")
    }
    keda_acls = acls_of(manifests, "kafka-keda")
    scaled = {s["metadata"]["name"]: s for s in of_kind(manifests, "ScaledObject")}
    assert set(scaled) == set(SCALED)
    for name, scaled_object in scaled.items():
        spec = scaled_object["spec"]
        assert spec["scaleTargetRef"]["name"] == name
        assert "replicas" not in named(manifests, "Deployment", name)["spec"]
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        watched = set()
        for trigger in spec["triggers"]:
            if trigger["type"] != "kafka":
                continue
            meta = trigger["metadata"]
            watched.add((meta["topic"], meta["consumerGroup"]))
            assert spec["maxReplicaCount"] <= partitions[meta["topic"]]
            assert trigger["authenticationRef"] == {"name": "kafka-keda"}
            assert allowed(keda_acls, "group", meta["consumerGroup"], "Describe")
            assert allowed(keda_acls, "topic", meta["topic"], "Describe")
        assert watched == shared_subscriptions(name, manifests), name
