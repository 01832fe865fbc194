"""Applications emailed once each: spontaneous ones to the company, those to an employer's offer
to the employer.

The events carry ids only: the address and the seeker's message are asked of the service that
holds the application (which answers nothing when there is nothing to send: no address, or the
seeker withdrew), the seeker's email of the profiles service when they consented to share it. A
sent application is recorded by its id; a crash between the send and the record resends it with
the same Message-ID, which mail systems drop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx

from notifier.channels import DeliveryFailed, Outgoing, Sender
from notifier.contacts import ContactDirectory
from notifier.domain.templates import Message
from servicekit.auth import InternalAuthSettings, service_headers
from servicekit.data import Documents


class Delivery(Protocol):
    @property
    def seeker_id(self) -> str: ...

    @property
    def consent_to_share_contact(self) -> bool: ...

    @property
    def message(self) -> str: ...


D = TypeVar("D", bound=Delivery)


class UpstreamUnavailable(Exception):
    """The service holding the application did not answer: the batch is redelivered."""


class HttpDeliveries(Generic[D]):
    """What an application's email needs, read by id from the service that holds it."""

    def __init__(
        self,
        base_url: str,
        path: str,
        parse: Callable[[Any], D],
        auth: InternalAuthSettings,
        timeout_s: float = 5.0,
    ) -> None:
        self.path = path
        self.parse = parse
        self.auth = auth
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def delivery(self, application_id: str) -> D | None:
        try:
            response = await self._client.get(
                self.path.format(id=application_id), headers=service_headers("notifier", self.auth)
            )
        except httpx.HTTPError as error:
            raise UpstreamUnavailable(type(error).__name__) from None
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if not response.is_success:
            raise UpstreamUnavailable(f"{self._client.base_url} answered {response.status_code}")
        return self.parse(response.json())

    async def close(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class Letter(Generic[D]):
    """How one kind of application is emailed: its delivery ids' prefix, the endpoint of the
    service holding it, where it goes and what it says around the seeker's message."""

    kind: str
    path: str  # names the application `{id}`
    parse: Callable[[Any], D]
    address: Callable[[D], str]
    title: Callable[[D], str]
    introduction: Callable[[D], str]
    closing: str

    def deliveries(self, base_url: str, auth: InternalAuthSettings) -> HttpDeliveries[D]:
        return HttpDeliveries(base_url, self.path, self.parse, auth)

    def compose(self, delivery: D, seeker_email: str | None) -> Message:
        """What the seeker applies to, their message, how to answer them."""
        body = [
            "Bonjour,",
            self.introduction(delivery),
            "Son message :",
            delivery.message,
            reply_line(seeker_email),
            self.closing,
        ]
        return Message(title=self.title(delivery), body="\n\n".join(body))


def reply_line(seeker_email: str | None) -> str:
    if seeker_email:
        return f"Pour lui répondre : {seeker_email}"
    return (
        "Le candidat n'a pas souhaité partager ses coordonnées : répondez-lui par "
        "son conseiller France Travail."
    )


@dataclass(eq=False)
class ApplicationMail(Generic[D]):
    sent: Documents
    deliveries: HttpDeliveries[D]
    contacts: ContactDirectory
    email: Sender
    letter: Letter[D]

    async def email_once(self, application_ids: Sequence[str]) -> None:
        for application_id in application_ids:
            if await self.sent.get(application_id) is not None:
                continue
            delivery = await self.deliveries.delivery(application_id)
            if delivery is None:
                await self.record(application_id, "nothing_to_send")
                continue
            seeker_email = await self.seeker_email(delivery)
            outgoing = Outgoing(
                delivery_id=f"{self.letter.kind}:{application_id}",
                address=self.letter.address(delivery),
                message=self.letter.compose(delivery, seeker_email),
                language="fr",
            )
            try:
                await self.email.send(outgoing)
            except DeliveryFailed as failed:
                if not failed.permanent:
                    raise
                await self.record(application_id, "refused", failed.reason)
                continue
            await self.record(application_id, "sent")

    async def seeker_email(self, delivery: Delivery) -> str | None:
        if not delivery.consent_to_share_contact:
            return None
        contact = await self.contacts.channels(delivery.seeker_id)
        return contact.email if contact else None

    async def record(self, application_id: str, status: str, reason: str | None = None) -> None:
        await self.sent.insert(
            {"_id": application_id, "status": status, "reason": reason, "at": datetime.now(UTC)}
        )
