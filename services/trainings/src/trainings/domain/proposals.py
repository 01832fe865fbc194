"""Trainings proposed to a seeker, and why: reasons as codes and figures (the wording catalogue
says them in French and English).

Two triggers, read from the seeker's suggestions as the recommender scored them:

- a gap: most of the seeker's near-matches miss the same thing (`licence_missing`,
  `languages_missing`, `skills_missing`, `experience_short`): trainings that fill it;
- thin suggestions: fewer than `GOOD_ENOUGH` suggestions score well: trainings that lead to the
  seeker's target occupations (their ROME codes).

Only sessions that have not begun, whose recruitment is open, within the seeker's radius. A
record without ROME code is matched on what it carries (its title, FORMACODE and NSF), and says
so. No outcome figure (share of trainees back in work) is shown: LHEO exports carry none.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from contracts.reasons import ProposalReasonCode
from refdata import distance_km
from servicekit.coded_reason import CodedReason
from trainings.domain.session import Session

GOOD_SCORE = 0.6
GOOD_ENOUGH = 3
# A gap counts when at least this share of the near-matches (and two of them) miss it.
GAP_SHARE = 0.5
NSF_TRANSPORT = "311"  # transport, manutention, magasinage
# What a training's title says when it fills a gap the recommender names.
GAP_WORDS: dict[str, tuple[str, ...]] = {
    "licence_missing": ("permis",),
    "languages_missing": ("anglais", "espagnol", "allemand", "italien", "arabe", "langue"),
}
# Gaps that a training leading to the target occupation fills (skills, experience).
OCCUPATION_GAPS = ("skills_missing", "experience_short")
# The funders a reason names (LHEO codes): France Travail, the Region, an OPCO, Agefiph.
FUNDERS = ("4", "2", "16", "7")


@dataclass(frozen=True)
class NearMatch:
    score: float
    missing: tuple[str, ...]  # the recommender's reason codes


@dataclass(frozen=True)
class Seeker:
    latitude: float
    longitude: float
    radius_km: float
    occupations: tuple[str, ...]


Reason = CodedReason[ProposalReasonCode]


@dataclass(frozen=True)
class Proposal:
    session: Session
    distance_km: float
    fills: str | None  # the gap code, or None when it leads to a target occupation
    reasons: tuple[Reason, ...]


def folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return plain.lower()


def gaps(near_matches: Sequence[NearMatch]) -> list[tuple[str, int]]:
    """The gaps most near-matches share, most frequent first, with how many miss each."""
    counts = Counter(code for match in near_matches for code in set(match.missing))
    needed = max(2, GAP_SHARE * len(near_matches))
    known = set(GAP_WORDS) | set(OCCUPATION_GAPS)
    return [(c, n) for c, n in counts.most_common() if c in known and n >= needed]


def thin(near_matches: Sequence[NearMatch]) -> bool:
    return sum(1 for match in near_matches if match.score >= GOOD_SCORE) < GOOD_ENOUGH


def available(session: Session, today: date) -> bool:
    """Not begun, not full: a seeker can still join it."""
    begun = session.starts_on is None or session.starts_on <= today
    return session.recruiting and not begun


def fills_gap(session: Session, gap: str, seeker: Seeker) -> bool:
    if gap in GAP_WORDS:
        title = folded(session.title)
        if any(re.search(rf"\b{word}\b", title) for word in GAP_WORDS[gap]):
            return True
        return gap == "licence_missing" and NSF_TRANSPORT in session.nsf_codes and "permis" in title
    return leads_to_target(session, seeker)


def leads_to_target(session: Session, seeker: Seeker) -> bool:
    return bool(set(session.rome_codes) & set(seeker.occupations))


def propose(
    seeker: Seeker,
    near_matches: Sequence[NearMatch],
    sessions: Iterable[Session],
    today: date,
    limit: int = 10,
) -> list[Proposal]:
    found_gaps = gaps(near_matches)
    is_thin = thin(near_matches)
    proposals: list[Proposal] = []
    for session in sessions:
        if not available(session, today):
            continue
        km = distance_km(
            seeker.latitude, seeker.longitude, session.place.latitude, session.place.longitude
        )
        if km > seeker.radius_km:
            continue
        gap = next((g for g in found_gaps if fills_gap(session, g[0], seeker)), None)
        if gap is None and not (is_thin and leads_to_target(session, seeker)):
            continue
        reasons = explain(session, km, gap, len(near_matches), today)
        proposals.append(Proposal(session, round(km, 1), gap[0] if gap else None, reasons))
    # Gaps first (the most shared first), then the nearest, then the soonest.
    rank = {code: position for position, (code, _) in enumerate(found_gaps)}
    proposals.sort(
        key=lambda p: (
            rank.get(p.fills or "", len(rank)),
            p.distance_km,
            p.session.starts_on or today,
        )
    )
    return proposals[:limit]


def _days(session: Session) -> int | None:
    if session.starts_on and session.ends_on:
        return (session.ends_on - session.starts_on).days + 1
    return None


def explain(
    session: Session, km: float, gap: tuple[str, int] | None, near: int, today: date
) -> tuple[Reason, ...]:
    reasons: list[Reason] = []
    if gap is not None:
        code, count = gap
        reasons.append(Reason(ProposalReasonCode(f"gap_{code}"), {"count": count, "near": near}))
    else:
        reasons.append(Reason(ProposalReasonCode.LEADS_TO_TARGET))
    reasons.append(_when_and_where(session, km))
    funding = _funding(session)
    if funding is not None:
        reasons.append(funding)
    if not session.rome_codes:
        carried = {
            "formacodes": " ".join(session.formacodes),
            "nsf_codes": " ".join(session.nsf_codes),
        }
        reasons.append(
            Reason(ProposalReasonCode.NO_ROME_CODE, {k: v for k, v in carried.items() if v})
        )
    return tuple(reasons)


def _when_and_where(session: Session, km: float) -> Reason:
    start = session.starts_on
    assert start is not None  # only sessions with a start are proposed
    params: dict[str, str | int | float] = {
        "commune_code": session.place.commune_code,
        "distance_km": round(km),
        "starts_on": start.isoformat(),
    }
    if session.city:
        params["city"] = session.city
    days = _days(session)
    if days:
        params["days"] = days
    return Reason(ProposalReasonCode.SESSION, params)


def _funding(session: Session) -> Reason | None:
    if not session.funding_possible and not session.funders:
        return None
    named = [c for c in session.funders if c in FUNDERS]
    if not named:
        return Reason(ProposalReasonCode.FUNDING_POSSIBLE)
    return Reason(ProposalReasonCode.FUNDING, {"funders": " ".join(named)})


def recommended(seeker: Seeker, session: Session, today: date) -> Proposal | None:
    """A session the counsellor recommended that the proposals no longer bring up (the seeker's
    profile changed since): still shown while it can be joined, with the counsellor's word."""
    if not available(session, today):
        return None
    km = distance_km(
        seeker.latitude, seeker.longitude, session.place.latitude, session.place.longitude
    )
    reasons = [Reason(ProposalReasonCode.RECOMMENDED), _when_and_where(session, km)]
    funding = _funding(session)
    if funding is not None:
        reasons.append(funding)
    return Proposal(session, round(km, 1), None, tuple(reasons))


def with_decisions(
    proposals: Sequence[Proposal],
    recommended_ids: Iterable[str],
    also_recommended: Iterable[Proposal],
) -> list[Proposal]:
    """The counsellor's recommendations first (in the proposals' order), then the others."""
    chosen = set(recommended_ids)
    extra = [p for p in also_recommended if p.session.id not in {q.session.id for q in proposals}]
    first = [p for p in proposals if p.session.id in chosen] + extra
    return first + [p for p in proposals if p.session.id not in chosen]
