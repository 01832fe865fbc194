"""What the recommender answers: a seeker's suggestions and feedback, an offer's matches, and how
alerts are spread. Reads go by `_id`."""

from __future__ import annotations

from collections import Counter

from recommender.repositories import Document, matches_of
from recommender.service import Recommender


async def recommendations(recommender: Recommender, seeker_id: str) -> list[Document] | None:
    document = await recommender.seekers.get(seeker_id, ["matches"])
    if document is None:
        return None
    matches = matches_of(document)
    return sorted(matches.values(), key=lambda m: (-m["score"], m["offer_id"]))


async def matches_of_offer(recommender: Recommender, offer_id: str) -> list[Document] | None:
    stored = await recommender.offers.get(offer_id)
    if stored is None:
        return None
    seekers = await recommender.seekers.get_many(stored.get("matched", []))
    found = [
        {**match, "seeker_id": seeker_id}
        for seeker_id, document in seekers.items()
        if (match := matches_of(document).get(offer_id)) is not None
    ]
    return sorted(found, key=lambda m: (-m["score"], m["seeker_id"]))


async def feedback(recommender: Recommender, seeker_id: str) -> list[Document] | None:
    document = await recommender.seekers.get(seeker_id, ["feedback"])
    return None if document is None else list(document.get("feedback", []))


def stats(recommender: Recommender) -> Document:
    engine = recommender.engine
    slots = engine.all_slots()
    per_seeker = Counter(int(a) for a in engine.alerts[slots])
    per_offer = Counter(len(engine.alerted.get(o, ())) for o in engine.offers)
    return {
        "seekers": len(engine),
        "open_offers": len(engine.offers),
        "alerts_total": int(engine.alerts[slots].sum()),
        "alerts_per_seeker": {str(k): v for k, v in sorted(per_seeker.items())},
        "alerts_per_offer": {str(k): v for k, v in sorted(per_offer.items())},
    }
