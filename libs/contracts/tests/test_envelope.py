from datetime import UTC, datetime

import pytest

from contracts import (
    EVENT_TYPES,
    OFFER_CLOSED,
    EventPayload,
    OfferClosed,
    PoisonMessage,
    ProfileDeleted,
    decode,
    encode,
    headers_for,
    new_envelope,
)
from contracts.vocabulary import ClosureReason


def closed() -> OfferClosed:
    return OfferClosed(offer_id="o-1", reason=ClosureReason.FILLED, closed_at=datetime.now(UTC))


def test_envelope_round_trips_through_bytes() -> None:
    envelope = new_envelope(closed(), producer="offers")

    decoded = decode(encode(envelope), OfferClosed)

    assert decoded == envelope
    assert decoded.key == "o-1"
    assert decoded.event_type == OFFER_CLOSED
    assert decoded.schema_version == 1


@pytest.mark.parametrize("payload_type", EVENT_TYPES, ids=lambda t: t.event_type)
def test_each_event_is_on_its_own_topic_keyed_by_one_of_its_id_fields(
    payload_type: type[EventPayload],
) -> None:
    assert payload_type.topic == payload_type.event_type
    assert payload_type.model_fields[payload_type.key_field].annotation is str


def test_each_envelope_gets_its_own_id() -> None:
    assert (
        new_envelope(closed(), producer="x").event_id
        != new_envelope(closed(), producer="x").event_id
    )


def test_headers_repeat_what_routing_needs() -> None:
    envelope = new_envelope(closed(), producer="offers")

    assert headers_for(envelope)["event_type"] == OFFER_CLOSED
    assert headers_for(envelope)["event_id"] == str(envelope.event_id)


def test_unknown_fields_are_ignored_so_producers_can_add_fields() -> None:
    raw = encode(new_envelope(closed(), producer="offers")).replace(
        b'"payload":{', b'"payload":{"new_field":42,'
    )

    assert decode(raw, OfferClosed).payload.offer_id == "o-1"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"{not json", "Invalid JSON"),
        (b'{"event_type": "offer-closed"}', "payload: Field required"),
    ],
)
def test_broken_messages_are_poison_with_a_reason(raw: bytes, says: str) -> None:
    with pytest.raises(PoisonMessage, match=says):
        decode(raw, OfferClosed)


def test_a_newer_schema_version_is_poison_on_the_old_topic() -> None:
    raw = encode(new_envelope(closed(), producer="offers")).replace(
        b'"schema_version":1', b'"schema_version":2'
    )

    with pytest.raises(PoisonMessage, match="schema_version 2 is not supported"):
        decode(raw, OfferClosed)


def test_an_event_of_another_type_is_poison() -> None:
    raw = encode(new_envelope(closed(), producer="offers"))

    with pytest.raises(PoisonMessage, match="invalid event"):
        decode(raw, ProfileDeleted)
