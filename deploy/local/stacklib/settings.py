"""Where the local stack lives and listens: paths, ports, services, time limits."""

from __future__ import annotations

import os
from pathlib import Path

# --------------------------------------------------------------------------------------
# The Python services: (name, ASGI app, port offset from SERVICE_PORT_BASE). The one place to edit.
# --------------------------------------------------------------------------------------
SERVICES: list[tuple[str, str, int]] = [
    ("gateway", "gateway.main:app", 0),
    ("profiles", "profiles.main:app", 1),
    ("offers", "offers.main:app", 2),
    ("recommender", "recommender.main:app", 3),
    ("notifier", "notifier.main:app", 4),
    ("companies", "companies.main:app", 5),
    ("trainings", "trainings.main:app", 6),
]
# Who reads the address of which service: the services' own settings, the end-to-end tests and
# benchmarks (GATEWAY_URL), the operator's CLI (TREMPLIN_<SERVICE>_URL).
SERVICE_URL_VARIABLES: dict[str, tuple[str, ...]] = {
    "gateway": ("GATEWAY_URL", "TREMPLIN_GATEWAY_URL"),
    "profiles": ("GATEWAY_PROFILES_URL", "NOTIFIER_PROFILES_URL", "TREMPLIN_PROFILES_URL"),
    "offers": ("GATEWAY_OFFERS_URL", "NOTIFIER_OFFERS_URL", "TREMPLIN_OFFERS_URL"),
    "recommender": ("GATEWAY_RECOMMENDER_URL", "TREMPLIN_RECOMMENDER_URL"),
    "notifier": ("GATEWAY_NOTIFIER_URL", "TREMPLIN_NOTIFIER_URL"),
    "companies": ("GATEWAY_COMPANIES_URL", "NOTIFIER_COMPANIES_URL", "TREMPLIN_COMPANIES_URL"),
    "trainings": ("GATEWAY_TRAININGS_URL", "TREMPLIN_TRAININGS_URL"),
}
SERVICE_READY_PATH = "/health/ready"

# Time limits (seconds).
KAFKA_READY_TIMEOUT = 120.0
FERRETDB_READY_TIMEOUT = 60.0
SERVICE_READY_TIMEOUT = 60.0
TOPICS_HOOK_TIMEOUT = 180.0
STOP_TIMEOUT = 15.0
KAFKA_STOP_TIMEOUT = 20.0
LOG_TAIL_LINES = 30

# --------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------
HERE = Path(__file__).resolve().parents[1]  # <repo>/deploy/local
REPO = HERE.parent.parent
LOCAL = Path(os.environ.get("TREMPLIN_LOCAL_DIR") or REPO / ".local").expanduser().resolve()

KAFKA_POM = HERE / "kafka" / "pom.xml"
KAFKA_PROPS_TEMPLATE = HERE / "kafka" / "server.properties.template"
KAFKA_LOG4J = HERE / "kafka" / "log4j2.properties"
FERRETDB_SRC = HERE / "ferretdb"

KAFKA_LIBS = LOCAL / "kafka" / "libs"
KAFKA_PROPS = LOCAL / "kafka" / "server.properties"
FERRETDB_BIN = LOCAL / "bin" / "ferretdb"
DATA = LOCAL / "data"
KAFKA_DATA = DATA / "kafka"
KAFKA_FORMAT_INFO = DATA / "kafka.format"  # controller port the log dir was formatted for
FERRETDB_DATA = DATA / "ferretdb"
LOG_DIR = LOCAL / "log"
RUN_DIR = LOCAL / "run"

VENV = REPO / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
VENV_UVICORN = VENV / "bin" / "uvicorn"

MAVEN_DEP_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies"


def env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"stack.py: {name}={raw!r} is not a port number") from None
    if not 0 < port < 65536:
        raise SystemExit(f"stack.py: {name}={raw!r} is out of range")
    return port


# The services' explicit development mode (servicekit.auth): without it, a service given no
# secret refuses to start.
DEVELOPMENT_VARIABLE = "TREMPLIN_DEVELOPMENT"

KAFKA_PORT = env_port("KAFKA_PORT", 9092)
KAFKA_CONTROLLER_PORT = env_port("KAFKA_CONTROLLER_PORT", 9093)
FERRETDB_PORT = env_port("FERRETDB_PORT", 27017)
# A second stack on the same machine (another working tree) moves every service with this.
SERVICE_PORT_BASE = env_port("SERVICE_PORT_BASE", 8000)
OIDC_PROVIDER_PORT = env_port("OIDC_PROVIDER_PORT", 8010)
KAFKA_BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"


def service_url(name: str) -> str:
    """Where this stack serves the service `name` (SERVICE_PORT_BASE and its offset)."""
    offset = next(offset for service, _, offset in SERVICES if service == name)
    return f"http://127.0.0.1:{SERVICE_PORT_BASE + offset}"


MONGO_URL = f"mongodb://127.0.0.1:{FERRETDB_PORT}/"


class StackError(Exception):
    """A step failed; the message says what to look at."""
