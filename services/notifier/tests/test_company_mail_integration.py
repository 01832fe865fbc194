"""Spontaneous applications emailed to companies, once each, over the real Kafka and FerretDB:
the companies service is a local server answering its delivery endpoint."""

from datetime import UTC, datetime

import pytest
from notifier_helpers import ApplicationsHolder, MailsOfApplications

from contracts import ApplicationSubmitted

pytestmark = pytest.mark.integration

DELIVERIES = {
    "app-1": {
        "application_id": "app-1",
        "siret": "11111111100011",
        "company_name": "MEUBLES CENTRE",
        "company_email": "recrutement@meubles-centre.fr",
        "seeker_id": "s-1",
        "message": "Vendeuse depuis six ans, je cherche un poste à Metz.",
        "consent_to_share_contact": True,
    },
}


COMPANIES = ApplicationsHolder(
    setting="companies_url",
    path="/companies/applications/{application_id}/delivery",
    deliveries=DELIVERIES,
    producer="companies",
    store="company_mail",
)


def submitted(application_id: str) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=application_id,
        seeker_id="s-1",
        siret="11111111100011",
        submitted_at=datetime.now(UTC),
    )


async def test_the_company_is_emailed_once_with_the_seekers_consented_address(
    mails_of_applications: MailsOfApplications,
) -> None:
    # app-1 delivered twice: sent once; nothing to send for app-unknown
    sent = await mails_of_applications(COMPANIES, submitted("app-1"), submitted("app-unknown"))

    assert len(sent) == 1
    [mail] = sent
    assert mail["To"] == "recrutement@meubles-centre.fr"
    assert "MEUBLES CENTRE" in mail["Subject"]
    text = mail.get_payload(decode=True).decode()
    assert "candidature spontanée" in text
    assert "amina@example.org" in text
    assert "Vendeuse depuis six ans" in text
