"""The harness's SMTP and webhook sinks, fed by the notifier's own senders: every message is
identified by the delivery it belongs to. Local sockets only (no Kafka, no MongoDB)."""

import socket

import pytest
from chaoslib.checker import parse_key
from chaoslib.sinks import Inboxes, SmtpSink, WebhookSink, port_free

from notifier.channels import EmailSender, Outgoing, WebhookSender
from notifier.config import SmtpSettings
from notifier.domain.templates import Message

pytestmark = pytest.mark.integration

DELIVERY = "chaos-ab12cd34-s00003:chaos-ab12cd34-o000042"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_an_email_is_identified_by_its_message_id() -> None:
    inboxes, port = Inboxes(), free_port()
    sink = SmtpSink(inboxes, "127.0.0.1", port)
    sink.start()
    try:
        sender = EmailSender(SmtpSettings(host="127.0.0.1", port=port))
        message = Message(title="Une offre", body="Corps", short="Court")
        await sender.send(Outgoing(f"{DELIVERY}:email", "a@example.org", message, "fr"))
    finally:
        sink.stop()

    [reception] = inboxes.snapshot()
    assert reception.channel == "email"
    assert parse_key(reception.key) == (*DELIVERY.split(":"), "email")


async def test_push_and_sms_are_identified_by_their_idempotency_key() -> None:
    inboxes = Inboxes()
    push_url = f"http://127.0.0.1:{free_port()}/push"
    sms_url = f"http://127.0.0.1:{free_port()}/sms"
    push, sms = WebhookSink(inboxes, "push", push_url), WebhookSink(inboxes, "sms", sms_url)
    await push.start()
    await sms.start()
    message = Message(title="Une offre", body="Corps", short="Court")
    try:
        for url, channel, field in ((push_url, "push", "token"), (sms_url, "sms", "phone")):
            sender = WebhookSender(url, None, 5.0, field)
            await sender.send(Outgoing(f"{DELIVERY}:{channel}", "addr", message, "fr"))
            await sender.send(Outgoing(f"{DELIVERY}:{channel}", "addr", message, "fr"))
            await sender.close()
    finally:
        await push.stop()
        await sms.stop()

    keys = [(r.channel, r.key) for r in inboxes.snapshot()]
    assert keys == [
        ("push", f"{DELIVERY}:push"),
        ("push", f"{DELIVERY}:push"),
        ("sms", f"{DELIVERY}:sms"),
        ("sms", f"{DELIVERY}:sms"),
    ]
    assert inboxes.unidentified == 0


def test_a_taken_port_is_seen_as_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert not port_free("127.0.0.1", taken.getsockname()[1])
    assert port_free("127.0.0.1", free_port())
