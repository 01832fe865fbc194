"""A local mail sink on the address the notifier sends to (its own settings, read from the same
environment as the running stack's): what it received, by recipient."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import Message

from aiosmtpd.controller import Controller
from testkit.smtp_mailbox import Mailbox

from notifier.config import SmtpSettings


class MailSink(Mailbox):
    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, timeout_s: float = 60.0) -> list[Message]:
        """The messages to `address`, once one came (or the time is up)."""
        deadline = time.monotonic() + timeout_s
        while not self.to(address) and time.monotonic() < deadline:  # noqa: ASYNC110 (a thread fills it)
            await asyncio.sleep(0.2)
        return self.to(address)


@asynccontextmanager
async def mail_sink() -> AsyncIterator[MailSink]:
    settings = SmtpSettings()
    sink = MailSink()
    controller = Controller(sink, hostname=settings.host, port=settings.port)
    try:
        controller.start()
    except Exception as error:  # say which port, whatever aiosmtpd raised
        raise RuntimeError(
            f"no mail sink on {settings.host}:{settings.port} (NOTIFIER_SMTP_PORT): {error}"
        ) from error
    try:
        yield sink
    finally:
        controller.stop()
