"""A seeker erased their account: their applications, daily counters, exposures and needs go."""

from __future__ import annotations

from companies.applications_store import ApplicationStore
from companies.ledger import Ledger
from companies.seekers import SeekerNeeds
from companies.store import EstablishmentStore


async def forget_seekers(
    seeker_ids: list[str],
    *,
    applications: ApplicationStore,
    establishments: EstablishmentStore,
    ledger: Ledger,
    seekers: SeekerNeeds,
) -> None:
    await seekers.forget(list(dict.fromkeys(seeker_ids)))
    for seeker_id in dict.fromkeys(seeker_ids):
        await applications.forget_seeker(seeker_id)
        await establishments.forget_seeker(seeker_id)
        ledger.forget(seeker_id)
