"""Outgoing channels, each behind one small interface: email (SMTP), push and SMS (webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import httpx

from notifier.config import SmtpSettings
from notifier.domain.templates import Message


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    address: str
    message: Message
    language: str


class Sender(Protocol):
    async def send(self, outgoing: Outgoing) -> None:
        """Hand the message over, or raise DeliveryFailed."""
        ...


class EmailSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, outgoing: Outgoing) -> None:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = outgoing.address
        email["Subject"] = outgoing.message.title
        # A stable Message-ID per delivery lets mail systems drop a copy resent after a crash.
        email["Message-ID"] = f"<{outgoing.delivery_id.replace(':', '.')}@tremplin.invalid>"
        email["Content-Language"] = outgoing.language
        email.set_content(outgoing.message.body)
        try:
            await aiosmtplib.send(
                email,
                hostname=self.settings.host,
                port=self.settings.port,
                username=self.settings.username,
                password=self.settings.password,
                start_tls=self.settings.start_tls,
                timeout=self.settings.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(
                f"address refused: {error.recipients[0].code}", permanent=True
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"SMTP: {type(error).__name__}") from None


class WebhookSender:
    """POSTs JSON to a gateway (push) or provider (SMS); the Idempotency-Key drops resends."""

    def __init__(self, url: str, token: str | None, timeout_s: float, field: str) -> None:
        self.url = url
        self.field = field
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.AsyncClient(timeout=timeout_s, headers=headers)

    async def send(self, outgoing: Outgoing) -> None:
        body = {
            self.field: outgoing.address,
            "title": outgoing.message.title,
            "text": outgoing.message.short or outgoing.message.body,
            "language": outgoing.language,
        }
        try:
            response = await self._client.post(
                self.url, json=body, headers={"Idempotency-Key": outgoing.delivery_id}
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook unreachable: {type(error).__name__}") from None
        if response.is_success:
            return
        permanent = response.status_code in (400, 404, 410, 422)
        raise DeliveryFailed(f"webhook answered {response.status_code}", permanent=permanent)

    async def close(self) -> None:
        await self._client.aclose()
