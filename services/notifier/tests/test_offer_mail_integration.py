"""Applications to employers' offers emailed to the employer, once each, over the real Kafka and
FerretDB: the offers service is a local server answering its delivery endpoint."""

from datetime import UTC, datetime
from email.header import decode_header, make_header

import pytest
from notifier_helpers import ApplicationsHolder, MailsOfApplications

from contracts import OfferApplicationSubmitted

pytestmark = pytest.mark.integration

DELIVERIES = {
    "app-1": {
        "application_id": "app-1",
        "offer_id": "acme-0001",
        "offer_title": "Secrétaire médicale (H/F)",
        "employer_name": "Cabinet Bellecour",
        "employer_email": "recrutement@cabinet-bellecour.fr",
        "seeker_id": "s-1",
        "message": "Secrétaire depuis huit ans, je connais Doctolib.",
        "consent_to_share_contact": True,
    },
    "app-private": {
        "application_id": "app-private",
        "offer_id": "acme-0002",
        "offer_title": "Agent d'accueil",
        "employer_name": None,
        "employer_email": "rh@cabinet-bellecour.fr",
        "seeker_id": "s-1",
        "message": "Bonjour, je suis disponible dès lundi.",
        "consent_to_share_contact": False,
    },
}


OFFERS = ApplicationsHolder(
    setting="offers_url",
    path="/offers/applications/{application_id}/delivery",
    deliveries=DELIVERIES,
    producer="offers",
    store="offer_mail",
)


def submitted(application_id: str) -> OfferApplicationSubmitted:
    return OfferApplicationSubmitted(
        application_id=application_id,
        offer_id="acme-0001",
        seeker_id="s-1",
        employer_id="employer-1",
        submitted_at=datetime.now(UTC),
    )


async def test_the_employer_is_emailed_once_with_the_seekers_consented_address(
    mails_of_applications: MailsOfApplications,
) -> None:
    # app-1 delivered twice: sent once; nothing to send for app-withdrawn
    events = [submitted(a) for a in ("app-1", "app-private", "app-withdrawn")]
    sent = await mails_of_applications(OFFERS, *events)

    assert len(sent) == 2
    by_address = {mail["To"]: mail for mail in sent}
    mail = by_address["recrutement@cabinet-bellecour.fr"]
    assert "Secrétaire médicale" in str(make_header(decode_header(mail["Subject"])))
    text = mail.get_payload(decode=True).decode()
    assert "acme-0001" in text
    assert "amina@example.org" in text
    assert "Doctolib" in text
    private = by_address["rh@cabinet-bellecour.fr"].get_payload(decode=True).decode()
    assert "amina@example.org" not in private  # no consent: no address
    assert "conseiller" in private
