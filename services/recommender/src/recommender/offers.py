"""Offers published and closed, a batch at a time.

A batch of offers is ranked in memory against the seekers this replica holds; the changes are
gathered per seeker, the seekers read in one lookup and each written once (suggestions.py); the
offers' documents are written in bulk too. Every replica matches every offer against its own
seekers, and withdraws only its own seekers' matches. A redelivered batch ranks again, finds every
match already stored and publishes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from contracts import Envelope, OfferClosed, OfferPublished
from contracts.vocabulary import WithdrawalReason
from recommender.domain.engine import Candidate
from recommender.domain.model import Offer, offer_from_event
from recommender.repositories import CLOSED, Document
from recommender.service import Recommender
from recommender.suggestions import Proposal, SeekerChanges


@dataclass
class OfferMatching:
    """One offer's matching within a batch: its candidates, best first, taken as needed."""

    offer: Offer
    cap: int
    previously: set[str]  # matched with the offer before this batch (by any replica)
    # Ranked when the offer's turn comes: after the batch's earlier offers took their places.
    candidates: Iterator[Candidate] | None = None
    asked: set[str] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)
    exhausted: bool = False


async def match_seekers_on_offers_published(
    recommender: Recommender, events: list[Envelope[OfferPublished]]
) -> None:
    latest: dict[str, Offer] = {}
    for event in events:
        offer = offer_from_event(event.payload)
        known = latest.get(offer.offer_id)
        if known is None or known.version < offer.version:
            latest[offer.offer_id] = offer
    async with recommender.matching():
        stored = await recommender.offers.get_many(latest)
        # "Matched" by another replica says nothing about this one's seekers: only a closed or
        # newer offer is skipped.
        offers = [o for o in latest.values() if not _outdated(stored.get(o.offer_id), o)]
        if offers:
            await _match(recommender, offers, stored)


def _outdated(stored: Document | None, offer: Offer) -> bool:
    return stored is not None and (stored["status"] == CLOSED or stored["version"] > offer.version)


async def _match(
    recommender: Recommender, offers: list[Offer], stored: dict[str, Document]
) -> None:
    engine = recommender.engine
    for offer in offers:
        engine.add_offer(offer)  # in the engine first: a profile handled meanwhile sees them
    await recommender.offers.register(offers)
    matchings = []
    for offer in offers:
        document = stored.get(offer.offer_id, {})
        engine.alerted[offer.offer_id].update(document.get("alerted", []))
        matchings.append(
            OfferMatching(offer, recommender.cap(offer), set(document.get("matched", [])))
        )
    changes = SeekerChanges(recommender)
    await _propose(recommender, changes, matchings)
    # This replica's seekers no longer matched are withdrawn; other replicas' are theirs.
    unmatched = {
        m.offer.offer_id: sorted(s for s in m.previously - m.matched if s in engine.slot_of)
        for m in matchings
    }
    await changes.read(s for ids in unmatched.values() for s in ids)
    for offer_id, seeker_ids in unmatched.items():
        for seeker_id in seeker_ids:
            changes.propose(seeker_id, Proposal(offer_id, reason=WithdrawalReason.OFFER_CHANGED))
    await changes.write()
    await recommender.offers.settle(
        {m.offer.offer_id: changes.kept(m.offer.offer_id) for m in matchings}, unmatched
    )


async def _propose(
    recommender: Recommender, changes: SeekerChanges, matchings: list[OfferMatching]
) -> None:
    """Offer each offer to its best candidates until it is matched with as many seekers as its
    cap allows: one read of the seekers per round, and a second round only for offers that some
    candidates did not keep (their suggestions held better offers, or they turned it down)."""
    engine = recommender.engine
    going = matchings
    while going:
        asked: list[tuple[OfferMatching, Candidate, bool]] = []
        for matching in going:
            if matching.candidates is None:
                matching.candidates = iter(engine.rank_seekers(matching.offer))
            needed = matching.cap - len(matching.matched)
            while needed > 0:
                candidate = next(matching.candidates, None)
                if candidate is None:
                    matching.exhausted = True
                    break
                before = candidate.seeker_id in engine.alerted[matching.offer.offer_id]
                if candidate.seeker_id in matching.asked or not changes.reserve(
                    matching.offer, candidate.seeker_id
                ):
                    continue
                matching.asked.add(candidate.seeker_id)
                asked.append((matching, candidate, before))
                needed -= 1
        await changes.read(candidate.seeker_id for _, candidate, _ in asked)
        for matching, candidate, before in asked:
            proposal = Proposal(
                matching.offer.offer_id,
                matching.offer,
                candidate.scored,
                reserved_before=before,
            )
            if changes.propose(candidate.seeker_id, proposal):
                matching.matched.add(candidate.seeker_id)
        going = [m for m in going if not m.exhausted and len(m.matched) < m.cap]


async def withdraw_matches_on_offers_closed(
    recommender: Recommender, events: list[Envelope[OfferClosed]]
) -> None:
    offer_ids = list(dict.fromkeys(event.payload.offer_id for event in events))
    async with recommender.matching():
        stored = await recommender.offers.get_many(offer_ids)
        for offer_id in offer_ids:
            recommender.engine.remove_offer(offer_id)
        await recommender.offers.close(stored, offer_ids)
        # Each replica withdraws its own seekers' matches; a seeker moving between replicas
        # meanwhile is withdrawn by its new owner's re-match (the offer is gone from its engine).
        owned = {
            offer_id: [s for s in document.get("matched", []) if s in recommender.engine.slot_of]
            for offer_id, document in stored.items()
        }
        changes = SeekerChanges(recommender)
        await changes.read(s for ids in owned.values() for s in ids)
        for offer_id, seeker_ids in owned.items():
            for seeker_id in seeker_ids:
                changes.propose(seeker_id, Proposal(offer_id, reason=WithdrawalReason.OFFER_CLOSED))
        await changes.write()
        await recommender.offers.note(removed=owned)
