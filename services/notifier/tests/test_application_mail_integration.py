"""Applications emailed once each over the real Kafka and FerretDB: spontaneous ones to the
company, those to an employer's offer to the employer. The service holding them is a local server
answering its delivery endpoint; the seeker consented to share their address for app-1, not for
app-private, and the holder has nothing to send for app-unknown."""

from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from notifier_helpers import ApplicationsHolder, MailsOfApplications

from contracts import ApplicationSubmitted, OfferApplicationSubmitted

pytestmark = pytest.mark.integration


SEEKER = "s-1"  # mails_of_applications gives them the address amina@example.org


def delivery(
    application_id: str, message: str, consent: bool, **holder_fields: Any
) -> dict[str, Any]:
    """An application's delivery as the service holding it answers: what the notifier reads of
    every holder's, and `holder_fields`, where and to what the seeker applies."""
    return {
        "application_id": application_id,
        "seeker_id": SEEKER,
        "message": message,
        "consent_to_share_contact": consent,
        **holder_fields,
    }


def company_application_submitted(application_id: str) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=application_id,
        seeker_id=SEEKER,
        siret="11111111100011",
        submitted_at=datetime.now(UTC),
    )


def offer_application_submitted(application_id: str) -> OfferApplicationSubmitted:
    return OfferApplicationSubmitted(
        application_id=application_id,
        offer_id="acme-0001",
        seeker_id=SEEKER,
        employer_id="employer-1",
        submitted_at=datetime.now(UTC),
    )


COMPANIES = ApplicationsHolder(
    setting="companies_url",
    path="/companies/applications/{application_id}/delivery",
    deliveries={
        "app-1": delivery(
            "app-1",
            "Vendeuse depuis six ans, je cherche un poste à Metz.",
            consent=True,
            siret="11111111100011",
            company_name="MEUBLES CENTRE",
            company_email="recrutement@meubles-centre.fr",
        ),
        "app-private": delivery(
            "app-private",
            "Bonjour, je suis disponible dès lundi.",
            consent=False,
            siret="22222222200022",
            company_name="BOULANGERIE DU PORT",
            company_email="contact@boulangerie-du-port.fr",
        ),
    },
    producer="companies",
    store="company_mail",
    submitted=company_application_submitted,
)

OFFERS = ApplicationsHolder(
    setting="offers_url",
    path="/offers/applications/{application_id}/delivery",
    deliveries={
        "app-1": delivery(
            "app-1",
            "Secrétaire depuis huit ans, je connais Doctolib.",
            consent=True,
            offer_id="acme-0001",
            offer_title="Secrétaire médicale (H/F)",
            employer_name="Cabinet Bellecour",
            employer_email="recrutement@cabinet-bellecour.fr",
        ),
        "app-private": delivery(
            "app-private",
            "Bonjour, je suis disponible dès lundi.",
            consent=False,
            offer_id="acme-0002",
            offer_title="Agent d'accueil",
            employer_name=None,
            employer_email="rh@cabinet-bellecour.fr",
        ),
    },
    producer="offers",
    store="offer_mail",
    submitted=offer_application_submitted,
)


def text_of(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


@pytest.mark.parametrize(
    ("holder", "consented_to", "private_to", "subject", "introduction"),
    [
        (
            COMPANIES,
            "recrutement@meubles-centre.fr",
            "contact@boulangerie-du-port.fr",
            "MEUBLES CENTRE",
            "candidature spontanée",
        ),
        (
            OFFERS,
            "recrutement@cabinet-bellecour.fr",
            "rh@cabinet-bellecour.fr",
            "Secrétaire médicale",
            "acme-0001",
        ),
    ],
    ids=["company", "offer"],
)
async def test_the_holder_is_emailed_once_with_the_seekers_consented_address(
    mails_of_applications: MailsOfApplications,
    holder: ApplicationsHolder,
    consented_to: str,
    private_to: str,
    subject: str,
    introduction: str,
) -> None:
    # app-1 delivered twice: sent once; nothing to send for app-unknown
    events = [holder.submitted(a) for a in ("app-1", "app-private", "app-unknown")]
    sent = await mails_of_applications(holder, *events)

    assert len(sent) == 2
    by_address = {mail["To"]: mail for mail in sent}
    mail = by_address[consented_to]
    assert subject in str(make_header(decode_header(mail["Subject"])))
    text = text_of(mail)
    assert introduction in text
    assert "amina@example.org" in text
    assert holder.deliveries["app-1"]["message"] in text
    private = text_of(by_address[private_to])
    assert "amina@example.org" not in private  # no consent: no address
    assert "conseiller" in private
