"""What each process is: its command line, environment, readiness and pid file."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import oidc_provider

from stacklib import settings
from stacklib.console import log_path, pid_path
from stacklib.prepare import java_bin
from stacklib.probes import (
    http_ready,
    kafka_brokers,
    mongo_ping,
    port_open,
    proc_alive,
    proc_cmdline,
)
from stacklib.settings import (
    DEVELOPMENT_VARIABLE,
    FERRETDB_BIN,
    FERRETDB_DATA,
    FERRETDB_PORT,
    FERRETDB_READY_TIMEOUT,
    KAFKA_BOOTSTRAP,
    KAFKA_LIBS,
    KAFKA_LOG4J,
    KAFKA_PORT,
    KAFKA_PROPS,
    KAFKA_READY_TIMEOUT,
    KAFKA_STOP_TIMEOUT,
    LOG_DIR,
    MONGO_URL,
    OIDC_PROVIDER_PORT,
    SERVICE_PORT_BASE,
    SERVICE_READY_PATH,
    SERVICE_URL_VARIABLES,
    SERVICES,
    STOP_TIMEOUT,
    VENV_UVICORN,
    StackError,
    service_url,
)


# --------------------------------------------------------------------------------------
# Process specifications
# --------------------------------------------------------------------------------------
@dataclass
class Proc:
    name: str
    kind: str  # "infra" or "service"
    port: int
    module: str = ""  # services only
    popen: subprocess.Popen | None = field(default=None, repr=False)

    # ---- command line -----------------------------------------------------------
    def argv(self) -> list[str]:
        if self.name == "kafka":
            heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xms256m -Xmx512m").split()
            return [
                java_bin(),
                *heap,
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={KAFKA_LOG4J}",
                f"-Dtremplin.kafka.log.file={log_path('kafka')}",
                f"-Dkafka.logs.dir={LOG_DIR}",
                "-cp",
                f"{KAFKA_LIBS}/*",
                "kafka.Kafka",
                str(KAFKA_PROPS),
            ]
        if self.name == "oidc":
            try:
                return oidc_provider.argv()
            except RuntimeError as error:
                raise StackError(str(error)) from None
        if self.name == "ferretdb":
            return [
                str(FERRETDB_BIN),
                f"-listen-addr=127.0.0.1:{self.port}",
                f"-data-dir={FERRETDB_DATA}",
            ]
        return [str(VENV_UVICORN), self.module, "--host", "127.0.0.1", "--port", str(self.port)]

    def matches(self, cmdline: list[str]) -> bool:
        """Is this command line one we started for this process?"""
        if self.name == "kafka":
            return "kafka.Kafka" in cmdline and str(KAFKA_PROPS) in cmdline
        if self.name == "ferretdb":
            return bool(cmdline) and cmdline[0] == str(FERRETDB_BIN)
        if self.name == "oidc":
            return str(oidc_provider.SCRIPT) in cmdline
        return self.module in cmdline and any(a.endswith("uvicorn") for a in cmdline)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["KAFKA_BOOTSTRAP_SERVERS"] = KAFKA_BOOTSTRAP
        env["MONGO_URL"] = MONGO_URL
        # A local run is a development run: the public development secret signs internal tokens,
        # and the gateway mints tokens for the demo accounts.
        env.setdefault(DEVELOPMENT_VARIABLE, "true")
        env.setdefault("GATEWAY_DEV_ISSUER", "true")
        # ... and its pages sign people in through the local OpenID provider as well.
        for name, value in oidc_provider.gateway_settings().items():
            env.setdefault(name, value)
        env["OIDC_PROVIDER_PORT"] = str(OIDC_PROVIDER_PORT)
        env["OIDC_GATEWAY_URL"] = f"http://127.0.0.1:{SERVICE_PORT_BASE}"
        env.update(service_urls())
        if self.kind == "service":
            env["PYTHONUNBUFFERED"] = "1"
        return env

    @property
    def log(self) -> Path:
        return log_path(self.name)

    @property
    def pidfile(self) -> Path:
        return pid_path(self.name)

    @property
    def address(self) -> str:
        if self.name == "kafka":
            return f"127.0.0.1:{self.port}"
        if self.name == "ferretdb":
            return f"mongodb://127.0.0.1:{self.port}/"
        return f"http://127.0.0.1:{self.port}"  # the OpenID provider's issuer too

    @property
    def port_env(self) -> str:
        ports = {"kafka": "KAFKA_PORT", "ferretdb": "FERRETDB_PORT", "oidc": "OIDC_PROVIDER_PORT"}
        return ports.get(self.name, "")

    @property
    def ready_timeout(self) -> float:
        return {"kafka": KAFKA_READY_TIMEOUT, "ferretdb": FERRETDB_READY_TIMEOUT}.get(
            self.name, settings.SERVICE_READY_TIMEOUT
        )

    @property
    def stop_timeout(self) -> float:
        return KAFKA_STOP_TIMEOUT if self.name == "kafka" else STOP_TIMEOUT

    # ---- readiness ----------------------------------------------------------------
    def ready(self) -> bool:
        if self.name == "ferretdb":
            # No bare connect/close probe first: FerretDB logs a warning for each one.
            return mongo_ping(self.port)
        if not port_open(self.port):
            return False
        if self.name == "kafka":
            return kafka_brokers(self.port) >= 1
        if self.name == "oidc":
            return http_ready(self.port, oidc_provider.DISCOVERY)
        return http_ready(self.port)

    def ready_what(self) -> str:
        if self.name == "kafka":
            return f"port {self.port} open and the broker listed in a Metadata response"
        if self.name == "ferretdb":
            return f"port {self.port} open and a MongoDB ping answered"
        if self.name == "oidc":
            return f"GET http://127.0.0.1:{self.port}{oidc_provider.DISCOVERY} answering 200"
        return f"GET http://127.0.0.1:{self.port}{SERVICE_READY_PATH} answering 200"

    # ---- pid file -------------------------------------------------------------------
    def read_pid(self) -> int | None:
        try:
            first = self.pidfile.read_text().split()[0]
            return int(first)
        except (OSError, IndexError, ValueError):
            return None

    def _recorded_port(self) -> int | None:
        try:
            for line in self.pidfile.read_text().splitlines()[1:]:
                key, _, value = line.partition("=")
                if key.strip() == "port":
                    return int(value)
        except (OSError, ValueError):
            pass
        return None

    def running_pid(self) -> int | None:
        """Pid of our live process, or None. Removes a stale pid file."""
        pid = self.read_pid()
        if pid is None:
            if self.pidfile.exists():
                self.pidfile.unlink(missing_ok=True)
            return None
        if proc_alive(pid):
            cmd = proc_cmdline(pid)
            if cmd is not None and self.matches(cmd):
                self.port = self._recorded_port() or self.port  # the port it was started with
                return pid
        self.pidfile.unlink(missing_ok=True)  # process gone, or pid reused by another program
        return None


def infra_procs() -> list[Proc]:
    return [Proc("kafka", "infra", KAFKA_PORT), Proc("ferretdb", "infra", FERRETDB_PORT)]


def provider_procs() -> list[Proc]:
    """The local OpenID provider: started with the services, never with --infra-only."""
    return [Proc("oidc", "provider", OIDC_PROVIDER_PORT)]


def service_procs() -> list[Proc]:
    return [
        # A harness may serve its own composition of a service (the chaos run's outbox fault).
        Proc(
            name,
            "service",
            SERVICE_PORT_BASE + offset,
            os.environ.get(f"TREMPLIN_STACK_APP_{name.upper()}") or module,
        )
        for name, module, offset in SERVICES
    ]


def service_urls() -> dict[str, str]:
    """The *_URL variables that point every reader at the services of this stack."""
    return {
        variable: service_url(name)
        for name, _, _ in SERVICES
        for variable in SERVICE_URL_VARIABLES[name]
    }


def all_procs() -> list[Proc]:
    return infra_procs() + provider_procs() + service_procs()
