"""The in-memory candidate index and the ranking of seekers for an offer, and offers for a seeker.

Seekers' facts sit in compact NumPy columns (one slot per seeker). The index maps (occupation,
grid cell) to the slots of the seekers who look for that occupation and whose radius reaches into
that cell, so that a new offer examines only plausible seekers: those of its occupation or a close
neighbour, living near enough. A vectorised pass gives every examined seeker an upper bound of their
score; the exact, explained score (scoring.explain) then decides, for the few that pass.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.domain.grid import F64, Vocabulary, cell_of, cells_covering, haversine_km
from recommender.domain.model import Offer, Seeker
from recommender.domain.occupations import OccupationGraph
from recommender.domain.scoring import (
    CONTRACT_STEP,
    DISTANCE_SPAN,
    MIN_RADIUS_KM,
    PRIORITY_STEP,
    UNKNOWN_SALARY,
    WEIGHTS,
    WISHED_EXPERIENCE_SHORT,
    Scored,
    explain,
    neighbour_fit,
)

MAX_OCCUPATIONS = 5
MAX_CONTRACTS = 5
WORKING_TIMES = {"any": 0, "full_time": 1, "part_time": 2}
# A hair of slack so that the vectorised bound never drops what the exact score keeps.
BOUND_SLACK = 1e-6

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Candidate:
    seeker_id: str
    slot: int
    scored: Scored


class MatchingEngine:
    lat: F64
    lon: F64
    radius: F64
    rome_ids: npt.NDArray[np.int32]
    contract_ids: npt.NDArray[np.int16]
    working_time: npt.NDArray[np.int8]
    min_salary: I64
    experience: npt.NDArray[np.int32]
    skill_bits: npt.NDArray[np.uint64]
    language_bits: npt.NDArray[np.uint64]
    active: npt.NDArray[np.bool_]
    flags: npt.NDArray[np.int8]
    counsellor: npt.NDArray[np.int32]
    version: I64
    alerts: npt.NDArray[np.int32]
    shard: npt.NDArray[np.int16]

    def __init__(
        self,
        graph: OccupationGraph,
        min_score: float = 0.5,
        capacity: int = 1024,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.graph = graph
        self.labels = labels or {}
        self.min_score = min_score
        self.romes = Vocabulary()
        self.contracts = Vocabulary()
        self.words = Vocabulary()  # skills, languages and licences, each with its own prefix
        self.counsellors = Vocabulary()
        self.ids: list[str | None] = []
        self.slot_of: dict[str, int] = {}
        self._free: list[int] = []
        self._allocate(capacity)
        self.index: dict[int, array[int]] = {}
        self.excluded: dict[int, frozenset[str]] = {}
        self.rejected: dict[int, set[str]] = defaultdict(set)
        self.offers: dict[str, Offer] = {}
        self.offer_index: dict[int, set[str]] = defaultdict(set)
        self.alerted: dict[str, set[str]] = defaultdict(set)  # offer id -> seekers alerted

    # Seekers

    def _allocate(self, capacity: int) -> None:
        old = len(self.ids)
        self.ids.extend([None] * (capacity - old))

        def grow(name: str, dtype: type, fill: float | int, width: int = 0) -> None:
            shape: tuple[int, ...] = (capacity, width) if width else (capacity,)
            column: npt.NDArray[Any] = np.full(shape, fill, dtype=dtype)
            if old:
                column[:old] = getattr(self, name)
            setattr(self, name, column)

        grow("lat", np.float64, 0.0)
        grow("lon", np.float64, 0.0)
        grow("radius", np.float64, 0.0)
        grow("rome_ids", np.int32, -1, MAX_OCCUPATIONS)
        grow("contract_ids", np.int16, -1, MAX_CONTRACTS)
        grow("working_time", np.int8, 0)
        grow("min_salary", np.int64, -1)
        grow("experience", np.int32, 0)
        grow("skill_bits", np.uint64, 0)
        grow("language_bits", np.uint64, 0)
        grow("active", np.bool_, False)
        grow("flags", np.int8, 0)
        grow("counsellor", np.int32, -1)
        grow("version", np.int64, 0)
        grow("alerts", np.int32, 0)
        grow("shard", np.int16, -1)  # the Kafka partition the seeker's profile events come from
        self._sets: list[tuple[int, ...]] = getattr(self, "_sets", []) + [()] * (capacity - old)

    def __len__(self) -> int:
        return len(self.slot_of)

    def version_of(self, seeker_id: str) -> int:
        slot = self.slot_of.get(seeker_id)
        return 0 if slot is None else int(self.version[slot])

    def upsert(
        self,
        seeker: Seeker,
        rejected: Iterable[str] = (),
        alerts: int = 0,
        shard: int | None = None,
    ) -> int:
        """Register (or re-register) a seeker's effective facts; return their slot."""
        slot = self.slot_of.get(seeker.seeker_id)
        if slot is not None:
            self._unindex(slot)
        else:
            if not self._free:
                self._allocate(max(1024, 2 * len(self.ids)))
                self._free = [s for s in range(len(self.ids) - 1, -1, -1) if self.ids[s] is None]
            slot = self._free.pop()
            self.slot_of[seeker.seeker_id] = slot
            self.ids[slot] = seeker.seeker_id
            self.alerts[slot] = alerts
        romes = [self.romes.id(r) for r in seeker.occupations[:MAX_OCCUPATIONS]]
        self.rome_ids[slot] = -1
        self.rome_ids[slot, : len(romes)] = romes
        contracts = [self.contracts.id(c) for c in seeker.contracts[:MAX_CONTRACTS]]
        self.contract_ids[slot] = -1
        self.contract_ids[slot, : len(contracts)] = contracts
        self.lat[slot] = seeker.latitude
        self.lon[slot] = seeker.longitude
        self.radius[slot] = seeker.radius_km
        self.working_time[slot] = WORKING_TIMES.get(seeker.working_time, 0)
        self.min_salary[slot] = -1 if seeker.min_salary is None else seeker.min_salary
        self.experience[slot] = seeker.experience_months
        self.skill_bits[slot] = self.words.mask("s:" + s for s in seeker.skills)
        self.language_bits[slot] = self.words.mask("l:" + lang for lang in seeker.languages)
        self.active[slot] = seeker.consent
        self.flags[slot] = int(seeker.needs_review) | int(seeker.via_counsellor) << 1
        self.counsellor[slot] = (
            -1 if seeker.counsellor_id is None else self.counsellors.id(seeker.counsellor_id)
        )
        self.version[slot] = seeker.version
        if shard is not None:
            self.shard[slot] = shard
        self._sets[slot] = tuple(
            sorted(
                [self.words.id("s:" + s) for s in seeker.skills]
                + [self.words.id("l:" + lang) for lang in seeker.languages]
                + [self.words.id("p:" + lic) for lic in seeker.licences]
            )
        )
        if seeker.excluded_occupations:
            self.excluded[slot] = seeker.excluded_occupations
        else:
            self.excluded.pop(slot, None)
        if rejected:
            self.rejected[slot].update(rejected)
        if seeker.consent:
            cells = cells_covering(seeker.latitude, seeker.longitude, self._radius(slot))
            for rome in romes:
                for cell in cells:
                    key = rome << 20 | cell
                    found = self.index.get(key)
                    if found is None:
                        self.index[key] = array("i", (slot,))
                    else:
                        found.append(slot)
        return slot

    def remove(self, seeker_id: str, forget_alerts: bool = True) -> bool:
        """Forget a seeker; `forget_alerts=False` keeps them in the offers' alerted sets (the
        seeker moved to another replica: the fleet's alerts still count them)."""
        slot = self.slot_of.pop(seeker_id, None)
        if slot is None:
            return False
        self._unindex(slot)
        self.ids[slot] = None
        self.active[slot] = False
        self.version[slot] = 0
        self.alerts[slot] = 0
        self.counsellor[slot] = -1
        self._sets[slot] = ()
        self.excluded.pop(slot, None)
        self.rejected.pop(slot, None)
        self.shard[slot] = -1
        if forget_alerts:
            for seekers in self.alerted.values():
                seekers.discard(seeker_id)
        self._free.append(slot)
        return True

    def seekers_outside(self, shards: Iterable[int]) -> list[str]:
        """Seekers held here whose shard is not one of these."""
        slots = np.fromiter(self.slot_of.values(), dtype=np.int64, count=len(self.slot_of))
        outside = slots[~np.isin(self.shard[slots], np.fromiter(shards, dtype=np.int16))]
        return [str(self.ids[int(slot)]) for slot in outside]

    def shards(self) -> dict[str, int]:
        """Each seeker held here, with their shard."""
        return {seeker_id: int(self.shard[slot]) for seeker_id, slot in self.slot_of.items()}

    def reject(self, seeker_id: str, offer_id: str) -> None:
        slot = self.slot_of.get(seeker_id)
        if slot is not None:
            self.rejected[slot].add(offer_id)

    def _radius(self, slot: int) -> float:
        return max(float(self.radius[slot]), MIN_RADIUS_KM)

    def _unindex(self, slot: int) -> None:
        if not self.active[slot]:
            return
        cells = cells_covering(float(self.lat[slot]), float(self.lon[slot]), self._radius(slot))
        for rome in self.rome_ids[slot]:
            if rome < 0:
                continue
            for cell in cells:
                key = int(rome) << 20 | cell
                found = self.index.get(key)
                if found is not None and slot in found:
                    found.remove(slot)
                    if not found:
                        del self.index[key]

    def seeker(self, slot: int) -> Seeker:
        """The seeker's effective facts, read back from the columns."""
        words = [self.words.words[i] for i in self._sets[slot]]
        counsellor = int(self.counsellor[slot])
        minimum = int(self.min_salary[slot])
        flags = int(self.flags[slot])
        return Seeker(
            seeker_id=str(self.ids[slot]),
            version=int(self.version[slot]),
            occupations=tuple(self.romes.words[r] for r in self.rome_ids[slot] if r >= 0),
            latitude=float(self.lat[slot]),
            longitude=float(self.lon[slot]),
            radius_km=float(self.radius[slot]),
            contracts=tuple(self.contracts.words[c] for c in self.contract_ids[slot] if c >= 0),
            working_time=next(
                k for k, v in WORKING_TIMES.items() if v == int(self.working_time[slot])
            ),
            min_salary=None if minimum < 0 else minimum,
            experience_months=int(self.experience[slot]),
            skills=frozenset(w[2:] for w in words if w.startswith("s:")),
            languages=frozenset(w[2:] for w in words if w.startswith("l:")),
            licences=frozenset(w[2:] for w in words if w.startswith("p:")),
            counsellor_id=None if counsellor < 0 else self.counsellors.words[counsellor],
            consent=bool(self.active[slot]),
            needs_review=bool(flags & 1),
            via_counsellor=bool(flags & 2),
            excluded_occupations=self.excluded.get(slot, frozenset()),
        )

    def counsellor_of(self, seeker_id: str) -> str | None:
        slot = self.slot_of.get(seeker_id)
        if slot is None or self.counsellor[slot] < 0:
            return None
        return self.counsellors.words[int(self.counsellor[slot])]

    # From an offer to seekers

    def occupation_fits(self, offer: Offer) -> dict[str, float]:
        """Seekers' occupations this offer may go to, with the fit each earns (exact = 1)."""
        fits = {
            rome: neighbour_fit(s)
            for rome, s in self.graph.neighbours_of_offer(offer.rome_code).items()
        }
        fits[offer.rome_code] = 1.0
        return fits

    def examined_slots(self, offer: Offer) -> I64:
        cell = cell_of(offer.latitude, offer.longitude)
        found = []
        for rome in self.occupation_fits(offer):
            rome_id = self.romes.ids.get(rome)
            if rome_id is not None:
                slots = self.index.get(rome_id << 20 | cell)
                if slots is not None:
                    found.append(np.frombuffer(slots, dtype=np.int32))
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)

    def all_slots(self) -> I64:
        return np.flatnonzero(self.active).astype(np.int64)

    def score_bounds(self, slots: I64, offer: Offer) -> tuple[F64, F64]:
        """Vectorised upper bound of each seeker's score (-1 when out of reach), and distances."""
        fits = np.zeros(len(self.romes.words) + 1, dtype=np.float64)
        for rome, fit in self.occupation_fits(offer).items():
            rome_id = self.romes.ids.get(rome)
            if rome_id is not None:
                fits[rome_id] = fit
        romes = self.rome_ids[slots]
        priority = np.maximum(0.0, 1.0 - PRIORITY_STEP * np.arange(MAX_OCCUPATIONS))
        occupation = (fits[romes] * (romes >= 0) * priority).max(axis=1)
        distance = haversine_km(offer.latitude, offer.longitude, self.lat[slots], self.lon[slots])
        radius = np.maximum(self.radius[slots], MIN_RADIUS_KM)
        reachable = (occupation > 0) & (distance <= radius) & self.active[slots]
        near = 1.0 - DISTANCE_SPAN * np.minimum(1.0, distance / radius)

        wanted = self.contract_ids[slots]
        contract_id = self.contracts.ids.get(offer.contract_type, -2)
        same = wanted == contract_id
        ranked = np.maximum(0.2, 1.0 - CONTRACT_STEP * same.argmax(axis=1))
        contract = np.where(wanted[:, 0] < 0, 1.0, np.where(same.any(axis=1), ranked, 0.0))

        offer_time = WORKING_TIMES.get(offer.working_time, 0)
        times = self.working_time[slots]
        working_time = ((times == 0) | (times == offer_time)).astype(np.float64)

        minimum = self.min_salary[slots]
        best = offer.salary_max if offer.salary_max is not None else offer.salary_min
        if best is None:
            salary = np.where(minimum < 0, 1.0, UNKNOWN_SALARY)
        else:
            salary = ((minimum < 0) | (minimum <= best)).astype(np.float64)

        skills = self.share_held(self.skill_bits[slots], "s:", offer.required_skills)

        if offer.experience == "D":
            experience = np.ones(len(slots), dtype=np.float64)
        else:
            short = 0.0 if offer.experience == "E" else WISHED_EXPERIENCE_SHORT
            experience = np.where(self.experience[slots] >= offer.experience_months, 1.0, short)

        languages = self.share_held(self.language_bits[slots], "l:", offer.languages)

        score = (
            WEIGHTS["occupation"] * occupation
            + WEIGHTS["distance"] * near
            + WEIGHTS["contract"] * contract
            + WEIGHTS["salary"] * salary
            + WEIGHTS["skills"] * skills
            + WEIGHTS["working_time"] * working_time
            + WEIGHTS["experience"] * experience
            + WEIGHTS["languages"] * languages
        )
        bounds: F64 = np.where(reachable, score, -1.0)
        return bounds, distance

    def share_held(self, bits: npt.NDArray[np.uint64], prefix: str, wanted: Sequence[str]) -> F64:
        """Each seeker's share of the `wanted` words (skills, languages) their `bits` hold; 1
        where nothing is wanted."""
        if not wanted:
            return np.ones(len(bits), dtype=np.float64)
        held = np.zeros(len(bits), dtype=np.float64)
        for word in wanted:
            held += (bits & np.uint64(self.words.bit(prefix + word))) != 0
        return held / len(wanted)

    def rank_seekers(self, offer: Offer, brute_force: bool = False) -> list[Candidate]:
        """Seekers this offer suits, best first; equals by fewest alerts, then a stable shuffle."""
        slots = self.all_slots() if brute_force else self.examined_slots(offer)
        if len(slots) == 0:
            return []
        bounds, distances = self.score_bounds(slots, offer)
        keep = np.flatnonzero(bounds >= self.min_score - BOUND_SLACK)
        neighbours = self.graph.neighbours_of_offer(offer.rome_code)
        found = []
        for position in keep:
            slot = int(slots[position])
            seeker_id = self.ids[slot]
            if seeker_id is None or offer.offer_id in self.rejected.get(slot, ()):
                continue
            scored = explain(
                self.seeker(slot), offer, neighbours, float(distances[position]), self.labels
            )
            if scored is not None and scored.score >= self.min_score:
                found.append(Candidate(seeker_id, slot, scored))
        found.sort(key=lambda c: self._rank_key(c, offer.offer_id))
        return found

    def _rank_key(self, candidate: Candidate, offer_id: str) -> tuple[float, int, str]:
        # Equally good candidates: fewest alerts so far first, then an order that differs per offer,
        # so that the same seekers are not always first.
        shuffle = hashlib.blake2b(
            f"{offer_id}/{candidate.seeker_id}".encode(), digest_size=8
        ).hexdigest()
        return (-round(candidate.scored.score, 2), int(self.alerts[candidate.slot]), shuffle)

    # From a seeker to offers

    def add_offer(self, offer: Offer) -> None:
        self.remove_offer(offer.offer_id)
        self.offers[offer.offer_id] = offer
        self.offer_index[self._offer_key(offer)].add(offer.offer_id)

    def remove_offer(self, offer_id: str) -> Offer | None:
        offer = self.offers.pop(offer_id, None)
        if offer is not None:
            self.offer_index[self._offer_key(offer)].discard(offer_id)
        return offer

    def _offer_key(self, offer: Offer) -> int:
        return self.romes.id(offer.rome_code) << 20 | cell_of(offer.latitude, offer.longitude)

    def rank_offers(self, seeker_id: str) -> list[tuple[Offer, Scored]]:
        """Open offers that suit the seeker, best first."""
        slot = self.slot_of.get(seeker_id)
        if slot is None or not self.active[slot]:
            return []
        seeker = self.seeker(slot)
        rejected = self.rejected.get(slot, set())
        cells = cells_covering(seeker.latitude, seeker.longitude, self._radius(slot))
        romes: set[str] = set()
        for wanted in seeker.occupations:
            romes.add(wanted)
            romes.update(self.graph.offer_occupations_for(wanted))
        found = []
        for rome in sorted(romes):
            rome_id = self.romes.ids.get(rome)
            if rome_id is None:
                continue
            for cell in cells:
                for offer_id in self.offer_index.get(rome_id << 20 | cell, ()):
                    if offer_id in rejected:
                        continue
                    offer = self.offers[offer_id]
                    distance = float(
                        haversine_km(
                            seeker.latitude,
                            seeker.longitude,
                            np.array([offer.latitude]),
                            np.array([offer.longitude]),
                        )[0]
                    )
                    scored = explain(
                        seeker,
                        offer,
                        self.graph.neighbours_of_offer(offer.rome_code),
                        distance,
                        self.labels,
                    )
                    if scored is not None and scored.score >= self.min_score:
                        found.append((offer, scored))
        found.sort(key=lambda item: (-item[1].score, item[0].offer_id))
        return found
