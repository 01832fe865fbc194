"""Spontaneous applications emailed to companies, once each, over the real Kafka and FerretDB:
the companies service is a local server answering its delivery endpoint."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from notifier_helpers import Make, Profiles, Smtp, contact, deliveries_served

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


@pytest.fixture
async def companies_url() -> AsyncIterator[str]:
    async with deliveries_served(
        "/companies/applications/{application_id}/delivery", DELIVERIES
    ) as url:
        yield url


def submitted(application_id: str) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=application_id,
        seeker_id="s-1",
        siret="11111111100011",
        submitted_at=datetime.now(UTC),
    )


async def test_the_company_is_emailed_once_with_the_seekers_consented_address(
    make: Make, profiles: Profiles, smtp: Smtp, delivered_twice: Any, companies_url: str
) -> None:
    profiles.contacts["s-1"] = contact(email="amina@example.org")
    async with make(companies_url=companies_url) as harness:
        assert harness.app
        store = harness.app.state.company_mail.sent
        # app-1 delivered twice: sent once; nothing to send for app-unknown
        await delivered_twice(store, "companies", submitted("app-1"), submitted("app-unknown"))
        assert len(smtp.mailbox.messages) == 1
        [mail] = smtp.mailbox.messages
        assert mail["To"] == "recrutement@meubles-centre.fr"
        assert "MEUBLES CENTRE" in mail["Subject"]
        text = mail.get_payload(decode=True).decode()
        assert "candidature spontanée" in text
        assert "amina@example.org" in text
        assert "Vendeuse depuis six ans" in text
