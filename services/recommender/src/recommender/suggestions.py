"""Offers put into (or taken out of) seekers' suggestions, a batch at a time.

Each seeker's changes are gathered in memory, offer by offer, in the order the batch brings them;
the seekers are read together and each is written ONCE, on top of the revision it was read at. A
seeker written meanwhile by someone else (a profile event, feedback) is read again and its changes
applied again on what is stored: what is already there is neither written nor announced again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.vocabulary import WithdrawalReason
from recommender.domain.matches import is_material, keep_best
from recommender.domain.model import Offer, Seeker
from recommender.domain.scoring import Scored
from recommender.events import match_found, match_of, match_withdrawn
from recommender.repositories import Document, SeekerWrite, matches_of, stored_matches
from recommender.service import ATTEMPTS, Recommender
from servicekit.data import ConcurrentUpdateError

log = logging.getLogger(__name__)
# A seeker the engine holds but the store does not yet: their profile is being written right
# now by a batch of profile events. Read again after this pause.
UNSTORED_PAUSE_S = 0.05


@dataclass(frozen=True)
class Proposal:
    """Put `offer` in the seeker's suggestions with this score, or (`scored` None) take it out."""

    offer_id: str
    offer: Offer | None = None
    scored: Scored | None = None
    reason: WithdrawalReason = WithdrawalReason.OFFER_CHANGED
    # The seeker held the offer's alert place before this proposal reserved it.
    reserved_before: bool = True


class Suggestions:
    """One seeker's suggestions as stored, changed in memory proposal by proposal."""

    def __init__(self, document: Document, seeker: Seeker, top_k: int, strong_score: float):
        self.document = document
        self.seeker = seeker
        self.top_k = top_k
        self.strong_score = strong_score
        self.matches = matches_of(document)
        self.entries: list[Document] = []
        self.found: list[str] = []  # offers the seeker is alerted of
        self.kept: set[str] = set()
        self.changed = False

    def apply(self, proposal: Proposal) -> bool:
        """Apply the proposal; True when the offer is among the seeker's suggestions after it."""
        offer_id = proposal.offer_id
        old = self.matches.get(offer_id)
        if proposal.scored is None or proposal.offer is None:
            self.kept.discard(offer_id)
            if old is not None:
                del self.matches[offer_id]
                self._withdraw(offer_id, proposal.reason)
            return False
        if offer_id in self.document.get("rejected", ()):
            return False  # turned down through another replica, which told only the store
        match = match_of(proposal.offer, proposal.scored, self.seeker)
        matches = keep_best({**self.matches, offer_id: match}, self.top_k)
        kept = offer_id in matches
        if kept:
            self.kept.add(offer_id)
        else:
            self.kept.discard(offer_id)
        if kept and is_material(old, match):
            self.entries.append(match_found(self.seeker, match, self.strong_score))
            self.found.append(offer_id)
        elif not kept and old is not None:
            self._withdraw(offer_id, proposal.reason)
        elif not kept or old == match:
            return kept
        self.matches = matches
        self.changed = True
        return kept

    def _withdraw(self, offer_id: str, reason: WithdrawalReason) -> None:
        self.entries.append(match_withdrawn(self.seeker.seeker_id, offer_id, reason))
        self.changed = True

    def state(self) -> Document:
        """The fields of the seeker's document these changes set."""
        return {"matches": stored_matches(self.matches)}

    def write(self) -> SeekerWrite | None:
        if not self.changed:
            return None
        return SeekerWrite(
            self.seeker.seeker_id,
            self.document["rev"],
            self.state(),
            self.entries,
            alerts=len(self.found),
        )


