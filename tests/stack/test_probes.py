"""The probes: a port, a process in /proc, HTTP readiness, and the Kafka and MongoDB protocols
(against the real broker and FerretDB of the run)."""

import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from stacklib import probes
from testkit.stack import kafka_address, mongo_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Ready(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health/ready" else 503)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = HTTPServer(("127.0.0.1", 0), Ready)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


def test_a_port_is_open_only_while_something_listens(server: int) -> None:
    assert probes.port_open(server)
    assert not probes.port_open(free_port())


def test_ready_means_the_path_answers_200(server: int) -> None:
    assert probes.http_ready(server)
    assert not probes.http_ready(server, "/health/live-but-not-here")
    assert not probes.http_ready(free_port())


def test_this_process_is_alive_and_its_command_line_is_read() -> None:
    assert probes.proc_alive(os.getpid())
    cmdline = probes.proc_cmdline(os.getpid())
    assert cmdline is not None
    assert any("pytest" in part for part in cmdline)


def test_nothing_listening_is_no_broker_and_no_database() -> None:
    port = free_port()
    assert probes.kafka_brokers(port) == 0
    assert not probes.mongo_ping(port)


def port_of(address: str) -> int:
    return int(address.rstrip("/").rsplit(":", 1)[1])


@pytest.mark.integration
def test_the_running_broker_is_listed_and_the_store_answers_a_ping() -> None:
    assert probes.kafka_brokers(port_of(kafka_address())) >= 1
    assert probes.mongo_ping(port_of(mongo_url()))
