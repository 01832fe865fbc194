"""A seeker applies to a company: quotas checked, the application kept, and the company emailed
once (through the notifier) when it has a real address; otherwise the counsellor passes it on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from companies.applications_store import ApplicationStore
from companies.catalogue import Catalogue
from companies.domain.application import (
    FOR_COUNSELLOR,
    TO_COMPANY,
    application_id,
    real_address,
)
from companies.store import EstablishmentStore
from contracts import APPLICATION_SUBMITTED, ApplicationSubmitted, new_envelope
from contracts.companies import ApplicationIn, ApplicationOut
from refdata import Sectors
from servicekit.outbox import OUTBOX_FIELD, OutboxRelay, outbox_entry
from servicekit.refusal import Refused

PRODUCER = "companies"
NOTICE = (
    "Une candidature spontanée ne répond à aucune offre publiée : l'entreprise n'a annoncé aucun "
    "poste, elle n'est pas tenue de répondre. / A spontaneous application answers no published "
    "offer: the company announced no job and need not answer."
)


@dataclass(frozen=True)
class Quotas:
    period_days: int
    per_day: int


async def apply(
    seeker_id: str,
    siret: str,
    application: ApplicationIn,
    *,
    catalogue: Catalogue,
    sectors: Sectors,
    establishments: EstablishmentStore,
    applications: ApplicationStore,
    relay: OutboxRelay,
    quotas: Quotas,
    now: datetime | None = None,
) -> ApplicationOut:
    now = now or datetime.now(UTC)
    place = catalogue.by_siret.get(siret)
    if place is None:
        status = await establishments.status_of(siret)
        if status is None:
            raise Refused(404, f"No company with SIRET {siret}.")
        raise Refused(409, "This company no longer takes spontaneous applications.")
    identifier = application_id(seeker_id, siret, now.date(), quotas.period_days)
    if await applications.get(identifier) is not None:
        raise Refused(
            409,
            f"You already applied to this company in the last {quotas.period_days} days: "
            "one application per company and period.",
        )
    if not await applications.take_daily_slot(seeker_id, now.date(), quotas.per_day):
        raise Refused(
            429, f"You sent {quotas.per_day} applications today, the most a day: go on tomorrow."
        )
    route = TO_COMPANY if real_address(place.email) else FOR_COUNSELLOR
    document: dict[str, Any] = {
        "_id": identifier,
        "seeker_id": seeker_id,
        "siret": siret,
        "company_name": place.name,
        "naf": place.naf,
        "message": application.message,
        "consent_to_share_contact": application.consent_to_share_contact,
        "route": route,
        "created_at": now,
    }
    if route == TO_COMPANY:
        event = ApplicationSubmitted(
            application_id=identifier, seeker_id=seeker_id, siret=siret, submitted_at=now
        )
        envelope = new_envelope(event, producer=PRODUCER)
        document[OUTBOX_FIELD] = [outbox_entry(envelope, APPLICATION_SUBMITTED)]
    if not await applications.insert(document):
        await applications.give_back_daily_slot(seeker_id, now.date())
        raise Refused(409, "You already applied to this company in this period.")
    if route == TO_COMPANY:
        relay.wake([identifier])
    return view(document, sectors)


def view(document: dict[str, Any], sectors: Sectors) -> ApplicationOut:
    created: datetime = document["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return ApplicationOut(
        application_id=document["_id"],
        seeker_id=document["seeker_id"],
        siret=document["siret"],
        company_name=document["company_name"],
        naf_label=sectors.naf_labels.get(document["naf"], document["naf"]),
        message=document["message"],
        consent_to_share_contact=document["consent_to_share_contact"],
        route=document["route"],
        created_at=created.isoformat(),
        notice=NOTICE,
    )
