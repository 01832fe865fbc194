"""A breaking change of an event's schema must fail here first: additive changes only."""

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from contracts import EVENT_TYPES, Envelope, EventPayload


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("payload_type", EVENT_TYPES, ids=lambda t: t.event_type)
def test_event_schema_is_unchanged(
    payload_type: type[EventPayload], snapshot_json: SnapshotAssertion
) -> None:
    assert Envelope[payload_type].model_json_schema() == snapshot_json  # type: ignore[valid-type]
