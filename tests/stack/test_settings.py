"""Where the stack listens: ports from the environment, checked; one table of services."""

import pytest
from stacklib import settings


def test_a_port_comes_from_the_environment_or_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOME_PORT", raising=False)
    assert settings.env_port("SOME_PORT", 9092) == 9092
    monkeypatch.setenv("SOME_PORT", " 19092 ")
    assert settings.env_port("SOME_PORT", 9092) == 19092


@pytest.mark.parametrize(
    ("raw", "says"), [("kafka", "not a port number"), ("70000", "out of range")]
)
def test_a_wrong_port_stops_the_stack_with_its_name(
    monkeypatch: pytest.MonkeyPatch, raw: str, says: str
) -> None:
    monkeypatch.setenv("SOME_PORT", raw)
    with pytest.raises(SystemExit, match=f"SOME_PORT={raw!r} is {says}"):
        settings.env_port("SOME_PORT", 9092)


def test_every_service_has_its_own_port_and_its_readers() -> None:
    offsets = [offset for _, _, offset in settings.SERVICES]
    assert len(set(offsets)) == len(offsets)
    assert {name for name, _, _ in settings.SERVICES} == set(settings.SERVICE_URL_VARIABLES)
