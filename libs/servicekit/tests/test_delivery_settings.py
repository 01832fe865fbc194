"""At-least-once is a configuration: these fail if someone weakens it."""

from faststream import AckPolicy

from servicekit.broker import PRODUCER_OPTIONS, make_broker, subscriber
from servicekit.settings import KafkaSettings


def test_producers_wait_for_all_replicas_with_idempotence() -> None:
    assert PRODUCER_OPTIONS["acks"] == "all"
    assert PRODUCER_OPTIONS["enable_idempotence"] is True


def test_subscribers_commit_only_after_processing() -> None:
    broker = make_broker(KafkaSettings(), "test")

    @subscriber(broker, "some-topic", group_id="some-group")
    async def handle(body: bytes) -> None: ...

    [sub] = broker.subscribers
    assert sub.ack_policy not in (AckPolicy.ACK_FIRST, AckPolicy.ACK, AckPolicy.MANUAL)
    assert sub._connection_args["enable_auto_commit"] is False
    assert sub._connection_args["auto_offset_reset"] == "earliest"
    assert sub.group_id == "some-group"
