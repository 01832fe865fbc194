"""Applications to employers' offers, emailed to the employer once each
(notifier.application_mail): the address the employer gave for applications and the seeker's
message come from the offers service, which answers nothing once the seeker withdrew, nor when the
employer gave no address."""

from __future__ import annotations

from contracts.offer_applications import OfferApplicationDelivery
from notifier.application_mail import Letter

OFFER_LETTER: Letter[OfferApplicationDelivery] = Letter(
    kind="offer-application",
    path="/offers/applications/{id}/delivery",
    parse=OfferApplicationDelivery.model_validate,
    address=lambda delivery: delivery.employer_email,
    title=lambda delivery: f"Candidature à votre offre « {delivery.offer_title} »",
    introduction=lambda delivery: (
        f"Un candidat suivi sur Tremplin postule à votre offre « {delivery.offer_title} » "
        f"(référence {delivery.offer_id}), publiée sur Tremplin."
    ),
    closing="Vous recevez ce message à l'adresse donnée pour les candidatures à cette offre. "
    "Les candidatures sont aussi dans votre espace Tremplin.",
)
