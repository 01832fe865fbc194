"""Starting and stopping: a port held by a stranger is refused, stopping what is not running is
nothing, and the log follower names each line's process."""

import socket
from pathlib import Path

import pytest
from stacklib import console, logs, procs, settings, supervise


def test_a_port_held_by_a_stranger_is_refused_with_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "RUN_DIR", tmp_path)
    with socket.socket() as stranger:
        stranger.bind(("127.0.0.1", 0))
        stranger.listen()
        port = stranger.getsockname()[1]
        proc = procs.Proc("profiles", "service", port, "profiles.main:app")
        with pytest.raises(settings.StackError, match=f"port {port} is already in use"):
            supervise.check_ports_free(proc)
    supervise.check_ports_free(proc)  # free again


def test_stopping_what_is_not_running_does_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "RUN_DIR", tmp_path)
    proc = procs.Proc("profiles", "service", 1, "profiles.main:app")
    supervise.stop([proc], quiet=True)
    assert proc.running_pid() is None


def test_the_follower_prints_each_new_line_under_its_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(console, "LOG_DIR", tmp_path)
    kafka, gateway = procs.infra_procs()[0], procs.service_procs()[0]
    kafka.log.write_text("old\n")
    follower = logs.LogFollower([kafka, gateway], {"kafka": len("old\n")})
    try:
        kafka.log.write_text("old\nstarted\nhalf")
        gateway.log.write_text("ready\n")
        assert follower.pump()
        assert not follower.pump()
    finally:
        follower.close()
    assert capsys.readouterr().out.splitlines() == ["kafka   | started", "gateway | ready"]
