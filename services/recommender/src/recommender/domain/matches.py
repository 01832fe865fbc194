"""A seeker's current suggestions (top K) and which changes are worth telling them about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MATERIAL_SCORE_CHANGE = 0.05


@dataclass(frozen=True, slots=True)
class Proposal:
    offer_id: str
    score: float
    match: dict[str, Any]  # the stored form of the match: score, reasons, missing, versions...


def is_material(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """A new match, a score that moved enough, or different reasons: worth an event."""
    if old is None:
        return True
    if abs(float(old["score"]) - float(new["score"])) >= MATERIAL_SCORE_CHANGE:
        return True
    return codes(old) != codes(new)


def codes(match: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(sorted(r["code"] for r in match["reasons"])),
        tuple(sorted(r["code"] for r in match["missing"])),
    )


def keep_best(matches: dict[str, dict[str, Any]], k: int) -> dict[str, dict[str, Any]]:
    best = sorted(matches.items(), key=lambda item: (-float(item[1]["score"]), item[0]))[:k]
    return dict(best)


def escape_key(offer_id: str) -> str:
    """Offer ids become field names in the seeker's document: no dots, no leading dollar."""
    return offer_id.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def unescape_key(key: str) -> str:
    return key.replace("%24", "$").replace("%2E", ".").replace("%25", "%")
