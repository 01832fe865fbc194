"""Applications to employers' offers, emailed to the employer once each
(notifier.application_mail): the address the employer gave for applications and the seeker's
message come from the offers service, which answers nothing once the seeker withdrew, nor when the
employer gave no address."""

from __future__ import annotations

from contracts.offer_applications import OfferApplicationDelivery
from notifier.application_mail import HttpDeliveries, Letter, letter_body
from notifier.domain.templates import Message
from servicekit.auth import InternalAuthSettings


def offer_deliveries(
    base_url: str, auth: InternalAuthSettings
) -> HttpDeliveries[OfferApplicationDelivery]:
    return HttpDeliveries(
        base_url,
        "/offers/applications/{id}/delivery",
        OfferApplicationDelivery.model_validate,
        auth,
    )


def offer_application_email(
    delivery: OfferApplicationDelivery, seeker_email: str | None
) -> Message:
    body = letter_body(
        f"Un candidat suivi sur Tremplin postule à votre offre « {delivery.offer_title} » "
        f"(référence {delivery.offer_id}), publiée sur Tremplin.",
        delivery.message,
        seeker_email,
        "Vous recevez ce message à l'adresse donnée pour les candidatures à cette offre. "
        "Les candidatures sont aussi dans votre espace Tremplin.",
    )
    return Message(title=f"Candidature à votre offre « {delivery.offer_title} »", body=body)


OFFER_LETTER: Letter[OfferApplicationDelivery] = Letter(
    "offer-application", lambda delivery: delivery.employer_email, offer_application_email
)