class SeekerChanges:
    """Proposals to many seekers: read together, applied in memory, each seeker written once."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender
        self.proposals: dict[str, list[Proposal]] = defaultdict(list)
        self.documents: dict[str, Document] = {}
        self.suggestions: dict[str, Suggestions] = {}
        self.written: set[str] = set()
        # Alerts counted in the engine for places reserved in this batch, until it is written:
        # offers ranked later in the batch then prefer seekers not alerted yet, as they would
        # have one batch later.
        self.provisional: Counter[str] = Counter()

    async def read(self, seeker_ids: Iterable[str]) -> None:
        """Read these seekers (those not read yet), in one lookup."""
        unread = [i for i in dict.fromkeys(seeker_ids) if i not in self.documents]
        if unread:
            self.documents.update(await self.recommender.seekers.get_many(unread))

    def reserve(self, offer: Offer, seeker_id: str) -> bool:
        """Take one of the offer's alert places for the seeker (see `Recommender.reserve`)."""
        held = seeker_id in self.recommender.engine.alerted[offer.offer_id]
        if not self.recommender.reserve(offer, seeker_id):
            return False
        if not held:
            self._count_alert(seeker_id, 1)
        return True

    def propose(self, seeker_id: str, proposal: Proposal) -> bool:
        """Apply a proposal to a seeker already read; True when the offer is (or, for a seeker
        not stored yet, may be) among their suggestions."""
        slot = self.recommender.engine.slot_of.get(seeker_id)
        if slot is None:
            return False  # erased, or moved to another replica
        self.proposals[seeker_id].append(proposal)
        suggestions = self._suggestions(seeker_id)
        kept = True if suggestions is None else suggestions.apply(proposal)
        if not kept and proposal.scored is not None and not proposal.reserved_before:
            # At once: the offer's next candidate may need that place.
            self.recommender.engine.alerted[proposal.offer_id].discard(seeker_id)
            self._count_alert(seeker_id, -1)
        return kept

    def kept(self, offer_id: str) -> set[str]:
        """The seekers written (or left as stored) with this offer among their suggestions."""
        return {i for i in self.written if (s := self.suggestions.get(i)) and offer_id in s.kept}

    async def write(self) -> set[str]:
        """Write every seeker changed, retrying those written meanwhile; return the seekers
        whose new events wait in their outbox."""
        engine = self.recommender.engine
        pending = set(self.proposals)
        announced: set[str] = set()
        for _ in range(ATTEMPTS):
            pending = {i for i in pending if i in engine.slot_of}
            unstored = {i for i in pending if i not in self.documents}
            writes = []
            for seeker_id in sorted(pending - unstored):
                write = self.suggestions[seeker_id].write()
                if write is None:
                    self.written.add(seeker_id)  # nothing new: stored as it should be
                else:
                    writes.append(write)
            saved = await self.recommender.seekers.save(writes) if writes else set()
            for write in writes:
                if write.seeker_id in saved:
                    self._note_written(self.suggestions[write.seeker_id])
                    if write.entries:
                        announced.add(write.seeker_id)
            lost = {w.seeker_id for w in writes if w.seeker_id not in saved}
            pending = lost | unstored
            if not pending:
                break
            if not lost:
                await asyncio.sleep(UNSTORED_PAUSE_S)
            await self._read_again(pending)
        else:
            lost = {i for i in pending if i in self.documents}
            if lost:
                raise ConcurrentUpdateError(", ".join(sorted(lost)))
            log.warning(
                "seekers never stored; their offers skipped", extra={"seekers": len(pending)}
            )
        self.recommender.wake(sorted(announced))
        return announced

    async def _read_again(self, seeker_ids: set[str]) -> None:
        for seeker_id in seeker_ids:
            self.documents.pop(seeker_id, None)
            self.suggestions.pop(seeker_id, None)
        await self.read(seeker_ids)
        for seeker_id in seeker_ids:
            suggestions = self._suggestions(seeker_id)
            if suggestions is not None:
                for proposal in self.proposals[seeker_id]:
                    if proposal.scored is None or self._still_reserved(seeker_id, proposal):
                        suggestions.apply(proposal)

    def _suggestions(self, seeker_id: str) -> Suggestions | None:
        found = self.suggestions.get(seeker_id)
        document = self.documents.get(seeker_id)
        slot = self.recommender.engine.slot_of.get(seeker_id)
        if found is None and document is not None and slot is not None:
            settings = self.recommender.settings
            seeker = self.recommender.engine.seeker(slot)
            found = Suggestions(document, seeker, settings.top_k, settings.strong_score)
            self.suggestions[seeker_id] = found
        return found

    def _still_reserved(self, seeker_id: str, proposal: Proposal) -> bool:
        assert proposal.offer is not None
        return self.recommender.reserve(proposal.offer, seeker_id)

    def _note_written(self, suggestions: Suggestions) -> None:
        self.written.add(suggestions.seeker.seeker_id)
        engine = self.recommender.engine
        slot = engine.slot_of.get(suggestions.seeker.seeker_id)
        if slot is not None:
            engine.alerts[slot] += len(suggestions.found)
        for offer_id in suggestions.found:
            engine.alerted[offer_id].add(suggestions.seeker.seeker_id)

    def _count_alert(self, seeker_id: str, alerts: int) -> None:
        slot = self.recommender.engine.slot_of.get(seeker_id)
        if slot is not None:
            self.recommender.engine.alerts[slot] += alerts
            self.provisional[seeker_id] += alerts

    def settle_reservations(self) -> None:
        """Once written (or failed): the alerts counted in advance give way to those written,
        and an alert place reserved for a seeker who did not keep the offer goes back."""
        for seeker_id, alerts in list(self.provisional.items()):
            self._count_alert(seeker_id, -alerts)
        alerted = self.recommender.engine.alerted
        for seeker_id, proposals in self.proposals.items():
            suggestions = self.suggestions.get(seeker_id)
            kept = suggestions.kept if suggestions and seeker_id in self.written else set()
            for proposal in proposals:
                taken_here = proposal.scored is not None and not proposal.reserved_before
                if taken_here and proposal.offer_id not in kept:
                    alerted[proposal.offer_id].discard(seeker_id)
