"""Real receivers on the notifier's default channel addresses: an SMTP server and two webhooks.

They record every message with the delivery id it carries (the email's Message-ID, the webhooks'
Idempotency-Key) and answer as a provider would: 250 / 200. Nothing personal is kept or printed:
only the channel and the delivery id.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable
from email import message_from_bytes
from typing import Any
from urllib.parse import urlsplit

from chaoslib.checker import Reception, key_from_message_id

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Inboxes:
    """What the sinks received, safe to append to from the SMTP thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._receptions: list[Reception] = []
        self.unidentified = 0

    def add(self, channel: str, key: str | None) -> None:
        with self._lock:
            if key is None:
                self.unidentified += 1
            else:
                self._receptions.append(Reception(channel, key))

    def snapshot(self) -> list[Reception]:
        with self._lock:
            return list(self._receptions)

    def __len__(self) -> int:
        with self._lock:
            return len(self._receptions)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class _SmtpHandler:
    def __init__(self, inboxes: Inboxes) -> None:
        self.inboxes = inboxes

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content)
        message_id = message.get("Message-ID")
        self.inboxes.add("email", key_from_message_id(message_id) if message_id else None)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, inboxes: Inboxes, host: str, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_SmtpHandler(inboxes), hostname=host, port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.controller.stop()


def webhook_app(
    inboxes: Inboxes, channel: str
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        more = True
        while more:  # the body is not needed, but must be read
            event = await receive()
            more = event.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        inboxes.add(channel, headers.get("idempotency-key"))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"accepted": true}'})

    return app


class WebhookSink:
    def __init__(self, inboxes: Inboxes, channel: str, url: str) -> None:
        import uvicorn

        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        config = uvicorn.Config(
            webhook_app(inboxes, channel),
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(100):
            if self.server.started:
                return
            if self.task.done():
                self.task.result()
                break
            await asyncio.sleep(0.05)
        raise RuntimeError(f"webhook sink on {self.host}:{self.port} did not start")

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, 5)


async def start_channel_sinks(inboxes: Inboxes, who: str) -> list[Callable[[], Awaitable[None]]]:
    """The SMTP server and the push and SMS webhooks on the addresses the notifier sends to (its
    own settings); what stops them. `who` (the harness) owns them: a port already taken stops it."""
    from notifier.config import Settings as NotifierSettings

    settings = NotifierSettings()
    push = WebhookSink(inboxes, "push", settings.push_webhook_url)
    sms = WebhookSink(inboxes, "sms", settings.sms_webhook_url)
    addresses = [
        (settings.smtp.host, settings.smtp.port),
        (push.host, push.port),
        (sms.host, sms.port),
    ]
    busy = [f"{h}:{p}" for h, p in addresses if not port_free(h, p)]
    if busy:
        raise SystemExit(
            f"{who}: {', '.join(busy)} already in use: the {who} must own the notifier's channel "
            "addresses (another run, or a local mail catcher?)"
        )
    smtp = SmtpSink(inboxes, settings.smtp.host, settings.smtp.port)
    smtp.start()
    await push.start()
    await sms.start()

    async def stop_smtp() -> None:
        smtp.stop()

    return [push.stop, sms.stop, stop_smtp]
