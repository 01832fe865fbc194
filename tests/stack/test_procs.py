"""What each process is: its environment, its own command line, its pid file."""

import os
from pathlib import Path

import pytest
from stacklib import console, procs, settings


def test_a_harness_may_serve_its_own_composition_of_a_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TREMPLIN_STACK_APP_NOTIFIER", "chaoslib.outbox_crash:app")
    served = {p.name: (p.module, p.port) for p in procs.service_procs()}
    assert served["notifier"][0] == "chaoslib.outbox_crash:app"
    assert served["gateway"] == ("gateway.main:app", settings.SERVICE_PORT_BASE)


def test_every_reader_of_an_address_is_pointed_at_this_stack() -> None:
    urls = procs.service_urls()
    for name, _, offset in settings.SERVICES:
        for variable in settings.SERVICE_URL_VARIABLES[name]:
            assert urls[variable] == f"http://127.0.0.1:{settings.SERVICE_PORT_BASE + offset}"


def test_a_service_is_started_in_development_mode_against_this_stack() -> None:
    env = procs.service_procs()[0].env()
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == settings.KAFKA_BOOTSTRAP
    assert env["MONGO_URL"] == settings.MONGO_URL
    assert env[settings.DEVELOPMENT_VARIABLE] == os.environ.get(
        settings.DEVELOPMENT_VARIABLE, "true"
    )
    assert env["PYTHONUNBUFFERED"] == "1"


def test_only_its_own_command_line_is_recognised() -> None:
    gateway = procs.service_procs()[0]
    assert gateway.matches([".venv/bin/uvicorn", "gateway.main:app", "--port", "8000"])
    assert not gateway.matches(["python", "gateway.main:app"])
    ferretdb = procs.infra_procs()[1]
    assert ferretdb.matches([str(settings.FERRETDB_BIN), "-listen-addr=127.0.0.1:1"])
    assert not ferretdb.matches(["/usr/bin/ferretdb"])


def test_a_stale_pid_file_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "RUN_DIR", tmp_path)
    gateway = procs.service_procs()[0]
    gateway.pidfile.write_text(f"{os.getpid()}\nport=9999\n")  # alive, but not a uvicorn
    assert gateway.read_pid() == os.getpid()
    assert gateway.running_pid() is None
    assert not gateway.pidfile.exists()


def test_the_ready_timeout_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "SERVICE_READY_TIMEOUT", 300.0)
    assert procs.service_procs()[0].ready_timeout == 300.0
    assert procs.infra_procs()[0].ready_timeout == settings.KAFKA_READY_TIMEOUT
