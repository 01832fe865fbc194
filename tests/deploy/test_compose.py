"""deploy/compose/compose.yaml against the Compose specification's JSON schema, plus our rules.

The schema is the one shipped in the last Python docker-compose release (1.29.2), fetched by
deploy/tools/compose-schema.sh: it predates some newer keys, which this file therefore avoids.
"""

import json
from typing import Any

import jsonschema
import pytest
import yaml
from deploy_helpers import REPO, SERVICES, tool

COMPOSE = REPO / "deploy" / "compose" / "compose.yaml"


@pytest.fixture(scope="session")
def compose_validator() -> jsonschema.Draft201909Validator:
    schema = json.loads(tool("compose-schema.sh").read_text())
    return jsonschema.Draft201909Validator(schema)


@pytest.fixture
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def errors(validator: jsonschema.Draft201909Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_follows_the_specification(compose_validator, compose):
    assert errors(compose_validator, compose) == []


def test_schema_rejects_a_broken_compose_file(compose_validator, compose):
    compose["services"]["gateway"]["portz"] = ["8000:8000"]  # unknown key
    compose["services"]["offers"]["read_only"] = "sometimes"  # boolean expected
    found = errors(compose_validator, compose)
    assert any("portz" in error for error in found)
    assert any("read_only" in error or "sometimes" in error for error in found)


def test_only_the_gateway_is_published(compose):
    published = {name for name, svc in compose["services"].items() if svc.get("ports")}
    assert published == {"gateway"}
    assert compose["services"]["gateway"]["ports"] == ["127.0.0.1:8000:8000"]


def test_every_service_is_wired_to_kafka_and_mongodb(compose):
    for name in SERVICES:
        service = compose["services"][name]
        env = service["environment"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["MONGO_URL"] == "mongodb://mongodb:27017/?replicaSet=rs0&w=majority"
        assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert service["build"]["args"]["SERVICE"] == name
        assert service["read_only"] is True
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert compose["services"]["gateway"]["environment"]["GATEWAY_DEV_ISSUER"] == "true"


def test_infrastructure_is_kraft_kafka_and_a_mongodb_replica_set(compose):
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in json.dumps(compose).lower()
    mongodb = compose["services"]["mongodb"]
    assert mongodb["image"].startswith("mongo:7")
    assert "--replSet" in mongodb["command"]
    for service in compose["services"].values():
        image = service.get("image", "")
        assert ":" in image
        assert not image.endswith(":latest")
