"""Applications to employers' offers emailed to the employer, once each, over the real Kafka and
FerretDB: the offers service is a local server answering its delivery endpoint."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.header import decode_header, make_header
from typing import Any

import pytest
from notifier_helpers import Make, Profiles, Smtp, contact, deliveries_served

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


@pytest.fixture
async def offers_url() -> AsyncIterator[str]:
    async with deliveries_served(
        "/offers/applications/{application_id}/delivery", DELIVERIES
    ) as url:
        yield url


def submitted(application_id: str) -> OfferApplicationSubmitted:
    return OfferApplicationSubmitted(
        application_id=application_id,
        offer_id="acme-0001",
        seeker_id="s-1",
        employer_id="employer-1",
        submitted_at=datetime.now(UTC),
    )


async def test_the_employer_is_emailed_once_with_the_seekers_consented_address(
    make: Make, profiles: Profiles, smtp: Smtp, delivered_twice: Any, offers_url: str
) -> None:
    profiles.contacts["s-1"] = contact(email="amina@example.org")
    async with make(offers_url=offers_url) as harness:
        assert harness.app
        store = harness.app.state.offer_mail.sent
        # app-1 delivered twice: sent once; nothing to send for app-withdrawn
        withdrawn = submitted("app-withdrawn")
        await delivered_twice(
            store, "offers", submitted("app-1"), submitted("app-private"), withdrawn
        )
        assert len(smtp.mailbox.messages) == 2
        by_address = {mail["To"]: mail for mail in smtp.mailbox.messages}
        mail = by_address["recrutement@cabinet-bellecour.fr"]
        assert "Secrétaire médicale" in str(make_header(decode_header(mail["Subject"])))
        text = mail.get_payload(decode=True).decode()
        assert "acme-0001" in text
        assert "amina@example.org" in text
        assert "Doctolib" in text
        private = by_address["rh@cabinet-bellecour.fr"].get_payload(decode=True).decode()
        assert "amina@example.org" not in private  # no consent: no address
        assert "conseiller" in private
