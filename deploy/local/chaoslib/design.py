"""A seeded workload whose alerts are known in advance.

Seekers come in small groups. A group lives in one commune of its own (communes several radii
apart, so that no offer reaches another group), looks for one occupation, and holds a skill that
only this run's offers require: an offer of the group's occupation in the group's commune scores
1.0 for each member and at most 0.9 for anybody else (the required skill is missing), so the
members always rank first. Each group receives at most `top_k` offers (no suggestion is ever
pushed out of a seeker's top K) and is never larger than an offer's alert cap (no member is left
out by fairness). The expected alerts are then every (member, offer of the group) pair: the
recommender's own pure engine recomputes them (`expected_by_engine`) and the harness stops before
publishing anything when the two disagree.

Deliveries are predictable whatever the time of day: instant frequency, no quiet hours, no
review before send, no counsellor, and a push budget above what a seeker can receive in an hour.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from refdata import Referential

# External channels of each seeker, by seeker index: every channel is exercised, alone and together.
CHANNEL_MIXES: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("push",),
    ("sms",),
    ("email", "push", "sms"),
)
INBOX = "inbox"
MAX_PUSH_PER_HOUR = 60  # the highest the notifier accepts
# Group communes are at least this far apart: several times a seeker's radius.
MIN_SEPARATION_KM = 8.0
SEEKER_RADIUS_KM = 1
CONTRACT = "CDI"


class DesignError(ValueError):
    """The requested workload cannot give exactly predictable alerts; the message says why."""


@dataclass(frozen=True)
class Limits:
    """The recommender's settings the design must respect."""

    top_k: int = 20
    min_score: float = 0.5
    alerts_per_position: float = 5.0
    max_alerts_per_offer: int = 50
    neighbours_top: int = 3
    neighbours_threshold: float = 0.05

    @property
    def cap(self) -> int:
        """Seekers one offer (one position) may alert."""
        return max(1, min(self.max_alerts_per_offer, math.ceil(self.alerts_per_position)))


@dataclass(frozen=True)
class Place:
    commune_code: str
    postcode: str | None
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Group:
    index: int
    place: Place
    rome_code: str
    seekers: tuple[str, ...]
    offers: tuple[str, ...]


