"""Spontaneous applications, emailed to the company once each (notifier.application_mail): its
address and the seeker's message come from the companies service, which never gives a placeholder
address."""

from __future__ import annotations

from contracts.companies import ApplicationDelivery
from notifier.application_mail import HttpDeliveries, Letter, letter_body
from notifier.domain.templates import Message
from servicekit.auth import InternalAuthSettings


def company_deliveries(
    base_url: str, auth: InternalAuthSettings
) -> HttpDeliveries[ApplicationDelivery]:
    return HttpDeliveries(
        base_url,
        "/companies/applications/{id}/delivery",
        ApplicationDelivery.model_validate,
        auth,
    )


def application_email(delivery: ApplicationDelivery, seeker_email: str | None) -> Message:
    body = letter_body(
        f"Un candidat suivi sur Tremplin souhaite rejoindre {delivery.company_name}. "
        "Il s'agit d'une candidature spontanée : elle ne répond à aucune offre publiée.",
        delivery.message,
        seeker_email,
        "Vous ne souhaitez plus recevoir de candidatures spontanées ? Répondez « STOP » à "
        "ce message : votre choix sera respecté.",
    )
    return Message(title=f"Candidature spontanée pour {delivery.company_name}", body=body)


COMPANY_LETTER: Letter[ApplicationDelivery] = Letter(
    "application", lambda delivery: delivery.company_email, application_email
)
