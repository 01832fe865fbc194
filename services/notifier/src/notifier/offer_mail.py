"""Applications to employers' offers emailed to the employer, once each.

The event carries ids only: the employer's address for applications and the seeker's message
are asked of the offers service (which answers nothing once the seeker withdrew, nor when the
employer gave no address), the seeker's email of the profiles service when they consented to
share it. A sent application is recorded by its id; a crash between the send and the record
resends it with the same Message-ID, which mail systems drop.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from contracts import OfferApplicationSubmitted
from contracts.offer_applications import OfferApplicationDelivery
from notifier.channels import DeliveryFailed, Outgoing, Sender
from notifier.contacts import ContactDirectory
from notifier.domain.templates import Message
from servicekit.auth import InternalAuthSettings, service_headers
from servicekit.data import Documents


class OffersUnavailable(Exception):
    """The offers service did not answer: the batch is redelivered."""


class HttpOffers:
    def __init__(self, base_url: str, auth: InternalAuthSettings, timeout_s: float = 5.0) -> None:
        self.auth = auth
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def delivery(self, application_id: str) -> OfferApplicationDelivery | None:
        try:
            response = await self._client.get(
                f"/offers/applications/{application_id}/delivery",
                headers=service_headers("notifier", self.auth),
            )
        except httpx.HTTPError as error:
            raise OffersUnavailable(type(error).__name__) from None
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if not response.is_success:
            raise OffersUnavailable(f"offers service answered {response.status_code}")
        return OfferApplicationDelivery.model_validate(response.json())

    async def close(self) -> None:
        await self._client.aclose()


def offer_application_email(
    delivery: OfferApplicationDelivery, seeker_email: str | None
) -> Message:
    reply = (
        f"Pour lui répondre : {seeker_email}"
        if seeker_email
        else "Le candidat n'a pas souhaité partager ses coordonnées : répondez-lui par "
        "son conseiller France Travail."
    )
    body = "\n\n".join(
        [
            "Bonjour,",
            f"Un candidat suivi sur Tremplin postule à votre offre « {delivery.offer_title} » "
            f"(référence {delivery.offer_id}), publiée sur Tremplin.",
            "Son message :",
            delivery.message,
            reply,
            "Vous recevez ce message à l'adresse donnée pour les candidatures à cette offre. "
            "Les candidatures sont aussi dans votre espace Tremplin.",
        ]
    )
    return Message(title=f"Candidature à votre offre « {delivery.offer_title} »", body=body)


class OfferMail:
    def __init__(
        self,
        sent: Documents,
        offers: HttpOffers,
        contacts: ContactDirectory,
        email: Sender,
    ) -> None:
        self.sent = sent
        self.offers = offers
        self.contacts = contacts
        self.email = email

    async def email_employers_on_offer_applications_submitted(
        self, events: list[OfferApplicationSubmitted]
    ) -> None:
        for event in events:
            if await self.sent.get(event.application_id) is not None:
                continue
            delivery = await self.offers.delivery(event.application_id)
            if delivery is None:
                await self.record(event.application_id, "nothing_to_send")
                continue
            seeker_email = None
            if delivery.consent_to_share_contact:
                contact = await self.contacts.channels(delivery.seeker_id)
                seeker_email = contact.email if contact else None
            outgoing = Outgoing(
                delivery_id=f"offer-application:{event.application_id}",
                address=delivery.employer_email,
                message=offer_application_email(delivery, seeker_email),
                language="fr",
            )
            try:
                await self.email.send(outgoing)
            except DeliveryFailed as failed:
                if not failed.permanent:
                    raise
                await self.record(event.application_id, "refused", failed.reason)
                continue
            await self.record(event.application_id, "sent")

    async def record(self, application_id: str, status: str, reason: str | None = None) -> None:
        await self.sent.insert(
            {"_id": application_id, "status": status, "reason": reason, "at": datetime.now(UTC)}
        )
