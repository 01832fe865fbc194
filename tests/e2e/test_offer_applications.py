"""Applying to an employer's offer through the gateway of the running stack: the employer gave an
address for applications, the seeker applies once, everyone concerned sees it, and the local mail
sink receives exactly one email."""

import asyncio
from dataclasses import astuple
from email.header import decode_header, make_header

import httpx
import pytest
from fixture_types import FollowedSeeker, Login, OfferPublished
from mail_sink import mail_sink
from testkit.gateway_seekers import lyon_seeker

pytestmark = pytest.mark.e2e

SEEKER = lyon_seeker({"first_name": "Amina", "last_name": "Diallo", "email": "amina.d@example.org"})
MESSAGE = "Agent d'entretien depuis cinq ans, disponible tout de suite."


@pytest.mark.timeout(180)
async def test_a_seeker_applies_once_to_an_employers_offer_and_the_employer_is_emailed_once(
    gateway: httpx.AsyncClient,
    login: Login,
    unique: str,
    followed_seeker: FollowedSeeker,
    offer_published: OfferPublished,
) -> None:
    offer_id, address = f"APPLY{unique.upper()}", f"rh-{unique}@employeur-tremplin.fr"
    amina = await followed_seeker(f"as-{unique}", f"ac-{unique}", SEEKER, "Intake interview")
    seeker_id, seeker, _, counsellor = astuple(amina)

    async with mail_sink() as sink:
        employer, published = await offer_published(offer_id, application_email=address)
        assert address not in published.text  # the address is never shown back
        page = await gateway.get(f"/v1/offers/{offer_id}", headers=seeker)
        assert page.json()["how_to_apply"] == {"channel": "tremplin", "url": None}
        assert address not in page.text

        applied = await gateway.post(
            f"/v1/me/offers/{offer_id}/applications",
            json={"message": MESSAGE, "consent_to_share_contact": True},
            headers=seeker,
        )
        assert applied.status_code == 201, applied.text
        application = applied.json()
        assert (application["kind"], application["status"]) == ("offer", "submitted")
        assert application["route"] == "emailed_to_employer"

        mine = await gateway.get("/v1/me/offer-applications", headers=seeker)
        assert [a["application_id"] for a in mine.json()["items"]] == [
            application["application_id"]
        ]
        received = await gateway.get(
            f"/v1/employer/offers/{offer_id}/applications", headers=employer
        )
        assert received.status_code == 200, received.text
        assert received.json()["emailed_to"] == address
        [seen] = received.json()["items"]
        assert seen["message"] == MESSAGE
        assert seen["contact"] == {
            "first_name": "Amina",
            "last_name": "Diallo",
            "email": "amina.d@example.org",
        }
        someone_else = await gateway.get(
            f"/v1/employer/offers/{offer_id}/applications",
            headers=await login(f"ax-{unique}", "employer"),
        )
        assert someone_else.status_code == 403
        followed = await gateway.get(
            f"/v1/caseload/{seeker_id}/offer-applications", headers=counsellor
        )
        assert [a["offer_id"] for a in followed.json()["items"]] == [offer_id], followed.text

        again = await gateway.post(
            f"/v1/me/offers/{offer_id}/applications",
            json={"message": "Encore moi.", "consent_to_share_contact": False},
            headers=seeker,
        )
        assert again.status_code == 409, again.text
        assert "already applied" in again.json()["detail"]

        [mail] = await sink.wait_for(address)
        await asyncio.sleep(3)  # a duplicate would have come by now
        assert len(sink.to(address)) == 1
        assert "Agent d'entretien" in str(make_header(decode_header(mail["Subject"])))
        text = mail.get_payload(decode=True).decode()
        assert MESSAGE in text
        assert offer_id in text
        assert "amina.d@example.org" in text  # the seeker consented

    log = await gateway.get("/v1/me/access-log", headers=seeker)
    assert any(entry["what"] == "offer_applications" for entry in log.json())
