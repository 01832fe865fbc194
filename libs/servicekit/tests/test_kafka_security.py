import ssl

import certifi
import pytest
from pydantic import ValidationError

from servicekit.settings import KafkaSettings


def test_no_user_and_no_ca_is_plaintext() -> None:
    assert KafkaSettings().client_options() == {}
    assert KafkaSettings().security() is None


def test_a_user_and_a_ca_make_scram_over_tls() -> None:
    settings = KafkaSettings(
        sasl_username="kafka-profiles", sasl_password="s3cret", ssl_cafile=certifi.where()
    )
    options = settings.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "kafka-profiles"
    assert options["sasl_plain_password"] == "s3cret"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert "s3cret" not in repr(settings)


def test_a_user_without_tls_is_scram_in_plaintext() -> None:
    options = KafkaSettings(sasl_username="u", sasl_password="p").client_options()
    assert options["security_protocol"] == "SASL_PLAINTEXT"


def test_a_user_needs_a_password() -> None:
    with pytest.raises(ValidationError, match="go together"):
        KafkaSettings(sasl_username="kafka-profiles")
