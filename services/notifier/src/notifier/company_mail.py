"""Spontaneous applications, emailed to the company once each (notifier.application_mail): its
address and the seeker's message come from the companies service, which never gives a placeholder
address."""

from __future__ import annotations

from contracts.companies import ApplicationDelivery
from notifier.application_mail import Letter

COMPANY_LETTER: Letter[ApplicationDelivery] = Letter(
    kind="application",
    path="/companies/applications/{id}/delivery",
    parse=ApplicationDelivery.model_validate,
    address=lambda delivery: delivery.company_email,
    title=lambda delivery: f"Candidature spontanée pour {delivery.company_name}",
    introduction=lambda delivery: (
        f"Un candidat suivi sur Tremplin souhaite rejoindre {delivery.company_name}. "
        "Il s'agit d'une candidature spontanée : elle ne répond à aucune offre publiée."
    ),
    closing="Vous ne souhaitez plus recevoir de candidatures spontanées ? Répondez « STOP » à "
    "ce message : votre choix sera respecté.",
)
