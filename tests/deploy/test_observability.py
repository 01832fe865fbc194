"""deploy/observability: the dashboard and the alert rules speak of metrics the services export,
every alert has its runbook section, the monitoring resources validate, and no public route
reaches /metrics."""

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_helpers import (
    OVERLAYS,
    REPO,
    SERVICES,
    Manifest,
    Validate,
    kustomize_build,
    named,
    of_kind,
)

from servicekit.metrics import metric_names

OBSERVABILITY = REPO / "deploy" / "observability"
OPERATIONS = REPO / "docs" / "operations.md"
# Series Prometheus makes itself, not the services.
SYNTHETIC = {"up", "scrape_duration_seconds"}
PROMQL_WORDS = {
    "sum", "avg", "min", "max", "count", "rate", "irate", "increase", "histogram_quantile",
    "topk", "bottomk", "by", "without", "on", "ignoring", "group_left", "group_right", "and",
    "or", "unless", "bool", "offset", "abs", "clamp_min", "clamp_max", "delta", "deriv",
    "absent", "vector", "scalar", "time", "le", "inf",
}  # fmt: skip


@pytest.fixture(scope="module")
def exported() -> set[str]:
    """What the five services export, read from the registry once their apps are built."""
    for service in SERVICES:
        importlib.import_module(f"{service}.main").create_app()
    return metric_names()


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((OBSERVABILITY / "prometheus-rules.yaml").read_text())
    return [rule for group in document["spec"]["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def kafka_rules() -> list[dict[str, Any]]:
    documents = yaml.safe_load_all((OBSERVABILITY / "kafka.yaml").read_text())
    [rules] = [d for d in documents if d["kind"] == "PrometheusRule"]
    return [rule for group in rules["spec"]["groups"] for rule in group["rules"]]


def kafka_exported() -> set[str]:
    """The series the brokers' JMX exporter rules name (deploy/k8s/base/kafka/metrics.yaml)."""
    configmap = yaml.safe_load((REPO / "deploy/k8s/base/kafka/metrics.yaml").read_text())
    config = yaml.safe_load(configmap["data"]["kafka-metrics-config.yml"])
    names = set()
    for rule in config["rules"]:
        choices = re.search(r"name=\(([^)]*)\)", rule["pattern"])
        for choice in choices.group(1).split("|") if choices and "$1" in rule["name"] else [""]:
            names.add(rule["name"].replace("$1", choice).lower())
    return names


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())


def metrics_in(expr: str) -> set[str]:
    """The series names an expression reads (label matchers, ranges and groupings left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name = match.group(0)
        following = text[match.end() :].lstrip()
        if name.lower() in PROMQL_WORDS or following.startswith("("):
            continue
        if re.fullmatch(r"\d+[smhdwy]", name) or name.startswith("$"):
            continue
        names.add(name)
    return names


def headings(markdown: str) -> set[str]:
    """GitHub's anchors of the document's headings."""
    anchors = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_the_expression_reader_finds_metrics_and_nothing_else() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (service, le) (rate(tremplin_x_bucket{route!~".*/s",'
        ' le="1"}[5m]))) / on (service) sum(up{service="a"}) > 0.5'
    )
    assert metrics_in(expr) == {"tremplin_x_bucket", "up"}


def test_every_dashboard_panel_reads_metrics_the_services_export(
    dashboard: dict[str, Any], exported: set[str]
) -> None:
    panels = dashboard["panels"]
    assert len(panels) >= 10
    assert len({p["id"] for p in panels}) == len(panels)
    read = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = metrics_in(target["expr"])
            assert names, (panel["title"], target["expr"])
            assert names <= exported | SYNTHETIC, (panel["title"], names - exported)
            read |= names
    # The figures the operators asked for are all on it.
    for family in (
        "tremplin_http_request_duration_seconds_bucket",
        "tremplin_events_processed_total",
        "tremplin_consumer_lag_records",
        "tremplin_dead_lettered_total",
        "tremplin_dead_letter_depth_records",
        "tremplin_outbox_delay_seconds_bucket",
        "tremplin_recommender_matches_total",
        "tremplin_notifier_alerts_total",
    ):
        assert family in read, family


def test_every_rule_reads_exported_metrics_and_every_alert_has_a_summary_and_a_runbook(
    rules: list[dict[str, Any]], exported: set[str]
) -> None:
    alerts = [r for r in rules if "alert" in r]
    assert len(alerts) >= 6
    assert len({a["alert"] for a in alerts}) == len(alerts)
    anchors = headings(OPERATIONS.read_text())
    for rule in rules:
        names = metrics_in(rule["expr"])
        assert names, rule
        assert names <= exported | SYNTHETIC, (rule.get("alert") or rule["record"], names)
    for alert in alerts:
        annotations = alert["annotations"]
        assert annotations["summary"].strip(), alert["alert"]
        assert alert["labels"]["severity"] in {"critical", "warning"}
        document, _, anchor = annotations["runbook_url"].partition("#")
        assert (REPO / document).resolve() == OPERATIONS.resolve(), alert["alert"]
        assert anchor == alert["alert"].lower(), alert["alert"]
        assert anchor in anchors, f"no section {alert['alert']} in docs/operations.md"


def test_every_kafka_alert_reads_what_the_brokers_export_and_has_a_runbook(
    kafka_rules: list[dict[str, Any]],
) -> None:
    exported = kafka_exported()
    assert "kafka_server_replicamanager_underreplicatedpartitions" in exported
    anchors = headings(OPERATIONS.read_text())
    assert len(kafka_rules) >= 4
    for rule in kafka_rules:
        assert metrics_in(rule["expr"]) <= exported, rule["alert"]
        assert rule["annotations"]["runbook_url"] == f"docs/operations.md#{rule['alert'].lower()}"
        assert rule["alert"].lower() in anchors, f"no section {rule['alert']} in docs/operations.md"


def test_the_monitoring_resources_build_and_validate(kustomize: Path, validate: Validate) -> None:
    manifests = kustomize_build(kustomize, OBSERVABILITY)
    for manifest in manifests:
        validate(manifest)
    monitors = of_kind(manifests, "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} == set(SERVICES)
    for monitor in monitors:
        [endpoint] = monitor["spec"]["endpoints"]
        assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
    [brokers] = of_kind(manifests, "PodMonitor")
    assert brokers["spec"]["podMetricsEndpoints"][0]["port"] == "tcp-prometheus"
    [dashboard] = of_kind(manifests, "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    json.loads(dashboard["data"]["grafana-dashboard.json"])
    [policy] = of_kind(manifests, "NetworkPolicy")
    [rule] = policy["spec"]["ingress"]
    assert [peer["namespaceSelector"] for peer in rule["from"]] == [
        {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    ]
    assert {p["port"] for p in rule["ports"]} == set(SERVICES.values())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_public_route_reaches_no_metrics_nor_health(
    overlay: str, built: dict[str, list[Manifest]]
) -> None:
    route = named(built[overlay], "HTTPRoute", "gateway")
    paths = {
        (match["path"]["value"], match["path"]["type"])
        for rule in route["spec"]["rules"]
        for match in rule["matches"]
    }
    assert ("/v1", "PathPrefix") in paths
    for path, kind in paths:
        assert path != "/", "the whole gateway, /metrics included, would be public"
        assert not "/metrics".startswith(path) or kind == "Exact", path
        assert not path.startswith(("/metrics", "/health")), path
