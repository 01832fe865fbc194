"""Which seekers this replica holds: those of the profile-updated partitions it owns.

Every replica holds every open offer (loaded at start). On each assignment the replica drops the
seekers of partitions it lost and loads and re-matches those of partitions it gained; from the
revocation of partitions until then, no offer is matched (`Recommender.matching`).
"""

from __future__ import annotations

import logging

from recommender.matching import rematch
from recommender.repositories import Document, offer_of
from recommender.service import Recommender

log = logging.getLogger(__name__)


async def load_offers(recommender: Recommender) -> int:
    """Load the open offers into the engine; return how many it holds."""
    engine = recommender.engine
    async for document in recommender.offers.open_offers():
        engine.add_offer(offer_of(document))
        engine.alerted[document["_id"]].update(document.get("alerted", []))
    return len(engine.offers)


async def own_partitions(recommender: Recommender, partitions: set[int]) -> tuple[int, int]:
    """Hold exactly these partitions' seekers: drop the others, load and re-match the new ones
    against the open offers; return (seekers loaded, seekers dropped).

    An offer handled while its seekers moved between replicas reached neither the old owner
    (which had dropped them) nor the new one (which had not loaded them yet): the re-match finds
    it. It publishes only what the stored suggestions lack, so nothing is announced twice.
    """
    engine = recommender.engine
    async with recommender.profiles_lock:
        gone = engine.seekers_outside(partitions)
        for seeker_id in gone:
            engine.remove(seeker_id, forget_alerts=False)
        new = partitions - recommender.owned
        recommender.owned = set(partitions)
        loaded: list[Document] = []
        try:
            if new:
                async for document in recommender.seekers.of_partitions(new):
                    recommender.hold(document)
                    loaded.append(document)
                # The previous owner may have stopped before relaying its last events.
                recommender.wake(d["_id"] for d in loaded if d.get("outbox"))
                await rematch(recommender, loaded)
        except Exception:
            # Serving goes on (offers must not wait forever): the seekers not re-matched get an
            # offer handled during the hand-over at their next profile update.
            log.exception("re-match after an assignment failed")
        finally:
            recommender.resume_serving()
        log.info(
            "partitions owned",
            extra={"partitions": sorted(partitions), "loaded": len(loaded), "gone": len(gone)},
        )
        return len(loaded), len(gone)


async def stop_serving(recommender: Recommender, relay_timeout_s: float = 10.0) -> None:
    """Partitions are being revoked: finish the work in hand, match nothing more, and wait until
    the outbox relay has sent the events of the owned seekers: the next owner of a partition then
    finds its documents at rest."""
    await recommender.pause_serving()
    if recommender.stopping or not recommender.owned or recommender.settle_relay is None:
        return  # the relay has stopped: the next owner sends what is left
    if not await recommender.settle_relay(relay_timeout_s):
        log.warning("events of revoked partitions still pending; the next owner sends them")
