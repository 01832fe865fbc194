"""Spontaneous applications emailed to companies, once each, over the real Kafka and FerretDB:
the companies service is a local server answering its delivery endpoint."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from notifier_helpers import Events, Make, Profiles, Smtp, contact, deliveries_served
from testkit.stack import eventually

from contracts import ApplicationSubmitted, new_envelope

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
    make: Make, profiles: Profiles, smtp: Smtp, events: Events, companies_url: str
) -> None:
    profiles.contacts["s-1"] = contact(email="amina@example.org")
    async with make(companies_url=companies_url) as harness:
        assert harness.app
        envelope = new_envelope(submitted("app-1"), producer="companies")
        await events.publish(submitted("app-1"), envelope)
        await events.publish(submitted("app-1"), envelope)  # delivered twice: sent once
        await events.publish(submitted("app-unknown"))  # nothing to send for it

        async def sent() -> int:
            return len(smtp.mailbox.messages)

        store = harness.app.state.company_mail.sent
        assert await eventually(lambda: store.raw.count_documents({}), 2) == 2
        await asyncio.sleep(1)  # the duplicate, on the same partition, has had its turn
        assert await sent() == 1
        [mail] = smtp.mailbox.messages
        assert mail["To"] == "recrutement@meubles-centre.fr"
        assert "MEUBLES CENTRE" in mail["Subject"]
        text = mail.get_payload(decode=True).decode()
        assert "candidature spontanée" in text
        assert "amina@example.org" in text
        assert "Vendeuse depuis six ans" in text
