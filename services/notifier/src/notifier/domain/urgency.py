"""What a counsellor should look at first: fresh matches in occupations short of candidates,
seekers of the caseload who have shown no sign of life for a while, and offers seekers turned
down ("not for me", with their reason)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

MATCH = "match"
INACTIVE = "inactive"
FEEDBACK = "feedback"
# A "not for me" is worth a word with the seeker as much as a seeker who just reached the
# silence threshold (`inactivity_urgency` at N days).
FEEDBACK_URGENCY = 0.5


@dataclass(frozen=True)
class DigestLine:
    kind: str
    seeker_id: str
    urgency: float
    offer_id: str | None = None
    offer_title: str | None = None
    tension_pct: float | None = None
    score: float | None = None
    days_inactive: int | None = None
    reason: str | None = None

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> DigestLine:
        return cls(**{k: doc.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


def match_urgency(tension_pct: float, score: float) -> float:
    """Hiring difficulty (share of hirings expected to be hard) weighted by how well it fits."""
    return round(tension_pct / 100 * score, 4)


def inactivity_urgency(days_inactive: int, threshold_days: int) -> float:
    """0.5 on the day the threshold is reached, rising to 1 at three times the threshold."""
    beyond = max(days_inactive - threshold_days, 0) / (2 * threshold_days)
    return round(min(1.0, 0.5 + 0.5 * beyond), 4)


def urgent_lines(
    matches: Iterable[Mapping[str, Any]],
    inactive: Iterable[Mapping[str, Any]],
    tension: Mapping[str, float],
    feedback: Iterable[Mapping[str, Any]] = (),
    *,
    min_tension_pct: float,
    inactive_days: int,
    at: datetime,
) -> list[DigestLine]:
    """Digest lines, most urgent first; matches outside tense occupations are left out.

    `feedback`: the seekers' "not for me" (seeker_id, offer_id, offer_title, feedback_reason).
    """
    lines: list[DigestLine] = []
    for match in matches:
        pct = tension.get(match.get("rome_code") or "")
        if pct is None or pct < min_tension_pct:
            continue
        score = float(match.get("score") or 0.0)
        lines.append(
            DigestLine(
                kind=MATCH,
                seeker_id=match["seeker_id"],
                urgency=match_urgency(pct, score),
                offer_id=match["offer_id"],
                offer_title=match.get("offer_title") or "",
                tension_pct=pct,
                score=score,
            )
        )
    for seeker in inactive:
        days = (at - seeker["last_activity_at"]).days
        if days < inactive_days:
            continue
        lines.append(
            DigestLine(
                kind=INACTIVE,
                seeker_id=seeker["_id"],
                urgency=inactivity_urgency(days, inactive_days),
                days_inactive=days,
            )
        )
    for said in feedback:
        lines.append(
            DigestLine(
                kind=FEEDBACK,
                seeker_id=said["seeker_id"],
                urgency=FEEDBACK_URGENCY,
                offer_id=said["offer_id"],
                offer_title=said.get("offer_title") or "",
                reason=said["feedback_reason"],
            )
        )
    lines.sort(key=lambda line: (-line.urgency, line.kind, line.seeker_id, line.offer_id or ""))
    return lines