@dataclass(frozen=True)
class Design:
    run_id: str
    seed: int
    skill: str
    groups: tuple[Group, ...]
    channels: Mapping[str, tuple[str, ...]]  # seeker -> external channels
    offer_order: tuple[str, ...]  # publication order (groups interleaved)
    group_of_offer: Mapping[str, int] = field(repr=False)
    group_of_seeker: Mapping[str, int] = field(repr=False)

    @property
    def seekers(self) -> list[str]:
        return [s for g in self.groups for s in g.seekers]

    @property
    def offers(self) -> tuple[str, ...]:
        return self.offer_order

    def _pairs(self) -> Iterable[tuple[str, str]]:
        """Every (member, offer of the group) pair, group by group."""
        return ((s, o) for g in self.groups for s in g.seekers for o in g.offers)

    def expected_pairs(self) -> set[tuple[str, str]]:
        return set(self._pairs())

    def expected_channels(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Every expected alert with the channels it must reach: the inbox and the seeker's own."""
        return {(s, o): (INBOX, *self.channels[s]) for s, o in self._pairs()}

    def profile(self, seeker_id: str) -> dict[str, Any]:
        """The profile as the profiles service takes it (`PUT /seekers/{id}/profile`)."""
        group = self.groups[self.group_of_seeker[seeker_id]]
        number = int(seeker_id.rsplit("s", 1)[1])
        return {
            "contact": {
                "first_name": "Chaos",
                "last_name": f"Seeker {number}",
                "email": f"{seeker_id}@example.org",
                "phone": f"+33 7 {number:08d}",
                "push_token": f"push-{seeker_id}",
            },
            "occupations": [{"rome_code": group.rome_code, "priority": 1}],
            "skills": [self.skill],
            "experience_years": 5,
            "languages": ["fr"],
            "driving_licences": [],
            "place": {
                "commune_code": group.place.commune_code,
                "latitude": group.place.latitude,
                "longitude": group.place.longitude,
            },
            "radius_km": SEEKER_RADIUS_KM,
            "contract_types": [{"contract_type": CONTRACT, "priority": 1}],
            "working_time": "any",
            "min_monthly_salary_eur": None,
            "needs_support": False,
            "no_smartphone": False,
            "review_before_send": False,
            "consent_to_matching": True,
        }

    def preferences(self, seeker_id: str) -> dict[str, Any]:
        """Notifier preferences (`PUT /seekers/{id}/preferences`): instant, never quiet."""
        return {
            "channels": {
                "new_match": [INBOX, *self.channels[seeker_id]],
                "offer_closed": [INBOX],
                "counsellor_message": [INBOX],
            },
            "frequency": "instant",
            "quiet_hours": None,
            "max_push_per_hour": MAX_PUSH_PER_HOUR,
        }

    def offer_record(self, offer_id: str, now: datetime) -> dict[str, Any]:
        """The offer in France Travail's format, for `POST /offers/import`."""
        group = self.groups[self.group_of_offer[offer_id]]
        created = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        place = group.place
        return {
            "id": offer_id,
            "intitule": f"Chaos {offer_id}",
            "description": f"Offer {offer_id} of chaos run {self.run_id}.",
            "dateCreation": created,
            "dateActualisation": created,
            "lieuTravail": {
                "libelle": place.commune_code,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "codePostal": place.postcode,
                "commune": place.commune_code,
            },
            "romeCode": group.rome_code,
            "typeContrat": CONTRACT,
            "experienceExige": "D",
            "competences": [{"libelle": self.skill, "exigence": "E"}],
            "dureeTravailLibelleConverti": "Temps plein",
            "nombrePostes": 1,
            "origineOffre": {"origine": "1"},
        }


def seeker_id(run_id: str, index: int) -> str:
    return f"chaos-{run_id}-s{index:05d}"


def offer_id(run_id: str, index: int) -> str:
    return f"chaos-{run_id}-o{index:06d}"


def _candidate_places(referential: Referential, rng: random.Random) -> Iterable[Place]:
    communes = sorted(
        (
            c
            for c in referential.communes.values()
            if c.has_coordinates and not c.city_code and not c.insee_code.startswith(("97", "98"))
        ),
        key=lambda c: c.insee_code,
    )
    rng.shuffle(communes)
    for c in communes:
        if c.latitude is None or c.longitude is None:
            continue
        yield Place(c.insee_code, c.postcodes[0] if c.postcodes else None, c.latitude, c.longitude)


def far_apart_places(
    candidates: Iterable[Place], count: int, min_km: float = MIN_SEPARATION_KM
) -> list[Place]:
    """The first `count` candidates that are at least `min_km` from every one kept before."""
    from refdata.geo import distance_km

    cell_deg = 0.2  # > min_km in latitude; longitude cells are wider still in metropolitan France
    kept: list[Place] = []
    grid: dict[tuple[int, int], list[Place]] = defaultdict(list)
    for place in candidates:
        row, column = int(place.latitude // cell_deg), int(place.longitude // cell_deg)
        near = (
            other
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for other in grid.get((row + dr, column + dc), ())
        )
        if any(
            distance_km(place.latitude, place.longitude, o.latitude, o.longitude) < min_km
            for o in near
        ):
            continue
        kept.append(place)
        grid[(row, column)].append(place)
        if len(kept) == count:
            return kept
    raise DesignError(f"only {len(kept)} communes at least {min_km} km apart; {count} needed")


def make_design(
    referential: Referential,
    *,
    run_id: str,
    seed: int,
    seekers: int,
    offers: int,
    group_size: int,
    limits: Limits,
) -> Design:
    """Lay the workload out, or raise DesignError saying which limit it would break."""
    if group_size < 1 or seekers < group_size or seekers % group_size:
        raise DesignError(
            f"--seekers ({seekers}) must be a positive multiple of --group-size ({group_size})"
        )
    if group_size > limits.cap:
        raise DesignError(
            f"groups of {group_size} exceed the alert cap of a one-position offer ({limits.cap}): "
            "fairness would leave members out"
        )
    if offers < 1:
        raise DesignError("--offers must be at least 1")
    n_groups = seekers // group_size
    per_group = math.ceil(offers / n_groups)
    if per_group > limits.top_k:
        raise DesignError(
            f"{offers} offers over {n_groups} groups is {per_group} offers per seeker, more than "
            f"the recommender keeps (top {limits.top_k}): raise --seekers to at least "
            f"{math.ceil(offers / limits.top_k) * group_size}"
        )
    if per_group > MAX_PUSH_PER_HOUR // 2:
        raise DesignError(f"{per_group} pushes per seeker could reach the hourly push budget")
    rng = random.Random(f"chaos:{seed}:{run_id}")  # noqa: S311 (a seeded workload)
    places = far_apart_places(_candidate_places(referential, rng), n_groups)
    occupations = sorted(referential.occupations)
    offer_ids = [offer_id(run_id, n) for n in range(offers)]
    groups: list[Group] = []
    channels: dict[str, tuple[str, ...]] = {}
    group_of_seeker: dict[str, int] = {}
    group_of_offer: dict[str, int] = {}
    for g in range(n_groups):
        members = tuple(seeker_id(run_id, g * group_size + m) for m in range(group_size))
        owned = tuple(offer_ids[g::n_groups])
        groups.append(Group(g, places[g], rng.choice(occupations), members, owned))
        for m, member in enumerate(members):
            channels[member] = CHANNEL_MIXES[(g * group_size + m) % len(CHANNEL_MIXES)]
            group_of_seeker[member] = g
        for o in owned:
            group_of_offer[o] = g
    return Design(
        run_id=run_id,
        seed=seed,
        skill=f"Chaos {run_id}",
        groups=tuple(groups),
        channels=channels,
        offer_order=tuple(offer_ids),
        group_of_offer=group_of_offer,
        group_of_seeker=group_of_seeker,
    )


def expected_by_engine(
    design: Design,
    neighbours: Mapping[str, Mapping[str, float]],
    limits: Limits,
    brute_force: bool = False,
) -> set[tuple[str, str]]:
    """The alerts the recommender's own engine gives for this workload, offers in publication
    order, with the alert cap per offer and the top K per seeker. `brute_force` examines every
    seeker for every offer instead of the engine's candidate index (slower, same answer)."""
    from contracts import ProfileUpdated
    from recommender.domain.engine import MatchingEngine
    from recommender.domain.model import Offer, normalise, seeker_from_event
    from recommender.domain.occupations import OccupationGraph

    graph = OccupationGraph(
        neighbours, top=limits.neighbours_top, threshold=limits.neighbours_threshold
    )
    engine = MatchingEngine(graph, limits.min_score, capacity=max(1024, len(design.seekers)))
    for number, sid in enumerate(design.seekers):
        facts = {k: v for k, v in design.profile(sid).items() if k not in ("contact",)}
        event = ProfileUpdated.model_validate({**facts, "seeker_id": sid, "version": 1})
        engine.upsert(seeker_from_event(event), shard=number % 6)
    kept: dict[str, dict[str, float]] = defaultdict(dict)
    pairs: set[tuple[str, str]] = set()
    for oid in design.offer_order:
        group = design.groups[design.group_of_offer[oid]]
        offer = Offer(
            offer_id=oid,
            version=1,
            title=f"Chaos {oid}",
            rome_code=group.rome_code,
            latitude=group.place.latitude,
            longitude=group.place.longitude,
            contract_type=CONTRACT,
            working_time="full_time",
            required_skills=(normalise(design.skill),),
        )
        for candidate in engine.rank_seekers(offer, brute_force=brute_force)[: limits.cap]:
            suggestions = kept[candidate.seeker_id]
            suggestions[oid] = candidate.scored.score
            if len(suggestions) > limits.top_k:
                raise DesignError(
                    f"{candidate.seeker_id} would get more than {limits.top_k} suggestions"
                )
            pairs.add((candidate.seeker_id, oid))
    return pairs


def check_design(
    design: Design,
    neighbours: Mapping[str, Mapping[str, float]],
    limits: Limits,
    brute_force: bool = False,
) -> set[tuple[str, str]]:
    """The expected alerts, once the engine agrees with the design; DesignError otherwise."""
    intended = design.expected_pairs()
    computed = expected_by_engine(design, neighbours, limits, brute_force)
    if computed != intended:
        missing = sorted(intended - computed)[:3]
        extra = sorted(computed - intended)[:3]
        raise DesignError(
            f"the scoring rules give {len(computed)} alerts, the design {len(intended)} "
            f"(missing e.g. {missing}, extra e.g. {extra})"
        )
    return computed


def channel_counts(design: Design) -> Counter[str]:
    """Expected deliveries per channel (the inbox included)."""
    counts: Counter[str] = Counter()
    for channels in design.expected_channels().values():
        counts.update(channels)
    return counts


def limits_from(settings: Any) -> Limits:
    """Limits from the recommender's Settings (whatever its environment says)."""
    return Limits(**{f.name: getattr(settings, f.name) for f in fields(Limits)})
