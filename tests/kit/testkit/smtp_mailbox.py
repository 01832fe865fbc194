"""What a local SMTP server received: the handler aiosmtpd's Controller is given, keeping each
message as parsed. The notifier's tests and the end-to-end mail sink use it."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from typing import Any


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"
