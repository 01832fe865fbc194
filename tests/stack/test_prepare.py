"""Preparing is cached: once Kafka's jars, FerretDB and the web assets are in place (the run's
`make bootstrap` put them there), preparing again changes nothing."""

import pytest
from stacklib import prepare, settings, web_assets


def test_kafka_and_ferretdb_are_not_fetched_or_built_twice() -> None:
    assert prepare.prepare_kafka()[0] is False
    assert prepare.prepare_ferretdb()[0] is False
    assert any(settings.KAFKA_LIBS.glob("kafka_*.jar"))
    assert settings.FERRETDB_BIN.exists()


def test_the_web_assets_are_not_installed_twice() -> None:
    assert web_assets.prepare_web_modules()[0] is False


def test_a_missing_tool_is_named_with_its_use() -> None:
    with pytest.raises(settings.StackError, match="`no-such-tool` not found on PATH; it is needed"):
        prepare.require_tool("no-such-tool", "test the message")


def test_the_consent_to_the_design_system_is_the_deployers_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DSFR_ACCEPT_LICENSE", raising=False)
    before = web_assets.dsfr_consent()
    monkeypatch.setenv("DSFR_ACCEPT_LICENSE", "1")
    assert web_assets.dsfr_consent() != before
